//! Talking to the BFF: Auth0's APIs through the BFF's proxy, and thin typed
//! fetches for the BFF's own endpoints.
//!
//! Every Auth0 call goes through one non-generic path, [`exec`]: the model
//! builds the path and body ([`prepare`], [`prepare_desc`]), and [`fetch`]
//! sends it to the BFF with `fetch` (the session cookie, `X-CSRF: 1`), tries
//! again after a 429 (as long as the BFF's `Retry-After` says, capped) and
//! after a network failure or a 5xx of an idempotent call, and records the
//! rate-limit budget the BFF reports. The BFF paces and retries its own calls
//! to Auth0, so the page needs no pacer of its own, and the first screen does
//! not carry the Gatehouse client (its token and transport code and `http`).
//! The bulk jobs do use the client ([`client`], [`send_raw`]: its pacing
//! keeps their concurrent calls within the budget), in their own chunk.
//!
//! Only the small [`call`] wrapper and the response decoders are generic. On
//! wasm each generic instantiation costs code size, and the console must load
//! fast: see `web/BENCHMARKS.md`. Resources and actions are type-erased for
//! the same reason ([`Data`], [`resource`], [`job`]).

mod bff;
mod error;
pub mod feed;
pub mod names;

pub use bff::{
    ApiKey, ApiKeys, Approval, Approvals, AuditEntry, AuditPage, Change, CreatedKey, EventsStatus, Me, api_keys,
    approval, approvals, audit, audit_export, audit_export_url, catalog, catalog_op, create_key, decide, events_status,
    logout, me, pending_approvals, revoke_key, set_up_events, sign_in_url, update_key,
};
pub use error::UiError;

use futures::future::LocalBoxFuture;
use gatehouse_client::{Client, ClientError, RawRequest};
use gatehouse_model::operation::Operation;
use gatehouse_model::{ApiError, ErrorBody, RateLimit};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::cell::OnceCell;
use std::sync::Arc;

thread_local! {
    static CLIENT: OnceCell<Client> = const { OnceCell::new() };
    static BUDGET: OnceCell<ArcRwSignal<RateLimit>> = const { OnceCell::new() };
}

/// A boxed future of a value or an error as shown.
pub type Fut<T> = LocalBoxFuture<'static, Result<T, UiError>>;
/// Any loaded value; pages downcast it to what they asked for.
pub type Data = Arc<dyn Any + Send + Sync>;
/// A read: every page's resources have this one type.
pub type Res = LocalResource<Result<Data, UiError>>;
/// A write: every page's actions have this one type; the output is a message or an id.
pub type Job = Action<(), Result<String, UiError>>;

/// The page's origin, such as `http://127.0.0.1:8080`.
pub fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_else(|| "http://localhost".into())
}

/// The client every page shares: cookie mode (`X-CSRF: 1`, the session
/// cookie) and one pacer, so bulk jobs and pages share the tenant's budget.
///
/// # Panics
///
/// Only if the page's origin is not a URL, which a browser never gives.
pub fn client() -> Client {
    CLIENT.with(|c| {
        c.get_or_init(|| {
            Client::builder().base_url(&origin()).cookie_mode().build().expect("the page's origin is a valid base URL")
        })
        .clone()
    })
}

/// The tenant's last known rate-limit budget, updated after every call.
pub fn budget() -> ArcRwSignal<RateLimit> {
    BUDGET.with(|b| b.get_or_init(|| ArcRwSignal::new(RateLimit::default())).clone())
}

/// Records the budget a response reported.
pub fn note_budget(rate_limit: Option<RateLimit>) {
    if let Some(rl) = rate_limit.filter(RateLimit::is_known) {
        let b = budget();
        if b.get_untracked() != rl {
            b.set(rl);
        }
    }
}

/// The raw request for an operation: checked by the model, body encoded.
pub fn prepare<O: Operation>(op: &O) -> Result<RawRequest, UiError> {
    let path_and_query = gatehouse_model::request::path_and_query(op).map_err(model_error)?;
    let body = match op.body() {
        Some(b) => Some(encode(b)?),
        None => None,
    };
    let spec = op.spec();
    Ok(RawRequest { api: spec.api, verb: spec.verb, path_and_query, body, content_type: None })
}

