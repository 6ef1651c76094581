//! The proxy: every operation of the model's catalog (both APIs, never the
//! token endpoint), at the same paths as Auth0, checked against the policy,
//! validated, audited and forwarded through the one shared client. Rows of
//! the hand-kept table keep their typed body checks.
//!
//! Order of checks for every `/api/*` and `/audit` request (an MCP tool
//! call, [`crate::mcp`], authenticates its own way and joins at 3):
//! 1. credentials: an API key, or a session cookie;
//! 2. for cookies, CSRF (`X-CSRF: 1`, same `Origin`, no cross-site
//!    `Sec-Fetch-Site`, JSON bodies only): refused with 403 before
//!    anything else happens, and audited;
//! 3. the operation: only operations of the catalog match, on the raw
//!    (still encoded) path, so `..`, `%2F` and friends inside an id stay
//!    inside that id; anything else is 404 and never forwarded;
//! 4. the policy: deny by default, 403 with what is missing, audited (an
//!    `off` operation never reaches the tenant); then an API key's share
//!    of the rate limit ([`crate::share`]: 429, audited);
//! 5. the operation itself: one only a user's own token may call is
//!    explained (403 `gatehouse_needs_user_token`), never forwarded;
//! 6. the body: size limit (413), JSON or (for operations that take files)
//!    `multipart/form-data` (415 otherwise); table rows decoded through the
//!    operation's typed body (400 `invalid_body` with the JSON path); bodies
//!    of operations that take forms or files re-encoded by the model's one
//!    encoder, from JSON or from the parts sent;
//! 7. the principal's user scope ([`crate::scope`]): users outside it
//!    answer as unknown (404), calls it cannot be held to are refused (403),
//!    user searches get the scope joined to their query. It comes before
//!    the guard, whose refusals name the users they are about;
//!    then the guard: changes of access ([`crate::guard`]) and the BFF's own
//!    applications and their grants, which are never changed through it;
//! 8. for a write the principal may make only with approval (`approve`):
//!    an approval request, and the wait for its decision ([`crate::approvals`]);
//! 9. forward, with the path rebuilt from the template and the decoded
//!    parameters (each re-encoded as exactly one segment);
//! 10. audit (durably, linked to the approval if there was one) and only then answer.

use crate::app::{Credentials, Principal, Shared};
use crate::approvals::{Ask, Refused};
use crate::audit::{Call, audited, audited_id};
use crate::guard::{GuardError, Names};
use crate::responses::{error, error_body, json_response};
use crate::scope::{self, ScopeStop};
use crate::security::{csrf_violation, is_json, redact};
use crate::store::{Decision, Outcome};
use crate::words::{infinitive, past};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use gatehouse_client::{ClientError, TokenError, TransportError};
use gatehouse_model::body::{self as wire_body, Encoded};
use gatehouse_model::catalog::{self, OpDesc};
use gatehouse_model::operation::{self, Api, OperationSpec, Verb};
use gatehouse_model::path::match_template;
use gatehouse_model::policy::{Permission, Target, needs_user_token};
use gatehouse_model::{ErrorBody, path};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, TRANSFER_ENCODING};
use http::{HeaderMap, StatusCode};
use serde_json::Value;
use std::time::Instant;

/// Whether the request says it has a body.
pub(crate) fn has_body(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(n) => n > 0,
        None => headers.contains_key(TRANSFER_ENCODING),
    }
}

/// Authenticates an API or audit request and applies the CSRF rules to cookie
/// sessions. `Err` is the answer to send (already audited when it is a CSRF denial).
pub(crate) async fn gate(
    state: &Shared,
    headers: &HeaderMap,
    call: &Call,
    started: Instant,
) -> Result<Principal, Response> {
    match state.credentials(headers)? {
        Credentials::Key(k) => Ok(Principal::Key(k)),
        Credentials::Cookie(session) => {
            if let Some(reason) = csrf_violation(headers, &state.public_origin, has_body(headers)) {
                let (who, kind) = match &session {
                    Some((_, s)) => (s.email.clone(), "user"),
                    None => ("anonymous".to_owned(), "anonymous"),
                };
                let sentence = format!("{who} was denied {}: {reason}", call.phrase);
                let record = call.record(&who, kind, Decision::Denied, Some(reason.to_owned()), 403, sentence);
                let response = error(StatusCode::FORBIDDEN, "gatehouse_csrf", &format!("refused: {reason}"));
                return Err(audited(state, record, response, started).await);
            }
            state.cookie_principal(session)
        }
        Credentials::None => Err(crate::app::AppState::no_credentials()),
    }
}

/// `/api/...`: the proxied operations. Authenticates (and applies the CSRF
/// rules to cookies), then hands the request to [`run`].
pub(crate) async fn proxy(state: Shared, request: Request) -> Response {
    let started = Instant::now();
    let invocation = Invocation::from_request(request);
    let principal = match gate(&state, &invocation.parts.headers, &invocation.call, started).await {
        Ok(p) => p,
        // Unauthenticated, or refused as cross-site (and then already audited).
        Err(r) => return r,
    };
    run(&state, &principal, invocation, started).await
}

