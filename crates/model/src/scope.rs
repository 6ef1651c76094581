//! Object scopes: which of the tenant's users a principal may act on.
//!
//! A [`UserScope`] limits a policy role or an API key to the users of one
//! organization, of one connection, and/or whose `app_metadata` holds given
//! values; every condition given must hold. A principal holding several
//! scoped roles may act on a user any one of them admits ([`UserScopes`]).
//!
//! Values are restricted to safe characters when the scope is read
//! ([`ScopeError`]), and are still quoted and escaped ([`quote`]) when put
//! into a user search, so a scope can never change the query it joins.
//! The caller's own query is joined only when its shape is closed
//! ([`combine_query`]): balanced groups, closed phrases, no ranges holding
//! groups, no regular expressions, no dangling escape; the result is
//! `(<caller's query>) AND (<scope>)`, which no closed query can escape.
//!
//! Which operations reach users, and how, is read from the catalog's paths
//! ([`user_reach`], [`user_ids_named`]): the BFF enforces the scope from
//! that, never from a list of paths kept by hand.

use crate::catalog::{OpDesc, Paging};
use crate::operation::{Api, Verb};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Longest value a scope condition may hold.
pub const MAX_VALUE_LEN: usize = 128;

/// A user scope: the users of an organization, of a connection, and/or
/// whose `app_metadata` holds given values (dotted paths to strings). Every
/// condition given must hold; at least one is given.
///
/// In TOML: `{ organization = "org_1", connection = "acme-saml",
/// app_metadata = { department = "sales" } }` (nested tables or dotted keys
/// name deeper paths); in JSON the same keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawScope", into = "RawScope")]
pub struct UserScope {
    organization: Option<String>,
    connection: Option<String>,
    app_metadata: BTreeMap<String, String>,
}

/// The scope as written, before it is checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_metadata: Option<Value>,
}

/// A user scope that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// No condition was given.
    #[error("a user scope needs at least one of `organization`, `connection` or `app_metadata`")]
    Empty,
    /// A condition holds characters a scope does not take.
    #[error(
        "user scope `{field}`: use 1 to {MAX_VALUE_LEN} letters, digits, spaces and `-_.@+|:` (no quotes, \
         wildcards or brackets)"
    )]
    BadValue {
        /// The condition, such as `connection` or `app_metadata.department`.
        field: String,
    },
    /// An organization id that is not one.
    #[error("user scope `organization`: an organization id such as `org_abc123`")]
    BadOrganization,
    /// An `app_metadata` path that is not one.
    #[error("user scope `app_metadata`: `{path}` is not a path of names (letters, digits, `-` and `_`)")]
    BadPath {
        /// The path as given.
        path: String,
    },
    /// An `app_metadata` value that is not a string.
    #[error("user scope `app_metadata.{path}`: the value must be a string")]
    NotAString {
        /// The path.
        path: String,
    },
    /// A `KEY=VALUE` list item that is not one.
    #[error(
        "user scope `{item}`: write `organization=ID`, `connection=NAME` or `app_metadata.PATH=VALUE`, \
         separated by commas"
    )]
    BadItem {
        /// The item as given.
        item: String,
    },
}

fn safe_value(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_VALUE_LEN
        && v.trim() == v
        && v.chars().all(|c| c.is_ascii_alphanumeric() || " -_.@+|:".contains(c))
}

