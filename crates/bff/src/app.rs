//! The HTTP server: shared state, routes and security headers.

use crate::apikeys::{ApiKey, ApiKeys};
use crate::clock::Clock;

use crate::console::Console;
use crate::metrics::Metrics;
use crate::oidc::Oidc;
use crate::policy::{Grants, Policy};
use crate::responses::error;
use crate::security::{SESSION_COOKIE, hash_token, read_cookie};
use crate::store::{AuditStore, SessionRecord, SessionStore};
use crate::upstream::Upstream;
use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::response::Response;
use axum::routing::{any, get, post};
use http::header::{AUTHORIZATION, CACHE_CONTROL};
use http::{HeaderMap, HeaderValue, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// The console's Content Security Policy.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                       connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Everything a request handler needs.
pub(crate) struct AppState {
    pub public: url::Url,
    pub public_origin: String,
    pub clock: Arc<dyn Clock>,
    pub sessions: Arc<dyn SessionStore>,
    pub audit: Arc<dyn AuditStore>,
    pub policy: Policy,
    pub api_keys: ApiKeys,
    pub upstream: Upstream,
    pub oidc: Oidc,
    pub metrics: Metrics,
    pub console: Console,
    pub idle_ms: i64,
    pub absolute_ms: i64,
    pub max_body: usize,
    pub teams_enabled: bool,
    pub demo: bool,
    /// The BFF's own credentials: never let them out in a response.
    pub secrets: Vec<Vec<u8>>,
    /// The BFF's own applications (its machine-to-machine client and the
    /// web application admins sign in to): never changed through the proxy.
    pub own_clients: Vec<String>,
    /// Labels (emails, names) seen in the tenant's answers, for audit sentences.
    pub labels: crate::narrate::Labels,
    /// Each API key's share of the tenant's rate limit; `None` when unlimited.
    pub shares: Option<crate::share::Shares>,
    /// Browser origins allowed to call `/mcp` (the BFF's own first).
    pub mcp_origins: Vec<String>,
    /// Calls waiting for a human's approval, and their decisions.
    pub approvals: crate::approvals::Approvals,
    /// The tenant's log events as received from its log stream ([`crate::events`]).
    pub events: crate::events::Events,
    /// The token that opens `/metrics` and `/status` on the public port.
    pub operations_token: Option<gatehouse_model::Secret>,
}

pub(crate) type Shared = Arc<AppState>;

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    /// A signed-in admin: its email, its tenant user id, its roles and what they grant.
    User { email: String, user_id: String, roles: Vec<String>, grants: Grants },
    /// An API key.
    Key(ApiKey),
}

impl Principal {
    pub fn name(&self) -> &str {
        match self {
            Self::User { email, .. } => email,
            Self::Key(k) => &k.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::User { .. } => "user",
            Self::Key(_) => "api_key",
        }
    }

    pub fn grants(&self) -> &Grants {
        match self {
            Self::User { grants, .. } => grants,
            Self::Key(k) => &k.grants,
        }
    }

    /// The users this principal may act on: `None` for all of them. A
    /// signed-in admin's come from its roles
    /// ([`crate::policy::Policy::user_scopes_for`]), a key's from its entry.
    pub fn user_scopes(&self, policy: &crate::policy::Policy) -> Option<gatehouse_model::scope::UserScopes> {
        match self {
            Self::User { roles, .. } => policy.user_scopes_for(roles),
            Self::Key(k) => k.user_scope.clone().map(gatehouse_model::scope::UserScopes::one),
        }
    }

    /// The tenant user a signed-in admin is; `None` for API keys.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::User { user_id, .. } => Some(user_id),
            Self::Key(_) => None,
        }
    }
}

/// How a request authenticated itself, before CSRF checks.
pub(crate) enum Credentials {
    /// A valid API key.
    Key(ApiKey),
    /// A session cookie; the session, if it is valid and unexpired.
    Cookie(Option<(String, SessionRecord)>),
    /// Nothing.
    None,
}

