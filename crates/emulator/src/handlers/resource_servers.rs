//! APIs (resource servers): list, read, create, update, delete.

use super::{Ty, apply_patch, check_types, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::query::{page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

const FIELD_TYPES: &[(&str, Ty)] = &[
    ("identifier", Ty::Str),
    ("name", Ty::Str),
    ("scopes", Ty::ObjArr),
    ("signing_alg", Ty::Str),
    ("signing_secret", Ty::Str),
    ("allow_offline_access", Ty::Bool),
    ("skip_consent_for_verifiable_first_party_clients", Ty::Bool),
    ("token_lifetime", Ty::Int),
    ("token_lifetime_for_web", Ty::Int),
    ("token_dialect", Ty::Str),
    ("enforce_policies", Ty::Bool),
];

fn not_found() -> ApiError {
    ApiError::not_found("The resource server does not exist", Some("inexistent_resource_server"))
}

/// Finds an API by id or by identifier (Auth0 accepts either in the path).
fn find_key(t: &Tenant, id: &str) -> Option<String> {
    if t.get(Kind::ResourceServers, id).is_some() {
        return Some(id.to_owned());
    }
    t.coll(Kind::ResourceServers).iter().find(|(_, r)| s(r, "identifier") == id).map(|(k, _)| k.clone())
}

/// A new API with Auth0's defaults around `fields`; shared with seeding.
pub fn build_resource_server(id: String, fields: &Map<String, Value>) -> Value {
    let identifier = fields.get("identifier").and_then(Value::as_str).unwrap_or_default();
    let mut r = Map::new();
    r.insert("id".into(), json!(id));
    r.insert("name".into(), fields.get("name").cloned().unwrap_or_else(|| json!(identifier)));
    r.insert("identifier".into(), json!(identifier));
    r.insert("scopes".into(), json!([]));
    r.insert("signing_alg".into(), json!("RS256"));
    r.insert("allow_offline_access".into(), json!(false));
    r.insert("token_lifetime".into(), json!(86400));
    r.insert("token_lifetime_for_web".into(), json!(7200));
    r.insert("skip_consent_for_verifiable_first_party_clients".into(), json!(true));
    r.insert("enforce_policies".into(), json!(false));
    r.insert("token_dialect".into(), json!("access_token"));
    apply_patch(&mut r, fields, &["id"]);
    Value::Object(r)
}

fn check_body(body: &Map<String, Value>, nullable: bool) -> ApiResult<()> {
    check_types(body, FIELD_TYPES, nullable)?;
    if let Some(alg) = body.get("signing_alg").and_then(Value::as_str) {
        if !["HS256", "RS256", "PS256"].contains(&alg) {
            return Err(ApiError::payload(format!("'No enum match for: \"{alg}\"' on property signing_alg.")));
        }
    }
    for (i, scope) in body.get("scopes").and_then(Value::as_array).into_iter().flatten().enumerate() {
        if !scope.get("value").is_some_and(Value::is_string) {
            return Err(ApiError::payload(format!("'Missing required property: value' on property scopes[{i}].")));
        }
    }
    Ok(())
}

/// `GET /api/v2/resource-servers`: `identifiers` filters.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    ctx.query.bool("include_fields")?;
    let identifiers = ctx.query.all("identifiers");
    let apis: Vec<&Value> = t
        .coll(Kind::ResourceServers)
        .values()
        .filter(|r| identifiers.is_empty() || identifiers.iter().any(|i| s(r, "identifier") == i))
        .collect();
    Ok(Reply::ok(paginate(
        &apis,
        &req,
        "resource_servers",
        "resource_servers",
        false,
        |r| s(r, "id").to_owned(),
        |r| (*r).clone(),
    )?))
}

/// `GET /api/v2/resource-servers/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    ctx.query.bool("include_fields")?;
    let key = find_key(t, ctx.param(0)).ok_or_else(not_found)?;
    t.get(Kind::ResourceServers, &key).cloned().map(Reply::ok).ok_or_else(not_found)
}

/// `POST /api/v2/resource-servers`.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_body(&body, false)?;
    refuse_fields(&body, &["id", "is_system"])?;
    let identifier = s(&ctx.body, "identifier");
    if identifier.trim().is_empty() {
        return Err(ApiError::payload("'String is too short (0 chars), minimum 1' on property identifier."));
    }
    if t.coll(Kind::ResourceServers).values().any(|r| s(r, "identifier") == identifier) {
        return Err(ApiError::conflict("A resource server with the same identifier already exists.", Some("conflict")));
    }
    let id = t.ids.hex(24);
    let api = build_resource_server(id.clone(), &body);
    t.put(Kind::ResourceServers, id, api.clone());
    Ok(Reply::created(api))
}

/// `PATCH /api/v2/resource-servers/{id}`: answered with 200 (the spec says 201).
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_body(&body, true)?;
    refuse_fields(&body, &["id", "identifier", "is_system"])?;
    let key = find_key(t, ctx.param(0)).ok_or_else(not_found)?;
    if t.get(Kind::ResourceServers, &key).and_then(|r| r.get("is_system")).and_then(Value::as_bool) == Some(true) {
        return Err(ApiError::new(403, Some("operation_not_supported"), "You cannot update a system resource server"));
    }
    let api = t
        .modify(Kind::ResourceServers, &key, |r| {
            apply_patch(obj_mut(r), &body, &[]);
            r.clone()
        })
        .ok_or_else(not_found)?;
    Ok(Reply::ok(api))
}

/// `DELETE /api/v2/resource-servers/{id}`: 204 whether or not it existed.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let Some(key) = find_key(t, ctx.param(0)) else {
        return Ok(Reply::no_content());
    };
    if t.get(Kind::ResourceServers, &key).and_then(|r| r.get("is_system")).and_then(Value::as_bool) == Some(true) {
        return Err(ApiError::new(403, Some("operation_not_supported"), "You cannot delete a system resource server"));
    }
    if let Some(api) = t.remove(Kind::ResourceServers, &key) {
        let audience = s(&api, "identifier").to_owned();
        let grants: Vec<String> = t
            .coll(Kind::ClientGrants)
            .iter()
            .filter(|(_, g)| s(g, "audience") == audience)
            .map(|(k, _)| k.clone())
            .collect();
        for g in grants {
            t.remove(Kind::ClientGrants, &g);
        }
    }
    Ok(Reply::no_content())
}
