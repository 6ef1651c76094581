//! How much the BFF adds to a call: `GET /api/v2/users/{id}` straight to the
//! emulator versus through the BFF with an API key, same concurrency,
//! bounded duration; and a write, `PATCH /api/v2/users/{id}`, which also
//! pays for the escalation guard's look-ups (the user and its roles). No
//! assertions: it prints figures.
//!
//! `cargo bench -p gatehouse-bff --bench proxy`
//! (`GATEHOUSE_BENCH_SECS`, default 5, and `GATEHOUSE_BENCH_CONCURRENCY`,
//! default `1,8`, tune it; `GATEHOUSE_BENCH_ONLY=postgres` runs only the
//! PostgreSQL part).
//!
//! A key of the configuration file is found in memory; one the BFF manages
//! in its database (`/keys`) is looked up there on every request: the
//! "database key" runs measure that lookup.
//!
//! With `GATEHOUSE_TEST_POSTGRES` (a PostgreSQL cluster whose user may
//! create databases; `cargo xtask bench bff` starts one), it also measures
//! one BFF against three on one PostgreSQL database, and what the shared
//! rate budget (one statement per upstream request) adds to a call.
//!
//! The BFF is measured twice: with its audit database on disk (every call
//! waits for its audit entry's fsync, `synchronous=FULL`) and, where
//! `/dev/shm` exists, on tmpfs (no fsync cost), to separate the proxy's own
//! overhead from the durability the audit log pays for.

#![allow(missing_docs)]

use gatehouse_bff::{Bff, Config, Grants, Options, TenantConfig};
use gatehouse_model::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Run {
    label: String,
    concurrency: usize,
    requests: usize,
    errors: usize,
    secs: f64,
    p50: f64,
    p99: f64,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.secs
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

async fn load(label: &str, url: &str, auth: &str, concurrency: usize, duration: Duration) -> Run {
    load_with(label, reqwest::Method::GET, None, url, auth, concurrency, duration).await
}

async fn load_with(
    label: &str,
    method: reqwest::Method,
    body: Option<serde_json::Value>,
    url: &str,
    auth: &str,
    concurrency: usize,
    duration: Duration,
) -> Run {
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency * 2).build().unwrap();
    let header = format!("Bearer {auth}");
    // Warm up connections (and the BFF's token).
    let request = move |http: &reqwest::Client, url: &str, header: &str| {
        let mut r = http.request(method.clone(), url).header("authorization", header);
        if let Some(b) = &body {
            r = r.json(b);
        }
        r
    };
    for _ in 0..concurrency.max(20) {
        let _ = request(&http, url, &header).send().await.and_then(|r| r.error_for_status());
    }
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let http = http.clone();
        let url = url.to_owned();
        let header = header.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                match request(&http, &url, &header).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Run {
        label: label.to_owned(),
        concurrency,
        requests: all.len(),
        errors,
        secs,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
    }
}

/// Like [`load_with`] for a GET, spreading the tasks over several BFFs (as a load balancer would).
async fn load_spread(label: &str, urls: &[String], auth: &str, concurrency: usize, duration: Duration) -> Run {
    let mut parts = Vec::new();
    let n = urls.len();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (label, url, auth) = (label.to_owned(), urls[i].clone(), auth.to_owned());
            let c = concurrency / n + usize::from(i < concurrency % n);
            tokio::spawn(async move { load(&label, &url, &auth, c.max(1), duration).await })
        })
        .collect();
    for t in tasks {
        parts.push(t.await.unwrap());
    }
    let requests = parts.iter().map(|r| r.requests).sum();
    let secs = parts.iter().map(|r| r.secs).fold(0.0, f64::max);
    let weighted = |f: fn(&Run) -> f64| parts.iter().map(|r| f(r) * r.requests as f64).sum::<f64>() / requests as f64;
    Run {
        label: label.to_owned(),
        concurrency,
        requests,
        errors: parts.iter().map(|r| r.errors).sum(),
        secs,
        p50: weighted(|r| r.p50),
        p99: parts.iter().map(|r| r.p99).fold(0.0, f64::max),
    }
}

