//! Events without polling: the tenant's log stream in, live feeds out.
//!
//! - `POST /hooks/auth0-log-stream` ([`receive`]) is where the tenant's
//!   custom-webhook log stream delivers. It takes Auth0's three content
//!   formats (a JSON array, JSON lines, one JSON object, or an object of
//!   items keyed by position), each item either
//!   `{"log_id": …, "data": <event>}` as Auth0 sends it or a bare log event;
//!   requires `Authorization: Bearer <secret>` (compared in constant time,
//!   as SHA-256 digests, so neither the value nor its length leaks);
//!   limits the body's size; answers malformed input with 400; and drops
//!   events it already holds, by `log_id`.
//! - Received events are kept in a bounded window ([`EventStore`], a SQLite
//!   table in the BFF's database) under a local sequence number, which is
//!   what a reconnecting client resumes from, and fanned out to live
//!   subscribers through a [`broadcast`] channel.
//! - `GET /events` ([`feed`]) is the feed as Server-Sent Events for
//!   principals that may list the tenant's logs ([`can_read`]), filtered to
//!   the users of their object scopes, resumable with `Last-Event-ID`; the
//!   MCP endpoint offers the same feed as a tool ([`next_events`]).
//! - `POST /events/setup` ([`setup`]) creates the log stream on the tenant,
//!   pointing at this BFF with a newly generated secret; in demo mode the
//!   BFF does it itself at start ([`setup_demo`]).

use crate::app::{Credentials, Principal, Shared};
use crate::audit::{Call, audited};
use crate::responses::{error, error_body, json_response};
use crate::store::Decision;
use axum::extract::{Request, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use gatehouse_model::Secret;
use gatehouse_model::catalog::{self, OpDesc};
use gatehouse_model::policy::{Level, Target};
use gatehouse_model::scope::UserScopes;
use http::{HeaderMap, StatusCode};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;

/// The receiver's path, as the tenant's log stream is set up to call it.
pub const HOOK_PATH: &str = "/hooks/auth0-log-stream";

/// The operation whose access the feed is read under (the model's policy vocabulary).
pub const FEED_OPERATION: &str = gatehouse_model::policy::EVENT_FEED;

/// Most events sent from the window when a client resumes or asks for a backlog.
pub const MAX_BACKLOG: u32 = 500;

/// Most events one MCP call answers.
pub const MAX_BATCH: usize = 100;

/// Longest an MCP call waits for events, in seconds.
pub const MAX_WAIT_SECS: u64 = 30;

/// How often a live feed checks that its principal still holds its access.
const RECHECK: Duration = Duration::from_secs(60);

/// Distinct users a scoped feed remembers the verdict on.
const SCOPE_CACHE: usize = 1_000;

/// One event as received and kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// This BFF's sequence number: the feed's event id.
    pub seq: i64,
    /// The tenant's id of the log event.
    pub log_id: String,
    /// The log event.
    pub data: Value,
    /// When it was received (UNIX ms).
    pub received_ms: i64,
}

