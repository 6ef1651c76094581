//! Reads and writes: a resource shown with loading and error states, and
//! the status line of an action.

use super::{ErrorView, Loading, error_fallback};
use crate::api::UiError;
use leptos::prelude::*;

/// Shows a resource: a loading state until it is there (the old value stays
/// while it reloads), then `render` of its value, or the error.
pub fn loaded<T, V>(
    resource: LocalResource<Result<T, UiError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || {
                    let render = render.clone();
                    Suspend::new(async move { resource.await.map(render) })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

/// The status of an action: working, done, or its error.
pub fn action_status<I, O>(action: Action<I, Result<O, UiError>>, done: &'static str) -> impl IntoView
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    view! {
        <div class="action-status" aria-live="polite">
            {move || {
                if action.pending().get() {
                    view! { <p class="working">"Working…"</p> }.into_any()
                } else {
                    match action.value().get() {
                        Some(Ok(_)) => view! { <p class="done">{done}</p> }.into_any(),
                        Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                        None => ().into_any(),
                    }
                }
            }}
        </div>
    }
}
