//! PostgreSQL storage, for several BFF instances behind a load balancer:
//! sessions and sign-in attempts, the audit log, API keys and approval
//! requests, the machine-to-machine token and the tenant's rate budget,
//! all shared by every instance that names the same database.
//!
//! The store traits ([`SessionStore`], [`KeyStore`], [`AuditStore`],
//! [`ApprovalStore`]) are synchronous, one statement per call, as SQLite
//! made them. [`Pg`] keeps a pool of `tokio-postgres` connections on a
//! runtime of its own: a synchronous call hands its statement to that
//! runtime and waits for the answer, so it works from any caller (a
//! request handler on the server's runtime, a test's single-threaded one)
//! without a connection ever belonging to a runtime that may stop first.
//! Audit writes ([`AuditStore::record`]) are awaited, not waited for.
//!
//! The schema is versioned ([`MIGRATIONS`]); every instance applies what is
//! missing at start, one at a time under an advisory lock.
//!
//! TLS ([`Tls`]): `sslmode=require`, `verify-ca` or `verify-full` in the URL
//! connects over TLS (rustls) and always verifies the server's certificate
//! and name against the public web roots, or against `sslrootcert=FILE`
//! (PEM) when given, as `psql` takes it; without one of those modes the
//! connection is plain TCP, for a database on a private network.

use crate::approvals::{Approval, ApprovalStore, Status};
use crate::events::{EventStore, EventStoreError, StoredEvent};
use crate::store::{
    Arg, AuditPage, AuditQuery, AuditRecord, AuditStore, BoxFuture, Dialect, KeyStore, KeyStoreError,
    LAST_USED_GRANULARITY_MS, LoginAttempt, NewKey, Row as AuditRow, SessionRecord, SessionStore, StoreError,
    StoredKey, object_ids, where_clause,
};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde_json::Value;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, error::SqlState};

/// Whether `database` names a PostgreSQL database (a `postgres://` or
/// `postgresql://` URL) rather than a SQLite file.
pub fn is_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// The longest a statement (with the wait for a connection) may take.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Most connections one instance holds.
const POOL_SIZE: usize = 16;

/// The advisory lock that serializes migrations across instances.
const MIGRATION_LOCK: i64 = 0x6761_7465_6d69_6772; // "gatemigr"

/// The advisory lock that serializes event inserts across instances, so
/// sequence numbers become visible in order (a follower never skips one).
const EVENTS_LOCK: i64 = 0x6761_7465_6576_6e74; // "gateevnt"

/// The schema, version by version. Append; never edit a released one.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE sessions (
         id_hash TEXT PRIMARY KEY,
         email TEXT NOT NULL,
         subject TEXT NOT NULL,
         name TEXT,
         roles TEXT NOT NULL,
         created_ms BIGINT NOT NULL,
         last_seen_ms BIGINT NOT NULL
     );
     CREATE TABLE login_attempts (
         state_hash TEXT PRIMARY KEY,
         verifier TEXT NOT NULL,
         nonce TEXT NOT NULL,
         return_to TEXT NOT NULL,
         created_ms BIGINT NOT NULL
     );
     CREATE TABLE audit (
         id BIGSERIAL PRIMARY KEY,
         time_ms BIGINT NOT NULL,
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
         path TEXT NOT NULL,
         outcome TEXT NOT NULL,
         upstream_error TEXT,
         is_change BOOLEAN NOT NULL,
         via TEXT,
         approval TEXT
     );
     CREATE INDEX audit_time ON audit (time_ms);
     CREATE INDEX audit_principal ON audit (principal, time_ms);
     CREATE INDEX audit_change ON audit (is_change, id);
     CREATE INDEX audit_outcome ON audit (outcome, id);
     CREATE INDEX audit_approval ON audit (approval) WHERE approval IS NOT NULL;
     CREATE TABLE audit_objects (
         object TEXT NOT NULL,
         entry BIGINT NOT NULL REFERENCES audit (id),
         PRIMARY KEY (object, entry)
     );
     CREATE TABLE api_keys (
         id BIGSERIAL PRIMARY KEY,
         name TEXT NOT NULL,
         sha256 TEXT NOT NULL UNIQUE,
         access TEXT NOT NULL,
         user_scope TEXT,
         created_by TEXT NOT NULL,
         created_ms BIGINT NOT NULL,
         revoked_by TEXT,
         revoked_ms BIGINT,
         last_used_ms BIGINT
     );
     CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_ms IS NULL;
     CREATE TABLE approvals (
         seq BIGSERIAL UNIQUE,
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
         requested_ms BIGINT NOT NULL,
         expires_ms BIGINT NOT NULL,
         decided_by TEXT,
         decided_ms BIGINT,
         reason TEXT,
         audit_id BIGINT
     );
     CREATE INDEX approvals_status ON approvals (status, requested_ms);
     CREATE INDEX approvals_principal ON approvals (principal, status);
     CREATE TABLE upstream_tokens (
         audience TEXT PRIMARY KEY,
         sealed BYTEA NOT NULL,
         expires_ms BIGINT NOT NULL,
         fetched_ms BIGINT NOT NULL
     );
     CREATE UNLOGGED TABLE rate_budget (
         api TEXT PRIMARY KEY,
         tat DOUBLE PRECISION NOT NULL
     );",
    ),
    (
        2,
        "CREATE TABLE log_events (
         seq BIGSERIAL PRIMARY KEY,
         log_id TEXT NOT NULL UNIQUE,
         data TEXT NOT NULL,
         received_ms BIGINT NOT NULL
     );
     CREATE TABLE event_settings (
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL
     );",
    ),
];