/// Why the event store failed.
#[derive(Debug, thiserror::Error)]
pub enum EventStoreError {
    /// The database failed.
    #[error("the event store failed: {0}")]
    Database(#[from] rusqlite::Error),
    /// An event could not be encoded or decoded.
    #[error("an event could not be (de)serialized: {0}")]
    Json(#[from] serde_json::Error),
    /// The task running the query failed.
    #[error("the event store's task failed: {0}")]
    Task(String),
    /// The shared database failed.
    #[error("the event store failed: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// Where received events are kept: a bounded window of the latest ones.
/// One implementation per database; each call is one short transaction.
pub trait EventStore: Send + Sync {
    /// Stores the events whose `log_id` it does not hold yet, in order, and
    /// returns them with their sequence numbers; then drops the oldest
    /// beyond `window`.
    fn insert(
        &self,
        events: &[(String, Value)],
        received_ms: i64,
        window: u32,
    ) -> Result<Vec<StoredEvent>, EventStoreError>;

    /// Events after sequence number `seq`, oldest first, at most `limit`.
    fn after(&self, seq: i64, limit: u32) -> Result<Vec<StoredEvent>, EventStoreError>;

    /// The latest sequence number (0 when empty).
    fn last_seq(&self) -> Result<i64, EventStoreError>;

    /// A setting of the feed (the generated stream secret).
    fn setting(&self, key: &str) -> Result<Option<String>, EventStoreError>;

    /// Sets a setting of the feed.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), EventStoreError>;

    /// Whether other instances write to this store too: then each instance
    /// follows it for the events the others received, and rereads the
    /// stream's secret another instance may have set up.
    fn shared(&self) -> bool {
        false
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    log_id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// The SQLite event store (WAL; its own connection to the BFF's database).
pub struct SqliteEventStore {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteEventStore").finish_non_exhaustive()
    }
}

impl SqliteEventStore {
    /// Opens the store in the database at `path`, creating its tables.
    pub fn open(path: &Path) -> Result<Self, EventStoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn event_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

impl EventStore for SqliteEventStore {
    fn insert(
        &self,
        events: &[(String, Value)],
        received_ms: i64,
        window: u32,
    ) -> Result<Vec<StoredEvent>, EventStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut fresh = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO log_events (log_id, data, received_ms) VALUES (?1, ?2, ?3) ON CONFLICT (log_id) DO NOTHING",
            )?;
            for (log_id, data) in events {
                if insert.execute(params![log_id, serde_json::to_string(data)?, received_ms])? == 1 {
                    fresh.push(StoredEvent {
                        seq: tx.last_insert_rowid(),
                        log_id: log_id.clone(),
                        data: data.clone(),
                        received_ms,
                    });
                }
            }
        }
        if !fresh.is_empty() {
            tx.execute(
                "DELETE FROM log_events WHERE seq <= (SELECT MAX(seq) FROM log_events) - ?1",
                params![i64::from(window)],
            )?;
        }
        tx.commit()?;
        Ok(fresh)
    }

    fn after(&self, seq: i64, limit: u32) -> Result<Vec<StoredEvent>, EventStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, log_id, data, received_ms FROM log_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![seq, i64::from(limit)], event_row)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, log_id, data, received_ms) = row?;
            out.push(StoredEvent { seq, log_id, data: serde_json::from_str(&data)?, received_ms });
        }
        Ok(out)
    }

    fn last_seq(&self) -> Result<i64, EventStoreError> {
        Ok(self.conn().query_row("SELECT COALESCE(MAX(seq), 0) FROM log_events", [], |r| r.get(0))?)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, EventStoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM event_settings WHERE key = ?1", params![key], |r| r.get(0))
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), EventStoreError> {
        self.conn().execute(
            "INSERT INTO event_settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

/// The setting holding a secret generated by [`setup`].
const SECRET_SETTING: &str = "log_stream_secret";

/// The feed's state: its store, its live channel and the expected authorization.
pub(crate) struct Events {
    store: Arc<dyn EventStore>,
    live: broadcast::Sender<Arc<StoredEvent>>,
    /// SHA-256 of the `Authorization` value deliveries must carry; `None`: refuse all.
    expected: RwLock<Option<[u8; 32]>>,
    /// The secret from the configuration, if any (then setup keeps it).
    configured: Option<Secret>,
    /// Serializes inserts, so events go out live in sequence order.
    inserting: tokio::sync::Mutex<()>,
    max_body: usize,
    window: u32,
    /// Whether a log stream was set up by this BFF (or a secret configured).
    set_up: std::sync::atomic::AtomicBool,
    /// The highest sequence number sent live (on a shared store, the
    /// follower's position in the table).
    last_live: std::sync::atomic::AtomicI64,
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

fn authorization_for(secret: &str) -> String {
    format!("Bearer {secret}")
}

impl Events {
    /// The feed over `store`; `secret` from the configuration, else the one
    /// a previous setup stored.
    pub fn new(
        store: Arc<dyn EventStore>,
        secret: Option<Secret>,
        max_body: usize,
        window: u32,
    ) -> Result<Self, EventStoreError> {
        let configured = secret.clone();
        let secret = match secret {
            Some(s) => Some(s.expose().to_owned()),
            None => store.setting(SECRET_SETTING)?,
        };
        let set_up = secret.is_some();
        let expected = secret.map(|s| digest(authorization_for(&s).as_bytes()));
        let last_live = store.last_seq()?;
        Ok(Self {
            store,
            live: broadcast::channel(1024).0,
            expected: RwLock::new(expected),
            configured,
            inserting: tokio::sync::Mutex::new(()),
            max_body,
            window: window.max(1),
            set_up: std::sync::atomic::AtomicBool::new(set_up),
            last_live: std::sync::atomic::AtomicI64::new(last_live),
        })
    }

    /// Whether a delivery's `Authorization` value is the expected one.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let expected = *self.expected.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let given = headers.get(http::header::AUTHORIZATION).map(|v| digest(v.as_bytes()));
        match (expected, given) {
            (Some(e), Some(g)) => bool::from(e.ct_eq(&g)),
            _ => false,
        }
    }

    /// Takes a new secret (from [`setup`]), storing it for the next start.
    fn adopt_secret(&self, secret: &str) -> Result<(), EventStoreError> {
        self.store.set_setting(SECRET_SETTING, secret)?;
        *self.expected.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(digest(authorization_for(secret).as_bytes()));
        self.set_up.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Stores a delivery's events and sends the new ones live; returns how many were new.
    pub async fn accept(&self, events: Vec<(String, Value)>, now_ms: i64) -> Result<usize, EventStoreError> {
        let _order = self.inserting.lock().await;
        let store = self.store.clone();
        let window = self.window;
        let fresh = tokio::task::spawn_blocking(move || store.insert(&events, now_ms, window))
            .await
            .unwrap_or_else(|e| Err(EventStoreError::Task(e.to_string())))?;
        let n = fresh.len();
        if self.store.shared() {
            // Other instances insert too: send everything after our position,
            // in order, theirs included (sequence numbers commit in order).
            self.send_new().await?;
        } else {
            for event in fresh {
                self.send_live(event);
            }
        }
        Ok(n)
    }

    /// Sends one event to the live feeds (none listening is fine: the window keeps it).
    fn send_live(&self, event: StoredEvent) {
        self.last_live.fetch_max(event.seq, std::sync::atomic::Ordering::SeqCst);
        let _ = self.live.send(Arc::new(event));
    }

    /// Sends what the store holds after the last event sent live (the caller holds `inserting`).
    async fn send_new(&self) -> Result<(), EventStoreError> {
        loop {
            let batch = self.after(self.last_live.load(std::sync::atomic::Ordering::SeqCst), MAX_BACKLOG).await?;
            let done = batch.len() < MAX_BACKLOG as usize;
            for event in batch {
                self.send_live(event);
            }
            if done {
                return Ok(());
            }
        }
    }

    /// On a store other instances share, one step of following it: sends
    /// the events they received, and takes a stream secret one of them set
    /// up. A no-op on a store of this instance's own.
    pub async fn follow(&self) -> Result<(), EventStoreError> {
        if !self.store.shared() {
            return Ok(());
        }
        {
            let _order = self.inserting.lock().await;
            self.send_new().await?;
        }
        if self.configured.is_none() {
            let store = self.store.clone();
            let stored = tokio::task::spawn_blocking(move || store.setting(SECRET_SETTING))
                .await
                .unwrap_or_else(|e| Err(EventStoreError::Task(e.to_string())))?;
            if let Some(secret) = stored {
                *self.expected.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(digest(authorization_for(&secret).as_bytes()));
                self.set_up.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        Ok(())
    }

    async fn after(&self, seq: i64, limit: u32) -> Result<Vec<StoredEvent>, EventStoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.after(seq, limit))
            .await
            .unwrap_or_else(|e| Err(EventStoreError::Task(e.to_string())))
    }

    fn last_seq(&self) -> Result<i64, EventStoreError> {
        self.store.last_seq()
    }

    /// Whether other instances share the store (see [`Events::follow`]).
    pub fn is_shared(&self) -> bool {
        self.store.shared()
    }

    /// Whether a log stream feeds this BFF (set up, or a secret configured).
    pub fn is_set_up(&self) -> bool {
        self.set_up.load(std::sync::atomic::Ordering::SeqCst)
    }
}

// ------------------------------------------------------------------ parsing

/// Why a delivery was refused as malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The body is not JSON in any of the formats.
    #[error("the body is not a JSON array, a JSON object or JSON lines: {0}")]
    NotJson(String),
    /// An item is not an object.
    #[error("item {index} is not a JSON object")]
    NotObject {
        /// Its position in the delivery.
        index: usize,
    },
    /// An item carries no `log_id`.
    #[error("item {index} has no `log_id`")]
    NoLogId {
        /// Its position in the delivery.
        index: usize,
    },
    /// The body holds no event.
    #[error("the delivery holds no event")]
    Empty,
}

/// The `(log_id, event)` pairs of a delivery, in order: a JSON array, one
/// JSON object, or JSON lines; each item `{"log_id", "data"}` or a bare
/// event with its `log_id` (or `_id`).
pub fn parse_delivery(body: &[u8]) -> Result<Vec<(String, Value)>, DeliveryError> {
    let text = std::str::from_utf8(body).map_err(|e| DeliveryError::NotJson(e.to_string()))?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DeliveryError::Empty);
    }
    let items: Vec<Value> = match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Array(items)) => items,
        // A batch as an object keyed by position (`{"0": {…}, "1": {…}}`).
        Ok(Value::Object(map)) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut numbered: Vec<(usize, Value)> =
                map.into_iter().filter_map(|(k, v)| k.parse::<usize>().ok().map(|n| (n, v))).collect();
            numbered.sort_by_key(|(n, _)| *n);
            numbered.into_iter().map(|(_, v)| v).collect()
        }
        Ok(other) => vec![other],
        // More than one value: JSON lines.
        Err(first) => {
            let mut items = Vec::new();
            for (n, line) in trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
                let item = serde_json::from_str::<Value>(line).map_err(|e| {
                    DeliveryError::NotJson(if n == 0 { first.to_string() } else { format!("line {}: {e}", n + 1) })
                })?;
                items.push(item);
            }
            items
        }
    };
    if items.is_empty() {
        return Err(DeliveryError::Empty);
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let Value::Object(mut map) = item else { return Err(DeliveryError::NotObject { index }) };
            let id_of = |m: &serde_json::Map<String, Value>| {
                m.get("log_id")
                    .or_else(|| m.get("_id"))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let (log_id, data) = match map.remove("data") {
                Some(Value::Object(data)) => (id_of(&map).or_else(|| id_of(&data)), Value::Object(data)),
                Some(other) => {
                    map.insert("data".into(), other);
                    (id_of(&map), Value::Object(map))
                }
                None => (id_of(&map), Value::Object(map)),
            };
            let log_id = log_id.ok_or(DeliveryError::NoLogId { index })?;
            let mut data = data;
            if let Some(obj) = data.as_object_mut() {
                obj.entry("log_id").or_insert_with(|| Value::from(log_id.clone()));
            }
            Ok((log_id, data))
        })
        .collect()
}

