//! Storage: sessions, sign-in attempts, API keys and the audit log, behind
//! traits ([`SessionStore`], [`KeyStore`], [`AuditStore`]) with a SQLite
//! store here and a PostgreSQL one in [`crate::pg`] (several instances).
//!
//! SQLite: one database file, opened in WAL mode with `synchronous=FULL`: a commit
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
    /// PostgreSQL said no.
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had, or the call timed out.
    #[error("database: {0}")]
    Unavailable(String),
}

/// Opens (creating if needed) the database with the pragmas every connection needs.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute_batch(SCHEMA)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// The schema version this code reads and writes (`PRAGMA user_version`).
///
/// - 0: [`SCHEMA`] as first released.
/// - 1: the audit log's outcome, upstream error code and change flag
///   (columns derived for the rows already there), and `audit_objects`,
///   the ids each entry names, for the object filter.
/// - 2: the audit log's `via` (how the call came: `api`, `console`,
///   `mcp`) and `approval` (the approval request it waited for), and the
///   `approvals` table ([`crate::approvals`]).
const SCHEMA_VERSION: i64 = 2;

/// Brings a database of any earlier version up to [`SCHEMA_VERSION`], in
/// one transaction that holds the write lock, so that two connections
/// opening the same file at once migrate it once.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version = |c: &Connection| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    if version(conn)? >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from = version(&tx)?;
    if from < 1 {
        let refused = REFUSED_BEFORE_SENDING
            .iter()
            .map(|r| format!("reason LIKE '{}%'", r.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(" OR ");
        tx.execute_batch(&format!(
            "ALTER TABLE audit ADD COLUMN outcome TEXT NOT NULL DEFAULT 'failed';
             ALTER TABLE audit ADD COLUMN upstream_error TEXT;
             ALTER TABLE audit ADD COLUMN is_change INTEGER NOT NULL DEFAULT 0;
             UPDATE audit SET
                 outcome = CASE
                     WHEN decision = 'denied' THEN 'not_sent'
                     WHEN status BETWEEN 200 AND 399 THEN 'succeeded'
                     WHEN {refused} THEN 'not_sent'
                     ELSE 'failed' END,
                 is_change = CASE
                     WHEN path LIKE '/api/%' AND method IN ('POST', 'PUT', 'PATCH', 'DELETE') THEN 1
                     ELSE 0 END;
             CREATE TABLE audit_objects (
                 object TEXT NOT NULL,
                 entry INTEGER NOT NULL,
                 PRIMARY KEY (object, entry)
             ) WITHOUT ROWID;
             INSERT OR IGNORE INTO audit_objects (object, entry)
                 SELECT j.atom, a.id FROM audit a, json_tree(a.object) j
                 WHERE json_valid(a.object) AND j.type = 'text';
             CREATE INDEX audit_change ON audit (is_change, id);
             CREATE INDEX audit_outcome ON audit (outcome, id);"
        ))?;
    }
    if from < 2 {
        tx.execute_batch(
            "ALTER TABLE audit ADD COLUMN via TEXT;
             ALTER TABLE audit ADD COLUMN approval TEXT;
             CREATE INDEX audit_approval ON audit (approval) WHERE approval IS NOT NULL;
             CREATE TABLE approvals (
                 id TEXT PRIMARY KEY,
                 status TEXT NOT NULL,
                 principal TEXT NOT NULL,
                 principal_kind TEXT NOT NULL,
                 via TEXT NOT NULL,
                 operation TEXT NOT NULL,
                 method TEXT NOT NULL,
                 path TEXT NOT NULL,
                 params TEXT NOT NULL,
                 sentence TEXT NOT NULL,
                 body TEXT,
                 changes TEXT,
                 requested_ms INTEGER NOT NULL,
                 expires_ms INTEGER NOT NULL,
                 decided_by TEXT,
                 decided_ms INTEGER,
                 reason TEXT,
                 audit_id INTEGER
             );
             CREATE INDEX approvals_status ON approvals (status, requested_ms);
             CREATE INDEX approvals_principal ON approvals (principal, status);",
        )?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
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
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    access TEXT NOT NULL,
    user_scope TEXT,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_by TEXT,
    revoked_ms INTEGER,
    last_used_ms INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys (name) WHERE revoked_ms IS NULL;
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

/// Where sessions and sign-in attempts are kept. Only hashes of session
/// ids and sign-in states are stored. Every method is one statement, so
/// instances sharing a database (PostgreSQL) share sessions: a sign-in
/// through one works through all, a sign-out through one ends it in all.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session.
    fn insert(&self, id_hash: &str, s: &SessionRecord) -> Result<(), StoreError>;
    /// The session stored under `id_hash`.
    fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// Records activity on a session.
    fn touch(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Ends a session.
    fn delete(&self, id_hash: &str) -> Result<(), StoreError>;
    /// Removes sessions idle since before `idle_before` or begun before
    /// `created_before`, and sign-in attempts begun before `login_before`.
    fn purge(&self, idle_before: i64, created_before: i64, login_before: i64) -> Result<usize, StoreError>;
    /// Stores a sign-in attempt under the hash of its `state`.
    fn insert_login(&self, state_hash: &str, a: &LoginAttempt) -> Result<(), StoreError>;
    /// Takes (reads and deletes) a sign-in attempt: each can be completed once.
    fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>, StoreError>;
}

/// Sessions and sign-in attempts in SQLite.
#[derive(Debug)]
pub struct SqliteSessionStore {
    conn: Mutex<Connection>,
}

impl SqliteSessionStore {
    /// Opens the store in the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self { conn: Mutex::new(open(path)?) })
    }
}

impl SessionStore for SqliteSessionStore {
    fn insert(&self, id_hash: &str, s: &SessionRecord) -> Result<(), StoreError> {
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
    fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
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
    fn touch(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        lock(&self.conn)
            .prepare_cached("UPDATE sessions SET last_seen_ms = ?2 WHERE id_hash = ?1")?
            .execute(params![id_hash, now_ms])?;
        Ok(())
    }

    /// Ends a session.
    fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        lock(&self.conn).execute("DELETE FROM sessions WHERE id_hash = ?1", params![id_hash])?;
        Ok(())
    }

    /// Removes sessions idle since before `idle_before` or begun before
    /// `created_before`, and sign-in attempts begun before `login_before`.
    fn purge(&self, idle_before: i64, created_before: i64, login_before: i64) -> Result<usize, StoreError> {
        let conn = lock(&self.conn);
        let n = conn.execute(
            "DELETE FROM sessions WHERE last_seen_ms < ?1 OR created_ms < ?2",
            params![idle_before, created_before],
        )?;
        let m = conn.execute("DELETE FROM login_attempts WHERE created_ms < ?1", params![login_before])?;
        Ok(n + m)
    }

    /// Stores a sign-in attempt under the hash of its `state`.
    fn insert_login(&self, state_hash: &str, a: &LoginAttempt) -> Result<(), StoreError> {
        lock(&self.conn).execute(
            "INSERT INTO login_attempts (state_hash, verifier, nonce, return_to, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![state_hash, a.verifier, a.nonce, a.return_to, a.created_ms],
        )?;
        Ok(())
    }

    /// Takes (reads and deletes) a sign-in attempt: each can be completed once.
    fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>, StoreError> {
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

// ---------------------------------------------------------------- API keys

/// An API key as the database keeps it: never the key, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Row id: a name may be used again once its key is revoked, the id never.
    pub id: i64,
    /// The key's name (unique among keys that are not revoked).
    pub name: String,
    /// Lowercase hex SHA-256 of the key.
    pub sha256: String,
    /// Its access list, as [`crate::policy::Grants::parse_list`] reads it.
    pub access: String,
    /// Its user scope, as JSON text, when it has one.
    pub user_scope: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When (UNIX ms).
    pub created_ms: i64,
    /// Who revoked it, once revoked.
    pub revoked_by: Option<String>,
    /// When it was revoked (UNIX ms).
    pub revoked_ms: Option<i64>,
    /// When it was last used, to within [`LAST_USED_GRANULARITY_MS`].
    pub last_used_ms: Option<i64>,
}

/// A key to store: everything [`StoredKey`] has before it is used or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// Its name.
    pub name: String,
    /// Lowercase hex SHA-256 of the key.
    pub sha256: String,
    /// Its access list.
    pub access: String,
    /// Its user scope as JSON text.
    pub user_scope: Option<String>,
    /// Who creates it.
    pub created_by: String,
    /// When (UNIX ms).
    pub created_ms: i64,
}

/// Why a key could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// A key that is not revoked already has this name.
    #[error("an API key named `{name}` already exists")]
    Exists {
        /// The name.
        name: String,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How often, at most, a key's `last_used_ms` is written: once a minute.
pub const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// Where the BFF keeps the API keys it manages (those of the configuration
/// file stay there). Every method is one statement, so instances sharing a
/// database see each other's changes at their next lookup; implement it on
/// a shared database (PostgreSQL) to run several BFFs.
pub trait KeyStore: Send + Sync + 'static {
    /// Stores a new key; [`KeyStoreError::Exists`] when a key that is not
    /// revoked has its name.
    fn insert(&self, key: &NewKey) -> Result<StoredKey, KeyStoreError>;
    /// The key (not revoked) with this SHA-256.
    fn active_by_hash(&self, sha256: &str) -> Result<Option<StoredKey>, StoreError>;
    /// The key (not revoked) with this name.
    fn active_by_name(&self, name: &str) -> Result<Option<StoredKey>, StoreError>;
    /// Every key, revoked ones included, by name then newest first.
    fn list(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Sets the access and user scope of the key `id`, unless it was
    /// revoked: the key as changed, `None` when it was not.
    fn update(&self, id: i64, access: &str, user_scope: Option<&str>) -> Result<Option<StoredKey>, StoreError>;
    /// Revokes the key `id`; whether this call revoked it (`false` when it
    /// already was).
    fn revoke(&self, id: i64, by: &str, now_ms: i64) -> Result<bool, StoreError>;
    /// Records a use of the key `id`, unless one was recorded less than
    /// [`LAST_USED_GRANULARITY_MS`] before `now_ms`.
    fn touch(&self, id: i64, now_ms: i64) -> Result<(), StoreError>;
    /// Deletes every key named `name` that `created_by` created (demo mode
    /// replacing its own key); how many.
    fn delete_created_by(&self, name: &str, created_by: &str) -> Result<usize, StoreError>;
}

/// API keys in the BFF's SQLite database.
#[derive(Debug)]
pub struct SqliteKeyStore {
    conn: Mutex<Connection>,
}

const KEY_COLUMNS: &str =
    "id, name, sha256, access, user_scope, created_by, created_ms, revoked_by, revoked_ms, last_used_ms";

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredKey> {
    Ok(StoredKey {
        id: r.get(0)?,
        name: r.get(1)?,
        sha256: r.get(2)?,
        access: r.get(3)?,
        user_scope: r.get(4)?,
        created_by: r.get(5)?,
        created_ms: r.get(6)?,
        revoked_by: r.get(7)?,
        revoked_ms: r.get(8)?,
        last_used_ms: r.get(9)?,
    })
}

impl SqliteKeyStore {
    /// Opens the store in the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self { conn: Mutex::new(open(path)?) })
    }

    fn one(&self, filter: &str, arg: impl rusqlite::ToSql) -> Result<Option<StoredKey>, StoreError> {
        Ok(lock(&self.conn)
            .prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {filter}"))?
            .query_row(params![arg], key_row)
            .optional()?)
    }
}

impl KeyStore for SqliteKeyStore {
    fn insert(&self, key: &NewKey) -> Result<StoredKey, KeyStoreError> {
        let conn = lock(&self.conn);
        let inserted = conn.execute(
            "INSERT INTO api_keys (name, sha256, access, user_scope, created_by, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key.name, key.sha256, key.access, key.user_scope, key.created_by, key.created_ms],
        );
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(KeyStoreError::Exists { name: key.name.clone() });
            }
            Err(e) => return Err(StoreError::from(e).into()),
        }
        Ok(StoredKey {
            id: conn.last_insert_rowid(),
            name: key.name.clone(),
            sha256: key.sha256.clone(),
            access: key.access.clone(),
            user_scope: key.user_scope.clone(),
            created_by: key.created_by.clone(),
            created_ms: key.created_ms,
            revoked_by: None,
            revoked_ms: None,
            last_used_ms: None,
        })
    }

    fn active_by_hash(&self, sha256: &str) -> Result<Option<StoredKey>, StoreError> {
        self.one("sha256 = ?1 AND revoked_ms IS NULL", sha256)
    }

    fn active_by_name(&self, name: &str) -> Result<Option<StoredKey>, StoreError> {
        self.one("name = ?1 AND revoked_ms IS NULL", name)
    }

    fn list(&self) -> Result<Vec<StoredKey>, StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY name, id DESC"))?;
        let rows = stmt.query_map([], key_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn update(&self, id: i64, access: &str, user_scope: Option<&str>) -> Result<Option<StoredKey>, StoreError> {
        let changed = lock(&self.conn).execute(
            "UPDATE api_keys SET access = ?2, user_scope = ?3 WHERE id = ?1 AND revoked_ms IS NULL",
            params![id, access, user_scope],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        self.one("id = ?1", id)
    }

    fn revoke(&self, id: i64, by: &str, now_ms: i64) -> Result<bool, StoreError> {
        let changed = lock(&self.conn).execute(
            "UPDATE api_keys SET revoked_by = ?2, revoked_ms = ?3 WHERE id = ?1 AND revoked_ms IS NULL",
            params![id, by, now_ms],
        )?;
        Ok(changed == 1)
    }

    fn touch(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        lock(&self.conn)
            .prepare_cached(
                "UPDATE api_keys SET last_used_ms = ?2
                 WHERE id = ?1 AND (last_used_ms IS NULL OR last_used_ms <= ?2 - ?3)",
            )?
            .execute(params![id, now_ms, LAST_USED_GRANULARITY_MS])?;
        Ok(())
    }

    fn delete_created_by(&self, name: &str, created_by: &str) -> Result<usize, StoreError> {
        Ok(lock(&self.conn)
            .execute("DELETE FROM api_keys WHERE name = ?1 AND created_by = ?2", params![name, created_by])?)
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

/// What came of a request, apart from the policy's [`Decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It was done: the tenant (or, for the BFF's own endpoints, the BFF) answered with success.
    Succeeded,
    /// It was sent, or attempted, and did not succeed: the tenant refused it
    /// (see [`AuditRecord::upstream_error`]) or could not be reached.
    Failed,
    /// Nothing was sent: the policy or the CSRF checks denied it, or the
    /// BFF refused it before forwarding (a body too large, not JSON, invalid).
    NotSent,
}

impl Outcome {
    /// `succeeded`, `failed` or `not_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::NotSent => "not_sent",
        }
    }

    /// The outcome named by [`Outcome::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            "not_sent" => Some(Self::NotSent),
            _ => None,
        }
    }

    /// The outcome a decision and the status answered imply, when nothing
    /// more is known: denied is not sent, 1xx to 3xx succeeded, else failed.
    pub fn derive(decision: Decision, status: u16) -> Self {
        match decision {
            Decision::Denied => Self::NotSent,
            Decision::Allowed if (100..400).contains(&status) => Self::Succeeded,
            Decision::Allowed => Self::Failed,
        }
    }
}

