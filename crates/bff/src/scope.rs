//! Object scopes in the proxy: a principal held to a user scope
//! ([`gatehouse_model::scope`]) acts only on the users it admits.
//!
//! How each operation is held to the scope is read from the catalog
//! ([`user_reach`], [`user_ids_named`]):
//! - the user search (`users.list`): the scope's clause joins the caller's
//!   `q` as `(<q>) AND (<scope>)` with `search_engine=v3`; a `q` whose
//!   groups, phrases or ranges are not closed is refused (400), so it cannot
//!   reach past its parentheses. An organization cannot be searched for:
//!   its members' ids (looked up, at most [`MAX_MEMBERS`]) stand in for it;
//! - other lists of whole users (`users.listUsersByEmail`): the answer is
//!   filtered, each user checked;
//! - lists of the users of something else (a role's users, an
//!   organization's or a group's members) answer references that cannot be
//!   checked without a lookup per user: refused (403
//!   `gatehouse_out_of_scope`), except an organization's members for a
//!   scope that is exactly that organization (all of them are in scope);
//! - one user (anything under `/users/{id}`, a `{user_id}` anywhere, a
//!   user's blocks): the user is looked up first; outside the scope the call
//!   is answered as Auth0 answers for an unknown user (404
//!   `inexistent_user`), and audited as denied by the scope. An update may
//!   not move the user out of the scope (its `app_metadata` values);
//! - users named in the query (`user_id`) or the body (`user_id`, a role's
//!   `users`, an organization's `members`): every one must be in scope,
//!   else 403 (the same answer for an unknown id, so nothing is learnt);
//!   an operation that could be narrowed to one user with `user_id` but
//!   was not (every user's grants or devices) is refused;
//! - creating a user: the body must land in the scope (its connection and
//!   `app_metadata` values); an organization scope cannot create users (the
//!   membership would be a second call, and the user would be outside the
//!   scope in between);
//! - an object that belongs to a user (its `GET` answers a `user_id`, by
//!   the generated schemas: a session, a refresh token, a log event), read,
//!   changed or deleted by id: it is read first, and one of a user outside
//!   the scope is refused (403);
//! - operations that act on users they do not name one by one (imports,
//!   exports, deletion by email, blocks by identifier, a ticket by email, an
//!   account linked by its token): refused.
//!
//! Lookups go through the shared upstream client, like the guard's: the
//! BFF's token, the tenant's pacing. A lookup that fails stops the call
//! (503): the check fails closed.

use crate::app::Shared;
use futures::future::try_join_all;
use gatehouse_model::catalog::{self, OpDesc};
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::path;
use gatehouse_model::scope::{
    QueryShapeError, UserReach, UserScope, UserScopes, combine_query, names_users_unreadably, unnarrowed,
    user_ids_named, user_reach,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Most members of an organization a user search can stand in for.
pub(crate) const MAX_MEMBERS: usize = 100;

/// Most users one call may name for checking (role assignments, members added).
pub(crate) const MAX_NAMED: usize = 100;

/// What the proxy does differently for a scoped call that may go on.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The query string to send instead of the caller's.
    pub query: Option<String>,
    /// The answer is a list of users to filter by the scope.
    pub filter: Option<UserScopes>,
}

/// Why a scoped call may not go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScopeStop {
    /// The user it acts on is outside the scope (or does not exist): answered as unknown.
    #[error("user {user} is outside its scope ({scopes})")]
    Hidden {
        /// The user id as asked.
        user: String,
        /// The scopes, in words.
        scopes: String,
    },
    /// The call cannot be held to the scope, or would leave it.
    #[error("{0}")]
    Refused(String),
    /// The caller's user search cannot be joined with the scope.
    #[error(transparent)]
    Query(#[from] QueryShapeError),
    /// A lookup the check needs failed.
    #[error("could not check {what}: {detail}")]
    Lookup {
        /// What was looked up.
        what: String,
        /// What went wrong.
        detail: String,
    },
}

