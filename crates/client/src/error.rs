//! Typed errors of the client: what Auth0 answered, what the transport
//! reported, and what went wrong getting a token.

use gatehouse_model::message::{Arg, Message};
use gatehouse_model::{ApiError, Error as ModelError, RateLimit};
use std::time::Duration;

/// How sending a request failed below HTTP: no response was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete response within the client's timeout. The server may
    /// have processed the request.
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection could not be established; the request was never sent,
    /// so it is safe to send again whatever its method.
    Connect {
        /// What the transport said.
        message: String,
    },
    /// The connection failed after the request was (perhaps partly) sent;
    /// the server may have processed it.
    Dropped {
        /// What the transport said.
        message: String,
    },
    /// The request was aborted (for example by the browser, or a fetch abort signal).
    Cancelled,
    /// The request could not be handed to the transport (bad URL or header).
    Invalid {
        /// What the transport said.
        message: String,
    },
}

impl TransportError {
    /// This error as data: its code in [`gatehouse_model::message::MESSAGES`] and its fields
    /// (the timeout in milliseconds, or what the transport said).
    pub fn message(&self) -> Message<'_> {
        match self {
            Self::Timeout { after } => Message::new("timeout")
                .with("timeoutMs", Arg::Number(u64::try_from(after.as_millis()).unwrap_or(u64::MAX))),
            Self::Connect { message } => Message::new("connect").with("detail", Arg::Text(message)),
            Self::Dropped { message } => Message::new("dropped").with("detail", Arg::Text(message)),
            Self::Cancelled => Message::new("cancelled"),
            Self::Invalid { message } => Message::new("invalid").with("detail", Arg::Text(message)),
        }
    }

    /// Whether the server certainly did not see the request, so that
    /// sending it again cannot repeat its effect.
    pub fn certainly_not_sent(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Invalid { .. })
    }

    /// Whether sending again may succeed (timeouts and connection failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Connect { .. } | Self::Dropped { .. })
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().render())
    }
}

/// Getting an access token with client credentials failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint refused: wrong credentials, unknown audience,
    /// client not authorized for the API, or its own rate limit.
    #[error("the token endpoint refused a token for `{audience}`: {error}")]
    Rejected {
        /// The audience asked for.
        audience: String,
        /// What the token endpoint answered.
        error: Box<ApiError>,
    },
    /// The token request failed otherwise (transport, undecodable answer).
    #[error("the token request for `{audience}` failed: {source}")]
    Failed {
        /// The audience asked for.
        audience: String,
        /// What went wrong.
        source: Box<ClientError>,
    },
}

/// Everything a call through the client can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// An error of the model: an API error response (status, code, message,
    /// rate limit), input refused before sending, an undecodable body (with
    /// the JSON path of the first bad field), or the 1,000-result window.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// No response could be read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// No access token could be had.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The request was retried as often as allowed and still failed; `last`
    /// is the final failure.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many times the request was sent.
        attempts: u32,
        /// The last failure.
        last: Box<ClientError>,
    },
    /// The client is configured in a way that cannot work.
    #[error("{}", Message::new("config").with("detail", Arg::Text(.0)).render())]
    Config(String),
}

impl ClientError {
    /// The innermost error, looking through [`ClientError::RetriesExhausted`]
    /// and [`TokenError::Failed`].
    pub fn root(&self) -> &ClientError {
        match self {
            Self::RetriesExhausted { last, .. } => last.root(),
            Self::Token(TokenError::Failed { source, .. }) => source.root(),
            other => other,
        }
    }

    /// This error as data (a code in [`gatehouse_model::message::MESSAGES`] and its fields),
    /// for the errors whose sentence is in that table: validation, the result window,
    /// transport and configuration errors. `None` for the others (API, decode and token
    /// errors, and the wrappers, which carry another error).
    pub fn message(&self) -> Option<Message<'_>> {
        match self {
            Self::Model(ModelError::Validation(v)) => Some(v.message()),
            Self::Model(ModelError::ResultWindow { total, window }) => {
                Some(gatehouse_model::error::result_window(*total, *window))
            }
            Self::Transport(t) => Some(t.message()),
            Self::Config(detail) => Some(Message::new("config").with("detail", Arg::Text(detail))),
            _ => None,
        }
    }

    /// The API error Auth0 answered with, if any (the token endpoint's included).
    pub fn api(&self) -> Option<&ApiError> {
        match self.root() {
            Self::Model(e) => e.as_api(),
            Self::Token(TokenError::Rejected { error, .. }) => Some(error),
            _ => None,
        }
    }

    /// The HTTP status of the response, when one was received.
    pub fn status(&self) -> Option<u16> {
        match self.root() {
            Self::Model(e) => e.status(),
            Self::Token(TokenError::Rejected { error, .. }) => Some(error.status),
            _ => None,
        }
    }

    /// The machine-readable error code, such as `inexistent_user`,
    /// `access_denied` or `TENANT_NOT_FOUND`.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(ApiError::code)
    }

    /// The rate-limit headers of the response, when one was received.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self.root() {
            Self::Model(e) => e.rate_limit(),
            Self::Token(TokenError::Rejected { error, .. }) => Some(&error.rate_limit),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: rate
    /// limits, server errors, timeouts and connection failures.
    pub fn is_retryable(&self) -> bool {
        match self.root() {
            Self::Model(ModelError::Api(e)) => e.is_retryable() || e.status == 500,
            Self::Transport(e) => e.is_retryable(),
            Self::Token(TokenError::Rejected { error, .. }) => error.is_retryable(),
            _ => false,
        }
    }

    /// Whether Auth0 said the object does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether Auth0 refused because the object already exists (409).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }
}

impl From<ApiError> for ClientError {
    fn from(e: ApiError) -> Self {
        Self::Model(e.into())
    }
}

impl From<gatehouse_model::ValidationError> for ClientError {
    fn from(e: gatehouse_model::ValidationError) -> Self {
        Self::Model(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::ErrorBody;

    fn api(status: u16, body: &str) -> ApiError {
        ApiError { status, body: ErrorBody::parse(body.as_bytes()), rate_limit: RateLimit::default() }
    }

    #[test]
    fn helpers_look_through_wrappers() {
        let inner: ClientError =
            api(404, r#"{"statusCode":404,"error":"Not Found","message":"nope","errorCode":"inexistent_user"}"#).into();
        let e = ClientError::RetriesExhausted { attempts: 3, last: Box::new(inner) };
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("inexistent_user"));
        assert!(e.is_not_found());
        assert!(!e.is_retryable());
    }

    #[test]
    fn retryable_kinds() {
        assert!(ClientError::from(api(429, "{}")).is_retryable());
        assert!(ClientError::from(api(503, "")).is_retryable());
        assert!(!ClientError::from(api(400, "")).is_retryable());
        assert!(ClientError::from(TransportError::Timeout { after: Duration::from_secs(1) }).is_retryable());
        assert!(!ClientError::from(TransportError::Cancelled).is_retryable());
        let token = TokenError::Rejected {
            audience: "a".into(),
            error: Box::new(api(401, r#"{"error":"access_denied","error_description":"bad"}"#)),
        };
        let e = ClientError::from(token);
        assert_eq!((e.status(), e.code()), (Some(401), Some("access_denied")));
    }
}
