//! Fluent requests: an operation of the table bound to a client, with
//! setters for its query parameters, `send()`, and paging streams for lists.

use crate::client::Client;
use crate::error::ClientError;
use crate::paging;
use crate::rt::{BoxFuture, BoxStream, MaybeSend, MaybeSync, boxed};
use gatehouse_model::operation::{Endpoint, Operation};
use gatehouse_model::ops::{Checkpoint, Offset};
use gatehouse_model::{Page, Response};
use std::future::IntoFuture;

/// An operation ready to send with a client.
///
/// Built by the resource handlers (`client.users().get(id)`), configured
/// with setters, and sent with [`Request::send`] or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
}

impl<O: Operation> Request<O> {
    /// Binds `op` to `client`.
    pub fn new(client: Client, op: O) -> Self {
        Self { client, op }
    }

    /// The operation as it will be sent.
    pub fn op(&self) -> &O {
        &self.op
    }

    /// Changes the operation directly, for fields without a setter.
    pub fn with(mut self, change: impl FnOnce(&mut O)) -> Self {
        change(&mut self.op);
        self
    }

    /// The operation, without the client.
    pub fn into_op(self) -> O {
        self.op
    }

    /// Sends the request: the decoded body with its status and rate-limit headers.
    pub async fn send(self) -> Result<Response<O::Response>, ClientError> {
        self.client.send(&self.op).await
    }

    /// Sends the request and returns only the decoded body.
    pub async fn value(self) -> Result<O::Response, ClientError> {
        Ok(self.send().await?.value)
    }
}

impl<O> IntoFuture for Request<O>
where
    O: Operation + MaybeSend + MaybeSync + 'static,
    O::Response: MaybeSend,
{
    type Output = Result<Response<O::Response>, ClientError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        boxed(async move { self.client.send(&self.op).await })
    }
}

/// A response type that is one page of a list.
pub trait PageOf {
    /// The listed objects' type.
    type Item;
    /// The page.
    fn into_page(self) -> Page<Self::Item>;
}

impl<T> PageOf for Page<T> {
    type Item = T;
    fn into_page(self) -> Page<T> {
        self
    }
}

/// The listed objects' type of a list operation.
pub type ItemOf<O> = <<O as Endpoint>::Response as PageOf>::Item;

/// A list operation: its paging parameters can be set and it can be paged
/// through as a stream.
pub trait ListOp: Operation<Response: PageOf> + Clone + MaybeSend + MaybeSync + 'static {
    /// Offset paging parameters, if the request type has them.
    fn offset_mut(&mut self) -> Option<&mut Offset>;
    /// Checkpoint paging parameters, if the request type has them.
    fn checkpoint_mut(&mut self) -> Option<&mut Checkpoint>;
    /// The checkpoint an item stands for where `from` takes an item's id
    /// (log events: `log_id`); `None` elsewhere.
    fn cursor(_item: &ItemOf<Self>) -> Option<String> {
        None
    }
}

/// Implements [`ListOp`] for request types with `offset` and `checkpoint` fields.
macro_rules! list_ops {
    ($($op:ty $(=> cursor $cursor:expr)?),* $(,)?) => {$(
        impl ListOp for $op {
            fn offset_mut(&mut self) -> Option<&mut Offset> {
                Some(&mut self.offset)
            }
            fn checkpoint_mut(&mut self) -> Option<&mut Checkpoint> {
                Some(&mut self.checkpoint)
            }
            $(
            fn cursor(item: &ItemOf<Self>) -> Option<String> {
                #[allow(clippy::redundant_closure_call)]
                ($cursor)(item)
            }
            )?
        }
    )*};
}

use crate::resources::enums::{
    ActivityLogEventType, ActivityLogStatus, EnvironmentType, SearchEngineVersions, Strategy,
};
use gatehouse_model::ops::{clients, connections, grants, logs, organizations, resource_servers, roles, teams, users};

list_ops! {
    users::List, users::ListRoles, roles::List, roles::ListUsers, clients::List, connections::List,
    organizations::List, organizations::ListMembers, organizations::ListMemberRoles, users::ListOrganizations,
    logs::List => cursor |e: &gatehouse_model::types::LogEvent| e.log_id.clone(),
    grants::List, resource_servers::List,
    teams::ListMembers, teams::ListMemberTenants, teams::ListTenants, teams::ListTenantMembers, teams::ListActivity,
}

impl ListOp for teams::ListEnvironments {
    fn offset_mut(&mut self) -> Option<&mut Offset> {
        None
    }
    fn checkpoint_mut(&mut self) -> Option<&mut Checkpoint> {
        None
    }
}

