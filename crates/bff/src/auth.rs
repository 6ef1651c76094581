//! Sign-in, sign-out and "who am I".
//!
//! The browser never sees a token: the BFF runs the authorization code flow
//! with PKCE itself, verifies the id token, and gives the browser only an
//! opaque, random session id in a `__Host-` cookie (HttpOnly, Secure,
//! SameSite=Strict). The sign-in is bound to the browser that started it by
//! a second short-lived cookie holding the `state`, so a code injected from
//! another browser's sign-in (login CSRF) is refused.

use crate::app::{Credentials, Principal, Shared};
use crate::responses::{error, escape, html_page, json_response};
use crate::security::{
    LOGIN_COOKIE, SESSION_COOKIE, constant_time_eq, cookie, csrf_violation, hash_token, random_token, read_cookie,
    safe_return_to,
};
use crate::store::{Decision, LoginAttempt, SessionRecord};
use axum::extract::{Request, State};
use axum::response::Response;
use http::header::{LOCATION, SET_COOKIE};
use http::{HeaderValue, StatusCode};
use serde_json::json;

/// How long a sign-in may take from `/auth/login` to `/auth/callback`.
const LOGIN_TTL_MS: i64 = 10 * 60 * 1000;

fn query_params(request: &Request) -> Result<Vec<(String, String)>, ()> {
    let q = request.uri().query().unwrap_or("");
    Ok(url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
}

fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, String> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let first = found.next().map(|(_, v)| v.as_str());
    if found.next().is_some() {
        return Err(format!("`{name}` was given more than once"));
    }
    Ok(first)
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

fn sign_in_failed(state: &Shared, message: &str) -> Response {
    let body = format!("<p>{}</p><p><a href=\"{}\">Try again</a></p>", escape(message), escape(&state.login_link("/")));
    let mut r = html_page(StatusCode::BAD_REQUEST, "Sign-in failed", &body, "");
    set_cookie(&mut r, &cookie(LOGIN_COOKIE, "", "Lax", Some(0)));
    r
}

/// `GET /auth/login?return_to=/users`: starts a sign-in.
pub(crate) async fn login(State(state): State<Shared>, request: Request) -> Response {
    let Ok(params) = query_params(&request) else {
        return error(StatusCode::BAD_REQUEST, "gatehouse_bad_request", "unreadable query");
    };
    let return_to = match single(&params, "return_to") {
        Ok(Some(v)) if !v.is_empty() => match safe_return_to(&state.public, v) {
            Some(v) => v,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "gatehouse_bad_return_to",
                    "return_to must be a path on this site, such as /users",
                );
            }
        },
        Ok(_) => "/".to_owned(),
        Err(m) => return error(StatusCode::BAD_REQUEST, "gatehouse_bad_return_to", &m),
    };
    let login_state = random_token();
    let attempt =
        LoginAttempt { verifier: random_token(), nonce: random_token(), return_to, created_ms: state.clock.now_ms() };
    let url = match state.oidc.authorize_url(&login_state, &attempt.nonce, &attempt.verifier).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "sign-in provider unavailable");
            return error(
                StatusCode::BAD_GATEWAY,
                "gatehouse_signin_unavailable",
                &format!("cannot start signing in: {e}"),
            );
        }
    };
    if let Err(e) = state.sessions.insert_login(&hash_token(&login_state), &attempt) {
        tracing::error!(error = %e, "cannot store the sign-in attempt");
        return error(StatusCode::INTERNAL_SERVER_ERROR, "gatehouse_storage", "cannot start signing in");
    }
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&url) {
        r.headers_mut().insert(LOCATION, v);
    }
    // Lax, not Strict: the callback is a top-level navigation coming back from the provider's site.
    set_cookie(&mut r, &cookie(LOGIN_COOKIE, &login_state, "Lax", Some(LOGIN_TTL_MS / 1000)));
    r
}

