//! The Teams API: tenants, members (with tenant access) and the team's activity.

mod activity;
mod members;
mod tenants;

pub use activity::ActivityPage;
pub use members::MembersPage;
pub use tenants::TenantsPage;

use crate::hooks::use_set_query;
use leptos::prelude::*;

/// Checkpoint paging controls: the first page, and the next from the page's cursor.
pub fn cursor_pager(next: Option<String>, on_first: bool, shown: usize) -> AnyView {
    let set_query = use_set_query();
    let sq = set_query.clone();
    view! {
        <nav class="pager" aria-label="Pages">
            <p class="range" aria-live="polite">{format!("{shown} shown")}</p>
            <div class="pager-controls">
                <button type="button" class="btn" disabled=on_first on:click=move |_| sq(vec![("from", None)])>
                    "First page"
                </button>
                <button type="button" class="btn" disabled=next.is_none() on:click=move |_| set_query(vec![("from", next.clone())])>
                    "Next →"
                </button>
            </div>
        </nav>
    }
    .into_any()
}
