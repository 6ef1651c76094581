//! Several BFF instances on one PostgreSQL behave as one BFF: shared
//! sessions, one audit log, one machine-to-machine token, one rate budget;
//! an instance killed mid-run loses nothing it acknowledged; faults of the
//! tenant lose no acknowledged call and send no write twice.
//!
//! Needs a PostgreSQL cluster: `GATEHOUSE_TEST_POSTGRES` (a URL whose user
//! may create databases; `cargo xtask test` starts one and sets it). Without
//! it these tests say so and pass without running.

use crate::PASSWORD;
use crate::browser::{Browser, Forbidden};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_bff::pg::{Pg, PgAuditStore};
use gatehouse_bff::{ApiKeyConfig, AuditQuery, AuditStore, Bff, Config, Grants, Options, TenantConfig};
use gatehouse_model::Secret;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const POSTGRES_ENV: &str = "GATEHOUSE_TEST_POSTGRES";

/// A fresh database in the test cluster, or `None` (and a line saying why).
async fn database() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => {
            Some(gatehouse_bff::pg::create_database(&url).await.expect("a database in the test cluster"))
        }
        _ => {
            eprintln!(
                "SKIPPED: {POSTGRES_ENV} is not set, so the several-instance tests did not run (cargo xtask test sets it)"
            );
            None
        }
    }
}

/// What the tenant saw, counted in front of the emulator.
#[derive(Debug, Default)]
struct Seen {
    /// Client-credentials token requests.
    tokens: AtomicU64,
    /// Requests to the APIs.
    api: AtomicU64,
    /// API answers that were 429.
    limited: AtomicU64,
    /// Per email: user creations the tenant processed (answered other than 429).
    creates: Mutex<HashMap<String, u32>>,
}

async fn count(State(seen): State<Arc<Seen>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let is_create = request.method() == http::Method::POST && path == "/api/v2/users";
    let (request, body) = if is_create || path == "/oauth/token" {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
        (Request::from_parts(parts, axum::body::Body::from(bytes.clone())), bytes.to_vec())
    } else {
        (request, Vec::new())
    };
    let response = next.run(request).await;
    if path == "/oauth/token" && memchr::memmem::find(&body, b"client_credentials").is_some() {
        seen.tokens.fetch_add(1, Relaxed);
    }
    if path.starts_with("/api/") {
        seen.api.fetch_add(1, Relaxed);
        if response.status() == 429 {
            seen.limited.fetch_add(1, Relaxed);
        }
    }
    if is_create
        && response.status() != 429
        && let Some(email) =
            serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["email"].as_str().map(str::to_owned))
    {
        *seen.creates.lock().unwrap().entry(email).or_default() += 1;
    }
    response
}

/// The emulator, with [`Seen`] counting in front of it.
struct Tenant {
    base_url: String,
    seen: Arc<Seen>,
    state: Arc<gatehouse_emulator::server::AppState>,
}

async fn tenant(rate: f64, burst: u32, callbacks: &[SocketAddr]) -> Tenant {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let mut config = gatehouse_emulator::Config::for_tests(20);
    config.rate_limit = Some(rate);
    config.burst = Some(burst);
    config.demo_password = Some(PASSWORD.to_owned());
    config.redirect_uris = callbacks.iter().map(|a| format!("http://{a}/auth/callback")).collect();
    let base = base_url.clone();
    let state =
        tokio::task::spawn_blocking(move || gatehouse_emulator::Emulator::state(config, &base)).await.unwrap().unwrap();
    let seen = Arc::new(Seen::default());
    let app = gatehouse_emulator::Emulator::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(seen.clone(), count));
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Tenant { base_url, seen, state }
}

/// Free local addresses to listen on (known before the emulator starts, for its callbacks).
fn addresses(n: usize) -> Vec<SocketAddr> {
    let held: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    held.iter().map(|l| l.local_addr().unwrap()).collect()
}

