//! Approvals: calls that run only once a human says yes.
//!
//! A principal holding `approve` on an operation that writes
//! ([`gatehouse_model::policy::Permission::AfterApproval`]) has its call
//! checked like any other (policy, share, body, escalation guard); then,
//! instead of forwarding it, the proxy's pipeline hands it to
//! [`Approvals::wait_for`], which records an approval request (who asks,
//! the operation and its parameters, the sentence the audit log would
//! use, the redacted body and, for an update, what would change) and waits
//! for a decision:
//!
//! - approved: the call goes on and is forwarded;
//! - denied, or no decision within `[approvals] timeout_secs`: the call
//!   ends with 403 (`gatehouse_approval_denied`, `gatehouse_approval_timeout`);
//! - the caller goes away (its future is dropped): the request is marked
//!   `cancelled` and that is audited.
//!
//! A decision made by this instance wakes the waiting call at once (a
//! `watch` channel); one made by another instance sharing the database is
//! seen by the waiting call's poll of the store ([`POLL`]).
//!
//! `GET /approvals`, `GET /approvals/{id}` and `POST /approvals/{id}` are
//! here too. Seeing requests needs `approvals:read`; deciding needs
//! `approvals:full`, never on one's own request, and only for a decider
//! who could make the call themself (`full` on the operation). A decision
//! is audited as its own entry; the call's entry links to the request
//! (`approval`) and the request to it (`auditId`). Successful reads of the
//! list are not audited (the console polls it); refusals are.
//!
//! Storage is behind [`ApprovalStore`] (SQLite today, in the BFF's
//! database: the table comes from [`crate::store`]'s migrations).

use crate::app::{Principal, Shared};
use crate::audit::{Call, Via, audited, audited_id};
use crate::clock::{Clock, rfc3339};
use crate::narrate::Names;
use crate::policy::{Level, Target};
use crate::proxy::gate;
use crate::responses::{error_body, json_response};
use crate::security::redact;
use crate::store::{AuditRecord, Decision, Outcome, StoreError};
use crate::words::infinitive;
use axum::extract::{Path as AxPath, Request, State};
use axum::response::Response;
use gatehouse_model::catalog::{self, CATALOG, OpDesc};
use gatehouse_model::operation::Verb;
use gatehouse_model::policy::Permission;
use http::StatusCode;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a waiting call reads its request again, to see a decision
/// made by another instance.
pub(crate) const POLL: Duration = Duration::from_secs(1);

/// Longest reason a decider may give, in characters.
pub(crate) const MAX_REASON: usize = 500;

/// Where an approval request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Waiting for a decision.
    Pending,
    /// Approved: the call ran (or is running).
    Approved,
    /// Denied by a human.
    Denied,
    /// No decision came in time.
    Expired,
    /// The caller stopped waiting.
    Cancelled,
}

impl Status {
    const ALL: [Status; 5] = [Self::Pending, Self::Approved, Self::Denied, Self::Expired, Self::Cancelled];

    /// `pending`, `approved`, `denied`, `expired` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status named by [`Status::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One approval request, as stored and as `/approvals` shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Approval {
    /// `apr_` and a random part.
    pub id: String,
    pub status: Status,
    /// The API key's name or the admin's email.
    pub principal: String,
    /// `api_key` or `user`.
    pub principal_kind: String,
    /// How the call came: `api`, `console` or `mcp`.
    pub via: String,
    /// The operation's dotted name.
    pub operation: String,
    pub method: String,
    /// The raw path called.
    pub path: String,
    /// Path parameters by name.
    pub params: Value,
    /// "demo-agent asks to delete user ana@acme.test (auth0|1)".
    pub sentence: String,
    /// The request body, secrets redacted.
    pub body: Option<Value>,
    /// For an update: `[{field, before, after}]` for each field the body sets.
    pub changes: Option<Value>,
    pub requested_ms: i64,
    pub expires_ms: i64,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
    pub reason: Option<String>,
    /// The call's own audit entry, once it has run or been refused.
    pub audit_id: Option<i64>,
}