impl<O: ListOp> Request<O>
where
    ItemOf<O>: MaybeSend + 'static,
{
    /// Zero-based page number (offset paging; the stream then pages by offset).
    pub fn page(mut self, page: u64) -> Self {
        if let Some(o) = self.op.offset_mut() {
            o.page = Some(page);
        }
        self
    }

    /// Items per page, 1 to 100 (offset paging).
    pub fn per_page(mut self, per_page: u64) -> Self {
        if let Some(o) = self.op.offset_mut() {
            o.per_page = Some(per_page);
        }
        self
    }

    /// Ask for the envelope with `total` (offset paging).
    pub fn include_totals(mut self, include: bool) -> Self {
        if let Some(o) = self.op.offset_mut() {
            o.include_totals = Some(include);
        }
        self
    }

    /// Checkpoint to start from: a previous page's `next` (for logs, a log id).
    pub fn from(mut self, from: impl Into<String>) -> Self {
        if let Some(c) = self.op.checkpoint_mut() {
            c.from = Some(from.into());
        }
        self
    }

    /// Items per page with checkpoint paging.
    pub fn take(mut self, take: u64) -> Self {
        if let Some(c) = self.op.checkpoint_mut() {
            c.take = Some(take);
        }
        self
    }

    /// Every page, fetched as the stream is read. See [`Request::stream`] for the paging used.
    pub fn pages(self) -> BoxStream<'static, Result<Page<ItemOf<O>>, ClientError>> {
        paging::pages(self.client, self.op)
    }

    /// Every item of every page, fetched as the stream is read.
    ///
    /// Checkpoint paging is used where the operation offers it (unless
    /// `page`/`per_page` were set), offset paging elsewhere. Offset paging
    /// stops at Auth0's 1,000-result window with a typed
    /// [`gatehouse_model::Error::ResultWindow`] error after the last
    /// reachable item, rather than ending as if the list were complete.
    /// Log events page by log id when [`Request::from`] is set.
    pub fn stream(self) -> BoxStream<'static, Result<ItemOf<O>, ClientError>> {
        paging::items(self.pages())
    }

    /// Every item, collected; fails on the first error (the result window included).
    pub async fn all(self) -> Result<Vec<ItemOf<O>>, ClientError> {
        use futures::TryStreamExt;
        self.stream().try_collect().await
    }
}

/// A value a query setter takes for a field of type `T`: anything
/// string-like for a string, `bool` / `u64` as they are, and for a list any
/// iterable of string-likes (`["auth0", "samlp"]`).
pub trait IntoQueryValue<T> {
    /// The field's value.
    fn into_query_value(self) -> T;
}

impl<S: Into<String>> IntoQueryValue<String> for S {
    fn into_query_value(self) -> String {
        self.into()
    }
}

impl IntoQueryValue<bool> for bool {
    fn into_query_value(self) -> bool {
        self
    }
}

impl IntoQueryValue<u64> for u64 {
    fn into_query_value(self) -> u64 {
        self
    }
}