fn config(database: &str, listen: SocketAddr, t: &Tenant, writer: &ApiKeyConfig) -> Config {
    let c = &t.state.credentials;
    let mut config = Config {
        listen,
        database: database.into(),
        console_dir: "no-console".into(),
        tenant: Some(TenantConfig {
            base_url: Some(t.base_url.clone()),
            client_id: c.client_id.clone(),
            client_secret: Some(Secret::new(c.client_secret.clone())),
            management_audience: Some(t.state.urls.management_audience.clone()),
            issuer: Some(format!("{}/", t.base_url)),
            oidc_client_id: c.web_client_id.clone(),
            oidc_client_secret: Some(Secret::new(c.web_client_secret.clone())),
            roles_claim: Some(gatehouse_emulator::oidc::ROLES_CLAIM.to_owned()),
            ..TenantConfig::default()
        }),
        policy: Some(gatehouse_bff::Policy::demo()),
        ..Config::default()
    };
    config.pacing.rate_per_second = 15.0;
    config.pacing.burst = 50;
    config.pacing.api_key_share = 1.0;
    config.api_keys.insert("writer".into(), writer.clone());
    config
}

/// One BFF instance in a process of its own: this test binary run again
/// as [`instance_process`], so that `kill -9` ends it as it would a
/// deployed one, with requests in flight and nothing flushed.
struct Instance {
    url: String,
    child: Option<std::process::Child>,
}

/// Where the parent hands the instance process its configuration (JSON).
const CHILD_CONFIG_ENV: &str = "GATEHOUSE_FLEET_INSTANCE_CONFIG";

/// The line the instance process prints once it serves, before its URL.
const CHILD_READY: &str = "fleet instance listening on ";

impl Instance {
    async fn start(config: Config) -> Self {
        tokio::task::spawn_blocking(move || {
            use std::io::BufRead as _;
            let tenant = config.tenant.as_ref().expect("a tenant");
            let secret = |s: &Option<Secret>| s.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default();
            let mut child = std::process::Command::new(std::env::current_exe().expect("the test binary"))
                .args(["fleet::instance_process", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
                .env(CHILD_CONFIG_ENV, serde_json::to_string(&config).expect("the configuration as JSON"))
                .env(gatehouse_bff::config::CLIENT_SECRET_ENV, secret(&tenant.client_secret))
                .env(gatehouse_bff::config::OIDC_CLIENT_SECRET_ENV, secret(&tenant.oidc_client_secret))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::inherit())
                .spawn()
                .expect("the instance process starts");
            let stdout = child.stdout.take().expect("its standard output");
            let mut lines = std::io::BufReader::new(stdout).lines();
            let url = loop {
                match lines.next() {
                    Some(Ok(line)) => {
                        // libtest may have written `test … ... ` on the same line first.
                        if let Some((_, url)) = line.split_once(CHILD_READY) {
                            break url.trim().to_owned();
                        }
                    }
                    _ => {
                        let status = child.wait();
                        panic!("the instance process ended before serving: {status:?}");
                    }
                }
            };
            // Keep draining its output so it never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            Self { url, child: Some(child) }
        })
        .await
        .unwrap()
    }

    /// `kill -9`: the process ends at once, whatever it was doing.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The body of an instance process (see [`Instance`]): runs the BFF of the
/// configuration its parent passed until killed. Not a test on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the fleet tests as an instance process"]
async fn instance_process() {
    let Ok(json) = std::env::var(CHILD_CONFIG_ENV) else { return };
    let mut config: Config = serde_json::from_str(&json).expect("the parent's configuration");
    if let Some(tenant) = config.tenant.as_mut() {
        tenant.load_secrets().expect("the tenant's secrets from the environment");
    }
    let handle = Bff::start_with(config, Options::default()).await.expect("the BFF starts");
    println!("{CHILD_READY}{}", handle.url());
    std::future::pending::<()>().await;
}

/// What came back for one write.
#[derive(Debug, Clone)]
struct Answer {
    instance: usize,
    email: String,
    /// The BFF's status, `None` when no answer came (the instance died).
    status: Option<u16>,
    user_id: Option<String>,
}

/// Sends `n` user creations, `per_second` of them a second, spread over
/// the instances `route(i)` names; returns every answer and the time from
/// the first send to the last answer.
async fn writes(
    urls: Arc<Vec<String>>,
    key: &str,
    tag: &str,
    n: usize,
    per_second: f64,
    route: impl Fn(usize) -> usize,
    mut at: impl FnMut(usize),
) -> (Vec<Answer>, Duration) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..n {
        at(i);
        tokio::time::sleep_until((started + Duration::from_secs_f64(i as f64 / per_second)).into()).await;
        let instance = route(i);
        let url = format!("{}/api/v2/users", urls[instance]);
        let email = format!("{tag}-{i}@fleet.test");
        let body =
            json!({"email": email, "connection": "Username-Password-Authentication", "password": "Fleet-pass-1234"});
        let request = http.post(url).bearer_auth(key).json(&body);
        tasks.push(tokio::spawn(async move {
            let (status, user_id) = match request.send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let v: Value = r.json().await.unwrap_or(Value::Null);
                    (Some(status), v["user_id"].as_str().map(str::to_owned))
                }
                Err(_) => (None, None),
            };
            (Answer { instance, email, status, user_id }, Instant::now())
        }));
    }
    let mut answers = Vec::new();
    let mut last = started;
    for t in tasks {
        let (a, done) = t.await.unwrap();
        last = last.max(done);
        answers.push(a);
    }
    (answers, last - started)
}

