//! Admin sign-in: the emulator as an OpenID Connect provider for the BFF.
//!
//! Authorization-code flow with PKCE (S256 required): `GET /authorize`
//! checks the client and its registered callback and sends the browser to a
//! login page (`/u/login`) whose form posts `username` and `password`;
//! success redirects to the callback with `code` and `state`, and
//! `POST /oauth/token` exchanges the code (with its `code_verifier`) for an
//! ID token and an access token. Also discovery, `/userinfo` and logout.

use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::ids::Ids;
use crate::logs;
use crate::password;
use crate::server::{AppState, ClientIp};
use crate::store::{Kind, Tenant};
use crate::token::{authenticate_client, param};
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connection admins sign in with.
pub const DATABASE_CONNECTION: &str = "Username-Password-Authentication";
/// Custom claim holding the signed-in admin's role names.
pub const ROLES_CLAIM: &str = "https://gatehouse.dev/roles";
/// Lifetime of ID tokens, as Auth0's default.
const ID_TOKEN_LIFETIME: u64 = 36_000;
const TRANSACTION_TTL: Duration = Duration::from_secs(30 * 60);
const CODE_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
struct Transaction {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
    scope: String,
    audience: Option<String>,
    created: Instant,
}

#[derive(Debug, Clone)]
struct Code {
    tx: Transaction,
    user_id: String,
    auth_time: u64,
    created: Instant,
}

/// Sign-ins in progress and issued codes (memory only).
#[derive(Debug)]
pub struct Sessions {
    inner: Mutex<SessionsInner>,
}

#[derive(Debug)]
struct SessionsInner {
    ids: Ids,
    transactions: HashMap<String, Transaction>,
    codes: HashMap<String, Code>,
}

