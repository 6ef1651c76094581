//! The progress of a bulk job, announced as it moves.

use gatehouse_client::Progress;
use leptos::prelude::*;

/// A progress bar with counts.
#[component]
pub fn BulkProgress(progress: RwSignal<Option<Progress>>) -> impl IntoView {
    move || {
        progress.get().map(|p| {
            let text = format!(
                "{} of {} done: {} succeeded, {} failed",
                p.done, p.total, p.succeeded, p.failed
            );
            view! {
                <div class="bulk-progress">
                    <progress max=p.total.max(1).to_string() value=p.done.to_string() aria-label="Bulk action progress"></progress>
                    <p role="status" aria-live="polite">{text}</p>
                </div>
            }
        })
    }
}
