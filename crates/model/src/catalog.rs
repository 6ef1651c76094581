//! The catalog: one plain-data description of every operation of Auth0's
//! Management API v2 and Teams API, generated from their OpenAPI specs.
//!
//! [`CATALOG`] is written by `cargo xtask codegen` into
//! `generated/catalog.rs`; this module holds the types it is made of and the
//! lookups over it. Each [`OpDesc`] says how to call one operation (method,
//! path template, query parameters, body media types), what a token needs
//! (scopes), how it pages and what it answers. Nothing here is code per
//! operation: each entry is a static of plain data, so a program keeps only
//! the entries it refers to. What goes on the wire is each entry's [`Wire`],
//! an element of one array, [`WIRES`]: the npm package's wasm refers to it
//! alone and so keeps the wire parts without the rest of the entries.
//!
//! Each row of the hand-kept [`crate::operation`] table links its entry
//! ([`crate::OperationSpec::catalog`], resolved at compile time by method and
//! path shape). What an operation accepts in its query string (names, kinds,
//! enum values, required) is read from that entry by the emulator, with
//! [`QuerySpec::accepted_query`] and [`QuerySpec::check_query`] on the row's
//! [`crate::OperationSpec::query`]; the npm package checks its options with
//! the same [`QuerySpec`], made from its [`Wire`].

use crate::error::QueryError;
use crate::operation::{Api, Verb};
use crate::path;

pub use crate::generated::catalog::{CATALOG, WIRES};

/// What goes on the wire for one operation: its name, method, path, query,
/// paging and body, and nothing else.
///
/// An [`OpDesc`] holds its `Wire` (and reads as one, through `Deref`), so
/// there is one description of each operation. The wire parts of all
/// operations are one array, [`WIRES`]: a program that only sends requests
/// (the npm package's wasm) refers to it and keeps it without the scopes,
/// statuses and schema names of the entries (a program that refers to any
/// entry keeps the whole array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// Dotted name: the spec's operation group(s) and operation name, such as
    /// `users.roles.list` or `clientGrants.create`. Teams API operations start
    /// with `teams.`. Unique across the catalog.
    pub name: &'static str,
    /// Which API serves it (its base URL and token audience).
    pub api: Api,
    /// HTTP method.
    pub verb: Verb,
    /// Path template from the API's origin, with `{param}` segments:
    /// `/api/v2/users/{id}` for the Management API, `/api/members/{id}` for
    /// the Teams API. Parameter names are the spec's.
    pub path: &'static str,
    /// Query parameters the operation accepts, in spec order.
    pub query: &'static [QueryParam],
    /// How a list operation pages; [`Paging::None`] when it is not a list.
    pub paging: Paging,
    /// The request body, when the operation takes one.
    pub body: Option<Body>,
}

/// One operation, as the spec describes it: what goes on the wire
/// ([`Wire`], whose fields read through this entry) and what a token needs
/// and the operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpDesc {
    /// What goes on the wire.
    pub wire: &'static Wire,
    /// The spec's component name of the request body's schema; empty when
    /// there is no body or an unnamed one.
    pub body_schema: &'static str,
    /// The OAuth scopes the spec lists for the operation. Auth0 lists
    /// together the scope that grants the call, alternatives meant for
    /// user-bound tokens (`*:current_user*`) and scopes that reveal or change
    /// more (such as `read:user_idp_tokens`), so a token rarely needs all of them.
    pub scopes: &'static [&'static str],
    /// The documented success (2xx) statuses, each with the schema of its
    /// body: the spec's component name, `[Name]` for an array of that
    /// component, or empty when there is no body or an unnamed one.
    pub success: &'static [(u16, &'static str)],
    /// The documented error statuses. Their bodies are left out: the specs
    /// give them no schema worth keeping, and [`crate::ErrorBody`] tells the
    /// error shapes apart.
    pub errors: &'static [u16],
}

impl std::ops::Deref for OpDesc {
    type Target = Wire;

    fn deref(&self) -> &Wire {
        self.wire
    }
}

