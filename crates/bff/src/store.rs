//! SQLite storage: sessions, sign-in attempts and the audit log.
//!
//! One database file, opened in WAL mode with `synchronous=FULL`: a commit
//! is on disk before it returns, so an audit entry that was acknowledged
//! (and a response that was sent after it) survives a crash. Each store
//! holds its own connection; WAL lets readers run beside the writer.

use crate::clock::rfc3339;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Mutex, mpsc};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored JSON could not be read back.
    #[error("stored data: {0}")]
    Json(#[from] serde_json::Error),
    /// The audit writer has stopped.
    #[error("the audit writer has stopped")]
    WriterGone,
}

/// Opens (creating if needed) the database with the pragmas every connection needs.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT,
    roles TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_attempts (
    state_hash TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    principal TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    operation TEXT,
    resource TEXT,
    object TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    status INTEGER,
    sentence TEXT NOT NULL,
    body TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (time_ms);
CREATE INDEX IF NOT EXISTS audit_principal ON audit (principal, time_ms);
";

fn lock(m: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---------------------------------------------------------------- sessions

/// A signed-in admin's session as stored (under the hash of its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Email from the id token.
    pub email: String,
    /// `sub` from the id token.
    pub subject: String,
    /// Display name, if the id token had one.
    pub name: Option<String>,
    /// Roles from the id token's roles claim.
    pub roles: Vec<String>,
    /// When the session began (UNIX ms): the absolute timeout counts from here.
    pub created_ms: i64,
    /// Last request (UNIX ms): the idle timeout counts from here.
    pub last_seen_ms: i64,
}

/// A sign-in in progress: what the callback must check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    /// PKCE verifier.
    pub verifier: String,
    /// Nonce the id token must carry.
    pub nonce: String,
    /// Where to go after signing in (already checked to be same-origin).
    pub return_to: String,
    /// When it began (UNIX ms).
    pub created_ms: i64,
}

/// Sessions and sign-in attempts in SQLite. Only hashes of ids and states are stored.
#[derive(Debug)]
pub struct SessionStore {
    conn: Mutex<Connection>,
}

impl SessionStore {
    /// Opens the store in the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self { conn: Mutex::new(open(path)?) })
    }

    /// Stores a new session.
    pub fn insert(&self, id_hash: &str, s: &SessionRecord) -> Result<(), StoreError> {
        lock(&self.conn).execute(
            "INSERT INTO sessions (id_hash, email, subject, name, roles, created_ms, last_seen_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id_hash,
                s.email,
                s.subject,
                s.name,
                serde_json::to_string(&s.roles)?,
                s.created_ms,
                s.last_seen_ms
            ],
        )?;
        Ok(())
    }

    /// The session stored under `id_hash`.
    pub fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = lock(&self.conn)
            .prepare_cached(
                "SELECT email, subject, name, roles, created_ms, last_seen_ms FROM sessions WHERE id_hash = ?1",
            )?
            .query_row(params![id_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?))
            })
            .optional()?;
        row.map(|(email, subject, name, roles, created_ms, last_seen_ms)| {
            Ok(SessionRecord { email, subject, name, roles: serde_json::from_str(&roles)?, created_ms, last_seen_ms })
        })
        .transpose()
    }

    /// Records activity on a session.
    pub fn touch(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        lock(&self.conn)
            .prepare_cached("UPDATE sessions SET last_seen_ms = ?2 WHERE id_hash = ?1")?
            .execute(params![id_hash, now_ms])?;
        Ok(())
    }

    /// Ends a session.
    pub fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        lock(&self.conn).execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])?;
        Ok(())
    }

    /// Removes sessions idle since before `idle_before` or begun before
    /// `created_before`, and sign-in attempts begun before `login_before`.
    pub fn purge(&self, idle_before: i64, created_before: i64, login_before: i64) -> Result<usize, StoreError> {
        let conn = lock(&self.conn);
        let n = conn.execute(
            "DELETE FROM sessions WHERE last_seen_ms < ?1 OR created_ms < ?2",
            params![idle_before, created_before],
        )?;
        let m = conn.execute("DELETE FROM login_attempts WHERE created_ms < ?1", params![login_before])?;
        Ok(n + m)
    }

    /// Stores a sign-in attempt under the hash of its `state`.
    pub fn insert_login(&self, state_hash: &str, a: &LoginAttempt) -> Result<(), StoreError> {
        lock(&self.conn).execute(
            "INSERT INTO login_attempts (state_hash, verifier, nonce, return_to, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![state_hash, a.verifier, a.nonce, a.return_to, a.created_ms],
        )?;
        Ok(())
    }

    /// Takes (reads and deletes) a sign-in attempt: each can be completed once.
    pub fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>, StoreError> {
        let conn = lock(&self.conn);
        let a = conn
            .query_row(
                "SELECT verifier, nonce, return_to, created_ms FROM login_attempts WHERE state_hash = ?1",
                params![state_hash],
                |r| {
                    Ok(LoginAttempt {
                        verifier: r.get(0)?,
                        nonce: r.get(1)?,
                        return_to: r.get(2)?,
                        created_ms: r.get(3)?,
                    })
                },
            )
            .optional()?;
        conn.execute("DELETE FROM login_attempts WHERE state_hash = ?1", params![state_hash])?;
        Ok(a)
    }
}

