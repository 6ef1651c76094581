//! The catalog: one plain-data description of every operation of Auth0's
//! Management API v2 and Teams API, generated from their OpenAPI specs.
//!
//! [`CATALOG`] is written by `cargo xtask codegen` into
//! `generated/catalog.rs`; this module holds the types it is made of and the
//! lookups over it. Each [`OpDesc`] says how to call one operation (method,
//! path template, query parameters, body media types), what a token needs
//! (scopes), how it pages and what it answers. Nothing here is code per
//! operation, so the catalog ships in the wasm package as read-only data.
//!
//! The hand-kept [`crate::operation`] table still drives the client, the BFF
//! and the emulator; the catalog is the description they will be derived from.

use crate::operation::{Api, Verb};
use crate::path;

pub use crate::generated::catalog::CATALOG;

/// One operation, as the spec describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpDesc {
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
    /// The OAuth scopes the spec lists for the operation. Auth0 lists
    /// together the scope that grants the call, alternatives meant for
    /// user-bound tokens (`*:current_user*`) and scopes that reveal or change
    /// more (such as `read:user_idp_tokens`), so a token rarely needs all of them.
    pub scopes: &'static [&'static str],
    /// How a list operation pages; [`Paging::None`] when it is not a list.
    pub paging: Paging,
    /// The request body, when the operation takes one.
    pub body: Option<Body>,
    /// The documented success (2xx) statuses, each with the schema of its
    /// body: the spec's component name, `[Name]` for an array of that
    /// component, or empty when there is no body or an unnamed one.
    pub success: &'static [(u16, &'static str)],
    /// The documented error statuses. Their bodies are left out: the specs
    /// give them no schema worth keeping, and [`crate::ErrorBody`] tells the
    /// error shapes apart.
    pub errors: &'static [u16],
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
    /// An integer.
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

/// A request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// The spec's component name of the body schema; empty when unnamed.
    pub schema: &'static str,
    /// Whether the spec marks the body as required.
    pub required: bool,
    /// Media types accepted, in spec order.
    pub media: &'static [Media],
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

impl OpDesc {
    /// The names of the path parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        path::param_names(self.path)
    }

    /// Whether `status` is one of the documented success statuses.
    pub fn is_success(&self, status: u16) -> bool {
        self.success.iter().any(|(s, _)| *s == status)
    }

    /// The schema of the body answered with `status`, when the spec names one.
    pub fn success_schema(&self, status: u16) -> Option<&'static str> {
        self.success.iter().find(|(s, name)| *s == status && !name.is_empty()).map(|(_, name)| *name)
    }

    /// The query parameter named `name`.
    pub fn query_param(&self, name: &str) -> Option<&'static QueryParam> {
        self.query.iter().find(|q| q.name == name)
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

/// The operation named `name` (such as `users.roles.list`).
pub fn by_name(name: &str) -> Option<&'static OpDesc> {
    CATALOG.iter().find(|op| op.name == name)
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
    for op in CATALOG {
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
    fn names_resolve() {
        let op = by_name("users.roles.list").unwrap();
        assert_eq!((op.verb, op.path), (Verb::Get, "/api/v2/users/{id}/roles"));
        assert_eq!(op.path_params().collect::<Vec<_>>(), ["id"]);
        assert!(by_name("users.nope").is_none());
    }
}
