//! `/logs`: search, sign-in chart, live tail.

mod table;

pub use table::log_table;

use leptos::prelude::*;

/// The logs page.
#[component]
pub fn LogsPage() -> impl IntoView {
    view! { <p>"logs"</p> }
}
