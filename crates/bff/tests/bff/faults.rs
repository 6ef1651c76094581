//! The tenant misbehaving: 429s, 500s, dropped connections, slowness, absence.

use crate::{Harness, fast_retry};
use gatehouse_bff::{ApiKeyConfig, Bff, Config, Decision, Grants, Options, TenantConfig};
use gatehouse_model::Secret;
use reqwest::Method;
use serde_json::json;

async fn count_users(h: &Harness, email: &str) -> usize {
    let q = url::form_urlencoded::byte_serialize(format!("email:\"{email}\"").as_bytes()).collect::<String>();
    let (status, users) = h.direct(Method::GET, &format!("/api/v2/users?q={q}&search_engine=v3"), None).await;
    assert_eq!(status, 200, "{users}");
    users.as_array().map_or(0, Vec::len)
}

fn create_body(email: &str) -> serde_json::Value {
    json!({"connection": "Username-Password-Authentication", "email": email, "password": "Fault-t0lerant!"})
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_only_and_reported() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    assert_eq!(b.api_get("/api/v2/users?per_page=1").await.status, 200, "token cached before the faults");
    let client = h.bff.client().clone();

    h.faults(json!({"500": 1.0})).await;
    let before = client.metrics().requests;
    let r = b.api_get("/api/v2/users?per_page=1").await;
    assert_eq!(r.status, 500);
    let body = r.json();
    assert_eq!(body["statusCode"], 500, "Auth0's error body comes through: {body}");
    assert_eq!(client.metrics().requests - before, fast_retry().max_attempts as u64, "a GET is retried");
    let e = h.last_audit();
    assert_eq!((e.decision, e.status), (Decision::Allowed, Some(500)));
    assert!(e.sentence.starts_with("admin@demo.test tried listing users; the tenant answered 500"), "{}", e.sentence);

    let before = client.metrics().requests;
    let r = b.api(Method::POST, "/api/v2/users", Some(create_body("fault500@example.com"))).await;
    assert_eq!(r.status, 500);
    assert_eq!(client.metrics().requests - before, 1, "a POST is never sent twice");
    let e = h.last_audit();
    assert!(e.sentence.contains("creating user fault500@example.com; the tenant answered 500"), "{}", e.sentence);
    h.faults(json!({})).await;
    assert!(count_users(&h, "fault500@example.com").await <= 1);
}

#[tokio::test]
async fn dropped_connections_give_a_clear_502_and_posts_go_once() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    assert_eq!(b.api_get("/api/v2/users?per_page=1").await.status, 200);
    let client = h.bff.client().clone();
    h.faults(json!({"drop": 1.0})).await;

    let before = client.metrics().requests;
    let r = b.api(Method::POST, "/api/v2/users", Some(create_body("dropped@example.com"))).await;
    assert_eq!(r.status, 502, "{}", r.text());
    let j = r.json();
    assert_eq!(j["errorCode"], "gatehouse_upstream_dropped");
    assert!(j["message"].as_str().unwrap().contains("may or may not have been made"), "{j}");
    assert_eq!(client.metrics().requests - before, 1, "not sent twice");
    let e = h.last_audit();
    assert_eq!(
        (e.decision, e.status, e.reason.as_deref()),
        (Decision::Allowed, Some(502), Some("gatehouse_upstream_dropped"))
    );
    assert!(e.sentence.contains("the connection to the tenant was lost"), "{}", e.sentence);

    let before = client.metrics().requests;
    let r = b.api_get("/api/v2/users?per_page=1").await;
    assert_eq!(r.status, 502);
    assert_eq!(client.metrics().requests - before, fast_retry().max_attempts as u64, "reads are retried");
    h.faults(json!({})).await;
    assert!(count_users(&h, "dropped@example.com").await <= 1, "created at most once");
}

