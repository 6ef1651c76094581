//! Log stream delivery: an active `http` log stream sends every new log event
//! of the tenant to its endpoint, as Auth0's custom webhooks do.
//!
//! The streams themselves are generic objects (`/api/v2/log-streams`,
//! created, read, changed and deleted by [`crate::generic`]); this module
//! only delivers. Each stream keeps a cursor, the last log id it handed
//! over, in the tenant's own settings ([`cursor_key`]); a new stream's
//! cursor is the tenant's last log id at its creation, so it sends what
//! happens from then on.
//!
//! Nothing here runs inside a request: a supervisor task wakes when a write
//! appends log events ([`Store::subscribe_logs`](crate::store::Store::subscribe_logs))
//! and starts one delivery task per active `http` stream, which reads the
//! events after its cursor from the tenant (so no queue grows in memory:
//! the tenant's log retention is the bound) and posts them in batches of at
//! most [`BATCH`]. A failed delivery (no answer, or a status outside 2xx) is
//! retried three times, waiting `log_stream_retry_ms`, then twice and four
//! times that; once `log_stream_suspend_after` deliveries in a row have
//! failed, the stream's `status` becomes `suspended` and it stops, keeping
//! its cursor, until it is set `active` again.
//!
//! What is sent: one item per event, `{"log_id": …, "data": <the event>}`,
//! as a JSON array (`JSONARRAY`), one item per line (`JSONLINES`), or one
//! item per request (`JSONOBJECT`), with `Content-Type` the stream's
//! `httpContentType` (`application/json` when not set), `Authorization` its
//! `httpAuthorization` when set, and its `httpCustomHeaders`.

use crate::server::AppState;
use crate::store::{Kind, Tenant, object_key};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// The collection path of log streams.
pub const PATH: &str = "/api/v2/log-streams";

/// Most events in one delivery.
pub const BATCH: usize = 100;

/// Retries of a failed delivery before it counts as failed.
pub const RETRIES: u32 = 3;

/// How long one delivery attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The key, in the tenant's settings, of a stream's cursor.
pub fn cursor_key(stream_id: &str) -> String {
    format!("log_stream_cursor:{stream_id}")
}

/// Sets a new stream's cursor to the tenant's last log event, so that it
/// delivers what is written from now on (the event of its own creation
/// included).
pub fn start_cursor(t: &mut Tenant, stream_id: &str) {
    let last = t.coll(Kind::Logs).keys().next_back().cloned().unwrap_or_default();
    t.put(Kind::Meta, cursor_key(stream_id), json!(last));
}

/// The category Auth0 files a log event type under, as log stream filters
/// name them (`auth.login.success`, `management.fail`, …); `other` for the
/// rest.
pub fn category(code: &str) -> &'static str {
    match code {
        "s" => "auth.login.success",
        "f" | "fp" | "fu" | "fc" | "fcoa" | "fco" | "fcpro" | "fn" => "auth.login.fail",
        "w" | "gd_send_sms" | "gd_send_voice" | "gd_enrollment_complete" => "auth.login.notification",
        "slo" => "auth.logout.success",
        "flo" => "auth.logout.fail",
        "ss" => "auth.signup.success",
        "fs" => "auth.signup.fail",
        "ssa" => "auth.silent_auth.success",
        "fsa" => "auth.silent_auth.fail",
        "sapi" | "mgmt_api_read" => "management.success",
        "fapi" | "api_limit" => "management.fail",
        "scim_event" => "scim.event",
        "sys_os_update_start"
        | "sys_os_update_end"
        | "sys_update_start"
        | "sys_update_end"
        | "limit_wc"
        | "limit_mu"
        | "limit_sul"
        | "depnote" => "system.notification",
        "scp" | "scpr" | "sce" | "sv" | "svr" | "sd" | "sdu" | "du" | "ublkdu" => "user.success",
        "fcp" | "fcpr" | "fce" | "fv" | "fvr" | "fd" | "fdu" => "user.fail",
        "cls" | "cs" | "pwd_leak" | "signup_pwd_leak" | "reset_pwd_leak" => "user.notification",
        other if other.starts_with("se") && other.ends_with("ft") => "auth.token_exchange.success",
        other if other.starts_with("fe") && other.ends_with("ft") => "auth.token_exchange.fail",
        _ => "other",
    }
}

