//! Applications (clients): list, read, create, update, delete.
//!
//! Secrets are only shown to tokens holding `read:client_keys` (and in the
//! answer to a create), as on Auth0.

use super::{Ty, apply_patch, check_types, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::ids::Ids;
use crate::query::{Projection, page_request, paginate};
use crate::search;
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

/// The tenant name clients report.
pub const TENANT_NAME: &str = "gatehouse-emulator";

const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
    "resource_server",
    "express_configuration",
];

const FIELD_TYPES: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("description", Ty::Str),
    ("app_type", Ty::Str),
    ("logo_uri", Ty::Str),
    ("is_first_party", Ty::Bool),
    ("oidc_conformant", Ty::Bool),
    ("sso_disabled", Ty::Bool),
    ("cross_origin_auth", Ty::Bool),
    ("callbacks", Ty::StrArr),
    ("allowed_logout_urls", Ty::StrArr),
    ("allowed_origins", Ty::StrArr),
    ("web_origins", Ty::StrArr),
    ("grant_types", Ty::StrArr),
    ("client_metadata", Ty::Obj),
    ("jwt_configuration", Ty::Obj),
    ("refresh_token", Ty::Obj),
    ("token_endpoint_auth_method", Ty::Str),
    ("client_secret", Ty::Str),
];

fn client_not_found() -> ApiError {
    ApiError::not_found("The client does not exist", Some("inexistent_client"))
}

fn default_grants(app_type: Option<&str>) -> Value {
    match app_type {
        Some("non_interactive") => json!(["client_credentials"]),
        Some("spa") | Some("native") => json!(["authorization_code", "implicit", "refresh_token"]),
        _ => json!(["authorization_code", "implicit", "refresh_token", "client_credentials"]),
    }
}

/// A new client with Auth0's defaults around `fields`; shared with seeding.
pub fn build_client(
    ids: &mut Ids,
    client_id: Option<String>,
    client_secret: Option<String>,
    fields: &Map<String, Value>,
) -> Value {
    let client_id = client_id.unwrap_or_else(|| ids.client_id());
    let client_secret = client_secret.unwrap_or_else(|| ids.client_secret());
    let app_type = fields.get("app_type").and_then(Value::as_str);
    let mut c = Map::new();
    c.insert("tenant".into(), json!(TENANT_NAME));
    c.insert("global".into(), json!(false));
    c.insert("name".into(), fields.get("name").cloned().unwrap_or(json!("")));
    if let Some(d) = fields.get("description") {
        c.insert("description".into(), d.clone());
    }
    c.insert("client_id".into(), json!(client_id));
    c.insert("client_secret".into(), json!(client_secret));
    if let Some(t) = app_type {
        c.insert("app_type".into(), json!(t));
    }
    c.insert("is_first_party".into(), json!(true));
    c.insert("is_token_endpoint_ip_header_trusted".into(), json!(false));
    c.insert("oidc_conformant".into(), json!(true));
    c.insert(
        "jwt_configuration".into(),
        json!({"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false}),
    );
    c.insert("sso_disabled".into(), json!(false));
    c.insert("cross_origin_auth".into(), json!(false));
    c.insert("grant_types".into(), default_grants(app_type));
    c.insert("custom_login_page_on".into(), json!(true));
    c.insert("callbacks".into(), json!([]));
    c.insert("allowed_logout_urls".into(), json!([]));
    c.insert("allowed_origins".into(), json!([]));
    c.insert("web_origins".into(), json!([]));
    c.insert(
        "refresh_token".into(),
        json!({
            "rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": 0,
            "token_lifetime": 2_592_000, "infinite_token_lifetime": true,
            "infinite_idle_token_lifetime": true, "idle_token_lifetime": 1_296_000
        }),
    );
    c.insert(
        "token_endpoint_auth_method".into(),
        json!(if matches!(app_type, Some("spa") | Some("native")) { "none" } else { "client_secret_post" }),
    );
    apply_patch(&mut c, fields, &["client_id"]);
    Value::Object(c)
}

/// The client as the caller may see it.
fn visible(ctx: &Ctx, client: &Value, show_secret: bool) -> Value {
    let mut c = client.clone();
    if !show_secret {
        if let Value::Object(m) = &mut c {
            m.remove("client_secret");
            m.remove("signing_keys");
        }
    }
    let _ = ctx;
    c
}

fn app_types(ctx: &Ctx) -> ApiResult<Vec<String>> {
    let types = ctx.query.all("app_type");
    if let Some(bad) = types.iter().find(|t| !APP_TYPES.contains(&t.as_str())) {
        return Err(ApiError::invalid_query(format!(
            "Query validation error: 'Invalid app_type: {bad}' on property app_type."
        )));
    }
    Ok(types)
}

/// `GET /api/v2/clients`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let projection = Projection::from_params(&ctx.query)?;
    let is_global = ctx.query.bool("is_global")?;
    let first_party = ctx.query.bool("is_first_party")?;
    let types = app_types(ctx)?;
    let q = match ctx.query.get("q") {
        Some(q) if !q.trim().is_empty() => {
            search::parse(q).map_err(|e| ApiError::invalid_query(format!("Invalid query: {e}")))?
        }
        _ => search::Query::All,
    };
    let external = ctx.query.string("external_client_id");
    let show = ctx.has_scope("read:client_keys");
    let mut clients: Vec<&Value> = t
        .coll(Kind::Clients)
        .values()
        .filter(|c| is_global.is_none_or(|g| c.get("global").and_then(Value::as_bool).unwrap_or(false) == g))
        .filter(|c| first_party.is_none_or(|f| c.get("is_first_party").and_then(Value::as_bool).unwrap_or(true) == f))
        .filter(|c| types.is_empty() || types.iter().any(|ty| s(c, "app_type") == ty))
        .filter(|c| external.as_deref().is_none_or(|e| s(c, "external_client_id") == e))
        .filter(|c| q.matches(c, &["name", "client_id", "description"]))
        .collect();
    if matches!(req, crate::query::PageRequest::Checkpoint { .. }) {
        clients.sort_by(|a, b| s(a, "client_id").cmp(s(b, "client_id")));
    }
    let body = paginate(
        &clients,
        &req,
        "clients",
        "clients",
        false,
        |c| s(c, "client_id").to_owned(),
        |c| projection.apply(visible(ctx, c, show), &[]),
    )?;
    Ok(Reply::ok(body))
}

/// `GET /api/v2/clients/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let projection = Projection::from_params(&ctx.query)?;
    let client = t.get(Kind::Clients, ctx.param(0)).ok_or_else(client_not_found)?;
    Ok(Reply::ok(projection.apply(visible(ctx, client, ctx.has_scope("read:client_keys")), &[])))
}

