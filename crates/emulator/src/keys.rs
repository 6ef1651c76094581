//! The tenant's signing key: an RSA key derived from the seed, the JWKS that
//! publishes it, and RS256 signing and checking of tokens.
//!
//! Deriving the key from the seed keeps tokens valid across restarts of a
//! persisted tenant. Generating a 2048-bit key is the slowest part of a
//! start, so keys are cached per seed for the life of the process (tests and
//! benchmarks start many emulators).

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Mixed into the seed so the key's random stream differs from the data's.
const KEY_STREAM: u64 = 0x6b65_7973_5f72_7361;

/// A signing key and its public half.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Key id, in the `kid` header of every token.
    pub kid: String,
    /// The JSON Web Key Set served at `/.well-known/jwks.json`.
    pub jwks: Value,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Why a bearer token was refused, worded as Auth0 words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Expired.
    Expired,
    /// Issued for another API.
    BadAudience(String),
    /// Bad signature, issuer or format.
    Invalid,
}

impl TokenError {
    /// The message of the 401 answer.
    pub fn message(&self) -> String {
        match self {
            TokenError::Expired => "Expired token received for JSON Web Token validation".into(),
            TokenError::BadAudience(expected) => format!("Bad audience: {expected}"),
            TokenError::Invalid => "Invalid token".into(),
        }
    }
}

fn install_provider() {
    // Selects the pure-Rust backend explicitly, so that another crate of the
    // build enabling a second backend cannot leave jsonwebtoken undecided.
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}

impl Keys {
    /// The key for `seed`, generated once per process.
    pub fn for_seed(seed: u64) -> anyhow::Result<Arc<Keys>> {
        static CACHE: OnceLock<Mutex<HashMap<u64, Arc<Keys>>>> = OnceLock::new();
        install_provider();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(keys) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&seed) {
            return Ok(keys.clone());
        }
        let keys = Arc::new(Self::generate(seed)?);
        cache.lock().unwrap_or_else(|e| e.into_inner()).insert(seed, keys.clone());
        Ok(keys)
    }

    fn generate(seed: u64) -> anyhow::Result<Keys> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ KEY_STREAM);
        let private = RsaPrivateKey::new(&mut rng, 2048).context("generating the RSA signing key")?;
        let der = private.to_pkcs1_der().context("encoding the RSA key")?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(n.as_bytes())[..16]);
        let decoding = DecodingKey::from_rsa_components(&n, &e).context("building the verification key")?;
        let jwks = json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": kid,
                "n": n,
                "e": e,
            }]
        });
        Ok(Keys { encoding: EncodingKey::from_rsa_der(der.as_bytes()), decoding, kid, jwks })
    }

    /// Signs `claims` with RS256.
    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).context("signing a token")
    }

    /// Checks a token's signature, issuer, audience and expiry; returns its claims.
    pub fn verify(&self, token: &str, issuer: &str, audience: &str) -> Result<Value, TokenError> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match jsonwebtoken::decode::<Value>(token, &self.decoding, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidAudience => TokenError::BadAudience(audience.to_owned()),
                _ => TokenError::Invalid,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let keys = Keys::for_seed(99).unwrap();
        let again = Keys::for_seed(99).unwrap();
        assert_eq!(keys.kid, again.kid);
        let now = crate::clock::now_secs();
        let claims =
            json!({"iss": "http://x/", "sub": "c@clients", "aud": "http://x/api/v2/", "exp": now + 60, "iat": now});
        let token = keys.sign(&claims).unwrap();
        assert_eq!(keys.verify(&token, "http://x/", "http://x/api/v2/").unwrap()["sub"], "c@clients");
        assert!(matches!(keys.verify(&token, "http://x/", "http://x/teams/"), Err(TokenError::BadAudience(_))));
        assert_eq!(keys.verify("a.b.c", "http://x/", "http://x/api/v2/"), Err(TokenError::Invalid));
        let old =
            keys.sign(&json!({"iss": "http://x/", "sub": "s", "aud": "http://x/api/v2/", "exp": now - 10})).unwrap();
        assert_eq!(keys.verify(&old, "http://x/", "http://x/api/v2/"), Err(TokenError::Expired));
        let mut tampered = token.clone();
        tampered.pop();
        assert!(keys.verify(&tampered, "http://x/", "http://x/api/v2/").is_err());
    }
}
