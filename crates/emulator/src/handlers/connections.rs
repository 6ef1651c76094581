//! Connections: list, read, create, update, delete.

use super::{Ty, check_types, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::handlers::users::remove_user;
use crate::query::{PageRequest, Projection, page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

/// Strategies Auth0 accepts.
pub const STRATEGIES: &[&str] = &[
    "ad",
    "adfs",
    "amazon",
    "apple",
    "dropbox",
    "bitbucket",
    "aol",
    "auth0-oidc",
    "auth0",
    "baidu",
    "bitly",
    "box",
    "custom",
    "daccount",
    "dwolla",
    "email",
    "evernote-sandbox",
    "evernote",
    "exact",
    "facebook",
    "fitbit",
    "flickr",
    "github",
    "google-apps",
    "google-oauth2",
    "instagram",
    "ip",
    "line",
    "linkedin",
    "miicard",
    "oauth1",
    "oauth2",
    "office365",
    "oidc",
    "okta",
    "paypal",
    "paypal-sandbox",
    "pingfederate",
    "planningcenter",
    "renren",
    "salesforce-community",
    "salesforce-sandbox",
    "salesforce",
    "samlp",
    "sharepoint",
    "shopify",
    "shop",
    "sms",
    "soundcloud",
    "thecity-sandbox",
    "thecity",
    "thirtysevensignals",
    "twitter",
    "untappd",
    "vkontakte",
    "waad",
    "weibo",
    "windowslive",
    "wordpress",
    "yahoo",
    "yammer",
    "yandex",
];

const FIELD_TYPES: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("strategy", Ty::Str),
    ("display_name", Ty::Str),
    ("options", Ty::Obj),
    ("enabled_clients", Ty::StrArr),
    ("is_domain_connection", Ty::Bool),
    ("show_as_button", Ty::Bool),
    ("realms", Ty::StrArr),
    ("metadata", Ty::Obj),
];

fn connection_not_found() -> ApiError {
    ApiError::not_found("The connection does not exist", Some("inexistent_connection"))
}

/// The options Auth0 fills in for a strategy.
pub fn default_options(strategy: &str) -> Value {
    match strategy {
        "auth0" => json!({
            "mfa": {"active": true, "return_enroll_settings": true},
            "passwordPolicy": "good",
            "strategy_version": 2,
            "authentication_methods": {"password": {"enabled": true}, "passkey": {"enabled": false}},
            "brute_force_protection": true
        }),
        "google-oauth2" => json!({"email": true, "profile": true, "scope": ["email", "profile"]}),
        "samlp" | "pingfederate" | "adfs" => json!({
            "signatureAlgorithm": "rsa-sha256",
            "digestAlgorithm": "sha256",
            "signSAMLRequest": false,
            "protocolBinding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        }),
        "waad" => json!({
            "identity_api": "microsoft-identity-platform-v2.0",
            "waad_protocol": "openid-connect",
            "use_wsfed": false,
            "useCommonEndpoint": false,
            "should_trust_email_verified_connection": "never_set_emails_as_verified"
        }),
        "oidc" | "okta" => json!({"type": "back_channel", "scope": "openid profile email"}),
        "ad" => json!({"ips": null, "brute_force_protection": true}),
        "email" | "sms" => json!({"disable_signup": false, "brute_force_protection": true}),
        _ => json!({}),
    }
}

/// Whether `name` is a valid connection name: letters, digits and single
/// hyphens, not starting or ending with a hyphen, at most 128 characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// A new connection object; shared with seeding.
pub fn build_connection(id: String, fields: &Map<String, Value>) -> Value {
    let strategy = fields.get("strategy").and_then(Value::as_str).unwrap_or("auth0");
    let name = fields.get("name").and_then(Value::as_str).unwrap_or_default();
    let mut options = default_options(strategy);
    if let (Some(o), Some(Value::Object(given))) = (options.as_object_mut(), fields.get("options")) {
        for (k, v) in given {
            o.insert(k.clone(), v.clone());
        }
    }
    let mut c = Map::new();
    c.insert("id".into(), json!(id));
    c.insert("options".into(), options);
    c.insert("strategy".into(), json!(strategy));
    c.insert("name".into(), json!(name));
    c.insert("is_domain_connection".into(), json!(false));
    if matches!(
        strategy,
        "ad" | "adfs" | "samlp" | "waad" | "oidc" | "okta" | "pingfederate" | "google-apps" | "office365"
    ) {
        c.insert("show_as_button".into(), json!(false));
    }
    c.insert("enabled_clients".into(), json!([]));
    c.insert("realms".into(), json!([name]));
    for (k, v) in fields {
        if k != "options" && !v.is_null() {
            c.insert(k.clone(), v.clone());
        }
    }
    Value::Object(c)
}

/// `GET /api/v2/connections`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let projection = Projection::from_params(&ctx.query)?;
    let strategies = ctx.query.all("strategy");
    let name = ctx.query.string("name");
    let mut conns: Vec<&Value> = t
        .coll(Kind::Connections)
        .values()
        .filter(|c| strategies.is_empty() || strategies.iter().any(|st| s(c, "strategy") == st))
        .filter(|c| name.as_deref().is_none_or(|n| s(c, "name") == n))
        .collect();
    if matches!(req, PageRequest::Checkpoint { .. }) {
        conns.sort_by(|a, b| s(a, "id").cmp(s(b, "id")));
    }
    let body = paginate(
        &conns,
        &req,
        "connections",
        "connections",
        false,
        |c| s(c, "id").to_owned(),
        |c| projection.apply((*c).clone(), &[]),
    )?;
    Ok(Reply::ok(body))
}

/// `GET /api/v2/connections/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let projection = Projection::from_params(&ctx.query)?;
    let conn = t.get(Kind::Connections, ctx.param(0)).ok_or_else(connection_not_found)?;
    Ok(Reply::ok(projection.apply(conn.clone(), &[])))
}

/// `POST /api/v2/connections`.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, false)?;
    refuse_fields(&body, &["id"])?;
    let name = s(&ctx.body, "name");
    if !valid_name(name) {
        return Err(ApiError::payload(format!(
            "'String does not match pattern ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$: {name}' on property name."
        )));
    }
    let strategy = s(&ctx.body, "strategy");
    if !STRATEGIES.contains(&strategy) {
        return Err(ApiError::payload(format!("'No enum match for: \"{strategy}\"' on property strategy.")));
    }
    if t.coll(Kind::Connections).values().any(|c| s(c, "name").eq_ignore_ascii_case(name)) {
        return Err(ApiError::conflict("A connection with the same name already exists", Some("conflict")));
    }
    let id = t.ids.connection_id();
    let conn = build_connection(id.clone(), &body);
    t.put(Kind::Connections, id, conn.clone());
    Ok(Reply::created(conn))
}

