//! The audit log as the BFF writes and serves it: what a call is about
//! ([`Call`]), storing an entry before answering ([`audited`]), sign-in
//! events, the `/audit` endpoint and its export (`/audit/export`).
//!
//! An entry keeps the policy's [`Decision`] (allowed or denied) apart from
//! the [`Outcome`] (succeeded, failed upstream, or not sent), with the
//! tenant's error code when it refused, and says what changed in a
//! sentence that names the objects ([`crate::narrate`]).

use crate::app::Shared;
use crate::clock::{parse_time, rfc3339};
use crate::narrate::{self, Names};
use crate::policy::{Level, Target};
use crate::proxy::Found;
use crate::proxy::gate;
use crate::responses::{error, error_body, json_response};
use crate::store::{AuditQuery, AuditRecord, AuditStore, Decision, Outcome};
use crate::words::infinitive;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_model::operation::{Access, OperationSpec};
use gatehouse_model::policy::{access_of, group_of};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// What the audit log says about the request, known before it is decided.
///
/// Built by [`Call::for_op`] from the operation the request matched. Its
/// `phrase` starts as the table row's ("updating user auth0|1"), or the one
/// the model derives from the operation's name and path
/// ([`gatehouse_model::describe::phrase`]); once the
/// request body (and, after forwarding, the answer) is known, call
/// [`Call::narrate`] so that sentences built from `phrase` say what changed
/// ("blocking user ana@acme.test (auth0|1)").
pub(crate) struct Call {
    pub method: String,
    pub path: String,
    pub operation: Option<&'static str>,
    pub resource: Option<&'static str>,
    /// Path parameters by name, and the ids the bodies name (see [`AuditRecord::object`]).
    pub object: Value,
    /// What the call does, as a gerund phrase ("deleting user auth0|1").
    pub phrase: String,
    /// The table row, when the request matched one.
    spec: Option<&'static OperationSpec>,
    /// Its decoded path parameters.
    params: Vec<String>,
    /// Whether it changes something (a write), not only reads.
    change: bool,
    /// Whether it came as an MCP tool call (else over HTTP: see [`Via`]).
    pub mcp: bool,
}

/// How a call reached the BFF, as the audit log records it (`via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// An API key over HTTP (`/api`, `/audit`, `/approvals`).
    Api,
    /// A signed-in admin's session (the console).
    Console,
    /// An agent's MCP tool call (`/mcp`).
    Mcp,
}

impl Via {
    /// Every name, as the `via` filter of `/audit` takes them.
    pub const NAMES: [&'static str; 3] = ["api", "console", "mcp"];

    /// `api`, `console` or `mcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Console => "console",
            Self::Mcp => "mcp",
        }
    }

    /// The way a call of a principal of `kind` came: MCP when it was a
    /// tool call, the console for a session, else the HTTP API.
    pub fn of(mcp: bool, kind: &str) -> Self {
        match (mcp, kind) {
            (true, _) => Self::Mcp,
            (false, "user") => Self::Console,
            _ => Self::Api,
        }
    }
}

impl Call {
    /// What a request to `method path` is about; `found` is the operation it
    /// matched, with its parameters. The entry names the operation by its
    /// dotted name (`users.delete`) and its policy group (`users`).
    pub fn for_op(method: &str, path: &str, found: Option<&Found>) -> Self {
        match found {
            Some(Found { op, row, params }) => {
                let object: Map<String, Value> =
                    op.path_params().zip(params).map(|(n, v)| (n.to_owned(), Value::from(v.clone()))).collect();
                Self {
                    method: method.to_owned(),
                    path: path.to_owned(),
                    operation: Some(op.name),
                    resource: Some(group_of(op.name)),
                    object: Value::Object(object),
                    phrase: match row {
                        Some(spec) => spec.describe_with(params),
                        None => gatehouse_model::describe::phrase(op, params),
                    },
                    spec: *row,
                    params: params.clone(),
                    change: access_of(op) == Access::Write,
                    mcp: false,
                }
            }
            None => Self {
                method: method.to_owned(),
                path: path.to_owned(),
                operation: None,
                resource: None,
                object: json!({}),
                phrase: format!("calling {method} {path}"),
                spec: None,
                params: Vec::new(),
                change: !matches!(method, "GET" | "HEAD" | "OPTIONS"),
                mcp: false,
            },
        }
    }