/// How a stream's events are laid out in a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON array of every event of the batch.
    Array,
    /// One event per line.
    Lines,
    /// One event per request.
    Object,
}

impl Format {
    /// The format `httpContentFormat` names; Auth0's default is `JSONLINES`.
    pub fn parse(value: Option<&str>) -> Format {
        match value {
            Some("JSONARRAY") => Format::Array,
            Some("JSONOBJECT") => Format::Object,
            _ => Format::Lines,
        }
    }

    fn batch(self) -> usize {
        if self == Format::Object { 1 } else { BATCH }
    }
}

/// Where and how one stream delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sink {
    /// `httpEndpoint`.
    pub endpoint: String,
    /// `httpContentType`.
    pub content_type: String,
    /// `httpContentFormat`.
    pub format: Format,
    /// `httpAuthorization`.
    pub authorization: Option<String>,
    /// `httpCustomHeaders` as (name, value).
    pub headers: Vec<(String, String)>,
    /// The categories of its filters; empty for every event.
    pub categories: Vec<String>,
}

impl Sink {
    /// The sink of a stream object, when it is an `http` stream.
    pub fn of(stream: &Value) -> Option<Sink> {
        if stream.get("type").and_then(Value::as_str) != Some("http") {
            return None;
        }
        let sink = stream.get("sink")?;
        let text = |k: &str| sink.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        let headers = sink
            .get("httpCustomHeaders")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|h| Some((h.get("header")?.as_str()?.to_owned(), h.get("value")?.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let categories = stream
            .get("filters")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|f| f.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
            .unwrap_or_default();
        Some(Sink {
            endpoint: text("httpEndpoint")?,
            content_type: text("httpContentType").unwrap_or_else(|| "application/json".to_owned()),
            format: Format::parse(sink.get("httpContentFormat").and_then(Value::as_str)),
            authorization: text("httpAuthorization"),
            headers,
            categories,
        })
    }

    fn wants(&self, event: &Value) -> bool {
        self.categories.is_empty() || {
            let code = event.get("type").and_then(Value::as_str).unwrap_or_default();
            let cat = category(code);
            self.categories.iter().any(|c| c == cat)
        }
    }

    /// The request body of a batch of `(log_id, event)`.
    pub fn body(&self, events: &[(String, Value)]) -> Vec<u8> {
        let items: Vec<Value> = events.iter().map(|(id, data)| json!({"log_id": id, "data": data})).collect();
        match self.format {
            Format::Array => serde_json::to_vec(&items).unwrap_or_default(),
            Format::Object => items.first().map(|i| serde_json::to_vec(i).unwrap_or_default()).unwrap_or_default(),
            Format::Lines => {
                let lines: Vec<String> = items.iter().map(Value::to_string).collect();
                lines.join("\n").into_bytes()
            }
        }
    }
}

/// What one stream should do next, read from the tenant.
#[derive(Debug)]
enum Step {
    /// The stream is gone, paused, suspended or not `http`: its task ends.
    Stop,
    /// Send these events, then move the cursor to `through`.
    Send { sink: Sink, events: Vec<(String, Value)>, through: String },
    /// Nothing to send; move the cursor to `through` when set (past filtered events).
    Idle { through: Option<String> },
}

fn stream_object<'t>(t: &'t Tenant, id: &str) -> Option<&'t Value> {
    t.get(Kind::Objects, &object_key(PATH, id))
}