/// How the proxy words the `reason` of a request it refused before
/// forwarding (prefixes). Entries written before the outcome was stored get
/// `not_sent` from these; [`crate::audit`] uses them when the caller does
/// not say.
pub(crate) const REFUSED_BEFORE_SENDING: &[&str] = &["body too large", "not JSON", "unexpected body", "invalid body"];

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
    /// Path parameters by name, and the ids the bodies named: an id list
    /// the request carried (`roles`, `users`, `members`) and the id of an
    /// object created (`user_id`, `id`). The object filter matches any of them.
    pub object: Value,
    /// Allowed or denied, by the policy (or the CSRF checks).
    pub decision: Decision,
    /// What came of it: succeeded, failed, or not sent.
    pub outcome: Outcome,
    /// The tenant's error code when it refused the call (Auth0's
    /// `errorCode`, the OAuth `error`, or the Teams `type`), such as `inexistent_user`.
    #[serde(default)]
    pub upstream_error: Option<String>,
    /// Whether the operation changes something (a write), not only reads.
    #[serde(default)]
    pub change: bool,
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
    /// How the call came: `api` (an API key over HTTP), `console` (a
    /// signed-in admin's session), `mcp` (an agent's tool call); `None`
    /// for entries written before it was recorded.
    #[serde(default)]
    pub via: Option<String>,
    /// The approval request (`apr_…`) the call waited for, or that a
    /// decision entry decided.
    #[serde(default)]
    pub approval: Option<String>,
}