#[tokio::test]
async fn rate_limits_are_waited_out_then_passed_through() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    assert_eq!(b.api_get("/api/v2/users?per_page=1").await.status, 200);
    let client = h.bff.client().clone();
    h.faults(json!({"429": 1.0})).await;
    let before = client.metrics().requests;
    let r = b.api_get("/api/v2/roles").await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(client.metrics().requests - before, fast_retry().max_rate_limited_attempts as u64);
    assert_eq!(r.json()["statusCode"], 429);
    assert_eq!(h.last_audit().status, Some(429));
    // Intermittent 429s are absorbed: the admin sees success.
    h.faults(json!({"429": 0.3})).await;
    let mut ok = 0;
    for _ in 0..10 {
        if b.api_get("/api/v2/roles").await.status == 200 {
            ok += 1;
        }
    }
    assert!(ok >= 8, "only {ok}/10 succeeded");
    h.faults(json!({})).await;
    let me = b.get("/auth/me").await.json();
    assert!(me["rateLimit"]["limit"].is_number() || me["rateLimit"]["limit"].is_null());
}

#[tokio::test]
async fn timeouts_give_504() {
    let h = Harness::with(|c, _| c.upstream_timeout_secs = 1).await;
    let key = h.key_client("operator");
    assert_eq!(key.get("/api/v2/users?per_page=1").await.status, 200);
    let client = h.bff.client().clone();
    h.faults(json!({"latency": "2500ms"})).await;
    let before = client.metrics().requests;
    let r = key
        .send(
            Method::POST,
            "/api/v2/users",
            &[("content-type", "application/json")],
            Some(create_body("slow@example.com").to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, 504, "{}", r.text());
    let j = r.json();
    assert_eq!(j["errorCode"], "gatehouse_upstream_timeout");
    assert!(j["message"].as_str().unwrap().contains("check before trying again"));
    assert_eq!(client.metrics().requests - before, 1);
    let e = h.last_audit();
    assert_eq!((e.principal.as_str(), e.status), ("operator", Some(504)));
    h.faults(json!({})).await;
}

#[tokio::test]
async fn an_unreachable_tenant_gives_502_and_not_ready() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let (key, entry): (String, ApiKeyConfig) =
        gatehouse_bff::apikeys::generate(Grants::parse_list("users=read").unwrap());
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.path().join("g.sqlite"),
        tenant: Some(TenantConfig {
            base_url: Some(format!("http://127.0.0.1:{port}")),
            client_id: "m2m".into(),
            client_secret: Some(Secret::new("m2m-secret-value")),
            oidc_client_id: "web".into(),
            ..TenantConfig::default()
        }),
        upstream_timeout_secs: 2,
        ..Config::default()
    };
    config.api_keys.insert("ci".into(), entry);
    let bff =
        Bff::start_with(config.clone(), Options { retry: Some(fast_retry()), ..Options::default() }).await.unwrap();
    let b =
        crate::browser::Browser::new(bff.url(), crate::browser::Forbidden { exact: vec!["m2m-secret-value".into()] });
    let r = b.send(Method::GET, "/api/v2/users", &[("authorization", &format!("Bearer {key}"))], None).await;
    assert_eq!(r.status, 502, "{}", r.text());
    assert_eq!(r.json()["errorCode"], "gatehouse_upstream_unreachable");
    assert_eq!(b.get("/readyz").await.status, 503);
    assert_eq!(b.get("/healthz").await.status, 200);
    let store = gatehouse_bff::SqliteAuditStore::open(&config.database).unwrap();
    let page =
        gatehouse_bff::AuditStore::query(&store, &gatehouse_bff::AuditQuery { per_page: 10, ..Default::default() })
            .unwrap();
    assert_eq!(page.entries[0].status, Some(502));
    assert!(
        page.entries[0].sentence.starts_with("ci tried listing users, but the tenant could not be reached"),
        "{}",
        page.entries[0].sentence
    );
    bff.shutdown().await.unwrap();
}