fn next_step(t: &Tenant, id: &str) -> Step {
    let Some(stream) = stream_object(t, id) else { return Step::Stop };
    if stream.get("status").and_then(Value::as_str) != Some("active") {
        return Step::Stop;
    }
    let Some(sink) = Sink::of(stream) else { return Step::Stop };
    let logs = t.coll(Kind::Logs);
    let Some(cursor) = t.meta(&cursor_key(id)).and_then(Value::as_str).map(str::to_owned) else {
        // A stream made before delivery existed (or loaded without a cursor) starts now.
        return Step::Idle { through: Some(logs.keys().next_back().cloned().unwrap_or_default()) };
    };
    // Log ids sort as strings in the order they were written.
    let start = logs.as_slice().partition_point(|k, _| k.as_str() <= cursor.as_str());
    let mut events = Vec::new();
    let mut through = None;
    for (k, event) in logs.as_slice()[start..].iter() {
        through = Some(k.clone());
        if sink.wants(event) {
            events.push((k.clone(), event.clone()));
            if events.len() >= sink.format.batch() {
                break;
            }
        }
    }
    match (events.is_empty(), through) {
        (false, Some(through)) => Step::Send { sink, events, through },
        (_, through) => Step::Idle { through },
    }
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No answer (connection refused, timeout, …).
    #[error("the endpoint could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    /// An answer outside 2xx.
    #[error("the endpoint answered {status}")]
    Status {
        /// The status it answered.
        status: u16,
    },
}

/// Sends one request of a batch.
async fn attempt(client: &reqwest::Client, sink: &Sink, body: Vec<u8>) -> Result<(), DeliveryError> {
    let mut req = client.post(&sink.endpoint).header(http::header::CONTENT_TYPE, &sink.content_type).body(body);
    if let Some(auth) = &sink.authorization {
        req = req.header(http::header::AUTHORIZATION, auth);
    }
    for (name, value) in &sink.headers {
        req = req.header(name.as_str(), value.as_str());
    }
    let resp = req.timeout(ATTEMPT_TIMEOUT).send().await?;
    let status = resp.status().as_u16();
    if resp.status().is_success() { Ok(()) } else { Err(DeliveryError::Status { status }) }
}

/// Sends a batch, retrying up to [`RETRIES`] times with doubling waits.
pub async fn deliver(
    client: &reqwest::Client,
    sink: &Sink,
    events: &[(String, Value)],
    first_wait: Duration,
) -> Result<(), DeliveryError> {
    let body = sink.body(events);
    let mut wait = first_wait;
    let mut tries = 0;
    loop {
        match attempt(client, sink, body.clone()).await {
            Ok(()) => return Ok(()),
            Err(e) if tries >= RETRIES => return Err(e),
            Err(e) => {
                tracing::debug!(endpoint = %sink.endpoint, error = %e, "log stream delivery failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
                tries += 1;
            }
        }
    }
}

/// Runs a tenant write off the async threads.
async fn write(state: &Arc<AppState>, f: impl FnOnce(&mut Tenant) + Send + 'static) {
    let state = state.clone();
    let done = tokio::task::spawn_blocking(move || state.store.write(f)).await;
    if let Ok(Err(e)) = done {
        tracing::warn!(error = %format!("{e:#}"), "log stream state not committed");
    }
}

/// One stream's delivery loop; ends when the stream stops being active.
async fn run_stream(state: Weak<AppState>, id: String, client: reqwest::Client, mut wake: watch::Receiver<u64>) {
    let mut failures = 0u32;
    loop {
        let Some(st) = state.upgrade() else { return };
        // Mark what has been written so far as seen before reading it.
        wake.borrow_and_update();
        let step = st.store.read(|t| next_step(t, &id));
        let first_wait = Duration::from_millis(st.config.log_stream_retry_ms);
        let suspend_after = st.config.log_stream_suspend_after.max(1);
        match step {
            Step::Stop => return,
            Step::Idle { through } => {
                if let Some(through) = through {
                    let key = cursor_key(&id);
                    write(&st, move |t| t.put(Kind::Meta, key, json!(through))).await;
                }
                drop(st);
                if wake.changed().await.is_err() {
                    return;
                }
            }
            Step::Send { sink, events, through } => {
                drop(st);
                let sent = deliver(&client, &sink, &events, first_wait).await;
                let Some(st) = state.upgrade() else { return };
                match sent {
                    Ok(()) => {
                        failures = 0;
                        let key = cursor_key(&id);
                        write(&st, move |t| t.put(Kind::Meta, key, json!(through))).await;
                    }
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(stream = %id, error = %e, failures, "log stream delivery failed");
                        if failures >= suspend_after {
                            let sid = id.clone();
                            write(&st, move |t| {
                                t.modify(Kind::Objects, &object_key(PATH, &sid), |s| {
                                    if let Some(obj) = s.as_object_mut() {
                                        obj.insert("status".into(), json!("suspended"));
                                    }
                                });
                            })
                            .await;
                            return;
                        }
                        drop(st);
                        tokio::time::sleep(first_wait * 2u32.pow(RETRIES)).await;
                    }
                }
            }
        }
    }
}

