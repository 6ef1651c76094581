//! Paging controls with totals, and Auth0's 1,000-result window explained.

use crate::hooks::use_set_query;
use crate::logic::format::{count, range};
use crate::logic::url_state::PER_PAGE_CHOICES;
use gatehouse_model::paging::RESULT_WINDOW;
use leptos::prelude::*;

/// Previous / next, the range shown, the page size, and the result window note.
#[component]
pub fn Pager(
    page: u64,
    per_page: u64,
    /// Rows on this page.
    shown: u64,
    /// Matches in all, when the API says.
    total: Option<u64>,
    /// Whether the list is offset-paged and so capped at 1,000 results.
    #[prop(optional)]
    windowed: bool,
) -> impl IntoView {
    let set_query = use_set_query();
    let reached = (page + 1) * per_page;
    let has_next = match total {
        Some(t) => reached < t,
        None => shown == per_page,
    } && !(windowed && reached >= RESULT_WINDOW);
    let window_note = total.filter(|t| windowed && *t > RESULT_WINDOW).map(|t| {
        let at_end = reached >= RESULT_WINDOW;
        format!(
            "{} match. Auth0 returns only the first {} results of a search{}: narrow the search (for example by email domain or creation date) to reach the others.",
            count(t),
            count(RESULT_WINDOW),
            if at_end { ", and this is the last page it allows" } else { "" }
        )
    });
    let (prev_q, next_q, size_q) = (set_query.clone(), set_query.clone(), set_query);
    view! {
        <nav class="pager" aria-label="Pages">
            <p class="range" aria-live="polite">{range(page, per_page, shown, total)}</p>
            <div class="pager-controls">
                <label class="inline">
                    "Rows per page "
                    <select on:change=move |ev| {
                        size_q(vec![("per_page", Some(event_target_value(&ev))), ("page", None)])
                    }>
                        {PER_PAGE_CHOICES
                            .iter()
                            .map(|n| view! { <option value=n.to_string() selected=*n == per_page>{n.to_string()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button
                    type="button"
                    class="btn"
                    disabled=page == 0
                    on:click=move |_| prev_q(vec![("page", (page > 1).then(|| (page - 1).to_string()))])
                >
                    "← Previous"
                </button>
                <button
                    type="button"
                    class="btn"
                    disabled=!has_next
                    on:click=move |_| next_q(vec![("page", Some((page + 1).to_string()))])
                >
                    "Next →"
                </button>
            </div>
            {window_note.map(|n| view! { <p class="note window-note" role="note">{n}</p> })}
        </nav>
    }
}