/// One query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryParam {
    /// Name on the wire, exactly as the spec spells it (`per_page`, `triggerId`).
    pub name: &'static str,
    /// What values it takes.
    pub kind: QueryKind,
    /// Whether the operation refuses a request without it.
    pub required: bool,
}

/// The values a query parameter takes.
///
/// Lists are sent the way the specs declare them (form style, exploded): one
/// `name=value` pair per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// Any string.
    String,
    /// A whole number from 0 (every integer query parameter of both specs is
    /// a page, a page size or a count: `page`, `per_page`, `take`).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// Several strings.
    StringList,
    /// Several of these strings.
    EnumList(&'static [&'static str]),
}

impl QueryKind {
    /// The allowed values, for enums; empty otherwise.
    pub fn values(self) -> &'static [&'static str] {
        match self {
            Self::Enum(values) | Self::EnumList(values) => values,
            _ => &[],
        }
    }

    /// Whether the parameter takes several values (one `name=value` pair each).
    pub fn is_list(self) -> bool {
        matches!(self, Self::StringList | Self::EnumList(_))
    }

    /// The JSON Schema type of one value on the wire as Auth0's validation
    /// names it: `integer`, `boolean` or `string` (list elements are strings).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            _ => "string",
        }
    }

    /// Whether `text`, one value as sent in a query string, is of this kind:
    /// a whole number from 0, `true` / `false`, one of the enum's values, or
    /// any string.
    pub fn accepts(self, text: &str) -> bool {
        match self {
            Self::Integer => text.parse::<u64>().is_ok(),
            Self::Boolean => matches!(text, "true" | "false"),
            Self::Enum(values) | Self::EnumList(values) => values.contains(&text),
            Self::String | Self::StringList => true,
        }
    }
}

/// Query parameters Auth0 accepts that its spec leaves out, as
/// `(operation name, parameter)`: each is backed by recorded traffic, and
/// [`OpDesc::accepted_query`] adds them to the spec's. Everything else an
/// operation accepts comes from the spec.
pub static SPEC_OMISSIONS: &[(&str, QueryParam)] = &[
    // `GET /api/v2/logs?per_page=5&q=type:"sapi"` answers 200 with the
    // matching events (recordings/TestLogManager_Search.yaml), and Auth0's
    // docs search logs with `q`; the spec lists only the older `search`.
    ("logs.list", QueryParam { name: "q", kind: QueryKind::String, required: false }),
];

/// What an operation's query string takes: its catalog entry's name and
/// query parameters, without the rest of the entry.
///
/// The operation table keeps one per row ([`crate::OperationSpec::query`]),
/// made from the row's entry when the table is compiled, so a program that
/// checks queries carries these and not whole entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuerySpec {
    /// The operation's catalog name, such as `users.list`.
    pub operation: &'static str,
    /// Its query parameters as the spec lists them.
    pub params: &'static [QueryParam],
}

impl QuerySpec {
    /// Every query parameter the operation accepts: the spec's, in spec
    /// order, then those the spec leaves out ([`SPEC_OMISSIONS`]).
    pub fn accepted_query(self) -> impl Iterator<Item = &'static QueryParam> + Clone {
        let name = self.operation;
        self.params.iter().chain(SPEC_OMISSIONS.iter().filter(move |(op, _)| *op == name).map(|(_, q)| q))
    }

    /// The accepted query parameter named `name`.
    pub fn accepted(self, name: &str) -> Option<&'static QueryParam> {
        self.accepted_query().find(|q| q.name == name)
    }

    /// Checks a query, as `(name, value)` text pairs in the order sent (a
    /// list parameter once per value), against what the operation accepts.
    ///
    /// In this order: parameters it does not take (all of them named), then
    /// the first value of the wrong type or outside its enum, then the first
    /// required parameter left out.
    pub fn check_query<'a, I>(self, pairs: I) -> Result<(), QueryError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
        I::IntoIter: Clone,
    {
        let pairs = pairs.into_iter();
        let mut unknown: Vec<String> = Vec::new();
        for (name, _) in pairs.clone() {
            if self.accepted(name).is_none() && !unknown.iter().any(|u| u == name) {
                unknown.push(name.to_owned());
            }
        }
        if !unknown.is_empty() {
            return Err(QueryError::Unknown {
                operation: self.operation,
                names: unknown,
                accepted: self.accepted_query().map(|q| q.name).collect(),
            });
        }
        for (name, value) in pairs.clone() {
            let Some(param) = self.accepted(name) else { continue };
            if !param.kind.accepts(value) {
                return Err(match param.kind {
                    QueryKind::Enum(allowed) | QueryKind::EnumList(allowed) => {
                        QueryError::NotOneOf { name: param.name, value: value.to_owned(), allowed }
                    }
                    kind => QueryError::Type { name: param.name, kind, value: value.to_owned() },
                });
            }
        }
        if let Some(missing) = self.accepted_query().find(|q| q.required && !pairs.clone().any(|(n, _)| n == q.name)) {
            return Err(QueryError::Missing { name: missing.name });
        }
        Ok(())
    }
}

