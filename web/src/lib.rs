//! Gatehouse console.
use leptos::prelude::*;

/// Mounts the console.
pub fn start() {
    leptos::mount::mount_to_body(|| view! { <p>"hello"</p> });
}