/// A BFF on the PostgreSQL database `url`, with the key `entry`; pacing
/// (and so the shared budget) at `rate` requests per second, off at 0.
async fn start_pg_bff(
    emulator: &gatehouse_emulator::EmulatorHandle,
    url: &str,
    entry: &gatehouse_bff::ApiKeyConfig,
    rate: f64,
) -> gatehouse_bff::BffHandle {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: url.into(),
        console_dir: "no-console".into(),
        tenant: Some(TenantConfig {
            base_url: Some(emulator.base_url.clone()),
            client_id: emulator.client_id.clone(),
            client_secret: Some(Secret::new(emulator.client_secret.clone())),
            management_audience: Some(emulator.management_audience.clone()),
            oidc_client_id: emulator.web_client_id.clone(),
            ..TenantConfig::default()
        }),
        ..Config::default()
    };
    config.pacing.rate_per_second = rate;
    config.pacing.burst = 1_000_000;
    config.pacing.follow_server = false;
    config.pacing.api_key_share = 1.0;
    config.api_keys.insert("bench".into(), entry.clone());
    Bff::start_with(config, Options::default()).await.expect("BFF starts")
}

/// One BFF against three on one PostgreSQL, and the shared budget's cost.
async fn postgres_runs(
    admin_url: &str,
    emulator: &gatehouse_emulator::EmulatorHandle,
    path: &str,
    duration: Duration,
) -> Vec<Run> {
    let (key, entry) = gatehouse_bff::apikeys::generate(Grants::parse_list("users=full").unwrap());
    let db = gatehouse_bff::pg::create_database(admin_url).await.unwrap();
    let mut runs = Vec::new();
    let mut fleet = Vec::new();
    for _ in 0..3 {
        fleet.push(start_pg_bff(emulator, &db, &entry, 0.0).await);
    }
    let three: Vec<String> = fleet.iter().map(|b| format!("{}{path}", b.url())).collect();
    for c in [8usize, 24] {
        runs.push(load_spread("postgres, one BFF", &three[..1], &key, c, duration).await);
        runs.push(load_spread("postgres, three BFFs", &three, &key, c, duration).await);
    }
    // The shared budget at a rate never reached: every call pays its statement, none waits.
    let budget = start_pg_bff(emulator, &db, &entry, 1_000_000.0).await;
    for c in [1usize, 8] {
        runs.push(load_spread("postgres, one BFF, budget off", &three[..1], &key, c, duration).await);
        runs.push(
            load_spread("postgres, one BFF, shared budget", &[format!("{}{path}", budget.url())], &key, c, duration)
                .await,
        );
    }
    budget.shutdown().await.unwrap();
    for bff in fleet {
        bff.shutdown().await.unwrap();
    }
    runs
}

/// A BFF, its configured key and a key stored in its database (same access).
async fn start_bff(
    emulator: &gatehouse_emulator::EmulatorHandle,
    db_dir: PathBuf,
) -> (gatehouse_bff::BffHandle, String, String) {
    // users=full: the write run goes through the escalation guard (a key holding less than the
    // demo roles, so the guard looks the user up).
    let (key, entry) = gatehouse_bff::apikeys::generate(Grants::parse_list("users=full").unwrap());
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: db_dir.join("bench.sqlite"),
        console_dir: db_dir.join("no-console"),
        tenant: Some(TenantConfig {
            base_url: Some(emulator.base_url.clone()),
            client_id: emulator.client_id.clone(),
            client_secret: Some(Secret::new(emulator.client_secret.clone())),
            management_audience: Some(emulator.management_audience.clone()),
            oidc_client_id: emulator.web_client_id.clone(),
            ..TenantConfig::default()
        }),
        ..Config::default()
    };
    config.pacing.rate_per_second = 0.0;
    config.pacing.follow_server = false;
    let (stored, stored_entry) = gatehouse_bff::apikeys::generate(Grants::parse_list("users=full").unwrap());
    let store = gatehouse_bff::SqliteKeyStore::open(&config.database).unwrap();
    gatehouse_bff::KeyStore::insert(
        &store,
        &gatehouse_bff::store::NewKey {
            name: "bench-stored".into(),
            sha256: stored_entry.sha256,
            access: "users=full".into(),
            user_scope: None,
            created_by: "bench".into(),
            created_ms: 0,
        },
    )
    .unwrap();
    drop(store);
    config.api_keys.insert("bench".into(), entry);
    let bff = Bff::start_with(config, Options::default()).await.expect("BFF starts");
    (bff, key, stored)
}