/// `GET /auth/callback?code=...&state=...`: completes a sign-in.
pub(crate) async fn callback(State(state): State<Shared>, request: Request) -> Response {
    let Ok(params) = query_params(&request) else {
        return sign_in_failed(&state, "unreadable query");
    };
    let get = |name: &str| single(&params, name);
    if let Ok(Some(err)) = get("error") {
        let desc = get("error_description").ok().flatten().unwrap_or("");
        return sign_in_failed(&state, &format!("the sign-in provider said: {err} {desc}"));
    }
    let (Ok(Some(code)), Ok(Some(returned_state))) = (get("code"), get("state")) else {
        return sign_in_failed(&state, "the callback needs exactly one code and one state");
    };
    let Some(cookie_state) = read_cookie(request.headers(), LOGIN_COOKIE) else {
        return sign_in_failed(&state, "this browser did not start this sign-in (no sign-in cookie)");
    };
    if !constant_time_eq(&cookie_state, returned_state) {
        return sign_in_failed(&state, "this browser did not start this sign-in (state mismatch)");
    }
    let attempt = match state.sessions.take_login(&hash_token(returned_state)) {
        Ok(Some(a)) => a,
        Ok(None) => return sign_in_failed(&state, "unknown or already used sign-in"),
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return sign_in_failed(&state, "storage error");
        }
    };
    let now = state.clock.now_ms();
    if now - attempt.created_ms > LOGIN_TTL_MS {
        return sign_in_failed(&state, "the sign-in took too long; start again");
    }
    let identity = match state.oidc.exchange(code, &attempt.verifier, &attempt.nonce).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "sign-in refused");
            return sign_in_failed(&state, &e.to_string());
        }
    };
    // Rotate: whatever session this browser had ends, and a new id is issued.
    if let Some(old) = read_cookie(request.headers(), SESSION_COOKIE) {
        let _ = state.sessions.delete(&hash_token(&old));
    }
    let id = random_token();
    let rec = SessionRecord {
        email: identity.email.clone(),
        subject: identity.subject.clone(),
        name: identity.name.clone(),
        roles: identity.roles.clone(),
        created_ms: now,
        last_seen_ms: now,
    };
    if let Err(e) = state.sessions.insert(&hash_token(&id), &rec) {
        tracing::error!(error = %e, "cannot store the session");
        return sign_in_failed(&state, "storage error");
    }
    let who = identity.email.clone();
    crate::audit::record_event(
        &state,
        &who,
        "user",
        "SignIn",
        Decision::Allowed,
        200,
        &format!(
            "{who} signed in (roles: {})",
            if rec.roles.is_empty() { "none".into() } else { rec.roles.join(", ") }
        ),
        "GET",
        "/auth/callback",
    )
    .await;
    tracing::info!(principal = %who, "signed in");
    // A page that moves on by itself rather than a redirect: a SameSite=Strict
    // cookie set at the end of a cross-site redirect chain is not sent on the
    // next hop, but it is on a navigation this origin starts.
    let target = escape(&attempt.return_to);
    let mut r = html_page(
        StatusCode::OK,
        "Signed in",
        &format!("<p>Signed in as {}. <a href=\"{target}\">Continue</a></p>", escape(&who)),
        &format!("<meta http-equiv=\"refresh\" content=\"0;url={target}\">"),
    );
    set_cookie(&mut r, &cookie(SESSION_COOKIE, &id, "Strict", None));
    set_cookie(&mut r, &cookie(LOGIN_COOKIE, "", "Lax", Some(0)));
    r
}

/// `POST /auth/logout`: ends the session (CSRF-protected).
pub(crate) async fn logout(State(state): State<Shared>, request: Request) -> Response {
    let headers = request.headers();
    let session = read_cookie(headers, SESSION_COOKIE).and_then(|id| state.session(&id));
    let who = session.as_ref().map_or("anonymous".to_owned(), |(_, s)| s.email.clone());
    let kind = if session.is_some() { "user" } else { "anonymous" };
    if let Some(reason) = csrf_violation(headers, &state.public_origin, crate::proxy::has_body(headers)) {
        crate::audit::record_event(
            &state,
            &who,
            kind,
            "SignOut",
            Decision::Denied,
            403,
            &format!("{who} was denied signing out: {reason}"),
            "POST",
            "/auth/logout",
        )
        .await;
        return error(StatusCode::FORBIDDEN, "gatehouse_csrf", &format!("refused: {reason}"));
    }
    if let Some((hash, _)) = &session {
        if let Err(e) = state.sessions.delete(hash) {
            tracing::error!(error = %e, "cannot end the session");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "gatehouse_storage", "cannot end the session");
        }
        crate::audit::record_event(
            &state,
            &who,
            kind,
            "SignOut",
            Decision::Allowed,
            200,
            &format!("{who} signed out"),
            "POST",
            "/auth/logout",
        )
        .await;
    }
    let end_session = state.oidc.metadata().await.ok().and_then(|m| m.end_session_endpoint.clone());
    let mut r = json_response(StatusCode::OK, &json!({"signedOut": true, "endSessionUrl": end_session}));
    set_cookie(&mut r, &cookie(SESSION_COOKIE, "", "Strict", Some(0)));
    r
}

/// `GET /auth/me`: who is calling and what they may do.
pub(crate) async fn me(State(state): State<Shared>, request: Request) -> Response {
    let principal = match state.credentials(request.headers()) {
        Err(r) => return r,
        Ok(Credentials::Key(k)) => Principal::Key(k),
        Ok(Credentials::Cookie(Some((hash, rec)))) => {
            state.touch(&hash, &rec);
            state.user(&rec)
        }
        Ok(Credentials::Cookie(None) | Credentials::None) => {
            return error(StatusCode::UNAUTHORIZED, "gatehouse_unauthenticated", "sign in first");
        }
    };
    let rl = state.upstream.rate_limit();
    let (email, roles) = match &principal {
        Principal::User { email, roles, .. } => (Some(email.clone()), roles.clone()),
        Principal::Key(_) => (None, Vec::new()),
    };
    // The roles the policy names, and whether this principal may give or
    // take each (and act on those who hold it): the console offers only these.
    let policy_roles = state.policy.roles_for(principal.grants());
    json_response(
        StatusCode::OK,
        &json!({
            "email": email,
            "principal": principal.name(),
            "kind": principal.kind(),
            "subject": principal.user_id(),
            "roles": roles,
            "permissions": principal.grants().permissions(),
            "grants": principal.grants(),
            "userScope": principal.user_scopes(&state.policy),
            "policyRoles": policy_roles,
            "rateLimit": {"limit": rl.limit, "remaining": rl.remaining, "reset": rl.reset},
        }),
    )
}