/// One call of an operation of the tenant, as the HTTP proxy and the MCP
/// endpoint ([`crate::mcp`]) both hand it to [`run`]: the request (method,
/// raw path and query, headers, body), the operation it names and what the
/// audit log says of it.
pub(crate) struct Invocation {
    parts: http::request::Parts,
    body: Body,
    found: Option<Found>,
    call: Call,
}

impl Invocation {
    /// A request as it came over HTTP: the operation is found from its
    /// method and raw (still encoded) path.
    pub fn from_request(request: Request) -> Self {
        let (parts, body) = request.into_parts();
        let found = Verb::parse(parts.method.as_str()).and_then(|v| Found::find(v, parts.uri.path()));
        Self::new(parts, body, found)
    }

    /// A request for an operation already chosen (an MCP tool names its
    /// operation; its path was filled from the template with `found.params`).
    /// The audit log records it as an MCP call.
    pub fn for_op(request: Request, found: Found) -> Self {
        let (parts, body) = request.into_parts();
        let mut invocation = Self::new(parts, body, Some(found));
        invocation.call.mcp = true;
        invocation
    }

    fn new(parts: http::request::Parts, body: Body, found: Option<Found>) -> Self {
        let call = Call::for_op(parts.method.as_str(), parts.uri.path(), found.as_ref());
        Self { parts, body, found, call }
    }
}

/// Decide → send → audit, with one exit: the one path every call of an
/// authenticated principal takes to the tenant, from the HTTP proxy and
/// from MCP tools alike.
///
/// [`pipeline`] runs the checks in order and ends the first time one
/// refuses ([`Stop`]) or when the tenant has answered ([`Passed`]);
/// [`finish`] turns either into the one response and its audit entry.
pub(crate) async fn run(state: &Shared, principal: &Principal, invocation: Invocation, started: Instant) -> Response {
    let Invocation { parts, body, found, call } = invocation;
    let ending = pipeline(state, principal, &call, found, &parts, body).await;
    finish(state, principal, call, ending, started).await
}

/// The operation a request names: its catalog entry, its table row when it
/// has one (for typed body checks and the table's phrases), and its decoded
/// path parameters (in template order).
pub(crate) struct Found {
    pub op: &'static OpDesc,
    pub row: Option<&'static OperationSpec>,
    pub params: Vec<String>,
}

impl Found {
    /// The catalog operation a method and raw path name (never the token
    /// endpoint, which the catalog does not describe).
    pub fn find(verb: Verb, raw_path: &str) -> Option<Self> {
        let (op, params) = catalog::find(verb, raw_path)?;
        let row = operation::find(verb, raw_path)
            .map(|(spec, _)| spec)
            .filter(|spec| spec.api != Api::Authentication && spec.catalog().is_some_and(|c| c.name == op.name));
        Some(Self { op, row, params })
    }

    /// A call of `op` chosen by name (an MCP tool), at `raw_path` (filled
    /// from its template with `params`): its table row when it has one.
    pub fn for_op(op: &'static OpDesc, raw_path: &str, params: Vec<String>) -> Self {
        let row = operation::find(op.verb, raw_path)
            .map(|(spec, _)| spec)
            .filter(|spec| spec.api != Api::Authentication && spec.catalog().is_some_and(|c| c.name == op.name));
        Self { op, row, params }
    }
}

/// Whether some catalog operation (with any method) serves this raw path.
fn path_is_known(raw_path: &str) -> bool {
    catalog::CATALOG.iter().any(|op| match_template(op.path, raw_path).is_some())
}

/// What the pipeline learned on the way, for the audit entry.
#[derive(Default)]
struct Trail {
    /// The request body as sent (secrets redacted).
    body: Option<Value>,
    /// Names the guard looked up (user id → email, role id → name).
    names: Names,
    /// The approval request the call waited for, and who approved it.
    approval: Option<(String, Option<String>)>,
}

/// A call the BFF answers itself, without (or before) the tenant.
struct Stop {
    status: StatusCode,
    code: &'static str,
    /// What the caller is told.
    message: String,
    /// Further fields of the JSON error body.
    extra: Vec<(&'static str, Value)>,
    /// The audit entry's decision, reason and sentence; `None` for calls
    /// that name no operation (nothing was decided).
    audit: Option<Box<(Decision, String, String)>>,
}

impl Stop {
    /// A call outside the table (or Teams when not configured): not audited.
    fn unknown(status: StatusCode, code: &'static str, message: String) -> Self {
        Self { status, code, message, extra: Vec::new(), audit: None }
    }

    /// A denial by the policy or the escalation rules.
    fn denied(code: &'static str, message: String, reason: String, sentence: String) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code,
            message,
            extra: Vec::new(),
            audit: Some(Box::new((Decision::Denied, reason, sentence))),
        }
    }