// ----------------------------------------------------------------- receiver

/// `POST /hooks/auth0-log-stream`: a delivery of the tenant's log stream.
/// Refusals are audited (principal `log-stream`); accepted deliveries are
/// not, as their events are kept in the window themselves.
pub(crate) async fn receive(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::bff("POST", "ReceiveLogStream", FEED_OPERATION, HOOK_PATH, "delivering log events");
    let events = &state.events;
    let (parts, body) = request.into_parts();
    let refused = |status: StatusCode, code: &str, message: String| {
        let record = call.record(
            "log-stream",
            "log_stream",
            Decision::Denied,
            Some(message.clone()),
            status.as_u16(),
            format!("a log stream delivery was refused ({}): {message}", status.as_u16()),
        );
        (record, error(status, code, &message))
    };
    let outcome = if !events.authorized(&parts.headers) {
        Err(refused(
            StatusCode::UNAUTHORIZED,
            "gatehouse_invalid_authorization",
            "the delivery's Authorization is missing or not the log stream's".to_owned(),
        ))
    } else {
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let too_large = || {
            refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "gatehouse_body_too_large",
                format!("the delivery is larger than {} bytes", events.max_body),
            )
        };
        if declared.is_some_and(|n| n > events.max_body) {
            Err(too_large())
        } else {
            match axum::body::to_bytes(body, events.max_body).await {
                Err(_) => Err(too_large()),
                Ok(bytes) => match parse_delivery(&bytes) {
                    Err(e) => Err(refused(StatusCode::BAD_REQUEST, "gatehouse_bad_delivery", e.to_string())),
                    Ok(parsed) => {
                        let total = parsed.len();
                        match events.accept(parsed, state.clock.now_ms()).await {
                            Ok(fresh) => Ok(json_response(
                                StatusCode::OK,
                                &json!({"received": total, "new": fresh, "duplicates": total - fresh}),
                            )),
                            Err(e) => {
                                tracing::error!(error = %e, "log events could not be stored");
                                // 503: the stream retries the delivery.
                                Ok(error(
                                    StatusCode::SERVICE_UNAVAILABLE,
                                    "gatehouse_storage",
                                    "the events could not be stored; deliver again",
                                ))
                            }
                        }
                    }
                },
            }
        }
    };
    match outcome {
        Ok(response) => {
            state.metrics.observe(
                "ReceiveLogStream",
                "allowed",
                response.status().as_u16(),
                started.elapsed().as_secs_f64(),
            );
            response
        }
        Err((record, response)) => {
            tracing::warn!(reason = record.reason.as_deref().unwrap_or(""), "log stream delivery refused");
            audited(&state, record, response, started).await
        }
    }
}

