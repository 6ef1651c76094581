//! The pages, one module per area.

pub mod actions;
pub mod apis;
pub mod applications;
pub mod approvals;
pub mod audit;
pub mod connections;
pub mod explorer;
pub mod grants;
pub mod keys;
pub mod log_streams;
pub mod logs;
pub mod organizations;
mod overview;
pub mod permissions;
pub mod roles;
pub mod settings;
pub mod teams;
pub mod users;

pub use overview::Overview;

use crate::logic::pages::detail_of;
use crate::logic::url_state::encode_component;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

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

/// The id of a detail page, decoded from the path. Leaving the page for a
/// list (after a delete) keeps the last id, so the page's reads do not run
/// again for the list's name (`GET /api/v2/users/users`).
pub fn use_id() -> Memo<String> {
    let location = use_location();
    Memo::new(move |prev: Option<&String>| {
        detail_of(&location.pathname.get()).or_else(|| prev.cloned()).unwrap_or_default()
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

/// A date and time in a table cell, kept on one line.
pub fn when(iso: Option<&str>) -> AnyView {
    let s = crate::logic::format::or_dash(iso.map(crate::logic::format::date_time).as_deref());
    view! { <span class="nowrap">{s}</span> }.into_any()
}

/// The notice a list shows after a detail page deleted something and came
/// back with `?deleted=NAME`.
pub fn deleted_notice(what: &'static str) -> impl IntoView {
    let name = crate::hooks::use_query_value("deleted");
    move || {
        let who = name.get();
        (!who.is_empty()).then(|| {
            view! { <p class="alert success" role="status" data-testid="deleted">{format!("Deleted {what} {who}.")}</p> }
        })
    }
}