fn encode<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>, UiError> {
    serde_json::to_vec(body).map_err(|e| UiError::msg(format!("The request could not be encoded: {e}")))
}

fn model_error(e: gatehouse_model::Error) -> UiError {
    UiError::msg(format!("The request could not be built: {e}"))
}

/// How many times [`fetch`] sends a request at most.
const MAX_ATTEMPTS: u32 = 3;
/// The longest [`fetch`] waits before sending again after a 429.
const MAX_RATE_LIMIT_WAIT_SECS: u64 = 10;

/// Aborts a `fetch` when dropped before [`AbortOnDrop::disarm`] (a page left, a
/// resource reloaded), as the client's transport does.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
}

/// Sends a raw request to the BFF (same origin, the session cookie, `X-CSRF: 1`):
/// the body of a success, or the error as shown. Tries again after a 429 (waiting
/// what `Retry-After` or `x-ratelimit-reset` says, at most
/// [`MAX_RATE_LIMIT_WAIT_SECS`]) and, for idempotent methods, after a network
/// failure or a 500, 502, 503 or 504; [`MAX_ATTEMPTS`] in all.
pub async fn fetch(raw: RawRequest) -> Result<Vec<u8>, UiError> {
    let path = raw.path_and_query.split('?').next().unwrap_or("");
    if !path.starts_with("/api/") || path.contains("//") {
        return Err(UiError::msg(format!("{path} is not a path of the API.")));
    }
    let idempotent = raw.verb.is_idempotent();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= MAX_ATTEMPTS;
        let controller = web_sys::AbortController::new().ok();
        let guard = AbortOnDrop(controller.clone());
        let mut request = gloo_net::http::RequestBuilder::new(&raw.path_and_query)
            .method(raw.verb.as_http())
            .header("Accept", "application/json")
            .header("X-CSRF", "1")
            .abort_signal(controller.map(|c| c.signal()).as_ref());
        let built = match &raw.body {
            Some(body) => {
                request = request.header("Content-Type", raw.content_type.as_deref().unwrap_or("application/json"));
                request.body(js_sys::Uint8Array::from(body.as_slice()))
            }
            None => request.build(),
        };
        let sent = match built {
            Ok(request) => request.send().await,
            Err(e) => return Err(UiError::msg(format!("The request could not be built: {e}"))),
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) if idempotent && !last => {
                drop(e);
                sleep_ms(500 * u64::from(attempt)).await;
                continue;
            }
            Err(e) => return Err(bff::net(e)),
        };
        let now = (js_sys::Date::now() / 1000.0) as u64;
        let headers = response.headers();
        let rate_limit = RateLimit::from_lookup_at(|name| headers.get(name), now);
        note_budget(Some(rate_limit));
        let status = response.status();
        let body = response.binary().await.map_err(bff::net)?;
        guard.disarm();
        let retry_in_ms = match status {
            429 => rate_limit.wait_secs(now).unwrap_or(1).min(MAX_RATE_LIMIT_WAIT_SECS) * 1000,
            500 | 502 | 503 | 504 if idempotent => 500 * u64::from(attempt),
            _ if (200..300).contains(&status) => return Ok(body),
            _ => return Err(UiError::from_body(status, &body)),
        };
        if last {
            return Err(UiError::from_body(status, &body));
        }
        sleep_ms(retry_in_ms.max(100)).await;
    }
}

async fn sleep_ms(ms: u64) {
    gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX)).await;
}

/// Sends a raw request through the shared client (the bulk jobs: paced with
/// their other calls); an error status becomes a [`ClientError`].
pub async fn send_raw(client: &Client, raw: RawRequest) -> Result<Vec<u8>, ClientError> {
    // Described rather than looked up in the typed table: the pages also send
    // catalog operations outside it (client grants, permissions, actions, ...).
    let response = client.send_described(raw).await?;
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let rate_limit = RateLimit::from_headers_at(response.headers(), now);
    note_budget(Some(rate_limit));
    let status = response.status().as_u16();
    let body = response.into_body();
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(ClientError::from(ApiError { status, body: ErrorBody::parse(&body), rate_limit }))
    }
}