    /// A call to one of the BFF's own endpoints, which only read.
    pub(crate) fn own(operation: &'static str, path: &str, phrase: &str) -> Self {
        Self::bff("GET", operation, crate::policy::AUDIT, path, phrase)
    }

    /// A call to one of the BFF's own endpoints guarding `resource` (a
    /// policy target such as `approvals`); a change unless it is a `GET`.
    pub(crate) fn bff(method: &str, operation: &'static str, resource: &'static str, path: &str, phrase: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            operation: Some(operation),
            resource: Some(resource),
            object: json!({}),
            phrase: phrase.to_owned(),
            spec: None,
            params: Vec::new(),
            change: method != "GET",
            mcp: false,
        }
    }

    /// The phrase as [`Call::narrate`] would make it from the request body
    /// alone, without changing the call: what an approval request shows.
    pub fn narrated(&self, request: Option<&Value>, names: &Names) -> String {
        match self.spec {
            Some(spec) => narrate::phrase(spec, &self.params, request, None, names),
            None => self.phrase.clone(),
        }
    }

    /// Says what the call changed, naming its objects: recomputes `phrase`
    /// with [`narrate::phrase`] and adds the ids the bodies name to `object`
    /// (so the audit log can be searched by them).
    ///
    /// `request` is the request body (secrets redacted is fine: they are
    /// named, never shown), `response` the tenant's answer when it
    /// succeeded (it names what was created), and `names` the labels the
    /// caller knows, such as the guard's lookups (user id → email, role id
    /// → name); [`Call::known_names`] adds those the BFF has seen. Call it
    /// before building sentences from `phrase`: once with the request body
    /// (for refusals) and again with the answer. A call outside the table
    /// keeps its phrase.
    pub fn narrate(&mut self, request: Option<&Value>, response: Option<&Value>, names: &Names) {
        let Some(spec) = self.spec else { return };
        self.phrase = narrate::phrase(spec, &self.params, request, response, names);
        if let Value::Object(object) = &mut self.object {
            object.extend(narrate::named_ids(spec, request, response));
        }
    }

    /// The labels the BFF has seen in earlier answers for the ids this call
    /// names (its path parameters and the id lists of `request`), merged
    /// under `names` (which win).
    pub fn known_names(&self, state: &Shared, request: Option<&Value>, names: &Names) -> Names {
        let mut known = match self.spec {
            Some(spec) => {
                let listed = narrate::named_ids(spec, request, None);
                let mut ids: Vec<&str> = self.params.iter().map(String::as_str).collect();
                let mut strings = Vec::new();
                for v in listed.values() {
                    collect_strings(v, &mut strings);
                }
                ids.extend(strings);
                state.labels.names_for(ids)
            }
            None => Names::new(),
        };
        known.extend(names.iter().map(|(k, v)| (k.clone(), v.clone())));
        known
    }

    /// The audit entry of this call. The outcome is derived from the
    /// decision and the status ([`Outcome::derive`]); a caller that knows
    /// better says so with [`AuditRecord::with_outcome`] (a request refused
    /// before forwarding is [`Outcome::NotSent`]) and
    /// [`AuditRecord::with_upstream_error`]. [`audited`] fills in what it
    /// can read from the response when the caller did not.
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
            outcome: Outcome::derive(decision, status),
            upstream_error: None,
            change: self.change,
            reason,
            status: Some(status),
            sentence,
            body: None,
            method: self.method.clone(),
            path: self.path.clone(),
            via: Some(Via::of(self.mcp, kind).as_str().to_owned()),
            approval: None,
        }
    }
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

/// Stores an audit entry before the response goes out. Fails closed: when
/// the entry cannot be stored, the answer is 503 (saying what happened).
///
/// For operations of the table it first completes the entry from the
/// response, where the caller did not: the tenant's error code of a
/// refused call, whether a failure was the BFF's own refusal (not sent),
/// and the narrated phrase of a change (see [`complete`]).
pub(crate) async fn audited(state: &Shared, record: AuditRecord, response: Response, started: Instant) -> Response {
    audited_id(state, record, response, started).await.0
}