impl Sessions {
    /// Empty sessions drawing ids from `ids`.
    pub fn new(ids: Ids) -> Self {
        Self { inner: Mutex::new(SessionsInner { ids, transactions: HashMap::new(), codes: HashMap::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionsInner> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.transactions.retain(|_, t| t.created.elapsed() < TRANSACTION_TTL);
        g.codes.retain(|_, c| c.created.elapsed() < CODE_TTL);
        g
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}\
         label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}\
         button{{margin-top:1.2rem;padding:.6rem 1.2rem}}.error{{color:#b00020}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

/// A `302 Found` redirect, as Auth0 answers.
fn found(location: &str) -> Response {
    match http::HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(http::header::LOCATION, v)]).into_response(),
        Err(_) => {
            page(StatusCode::BAD_REQUEST, "Invalid redirect", "<p class=\"error\">The redirect URL is not valid.</p>")
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn query_map(raw: Option<String>) -> HashMap<String, String> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(state): State<Arc<AppState>>) -> Response {
    let base = &state.urls.base;
    axum::Json(json!({
        "issuer": state.urls.issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "end_session_endpoint": format!("{base}/oidc/logout"),
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["aud", "auth_time", "email", "email_verified", "exp", "iat", "iss", "name", "nickname", "nonce", "picture", "sub", "updated_at", ROLES_CLAIM],
    }))
    .into_response()
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(state.keys.jwks.clone()).into_response()
}

/// `GET /authorize`: validates the request and sends the browser to the login page.
pub async fn authorize(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let q = query_map(raw);
    let get = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let Some(client_id) = get("client_id") else {
        return page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "<p class=\"error\">Missing required parameter: client_id</p>",
        );
    };
    let client = state.store.read(|t| t.get(Kind::Clients, &client_id).cloned());
    let Some(client) = client else {
        return page(
            StatusCode::BAD_REQUEST,
            "Unknown client",
            &format!("<p class=\"error\">Unknown client: {}</p>", escape(&client_id)),
        );
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return page(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "<p class=\"error\">Missing required parameter: redirect_uri</p>",
        );
    };
    let registered = client
        .get("callbacks")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|u| u.as_str() == Some(redirect_uri.as_str())));
    if !registered {
        return page(
            StatusCode::BAD_REQUEST,
            "Callback URL mismatch",
            &format!(
                "<p class=\"error\">{} is not in the list of allowed callback URLs of this application.</p>",
                escape(&redirect_uri)
            ),
        );
    }
    let state_param = get("state");
    let fail = |error: &str, description: &str| -> Response {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &state_param {
            params.push(("state", s));
        }
        found(&with_params(&redirect_uri, &params)).into_response()
    };
    if get("response_type").as_deref() != Some("code") {
        return fail("unsupported_response_type", "Only the authorization code flow (response_type=code) is supported");
    }
    let Some(challenge) = get("code_challenge") else {
        return fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256");
    };
    if get("code_challenge_method").as_deref() != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if get("prompt").as_deref() == Some("none") {
        return fail("login_required", "Login required");
    }
    let tx = Transaction {
        client_id,
        redirect_uri,
        state: state_param.clone(),
        nonce: get("nonce"),
        code_challenge: challenge,
        scope: get("scope").unwrap_or_else(|| "openid profile email".into()),
        audience: get("audience"),
        created: Instant::now(),
    };
    let id = {
        let mut s = state.oidc.lock();
        let id = s.ids.token(32);
        s.transactions.insert(id.clone(), tx);
        id
    };
    found(&with_params("/u/login", &[("state", &id)])).into_response()
}

fn login_form(state: &AppState, tx_id: &str, username: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let hint = if state.credentials.demo_password_generated {
        "<p><small>Demo users: admin@demo.test, viewer@demo.test, support@demo.test (password printed at startup).</small></p>"
    } else {
        "<p><small>Demo users: admin@demo.test, viewer@demo.test, support@demo.test.</small></p>"
    };
    format!(
        "<p>Sign in to continue to Gatehouse.</p>{error}\
         <form method=\"post\" action=\"/u/login\">\
         <input type=\"hidden\" name=\"state\" value=\"{tx}\">\
         <label for=\"username\">Email</label>\
         <input id=\"username\" name=\"username\" type=\"email\" autocomplete=\"username\" required value=\"{user}\">\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Continue</button></form>{hint}",
        tx = escape(tx_id),
        user = escape(username),
    )
}

/// `GET /u/login`: the login page of a sign-in in progress.
pub async fn login_page(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let q = query_map(raw);
    let tx_id = q.get("state").cloned().unwrap_or_default();
    if !state.oidc.lock().transactions.contains_key(&tx_id) {
        return page(
            StatusCode::BAD_REQUEST,
            "Session expired",
            "<p class=\"error\">This sign-in has expired. Start again from the application.</p>",
        );
    }
    page(StatusCode::OK, "Log in", &login_form(&state, &tx_id, "", None))
}

/// The fields the login form posts.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    /// The transaction.
    #[serde(default)]
    pub state: String,
    /// Email or username.
    #[serde(default)]
    pub username: String,
    /// Password.
    #[serde(default)]
    pub password: String,
}

enum LoginOutcome {
    Ok { user_id: String, name: String },
    Failed { kind: &'static str, user: Option<(String, String)>, message: &'static str },
}

fn check_login(t: &Tenant, username: &str, pw: &str) -> LoginOutcome {
    let wrong = "Wrong email or password.";
    let Some(user_id) = t.user_by_login(DATABASE_CONNECTION, username).map(str::to_owned) else {
        return LoginOutcome::Failed { kind: "f", user: None, message: wrong };
    };
    let user = t.get(Kind::Users, &user_id).cloned().unwrap_or(Value::Null);
    let name = user.get("email").and_then(Value::as_str).unwrap_or(username).to_owned();
    let ok = t.get(Kind::Passwords, &user_id).and_then(Value::as_str).is_some_and(|h| password::verify(h, pw));
    if !ok {
        return LoginOutcome::Failed { kind: "fp", user: Some((user_id, name)), message: wrong };
    }
    if user.get("blocked").and_then(Value::as_bool) == Some(true) {
        return LoginOutcome::Failed {
            kind: "f",
            user: Some((user_id, name)),
            message: "Your account has been blocked.",
        };
    }
    LoginOutcome::Ok { user_id, name }
}