/// Holds a call of `op` to `scopes`: refuses it, or says how to send it.
pub(crate) async fn check(
    state: &Shared,
    scopes: &UserScopes,
    op: &'static OpDesc,
    params: &[String],
    raw_query: Option<&str>,
    body: Option<&Value>,
) -> Result<Plan, ScopeStop> {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()).into_owned().collect();
    let mut plan = Plan::default();
    let mut one = None;
    match user_reach(op) {
        UserReach::None => {}
        UserReach::Unverifiable => {
            return Err(ScopeStop::Refused(format!(
                "{} acts on users it does not name one by one, so it cannot be held to {scopes}",
                op.name
            )));
        }
        UserReach::Members => members_list(scopes, op, params)?,
        UserReach::Search => plan.query = Some(search_query(state, scopes, &query).await?),
        UserReach::Users => plan.filter = Some(scopes.clone()),
        UserReach::Create => {
            let body = body.unwrap_or(&Value::Null);
            scopes
                .admits_new(body)
                .map_err(|e| ScopeStop::Refused(format!("the new user would be outside {scopes}: {e}")))?;
        }
        UserReach::One(index) => {
            let id = params.get(index).cloned().unwrap_or_default();
            let admitting = admitting(state, scopes, &id).await?;
            if admitting.is_empty() {
                return Err(ScopeStop::Hidden { user: id, scopes: scopes.to_string() });
            }
            if op.name == "users.update"
                && let Some(body) = body
            {
                scopes.keeps(&admitting.iter().collect::<Vec<_>>(), body).map_err(|e| {
                    ScopeStop::Refused(format!("the change would move user {id} outside {scopes}: {e}"))
                })?;
            }
            one = Some(id);
        }
    }
    if let Some(get_op) = owned_by_user(op) {
        owner_in_scope(state, scopes, op, get_op, params).await?;
    }
    if names_users_unreadably(op, body) {
        return Err(ScopeStop::Refused(format!(
            "{} names users in a way that cannot be checked against {scopes}; name them by user id",
            op.name
        )));
    }
    if unnarrowed(op, &query) {
        return Err(ScopeStop::Refused(format!(
            "{} answers about every user unless `user_id` names one; name a user within {scopes}",
            op.name
        )));
    }
    let named: Vec<String> =
        user_ids_named(op, &query, body).into_iter().filter(|id| Some(id) != one.as_ref()).collect();
    if named.len() > MAX_NAMED {
        return Err(ScopeStop::Refused(format!(
            "the call names {} users; at most {MAX_NAMED} can be checked against {scopes} at once",
            named.len()
        )));
    }
    let found = try_join_all(named.iter().map(|id| admitting(state, scopes, id))).await?;
    if found.iter().any(Vec::is_empty) {
        return Err(ScopeStop::Refused(format!(
            "not every user the call names is within {scopes} (or exists); nothing was changed"
        )));
    }
    Ok(plan)
}

/// The `GET` of the object a call acts on, when that object belongs to a
/// user: an operation on an object by id (outside what [`user_reach`]
/// covers) whose path's `GET` answers an object with a `user_id` (read
/// from the generated response schemas, once).
fn owned_by_user(op: &'static OpDesc) -> Option<&'static OpDesc> {
    static OWNED: LazyLock<Vec<&'static OpDesc>> = LazyLock::new(|| {
        catalog::CATALOG
            .iter()
            .filter(|g| g.verb == Verb::Get && g.path.ends_with('}') && user_reach(g) == UserReach::None)
            .filter(|g| {
                crate::catalog::schema_of(g.name, "response").is_some_and(|s| top_level_property(&s, "user_id"))
            })
            .copied()
            .collect()
    });
    if op.api != Api::Management || user_reach(op) != UserReach::None {
        return None;
    }
    OWNED.iter().copied().find(|g| g.path == op.path)
}

/// Whether a self-contained schema's object (through one `$ref`) has this property.
fn top_level_property(schema: &Value, name: &str) -> bool {
    let resolved = match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(def) => schema.get("$defs").and_then(|d| d.get(def.replace("~1", "/").replace("~0", "~"))),
        None => Some(schema),
    };
    resolved.and_then(|s| s.get("properties")).and_then(|p| p.get(name)).is_some()
}

/// The object a call acts on is read; when it names a user (`user_id`)
/// outside the scope the call is refused. An object that does not exist is
/// left to the tenant to answer.
async fn owner_in_scope(
    state: &Shared,
    scopes: &UserScopes,
    op: &'static OpDesc,
    get_op: &'static OpDesc,
    params: &[String],
) -> Result<(), ScopeStop> {
    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
    let what = format!("the object {} acts on", op.name);
    let Some(object) = get(state, get_op.name, &refs, "", &what).await? else {
        return Ok(());
    };
    let Some(owner) = object.get("user_id").and_then(Value::as_str) else {
        return Ok(());
    };
    if admitting(state, scopes, owner).await?.is_empty() {
        return Err(ScopeStop::Refused(format!("it belongs to a user outside {scopes}")));
    }
    Ok(())
}

/// A list of the users of a role, an organization or a group: only an
/// organization's members, for a scope that is exactly that organization.
fn members_list(scopes: &UserScopes, op: &'static OpDesc, params: &[String]) -> Result<(), ScopeStop> {
    let whole_org = op.path.starts_with("/api/v2/organizations/{id}/")
        && params.first().is_some_and(|org| {
            scopes.scopes().iter().any(|s| s.is_organization_only() && s.organization() == Some(org.as_str()))
        });
    if whole_org {
        return Ok(());
    }
    Err(ScopeStop::Refused(format!(
        "{} lists users without what {scopes} is checked on; search them with users.list, which the scope \
         is applied to",
        op.name
    )))
}