// --------------------------------------------------------------------- feed

/// Whether a principal may follow the event feed: it may list the tenant's logs.
pub(crate) fn can_read(principal: &Principal) -> bool {
    feed_op().is_some_and(|op| principal.grants().allows_op(op))
}

fn feed_op() -> Option<&'static OpDesc> {
    catalog::by_name(FEED_OPERATION)
}

/// Decides which events a principal sees: all of them, or for a scoped
/// principal those naming a user within its scopes (looked up in the
/// tenant, remembered per feed; an event naming no user, or one that
/// cannot be checked, is left out).
pub(crate) struct Visibility {
    scopes: Option<UserScopes>,
    secrets: bool,
    known: HashMap<String, bool>,
}

impl Visibility {
    pub fn of(state: &Shared, principal: &Principal) -> Self {
        Self {
            scopes: principal.user_scopes(&state.policy),
            secrets: principal.grants().level(Target::Secrets) >= Level::Full,
            known: HashMap::new(),
        }
    }

    /// The event as this principal may see it, or `None`.
    pub async fn show(&mut self, state: &Shared, event: &StoredEvent) -> Option<Value> {
        if let Some(scopes) = &self.scopes {
            let user = event.data.get("user_id").and_then(Value::as_str)?.to_owned();
            let admitted = match self.known.get(&user) {
                Some(v) => *v,
                None => {
                    let v = crate::scope::admits(state, scopes, &user).await;
                    if self.known.len() >= SCOPE_CACHE {
                        self.known.clear();
                    }
                    self.known.insert(user, v);
                    v
                }
            };
            if !admitted {
                return None;
            }
        }
        let data = if self.secrets {
            event.data.clone()
        } else {
            let op = feed_op()?;
            let bytes = crate::proxy::strip_secrets(op, serde_json::to_vec(&event.data).ok()?);
            serde_json::from_slice(&bytes).ok()?
        };
        Some(data)
    }
}

/// Authenticates a feed request: an API key, or a session cookie from this
/// origin (an `EventSource` cannot send `X-CSRF`, so a cookie is held to
/// `Sec-Fetch-Site` and `Origin` only; the feed changes nothing).
async fn feed_principal(state: &Shared, headers: &HeaderMap) -> Result<Principal, Response> {
    match state.credentials(headers)? {
        Credentials::Key(k) => Ok(Principal::Key(k)),
        Credentials::Cookie(session) => {
            let cross_site = headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|s| matches!(s.trim().to_ascii_lowercase().as_str(), "cross-site" | "same-site"));
            let other_origin = headers.get(http::header::ORIGIN).is_some_and(|o| {
                o.to_str().ok().map(|o| o.trim_end_matches('/')) != Some(state.public_origin.as_str())
            });
            if cross_site || other_origin {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "gatehouse_csrf",
                    "refused: the request came from another site",
                ));
            }
            state.cookie_principal(session)
        }
        Credentials::None => Err(crate::app::AppState::no_credentials()),
    }
}

/// Whether the credentials of a live feed still hold its access.
fn still_allowed(state: &Shared, headers: &HeaderMap) -> bool {
    let principal = match state.credentials(headers) {
        Ok(Credentials::Key(k)) => Principal::Key(k),
        Ok(Credentials::Cookie(Some((_, rec)))) => state.user(&rec),
        _ => return false,
    };
    can_read(&principal)
}