impl Approval {
    /// The request as the HTTP API shows it (camelCase, RFC 3339 times).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "principal": self.principal,
            "principalKind": self.principal_kind,
            "via": self.via,
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "params": self.params,
            "sentence": self.sentence,
            "body": self.body,
            "changes": self.changes,
            "requestedAt": rfc3339(self.requested_ms),
            "expiresAt": rfc3339(self.expires_ms),
            "decidedBy": self.decided_by,
            "decidedAt": self.decided_ms.map(rfc3339),
            "reason": self.reason,
            "auditId": self.audit_id,
        })
    }

    /// What is asked, without who asks: "delete user ana@acme.test (auth0|1)".
    pub fn action(&self) -> &str {
        self.sentence.strip_prefix(&format!("{} asks to ", self.principal)).unwrap_or(&self.sentence)
    }
}

/// Where approval requests are kept. SQLite ([`SqliteApprovals`]) in the
/// BFF's database; another database implements the same few steps.
pub(crate) trait ApprovalStore: Send + Sync + 'static {
    /// Stores a new request.
    fn insert(&self, a: &Approval) -> Result<(), StoreError>;
    /// The request with this id.
    fn get(&self, id: &str) -> Result<Option<Approval>, StoreError>;
    /// Up to `limit` requests, newest first, of one status or all.
    fn list(&self, status: Option<Status>, limit: u32) -> Result<Vec<Approval>, StoreError>;
    /// How many requests are pending, of one principal or all.
    fn count_pending(&self, principal: Option<&str>) -> Result<u64, StoreError>;
    /// Closes a pending request (decided, expired or cancelled) and returns
    /// it as it now is; `None` when it was not pending (someone else closed
    /// it first), so that exactly one closing wins.
    fn close(
        &self,
        id: &str,
        status: Status,
        decided_by: Option<&str>,
        at_ms: i64,
        reason: Option<&str>,
    ) -> Result<Option<Approval>, StoreError>;
    /// Links the call's audit entry to its request.
    fn link_audit(&self, id: &str, audit_id: i64) -> Result<(), StoreError>;
    /// Expires the requests still pending that expired before `before_ms`:
    /// those whose waiting call is gone with its instance (a crash, a
    /// restart). Returns how many.
    fn expire_overdue(&self, before_ms: i64, reason: &str) -> Result<usize, StoreError>;
}

/// The SQLite approval store (the `approvals` table).
#[derive(Debug)]
pub(crate) struct SqliteApprovals {
    conn: Mutex<Connection>,
}

