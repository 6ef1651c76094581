//! Token buckets: headers count down, an empty bucket answers 429 with
//! `Retry-After`, and the bucket refills; Auth0's published buckets per
//! `--tier`, on the emulator's stopped clock.

use crate::common::{Body, Client, Resp, assert_mgmt_error, enc, start_with};
use gatehouse_emulator::ratelimit::Tier;
use gatehouse_emulator::{Config, EmulatorHandle};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_bucket_answers_429_until_it_refills() {
    let (h, c) = start_with(Config { rate_limit: Some(5.0), burst: Some(10), ..Config::for_tests(3) }).await;
    let t = c.token(&h, &h.management_audience, None).await;
    let mut remaining = Vec::new();
    let mut limited = None;
    for _ in 0..30 {
        let r = c.send("GET", "/api/v2/roles", Some(&t), Body::None).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-limit"), Some("10"));
        remaining.push(r.header("x-ratelimit-remaining").unwrap().parse::<u64>().unwrap());
    }
    let r = limited.expect("the bucket empties");
    assert!(remaining.len() >= 10, "{remaining:?}");
    assert!(remaining.windows(2).take(8).all(|w| w[1] <= w[0]), "{remaining:?}");
    let body = r.json();
    assert_mgmt_error(&body, 429, Some("too_many_requests"));
    assert_eq!(body["message"], "Global limit has been reached");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry));
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset >= gatehouse_emulator::clock::now_secs());
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let again = c.send("GET", "/api/v2/roles", Some(&t), Body::None).await;
    assert_eq!(again.status, 200, "refilled after a second");
    // The refusal was logged as an api_limit event.
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_endpoint_buckets_are_separate() {
    let (h, c) = start_with(Config {
        rate_limit: Some(100.0),
        burst: Some(100),
        endpoint_rate_limit: Some(0.5),
        endpoint_burst: Some(2),
        ..Config::for_tests(3)
    })
    .await;
    let t = c.token(&h, &h.management_audience, None).await;
    for _ in 0..2 {
        assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 200);
    }
    let r = c.send("GET", "/api/v2/roles", Some(&t), Body::None).await;
    assert_eq!(r.status, 429);
    assert!(r.json()["message"].as_str().unwrap().contains("listing roles"));
    assert_eq!(c.send("GET", "/api/v2/clients", Some(&t), Body::None).await.status, 200);
    h.shutdown().await.unwrap();
}

/// An emulator with `tier`'s buckets, its clock stopped, and a Management token.
async fn tiered(tier: Tier) -> (EmulatorHandle, Client, String) {
    let (h, c) = start_with(Config { tier: Some(tier), seed_users: 3, ..Config::default() }).await;
    let t = c.token(&h, &h.management_audience, None).await;
    h.state.clock.freeze();
    (h, c, t)
}

/// Status, `x-ratelimit-limit` and `x-ratelimit-remaining` of a response.
fn seen(r: &Resp) -> (u16, u64, u64) {
    let num = |name: &str| r.header(name).unwrap_or_else(|| panic!("no {name}")).parse::<u64>().unwrap();
    (r.status, num("x-ratelimit-limit"), num("x-ratelimit-remaining"))
}

fn new_user(n: usize) -> Body {
    Body::Json(json!({
        "connection": "Username-Password-Authentication",
        "email": format!("tier{n}@example.com"),
        "password": "Sup3r-secret!",
    }))
}

