//! Load benchmark of the emulator over loopback.
//!
//! Phase 1 starts an emulator in-process (rate limiting off) and drives it
//! with concurrent keep-alive clients for a bounded time on a mix of user
//! listing, reads and searches, then prints throughput and latency
//! percentiles. Phase 2 generates a tenant of 100,000 users and prints the
//! seeding time, the process's resident memory before and after, and the
//! latency of searches that scan every user. Phase 3 seeds a full tenant
//! (every group seeded, 10,000 users) and drives the same clients over the
//! list operation of every group that has one, plus user reads.
//!
//! Run with `cargo bench -p gatehouse-emulator --bench load`. Tunables:
//! `GATEHOUSE_BENCH_SECONDS` (10), `GATEHOUSE_BENCH_CLIENTS` (16),
//! `GATEHOUSE_BENCH_USERS` (1000), `GATEHOUSE_BENCH_BIG_USERS` (100000),
//! `GATEHOUSE_BENCH_FULL_USERS` (10000), `GATEHOUSE_BENCH_PHASES`
//! (`load,size,full`: which phases to run).
//! Figures only: nothing here asserts a speed.

use gatehouse_emulator::{Config, Emulator};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn env_num(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn token(http: &reqwest::Client, base: &str, id: &str, secret: &str, audience: &str) -> String {
    let v: Value = http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": audience}))
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token body");
    v["access_token"].as_str().expect("access_token").to_owned()
}

/// The ids of the first 100 users, for the clients' reads.
async fn user_ids(http: &reqwest::Client, base: &str, tok: &str) -> Vec<String> {
    let page: Value = http
        .get(format!("{base}/api/v2/users?per_page=100&fields=user_id"))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().iter().filter_map(|u| u["user_id"].as_str()).map(str::to_owned).collect()
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    by_kind: [(u64, u64); 3],
    errors: u64,
}

/// Drives `clients` keep-alive clients until `seconds` have passed; each
/// sends `tok` and picks its next request with `pick` (a kind index into the tally and a
/// URL) from its own seeded generator. Returns the merged tally and the
/// elapsed seconds.
async fn drive<F>(clients: u64, seconds: u64, seed: u64, tok: &str, pick: F) -> (Tally, f64)
where
    F: Fn(&mut rand_chacha::ChaCha8Rng) -> (usize, String) + Send + Sync + 'static,
{
    let pick = std::sync::Arc::new(pick);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..clients {
        let pick = pick.clone();
        let tok = tok.to_owned();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + n);
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let (kind, url) = pick(&mut rng);
                let t0 = Instant::now();
                let ok = match http.get(&url).bearer_auth(&tok).send().await {
                    Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                    Err(_) => false,
                };
                let us = t0.elapsed().as_micros() as u64;
                if ok {
                    tally.latencies_us.push(us);
                    tally.by_kind[kind].0 += 1;
                    tally.by_kind[kind].1 += us;
                } else {
                    tally.errors += 1;
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.unwrap();
        all.latencies_us.extend(t.latencies_us);
        all.errors += t.errors;
        for k in 0..3 {
            all.by_kind[k].0 += t.by_kind[k].0;
            all.by_kind[k].1 += t.by_kind[k].1;
        }
    }
    all.latencies_us.sort_unstable();
    (all, started.elapsed().as_secs_f64())
}

/// Prints a tally: counts, throughput, latency percentiles and the mean per kind.
fn report(all: &Tally, elapsed: f64, kinds: [&str; 3]) {
    let n = all.latencies_us.len();
    println!("      requests: {n} ok, {} failed, in {elapsed:.1}s", all.errors);
    println!("      throughput: {:.0} requests/s", n as f64 / elapsed);
    println!(
        "      latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&all.latencies_us, 0.50),
        percentile(&all.latencies_us, 0.90),
        percentile(&all.latencies_us, 0.99),
        percentile(&all.latencies_us, 1.0)
    );
    for (k, name) in kinds.iter().enumerate() {
        let (count, total) = all.by_kind[k];
        if count > 0 {
            println!("      {name:>10}: {count} requests, mean {:.2} ms", total as f64 / count as f64 / 1000.0);
        }
    }
}

async fn load_phase(seconds: u64, clients: u64, users: u64) {
    let config = Config { rate_limit: Some(0.0), seed_users: users as usize, ..Config::default() };
    let h = Emulator::start(config).await.expect("emulator starts");
    let http = reqwest::Client::new();
    let tok = token(&http, &h.base_url, &h.client_id, &h.client_secret, &h.management_audience).await;
    let ids = user_ids(&http, &h.base_url, &tok).await;
    let pages = (users / 50).clamp(1, 19);
    let searches = [
        "app_metadata.plan:pro AND email_verified:true",
        "email:*@acme.test",
        "logins_count:[100 TO *] AND NOT blocked:true",
        "name:olivia OR name:noah",
    ];
    println!("load: {clients} keep-alive clients for {seconds}s against {} users (rate limit off)", users + 3);
    println!("      mix: 40% list users page (per_page=50, include_totals), 40% get user, 20% Lucene search");
    let base = h.base_url.clone();
    let (all, elapsed) = drive(clients, seconds, 0, &tok, move |rng| {
        let roll: u32 = rng.gen_range(0..10);
        if roll < 4 {
            (0, format!("{base}/api/v2/users?page={}&per_page=50&include_totals=true", rng.gen_range(0..pages)))
        } else if roll < 8 {
            let id = &ids[rng.gen_range(0..ids.len())];
            (1, format!("{base}/api/v2/users/{}", gatehouse_model::path::encode_segment("id", id).unwrap()))
        } else {
            let q = searches[rng.gen_range(0..searches.len())];
            (
                2,
                format!(
                    "{base}/api/v2/users?q={}&per_page=20&search_engine=v3",
                    gatehouse_model::path::encode_query(q)
                ),
            )
        }
    })
    .await;
    report(&all, elapsed, ["list page", "get user", "search"]);
    h.shutdown().await.expect("shutdown");
}

async fn seeding_phase(users: u64) {
    let before = rss_kib().unwrap_or(0);
    let config = Config { rate_limit: Some(0.0), seed_users: users as usize, ..Config::default() };
    let t0 = Instant::now();
    let state = tokio::task::spawn_blocking(move || Emulator::state(config, "http://127.0.0.1:9"))
        .await
        .unwrap()
        .expect("tenant generated");
    let seeded = t0.elapsed();
    let after = rss_kib().unwrap_or(0);
    println!("seed: {users} users generated in {:.2}s", seeded.as_secs_f64());
    let (objects, generic) = state.store.read(|t| {
        let all: usize = gatehouse_emulator::store::Kind::ALL.iter().map(|k| t.coll(*k).len()).sum();
        let generic = t.coll(gatehouse_emulator::store::Kind::Objects).len()
            + t.coll(gatehouse_emulator::store::Kind::Documents).len();
        (all, generic)
    });
    println!(
        "      full tenant: {objects} stored objects, {generic} of them in the groups answered by their catalog shape"
    );
    println!(
        "      RSS {:.1} MiB before, {:.1} MiB after (+{:.1} MiB, about {:.1} KiB per user with its logs and relations)",
        mib(before),
        mib(after),
        mib(after.saturating_sub(before)),
        after.saturating_sub(before) as f64 / users as f64
    );
    // Serve that tenant and time searches that scan every user.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Emulator::router(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    // Tokens are checked against the state's own URLs, which name port 9.
    let tok = token(
        &http,
        &base,
        &state.credentials.client_id,
        &state.credentials.client_secret,
        &state.urls.management_audience,
    )
    .await;
    let queries =
        ["app_metadata.plan:enterprise AND logins_count:[200 TO *]", "email:*@umbrella.test", "name:\"Olivia Smith\""];
    for q in queries {
        let mut times = Vec::new();
        let mut total = Value::Null;
        for _ in 0..5 {
            let t0 = Instant::now();
            let v: Value = http
                .get(format!(
                    "{base}/api/v2/users?q={}&include_totals=true&per_page=50",
                    gatehouse_model::path::encode_query(q)
                ))
                .bearer_auth(&tok)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            times.push(t0.elapsed().as_micros() as u64);
            total = v["total"].clone();
        }
        times.sort_unstable();
        println!("      search `{q}` over {users} users: {total} matches, median {:.1} ms", percentile(&times, 0.5));
    }
    let t0 = Instant::now();
    let _: Value = http
        .get(format!("{base}/api/v2/users?page=19&per_page=50"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!("      plain page of 50 over {users} users: {:.2} ms", t0.elapsed().as_secs_f64() * 1000.0);
    server.abort();
}

/// Phase 3: a full tenant (every group seeded, `users` users) under load
/// spread over the list operation of every group and user reads.
async fn full_tenant_phase(seconds: u64, clients: u64, users: u64) {
    use gatehouse_emulator::store::Kind;
    use gatehouse_model::{Api, Verb, catalog::CATALOG};
    let before = rss_kib().unwrap_or(0);
    let t0 = Instant::now();
    let config = Config { rate_limit: Some(0.0), seed_users: users as usize, ..Config::default() };
    let h = Emulator::start(config).await.expect("emulator starts");
    let seeded = t0.elapsed();
    let after = rss_kib().unwrap_or(0);
    let (objects, per_kind) = h.state.store.read(|t| {
        let per: Vec<(Kind, usize)> = Kind::ALL.iter().map(|k| (*k, t.coll(*k).len())).collect();
        (per.iter().map(|(_, n)| n).sum::<usize>(), per)
    });
    println!("full tenant: {users} users plus every group seeded, started in {:.2}s", seeded.as_secs_f64());
    println!(
        "      {objects} stored objects ({}), RSS {:.1} MiB before, {:.1} MiB after",
        per_kind.iter().filter(|(_, n)| *n > 0).map(|(k, n)| format!("{k:?} {n}")).collect::<Vec<_>>().join(", "),
        mib(before),
        mib(after)
    );
    let http = reqwest::Client::new();
    let tok = token(&http, &h.base_url, &h.client_id, &h.client_secret, &h.management_audience).await;
    // Every Management list (a GET without path parameters) that answers 200.
    let mut lists = Vec::new();
    for op in CATALOG.iter().filter(|o| o.api == Api::Management && o.verb == Verb::Get && !o.path.contains('{')) {
        let ok = http
            .get(format!("{}{}", h.base_url, op.path))
            .bearer_auth(&tok)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            lists.push(op.path);
        }
    }
    let ids = user_ids(&http, &h.base_url, &tok).await;
    println!(
        "      load: {clients} clients for {seconds}s; mix: 50% one of {} list operations (every group's GET without path parameters), 25% get user, 25% users page",
        lists.len()
    );
    let base = h.base_url.clone();
    let (all, elapsed) = drive(clients, seconds, 1000, &tok, move |rng| match rng.gen_range(0..4u32) {
        0 | 1 => (0, format!("{base}{}", lists[rng.gen_range(0..lists.len())])),
        2 => {
            let id = &ids[rng.gen_range(0..ids.len())];
            (1, format!("{base}/api/v2/users/{}", gatehouse_model::path::encode_segment("id", id).unwrap()))
        }
        _ => (2, format!("{base}/api/v2/users?page={}&per_page=50&include_totals=true", rng.gen_range(0..20))),
    })
    .await;
    report(&all, elapsed, ["group list", "get user", "users page"]);
    h.shutdown().await.expect("shutdown");
}

fn main() {
    let seconds = env_num("GATEHOUSE_BENCH_SECONDS", 10);
    let clients = env_num("GATEHOUSE_BENCH_CLIENTS", 16);
    let users = env_num("GATEHOUSE_BENCH_USERS", 1000);
    let big = env_num("GATEHOUSE_BENCH_BIG_USERS", 100_000);
    let full = env_num("GATEHOUSE_BENCH_FULL_USERS", 10_000);
    let phases = std::env::var("GATEHOUSE_BENCH_PHASES").unwrap_or_else(|_| "load,size,full".to_owned());
    let run = |name: &str| phases.split(',').any(|p| p.trim() == name);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!(
        "gatehouse-emulator load benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if run("load") {
        rt.block_on(load_phase(seconds, clients, users));
    }
    if run("size") {
        rt.block_on(seeding_phase(big));
    }
    if run("full") {
        rt.block_on(full_tenant_phase(seconds, clients, full));
    }
}
