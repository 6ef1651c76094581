//! Organizations: list, read, create, update, delete, members and member roles.
//!
//! Auth0's organization errors carry no `errorCode`. A member's roles in an
//! organization are kept with the membership (`OrgMembers`: organization id →
//! user id → role ids), apart from the roles the user holds tenant-wide.

use super::{Ty, check_types, id_list, is_slug, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::handlers::roles::user_summary;
use crate::handlers::users::{roles_exist, user_not_found};
use crate::query::{PageRequest, Projection, page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

const FIELD_TYPES: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("display_name", Ty::Str),
    ("branding", Ty::Obj),
    ("metadata", Ty::Obj),
    ("enabled_connections", Ty::ObjArr),
];

fn org_not_found() -> ApiError {
    ApiError::not_found("No organization found by that id or name", None)
}

fn check_body(t: &Tenant, body: &Map<String, Value>, except: Option<&str>, nullable: bool) -> ApiResult<()> {
    check_types(body, FIELD_TYPES, nullable)?;
    refuse_fields(body, &["id"])?;
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        if !is_slug(name, &['-', '_'], 50) {
            return Err(ApiError::payload(format!(
                "'String does not match pattern ^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$: {name}' on property name."
            )));
        }
        if t.coll(Kind::Organizations).values().any(|o| s(o, "name") == name && Some(s(o, "id")) != except) {
            return Err(ApiError::conflict("An organization with this name already exists.", None));
        }
    }
    if let Some(Value::Object(meta)) = body.get("metadata") {
        if let Some((k, _)) = meta.iter().find(|(_, v)| !v.is_string() && !v.is_null()) {
            return Err(ApiError::payload(format!("'Expected type string' on property metadata.{k}.")));
        }
        if meta.len() > 25 {
            return Err(ApiError::payload("'Too many properties, maximum 25' on property metadata."));
        }
    }
    Ok(())
}

fn enabled_connections(t: &Tenant, given: &Value) -> ApiResult<Value> {
    let mut out = Vec::new();
    for ec in given.as_array().into_iter().flatten() {
        let id = s(ec, "connection_id");
        let conn =
            t.get(Kind::Connections, id).ok_or_else(|| ApiError::not_found("No connection found by that id", None))?;
        let mut item = ec.as_object().cloned().unwrap_or_default();
        item.entry("assign_membership_on_login").or_insert(json!(false));
        item.entry("show_as_button").or_insert(json!(true));
        item.insert("connection".into(), json!({"name": s(conn, "name"), "strategy": s(conn, "strategy")}));
        out.push(Value::Object(item));
    }
    Ok(Value::Array(out))
}

/// `GET /api/v2/organizations`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let sort = crate::handlers::users::sort_param(ctx)?;
    let mut orgs: Vec<&Value> = t.coll(Kind::Organizations).values().collect();
    if matches!(req, PageRequest::Checkpoint { .. }) {
        orgs.sort_by(|a, b| s(a, "id").cmp(s(b, "id")));
    } else if let Some(sort) = sort {
        orgs.sort_by(|a, b| sort.compare(a, b));
    }
    let body =
        paginate(&orgs, &req, "organizations", "organizations", false, |o| s(o, "id").to_owned(), |o| (*o).clone())?;
    Ok(Reply::ok(body))
}

/// `GET /api/v2/organizations/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    t.get(Kind::Organizations, ctx.param(0)).cloned().map(Reply::ok).ok_or_else(org_not_found)
}

/// `POST /api/v2/organizations`.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_body(t, &body, None, false)?;
    let id = t.ids.organization_id();
    let mut org = Map::new();
    org.insert("id".into(), json!(id));
    for (k, v) in &body {
        if k == "enabled_connections" {
            org.insert(k.clone(), enabled_connections(t, v)?);
        } else if !v.is_null() {
            org.insert(k.clone(), v.clone());
        }
    }
    let org = Value::Object(org);
    t.put(Kind::Organizations, id.clone(), org.clone());
    t.put(Kind::OrgMembers, id, json!({}));
    Ok(Reply::created(org))
}

/// `PATCH /api/v2/organizations/{id}`.
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    let id = ctx.param(0).to_owned();
    t.get(Kind::Organizations, &id).ok_or_else(org_not_found)?;
    check_body(t, &body, Some(&id), true)?;
    let connections = match body.get("enabled_connections") {
        Some(v) if !v.is_null() => Some(enabled_connections(t, v)?),
        _ => None,
    };
    let org = t
        .modify(Kind::Organizations, &id, |o| {
            let o = obj_mut(o);
            for (k, v) in &body {
                if v.is_null() {
                    o.remove(k);
                } else if k == "enabled_connections" {
                    o.insert(k.clone(), connections.clone().unwrap_or_else(|| json!([])));
                } else {
                    o.insert(k.clone(), v.clone());
                }
            }
            Value::Object(o.clone())
        })
        .ok_or_else(org_not_found)?;
    Ok(Reply::ok(org))
}

/// `DELETE /api/v2/organizations/{id}`: 204; 404 when it does not exist.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0);
    t.remove(Kind::Organizations, id).ok_or_else(org_not_found)?;
    t.remove(Kind::OrgMembers, id);
    Ok(Reply::no_content())
}

fn members(t: &Tenant, org: &str) -> Map<String, Value> {
    t.get(Kind::OrgMembers, org).and_then(Value::as_object).cloned().unwrap_or_default()
}

