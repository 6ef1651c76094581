//! Coordination with other clients of the same tenant (other processes,
//! other machines): hooks for a shared token cache and a shared rate
//! budget. Several BFF instances implement them on their database, so
//! that together they ask for one token per token lifetime and stay
//! within the tenant's one rate-limit bucket.

use crate::error::TokenError;
use crate::rt::{BoxFuture, MaybeSend, MaybeSync};
use gatehouse_model::Secret;
use gatehouse_model::operation::Api;
use std::fmt;
use std::time::Duration;

/// A token cache shared with other clients.
///
/// The client still keeps each token in memory for its lifetime; it asks
/// the shared cache only when it has none (or is due to refresh, or the
/// tenant rejected it), and the shared cache calls `fetch` only when no
/// client holds a valid token, once for all of them (single flight).
pub trait SharedTokens: MaybeSend + MaybeSync + fmt::Debug {
    /// The token for `audience` and how long it stays valid: a shared one
    /// still valid that is not `rejected`, else the one `fetch` gets (and
    /// the cache keeps for the others).
    fn token<'a>(
        &'a self,
        audience: &'a str,
        rejected: Option<&'a Secret>,
        fetch: BoxFuture<'a, Result<(Secret, Duration), TokenError>>,
    ) -> BoxFuture<'a, Result<(Secret, Duration), TokenError>>;
}

/// A rate budget shared with other clients: the tenant's bucket.
pub trait SharedBudget: MaybeSend + MaybeSync + fmt::Debug {
    /// Reserves the slot for one request to `api`; resolves to how long
    /// to wait before sending it. Slots are handed out across every client
    /// sharing the budget, so that together they stay within it.
    fn reserve(&self, api: Api) -> BoxFuture<'_, Duration>;
}
