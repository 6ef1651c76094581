//! A scripted mock transport: a closure decides each answer, and every
//! request is recorded for assertions.

#![allow(dead_code)]

use gatehouse_client::rt::BoxFuture;
use gatehouse_client::{Client, ClientBuilder, Clock, SystemClock, Transport, TransportError};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use web_time::SystemTime;

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: http::HeaderMap,
    pub body: Value,
    /// The body's bytes as sent.
    pub raw: Vec<u8>,
    /// The clock's time when it arrived.
    pub at: SystemTime,
    /// How many requests came before it.
    pub index: usize,
}

impl Recorded {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    pub fn bearer(&self) -> Option<&str> {
        self.headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")
    }

    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// Status, headers and body of a scripted answer.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// What the mock answers.
#[derive(Debug, Clone)]
pub struct Reply {
    result: Result<Answer, TransportError>,
    delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            result: Ok((
                status,
                vec![("content-type".into(), "application/json".into())],
                body.to_string().into_bytes(),
            )),
            delay: Duration::ZERO,
        }
    }

    pub fn empty(status: u16) -> Self {
        Self { result: Ok((status, Vec::new(), Vec::new())), delay: Duration::ZERO }
    }

    pub fn error(e: TransportError) -> Self {
        Self { result: Err(e), delay: Duration::ZERO }
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        if let Ok((_, headers, _)) = &mut self.result {
            headers.push((name.into(), value.to_string()));
        }
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A Management API error body.
    pub fn api_error(status: u16, code: &str, message: &str) -> Self {
        Self::json(status, json!({"statusCode": status, "error": "Error", "message": message, "errorCode": code}))
    }

    pub fn token(token: &str, expires_in: u64) -> Self {
        Self::json(200, json!({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}))
    }
}

type Script = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// The mock transport. Clones share the script and the log.
#[derive(Clone)]
pub struct Mock {
    script: Arc<Script>,
    log: Arc<Mutex<Vec<Recorded>>>,
    clock: Arc<dyn Clock>,
}

fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

impl Mock {
    pub fn new(clock: Arc<dyn Clock>, script: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self { script: Arc::new(script), log: Arc::default(), clock }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests().iter().filter(|r| r.is(method, path)).count()
    }

    pub fn token_requests(&self) -> usize {
        self.count("POST", "/oauth/token")
    }
}

impl Transport for Mock {
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        let (parts, body) = request.into_parts();
        let recorded = {
            let mut log = self.log.lock().unwrap();
            let recorded = Recorded {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: parse_query(parts.uri.query()),
                headers: parts.headers,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                raw: body,
                at: self.clock.now(),
                index: log.len(),
            };
            log.push(recorded.clone());
            recorded
        };
        let reply = (self.script)(&recorded);
        Box::pin(async move {
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            let (status, headers, body) = reply.result?;
            let mut response = http::Response::builder().status(status);
            for (k, v) in headers {
                response = response.header(k, v);
            }
            Ok(response.body(body).unwrap())
        })
    }
}

/// A clock the test moves by hand; sleeping uses tokio's (paused) timer and moves it too.
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self { millis: Arc::new(AtomicU64::new(1_700_000_000_000)) }
    }

    pub fn advance(&self, by: Duration) {
        self.millis.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        web_time::UNIX_EPOCH + Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let millis = self.millis.clone();
        Box::pin(async move {
            tokio::time::sleep(duration).await;
            millis.fetch_add(duration.as_millis() as u64, Ordering::SeqCst);
        })
    }
}

pub fn unix(t: SystemTime) -> f64 {
    t.duration_since(web_time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// A client on `http://tenant.test` with client credentials, the mock
/// transport and the given clock.
pub fn builder(mock: &Mock, clock: impl Clock + 'static) -> ClientBuilder {
    Client::builder()
        .base_url("http://tenant.test")
        .client_credentials("cid", "csecret")
        .transport(mock.clone())
        .clock(clock)
}

/// A mock whose token endpoint hands out `tok-1`, `tok-2`, ... and whose
/// other answers come from `script`; plus a client on it (system clock).
pub fn setup(script: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> (Client, Mock) {
    let clock = SystemClock::new();
    let mock = with_tokens(Arc::new(clock.clone()), script);
    (builder(&mock, clock).build().unwrap(), mock)
}

pub fn with_tokens(clock: Arc<dyn Clock>, script: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Mock {
    let issued = AtomicU64::new(0);
    Mock::new(clock, move |r| {
        if r.is("POST", "/oauth/token") {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::token(&format!("tok-{n}"), 86_400).after(Duration::from_millis(50))
        } else {
            script(r)
        }
    })
}

/// A user object.
pub fn user(id: &str) -> Value {
    json!({"user_id": id, "email": format!("{id}@acme.test")})
}