impl AuditRecord {
    /// Says what came of the call, when the caller knows better than
    /// [`Outcome::derive`] (the proxy refused a body before sending it, say).
    #[must_use]
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Records the tenant's error code (Auth0's `errorCode`), for a call
    /// the tenant refused. Marks the outcome failed.
    #[must_use]
    pub fn with_upstream_error(mut self, code: impl Into<String>) -> Self {
        self.upstream_error = Some(code.into());
        self.outcome = Outcome::Failed;
        self
    }

    /// Attaches the request body (secrets already redacted).
    #[must_use]
    pub fn with_body(mut self, body: Option<Value>) -> Self {
        self.body = body;
        self
    }

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
    /// Only changes (writes), not reads.
    pub changes_only: bool,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only what did not succeed: denied, failed upstream, or refused before sending.
    pub failures_only: bool,
    /// Only entries that name this id: a path parameter, or an id of a body (see [`AuditRecord::object`]).
    pub object: Option<String>,
    /// Only entries whose sentence contains this text (ASCII letters in any case).
    pub text: Option<String>,
    /// Only entries linked to this approval request (`apr_…`).
    pub approval: Option<String>,
    /// Only calls that came this way (`api`, `console`, `mcp`).
    pub via: Option<String>,
    /// Only entries older than this id: a cursor for walking the whole log ([`AuditStore::scan`]).
    pub before_id: Option<i64>,
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
    /// Reads up to `limit` entries matching `q`'s filters, newest first,
    /// without counting them all; `q.page` and `q.per_page` are ignored.
    /// Walk the whole log by setting `q.before_id` to the last id returned.
    fn scan(&self, q: &AuditQuery, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let q = AuditQuery { page: 0, per_page: limit.clamp(1, 100), ..q.clone() };
        Ok(self.query(&q)?.entries)
    }
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
                                status, sentence, body, method, path, outcome, upstream_error, is_change, via, approval)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        let mut objects = tx.prepare_cached("INSERT OR IGNORE INTO audit_objects (object, entry) VALUES (?1, ?2)")?;
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
                e.outcome.as_str(),
                e.upstream_error,
                e.change,
                e.via,
                e.approval,
            ])?;
            let id = tx.last_insert_rowid();
            let mut named = Vec::new();
            object_ids(&e.object, &mut named);
            for object in named {
                objects.execute(params![object, id])?;
            }
            ids.push(id);
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
        let (filter, args) = where_clause(q, Dialect::Sqlite);
        let conn = lock(&self.reader);
        let values: Vec<rusqlite::types::Value> = args.iter().cloned().map(Into::into).collect();
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM audit {filter}"),
            rusqlite::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        let per_page = q.per_page.clamp(1, 100);
        let offset = i64::from(q.page) * i64::from(per_page);
        let entries = select(&conn, &filter, args, i64::from(per_page), offset)?;
        Ok(AuditPage { entries, total: u64::try_from(total).unwrap_or(0) })
    }

    fn scan(&self, q: &AuditQuery, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let (filter, args) = where_clause(q, Dialect::Sqlite);
        let conn = lock(&self.reader);
        select(&conn, &filter, args, i64::from(limit.clamp(1, 1000)), 0)
    }
}

