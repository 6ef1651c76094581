//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn ApisPage() -> impl IntoView { view! { <p>"ApisPage"</p> } }
/// Page.
#[component]
pub fn ApiPage() -> impl IntoView { view! { <p>"ApiPage"</p> } }