/// Where the items of a list response are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Items {
    /// The response is a bare JSON array.
    Bare,
    /// The response is an object holding the items under this key.
    Key(&'static str),
    /// A bare array, or an envelope holding the items under this key (offset
    /// lists answer with the envelope when `include_totals=true`).
    BareOrKey(&'static str),
}

impl Items {
    /// The envelope key holding the items, if there is an envelope.
    pub fn key(self) -> Option<&'static str> {
        match self {
            Self::Bare => None,
            Self::Key(key) | Self::BareOrKey(key) => Some(key),
        }
    }

    /// Whether the answer may be a bare array.
    pub fn may_be_bare(self) -> bool {
        matches!(self, Self::Bare | Self::BareOrKey(_))
    }
}

/// How a list operation pages, as read from its query parameters
/// (`page` + `per_page` for offset paging, `from` + `take` for checkpoint
/// paging) and its success response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Not a list.
    None,
    /// A list returned whole: a `GET` answering a bare array, or an object
    /// whose only property is an array.
    Unpaged {
        /// Where the items are.
        items: Items,
    },
    /// `page` / `per_page` (and usually `include_totals`).
    Offset {
        /// Where the items are.
        items: Items,
    },
    /// `from` / `take`.
    Checkpoint {
        /// Where the items are.
        items: Items,
        /// Largest `take` the spec allows, when it says.
        max_take: Option<u16>,
        /// Whether an envelope carries `next`, the cursor for `from`. When
        /// not (logs, event deliveries), `from` takes an item's id.
        next: bool,
    },
    /// Offset paging, or checkpoint paging.
    Both {
        /// Where the items are.
        items: Items,
        /// Largest `take` the spec allows, when it says.
        max_take: Option<u16>,
        /// Whether an envelope carries `next`, the cursor for `from`.
        next: bool,
    },
}

impl Paging {
    /// Where the items are, for list operations.
    pub fn items(self) -> Option<Items> {
        match self {
            Self::None => None,
            Self::Unpaged { items }
            | Self::Offset { items }
            | Self::Checkpoint { items, .. }
            | Self::Both { items, .. } => Some(items),
        }
    }

    /// Whether offset paging (`page` / `per_page`) is offered.
    pub fn has_offset(self) -> bool {
        matches!(self, Self::Offset { .. } | Self::Both { .. })
    }

    /// Whether checkpoint paging (`from` / `take`) is offered.
    pub fn has_checkpoint(self) -> bool {
        matches!(self, Self::Checkpoint { .. } | Self::Both { .. })
    }

    /// Largest `take`, where checkpoint paging is offered and the spec says.
    pub fn max_take(self) -> Option<u16> {
        match self {
            Self::Checkpoint { max_take, .. } | Self::Both { max_take, .. } => max_take,
            _ => None,
        }
    }
}

