//! Calls of any operation of the catalog, by its Auth0 name.
//!
//! Every operation of both specs has a method on the generated handlers
//! (`client.users().permissions().list(id)`). Operations of the hand-kept
//! table answer a typed [`crate::Request`]; all others answer a [`Call`].
//!
//! A [`Call`] is the shape async-stripe uses: one non-generic builder
//! ([`RawCall`]: the catalog entry, path parameters, query pairs and encoded
//! body) and a marker type parameter naming the operation, which fixes the
//! output type and carries the generated query setters. Sending goes through
//! the client's one send loop (pacing, the audience's token, retries), and
//! only decoding the answer is generic.

use crate::client::{Client, Template};
use crate::error::ClientError;
use crate::rt::{BoxFuture, BoxStream, MaybeSend, boxed, boxed_stream};
use futures::StreamExt;
use gatehouse_model::catalog::{Body, OpDesc, Paging as CatalogPaging};
use gatehouse_model::operation::Paging;
use gatehouse_model::ops::{Checkpoint, Offset, Query, check_paging};
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::walk::{PagingParams, Step, Walk};
use gatehouse_model::{ApiError, Error as ModelError, ErrorBody, Page, RateLimit, Response, ValidationError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::TypeId;
use std::future::IntoFuture;
use std::marker::PhantomData;

/// One operation of the catalog, named by a generated marker type.
pub trait CatalogOp: 'static {
    /// What a success decodes into: the generated response type, a
    /// [`Page`] for lists, `()` when the operation answers no body.
    type Output: DeserializeOwned + MaybeSend + 'static;
    /// The operation's catalog entry.
    const DESC: &'static OpDesc;
}

/// A value a query setter takes for a parameter whose values are `T`:
/// anything string-like where the operation takes any text (`T` is
/// `String`), and only the parameter's enum where it lists the values (the
/// generated `resources::enums`), so a misspelt value does not compile.
///
/// ```
/// # fn demo(client: gatehouse_client::Client) {
/// use gatehouse_client::resources::enums::ActionTriggerType;
/// let _ = client.actions().list().trigger_id(ActionTriggerType::PostLogin).action_name("deploy");
/// # }
/// ```
///
/// A string where the operation lists the values does not compile:
///
/// ```compile_fail
/// # fn demo(client: gatehouse_client::Client) {
/// let _ = client.actions().list().trigger_id("post-login");
/// # }
/// ```
///
/// nor does a misspelt variant:
///
/// ```compile_fail
/// # fn demo(client: gatehouse_client::Client) {
/// use gatehouse_client::resources::enums::ActionTriggerType;
/// let _ = client.actions().list().trigger_id(ActionTriggerType::PostLogn);
/// # }
/// ```
pub trait QueryArg<T> {
    /// The value as sent in the query string.
    fn into_query(self) -> String;
}

impl<S: Into<String>> QueryArg<String> for S {
    #[inline]
    fn into_query(self) -> String {
        self.into()
    }
}

/// An operation whose body the spec lets a call leave out: the method
/// takes no body, and [`Call::body`] sets one.
pub trait OptionalBody: CatalogOp {
    /// The generated type of the body.
    type Body: Serialize;
}

/// What every [`Call`] holds, whatever its operation: no type parameter, so
/// building and sending are compiled once.
#[derive(Debug, Clone)]
pub struct RawCall {
    client: Client,
    desc: &'static OpDesc,
    params: Vec<String>,
    query: Vec<(&'static str, String)>,
    /// The encoded body and its content type, or why it could not be encoded.
    body: Option<Result<(Vec<u8>, String), String>>,
}

impl RawCall {
    /// A call of `desc` with its path parameters in template order.
    pub fn new(client: Client, desc: &'static OpDesc, params: Vec<String>) -> Self {
        Self { client, desc, params, query: Vec::new(), body: None }
    }

    /// The operation's catalog entry.
    pub fn desc(&self) -> &'static OpDesc {
        self.desc
    }

