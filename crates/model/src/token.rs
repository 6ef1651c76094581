//! The client-credentials exchange at `POST /oauth/token`.

use crate::secret::Secret;

crate::object! {
    /// A client-credentials token request.
    pub struct TokenRequest {
        required {
            /// Always `client_credentials` for machine-to-machine tokens.
            grant_type: String => "grant_type",
            /// The application's client id.
            client_id: String => "client_id",
            /// The API the token is for: `https://{domain}/api/v2/` or the Teams audience.
            audience: String => "audience"
        }
        optional {
            /// The application's client secret (client-secret authentication).
            client_secret: Secret => "client_secret",
            /// A signed JWT proving the client's identity (private-key-JWT authentication).
            client_assertion: Secret => "client_assertion",
            /// The kind of `client_assertion`, a JWT bearer assertion.
            client_assertion_type: String => "client_assertion_type",
            /// Space-separated scopes to ask for; all granted scopes when absent.
            scope: String => "scope",
            /// Organization to issue the token for.
            organization: String => "organization"
        }
    }
}

impl TokenRequest {
    /// A client-credentials request for `audience`.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: Secret,
        audience: impl Into<String>,
    ) -> Self {
        Self {
            grant_type: "client_credentials".into(),
            client_id: client_id.into(),
            audience: audience.into(),
            client_secret: Some(client_secret),
            client_assertion: None,
            client_assertion_type: None,
            scope: None,
            organization: None,
            extra: Default::default(),
        }
    }
}

crate::object! {
    /// An issued access token.
    pub struct TokenResponse {
        required {
            /// The bearer token.
            access_token: Secret => "access_token"
        }
        optional {
            /// Lifetime in seconds (86,400 by default).
            expires_in: u64 => "expires_in",
            /// Always `Bearer`.
            token_type: String => "token_type",
            /// Space-separated scopes granted.
            scope: String => "scope"
        }
    }
}

impl TokenResponse {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }
}
