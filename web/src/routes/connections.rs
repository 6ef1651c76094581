//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn ConnectionsPage() -> impl IntoView { view! { <p>"ConnectionsPage"</p> } }
/// Page.
#[component]
pub fn ConnectionPage() -> impl IntoView { view! { <p>"ConnectionPage"</p> } }