fn safe_name(v: &str) -> bool {
    !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl UserScope {
    /// A scope from its conditions, checked.
    pub fn new(
        organization: Option<String>,
        connection: Option<String>,
        app_metadata: BTreeMap<String, String>,
    ) -> Result<Self, ScopeError> {
        if organization.is_none() && connection.is_none() && app_metadata.is_empty() {
            return Err(ScopeError::Empty);
        }
        if let Some(org) = &organization
            && !(org.starts_with("org_") && safe_name(org))
        {
            return Err(ScopeError::BadOrganization);
        }
        if let Some(c) = &connection
            && !safe_value(c)
        {
            return Err(ScopeError::BadValue { field: "connection".into() });
        }
        for (path, value) in &app_metadata {
            if path.split('.').count() > 8 || !path.split('.').all(safe_name) {
                return Err(ScopeError::BadPath { path: path.clone() });
            }
            if !safe_value(value) {
                return Err(ScopeError::BadValue { field: format!("app_metadata.{path}") });
            }
        }
        Ok(Self { organization, connection, app_metadata })
    }

    /// Reads `organization=org_1,connection=acme-saml,app_metadata.department=sales`
    /// (the command line's form).
    pub fn parse_list(spec: &str) -> Result<Self, ScopeError> {
        let (mut org, mut conn, mut meta) = (None, None, BTreeMap::new());
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || ScopeError::BadItem { item: item.to_owned() };
            let (key, value) = item.split_once('=').ok_or_else(bad)?;
            let (key, value) = (key.trim(), value.trim().to_owned());
            match key {
                "organization" if org.is_none() => org = Some(value),
                "connection" if conn.is_none() => conn = Some(value),
                _ => match key.strip_prefix("app_metadata.") {
                    Some(path) if !meta.contains_key(path) => {
                        meta.insert(path.to_owned(), value);
                    }
                    _ => return Err(bad()),
                },
            }
        }
        Self::new(org, conn, meta)
    }

    /// The command line's form of the scope (what [`UserScope::parse_list`] reads).
    pub fn to_list(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.organization {
            parts.push(format!("organization={o}"));
        }
        if let Some(c) = &self.connection {
            parts.push(format!("connection={c}"));
        }
        parts.extend(self.app_metadata.iter().map(|(k, v)| format!("app_metadata.{k}={v}")));
        parts.join(",")
    }

    /// The organization whose members are in scope, if the scope names one.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The connection whose users are in scope, if the scope names one.
    pub fn connection(&self) -> Option<&str> {
        self.connection.as_deref()
    }

    /// The `app_metadata` values (dotted path → value) a user in scope holds.
    pub fn app_metadata(&self) -> &BTreeMap<String, String> {
        &self.app_metadata
    }

    /// Whether the scope is only an organization (its members, all of them).
    pub fn is_organization_only(&self) -> bool {
        self.organization.is_some() && self.connection.is_none() && self.app_metadata.is_empty()
    }

    /// Whether a user (its JSON as the tenant answers it) is in scope.
    /// `organizations` are the ids of the organizations the user belongs
    /// to; a scope naming an organization admits nobody without them.
    pub fn matches(&self, user: &Value, organizations: Option<&[String]>) -> bool {
        if let Some(org) = &self.organization
            && !organizations.is_some_and(|orgs| orgs.iter().any(|o| o == org))
        {
            return false;
        }
        if let Some(conn) = &self.connection {
            let identities = user.get("identities").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if !identities.iter().any(|i| i.get("connection").and_then(Value::as_str) == Some(conn)) {
                return false;
            }
        }
        self.app_metadata
            .iter()
            .all(|(path, want)| value_at(user.get("app_metadata"), path).and_then(Value::as_str) == Some(want.as_str()))
    }

    /// The search clause (Auth0's user search, `search_engine=v3`) for
    /// the users in scope: `identities.connection:"X" AND
    /// app_metadata.department:"sales"`. An organization cannot be searched
    /// for: its members' ids (`members`, which the caller looked up) stand
    /// in for it; without them, `None`.
    pub fn search_clause(&self, members: Option<&[String]>) -> Option<String> {
        let mut parts = Vec::new();
        if self.organization.is_some() {
            parts.push(ids_clause(members?));
        }
        if let Some(c) = &self.connection {
            parts.push(format!("identities.connection:{}", quote(c)));
        }
        parts.extend(self.app_metadata.iter().map(|(p, v)| format!("app_metadata.{p}:{}", quote(v))));
        Some(parts.join(" AND "))
    }

    /// Whether a new user (the body of a user creation) lands in scope:
    /// its connection is the scope's and its `app_metadata` holds the
    /// scope's values. Membership of an organization cannot be given in the
    /// same call, so an organization scope admits no creation.
    pub fn admits_new(&self, body: &Value) -> Result<(), OutOfScope> {
        if let Some(org) = &self.organization {
            return Err(OutOfScope::CreateInOrganization { organization: org.clone() });
        }
        if let Some(conn) = &self.connection
            && body.get("connection").and_then(Value::as_str) != Some(conn)
        {
            return Err(OutOfScope::Field { field: "connection".into(), value: conn.clone() });
        }
        for (path, want) in &self.app_metadata {
            if value_at(body.get("app_metadata"), path).and_then(Value::as_str) != Some(want) {
                return Err(OutOfScope::Field { field: format!("app_metadata.{path}"), value: want.clone() });
            }
        }
        Ok(())
    }

    /// Whether an update (the body of a user update) keeps the user in
    /// scope. Auth0 merges `app_metadata` one level deep: a top-level key
    /// the body names replaces the stored one, and `null` clears it all; so
    /// every scope path whose first key the body names must come out with
    /// the scope's value.
    pub fn keeps(&self, body: &Value) -> Result<(), OutOfScope> {
        let Some(meta) = body.get("app_metadata") else {
            return Ok(());
        };
        for (path, want) in &self.app_metadata {
            let first = path.split('.').next().unwrap_or(path);
            let named = match meta {
                Value::Object(map) => map.contains_key(first),
                _ => true,
            };
            if named && value_at(Some(meta), path).and_then(Value::as_str) != Some(want) {
                return Err(OutOfScope::Field { field: format!("app_metadata.{path}"), value: want.clone() });
            }
        }
        Ok(())
    }
}