impl SqliteApprovals {
    /// Opens the store in the database at `path` (migrating it if needed).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self { conn: Mutex::new(crate::store::open(path)?) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

const COLUMNS: &str = "id, status, principal, principal_kind, via, operation, method, path, params, sentence, body, \
                       changes, requested_ms, expires_ms, decided_by, decided_ms, reason, audit_id";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Approval, StoreError>> {
    let status: String = r.get(1)?;
    let params: String = r.get(8)?;
    let body: Option<String> = r.get(10)?;
    let changes: Option<String> = r.get(11)?;
    let json = |s: &str| serde_json::from_str::<Value>(s).map_err(StoreError::from);
    let build = || -> Result<Approval, StoreError> {
        Ok(Approval {
            id: r.get(0)?,
            status: Status::parse(&status).unwrap_or(Status::Expired),
            principal: r.get(2)?,
            principal_kind: r.get(3)?,
            via: r.get(4)?,
            operation: r.get(5)?,
            method: r.get(6)?,
            path: r.get(7)?,
            params: json(&params)?,
            sentence: r.get(9)?,
            body: body.as_deref().map(json).transpose()?,
            changes: changes.as_deref().map(json).transpose()?,
            requested_ms: r.get(12)?,
            expires_ms: r.get(13)?,
            decided_by: r.get(14)?,
            decided_ms: r.get(15)?,
            reason: r.get(16)?,
            audit_id: r.get(17)?,
        })
    };
    Ok(build())
}

impl ApprovalStore for SqliteApprovals {
    fn insert(&self, a: &Approval) -> Result<(), StoreError> {
        let text = |v: &Option<Value>| v.as_ref().map(serde_json::to_string).transpose();
        self.conn().execute(
            &format!("INSERT INTO approvals ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
            params![
                a.id,
                a.status.as_str(),
                a.principal,
                a.principal_kind,
                a.via,
                a.operation,
                a.method,
                a.path,
                serde_json::to_string(&a.params)?,
                a.sentence,
                text(&a.body)?,
                text(&a.changes)?,
                a.requested_ms,
                a.expires_ms,
                a.decided_by,
                a.decided_ms,
                a.reason,
                a.audit_id,
            ],
        )?;
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<Approval>, StoreError> {
        let conn = self.conn();
        let row = conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"))?
            .query_row(params![id], read_row)
            .optional()?;
        row.transpose()
    }

    fn list(&self, status: Option<Status>, limit: u32) -> Result<Vec<Approval>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM approvals WHERE ?1 IS NULL OR status = ?1
             ORDER BY requested_ms DESC, rowid DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![status.map(Status::as_str), limit], read_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    fn count_pending(&self, principal: Option<&str>) -> Result<u64, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND (?1 IS NULL OR principal = ?1)",
            params![principal],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn close(
        &self,
        id: &str,
        status: Status,
        decided_by: Option<&str>,
        at_ms: i64,
        reason: Option<&str>,
    ) -> Result<Option<Approval>, StoreError> {
        let changed = self.conn().execute(
            "UPDATE approvals SET status = ?2, decided_by = ?3, decided_ms = ?4, reason = ?5
             WHERE id = ?1 AND status = 'pending'",
            params![id, status.as_str(), decided_by, at_ms, reason],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        self.get(id)
    }

    fn link_audit(&self, id: &str, audit_id: i64) -> Result<(), StoreError> {
        self.conn().execute("UPDATE approvals SET audit_id = ?2 WHERE id = ?1", params![id, audit_id])?;
        Ok(())
    }

    fn expire_overdue(&self, before_ms: i64, reason: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE approvals SET status = 'expired', decided_ms = expires_ms, reason = ?2
             WHERE status = 'pending' AND expires_ms < ?1",
            params![before_ms, reason],
        )?)
    }
}

/// The approvals of one BFF: the store, the wake-up of waiting calls and
/// the configured limits.
pub(crate) struct Approvals {
    store: Arc<dyn ApprovalStore>,
    /// Bumped whenever this instance closes a request: waiting calls wake.
    changed: tokio::sync::watch::Sender<u64>,
    timeout: Duration,
    max_pending: u32,
}

/// Why a call that needed an approval does not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    /// A human said no.
    #[error("{by} denied the request")]
    Denied { approval: Approval, by: String, reason: Option<String> },
    /// No decision came in time.
    #[error("no decision came within {} s", .timeout.as_secs())]
    Expired { approval: Approval, timeout: Duration },
    /// The principal already has as many requests waiting as it may.
    #[error("{pending} requests are already waiting for approval (at most {limit})")]
    TooMany { pending: u64, limit: u32 },
    /// The store failed: nothing was sent.
    #[error("the approval requests could not be stored or read: {0}")]
    Store(#[from] StoreError),
}

/// What the proxy knows of a call needing approval when it asks for one.
pub(crate) struct Ask<'a> {
    pub principal: &'a Principal,
    pub call: &'a Call,
    pub op: &'static OpDesc,
    pub params: &'a [String],
    /// The request body, secrets redacted.
    pub body: Option<&'a Value>,
    /// Names the guard looked up, for the sentence.
    pub names: &'a Names,
}

impl Approvals {
    /// Approvals kept in `store`.
    pub fn new(store: Arc<dyn ApprovalStore>, config: crate::config::ApprovalsConfig) -> Self {
        Self {
            store,
            changed: tokio::sync::watch::channel(0).0,
            timeout: Duration::from_secs(config.timeout_secs.max(1)),
            max_pending: config.max_pending.max(1),
        }
    }

    /// How long a call waits for a decision.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Expires requests left pending by a waiting call that is gone (its
    /// instance stopped): those past their expiry by more than a grace of
    /// a few polls, so that a live waiter always closes its own first.
    fn sweep(&self, now_ms: i64) -> Result<(), StoreError> {
        let grace = i64::try_from((POLL * 5).as_millis()).unwrap_or(5_000);
        let n = self.store.expire_overdue(now_ms - grace, "no one was waiting for it any more")?;
        if n > 0 {
            tracing::info!(expired = n, "approval requests left pending by a stopped instance expired");
        }
        Ok(())
    }

