//! Reads and writes: a resource shown with loading and error states, and
//! the status line of an action. Both are non-generic (see [`crate::api`]).

use super::{ErrorView, Loading, error_fallback};
use crate::api::{Data, Job, Res};
use leptos::prelude::*;
use std::sync::Arc;

type Render = Arc<dyn Fn(&Data) -> AnyView + Send + Sync>;

fn loaded_dyn(resource: Res, render: Render) -> AnyView {
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            <ErrorBoundary fallback=error_fallback>
                {move || {
                    let render = render.clone();
                    Suspend::new(async move { resource.await.map(|d| render(&d)) })
                }}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}

/// Shows a resource loaded as `T`: a loading state until it is there (the
/// old value stays while it reloads), then `render` of it, or the error.
pub fn loaded<T, V>(resource: Res, render: impl Fn(&T) -> V + Send + Sync + 'static) -> AnyView
where
    T: 'static,
    V: IntoView + 'static,
{
    loaded_dyn(
        resource,
        Arc::new(move |d: &Data| match d.downcast_ref::<T>() {
            Some(v) => render(v).into_any(),
            None => ().into_any(),
        }),
    )
}

/// The status of an action: working, done (its message), or its error.
pub fn action_status(job: Job) -> AnyView {
    view! {
        <div class="action-status" aria-live="polite">
            {move || {
                if job.pending().get() {
                    view! { <p class="working">"Working…"</p> }.into_any()
                } else {
                    match job.value().get() {
                        Some(Ok(done)) => view! { <p class="done">{done}</p> }.into_any(),
                        Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                        None => ().into_any(),
                    }
                }
            }}
        </div>
    }
    .into_any()
}

/// Runs `then` each time the job succeeds, with its output.
pub fn on_success(job: Job, then: impl Fn(String) + 'static) {
    Effect::new(move |_| {
        if let Some(Ok(out)) = job.value().get() {
            then(out);
        }
    });
}

/// A page-level "done" message that outlives the re-render after a reload.
pub fn flash(message: RwSignal<Option<String>>) -> AnyView {
    view! {
        <div class="action-status" role="status" aria-live="polite">
            {move || message.get().map(|m| view! { <p class="done">{m}</p> })}
        </div>
    }
    .into_any()
}

/// A callback for detail views: shows `message` as a flash and reloads `resource`.
pub fn reload_with_flash(resource: crate::api::Res, message: RwSignal<Option<String>>) -> Callback<String> {
    Callback::new(move |m: String| {
        message.set(Some(m));
        resource.refetch();
    })
}
