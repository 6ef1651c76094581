//! `--data`: the tenant survives a restart, including writes and ids.

use crate::common::{Body, enc, start_with};
use gatehouse_emulator::Config;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persisted_tenant_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config { data: Some(dir.path().join("tenant.db")), ..Config::for_tests(25) };
    let (h, c) = start_with(config()).await;
    assert!(h.state.freshly_seeded);
    let t = c.token(&h, &h.management_audience, None).await;
    let user = c.expect(201, "POST", "/api/v2/users", Some(&t), Body::Json(json!({
        "connection": "Username-Password-Authentication", "email": "durable@example.com", "password": "Durable-123",
        "app_metadata": {"keep": "me"},
    }))).await;
    let uid = user["user_id"].as_str().unwrap().to_owned();
    let role = c.expect(200, "POST", "/api/v2/roles", Some(&t), Body::Json(json!({"name": "durable-role"}))).await;
    c.expect(
        204,
        "POST",
        &format!("/api/v2/users/{}/roles", enc(&uid)),
        Some(&t),
        Body::Json(json!({"roles": [role["id"]]})),
    )
    .await;
    let victim = c.expect(200, "GET", "/api/v2/users?per_page=1&page=5", Some(&t), Body::None).await;
    let victim = victim[0]["user_id"].as_str().unwrap().to_owned();
    c.expect(204, "DELETE", &format!("/api/v2/users/{}", enc(&victim)), Some(&t), Body::None).await;
    let before = c.expect(200, "GET", "/api/v2/users?include_totals=true&per_page=1", Some(&t), Body::None).await;
    let (client_id, secret, password) = (h.client_id.clone(), h.client_secret.clone(), h.demo_password.clone());
    h.shutdown().await.unwrap();

    let (h, c) = start_with(config()).await;
    assert!(!h.state.freshly_seeded);
    assert_eq!((h.client_id.clone(), h.client_secret.clone(), h.demo_password.clone()), (client_id, secret, password));
    let t = c.token(&h, &h.management_audience, None).await;
    let after = c.expect(200, "GET", "/api/v2/users?include_totals=true&per_page=1", Some(&t), Body::None).await;
    assert_eq!(after["total"], before["total"]);
    let got = c.expect(200, "GET", &format!("/api/v2/users/{}", enc(&uid)), Some(&t), Body::None).await;
    assert_eq!(got["app_metadata"], json!({"keep": "me"}));
    let roles = c.expect(200, "GET", &format!("/api/v2/users/{}/roles", enc(&uid)), Some(&t), Body::None).await;
    assert_eq!(roles[0]["name"], "durable-role");
    c.expect(404, "GET", &format!("/api/v2/users/{}", enc(&victim)), Some(&t), Body::None).await;
    // Log ids keep increasing across the restart, and new ids do not collide.
    let logs = c.expect(200, "GET", "/api/v2/logs?per_page=1", Some(&t), Body::None).await;
    let last_before = logs[0]["log_id"].as_str().unwrap().to_owned();
    let second = c.expect(201, "POST", "/api/v2/users", Some(&t), Body::Json(json!({
        "connection": "Username-Password-Authentication", "email": "durable2@example.com", "password": "Durable-123",
    }))).await;
    assert_ne!(second["user_id"], user["user_id"]);
    let newer = c.expect(200, "GET", &format!("/api/v2/logs?from={last_before}&take=10"), Some(&t), Body::None).await;
    assert!(!newer.as_array().unwrap().is_empty());
    // The password of the stored user still works for admins' sign-in data.
    assert!(
        h.state
            .store
            .read(|t| { t.user_by_login("Username-Password-Authentication", "durable@example.com").is_some() })
    );
    h.shutdown().await.unwrap();
}