    /// An allowed call refused before forwarding (bad body, failed lookup).
    fn refused(status: StatusCode, code: &'static str, message: String, sentence: String) -> Self {
        let reason = message.clone();
        Self { status, code, message, extra: Vec::new(), audit: Some(Box::new((Decision::Allowed, reason, sentence))) }
    }

    fn with(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }
}

/// A call that reached the tenant: its answer, or why none came.
struct Passed {
    op: &'static OpDesc,
    result: Result<http::Response<Vec<u8>>, ClientError>,
}

/// The checks, in order; the first refusal ends the call.
async fn pipeline(
    state: &Shared,
    principal: &Principal,
    call: &Call,
    found: Option<Found>,
    parts: &http::request::Parts,
    body: Body,
) -> (Result<Passed, Stop>, Trail) {
    let mut trail = Trail::default();
    let result = async {
        let Found { op, row, params } = route(state, parts, found)?;
        let permission = authorize(principal, op, call)?;
        callable(op, principal, call)?;
        within_share(state, principal, call)?;
        let forward_body = read_body(state, op, row, parts, body, principal, call, &mut trail).await?;
        let scoped = within_scope(state, principal, op, &params, parts.uri.query(), trail.body.as_ref(), call).await?;
        trail.names = guard(state, principal, op, &params, trail.body.as_ref(), call).await?;
        if permission == Permission::AfterApproval {
            approved(state, principal, op, &params, call, &mut trail).await?;
            // The tenant may have changed while the call waited: the guard decides again.
            trail.names = guard(state, principal, op, &params, trail.body.as_ref(), call).await?;
        }
        let path_and_query = rebuild_path(op, &params, scoped.query.as_deref().or(parts.uri.query()))?;
        let result = state.upstream.send_encoded(op, path_and_query, forward_body).await;
        let result = scoped_answer(state, scoped, result).await;
        Ok(Passed { op, result })
    }
    .await;
    (result, trail)
}

/// Only operations of the catalog go through; Teams only when configured.
fn route(state: &Shared, parts: &http::request::Parts, found: Option<Found>) -> Result<Found, Stop> {
    let raw_path = parts.uri.path();
    let Some(found) = found else {
        return Err(if path_is_known(raw_path) {
            let message = format!("{} is not supported on this path", parts.method);
            Stop::unknown(StatusCode::METHOD_NOT_ALLOWED, "gatehouse_unknown_operation", message)
        } else {
            Stop::unknown(StatusCode::NOT_FOUND, "gatehouse_unknown_operation", "no such operation".to_owned())
        });
    };
    if found.op.api == Api::Teams && !state.teams_enabled {
        let message = "the Teams API is not configured".to_owned();
        return Err(Stop::unknown(StatusCode::NOT_FOUND, "gatehouse_teams_not_configured", message));
    }
    Ok(found)
}

/// The policy: deny by default; the most specific entry (operation, group,
/// `*`) decides: the call runs, runs once approved, or is refused. The
/// refusal names the operation and the level it needs.
fn authorize(principal: &Principal, op: &'static OpDesc, call: &Call) -> Result<Permission, Stop> {
    let who = principal.name();
    match principal.grants().missing_for_op(op) {
        None => Ok(principal.grants().permission_on(op)),
        Some(missing) => Err(Stop::denied(
            "gatehouse_denied",
            format!("{who} may not {}: needs {missing}", infinitive(&call.phrase)),
            format!("needs {missing}"),
            format!("{who} was denied {}: needs {missing}", call.phrase),
        )
        .with("missing", Value::from(missing))),
    }
}

/// Operations the BFF's machine-to-machine token can never call (their
/// every scope is a user's own) are explained here rather than sent to be
/// refused by the tenant.
fn callable(op: &'static OpDesc, principal: &Principal, call: &Call) -> Result<(), Stop> {
    if !needs_user_token(op) {
        return Ok(());
    }
    let scopes = op.scopes.join(" or ");
    let message = format!(
        "{} can only be called with a token issued to the user themself ({scopes}); \
         Gatehouse calls the tenant as an application, so it cannot make this call",
        op.name
    );
    let sentence = format!("{} tried {}, which needs a user's own token (403)", principal.name(), call.phrase);
    Err(Stop::refused(StatusCode::FORBIDDEN, "gatehouse_needs_user_token", message, sentence)
        .with("scopes", Value::from(op.scopes.to_vec())))
}

/// An API key's share of the tenant's rate limit ([`crate::share`]): a
/// call beyond it is refused (429) before it costs the tenant anything.
fn within_share(state: &Shared, principal: &Principal, call: &Call) -> Result<(), Stop> {
    let (Principal::Key(key), Some(shares)) = (principal, &state.shares) else {
        return Ok(());
    };
    let Err(over) = shares.take(&key.name, state.clock.now_ms()) else {
        return Ok(());
    };
    let who = &key.name;
    let seconds = over.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let percent = (shares.share * 100.0).round();
    let reason = format!("used its share ({percent}%) of the tenant's rate limit");
    Err(Stop {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "gatehouse_share_exceeded",
        message: format!("{who} has {reason}; try again in {seconds} s"),
        extra: vec![("retryAfter", Value::from(seconds))],
        audit: Some(Box::new((
            Decision::Denied,
            reason.clone(),
            format!("{who} was held back from {}: it has {reason}", call.phrase),
        ))),
    })
}