/// [`audited`], also giving the stored entry's id (`None` when it could not be stored).
pub(crate) async fn audited_id(
    state: &Shared,
    mut record: AuditRecord,
    response: Response,
    started: Instant,
) -> (Response, Option<i64>) {
    record.time_ms = state.clock.now_ms();
    let op = record.operation.clone().unwrap_or_else(|| "unknown".into());
    let decision = record.decision.as_str();
    let status = response.status().as_u16();
    state.metrics.observe(&op, decision, status, started.elapsed().as_secs_f64());
    tracing::info!(
        principal = %record.principal,
        operation = %op,
        decision,
        outcome = record.outcome.as_str(),
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "{}",
        record.sentence
    );
    match state.audit.record(record).await {
        Ok(id) => (response, Some(id)),
        Err(e) => {
            tracing::error!(error = %e, "audit entry could not be stored");
            let response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "gatehouse_audit_unavailable",
                &format!("the audit log could not record this call (it was answered {status}); check before retrying"),
            );
            (response, None)
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
        outcome: Outcome::derive(decision, status),
        upstream_error: None,
        change: false,
        reason: None,
        status: Some(status),
        sentence: sentence.to_owned(),
        body: None,
        method: method.to_owned(),
        path: path.to_owned(),
        via: Some(Via::Console.as_str().to_owned()),
        approval: None,
    };
    state.metrics.observe(operation, decision.as_str(), status, 0.0);
    if let Err(e) = state.audit.record(record).await {
        tracing::error!(error = %e, "audit entry could not be stored");
    }
}

/// Authenticates a request for the audit log and checks that its principal
/// may read it. `Err` is the answer (audited when it is a denial).
async fn reader(
    state: &Shared,
    headers: &http::HeaderMap,
    call: &Call,
    started: Instant,
) -> Result<(String, &'static str), Response> {
    let principal = gate(state, headers, call, started).await?;
    let who = principal.name().to_owned();
    let kind = principal.kind();
    if principal.grants().level(Target::Audit) < Level::Read {
        return Err(denied_for(state, call, &who, kind, "audit:read", started).await);
    }
    Ok((who, kind))
}

/// Refuses a call of the BFF's own for a grant the principal lacks: 403
/// `gatehouse_denied` naming what is `missing`, recorded in the audit log.
pub(crate) async fn denied_for(
    state: &Shared,
    call: &Call,
    who: &str,
    kind: &str,
    missing: &str,
    started: Instant,
) -> Response {
    let message = format!("{who} may not {}: needs {missing}", infinitive(&call.phrase));
    let mut body = error_body(StatusCode::FORBIDDEN, "gatehouse_denied", &message);
    body["missing"] = Value::from(missing);
    let record = call.record(
        who,
        kind,
        Decision::Denied,
        Some(format!("needs {missing}")),
        403,
        format!("{who} was denied {}: needs {missing}", call.phrase),
    );
    audited(state, record, json_response(StatusCode::FORBIDDEN, &body), started).await
}

/// Answers a bad query with 400 and audits it.
async fn bad_query(state: &Shared, call: &Call, who: &str, kind: &str, e: QueryError, started: Instant) -> Response {
    let m = e.to_string();
    let mut body = error_body(StatusCode::BAD_REQUEST, "gatehouse_bad_query", &m);
    body["parameter"] = Value::from(e.parameter());
    let sentence = format!("{who} asked for the audit log with a bad query (400): {m}");
    let record = call.record(who, kind, Decision::Allowed, Some(m.clone()), 400, sentence);
    audited(state, record, json_response(StatusCode::BAD_REQUEST, &body), started).await
}

/// `GET /audit?principal=&resource=&decision=&outcome=&changes=&failures=&object=&q=&since=&until=&page=&per_page=`.
pub(crate) async fn audit(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::own("ReadAudit", request.uri().path(), "reading the audit log");
    let (who, kind) = match reader(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let q = match parse_audit_query(request.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return bad_query(&state, &call, &who, kind, e, started).await,
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

/// An export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    /// Comma-separated values, one header row then one row per entry.
    Csv,
    /// JSON lines: one entry (as `/audit` shows it) per line.
    Jsonl,
}

impl ExportFormat {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            _ => None,
        }
    }

    /// How a sentence names it.
    fn label(self) -> &'static str {
        match self {
            Self::Csv => "CSV",
            Self::Jsonl => "JSON lines",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Jsonl => "application/x-ndjson",
        }
    }
}

