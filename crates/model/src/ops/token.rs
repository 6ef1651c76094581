//! The client-credentials exchange.

use crate::operation::Operation;
pub use crate::token::{TokenRequest, TokenResponse};

/// `POST /oauth/token` with the client-credentials grant.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCredentials {
    /// The request sent.
    pub body: TokenRequest,
}

impl ClientCredentials {
    /// Exchanges `body`'s credentials for a token.
    pub fn new(body: TokenRequest) -> Self {
        Self { body }
    }
}

impl Operation for ClientCredentials {
    fn body(&self) -> Option<&TokenRequest> {
        Some(&self.body)
    }
}