/// Most ids of one entry that go into `audit_objects`.
const MAX_OBJECT_IDS: usize = 200;

/// The strings of a JSON value (the ids an entry names), depth first.
pub(crate) fn object_ids<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    if out.len() >= MAX_OBJECT_IDS {
        return;
    }
    match value {
        Value::String(s) if !out.contains(&s.as_str()) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| object_ids(v, out)),
        Value::Object(map) => map.values().for_each(|v| object_ids(v, out)),
        _ => {}
    }
}

/// `LIKE` pattern matching `text` anywhere, with its own `%`, `_` and `\` taken literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Which SQL the audit query is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: `?` placeholders, `LIKE` is case-insensitive for ASCII.
    Sqlite,
    /// PostgreSQL: `$n` placeholders, `ILIKE`, booleans.
    Postgres,
}

/// A value bound to a query's placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}

impl From<Arg> for rusqlite::types::Value {
    fn from(a: Arg) -> Self {
        match a {
            Arg::Text(s) => s.into(),
            Arg::Int(i) => i.into(),
        }
    }
}

/// `sql` with its `?` placeholders numbered `$first`, `$first+1`, ... (PostgreSQL's).
pub(crate) fn numbered(sql: &str, first: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = first;
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted {
            out.push('$');
            out.push_str(&n.to_string());
            n += 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// The `WHERE` clause of a query's filters and its arguments.
pub(crate) fn where_clause(q: &AuditQuery, dialect: Dialect) -> (String, Vec<Arg>) {
    let mut clauses = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
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
    if q.changes_only {
        clauses.push(match dialect {
            Dialect::Sqlite => "is_change = 1",
            Dialect::Postgres => "is_change",
        });
    }
    if let Some(o) = q.outcome {
        clauses.push("outcome = ?");
        args.push(o.as_str().to_owned().into());
    }
    if q.failures_only {
        clauses.push("outcome <> 'succeeded'");
    }
    if let Some(o) = &q.object {
        clauses.push("id IN (SELECT entry FROM audit_objects WHERE object = ?)");
        args.push(o.clone().into());
    }
    if let Some(t) = &q.text {
        clauses.push(match dialect {
            Dialect::Sqlite => "sentence LIKE ? ESCAPE '\\'",
            Dialect::Postgres => "sentence ILIKE ? ESCAPE '\\'",
        });
        args.push(contains_pattern(t).into());
    }
    if let Some(a) = &q.approval {
        clauses.push("approval = ?");
        args.push(a.clone().into());
    }
    if let Some(v) = &q.via {
        clauses.push("via = ?");
        args.push(v.clone().into());
    }
    if let Some(b) = q.before_id {
        clauses.push("id < ?");
        args.push(b.into());
    }
    let mut filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    if dialect == Dialect::Postgres {
        filter = numbered(&filter, 1);
    }
    (filter, args)
}

/// Entries matching `filter`, newest first.
fn select(
    conn: &Connection,
    filter: &str,
    args: Vec<Arg>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut args: Vec<rusqlite::types::Value> = args.into_iter().map(Into::into).collect();
    args.push(limit.into());
    args.push(offset.into());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, time_ms, principal, principal_kind, operation, resource, object, decision, reason, status,
                sentence, body, method, path, outcome, upstream_error, is_change, via, approval
         FROM audit {filter} ORDER BY id DESC LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok(Row {
            id: r.get(0)?,
            time_ms: r.get(1)?,
            principal: r.get(2)?,
            principal_kind: r.get(3)?,
            operation: r.get(4)?,
            resource: r.get(5)?,
            object: r.get(6)?,
            decision: r.get(7)?,
            reason: r.get(8)?,
            status: r.get(9)?,
            sentence: r.get(10)?,
            body: r.get(11)?,
            method: r.get(12)?,
            path: r.get(13)?,
            outcome: r.get(14)?,
            upstream_error: r.get(15)?,
            change: r.get(16)?,
            via: r.get(17)?,
            approval: r.get(18)?,
        })
    })?;
    let mut entries = Vec::new();
    for row in rows {
        entries.push(row?.into_record()?);
    }
    Ok(entries)
}