/// A request body, as it goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// Whether the spec marks the body as required.
    pub required: bool,
    /// Media types accepted, in spec order.
    pub media: MediaList,
    /// Whether the body is a JSON array (otherwise an object).
    pub array: bool,
    /// For bodies that are an object whose one required property is an
    /// array (`{"roles": [...]}`), that property: a caller may pass the
    /// array for the object.
    pub wrap: Option<&'static str>,
    /// Whether that array must hold at least one item.
    pub non_empty: bool,
    /// The fields sent as files in a `multipart/form-data` body (the spec's
    /// `format: binary` or `contentMediaType` properties); empty otherwise.
    pub files: &'static [FilePart],
}

/// A field of a multipart body that goes as a file part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePart {
    /// The field's name.
    pub name: &'static str,
    /// The media type the spec gives its content (`application/octet-stream`
    /// when it gives none).
    pub media_type: &'static str,
}

impl Body {
    /// An optional JSON object: what a body is taken to be when an
    /// operation's entry describes none.
    pub const JSON: Body = Body {
        required: false,
        media: MediaList::of(&[Media::Json]),
        array: false,
        wrap: None,
        non_empty: false,
        files: &[],
    };

    /// The media type a client sends: JSON when the operation takes it, else
    /// the first the spec lists.
    pub fn preferred_media(&self) -> Media {
        if self.media.contains(&Media::Json) { Media::Json } else { self.media.first().unwrap_or(Media::Json) }
    }

    /// The file part named `name`, if that field is a file.
    pub fn file(&self, name: &str) -> Option<&'static FilePart> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// A request body's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
}

/// The media types a body is accepted in, in spec order, packed in a byte
/// (two bits each) so that a catalog entry stays small.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MediaList(u8);

impl MediaList {
    /// The list of `media`, in this order (the first three; a spec lists at
    /// most one of each kind).
    pub const fn of(media: &[Media]) -> Self {
        let mut bits = 0u8;
        let mut i = 0;
        while i < media.len() && i < 3 {
            let code = match media[i] {
                Media::Json => 1,
                Media::Form => 2,
                Media::Multipart => 3,
            };
            bits |= code << (2 * i);
            i += 1;
        }
        Self(bits)
    }

    /// The media types, in order.
    pub fn iter(self) -> impl Iterator<Item = Media> + Clone {
        (0..3).map_while(move |i| match (self.0 >> (2 * i)) & 3 {
            1 => Some(Media::Json),
            2 => Some(Media::Form),
            3 => Some(Media::Multipart),
            _ => None,
        })
    }

    /// Whether `media` is one of them.
    pub fn contains(self, media: &Media) -> bool {
        self.iter().any(|m| m == *media)
    }

    /// The first, in spec order.
    pub fn first(self) -> Option<Media> {
        self.iter().next()
    }

    /// How many there are.
    pub fn len(self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::fmt::Debug for MediaList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Media {
    /// The `Content-Type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Form => "application/x-www-form-urlencoded",
            Self::Multipart => "multipart/form-data",
        }
    }
}

impl Wire {
    /// The names of the path parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> + use<> {
        path::param_names(self.path)
    }

    /// The query parameter named `name`, as the spec lists it.
    pub fn query_param(&self, name: &str) -> Option<&'static QueryParam> {
        self.query.iter().find(|q| q.name == name)
    }

    /// What the operation's query string takes: its name and query
    /// parameters, all that checking a query needs.
    pub const fn query_spec(&self) -> QuerySpec {
        QuerySpec { operation: self.name, params: self.query }
    }

    /// Every query parameter the operation accepts ([`QuerySpec::accepted_query`]).
    pub fn accepted_query(&self) -> impl Iterator<Item = &'static QueryParam> + Clone + use<> {
        self.query_spec().accepted_query()
    }

    /// The accepted query parameter named `name` ([`QuerySpec::accepted`]).
    pub fn accepted(&self, name: &str) -> Option<&'static QueryParam> {
        self.query_spec().accepted(name)
    }

    /// Checks a query against what the operation accepts ([`QuerySpec::check_query`]).
    pub fn check_query<'a, I>(&self, pairs: I) -> Result<(), QueryError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
        I::IntoIter: Clone,
    {
        self.query_spec().check_query(pairs)
    }

    /// Matches a method and raw path against this operation alone; on
    /// success returns the decoded path parameters. Prefer [`find`], which
    /// also settles which of several matching templates is meant.
    pub fn matches(&self, verb: Verb, raw_path: &str) -> Option<Vec<String>> {
        if verb != self.verb {
            return None;
        }
        path::match_template(self.path, raw_path)
    }
}