impl fmt::Display for UserScope {
    /// The scope in words: `users of organization org_1 and connection acme-saml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(o) = &self.organization {
            parts.push(format!("organization {o}"));
        }
        if let Some(c) = &self.connection {
            parts.push(format!("connection {c}"));
        }
        parts.extend(self.app_metadata.iter().map(|(k, v)| format!("app_metadata.{k} = \"{v}\"")));
        write!(f, "users of {}", parts.join(" and "))
    }
}

impl TryFrom<RawScope> for UserScope {
    type Error = ScopeError;

    fn try_from(raw: RawScope) -> Result<Self, ScopeError> {
        let mut meta = BTreeMap::new();
        if let Some(v) = &raw.app_metadata {
            flatten("", v, &mut meta)?;
        }
        Self::new(raw.organization, raw.connection, meta)
    }
}

impl From<UserScope> for RawScope {
    fn from(s: UserScope) -> Self {
        let app_metadata = (!s.app_metadata.is_empty())
            .then(|| Value::Object(s.app_metadata.into_iter().map(|(k, v)| (k, Value::from(v))).collect()));
        Self { organization: s.organization, connection: s.connection, app_metadata }
    }
}

/// `app_metadata` as written (nested tables and dotted keys) as dotted paths to strings.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) -> Result<(), ScopeError> {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&path, v, out)?;
            }
            Ok(())
        }
        Value::String(s) if !prefix.is_empty() => {
            out.insert(prefix.to_owned(), s.clone());
            Ok(())
        }
        _ if prefix.is_empty() => Err(ScopeError::BadPath { path: String::new() }),
        _ => Err(ScopeError::NotAString { path: prefix.to_owned() }),
    }
}

/// The value at a dotted path.
fn value_at<'a>(root: Option<&'a Value>, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root?, |v, key| v.get(key))
}

/// Why a call would put a user outside the principal's scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutOfScope {
    /// A field must have the scope's value.
    #[error("`{field}` must be \"{value}\"")]
    Field {
        /// The field, such as `connection`.
        field: String,
        /// The value the scope requires.
        value: String,
    },
    /// Users cannot be created into an organization in one call.
    #[error(
        "a user created here would not be a member of organization {organization}; invite them to the \
         organization instead"
    )]
    CreateInOrganization {
        /// The scope's organization.
        organization: String,
    },
}

/// The user scopes a principal is held to: a user is in reach when any one
/// of them admits it. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserScopes(Vec<UserScope>);

impl UserScopes {
    /// The scopes, any of which admits a user; `None` when `scopes` is empty.
    pub fn any_of(scopes: Vec<UserScope>) -> Option<Self> {
        let mut scopes = scopes;
        scopes.sort_by_key(UserScope::to_list);
        scopes.dedup();
        (!scopes.is_empty()).then_some(Self(scopes))
    }

    /// One scope.
    pub fn one(scope: UserScope) -> Self {
        Self(vec![scope])
    }

    /// Each scope.
    pub fn scopes(&self) -> &[UserScope] {
        &self.0
    }

    /// The organizations the scopes name (whose members must be known to
    /// build a search clause or to check a user).
    pub fn organizations(&self) -> Vec<&str> {
        let mut orgs: Vec<&str> = self.0.iter().filter_map(UserScope::organization).collect();
        orgs.dedup();
        orgs
    }

    /// Whether a user is in reach (see [`UserScope::matches`]).
    pub fn matches(&self, user: &Value, organizations: Option<&[String]>) -> bool {
        self.0.iter().any(|s| s.matches(user, organizations))
    }

