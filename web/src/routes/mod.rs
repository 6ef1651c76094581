//! The pages, one module per area.

pub mod apis;
pub mod applications;
pub mod audit;
pub mod connections;
pub mod grants;
pub mod logs;
mod overview;
pub mod organizations;
pub mod roles;
pub mod teams;
pub mod users;

pub use overview::Overview;

use crate::logic::url_state::{decode_component, encode_component};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The page for an unknown address.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <div class="center">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address. Pick an area in the navigation."</p>
        </div>
    }
}

/// A detail page's link: `/users/auth0%7C123`.
pub fn href(base: &str, id: &str) -> String {
    format!("{base}/{}", encode_component(id))
}

/// The `:id` of a detail page, decoded.
pub fn use_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| {
        let raw = params.read().get("id").unwrap_or_default();
        if raw.contains('%') { decode_component(&raw) } else { raw }
    })
}

/// A small coloured label.
pub fn badge(text: &'static str, kind: &'static str) -> AnyView {
    view! { <span class=format!("badge {kind}")>{text}</span> }.into_any()
}

/// Text in a table cell.
pub fn text(s: impl Into<String>) -> AnyView {
    let s: String = s.into();
    view! { <span>{s}</span> }.into_any()
}

/// Monospace text (ids).
pub fn mono(s: impl Into<String>) -> AnyView {
    let s: String = s.into();
    view! { <code class="id">{s}</code> }.into_any()
}