impl OpDesc {
    /// Whether `status` is one of the documented success statuses.
    pub fn is_success(&self, status: u16) -> bool {
        self.success.iter().any(|(s, _)| *s == status)
    }

    /// The schema of the body answered with `status`, when the spec names one.
    pub fn success_schema(&self, status: u16) -> Option<&'static str> {
        self.success.iter().find(|(s, name)| *s == status && !name.is_empty()).map(|(_, name)| *name)
    }

    /// [`Wire::query_spec`], usable where the entry is known at compile time
    /// (the operation table's rows).
    pub const fn query_spec(&self) -> QuerySpec {
        self.wire.query_spec()
    }
}

/// The wire description of the operation named `name`: a binary search of
/// [`WIRES`] (sorted by name). It does not refer to the catalog's entries,
/// so a program that only sends requests keeps their wire parts alone.
pub fn wire(name: &str) -> Option<&'static Wire> {
    WIRES.binary_search_by(|w| w.name.cmp(name)).ok().map(|i| &WIRES[i])
}

/// The operation named `name` (such as `users.roles.list`).
pub fn by_name(name: &str) -> Option<&'static OpDesc> {
    CATALOG.iter().copied().find(|op| op.name == name)
}

/// The entry of the operation with this method and path template, matched by
/// shape: parameter names may differ (the operation table's
/// `/api/tenants/{tenant_id}` is the Teams spec's `/api/tenants/{tenantId}`).
///
/// A `const fn`, so that the operation table links each row to its entry
/// when it is compiled: a Management or Teams API row without one does not
/// compile, and a program keeps only the entries its rows link. `None` for
/// the Authentication API, which the catalog does not describe.
pub const fn entry(api: Api, verb: Verb, path: &str) -> Option<&'static OpDesc> {
    if matches!(api, Api::Authentication) {
        return None;
    }
    let mut i = 0;
    while i < CATALOG.len() {
        let op = CATALOG[i];
        if op.wire.verb as u8 == verb as u8 && same_shape(op.wire.path, path) {
            return Some(op);
        }
        i += 1;
    }
    panic!("an operation of the Management or Teams API that the catalog does not have")
}

/// Whether two path templates match the same paths: equal but for the
/// names of their `{parameters}`.
pub const fn same_shape(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        if i == a.len() || j == b.len() {
            return i == a.len() && j == b.len();
        }
        if a[i] == b'{' && b[j] == b'{' {
            while i < a.len() && a[i] != b'}' {
                i += 1;
            }
            while j < b.len() && b[j] != b'}' {
                j += 1;
            }
            if i == a.len() || j == b.len() {
                return false;
            }
        } else if a[i] != b[j] {
            return false;
        }
        i += 1;
        j += 1;
    }
}