// ---------------------------------------------------------------- audit

/// Whether the BFF let a request through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The policy allowed it (it may still have failed upstream).
    Allowed,
    /// Refused by the policy or the CSRF checks.
    Denied,
}

impl Decision {
    /// `allowed` or `denied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
        }
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Row id, assigned when stored (0 before).
    pub id: i64,
    /// When (UNIX ms).
    pub time_ms: i64,
    /// The admin's email or the API key's name; `anonymous` when neither.
    pub principal: String,
    /// `user`, `api_key` or `anonymous`.
    pub principal_kind: String,
    /// Operation id from the model's table (`DeleteUser`), or the BFF's own (`ReadAudit`).
    pub operation: Option<String>,
    /// Policy resource (`users`, `audit`).
    pub resource: Option<String>,
    /// Path parameters by name.
    pub object: Value,
    /// Allowed or denied.
    pub decision: Decision,
    /// Why it was denied, or what went wrong.
    pub reason: Option<String>,
    /// Status answered (upstream's when it was forwarded).
    pub status: Option<u16>,
    /// What happened, in plain English.
    pub sentence: String,
    /// The request body, secrets redacted.
    pub body: Option<Value>,
    /// HTTP method.
    pub method: String,
    /// Raw path (no query).
    pub path: String,
}

impl AuditRecord {
    /// The entry as the `/audit` endpoint shows it (with an RFC 3339 `time`).
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut v {
            map.insert("time".into(), Value::from(rfc3339(self.time_ms)));
        }
        v
    }
}

/// Filters and paging of an audit query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this principal.
    pub principal: Option<String>,
    /// Only this resource.
    pub resource: Option<String>,
    /// Only this decision.
    pub decision: Option<Decision>,
    /// From this time (UNIX ms, inclusive).
    pub since_ms: Option<i64>,
    /// Until this time (UNIX ms, exclusive).
    pub until_ms: Option<i64>,
    /// Zero-based page.
    pub page: u32,
    /// Entries per page (1 to 100).
    pub per_page: u32,
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditRecord>,
    /// How many match in all.
    pub total: u64,
}

/// A boxed future, for the object-safe [`AuditStore`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where audit entries go. Implement it to send them to a shared database.
pub trait AuditStore: Send + Sync + 'static {
    /// Stores an entry durably; resolves only once it is on disk. Returns its id.
    fn record(&self, entry: AuditRecord) -> BoxFuture<'_, Result<i64, StoreError>>;
    /// Reads a page of entries, newest first.
    fn query(&self, q: &AuditQuery) -> Result<AuditPage, StoreError>;
}

