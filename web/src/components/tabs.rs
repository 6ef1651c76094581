//! Tabs kept in the URL (`?tab=`), as links so they are bookmarkable and keyboard-usable.

use crate::logic::url_state::merge_query;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The tab strip; `tabs` are `(key, label)`, the first is the default.
#[component]
pub fn Tabs(tabs: Vec<(&'static str, &'static str)>, active: Memo<String>) -> impl IntoView {
    let location = use_location();
    let first = tabs.first().map(|t| t.0).unwrap_or_default();
    view! {
        <nav class="tabs" aria-label="Sections">
            {tabs
                .into_iter()
                .map(|(key, label)| {
                    let href = move || {
                        let tab = (key != first).then(|| key.to_owned());
                        format!(
                            "{}{}",
                            location.pathname.get(),
                            merge_query(&location.search.get(), &[("tab", tab), ("page", None)]),
                        )
                    };
                    let current = move || {
                        let a = active.get();
                        (a == key || (a.is_empty() && key == first)).then_some("page")
                    };
                    view! {
                        <a href=href aria-current=current class="tab">
                            {label}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