/// The user search's query string with the scope's clause joined to `q`.
async fn search_query(state: &Shared, scopes: &UserScopes, query: &[(String, String)]) -> Result<String, ScopeStop> {
    let mut members = BTreeMap::new();
    for org in scopes.organizations() {
        members.insert(org.to_owned(), organization_members(state, org).await?);
    }
    let clause = scopes
        .search_clause(&members)
        .ok_or_else(|| ScopeStop::Lookup { what: "organization members".into(), detail: "missing".into() })?;
    let q = query.iter().find(|(k, _)| k == "q").map(|(_, v)| v.as_str());
    let combined = combine_query(q, &clause)?;
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query.iter().filter(|(k, _)| k != "q" && k != "search_engine") {
        out.append_pair(k, v);
    }
    out.append_pair("q", &combined);
    out.append_pair("search_engine", "v3");
    Ok(out.finish())
}

/// The ids of an organization's members, at most [`MAX_MEMBERS`].
async fn organization_members(state: &Shared, org: &str) -> Result<Vec<String>, ScopeStop> {
    let what = format!("the members of organization {org}");
    let query = format!("?page=0&per_page={MAX_MEMBERS}&include_totals=true");
    let Some(answer) = get(state, "organizations.members.list", &[org], &query, &what).await? else {
        return Ok(Vec::new());
    };
    let total = answer.get("total").and_then(Value::as_u64).unwrap_or(0);
    if total as usize > MAX_MEMBERS {
        return Err(ScopeStop::Refused(format!(
            "organization {org} has {total} members, more than a user search can be limited to ({MAX_MEMBERS}); \
             list them with organizations.members.list"
        )));
    }
    let items = answer.get("members").and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(items.iter().filter_map(|m| m.get("user_id").and_then(Value::as_str).map(str::to_owned)).collect())
}

/// The scopes that admit a user (none when it is outside them all, or
/// does not exist).
async fn admitting(state: &Shared, scopes: &UserScopes, id: &str) -> Result<Vec<UserScope>, ScopeStop> {
    let what = format!("user {id}");
    let Some(user) = get(state, "users.get", &[id], "", &what).await? else {
        return Ok(Vec::new());
    };
    let orgs = if scopes.organizations().is_empty() { None } else { Some(user_organizations(state, id).await?) };
    Ok(scopes.scopes().iter().filter(|s| s.matches(&user, orgs.as_deref())).cloned().collect())
}

/// Whether a user, named by id, is within any of the scopes: `false` when
/// it is outside, does not exist, or cannot be looked up (fails closed).
/// What the event feed ([`crate::events`]) filters events by.
pub(crate) async fn admits(state: &Shared, scopes: &UserScopes, id: &str) -> bool {
    admitting(state, scopes, id).await.is_ok_and(|found| !found.is_empty())
}

/// Whether a user, as a list answered it, is in scope.
async fn admitted(state: &Shared, scopes: &UserScopes, user: &Value) -> Result<bool, ScopeStop> {
    let orgs = match (scopes.organizations().is_empty(), user.get("user_id").and_then(Value::as_str)) {
        (true, _) => None,
        (false, Some(id)) => Some(user_organizations(state, id).await?),
        (false, None) => return Ok(false),
    };
    Ok(scopes.matches(user, orgs.as_deref()))
}

/// The ids of the organizations a user belongs to (every page, up to 1,000).
async fn user_organizations(state: &Shared, id: &str) -> Result<Vec<String>, ScopeStop> {
    let what = format!("the organizations of user {id}");
    let mut out = Vec::new();
    for page in 0..10 {
        let query = format!("?page={page}&per_page=100&include_totals=true");
        let Some(answer) = get(state, "users.organizations.list", &[id], &query, &what).await? else {
            break;
        };
        let items = answer.get("organizations").and_then(Value::as_array).cloned().unwrap_or_default();
        out.extend(items.iter().filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned)));
        let total = answer.get("total").and_then(Value::as_u64).unwrap_or(0) as usize;
        if items.len() < 100 || out.len() >= total {
            break;
        }
    }
    Ok(out)
}

/// A `GET` of a catalog operation through the shared client, as JSON; `None` on 404.
async fn get(state: &Shared, name: &str, params: &[&str], query: &str, what: &str) -> Result<Option<Value>, ScopeStop> {
    let lookup = |detail: String| ScopeStop::Lookup { what: what.to_owned(), detail };
    let op = catalog::by_name(name).ok_or_else(|| lookup(format!("no operation {name}")))?;
    let mut p = path::fill(op.path, params).map_err(|e| lookup(e.to_string()))?;
    p.push_str(query);
    let response = state.upstream.send(op, p, None).await.map_err(|e| lookup(e.to_string()))?;
    match response.status().as_u16() {
        404 => Ok(None),
        s if (200..300).contains(&s) => {
            serde_json::from_slice(response.body()).map(Some).map_err(|e| lookup(format!("unreadable answer: {e}")))
        }
        s => Err(lookup(format!("the tenant answered {s}"))),
    }
}