/// Where a feed starts: after `Last-Event-ID` (or `?after=`), else after the
/// `?backlog=` latest events (at most [`MAX_BACKLOG`]), else from now.
fn start_of(state: &Shared, headers: &HeaderMap, query: Option<&str>) -> Result<i64, String> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let param = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    for (k, _) in &pairs {
        if !matches!(k.as_str(), "after" | "backlog") {
            return Err(format!("unknown parameter `{k}` (takes `after` and `backlog`)"));
        }
    }
    let number = |name: &str, v: String| {
        v.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("`{name}` must be a whole number, not `{v}`"))
    };
    let last_event_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(v) = last_event_id {
        return number("Last-Event-ID", v);
    }
    if let Some(v) = param("after") {
        return number("after", v);
    }
    let last = state.events.last_seq().map_err(|e| e.to_string())?;
    match param("backlog") {
        Some(v) => Ok((last - number("backlog", v)?.min(i64::from(MAX_BACKLOG))).max(0)),
        None => Ok(last),
    }
}

/// `GET /events`: the event feed as Server-Sent Events (`event: log`, `id:`
/// the sequence number, `data:` the log event). Opening it is audited.
pub(crate) async fn feed(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::bff("GET", "FollowEvents", FEED_OPERATION, "/events", "following the tenant's events");
    let headers = request.headers().clone();
    let principal = match feed_principal(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = principal.name().to_owned();
    let kind = principal.kind();
    if !can_read(&principal) {
        let missing = format!("{FEED_OPERATION}:read");
        return crate::audit::denied_for(&state, &call, &who, kind, &missing, started).await;
    }
    let from = match start_of(&state, &headers, request.uri().query()) {
        Ok(n) => n,
        Err(m) => {
            let record = call.record(
                &who,
                kind,
                Decision::Allowed,
                Some(m.clone()),
                400,
                format!("{who} asked for the event feed with a bad query (400): {m}"),
            );
            return audited(&state, record, error(StatusCode::BAD_REQUEST, "gatehouse_bad_query", &m), started).await;
        }
    };
    let record = call.record(&who, kind, Decision::Allowed, None, 200, format!("{who} followed the tenant's events"));
    let (tx, rx) = tokio::sync::mpsc::channel::<SseEvent>(64);
    let credentials: HeaderMap = headers
        .iter()
        .filter(|(k, _)| *k == http::header::AUTHORIZATION || *k == http::header::COOKIE)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let visibility = Visibility::of(&state, &principal);
    let response = Sse::new(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, std::convert::Infallible>(e), rx))
    }))
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    .into_response();
    let response = audited(&state, record, response, started).await;
    if response.status() == StatusCode::OK {
        tokio::spawn(pump(state.clone(), from, visibility, credentials, tx));
    }
    response
}

/// Sends a feed's events: the window after `from`, then live ones, until
/// the client goes or its access does.
async fn pump(
    state: Shared,
    mut last: i64,
    mut visibility: Visibility,
    credentials: HeaderMap,
    tx: tokio::sync::mpsc::Sender<SseEvent>,
) {
    let mut live = state.events.live.subscribe();
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    let send = |event: &StoredEvent, data: Value| {
        SseEvent::default().event("log").id(event.seq.to_string()).json_data(data).ok()
    };
    // `catch_up` reads the window after `last` (a start or a lag).
    let mut catch_up = true;
    loop {
        if catch_up {
            loop {
                let batch = match state.events.after(last, MAX_BACKLOG).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(error = %e, "the event window could not be read");
                        return;
                    }
                };
                let done = batch.len() < MAX_BACKLOG as usize;
                for event in batch {
                    last = event.seq;
                    if let Some(data) = visibility.show(&state, &event).await
                        && let Some(sse) = send(&event, data)
                        && tx.send(sse).await.is_err()
                    {
                        return;
                    }
                }
                if done {
                    break;
                }
            }
            catch_up = false;
        }
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) if event.seq > last => {
                    last = event.seq;
                    if let Some(data) = visibility.show(&state, &event).await
                        && let Some(sse) = send(&event, data)
                        && tx.send(sse).await.is_err()
                    {
                        return;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => catch_up = true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = recheck.tick() => {
                if !still_allowed(&state, &credentials) {
                    let _ = tx.send(SseEvent::default().event("end").data("access ended")).await;
                    return;
                }
            }
            () = tx.closed() => return,
        }
    }
}

