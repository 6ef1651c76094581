//! Errors as the console shows them: Auth0's (or the BFF's) message and code.

use gatehouse_client::ClientError;
use std::fmt;

/// An error ready to show: status, machine code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError {
    /// HTTP status, when a response came.
    pub status: Option<u16>,
    /// Auth0's or the BFF's error code, such as `inexistent_user` or `gatehouse_denied`.
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl UiError {
    /// An error with only a message (validation in the page).
    pub fn msg(message: impl Into<String>) -> Self {
        Self { status: None, code: None, message: message.into() }
    }

    /// From a status and an error body in any of Auth0's shapes.
    pub fn from_body(status: u16, body: &[u8]) -> Self {
        let parsed = gatehouse_model::ErrorBody::parse(body);
        Self {
            status: Some(status),
            code: parsed.code().map(str::to_owned),
            message: parsed.message().unwrap_or_else(|| format!("The server answered {status}.")),
        }
    }

    /// Whether the principal is not allowed to do this (403).
    pub fn is_denied(&self) -> bool {
        self.status == Some(403)
    }

    /// Whether the BFF refused an escalation: giving, taking or touching access
    /// the principal does not hold, or changing its own roles.
    pub fn is_escalation(&self) -> bool {
        self.is_denied() && self.code.as_deref() == Some("gatehouse_escalation")
    }

    /// What to do about a refusal, under its message.
    pub fn hint(&self) -> Option<&'static str> {
        match self.code.as_deref() {
            Some("gatehouse_self_approval") => {
                return Some("Nobody decides its own request: another person with the approvals permission must.");
            }
            Some("gatehouse_approval_closed") => {
                return Some(
                    "It was decided by someone else, expired, or the caller stopped waiting. The list shows where it stands now.",
                );
            }
            Some("gatehouse_key_in_config") => {
                return Some(
                    "Keys from the configuration file are changed or removed there, then the server restarted.",
                );
            }
            _ => {}
        }
        if self.is_escalation() {
            Some("Gatehouse never lets anyone give, take or use access they do not hold themselves.")
        } else if self.is_denied() {
            Some("Your Gatehouse role does not include this. Ask an administrator if you need it.")
        } else {
            None
        }
    }

    /// Whether the session is gone (401): the page must sign in again.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == Some(401)
    }

    /// A heading for the error.
    pub fn title(&self) -> &'static str {
        match self.code.as_deref() {
            Some("gatehouse_approval_closed") => return "Already closed",
            Some("gatehouse_self_approval") => return "You can't decide your own request",
            Some("gatehouse_key_in_config") => return "Set in the configuration file",
            _ => {}
        }
        match self.status {
            Some(401) => "Your session has ended",
            Some(403) => "Not allowed",
            Some(404) => "Not found",
            Some(409) => "Already exists",
            Some(429) => "Rate limit reached",
            Some(400) => "Auth0 refused the request",
            Some(s) if s >= 500 => "The server failed",
            None => "Something went wrong",
            _ => "The request failed",
        }
    }
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.title(), self.message)?;
        match (self.status, &self.code) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, {c})"),
            (Some(s), None) => write!(f, " (HTTP {s})"),
            (None, Some(c)) => write!(f, " ({c})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for UiError {}

impl From<ClientError> for UiError {
    fn from(e: ClientError) -> Self {
        Self::from(&e)
    }
}

impl From<&ClientError> for UiError {
    fn from(e: &ClientError) -> Self {
        match e.api() {
            Some(api) => Self { status: Some(api.status), code: api.code().map(str::to_owned), message: api.message() },
            None => Self { status: e.status(), code: None, message: e.root().to_string() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn bff_denial_reads_clearly() {
        let body = br#"{"statusCode":403,"error":"Forbidden","message":"viewer@demo.test may not block users: needs users:full","errorCode":"gatehouse_denied"}"#;
        let e = UiError::from_body(403, body);
        assert!(e.is_denied());
        assert_eq!(
            e.to_string(),
            "Not allowed: viewer@demo.test may not block users: needs users:full (HTTP 403, gatehouse_denied)"
        );
    }

    #[test]
    fn escalation_refusals_keep_the_bffs_message_verbatim() {
        let message = "support@demo.test may not assign role gatehouse-admin: it grants applications:full, roles:full, \
                       which support@demo.test lacks";
        let body = serde_json::json!({
            "statusCode": 403, "error": "Forbidden", "errorCode": "gatehouse_escalation",
            "message": message, "missing": ["applications:full", "roles:full"],
        });
        let e = UiError::from_body(403, body.to_string().as_bytes());
        assert_eq!(e.message, message);
        assert!(e.is_denied() && e.is_escalation());
        assert_eq!(e.title(), "Not allowed");
        assert!(e.hint().unwrap().contains("do not hold"));
        assert!(e.to_string().contains(message) && e.to_string().ends_with("(HTTP 403, gatehouse_escalation)"));

        // The same body through the client's error, as the shared client reports it.
        let api = gatehouse_model::ApiError {
            status: 403,
            body: gatehouse_model::ErrorBody::parse(body.to_string().as_bytes()),
            rate_limit: Default::default(),
        };
        let e = UiError::from(ClientError::from(api));
        assert_eq!(
            (e.status, e.code.as_deref(), e.message.as_str()),
            (Some(403), Some("gatehouse_escalation"), message)
        );

        let denied = UiError::from_body(
            403,
            br#"{"statusCode":403,"error":"Forbidden","message":"no","errorCode":"gatehouse_denied"}"#,
        );
        assert!(!denied.is_escalation() && denied.hint().unwrap().contains("Ask an administrator"));
        assert_eq!(UiError::from_body(404, b"").hint(), None);
    }

    #[test]
    fn approval_and_key_refusals_say_what_happened() {
        let e = UiError::from_body(
            409,
            br#"{"statusCode":409,"error":"Conflict","message":"approval request apr_1 is already denied","errorCode":"gatehouse_approval_closed"}"#,
        );
        assert_eq!((e.title(), e.code.as_deref()), ("Already closed", Some("gatehouse_approval_closed")));
        assert!(e.hint().unwrap().contains("decided by someone else"));
        let e = UiError::from_body(
            403,
            br#"{"statusCode":403,"error":"Forbidden","message":"demo-agent may not decide its own request","errorCode":"gatehouse_self_approval"}"#,
        );
        assert_eq!(e.title(), "You can't decide your own request");
        assert!(e.hint().unwrap().contains("another person"));
        let e = UiError::from_body(409, br#"{"statusCode":409,"error":"Conflict","message":"ci is set in the configuration","errorCode":"gatehouse_key_in_config"}"#);
        assert_eq!(e.title(), "Set in the configuration file");
        let e = UiError::from_body(
            403,
            br#"{"statusCode":403,"error":"Forbidden","message":"viewer@demo.test may not give users:full","errorCode":"gatehouse_escalation"}"#,
        );
        assert!(e.is_escalation() && e.hint().unwrap().contains("do not hold"));
    }

    #[test]
    fn auth0_errors_keep_code_and_message() {
        let e = UiError::from_body(409, br#"{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}"#);
        assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("auth0_idp_error"), "The user already exists."));
        let e = UiError::from_body(502, b"");
        assert_eq!(e.message, "The server answered 502.");
        assert_eq!(UiError::msg("x").to_string(), "Something went wrong: x");
    }
}
