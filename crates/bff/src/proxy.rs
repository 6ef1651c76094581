//! The proxy: the operations of the model's table, at the same paths as
//! Auth0, checked against the policy, validated, audited and forwarded
//! through the one shared client. Also the BFF's own `/audit` endpoint.
//!
//! Order of checks for every `/api/*` and `/audit` request:
//! 1. credentials: an API key, or a session cookie;
//! 2. for cookies, CSRF (`X-CSRF: 1`, same `Origin`, no cross-site
//!    `Sec-Fetch-Site`, JSON bodies only): refused with 403 before
//!    anything else happens, and audited;
//! 3. the operation: only rows of the table match, on the raw (still
//!    encoded) path, so `..`, `%2F` and friends inside an id stay inside
//!    that id; anything else is 404 and never forwarded;
//! 4. the policy: deny by default, 403 with what is missing, audited;
//! 5. the body: size limit (413), JSON, and decoded through the
//!    operation's typed body (400 `invalid_body` with the JSON path);
//! 6. forward, with the path rebuilt from the template and the decoded
//!    parameters (each re-encoded as exactly one segment);
//! 7. audit (durably) and only then answer.

use crate::app::{Credentials, Principal, Shared};
use crate::clock::parse_time;
use crate::policy::{Level, Target};
use crate::responses::{error, error_body, json_response};
use crate::security::{csrf_violation, is_json, redact};
use crate::store::{AuditQuery, AuditRecord, Decision};
use crate::words::{infinitive, past};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_client::{ClientError, TokenError, TransportError};
use gatehouse_model::operation::{self, Api, OperationSpec, Verb};
use gatehouse_model::{ErrorBody, path};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, TRANSFER_ENCODING};
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};
use std::time::Instant;

/// Whether the request says it has a body.
pub(crate) fn has_body(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(n) => n > 0,
        None => headers.contains_key(TRANSFER_ENCODING),
    }
}

/// What the audit log says about the request, known before it is decided.
struct Call {
    method: String,
    path: String,
    operation: Option<&'static str>,
    resource: Option<&'static str>,
    object: Value,
    phrase: String,
}

impl Call {
    fn for_op(method: &str, path: &str, found: Option<&(&'static OperationSpec, Vec<String>)>) -> Self {
        let (operation, resource, object, phrase) = match found {
            Some((spec, params)) => {
                let object: Map<String, Value> =
                    spec.param_names().zip(params).map(|(n, v)| (n.to_owned(), Value::from(v.clone()))).collect();
                (Some(spec.id.name()), Some(spec.resource.as_str()), Value::Object(object), spec.describe_with(params))
            }
            None => (None, None, json!({}), format!("calling {method} {path}")),
        };
        Self { method: method.to_owned(), path: path.to_owned(), operation, resource, object, phrase }
    }

    fn record(
        &self,
        who: &str,
        kind: &str,
        decision: Decision,
        reason: Option<String>,
        status: u16,
        sentence: String,
    ) -> AuditRecord {
        AuditRecord {
            id: 0,
            time_ms: 0,
            principal: who.to_owned(),
            principal_kind: kind.to_owned(),
            operation: self.operation.map(str::to_owned),
            resource: self.resource.map(str::to_owned),
            object: self.object.clone(),
            decision,
            reason,
            status: Some(status),
            sentence,
            body: None,
            method: self.method.clone(),
            path: self.path.clone(),
        }
    }
}

/// Stores an audit entry before the response goes out. Fails closed: when
/// the entry cannot be stored, the answer is 503 (saying what happened).
async fn audited(state: &Shared, mut record: AuditRecord, response: Response, started: Instant) -> Response {
    record.time_ms = state.clock.now_ms();
    let op = record.operation.clone().unwrap_or_else(|| "unknown".into());
    let decision = record.decision.as_str();
    let status = response.status().as_u16();
    state.metrics.observe(&op, decision, status, started.elapsed().as_secs_f64());
    tracing::info!(
        principal = %record.principal,
        operation = %op,
        decision,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "{}",
        record.sentence
    );
    match state.audit.record(record).await {
        Ok(_) => response,
        Err(e) => {
            tracing::error!(error = %e, "audit entry could not be stored");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "gatehouse_audit_unavailable",
                &format!("the audit log could not record this call (it was answered {status}); check before retrying"),
            )
        }
    }
}

