//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn GrantsPage() -> impl IntoView { view! { <p>"GrantsPage"</p> } }