/// The body: bounded, JSON (or multipart for operations that take files),
/// and of the operation's type. Returns what to forward, encoded as the
/// operation takes it.
#[allow(clippy::too_many_arguments)]
async fn read_body(
    state: &Shared,
    op: &'static OpDesc,
    row: Option<&'static OperationSpec>,
    parts: &http::request::Parts,
    body: Body,
    principal: &Principal,
    call: &Call,
    trail: &mut Trail,
) -> Result<Option<Encoded>, Stop> {
    let who = principal.name();
    let too_large = || {
        Stop::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "gatehouse_body_too_large",
            format!("the body is larger than {} bytes", state.max_body),
            format!("{who} sent too large a body for {} (413)", call.phrase),
        )
    };
    let declared =
        parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, state.max_body).await.map_err(|_| too_large())?;
    // Whitespace or a bare `null` (which some SDKs send with every GET) is no body.
    let empty = bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null";
    let boundary =
        parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(wire_body::multipart_boundary);
    let takes_files = op.body.is_some_and(|b| b.media.contains(&catalog::Media::Multipart));
    if !empty && !is_json(&parts.headers) && (boundary.is_none() || !takes_files) {
        let message = if takes_files {
            "send the body as application/json or multipart/form-data"
        } else {
            "send the body as application/json"
        };
        return Err(Stop::refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "gatehouse_not_json",
            message.to_owned(),
            format!("{who} sent a body that is not JSON for {} (415)", call.phrase),
        ));
    }
    if let (Some(boundary), false) = (boundary, empty) {
        return multipart_body(op, &bytes, boundary, who, call, trail).map(Some);
    }
    trail.body = if empty {
        None
    } else {
        Some(serde_json::from_slice::<Value>(&bytes).map_or(Value::Null, |v| redact(&files_summarized(op, v))))
    };
    let Some(spec) = row else {
        return described_body(op, &bytes, empty, who, call);
    };
    match spec.id.roundtrip_body(if empty { b"" } else { &bytes }) {
        None if empty => Ok(None),
        None => Err(Stop::refused(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "this operation takes no body".to_owned(),
            format!("{who} sent a body to {}, which takes none (400)", call.phrase),
        )),
        Some(Ok(value)) => Ok(Some(json_encoded(&value))),
        Some(Err(e)) => {
            let body_path = field_path(&e.path, &e.message);
            let message = format!("invalid body at `{body_path}`: {}", e.message);
            let sentence = format!("{who} sent an invalid body for {} (400): {message}", call.phrase);
            Err(Stop::refused(StatusCode::BAD_REQUEST, "invalid_body", message, sentence)
                .with("path", Value::from(body_path)))
        }
    }
}

/// A JSON value as the body to forward.
fn json_encoded(value: &Value) -> Encoded {
    Encoded {
        content_type: catalog::Media::Json.as_str().to_owned(),
        bytes: serde_json::to_vec(value).unwrap_or_default(),
    }
}

/// A body's file fields, for the audit entry, as their size rather than
/// their content (a users file is large and holds personal data).
fn files_summarized(op: &'static OpDesc, mut value: Value) -> Value {
    let files = op.body.map_or(&[][..], |b| b.files);
    if let Value::Object(map) = &mut value {
        for file in files {
            if let Some(v) = map.get_mut(file.name) {
                let size = match &*v {
                    Value::String(s) => s.len(),
                    other => other.to_string().len(),
                };
                *v = Value::from(format!("[file of {size} bytes]"));
            }
        }
    }
    value
}

/// A `multipart/form-data` body for an operation that takes files: read
/// part by part (each once, as UTF-8 text, which is what Auth0's imports
/// read) and encoded again by the model's encoder, so what reaches the
/// tenant is exactly the fields that were checked.
fn multipart_body(
    op: &'static OpDesc,
    bytes: &[u8],
    boundary: &str,
    who: &str,
    call: &Call,
    trail: &mut Trail,
) -> Result<Encoded, Stop> {
    let invalid = |message: String| {
        let sentence = format!("{who} sent an invalid body for {} (400): {message}", call.phrase);
        Stop::refused(StatusCode::BAD_REQUEST, "invalid_body", message, sentence)
    };
    let Some(body) = op.body else {
        return Err(invalid("this operation takes no body".to_owned()));
    };
    let parts = wire_body::read_multipart(bytes, boundary).map_err(|e| invalid(e.to_string()))?;
    let mut fields = serde_json::Map::new();
    for part in parts {
        let name = part.name;
        let Ok(text) = String::from_utf8(part.content) else {
            return Err(invalid(format!("the part `{name}` is not UTF-8 text")));
        };
        if fields.insert(name.clone(), Value::from(text)).is_some() {
            return Err(invalid(format!("the part `{name}` is sent twice")));
        }
    }
    let value = Value::Object(fields);
    trail.body = Some(redact(&files_summarized(op, value.clone())));
    wire_body::encode_as(catalog::Media::Multipart, body.files, &value).map_err(|e| invalid(e.to_string()))
}

