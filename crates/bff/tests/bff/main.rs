#![allow(missing_docs)]
//! Integration tests of the BFF against the in-process emulator, in the
//! style of Duende BFF's and oauth2-proxy's security tests.
//!
//! Every response from the BFF, in every test, goes through the scanner
//! of [`browser`], which fails the test if it carries a client secret or
//! any JWT (access or id token).

mod approvals;
mod audit;
mod browser;
mod escalation;
mod events;
mod faults;
mod files;
mod fleet;
mod keys;
mod matrix;
mod mcp;
mod ops;
mod schemas;
mod scopes;
mod security;

use browser::{Browser, Forbidden};
use gatehouse_bff::{
    ApiKeyConfig, AuditQuery, AuditRecord, AuditStore, Bff, BffHandle, Config, Grants, ManualClock, Options,
};
use gatehouse_client::RetryPolicy;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The demo password every test emulator uses.
pub const PASSWORD: &str = "correct-Horse-battery-9";

/// A BFF in demo mode (with its emulator), a controllable clock and API keys.
pub struct Harness {
    pub bff: BffHandle,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub forbidden: Forbidden,
    /// API keys by name: `reader` (users=read, logs=read), `operator` (users=full, audit=read).
    pub keys: HashMap<String, String>,
    pub config: Config,
}

