//! Gatehouse's client for the Auth0 Management API v2 and the Teams API.
//!
//! The typed model ([`gatehouse_model`]) turns operations into HTTP requests
//! and responses into typed values; this crate sends them, on the host
//! (reqwest, rustls) and in the browser (fetch), and takes care of what a
//! tool administering a tenant must get right:
//!
//! - **Authentication** ([`Auth`]): a fixed token; client credentials with
//!   a token cached per audience, refreshed before it expires, fetched once
//!   however many calls wait for it, and renewed once on a 401; or cookie
//!   mode for a page calling the BFF (`X-CSRF: 1`, `credentials: include`).
//! - **Rate limits** ([`Pacing`]): a shared pacer mirrors the server's
//!   bucket from the `x-ratelimit-*` headers and keeps a local token bucket
//!   (15/s, bursts of 50 by default), so a steady job does not hit 429; a
//!   429 that still happens is waited out and sent again.
//! - **Retries** ([`RetryPolicy`]): server errors, timeouts and lost
//!   connections are retried with backoff and jitter for idempotent
//!   requests only; a POST or PATCH is never sent twice unless the server
//!   certainly did not process it.
//! - **Typed errors** ([`ClientError`]): status, Auth0 error code,
//!   message, rate limit; validation, decode errors with the JSON path, the
//!   1,000-result window; transport and token errors.
//! - **Every operation of both specs, by Auth0's names** ([`resources`]):
//!   `users.permissions.list` is `client.users().permissions().list(id)`,
//!   with the generated body and answer types and query setters checked
//!   against the spec before sending ([`Call`]); **paging streams** over
//!   every list, a log **tail**, **bulk** jobs ([`Bulk`]) and helpers that
//!   avoid N+1 round trips.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gatehouse_client::ClientError> {
//! use futures::TryStreamExt;
//! use gatehouse_client::{Auth, Client};
//!
//! let client = Client::builder()
//!     .domain("acme.eu.auth0.com")
//!     .auth(Auth::client_credentials("CLIENT_ID", "CLIENT_SECRET"))
//!     .build()?;
//! let page = client.users().list().q("email:*@acme.com").per_page(50).send().await?;
//! println!("{} users, {:?} in all", page.value.items.len(), page.value.total());
//! let orgs: Vec<_> = client.organizations().list().stream().try_collect().await?;
//! let perms: Vec<_> = client.users().permissions().list("auth0|123").stream().try_collect().await?;
//! let brute_force = client.attack_protection().brute_force_protection().get().value().await?;
//! # Ok(()) }
//! ```
//!
//! Every call is a future; dropping it cancels the call (see [`Client`]).

#![forbid(unsafe_code)]

mod attempts;
mod auth;
mod bulk;
mod call;
mod client;
mod error;
mod pacer;
mod paging;
mod raw;
mod request;
pub mod resources;
pub mod rt;
pub mod shared;
pub mod transport;

pub use attempts::{Attempts, gave_up};
pub use auth::{Audiences, Auth, TokenCache};
pub use bulk::{Bulk, BulkReport, Outcome, Progress};
pub use call::{Call, CallItem, CatalogOp, ListCatalogOp, OptionalBody, QueryArg, RawCall, count_pages};
pub use client::{CSRF_HEADER, Client, ClientBuilder, Decision, Metrics, Retries, RetryPolicy};
pub use error::{ClientError, TokenError, TransportError};
pub use pacer::{Pacer, Pacing};
pub use paging::{DEFAULT_PER_PAGE, DEFAULT_TAKE};
pub use raw::RawRequest;
pub use request::{ItemOf, ListOp, PageOf, Request};
pub use rt::{Clock, SystemClock};
pub use shared::{SharedBudget, SharedTokens};
pub use transport::Transport;

pub use gatehouse_model as model;
pub use gatehouse_model::{Page, RateLimit, Response, Secret};

/// The Rust examples of the repository's README, compiled as doc tests so
/// that they keep up with the client's names.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