/// Records a sign-in or sign-out.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_event(
    state: &Shared,
    who: &str,
    kind: &str,
    operation: &str,
    decision: Decision,
    status: u16,
    sentence: &str,
    method: &str,
    path: &str,
) {
    let record = AuditRecord {
        id: 0,
        time_ms: state.clock.now_ms(),
        principal: who.to_owned(),
        principal_kind: kind.to_owned(),
        operation: Some(operation.to_owned()),
        resource: None,
        object: json!({}),
        decision,
        reason: None,
        status: Some(status),
        sentence: sentence.to_owned(),
        body: None,
        method: method.to_owned(),
        path: path.to_owned(),
    };
    state.metrics.observe(operation, decision.as_str(), status, 0.0);
    if let Err(e) = state.audit.record(record).await {
        tracing::error!(error = %e, "audit entry could not be stored");
    }
}

/// Authenticates an API or audit request and applies the CSRF rules to cookie
/// sessions. `Err` is the answer to send (already audited when it is a CSRF denial).
async fn gate(state: &Shared, headers: &HeaderMap, call: &Call, started: Instant) -> Result<Principal, Response> {
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
            match session {
                Some((hash, rec)) => {
                    state.touch(&hash, &rec);
                    Ok(state.user(&rec))
                }
                None => Err(error(
                    StatusCode::UNAUTHORIZED,
                    "gatehouse_unauthenticated",
                    "sign in first (or the session ended)",
                )),
            }
        }
        Credentials::None => Err(error(
            StatusCode::UNAUTHORIZED,
            "gatehouse_unauthenticated",
            "sign in first, or send an API key as `Authorization: Bearer gk_...`",
        )),
    }
}

