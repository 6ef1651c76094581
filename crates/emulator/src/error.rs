//! Errors the emulator answers with, and how each API spells them.
//!
//! One [`ApiError`] value is rendered three ways: the Management API's
//! `{statusCode, error, message, errorCode?}`, the Teams API's `{status,
//! type, title, details?}` and the OAuth `{error, error_description}` of the
//! token endpoint. The field names come from the model's error bodies.

use axum::response::{IntoResponse, Response};
use gatehouse_model::Api;
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

/// An error answer, independent of the API that renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Machine-readable code: Management `errorCode`, Teams `type` or OAuth `error`.
    pub code: Option<String>,
    /// Human-readable message.
    pub message: String,
    /// Extra top-level fields of a Management error (such as `attributes`).
    pub extra: Option<Box<Map<String, Value>>>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

/// Result of an operation handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status, an optional code and a message.
    pub fn new(status: u16, code: Option<&str>, message: impl Into<String>) -> Self {
        Self { status, code: code.map(str::to_owned), message: message.into(), extra: None, retry_after: None }
    }

    /// 400 `invalid_body`: the request body does not have the expected shape.
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(400, Some("invalid_body"), message)
    }

    /// 400 `invalid_body` in the wording Auth0 uses for schema violations.
    pub fn payload(detail: impl std::fmt::Display) -> Self {
        Self::invalid_body(format!("Payload validation error: {detail}"))
    }

    /// 400 `invalid_query_string`.
    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(400, Some("invalid_query_string"), message)
    }

    /// 400 `invalid_uri`: a path parameter the operation does not take.
    pub fn invalid_uri(message: impl Into<String>) -> Self {
        Self::new(400, Some("invalid_uri"), message)
    }

    /// 400 `invalid_paging`.
    pub fn invalid_paging(message: impl Into<String>) -> Self {
        Self::new(400, Some("invalid_paging"), message)
    }

    /// 404 with an optional `errorCode` (roles and organizations have none).
    pub fn not_found(message: impl Into<String>, code: Option<&str>) -> Self {
        Self::new(404, code, message)
    }

    /// 409 with an optional `errorCode`.
    pub fn conflict(message: impl Into<String>, code: Option<&str>) -> Self {
        Self::new(409, code, message)
    }

    /// 401 with the message Auth0 gives (`Invalid token`, `Missing authentication`, ...).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut extra = Map::new();
        if message != "Missing authentication" {
            extra.insert("attributes".into(), json!({ "error": message }));
        }
        Self { extra: Some(Box::new(extra)), ..Self::new(401, None, message) }
    }

    /// 403 `insufficient_scope`.
    pub fn insufficient_scope(message: impl Into<String>) -> Self {
        Self::new(403, Some("insufficient_scope"), message)
    }

    /// 500 for failures of the emulator itself.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, None, message)
    }

    /// The same error with a `Retry-After` header.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    fn reason(&self) -> &'static str {
        StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error")
    }

    /// The Teams API `type` for this error.
    pub fn teams_type(&self) -> String {
        match self.code.as_deref() {
            Some(code) if code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => code.to_owned(),
            Some("insufficient_scope") => "INSUFFICIENT_SCOPE".into(),
            Some("invalid_body" | "invalid_query_string" | "invalid_paging" | "validation_error") => {
                "VALIDATION_ERROR".into()
            }
            Some("too_many_requests") => "TOO_MANY_REQUESTS".into(),
            Some(other) => other.to_ascii_uppercase(),
            None => match self.status {
                401 => "UNAUTHORIZED".into(),
                403 => "FORBIDDEN".into(),
                404 => "NOT_FOUND".into(),
                409 => "CONFLICT".into(),
                413 => "PAYLOAD_TOO_LARGE".into(),
                415 => "UNSUPPORTED_MEDIA_TYPE".into(),
                429 => "TOO_MANY_REQUESTS".into(),
                s if s >= 500 => "UNKNOWN_ERROR".into(),
                _ => "BAD_REQUEST".into(),
            },
        }
    }

    /// The body in the shape `api` uses.
    pub fn body(&self, api: Api) -> Value {
        match api {
            Api::Management => {
                let mut body = Map::new();
                body.insert("statusCode".into(), self.status.into());
                body.insert("error".into(), self.reason().into());
                body.insert("message".into(), self.message.clone().into());
                if let Some(code) = &self.code {
                    body.insert("errorCode".into(), code.clone().into());
                }
                if let Some(extra) = &self.extra {
                    for (k, v) in extra.iter() {
                        body.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(body)
            }
            Api::Teams => {
                let title = match self.status {
                    400 => "Invalid request",
                    401 => "Unauthorized",
                    403 => "Forbidden",
                    404 => "Not found",
                    409 => "Conflict",
                    429 => "Too many requests",
                    s if s >= 500 => "An unknown error occurred",
                    _ => self.reason(),
                };
                json!({ "status": self.status, "type": self.teams_type(), "title": title, "details": self.message })
            }
            Api::Authentication => {
                let code = self.code.clone().unwrap_or_else(|| match self.status {
                    401 | 403 => "access_denied".into(),
                    429 => "too_many_requests".into(),
                    s if s >= 500 => "server_error".into(),
                    _ => "invalid_request".into(),
                });
                json!({ "error": code, "error_description": self.message })
            }
        }
    }

    /// The full HTTP response for `api`.
    pub fn into_response_for(self, api: Api) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self.body(api))).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::ErrorBody;

    #[test]
    fn each_api_gets_its_shape() {
        let e = ApiError::not_found("The user does not exist.", Some("inexistent_user"));
        let m = e.body(Api::Management);
        assert_eq!(
            m,
            json!({"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"})
        );
        assert!(matches!(ErrorBody::from_value(m), ErrorBody::Management(_)));
        let t = ApiError::new(404, Some("TENANT_NOT_FOUND"), "The tenant was not found").body(Api::Teams);
        assert_eq!(t["type"], "TENANT_NOT_FOUND");
        assert!(matches!(ErrorBody::from_value(t), ErrorBody::Teams(_)));
        let o = ApiError::new(401, Some("access_denied"), "Unauthorized").body(Api::Authentication);
        assert!(matches!(ErrorBody::from_value(o), ErrorBody::OAuth(_)));
        assert_eq!(ApiError::insufficient_scope("x").body(Api::Teams)["type"], "INSUFFICIENT_SCOPE");
    }
}
