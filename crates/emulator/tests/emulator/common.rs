//! Helpers shared by the integration tests: starting an emulator, getting
//! tokens, sending requests and recording every exchange for the schema and
//! decode checks.

use gatehouse_emulator::{Config, Emulator, EmulatorHandle};
use gatehouse_model::Verb;
use gatehouse_model::operation::{self, OperationId};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
    pub op: Option<OperationId>,
}

/// A response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        if self.bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&self.bytes)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What to send as a body.
pub enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
    Form(Vec<(&'static str, String)>),
}

/// A client bound to one emulator, recording what it exchanges.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub log: Arc<Mutex<Vec<Exchange>>>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { http, base: base.to_owned(), log: Arc::default() }
    }

    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Body) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(m, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
            Body::Form(pairs) => req.form(&pairs),
        };
        let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body").to_vec();
        let raw_path = path.split('?').next().unwrap_or(path).to_owned();
        let op = Verb::parse(method).and_then(|v| operation::find(v, &raw_path)).map(|(s, _)| s.id);
        self.log.lock().unwrap().push(Exchange {
            method: method.to_owned(),
            path: raw_path,
            status,
            body: bytes.clone(),
            op,
        });
        Resp { status, headers, bytes }
    }

    /// Sends and checks the status; returns the JSON body (`Null` when empty).
    pub async fn expect(&self, status: u16, method: &str, path: &str, token: Option<&str>, body: Body) -> Value {
        let resp = self.send(method, path, token, body).await;
        assert_eq!(resp.status, status, "{method} {path}: {}", String::from_utf8_lossy(&resp.bytes));
        resp.json()
    }

    /// A client-credentials token for `audience`, optionally with fewer scopes.
    pub async fn token(&self, h: &EmulatorHandle, audience: &str, scope: Option<&str>) -> String {
        let mut body = json!({
            "grant_type": "client_credentials",
            "client_id": h.client_id,
            "client_secret": h.client_secret,
            "audience": audience,
        });
        if let Some(s) = scope {
            body["scope"] = json!(s);
        }
        let v = self.expect(200, "POST", "/oauth/token", None, Body::Json(body)).await;
        v["access_token"].as_str().expect("access_token").to_owned()
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }
}

/// Starts an emulator with rate limiting off and `users` generated users.
pub async fn start(users: usize) -> (EmulatorHandle, Client) {
    start_with(Config::for_tests(users)).await
}

pub async fn start_with(config: Config) -> (EmulatorHandle, Client) {
    let h = Emulator::start(config).await.expect("emulator starts");
    let c = Client::new(&h.base_url);
    (h, c)
}

/// Percent-encodes an id for a path segment.
pub fn enc(id: &str) -> String {
    gatehouse_model::path::encode_segment("id", id).expect("encodable id")
}

/// Percent-encodes a query value.
pub fn q(value: &str) -> String {
    gatehouse_model::path::encode_query(value)
}

/// The shared Auth0 reference directory, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AUTH0_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/auth0"));
    dir.join("management-api-oas.json").exists().then_some(dir)
}

/// Asserts the Management error shape and code.
pub fn assert_mgmt_error(v: &Value, status: u16, code: Option<&str>) {
    assert_eq!(v["statusCode"], json!(status), "{v}");
    assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
    match code {
        Some(c) => assert_eq!(v["errorCode"], json!(c), "{v}"),
        None => assert!(v.get("errorCode").is_none(), "{v}"),
    }
}

/// Asserts the Teams error shape and type.
pub fn assert_teams_error(v: &Value, status: u16, kind: &str) {
    assert_eq!(v["status"], json!(status), "{v}");
    assert_eq!(v["type"], json!(kind), "{v}");
    assert!(v["title"].is_string(), "{v}");
}