impl AppState {
    /// Reads the credentials of a request. An `Authorization` header that is
    /// not a known API key is an error (401), whatever cookies came along.
    #[allow(clippy::result_large_err)]
    pub fn credentials(&self, headers: &HeaderMap) -> Result<Credentials, Response> {
        if let Some(auth) = headers.get(AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim);
            return match token.map(|t| self.api_keys.lookup(t)).transpose() {
                Ok(Some(Some(key))) => Ok(Credentials::Key(key)),
                Err(e) => {
                    tracing::error!(error = %e, "API key lookup failed");
                    Err(keys_unavailable())
                }
                Ok(_) => {
                    tracing::warn!("request with an unknown API key refused");
                    Err(error(StatusCode::UNAUTHORIZED, "gatehouse_invalid_api_key", "the API key is not valid"))
                }
            };
        }
        match read_cookie(headers, SESSION_COOKIE) {
            Some(id) => Ok(Credentials::Cookie(self.session(&id))),
            None => Ok(Credentials::None),
        }
    }

    /// The live session a cookie value names, enforcing the idle and
    /// absolute timeouts; an expired session is deleted.
    pub fn session(&self, id: &str) -> Option<(String, SessionRecord)> {
        if id.len() != 43 {
            return None;
        }
        let hash = hash_token(id);
        let rec = match self.sessions.get(&hash) {
            Ok(r) => r?,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return None;
            }
        };
        let now = self.clock.now_ms();
        if now - rec.last_seen_ms >= self.idle_ms || now - rec.created_ms >= self.absolute_ms {
            let _ = self.sessions.delete(&hash);
            return None;
        }
        Some((hash, rec))
    }

    /// Records activity on a session. Writes at most every `idle/20` (and at
    /// least every minute) so busy sessions do not write on every request;
    /// the idle timeout is therefore enforced to within that granularity.
    pub fn touch(&self, hash: &str, rec: &SessionRecord) {
        let now = self.clock.now_ms();
        let granularity = (self.idle_ms / 20).min(60_000);
        if now - rec.last_seen_ms >= granularity
            && let Err(e) = self.sessions.touch(hash, now)
        {
            tracing::error!(error = %e, "session touch failed");
        }
    }

    /// The principal of a live session.
    pub fn user(&self, rec: &SessionRecord) -> Principal {
        Principal::User {
            email: rec.email.clone(),
            user_id: rec.subject.clone(),
            roles: rec.roles.clone(),
            grants: self.policy.grants_for_roles(&rec.roles),
        }
    }

    /// The principal behind a cookie that passed its origin checks: the
    /// session's user (the session is touched), or 401 when the session is
    /// missing or ended, or no credentials came at all.
    #[allow(clippy::result_large_err)]
    pub(crate) fn cookie_principal(&self, session: Option<(String, SessionRecord)>) -> Result<Principal, Response> {
        match session {
            Some((hash, rec)) => {
                self.touch(&hash, &rec);
                Ok(self.user(&rec))
            }
            None => Err(error(
                StatusCode::UNAUTHORIZED,
                "gatehouse_unauthenticated",
                "sign in first (or the session ended)",
            )),
        }
    }

    /// The answer to a request that carries neither a key nor a session.
    pub(crate) fn no_credentials() -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "gatehouse_unauthenticated",
            "sign in first, or send an API key as `Authorization: Bearer gk_...`",
        )
    }

    /// The sign-in link for a return path.
    pub fn login_link(&self, return_to: &str) -> String {
        let mut u = self.public.join("/auth/login").map(|u| u.to_string()).unwrap_or_else(|_| "/auth/login".into());
        u.push_str("?return_to=");
        u.push_str(&crate::security::encode_query(return_to));
        u
    }

    /// Replaces the BFF's own credentials in a body, should the tenant ever echo them.
    pub fn scrub(&self, body: Vec<u8>) -> Vec<u8> {
        let secrets: Vec<&[u8]> = self.secrets.iter().map(Vec::as_slice).collect();
        match crate::security::scrub(&body, &secrets) {
            Some(clean) => {
                tracing::warn!("a response carried one of the BFF's own credentials; it was redacted");
                clean
            }
            None => body,
        }
    }
}

