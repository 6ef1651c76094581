//! Transport-level behaviour: body limits, content types, unknown routes,
//! headers on every response, health, and what Go's SDK sends.

use crate::common::{Body, assert_mgmt_error, start, start_with};
use gatehouse_emulator::Config;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_content_types_and_routes() {
    let (h, c) = start_with(Config { body_limit: 4096, ..Config::for_tests(3) }).await;
    let t = c.token(&h, &h.management_audience, None).await;
    let t = Some(t.as_str());
    let big = json!({"name": "x".repeat(10_000)});
    let e = c.expect(413, "POST", "/api/v2/roles", t, Body::Json(big)).await;
    assert_mgmt_error(&e, 413, Some("payload_too_large"));
    let e = c.expect(415, "POST", "/api/v2/roles", t, Body::Raw("text/plain", b"name=x".to_vec())).await;
    assert_mgmt_error(&e, 415, Some("unsupported_media_type"));
    let e = c.expect(400, "POST", "/api/v2/roles", t, Body::Raw("application/json", b"{not json".to_vec())).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(400, "POST", "/api/v2/roles", t, Body::Raw("application/json", b"[1,2]".to_vec())).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(400, "POST", "/api/v2/roles", t, Body::Raw("application/json", Vec::new())).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    // Go's SDK sends a JSON `null` body with GETs; operations without a body ignore it.
    c.expect(200, "GET", "/api/v2/roles", t, Body::Raw("application/json", b"null".to_vec())).await;
    // DELETE /roles with `{}` as that SDK sends it.
    let role = c.expect(200, "POST", "/api/v2/roles", t, Body::Json(json!({"name": "tmp"}))).await;
    c.expect(200, "DELETE", &format!("/api/v2/roles/{}", role["id"].as_str().unwrap()), t, Body::Json(json!({}))).await;
    let e = c.expect(404, "GET", "/api/v2/nothing-here", t, Body::None).await;
    assert_mgmt_error(&e, 404, None);
    let r = c.send("PUT", "/api/v2/users", t, Body::Json(json!({}))).await;
    assert_eq!(r.status, 405);
    assert!(r.header("allow").unwrap().contains("GET"));
    let r = c.send("GET", "/api/v2/users/%2E%2E", t, Body::None).await;
    assert_eq!(r.status, 404, "dot segments never name an object");
    // Every answer carries the rate-limit headers.
    for path in ["/__emulator/health", "/.well-known/jwks.json", "/api/v2/roles", "/nope"] {
        let r = c.send("GET", path, t, Body::None).await;
        for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
            assert!(r.header(name).is_some(), "{path} lacks {name}");
        }
    }
    let health = c.expect(200, "GET", "/__emulator/health", None, Body::None).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["users"], 7);
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_tenant() {
    let (a, ca) = start(20).await;
    let (b, cb) = start(20).await;
    assert_eq!(a.client_id, b.client_id);
    assert_eq!(a.demo_password, b.demo_password);
    let ta = ca.token(&a, &a.management_audience, None).await;
    let tb = cb.token(&b, &b.management_audience, None).await;
    let path = "/api/v2/users?per_page=100&fields=user_id,email,app_metadata";
    let ua = ca.expect(200, "GET", path, Some(&ta), Body::None).await;
    let ub = cb.expect(200, "GET", path, Some(&tb), Body::None).await;
    assert_eq!(ua, ub);
    let oa = ca.expect(200, "GET", "/api/v2/organizations?per_page=100", Some(&ta), Body::None).await;
    let ob = cb.expect(200, "GET", "/api/v2/organizations?per_page=100", Some(&tb), Body::None).await;
    assert_eq!(oa, ob);
    let (c2, cc) = start_with(Config { seed: 2, ..Config::for_tests(20) }).await;
    let tc = cc.token(&c2, &c2.management_audience, None).await;
    assert_ne!(cc.expect(200, "GET", path, Some(&tc), Body::None).await, ua);
    for h in [a, b, c2] {
        h.shutdown().await.unwrap();
    }
}