    /// The search clause for every user in reach: each scope's clause,
    /// `OR`ed. `members` gives the member ids of each organization named;
    /// `None` when one is missing.
    pub fn search_clause(&self, members: &BTreeMap<String, Vec<String>>) -> Option<String> {
        let clauses: Option<Vec<String>> = self
            .0
            .iter()
            .map(|s| s.search_clause(s.organization().map(|o| members.get(o).map(Vec::as_slice)).unwrap_or(Some(&[]))))
            .collect();
        let clauses = clauses?;
        Some(if clauses.len() == 1 { clauses[0].clone() } else { format!("({})", clauses.join(") OR (")) })
    }

    /// Whether some scope admits a new user with this body; the first
    /// scope's reason otherwise.
    pub fn admits_new(&self, body: &Value) -> Result<(), OutOfScope> {
        let mut first = None;
        for s in &self.0 {
            match s.admits_new(body) {
                Ok(()) => return Ok(()),
                Err(e) => first = first.or(Some(e)),
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Whether an update leaves the user in reach of some scope that now admits it.
    /// (`admitting` are the scopes that admit the user before the update.)
    pub fn keeps(&self, admitting: &[&UserScope], body: &Value) -> Result<(), OutOfScope> {
        let mut first = None;
        for s in admitting {
            match s.keeps(body) {
                Ok(()) => return Ok(()),
                Err(e) => first = first.or(Some(e)),
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl fmt::Display for UserScopes {
    /// `users of connection X`, or `users of connection X or users of organization org_1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" or "))
    }
}

/// A value as a quoted phrase of Auth0's (Lucene) query syntax, with `"` and `\` escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Users whose id is one of `ids`; an empty list (no members) matches no
/// user: every Auth0 user id has a `|` between provider and id, so the
/// stand-in id, which has none, is never one.
pub fn ids_clause(ids: &[String]) -> String {
    if ids.is_empty() {
        return format!("user_id:{}", quote(NO_USER));
    }
    let quoted: Vec<String> = ids.iter().map(|i| quote(i)).collect();
    format!("user_id:({})", quoted.join(" OR "))
}

/// An id no Auth0 user has (it has no `|`), for a clause that matches nobody.
pub const NO_USER: &str = "gatehouse-no-user";

/// Why a caller's user search cannot be joined with a scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryShapeError {
    /// A `)` with no `(` before it.
    #[error("the query closes a group it did not open (at character {at})")]
    UnopenedGroup {
        /// Character offset.
        at: usize,
    },
    /// A `(` never closed.
    #[error("the query leaves a group open")]
    OpenGroup,
    /// A `"` never closed.
    #[error("the query leaves a quoted phrase open")]
    OpenPhrase,
    /// A range never closed, or a bracket out of place.
    #[error("the query has a range that is not closed or holds brackets (at character {at})")]
    Range {
        /// Character offset.
        at: usize,
    },
    /// A `\` with nothing after it.
    #[error("the query ends with an escape character")]
    DanglingEscape,
    /// A `/` (a regular expression).
    #[error("regular expressions (`/`) cannot be combined with a user scope; escape it as `\\/`")]
    Regex,
}

/// The caller's user search `q` limited to `clause`: `(<q>) AND (<clause>)`,
/// or the clause alone when `q` is empty. `q` must be closed (see
/// [`QueryShapeError`]), so that it stays inside its parentheses.
pub fn combine_query(q: Option<&str>, clause: &str) -> Result<String, QueryShapeError> {
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return Ok(format!("({clause})"));
    };
    check_closed(q)?;
    Ok(format!("({q}) AND ({clause})"))
}

/// Checks that a query's groups, phrases and ranges are closed.
pub fn check_closed(q: &str) -> Result<(), QueryShapeError> {
    let mut depth = 0usize;
    let mut chars = q.chars().enumerate();
    let mut range: Option<char> = None;
    while let Some((at, c)) = chars.next() {
        match c {
            // An escape takes the next character (consumed by the guard) whatever it is.
            '\\' if chars.next().is_none() => return Err(QueryShapeError::DanglingEscape),
            '\\' => {}
            '"' => loop {
                match chars.next() {
                    None => return Err(QueryShapeError::OpenPhrase),
                    Some((_, '\\')) => {
                        if chars.next().is_none() {
                            return Err(QueryShapeError::OpenPhrase);
                        }
                    }
                    Some((_, '"')) => break,
                    Some(_) => {}
                }
            },
            '/' => return Err(QueryShapeError::Regex),
            '[' | '{' if range.is_none() => range = Some(if c == '[' { ']' } else { '}' }),
            ']' | '}' if range.is_some() => range = None,
            '(' | ')' | '[' | '{' | ']' | '}' if range.is_some() => return Err(QueryShapeError::Range { at }),
            ']' | '}' => return Err(QueryShapeError::Range { at }),
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or(QueryShapeError::UnopenedGroup { at })?,
            _ => {}
        }
    }
    if range.is_some() {
        return Err(QueryShapeError::Range { at: q.chars().count() });
    }
    if depth > 0 {
        return Err(QueryShapeError::OpenGroup);
    }
    Ok(())
}

/// How an operation reaches the tenant's users, read from its path in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserReach {
    /// It does not act on users as such (users named in its body or
    /// query are still checked: [`user_ids_named`]).
    None,
    /// It acts on one user, named by the path parameter at this index:
    /// anything under `/users/{id}`, a `{user_id}` anywhere, a user's blocks.
    One(usize),
    /// The user search (`GET /users`): the scope joins the query.
    Search,
    /// Another list answering whole users (`GET /users-by-email`): filtered.
    Users,
    /// A list of the users of something else (a role's users, an
    /// organization's or a group's members), answering references only.
    Members,
    /// Creates a user (`POST /users`).
    Create,
    /// Acts on users it does not name one by one, so cannot be checked:
    /// imports and exports of users, deletions by email, blocks by identifier.
    Unverifiable,
}

/// How an operation reaches users (Management API operations only; the
/// Teams API's members are not the tenant's users).
pub fn user_reach(op: &OpDesc) -> UserReach {
    let Some(rest) = op.path.strip_prefix("/api/v2/") else {
        return UserReach::None;
    };
    if op.api != Api::Management {
        return UserReach::None;
    }
    let segs: Vec<&str> = rest.split('/').collect();
    let is_param = |s: &str| s.starts_with('{');
    let param_index = |seg_index: usize| segs[..seg_index].iter().filter(|s| is_param(s)).count();
    if segs.len() >= 2 && (segs[0] == "users" || segs[0] == "user-blocks") && is_param(segs[1]) {
        return UserReach::One(0);
    }
    if let Some(i) = segs.iter().position(|s| *s == "{user_id}") {
        return UserReach::One(param_index(i));
    }
    let last = segs.last().copied().unwrap_or("");
    let lists = op.verb == Verb::Get && !matches!(op.paging, Paging::None);
    match (segs.len(), op.verb) {
        (1, Verb::Get) if last == "users" => return UserReach::Search,
        (1, Verb::Post) if last == "users" => return UserReach::Create,
        (1, _) if last.starts_with("users") && lists => return UserReach::Users,
        _ => {}
    }
    let under_parent = segs.len() >= 3 && is_param(segs[segs.len() - 2]);
    if under_parent && (last == "users" || last == "members") {
        return match op.verb {
            Verb::Get if lists => UserReach::Members,
            // Adding or removing users by id: the ids in the body are checked.
            _ if op.body.is_some() => UserReach::None,
            _ => UserReach::Unverifiable,
        };
    }
    if segs.iter().any(|s| !is_param(s) && (s.starts_with("users") || *s == "user-blocks")) {
        return UserReach::Unverifiable;
    }
    UserReach::None
}

/// Whether an operation can reach users at all, one way or another: the
/// roles whose grants allow any such operation are the ones a scope
/// limits ([`crate::policy::Policy::user_scopes_for`]).
pub fn reaches_users(op: &OpDesc) -> bool {
    op.api == Api::Management
        && (user_reach(op) != UserReach::None
            || op.query.iter().any(|q| q.name == "user_id")
            || op.path.ends_with("/users")
            || op.path.ends_with("/members"))
}

/// The users a call names outside its path: a `user_id` query parameter,
/// and in a JSON body a top-level `user_id`, and the `users` or `members`
/// arrays of a call on a role's users or a group's or organization's
/// members (ids as strings, or objects with a `user_id`).
pub fn user_ids_named(op: &OpDesc, query: &[(String, String)], body: Option<&Value>) -> Vec<String> {
    let mut ids: Vec<String> = query.iter().filter(|(k, _)| k == "user_id").map(|(_, v)| v.clone()).collect();
    let obj = body.and_then(Value::as_object);
    if let Some(id) = obj.and_then(|b| b.get("user_id")).and_then(Value::as_str) {
        ids.push(id.to_owned());
    }
    let last = op.path.rsplit('/').next().unwrap_or("");
    if (last == "users" || last == "members") && op.path != "/api/v2/users" {
        if let Some(items) = obj.and_then(|b| b.get(last)).and_then(Value::as_array) {
            for item in items {
                match item {
                    Value::String(s) => ids.push(s.clone()),
                    other => {
                        if let Some(s) = other.get("user_id").and_then(Value::as_str) {
                            ids.push(s.to_owned());
                        }
                    }
                }
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Whether a call names users in a way [`user_ids_named`] cannot read: a
/// `users`/`members` body field that is not a list of ids, a body that
/// picks a user by `email` alone (a password-change ticket, say), or one
/// that names an account by a token (`link_with`, which merges it into the
/// user linked to).
pub fn names_users_unreadably(op: &OpDesc, body: Option<&Value>) -> bool {
    let Some(obj) = body.and_then(Value::as_object) else {
        return false;
    };
    let last = op.path.rsplit('/').next().unwrap_or("");
    let list_unreadable = (last == "users" || last == "members")
        && op.path != "/api/v2/users"
        && obj.get(last).is_some_and(|v| {
            !v.as_array().is_some_and(|items| {
                items.iter().all(|i| i.is_string() || i.get("user_id").is_some_and(Value::is_string))
            })
        });
    let by_email =
        matches!(user_reach(op), UserReach::None) && obj.contains_key("email") && !obj.contains_key("user_id");
    list_unreadable || by_email || obj.contains_key("link_with")
}

/// Whether an operation that may be narrowed to one user (it takes a
/// `user_id` query parameter) was called without being narrowed, so that
/// it would answer about every user (their grants, devices, ...).
pub fn unnarrowed(op: &OpDesc, query: &[(String, String)]) -> bool {
    op.query.iter().any(|q| q.name == "user_id") && !query.iter().any(|(k, _)| k == "user_id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::by_name;
    use serde_json::json;

    fn scope(toml_like: Value) -> Result<UserScope, String> {
        serde_json::from_value(toml_like).map_err(|e| e.to_string())
    }

    #[test]
    fn scopes_read_and_refuse() {
        let s =
            scope(json!({"connection": "acme-saml", "app_metadata": {"department": "sales", "team": {"name": "eu"}}}))
                .unwrap();
        assert_eq!(s.connection(), Some("acme-saml"));
        assert_eq!(s.app_metadata().get("team.name").map(String::as_str), Some("eu"));
        assert_eq!(s.to_list(), "connection=acme-saml,app_metadata.department=sales,app_metadata.team.name=eu");
        assert_eq!(UserScope::parse_list(&s.to_list()).unwrap(), s);
        let back: UserScope = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(scope(json!({})).unwrap_err().contains("at least one"));
        assert!(scope(json!({"conection": "x"})).unwrap_err().contains("unknown field"));
        assert!(scope(json!({"connection": "a\" OR x:\"b"})).unwrap_err().contains("user scope `connection`"));
        assert!(scope(json!({"connection": "*"})).is_err());
        assert!(scope(json!({"connection": ""})).is_err());
        assert!(scope(json!({"organization": "acme"})).unwrap_err().contains("organization id"));
        assert!(scope(json!({"app_metadata": {"dep)t": "x"}})).unwrap_err().contains("not a path"));
        assert!(scope(json!({"app_metadata": {"n": 1}})).unwrap_err().contains("must be a string"));
        assert!(scope(json!({"app_metadata": {"d": "a(b"}})).is_err());
        assert!(UserScope::parse_list("connection").is_err());
        assert!(UserScope::parse_list("color=red").is_err());
        assert!(UserScope::parse_list("connection=a,connection=b").is_err());
        let t: UserScope = toml_from("organization = \"org_1\"\napp_metadata.department = \"sales\"");
        assert_eq!(t.organization(), Some("org_1"));
        assert_eq!(t.app_metadata().get("department").map(String::as_str), Some("sales"));
    }

    fn toml_from(text: &str) -> UserScope {
        // The model has no TOML parser: the equivalent JSON of the two forms the config takes.
        let mut meta = serde_json::Map::new();
        let mut out = serde_json::Map::new();
        for line in text.lines() {
            let (k, v) = line.split_once(" = ").unwrap();
            let v = Value::from(v.trim_matches('"'));
            match k.strip_prefix("app_metadata.") {
                Some(path) => {
                    meta.insert(path.to_owned(), v);
                }
                None => {
                    out.insert(k.to_owned(), v);
                }
            }
        }
        out.insert("app_metadata".into(), Value::Object(meta));
        serde_json::from_value(Value::Object(out)).unwrap()
    }

    #[test]
    fn users_match() {
        let user = json!({"user_id": "auth0|1", "identities": [{"connection": "db"}, {"connection": "acme-saml"}],
                          "app_metadata": {"department": "sales", "team": {"name": "eu"}}});
        let conn = UserScope::parse_list("connection=acme-saml").unwrap();
        assert!(conn.matches(&user, None));
        assert!(!UserScope::parse_list("connection=acme").unwrap().matches(&user, None));
        let meta = UserScope::parse_list("app_metadata.team.name=eu,app_metadata.department=sales").unwrap();
        assert!(meta.matches(&user, None));
        assert!(!UserScope::parse_list("app_metadata.department=Sales").unwrap().matches(&user, None));
        let org = UserScope::parse_list("organization=org_1").unwrap();
        assert!(!org.matches(&user, None));
        assert!(!org.matches(&user, Some(&["org_2".to_owned()])));
        assert!(org.matches(&user, Some(&["org_2".to_owned(), "org_1".to_owned()])));
        assert!(!conn.matches(&json!({"identities": "acme-saml"}), None));
    }

    #[test]
    fn clauses_and_queries() {
        let s = UserScope::parse_list("connection=acme-saml,app_metadata.department=sales").unwrap();
        assert_eq!(
            s.search_clause(None).unwrap(),
            "identities.connection:\"acme-saml\" AND app_metadata.department:\"sales\""
        );
        let org = UserScope::parse_list("organization=org_1").unwrap();
        assert_eq!(org.search_clause(None), None);
        assert_eq!(org.search_clause(Some(&[])).unwrap(), "user_id:\"gatehouse-no-user\"");
        assert_eq!(
            org.search_clause(Some(&["auth0|1".into(), "x|\"2".into()])).unwrap(),
            "user_id:(\"auth0|1\" OR \"x|\\\"2\")"
        );
        let any = UserScopes::any_of(vec![s.clone(), org.clone()]).unwrap();
        let members = BTreeMap::from([("org_1".to_owned(), vec!["auth0|1".to_owned()])]);
        assert_eq!(
            any.search_clause(&members).unwrap(),
            "(identities.connection:\"acme-saml\" AND app_metadata.department:\"sales\") OR (user_id:(\"auth0|1\"))"
        );
        assert_eq!(combine_query(None, "c").unwrap(), "(c)");
        assert_eq!(combine_query(Some("email:*@x.test"), "c").unwrap(), "(email:*@x.test) AND (c)");
        for bad in ["*) OR (*", "x)", "(x", "\"x", "x\\", "a:[1 TO )]", "a:[1 TO 2", "/.*/", "a]"] {
            assert!(combine_query(Some(bad), "c").is_err(), "{bad}");
        }
        for good in ["x OR identities.connection:*", "(a) OR (b)", "\")\"", "a\\)", "n:[1 TO 5] AND b", "n:{a TO b}"] {
            assert!(combine_query(Some(good), "c").is_ok(), "{good}");
        }
    }

    #[test]
    fn creation_and_updates() {
        let s = UserScope::parse_list("connection=db,app_metadata.department=sales").unwrap();
        assert!(s.admits_new(&json!({"connection": "db", "app_metadata": {"department": "sales"}})).is_ok());
        assert!(s.admits_new(&json!({"connection": "other", "app_metadata": {"department": "sales"}})).is_err());
        assert!(s.admits_new(&json!({"connection": "db"})).is_err());
        let org = UserScope::parse_list("organization=org_1").unwrap();
        assert!(matches!(org.admits_new(&json!({})), Err(OutOfScope::CreateInOrganization { .. })));
        assert!(s.keeps(&json!({"name": "x"})).is_ok());
        assert!(s.keeps(&json!({"app_metadata": {"plan": "pro"}})).is_ok());
        assert!(s.keeps(&json!({"app_metadata": {"department": "sales", "plan": "pro"}})).is_ok());
        assert!(s.keeps(&json!({"app_metadata": {"department": "marketing"}})).is_err());
        assert!(s.keeps(&json!({"app_metadata": {"department": null}})).is_err());
        assert!(s.keeps(&json!({"app_metadata": null})).is_err());
    }

    #[test]
    fn reach_is_read_from_paths() {
        let reach = |n: &str| user_reach(by_name(n).unwrap_or_else(|| panic!("{n}")));
        assert_eq!(reach("users.list"), UserReach::Search);
        assert_eq!(reach("users.create"), UserReach::Create);
        assert_eq!(reach("users.listUsersByEmail"), UserReach::Users);
        assert_eq!(reach("users.get"), UserReach::One(0));
        assert_eq!(reach("users.roles.assign"), UserReach::One(0));
        assert_eq!(reach("users.sessions.delete"), UserReach::One(0));
        assert_eq!(reach("userBlocks.list"), UserReach::One(0));
        assert_eq!(reach("organizations.members.roles.assign"), UserReach::One(1));
        assert_eq!(reach("roles.users.list"), UserReach::Members);
        assert_eq!(reach("organizations.members.list"), UserReach::Members);
        assert_eq!(reach("roles.users.assign"), UserReach::None);
        assert_eq!(reach("organizations.members.create"), UserReach::None);
        assert_eq!(reach("jobs.usersImports.create"), UserReach::Unverifiable);
        assert_eq!(reach("jobs.usersExports.create"), UserReach::Unverifiable);
        assert_eq!(reach("connections.users.deleteByEmail"), UserReach::Unverifiable);
        assert_eq!(reach("userBlocks.listByIdentifier"), UserReach::Unverifiable);
        assert_eq!(reach("clients.list"), UserReach::None);
        assert_eq!(reach("userAttributeProfiles.list"), UserReach::None);
        let ids = |n: &str, q: &[(&str, &str)], b: Value| {
            let q: Vec<(String, String)> = q.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            user_ids_named(by_name(n).unwrap(), &q, Some(&b))
        };
        assert_eq!(ids("roles.users.assign", &[], json!({"users": ["b", "a"]})), ["a", "b"]);
        assert_eq!(ids("organizations.members.delete", &[], json!({"members": ["a"]})), ["a"]);
        assert_eq!(ids("jobs.verificationEmail.create", &[], json!({"user_id": "u"})), ["u"]);
        assert_eq!(ids("userGrants.list", &[("user_id", "g")], Value::Null), ["g"]);
        assert!(unnarrowed(by_name("userGrants.list").unwrap(), &[]));
        assert!(names_users_unreadably(by_name("roles.users.assign").unwrap(), Some(&json!({"users": "a"}))));
        assert!(names_users_unreadably(
            by_name("tickets.changePassword").unwrap(),
            Some(&json!({"email": "a@b", "connection_id": "c"}))
        ));
        assert!(!names_users_unreadably(by_name("tickets.changePassword").unwrap(), Some(&json!({"user_id": "u"}))));
        assert!(names_users_unreadably(by_name("users.identities.link").unwrap(), Some(&json!({"link_with": "ey…"}))));
    }
}
#[cfg(test)]
mod catalog_walk {
    use super::*;
    use crate::catalog::CATALOG;
    use crate::policy::group_of;

    /// Every Management operation whose path names users or members is
    /// held to a scope one way or another: by its reach, by the users its
    /// body or query names, or it is one of the few that concern no user
    /// (each with its reason). A new operation of the spec that touches
    /// users fails here until it is thought about.
    #[test]
    fn every_operation_on_users_is_held_to_the_scope() {
        let mut unheld = Vec::new();
        for op in CATALOG.iter().filter(|op| op.api == Api::Management) {
            let names_users =
                op.path.split('/').any(|s| !s.starts_with('{') && (s.contains("user") || s.contains("member")));
            if !names_users && !op.query.iter().any(|q| q.name == "user_id") {
                continue;
            }
            let last = op.path.rsplit('/').next().unwrap_or("");
            let held = user_reach(op) != UserReach::None
                || op.query.iter().any(|q| q.name == "user_id")
                || ((last == "users" || last == "members") && op.body.is_some());
            // User attribute profiles are settings; the active-users count is a number.
            let concerns_no_user =
                group_of(op.name) == "userAttributeProfiles" || op.name == "stats.getActiveUsersCount";
            if !held && !concerns_no_user {
                unheld.push(op.name);
            }
            assert!(reaches_users(op) || concerns_no_user, "{}", op.name);
        }
        assert_eq!(unheld, Vec::<&str>::new());
    }
}
