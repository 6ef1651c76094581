//! Operations that take files (`multipart/form-data`) and operations only a
//! user's own token can call.

use crate::Harness;
use gatehouse_bff::{Decision, Outcome};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A multipart body with one part per `(name, filename, content)`.
fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (name, filename, content) in parts {
        out.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""));
        if let Some(f) = filename {
            out.push_str(&format!("; filename=\"{f}\"\r\nContent-Type: application/json"));
        }
        out.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out.into_bytes()
}

async fn database_connection(b: &crate::browser::Browser) -> String {
    let r = b.api_get("/api/v2/connections?strategy=auth0").await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
        .as_array()
        .and_then(|a| a.first())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .expect("a database connection")
}

/// Polls a job until it completes (bounded, not timed: the emulator's jobs
/// finish within a second).
async fn completed(b: &crate::browser::Browser, id: &str) -> Value {
    for _ in 0..100 {
        let r = b.api_get(&format!("/api/v2/jobs/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let job = r.json();
        if job["status"] == "completed" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never completed");
}

#[tokio::test]
async fn user_imports_go_through_as_multipart_or_json_and_the_audit_keeps_no_file() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let conn = database_connection(&admin).await;
    let users = json!([{"email": "imported-one@import.test", "email_verified": true,
        "custom_password_hash": {"algorithm": "bcrypt", "hash": {"value": "$2b$10$abcdefghijklmnopqrstuu5Qe6h7yZ0uI9m0Xv1Yx1lVb3Q2yq6"}}}]);
    let boundary = "gatehouse-test-boundary";
    let body =
        multipart(boundary, &[("users", Some("users.json"), &users.to_string()), ("connection_id", None, &conn)]);
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = admin
        .send(Method::POST, "/api/v2/jobs/users-imports", &[("x-csrf", "1"), ("content-type", &ct)], Some(body))
        .await;
    assert!(r.status == 201 || r.status == 202, "{} {}", r.status, r.text());
    let job = r.json();
    assert_eq!(job["type"], "users_import");
    let entry = h.last_audit();
    assert_eq!(entry.operation.as_deref(), Some("jobs.usersImports.create"));
    assert_eq!(entry.decision, Decision::Allowed);
    assert_ne!(entry.outcome, Outcome::NotSent);
    let logged = entry.body.clone().expect("the body is audited");
    assert!(logged["users"].as_str().unwrap().starts_with("[file of "), "{logged}");
    assert_eq!(logged["connection_id"], conn.as_str());
    assert!(!logged.to_string().contains("imported-one"), "the file's content stays out of the audit log");
    completed(&admin, job["id"].as_str().unwrap()).await;
    let found = admin.api_get("/api/v2/users-by-email?email=imported-one%40import.test").await;
    assert_eq!(found.json().as_array().map(Vec::len), Some(1), "{}", found.text());

    // The same operation from JSON: the BFF encodes the file part itself
    // (what agents and the console's explorer send).
    let more = json!([{"email": "imported-two@import.test"}]);
    let r = admin
        .api(Method::POST, "/api/v2/jobs/users-imports", Some(json!({"users": more, "connection_id": conn})))
        .await;
    assert!(r.status == 201 || r.status == 202, "{} {}", r.status, r.text());
    completed(&admin, r.json()["id"].as_str().unwrap()).await;
    let found = admin.api_get("/api/v2/users-by-email?email=imported-two%40import.test").await;
    assert_eq!(found.json().as_array().map(Vec::len), Some(1), "{}", found.text());
}

#[tokio::test]
async fn bad_multipart_bodies_are_refused_before_the_tenant() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let ct = "multipart/form-data; boundary=b0undary";
    let send = |body: Vec<u8>, ct: &'static str| {
        let admin = &admin;
        async move {
            admin
                .send(Method::POST, "/api/v2/jobs/users-imports", &[("x-csrf", "1"), ("content-type", ct)], Some(body))
                .await
        }
    };
    // No closing delimiter, a part twice, a part that is not text.
    let truncated = b"--b0undary\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n[]".to_vec();
    let twice = multipart("b0undary", &[("connection_id", None, "a"), ("connection_id", None, "b")]);
    let mut binary = b"--b0undary\r\nContent-Disposition: form-data; name=\"users\"\r\n\r\n".to_vec();
    binary.extend_from_slice(&[0xff, 0xfe, 0x00]);
    binary.extend_from_slice(b"\r\n--b0undary--\r\n");
    for (body, needle) in [(truncated, "malformed"), (twice, "twice"), (binary, "UTF-8")] {
        let r = send(body, ct).await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.json()["errorCode"], "invalid_body");
        assert!(r.json()["message"].as_str().unwrap().contains(needle), "{}", r.text());
        assert_eq!(h.last_audit().outcome, Outcome::NotSent);
    }
    // Multipart to an operation that takes only JSON.
    let r = admin
        .send(
            Method::POST,
            "/api/v2/roles",
            &[("x-csrf", "1"), ("content-type", ct)],
            Some(multipart("b0undary", &[("name", None, "r")])),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.text());
    // A multipart content type without a boundary is not multipart: from a
    // session it fails the CSRF rules.
    let r = send(b"x".to_vec(), "multipart/form-data").await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["errorCode"], "gatehouse_csrf");
    // A principal who may not import is refused before the body is read.
    let viewer = h.login("viewer@demo.test").await;
    let r = viewer
        .send(
            Method::POST,
            "/api/v2/jobs/users-imports",
            &[("x-csrf", "1"), ("content-type", ct)],
            Some(multipart("b0undary", &[("users", Some("u.json"), "[]")])),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["errorCode"], "gatehouse_denied");
    // Cross-site multipart (no X-CSRF) is refused as CSRF.
    let r = admin
        .send(
            Method::POST,
            "/api/v2/jobs/users-imports",
            &[("content-type", ct)],
            Some(multipart("b0undary", &[("users", Some("u.json"), "[]")])),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["errorCode"], "gatehouse_csrf");
}

#[tokio::test]
async fn operations_only_a_user_token_can_call_are_explained_not_forwarded() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let body =
        json!({"device_name": "phone", "type": "public_key", "value": "abc", "device_id": "d1", "client_id": "c"});
    let r = admin.api(Method::POST, "/api/v2/device-credentials", Some(body)).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let j = r.json();
    assert_eq!(j["errorCode"], "gatehouse_needs_user_token");
    assert_eq!(j["scopes"], json!(["create:current_user_device_credentials"]));
    let entry = h.last_audit();
    assert_eq!(entry.operation.as_deref(), Some("deviceCredentials.createPublicKey"));
    assert_eq!(entry.decision, Decision::Allowed);
    assert_eq!(entry.outcome, Outcome::NotSent);
    assert!(entry.sentence.contains("needs a user's own token"), "{}", entry.sentence);
}