/// `POST /u/login`: checks the credentials; on success redirects to the callback with `code` and `state`.
pub async fn login_submit(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let tx = state.oidc.lock().transactions.get(&form.state).cloned();
    let Some(tx) = tx else {
        return page(
            StatusCode::BAD_REQUEST,
            "Session expired",
            "<p class=\"error\">This sign-in has expired. Start again from the application.</p>",
        );
    };
    let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let client_name = state
        .store
        .read(|t| {
            t.get(Kind::Clients, &tx.client_id).and_then(|c| c.get("name")).and_then(Value::as_str).map(str::to_owned)
        })
        .unwrap_or_default();
    let outcome = state.store.read(|t| check_login(t, form.username.trim(), &form.password));
    let now = crate::clock::now_iso();
    let written = state.store.write(|t| match &outcome {
        LoginOutcome::Ok { user_id, name } => {
            t.modify(Kind::Users, user_id, |u| {
                let count = u.get("logins_count").and_then(Value::as_u64).unwrap_or(0) + 1;
                u["logins_count"] = json!(count);
                u["last_login"] = json!(now);
                u["last_ip"] = json!(ip);
                u["updated_at"] = json!(now);
            });
            logs::auth_event(
                t,
                "s",
                "Successful login",
                Some((&tx.client_id, &client_name)),
                Some((user_id, name)),
                Some(DATABASE_CONNECTION),
                &ip,
                &ua,
                json!({"prompts": [], "stats": {"loginsCount": 1}}),
            );
        }
        LoginOutcome::Failed { kind, user, message } => {
            let user = user.as_ref().map(|(id, name)| (id.as_str(), name.as_str()));
            let shown = form.username.trim().to_owned();
            let user = user.or(Some(("", shown.as_str())));
            logs::auth_event(
                t,
                kind,
                message,
                Some((&tx.client_id, &client_name)),
                user,
                Some(DATABASE_CONNECTION),
                &ip,
                &ua,
                json!({"error": {"message": message}}),
            );
        }
    });
    if let Err(e) = written {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            &format!("<p class=\"error\">{}</p>", escape(&format!("{e:#}"))),
        );
    }
    match outcome {
        LoginOutcome::Failed { message, .. } => page(
            StatusCode::UNAUTHORIZED,
            "Log in",
            &login_form(&state, &form.state, form.username.trim(), Some(message)),
        ),
        LoginOutcome::Ok { user_id, .. } => {
            let code = {
                let mut s = state.oidc.lock();
                s.transactions.remove(&form.state);
                let code = s.ids.token(40);
                s.codes.insert(
                    code.clone(),
                    Code { tx: tx.clone(), user_id, auth_time: crate::clock::now_secs(), created: Instant::now() },
                );
                code
            };
            let mut params = vec![("code", code.as_str())];
            if let Some(st) = &tx.state {
                params.push(("state", st));
            }
            found(&with_params(&tx.redirect_uri, &params)).into_response()
        }
    }
}

/// The profile claims of a user, as ID tokens and `/userinfo` carry them.
fn profile(t: &Tenant, user_id: &str) -> Option<Map<String, Value>> {
    let user = t.get(Kind::Users, user_id)?;
    let mut c = Map::new();
    c.insert("sub".into(), json!(user_id));
    for f in ["email", "email_verified", "name", "nickname", "picture", "updated_at"] {
        if let Some(v) = user.get(f) {
            c.insert(f.into(), v.clone());
        }
    }
    let roles: Vec<Value> = crate::handlers::users::role_ids(t, user_id)
        .iter()
        .filter_map(|r| t.get(Kind::Roles, r))
        .filter_map(|r| r.get("name").cloned())
        .collect();
    c.insert(ROLES_CLAIM.into(), Value::Array(roles));
    Some(c)
}