/// A successful answer listing users, with only those in scope kept. A
/// user that cannot be checked (a lookup failed, or the caller's `fields`
/// left out what the scope is checked on) is left out: the filter fails closed.
pub(crate) async fn filter_users(state: &Shared, scopes: &UserScopes, body: Vec<u8>) -> Vec<u8> {
    let Ok(Value::Array(users)) = serde_json::from_slice::<Value>(&body) else {
        // Not a list of users: nothing of it can be shown.
        return b"[]".to_vec();
    };
    let mut kept = Vec::with_capacity(users.len());
    for user in users {
        match admitted(state, scopes, &user).await {
            Ok(true) => kept.push(user),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "a user could not be checked against the scope; left out"),
        }
    }
    serde_json::to_vec(&Value::Array(kept)).unwrap_or_else(|_| b"[]".to_vec())
}

#[cfg(test)]
mod tests {
    use gatehouse_emulator::search;
    use gatehouse_model::scope::{UserScope, combine_query};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Users of every combination of connection and department.
    fn users() -> Vec<Value> {
        let mut out = Vec::new();
        for (i, conn) in ["acme-saml", "contoso-azure", "github"].iter().enumerate() {
            for (j, dep) in ["sales", "ops", "legal"].iter().enumerate() {
                out.push(json!({"user_id": format!("auth0|{i}{j}"), "email": format!("u{i}{j}@x.test"),
                    "identities": [{"connection": conn}], "app_metadata": {"department": dep}}));
            }
        }
        out
    }

    fn fragment() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "(",
            ")",
            "\"",
            "\\",
            " ",
            "*",
            "OR",
            "AND",
            "NOT",
            "x",
            ":",
            "identities.connection:",
            "[",
            "]",
            "{",
            "}",
            "TO",
            "app_metadata.department:",
            "sales",
            "ops",
            "github",
            "/",
            "-",
            "+",
            "&&",
            "||",
            "!",
            "user_id:",
        ])
        .prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever the caller's query, every user the joined query finds
        /// is in scope: the caller cannot search past the scope.
        #[test]
        fn scope_clauses_cannot_be_escaped(parts in prop::collection::vec(fragment(), 0..14)) {
            let q = parts.join("");
            let scope = UserScope::parse_list("connection=acme-saml,app_metadata.department=sales").unwrap();
            let clause = scope.search_clause(None).unwrap();
            let Ok(joined) = combine_query(Some(&q), &clause) else { return Ok(()) };
            let Ok(parsed) = search::parse(&joined) else { return Ok(()) };
            for user in users() {
                if parsed.matches(&user, &["email", "name"]) {
                    prop_assert!(scope.matches(&user, None), "`{q}` found {user} outside the scope");
                }
            }
        }
    }

    #[test]
    fn objects_of_users_are_read_from_the_schemas() {
        let owned = |n: &str| super::owned_by_user(gatehouse_model::catalog::by_name(n).unwrap()).map(|g| g.name);
        assert_eq!(owned("sessions.delete"), Some("sessions.get"));
        assert_eq!(owned("refreshTokens.delete"), Some("refreshTokens.get"));
        assert_eq!(owned("logs.get"), Some("logs.get"));
        assert_eq!(owned("clients.get"), None);
        assert_eq!(owned("users.get"), None, "users are checked as users");
    }

    #[test]
    fn hostile_queries() {
        let scope = UserScope::parse_list("connection=acme-saml").unwrap();
        let clause = scope.search_clause(None).unwrap();
        for q in ["x OR identities.connection:*", "* OR *", "(*) OR (*)", "NOT identities.connection:\"acme-saml\""] {
            let parsed = search::parse(&combine_query(Some(q), &clause).unwrap()).unwrap();
            for user in users() {
                assert!(!parsed.matches(&user, &["email"]) || scope.matches(&user, None), "{q}");
            }
        }
        // Joined naively, the first would reach every user: the check is what stops it.
        let naive = search::parse(&format!("(*) OR (*) AND ({clause})")).unwrap();
        assert!(users().iter().any(|u| naive.matches(u, &["email"]) && !scope.matches(u, None)));
        for q in ["*) OR (*", "x\\", "\"", "a:[1 TO )"] {
            assert!(combine_query(Some(q), &clause).is_err(), "{q}");
        }
    }
}
