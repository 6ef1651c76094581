//! Fault injection from the start-up spec and from the admin endpoint.

use crate::common::{Body, start, start_with};
use gatehouse_emulator::{Config, FaultSpec};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_can_be_set_at_start_and_changed_at_runtime() {
    let spec = FaultSpec::parse("503=1").unwrap();
    let (h, c) = start_with(Config { faults: Some(spec), ..Config::for_tests(3) }).await;
    let r = c.send("GET", "/api/v2/roles", None, Body::None).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["statusCode"], 503);
    assert!(r.header("retry-after").is_some());
    // The token endpoint is an API too.
    let r = c.send("POST", "/oauth/token", None, Body::Json(json!({}))).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"], "server_error");
    // Admin routes are never faulted; turn faults off.
    let off = c.expect(200, "POST", "/__emulator/faults", None, Body::Json(json!({}))).await;
    assert_eq!(off["faults"], json!({}));
    let t = c.token(&h, &h.management_audience, None).await;
    assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 200);
    // Latency.
    c.expect(200, "POST", "/__emulator/faults", None, Body::Json(json!({"latency": "150ms"}))).await;
    let started = Instant::now();
    assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    // A mix, in the spec form.
    c.expect(200, "POST", "/__emulator/faults", None, Body::Json(json!({"spec": "429=0.3,500=0.3"}))).await;
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..60 {
        let r = c.send("GET", "/api/v2/roles", Some(&t), Body::None).await;
        *seen.entry(r.status).or_insert(0) += 1;
    }
    assert!(seen.contains_key(&200) && seen.contains_key(&429) && seen.contains_key(&500), "{seen:?}");
    let cur = c.expect(200, "GET", "/__emulator/faults", None, Body::None).await;
    assert_eq!(cur["faults"], json!({"429": 0.3, "500": 0.3}));
    let bad = c.send("POST", "/__emulator/faults", None, Body::Json(json!({"500": 2}))).await;
    assert_eq!(bad.status, 400);
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_give_no_answer() {
    let (h, c) = start(2).await;
    c.expect(200, "POST", "/__emulator/faults", None, Body::Json(json!({"drop": 1}))).await;
    let result = c.http.get(format!("{}/api/v2/roles", h.base_url)).send().await;
    let failed = match result {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "a dropped request must not complete");
    c.expect(200, "POST", "/__emulator/faults", None, Body::Json(json!({"drop": 0}))).await;
    let t = c.token(&h, &h.management_audience, None).await;
    assert_eq!(c.send("GET", "/api/v2/roles", Some(&t), Body::None).await.status, 200);
    h.shutdown().await.unwrap();
}