/// Every id the shared audit log names, walking it whole.
fn audited_objects(store: &PgAuditStore) -> (HashSet<String>, usize) {
    let mut ids = HashSet::new();
    let mut entries = 0;
    let mut cursor = AuditQuery { principal: Some("writer".into()), ..AuditQuery::default() };
    loop {
        let batch = store.scan(&cursor, 1000).unwrap();
        let Some(last) = batch.last() else { break };
        cursor.before_id = Some(last.id);
        for e in &batch {
            if e.method == "POST" && e.path == "/api/v2/users" {
                entries += 1;
                if let Some(id) = e.object["user_id"].as_str() {
                    ids.insert(id.to_owned());
                }
            }
        }
    }
    (ids, entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_sessions_one_token_and_the_tenants_budget_and_survive_a_kill() {
    let Some(db) = database().await else { return };
    let listen = addresses(4);
    let t = tenant(15.0, 50, &listen).await;
    let (key, writer) = gatehouse_bff::apikeys::generate(Grants::parse_list("users=full").unwrap());
    let mut fleet = Vec::new();
    for addr in &listen[..3] {
        fleet.push(Instance::start(config(&db, *addr, &t, &writer)).await);
    }
    let urls: Arc<Vec<String>> = Arc::new(fleet.iter().map(|i| i.url.clone()).collect());
    let c = &t.state.credentials;
    let forbidden =
        Forbidden { exact: vec![c.client_secret.clone(), c.web_client_secret.clone(), PASSWORD.to_owned()] };

    // A session made through one instance works through the others; signing out through one ends it in all.
    let a = Browser::new(&urls[0], forbidden.clone());
    let signed_in = crate::sign_in(&a, "admin@demo.test", PASSWORD, "/").await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text());
    let cookie = a.cookie(gatehouse_bff::security::SESSION_COOKIE).expect("a session cookie");
    for url in urls.iter() {
        let b = Browser::new(url, forbidden.clone());
        b.set_cookie(gatehouse_bff::security::SESSION_COOKIE, &cookie);
        let me = b.api_get("/auth/me").await;
        assert_eq!((me.status, me.json()["email"].as_str()), (200, Some("admin@demo.test")), "{url}: {}", me.text());
    }
    let c_browser = Browser::new(&urls[2], forbidden.clone());
    c_browser.set_cookie(gatehouse_bff::security::SESSION_COOKIE, &cookie);
    // An API key made through one instance works through another at once; revoked through a third, it stops.
    let made = a.api(Method::POST, "/keys", Some(json!({"name": "fleet-bot", "access": "users=read"}))).await;
    assert_eq!(made.status, 201, "{}", made.text());
    let bot = made.json()["key"].as_str().unwrap().to_owned();
    let bot_on_b =
        || reqwest::Client::new().get(format!("{}/api/v2/users?per_page=1", urls[1])).bearer_auth(&bot).send();
    assert_eq!(bot_on_b().await.unwrap().status(), 200);
    assert_eq!(c_browser.api(Method::DELETE, "/keys/fleet-bot", None).await.status, 204);
    assert_eq!(bot_on_b().await.unwrap().status(), 401, "revoked through another instance");
    // Live events: a log stream set up through instance 0 delivers there; a
    // feed opened on instance 1 sees what the tenant logs of a write through
    // instance 2 (the window is shared, and every instance follows it).
    let setup = a.api(Method::POST, "/events/setup", None).await;
    assert_eq!(setup.status, 201, "{}", setup.text());
    let session = format!("{}={cookie}", gatehouse_bff::security::SESSION_COOKIE);
    let headers = [("cookie", session.as_str()), ("sec-fetch-site", "same-origin")];
    let mut feed = crate::events::Feed::open_at(&urls[1], &headers, "").await.unwrap_or_else(|e| panic!("{e:?}"));
    let role = c_browser.api(Method::POST, "/api/v2/roles", Some(json!({"name": "fleet-streamed"}))).await;
    assert_eq!(role.status, 200, "{}", role.text());
    let streamed = feed
        .find(Duration::from_secs(20), |d| d["type"] == "sapi" && d["details"]["request"]["path"] == "/api/v2/roles")
        .await;
    assert!(
        streamed.is_some(),
        "the role's creation reached a feed on another instance than the one it was delivered to"
    );
    drop(feed);
    assert_eq!(c_browser.api(Method::POST, "/auth/logout", None).await.status, 200);
    assert_eq!(a.api_get("/auth/me").await.status, 401, "signed out through another instance");

    // Writes through all three at three times the tenant's rate: paced
    // together to its bucket, no 429, in the bucket's time.
    let (rate, burst) = (15.0, 50.0);
    let n = 350; // the bucket's burst and 20 s of its rate
    let api_before = t.seen.api.load(Relaxed);
    let (answers, took) = writes(urls.clone(), &key, "steady", n, 3.0 * rate, |i| i % 3, |_| {}).await;
    let sent = t.seen.api.load(Relaxed) - api_before;
    let created = answers.iter().filter(|a| a.status == Some(201)).count();
    assert_eq!(created, n, "every write succeeded: {:?}", answers.iter().find(|a| a.status != Some(201)));
    assert_eq!(t.seen.limited.load(Relaxed), 0, "no upstream 429");
    let ideal = (sent as f64 - burst) / rate;
    let ratio = took.as_secs_f64() / ideal;
    eprintln!(
        "three instances: {n} writes ({sent} upstream requests) in {:.2} s; the bucket's ideal {ideal:.2} s ({:+.1}%)",
        took.as_secs_f64(),
        (ratio - 1.0) * 100.0
    );
    assert!((0.95..=1.05).contains(&ratio), "took {took:?}, ideal {ideal:.2} s");
    assert_eq!(t.seen.tokens.load(Relaxed), 1, "one token request for the whole deployment");
    let (sql, connection) = tokio_postgres::connect(&db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let stored = sql.query("SELECT sealed FROM upstream_tokens", &[]).await.unwrap();
    assert_eq!(stored.len(), 1, "one shared token");
    let sealed: Vec<u8> = stored[0].get(0);
    assert!(memchr::memmem::find(&sealed, b"eyJ").is_none(), "the token is stored sealed, not as the JWT");

    // One instance dies in the middle of a run: nothing it acknowledged is
    // missing from the audit log, and the other two keep serving.
    let fleet = Arc::new(Mutex::new(fleet));
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let m = 120;
    let (answers, _) = {
        let (fleet, killed2) = (fleet.clone(), killed.clone());
        writes(
            urls.clone(),
            &key,
            "kill",
            m,
            3.0 * rate,
            move |i| if killed2.load(Relaxed) { i % 2 } else { i % 3 },
            move |i| {
                if i == m / 2 {
                    fleet.lock().unwrap()[2].kill();
                    killed.store(true, Relaxed);
                }
            },
        )
        .await
    };
    let acknowledged: Vec<&Answer> = answers.iter().filter(|a| a.status.is_some()).collect();
    let after_kill = &answers[m / 2..];
    assert!(
        after_kill.iter().all(|a| a.instance == 2 || a.status == Some(201)),
        "the other two kept serving: {:?}",
        after_kill.iter().find(|a| a.instance != 2 && a.status != Some(201))
    );
    let store = PgAuditStore(Pg::connect(&db).await.unwrap());
    let (audited, _) = audited_objects(&store);
    for a in &acknowledged {
        if a.status == Some(201) {
            let id = a.user_id.as_deref().expect("a created user's id");
            assert!(audited.contains(id), "{} ({id}) was acknowledged but is not in the audit log", a.email);
        }
    }
    eprintln!(
        "kill: {} of {m} writes acknowledged ({} cut with the instance), all in the audit log",
        acknowledged.len(),
        m - acknowledged.len()
    );
    assert_eq!(t.seen.limited.load(Relaxed), 0, "no upstream 429");

    // An instance that comes back joins: it uses the shared token and writes to the shared log.
    let back = Instance::start(config(&db, listen[3], &t, &writer)).await;
    let (answers, _) = writes(Arc::new(vec![back.url.clone()]), &key, "back", 5, 10.0, |_| 0, |_| {}).await;
    assert!(answers.iter().all(|a| a.status == Some(201)), "{answers:?}");
    let (audited, _) = audited_objects(&store);
    assert!(answers.iter().all(|a| audited.contains(a.user_id.as_deref().unwrap())));
    assert_eq!(t.seen.tokens.load(Relaxed), 1, "the instance that came back used the shared token");
    drop(back);
    fleet.lock().unwrap().clear();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_lose_no_acknowledged_call_and_send_no_write_twice() {
    let Some(db) = database().await else { return };
    let listen = addresses(3);
    let t = tenant(0.0, 50, &listen).await;
    let (key, writer) = gatehouse_bff::apikeys::generate(Grants::parse_list("users=full").unwrap());
    let mut fleet = Vec::new();
    for addr in &listen {
        let mut c = config(&db, *addr, &t, &writer);
        c.pacing.rate_per_second = 50.0;
        fleet.push(Instance::start(c).await);
    }
    let urls: Arc<Vec<String>> = Arc::new(fleet.iter().map(|i| i.url.clone()).collect());
    // 20% of the tenant's answers go wrong: 429s, 5xx and dropped connections.
    let r = reqwest::Client::new()
        .post(format!("{}/__emulator/faults", t.base_url))
        .json(&json!({"429": 0.07, "500": 0.04, "503": 0.03, "drop": 0.06}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let n = 200;
    let (answers, _) = writes(urls, &key, "faults", n, 40.0, |i| i % 3, |_| {}).await;
    assert!(answers.iter().all(|a| a.status.is_some()), "every call was answered");
    let failed = answers.iter().filter(|a| a.status != Some(201)).count();
    let store = PgAuditStore(Pg::connect(&db).await.unwrap());
    let (audited, entries) = audited_objects(&store);
    assert_eq!(entries, n, "one audit entry per acknowledged call, failures included");
    for a in answers.iter().filter(|a| a.status == Some(201)) {
        assert!(audited.contains(a.user_id.as_deref().unwrap()), "{} missing from the audit log", a.email);
    }
    let creates = t.seen.creates.lock().unwrap();
    let twice: Vec<_> = creates.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "writes the tenant processed more than once: {twice:?}");
    eprintln!("faults: {n} writes, {failed} answered with an error, all audited, none sent twice");
    assert!(failed > 0, "the faults were injected");
}