    fn wake(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Records an approval request for a call and waits for its decision:
    /// `Ok` with the approved request (the call may go on), or why not.
    /// Dropping the future while it waits cancels the request.
    pub async fn wait_for(&self, state: &Shared, ask: Ask<'_>) -> Result<Approval, Refused> {
        let who = ask.principal.name();
        self.sweep(state.clock.now_ms())?;
        let pending = self.store.count_pending(Some(who))?;
        if pending >= u64::from(self.max_pending) {
            return Err(Refused::TooMany { pending, limit: self.max_pending });
        }
        let names = ask.call.known_names(state, ask.body, ask.names);
        let action = infinitive(&ask.call.narrated(ask.body, &names));
        let now = state.clock.now_ms();
        let params: Map<String, Value> =
            ask.op.path_params().zip(ask.params).map(|(n, v)| (n.to_owned(), Value::from(v.as_str()))).collect();
        let approval = Approval {
            id: format!("apr_{}", &crate::security::random_token()[..24]),
            status: Status::Pending,
            principal: who.to_owned(),
            principal_kind: ask.principal.kind().to_owned(),
            via: Via::of(ask.call.mcp, ask.principal.kind()).as_str().to_owned(),
            operation: ask.op.name.to_owned(),
            method: ask.call.method.clone(),
            path: ask.call.path.clone(),
            params: Value::Object(params),
            sentence: format!("{who} asks to {action}"),
            body: ask.body.cloned(),
            changes: changes(state, ask.op, ask.params, ask.body).await,
            requested_ms: now,
            expires_ms: now.saturating_add(i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX)),
            decided_by: None,
            decided_ms: None,
            reason: None,
            audit_id: None,
        };
        self.store.insert(&approval)?;
        tracing::info!(approval = %approval.id, principal = %who, operation = ask.op.name, "waiting for approval");
        // Should the caller go away while this waits, the guard cancels the
        // request (and audits that) when the future is dropped.
        let gone = ask
            .call
            .record(
                who,
                ask.principal.kind(),
                Decision::Allowed,
                Some("the caller stopped waiting for approval".to_owned()),
                499,
                format!("{who} stopped waiting for approval to {action}; nothing was sent"),
            )
            .with_outcome(Outcome::NotSent);
        let mut guard = CancelOnDrop { state: state.clone(), id: approval.id.clone(), record: Some(gone) };
        let result = self.wait(state.clock.as_ref(), &approval.id).await;
        guard.record = None;
        match result? {
            a if a.status == Status::Approved => Ok(a),
            a if a.status == Status::Denied => Err(Refused::Denied {
                by: a.decided_by.clone().unwrap_or_default(),
                reason: a.reason.clone(),
                approval: a,
            }),
            a => Err(Refused::Expired { approval: a, timeout: self.timeout }),
        }
    }

    /// Waits until the request is closed, or expires it at the timeout.
    async fn wait(&self, clock: &dyn Clock, id: &str) -> Result<Approval, StoreError> {
        let mut woken = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            if let Some(a) = self.store.get(id)?.filter(|a| a.status != Status::Pending) {
                return Ok(a);
            }
            tokio::select! {
                _ = woken.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = tokio::time::sleep_until(deadline) => {
                    let now = clock.now_ms();
                    let reason = format!("no decision within {} s", self.timeout.as_secs());
                    // A decision that came at the same moment wins: closing finds it closed.
                    if let Some(a) = self.store.close(id, Status::Expired, None, now, Some(&reason))? {
                        self.wake();
                        return Ok(a);
                    }
                }
            }
        }
    }

    /// Links the call's audit entry to its request.
    pub fn link_audit(&self, id: &str, audit_id: i64) {
        if let Err(e) = self.store.link_audit(id, audit_id) {
            tracing::warn!(error = %e, approval = id, "the approval could not be linked to its audit entry");
        }
    }
}