/// A pool of connections to one PostgreSQL database, on its own runtime.
pub struct Pg {
    pool: Pool,
    handle: tokio::runtime::Handle,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("Pg").field("status", &self.pool.status()).finish_non_exhaustive()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            rt.shutdown_background();
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// How the connections to the database are made, from the URL's `sslmode`.
pub enum Tls {
    /// Plain TCP (no `sslmode`, or `disable`, `allow` or `prefer`).
    Plain,
    /// TLS, the server's certificate and name verified (`require`,
    /// `verify-ca`, `verify-full`).
    Verified(Box<rustls::ClientConfig>),
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain => "Plain",
            Self::Verified(_) => "Verified",
        })
    }
}

impl Tls {
    /// Reads the connection settings and the TLS mode of a `postgres://`
    /// URL. `sslrootcert` (a PEM file of trusted certificates) is taken out
    /// of the URL here: the driver does not know it.
    pub fn from_url(url: &str) -> Result<(tokio_postgres::Config, Self), StoreError> {
        let bad = |what: String| StoreError::Unavailable(format!("bad database URL: {what}"));
        let mut parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let mut root_file = None;
        let mut mode = None;
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter_map(|(k, v)| match k.as_ref() {
                "sslrootcert" => {
                    root_file = Some(v.into_owned());
                    None
                }
                "sslmode" => {
                    mode = Some(v.to_string());
                    // The driver only knows disable/prefer/require: verification is ours.
                    let driver = match v.as_ref() {
                        "verify-ca" | "verify-full" => "require",
                        "allow" => "disable",
                        other => other,
                    };
                    Some((k.into_owned(), driver.to_owned()))
                }
                _ => Some((k.into_owned(), v.into_owned())),
            })
            .collect();
        if let Some((k, _)) = kept.iter().find(|(k, _)| k == "sslcert" || k == "sslkey") {
            return Err(bad(format!("`{k}` (client certificates) is not supported; use a password")));
        }
        if let Some(other) = mode
            .as_deref()
            .filter(|m| !matches!(*m, "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full"))
        {
            return Err(bad(format!("unknown sslmode `{other}`")));
        }
        parsed.query_pairs_mut().clear().extend_pairs(&kept);
        if kept.is_empty() {
            parsed.set_query(None);
        }
        let config = tokio_postgres::Config::from_str(parsed.as_str()).map_err(|e| bad(e.to_string()))?;
        let tls = match mode.as_deref() {
            None | Some("disable" | "allow" | "prefer") => {
                if root_file.is_some() {
                    return Err(bad("`sslrootcert` needs `sslmode=require`, `verify-ca` or `verify-full`".into()));
                }
                Self::Plain
            }
            Some(_) => Self::Verified(Box::new(client_config(root_file)?)),
        };
        Ok((config, tls))
    }
}

/// The TLS client settings: the public web roots, or the certificates of
/// `root_file` alone.
fn client_config(root_file: Option<String>) -> Result<rustls::ClientConfig, StoreError> {
    use rustls::pki_types::{CertificateDer, pem::PemObject as _};
    let mut roots = rustls::RootCertStore::empty();
    match root_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(file) => {
            let certs = CertificateDer::pem_file_iter(&file)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| StoreError::Unavailable(format!("cannot read sslrootcert {file}: {e}")))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(StoreError::Unavailable(format!("sslrootcert {file} holds no usable certificate")));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Unavailable(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Pg {
    /// Connects to the database at `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Arc<Self>, StoreError> {
        let (config, tls) = Tls::from_url(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gatehouse-pg")
            .enable_all()
            .build()
            .map_err(unavailable)?;
        let handle = runtime.handle().clone();
        let pool = {
            let _entered = handle.enter();
            let manager_config = ManagerConfig { recycling_method: RecyclingMethod::Fast };
            let manager = match tls {
                Tls::Plain => Manager::from_config(config, NoTls, manager_config),
                Tls::Verified(client) => {
                    Manager::from_config(config, tokio_postgres_rustls::MakeRustlsConnect::new(*client), manager_config)
                }
            };
            Pool::builder(manager)
                .max_size(POOL_SIZE)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(10)))
                .build()
                .map_err(unavailable)?
        };
        let pg = Arc::new(Self { pool, handle, runtime: Mutex::new(Some(runtime)) });
        pg.run(|pool| async move {
            let mut client = pool.get().await.map_err(unavailable)?;
            migrate(&mut client).await
        })
        .await?;
        Ok(pg)
    }

    /// Runs `f` with the pool on the database's runtime and awaits it.
    pub fn run<T, F, Fut>(&self, f: F) -> impl Future<Output = Result<T, StoreError>> + Send + 'static
    where
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let fut = f(self.pool.clone());
        let task = self.handle.spawn(async move {
            tokio::time::timeout(STATEMENT_TIMEOUT, fut).await.unwrap_or_else(|_| Err(unavailable("timed out")))
        });
        async move { task.await.map_err(unavailable)? }
    }

    /// Runs `f` with the pool on the database's runtime and blocks this
    /// thread until it is done (the store traits are synchronous).
    pub fn block<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = self.run(f);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| unavailable("the database runtime stopped"))?
    }
}

/// Makes a new, empty database in the cluster `admin_url` reaches (its
/// user must be allowed to create databases) and returns its URL: each
/// test gets a database of its own.
#[doc(hidden)]
pub async fn create_database(admin_url: &str) -> Result<String, StoreError> {
    let mut url = url::Url::parse(admin_url).map_err(|e| unavailable(format!("bad URL: {e}")))?;
    let name = format!("gatehouse_test_{}", hex::encode(rand::random::<[u8; 8]>()));
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await?;
    let driver = tokio::spawn(connection);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
    drop(client);
    let _ = driver.await;
    url.set_path(&name);
    Ok(url.to_string())
}