/// A retry policy that keeps tests fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        max_rate_limited_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_rate_limit_wait: Duration::from_millis(50),
    }
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(|_, _| {}).await
    }

    pub async fn with(setup: impl FnOnce(&mut Config, &mut gatehouse_emulator::Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: dir.path().join("gatehouse.sqlite"),
            console_dir: dir.path().join("no-console"),
            ..Config::default()
        };
        config.pacing.rate_per_second = 0.0;
        config.pacing.follow_server = false;
        let mut keys = HashMap::new();
        for (name, access) in [("reader", "users=read,logs=read"), ("operator", "users=full,audit=read")] {
            let (key, entry): (String, ApiKeyConfig) =
                gatehouse_bff::apikeys::generate(Grants::parse_list(access).unwrap());
            config.api_keys.insert(name.to_owned(), entry);
            keys.insert(name.to_owned(), key);
        }
        let mut emulator = gatehouse_emulator::Config::for_tests(20);
        emulator.demo_password = Some(PASSWORD.to_owned());
        emulator.log_reads = true;
        setup(&mut config, &mut emulator);
        let clock = ManualClock::new();
        let options = Options {
            clock: Some(Arc::new(clock.clone())),
            emulator: Some(emulator),
            retry: Some(fast_retry()),
            ..Options::default()
        };
        let bff = Bff::start_with(config.clone(), options).await.expect("BFF starts");
        let emu = bff.emulator().expect("demo mode");
        let forbidden =
            Forbidden { exact: vec![emu.client_secret.clone(), emu.web_client_secret.clone(), PASSWORD.to_owned()] };
        Self { bff, clock, dir, forbidden, keys, config }
    }

    pub fn emulator(&self) -> &gatehouse_emulator::EmulatorHandle {
        self.bff.emulator().unwrap()
    }

    /// A fresh browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(self.bff.url(), self.forbidden.clone())
    }

    /// A client using an API key.
    pub fn key_client(&self, name: &str) -> Browser {
        let mut b = self.browser();
        b.default_headers.push(("authorization".into(), format!("Bearer {}", self.keys[name])));
        b
    }

    /// A browser signed in as `email` through the whole OIDC flow.
    pub async fn login(&self, email: &str) -> Browser {
        let b = self.browser();
        let page = sign_in(&b, email, PASSWORD, "/").await;
        assert_eq!(page.status, 200, "sign-in of {email} failed: {}", page.text());
        b
    }

    /// Audit entries, newest first.
    pub fn audit(&self, q: AuditQuery) -> Vec<AuditRecord> {
        let store = gatehouse_bff::SqliteAuditStore::open(&self.config.database).unwrap();
        let q = AuditQuery { per_page: if q.per_page == 0 { 100 } else { q.per_page }, ..q };
        store.query(&q).unwrap().entries
    }

    /// The newest audit entry.
    pub fn last_audit(&self) -> AuditRecord {
        self.audit(AuditQuery { per_page: 1, ..AuditQuery::default() }).remove(0)
    }

    /// Sets the emulator's fault injection (`{}` turns it off).
    pub async fn faults(&self, spec: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/__emulator/faults", self.emulator().base_url))
            .json(&spec)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "faults: {}", r.text().await.unwrap());
    }

    /// A token for calling the emulator directly (never through the BFF).
    pub async fn direct_token(&self) -> String {
        let e = self.emulator();
        let r: Value = reqwest::Client::new()
            .post(e.token_url())
            .json(&serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": e.client_id,
                "client_secret": e.client_secret,
                "audience": e.management_audience,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"].as_str().unwrap().to_owned()
    }

    /// Calls the emulator directly.
    pub async fn direct(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.direct_token().await;
        let mut req =
            reqwest::Client::new().request(method, format!("{}{path}", self.emulator().base_url)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The paths of the API requests the emulator logged after log id `after`
    /// (its own `/api/v2/logs` reads, made by this harness, left out).
    pub async fn upstream_paths(&self, after: &str) -> Vec<String> {
        let mut paths = Vec::new();
        let mut from = after.to_owned();
        loop {
            let (status, logs) =
                self.direct(reqwest::Method::GET, &format!("/api/v2/logs?from={from}&take=100"), None).await;
            assert_eq!(status, 200, "{logs}");
            let items = logs.as_array().cloned().unwrap_or_default();
            for l in &items {
                if let Some(p) = l["details"]["request"]["path"].as_str()
                    && !p.starts_with("/api/v2/logs")
                {
                    paths.push(p.to_owned());
                }
            }
            match items.last().and_then(|l| l["log_id"].as_str()) {
                Some(last) if items.len() == 100 => from = last.to_owned(),
                _ => break,
            }
        }
        paths
    }

    /// The id of the newest log event of the emulator (a marker for [`Harness::upstream_paths`]).
    pub async fn log_marker(&self) -> String {
        let (_, logs) = self.direct(reqwest::Method::GET, "/api/v2/logs?per_page=1", None).await;
        logs.as_array().and_then(|a| a.first()).and_then(|l| l["log_id"].as_str()).expect("a log event").to_owned()
    }

    /// The id of a user of the emulator's tenant (not an admin).
    pub async fn some_user_id(&self) -> String {
        let (status, users) = self.direct(reqwest::Method::GET, "/api/v2/users?per_page=5", None).await;
        assert_eq!(status, 200);
        users
            .as_array()
            .unwrap()
            .iter()
            .find_map(|u| {
                let email = u["email"].as_str().unwrap_or("");
                (!email.ends_with("@demo.test")).then(|| u["user_id"].as_str().unwrap().to_owned())
            })
            .expect("a seeded user")
    }
}

/// Runs the sign-in flow in `browser`: `/auth/login` → emulator `/authorize`
/// → login form → callback. Returns the callback's response.
pub async fn sign_in(browser: &Browser, email: &str, password: &str, return_to: &str) -> browser::Resp {
    let login = format!(
        "/auth/login?return_to={}",
        url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
    );
    let hops = browser.follow(&login).await;
    let form_page = hops.last().unwrap();
    assert_eq!(form_page.status, 200, "login form: {}", form_page.text());
    let html = form_page.text();
    let action = attr_after(&html, "<form", "action").expect("form action");
    let state = attr_of_input(&html, "state").expect("hidden state");
    let action_url = url::Url::parse(&form_page.url).unwrap().join(&action).unwrap().to_string();
    let fields = vec![
        ("state".to_owned(), state),
        ("username".to_owned(), email.to_owned()),
        ("password".to_owned(), password.to_owned()),
    ];
    let hops = browser.submit(&action_url, &fields).await;
    hops.last().unwrap().clone()
}

fn attr_after(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(tag)?;
    let rest = &html[start..];
    let end = rest.find('>')?;
    let tag_text = &rest[..end];
    let key = format!("{attr}=\"");
    let i = tag_text.find(&key)? + key.len();
    let j = tag_text[i..].find('"')? + i;
    Some(html_unescape(&tag_text[i..j]))
}

fn attr_of_input(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\"");
    let pos = html.find(&key)?;
    let tag_start = html[..pos].rfind('<')?;
    attr_after(&html[tag_start..], "<input", "value")
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The target of the callback page's `<meta http-equiv="refresh">`.
pub fn refresh_target(html: &str) -> Option<String> {
    let i = html.find("http-equiv=\"refresh\"")?;
    let rest = &html[i..];
    let c = rest.find("content=\"")? + "content=\"".len();
    let end = rest[c..].find('"')? + c;
    let content = html_unescape(&rest[c..end]);
    content.split_once("url=").map(|(_, u)| u.to_owned())
}

#[tokio::test]
async fn scanner_ran() {
    // Every other test scans; this one makes sure the scanner itself fires.
    let f = Forbidden { exact: vec!["super-secret-value".into()] };
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-a", "fine".parse().unwrap());
    browser::scan(&f, "ok", &h, b"{\"a\":1}");
    let caught = std::panic::catch_unwind(|| browser::scan(&f, "leak", &h, b"...super-secret-value..."));
    assert!(caught.is_err());
    let caught =
        std::panic::catch_unwind(|| browser::scan(&f, "jwt", &h, b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
    assert!(caught.is_err());
}
