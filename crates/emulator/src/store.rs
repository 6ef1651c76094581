//! The tenant's data: every object as JSON, in memory, optionally written
//! through to SQLite.
//!
//! Objects are kept as [`serde_json::Value`] so fields the emulator does not
//! know survive a write and a read, as they do on Auth0. Collections keep
//! insertion order, which is the default list order.
//!
//! Concurrency: one `RwLock` guards the whole tenant. Writers take it
//! exclusively, change memory, and commit the journal of touched objects to
//! SQLite in one transaction while still holding it, so the database sees
//! writes in the order memory did and a response is only sent after its
//! write is committed (SQLite in WAL mode with `synchronous = FULL`). Should
//! a commit fail, the request is answered with a 500 while memory keeps the
//! change; the database then lags memory until the next write of those
//! objects.

use crate::ids::Ids;
use anyhow::Context as _;
use indexmap::IndexMap;
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, RwLock};

/// The collections of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Users, by `user_id`.
    Users,
    /// Password hashes, by `user_id` (never returned).
    Passwords,
    /// Roles, by `id`.
    Roles,
    /// Role ids of each user, by `user_id`.
    UserRoles,
    /// Applications, by `client_id`.
    Clients,
    /// Connections, by `id`.
    Connections,
    /// Organizations, by `id`.
    Organizations,
    /// Members of each organization with their roles: `{user_id: [role ids]}`, by organization id.
    OrgMembers,
    /// User grants, by `id`.
    Grants,
    /// APIs, by `id`.
    ResourceServers,
    /// Which application may get tokens for which API, by `id`.
    ClientGrants,
    /// Log events, by `log_id` (ascending).
    Logs,
    /// Teams API: team members, by `id`.
    TeamMembers,
    /// Teams API: pending invitations, by `id`.
    Invitations,
    /// Teams API: tenants, by `tenant_id`.
    Tenants,
    /// Teams API: each member's tenant access `{tenant_id: [{role, client_ids?}]}`, by member id.
    MemberTenants,
    /// Teams API: activity entries, by `id`.
    Activity,
    /// Counters and settings of the emulator itself.
    Meta,
    /// Objects of the operations handled by their catalog entry's shape,
    /// by [`object_key`] (collection path and id).
    Objects,
    /// Settings documents of those operations, by concrete path.
    Documents,
}

/// The key of a generic object: its collection's concrete path and its id.
pub fn object_key(collection: &str, id: &str) -> String {
    format!("{collection}\u{1f}{id}")
}

