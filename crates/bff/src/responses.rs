//! JSON and HTML answers of the BFF itself, shaped like Auth0's error body.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use serde_json::{Value, json};

/// A JSON response.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An error in Auth0's shape: `{statusCode, error, message, errorCode}`.
pub fn error_body(status: StatusCode, code: &str, message: &str) -> Value {
    json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "errorCode": code,
    })
}

/// An error response in Auth0's shape.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &error_body(status, code, message))
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small HTML page (no script, no inline style: the CSP allows neither).
pub fn html_page(status: StatusCode, title: &str, body_html: &str, head_extra: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>{head_extra}</head>\
         <body><main><h1>{}</h1>{body_html}</main></body></html>\n",
        escape(title),
        escape(title)
    );
    let mut r = Response::new(Body::from(html));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_look_like_auth0() {
        let v = error_body(StatusCode::FORBIDDEN, "gatehouse_denied", "no");
        assert_eq!(
            v,
            json!({"statusCode": 403, "error": "Forbidden", "message": "no", "errorCode": "gatehouse_denied"})
        );
        assert_eq!(escape("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    }
}