/// `/api/...`: the proxied operations.
pub(crate) async fn proxy(state: Shared, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let raw_path = parts.uri.path().to_owned();
    let found = Verb::parse(&method)
        .and_then(|v| operation::find(v, &raw_path))
        .filter(|(spec, _)| spec.api != Api::Authentication);
    let call = Call::for_op(&method, &raw_path, found.as_ref());
    let principal = match gate(&state, &parts.headers, &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = principal.name().to_owned();
    let kind = principal.kind();

    let Some((spec, params)) = found else {
        let (status, message) = if operation::path_is_known(&raw_path) {
            (StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not supported on this path"))
        } else {
            (StatusCode::NOT_FOUND, "no such operation".to_owned())
        };
        return error(status, "gatehouse_unknown_operation", &message);
    };
    if spec.api == Api::Teams && !state.teams_enabled {
        return error(StatusCode::NOT_FOUND, "gatehouse_teams_not_configured", "the Teams API is not configured");
    }

    if let Some(missing) = principal.grants().missing_for(spec) {
        let message = format!("{who} may not {}: needs {missing}", infinitive(&call.phrase));
        let sentence = format!("{who} was denied {}: needs {missing}", call.phrase);
        let mut body = error_body(StatusCode::FORBIDDEN, "gatehouse_denied", &message);
        body["missing"] = Value::from(missing.clone());
        let record = call.record(&who, kind, Decision::Denied, Some(format!("needs {missing}")), 403, sentence);
        return audited(&state, record, json_response(StatusCode::FORBIDDEN, &body), started).await;
    }

    // The body: bounded, JSON, and of the operation's type.
    let declared =
        parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = |state: &Shared| {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "gatehouse_body_too_large",
            &format!("the body is larger than {} bytes", state.max_body),
        )
    };
    if declared.is_some_and(|n| n > state.max_body as u64) {
        let record = call.record(
            &who,
            kind,
            Decision::Allowed,
            Some("body too large".into()),
            413,
            format!("{who} sent too large a body for {} (413)", call.phrase),
        );
        return audited(&state, record, too_large(&state), started).await;
    }
    let bytes = match axum::body::to_bytes(body, state.max_body).await {
        Ok(b) => b,
        Err(_) => {
            let record = call.record(
                &who,
                kind,
                Decision::Allowed,
                Some("body too large or unreadable".into()),
                413,
                format!("{who} sent too large a body for {} (413)", call.phrase),
            );
            return audited(&state, record, too_large(&state), started).await;
        }
    };
    // Whitespace or a bare `null` (which some SDKs send with every GET) is no body.
    let empty = bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null";
    if !empty && !is_json(&parts.headers) {
        let record = call.record(
            &who,
            kind,
            Decision::Allowed,
            Some("not JSON".into()),
            415,
            format!("{who} sent a body that is not JSON for {} (415)", call.phrase),
        );
        let r = error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "gatehouse_not_json", "send the body as application/json");
        return audited(&state, record, r, started).await;
    }
    let audit_body =
        if empty { None } else { Some(serde_json::from_slice::<Value>(&bytes).map_or(Value::Null, |v| redact(&v))) };
    let forward_body = match spec.id.roundtrip_body(if empty { b"" } else { &bytes }) {
        None if empty => None,
        None => {
            let mut record = call.record(
                &who,
                kind,
                Decision::Allowed,
                Some("unexpected body".into()),
                400,
                format!("{who} sent a body to {}, which takes none (400)", call.phrase),
            );
            record.body = audit_body;
            let r = error(StatusCode::BAD_REQUEST, "invalid_body", "this operation takes no body");
            return audited(&state, record, r, started).await;
        }
        Some(Ok(value)) => Some(serde_json::to_vec(&value).unwrap_or_default()),
        Some(Err(e)) => {
            let body_path = field_path(&e.path, &e.message);
            let message = format!("invalid body at `{body_path}`: {}", e.message);
            let mut record = call.record(
                &who,
                kind,
                Decision::Allowed,
                Some(message.clone()),
                400,
                format!("{who} sent an invalid body for {} (400): {message}", call.phrase),
            );
            record.body = audit_body;
            let mut body = error_body(StatusCode::BAD_REQUEST, "invalid_body", &message);
            body["path"] = Value::from(body_path);
            return audited(&state, record, json_response(StatusCode::BAD_REQUEST, &body), started).await;
        }
    };

    // Forward, with the path rebuilt from the template.
    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
    let mut path_and_query = match path::fill(spec.path, &refs) {
        Ok(p) => p,
        Err(e) => {
            return error(StatusCode::NOT_FOUND, "gatehouse_unknown_operation", &e.to_string());
        }
    };
    if let Some(q) = parts.uri.query().filter(|q| !q.is_empty()) {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    let result = state.upstream.send(spec, path_and_query, forward_body).await;
    let (response, record) = match result {
        Ok(upstream) => {
            let status = upstream.status();
            let (up_parts, up_body) = upstream.into_parts();
            let sentence = if status.is_success() {
                format!("{who} {} ({})", past(&call.phrase), status.as_u16())
            } else {
                let detail = ErrorBody::parse(&up_body).message().map(|m| format!(": {m}")).unwrap_or_default();
                format!("{who} tried {}; the tenant answered {}{detail}", call.phrase, status.as_u16())
            };
            let reason = (!status.is_success()).then(|| format!("upstream {}", status.as_u16()));
            let mut record = call.record(&who, kind, Decision::Allowed, reason, status.as_u16(), sentence);
            record.body = audit_body;
            let up_body = if spec.resource == gatehouse_model::Resource::Applications && status.is_success() {
                strip_client_keys(up_body)
            } else {
                up_body
            };
            (pass_through(&state, status, &up_parts.headers, up_body), record)
        }
        Err(e) => {
            let (status, code, message) = failure(&e, spec.verb);
            tracing::warn!(error = %e, operation = spec.id.name(), "upstream call failed");
            let sentence = format!("{who} tried {}, but {message} ({})", call.phrase, status.as_u16());
            let mut record =
                call.record(&who, kind, Decision::Allowed, Some(code.to_owned()), status.as_u16(), sentence);
            record.body = audit_body;
            (error(status, code, &message), record)
        }
    };
    audited(&state, record, response, started).await
}

/// Removes application credentials (`client_secret`, `signing_keys`) from
/// an Applications answer. No operation of the table needs
/// `read:client_keys`, so a token limited to the policy's scopes never
/// gets them from Auth0; this keeps it so even when the tenant sends them.
fn strip_client_keys(body: Vec<u8>) -> Vec<u8> {
    if memchr::memmem::find(&body, b"client_secret").is_none() && memchr::memmem::find(&body, b"signing_keys").is_none()
    {
        return body;
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.remove("client_secret");
                map.remove("signing_keys");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    serde_json::to_vec(&value).unwrap_or(body)
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

/// `GET /audit?principal=&resource=&decision=&since=&until=&page=&per_page=`.
pub(crate) async fn audit(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let path = request.uri().path().to_owned();
    let call = Call {
        method: "GET".into(),
        path: path.clone(),
        operation: Some("ReadAudit"),
        resource: Some(crate::policy::AUDIT),
        object: json!({}),
        phrase: "reading the audit log".into(),
    };
    let principal = match gate(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = principal.name().to_owned();
    let kind = principal.kind();
    if principal.grants().level(Target::Audit) < Level::Read {
        let missing = "audit:read";
        let message = format!("{who} may not read the audit log: needs {missing}");
        let mut body = error_body(StatusCode::FORBIDDEN, "gatehouse_denied", &message);
        body["missing"] = Value::from(missing);
        let record = call.record(
            &who,
            kind,
            Decision::Denied,
            Some(format!("needs {missing}")),
            403,
            format!("{who} was denied reading the audit log: needs {missing}"),
        );
        return audited(&state, record, json_response(StatusCode::FORBIDDEN, &body), started).await;
    }
    let q = match parse_audit_query(request.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(m) => {
            let record = call.record(
                &who,
                kind,
                Decision::Allowed,
                Some(m.clone()),
                400,
                format!("{who} asked for the audit log with a bad query (400): {m}"),
            );
            return audited(&state, record, error(StatusCode::BAD_REQUEST, "gatehouse_bad_query", &m), started).await;
        }
    };
    let response = match state.audit.query(&q) {
        Ok(page) => json_response(
            StatusCode::OK,
            &json!({
                "entries": page.entries.iter().map(AuditRecord::to_json).collect::<Vec<_>>(),
                "total": page.total,
                "page": q.page,
                "perPage": q.per_page,
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "audit query failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "gatehouse_storage", "the audit log could not be read")
        }
    };
    let status = response.status().as_u16();
    let record =
        call.record(&who, kind, Decision::Allowed, None, status, format!("{who} read the audit log ({status})"));
    audited(&state, record, response, started).await
}

fn parse_audit_query(raw: &str) -> Result<AuditQuery, String> {
    let mut q = AuditQuery { per_page: 50, ..AuditQuery::default() };
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim().to_owned();
        if v.is_empty() {
            continue;
        }
        match k.as_ref() {
            "principal" => q.principal = Some(v),
            "resource" => {
                if Target::parse(&v).is_none() {
                    return Err(format!("`{v}` is not a resource"));
                }
                q.resource = Some(v);
            }
            "decision" => {
                q.decision = Some(match v.as_str() {
                    "allowed" => Decision::Allowed,
                    "denied" => Decision::Denied,
                    _ => return Err("decision is allowed or denied".into()),
                });
            }
            "since" => q.since_ms = Some(parse_time(&v).ok_or("since is RFC 3339 or UNIX seconds")?),
            "until" => q.until_ms = Some(parse_time(&v).ok_or("until is RFC 3339 or UNIX seconds")?),
            "page" => q.page = v.parse().map_err(|_| "page is a number from 0")?,
            "per_page" => {
                q.per_page = v.parse().map_err(|_| "per_page is a number from 1 to 100")?;
                if !(1..=100).contains(&q.per_page) {
                    return Err("per_page is a number from 1 to 100".into());
                }
            }
            other => return Err(format!("unknown parameter `{other}`")),
        }
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn audit_query_parsing() {
        let q = parse_audit_query("principal=a%40x&decision=denied&since=1700000000&page=2&per_page=10&resource=users")
            .unwrap();
        assert_eq!(q.principal.as_deref(), Some("a@x"));
        assert_eq!(q.decision, Some(Decision::Denied));
        assert_eq!((q.page, q.per_page, q.since_ms), (2, 10, Some(1_700_000_000_000)));
        assert!(parse_audit_query("per_page=1000").is_err());
        assert!(parse_audit_query("decision=maybe").is_err());
        assert!(parse_audit_query("resource=nope").is_err());
        assert!(parse_audit_query("bogus=1").is_err());
        assert_eq!(parse_audit_query("").unwrap().per_page, 50);
    }

    #[test]
    fn client_keys_are_stripped() {
        let body =
            br#"{"clients":[{"client_id":"a","client_secret":"s","signing_keys":[{"cert":"c"}],"name":"n"}]}"#.to_vec();
        let out: Value = serde_json::from_slice(&strip_client_keys(body)).unwrap();
        assert_eq!(out, json!({"clients": [{"client_id": "a", "name": "n"}]}));
        assert_eq!(strip_client_keys(b"{\"name\":1}".to_vec()), b"{\"name\":1}".to_vec());
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