type Pending = (AuditRecord, tokio::sync::oneshot::Sender<Result<i64, String>>);

/// The SQLite audit store.
///
/// Writes go to one writer thread that commits whatever entries are
/// waiting in one transaction (group commit): each caller still waits for
/// its own entry to be on disk, but concurrent requests share one fsync.
#[derive(Debug)]
pub struct SqliteAuditStore {
    tx: Mutex<Option<mpsc::Sender<Pending>>>,
    reader: Mutex<Connection>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    path: PathBuf,
}

impl SqliteAuditStore {
    /// Opens the audit log in the database at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let writer_conn = open(path)?;
        let reader = open(path)?;
        let (tx, rx) = mpsc::channel::<Pending>();
        let handle = std::thread::Builder::new()
            .name("gatehouse-audit".into())
            .spawn(move || writer_loop(writer_conn, rx))
            .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            reader: Mutex::new(reader),
            writer: Mutex::new(Some(handle)),
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the writer after it has stored everything already sent.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(h) = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            let _ = h.join();
        }
    }
}

impl Drop for SqliteAuditStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Pending>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 1024 {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let result = insert_batch(&mut conn, &batch);
        match result {
            Ok(ids) => {
                for ((_, reply), id) in batch.into_iter().zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "audit write failed");
                for (_, reply) in batch {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

fn insert_batch(conn: &mut Connection, batch: &[Pending]) -> Result<Vec<i64>, StoreError> {
    let tx = conn.transaction()?;
    let mut ids = Vec::with_capacity(batch.len());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO audit (time_ms, principal, principal_kind, operation, resource, object, decision, reason,
                                status, sentence, body, method, path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for (e, _) in batch {
            stmt.execute(params![
                e.time_ms,
                e.principal,
                e.principal_kind,
                e.operation,
                e.resource,
                serde_json::to_string(&e.object)?,
                e.decision.as_str(),
                e.reason,
                e.status,
                e.sentence,
                e.body.as_ref().map(serde_json::to_string).transpose()?,
                e.method,
                e.path,
            ])?;
            ids.push(tx.last_insert_rowid());
        }
    }
    tx.commit()?;
    Ok(ids)
}

impl AuditStore for SqliteAuditStore {
    fn record(&self, entry: AuditRecord) -> BoxFuture<'_, Result<i64, StoreError>> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        let sent = self
            .tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|tx| tx.send((entry, reply)).is_ok())
            .unwrap_or(false);
        Box::pin(async move {
            if !sent {
                return Err(StoreError::WriterGone);
            }
            match rx.await {
                Ok(Ok(id)) => Ok(id),
                Ok(Err(message)) => Err(StoreError::Sqlite(rusqlite::Error::InvalidParameterName(message))),
                Err(_) => Err(StoreError::WriterGone),
            }
        })
    }

    fn query(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        let mut clauses = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(p) = &q.principal {
            clauses.push("principal = ?");
            args.push(p.clone().into());
        }
        if let Some(r) = &q.resource {
            clauses.push("resource = ?");
            args.push(r.clone().into());
        }
        if let Some(d) = q.decision {
            clauses.push("decision = ?");
            args.push(d.as_str().to_owned().into());
        }
        if let Some(s) = q.since_ms {
            clauses.push("time_ms >= ?");
            args.push(s.into());
        }
        if let Some(u) = q.until_ms {
            clauses.push("time_ms < ?");
            args.push(u.into());
        }
        let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let conn = lock(&self.reader);
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM audit {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let per_page = q.per_page.clamp(1, 100);
        let mut page_args = args.clone();
        page_args.push(i64::from(per_page).into());
        page_args.push((i64::from(q.page) * i64::from(per_page)).into());
        let mut stmt = conn.prepare(&format!(
            "SELECT id, time_ms, principal, principal_kind, operation, resource, object, decision, reason, status,
                    sentence, body, method, path
             FROM audit {filter} ORDER BY id DESC LIMIT ? OFFSET ?"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(page_args.iter()), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<u16>>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, Option<String>>(11)?,
                r.get::<_, String>(12)?,
                r.get::<_, String>(13)?,
            ))
        })?;
        let mut entries = Vec::new();
        for row in rows {
            let (
                id,
                time_ms,
                principal,
                principal_kind,
                operation,
                resource,
                object,
                decision,
                reason,
                status,
                sentence,
                body,
                method,
                path,
            ) = row?;
            entries.push(AuditRecord {
                id,
                time_ms,
                principal,
                principal_kind,
                operation,
                resource,
                object: serde_json::from_str(&object)?,
                decision: if decision == "denied" { Decision::Denied } else { Decision::Allowed },
                reason,
                status,
                sentence,
                body: body.map(|b| serde_json::from_str(&b)).transpose()?,
                method,
                path,
            });
        }
        Ok(AuditPage { entries, total: u64::try_from(total).unwrap_or(0) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(principal: &str, decision: Decision, t: i64) -> AuditRecord {
        AuditRecord {
            id: 0,
            time_ms: t,
            principal: principal.into(),
            principal_kind: "user".into(),
            operation: Some("DeleteUser".into()),
            resource: Some("users".into()),
            object: json!({"id": "auth0|1"}),
            decision,
            reason: None,
            status: Some(204),
            sentence: "x".into(),
            body: None,
            method: "DELETE".into(),
            path: "/api/v2/users/auth0%7C1".into(),
        }
    }

    #[tokio::test]
    async fn audit_roundtrip_filters_and_pages() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteAuditStore::open(&dir.path().join("a.sqlite")).unwrap();
        let mut futs = Vec::new();
        for i in 0..25 {
            let d = if i % 5 == 0 { Decision::Denied } else { Decision::Allowed };
            futs.push(store.record(entry(if i % 2 == 0 { "a@x" } else { "b@x" }, d, 1000 + i)));
        }
        for f in futs {
            f.await.unwrap();
        }
        let all = store.query(&AuditQuery { per_page: 10, ..Default::default() }).unwrap();
        assert_eq!((all.total, all.entries.len()), (25, 10));
        assert_eq!(all.entries[0].time_ms, 1024, "newest first");
        let denied =
            store.query(&AuditQuery { decision: Some(Decision::Denied), per_page: 100, ..Default::default() }).unwrap();
        assert_eq!(denied.total, 5);
        let a = store
            .query(&AuditQuery {
                principal: Some("a@x".into()),
                since_ms: Some(1010),
                until_ms: Some(1020),
                per_page: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(a.total, 5);
        assert_eq!(a.entries[0].object, json!({"id": "auth0|1"}));
        let last = store.query(&AuditQuery { page: 2, per_page: 10, ..Default::default() }).unwrap();
        assert_eq!(last.entries.len(), 5);
    }

    #[test]
    fn sessions_and_logins() {
        let dir = tempfile::tempdir().unwrap();
        let s = SessionStore::open(&dir.path().join("s.sqlite")).unwrap();
        let rec = SessionRecord {
            email: "a@x".into(),
            subject: "auth0|1".into(),
            name: None,
            roles: vec!["r".into()],
            created_ms: 10,
            last_seen_ms: 10,
        };
        s.insert("h", &rec).unwrap();
        assert_eq!(s.get("h").unwrap(), Some(rec.clone()));
        s.touch("h", 20).unwrap();
        assert_eq!(s.get("h").unwrap().unwrap().last_seen_ms, 20);
        s.delete("h").unwrap();
        assert_eq!(s.get("h").unwrap(), None);
        let a = LoginAttempt { verifier: "v".into(), nonce: "n".into(), return_to: "/".into(), created_ms: 5 };
        s.insert_login("st", &a).unwrap();
        assert_eq!(s.take_login("st").unwrap(), Some(a));
        assert_eq!(s.take_login("st").unwrap(), None, "single use");
    }
}
