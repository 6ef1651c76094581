//! OpenID Connect sign-in: authorization code flow with PKCE (S256),
//! against the tenant (or the emulator).
//!
//! The provider's metadata and keys are fetched on first use and cached;
//! keys are fetched again when an id token names an unknown `kid` (key
//! rotation), at most once every 30 seconds.

use crate::security::pkce_challenge;
use gatehouse_model::Secret;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered nonsense.
    #[error("the sign-in provider: {0}")]
    Provider(String),
    /// The id token was not acceptable.
    #[error("the id token was refused: {0}")]
    Token(String),
}

/// What the provider's discovery document says.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    /// Issuer identifier.
    pub issuer: String,
    /// Where to send the browser.
    pub authorization_endpoint: String,
    /// Where to exchange the code.
    pub token_endpoint: String,
    /// The signing keys.
    pub jwks_uri: String,
    /// Where to end the provider's session, if offered.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// Who signed in, from a verified id token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`.
    pub subject: String,
    /// `email` (falls back to `sub`).
    pub email: String,
    /// `name`, if any.
    pub name: Option<String>,
    /// The roles claim.
    pub roles: Vec<String>,
}

/// The OIDC relying party.
#[derive(Debug)]
pub struct Oidc {
    issuer: String,
    client_id: String,
    client_secret: Option<Secret>,
    roles_claim: String,
    redirect_uri: String,
    http: reqwest::Client,
    metadata: RwLock<Option<Arc<Metadata>>>,
    keys: RwLock<(Option<Arc<JwkSet>>, Option<Instant>)>,
}

fn trim_slash(s: &str) -> &str {
    s.trim_end_matches('/')
}

impl Oidc {
    /// A relying party for `issuer`, answering at `redirect_uri`.
    pub fn new(
        issuer: String,
        client_id: String,
        client_secret: Option<Secret>,
        roles_claim: String,
        redirect_uri: String,
        timeout: Duration,
    ) -> Result<Self, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        Ok(Self {
            issuer,
            client_id,
            client_secret,
            roles_claim,
            redirect_uri,
            http,
            metadata: RwLock::new(None),
            keys: RwLock::new((None, None)),
        })
    }

    /// The callback URL registered with the provider.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The provider's metadata, fetched once.
    pub async fn metadata(&self) -> Result<Arc<Metadata>, OidcError> {
        if let Some(m) = self.metadata.read().await.as_ref() {
            return Ok(m.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", trim_slash(&self.issuer));
        let m: Metadata = self.get_json(&url).await?;
        if trim_slash(&m.issuer) != trim_slash(&self.issuer) {
            return Err(OidcError::Provider(format!(
                "the discovery document names issuer `{}`, expected `{}`",
                m.issuer, self.issuer
            )));
        }
        let m = Arc::new(m);
        *self.metadata.write().await = Some(m.clone());
        Ok(m)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let resp = self.http.get(url).send().await.map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(OidcError::Provider(format!("{url} answered {}", resp.status())));
        }
        let bytes = resp.bytes().await.map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
        serde_json::from_slice(&bytes).map_err(|e| OidcError::Provider(format!("{url}: {e}")))
    }

    /// The URL to send the browser to, for a sign-in with this state, nonce and PKCE verifier.
    pub async fn authorize_url(&self, state: &str, nonce: &str, verifier: &str) -> Result<String, OidcError> {
        let m = self.metadata().await?;
        let mut url = url::Url::parse(&m.authorization_endpoint)
            .map_err(|e| OidcError::Provider(format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", "openid profile email")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchanges the code and verifies the id token it brings.
    pub async fn exchange(&self, code: &str, verifier: &str, nonce: &str) -> Result<Identity, OidcError> {
        let m = self.metadata().await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", verifier),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose()));
        }
        let resp = self
            .http
            .post(&m.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            let err = body.get("error").and_then(Value::as_str).unwrap_or("error");
            let desc = body.get("error_description").and_then(Value::as_str).unwrap_or("");
            return Err(OidcError::Provider(format!("the code exchange was refused ({status}): {err} {desc}")));
        }
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or_else(|| OidcError::Provider("the token response has no id_token".into()))?;
        self.verify(id_token, nonce, &m).await
    }

    async fn key_for(&self, kid: Option<&str>, m: &Metadata) -> Result<DecodingKey, OidcError> {
        for attempt in 0..2 {
            let (set, fetched) = self.keys.read().await.clone();
            if let Some(set) = &set {
                let jwk = match kid {
                    Some(kid) => set.find(kid),
                    None if set.keys.len() == 1 => set.keys.first(),
                    None => None,
                };
                if let Some(jwk) = jwk {
                    return DecodingKey::from_jwk(jwk).map_err(|e| OidcError::Token(format!("unusable key: {e}")));
                }
            }
            let recently = fetched.is_some_and(|t| t.elapsed() < Duration::from_secs(30));
            if attempt == 1 || (set.is_some() && recently) {
                break;
            }
            let fresh: JwkSet = self.get_json(&m.jwks_uri).await?;
            *self.keys.write().await = (Some(Arc::new(fresh)), Some(Instant::now()));
        }
        Err(OidcError::Token(format!("no signing key `{}`", kid.unwrap_or("(none)"))))
    }

    /// Verifies an id token: signature against the provider's keys (asymmetric
    /// algorithms only), issuer, audience, expiry and nonce.
    pub async fn verify(&self, id_token: &str, nonce: &str, m: &Metadata) -> Result<Identity, OidcError> {
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| OidcError::Token(e.to_string()))?;
        let allowed = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
            Algorithm::ES256,
            Algorithm::ES384,
        ];
        if !allowed.contains(&header.alg) {
            return Err(OidcError::Token(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let key = self.key_for(header.kid.as_deref(), m).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[m.issuer.as_str()]);
        validation.set_audience(&[self.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        let data = jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, &validation)
            .map_err(|e| OidcError::Token(e.to_string()))?;
        let claims = data.claims;
        let got_nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !crate::security::constant_time_eq(got_nonce, nonce) {
            return Err(OidcError::Token("the nonce does not match this sign-in".into()));
        }
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
        let email = claims.get("email").and_then(Value::as_str).map_or_else(|| subject.clone(), str::to_owned);
        let name = claims.get("name").and_then(Value::as_str).map(str::to_owned);
        let roles = match claims.get(&self.roles_claim) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        Ok(Identity { subject, email, name, roles })
    }
}