    /// The query pairs set so far, in order (a list parameter once per value).
    pub fn query(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// Sets query parameter `key` to one value, replacing earlier values.
    pub fn set(&mut self, key: &'static str, value: String) {
        self.query.retain(|(k, _)| *k != key);
        self.query.push((key, value));
    }

    /// Sets list parameter `key` to `values` (one pair each), replacing earlier values.
    pub fn set_list(&mut self, key: &'static str, values: Vec<String>) {
        self.query.retain(|(k, _)| *k != key);
        self.query.extend(values.into_iter().map(|v| (key, v)));
    }

    /// Encodes `body` as the operation's body with the model's encoder
    /// ([`gatehouse_model::body::encode`]): JSON when the operation takes
    /// it, else a form, else multipart (its files as file parts).
    pub fn set_body<B: Serialize + ?Sized>(&mut self, body: &B) {
        let shape = self.desc.body.unwrap_or(Body::JSON);
        let encoded = serde_json::to_value(body)
            .map_err(|e| e.to_string())
            .and_then(|value| gatehouse_model::body::encode(&shape, &value).map_err(|e| e.to_string()));
        self.body = Some(encoded.map(|e| (e.bytes, e.content_type)));
    }

    /// Checks the call against its catalog entry: query names, kinds, enum
    /// values and required parameters, paging, and the path parameters.
    /// Nothing is sent when this fails.
    pub fn check(&self) -> Result<(), ClientError> {
        if self.body.is_none() && self.desc.body.is_some_and(|b| b.required) {
            return Err(ValidationError::MissingBody { operation: self.desc.name }.into());
        }
        self.desc
            .check_query(self.query.iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(|e| ClientError::Model(ValidationError::from(e).into()))?;
        let (offset, checkpoint) = paging_params(&self.query);
        check_paging(table_paging(self.desc.paging), &offset, &checkpoint)?;
        Ok(())
    }

    /// The HTTP request this call sends (without authentication), after [`RawCall::check`].
    pub fn http_request(&self) -> Result<http::Request<Vec<u8>>, ClientError> {
        self.check()?;
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let path = gatehouse_model::request::path_with_query(self.desc.path, &params, &self.query)?;
        let uri = format!("{}{}", self.client.base_urls().origin(self.desc.api), path);
        let mut builder = http::Request::builder()
            .method(self.desc.verb.as_http())
            .uri(uri.as_str())
            .header(http::header::ACCEPT, "application/json");
        let body = match &self.body {
            None => Vec::new(),
            Some(Err(reason)) => return Err(ValidationError::Body { reason: reason.clone() }.into()),
            Some(Ok((bytes, content_type))) => {
                builder = builder.header(http::header::CONTENT_TYPE, content_type.as_str());
                bytes.clone()
            }
        };
        builder.body(body).map_err(|e| ValidationError::Url { url: uri, reason: e.to_string() }.into())
    }

    /// Sends the call through the client's send loop and returns the last
    /// response read, whatever its status, with how many times it was sent.
    async fn exchange(&self) -> Result<(http::Response<Vec<u8>>, u32), ClientError> {
        let request = self.http_request()?;
        self.client.execute(self.desc.api, self.desc.verb, Template::new(request)).await
    }

    /// Sends the call and decodes a success as `T`.
    async fn send_as<T: DeserializeOwned + 'static>(&self) -> Result<Response<T>, ClientError> {
        let (response, attempts) = self.exchange().await?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let now = crate::rt::unix_secs(self.client.clock());
        decode::<T>(status, &parts.headers, &body, now)
            .map_err(|e| crate::attempts::final_error(ClientError::from(e), status, attempts))
    }
}

/// Decodes an answer: an API error for a non-2xx status, else the body as
/// `T` (`()` ignores the body, blank is `null`).
fn decode<T: DeserializeOwned + 'static>(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<Response<T>, ModelError> {
    let rate_limit = RateLimit::from_headers_at(headers, now);
    if !(200..300).contains(&status) {
        return Err(ApiError { status, body: ErrorBody::parse(body), rate_limit }.into());
    }
    let unit = TypeId::of::<T>() == TypeId::of::<()>();
    let body = if unit || body.iter().all(u8::is_ascii_whitespace) { b"null".as_slice() } else { body };
    let value = gatehouse_model::object::decode_slice(body).map_err(|source| ModelError::Decode {
        status,
        source,
        rate_limit,
    })?;
    Ok(Response { value, status, rate_limit })
}