impl Kind {
    /// Every collection.
    pub const ALL: [Kind; 20] = [
        Kind::Users,
        Kind::Passwords,
        Kind::Roles,
        Kind::UserRoles,
        Kind::Clients,
        Kind::Connections,
        Kind::Organizations,
        Kind::OrgMembers,
        Kind::Grants,
        Kind::ResourceServers,
        Kind::ClientGrants,
        Kind::Logs,
        Kind::TeamMembers,
        Kind::Invitations,
        Kind::Tenants,
        Kind::MemberTenants,
        Kind::Activity,
        Kind::Meta,
        Kind::Objects,
        Kind::Documents,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Passwords => "passwords",
            Kind::Roles => "roles",
            Kind::UserRoles => "user_roles",
            Kind::Clients => "clients",
            Kind::Connections => "connections",
            Kind::Organizations => "organizations",
            Kind::OrgMembers => "org_members",
            Kind::Grants => "grants",
            Kind::ResourceServers => "resource_servers",
            Kind::ClientGrants => "client_grants",
            Kind::Logs => "logs",
            Kind::TeamMembers => "team_members",
            Kind::Invitations => "invitations",
            Kind::Tenants => "tenants",
            Kind::MemberTenants => "member_tenants",
            Kind::Activity => "activity",
            Kind::Meta => "meta",
            Kind::Objects => "objects",
            Kind::Documents => "documents",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One collection: objects by id, in insertion order.
pub type Collection = IndexMap<String, Value>;

/// Everything a tenant holds.
#[derive(Debug)]
pub struct Tenant {
    colls: Vec<Collection>,
    journal: Vec<(Kind, String)>,
    login_index: HashMap<String, String>,
    /// Random source for new ids.
    pub ids: Ids,
    /// Most log events kept; older ones are dropped.
    pub log_retention: usize,
    /// How many log events were ever appended in this process: a write that
    /// changes it wakes the log streams' delivery ([`Store::subscribe_logs`]).
    logs_written: u64,
}

/// The key of the login index: connection name and lower-cased email or username.
pub fn login_key(connection: &str, identifier: &str) -> String {
    format!("{connection}\u{1f}{}", identifier.to_lowercase())
}

fn user_login_keys(user: &Value) -> Vec<String> {
    let Some(conn) = user.pointer("/identities/0/connection").and_then(Value::as_str) else {
        return Vec::new();
    };
    ["email", "username"]
        .iter()
        .filter_map(|f| user.get(*f).and_then(Value::as_str))
        .map(|id| login_key(conn, id))
        .collect()
}

impl Tenant {
    /// An empty tenant.
    pub fn new(ids: Ids, log_retention: usize) -> Self {
        Self {
            colls: Kind::ALL.iter().map(|_| Collection::new()).collect(),
            journal: Vec::new(),
            login_index: HashMap::new(),
            ids,
            log_retention: log_retention.max(1),
            logs_written: 0,
        }
    }

    /// A collection, for reading.
    pub fn coll(&self, kind: Kind) -> &Collection {
        &self.colls[kind.index()]
    }

    /// One object.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&Value> {
        self.coll(kind).get(id)
    }

    fn index_user(&mut self, user: &Value, id: &str) {
        for key in user_login_keys(user) {
            self.login_index.insert(key, id.to_owned());
        }
    }

    fn unindex_user(&mut self, id: &str) {
        if let Some(old) = self.colls[Kind::Users.index()].get(id) {
            for key in user_login_keys(old) {
                if self.login_index.get(&key).is_some_and(|v| v == id) {
                    self.login_index.remove(&key);
                }
            }
        }
    }

    /// The user logging in with `identifier` (email or username) on `connection`.
    pub fn user_by_login(&self, connection: &str, identifier: &str) -> Option<&str> {
        self.login_index.get(&login_key(connection, identifier)).map(String::as_str)
    }

    /// Inserts or replaces an object.
    pub fn put(&mut self, kind: Kind, id: impl Into<String>, value: Value) {
        let id = id.into();
        if kind == Kind::Users {
            self.unindex_user(&id);
            self.index_user(&value, &id);
        }
        self.colls[kind.index()].insert(id.clone(), value);
        self.journal.push((kind, id));
        if kind == Kind::Logs {
            self.logs_written += 1;
            while self.colls[Kind::Logs.index()].len() > self.log_retention {
                if let Some((old, _)) = self.colls[Kind::Logs.index()].shift_remove_index(0) {
                    self.journal.push((Kind::Logs, old));
                }
            }
        }
    }

    /// Changes an object in place; `None` when it does not exist.
    pub fn modify<R>(&mut self, kind: Kind, id: &str, f: impl FnOnce(&mut Value) -> R) -> Option<R> {
        if kind == Kind::Users {
            self.unindex_user(id);
        }
        let value = self.colls[kind.index()].get_mut(id)?;
        let r = f(value);
        if kind == Kind::Users {
            let copy = value.clone();
            self.index_user(&copy, id);
        }
        self.journal.push((kind, id.to_owned()));
        Some(r)
    }

    /// Removes an object, returning it.
    pub fn remove(&mut self, kind: Kind, id: &str) -> Option<Value> {
        if kind == Kind::Users {
            self.unindex_user(id);
        }
        let old = self.colls[kind.index()].shift_remove(id)?;
        self.journal.push((kind, id.to_owned()));
        Some(old)
    }

    /// A value of the emulator's own settings.
    pub fn meta(&self, key: &str) -> Option<&Value> {
        self.get(Kind::Meta, key)
    }

    /// The next number of a persisted counter.
    pub fn next_counter(&mut self, key: &str) -> u64 {
        let n = self.meta(key).and_then(Value::as_u64).unwrap_or(0) + 1;
        self.put(Kind::Meta, key, json!(n));
        n
    }

    /// The objects touched since the last call, each once, in the order
    /// they were last touched.
    fn drain_journal(&mut self) -> Vec<(Kind, String)> {
        let mut seen = HashSet::new();
        let journal = std::mem::take(&mut self.journal);
        let mut out = Vec::with_capacity(journal.len());
        for (kind, id) in journal.into_iter().rev() {
            if seen.insert((kind, id.clone())) {
                out.push((kind, id));
            }
        }
        out.reverse();
        out
    }

    /// Loads stored objects, in stored order, without journaling them.
    fn load(&mut self, rows: Vec<(Kind, String, Value)>) {
        for (kind, id, value) in rows {
            if kind == Kind::Users {
                self.index_user(&value, &id);
            }
            self.colls[kind.index()].insert(id, value);
        }
    }
}

/// The SQLite file a tenant is written through to.
struct Persist {
    conn: Connection,
    next_seq: i64,
}

impl Persist {
    fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS objects (
                 kind TEXT NOT NULL,
                 id   TEXT NOT NULL,
                 seq  INTEGER NOT NULL,
                 body TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );
             CREATE INDEX IF NOT EXISTS objects_by_seq ON objects (seq);",
        )
        .context("creating the schema")?;
        let next_seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM objects", [], |r| r.get(0))?;
        Ok(Self { conn, next_seq })
    }

    fn load(&self) -> anyhow::Result<Vec<(Kind, String, Value)>> {
        let mut stmt = self.conn.prepare("SELECT kind, id, body FROM objects ORDER BY seq")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, id, body) = row?;
            let Some(kind) = Kind::from_name(&kind) else {
                continue;
            };
            let value =
                serde_json::from_str(&body).with_context(|| format!("decoding stored {} {id}", kind.as_str()))?;
            out.push((kind, id, value));
        }
        Ok(out)
    }

    /// Writes the current state of the touched objects in one transaction.
    fn commit(&mut self, changes: &[(Kind, String)], tenant: &Tenant) -> anyhow::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO objects (kind, id, seq, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM objects WHERE kind = ?1 AND id = ?2")?;
            for (kind, id) in changes {
                match tenant.get(*kind, id) {
                    Some(v) => {
                        upsert.execute(params![kind.as_str(), id, self.next_seq, v.to_string()])?;
                        self.next_seq += 1;
                    }
                    None => {
                        delete.execute(params![kind.as_str(), id])?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// A tenant behind its lock, with its database when it has one.
pub struct Store {
    tenant: RwLock<Tenant>,
    persist: Option<Mutex<Persist>>,
    /// The count of log events written, sent after every write that added one.
    log_signal: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("persistent", &self.persist.is_some()).finish()
    }
}

impl Store {
    /// A tenant held in memory only.
    pub fn memory(tenant: Tenant) -> Self {
        Self { tenant: RwLock::new(tenant), persist: None, log_signal: tokio::sync::watch::Sender::new(0) }
    }

    /// Opens (or creates) the database at `path` and loads what it holds
    /// into `empty`. Returns the store and whether anything was loaded.
    pub fn open(path: &Path, mut empty: Tenant) -> anyhow::Result<(Self, bool)> {
        let persist = Persist::open(path)?;
        let rows = persist.load()?;
        let loaded = !rows.is_empty();
        empty.load(rows);
        let store = Self {
            tenant: RwLock::new(empty),
            persist: Some(Mutex::new(persist)),
            log_signal: tokio::sync::watch::Sender::new(0),
        };
        Ok((store, loaded))
    }

    /// A receiver that changes whenever a write appends log events: what
    /// wakes the log streams' delivery instead of polling the tenant.
    pub fn subscribe_logs(&self) -> tokio::sync::watch::Receiver<u64> {
        self.log_signal.subscribe()
    }

    /// Whether writes go to a database.
    pub fn is_persistent(&self) -> bool {
        self.persist.is_some()
    }

    /// Reads under the shared lock.
    pub fn read<R>(&self, f: impl FnOnce(&Tenant) -> R) -> R {
        let guard = self.tenant.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Changes the tenant under the exclusive lock and commits what changed
    /// before returning.
    pub fn write<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> anyhow::Result<R> {
        let mut guard = self.tenant.write().unwrap_or_else(|e| e.into_inner());
        let before = guard.logs_written;
        let result = f(&mut guard);
        let written = guard.logs_written;
        let committed = match &self.persist {
            Some(persist) => {
                let changes = guard.drain_journal();
                let mut db = persist.lock().unwrap_or_else(|e| e.into_inner());
                db.commit(&changes, &guard).context("committing to the tenant database")
            }
            None => {
                guard.journal.clear();
                Ok(())
            }
        };
        drop(guard);
        // Memory holds the events even when the commit failed, so they are announced either way.
        if written != before {
            self.log_signal.send_replace(written);
        }
        committed?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_through_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let (store, loaded) = Store::open(&path, Tenant::new(Ids::new(1, 0), 10)).unwrap();
            assert!(!loaded);
            store
                .write(|t| {
                    t.put(Kind::Roles, "r1", json!({"id": "r1"}));
                    t.put(Kind::Roles, "r2", json!({"id": "r2"}));
                    t.modify(Kind::Roles, "r1", |v| v["name"] = json!("x"));
                    t.remove(Kind::Roles, "r2");
                })
                .unwrap();
        }
        let (store, loaded) = Store::open(&path, Tenant::new(Ids::new(1, 0), 10)).unwrap();
        assert!(loaded);
        store.read(|t| {
            assert_eq!(t.get(Kind::Roles, "r1"), Some(&json!({"id": "r1", "name": "x"})));
            assert!(t.get(Kind::Roles, "r2").is_none());
        });
    }

    #[test]
    fn logs_are_capped_and_logins_indexed() {
        let mut t = Tenant::new(Ids::new(1, 0), 3);
        for i in 0..5 {
            t.put(Kind::Logs, format!("{i}"), json!({}));
        }
        assert_eq!(t.coll(Kind::Logs).keys().collect::<Vec<_>>(), ["2", "3", "4"]);
        t.put(Kind::Users, "u", json!({"email": "A@x.com", "identities": [{"connection": "db"}]}));
        assert_eq!(t.user_by_login("db", "a@X.com"), Some("u"));
        t.modify(Kind::Users, "u", |u| u["email"] = json!("b@x.com"));
        assert_eq!(t.user_by_login("db", "a@x.com"), None);
        assert_eq!(t.user_by_login("db", "b@x.com"), Some("u"));
        t.remove(Kind::Users, "u");
        assert_eq!(t.user_by_login("db", "b@x.com"), None);
    }
}