/// `GET /api/v2/users/{id}/organizations`: the organizations the user is a member of, by id.
pub fn list_for_user(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let user = ctx.param(0);
    t.get(Kind::Users, user).ok_or_else(user_not_found)?;
    let mut orgs: Vec<&Value> =
        t.coll(Kind::Organizations).values().filter(|o| members(t, s(o, "id")).contains_key(user)).collect();
    orgs.sort_by(|a, b| s(a, "id").cmp(s(b, "id")));
    let body = paginate(
        &orgs,
        &req,
        "organizations",
        "user_organizations",
        false,
        |o| s(o, "id").to_owned(),
        |o| (*o).clone(),
    )?;
    Ok(Reply::ok(body))
}

/// `GET /api/v2/organizations/{id}/members`: ordered by user id; `fields=roles` adds each member's roles.
pub fn list_members(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let projection = Projection::from_params(&ctx.query)?;
    let id = ctx.param(0);
    t.get(Kind::Organizations, id).ok_or_else(org_not_found)?;
    let with_roles = projection.names("roles");
    let mut rows: Vec<(String, Value)> = members(t, id)
        .into_iter()
        .filter_map(|(user_id, roles)| {
            let user = t.get(Kind::Users, &user_id)?;
            let mut m = user_summary(user);
            if with_roles {
                let roles: Vec<Value> = roles
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| t.get(Kind::Roles, r.as_str()?))
                    .map(|r| json!({"id": s(r, "id"), "name": s(r, "name")}))
                    .collect();
                m["roles"] = Value::Array(roles);
            }
            Some((user_id, m))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let body = paginate(
        &rows,
        &req,
        "members",
        &format!("org_members:{id}"),
        false,
        |(u, _)| u.clone(),
        |(_, m)| projection.apply(m.clone(), &["user_id"]),
    )?;
    Ok(Reply::ok(body))
}

/// `POST /api/v2/organizations/{id}/members`: 204.
pub fn add_members(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let users = id_list(&ctx.body_obj(), "members")?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::Organizations, &id).ok_or_else(org_not_found)?;
    if users.iter().any(|u| t.get(Kind::Users, u).is_none()) {
        return Err(user_not_found());
    }
    let mut m = members(t, &id);
    for u in users {
        m.entry(u).or_insert_with(|| json!([]));
    }
    t.put(Kind::OrgMembers, id, Value::Object(m));
    Ok(Reply::no_content())
}

/// `DELETE /api/v2/organizations/{id}/members`: 204.
pub fn remove_members(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let users = id_list(&ctx.body_obj(), "members")?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::Organizations, &id).ok_or_else(org_not_found)?;
    let mut m = members(t, &id);
    for u in &users {
        m.remove(u);
    }
    t.put(Kind::OrgMembers, id, Value::Object(m));
    Ok(Reply::no_content())
}

/// `GET /api/v2/organizations/{id}/members/{user_id}/roles`.
pub fn list_member_roles(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let (id, user) = (ctx.param(0), ctx.param(1));
    t.get(Kind::Organizations, id).ok_or_else(org_not_found)?;
    t.get(Kind::Users, user).ok_or_else(user_not_found)?;
    let m = members(t, id);
    let roles: Vec<&Value> = m
        .get(user)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| t.get(Kind::Roles, r.as_str()?))
        .collect();
    let body = paginate(&roles, &req, "roles", "member_roles", false, |r| s(r, "id").to_owned(), |r| (*r).clone())?;
    Ok(Reply::ok(body))
}

fn not_a_member() -> ApiError {
    ApiError::not_found("The user is not a member of the organization.", None)
}

/// Checks the body, the organization, the user and the membership of a member-roles
/// write; returns the organization's members and the role ids of the body.
fn member_roles_target(ctx: &Ctx, t: &Tenant) -> ApiResult<(Map<String, Value>, Vec<String>)> {
    let roles = id_list(&ctx.body_obj(), "roles")?;
    let (id, user) = (ctx.param(0), ctx.param(1));
    t.get(Kind::Organizations, id).ok_or_else(org_not_found)?;
    t.get(Kind::Users, user).ok_or_else(user_not_found)?;
    let m = members(t, id);
    if !m.contains_key(user) {
        return Err(not_a_member());
    }
    roles_exist(t, &roles)?;
    Ok((m, roles))
}

fn held_roles(m: &Map<String, Value>, user: &str) -> Vec<String> {
    m.get(user).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// `POST /api/v2/organizations/{id}/members/{user_id}/roles`: 204; roles already held are kept once.
pub fn assign_member_roles(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let (mut m, roles) = member_roles_target(ctx, t)?;
    let (id, user) = (ctx.param(0), ctx.param(1));
    let mut held = held_roles(&m, user);
    let before = held.len();
    for r in roles {
        if !held.contains(&r) {
            held.push(r);
        }
    }
    if held.len() != before {
        m.insert(user.to_owned(), json!(held));
        t.put(Kind::OrgMembers, id.to_owned(), Value::Object(m));
    }
    Ok(Reply::no_content())
}

/// `DELETE /api/v2/organizations/{id}/members/{user_id}/roles`: 204; roles the member does not hold are ignored.
pub fn remove_member_roles(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let (mut m, roles) = member_roles_target(ctx, t)?;
    let (id, user) = (ctx.param(0), ctx.param(1));
    let held = held_roles(&m, user);
    let kept: Vec<String> = held.iter().filter(|r| !roles.contains(r)).cloned().collect();
    if kept.len() != held.len() {
        m.insert(user.to_owned(), json!(kept));
        t.put(Kind::OrgMembers, id.to_owned(), Value::Object(m));
    }
    Ok(Reply::no_content())
}