/// The events after `after` that a principal sees, waiting up to `wait`
/// for the first; at most [`MAX_BATCH`]. Returns them with the sequence
/// number to ask after next. What the MCP tool answers.
pub(crate) async fn next_events(
    state: &Shared,
    principal: &Principal,
    after: Option<i64>,
    wait: Duration,
) -> Result<(Vec<(i64, Value)>, i64), EventStoreError> {
    let mut visibility = Visibility::of(state, principal);
    let mut live = state.events.live.subscribe();
    let mut last = match after {
        Some(n) => n,
        None => state.events.last_seq()?,
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut out = Vec::new();
    loop {
        for event in state.events.after(last, MAX_BATCH as u32).await? {
            last = event.seq;
            if let Some(data) = visibility.show(state, &event).await {
                out.push((event.seq, data));
                if out.len() >= MAX_BATCH {
                    return Ok((out, last));
                }
            }
        }
        if !out.is_empty() {
            return Ok((out, last));
        }
        match tokio::time::timeout_at(deadline, live.recv()).await {
            Err(_) => return Ok((out, last)),
            // Anything new (or a lag, or a closed channel) is read from the window.
            Ok(Ok(_) | Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) => return Ok((out, last)),
        }
    }
}

// ---------------------------------------------------------------------- MCP

/// The MCP tool that waits for the tenant's next events.
pub const TOOL: &str = "gatehouse_events_next";

/// The MCP tool [`TOOL`]: listed for keys that may follow the feed.
pub(crate) fn tool() -> rmcp::model::Tool {
    let schema = json!({
        "type": "object",
        "properties": {
            "after": {
                "type": "integer",
                "minimum": 0,
                "description": "The `next_after` of the previous answer: events after it are returned. Leave it out to wait for events from now on.",
            },
            "wait_secs": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_WAIT_SECS,
                "description": "How long to wait for the first event, in seconds (default 20, at most 30).",
            },
        },
        "additionalProperties": false,
    });
    let schema = match schema {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let annotations = rmcp::model::ToolAnnotations::with_title("Wait for the tenant's next log events")
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    rmcp::model::Tool::new(
        TOOL,
        "Waits for the Auth0 tenant's next log events (sign-ins, failed logins, Management API changes) as its \
         log stream delivers them, without polling the logs. Answers as soon as there is at least one (at most \
         100), or with none when `wait_secs` pass. Pass the answer's `next_after` as `after` to continue.",
        Arc::new(schema),
    )
    .with_annotations(annotations)
}

/// Reads the tool's arguments: `(after, wait)`.
fn tool_args(args: &serde_json::Map<String, Value>) -> Result<(Option<i64>, Duration), String> {
    for k in args.keys() {
        if k != "after" && k != "wait_secs" {
            return Err(format!("unknown argument `{k}` (takes `after` and `wait_secs`)"));
        }
    }
    let after = match args.get("after") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|n| *n >= 0).ok_or("`after` must be a whole number of at least 0")?),
    };
    let wait = match args.get("wait_secs") {
        None | Some(Value::Null) => 20,
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_WAIT_SECS)
            .ok_or(format!("`wait_secs` must be a whole number from 0 to {MAX_WAIT_SECS}"))?,
    };
    Ok((after, Duration::from_secs(wait)))
}

/// Runs the tool for an agent: refused without the feed's access, audited either way.
pub(crate) async fn call_tool(
    state: &Shared,
    principal: &Principal,
    args: serde_json::Map<String, Value>,
) -> rmcp::model::CallToolResult {
    use rmcp::model::{CallToolResult, ContentBlock};
    let started = Instant::now();
    let mut call = Call::bff("GET", "FollowEvents", FEED_OPERATION, "/mcp", "waiting for the tenant's events");
    call.mcp = true;
    let who = principal.name().to_owned();
    let kind = principal.kind();
    let (record, result) = if !can_read(principal) {
        let m = format!("needs {FEED_OPERATION}:read");
        (
            call.record(
                &who,
                kind,
                Decision::Denied,
                Some(m.clone()),
                403,
                format!("{who} was denied waiting for the tenant's events: {m}"),
            ),
            CallToolResult::error(vec![ContentBlock::text(format!(
                "403 gatehouse_denied: {who} may not follow the tenant's events: {m}"
            ))]),
        )
    } else {
        match tool_args(&args) {
            Err(m) => (
                call.record(
                    &who,
                    kind,
                    Decision::Allowed,
                    Some(m.clone()),
                    400,
                    format!("{who} asked for the tenant's events with bad arguments (400): {m}"),
                ),
                CallToolResult::error(vec![ContentBlock::text(format!("`{TOOL}`: {m}"))]),
            ),
            Ok((after, wait)) => match next_events(state, principal, after, wait).await {
                Ok((events, next)) => {
                    let n = events.len();
                    let value = json!({
                        "events": events.into_iter().map(|(seq, event)| json!({"seq": seq, "event": event})).collect::<Vec<_>>(),
                        "next_after": next,
                    });
                    let mut result = CallToolResult::structured(value);
                    result.is_error = Some(false);
                    (
                        call.record(
                            &who,
                            kind,
                            Decision::Allowed,
                            None,
                            200,
                            format!("{who} waited for the tenant's events ({n} received)"),
                        ),
                        result,
                    )
                }
                Err(e) => {
                    tracing::error!(error = %e, "the event window could not be read");
                    (
                        call.record(
                            &who,
                            kind,
                            Decision::Allowed,
                            Some(e.to_string()),
                            500,
                            format!("{who} could not read the tenant's events (500)"),
                        ),
                        CallToolResult::error(vec![ContentBlock::text(
                            "500 gatehouse_storage: the events could not be read",
                        )]),
                    )
                }
            },
        }
    };
    let status = record.status.unwrap_or(200);
    let response =
        audited(state, record, StatusCode::from_u16(status).unwrap_or(StatusCode::OK).into_response(), started).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE && status != 503 {
        return CallToolResult::error(vec![ContentBlock::text(
            "503 gatehouse_audit_unavailable: the audit log could not record this call",
        )]);
    }
    result
}

// -------------------------------------------------------------------- setup

/// A new random secret for the log stream (256 bits, URL-safe base64).
fn new_secret() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The body of `logStreams.create` for a stream delivering to `endpoint`.
fn stream_body(endpoint: &str, secret: &str) -> Value {
    json!({
        "name": "Gatehouse live events",
        "type": "http",
        "sink": {
            "httpEndpoint": endpoint,
            "httpContentType": "application/json",
            "httpContentFormat": "JSONARRAY",
            "httpAuthorization": authorization_for(secret),
        },
    })
}

