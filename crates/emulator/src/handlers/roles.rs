//! Roles: list, read, create, update, delete, and the users holding them.
//!
//! Auth0's role errors carry no `errorCode`.

use super::{Ty, check_types, id_list, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply, empty_object};
use crate::error::{ApiError, ApiResult};
use crate::handlers::users::{add_roles, role_ids, user_not_found};
use crate::query::{page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

const FIELD_TYPES: &[(&str, Ty)] = &[("name", Ty::Str), ("description", Ty::Str)];

fn role_not_found() -> ApiError {
    ApiError::not_found("The role does not exist.", None)
}

fn name_taken(t: &Tenant, name: &str, except: Option<&str>) -> bool {
    t.coll(Kind::Roles).values().any(|r| s(r, "name").eq_ignore_ascii_case(name) && Some(s(r, "id")) != except)
}

/// `GET /api/v2/roles`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let filter = ctx.query.string("name_filter").map(|f| f.to_lowercase());
    let roles: Vec<&Value> = t
        .coll(Kind::Roles)
        .values()
        .filter(|r| filter.as_deref().is_none_or(|f| s(r, "name").to_lowercase().contains(f)))
        .collect();
    Ok(Reply::ok(paginate(&roles, &req, "roles", "roles", false, |r| s(r, "id").to_owned(), |r| (*r).clone())?))
}

/// `GET /api/v2/roles/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    t.get(Kind::Roles, ctx.param(0)).cloned().map(Reply::ok).ok_or_else(role_not_found)
}

/// `POST /api/v2/roles`: answered with 200, as Auth0 does.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, false)?;
    refuse_fields(&body, &["id"])?;
    let name = s(&ctx.body, "name").trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::payload("'String is too short (0 chars), minimum 1' on property name."));
    }
    if name_taken(t, &name, None) {
        return Err(ApiError::conflict("The role already exists.", None));
    }
    let id = t.ids.role_id();
    let mut role = Map::new();
    role.insert("id".into(), json!(id));
    role.insert("name".into(), json!(name));
    role.insert("description".into(), body.get("description").cloned().unwrap_or_else(|| json!(name)));
    let role = Value::Object(role);
    t.put(Kind::Roles, id, role.clone());
    Ok(Reply::ok(role))
}

/// `PATCH /api/v2/roles/{id}`.
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, false)?;
    refuse_fields(&body, &["id"])?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::Roles, &id).ok_or_else(role_not_found)?;
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        if name.trim().is_empty() {
            return Err(ApiError::payload("'String is too short (0 chars), minimum 1' on property name."));
        }
        if name_taken(t, name, Some(&id)) {
            return Err(ApiError::conflict("The role already exists.", None));
        }
    }
    let role = t
        .modify(Kind::Roles, &id, |r| {
            let r = obj_mut(r);
            for (k, v) in &body {
                r.insert(k.clone(), v.clone());
            }
            Value::Object(r.clone())
        })
        .ok_or_else(role_not_found)?;
    Ok(Reply::ok(role))
}

/// `DELETE /api/v2/roles/{id}`: 200 with `{}`; 404 when it does not exist.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0).to_owned();
    t.remove(Kind::Roles, &id).ok_or_else(role_not_found)?;
    let holders: Vec<String> = t
        .coll(Kind::UserRoles)
        .iter()
        .filter(|(_, roles)| roles.as_array().is_some_and(|a| a.iter().any(|r| r.as_str() == Some(&id))))
        .map(|(u, _)| u.clone())
        .collect();
    for user in holders {
        let rest: Vec<String> = role_ids(t, &user).into_iter().filter(|r| *r != id).collect();
        t.put(Kind::UserRoles, user, json!(rest));
    }
    let orgs: Vec<String> = t.coll(Kind::OrgMembers).keys().cloned().collect();
    for org in orgs {
        let touches = t.get(Kind::OrgMembers, &org).and_then(Value::as_object).is_some_and(|m| {
            m.values().any(|roles| roles.as_array().is_some_and(|a| a.iter().any(|r| r.as_str() == Some(&id))))
        });
        if touches {
            t.modify(Kind::OrgMembers, &org, |m| {
                for roles in obj_mut(m).values_mut() {
                    if let Value::Array(a) = roles {
                        a.retain(|r| r.as_str() != Some(&id));
                    }
                }
            });
        }
    }
    Ok(Reply::ok(empty_object()))
}

/// The short form of a user in member and role-user lists.
pub fn user_summary(user: &Value) -> Value {
    let mut m = Map::new();
    for f in ["user_id", "email", "picture", "name"] {
        if let Some(v) = user.get(f) {
            m.insert(f.into(), v.clone());
        }
    }
    Value::Object(m)
}

/// `GET /api/v2/roles/{id}/users`: offset or checkpoint paging, ordered by user id.
pub fn list_users(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let id = ctx.param(0);
    t.get(Kind::Roles, id).ok_or_else(role_not_found)?;
    let mut users: Vec<&Value> = t
        .coll(Kind::UserRoles)
        .iter()
        .filter(|(_, roles)| roles.as_array().is_some_and(|a| a.iter().any(|r| r.as_str() == Some(id))))
        .filter_map(|(u, _)| t.get(Kind::Users, u))
        .collect();
    users.sort_by(|a, b| s(a, "user_id").cmp(s(b, "user_id")));
    let body = paginate(
        &users,
        &req,
        "users",
        &format!("role_users:{id}"),
        false,
        |u| s(u, "user_id").to_owned(),
        |u| user_summary(u),
    )?;
    Ok(Reply::ok(body))
}

/// `POST /api/v2/roles/{id}/users`: 200 with `{}`, as Auth0 answers.
pub fn assign_users(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let users = id_list(&ctx.body_obj(), "users")?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::Roles, &id).ok_or_else(role_not_found)?;
    if users.iter().any(|u| t.get(Kind::Users, u).is_none()) {
        return Err(user_not_found());
    }
    for user in users {
        add_roles(t, &user, std::slice::from_ref(&id));
    }
    Ok(Reply::ok(empty_object()))
}