/// Entries read from the store per step of an export.
const EXPORT_BATCH: u32 = 500;

/// `GET /audit/export?format=csv|jsonl&<the filters of /audit>`: every
/// matching entry, newest first, as a file to download.
///
/// The export covers the log as it was when asked (entries up to the newest
/// id then), and is itself audited, with the number of entries, before
/// anything is sent. It streams: the store is read [`EXPORT_BATCH`] entries
/// at a time, on a blocking thread, only as fast as the client reads.
pub(crate) async fn export(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::own("ExportAudit", request.uri().path(), "exporting the audit log");
    let (who, kind) = match reader(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let raw = request.uri().query().unwrap_or("").to_owned();
    let (format, mut q) = match parse_export_query(&raw) {
        Ok(x) => x,
        Err(e) => return bad_query(&state, &call, &who, kind, e, started).await,
    };
    let store = state.audit.clone();
    let counted = {
        let q = q.clone();
        tokio::task::spawn_blocking(move || {
            let newest =
                store.query(&AuditQuery { per_page: 1, ..AuditQuery::default() })?.entries.first().map(|e| e.id);
            let q = AuditQuery { before_id: Some(newest.unwrap_or(0).saturating_add(1)), per_page: 1, ..q };
            store.query(&q).map(|page| (q.before_id, page.total))
        })
        .await
    };
    let total = match counted {
        Ok(Ok((before, total))) => {
            q.before_id = before;
            total
        }
        Ok(Err(e)) => return storage_failure(&state, &call, &who, kind, &e.to_string(), started).await,
        Err(e) => return storage_failure(&state, &call, &who, kind, &e.to_string(), started).await,
    };
    let now = state.clock.now_ms();
    let filename = format!("gatehouse-audit-{}.{}", compact_time(now), format.extension());
    let mut response = Response::new(export_body(state.audit.clone(), q, format));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    let filters = describe_filters(&raw);
    let entries = if total == 1 { "1 entry".to_owned() } else { format!("{total} entries") };
    let sentence = match filters {
        Some(f) => format!("{who} exported the audit log as {} ({entries}; {f})", format.label()),
        None => format!("{who} exported the audit log as {} ({entries})", format.label()),
    };
    let record = call.record(&who, kind, Decision::Allowed, None, 200, sentence);
    audited(&state, record, response, started).await
}

async fn storage_failure(state: &Shared, call: &Call, who: &str, kind: &str, e: &str, started: Instant) -> Response {
    tracing::error!(error = %e, "audit export failed");
    let response = error(StatusCode::INTERNAL_SERVER_ERROR, "gatehouse_storage", "the audit log could not be read");
    let record = call.record(
        who,
        kind,
        Decision::Allowed,
        Some("storage error".into()),
        500,
        format!("{who} tried exporting the audit log, but it could not be read (500)"),
    );
    audited(state, record, response, started).await
}

/// The streamed file: it starts reading the store only once the client reads.
fn export_body(store: Arc<dyn AuditStore>, q: AuditQuery, format: ExportFormat) -> Body {
    type Chunk = Result<Bytes, std::io::Error>;
    struct Pending {
        store: Arc<dyn AuditStore>,
        q: AuditQuery,
        format: ExportFormat,
    }
    let start: (Option<Pending>, Option<tokio::sync::mpsc::Receiver<Chunk>>) =
        (Some(Pending { store, q, format }), None);
    let stream = futures::stream::unfold(start, |(mut pending, mut rx)| async move {
        if let Some(p) = pending.take() {
            let (tx, receiver) = tokio::sync::mpsc::channel::<Chunk>(2);
            tokio::task::spawn_blocking(move || produce(&*p.store, p.q, p.format, &tx));
            rx = Some(receiver);
        }
        let item = rx.as_mut()?.recv().await?;
        Some((item, (pending, rx)))
    });
    Body::from_stream(stream)
}

/// Reads every entry matching `q` and sends the file in chunks; stops when
/// the client goes away. A storage failure ends the body with an error, so
/// the download is visibly cut short rather than silently incomplete.
fn produce(
    store: &dyn AuditStore,
    mut q: AuditQuery,
    format: ExportFormat,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut first = true;
    loop {
        let batch = match store.scan(&q, EXPORT_BATCH) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "audit export failed while streaming");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
                return;
            }
        };
        let chunk = match encode(format, &batch, first) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "audit export could not be encoded");
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        first = false;
        if !chunk.is_empty() && tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return;
        }
        match batch.last() {
            Some(last) if batch.len() == EXPORT_BATCH as usize => q.before_id = Some(last.id),
            _ => return,
        }
    }
}

