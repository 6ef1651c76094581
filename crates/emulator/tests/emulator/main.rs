//! Integration tests of the emulator, over HTTP against `Emulator::start`.

mod common;
mod exercise;

mod concurrency;
mod decode;
mod every;
mod faults;
mod http;
mod oidc;
mod operations;
mod persistence;
mod ratelimit;
mod schema;
mod search;
mod streams;
