//! A local Auth0 tenant for development, tests and benchmarks.
//!
//! The emulator answers every operation of Auth0's specs (the model's
//! [catalog](gatehouse_model::catalog)): the rows of the
//! [operation table](gatehouse_model::operation) by hand-written handlers, the
//! rest by the shape of their catalog entry ([`generic`]), at the paths Auth0 serves them
//! (`/api/v2/...` for the Management API, `/api/...` for the Teams API), with
//! Auth0's status codes, error bodies, paging shapes and rate-limit headers.
//! Tokens are real RS256 JWTs from `POST /oauth/token`, verifiable with the
//! JWKS at `/.well-known/jwks.json`; admins sign in to the BFF through an
//! OpenID Connect authorization-code flow with PKCE.
//!
//! The tenant is generated from a seed (users, roles, applications,
//! connections, organizations, grants, APIs, log history, a team with
//! tenants) and lives in memory, or in SQLite with `--data`.
//!
//! Run it with `gatehouse emulator`, start it inside a test with
//! [`Emulator::start`], or mount [`Emulator::router`] in another axum app.

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod faults;
pub mod generic;
pub mod handlers;
pub mod ids;
pub mod jobs;
pub mod keys;
pub mod logs;
pub mod multipart;
pub mod oidc;
pub mod password;
pub mod query;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod server;
pub mod skeletons;
pub mod store;
pub mod streams;
pub mod token;

pub use config::Config;
pub use error::ApiError;
pub use faults::FaultSpec;
pub use server::{AppState, Credentials, Emulator, EmulatorHandle, Urls, serve};
