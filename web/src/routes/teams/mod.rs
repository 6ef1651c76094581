//! Stub.
use leptos::prelude::*;
/// Page.
#[component]
pub fn TenantsPage() -> impl IntoView { view! { <p>"TenantsPage"</p> } }
/// Page.
#[component]
pub fn MembersPage() -> impl IntoView { view! { <p>"MembersPage"</p> } }
/// Page.
#[component]
pub fn ActivityPage() -> impl IntoView { view! { <p>"ActivityPage"</p> } }