/// An audit row as the database stores it.
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) time_ms: i64,
    pub(crate) principal: String,
    pub(crate) principal_kind: String,
    pub(crate) operation: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) object: String,
    pub(crate) decision: String,
    pub(crate) reason: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) sentence: String,
    pub(crate) body: Option<String>,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) outcome: String,
    pub(crate) upstream_error: Option<String>,
    pub(crate) change: bool,
    pub(crate) via: Option<String>,
    pub(crate) approval: Option<String>,
}

impl Row {
    pub(crate) fn into_record(self) -> Result<AuditRecord, StoreError> {
        let decision = if self.decision == "denied" { Decision::Denied } else { Decision::Allowed };
        Ok(AuditRecord {
            id: self.id,
            time_ms: self.time_ms,
            principal: self.principal,
            principal_kind: self.principal_kind,
            operation: self.operation,
            resource: self.resource,
            object: serde_json::from_str(&self.object)?,
            decision,
            outcome: Outcome::parse(&self.outcome).unwrap_or(Outcome::Failed),
            upstream_error: self.upstream_error,
            change: self.change,
            reason: self.reason,
            status: self.status,
            sentence: self.sentence,
            body: self.body.map(|b| serde_json::from_str(&b)).transpose()?,
            method: self.method,
            path: self.path,
            via: self.via,
            approval: self.approval,
        })
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
            outcome: Outcome::derive(decision, 204),
            upstream_error: None,
            change: true,
            reason: None,
            status: Some(204),
            sentence: "x".into(),
            body: None,
            method: "DELETE".into(),
            path: "/api/v2/users/auth0%7C1".into(),
            via: None,
            approval: None,
        }
    }

    #[tokio::test]
    async fn audit_roundtrip_filters_and_pages() {
        for db in crate::testdb::databases().await {
            audit_roundtrip_on(&*db.stores().await.audit).await;
        }
    }

    async fn audit_roundtrip_on(store: &dyn AuditStore) {
        let mut futs = Vec::new();
        for i in 0..25 {
            let d = if i % 5 == 0 { Decision::Denied } else { Decision::Allowed };
            futs.push(store.record(entry(if i % 2 == 0 { "a@x" } else { "b@x" }, d, 1000 + i)));
        }
        // Written at once, they may be stored in any order (PostgreSQL
        // commits them in parallel); the log's order is its ids'.
        let mut ids = Vec::new();
        for f in futs {
            ids.push(f.await.unwrap());
        }
        let all = store.query(&AuditQuery { per_page: 10, ..Default::default() }).unwrap();
        assert_eq!((all.total, all.entries.len()), (25, 10));
        ids.sort_unstable();
        assert_eq!(all.entries[0].id, ids[24], "newest first");
        assert!(all.entries.windows(2).all(|w| w[0].id > w[1].id));
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

    fn read(path: &str, id: &str, t: i64) -> AuditRecord {
        AuditRecord {
            operation: Some("GetUser".into()),
            object: json!({"id": id}),
            outcome: Outcome::Succeeded,
            change: false,
            status: Some(200),
            method: "GET".into(),
            path: path.into(),
            via: None,
            approval: None,
            sentence: format!("a@x read user {id} (200)"),
            ..entry("a@x", Decision::Allowed, t)
        }
    }

    fn all() -> AuditQuery {
        AuditQuery { per_page: 100, ..Default::default() }
    }

    #[tokio::test]
    async fn filters_for_changes_outcomes_objects_and_text() {
        for db in crate::testdb::databases().await {
            filters_on(&*db.stores().await.audit).await;
        }
    }

    async fn filters_on(store: &dyn AuditStore) {
        let blocked = AuditRecord {
            operation: Some("UpdateUser".into()),
            sentence: "a@x blocked user ana@acme.test (auth0|1) (200)".into(),
            status: Some(200),
            outcome: Outcome::Succeeded,
            method: "PATCH".into(),
            ..entry("a@x", Decision::Allowed, 1)
        };
        let refused = AuditRecord {
            operation: Some("GetUser".into()),
            object: json!({"id": "auth0|404"}),
            status: Some(404),
            sentence: "b@x tried deleting user auth0|404; the tenant answered 404".into(),
            ..entry("b@x", Decision::Allowed, 2)
        }
        .with_upstream_error("inexistent_user");
        let denied = AuditRecord {
            sentence: "c@x was denied deleting user 100%_sure".into(),
            ..entry("c@x", Decision::Denied, 3)
        };
        let assigned = AuditRecord {
            operation: Some("AssignUserRoles".into()),
            object: json!({"id": "auth0|2", "roles": ["rol_a", "rol_b"]}),
            sentence: "a@x assigned roles A, B to user auth0|2 (204)".into(),
            ..entry("a@x", Decision::Allowed, 4)
        };
        for e in [blocked, refused, denied, assigned, read("/api/v2/users/auth0%7C1", "auth0|1", 5)] {
            store.record(e).await.unwrap();
        }
        let q = |q: AuditQuery| store.query(&q).unwrap();
        let changes = q(AuditQuery { changes_only: true, ..all() });
        assert_eq!(changes.total, 4, "the read is left out");
        assert!(changes.entries.iter().all(|e| e.change));
        let failures = q(AuditQuery { failures_only: true, ..all() });
        let principals: Vec<&str> = failures.entries.iter().map(|e| e.principal.as_str()).collect();
        assert_eq!(principals, ["c@x", "b@x"], "denied and failed, newest first");
        let failed = q(AuditQuery { outcome: Some(Outcome::Failed), ..all() });
        assert_eq!(failed.total, 1);
        assert_eq!(failed.entries[0].upstream_error.as_deref(), Some("inexistent_user"));
        assert_eq!(failed.entries[0].decision, Decision::Allowed);
        assert_eq!(q(AuditQuery { outcome: Some(Outcome::NotSent), ..all() }).entries[0].principal, "c@x");
        // An id in a path parameter or in a body list.
        assert_eq!(q(AuditQuery { object: Some("auth0|1".into()), ..all() }).total, 3);
        assert_eq!(
            q(AuditQuery { object: Some("rol_b".into()), ..all() }).entries[0].operation.as_deref(),
            Some("AssignUserRoles")
        );
        assert_eq!(q(AuditQuery { object: Some("rol".into()), ..all() }).total, 0, "ids match whole");
        // Free text, with LIKE's wildcards taken literally.
        assert_eq!(q(AuditQuery { text: Some("BLOCKED user ana".into()), ..all() }).total, 1);
        assert_eq!(q(AuditQuery { text: Some("100%_sure".into()), ..all() }).total, 1);
        assert_eq!(q(AuditQuery { text: Some("1%0".into()), ..all() }).total, 0);
        // Filters combine.
        let combined = q(AuditQuery { changes_only: true, principal: Some("a@x".into()), since_ms: Some(2), ..all() });
        assert_eq!(combined.total, 1);
        // The cursor walks everything, newest first, without counting.
        let mut seen = Vec::new();
        let mut cursor = AuditQuery::default();
        loop {
            let batch = store.scan(&cursor, 2).unwrap();
            let Some(last) = batch.last() else { break };
            cursor.before_id = Some(last.id);
            seen.extend(batch.iter().map(|e| e.time_ms));
        }
        assert_eq!(seen, [5, 4, 3, 2, 1]);
        let fields = store.query(&AuditQuery { per_page: 1, ..all() }).unwrap().entries.remove(0).to_json();
        assert_eq!((fields["outcome"].as_str(), fields["change"].as_bool()), (Some("succeeded"), Some(false)));
        assert!(fields["upstreamError"].is_null());
    }

    /// A database written before outcomes were stored opens, and its rows get derived values.
    #[test]
    fn old_databases_are_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            let insert = "INSERT INTO audit (time_ms, principal, principal_kind, operation, resource, object, decision,
                                             reason, status, sentence, body, method, path)
                          VALUES (?1, 'a@x', 'user', 'UpdateUser', 'users', ?2, ?3, ?4, ?5, 's', NULL, ?6, ?7)";
            for (t, object, decision, reason, status, method, path) in [
                (1, r#"{"id":"auth0|1"}"#, "allowed", None, 200, "PATCH", "/api/v2/users/auth0%7C1"),
                (2, r#"{"id":"auth0|2"}"#, "allowed", Some("upstream 404"), 404, "DELETE", "/api/v2/users/auth0%7C2"),
                (3, r#"{"id":"auth0|3"}"#, "denied", Some("needs users:full"), 403, "DELETE", "/api/v2/users/x"),
                (4, "{}", "allowed", Some("invalid body at `email`: x"), 400, "POST", "/api/v2/users"),
                (5, "{}", "allowed", None, 200, "GET", "/audit"),
                (6, r#"{"id":"auth0|1"}"#, "allowed", None, 200, "GET", "/api/v2/users/auth0%7C1"),
            ] {
                conn.execute(insert, params![t, object, decision, reason, status, method, path]).unwrap();
            }
        }
        let store = SqliteAuditStore::open(&path).unwrap();
        let mut rows = store.query(&all()).unwrap().entries;
        rows.reverse();
        let got: Vec<(&str, bool)> = rows.iter().map(|e| (e.outcome.as_str(), e.change)).collect();
        assert_eq!(
            got,
            [
                ("succeeded", true),
                ("failed", true),
                ("not_sent", true),
                ("not_sent", true),
                ("succeeded", false),
                ("succeeded", false)
            ]
        );
        assert_eq!(store.query(&AuditQuery { object: Some("auth0|1".into()), ..all() }).unwrap().total, 2);
        drop(store);
        // Opening again (and a second connection at once) leaves it as it is.
        let again = SqliteAuditStore::open(&path).unwrap();
        let _sessions = SqliteSessionStore::open(&path).unwrap();
        assert_eq!(again.query(&all()).unwrap().total, 6);
        assert_eq!(again.query(&AuditQuery { object: Some("auth0|1".into()), ..all() }).unwrap().total, 2);
    }

    #[tokio::test]
    async fn sessions_and_logins() {
        for db in crate::testdb::databases().await {
            let stores = db.stores().await;
            sessions_on(&*stores.sessions);
            // A second instance on the same database sees the first one's sessions.
            let other = db.stores().await;
            let rec = SessionRecord {
                email: "b@x".into(),
                subject: "auth0|2".into(),
                name: Some("B".into()),
                roles: vec![],
                created_ms: 1,
                last_seen_ms: 1,
            };
            stores.sessions.insert("shared", &rec).unwrap();
            assert_eq!(other.sessions.get("shared").unwrap(), Some(rec), "{}", db.name);
            other.sessions.delete("shared").unwrap();
            assert_eq!(stores.sessions.get("shared").unwrap(), None, "{}: signed out everywhere", db.name);
            stores
                .sessions
                .insert_login(
                    "st2",
                    &LoginAttempt { verifier: "v".into(), nonce: "n".into(), return_to: "/".into(), created_ms: 1 },
                )
                .unwrap();
            assert!(other.sessions.take_login("st2").unwrap().is_some());
            assert!(stores.sessions.take_login("st2").unwrap().is_none(), "{}: completed once", db.name);
            assert_eq!(stores.sessions.purge(0, 0, 10).unwrap(), 0);
        }
    }

    fn sessions_on(s: &dyn SessionStore) {
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
