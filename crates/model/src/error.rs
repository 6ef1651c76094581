//! Typed errors: what Auth0 said went wrong, what the model refused to send,
//! and what could not be decoded.

use crate::message::{Arg, Message};
use crate::rate_limit::RateLimit;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A JSON body that did not have the expected shape, with the path of the
/// first field that failed (for example `users[3].identities[0].provider`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not decode `{path}`: {message}")]
pub struct DecodeError {
    /// JSON path of the first value that failed, `.` for the whole body.
    pub path: String,
    /// What was wrong with it.
    pub message: String,
}

/// Input that Auth0 documents as invalid, refused before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A number outside the range the API accepts.
    OutOfRange {
        /// Parameter name as sent on the wire.
        name: &'static str,
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
        /// The value given.
        value: u64,
    },
    /// A list or string that must not be empty.
    Empty {
        /// Parameter or field name.
        name: &'static str,
    },
    /// A path parameter that cannot name an object (empty, `.` or `..`).
    PathParam {
        /// Path parameter name.
        name: &'static str,
        /// The value given.
        value: String,
    },
    /// Offset paging past the 1,000-result window Auth0 serves.
    ResultWindow {
        /// Zero-based page asked for.
        page: u64,
        /// Page size asked for.
        per_page: u64,
    },
    /// A base URL that does not make a valid request URI.
    Url {
        /// The URL built.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A body that cannot be encoded as JSON.
    Body {
        /// Why encoding failed.
        reason: String,
    },
    /// An operation whose body the spec requires, called without one.
    MissingBody {
        /// The operation's catalog name.
        operation: &'static str,
    },
    /// A call with a number of ids other than its path's parameters.
    Arity {
        /// The operation's catalog name.
        operation: &'static str,
        /// The names of its path parameters, in order.
        names: Vec<&'static str>,
        /// How many ids were given.
        given: u64,
    },
    /// A body given to an operation that takes none.
    NoBody {
        /// The operation's catalog name.
        operation: &'static str,
    },
    /// Two parameters that cannot be combined.
    Conflict {
        /// One parameter.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A query parameter the operation does not accept, as its catalog entry describes it.
    Query(QueryError),
}

impl From<QueryError> for ValidationError {
    fn from(e: QueryError) -> Self {
        Self::Query(e)
    }
}

/// A query the operation refuses, judged by its catalog entry
/// ([`crate::catalog::OpDesc::check_query`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Parameters the operation does not take.
    Unknown {
        /// The operation, by its catalog name (such as `users.list`).
        operation: &'static str,
        /// The names given that it does not take, in the order given.
        names: Vec<String>,
        /// Every name it takes.
        accepted: Vec<&'static str>,
    },
    /// A value that is not of the parameter's type.
    Type {
        /// Parameter name as sent on the wire.
        name: &'static str,
        /// What it takes.
        kind: crate::catalog::QueryKind,
        /// The value given, as text.
        value: String,
    },
    /// A value outside the parameter's enum.
    NotOneOf {
        /// Parameter name as sent on the wire.
        name: &'static str,
        /// The value given.
        value: String,
        /// The values it takes.
        allowed: &'static [&'static str],
    },
    /// A required parameter left out.
    Missing {
        /// Parameter name as sent on the wire.
        name: &'static str,
    },
    /// A parameter given twice where it takes one value (as `per_page` and
    /// `perPage` in an npm options object).
    Twice {
        /// Parameter name as sent on the wire.
        name: &'static str,
    },
}