/// Finds the operation a method and raw (still encoded) path name, with its
/// decoded path parameters.
///
/// When several templates match, as `/custom-domains/default` and
/// `/custom-domains/{id}` both match `/custom-domains/default`, the one with
/// a literal segment where the other has a parameter, at the first position
/// they differ, wins. No two entries share the same method and template
/// shape, so the answer is always one operation.
pub fn find(verb: Verb, raw_path: &str) -> Option<(&'static OpDesc, Vec<String>)> {
    let mut best: Option<(&'static OpDesc, Vec<String>)> = None;
    for &op in CATALOG {
        let Some(params) = op.matches(verb, raw_path) else { continue };
        if best.as_ref().is_none_or(|(have, _)| more_specific(op.path, have.path)) {
            best = Some((op, params));
        }
    }
    best
}

/// Whether template `a` beats template `b` (both matching the same path, so
/// with as many segments): at the first position where one has a literal and
/// the other a parameter, the literal wins.
fn more_specific(a: &str, b: &str) -> bool {
    let is_param = |seg: &str| seg.starts_with('{');
    for (x, y) in a.split('/').zip(b.split('/')) {
        match (is_param(x), is_param(y)) {
            (false, true) => return true,
            (true, false) => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_beat_parameters() {
        assert!(more_specific("/a/lit/{x}", "/a/{y}/b"));
        assert!(!more_specific("/a/{y}/b", "/a/lit/{x}"));
        assert!(more_specific("/a/{x}/lit", "/a/{y}/{z}"));
        assert!(!more_specific("/a/{x}", "/a/{y}"));
    }

    #[test]
    fn find_prefers_the_literal_whatever_the_order() {
        let (op, params) = find(Verb::Get, "/api/v2/custom-domains/default").unwrap();
        assert_eq!((op.name, params.len()), ("customDomains.getDefault", 0));
        let (op, params) = find(Verb::Get, "/api/v2/custom-domains/cd_1").unwrap();
        assert_eq!((op.name, params), ("customDomains.get", vec!["cd_1".to_owned()]));
    }

    #[test]
    fn shapes_ignore_parameter_names() {
        assert!(same_shape("/api/tenants/{tenant_id}/members", "/api/tenants/{tenantId}/members"));
        assert!(same_shape("/a", "/a"));
        assert!(!same_shape("/a/{x}", "/a/b"));
        assert!(!same_shape("/a/{x}", "/a/{x}/b"));
        assert!(!same_shape("/a/{x", "/a/{y}"));
        assert!(!same_shape("/users", "/users-by-email"));
    }

    #[test]
    fn entries_link_by_method_and_shape() {
        let op = entry(Api::Teams, Verb::Get, "/api/tenants/{tenant_id}").unwrap();
        assert_eq!((op.name, op.path), ("teams.tenants.get", "/api/tenants/{tenantId}"));
        assert!(entry(Api::Authentication, Verb::Post, "/oauth/token").is_none());
    }

    #[test]
    fn queries_are_checked_by_the_entry() {
        let users = by_name("users.list").unwrap();
        assert_eq!(users.check_query([("per_page", "5"), ("search_engine", "v3"), ("primary_order", "true")]), Ok(()));
        let Err(QueryError::Unknown { names, accepted, .. }) = users.check_query([("colour", "x"), ("size", "1")])
        else {
            panic!("unknown names")
        };
        assert_eq!(names, ["colour", "size"]);
        assert!(accepted.contains(&"per_page") && accepted.contains(&"search_engine"));
        assert!(matches!(users.check_query([("page", "x")]), Err(QueryError::Type { name: "page", .. })));
        assert!(matches!(users.check_query([("include_totals", "yes")]), Err(QueryError::Type { .. })));
        assert!(matches!(
            users.check_query([("search_engine", "v4")]),
            Err(QueryError::NotOneOf { name: "search_engine", .. })
        ));
        let connections = by_name("connections.list").unwrap();
        assert_eq!(connections.check_query([("strategy", "auth0"), ("strategy", "samlp")]), Ok(()));
        assert!(connections.check_query([("strategy", "auth0"), ("strategy", "toaster")]).is_err());
        // The spec leaves `q` out of `GET /logs`; Auth0 takes it.
        let logs = by_name("logs.list").unwrap();
        assert!(logs.query_param("q").is_none());
        assert_eq!(logs.check_query([("q", "type:s"), ("search", "x")]), Ok(()));
        let required = CATALOG.iter().find(|op| op.query.iter().any(|q| q.required)).unwrap();
        let name = required.query.iter().find(|q| q.required).unwrap().name;
        assert_eq!(required.check_query([]), Err(QueryError::Missing { name }));
    }

    #[test]
    fn names_resolve() {
        let op = by_name("users.roles.list").unwrap();
        assert_eq!((op.verb, op.path), (Verb::Get, "/api/v2/users/{id}/roles"));
        assert_eq!(op.path_params().collect::<Vec<_>>(), ["id"]);
        assert!(by_name("users.nope").is_none());
    }
}
