//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn AuditPage() -> impl IntoView { view! { <p>"AuditPage"</p> } }