/// The authorization-code grant of `POST /oauth/token`.
pub fn exchange_code(ctx: &Ctx, params: &Map<String, Value>) -> ApiResult<Reply> {
    let state = ctx.state;
    let result = exchange_code_inner(ctx, params);
    let client_id = param(params, "client_id").unwrap_or_default().to_owned();
    let client_name = state
        .store
        .read(|t| {
            t.get(Kind::Clients, &client_id).and_then(|c| c.get("name")).and_then(Value::as_str).map(str::to_owned)
        })
        .unwrap_or_default();
    let (kind, description, user) = match &result {
        Ok((_, user_id)) => ("seacft", "Authorization Code for Access Token".to_owned(), Some(user_id.clone())),
        Err(e) => ("feacft", e.message.clone(), None),
    };
    state
        .store
        .write(|t| {
            let name = user
                .as_deref()
                .and_then(|u| t.get(Kind::Users, u))
                .and_then(|u| u.get("email"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let user = user.as_deref().map(|u| (u, name.as_str()));
            logs::auth_event(
                t,
                kind,
                &description,
                Some((&client_id, &client_name)),
                user,
                None,
                &ctx.ip,
                &ctx.user_agent,
                json!({"code": "*****"}),
            );
        })
        .map_err(|e| ApiError::internal(format!("{e:#}")))?;
    result.map(|(reply, _)| reply)
}

fn exchange_code_inner(ctx: &Ctx, params: &Map<String, Value>) -> ApiResult<(Reply, String)> {
    let state = ctx.state;
    let invalid = |m: &str| ApiError::new(400, Some("invalid_request"), m.to_owned());
    let client_id =
        param(params, "client_id").ok_or_else(|| invalid("Missing required parameter: client_id"))?.to_owned();
    let code = param(params, "code").ok_or_else(|| invalid("Missing required parameter: code"))?.to_owned();
    let verifier =
        param(params, "code_verifier").ok_or_else(|| invalid("Parameter 'code_verifier' is required"))?.to_owned();
    state.store.read(|t| authenticate_client(t, &client_id, param(params, "client_secret")))?;
    let grant = state.oidc.lock().codes.remove(&code);
    let bad_grant = |m: &str| ApiError::new(403, Some("invalid_grant"), m.to_owned());
    let Some(grant) = grant else {
        return Err(bad_grant("Invalid authorization code"));
    };
    if grant.tx.client_id != client_id {
        return Err(bad_grant("Invalid authorization code"));
    }
    if let Some(uri) = param(params, "redirect_uri") {
        if uri != grant.tx.redirect_uri {
            return Err(bad_grant("Unauthorized redirect_uri: it differs from the one of the authorization request"));
        }
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if computed != grant.tx.code_challenge {
        return Err(bad_grant("Failed to verify code verifier"));
    }
    let claims =
        state.store.read(|t| profile(t, &grant.user_id)).ok_or_else(|| bad_grant("The user no longer exists"))?;
    let now = crate::clock::now_secs();
    let mut id_claims = claims.clone();
    id_claims.insert("iss".into(), json!(state.urls.issuer));
    id_claims.insert("aud".into(), json!(client_id));
    id_claims.insert("iat".into(), json!(now));
    id_claims.insert("exp".into(), json!(now + ID_TOKEN_LIFETIME));
    id_claims.insert("auth_time".into(), json!(grant.auth_time));
    id_claims.insert("sid".into(), json!(URL_SAFE_NO_PAD.encode(&Sha256::digest(code.as_bytes())[..12])));
    if let Some(nonce) = &grant.tx.nonce {
        id_claims.insert("nonce".into(), json!(nonce));
    }
    let mut audiences = vec![json!(state.urls.userinfo())];
    if let Some(aud) = grant.tx.audience.as_ref().filter(|a| **a != state.urls.userinfo()) {
        audiences.insert(0, json!(aud));
    }
    let access_claims = json!({
        "iss": state.urls.issuer,
        "sub": grant.user_id,
        "aud": audiences,
        "iat": now,
        "exp": now + state.config.token_lifetime,
        "scope": grant.tx.scope,
        "azp": client_id,
        ROLES_CLAIM: claims.get(ROLES_CLAIM).cloned().unwrap_or(json!([])),
    });
    let sign = |c: &Value| state.keys.sign(c).map_err(|e| ApiError::internal(format!("{e:#}")));
    let mut reply = Reply::ok(json!({
        "access_token": sign(&access_claims)?,
        "id_token": sign(&Value::Object(id_claims))?,
        "scope": grant.tx.scope,
        "expires_in": state.config.token_lifetime,
        "token_type": "Bearer",
    }));
    reply.headers.push(("cache-control", "no-store".into()));
    reply.headers.push(("pragma", "no-cache".into()));
    Ok((reply, grant.user_id))
}

/// `GET` / `POST /userinfo`: the profile of the access token's user.
pub async fn userinfo(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let unauthorized = |m: &str| {
        let mut r = (StatusCode::UNAUTHORIZED, m.to_owned()).into_response();
        r.headers_mut().insert(
            "www-authenticate",
            format!("Bearer error=\"invalid_token\", error_description=\"{m}\"")
                .parse()
                .unwrap_or_else(|_| http::HeaderValue::from_static("Bearer")),
        );
        r
    };
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim);
    let Some(token) = token else {
        return unauthorized("Missing access token");
    };
    let claims = match state.keys.verify(token, &state.urls.issuer, &state.urls.userinfo()) {
        Ok(c) => c,
        Err(e) => return unauthorized(&e.message()),
    };
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
    match state.store.read(|t| profile(t, &sub)) {
        Some(p) => axum::Json(Value::Object(p)).into_response(),
        None => unauthorized("The user no longer exists"),
    }
}

fn logout_allowed(t: &Tenant, client_id: Option<&str>, url: &str) -> bool {
    let allows = |c: &Value| {
        ["allowed_logout_urls", "callbacks"]
            .iter()
            .filter_map(|f| c.get(*f).and_then(Value::as_array))
            .flatten()
            .any(|u| u.as_str() == Some(url))
    };
    match client_id {
        Some(id) => t.get(Kind::Clients, id).is_some_and(allows),
        None => t.coll(Kind::Clients).values().any(allows),
    }
}

fn logout(
    state: &AppState,
    ip: &str,
    headers: &HeaderMap,
    client_id: Option<String>,
    return_to: Option<String>,
    extra: Vec<(&str, String)>,
) -> Response {
    let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if let Some(url) = &return_to {
        if !state.store.read(|t| logout_allowed(t, client_id.as_deref(), url)) {
            return page(
                StatusCode::BAD_REQUEST,
                "Logout URL not allowed",
                &format!("<p class=\"error\">{} is not in the list of allowed logout URLs.</p>", escape(url)),
            );
        }
    }
    let client = client_id.clone().unwrap_or_default();
    let _ = state.store.write(|t| {
        let name =
            t.get(Kind::Clients, &client).and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("").to_owned();
        logs::auth_event(
            t,
            "slo",
            "User successfully logged out",
            Some((&client, &name)),
            None,
            None,
            ip,
            &ua,
            json!({"return_to": return_to}),
        )
    });
    match return_to {
        Some(url) => {
            let params: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let target = if params.is_empty() { url } else { with_params(&url, &params) };
            found(&target).into_response()
        }
        None => page(StatusCode::OK, "Logged out", "<p>You have been logged out.</p>"),
    }
}

/// `GET /v2/logout?client_id=&returnTo=`.
pub async fn logout_v2(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query_map(raw);
    logout(&state, &ip, &headers, q.get("client_id").cloned(), q.get("returnTo").cloned(), Vec::new())
}

/// `GET /oidc/logout?post_logout_redirect_uri=&client_id=&state=`.
pub async fn logout_oidc(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query_map(raw);
    let extra = q.get("state").map(|s| vec![("state", s.clone())]).unwrap_or_default();
    logout(&state, &ip, &headers, q.get("client_id").cloned(), q.get("post_logout_redirect_uri").cloned(), extra)
}