/// A JSON answer of the tenant, or why there is none.
async fn upstream_json(state: &Shared, name: &str, params: &[&str], body: Option<&Value>) -> Result<Value, String> {
    let op = catalog::by_name(name).ok_or_else(|| format!("the catalog has no {name}"))?;
    let path = gatehouse_model::path::fill(op.path, params).map_err(|e| e.to_string())?;
    let body = body.map(serde_json::to_vec).transpose().map_err(|e| e.to_string())?;
    let answer = state.upstream.send(op, path, body).await.map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("the tenant answered {} to {name}", answer.status().as_u16()));
    }
    serde_json::from_slice(answer.body()).map_err(|e| e.to_string())
}

/// Points the tenant's log stream at this BFF with `secret`: the stream
/// already delivering to this BFF's endpoint is taken over (new secret,
/// `active` again), else one is created. Returns its id.
async fn create_stream(state: &Shared, secret: &str) -> Result<String, String> {
    let endpoint = state.public.join(HOOK_PATH).map_err(|e| e.to_string())?.to_string();
    let body = stream_body(&endpoint, secret);
    // Listing needs `read:log_streams`; without it a new stream is made.
    let existing = upstream_json(state, "logStreams.list", &[], None).await.ok().and_then(|list| {
        list.as_array()?
            .iter()
            .find(|s| s.pointer("/sink/httpEndpoint").and_then(Value::as_str) == Some(endpoint.as_str()))
            .and_then(|s| s.get("id").and_then(Value::as_str))
            .map(str::to_owned)
    });
    let answer = match existing {
        Some(id) => {
            let change = json!({"sink": body["sink"], "status": "active"});
            upstream_json(state, "logStreams.update", &[&id], Some(&change)).await?
        }
        None => upstream_json(state, gatehouse_model::policy::EVENT_FEED_SETUP, &[], Some(&body)).await?,
    };
    Ok(answer.get("id").and_then(Value::as_str).unwrap_or_default().to_owned())
}

/// Demo mode: creates the log stream on the in-process emulator, pointing
/// at this BFF with the configured secret, else a generated one.
pub(crate) async fn setup_demo(state: &Shared) -> anyhow::Result<()> {
    let secret = match &state.events.configured {
        Some(s) => s.expose().to_owned(),
        None => {
            let secret = new_secret();
            state.events.adopt_secret(&secret)?;
            secret
        }
    };
    let id = create_stream(state, &secret).await.map_err(|e| anyhow::anyhow!("creating the demo log stream: {e}"))?;
    tracing::info!(stream = %id, "demo log stream delivers to {HOOK_PATH}");
    Ok(())
}