/// Cancels a pending request when the call waiting for it is dropped (the
/// caller went away), and audits that; disarmed by taking `record`.
struct CancelOnDrop {
    state: Shared,
    id: String,
    /// The audit entry to write if the request is cancelled.
    record: Option<AuditRecord>,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(mut record) = self.record.take() else { return };
        let approvals = &self.state.approvals;
        let now = self.state.clock.now_ms();
        match approvals.store.close(&self.id, Status::Cancelled, None, now, Some("the caller stopped waiting")) {
            Ok(Some(_)) => approvals.wake(),
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, approval = %self.id, "a cancelled approval could not be marked");
                return;
            }
        }
        record.approval = Some(self.id.clone());
        let (state, id) = (self.state.clone(), self.id.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                record.time_ms = state.clock.now_ms();
                match state.audit.record(record).await {
                    Ok(audit_id) => state.approvals.link_audit(&id, audit_id),
                    Err(e) => tracing::error!(error = %e, "audit entry could not be stored"),
                }
            });
        }
    }
}

/// For an update of one object (`PATCH`/`PUT` with a `GET` at the same
/// path): each field the body sets with its current value, read through
/// the shared client (secrets redacted). `None` for other calls, or when
/// the object could not be read (the request then says nothing of it).
async fn changes(state: &Shared, op: &'static OpDesc, params: &[String], body: Option<&Value>) -> Option<Value> {
    let fields = body?.as_object()?;
    if !matches!(op.verb, Verb::Patch | Verb::Put) {
        return None;
    }
    let get = CATALOG.iter().copied().find(|o| o.verb == Verb::Get && o.path == op.path && o.api == op.api)?;
    let refs: Vec<&str> = params.iter().map(String::as_str).collect();
    let path = gatehouse_model::path::fill(get.path, &refs).ok()?;
    let current = match state.upstream.send(get, path, None).await {
        Ok(r) if r.status().is_success() => {
            let body = crate::proxy::strip_secrets(get, r.into_body());
            serde_json::from_slice::<Value>(&body).ok().map(|v| redact(&v))?
        }
        Ok(r) => {
            tracing::info!(status = r.status().as_u16(), operation = get.name, "no current values for an approval");
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, operation = get.name, "no current values for an approval");
            return None;
        }
    };
    let list = fields
        .iter()
        .map(|(field, after)| {
            let before = current.get(field).cloned().unwrap_or(Value::Null);
            json!({"field": field, "before": before, "after": after})
        })
        .collect();
    Some(Value::Array(list))
}

// ---------------------------------------------------------------- HTTP

/// Answers a refusal of an approvals endpoint, audited.
async fn refuse(
    state: &Shared,
    call: &Call,
    who: &Principal,
    (status, code, message): (StatusCode, &'static str, String),
    extra: Option<(&'static str, Value)>,
    approval: Option<&str>,
    started: Instant,
) -> Response {
    let mut body = error_body(status, code, &message);
    if let Some((k, v)) = extra {
        body[k] = v;
    }
    let decision = if status == StatusCode::FORBIDDEN { Decision::Denied } else { Decision::Allowed };
    let name = who.name();
    let sentence = format!("{name} was refused {}: {message} ({})", call.phrase, status.as_u16());
    let mut record = call
        .record(name, who.kind(), decision, Some(message.clone()), status.as_u16(), sentence)
        .with_outcome(Outcome::NotSent);
    record.approval = approval.map(str::to_owned);
    audited(state, record, json_response(status, &body), started).await
}

/// The principal of an approvals request, if it holds `level` on `approvals`.
async fn viewer(
    state: &Shared,
    headers: &http::HeaderMap,
    call: &Call,
    level: Level,
    started: Instant,
) -> Result<Principal, Response> {
    let principal = gate(state, headers, call, started).await?;
    if principal.grants().level(Target::Approvals) < level {
        let missing = format!("{}:{level}", crate::policy::APPROVALS);
        let message = format!("{} may not {}: needs {missing}", principal.name(), infinitive(&call.phrase));
        let refusal = (StatusCode::FORBIDDEN, "gatehouse_denied", message);
        return Err(
            refuse(state, call, &principal, refusal, Some(("missing", Value::from(missing))), None, started).await
        );
    }
    Ok(principal)
}

/// `GET /approvals?status=pending|approved|denied|expired|cancelled|all`
/// (default `pending`): up to 200 requests, newest first, and how many are pending.
pub(crate) async fn list(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call =
        Call::bff("GET", "ListApprovals", crate::policy::APPROVALS, request.uri().path(), "listing approval requests");
    let principal = match viewer(&state, request.headers(), &call, Level::Read, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut status = Some(Status::Pending);
    for (k, v) in url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("status", "all") => status = None,
            ("status", s) => match Status::parse(s) {
                Some(s) => status = Some(s),
                None => {
                    let message = "status is pending, approved, denied, expired, cancelled or all".to_owned();
                    let refusal = (StatusCode::BAD_REQUEST, "gatehouse_bad_query", message);
                    return refuse(
                        &state,
                        &call,
                        &principal,
                        refusal,
                        Some(("parameter", "status".into())),
                        None,
                        started,
                    )
                    .await;
                }
            },
            _ => {}
        }
    }
    let store = &state.approvals.store;
    if let Err(e) = state.approvals.sweep(state.clock.now_ms()) {
        return unavailable(e);
    }
    match store.list(status, 200).and_then(|list| Ok((list, store.count_pending(None)?))) {
        Ok((list, pending)) => json_response(
            StatusCode::OK,
            &json!({"approvals": list.iter().map(Approval::to_json).collect::<Vec<_>>(), "pending": pending}),
        ),
        Err(e) => unavailable(e),
    }
}

fn unavailable(e: StoreError) -> Response {
    tracing::error!(error = %e, "approvals could not be read");
    crate::responses::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "gatehouse_storage",
        "the approval requests could not be read",
    )
}

