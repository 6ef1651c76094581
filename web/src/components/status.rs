//! Loading, empty and error states.

use crate::api::UiError;
use leptos::prelude::*;

/// A loading indicator, announced to screen readers.
#[component]
pub fn Loading(#[prop(optional, into)] what: Option<String>) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {format!("Loading {}…", what.unwrap_or_default())}
        </p>
    }
}

/// What an empty list says.
#[component]
pub fn Empty(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="empty">{message}</p> }
}

/// An error with its title, Auth0's message and code.
#[component]
pub fn ErrorView(error: UiError) -> impl IntoView {
    let code = match (error.status, error.code.clone()) {
        (Some(s), Some(c)) => format!("HTTP {s} · {c}"),
        (Some(s), None) => format!("HTTP {s}"),
        (None, Some(c)) => c,
        (None, None) => String::new(),
    };
    let hint = error.hint();
    view! {
        <div class="alert error" role="alert">
            <strong>{error.title()}</strong>
            <p>{error.message.clone()}</p>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {(!code.is_empty()).then(|| view! { <p class="code">{code}</p> })}
        </div>
    }
}

/// The fallback of every `ErrorBoundary`.
pub fn error_fallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="alert error" role="alert">
            {move || {
                errors
                    .get()
                    .into_iter()
                    .map(|(_, e)| view! { <p>{e.to_string()}</p> })
                    .collect_view()
            }}
        </div>
    }
}