/// The table's paging vocabulary for a catalog entry's paging, as the
/// model's walk and checks take it. An entry whose `from` takes an item's id
/// (no `next` cursor) pages by offset where it can, else is read as one page.
pub(crate) fn table_paging(paging: CatalogPaging) -> Paging {
    let key = |items: gatehouse_model::catalog::Items| items.key().unwrap_or("");
    let take = |max: Option<u16>| max.map_or(gatehouse_model::walk::DEFAULT_TAKE, u64::from);
    match paging {
        CatalogPaging::None => Paging::None,
        CatalogPaging::Unpaged { items } => Paging::Unpaged { key: key(items) },
        CatalogPaging::Offset { items } | CatalogPaging::Both { items, next: false, .. } => {
            Paging::Offset { key: key(items) }
        }
        CatalogPaging::Checkpoint { items, max_take, .. } => {
            Paging::Checkpoint { key: key(items), max_take: take(max_take) }
        }
        CatalogPaging::Both { items, max_take, next: true } => {
            Paging::OffsetOrCheckpoint { key: key(items), max_take: take(max_take) }
        }
    }
}

/// The paging parameters set in a query.
fn paging_params(query: &[(&'static str, String)]) -> (Offset, Checkpoint) {
    let get = |name: &str| query.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str());
    let offset = Offset {
        page: get("page").and_then(|v| v.parse().ok()),
        per_page: get("per_page").and_then(|v| v.parse().ok()),
        include_totals: get("include_totals").and_then(|v| v.parse().ok()),
    };
    let checkpoint =
        Checkpoint { from: get("from").map(str::to_owned), take: get("take").and_then(|v| v.parse().ok()) };
    (offset, checkpoint)
}

/// A call's paging parameters, seen through the model's [`PagingParams`]:
/// only the kinds the operation takes.
struct Params {
    offset: Option<Offset>,
    checkpoint: Option<Checkpoint>,
}

impl PagingParams for Params {
    fn offset(&mut self) -> Option<&mut Offset> {
        self.offset.as_mut()
    }

    fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.checkpoint.as_mut()
    }
}

impl Params {
    fn read(raw: &RawCall) -> Self {
        let (offset, checkpoint) = paging_params(&raw.query);
        let takes = |name: &str| raw.desc.accepted(name).is_some();
        Self {
            offset: (takes("page") || takes("per_page")).then_some(offset),
            checkpoint: (takes("from") || takes("take")).then_some(checkpoint),
        }
    }

    /// Writes the parameters back into the call's query.
    fn write(&self, raw: &mut RawCall) {
        let mut q = Query::default();
        if let Some(o) = &self.offset {
            o.write(&mut q);
        }
        if let Some(c) = &self.checkpoint {
            c.write(&mut q);
        }
        raw.query.retain(|(k, _)| !matches!(*k, "page" | "per_page" | "include_totals" | "from" | "take"));
        // Only what the operation takes (some offset lists have no `include_totals`).
        let desc = raw.desc;
        raw.query.extend(q.into_pairs().into_iter().filter(|(k, _)| desc.accepted(k).is_some()));
    }
}

/// A call of operation `M`: set its query with the generated setters, then
/// [`Call::send`] it (or await it); lists also page with [`Call::stream`].
#[must_use = "a call does nothing until it is sent"]
pub struct Call<M> {
    raw: RawCall,
    marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Call<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("raw", &self.raw).finish()
    }
}

impl<M> Clone for Call<M> {
    fn clone(&self) -> Self {
        Self { raw: self.raw.clone(), marker: PhantomData }
    }
}

impl<M: CatalogOp> Call<M> {
    /// A call of `M` with its path parameters in template order.
    pub fn new(client: Client, params: Vec<String>) -> Self {
        Self { raw: RawCall::new(client, M::DESC, params), marker: PhantomData }
    }