/// `PATCH /api/v2/connections/{id}`: `options` is replaced as a whole, as on Auth0.
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, true)?;
    refuse_fields(&body, &["id", "name", "strategy"])?;
    let conn = t
        .modify(Kind::Connections, ctx.param(0), |c| {
            let c = obj_mut(c);
            for (k, v) in &body {
                if v.is_null() {
                    c.remove(k);
                } else {
                    c.insert(k.clone(), v.clone());
                }
            }
            Value::Object(c.clone())
        })
        .ok_or_else(connection_not_found)?;
    Ok(Reply::ok(conn))
}

/// `DELETE /api/v2/connections/{id}`: 202 with `deleted_at`; the
/// connection's users go with it. 204 when there is nothing to delete.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0).to_owned();
    let Some(conn) = t.remove(Kind::Connections, &id) else {
        return Ok(Reply::no_content());
    };
    let name = s(&conn, "name").to_owned();
    let users: Vec<String> = t
        .coll(Kind::Users)
        .iter()
        .filter(|(_, u)| u.pointer("/identities/0/connection").and_then(Value::as_str) == Some(&name))
        .map(|(k, _)| k.clone())
        .collect();
    for u in users {
        remove_user(t, &u);
    }
    let orgs: Vec<String> = t
        .coll(Kind::Organizations)
        .iter()
        .filter(|(_, o)| {
            o.get("enabled_connections")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|c| s(c, "connection_id") == id))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for org in orgs {
        t.modify(Kind::Organizations, &org, |o| {
            if let Some(Value::Array(a)) = obj_mut(o).get_mut("enabled_connections") {
                a.retain(|c| s(c, "connection_id") != id);
            }
        });
    }
    Ok(Reply::with_status(202, json!({"deleted_at": ctx.now_iso()})))
}
