//! The escalation guard: before a call that changes who holds which access
//! is forwarded, look up in the tenant what the rules need (the names of the
//! roles given or taken, the roles and email of each user acted on) and let
//! [`gatehouse_model::policy::check`] decide.
//!
//! Lookups go through the same shared client as every proxied call (the
//! BFF's own token, the tenant's pacing). A lookup that fails for any reason
//! other than "not found" stops the call: the guard fails closed.

use crate::app::{Principal, Shared};
use crate::policy::{AccessChange, Caller, Facts, Refusal, UserFacts, check};
use futures::future::try_join_all;
use gatehouse_model::OperationId;
use gatehouse_model::operation::OperationSpec;
use gatehouse_model::path;
use gatehouse_model::policy::metadata_roles_held;
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
    /// What the rules need could not be looked up.
    #[error("could not check {what}: {detail}")]
    Lookup {
        /// What was being looked up, such as `role rol_1`.
        what: String,
        /// What went wrong.
        detail: String,
    },
}

/// Checks a call of `spec` with these path parameters and body.
pub(crate) async fn check_call(
    state: &Shared,
    principal: &Principal,
    spec: &'static OperationSpec,
    params: &[String],
    body: Option<&Value>,
) -> Result<Names, GuardError> {
    let metadata_path = state.policy.app_metadata_roles.as_deref();
    let mut change = AccessChange::of(spec, params, body, metadata_path);
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

/// `GET` of a table operation, answered as JSON; `None` on 404.
async fn get_json(
    state: &Shared,
    id: OperationId,
    params: &[&str],
    query: &str,
    what: &str,
) -> Result<Option<Value>, GuardError> {
    let spec = id.spec();
    let lookup = |detail: String| GuardError::Lookup { what: what.to_owned(), detail };
    let mut path = path::fill(spec.path, params).map_err(|e| lookup(e.to_string()))?;
    path.push_str(query);
    let response = state.upstream.send(spec, path, None).await.map_err(|e| lookup(e.to_string()))?;
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