    /// The same call, with `body` encoded as the operation's body.
    pub fn with_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.raw.set_body(body);
        self
    }

    /// The same call, with `body` (the value or a reference) as the
    /// operation's body; without it the request is sent with no body, as the
    /// spec allows for this operation.
    pub fn body(self, body: impl std::borrow::Borrow<M::Body>) -> Self
    where
        M: OptionalBody,
    {
        self.with_body(body.borrow())
    }

    /// The non-generic part: entry, parameters, query and body.
    pub fn raw(&self) -> &RawCall {
        &self.raw
    }

    /// Sets query parameter `key` (any the operation takes, by its wire
    /// name), for parameters set by name rather than by setter. Checked
    /// against the catalog when sent.
    pub fn with_query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.raw.set(key, value.into());
        self
    }

    /// Sets one value of a string, integer, boolean or enum parameter (used by the generated setters).
    #[doc(hidden)]
    pub fn set_one(mut self, key: &'static str, value: String) -> Self {
        self.raw.set(key, value);
        self
    }

    /// Sets the values of a list parameter (used by the generated setters).
    #[doc(hidden)]
    pub fn set_many<I: IntoIterator<Item = S>, S: Into<String>>(mut self, key: &'static str, values: I) -> Self {
        self.raw.set_list(key, values.into_iter().map(Into::into).collect());
        self
    }

    /// The HTTP request this call sends (without authentication); fails as sending would.
    pub fn http_request(&self) -> Result<http::Request<Vec<u8>>, ClientError> {
        self.raw.http_request()
    }

    /// Sends the call: the decoded body with its status and rate-limit headers.
    pub async fn send(self) -> Result<Response<M::Output>, ClientError> {
        self.raw.send_as::<M::Output>().await
    }

    /// Sends the call and returns only the decoded body.
    pub async fn value(self) -> Result<M::Output, ClientError> {
        Ok(self.send().await?.value)
    }
}

impl<M: CatalogOp> IntoFuture for Call<M> {
    type Output = Result<Response<M::Output>, ClientError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        boxed(self.send())
    }
}

/// A list operation of the catalog: the type of its items. Its pages are
/// decoded as [`Page`]s of them, whatever type [`Call::send`] answers (a
/// list's envelope type, for lists the generated types do not see as pages).
pub trait ListCatalogOp: CatalogOp {
    /// The listed objects' type.
    type Item: DeserializeOwned + MaybeSend + 'static;
}

/// The items of a list operation's page.
pub type CallItem<M> = <M as ListCatalogOp>::Item;

impl<M: ListCatalogOp> Call<M> {
    /// Every page, fetched as the stream is read, walked by the model's
    /// [`Walk`]: checkpoint paging where the operation offers it (unless
    /// `page` / `per_page` were set), offset paging elsewhere, ending with a
    /// typed [`gatehouse_model::Error::ResultWindow`] at Auth0's 1,000-result window.
    pub fn pages(self) -> BoxStream<'static, Result<Page<CallItem<M>>, ClientError>> {
        let mut raw = self.raw;
        let mut params = Params::read(&raw);
        let walk = Walk::start(table_paging(raw.desc.paging), &mut params);
        params.write(&mut raw);
        let state = Some((raw, params, walk, None::<ClientError>));
        boxed_stream(futures::stream::unfold(state, |state| async move {
            let (mut raw, mut params, mut walk, pending) = state?;
            if let Some(e) = pending {
                return Some((Err(e), None));
            }
            match raw.send_as::<Page<M::Item>>().await {
                Err(e) => Some((Err(e), None)),
                Ok(response) => {
                    let page = response.value;
                    let next = match walk.advance(&page, None, &mut params) {
                        Step::Continue => {
                            params.write(&mut raw);
                            Some((raw, params, walk, None))
                        }
                        Step::Done => None,
                        Step::Window { total } => {
                            let e = ModelError::ResultWindow { total, window: RESULT_WINDOW }.into();
                            Some((raw, params, walk, Some(e)))
                        }
                    };
                    Some((Ok(page), next))
                }
            }
        }))
    }

    /// Every item of every page, fetched as the stream is read (see [`Call::pages`]).
    pub fn stream(self) -> BoxStream<'static, Result<CallItem<M>, ClientError>> {
        crate::paging::items(self.pages())
    }

    /// Every item, collected; fails on the first error (the result window included).
    pub async fn all(self) -> Result<Vec<CallItem<M>>, ClientError> {
        use futures::TryStreamExt;
        self.stream().try_collect().await
    }
}

/// Maps each page of a stream to its number of items (for tests that page
/// through any list without naming its item type).
#[doc(hidden)]
pub fn count_pages<T: MaybeSend + 'static>(
    pages: BoxStream<'static, Result<Page<T>, ClientError>>,
) -> BoxStream<'static, Result<usize, ClientError>> {
    boxed_stream(pages.map(|page| page.map(|p| p.items.len())))
}
