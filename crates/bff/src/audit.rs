//! The audit log as the BFF writes and serves it: what a call is about
//! ([`Call`]), storing an entry before answering ([`audited`]), sign-in
//! events, and the `/audit` endpoint.

use crate::app::Shared;
use crate::clock::parse_time;
use crate::policy::{Level, Target};
use crate::proxy::gate;
use crate::responses::{error, error_body, json_response};
use crate::store::{AuditQuery, AuditRecord, Decision};
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_model::operation::OperationSpec;
use http::StatusCode;
use serde_json::{Map, Value, json};
use std::time::Instant;

/// What the audit log says about the request, known before it is decided.
pub(crate) struct Call {
    pub method: String,
    pub path: String,
    pub operation: Option<&'static str>,
    pub resource: Option<&'static str>,
    pub object: Value,
    pub phrase: String,
}

impl Call {
    pub fn for_op(method: &str, path: &str, found: Option<&(&'static OperationSpec, Vec<String>)>) -> Self {
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

    pub fn record(
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
pub(crate) async fn audited(state: &Shared, mut record: AuditRecord, response: Response, started: Instant) -> Response {
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

}
