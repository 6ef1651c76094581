//! Behaviour of the client against a scripted transport: tokens, retries,
//! rate limits, pacing, paging, bulk jobs and helpers.
//!
//! Time is tokio's paused clock: waits take no wall-clock time and every
//! assertion about time is exact, never a measurement of a noisy machine.

mod common;

use common::*;
use futures::{StreamExt, TryStreamExt};
use gatehouse_client::model::types::CreateUser;
use gatehouse_client::model::{Error as ModelError, ValidationError};
use gatehouse_client::{Client, ClientError, Pacing, Progress, SystemClock, TransportError};
use serde_json::{Value, json};
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn ok_user(r: &Recorded) -> Reply {
    let id = r.path.rsplit('/').next().unwrap_or("");
    Reply::json(200, user(&percent_encoding::percent_decode_str(id).decode_utf8_lossy()))
}

fn new_user(email: &str) -> CreateUser {
    let mut body = CreateUser::new("Username-Password-Authentication".into());
    body.email = Some(email.into());
    body
}

/// Answers the n-th (from 0) request to `method path` with `replies[n]`, the last one after that.
fn sequence(method: &'static str, path: &'static str, replies: Vec<Reply>) -> impl Fn(&Recorded) -> Reply {
    let n = AtomicUsize::new(0);
    move |r| {
        if r.is(method, path) {
            let i = n.fetch_add(1, Ordering::SeqCst);
            replies[i.min(replies.len() - 1)].clone()
        } else {
            Reply::api_error(404, "inexistent_user", "The user does not exist.")
        }
    }
}

// ---------------------------------------------------------------- tokens

