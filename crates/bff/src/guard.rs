//! The escalation guard: before a call that changes who holds which access
//! is forwarded, look up in the tenant what the rules need (the names of the
//! roles given or taken, the roles and email of each user acted on) and let
//! [`gatehouse_model::policy::check`] decide.
//!
//! It also keeps the BFF's own applications (its machine-to-machine client
//! and the web application admins sign in to) and their client grants out
//! of reach: changing, rotating or deleting them through the proxy would
//! cut the BFF off or hand its credentials to the caller.
//!
//! Lookups go through the same shared client as every proxied call (the
//! BFF's own token, the tenant's pacing). A lookup that fails for any reason
//! other than "not found" stops the call: the guard fails closed.

use crate::app::{Principal, Shared};
use crate::policy::{AccessChange, Caller, Facts, Refusal, UserFacts, check};
use futures::future::try_join_all;
use gatehouse_model::OperationId;
use gatehouse_model::catalog::OpDesc;
use gatehouse_model::path;
use gatehouse_model::policy::metadata_roles_held;
use gatehouse_model::policy::{access_of, group_of};
use serde_json::Value;
use std::collections::BTreeMap;

/// Labels the guard learned while checking, for the audit log: user id →
/// email, role id → name.
pub(crate) type Names = BTreeMap<String, String>;

/// Why the guard stopped a call.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GuardError {
    /// The rules refuse it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The call would change one of the BFF's own applications or their grants.
    #[error("{what} belongs to Gatehouse itself and is not changed through it")]
    OwnClient {
        /// What it is, such as `application abc`.
        what: String,
    },
    /// What the rules need could not be looked up.
    #[error("could not check {what}: {detail}")]
    Lookup {
        /// What was being looked up, such as `role rol_1`.
        what: String,
        /// What went wrong.
        detail: String,
    },
}

/// Checks a call of `op` with these path parameters and body.
pub(crate) async fn check_call(
    state: &Shared,
    principal: &Principal,
    op: &'static OpDesc,
    params: &[String],
    body: Option<&Value>,
) -> Result<Names, GuardError> {
    own_clients(state, op, params).await?;
    let metadata_path = state.policy.app_metadata_roles.as_deref();
    let mut change = AccessChange::of_op(op, params, body, metadata_path);
    if change.is_empty() {
        return Ok(Names::new());
    }
    let mut role_ids: Vec<&String> = change.roles_given.iter().chain(&change.roles_taken).collect();
    role_ids.extend(change.role_redefined.as_ref());
    role_ids.sort();
    role_ids.dedup();
    let roles = try_join_all(role_ids.into_iter().map(|id| role_name(state, id)));
    let users = try_join_all(change.users.iter().map(|id| user_facts(state, id, metadata_path)));
    let (roles, users) = futures::try_join!(roles, users)?;
    // Each user as the tenant names it: an id spelled another way (case,
    // say) that reaches the same account is still that account, so a
    // principal cannot slip past the rules about itself.
    let mut found = BTreeMap::new();
    for (asked, user) in change.users.iter_mut().zip(users) {
        if let Some((canonical, facts)) = user {
            *asked = canonical.clone();
            found.insert(canonical, facts);
        }
    }
    let facts = Facts { role_names: roles.into_iter().flatten().collect(), users: found };
    let caller = Caller { name: principal.name(), user_id: principal.user_id(), grants: principal.grants() };
    check(&state.policy, caller, &change, &facts)?;
    let mut names: Names = facts.role_names;
    names.extend(facts.users.into_iter().filter_map(|(id, u)| Some((id, u.email?))));
    Ok(names)
}

