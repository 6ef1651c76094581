//! `POST /oauth/token`: the client-credentials grant for machine-to-machine
//! applications, and the authorization-code grant that ends an admin's
//! sign-in (see [`crate::oidc`]). Accepts JSON and form bodies, and client
//! authentication in the body or with HTTP Basic.

use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::logs;
use crate::store::{Kind, Tenant};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gatehouse_model::{Api, OPERATIONS};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Scopes beyond the operation table that Auth0 grants with the Management API.
const EXTRA_MANAGEMENT_SCOPES: &[&str] = &[
    "read:users_app_metadata",
    "create:users_app_metadata",
    "delete:users_app_metadata",
    "read:client_keys",
    "update:client_keys",
    "delete:client_keys",
    "create:client_keys",
    "read:client_grants",
    "create:client_grants",
    "update:client_grants",
    "delete:client_grants",
    "read:role_members",
    "read:stats",
    "read:tenant_settings",
    "update:tenant_settings",
    "read:logs_users",
    "create:organization_member_roles",
    "delete:organization_member_roles",
    "read:organization_connections",
    "create:organization_connections",
    "update:organization_connections",
    "delete:organization_connections",
    "read:organization_invitations",
    "create:organization_invitations",
    "delete:organization_invitations",
    "create:user_tickets",
];

/// Every scope of `api`: those the operation table and the catalog name,
/// plus Auth0's extras for the Management API.
pub fn all_scopes(api: Api) -> Vec<String> {
    let mut set = BTreeSet::new();
    for op in gatehouse_model::catalog::CATALOG.iter().filter(|o| o.api == api) {
        set.extend(op.scopes.iter().map(|s| s.to_string()));
    }
    for spec in OPERATIONS.iter().filter(|s| s.api == api) {
        set.extend(spec.scopes.iter().map(|s| s.to_string()));
        set.extend(spec.body_scopes.iter().map(|(_, s)| s.to_string()));
    }
    if api == Api::Management {
        set.extend(EXTRA_MANAGEMENT_SCOPES.iter().map(|s| s.to_string()));
    }
    set.into_iter().collect()
}

/// The request's parameters, from a JSON or a form body.
pub fn token_params(ctx: &Ctx) -> ApiResult<Map<String, Value>> {
    let ct = ctx.content_type.to_ascii_lowercase();
    let mut params = if ct.contains("application/x-www-form-urlencoded") {
        form_urlencoded::parse(&ctx.raw_body).into_owned().map(|(k, v)| (k, Value::String(v))).collect()
    } else if ct.contains("json") || ct.is_empty() {
        if ctx.raw_body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(&ctx.raw_body) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(ApiError::new(400, Some("invalid_request"), "The request body must be a JSON object"));
                }
            }
        }
    } else {
        return Err(ApiError::new(
            400,
            Some("invalid_request"),
            "Content-Type must be application/json or application/x-www-form-urlencoded",
        ));
    };
    // Client authentication with HTTP Basic.
    if let Some(basic) = ctx.authorization.as_deref().and_then(|h| h.strip_prefix("Basic ")) {
        let decoded = STANDARD.decode(basic.trim()).ok().and_then(|b| String::from_utf8(b).ok());
        if let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            let dec = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            params.entry("client_id").or_insert_with(|| json!(dec(id)));
            params.entry("client_secret").or_insert_with(|| json!(dec(secret)));
        }
    }
    Ok(params)
}

/// A string parameter.
pub fn param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn required<'a>(params: &'a Map<String, Value>, key: &str) -> ApiResult<&'a str> {
    param(params, key)
        .ok_or_else(|| ApiError::new(400, Some("invalid_request"), format!("Missing required parameter: {key}")))
}

/// Checks a client's secret; 401 `access_denied` when it is unknown or wrong.
pub fn authenticate_client(t: &Tenant, client_id: &str, secret: Option<&str>) -> ApiResult<Value> {
    let denied = || ApiError::new(401, Some("access_denied"), "Unauthorized");
    let client = t.get(Kind::Clients, client_id).ok_or_else(denied)?;
    let public = client.get("token_endpoint_auth_method").and_then(Value::as_str) == Some("none");
    match (secret, client.get("client_secret").and_then(Value::as_str)) {
        (Some(given), Some(stored)) if given == stored => Ok(client.clone()),
        (None, _) if public => Ok(client.clone()),
        _ => Err(denied()),
    }
}

/// `POST /oauth/token`.
pub fn exchange(ctx: &Ctx) -> ApiResult<Reply> {
    let params = token_params(ctx)?;
    let grant = required(&params, "grant_type")?;
    match grant {
        "client_credentials" => client_credentials(ctx, &params),
        "authorization_code" => crate::oidc::exchange_code(ctx, &params),
        other => Err(ApiError::new(400, Some("unsupported_grant_type"), format!("Unsupported grant type: {other}"))),
    }
}