/// The body of an operation outside the table: JSON for an operation that
/// takes JSON (its spec says whether it takes one and in which media types),
/// forwarded as parsed; for one that takes only forms or files, the JSON
/// object's fields encoded as it takes them. The tenant checks the fields.
fn described_body(
    op: &'static OpDesc,
    bytes: &[u8],
    empty: bool,
    who: &str,
    call: &Call,
) -> Result<Option<Encoded>, Stop> {
    if empty {
        return Ok(None);
    }
    let Some(body) = op.body else {
        return Err(Stop::refused(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "this operation takes no body".to_owned(),
            format!("{who} sent a body to {}, which takes none (400)", call.phrase),
        ));
    };
    let invalid = |message: String| {
        let sentence = format!("{who} sent an invalid body for {} (400): {message}", call.phrase);
        Stop::refused(StatusCode::BAD_REQUEST, "invalid_body", message, sentence)
    };
    let value =
        serde_json::from_slice::<Value>(bytes).map_err(|e| invalid(format!("the body is not valid JSON: {e}")))?;
    if body.media.contains(&catalog::Media::Json) {
        return Ok(Some(json_encoded(&value)));
    }
    wire_body::encode(&body, &value).map(Some).map_err(|e| invalid(e.to_string()))
}

/// The escalation rules, for calls that change who holds which access, and
/// the BFF's own applications.
async fn guard(
    state: &Shared,
    principal: &Principal,
    op: &'static OpDesc,
    params: &[String],
    body: Option<&Value>,
    call: &Call,
) -> Result<Names, Stop> {
    let who = principal.name();
    match crate::guard::check_call(state, principal, op, params, body).await {
        Ok(names) => Ok(names),
        Err(GuardError::Refused(refusal)) => {
            let message = refusal.to_string();
            let missing: Vec<Value> = refusal.missing().iter().map(|m| Value::from(m.as_str())).collect();
            Err(Stop::denied("gatehouse_escalation", message.clone(), message.clone(), message)
                .with("missing", Value::Array(missing)))
        }
        Err(e @ GuardError::OwnClient { .. }) => {
            let message = format!("{who} may not {}: {e}", infinitive(&call.phrase));
            Err(Stop::denied("gatehouse_protected", message.clone(), e.to_string(), message))
        }
        Err(e @ GuardError::Lookup { .. }) => {
            tracing::warn!(error = %e, operation = op.name, "escalation check could not run");
            let message = format!("{e}; nothing was changed, try again");
            let sentence = format!("{who} tried {}, but Gatehouse {message} (503)", call.phrase);
            Err(Stop::refused(StatusCode::SERVICE_UNAVAILABLE, "gatehouse_check_unavailable", message, sentence))
        }
    }
}

/// A write the principal may make only once a human approves it: an
/// approval request, then the wait for its decision ([`crate::approvals`]).
/// Denied, expired or over the limit of waiting requests, the call ends here.
async fn approved(
    state: &Shared,
    principal: &Principal,
    op: &'static OpDesc,
    params: &[String],
    call: &Call,
    trail: &mut Trail,
) -> Result<(), Stop> {
    let ask = Ask { principal, call, op, params, body: trail.body.as_ref(), names: &trail.names };
    let who = principal.name();
    match state.approvals.wait_for(state, ask).await {
        Ok(a) => {
            trail.approval = Some((a.id, a.decided_by));
            Ok(())
        }
        Err(Refused::Denied { approval, by, reason }) => {
            let because = reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            let message = format!("{by} denied {who}'s request to {} ({}){because}", approval.action(), approval.id);
            let sentence = format!("{who} was denied {}: {by} did not approve it{because}", call.phrase);
            trail.approval = Some((approval.id.clone(), None));
            Err(Stop::denied("gatehouse_approval_denied", message, format!("approval denied by {by}"), sentence)
                .with("approval", Value::from(approval.id))
                .with("reason", reason.map_or(Value::Null, Value::from)))
        }
        Err(Refused::Expired { approval, timeout }) => {
            let secs = timeout.as_secs();
            let message =
                format!("no one approved {who}'s request to {} within {secs} s ({})", approval.action(), approval.id);
            let sentence = format!("{who} was denied {}: no one approved it within {secs} s", call.phrase);
            trail.approval = Some((approval.id.clone(), None));
            Err(Stop::denied("gatehouse_approval_timeout", message, "approval timed out".to_owned(), sentence)
                .with("approval", Value::from(approval.id)))
        }
        Err(e @ Refused::TooMany { .. }) => {
            let message = format!("{who} has {e}; wait for a decision first");
            Err(Stop {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "gatehouse_too_many_approvals",
                message: message.clone(),
                extra: Vec::new(),
                audit: Some(Box::new((
                    Decision::Denied,
                    e.to_string(),
                    format!("{who} was held back from {}: {e}", call.phrase),
                ))),
            })
        }
        Err(e @ Refused::Store(_)) => {
            tracing::error!(error = %e, operation = op.name, "approval could not be asked");
            let message = format!("{e}; nothing was sent, try again");
            let sentence = format!("{who} tried {}, but {message} (503)", call.phrase);
            Err(Stop::refused(StatusCode::SERVICE_UNAVAILABLE, "gatehouse_approvals_unavailable", message, sentence))
        }
    }
}