/// Refuses writes to the BFF's own applications (anything under
/// `/clients/{id}`: updates, secret rotation, credentials, deletion) and to
/// the client grants that give them their access.
async fn own_clients(state: &Shared, op: &'static OpDesc, params: &[String]) -> Result<(), GuardError> {
    if access_of(op) != gatehouse_model::Access::Write || op.api != gatehouse_model::Api::Management {
        return Ok(());
    }
    let own = |id: &str| state.own_clients.iter().any(|c| !c.is_empty() && c == id);
    if op.path.starts_with("/api/v2/clients/{")
        && let Some(id) = params.first()
        && own(id)
    {
        return Err(GuardError::OwnClient { what: format!("application {id}") });
    }
    if group_of(op.name) == "clientGrants"
        && op.path.starts_with("/api/v2/client-grants/{")
        && let (Some(id), Some(get)) = (params.first(), gatehouse_model::catalog::by_name("clientGrants.get"))
    {
        let grant = get_op(state, get, &[id], "", &format!("client grant {id}")).await?;
        if let Some(client) = grant.as_ref().and_then(|g| g.get("client_id")).and_then(Value::as_str)
            && own(client)
        {
            return Err(GuardError::OwnClient { what: format!("client grant {id} (of application {client})") });
        }
    }
    Ok(())
}

/// `GET` of a table operation, answered as JSON; `None` on 404.
async fn get_json(
    state: &Shared,
    id: OperationId,
    params: &[&str],
    query: &str,
    what: &str,
) -> Result<Option<Value>, GuardError> {
    let op =
        id.catalog().ok_or_else(|| GuardError::Lookup { what: what.to_owned(), detail: "no such operation".into() })?;
    get_op(state, op, params, query, what).await
}

/// `GET` of a catalog operation, answered as JSON; `None` on 404.
async fn get_op(
    state: &Shared,
    op: &'static OpDesc,
    params: &[&str],
    query: &str,
    what: &str,
) -> Result<Option<Value>, GuardError> {
    let lookup = |detail: String| GuardError::Lookup { what: what.to_owned(), detail };
    let mut path = path::fill(op.path, params).map_err(|e| lookup(e.to_string()))?;
    path.push_str(query);
    let response = state.upstream.send(op, path, None).await.map_err(|e| lookup(e.to_string()))?;
    match response.status().as_u16() {
        404 => Ok(None),
        s if (200..300).contains(&s) => {
            serde_json::from_slice(response.body()).map(Some).map_err(|e| lookup(format!("unreadable answer: {e}")))
        }
        s => Err(lookup(format!("the tenant answered {s}"))),
    }
}

/// A role's name by id; `None` when there is no such role.
async fn role_name(state: &Shared, id: &str) -> Result<Option<(String, String)>, GuardError> {
    let role = get_json(state, OperationId::GetRole, &[id], "", &format!("role {id}")).await?;
    Ok(role.and_then(|r| Some((id.to_owned(), r.get("name")?.as_str()?.to_owned()))))
}

/// A user's id as the tenant spells it, email, roles (every page) and
/// `app_metadata` roles; `None` when there is no such user.
async fn user_facts(
    state: &Shared,
    id: &str,
    metadata_path: Option<&str>,
) -> Result<Option<(String, UserFacts)>, GuardError> {
    let what = format!("user {id}");
    let Some(user) = get_json(state, OperationId::GetUser, &[id], "", &what).await? else {
        return Ok(None);
    };
    let metadata_roles = metadata_path.map(|p| metadata_roles_held(user.get("app_metadata"), p)).unwrap_or_default();
    let mut roles = metadata_roles.clone();
    for page in 0.. {
        let query = format!("?page={page}&per_page=100&include_totals=true");
        let Some(body) = get_json(state, OperationId::ListUserRoles, &[id], &query, &what).await? else {
            return Ok(None);
        };
        let items = body.get("roles").and_then(Value::as_array).cloned().unwrap_or_default();
        let total = body.get("total").and_then(Value::as_u64).unwrap_or(0);
        roles.extend(items.iter().filter_map(|r| r.get("name")?.as_str().map(str::to_owned)));
        if total > 1000 {
            return Err(GuardError::Lookup {
                what,
                detail: format!("the user holds {total} roles, more than can be listed"),
            });
        }
        if items.len() < 100 || (page + 1) * 100 >= total {
            break;
        }
    }
    let email = user.get("email").and_then(Value::as_str).map(str::to_owned);
    let canonical = user.get("user_id").and_then(Value::as_str).unwrap_or(id).to_owned();
    Ok(Some((canonical, UserFacts { email, roles, metadata_roles })))
}