impl<I, S> IntoQueryValue<Vec<String>> for I
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    fn into_query_value(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

/// One query-parameter setter on a typed request (see [`setters!`]): a
/// field whose values the spec lists (`[Enum]` for a list of them, `enum
/// Enum` for one) takes only that enum, any other its field's type.
macro_rules! setter {
    ($(#[$meta:meta])* $field:ident : [$e:ty]) => {
        $(#[$meta])*
        pub fn $field(mut self, values: impl IntoIterator<Item = $e>) -> Self {
            self.op.$field = Some(values.into_iter().map(|v| v.as_str().to_owned()).collect());
            self
        }
    };
    ($(#[$meta:meta])* $field:ident : enum $e:ty) => {
        $(#[$meta])*
        pub fn $field(mut self, value: $e) -> Self {
            self.op.$field = Some(value.as_str().to_owned());
            self
        }
    };
    ($(#[$meta:meta])* $field:ident : $ty:ty) => {
        $(#[$meta])*
        pub fn $field(mut self, value: impl IntoQueryValue<$ty>) -> Self {
            self.op.$field = Some(value.into_query_value());
            self
        }
    };
}

/// Whether a setter's declared type in [`setters!`] is an enum.
#[cfg(test)]
macro_rules! is_enum {
    ([$e:ty]) => {
        true
    };
    (enum $e:ty) => {
        true
    };
    ($ty:ty) => {
        false
    };
}

/// Implements query-parameter setters on `Request<op>` for the optional
/// fields of a request type (a test checks they are all of them, and that
/// those taking an enum are the ones whose values the catalog lists).
macro_rules! setters {
    ($( $op:ty { $( $(#[$meta:meta])* $field:ident : ($($arg:tt)+) ),* $(,)? } )*) => {
        $(
        impl Request<$op> {
            $( setter!($(#[$meta])* $field : $($arg)+); )*
        }
        )*

        /// The request types with setters, the wire names they set and
        /// whether each takes an enum.
        #[cfg(test)]
        pub(crate) const SETTERS: &[(gatehouse_model::OperationId, &[(&str, bool)])] = &[$(
            (<$op as Endpoint>::ID, &[$((gatehouse_model::ops::wire_name(stringify!($field)), is_enum!($($arg)+))),*]),
        )*];
    };
}

setters! {
    users::List {
        /// Lucene query, such as `email:"*@acme.com"`.
        q: (String),
        /// Search engine version (`v3`).
        search_engine: (enum SearchEngineVersions),
        /// Sort as `field:1` or `field:-1`.
        sort: (String),
        /// Only users of this connection.
        connection: (String),
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
        /// Whether results come in a deterministic order (`true`, the default).
        primary_order: (bool),
    }
    users::Get {
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    roles::List {
        /// Only roles whose name contains this text.
        name_filter: (String),
    }
    clients::List {
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
        /// Only global (`true`) or non-global applications.
        is_global: (bool),
        /// Only first-party (`true`) or third-party applications.
        is_first_party: (bool),
        /// Comma-separated application types, such as `spa,native`.
        app_type: (String),
        /// Query on application fields.
        q: (String),
        /// Only the application registered with this Client ID Metadata Document URI.
        external_client_id: (String),
    }
    clients::Get {
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    connections::List {
        /// Only connections of these strategies, such as `["auth0", "samlp"]`.
        strategy: ([Strategy]),
        /// Only the connection with this name.
        name: (String),
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    connections::Get {
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    organizations::List {
        /// Sort as `name:1` or `name:-1`.
        sort: (String),
    }
    organizations::ListMembers {
        /// Comma-separated fields to include or exclude (`roles` adds each member's roles).
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    logs::List {
        /// Lucene query on log fields, such as `type:f`.
        q: (String),
        /// The older search syntax the spec documents (`field:value` terms joined with AND).
        search: (String),
        /// Sort as `date:1` or `date:-1`.
        sort: (String),
        /// Comma-separated fields to include or exclude.
        fields: (String),
        /// Whether `fields` lists fields to include (`true`) or exclude.
        include_fields: (bool),
    }
    grants::List {
        /// Only grants of this user.
        user_id: (String),
        /// Only grants to this application.
        client_id: (String),
        /// Only grants for this API audience.
        audience: (String),
    }
    resource_servers::List {
        /// Only APIs with these identifiers (at most 10), such as `["https://api.acme.com/"]`.
        identifiers: (Vec<String>),
        /// Whether specified fields are included (`true`) or excluded.
        include_fields: (bool),
    }
    resource_servers::Get {
        /// Whether specified fields are included (`true`) or excluded.
        include_fields: (bool),
    }
    teams::ListTenants {
        /// Sort as `created_at:1` or `created_at:-1`.
        sort: (String),
        /// Only tenants in this environment, such as `US-3`.
        environment: (String),
        /// Only tenants with this environment tag (`development`, `production`, `staging`).
        environment_tag: (enum EnvironmentType),
        /// Only tenants in this locality.
        locality: (String),
    }
    teams::ListActivity {
        /// Events at or after this ISO 8601 time.
        since: (String),
        /// Events before this ISO 8601 time.
        until: (String),
        /// Only events of this type.
        r#type: (enum ActivityLogEventType),
        /// Only events with this status (`Success`, `Failure`).
        status: (enum ActivityLogStatus),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::OPERATIONS;

    #[test]
    fn every_typed_query_field_has_a_setter() {
        for spec in OPERATIONS {
            // Each field's wire name, and whether the catalog lists its values.
            let listed =
                |name: &str| spec.query.and_then(|q| q.accepted(name)).is_some_and(|p| !p.kind.values().is_empty());
            let typed: Vec<(&str, bool)> =
                spec.id.typed_query().iter().map(|(name, _)| (*name, listed(name))).collect();
            let mut rows = SETTERS.iter().filter(|(id, _)| *id == spec.id);
            match (rows.next(), rows.next()) {
                (None, _) => assert!(typed.is_empty(), "{:?}: no setters for {typed:?}", spec.id),
                (Some((_, setters)), None) => assert_eq!(*setters, typed.as_slice(), "{:?}", spec.id),
                (Some(_), Some(_)) => panic!("{:?} has two setters! blocks", spec.id),
            }
        }
    }

    #[test]
    fn enum_setters_send_the_wire_values() {
        let client = Client::builder().domain("acme.eu.auth0.com").token("t").build().unwrap();
        let r = client.connections().list().strategy([Strategy::Auth0, Strategy::Samlp]);
        let path = gatehouse_model::request::path_and_query(r.op()).unwrap();
        assert_eq!(path, "/api/v2/connections?strategy=auth0&strategy=samlp");
        let r = client.users().list().search_engine(SearchEngineVersions::V3);
        assert_eq!(r.op().search_engine.as_deref(), Some("v3"));
        // A value this version does not know is sent as given (and checked by the catalog).
        let r = client.connections().list().strategy([Strategy::from("new-idp")]);
        assert_eq!(r.op().strategy.as_deref(), Some(&["new-idp".to_owned()][..]));
    }

    #[test]
    fn list_setters_take_any_strings() {
        let client = Client::builder().domain("acme.eu.auth0.com").token("t").build().unwrap();
        let r = client.resource_servers().list().identifiers(["https://a/", "https://b/"]).include_fields(true);
        assert_eq!(r.op().identifiers.as_deref(), Some(&["https://a/".to_owned(), "https://b/".to_owned()][..]));
        let r = client.users().get("auth0|1").fields(String::from("email")).include_fields(true);
        let path = gatehouse_model::request::path_and_query(r.op()).unwrap();
        assert_eq!(path, "/api/v2/users/auth0%7C1?fields=email&include_fields=true");
    }
}