/// `GET /events/status`: whether a log stream feeds this BFF, and where it delivers.
pub(crate) async fn status(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let principal = match feed_principal(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let endpoint = state.public.join(HOOK_PATH).map(|u| u.to_string()).unwrap_or_default();
    let can_setup = catalog::by_name(gatehouse_model::policy::EVENT_FEED_SETUP)
        .is_some_and(|op| principal.grants().permission_on(op) == gatehouse_model::policy::Permission::Allowed);
    json_response(
        StatusCode::OK,
        &json!({
            "streaming": state.events.is_set_up(),
            "canRead": can_read(&principal),
            "canSetUp": can_setup && state.events.configured.is_none(),
            "endpoint": endpoint,
            "lastSeq": state.events.last_seq().unwrap_or(0),
        }),
    )
}

/// `POST /events/setup`: creates the tenant's log stream pointing at this
/// BFF's public URL with a newly generated secret (kept in the database).
/// Needs `logStreams.create` at once (not after an approval), and is refused
/// when the secret comes from the configuration (409). Audited.
pub(crate) async fn setup(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::bff("POST", "SetUpLogStream", "logStreams", "/events/setup", "setting up the log stream");
    let principal = match crate::proxy::gate(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let who = principal.name().to_owned();
    let kind = principal.kind();
    let allowed = catalog::by_name(gatehouse_model::policy::EVENT_FEED_SETUP)
        .is_some_and(|op| principal.grants().permission_on(op) == gatehouse_model::policy::Permission::Allowed);
    let (decision, status, response, sentence) = if !allowed {
        let m = "needs logStreams.create:full";
        let mut body =
            error_body(StatusCode::FORBIDDEN, "gatehouse_denied", &format!("{who} may not set up the log stream: {m}"));
        body["missing"] = Value::from("logStreams.create:full");
        (
            Decision::Denied,
            403,
            json_response(StatusCode::FORBIDDEN, &body),
            format!("{who} was denied setting up the log stream: {m}"),
        )
    } else if state.events.configured.is_some() {
        let m = "the log stream's secret is configured (GATEHOUSE_LOG_STREAM_SECRET or events.secret_file); set the stream up with it";
        (
            Decision::Allowed,
            409,
            error(StatusCode::CONFLICT, "gatehouse_configured", m),
            format!("{who} could not set up the log stream (409): {m}"),
        )
    } else {
        let secret = new_secret();
        match create_stream(&state, &secret).await {
            Ok(id) => match state.events.adopt_secret(&secret) {
                Ok(()) => (
                    Decision::Allowed,
                    201,
                    json_response(
                        StatusCode::CREATED,
                        &json!({"id": id, "endpoint": state.public.join(HOOK_PATH).map(|u| u.to_string()).unwrap_or_default()}),
                    ),
                    format!("{who} set up the log stream {id}"),
                ),
                Err(e) => {
                    tracing::error!(error = %e, "the log stream secret could not be stored");
                    (
                        Decision::Allowed,
                        500,
                        error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "gatehouse_storage",
                            "the stream was created but its secret could not be stored; delete it and try again",
                        ),
                        format!("{who} set up the log stream {id}, but its secret could not be stored (500)"),
                    )
                }
            },
            Err(e) => (
                Decision::Allowed,
                502,
                error(
                    StatusCode::BAD_GATEWAY,
                    "gatehouse_upstream",
                    &format!("the log stream could not be created: {e}"),
                ),
                format!("{who} could not set up the log stream (502): {e}"),
            ),
        }
    };
    let record = call.record(&who, kind, decision, None, status, sentence);
    audited(&state, record, response, started).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses() {
        let array = br#"[{"log_id":"1","data":{"type":"s"}},{"log_id":"2","data":{"type":"f"}}]"#;
        let got = parse_delivery(array).unwrap();
        assert_eq!(got.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(got[0].1["log_id"], "1");
        let lines = b"{\"log_id\":\"1\",\"data\":{\"type\":\"s\"}}\n{\"log_id\":\"2\",\"data\":{\"type\":\"f\"}}\n";
        assert_eq!(parse_delivery(lines).unwrap().len(), 2);
        let one = br#"{"log_id":"3","data":{"type":"sapi"}}"#;
        assert_eq!(parse_delivery(one).unwrap()[0].0, "3");
        let bare = br#"{"_id":"4","type":"sapi"}"#;
        assert_eq!(parse_delivery(bare).unwrap()[0].0, "4");
        let numbered = br#"{"1":{"log_id":"6","data":{}},"0":{"log_id":"5","data":{}}}"#;
        let got = parse_delivery(numbered).unwrap();
        assert_eq!(got.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["5", "6"]);
    }

    #[test]
    fn malformed_deliveries_are_named() {
        assert_eq!(parse_delivery(b""), Err(DeliveryError::Empty));
        assert_eq!(parse_delivery(b"[]"), Err(DeliveryError::Empty));
        assert_eq!(parse_delivery(b"[1]"), Err(DeliveryError::NotObject { index: 0 }));
        assert_eq!(parse_delivery(br#"[{"data":{}}]"#), Err(DeliveryError::NoLogId { index: 0 }));
        assert!(matches!(parse_delivery(b"{nope"), Err(DeliveryError::NotJson(_))));
        assert!(matches!(parse_delivery(b"{\"log_id\":\"1\"}\n{bad"), Err(DeliveryError::NotJson(_))));
        assert!(matches!(parse_delivery(&[0xff, 0xfe]), Err(DeliveryError::NotJson(_))));
    }

    #[tokio::test]
    async fn the_window_is_bounded_and_duplicates_dropped() {
        for db in crate::testdb::databases().await {
            let store = db.stores().await.events;
            let events: Vec<(String, Value)> = (0..10).map(|i| (format!("{i:03}"), json!({"n": i}))).collect();
            assert_eq!(store.insert(&events, 1, 5).unwrap().len(), 10, "{}", db.name);
            assert_eq!(store.insert(&events[9..], 1, 5).unwrap().len(), 0, "{}: a duplicate is dropped", db.name);
            let kept = store.after(0, 100).unwrap();
            assert_eq!(kept.len(), 5, "{}", db.name);
            assert_eq!((kept[0].log_id.as_str(), &kept[0].data), ("005", &json!({"n": 5})), "{}", db.name);
            assert_eq!(store.last_seq().unwrap(), kept[4].seq, "{}", db.name);
            assert_eq!(store.after(kept[3].seq, 100).unwrap().len(), 1, "{}", db.name);
            assert_eq!(store.setting("k").unwrap(), None);
            store.set_setting("k", "v").unwrap();
            store.set_setting("k", "w").unwrap();
            assert_eq!(store.setting("k").unwrap().as_deref(), Some("w"), "{}", db.name);
        }
    }

    /// Two instances on one shared store: what one receives reaches the
    /// other's live feeds, in order, and a secret one sets up the other takes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn instances_sharing_a_store_follow_each_other() {
        for db in crate::testdb::databases().await {
            let (a, b) = (db.stores().await.events, db.stores().await.events);
            if !a.shared() {
                continue; // SQLite: one instance per file.
            }
            let one = Events::new(a, None, 1 << 20, 100).unwrap();
            let two = Events::new(b, None, 1 << 20, 100).unwrap();
            let mut live = two.live.subscribe();
            let batch = |from: usize| (from..from + 3).map(|i| (format!("ev{i}"), json!({"i": i}))).collect::<Vec<_>>();
            assert_eq!(one.accept(batch(0), 1).await.unwrap(), 3);
            assert_eq!(two.accept(batch(3), 2).await.unwrap(), 3, "its own, sent live at once");
            two.follow().await.unwrap();
            let mut got = Vec::new();
            while let Ok(event) = live.try_recv() {
                got.push(event.log_id.clone());
            }
            let mut sorted = got.clone();
            sorted.sort_by_key(|id| id[2..].parse::<u32>().unwrap());
            assert_eq!(got, sorted, "in sequence order");
            assert_eq!(got.len(), 6, "each event once: {got:?}");

            let headers = |secret: &str| {
                let mut h = HeaderMap::new();
                h.insert(http::header::AUTHORIZATION, authorization_for(secret).parse().unwrap());
                h
            };
            assert!(!two.authorized(&headers("s3cret-one")));
            one.adopt_secret("s3cret-one").unwrap();
            two.follow().await.unwrap();
            assert!(two.authorized(&headers("s3cret-one")), "the secret set up through the other instance");
            assert!(two.is_set_up());
        }
    }
}
