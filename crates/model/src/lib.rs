//! Gatehouse's typed model of the Auth0 Management API v2 and the Auth0 Teams API.
//!
//! This crate is sans-IO, in the manner of `kube-core`: it turns typed
//! operations into plain [`http::Request`]s and turns [`http::Response`]s back
//! into typed values or a typed [`Error`]. It owns no HTTP client, so the same
//! model serves the host client, the WebAssembly package, the BFF and the
//! tenant emulator.
//!
//! The [`operation`] table is the single list of supported operations: the
//! client builds requests from it, the BFF derives its allowlist and policy
//! from it, and the emulator routes by it.

#![forbid(unsafe_code)]

pub mod body;
pub mod catalog;
pub mod connection_options;
pub mod describe;
pub mod error;
pub mod generated;
pub mod log_type;
pub mod message;
pub mod object;
pub mod operation;
pub mod ops;
pub mod paging;
pub mod path;
pub mod policy;
pub mod rate_limit;
pub mod request;
pub mod scope;
pub mod secret;
pub mod token;
pub mod walk;

pub use error::{
    ApiError, DecodeError, Error, ErrorBody, ErrorField, ErrorFields, ErrorSummary, QueryError, ValidationError,
    summarize,
};
pub use generated::management as types;
pub use generated::teams;
pub use object::Extra;
pub use operation::{Access, Api, OPERATIONS, Operation, OperationId, OperationSpec, Paging, Resource, Verb};
pub use paging::Page;
pub use rate_limit::RateLimit;
pub use request::{BaseUrls, Response};
pub use secret::Secret;
