//! Every error shape Auth0 sends decodes into one typed error.

use gatehouse_model::error::ErrorBody;
use gatehouse_model::ops::users;
use gatehouse_model::request::parse;
use gatehouse_model::{ApiError, Error};
use http::HeaderMap;
use serde_json::{Value, json};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, v.parse().unwrap());
    }
    h
}

fn api_error(status: u16, h: &HeaderMap, body: &[u8]) -> ApiError {
    match parse::<users::Get>(status, h, body, 0) {
        Err(Error::Api(e)) => *e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn roundtrips(body: &Value) {
    let parsed = ErrorBody::from_value(body.clone());
    assert_eq!(&serde_json::to_value(&parsed).unwrap(), body);
}

#[test]
fn management_error() {
    let body = json!({"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"});
    let e = api_error(404, &HeaderMap::new(), body.to_string().as_bytes());
    assert_eq!((e.status, e.code(), e.message().as_str()), (404, Some("inexistent_user"), "The user does not exist."));
    assert!(matches!(e.body, ErrorBody::Management(_)));
    assert_eq!(e.to_string(), "404: The user does not exist. (inexistent_user)");
    roundtrips(&body);
}

#[test]
fn management_error_without_code() {
    let body = json!({"statusCode": 404, "error": "Not Found", "message": "The role does not exist."});
    let e = api_error(404, &HeaderMap::new(), body.to_string().as_bytes());
    assert_eq!((e.code(), e.message().as_str()), (None, "The role does not exist."));
    roundtrips(&body);
}

#[test]
fn oauth_error_with_rate_limit() {
    let body = json!({"error": "too_many_requests", "error_description": "Slow down"});
    let h = headers(&[("retry-after", "7"), ("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0")]);
    let e = api_error(429, &h, body.to_string().as_bytes());
    assert_eq!((e.code(), e.message().as_str()), (Some("too_many_requests"), "Slow down"));
    assert_eq!((e.rate_limit.retry_after, e.rate_limit.remaining), (Some(7), Some(0)));
    assert!(e.is_retryable());
    roundtrips(&body);
}

#[test]
fn teams_error() {
    let body = json!({"status": 404, "type": "TENANT_NOT_FOUND", "title": "Tenant not found", "details": {"id": "x"}});
    let e = api_error(404, &HeaderMap::new(), body.to_string().as_bytes());
    assert_eq!((e.code(), e.message().as_str()), (Some("TENANT_NOT_FOUND"), "Tenant not found"));
    assert!(matches!(e.body, ErrorBody::Teams(_)));
    roundtrips(&body);
}

#[test]
fn non_json_and_unknown_json_bodies() {
    let e = api_error(502, &HeaderMap::new(), b"<html>Bad gateway</html>");
    assert_eq!(e.message(), "<html>Bad gateway</html>");
    assert!(matches!(e.body, ErrorBody::Text(_)));
    let e = api_error(503, &HeaderMap::new(), b"");
    assert_eq!(e.message(), "Service Unavailable");
    let e = api_error(404, &HeaderMap::new(), b"{}");
    assert!(matches!(e.body, ErrorBody::Json(_)));
    assert_eq!(e.message(), "Not Found");
    roundtrips(&json!({"unexpected": true}));
}

#[test]
fn success_with_wrong_shape_names_the_field() {
    let err =
        parse::<users::List>(200, &HeaderMap::new(), br#"{"users": [{"email": "a"}, 3], "total": 2}"#, 0).unwrap_err();
    match err {
        Error::Decode { status: 200, source, .. } => assert_eq!(source.path, "users[1]", "{source}"),
        other => panic!("{other:?}"),
    }
}