fn check_body(body: &Map<String, Value>, nullable: bool) -> ApiResult<()> {
    check_types(body, FIELD_TYPES, nullable)?;
    refuse_fields(body, &["client_id", "tenant", "global"])?;
    if let Some(t) = body.get("app_type").and_then(Value::as_str) {
        if !APP_TYPES.contains(&t) {
            return Err(ApiError::payload(format!("'No enum match for: \"{t}\"' on property app_type.")));
        }
    }
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        if name.trim().is_empty() {
            return Err(ApiError::payload("'String is too short (0 chars), minimum 1' on property name."));
        }
    }
    Ok(())
}

/// `POST /api/v2/clients`.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_body(&body, false)?;
    let secret = body.get("client_secret").and_then(Value::as_str).map(str::to_owned);
    let client = build_client(&mut t.ids, None, secret, &body);
    t.put(Kind::Clients, s(&client, "client_id").to_owned(), client.clone());
    Ok(Reply::created(client))
}

/// `PATCH /api/v2/clients/{id}`.
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_body(&body, true)?;
    let show = ctx.has_scope("read:client_keys") || ctx.has_scope("update:client_keys");
    let client = t
        .modify(Kind::Clients, ctx.param(0), |c| {
            apply_patch(obj_mut(c), &body, &[]);
            c.clone()
        })
        .ok_or_else(client_not_found)?;
    Ok(Reply::ok(visible(ctx, &client, show)))
}

/// `DELETE /api/v2/clients/{id}`: 204 whether or not it existed, as Auth0 answers.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0);
    if t.remove(Kind::Clients, id).is_some() {
        let grants: Vec<String> = t
            .coll(Kind::ClientGrants)
            .iter()
            .filter(|(_, g)| s(g, "client_id") == id)
            .map(|(k, _)| k.clone())
            .collect();
        for g in grants {
            t.remove(Kind::ClientGrants, &g);
        }
        let user_grants: Vec<String> =
            t.coll(Kind::Grants).iter().filter(|(_, g)| s(g, "clientID") == id).map(|(k, _)| k.clone()).collect();
        for g in user_grants {
            t.remove(Kind::Grants, &g);
        }
    }
    Ok(Reply::no_content())
}
