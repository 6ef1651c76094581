//! Token buckets: headers count down, an empty bucket answers 429 with
//! `Retry-After`, and the bucket refills.

use crate::common::{Body, assert_mgmt_error, start_with};
use gatehouse_emulator::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_bucket_answers_429_until_it_refills() {
    let (h, c) = start_with(Config { rate_limit: 5.0, burst: 10, ..Config::for_tests(3) }).await;
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
        rate_limit: 100.0,
        burst: 100,
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
