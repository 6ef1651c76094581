//! Log stream delivery: an active `http` stream posts new log events to its
//! endpoint in its format, with its authorization, retries failures and is
//! suspended after persistent ones.

use crate::common::{Body, Client};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gatehouse_emulator::{Config, Emulator};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A receiver that answers `fail_first` 500s, then 200s, recording the requests it accepts.
#[derive(Default)]
struct Receiver {
    requests: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
    fail_first: AtomicUsize,
    answered: AtomicUsize,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let n = r.answered.fetch_add(1, Ordering::SeqCst);
    if n < r.fail_first.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    r.requests.lock().unwrap().push((headers, body.to_vec()));
    StatusCode::OK
}

async fn start_receiver(fail_first: usize) -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver { fail_first: AtomicUsize::new(fail_first), ..Receiver::default() });
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, url)
}

/// The `(log_id, data)` items of every request the receiver got, by format.
fn items(r: &Receiver, format: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (_, body) in r.requests.lock().unwrap().iter() {
        match format {
            "JSONARRAY" => out.extend(serde_json::from_slice::<Vec<Value>>(body).unwrap()),
            "JSONOBJECT" => out.push(serde_json::from_slice(body).unwrap()),
            _ => {
                for line in std::str::from_utf8(body).unwrap().lines() {
                    out.push(serde_json::from_str(line).unwrap());
                }
            }
        }
    }
    out
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

fn config() -> Config {
    Config { log_stream_retry_ms: 10, log_stream_suspend_after: 2, ..Config::for_tests(5) }
}

#[tokio::test]
async fn each_format_delivers_new_events_with_the_authorization() {
    for format in ["JSONARRAY", "JSONLINES", "JSONOBJECT"] {
        let (r, url) = start_receiver(0).await;
        let h = Emulator::start(config()).await.unwrap();
        let c = Client::new(&h.base_url);
        let token = c.token(&h, &h.management_audience, None).await;
        let stream = c
            .expect(
                200,
                "POST",
                "/api/v2/log-streams",
                Some(&token),
                Body::Json(json!({
                    "name": format!("hook {format}"),
                    "type": "http",
                    "sink": {
                        "httpEndpoint": url,
                        "httpContentType": "application/json",
                        "httpContentFormat": format,
                        "httpAuthorization": "Bearer s3cret",
                        "httpCustomHeaders": [{"header": "x-tenant", "value": "demo"}],
                    },
                })),
            )
            .await;
        assert_eq!(stream["status"], "active");
        for i in 0..3 {
            c.expect(
                200,
                "POST",
                "/api/v2/roles",
                Some(&token),
                Body::Json(json!({"name": format!("streamed-{format}-{i}")})),
            )
            .await;
        }
        // The stream's own creation and the three roles.
        wait_for("four events", || items(&r, format).len() >= 4).await;
        let got = items(&r, format);
        assert_eq!(got.len(), 4, "{format}");
        let ids: Vec<&str> = got.iter().map(|i| i["log_id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{format}: in the order written");
        assert!(got.iter().all(|i| i["data"]["log_id"] == i["log_id"] && i["data"]["type"] == "sapi"));
        assert!(got[3]["data"]["description"].as_str().unwrap().contains("role"), "{:?}", got[3]);
        for (headers, _) in r.requests.lock().unwrap().iter() {
            assert_eq!(headers["authorization"], "Bearer s3cret");
            assert_eq!(headers["x-tenant"], "demo");
            assert_eq!(headers["content-type"], "application/json");
        }
        if format == "JSONOBJECT" {
            assert_eq!(r.requests.lock().unwrap().len(), 4, "one event per request");
        }
    }
}

#[tokio::test]
async fn filters_paused_streams_and_retries() {
    // Two failures, then success: retried within one delivery, nothing lost.
    let (r, url) = start_receiver(2).await;
    let h = Emulator::start(config()).await.unwrap();
    let c = Client::new(&h.base_url);
    let token = c.token(&h, &h.management_audience, None).await;
    let stream = c
        .expect(
            200,
            "POST",
            "/api/v2/log-streams",
            Some(&token),
            Body::Json(json!({
                "name": "only failures",
                "type": "http",
                "sink": {"httpEndpoint": url, "httpContentFormat": "JSONARRAY"},
                "filters": [{"type": "category", "name": "management.fail"}],
            })),
        )
        .await;
    let id = stream["id"].as_str().unwrap().to_owned();
    c.expect(200, "POST", "/api/v2/roles", Some(&token), Body::Json(json!({"name": "not sent"}))).await;
    assert!(c.send("GET", "/api/v2/roles/rol_missing000000000", Some(&token), Body::None).await.status >= 400);
    wait_for("the failure event", || !items(&r, "JSONARRAY").is_empty()).await;
    let got = items(&r, "JSONARRAY");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["data"]["type"], "fapi");
    assert_eq!(r.answered.load(Ordering::SeqCst), 3, "two failed attempts, then one that succeeded");

    // Paused: nothing is sent; set active again, what happened meanwhile follows.
    let path = format!("/api/v2/log-streams/{id}");
    c.expect(200, "PATCH", &path, Some(&token), Body::Json(json!({"status": "paused"}))).await;
    assert!(c.send("GET", "/api/v2/roles/rol_missing000000001", Some(&token), Body::None).await.status >= 400);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(items(&r, "JSONARRAY").len(), 1, "a paused stream sends nothing");
    c.expect(200, "PATCH", &path, Some(&token), Body::Json(json!({"status": "active"}))).await;
    wait_for("the event written while paused", || items(&r, "JSONARRAY").len() == 2).await;
}

#[tokio::test]
async fn persistent_failures_suspend_the_stream() {
    let (r, url) = start_receiver(usize::MAX).await;
    let h = Emulator::start(config()).await.unwrap();
    let c = Client::new(&h.base_url);
    let token = c.token(&h, &h.management_audience, None).await;
    let stream = c
        .expect(
            200,
            "POST",
            "/api/v2/log-streams",
            Some(&token),
            Body::Json(json!({"name": "down", "type": "http", "sink": {"httpEndpoint": url}})),
        )
        .await;
    let path = format!("/api/v2/log-streams/{}", stream["id"].as_str().unwrap());
    let started = std::time::Instant::now();
    // The API answers at once although every delivery fails.
    c.expect(200, "POST", "/api/v2/roles", Some(&token), Body::Json(json!({"name": "still answered"}))).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut status = Value::Null;
    for _ in 0..200 {
        status = c.expect(200, "GET", &path, Some(&token), Body::None).await["status"].clone();
        if status == "suspended" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, "suspended");
    // Two deliveries (suspend_after = 2), each tried once and retried three times.
    assert_eq!(r.answered.load(Ordering::SeqCst), 8);
    // A suspended stream sends nothing more.
    c.expect(200, "POST", "/api/v2/roles", Some(&token), Body::Json(json!({"name": "after suspension"}))).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(r.answered.load(Ordering::SeqCst), 8);
    // Set active again (the receiver now answers), the events kept since are delivered.
    r.fail_first.store(0, Ordering::SeqCst);
    c.expect(200, "PATCH", &path, Some(&token), Body::Json(json!({"status": "active"}))).await;
    wait_for("the events kept while suspended", || {
        r.requests.lock().unwrap().iter().any(|(_, b)| String::from_utf8_lossy(b).contains("after suspension"))
    })
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_never_holds_up_the_api() {
    // Answers after 5 s: a delivery made inside the request would hold it that long.
    async fn slow() -> StatusCode {
        tokio::time::sleep(Duration::from_secs(5)).await;
        StatusCode::OK
    }
    let app = axum::Router::new().route("/hook", axum::routing::post(slow));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let h = Emulator::start(config()).await.unwrap();
    let c = Client::new(&h.base_url);
    let token = c.token(&h, &h.management_audience, None).await;
    c.expect(
        200,
        "POST",
        "/api/v2/log-streams",
        Some(&token),
        Body::Json(json!({"name": "slow", "type": "http", "sink": {"httpEndpoint": url}})),
    )
    .await;
    let started = std::time::Instant::now();
    for i in 0..5 {
        c.expect(200, "POST", "/api/v2/roles", Some(&token), Body::Json(json!({"name": format!("quick-{i}")}))).await;
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "five writes took {took:?} while the receiver hangs");
}