#[tokio::test(start_paused = true)]
async fn one_token_request_for_fifty_concurrent_calls() {
    let (client, mock) = setup(ok_user);
    let calls = (0..50).map(|i| client.users().get(format!("u{i}")).send());
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(client.metrics().token_requests, 1);
    let gets: Vec<_> = mock.requests().into_iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 50);
    assert!(gets.iter().all(|r| r.bearer() == Some("tok-1")));
    let token = &mock.requests()[0];
    assert_eq!(token.body["grant_type"], "client_credentials");
    assert_eq!(token.body["audience"], "http://tenant.test/api/v2/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_request_for_fifty_spawned_calls() {
    let (client, mock) = setup(ok_user);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.users().get(format!("u{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn token_is_refreshed_before_it_expires() {
    let clock = ManualClock::new();
    let issued = AtomicUsize::new(0);
    let mock = Mock::new(Arc::new(clock.clone()), move |r| {
        if r.is("POST", "/oauth/token") {
            Reply::token(&format!("tok-{}", issued.fetch_add(1, Ordering::SeqCst) + 1), 3600)
        } else {
            ok_user(r)
        }
    });
    let client = builder(&mock, clock.clone()).build().unwrap();
    client.users().get("a").send().await.unwrap();
    clock.advance(Duration::from_secs(3500));
    client.users().get("b").send().await.unwrap();
    assert_eq!(mock.token_requests(), 1, "still fresh: reused");
    // 60 s before expiry (3,540 s) the token is replaced, though it is still valid.
    clock.advance(Duration::from_secs(41));
    client.users().get("c").send().await.unwrap();
    assert_eq!(mock.token_requests(), 2);
    let bearers: Vec<_> =
        mock.requests().iter().filter(|r| r.method == "GET").map(|r| r.bearer().unwrap().to_owned()).collect();
    assert_eq!(bearers, ["tok-1", "tok-1", "tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_the_token_and_retries_once() {
    let (client, mock) =
        setup(
            |r| {
                if r.bearer() == Some("tok-1") { Reply::api_error(401, "invalid_token", "Expired") } else { ok_user(r) }
            },
        );
    let user = client.users().get("u1").send().await.unwrap();
    assert_eq!(user.value.user_id.as_deref(), Some("u1"));
    assert_eq!(mock.token_requests(), 2);
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 2);
}

#[tokio::test(start_paused = true)]
async fn concurrent_401s_share_one_refresh() {
    let (client, mock) =
        setup(
            |r| {
                if r.bearer() == Some("tok-1") { Reply::api_error(401, "invalid_token", "Expired") } else { ok_user(r) }
            },
        );
    let calls = (0..20).map(|i| client.users().get(format!("u{i}")).send());
    assert!(futures::future::join_all(calls).await.iter().all(Result::is_ok));
    assert_eq!(mock.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_returned() {
    let (client, mock) = setup(|_| Reply::api_error(401, "invalid_token", "Bad token"));
    let err = client.users().get("u1").send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 2);
    assert_eq!(mock.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_are_a_typed_token_error() {
    let clock = SystemClock::new();
    let mock = Mock::new(Arc::new(clock.clone()), |_| {
        Reply::json(401, json!({"error": "access_denied", "error_description": "Unauthorized"}))
    });
    let client = builder(&mock, clock).build().unwrap();
    let err = client.users().get("u1").send().await.unwrap_err();
    assert!(matches!(err, ClientError::Token(gatehouse_client::TokenError::Rejected { .. })), "{err:?}");
    assert_eq!((err.status(), err.code()), (Some(401), Some("access_denied")));
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 0);
}

#[tokio::test(start_paused = true)]
async fn teams_calls_use_the_teams_audience() {
    let (client, mock) =
        setup(
            |r| {
                if r.path.starts_with("/api/tenants") { Reply::json(200, json!({"tenants": []})) } else { ok_user(r) }
            },
        );
    client.users().get("u1").send().await.unwrap();
    client.teams().tenants().list().send().await.unwrap();
    client.users().get("u2").send().await.unwrap();
    let tokens: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/oauth/token").collect();
    let audiences: Vec<_> = tokens.iter().map(|r| r.body["audience"].as_str().unwrap().to_owned()).collect();
    assert_eq!(audiences, ["http://tenant.test/api/v2/", "http://tenant.test/teams/"]);
    let tenants = mock.requests().into_iter().find(|r| r.path == "/api/tenants").unwrap();
    assert_eq!(tenants.bearer(), Some("tok-2"));
}

#[tokio::test(start_paused = true)]
async fn configured_scopes_are_split_by_audience() {
    let clock = SystemClock::new();
    let mock = with_tokens(Arc::new(clock.clone()), |r| {
        if r.path.starts_with("/api/tenants") { Reply::json(200, json!({"tenants": []})) } else { ok_user(r) }
    });
    let client =
        builder(&mock, clock).scopes(["read:users", "read:tenants", "update:users", "read:actions"]).build().unwrap();
    client.users().get("u1").send().await.unwrap();
    client.teams().tenants().list().send().await.unwrap();
    let scopes: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oauth/token")
        .map(|r| r.body["scope"].as_str().unwrap().to_owned())
        .collect();
    // `read:actions` is no table row's, and still goes with the Management API's token.
    assert_eq!(scopes, ["read:users update:users read:actions", "read:tenants"]);
}

#[tokio::test(start_paused = true)]
async fn without_configured_scopes_no_scope_is_asked() {
    let (client, mock) = setup(ok_user);
    client.users().get("u1").send().await.unwrap();
    assert!(mock.requests()[0].body.get("scope").is_none());
}

#[tokio::test(start_paused = true)]
async fn cookie_mode_sends_csrf_and_no_authorization() {
    let clock = SystemClock::new();
    let mock = Mock::new(Arc::new(clock.clone()), ok_user);
    let client = Client::builder()
        .base_url("http://bff.test")
        .cookie_mode()
        .transport(mock.clone())
        .clock(clock)
        .build()
        .unwrap();
    client.users().get("u1").send().await.unwrap();
    let r = &mock.requests()[0];
    assert_eq!(r.headers.get("x-csrf").unwrap(), "1");
    assert!(r.headers.get("authorization").is_none());
    assert_eq!(mock.token_requests(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_fixed_token_is_sent_and_a_401_is_not_retried() {
    let clock = SystemClock::new();
    let mock = Mock::new(Arc::new(clock.clone()), |_| Reply::api_error(401, "invalid_token", "Expired"));
    let client =
        Client::builder().domain("acme.test").token("static").transport(mock.clone()).clock(clock).build().unwrap();
    let err = client.users().get("u1").send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(mock.requests()[0].bearer(), Some("static"));
}

// ---------------------------------------------------------------- rate limits and retries

fn too_many(retry_after: u64) -> Reply {
    Reply::json(429, json!({"error": "too_many_requests", "error_description": "Global limit has been reached"}))
        .header("retry-after", retry_after)
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_retry_after_then_succeeds() {
    let (client, mock) = setup(sequence("GET", "/api/v2/users/u1", vec![too_many(2), Reply::json(200, user("u1"))]));
    client.users().get("u1").send().await.unwrap();
    let gets: Vec<_> = mock.requests().into_iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 2);
    assert!(unix(gets[1].at) - unix(gets[0].at) >= 2.0, "waited Retry-After");
    let m = client.metrics();
    assert_eq!((m.rate_limited, m.retries), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_429_on_post_is_sent_again() {
    let (client, mock) = setup(sequence("POST", "/api/v2/users", vec![too_many(1), Reply::json(201, user("new"))]));
    client.users().create(new_user("a@b.c")).send().await.unwrap();
    assert_eq!(mock.count("POST", "/api/v2/users"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_429_storm_gives_up_after_the_cap() {
    let (client, mock) = setup(sequence("GET", "/api/v2/users/u1", vec![too_many(1)]));
    let err = client.users().get("u1").send().await.unwrap_err();
    assert!(matches!(err, ClientError::RetriesExhausted { attempts: 5, .. }), "{err:?}");
    assert_eq!((err.status(), err.code()), (Some(429), Some("too_many_requests")));
    assert!(err.is_retryable());
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 5);
}

#[tokio::test(start_paused = true)]
async fn a_429_without_retry_after_waits_for_the_reset() {
    let clock = SystemClock::new();
    let reset = (unix(gatehouse_client::Clock::now(&clock)).ceil() as u64) + 3;
    let mock = with_tokens(
        Arc::new(clock.clone()),
        sequence(
            "GET",
            "/api/v2/users/u1",
            vec![
                Reply::json(429, json!({})).header("x-ratelimit-remaining", 0).header("x-ratelimit-reset", reset),
                Reply::json(200, user("u1")),
            ],
        ),
    );
    let client = builder(&mock, clock).build().unwrap();
    client.users().get("u1").send().await.unwrap();
    let last = mock.requests().into_iter().last().unwrap();
    assert!(unix(last.at) >= reset as f64);
}

#[tokio::test(start_paused = true)]
async fn a_500_on_get_is_retried() {
    let error = Reply::api_error(500, "internal", "Oops");
    let (client, mock) =
        setup(sequence("GET", "/api/v2/users/u1", vec![error.clone(), error, Reply::json(200, user("u1"))]));
    client.users().get("u1").send().await.unwrap();
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 3);
    assert_eq!(client.metrics().retries, 2);
}

#[tokio::test(start_paused = true)]
async fn persistent_503_on_get_gives_up() {
    let (client, mock) = setup(sequence("GET", "/api/v2/users/u1", vec![Reply::empty(503)]));
    let err = client.users().get("u1").send().await.unwrap_err();
    assert!(matches!(err, ClientError::RetriesExhausted { attempts: 4, .. }), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 4);
}

#[tokio::test(start_paused = true)]
async fn a_500_on_post_is_not_retried() {
    let (client, mock) = setup(sequence(
        "POST",
        "/api/v2/users",
        vec![Reply::api_error(500, "internal", "Oops"), Reply::json(201, user("x"))],
    ));
    let err = client.users().create(new_user("a@b.c")).send().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(matches!(err, ClientError::Model(ModelError::Api(_))), "{err:?}");
    assert_eq!(mock.count("POST", "/api/v2/users"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_500_on_patch_is_not_retried() {
    let (client, mock) =
        setup(sequence("PATCH", "/api/v2/users/u1", vec![Reply::empty(502), Reply::json(200, user("u1"))]));
    let body = gatehouse_client::model::types::UpdateUser::default();
    assert_eq!(client.users().update("u1", body).send().await.unwrap_err().status(), Some(502));
    assert_eq!(mock.count("PATCH", "/api/v2/users/u1"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_on_post_is_not_retried() {
    let dropped = Reply::error(TransportError::Dropped { message: "connection reset".into() });
    let (client, mock) = setup(sequence("POST", "/api/v2/users", vec![dropped, Reply::json(201, user("x"))]));
    let err = client.users().create(new_user("a@b.c")).send().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(TransportError::Dropped { .. })), "{err:?}");
    assert_eq!(mock.count("POST", "/api/v2/users"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_on_get_is_retried() {
    let dropped = Reply::error(TransportError::Dropped { message: "connection reset".into() });
    let (client, mock) = setup(sequence("GET", "/api/v2/users/u1", vec![dropped, Reply::json(200, user("u1"))]));
    client.users().get("u1").send().await.unwrap();
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_even_for_post() {
    let refused = Reply::error(TransportError::Connect { message: "connection refused".into() });
    let (client, mock) = setup(sequence("POST", "/api/v2/users", vec![refused, Reply::json(201, user("x"))]));
    client.users().create(new_user("a@b.c")).send().await.unwrap();
    assert_eq!(mock.count("POST", "/api/v2/users"), 2);
}

#[tokio::test(start_paused = true)]
async fn timeouts_are_retried_for_get_only() {
    let slow = || Reply::json(200, user("u1")).after(Duration::from_secs(120));
    let clock = SystemClock::new();
    let mock = with_tokens(Arc::new(clock.clone()), move |_| slow());
    let client = builder(&mock, clock).timeout(Duration::from_secs(1)).build().unwrap();
    let err = client.users().get("u1").send().await.unwrap_err();
    assert!(
        matches!(err.root(), ClientError::Transport(TransportError::Timeout { after }) if after.as_secs() == 1),
        "{err:?}"
    );
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 4);
    let err = client.users().create(new_user("a@b.c")).send().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(TransportError::Timeout { .. })), "{err:?}");
    assert_eq!(mock.count("POST", "/api/v2/users"), 1);
    assert!(client.metrics().transport_errors >= 5);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_cancels_the_call() {
    let (client, mock) = setup(|r| ok_user(r).after(Duration::from_secs(30)));
    let call = client.users().get("u1").send();
    assert!(tokio::time::timeout(Duration::from_secs(1), call).await.is_err());
    // Nothing is left running: no retry is ever sent.
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 1);
}

// ---------------------------------------------------------------- pacing

#[tokio::test(start_paused = true)]
async fn an_empty_server_bucket_makes_the_next_call_wait_for_its_next_token() {
    let clock = SystemClock::new();
    let reset_at = Arc::new(Mutex::new(0u64));
    let (c, r2) = (clock.clone(), reset_at.clone());
    let mock = with_tokens(Arc::new(clock.clone()), move |r| {
        let mut reset = r2.lock().unwrap();
        if *reset == 0 {
            *reset = unix(gatehouse_client::Clock::now(&c)).ceil() as u64 + 1;
        }
        let body = if r.path.starts_with("/api/v2/") { user("u1") } else { json!({"tenants": []}) };
        let reply = Reply::json(200, body);
        if r.path.starts_with("/api/v2/") {
            let remaining = if r.index == 1 { 0 } else { 40 };
            reply
                .header("x-ratelimit-limit", 50)
                .header("x-ratelimit-remaining", remaining)
                .header("x-ratelimit-reset", *reset)
        } else {
            reply
        }
    });
    let client = builder(&mock, clock).build().unwrap();
    client.users().get("u1").send().await.unwrap();
    assert_eq!(client.rate_limit().remaining, Some(0));
    // The Teams API has its own bucket: no wait.
    client.teams().tenants().list().send().await.unwrap();
    // A Management API call waits for the bucket's next token (1/15 s at the
    // default rate), not for the whole bucket to refill at the reset.
    client.roles().get("rol_1").send().await.unwrap();
    let reset = *reset_at.lock().unwrap() as f64;
    let at = |path: &str| unix(mock.requests().into_iter().find(|r| r.path == path).unwrap().at);
    assert!(at("/api/tenants") < reset, "the other API went at once");
    let waited = at("/api/v2/roles/rol_1") - at("/api/v2/users/u1");
    assert!(waited >= 1.0 / 15.0 - 1e-3, "waited for a token: {waited}");
    assert!(at("/api/v2/roles/rol_1") < reset, "did not wait for the whole bucket");
    assert_eq!(client.rate_limit().remaining, Some(40));
    assert_eq!(client.metrics().paced, 1);
}

#[tokio::test(start_paused = true)]
async fn the_local_bucket_spaces_requests() {
    let clock = SystemClock::new();
    let mock = with_tokens(Arc::new(clock.clone()), ok_user);
    let client = builder(&mock, clock).pacing(Pacing::per_second(2.0, 1)).build().unwrap();
    let calls = (0..3).map(|i| client.users().get(format!("u{i}")).send());
    assert!(futures::future::join_all(calls).await.iter().all(Result::is_ok));
    let at: Vec<f64> = mock.requests().iter().filter(|r| r.method == "GET").map(|r| unix(r.at)).collect();
    assert!(at[1] - at[0] >= 0.499 && at[2] - at[0] >= 0.999, "{at:?}");
}

/// A steady job against a server enforcing Auth0's paid-tier bucket
/// (15/s, bursts of 50) never sees a 429 with the default pacing.
#[tokio::test(start_paused = true)]
async fn a_steady_job_does_not_hit_429() {
    let clock = SystemClock::new();
    let bucket = Arc::new(Mutex::new((50.0_f64, unix(gatehouse_client::Clock::now(&clock)))));
    let c = clock.clone();
    let mock = with_tokens(Arc::new(clock.clone()), move |r| {
        let now = unix(gatehouse_client::Clock::now(&c));
        let mut b = bucket.lock().unwrap();
        b.0 = (b.0 + (now - b.1) * 15.0).min(50.0);
        b.1 = now;
        let reset = (now + (50.0 - b.0) / 15.0).ceil() as u64;
        if b.0 < 1.0 {
            return too_many(1).header("x-ratelimit-remaining", 0).header("x-ratelimit-reset", reset);
        }
        b.0 -= 1.0;
        ok_user(r)
            .header("x-ratelimit-limit", 50)
            .header("x-ratelimit-remaining", b.0.floor())
            .header("x-ratelimit-reset", reset)
    });
    let client = builder(&mock, clock).build().unwrap();
    let report = client
        .bulk(0..300, 25, |client, i| async move { client.users().get(format!("u{i}")).send().await })
        .run()
        .await;
    assert_eq!(report.failed_count(), 0);
    assert_eq!(client.metrics().rate_limited, 0, "paced below the server's limit");
    assert_eq!(mock.count("GET", "/api/v2/users/u1"), 1);
}

// ---------------------------------------------------------------- errors

#[tokio::test(start_paused = true)]
async fn api_errors_are_typed() {
    let (client, _) = setup(|r| match r.method.as_str() {
        "GET" => Reply::api_error(404, "inexistent_user", "The user does not exist."),
        "POST" => Reply::api_error(409, "user_exists", "The user already exists."),
        _ => Reply::api_error(403, "insufficient_scope", "Insufficient scope, expected any of: delete:users"),
    });
    let err = client.users().get("nobody").send().await.unwrap_err();
    assert!(err.is_not_found() && err.code() == Some("inexistent_user"), "{err}");
    assert_eq!(err.api().unwrap().message(), "The user does not exist.");
    let err = client.users().create(new_user("a@b.c")).send().await.unwrap_err();
    assert!(err.is_conflict() && !err.is_retryable(), "{err}");
    let err = client.users().delete("u1").send().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("insufficient_scope")));
}

#[tokio::test(start_paused = true)]
async fn invalid_input_is_refused_before_sending() {
    let (client, mock) = setup(ok_user);
    let err = client.users().list().per_page(500).send().await.unwrap_err();
    assert!(matches!(err, ClientError::Model(ModelError::Validation(ValidationError::OutOfRange { .. }))), "{err:?}");
    let err = client.users().get("..").send().await.unwrap_err();
    assert!(matches!(err, ClientError::Model(ModelError::Validation(_))), "{err:?}");
    assert!(mock.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn undecodable_bodies_name_the_path() {
    let (client, _) = setup(|_| Reply::json(200, json!({"start": 0, "total": 1, "users": [{"user_id": "a"}, 7]})));
    let err = client.users().list().send().await.unwrap_err();
    let ClientError::Model(ModelError::Decode { source, .. }) = &err else { panic!("{err:?}") };
    assert!(source.to_string().contains("users[1]"), "{source}");
}

#[test]
fn builder_refuses_missing_or_bad_urls() {
    assert!(matches!(Client::builder().build(), Err(ClientError::Config(_))));
    assert!(matches!(Client::builder().base_url("http://").build(), Err(ClientError::Config(_))));
}

// ---------------------------------------------------------------- paging

/// An offset-paged list of `total` users.
fn users_list(total: u64) -> impl Fn(&Recorded) -> Reply {
    move |r| {
        let page: u64 = r.q("page").unwrap_or("0").parse().unwrap();
        let per_page: u64 = r.q("per_page").unwrap_or("50").parse().unwrap();
        let start = page * per_page;
        let users: Vec<Value> = (start..(start + per_page).min(total)).map(|i| user(&format!("u{i}"))).collect();
        Reply::json(
            200,
            json!({"start": start, "limit": per_page, "length": users.len(), "total": total, "users": users}),
        )
    }
}

#[tokio::test(start_paused = true)]
async fn offset_paging_reads_to_the_end() {
    let (client, mock) = setup(users_list(250));
    let users: Vec<_> = client.users().list().q("email:*@acme.test").stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 250);
    assert_eq!(users[249].user_id.as_deref(), Some("u249"));
    let pages: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/api/v2/users").collect();
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|r| r.q("include_totals") == Some("true") && r.q("per_page") == Some("100")));
    assert_eq!(pages[2].q("page"), Some("2"));
}

#[tokio::test(start_paused = true)]
async fn offset_paging_stops_at_the_result_window_with_a_typed_error() {
    let (client, mock) = setup(users_list(5000));
    let mut stream = client.users().search("name:*").per_page(50).stream();
    let mut n = 0;
    let err = loop {
        match stream.next().await.expect("the stream ends with an error, not silently") {
            Ok(_) => n += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(n, 1000);
    assert!(matches!(err, ClientError::Model(ModelError::ResultWindow { total: 5000, window: 1000 })), "{err:?}");
    assert!(err.to_string().contains("export"), "the message hints at a way out: {err}");
    assert!(stream.next().await.is_none());
    assert_eq!(mock.requests().iter().filter(|r| r.path == "/api/v2/users").count(), 20);
}

#[tokio::test(start_paused = true)]
async fn a_list_of_exactly_the_window_ends_cleanly() {
    let (client, _) = setup(users_list(1000));
    assert_eq!(client.users().list().all().await.unwrap().len(), 1000);
}

/// A checkpoint-paged list of `total` organizations; with `trailing_empty`,
/// the last full page still has `next` and an empty page follows.
fn orgs_list(total: usize, trailing_empty: bool) -> impl Fn(&Recorded) -> Reply {
    move |r| {
        let from: usize = r.q("from").map_or(0, |f| f.trim_start_matches('c').parse().unwrap());
        let take: usize = r.q("take").unwrap().parse().unwrap();
        let end = (from + take).min(total);
        let orgs: Vec<Value> =
            (from..end).map(|i| json!({"id": format!("org_{i}"), "name": format!("o{i}")})).collect();
        let mut body = json!({ "organizations": orgs });
        if end < total || (trailing_empty && from < total) {
            body["next"] = json!(format!("c{end}"));
        }
        Reply::json(200, body)
    }
}

#[tokio::test(start_paused = true)]
async fn checkpoint_paging_follows_next() {
    let (client, mock) = setup(orgs_list(120, false));
    let orgs = client.organizations().list().all().await.unwrap();
    assert_eq!(orgs.len(), 120);
    let pages: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/api/v2/organizations").collect();
    let froms: Vec<_> = pages.iter().map(|r| r.q("from").map(str::to_owned)).collect();
    assert_eq!(froms, [None, Some("c50".into()), Some("c100".into())]);
    assert!(pages.iter().all(|r| r.q("take") == Some("50") && r.q("page").is_none()));
}

#[tokio::test(start_paused = true)]
async fn checkpoint_paging_ends_on_an_empty_page() {
    let (client, mock) = setup(orgs_list(100, true));
    assert_eq!(client.organizations().list().take(50).all().await.unwrap().len(), 100);
    assert_eq!(mock.requests().iter().filter(|r| r.path == "/api/v2/organizations").count(), 3);
}

#[tokio::test(start_paused = true)]
async fn setting_page_switches_to_offset_paging() {
    let (client, mock) =
        setup(|_| Reply::json(200, json!({"start": 0, "limit": 10, "total": 3, "organizations": [{}, {}, {}]})));
    let pages: Vec<_> = client.organizations().list().per_page(10).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 1);
    let r = mock.requests().into_iter().last().unwrap();
    assert_eq!((r.q("per_page"), r.q("take")), (Some("10"), None));
}

fn log(id: u64) -> Value {
    json!({"log_id": format!("{id:03}"), "type": "s", "date": "2026-01-01T00:00:00.000Z"})
}

#[tokio::test(start_paused = true)]
async fn logs_page_by_log_id() {
    let (client, mock) = setup(|r| {
        let from: u64 = r.q("from").unwrap().parse().unwrap();
        let take: u64 = r.q("take").unwrap().parse().unwrap();
        Reply::json(200, Value::Array((from + 1..=(from + take).min(103)).map(log).collect()))
    });
    let logs = client.logs().after("090").take(5).all().await.unwrap();
    let ids: Vec<_> = logs.iter().map(|l| l.log_id.clone().unwrap()).collect();
    assert_eq!(ids.first().map(String::as_str), Some("091"));
    assert_eq!(ids.len(), 13);
    let froms: Vec<_> =
        mock.requests().iter().filter(|r| r.path == "/api/v2/logs").map(|r| r.q("from").unwrap().to_owned()).collect();
    assert_eq!(froms, ["090", "095", "100"]);
}

#[tokio::test(start_paused = true)]
async fn tail_follows_new_events() {
    let polls = AtomicUsize::new(0);
    let (client, mock) = setup(move |r| {
        if r.q("sort") == Some("date:-1") {
            return Reply::json(200, json!([log(10)]));
        }
        let events: Vec<Value> = match (r.q("from").unwrap(), polls.fetch_add(1, Ordering::SeqCst)) {
            ("010", 0) => vec![],
            ("010", _) => vec![log(11), log(12)],
            ("012", _) => vec![log(13)],
            _ => vec![],
        };
        Reply::json(200, Value::Array(events))
    });
    let tail = client.logs().tail().interval(Duration::from_secs(5)).stream();
    let events: Vec<_> = tail.take(3).try_collect().await.unwrap();
    let ids: Vec<_> = events.iter().map(|e| e.log_id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["011", "012", "013"]);
    let polls: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/api/v2/logs").collect();
    for pair in polls.windows(2) {
        assert!(unix(pair[1].at) - unix(pair[0].at) >= 4.999, "polls are spaced by the interval");
    }
}

#[tokio::test(start_paused = true)]
async fn teams_lists_page_by_checkpoint_and_environments_come_whole() {
    let (client, mock) = setup(|r| match r.path.as_str() {
        "/api/members" => {
            let body = if r.q("from").is_none() {
                json!({"members": [{"id": "m1"}], "next": "n1"})
            } else {
                json!({"members": [{"id": "m2"}]})
            };
            Reply::json(200, body)
        }
        "/api/environments" => Reply::json(200, json!({"environments": ["US-3", "EU-2"]})),
        _ => Reply::empty(404),
    });
    assert_eq!(client.teams().members().list().all().await.unwrap().len(), 2);
    assert_eq!(client.teams().environments().list().all().await.unwrap().len(), 2);
    let members: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/api/members").collect();
    assert_eq!(members[0].q("take"), Some("50"));
    assert_eq!(members[1].q("from"), Some("n1"));
}

// ---------------------------------------------------------------- bulk

#[tokio::test(start_paused = true)]
async fn bulk_reports_each_item_and_retries_only_the_failed() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    let (client, mock) = setup(move |r| {
        let email = r.body["email"].as_str().unwrap().to_owned();
        let first = !s.lock().unwrap().contains(&email);
        s.lock().unwrap().push(email.clone());
        if email.starts_with("bad") && first {
            Reply::api_error(500, "internal", "Oops")
        } else {
            Reply::json(201, json!({"user_id": format!("auth0|{email}"), "email": email}))
        }
    });
    let emails: Vec<String> = (0..20).map(|i| if i % 7 == 0 { format!("bad{i}") } else { format!("ok{i}") }).collect();
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let p = progress.clone();
    let report = client
        .bulk(emails.clone(), 4, |client, email: String| async move {
            client.users().create(new_user(&email)).value().await
        })
        .on_progress(move |update| p.lock().unwrap().push(update))
        .run()
        .await;
    assert_eq!((report.succeeded_count(), report.failed_count()), (17, 3));
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!(last, Progress { total: 20, done: 20, succeeded: 17, failed: 3 });
    let failed: Vec<_> = report.failed().map(|(email, _)| email.clone()).collect();
    assert_eq!(failed, ["bad0", "bad7", "bad14"]);

    let report = report.retry_failed().await;
    assert_eq!(report.failed_count(), 0);
    assert_eq!(mock.count("POST", "/api/v2/users"), 23, "only the 3 failed items were sent again");
    let resent: Vec<_> = seen.lock().unwrap()[20..].to_vec();
    let mut resent_sorted = resent.clone();
    resent_sorted.sort();
    assert_eq!(resent_sorted, ["bad0", "bad14", "bad7"]);
    let order: Vec<_> = report.outcomes().map(|o| o.item.clone()).collect();
    assert_eq!(order, emails, "outcomes keep the order given");
    assert_eq!(progress.lock().unwrap().last().unwrap().total, 3, "the retry reports its own progress");
}

#[tokio::test(start_paused = true)]
async fn bulk_bounds_concurrency() {
    let (client, mock) = setup(|r| ok_user(r).after(Duration::from_secs(1)));
    let start = tokio::time::Instant::now();
    let report = client.bulk(0..20, 4, |client, i| async move { client.users().get(format!("u{i}")).await }).await;
    assert_eq!(report.succeeded_count(), 20);
    let elapsed = start.elapsed();
    // 20 calls of 1 s, 4 at a time: 5 rounds (plus the token request).
    assert!(elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(6), "{elapsed:?}");
    assert_eq!(mock.requests().len(), 21);
}

// ---------------------------------------------------------------- helpers

#[tokio::test(start_paused = true)]
async fn get_with_roles_reads_both_concurrently() {
    let (client, mock) = setup(|r| {
        let reply = if r.path.ends_with("/roles") {
            Reply::json(
                200,
                json!({"start": 0, "limit": 100, "total": 2, "roles": [{"id": "rol_1", "name": "Admin"}, {"id": "rol_2", "name": "Ops"}]}),
            )
        } else {
            ok_user(r)
        };
        reply.after(Duration::from_secs(1))
    });
    let start = tokio::time::Instant::now();
    let both = client.users().get_with_roles("auth0|1").await.unwrap();
    assert_eq!(both.user.user_id.as_deref(), Some("auth0|1"));
    assert_eq!(both.roles.len(), 2);
    assert!(start.elapsed() < Duration::from_millis(1500), "concurrent, not one after the other");
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn members_with_roles_uses_fields_roles_when_the_server_honours_it() {
    let (client, mock) = setup(|r| {
        assert_eq!(r.q("fields"), Some("user_id,email,name,picture,roles"));
        Reply::json(
            200,
            json!({"members": [
                {"user_id": "u1", "roles": [{"id": "rol_1", "name": "Admin"}]},
                {"user_id": "u2", "roles": []}
            ]}),
        )
    });
    let members = client.organizations().members_with_roles("org_1").await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].roles[0].name.as_deref(), Some("Admin"));
    assert_eq!(mock.requests().len(), 2, "one token request and one page");
}

#[tokio::test(start_paused = true)]
async fn members_with_roles_falls_back_to_one_call_per_member() {
    let (client, mock) = setup(|r| {
        if r.path.ends_with("/roles") {
            let user = r.path.split('/').nth(6).unwrap().to_owned();
            Reply::json(200, json!({"start": 0, "limit": 100, "total": 1, "roles": [{"id": format!("rol_{user}")}]}))
        } else {
            let members: Vec<Value> = (0..12).map(|i| json!({"user_id": format!("u{i}")})).collect();
            Reply::json(200, json!({ "members": members }))
        }
    });
    let members = client.organizations().members_with_roles("org_1").await.unwrap();
    assert_eq!(members.len(), 12);
    assert_eq!(members[11].roles[0].id.as_deref(), Some("rol_u11"));
    assert_eq!(mock.requests().iter().filter(|r| r.path.ends_with("/roles")).count(), 12);
}

#[tokio::test(start_paused = true)]
async fn fluent_builders_fill_the_query() {
    let (client, mock) = setup(|_| Reply::json(200, json!([])));
    client.users().list().q("email:*@acme.com").per_page(50).page(2).sort("created_at:-1").send().await.unwrap();
    let r = mock.requests().into_iter().last().unwrap();
    assert_eq!(
        (r.q("q"), r.q("per_page"), r.q("page"), r.q("sort")),
        (Some("email:*@acme.com"), Some("50"), Some("2"), Some("created_at:-1"))
    );
    client.users().assign_roles("auth0|1", ["rol_1", "rol_2"]).send().await.unwrap();
    let r = mock.requests().into_iter().last().unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/api/v2/users/auth0%7C1/roles"));
    assert_eq!(r.body, json!({"roles": ["rol_1", "rol_2"]}));
}

#[test]
fn futures_and_streams_are_send_on_the_host() {
    fn send<T: Send>(_: T) {}
    let (client, _) = setup(ok_user);
    send(client.users().get("u1").send());
    send(client.users().get("u1").into_future());
    send(client.users().list().stream());
    send(client.logs().tail().stream());
    send(client.users().get_with_roles("u1"));
    send(client.organizations().members_with_roles("org_1"));
    send(client.bulk(vec![1], 1, |c, i: i32| async move { c.users().get(i.to_string()).value().await }).run());
    send(client.send_raw(gatehouse_client::RawRequest {
        api: gatehouse_client::model::Api::Management,
        verb: gatehouse_client::model::Verb::Get,
        path_and_query: "/api/v2/users".into(),
        body: None,
        content_type: None,
    }));
}

#[tokio::test(start_paused = true)]
async fn raw_requests_are_authenticated_and_return_any_status() {
    use gatehouse_client::RawRequest;
    use gatehouse_client::model::{Api, Verb};
    let (client, mock) = setup(|_| Reply::api_error(404, "inexistent_user", "The user does not exist."));
    let raw = |path: &str| RawRequest {
        api: Api::Management,
        verb: Verb::Get,
        path_and_query: path.into(),
        body: None,
        content_type: None,
    };
    let response = client.send_raw(raw("/api/v2/users/auth0%7C1?fields=email")).await.unwrap();
    assert_eq!(response.status(), 404);
    let r = mock.requests().into_iter().last().unwrap();
    assert_eq!((r.path.as_str(), r.q("fields"), r.bearer()), ("/api/v2/users/auth0%7C1", Some("email"), Some("tok-1")));
    assert!(matches!(client.send_raw(raw("/api/v2/stats/daily")).await, Err(ClientError::Config(_))));
    assert_eq!(mock.requests().len(), 2, "an unknown path is never sent");
}

// ---------------------------------------------------------------- multipart

#[tokio::test(start_paused = true)]
async fn the_users_import_is_sent_as_multipart_with_a_file_part() {
    use gatehouse_client::model::body::{multipart_boundary, read_multipart};
    use gatehouse_client::model::generated::management_more::CreateImportUsers;
    let (client, mock) = setup(|r| {
        if r.is("POST", "/api/v2/jobs/users-imports") {
            Reply::json(202, json!({"id": "job_1", "type": "users_import", "status": "pending"}))
        } else {
            Reply::api_error(404, "not_found", "Not found.")
        }
    });
    let users = r#"[{"email":"ana@acme.test","app_metadata":{"note":"--gatehouse-"}}]"#;
    let mut body = CreateImportUsers::new(users.into(), "con_0000000000000001".into());
    body.upsert = Some(true);
    let job = client.jobs().users_imports().create().body(&body).send().await.unwrap();
    assert_eq!(job.status, 202);
    let sent =
        mock.requests().into_iter().find(|r| r.method == "POST" && r.path == "/api/v2/jobs/users-imports").unwrap();
    let content_type = sent.headers.get("content-type").unwrap().to_str().unwrap().to_owned();
    let boundary = multipart_boundary(&content_type).unwrap_or_else(|| panic!("{content_type}"));
    let parts = read_multipart(&sent.raw, boundary).unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["users", "connection_id", "upsert"]);
    assert_eq!(parts[0].filename.as_deref(), Some("users.json"));
    assert_eq!(parts[0].content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(parts[0].content, users.as_bytes());
    assert_eq!((parts[1].filename.as_ref(), parts[1].content.as_slice()), (None, b"con_0000000000000001".as_slice()));
    assert_eq!(parts[2].content, b"true");
    // The boundary is found only as the delimiters: one per part and the closing one.
    let count = sent.raw.windows(boundary.len()).filter(|w| *w == boundary.as_bytes()).count();
    assert_eq!(count, parts.len() + 1);
}
