//! Gatehouse's admin console: a client-side-rendered Leptos app, served by
//! the BFF, that calls the BFF through the Gatehouse client in cookie mode.
//!
//! - [`logic`]: pure functions (URL state, Lucene from plain text, JSON
//!   validation, permissions, chart buckets), tested on the host and in Chromium.
//! - [`api`]: the shared client, the BFF's own endpoints, errors as shown.
//! - [`components`]: the shared component set (table, pager, dialogs, fields...).
//! - [`routes`]: one module per page.
//! - [`split`]: the pages whose code loads on their first visit.

#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod components;
pub mod hooks;
pub mod logic;
pub mod routes;
pub mod split;

/// Mounts the console on the page's body.
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