/// The answer when the database of API keys cannot be read: 503, never a guess.
pub(crate) fn keys_unavailable() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "gatehouse_keys_unavailable",
        "the API key could not be checked (the database failed); try again",
    )
}

/// Builds the router.
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/auth/login", get(crate::auth::login))
        .route("/auth/callback", get(crate::auth::callback))
        .route("/auth/logout", post(crate::auth::logout))
        .route("/auth/me", get(crate::auth::me))
        .route("/audit", get(audit_or_page))
        .route("/audit/export", get(crate::audit::export))
        .route("/approvals", get(approvals_or_page))
        .route("/approvals/{id}", get(approval_or_page).post(crate::approvals::decide))
        .route("/keys", get(keys_or_page).post(crate::keys::create))
        .route("/keys/{name}", get(key_or_page).patch(crate::keys::update).delete(crate::keys::revoke))
        .route("/catalog", get(crate::catalog::catalog))
        .route("/mcp", {
            let service = crate::mcp::service(&state);
            any(move |state: AxState<Shared>, request: Request| crate::mcp::endpoint(state, service.clone(), request))
        })
        .route("/catalog/{name}", get(crate::catalog::one))
        .route(crate::events::HOOK_PATH, post(crate::events::receive))
        .route("/events", get(events_or_page))
        .route("/events/status", get(crate::events::status))
        .route("/events/setup", post(crate::events::setup))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(|s: AxState<Shared>, h: HeaderMap| behind_token(s, h, metrics)))
        .route("/status", get(|s: AxState<Shared>, h: HeaderMap| behind_token(s, h, status)))
        .fallback(fallback)
        .layer(axum::middleware::map_response_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// The operations router, for [`crate::config::OperationsConfig::listen`]:
/// `/metrics` and `/status` without a token, and the health checks.
pub(crate) fn operations_router(state: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "gatehouse_not_found", "no such endpoint") })
        .layer(axum::middleware::map_response_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// An operations endpoint on the public port: only with the operations
/// token (compared in constant time); 404 when none is configured, as if
/// the endpoint did not exist there.
async fn behind_token<F, Fut>(AxState(state): AxState<Shared>, headers: HeaderMap, endpoint: F) -> Response
where
    F: FnOnce(AxState<Shared>) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Some(token) = &state.operations_token else {
        return error(
            StatusCode::NOT_FOUND,
            "gatehouse_not_found",
            "no such endpoint here: /metrics and /status are served on [operations] listen, or with the operations token",
        );
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose().as_bytes())) {
        return error(
            StatusCode::UNAUTHORIZED,
            "gatehouse_operations_token",
            "this endpoint needs the operations token",
        );
    }
    endpoint(AxState(state)).await
}