/// The principal's user scope ([`crate::scope`]): a call outside it is
/// refused (a user outside it answers as an unknown one, 404); one within
/// it may go on, with the scope joined to a user search or a list of users
/// to filter.
#[allow(clippy::too_many_arguments)]
async fn within_scope(
    state: &Shared,
    principal: &Principal,
    op: &'static OpDesc,
    params: &[String],
    query: Option<&str>,
    body: Option<&Value>,
    call: &Call,
) -> Result<scope::Plan, Stop> {
    let Some(scopes) = principal.user_scopes(&state.policy) else {
        return Ok(scope::Plan::default());
    };
    let who = principal.name();
    let refused = |message: String| {
        let sentence = format!("{who} was denied {}: {message}", call.phrase);
        Stop::denied("gatehouse_out_of_scope", message.clone(), "outside its user scope".to_owned(), sentence)
    };
    match scope::check(state, &scopes, op, params, query, body).await {
        Ok(plan) => Ok(plan),
        Err(hidden @ ScopeStop::Hidden { .. }) => {
            // Answered exactly as the tenant answers for a user that does not exist.
            let sentence =
                format!("{who} was denied {}: {hidden}; answered as if there were no such user", call.phrase);
            let mut stop =
                Stop::denied("inexistent_user", "The user does not exist.".to_owned(), hidden.to_string(), sentence);
            stop.status = StatusCode::NOT_FOUND;
            Err(stop)
        }
        Err(ScopeStop::Refused(message)) => Err(refused(message)),
        Err(e @ ScopeStop::Query(_)) => {
            let message = format!("{e}; the user scope could not be joined to it");
            let sentence =
                format!("{who} sent a user search for {} that cannot be scoped (400): {message}", call.phrase);
            Err(Stop::refused(StatusCode::BAD_REQUEST, "gatehouse_scope_query", message, sentence))
        }
        Err(e @ ScopeStop::Lookup { .. }) => {
            tracing::warn!(error = %e, operation = op.name, "user scope check could not run");
            let message = format!("{e}; nothing was changed, try again");
            let sentence = format!("{who} tried {}, but Gatehouse {message} (503)", call.phrase);
            Err(Stop::refused(StatusCode::SERVICE_UNAVAILABLE, "gatehouse_check_unavailable", message, sentence))
        }
    }
}

/// The tenant's answer, with a list of users filtered to the scope when
/// the plan says so.
async fn scoped_answer(
    state: &Shared,
    plan: scope::Plan,
    result: Result<http::Response<Vec<u8>>, ClientError>,
) -> Result<http::Response<Vec<u8>>, ClientError> {
    match (plan.filter, result) {
        (Some(scopes), Ok(answer)) if answer.status().is_success() => {
            let (parts, body) = answer.into_parts();
            Ok(http::Response::from_parts(parts, scope::filter_users(state, &scopes, body).await))
        }
        (_, result) => result,
    }
}

/// The path rebuilt from the template and the decoded parameters, each
/// re-encoded as exactly one segment, with the query as it came.
fn rebuild_path(op: &'static OpDesc, params: &[String], query: Option<&str>) -> Result<String, Stop> {
    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
    let mut path_and_query = path::fill(op.path, &refs)
        .map_err(|e| Stop::unknown(StatusCode::NOT_FOUND, "gatehouse_unknown_operation", e.to_string()))?;
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    Ok(path_and_query)
}

/// Largest answer parsed for the audit log (labels of what was created or
/// read); larger answers are passed on untouched.
const NARRATE_LIMIT: usize = 64 * 1024;