/// A user id of the seeded tenant.
async fn some_user(h: &EmulatorHandle) -> String {
    h.state.store.read(|t| {
        t.coll(gatehouse_emulator::store::Kind::Users).values().next().unwrap()["user_id"].as_str().unwrap().to_owned()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tier_puts_user_reads_user_writes_and_other_groups_in_its_buckets() {
    // Free: one Management bucket of 2, refilled at 2 a second, for everything.
    let (h, c, t) = tiered(Tier::Free).await;
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 2, 1));
    assert_eq!(seen(&c.send("POST", "/api/v2/users", Some(&t), new_user(1)).await), (201, 2, 0));
    let r = c.send("GET", "/api/v2/roles", Some(&t), Body::None).await;
    assert_eq!(seen(&r), (429, 2, 0));
    assert_eq!(r.json()["message"], "Global limit has been reached");
    assert_eq!(r.header("retry-after"), Some("1"));
    h.state.clock.advance(Duration::from_millis(499));
    assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 429);
    h.state.clock.advance(Duration::from_millis(1));
    assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 2, 0));
    h.shutdown().await.unwrap();

    // Self-service: Read Users (40), Write Users (20), and every other
    // endpoint in one shared bucket (10); no tenant-wide bucket.
    let (h, c, t) = tiered(Tier::SelfService).await;
    let uid = some_user(&h).await;
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 40, 39));
    assert_eq!(seen(&c.send("POST", "/api/v2/users", Some(&t), new_user(2)).await), (201, 20, 19));
    assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 10, 9));
    let by_email = format!("/api/v2/users-by-email?email={}", crate::common::q("tier2@example.com"));
    assert_eq!(seen(&c.send("GET", &by_email, Some(&t), Body::None).await), (200, 40, 38));
    let one = format!("/api/v2/users/{}", enc(&uid));
    assert_eq!(seen(&c.send("GET", &one, Some(&t), Body::None).await), (200, 40, 37));
    let patch = Body::Json(json!({"given_name": "Tiered"}));
    assert_eq!(seen(&c.send("PATCH", &one, Some(&t), patch).await), (200, 20, 18));
    assert_eq!(seen(&c.send("GET", "/api/v2/clients", Some(&t), Body::None).await), (200, 5, 4), "Read Clients");
    assert_eq!(seen(&c.send("GET", "/api/v2/resource-servers", Some(&t), Body::None).await), (200, 10, 8));
    h.shutdown().await.unwrap();

    // Enterprise: one Management bucket of 50 refilled at 16 a second.
    let (h, c, t) = tiered(Tier::Enterprise).await;
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 50, 49));
    assert_eq!(seen(&c.send("POST", "/api/v2/users", Some(&t), new_user(3)).await), (201, 50, 48));
    assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 50, 47));
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_bucket_empties_and_refills_by_the_clock() {
    let (h, c, t) = tiered(Tier::SelfService).await;
    for left in (0..40).rev() {
        assert_eq!(seen(&c.send("GET", "/api/v2/users?per_page=1", Some(&t), Body::None).await), (200, 40, left));
    }
    let now = h.state.clock.now_ms();
    let r = c.send("GET", "/api/v2/users", Some(&t), Body::None).await;
    assert_eq!(seen(&r), (429, 40, 0));
    let body = r.json();
    assert_mgmt_error(&body, 429, Some("too_many_requests"));
    assert_eq!(body["error"], "Too Many Requests");
    assert!(body["message"].as_str().unwrap().ends_with("the Read Users limit has been reached"), "{body}");
    assert_eq!(r.header("retry-after"), Some("1"));
    // 500 a minute: full again 4.8 s after it emptied.
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let full_at_ms = now as u64 + 4800;
    assert!(reset * 1000 >= full_at_ms && reset * 1000 - full_at_ms < 1000, "reset {reset}, full at {full_at_ms} ms");
    // Other buckets are untouched.
    assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 10, 9));
    // One request comes back every 120 ms.
    h.state.clock.advance(Duration::from_millis(100));
    assert_eq!(c.send("GET", "/api/v2/users", Some(&t), Body::None).await.status, 429);
    h.state.clock.advance(Duration::from_millis(30));
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 40, 0));
    assert_eq!(c.send("GET", "/api/v2/users", Some(&t), Body::None).await.status, 429);
    h.state.clock.advance(Duration::from_secs(60));
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 40, 39));
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_enterprise_bucket_bursts_50_then_refills_16_a_second() {
    let (h, c, t) = tiered(Tier::Enterprise).await;
    for left in (0..50).rev() {
        assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 50, left));
    }
    let r = c.send("GET", "/api/v2/users", Some(&t), Body::None).await;
    assert_eq!(seen(&r), (429, 50, 0));
    assert_eq!(r.json()["message"], "Global limit has been reached");
    h.state.clock.advance(Duration::from_secs(1));
    for _ in 0..16 {
        let r = c.send("POST", "/api/v2/roles", Some(&t), Body::Json(json!({"name": rand_name()}))).await;
        assert!(r.status == 200 || r.status == 201, "{}", r.status);
    }
    assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 429);
    // The Teams API has its own bucket.
    let teams = c.token(&h, &h.teams_audience, None).await;
    assert_eq!(c.send("GET", "/api/environments", Some(&teams), Body::None).await.status, 200);
    h.shutdown().await.unwrap();
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("tier-role-{}", N.fetch_add(1, Ordering::Relaxed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simple_flags_override_the_tier() {
    let config =
        Config { tier: Some(Tier::SelfService), rate_limit: Some(5.0), burst: Some(3), ..Config::for_tests(3) };
    let (h, c) = start_with(config).await;
    let t = c.token(&h, &h.management_audience, None).await;
    h.state.clock.freeze();
    // One bucket of 3 for everything: users, writes and roles alike.
    assert_eq!(seen(&c.send("GET", "/api/v2/users", Some(&t), Body::None).await), (200, 3, 2));
    assert_eq!(seen(&c.send("POST", "/api/v2/users", Some(&t), new_user(4)).await), (201, 3, 1));
    assert_eq!(seen(&c.send("GET", "/api/v2/roles", Some(&t), Body::None).await), (200, 3, 0));
    let r = c.send("GET", "/api/v2/clients", Some(&t), Body::None).await;
    assert_eq!((r.status, r.json()["message"].as_str().unwrap()), (429, "Global limit has been reached"));
    let summary = gatehouse_emulator::server::summary(&h.state);
    assert!(summary.iter().any(|l| l == "rate limit: 5/s, bursts of 3 (overrides --tier self-service)"), "{summary:?}");
    h.shutdown().await.unwrap();
}

/// Spellings of a user read the router still accepts all draw from Read
/// Users, and spellings it refuses neither answer nor refill anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_cannot_be_dodged_by_spelling_the_path_differently() {
    let (h, c, t) = tiered(Tier::SelfService).await;
    let uid = some_user(&h).await;
    for _ in 0..40 {
        assert_eq!(c.send("GET", "/api/v2/users", Some(&t), Body::None).await.status, 200);
    }
    let encoded_id = enc(&uid);
    let variants = [
        "/api/v2/users".to_owned(),
        "/api/v2/users?q=email%3A*&search_engine=v3".to_owned(),
        "/api/v2/%75sers".to_owned(),
        "/api/v2/%75%73%65%72%73".to_owned(),
        "/api/%76%32/users".to_owned(),
        "/api/v2/users/".to_owned(),
        "/api/v2/Users".to_owned(),
        "/api/v2/USERS".to_owned(),
        "/api/v2//users".to_owned(),
        "/api/v2/users/.".to_owned(),
        "/api/v2/users/%2e%2e/users".to_owned(),
        "/api/v2/users%2F".to_owned(),
        format!("/api/v2/users/{encoded_id}"),
        format!("/api/v2/users/{}", encoded_id.replace("%7C", "%7c")),
        format!("/api/v2/%75sers/{encoded_id}"),
        format!("/api/v2/users/{encoded_id}/"),
        format!("/api/v2/users-by-email?email={}", crate::common::q("a@b.test")),
        "/api/v2/users-by-email/".to_owned(),
    ];
    for path in &variants {
        let mut accepted = None;
        for ip in ["10.0.0.1", "10.0.0.2"] {
            let r = c
                .http
                .get(format!("{}{path}", c.base))
                .bearer_auth(&t)
                .header("x-forwarded-for", ip)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(matches!(status, 429 | 404 | 405), "GET {path} from {ip} answered {status}");
            if status == 429 {
                assert_eq!(r.headers()["x-ratelimit-limit"], "40", "{path}");
            }
            assert!(accepted.is_none_or(|s| s == status), "{path}: the caller's address changed the answer");
            accepted = Some(status);
        }
    }
    // The refused spellings took nothing and gave nothing back.
    assert_eq!(c.send("GET", "/api/v2/users", Some(&t), Body::None).await.status, 429);
    for _ in 0..20 {
        c.send("GET", "/api/v2/users/", Some(&t), Body::None).await;
    }
    assert_eq!(c.send("GET", "/api/v2/users", Some(&t), Body::None).await.status, 429);
    // A new token does not get a new bucket: buckets belong to the tenant.
    let other = c.token(&h, &h.management_audience, Some("read:users")).await;
    assert_eq!(c.send("GET", "/api/v2/users", Some(&other), Body::None).await.status, 429);
    h.shutdown().await.unwrap();
}