impl ValidationError {
    /// This error as data: its code in [`crate::message::MESSAGES`] and its fields.
    pub fn message(&self) -> Message<'_> {
        match self {
            Self::OutOfRange { name, min, max, value } => Message::new("out_of_range")
                .with("field", Arg::Text(name))
                .with("min", Arg::Number(*min))
                .with("max", Arg::Number(*max))
                .with("value", Arg::Number(*value)),
            Self::Empty { name } => Message::new("empty").with("field", Arg::Text(name)),
            Self::PathParam { name, value } => {
                Message::new("path_param").with("field", Arg::Text(name)).with("value", Arg::Text(value))
            }
            Self::ResultWindow { page, per_page } => {
                Message::new("page_window").with("page", Arg::Number(*page)).with("perPage", Arg::Number(*per_page))
            }
            Self::Url { url, reason } => {
                Message::new("url").with("url", Arg::Text(url)).with("reason", Arg::Text(reason))
            }
            Self::Body { reason } => Message::new("body").with("reason", Arg::Text(reason)),
            Self::MissingBody { operation } => Message::new("missing_body").with("operation", Arg::Text(operation)),
            Self::Arity { operation, names, given } => Message::new("arity")
                .with("operation", Arg::Text(operation))
                .with("count", Arg::Number(names.len() as u64))
                .with("names", Arg::List(names.clone()))
                .with("given", Arg::Number(*given)),
            Self::NoBody { operation } => Message::new("no_body").with("operation", Arg::Text(operation)),
            Self::Conflict { first, second } => {
                Message::new("conflict").with("first", Arg::Text(first)).with("second", Arg::Text(second))
            }
            Self::Query(q) => q.message(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().render())
    }
}

impl QueryError {
    /// This error as data: its code in [`crate::message::MESSAGES`] and its fields.
    pub fn message(&self) -> Message<'_> {
        use crate::catalog::QueryKind;
        match self {
            Self::Unknown { operation, names, accepted } => Message::new("option_unknown")
                .with("operation", Arg::Text(operation))
                .with("unknown", Arg::List(names.iter().map(String::as_str).collect()))
                .with("accepted", Arg::List(accepted.clone())),
            Self::Type { name, kind, value } => Message::new(match kind {
                QueryKind::Integer => "option_integer",
                QueryKind::Boolean => "option_boolean",
                QueryKind::String | QueryKind::Enum(_) => "option_string",
                QueryKind::StringList | QueryKind::EnumList(_) => "option_list",
            })
            .with("option", Arg::Text(name))
            .with("value", Arg::Text(value)),
            Self::NotOneOf { name, value, allowed } => Message::new("option_not_one_of")
                .with("option", Arg::Text(name))
                .with("value", Arg::Text(value))
                .with("allowed", Arg::List(allowed.to_vec())),
            Self::Missing { name } => Message::new("option_missing").with("option", Arg::Text(name)),
            Self::Twice { name } => Message::new("option_twice").with("option", Arg::Text(name)),
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().render())
    }
}

crate::object! {
    /// The error body of the Management API: `{statusCode, error, message, errorCode?}`.
    pub struct ManagementErrorBody {
        required {
            /// HTTP status repeated in the body.
            status_code: u16 => "statusCode",
            /// Reason phrase, such as `Not Found`.
            error: String => "error"
        }
        optional {
            /// Human-readable explanation.
            message: String => "message",
            /// Machine-readable code such as `inexistent_user`; some endpoints omit it.
            error_code: String => "errorCode"
        }
    }
}

crate::object! {
    /// The OAuth error body of `/oauth/token`: `{error, error_description}`.
    pub struct OAuthErrorBody {
        required {
            /// OAuth error code such as `access_denied`.
            error: String => "error"
        }
        optional {
            /// Human-readable explanation.
            error_description: String => "error_description"
        }
    }
}

crate::object! {
    /// The error body of the Teams API: `{status, type, title, details?}`.
    pub struct TeamsErrorBody {
        required {
            /// HTTP status repeated in the body.
            status: u16 => "status",
            /// Machine-readable code such as `TENANT_NOT_FOUND`.
            kind: String => "type"
        }
        optional {
            /// Short human-readable summary.
            title: String => "title",
            /// More detail: a string or a structure, depending on the error.
            details: Value => "details"
        }
    }
}

impl ManagementErrorBody {
    /// A Management API error body; the reason phrase is taken from the status.
    pub fn new(status: u16, message: impl Into<String>, error_code: Option<&str>) -> Self {
        Self {
            status_code: status,
            error: reason(status).to_owned(),
            message: Some(message.into()),
            error_code: error_code.map(str::to_owned),
            extra: Default::default(),
        }
    }
}