async fn migrate(client: &mut deadpool_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS gatehouse_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)",
    )
    .await?;
    let done: Vec<i32> =
        tx.query("SELECT version FROM gatehouse_migrations", &[]).await?.iter().map(|r| r.get(0)).collect();
    for (version, sql) in MIGRATIONS {
        if done.contains(version) {
            continue;
        }
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO gatehouse_migrations (version, applied_ms)
             VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT)",
            &[version],
        )
        .await?;
        tracing::info!(version, "database schema migrated");
    }
    if let Some(newer) = done.iter().find(|v| !MIGRATIONS.iter().any(|(m, _)| m == *v)) {
        tracing::warn!(version = newer, "the database has a newer schema than this BFF knows (a rolling upgrade?)");
    }
    tx.commit().await?;
    Ok(())
}

async fn conn(pool: &Pool) -> Result<deadpool_postgres::Object, StoreError> {
    pool.get().await.map_err(unavailable)
}

// ---------------------------------------------------------------- sessions

/// Sessions and sign-in attempts in PostgreSQL, shared by every instance.
#[derive(Debug, Clone)]
pub struct PgSessionStore(pub Arc<Pg>);

fn session_row(r: &tokio_postgres::Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        email: r.get(0),
        subject: r.get(1),
        name: r.get(2),
        roles: serde_json::from_str(r.get::<_, &str>(3))?,
        created_ms: r.get(4),
        last_seen_ms: r.get(5),
    })
}

impl SessionStore for PgSessionStore {
    fn insert(&self, id_hash: &str, s: &SessionRecord) -> Result<(), StoreError> {
        let (id_hash, s, roles) = (id_hash.to_owned(), s.clone(), serde_json::to_string(&s.roles)?);
        self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    "INSERT INTO sessions (id_hash, email, subject, name, roles, created_ms, last_seen_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[&id_hash, &s.email, &s.subject, &s.name, &roles, &s.created_ms, &s.last_seen_ms],
                )
                .await?;
            Ok(())
        })
    }

    fn get(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let id_hash = id_hash.to_owned();
        self.0.block(move |pool| async move {
            let row = conn(&pool)
                .await?
                .query_opt(
                    "SELECT email, subject, name, roles, created_ms, last_seen_ms FROM sessions WHERE id_hash = $1",
                    &[&id_hash],
                )
                .await?;
            row.as_ref().map(session_row).transpose()
        })
    }

    fn touch(&self, id_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        let id_hash = id_hash.to_owned();
        self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    "UPDATE sessions SET last_seen_ms = GREATEST(last_seen_ms, $2) WHERE id_hash = $1",
                    &[&id_hash, &now_ms],
                )
                .await?;
            Ok(())
        })
    }

    fn delete(&self, id_hash: &str) -> Result<(), StoreError> {
        let id_hash = id_hash.to_owned();
        self.0.block(move |pool| async move {
            conn(&pool).await?.execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash]).await?;
            Ok(())
        })
    }

    fn purge(&self, idle_before: i64, created_before: i64, login_before: i64) -> Result<usize, StoreError> {
        self.0.block(move |pool| async move {
            let c = conn(&pool).await?;
            let n = c
                .execute(
                    "DELETE FROM sessions WHERE last_seen_ms < $1 OR created_ms < $2",
                    &[&idle_before, &created_before],
                )
                .await?;
            let m = c.execute("DELETE FROM login_attempts WHERE created_ms < $1", &[&login_before]).await?;
            Ok(usize::try_from(n + m).unwrap_or(usize::MAX))
        })
    }

    fn insert_login(&self, state_hash: &str, a: &LoginAttempt) -> Result<(), StoreError> {
        let (state_hash, a) = (state_hash.to_owned(), a.clone());
        self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    "INSERT INTO login_attempts (state_hash, verifier, nonce, return_to, created_ms)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[&state_hash, &a.verifier, &a.nonce, &a.return_to, &a.created_ms],
                )
                .await?;
            Ok(())
        })
    }

    fn take_login(&self, state_hash: &str) -> Result<Option<LoginAttempt>, StoreError> {
        let state_hash = state_hash.to_owned();
        self.0.block(move |pool| async move {
            // One statement: of two instances completing the same sign-in, one gets it.
            let row = conn(&pool)
                .await?
                .query_opt(
                    "DELETE FROM login_attempts WHERE state_hash = $1
                     RETURNING verifier, nonce, return_to, created_ms",
                    &[&state_hash],
                )
                .await?;
            Ok(row.map(|r| LoginAttempt {
                verifier: r.get(0),
                nonce: r.get(1),
                return_to: r.get(2),
                created_ms: r.get(3),
            }))
        })
    }
}

// ---------------------------------------------------------------- API keys

/// API keys in PostgreSQL: a key made, changed or revoked through one
/// instance applies at once in all (they look keys up on every request).
#[derive(Debug, Clone)]
pub struct PgKeyStore(pub Arc<Pg>);

const KEY_COLUMNS: &str =
    "id, name, sha256, access, user_scope, created_by, created_ms, revoked_by, revoked_ms, last_used_ms";

fn key_row(r: &tokio_postgres::Row) -> StoredKey {
    StoredKey {
        id: r.get(0),
        name: r.get(1),
        sha256: r.get(2),
        access: r.get(3),
        user_scope: r.get(4),
        created_by: r.get(5),
        created_ms: r.get(6),
        revoked_by: r.get(7),
        revoked_ms: r.get(8),
        last_used_ms: r.get(9),
    }
}