/// The columns of the CSV export, in order.
pub(crate) const CSV_COLUMNS: [&str; 19] = [
    "id",
    "time",
    "principal",
    "principal_kind",
    "decision",
    "outcome",
    "status",
    "upstream_error",
    "change",
    "operation",
    "resource",
    "object",
    "method",
    "path",
    "reason",
    "sentence",
    "body",
    "via",
    "approval",
];

/// Entries in the export's format; `header` adds the CSV header row.
fn encode(format: ExportFormat, entries: &[AuditRecord], header: bool) -> Result<Vec<u8>, std::io::Error> {
    match format {
        ExportFormat::Jsonl => {
            let mut out = Vec::new();
            for e in entries {
                serde_json::to_writer(&mut out, &e.to_json())?;
                out.push(b'\n');
            }
            Ok(out)
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let io = |e: csv::Error| std::io::Error::other(e.to_string());
            if header {
                w.write_record(CSV_COLUMNS).map_err(io)?;
            }
            for e in entries {
                let json = |v: &Value| serde_json::to_string(v).unwrap_or_default();
                w.write_record([
                    e.id.to_string(),
                    rfc3339(e.time_ms),
                    cell(&e.principal),
                    cell(&e.principal_kind),
                    e.decision.as_str().to_owned(),
                    e.outcome.as_str().to_owned(),
                    e.status.map(|s| s.to_string()).unwrap_or_default(),
                    cell(e.upstream_error.as_deref().unwrap_or("")),
                    e.change.to_string(),
                    cell(e.operation.as_deref().unwrap_or("")),
                    cell(e.resource.as_deref().unwrap_or("")),
                    cell(&json(&e.object)),
                    cell(&e.method),
                    cell(&e.path),
                    cell(e.reason.as_deref().unwrap_or("")),
                    cell(&e.sentence),
                    e.body.as_ref().map(|b| cell(&json(b))).unwrap_or_default(),
                    cell(e.via.as_deref().unwrap_or("")),
                    cell(e.approval.as_deref().unwrap_or("")),
                ])
                .map_err(io)?;
            }
            w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
        }
    }
}

/// A text cell a spreadsheet will not run as a formula: one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (the OWASP advice for CSV exports). Quoting is the CSV writer's.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// `20240102T030405Z`: a time for file names.
fn compact_time(ms: i64) -> String {
    let t = rfc3339(ms);
    let whole = t.split(['.', 'Z']).next().unwrap_or(&t);
    let mut out: String = whole.chars().filter(|c| *c != '-' && *c != ':').collect();
    out.push('Z');
    out
}