impl OAuthErrorBody {
    /// An OAuth error body.
    pub fn new(error: impl Into<String>, description: impl Into<String>) -> Self {
        Self { error: error.into(), error_description: Some(description.into()), extra: Default::default() }
    }
}

impl TeamsErrorBody {
    /// A Teams API error body.
    pub fn new(status: u16, kind: impl Into<String>, title: impl Into<String>, details: Option<Value>) -> Self {
        Self { status, kind: kind.into(), title: Some(title.into()), details, extra: Default::default() }
    }
}

/// The reason phrase of a status, such as `Not Found`.
pub fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error")
}

/// The body of an error response, decoded by which keys it has.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// Management API shape.
    Management(ManagementErrorBody),
    /// OAuth shape (token endpoint, some rate-limit answers).
    OAuth(OAuthErrorBody),
    /// Teams API shape.
    Teams(TeamsErrorBody),
    /// JSON that fits none of the known shapes.
    Json(Value),
    /// A body that is not JSON (a proxy's HTML page, plain text), or none.
    Text(String),
}

impl ErrorBody {
    /// Decodes an error body. Never fails: unknown shapes are kept as they came.
    pub fn parse(bytes: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
            return Self::Text(String::from_utf8_lossy(bytes).into_owned());
        };
        Self::from_value(value)
    }

    /// Decodes an error body that is already JSON.
    pub fn from_value(value: Value) -> Self {
        let Some(obj) = value.as_object() else {
            return Self::Json(value);
        };
        let decoded = if obj.contains_key("statusCode") {
            ManagementErrorBody::deserialize(&value).ok().map(Self::Management)
        } else if obj.contains_key("type") && obj.contains_key("status") {
            TeamsErrorBody::deserialize(&value).ok().map(Self::Teams)
        } else if obj.get("error").is_some_and(Value::is_string) {
            OAuthErrorBody::deserialize(&value).ok().map(Self::OAuth)
        } else {
            None
        };
        decoded.unwrap_or(Self::Json(value))
    }

    /// Machine-readable code: `errorCode`, the OAuth `error`, or the Teams `type`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Management(b) => b.error_code.as_deref(),
            Self::OAuth(b) => Some(&b.error),
            Self::Teams(b) => Some(&b.kind),
            Self::Json(v) => v.get("errorCode").or_else(|| v.get("error")).and_then(Value::as_str),
            Self::Text(_) => None,
        }
    }

    /// Human-readable message, as Auth0 worded it where it gave one.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Management(b) => b.message.clone().or_else(|| Some(b.error.clone())),
            Self::OAuth(b) => b.error_description.clone().or_else(|| Some(b.error.clone())),
            Self::Teams(b) => b.title.clone().or_else(|| b.details.as_ref().and_then(Value::as_str).map(str::to_owned)),
            Self::Json(v) => v.get("message").and_then(Value::as_str).map(str::to_owned),
            Self::Text(t) => {
                let t = t.trim_ascii();
                (!t.is_empty()).then(|| t.chars().take(200).collect())
            }
        }
    }
}

/// One field of an error body, as [`summarize`] sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorField {
    /// Not there.
    Absent,
    /// `null`.
    Null,
    /// A string.
    Text(String),
    /// A number.
    Number(f64),
    /// Anything else (a boolean, an array, an object).
    Other,
}

/// What [`summarize`] reads of an error body, for a program that holds the
/// body as something other than a `serde_json` value (the npm package reads
/// JavaScript's parsed JSON field by field).
pub trait ErrorFields {
    /// The body when it is text rather than JSON.
    fn text(&self) -> Option<String>;
    /// Whether the body is a JSON object.
    fn is_object(&self) -> bool;
    /// The object's field `key`.
    fn field(&self, key: &str) -> ErrorField;
}