/// The one exit: the response, and (for every decided call) its audit
/// entry, stored before the response goes out. The entry tells the
/// policy's decision and the outcome apart: a call refused before it
/// reached the tenant was not sent; one the tenant refused failed, with
/// the tenant's status and error code.
async fn finish(
    state: &Shared,
    principal: &Principal,
    mut call: Call,
    (result, trail): (Result<Passed, Stop>, Trail),
    started: Instant,
) -> Response {
    let who = principal.name();
    let kind = principal.kind();
    let names = call.known_names(state, trail.body.as_ref(), &trail.names);
    let (response, record) = match result {
        Err(stop) => {
            let mut body = error_body(stop.status, stop.code, &stop.message);
            for (key, value) in stop.extra {
                body[key] = value;
            }
            let response = json_response(stop.status, &body);
            let Some(audit) = stop.audit else {
                return response;
            };
            let (decision, reason, sentence) = *audit;
            let record = call
                .record(who, kind, decision, Some(reason), stop.status.as_u16(), sentence)
                .with_outcome(Outcome::NotSent);
            (response, record)
        }
        Ok(Passed { op, result: Ok(upstream) }) => {
            let status = upstream.status();
            let (up_parts, up_body) = upstream.into_parts();
            let answer: Option<Value> =
                (up_body.len() <= NARRATE_LIMIT).then(|| serde_json::from_slice(&up_body).ok()).flatten();
            if status.is_success()
                && let Some(answer) = &answer
            {
                state.labels.learn(answer);
            }
            call.narrate(trail.body.as_ref(), answer.as_ref().filter(|_| status.is_success()), &names);
            let approved_by = match &trail.approval {
                Some((_, Some(by))) => format!(", approved by {by}"),
                _ => String::new(),
            };
            let record = if status.is_success() {
                let sentence = format!("{who} {} ({}){approved_by}", past(&call.phrase), status.as_u16());
                call.record(who, kind, Decision::Allowed, None, status.as_u16(), sentence)
            } else {
                let error = ErrorBody::parse(&up_body);
                let detail = error.message().map(|m| format!(": {m}")).unwrap_or_default();
                let sentence = format!(
                    "{who} tried {}{approved_by}; the tenant answered {}{detail}",
                    call.phrase,
                    status.as_u16()
                );
                let reason = Some(format!("upstream {}", status.as_u16()));
                let record = call.record(who, kind, Decision::Allowed, reason, status.as_u16(), sentence);
                match error.code() {
                    Some(code) => record.with_upstream_error(code),
                    None => record.with_outcome(Outcome::Failed),
                }
            };
            let reveal = principal.grants().level(Target::Secrets) == gatehouse_model::policy::Level::Full;
            let up_body = if reveal { up_body } else { strip_secrets(op, up_body) };
            (pass_through(state, status, &up_parts.headers, up_body), record)
        }
        Ok(Passed { op, result: Err(e) }) => {
            let (status, code, message) = failure(&e, op.verb);
            tracing::warn!(error = %e, operation = op.name, "upstream call failed");
            call.narrate(trail.body.as_ref(), None, &names);
            let sentence = format!("{who} tried {}, but {message} ({})", call.phrase, status.as_u16());
            let record = call
                .record(who, kind, Decision::Allowed, Some(code.to_owned()), status.as_u16(), sentence)
                .with_outcome(Outcome::Failed);
            (error(status, code, &message), record)
        }
    };
    let mut record = record.with_body(trail.body);
    record.approval = trail.approval.as_ref().map(|(id, _)| id.clone());
    let (response, audit_id) = audited_id(state, record, response, started).await;
    if let (Some((approval, _)), Some(audit_id)) = (&trail.approval, audit_id) {
        state.approvals.link_audit(approval, audit_id);
    }
    response
}

/// Removes secrets from a successful answer of any operation, for
/// principals that may not reveal them (`secrets = "full"`): every field
/// [`is_secret_field`] names (application and connection client secrets,
/// signing keys, log streams' authorization headers and tokens, email and
/// MFA providers' credentials, ...), and every value of the secrets maps of
/// Hooks and Actions, whose keys are the secrets' names.
pub(crate) fn strip_secrets(op: &'static OpDesc, body: Vec<u8>) -> Vec<u8> {
    let secrets_map = op.name.split('.').any(|s| s == "secrets");
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    fn strip(v: &mut Value) -> bool {
        let mut changed = false;
        match v {
            Value::Object(map) => {
                let before = map.len();
                map.retain(|k, _| !is_secret_field(k));
                changed |= map.len() != before;
                for x in map.values_mut() {
                    changed |= strip(x);
                }
            }
            Value::Array(items) => {
                for x in items {
                    changed |= strip(x);
                }
            }
            _ => {}
        }
        changed
    }
    if secrets_map && let Value::Object(map) = &mut value {
        for v in map.values_mut().filter(|v| !v.is_null()) {
            *v = Value::from("[redacted]");
        }
        return serde_json::to_vec(&value).unwrap_or_default();
    }
    let changed = strip(&mut value);
    if changed { serde_json::to_vec(&value).unwrap_or_default() } else { body }
}

/// Whether a field of an answer holds a secret: a name with `secret`,
/// `password` or `authorization` in it, one ending in `token`, `pass`, or
/// `key` (but not a public key or a bare `key`, which names a setting), and
/// an application's `signing_keys`.
fn is_secret_field(key: &str) -> bool {
    let k: String = key.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    k.contains("secret")
        || k.contains("password")
        || k.contains("authorization")
        || k.ends_with("token")
        || k.ends_with("pass")
        || (k.ends_with("key") && k != "key" && !k.starts_with("public"))
        || k == "signingkeys"
        || k == "credentials"
}

