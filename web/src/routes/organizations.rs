//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn OrganizationsPage() -> impl IntoView { view! { <p>"OrganizationsPage"</p> } }
/// Page.
#[component]
pub fn OrganizationPage() -> impl IntoView { view! { <p>"OrganizationPage"</p> } }