/// Sends a raw request: the body of a success, or the error as shown. A 401
/// (the session ended) sends the browser to sign in again.
pub fn exec(raw: Result<RawRequest, UiError>) -> Fut<Vec<u8>> {
    Box::pin(async move {
        let result = fetch(raw?).await;
        if let Err(e) = &result
            && e.is_unauthenticated()
        {
            crate::app::redirect_to_sign_in();
        }
        result
    })
}

/// Decodes a success body (empty is `null`).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, UiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"null".as_slice() } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| UiError::msg(format!("Unexpected answer from Auth0: {e}")))
}

/// Sends an operation of the table and decodes its answer.
pub fn call<O: Operation>(op: O) -> Fut<O::Response>
where
    O::Response: 'static,
{
    let sending = exec(prepare(&op));
    Box::pin(async move { decode(&sending.await?) })
}

/// Sends an operation and keeps only whether it worked, with a message.
pub fn run<O: Operation>(op: O, done: &'static str) -> Fut<String> {
    let sending = exec(prepare(&op));
    Box::pin(async move { sending.await.map(|_| done.to_owned()) })
}

fn make_resource(fetch: Box<dyn Fn() -> Fut<Data>>) -> Res {
    LocalResource::new(fetch)
}

/// A read; `fetch` runs again when a signal it read changes.
pub fn resource<T: Send + Sync + 'static>(fetch: impl Fn() -> Fut<T> + 'static) -> Res {
    make_resource(Box::new(move || {
        let f = fetch();
        Box::pin(async move { f.await.map(|v| Arc::new(v) as Data) })
    }))
}

fn make_job(work: Box<dyn Fn() -> Fut<String>>) -> Job {
    Action::new_local(move |(): &()| work())
}

/// A write, started with `job.dispatch(())`; it reads its inputs from signals.
pub fn job(work: impl Fn() -> Fut<String> + 'static) -> Job {
    make_job(Box::new(work))
}

/// The value a resource loaded, as the type it was loaded as.
pub fn value<T: 'static>(data: &Data) -> Option<&T> {
    data.downcast_ref::<T>()
}

/// An object with no field set, for model types without `Default`.
///
/// # Panics
///
/// Only for a type with a required field, which callers do not use it for.
pub fn blank<T: DeserializeOwned>() -> T {
    serde_json::from_str("{}").expect("the type has no required field")
}

/// The raw request for a catalog operation: its path filled with `params`
/// (in template order, each encoded as one segment), `query` appended, the
/// JSON `body` encoded. Pages use it for the groups the typed table does not
/// cover (client grants, permissions, actions, ...), naming the catalog's
/// entry (`gatehouse_model::generated::catalog::CLIENT_GRANTS_CREATE`), so
/// only the entries a page uses are linked in.
pub fn prepare_desc(
    op: &'static gatehouse_model::catalog::OpDesc,
    params: &[&str],
    query: &[(&str, String)],
    body: Option<&serde_json::Value>,
) -> Result<RawRequest, UiError> {
    let mut path_and_query = gatehouse_model::path::fill(op.path, params).map_err(|e| model_error(e.into()))?;
    for (i, (k, v)) in query.iter().filter(|(_, v)| !v.is_empty()).enumerate() {
        path_and_query.push(if i == 0 { '?' } else { '&' });
        path_and_query.push_str(k);
        path_and_query.push('=');
        path_and_query.push_str(&gatehouse_model::path::encode_query(v));
    }
    let body = match body {
        Some(b) => Some(encode(b)?),
        None => None,
    };
    Ok(RawRequest { api: op.api, verb: op.verb, path_and_query, body, content_type: None })
}

/// Sends a catalog operation and decodes its answer as JSON (`null` when empty).
pub fn send(
    op: &'static gatehouse_model::catalog::OpDesc,
    params: &[&str],
    query: &[(&str, String)],
    body: Option<serde_json::Value>,
) -> Fut<serde_json::Value> {
    let sending = exec(prepare_desc(op, params, query, body.as_ref()));
    Box::pin(async move { decode(&sending.await?) })
}

/// The items of a list answer, bare (`[...]`) or in its envelope (`{"key": [...]}`).
pub fn items(answer: &serde_json::Value, key: &str) -> Vec<serde_json::Value> {
    match answer {
        serde_json::Value::Array(items) => items.clone(),
        other => other.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default(),
    }
}