/// `GET /approvals/{id}`: one request.
pub(crate) async fn one(State(state): State<Shared>, AxPath(id): AxPath<String>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::bff(
        "GET",
        "GetApproval",
        crate::policy::APPROVALS,
        request.uri().path(),
        &format!("reading approval request {id}"),
    );
    let principal = match viewer(&state, request.headers(), &call, Level::Read, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match state.approvals.store.get(&id) {
        Ok(Some(a)) => json_response(StatusCode::OK, &a.to_json()),
        Ok(None) => {
            let refusal =
                (StatusCode::NOT_FOUND, "gatehouse_no_such_approval", format!("there is no approval request {id}"));
            refuse(&state, &call, &principal, refusal, None, None, started).await
        }
        Err(e) => unavailable(e),
    }
}

/// The body of `POST /approvals/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    decision: Verdict,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Approve,
    Deny,
}

/// `POST /approvals/{id}` `{"decision": "approve"|"deny", "reason"?}`:
/// decides a pending request. Needs `approvals:full`; never one's own
/// request; only a decider who holds `full` on the operation.
pub(crate) async fn decide(State(state): State<Shared>, AxPath(id): AxPath<String>, request: Request) -> Response {
    let started = Instant::now();
    let mut call = Call::bff(
        "POST",
        "DecideApproval",
        crate::policy::APPROVALS,
        request.uri().path(),
        &format!("deciding approval request {id}"),
    );
    call.object = json!({"id": id});
    let principal = match viewer(&state, request.headers(), &call, Level::Full, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let refuse = |refusal: (StatusCode, &'static str, String), extra: Option<(&'static str, Value)>| {
        let (state, call, principal, id) = (&state, &call, &principal, &id);
        async move { refuse(state, call, principal, refusal, extra, Some(id), started).await }
    };
    let bytes = match axum::body::to_bytes(request.into_body(), 16 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return refuse(
                (StatusCode::PAYLOAD_TOO_LARGE, "gatehouse_body_too_large", "the body is too large".into()),
                None,
            )
            .await;
        }
    };
    let body = match serde_json::from_slice::<DecisionBody>(&bytes) {
        Ok(b) => b,
        Err(e) => {
            let message = format!("send {{\"decision\": \"approve\" | \"deny\", \"reason\": \"…\"}}: {e}");
            return refuse((StatusCode::BAD_REQUEST, "invalid_body", message), None).await;
        }
    };
    let reason = body.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON) {
        let message = format!("the reason is longer than {MAX_REASON} characters");
        return refuse((StatusCode::BAD_REQUEST, "invalid_body", message), Some(("path", "reason".into()))).await;
    }
    let store = &state.approvals.store;
    let approval = match store.get(&id) {
        Ok(Some(a)) => a,
        Ok(None) => {
            let message = format!("there is no approval request {id}");
            return refuse((StatusCode::NOT_FOUND, "gatehouse_no_such_approval", message), None).await;
        }
        Err(e) => return unavailable(e),
    };
    let who = principal.name().to_owned();
    if approval.status != Status::Pending {
        let message = format!("approval request {id} is already {}", approval.status.as_str());
        let extra = Some(("status", Value::from(approval.status.as_str())));
        return refuse((StatusCode::CONFLICT, "gatehouse_approval_closed", message), extra).await;
    }
    if approval.principal == who && approval.principal_kind == principal.kind() {
        let message = format!("{who} may not decide its own request");
        return refuse((StatusCode::FORBIDDEN, "gatehouse_self_approval", message), None).await;
    }
    let op = catalog::by_name(&approval.operation);
    if op.is_none_or(|op| principal.grants().permission_on(op) != Permission::Allowed) {
        let missing = format!("{}:full", approval.operation);
        let message = format!(
            "{who} may not decide {}'s request to {}: deciding needs what the call needs, {missing}",
            approval.principal,
            approval.action()
        );
        let extra = Some(("missing", json!([missing])));
        return refuse((StatusCode::FORBIDDEN, "gatehouse_escalation", message), extra).await;
    }
    let status = if body.decision == Verdict::Approve { Status::Approved } else { Status::Denied };
    let now = state.clock.now_ms();
    let decided = match store.close(&id, status, Some(&who), now, reason.as_deref()) {
        Ok(Some(a)) => a,
        Ok(None) => {
            let message = format!("approval request {id} was closed meanwhile");
            return refuse((StatusCode::CONFLICT, "gatehouse_approval_closed", message), None).await;
        }
        Err(e) => return unavailable(e),
    };
    state.approvals.wake();
    let verb = if status == Status::Approved { "approved" } else { "denied" };
    let because = reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    let sentence = format!("{who} {verb} {}'s request to {}{because}", approval.principal, approval.action());
    let mut record = call.record(&who, principal.kind(), Decision::Allowed, reason.clone(), 200, sentence);
    record.approval = Some(id.clone());
    record.body =
        Some(json!({"decision": if status == Status::Approved { "approve" } else { "deny" }, "reason": reason}));
    let response = json_response(StatusCode::OK, &decided.to_json());
    audited_id(&state, record, response, started).await.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(id: &str, principal: &str, t: i64) -> Approval {
        Approval {
            id: id.into(),
            status: Status::Pending,
            principal: principal.into(),
            principal_kind: "api_key".into(),
            via: "mcp".into(),
            operation: "users.delete".into(),
            method: "DELETE".into(),
            path: "/api/v2/users/auth0%7C1".into(),
            params: json!({"id": "auth0|1"}),
            sentence: format!("{principal} asks to delete user auth0|1"),
            body: None,
            changes: Some(json!([{"field": "blocked", "before": false, "after": true}])),
            requested_ms: t,
            expires_ms: t + 1000,
            decided_by: None,
            decided_ms: None,
            reason: None,
            audit_id: None,
        }
    }

    #[tokio::test]
    async fn the_store_closes_a_request_once() {
        for db in crate::testdb::databases().await {
            closes_once_on(&*db.stores().await.approvals);
        }
    }

    fn closes_once_on(store: &dyn ApprovalStore) {
        store.insert(&approval("apr_1", "agent", 1)).unwrap();
        store.insert(&approval("apr_2", "agent", 2)).unwrap();
        store.insert(&approval("apr_3", "other", 3)).unwrap();
        assert_eq!(store.count_pending(Some("agent")).unwrap(), 2);
        assert_eq!(store.count_pending(None).unwrap(), 3);
        let closed = store.close("apr_1", Status::Denied, Some("admin@x"), 10, Some("no")).unwrap().unwrap();
        assert_eq!(
            (closed.status, closed.decided_by.as_deref(), closed.reason.as_deref()),
            (Status::Denied, Some("admin@x"), Some("no"))
        );
        assert!(store.close("apr_1", Status::Approved, Some("owner@x"), 11, None).unwrap().is_none(), "closed once");
        assert_eq!(store.get("apr_1").unwrap().unwrap().status, Status::Denied);
        let ids = |s| store.list(s, 10).unwrap().into_iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(Some(Status::Pending)), ["apr_3", "apr_2"]);
        assert_eq!(ids(None), ["apr_3", "apr_2", "apr_1"]);
        store.link_audit("apr_1", 42).unwrap();
        let a = store.get("apr_1").unwrap().unwrap();
        assert_eq!(a.audit_id, Some(42));
        assert_eq!(a.changes, approval("apr_1", "agent", 1).changes);
        assert!(store.get("apr_nope").unwrap().is_none());
        let j = a.to_json();
        assert_eq!(j["principalKind"], "api_key");
        assert_eq!(j["decidedAt"], rfc3339(10));
        assert_eq!(a.action(), "delete user auth0|1");
    }

    #[tokio::test]
    async fn overdue_requests_expire_after_a_grace() {
        for db in crate::testdb::databases().await {
            overdue_on(db.stores().await.approvals);
        }
    }

    fn overdue_on(store: Arc<dyn ApprovalStore>) {
        store.insert(&approval("apr_1", "agent", 1_000)).unwrap(); // expires at 2 000
        let approvals = Approvals::new(store.clone(), crate::config::ApprovalsConfig::default());
        approvals.sweep(2_000 + 4_000).unwrap();
        assert_eq!(store.get("apr_1").unwrap().unwrap().status, Status::Pending, "within the grace");
        approvals.sweep(2_000 + 6_000).unwrap();
        let a = store.get("apr_1").unwrap().unwrap();
        assert_eq!((a.status, a.decided_ms), (Status::Expired, Some(2_000)));
    }

    #[tokio::test]
    async fn a_decision_by_another_instance_is_seen_by_the_poll() {
        for db in crate::testdb::databases().await {
            seen_by_the_poll_on(&db).await;
        }
    }

    async fn seen_by_the_poll_on(db: &crate::testdb::Db) {
        let config = crate::config::ApprovalsConfig { timeout_secs: 20, max_pending: 10 };
        // Two instances: each its own store and wake-up channel, one database.
        let here = Approvals::new(db.stores().await.approvals, config);
        let there = Approvals::new(db.stores().await.approvals, config);
        here.store.insert(&approval("apr_1", "agent", 1)).unwrap();
        let clock = crate::clock::ManualClock::new();
        let started = Instant::now();
        let waiting = here.wait(&clock, "apr_1");
        let deciding = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            there.store.close("apr_1", Status::Approved, Some("admin@x"), 5, None).unwrap().unwrap();
            there.wake(); // wakes only the other instance's waiters
        };
        let (a, ()) = tokio::join!(waiting, deciding);
        let a = a.unwrap();
        assert_eq!((a.status, a.decided_by.as_deref()), (Status::Approved, Some("admin@x")));
        assert!(started.elapsed() < POLL * 3, "seen within a poll or two: {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_decision_here_wakes_the_call_at_once_and_a_late_one_loses_to_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::config::ApprovalsConfig { timeout_secs: 1, max_pending: 10 };
        let here = Approvals::new(Arc::new(SqliteApprovals::open(&dir.path().join("a.sqlite")).unwrap()), config);
        here.store.insert(&approval("apr_1", "agent", 1)).unwrap();
        here.store.insert(&approval("apr_2", "agent", 1)).unwrap();
        let clock = crate::clock::ManualClock::new();
        let started = Instant::now();
        let deciding = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            here.store.close("apr_1", Status::Denied, Some("admin@x"), 5, Some("no")).unwrap().unwrap();
            here.wake();
        };
        let (a, ()) = tokio::join!(here.wait(&clock, "apr_1"), deciding);
        assert_eq!(a.unwrap().status, Status::Denied);
        assert!(started.elapsed() < Duration::from_millis(500), "woken, not polled: {:?}", started.elapsed());
        let b = here.wait(&clock, "apr_2").await.unwrap();
        assert_eq!((b.status, b.reason.as_deref()), (Status::Expired, Some("no decision within 1 s")));
        assert!(here.store.close("apr_2", Status::Approved, Some("admin@x"), 9, None).unwrap().is_none());
    }

    #[test]
    fn statuses_are_named_once() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("all"), None);
    }
}