/// The filters of an export's query, for its sentence: `changes=true, principal=a@x`.
fn describe_filters(raw: &str) -> Option<String> {
    let parts: Vec<String> = url::form_urlencoded::parse(raw.as_bytes())
        .filter(|(k, v)| k != "format" && !v.trim().is_empty())
        .map(|(k, v)| {
            let clean = |s: &str| s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(100).collect::<String>();
            format!("{}={}", clean(&k), clean(v.trim()))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A parameter of `/audit` or `/audit/export` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum QueryError {
    /// A parameter neither endpoint knows.
    #[error("unknown parameter `{0}`")]
    Unknown(String),
    /// A resource the policy does not name.
    #[error("`{0}` is not a resource")]
    NotAResource(String),
    /// A value of the wrong form.
    #[error("{param} is {expected}")]
    Invalid {
        /// The parameter.
        param: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

impl QueryError {
    /// The parameter at fault.
    fn parameter(&self) -> String {
        match self {
            Self::Unknown(p) => p.clone(),
            Self::NotAResource(_) => "resource".into(),
            Self::Invalid { param, .. } => (*param).into(),
        }
    }
}

/// Longest text of the `q` and `object` filters.
const MAX_FILTER_TEXT: usize = 200;

/// The filters and paging of `GET /audit`.
pub(crate) fn parse_audit_query(raw: &str) -> Result<AuditQuery, QueryError> {
    parse_query(raw, None)
}

/// The format and filters of `GET /audit/export` (paging is ignored: it exports everything).
pub(crate) fn parse_export_query(raw: &str) -> Result<(ExportFormat, AuditQuery), QueryError> {
    let mut format = None;
    let q = parse_query(raw, Some(&mut format))?;
    let format = format.ok_or(QueryError::Invalid { param: "format", expected: "csv or jsonl" })?;
    Ok((format, q))
}

fn parse_query(raw: &str, mut format: Option<&mut Option<ExportFormat>>) -> Result<AuditQuery, QueryError> {
    let invalid = |param, expected| QueryError::Invalid { param, expected };
    let flag = |param, v: &str| match v {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(param, "true or false")),
    };
    let text = |param, v: String| {
        if v.chars().count() > MAX_FILTER_TEXT { Err(invalid(param, "at most 200 characters")) } else { Ok(v) }
    };
    let mut q = AuditQuery { per_page: 50, ..AuditQuery::default() };
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim().to_owned();
        if v.is_empty() {
            continue;
        }
        match k.as_ref() {
            "principal" => q.principal = Some(text("principal", v)?),
            "resource" => {
                if Target::parse(&v).is_none() {
                    return Err(QueryError::NotAResource(v));
                }
                q.resource = Some(v);
            }
            "decision" => {
                q.decision = Some(match v.as_str() {
                    "allowed" => Decision::Allowed,
                    "denied" => Decision::Denied,
                    _ => return Err(invalid("decision", "allowed or denied")),
                });
            }
            "outcome" => {
                q.outcome = Some(Outcome::parse(&v).ok_or(invalid("outcome", "succeeded, failed or not_sent"))?);
            }
            "changes" => q.changes_only = flag("changes", &v)?,
            "failures" => q.failures_only = flag("failures", &v)?,
            "object" => q.object = Some(text("object", v)?),
            "approval" => q.approval = Some(text("approval", v)?),
            "via" => {
                if !Via::NAMES.contains(&v.as_str()) {
                    return Err(invalid("via", "api, console or mcp"));
                }
                q.via = Some(v);
            }
            "q" => q.text = Some(text("q", v)?),
            "since" => q.since_ms = Some(parse_time(&v).ok_or(invalid("since", "RFC 3339 or UNIX seconds"))?),
            "until" => q.until_ms = Some(parse_time(&v).ok_or(invalid("until", "RFC 3339 or UNIX seconds"))?),
            "page" => q.page = v.parse().map_err(|_| invalid("page", "a number from 0"))?,
            "per_page" => {
                q.per_page = v.parse().map_err(|_| invalid("per_page", "a number from 1 to 100"))?;
                if !(1..=100).contains(&q.per_page) {
                    return Err(invalid("per_page", "a number from 1 to 100"));
                }
            }
            "format" if format.is_some() => {
                if let Some(f) = format.as_deref_mut() {
                    *f = Some(ExportFormat::parse(&v).ok_or(invalid("format", "csv or jsonl"))?);
                }
            }
            other => return Err(QueryError::Unknown(other.to_owned())),
        }
    }
    if let (Some(s), Some(u)) = (q.since_ms, q.until_ms)
        && u <= s
    {
        return Err(invalid("until", "later than since"));
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

    #[test]
    fn new_filters_parse_and_bad_values_say_what_is_expected() {
        let q = parse_audit_query("changes=true&failures=1&outcome=failed&object=auth0%7C1&q=blocked+user").unwrap();
        assert!(q.changes_only && q.failures_only);
        assert_eq!(q.outcome, Some(Outcome::Failed));
        assert_eq!(q.object.as_deref(), Some("auth0|1"));
        assert_eq!(q.text.as_deref(), Some("blocked user"));
        assert!(!parse_audit_query("changes=false").unwrap().changes_only);
        let e = parse_audit_query("changes=maybe").unwrap_err();
        assert_eq!(e.to_string(), "changes is true or false");
        assert_eq!(e.parameter(), "changes");
        assert_eq!(
            parse_audit_query("outcome=ok").unwrap_err().to_string(),
            "outcome is succeeded, failed or not_sent"
        );
        assert_eq!(
            parse_audit_query("since=1700000100&until=1700000000").unwrap_err().to_string(),
            "until is later than since"
        );
        assert!(parse_audit_query(&format!("q={}", "x".repeat(201))).is_err());
        assert_eq!(parse_audit_query("format=csv").unwrap_err(), QueryError::Unknown("format".into()));
    }

    #[test]
    fn export_query_needs_a_format() {
        let (f, q) = parse_export_query("format=csv&changes=true").unwrap();
        assert_eq!(f, ExportFormat::Csv);
        assert!(q.changes_only);
        assert_eq!(parse_export_query("format=jsonl").unwrap().0, ExportFormat::Jsonl);
        assert_eq!(parse_export_query("changes=true").unwrap_err().to_string(), "format is csv or jsonl");
        assert_eq!(parse_export_query("format=xml").unwrap_err().to_string(), "format is csv or jsonl");
    }

    fn entry(sentence: &str) -> AuditRecord {
        AuditRecord {
            id: 7,
            time_ms: 1_700_000_000_123,
            principal: "a@x".into(),
            principal_kind: "user".into(),
            operation: Some("UpdateUser".into()),
            resource: Some("users".into()),
            object: json!({"id": "auth0|1"}),
            decision: Decision::Allowed,
            outcome: Outcome::Failed,
            upstream_error: Some("inexistent_user".into()),
            change: true,
            reason: Some("upstream 404".into()),
            status: Some(404),
            sentence: sentence.into(),
            body: Some(json!({"blocked": true})),
            method: "PATCH".into(),
            path: "/api/v2/users/auth0%7C1".into(),
            via: Some("mcp".into()),
            approval: Some("apr_x".into()),
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let bytes =
            encode(ExportFormat::Csv, &[entry("a@x said \"hi\", then\nleft"), entry("=HYPERLINK(\"x\")")], true)
                .unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][15], "a@x said \"hi\", then\nleft");
        assert_eq!(&rows[1][15], "'=HYPERLINK(\"x\")");
        assert_eq!(&rows[0][1], "2023-11-14T22:13:20.123Z");
        assert_eq!(
            (&rows[0][4], &rows[0][5], &rows[0][6], &rows[0][7]),
            ("allowed", "failed", "404", "inexistent_user")
        );
        assert_eq!(&rows[0][11], r#"{"id":"auth0|1"}"#);
        assert!(encode(ExportFormat::Csv, &[entry("x")], false).unwrap().starts_with(b"7,"));
    }

    #[test]
    fn jsonl_is_one_object_a_line() {
        let bytes = encode(ExportFormat::Jsonl, &[entry("one\ntwo"), entry("three")], true).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["sentence"], "one\ntwo");
        assert_eq!(lines[0]["outcome"], "failed");
        assert_eq!(lines[0]["upstreamError"], "inexistent_user");
        assert_eq!(lines[0]["time"], "2023-11-14T22:13:20.123Z");
    }

    #[test]
    fn file_names_and_filter_descriptions() {
        assert_eq!(compact_time(1_700_000_000_123), "20231114T221320Z");
        assert_eq!(describe_filters("format=csv"), None);
        assert_eq!(
            describe_filters("format=csv&changes=true&principal=a%40x&q=%0Aevil").as_deref(),
            Some("changes=true, principal=a@x, q=evil")
        );
    }

    #[test]
    fn outcome_from_decision_and_status() {
        let call = Call::for_op("DELETE", "/api/v2/users/x", None);
        let r = |d, s| call.record("a", "user", d, None, s, String::new());
        assert_eq!(r(Decision::Allowed, 204).outcome, Outcome::Succeeded);
        assert_eq!(r(Decision::Allowed, 404).outcome, Outcome::Failed);
        assert_eq!(r(Decision::Denied, 403).outcome, Outcome::NotSent);
        assert!(r(Decision::Allowed, 204).change, "a DELETE changes something");
        let failed = r(Decision::Allowed, 409).with_upstream_error("auth0_idp_error");
        assert_eq!((failed.outcome, failed.upstream_error.as_deref()), (Outcome::Failed, Some("auth0_idp_error")));
    }
}
