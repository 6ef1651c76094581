//! The properties the fuzz targets check, one function per target.
//!
//! Each module is also compiled into the owning crate's tests (with
//! `#[path]`), where proptest runs the same functions, so `cargo test`
//! checks the same properties wherever the fuzzer cannot run.

#![forbid(unsafe_code)]

pub mod decode;
pub mod lucene;
pub mod path;

/// The emulator's Lucene-subset parser, compiled from its source (see Cargo.toml).
#[path = "../../crates/emulator/src/search.rs"]
pub mod search;