impl PgKeyStore {
    fn one(&self, filter: &'static str, arg: Arg) -> Result<Option<StoredKey>, StoreError> {
        self.0.block(move |pool| async move {
            let c = conn(&pool).await?;
            let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE {filter}");
            let row = match &arg {
                Arg::Text(s) => c.query_opt(&sql, &[s]).await?,
                Arg::Int(i) => c.query_opt(&sql, &[i]).await?,
            };
            Ok(row.as_ref().map(key_row))
        })
    }
}

impl KeyStore for PgKeyStore {
    fn insert(&self, key: &NewKey) -> Result<StoredKey, KeyStoreError> {
        let k = key.clone();
        let inserted = self.0.block(move |pool| async move {
            let c = conn(&pool).await?;
            let row = c
                .query_one(
                    &format!(
                        "INSERT INTO api_keys (name, sha256, access, user_scope, created_by, created_ms)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {KEY_COLUMNS}"
                    ),
                    &[&k.name, &k.sha256, &k.access, &k.user_scope, &k.created_by, &k.created_ms],
                )
                .await;
            Ok(row.map(|r| key_row(&r)))
        })?;
        match inserted {
            Ok(key) => Ok(key),
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                Err(KeyStoreError::Exists { name: key.name.clone() })
            }
            Err(e) => Err(StoreError::from(e).into()),
        }
    }

    fn active_by_hash(&self, sha256: &str) -> Result<Option<StoredKey>, StoreError> {
        self.one("sha256 = $1 AND revoked_ms IS NULL", Arg::Text(sha256.to_owned()))
    }

    fn active_by_name(&self, name: &str) -> Result<Option<StoredKey>, StoreError> {
        self.one("name = $1 AND revoked_ms IS NULL", Arg::Text(name.to_owned()))
    }

    fn list(&self) -> Result<Vec<StoredKey>, StoreError> {
        self.0.block(move |pool| async move {
            let rows = conn(&pool)
                .await?
                .query(&format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY name, id DESC"), &[])
                .await?;
            Ok(rows.iter().map(key_row).collect())
        })
    }

    fn update(&self, id: i64, access: &str, user_scope: Option<&str>) -> Result<Option<StoredKey>, StoreError> {
        let (access, user_scope) = (access.to_owned(), user_scope.map(str::to_owned));
        self.0.block(move |pool| async move {
            let row = conn(&pool)
                .await?
                .query_opt(
                    &format!(
                        "UPDATE api_keys SET access = $2, user_scope = $3 WHERE id = $1 AND revoked_ms IS NULL
                         RETURNING {KEY_COLUMNS}"
                    ),
                    &[&id, &access, &user_scope],
                )
                .await?;
            Ok(row.as_ref().map(key_row))
        })
    }

    fn revoke(&self, id: i64, by: &str, now_ms: i64) -> Result<bool, StoreError> {
        let by = by.to_owned();
        self.0.block(move |pool| async move {
            let n = conn(&pool)
                .await?
                .execute(
                    "UPDATE api_keys SET revoked_by = $2, revoked_ms = $3 WHERE id = $1 AND revoked_ms IS NULL",
                    &[&id, &by, &now_ms],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn touch(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    "UPDATE api_keys SET last_used_ms = $2
                     WHERE id = $1 AND (last_used_ms IS NULL OR last_used_ms <= $2::BIGINT - $3::BIGINT)",
                    &[&id, &now_ms, &LAST_USED_GRANULARITY_MS],
                )
                .await?;
            Ok(())
        })
    }

    fn delete_created_by(&self, name: &str, created_by: &str) -> Result<usize, StoreError> {
        let (name, created_by) = (name.to_owned(), created_by.to_owned());
        self.0.block(move |pool| async move {
            let n = conn(&pool)
                .await?
                .execute("DELETE FROM api_keys WHERE name = $1 AND created_by = $2", &[&name, &created_by])
                .await?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}

// ---------------------------------------------------------------- audit

/// The audit log in PostgreSQL: one log for every instance, ordered by id.
/// An entry is committed (PostgreSQL's `synchronous_commit`, on by
/// default) before [`AuditStore::record`] resolves, so an instance that
/// dies after answering has lost nothing it answered for.
#[derive(Debug, Clone)]
pub struct PgAuditStore(pub Arc<Pg>);

const AUDIT_COLUMNS: &str = "id, time_ms, principal, principal_kind, operation, resource, object, decision, reason, \
                             status, sentence, body, method, path, outcome, upstream_error, is_change, via, approval";

fn audit_row(r: &tokio_postgres::Row) -> Result<AuditRecord, StoreError> {
    AuditRow {
        id: r.get(0),
        time_ms: r.get(1),
        principal: r.get(2),
        principal_kind: r.get(3),
        operation: r.get(4),
        resource: r.get(5),
        object: r.get(6),
        decision: r.get(7),
        reason: r.get(8),
        status: r.get::<_, Option<i32>>(9).and_then(|s| u16::try_from(s).ok()),
        sentence: r.get(10),
        body: r.get(11),
        method: r.get(12),
        path: r.get(13),
        outcome: r.get(14),
        upstream_error: r.get(15),
        change: r.get(16),
        via: r.get(17),
        approval: r.get(18),
    }
    .into_record()
}

fn params(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| match a {
            Arg::Text(s) => s as &(dyn ToSql + Sync),
            Arg::Int(i) => i as &(dyn ToSql + Sync),
        })
        .collect()
}

impl PgAuditStore {
    fn select(&self, q: &AuditQuery, limit: i64, offset: i64, count: bool) -> Result<AuditPage, StoreError> {
        let (filter, mut args) = where_clause(q, Dialect::Postgres);
        self.0.block(move |pool| async move {
            let c = conn(&pool).await?;
            let total = if count {
                let n: i64 = c.query_one(&format!("SELECT COUNT(*) FROM audit {filter}"), &params(&args)).await?.get(0);
                u64::try_from(n).unwrap_or(0)
            } else {
                0
            };
            let n = args.len();
            args.push(Arg::Int(limit));
            args.push(Arg::Int(offset));
            let sql = format!(
                "SELECT {AUDIT_COLUMNS} FROM audit {filter} ORDER BY id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            );
            let rows = c.query(&sql, &params(&args)).await?;
            let entries = rows.iter().map(audit_row).collect::<Result<Vec<_>, _>>()?;
            Ok(AuditPage { entries, total })
        })
    }
}

impl AuditStore for PgAuditStore {
    fn record(&self, e: AuditRecord) -> BoxFuture<'_, Result<i64, StoreError>> {
        let fields = (|| -> Result<_, StoreError> {
            let object = serde_json::to_string(&e.object)?;
            let body = e.body.as_ref().map(serde_json::to_string).transpose()?;
            let mut named = Vec::new();
            object_ids(&e.object, &mut named);
            let named: Vec<String> = named.into_iter().map(str::to_owned).collect();
            Ok((object, body, named))
        })();
        let (object, body, named) = match fields {
            Ok(f) => f,
            Err(err) => return Box::pin(async move { Err(err) }),
        };
        Box::pin(self.0.run(move |pool| async move {
            let mut c = conn(&pool).await?;
            let tx = c.transaction().await?;
            let status = e.status.map(i32::from);
            let id: i64 = tx
                .query_one(
                    "INSERT INTO audit (time_ms, principal, principal_kind, operation, resource, object, decision,
                                        reason, status, sentence, body, method, path, outcome, upstream_error,
                                        is_change, via, approval)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                     RETURNING id",
                    &[
                        &e.time_ms,
                        &e.principal,
                        &e.principal_kind,
                        &e.operation,
                        &e.resource,
                        &object,
                        &e.decision.as_str(),
                        &e.reason,
                        &status,
                        &e.sentence,
                        &body,
                        &e.method,
                        &e.path,
                        &e.outcome.as_str(),
                        &e.upstream_error,
                        &e.change,
                        &e.via,
                        &e.approval,
                    ],
                )
                .await?
                .get(0);
            if !named.is_empty() {
                tx.execute(
                    "INSERT INTO audit_objects (object, entry) SELECT o, $2 FROM unnest($1::TEXT[]) AS o
                     ON CONFLICT DO NOTHING",
                    &[&named, &id],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        }))
    }

    fn query(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        let per_page = q.per_page.clamp(1, 100);
        let offset = i64::from(q.page) * i64::from(per_page);
        self.select(q, i64::from(per_page), offset, true)
    }

    fn scan(&self, q: &AuditQuery, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        Ok(self.select(q, i64::from(limit.clamp(1, 1000)), 0, false)?.entries)
    }
}

// ---------------------------------------------------------------- approvals

/// Approval requests in PostgreSQL: a request made through one instance
/// can be decided through any other (the waiting call polls the store).
#[derive(Debug, Clone)]
pub(crate) struct PgApprovals(pub Arc<Pg>);

const APPROVAL_COLUMNS: &str = "id, status, principal, principal_kind, via, operation, method, path, params, \
                                sentence, body, changes, requested_ms, expires_ms, decided_by, decided_ms, reason, \
                                audit_id";

fn approval_row(r: &tokio_postgres::Row) -> Result<Approval, StoreError> {
    let json = |s: &str| serde_json::from_str::<Value>(s).map_err(StoreError::from);
    Ok(Approval {
        id: r.get(0),
        status: Status::parse(r.get(1)).unwrap_or(Status::Expired),
        principal: r.get(2),
        principal_kind: r.get(3),
        via: r.get(4),
        operation: r.get(5),
        method: r.get(6),
        path: r.get(7),
        params: json(r.get(8))?,
        sentence: r.get(9),
        body: r.get::<_, Option<&str>>(10).map(json).transpose()?,
        changes: r.get::<_, Option<&str>>(11).map(json).transpose()?,
        requested_ms: r.get(12),
        expires_ms: r.get(13),
        decided_by: r.get(14),
        decided_ms: r.get(15),
        reason: r.get(16),
        audit_id: r.get(17),
    })
}

impl ApprovalStore for PgApprovals {
    fn insert(&self, a: &Approval) -> Result<(), StoreError> {
        let text = |v: &Option<Value>| v.as_ref().map(serde_json::to_string).transpose();
        let (params_text, body, changes) = (serde_json::to_string(&a.params)?, text(&a.body)?, text(&a.changes)?);
        let a = a.clone();
        self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    &format!(
                        "INSERT INTO approvals ({APPROVAL_COLUMNS})
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                    ),
                    &[
                        &a.id,
                        &a.status.as_str(),
                        &a.principal,
                        &a.principal_kind,
                        &a.via,
                        &a.operation,
                        &a.method,
                        &a.path,
                        &params_text,
                        &a.sentence,
                        &body,
                        &changes,
                        &a.requested_ms,
                        &a.expires_ms,
                        &a.decided_by,
                        &a.decided_ms,
                        &a.reason,
                        &a.audit_id,
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn get(&self, id: &str) -> Result<Option<Approval>, StoreError> {
        let id = id.to_owned();
        self.0.block(move |pool| async move {
            let row = conn(&pool)
                .await?
                .query_opt(&format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"), &[&id])
                .await?;
            row.as_ref().map(approval_row).transpose()
        })
    }

    fn list(&self, status: Option<Status>, limit: u32) -> Result<Vec<Approval>, StoreError> {
        let status = status.map(|s| s.as_str().to_owned());
        let limit = i64::from(limit);
        self.0.block(move |pool| async move {
            let rows = conn(&pool)
                .await?
                .query(
                    &format!(
                        "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE $1::TEXT IS NULL OR status = $1
                         ORDER BY requested_ms DESC, seq DESC LIMIT $2"
                    ),
                    &[&status, &limit],
                )
                .await?;
            rows.iter().map(approval_row).collect()
        })
    }

    fn count_pending(&self, principal: Option<&str>) -> Result<u64, StoreError> {
        let principal = principal.map(str::to_owned);
        self.0.block(move |pool| async move {
            let n: i64 = conn(&pool)
                .await?
                .query_one(
                    "SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND ($1::TEXT IS NULL OR principal = $1)",
                    &[&principal],
                )
                .await?
                .get(0);
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn close(
        &self,
        id: &str,
        status: Status,
        decided_by: Option<&str>,
        at_ms: i64,
        reason: Option<&str>,
    ) -> Result<Option<Approval>, StoreError> {
        let (id, decided_by, reason) = (id.to_owned(), decided_by.map(str::to_owned), reason.map(str::to_owned));
        self.0.block(move |pool| async move {
            // One statement: of two instances closing it at once, one wins.
            let row = conn(&pool)
                .await?
                .query_opt(
                    &format!(
                        "UPDATE approvals SET status = $2, decided_by = $3, decided_ms = $4, reason = $5
                         WHERE id = $1 AND status = 'pending' RETURNING {APPROVAL_COLUMNS}"
                    ),
                    &[&id, &status.as_str(), &decided_by, &at_ms, &reason],
                )
                .await?;
            row.as_ref().map(approval_row).transpose()
        })
    }

    fn link_audit(&self, id: &str, audit_id: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.0.block(move |pool| async move {
            conn(&pool).await?.execute("UPDATE approvals SET audit_id = $2 WHERE id = $1", &[&id, &audit_id]).await?;
            Ok(())
        })
    }

    fn expire_overdue(&self, before_ms: i64, reason: &str) -> Result<usize, StoreError> {
        let reason = reason.to_owned();
        self.0.block(move |pool| async move {
            let n = conn(&pool)
                .await?
                .execute(
                    "UPDATE approvals SET status = 'expired', decided_ms = expires_ms, reason = $2
                     WHERE status = 'pending' AND expires_ms < $1",
                    &[&before_ms, &reason],
                )
                .await?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}

// ---------------------------------------------------------------- events

/// The window of received log events in PostgreSQL, shared by every
/// instance: a delivery taken by one reaches the feeds of all (each
/// instance follows the table, see [`crate::events`]).
#[derive(Debug, Clone)]
pub struct PgEventStore(pub Arc<Pg>);

impl EventStore for PgEventStore {
    fn insert(
        &self,
        events: &[(String, Value)],
        received_ms: i64,
        window: u32,
    ) -> Result<Vec<StoredEvent>, EventStoreError> {
        let rows = events
            .iter()
            .map(|(id, data)| Ok((id.clone(), serde_json::to_string(data)?, data.clone())))
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        Ok(self.0.block(move |pool| async move {
            let mut client = conn(&pool).await?;
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EVENTS_LOCK]).await?;
            let insert = tx
                .prepare(
                    "INSERT INTO log_events (log_id, data, received_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (log_id) DO NOTHING RETURNING seq",
                )
                .await?;
            let mut fresh = Vec::new();
            for (log_id, text, data) in rows {
                if let Some(row) = tx.query_opt(&insert, &[&log_id, &text, &received_ms]).await? {
                    fresh.push(StoredEvent { seq: row.get(0), log_id, data, received_ms });
                }
            }
            if !fresh.is_empty() {
                tx.execute(
                    "DELETE FROM log_events WHERE seq <= (SELECT MAX(seq) FROM log_events) - $1",
                    &[&i64::from(window)],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(fresh)
        })?)
    }

    fn after(&self, seq: i64, limit: u32) -> Result<Vec<StoredEvent>, EventStoreError> {
        let rows = self.0.block(move |pool| async move {
            let rows = conn(&pool)
                .await?
                .query(
                    "SELECT seq, log_id, data, received_ms FROM log_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                    &[&seq, &i64::from(limit)],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1), r.get::<_, String>(2), r.get::<_, i64>(3)))
                .collect::<Vec<_>>())
        })?;
        rows.into_iter()
            .map(|(seq, log_id, data, received_ms)| {
                Ok(StoredEvent { seq, log_id, data: serde_json::from_str(&data)?, received_ms })
            })
            .collect()
    }

    fn last_seq(&self) -> Result<i64, EventStoreError> {
        Ok(self.0.block(|pool| async move {
            Ok(conn(&pool).await?.query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM log_events", &[]).await?.get(0))
        })?)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, EventStoreError> {
        let key = key.to_owned();
        Ok(self.0.block(move |pool| async move {
            let row = conn(&pool).await?.query_opt("SELECT value FROM event_settings WHERE key = $1", &[&key]).await?;
            Ok(row.map(|r| r.get(0)))
        })?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), EventStoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        Ok(self.0.block(move |pool| async move {
            conn(&pool)
                .await?
                .execute(
                    "INSERT INTO event_settings (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    &[&key, &value],
                )
                .await?;
            Ok(())
        })?)
    }

    fn shared(&self) -> bool {
        true
    }
}

// ---------------------------------------------------------------- token

/// The machine-to-machine token, shared by every instance: the first that
/// needs one asks the tenant while holding an advisory lock, the others
/// wait for it and read what it stored. One token request per token
/// lifetime for the whole deployment.
///
/// The token is stored sealed (ChaCha20-Poly1305, with a key derived from
/// the client secret, the audience as associated data): reading the
/// database does not give a token to someone who lacks the secret. When
/// the database fails, the instance asks the tenant itself (and says so
/// in its log): availability over the quota.
pub struct PgTokens {
    pg: Arc<Pg>,
    cipher: chacha20poly1305::ChaCha20Poly1305,
}

impl std::fmt::Debug for PgTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTokens").finish_non_exhaustive()
    }
}

/// A stored token is used only while it has more than this share of its
/// lifetime left (and at least a minute), as the client refreshes its own.
fn refresh_margin_ms(lifetime_ms: i64) -> i64 {
    (lifetime_ms / 10).min(60_000)
}

impl PgTokens {
    /// Tokens shared in `pg`, sealed with a key derived from `client_secret`.
    pub fn new(pg: Arc<Pg>, client_secret: &gatehouse_model::Secret) -> Self {
        use chacha20poly1305::KeyInit as _;
        use sha2::Digest as _;
        let key = sha2::Sha256::new()
            .chain_update(b"gatehouse upstream token v1\0")
            .chain_update(client_secret.expose().as_bytes())
            .finalize();
        #[allow(clippy::expect_used)] // a SHA-256 is always 32 bytes, the key size
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&key).expect("a 32-byte key");
        Self { pg, cipher }
    }

    fn seal(&self, audience: &str, token: &str) -> Option<Vec<u8>> {
        use chacha20poly1305::aead::{Aead as _, Payload};
        let nonce: [u8; 12] = rand::random();
        let sealed = self
            .cipher
            .encrypt(&chacha20poly1305::Nonce::from(nonce), Payload { msg: token.as_bytes(), aad: audience.as_bytes() })
            .ok()?;
        Some([nonce.as_slice(), &sealed].concat())
    }

    fn open(&self, audience: &str, sealed: &[u8]) -> Option<gatehouse_model::Secret> {
        use chacha20poly1305::aead::{Aead as _, Payload};
        let (nonce, body) = sealed.split_at_checked(12)?;
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self
            .cipher
            .decrypt(&chacha20poly1305::Nonce::from(nonce), Payload { msg: body, aad: audience.as_bytes() })
            .ok()?;
        String::from_utf8(plain).ok().map(gatehouse_model::Secret::new)
    }

    /// The stored token, if it is still good and not the rejected one;
    /// with the advisory lock of `audience` held by `tx`. Also the database's time.
    async fn held(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        audience: &str,
        rejected: Option<&gatehouse_model::Secret>,
    ) -> Result<(Option<(gatehouse_model::Secret, Duration)>, i64), StoreError> {
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('gatehouse token ' || $1))", &[&audience]).await?;
        let now: i64 = tx.query_one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT", &[]).await?.get(0);
        let row = tx
            .query_opt("SELECT sealed, expires_ms, fetched_ms FROM upstream_tokens WHERE audience = $1", &[&audience])
            .await?;
        let Some(row) = row else { return Ok((None, now)) };
        let (sealed, expires_ms, fetched_ms): (Vec<u8>, i64, i64) = (row.get(0), row.get(1), row.get(2));
        let left = expires_ms - now;
        if left <= refresh_margin_ms(expires_ms - fetched_ms) {
            return Ok((None, now));
        }
        let Some(token) = self.open(audience, &sealed) else {
            tracing::warn!(audience, "the stored upstream token does not open (another client secret?); fetching one");
            return Ok((None, now));
        };
        if rejected == Some(&token) {
            return Ok((None, now));
        }
        Ok((Some((token, Duration::from_millis(u64::try_from(left).unwrap_or(0)))), now))
    }

    async fn keep(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        audience: &str,
        token: &gatehouse_model::Secret,
        lifetime: Duration,
        now: i64,
    ) -> Result<(), StoreError> {
        let sealed = self.seal(audience, token.expose()).ok_or_else(|| unavailable("cannot seal the token"))?;
        let expires = now.saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX));
        tx.execute(
            "INSERT INTO upstream_tokens (audience, sealed, expires_ms, fetched_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (audience) DO UPDATE SET sealed = $2, expires_ms = $3, fetched_ms = $4",
            &[&audience, &sealed, &expires, &now],
        )
        .await?;
        Ok(())
    }
}

impl gatehouse_client::SharedTokens for PgTokens {
    fn token<'a>(
        &'a self,
        audience: &'a str,
        rejected: Option<&'a gatehouse_model::Secret>,
        fetch: gatehouse_client::rt::BoxFuture<
            'a,
            Result<(gatehouse_model::Secret, Duration), gatehouse_client::TokenError>,
        >,
    ) -> gatehouse_client::rt::BoxFuture<'a, Result<(gatehouse_model::Secret, Duration), gatehouse_client::TokenError>>
    {
        Box::pin(async move {
            let mut client = match self.pg.run(|pool| async move { conn(&pool).await }).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, audience, "the shared token store failed: asking the tenant directly");
                    return fetch.await;
                }
            };
            let tx = match client.transaction().await {
                Ok(tx) => tx,
                Err(e) => {
                    tracing::warn!(error = %e, audience, "the shared token store failed: asking the tenant directly");
                    return fetch.await;
                }
            };
            let now = match self.held(&tx, audience, rejected).await {
                Ok((Some(token), _)) => return Ok(token),
                Ok((None, now)) => now,
                Err(e) => {
                    tracing::warn!(error = %e, audience, "the shared token store failed: asking the tenant directly");
                    drop(tx);
                    return fetch.await;
                }
            };
            // Still holding the lock: the other instances wait for this one token.
            let (token, lifetime) = fetch.await?;
            let kept = match self.keep(&tx, audience, &token, lifetime, now).await {
                Ok(()) => tx.commit().await.map_err(StoreError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = kept {
                tracing::warn!(error = %e, audience, "the new upstream token could not be shared");
            }
            Ok((token, lifetime))
        })
    }
}

// ---------------------------------------------------------------- budget

/// The tenant's rate budget, shared by every instance: one generic cell
/// rate algorithm (GCRA) row per API, moved forward by one statement per
/// request on the database's clock. Each request gets the next slot of
/// the whole deployment and waits for it, so all instances together send
/// no faster than `rate` per second after bursts of `burst`, as the
/// tenant's bucket allows.
///
/// Its table is `UNLOGGED`: taking a slot writes no WAL and waits for no
/// disk flush (a database crash only refills the bucket).
///
/// A few requests of the burst are held back as headroom (a tenth of it,
/// at least one), for requests that reach the tenant late after leaving
/// on time. When the database fails, a request is not held (each
/// instance's own pacing still applies) and the log says so.
#[derive(Debug)]
pub struct PgBudget {
    pg: Arc<Pg>,
    /// Seconds between two slots (1 / rate).
    interval: f64,
    /// How far ahead of the slot time a request may go: the burst.
    tolerance: f64,
}

impl PgBudget {
    /// A shared budget of `rate` requests per second with bursts of `burst`.
    pub fn new(pg: Arc<Pg>, rate: f64, burst: u32) -> Self {
        let interval = 1.0 / rate;
        let headroom = (burst / 10).max(1);
        let tolerance = f64::from(burst.saturating_sub(headroom + 1)) * interval;
        Self { pg, interval, tolerance }
    }

    /// Takes the next slot for `api`: how long to wait for it.
    pub async fn take(&self, api: &'static str) -> Result<Duration, StoreError> {
        let (interval, tolerance) = (self.interval, self.tolerance);
        self.pg
            .run(move |pool| async move {
                let c = conn(&pool).await?;
                let wait: f64 = c
                    .query_one(
                        "WITH now AS (SELECT extract(epoch FROM clock_timestamp())::FLOAT8 AS t)
                         INSERT INTO rate_budget (api, tat) SELECT $1, t + $2 FROM now
                         ON CONFLICT (api) DO UPDATE SET tat = GREATEST(rate_budget.tat, (SELECT t FROM now)) + $2
                         RETURNING GREATEST(0, tat - $2 - $3 - (SELECT t FROM now))",
                        &[&api, &interval, &tolerance],
                    )
                    .await?
                    .get(0);
                Ok(Duration::from_secs_f64(wait.clamp(0.0, 3600.0)))
            })
            .await
    }
}

impl gatehouse_client::SharedBudget for PgBudget {
    fn reserve(&self, api: gatehouse_model::operation::Api) -> gatehouse_client::rt::BoxFuture<'_, Duration> {
        use gatehouse_model::operation::Api;
        let name = match api {
            Api::Management => "management",
            Api::Teams => "teams",
            // The token endpoint is not part of the APIs' buckets.
            Api::Authentication => return Box::pin(async { Duration::ZERO }),
        };
        Box::pin(async move {
            self.take(name).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the shared rate budget failed: this request is paced by this instance alone");
                Duration::ZERO
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> Result<&'static str, String> {
        Tls::from_url(url)
            .map(|(_, tls)| if matches!(tls, Tls::Plain) { "plain" } else { "tls" })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_url_decides_tls() {
        let base = "postgres://u:p@db.internal:5432/gatehouse";
        assert_eq!(mode(base), Ok("plain"));
        assert_eq!(mode(&format!("{base}?sslmode=disable")), Ok("plain"));
        assert_eq!(mode(&format!("{base}?sslmode=require")), Ok("tls"));
        assert_eq!(mode(&format!("{base}?sslmode=verify-full&application_name=g")), Ok("tls"));
        let (config, _) = Tls::from_url(&format!("{base}?sslmode=verify-ca&application_name=g")).unwrap();
        assert_eq!(config.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert_eq!(config.get_application_name(), Some("g"));
        for (url, says) in [
            (format!("{base}?sslmode=sometimes"), "unknown sslmode"),
            (format!("{base}?sslmode=require&sslcert=c.pem"), "not supported"),
            (format!("{base}?sslrootcert=/x.pem"), "needs `sslmode"),
            (format!("{base}?sslmode=require&sslrootcert=/no/such.pem"), "cannot read sslrootcert"),
            ("postgres://[bad".to_owned(), "bad database URL"),
        ] {
            let e = mode(&url).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    /// Over TLS to the test cluster: verified against the test authority it
    /// works (and the connection is encrypted); against the public roots,
    /// which do not trust that authority, it is refused.
    #[tokio::test]
    async fn tls_connections_verify_the_server() {
        let (Ok(admin), Ok(ca)) =
            (std::env::var(crate::testdb::POSTGRES_ENV), std::env::var(format!("{}_CA", crate::testdb::POSTGRES_ENV)))
        else {
            eprintln!("SKIPPED: no TLS test cluster (cargo xtask test starts one)");
            return;
        };
        let db = create_database(&admin).await.unwrap();
        let pg = Pg::connect(&format!("{db}?sslmode=verify-full&sslrootcert={ca}"))
            .await
            .expect("a verified TLS connection");
        let encrypted: bool = pg
            .run(|pool| async move {
                let row = conn(&pool)
                    .await?
                    .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
                    .await?;
                Ok(row.get(0))
            })
            .await
            .unwrap();
        assert!(encrypted, "the connection uses TLS");
        let sessions = PgSessionStore(pg);
        sessions.delete("nothing").expect("the stores work over TLS");
        let refused = Pg::connect(&format!("{db}?sslmode=require")).await.expect_err("an untrusted certificate");
        assert!(matches!(refused, StoreError::Unavailable(_) | StoreError::Postgres(_)), "{refused}");
    }
}