impl ErrorFields for Value {
    fn text(&self) -> Option<String> {
        None
    }
    fn is_object(&self) -> bool {
        Value::is_object(self)
    }
    fn field(&self, key: &str) -> ErrorField {
        match self.get(key) {
            None => ErrorField::Absent,
            Some(Value::Null) => ErrorField::Null,
            Some(Value::String(s)) => ErrorField::Text(s.clone()),
            Some(Value::Number(n)) => n.as_f64().map_or(ErrorField::Other, ErrorField::Number),
            Some(_) => ErrorField::Other,
        }
    }
}

/// An error body's code, message and (Management API) reason phrase, as
/// [`ErrorBody::code`] and [`ErrorBody::message`] give them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorSummary {
    /// Machine-readable code: `errorCode`, the OAuth `error`, or the Teams `type`.
    pub code: Option<String>,
    /// Human-readable message, where the body gives one.
    pub message: Option<String>,
    /// The Management API body's reason phrase (`error`).
    pub error: Option<String>,
}

/// Reads an error body's code and message by its shape: the one rule of
/// [`ErrorBody`] (which keys tell the Management, Teams and OAuth shapes
/// apart, and which fields give the code and the message), for any body
/// that can be read field by field. A test holds it equal to
/// [`ErrorBody::from_value`] followed by `code()` and `message()`.
pub fn summarize<B: ErrorFields>(body: &B) -> ErrorSummary {
    if let Some(text) = body.text() {
        // ASCII whitespace, as HTTP trims it (no Unicode tables in the npm package's wasm).
        let text = text.trim_ascii();
        return ErrorSummary {
            message: (!text.is_empty()).then(|| text.chars().take(200).collect()),
            ..Default::default()
        };
    }
    if !body.is_object() {
        return ErrorSummary::default();
    }
    let has = |key: &str| body.field(key) != ErrorField::Absent;
    let string = |key: &str| match body.field(key) {
        ErrorField::Text(s) => Some(s),
        _ => None,
    };
    let status = |key: &str| matches!(body.field(key), ErrorField::Number(n) if n.fract() == 0.0 && (0.0..=65535.0).contains(&n));
    let (code, message, error) = if has("statusCode") {
        match string("error") {
            Some(error) if status("statusCode") => {
                (string("errorCode"), string("message").or_else(|| Some(error.clone())), Some(error))
            }
            _ => (string("errorCode").or_else(|| string("error")), string("message"), None),
        }
    } else if has("type") && has("status") {
        match string("type") {
            Some(kind) if status("status") => (Some(kind), string("title").or_else(|| string("details")), None),
            _ => (string("errorCode").or_else(|| string("error")), string("message"), None),
        }
    } else if let Some(error) = string("error") {
        (Some(error.clone()), string("error_description").or(Some(error)), None)
    } else {
        (string("errorCode").or_else(|| string("error")), string("message"), None)
    };
    ErrorSummary { code, message, error }
}

impl Serialize for ErrorBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Management(b) => b.serialize(s),
            Self::OAuth(b) => b.serialize(s),
            Self::Teams(b) => b.serialize(s),
            Self::Json(v) => v.serialize(s),
            Self::Text(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::from_value(Value::deserialize(d)?))
    }
}

/// An error response from Auth0 (or from a server speaking its API).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The decoded body.
    pub body: ErrorBody,
    /// Rate-limit headers of the response.
    pub rate_limit: RateLimit,
}

impl ApiError {
    /// Machine-readable code (`inexistent_user`, `access_denied`, `TENANT_NOT_FOUND`, ...).
    pub fn code(&self) -> Option<&str> {
        self.body.code()
    }

    /// Human-readable message, falling back to the status's reason phrase.
    pub fn message(&self) -> String {
        self.body.message().unwrap_or_else(|| reason(self.status).to_owned())
    }