fn client_credentials(ctx: &Ctx, params: &Map<String, Value>) -> ApiResult<Reply> {
    let state = ctx.state;
    let client_id = required(params, "client_id")?.to_owned();
    let secret = required(params, "client_secret")?.to_owned();
    let audience = required(params, "audience")?.to_owned();
    let requested: Option<Vec<String>> =
        param(params, "scope").map(|s| s.split_whitespace().map(str::to_owned).collect());
    let outcome: ApiResult<(Value, Vec<String>)> = state.store.read(|t| {
        let client = authenticate_client(t, &client_id, Some(&secret))?;
        let grants = client.get("grant_types").and_then(Value::as_array);
        if !grants.is_some_and(|g| g.iter().any(|x| x.as_str() == Some("client_credentials"))) {
            return Err(ApiError::new(403, Some("unauthorized_client"), "Grant type 'client_credentials' not allowed for the client."));
        }
        let known = audience == state.urls.management_audience
            || audience == state.urls.teams_audience
            || t.coll(Kind::ResourceServers).values().any(|r| r.get("identifier").and_then(Value::as_str) == Some(&audience));
        if !known {
            return Err(ApiError::new(403, Some("access_denied"), format!("Service not found: {audience}")));
        }
        let grant = t.coll(Kind::ClientGrants).values().find(|g| {
            g.get("client_id").and_then(Value::as_str) == Some(&client_id) && g.get("audience").and_then(Value::as_str) == Some(&audience)
        });
        let Some(grant) = grant else {
            return Err(ApiError::new(
                403,
                Some("access_denied"),
                format!("Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API."),
            ));
        };
        let granted: Vec<String> = grant
            .get("scope")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let scopes = match &requested {
            None => granted,
            Some(asked) => {
                let missing: Vec<&str> = asked.iter().filter(|s| !granted.contains(s)).map(String::as_str).collect();
                if !missing.is_empty() {
                    return Err(ApiError::new(403, Some("access_denied"), format!("Client has not been granted scopes: {}", missing.join(" "))));
                }
                asked.clone()
            }
        };
        Ok((client, scopes))
    });
    let client_name =
        |c: Option<&Value>| c.and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("").to_owned();
    match outcome {
        Ok((client, scopes)) => {
            let now = crate::clock::now_secs();
            let scope = scopes.join(" ");
            let claims = json!({
                "iss": state.urls.issuer,
                "sub": format!("{client_id}@clients"),
                "aud": audience,
                "iat": now,
                "exp": now + state.config.token_lifetime,
                "scope": scope,
                "gty": "client-credentials",
                "azp": client_id,
            });
            let token = state.keys.sign(&claims).map_err(|e| ApiError::internal(format!("{e:#}")))?;
            let name = client_name(Some(&client));
            state
                .store
                .write(|t| {
                    logs::auth_event(
                        t,
                        "seccft",
                        "Client Credentials for Access Token",
                        Some((&client_id, &name)),
                        None,
                        None,
                        &ctx.ip,
                        &ctx.user_agent,
                        json!({"audience": audience, "scope": scope}),
                    )
                })
                .map_err(|e| ApiError::internal(format!("{e:#}")))?;
            let mut reply = Reply::ok(json!({
                "access_token": token,
                "scope": scope,
                "expires_in": state.config.token_lifetime,
                "token_type": "Bearer",
            }));
            reply.headers.push(("cache-control", "no-store".into()));
            reply.headers.push(("pragma", "no-cache".into()));
            Ok(reply)
        }
        Err(e) => {
            let name = state.store.read(|t| client_name(t.get(Kind::Clients, &client_id)));
            let known = state.store.read(|t| t.get(Kind::Clients, &client_id).is_some());
            if known {
                let _ = state.store.write(|t| {
                    logs::auth_event(
                        t,
                        "feccft",
                        &e.message,
                        Some((&client_id, &name)),
                        None,
                        None,
                        &ctx.ip,
                        &ctx.user_agent,
                        json!({"audience": audience, "error": e.code}),
                    )
                });
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_the_table() {
        let m = all_scopes(Api::Management);
        for needed in ["read:users", "update:users_app_metadata", "create:role_members", "read:client_keys"] {
            assert!(m.iter().any(|s| s == needed), "{needed}");
        }
        let t = all_scopes(Api::Teams);
        assert!(t.iter().any(|s| s == "read:tenants"));
        assert!(!t.iter().any(|s| s == "read:users"));
    }
}
