//! Authentication: a fixed token, client credentials with a cached token
//! per audience, or none (cookie mode, for a page calling the BFF).

use crate::rt::Clock;
use gatehouse_model::Secret;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use web_time::SystemTime;

/// How the client authenticates.
///
/// `Debug` never shows a secret.
#[derive(Debug, Clone)]
pub enum Auth {
    /// A bearer token obtained elsewhere, sent as it is. A 401 is returned
    /// to the caller: the client cannot get a new one.
    Token(Secret),
    /// Machine-to-machine: exchange the application's credentials at
    /// `POST /oauth/token` for a token per audience (the Management API and
    /// the Teams API have different audiences). Tokens are cached and
    /// reused for their lifetime, refreshed shortly before they expire, and
    /// concurrent calls share one token request.
    ClientCredentials {
        /// The application's client id.
        client_id: String,
        /// The application's client secret.
        client_secret: Secret,
        /// The audiences to ask tokens for; derived from the base URLs when unset.
        audiences: Audiences,
    },
    /// Cookie mode, for calling the BFF from a browser page: no
    /// `Authorization` header, `X-CSRF: 1` on every request, and fetch with
    /// `credentials: include` so the session cookie goes along.
    None,
}

impl Auth {
    /// Client credentials with the default audiences.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Self::ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            audiences: Audiences::default(),
        }
    }

    /// A fixed bearer token.
    pub fn token(token: impl Into<Secret>) -> Self {
        Self::Token(token.into())
    }
}

/// Token audiences for client credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audiences {
    /// Management API audience; default `{tenant origin}/api/v2/`.
    pub management: Option<String>,
    /// Teams API audience; default `{teams origin}/teams/` (the emulator's and the
    /// BFF's convention); set it to your team's audience for the real Teams API.
    pub teams: Option<String>,
}

/// A token and when to stop using it.
#[derive(Debug, Clone)]
struct Cached {
    token: Secret,
    refresh_at: SystemTime,
}

/// One audience's cache. The async mutex is held while a token is fetched,
/// so callers that need a token at the same time wait for that one request
/// instead of sending their own (single flight). Dropping the fetching
/// future releases the lock and the next waiter fetches.
#[derive(Debug, Default)]
struct Slot {
    cached: futures::lock::Mutex<Option<Cached>>,
}

/// The token cache shared by all clones of a client (and the npm package's
/// send loop): one token per audience, fetched by one caller at a time.
#[derive(Debug, Default)]
pub struct TokenCache {
    /// One slot per audience (a client uses one or two: a list, not a map).
    slots: Mutex<Vec<(String, Arc<Slot>)>>,
}

/// How long before expiry a token is replaced: 10% of its lifetime, at most 60 s.
pub(crate) fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

impl TokenCache {
    fn slot(&self, audience: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, slot)) = slots.iter().find(|(a, _)| a == audience) {
            return slot.clone();
        }
        let slot = Arc::<Slot>::default();
        slots.push((audience.to_owned(), slot.clone()));
        slot
    }

    /// A valid token for `audience`, fetching one with `fetch` when none is
    /// cached, the cached one is due for refresh, or it is `rejected` (the
    /// token a 401 answered). `fetch` returns the token and its lifetime.
    pub async fn get<F, Fut, E>(
        &self,
        clock: &dyn Clock,
        audience: &str,
        rejected: Option<&Secret>,
        fetch: F,
    ) -> Result<Secret, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(Secret, Duration), E>>,
    {
        let slot = self.slot(audience);
        let mut cached = slot.cached.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = clock.now() < c.refresh_at;
            if fresh && rejected != Some(&c.token) {
                return Ok(c.token.clone());
            }
        }
        let (token, lifetime) = fetch().await?;
        let refresh_at = clock.now() + lifetime.saturating_sub(refresh_margin(lifetime));
        *cached = Some(Cached { token: token.clone(), refresh_at });
        Ok(token)
    }

    /// Forgets every cached token.
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_ten_percent_capped_at_a_minute() {
        assert_eq!(refresh_margin(Duration::from_secs(86_400)), Duration::from_secs(60));
        assert_eq!(refresh_margin(Duration::from_secs(100)), Duration::from_secs(10));
    }

    #[test]
    fn debug_redacts_secrets() {
        let auth = Auth::client_credentials("id", "very-secret");
        assert!(!format!("{auth:?}").contains("very-secret"));
        assert!(!format!("{:?}", Auth::token("tok-123")).contains("tok-123"));
    }
}