/// The ids of the tenant's active `http` streams.
fn active_streams(t: &Tenant) -> Vec<String> {
    let prefix = object_key(PATH, "");
    t.coll(Kind::Objects)
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
        .filter(|(_, v)| v.get("status").and_then(Value::as_str) == Some("active") && Sink::of(v).is_some())
        .map(|(k, _)| k[prefix.len()..].to_owned())
        .collect()
}

/// Starts delivering the emulator's log streams in the background of the
/// current Tokio runtime; does nothing outside one, or when already started.
/// The tasks end with the emulator's state.
pub fn spawn(state: &Arc<AppState>) {
    if state.streams_started.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        state.streams_started.store(false, std::sync::atomic::Ordering::SeqCst);
        return;
    };
    let weak = Arc::downgrade(state);
    let mut wake = state.store.subscribe_logs();
    let client = reqwest::Client::builder().connect_timeout(ATTEMPT_TIMEOUT).build().unwrap_or_default();
    runtime.spawn(async move {
        let mut running: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
        loop {
            let Some(state) = weak.upgrade() else { return };
            wake.borrow_and_update();
            let active = state.store.read(active_streams);
            running.retain(|_, task| !task.is_finished());
            for id in active {
                if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(id) {
                    let id = slot.key().clone();
                    let wake = state.store.subscribe_logs();
                    slot.insert(tokio::spawn(run_stream(weak.clone(), id, client.clone(), wake)));
                }
            }
            drop(state);
            if wake.changed().await.is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_lay_out_events() {
        let stream = json!({"type": "http", "status": "active", "sink": {"httpEndpoint": "http://x/h", "httpContentFormat": "JSONARRAY"}});
        let mut sink = Sink::of(&stream).unwrap();
        let events = vec![("1".to_owned(), json!({"type": "s"})), ("2".to_owned(), json!({"type": "f"}))];
        let array: Value = serde_json::from_slice(&sink.body(&events)).unwrap();
        assert_eq!(array, json!([{"log_id": "1", "data": {"type": "s"}}, {"log_id": "2", "data": {"type": "f"}}]));
        sink.format = Format::Lines;
        let text = String::from_utf8(sink.body(&events)).unwrap();
        assert_eq!(text.lines().count(), 2);
        sink.format = Format::Object;
        let one: Value = serde_json::from_slice(&sink.body(&events[..1])).unwrap();
        assert_eq!(one, json!({"log_id": "1", "data": {"type": "s"}}));
        assert_eq!(sink.content_type, "application/json");
    }

    #[test]
    fn filters_pick_categories() {
        let stream = json!({"type": "http", "sink": {"httpEndpoint": "http://x"}, "filters": [{"type": "category", "name": "management.success"}]});
        let sink = Sink::of(&stream).unwrap();
        assert!(sink.wants(&json!({"type": "sapi"})));
        assert!(!sink.wants(&json!({"type": "s"})));
        assert_eq!(category("seccft"), "auth.token_exchange.success");
        assert_eq!(category("feccft"), "auth.token_exchange.fail");
        assert!(Sink::of(&json!({"type": "datadog", "sink": {}})).is_none());
    }
}