/// The JSON path of a decode error. The model reports a required field that
/// is missing or of the wrong type at its object (`.`), naming the field in
/// the message (`missing field `connection``, `field `connection`: ...`);
/// the field is appended so the path points at it.
fn field_path(path: &str, message: &str) -> String {
    let field = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("field `"))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path, field) {
        (".", Some(f)) => f.to_owned(),
        (p, Some(f)) => format!("{p}.{f}"),
        (p, None) => p.to_owned(),
    }
}

/// The tenant's answer, as it came: status, body, content type and rate-limit headers.
fn pass_through(state: &Shared, status: StatusCode, headers: &HeaderMap, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(state.scrub(body)));
    *r.status_mut() = status;
    for name in
        [CONTENT_TYPE.as_str(), "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", RETRY_AFTER.as_str()]
    {
        if let Some(v) = headers.get(name) {
            r.headers_mut().insert(http::HeaderName::from_static(name), v.clone());
        }
    }
    r
}

/// What to tell the admin when no answer came from the tenant.
fn failure(e: &ClientError, verb: Verb) -> (StatusCode, &'static str, String) {
    let maybe_applied = if verb.is_idempotent() {
        ""
    } else {
        "; the change may or may not have been made, so check before trying again"
    };
    match e.root() {
        ClientError::Transport(TransportError::Timeout { after }) => (
            StatusCode::GATEWAY_TIMEOUT,
            "gatehouse_upstream_timeout",
            format!("the tenant did not answer within {} s{maybe_applied}", after.as_secs()),
        ),
        ClientError::Transport(TransportError::Connect { .. }) => {
            (StatusCode::BAD_GATEWAY, "gatehouse_upstream_unreachable", "the tenant could not be reached".to_owned())
        }
        ClientError::Transport(TransportError::Dropped { .. }) => (
            StatusCode::BAD_GATEWAY,
            "gatehouse_upstream_dropped",
            format!("the connection to the tenant was lost{maybe_applied}"),
        ),
        ClientError::Token(TokenError::Rejected { error, .. }) => (
            StatusCode::BAD_GATEWAY,
            "gatehouse_upstream_token",
            format!("the tenant refused the BFF's credentials ({})", error),
        ),
        ClientError::Token(_) => (
            StatusCode::BAD_GATEWAY,
            "gatehouse_upstream_token",
            "no access token could be had from the tenant".to_owned(),
        ),
        other => (StatusCode::BAD_GATEWAY, "gatehouse_upstream_error", format!("the tenant call failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use serde_json::json;

    #[test]
    fn secrets_are_stripped() {
        let op = |n: &str| catalog::by_name(n).unwrap();
        let body =
            br#"{"clients":[{"client_id":"a","client_secret":"s","signing_keys":[{"cert":"c"}],"name":"n"}]}"#.to_vec();
        let out: Value = serde_json::from_slice(&strip_secrets(op("clients.list"), body)).unwrap();
        assert_eq!(out, json!({"clients": [{"client_id": "a", "name": "n"}]}));
        assert_eq!(strip_secrets(op("clients.list"), b"{\"name\":1}".to_vec()), b"{\"name\":1}".to_vec());
        let stream = br#"{"id":"ls","sink":{"httpAuthorization":"Bearer x","httpEndpoint":"https://e","splunkToken":"t","datadogApiKey":"k"}}"#;
        let out: Value = serde_json::from_slice(&strip_secrets(op("logStreams.get"), stream.to_vec())).unwrap();
        assert_eq!(out, json!({"id": "ls", "sink": {"httpEndpoint": "https://e"}}));
        let hooks = br#"{"API_TOKEN":"v1","OTHER":"v2"}"#;
        let out: Value = serde_json::from_slice(&strip_secrets(op("hooks.secrets.get"), hooks.to_vec())).unwrap();
        assert_eq!(out, json!({"API_TOKEN": "[redacted]", "OTHER": "[redacted]"}));
        let email = br#"{"name":"sendgrid","credentials":{"api_key":"k"}}"#;
        let out: Value = serde_json::from_slice(&strip_secrets(op("emails.provider.get"), email.to_vec())).unwrap();
        assert_eq!(out, json!({"name": "sendgrid"}));
        let conn = br#"{"options":{"client_id":"x","client_secret":"y","public_key":"p","key":"k"}}"#;
        let out: Value = serde_json::from_slice(&strip_secrets(op("connections.get"), conn.to_vec())).unwrap();
        assert_eq!(out, json!({"options": {"client_id": "x", "public_key": "p", "key": "k"}}));
    }

    #[test]
    fn field_paths() {
        assert_eq!(field_path(".", "field `connection`: invalid type: integer `5`, expected a string"), "connection");
        assert_eq!(field_path("members[0]", "missing field `user_id`"), "members[0].user_id");
        assert_eq!(field_path("user_metadata", "invalid type"), "user_metadata");
    }

    #[test]
    fn body_presence() {
        let mut h = HeaderMap::new();
        assert!(!has_body(&h));
        h.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        assert!(!has_body(&h));
        h.insert(CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert!(has_body(&h));
    }
}