    /// Whether waiting and sending again may succeed (429, 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 502 | 503 | 504)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message())?;
        if let Some(code) = self.code() {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Everything that can go wrong between building a request and reading its answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Auth0 answered with an error status.
    #[error("Auth0 API error {0}")]
    Api(Box<ApiError>),
    /// The request was refused before sending.
    #[error("invalid request: {0}")]
    Validation(#[from] ValidationError),
    /// A success status with a body of an unexpected shape.
    #[error("unexpected response body (status {status}): {source}")]
    Decode {
        /// HTTP status code.
        status: u16,
        /// Where decoding failed.
        source: DecodeError,
        /// Rate-limit headers of the response.
        rate_limit: RateLimit,
    },
    /// Offset paging reached the 1,000-result window: more results exist than Auth0 will page through.
    #[error("{}", result_window(*total, *window).render())]
    ResultWindow {
        /// How many results Auth0 says match.
        total: u64,
        /// How many can be paged through (1,000).
        window: u64,
    },
}

/// The result window error as data (see [`Error::ResultWindow`]).
pub fn result_window(total: u64, window: u64) -> Message<'static> {
    Message::new("result_window").with("window", Arg::Number(window)).with("total", Arg::Number(total))
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

impl Error {
    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Rate-limit headers, when a response was received.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Self::Api(e) => Some(&e.rate_limit),
            Self::Decode { rate_limit, .. } => Some(rate_limit),
            _ => None,
        }
    }

    /// The API error, if Auth0 answered with one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use serde_json::json;

    /// `summarize` reads every shape as `ErrorBody` decodes it, including the
    /// bodies that only look like one of the known shapes.
    #[test]
    fn summarize_agrees_with_error_body() {
        let bodies = [
            json!({"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"}),
            json!({"statusCode": 400, "error": "Bad Request"}),
            json!({"statusCode": 400, "error": "Bad Request", "message": null}),
            json!({"statusCode": "400", "error": "Bad Request", "message": "m"}),
            json!({"statusCode": 400, "error": 7, "message": "m", "errorCode": "c"}),
            json!({"statusCode": 400, "error": "Bad Request", "message": 3}),
            json!({"statusCode": 70000, "error": "E", "message": "m"}),
            json!({"status": 404, "type": "TENANT_NOT_FOUND", "title": "No such tenant", "details": "x"}),
            json!({"status": 404, "type": "TENANT_NOT_FOUND", "details": "only details"}),
            json!({"status": 404, "type": "TENANT_NOT_FOUND", "details": {"a": 1}}),
            json!({"status": "404", "type": "T", "title": "t"}),
            json!({"status": 404, "type": 5, "message": "m", "error": "e"}),
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
            json!({"error": "invalid_grant"}),
            json!({"error": "invalid_grant", "error_description": 4}),
            json!({"error": {"nested": true}, "message": "m"}),
            json!({"errorCode": "c", "message": "m"}),
            json!({}),
            json!([1, 2]),
            json!("a string"),
            json!(42),
            json!(null),
        ];
        for body in bodies {
            let decoded = ErrorBody::from_value(body.clone());
            let summary = summarize(&body);
            assert_eq!(summary.code.as_deref(), decoded.code(), "code of {body}");
            assert_eq!(summary.message, decoded.message(), "message of {body}");
            let error = match &decoded {
                ErrorBody::Management(b) => Some(b.error.clone()),
                _ => None,
            };
            assert_eq!(summary.error, error, "error of {body}");
        }
        // Text bodies: trimmed, at most 200 characters, none when blank.
        struct Text(&'static str);
        impl ErrorFields for Text {
            fn text(&self) -> Option<String> {
                Some(self.0.to_owned())
            }
            fn is_object(&self) -> bool {
                false
            }
            fn field(&self, _: &str) -> ErrorField {
                ErrorField::Absent
            }
        }
        let long = "é".repeat(300);
        for text in ["  <html>bad gateway</html>\n", "", "   ", long.as_str().to_owned().leak()] {
            let decoded = ErrorBody::parse(text.as_bytes());
            assert_eq!(summarize(&Text(text)).message, decoded.message(), "message of {text:?}");
            assert_eq!(decoded.code(), None);
        }
    }
}