async fn security_headers(AxState(state): AxState<Shared>, mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if state.public.scheme() == "https" {
        h.insert("strict-transport-security", HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn fallback(AxState(state): AxState<Shared>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return crate::proxy::proxy(state, request).await;
    }
    if request.method() == http::Method::GET || request.method() == http::Method::HEAD {
        return serve_console(&state, request).await;
    }
    error(StatusCode::NOT_FOUND, "gatehouse_not_found", "no such endpoint")
}

async fn serve_console(state: &Shared, request: Request) -> Response {
    let login = state.login_link("/");
    let accept_encoding =
        request.headers().get(http::header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let path = request.uri().path().to_owned();
    drop(request);
    state.console.serve(&path, &accept_encoding, &login).await
}

/// Whether a request is a browser loading a page (a reload or a pasted link),
/// not the console's own `fetch`: such requests get the console, which then
/// reads the same path through the API.
fn is_page_load(request: &Request) -> bool {
    let h = request.headers();
    let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    !h.contains_key("x-csrf") && (header("sec-fetch-mode") == "navigate" || header("accept").starts_with("text/html"))
}

/// `/audit`: the audit log as JSON for the API, the console page for a page load.
async fn audit_or_page(AxState(state): AxState<Shared>, request: Request) -> Response {
    if is_page_load(&request) {
        return serve_console(&state, request).await;
    }
    crate::audit::audit(AxState(state), request).await
}

/// `/approvals`: the approval requests as JSON for the API, the console page for a page load.
async fn approvals_or_page(AxState(state): AxState<Shared>, request: Request) -> Response {
    if is_page_load(&request) {
        return serve_console(&state, request).await;
    }
    crate::approvals::list(AxState(state), request).await
}

/// `/approvals/{id}`: one approval request as JSON for the API, the console page for a page load.
async fn approval_or_page(state: AxState<Shared>, id: axum::extract::Path<String>, request: Request) -> Response {
    if is_page_load(&request) {
        return serve_console(&state.0, request).await;
    }
    crate::approvals::one(state, id, request).await
}

/// `/events`: the event feed (Server-Sent Events), the console page for a page load.
async fn events_or_page(AxState(state): AxState<Shared>, request: Request) -> Response {
    let wants_stream = request
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    if !wants_stream && is_page_load(&request) {
        return serve_console(&state, request).await;
    }
    crate::events::feed(AxState(state), request).await
}

/// `/keys`: the API keys as JSON for the API, the console page for a page load.
async fn keys_or_page(AxState(state): AxState<Shared>, request: Request) -> Response {
    if is_page_load(&request) {
        return serve_console(&state, request).await;
    }
    crate::keys::list(AxState(state), request).await
}

/// `/keys/{name}`: one API key as JSON, the console for a page load.
async fn key_or_page(AxState(state): AxState<Shared>, request: Request) -> Response {
    if is_page_load(&request) {
        return serve_console(&state, request).await;
    }
    crate::keys::one(AxState(state), request).await
}

async fn healthz() -> Response {
    crate::responses::json_response(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

async fn readyz(AxState(state): AxState<Shared>) -> Response {
    let upstream = tokio::time::timeout(Duration::from_secs(10), state.upstream.ready()).await;
    let oidc = tokio::time::timeout(Duration::from_secs(10), state.oidc.metadata()).await;
    let upstream_err = match upstream {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some("timed out getting an access token".to_owned()),
    };
    let oidc_err = match oidc {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("timed out reading the sign-in provider's metadata".to_owned()),
    };
    let ready = upstream_err.is_none() && oidc_err.is_none();
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    crate::responses::json_response(
        status,
        &serde_json::json!({
            "status": if ready { "ready" } else { "not ready" },
            "upstreamToken": upstream_err.as_deref().unwrap_or("ok"),
            "signIn": oidc_err.as_deref().unwrap_or("ok"),
        }),
    )
}

async fn metrics(AxState(state): AxState<Shared>) -> Response {
    let text = state.metrics.render(&state.upstream.figures());
    let mut r = Response::new(axum::body::Body::from(text));
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}

async fn status(AxState(state): AxState<Shared>) -> Response {
    let f = state.upstream.figures();
    let rl = state.upstream.rate_limit();
    crate::responses::json_response(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ok",
            "mode": if state.demo { "demo" } else { "tenant" },
            "teams": state.teams_enabled,
            "rateLimit": {"limit": rl.limit, "remaining": rl.remaining, "reset": rl.reset},
            "upstream": {"requests": f.requests, "retries": f.retries, "tokenRequests": f.token_requests},
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = http::Request::builder().uri("/audit");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn page_loads_are_told_from_api_calls() {
        assert!(is_page_load(&request(&[("sec-fetch-mode", "navigate")])));
        assert!(is_page_load(&request(&[("accept", "text/html,application/xhtml+xml")])));
        assert!(!is_page_load(&request(&[("x-csrf", "1"), ("accept", "text/html")])));
        assert!(!is_page_load(&request(&[("accept", "application/json")])));
        assert!(!is_page_load(&request(&[])));
    }
}