async fn run() {
    let secs: u64 = std::env::var("GATEHOUSE_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let levels: Vec<usize> = std::env::var("GATEHOUSE_BENCH_CONCURRENCY")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 8]);
    let duration = Duration::from_secs(secs);

    let emulator = gatehouse_emulator::Emulator::start(gatehouse_emulator::Config::for_tests(100)).await.unwrap();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(emulator.token_url())
        .json(&serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "audience": emulator.management_audience,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let users: serde_json::Value = http
        .get(format!("{}/api/v2/users?per_page=5", emulator.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = users[0]["user_id"].as_str().unwrap().to_owned();
    let path =
        format!("/api/v2/users/{}", url::form_urlencoded::byte_serialize(user_id.as_bytes()).collect::<String>());

    let disk =
        tempfile::tempdir_in(std::env::var_os("CARGO_TARGET_DIR").map_or_else(std::env::temp_dir, PathBuf::from))
            .unwrap_or_else(|_| tempfile::tempdir().unwrap());
    let mut bffs = vec![("bff (audit on disk)".to_owned(), start_bff(&emulator, disk.path().to_owned()).await)];
    let shm = std::path::Path::new("/dev/shm");
    let shm_dir = shm.is_dir().then(|| tempfile::tempdir_in(shm).ok()).flatten();
    if let Some(d) = &shm_dir {
        bffs.push(("bff (audit on tmpfs)".to_owned(), start_bff(&emulator, d.path().to_owned()).await));
    }
    let bffs = Arc::new(bffs);

    println!("GET {path}: {secs} s per run, emulator rate limit off, BFF pacing off");
    let mut runs = Vec::new();
    // GATEHOUSE_BENCH_ONLY=postgres: only the runs of several instances on PostgreSQL.
    let only_pg = std::env::var("GATEHOUSE_BENCH_ONLY").is_ok_and(|v| v == "postgres");
    // 1. Everything on this machine: CPU-bound, the load generator, the BFF and the emulator share the cores.
    for &c in levels.iter().filter(|_| !only_pg) {
        runs.push(load("direct", &format!("{}{path}", emulator.base_url), &token, c, duration).await);
        for (label, (bff, key, stored)) in bffs.iter() {
            runs.push(load(label, &format!("{}{path}", bff.url()), key, c, duration).await);
            let label = format!("{label}, database key");
            runs.push(load(&label, &format!("{}{path}", bff.url()), stored, c, duration).await);
        }
    }
    // 1b. A write: the BFF validates the body and the guard looks up the user and its roles first.
    let write = serde_json::json!({"user_metadata": {"bench": true}});
    for (label, url, auth) in
        std::iter::once(("direct write".to_owned(), format!("{}{path}", emulator.base_url), token.clone()))
            .chain(
                bffs.iter().map(|(label, (bff, key, _))| {
                    (format!("{label} write"), format!("{}{path}", bff.url()), key.clone())
                }),
            )
            .filter(|_| !only_pg)
    {
        runs.push(load_with(&label, reqwest::Method::PATCH, Some(write.clone()), &url, &auth, 1, duration).await);
    }
    // 2. The tenant a few milliseconds away, as a real one is: the emulator delays every answer.
    let remote_ms: u64 = std::env::var("GATEHOUSE_BENCH_REMOTE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    if remote_ms > 0 && !only_pg {
        let set = http
            .post(format!("{}/__emulator/faults", emulator.base_url))
            .json(&serde_json::json!({"latency": format!("{remote_ms}ms")}))
            .send()
            .await
            .unwrap();
        assert!(set.status().is_success());
        for &c in &[8usize, 32] {
            let suffix = format!(", tenant {remote_ms} ms away");
            runs.push(
                load(&format!("direct{suffix}"), &format!("{}{path}", emulator.base_url), &token, c, duration).await,
            );
            for (label, (bff, key, _)) in bffs.iter() {
                runs.push(load(&format!("{label}{suffix}"), &format!("{}{path}", bff.url()), key, c, duration).await);
            }
        }
    }
    // 3. Several instances on one PostgreSQL (when a cluster is given).
    if let Some(admin) = std::env::var("GATEHOUSE_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) {
        let clear = http.post(format!("{}/__emulator/faults", emulator.base_url)).json(&serde_json::json!({})).send();
        assert!(clear.await.unwrap().status().is_success());
        let pg = postgres_runs(&admin, &emulator, &path, duration).await;
        runs.extend(pg.into_iter().map(|mut r| {
            r.label = format!("{} (GET {path})", r.label);
            r
        }));
    } else {
        println!("GATEHOUSE_TEST_POSTGRES is not set: no PostgreSQL runs (cargo xtask bench bff starts a cluster)");
    }
    println!("\n| concurrency | target | requests | errors | req/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    for r in &runs {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.3} | {:.3} |",
            r.concurrency,
            r.label,
            r.requests,
            r.errors,
            r.rps(),
            r.p50,
            r.p99
        );
    }
    println!();
    for r in runs.iter().filter(|r| !r.label.starts_with("direct") && !r.label.starts_with("postgres")) {
        let suffix = r.label.split_once(", tenant").map(|(_, s)| format!(", tenant{s}")).unwrap_or_default();
        let suffix = if r.label.ends_with(" write") { " write".to_owned() } else { suffix };
        let direct =
            runs.iter().find(|d| d.concurrency == r.concurrency && d.label == format!("direct{suffix}")).unwrap();
        println!(
            "concurrency {}, {}: adds {:.3} ms at p50 ({:.3} ms at p99); throughput {:.0}% of direct",
            r.concurrency,
            r.label,
            r.p50 - direct.p50,
            r.p99 - direct.p99,
            100.0 * r.rps() / direct.rps()
        );
    }
    let pg = |label: &str, c: usize| runs.iter().find(|r| r.concurrency == c && r.label.starts_with(label));
    for c in [8usize, 24] {
        if let (Some(one), Some(three)) = (pg("postgres, one BFF (", c), pg("postgres, three BFFs", c)) {
            println!(
                "concurrency {c}, PostgreSQL: three BFFs serve {:.0} req/s, one {:.0} req/s ({:.2}x)",
                three.rps(),
                one.rps(),
                three.rps() / one.rps()
            );
        }
    }
    for c in [1usize, 8] {
        if let (Some(off), Some(on)) =
            (pg("postgres, one BFF, budget off", c), pg("postgres, one BFF, shared budget", c))
        {
            println!(
                "concurrency {c}, PostgreSQL: the shared rate budget adds {:.3} ms at p50 ({:.3} ms at p99)",
                on.p50 - off.p50,
                on.p99 - off.p99
            );
        }
    }
    let bffs = Arc::try_unwrap(bffs).ok().unwrap();
    for (_, (bff, _, _)) in bffs {
        bff.shutdown().await.unwrap();
    }
    emulator.shutdown().await.unwrap();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}
