//! The side navigation: only the areas the principal may read.

use crate::logic::permissions::{Permissions, visible_nav};
use leptos::prelude::*;
use leptos_router::components::A;

/// The navigation, grouped by section.
#[component]
pub fn Nav(permissions: Permissions) -> impl IntoView {
    let items = visible_nav(&permissions);
    let mut sections: Vec<(&'static str, Vec<_>)> = Vec::new();
    for item in items {
        match sections.iter_mut().find(|(s, _)| *s == item.section) {
            Some((_, list)) => list.push(item),
            None => sections.push((item.section, vec![item])),
        }
    }
    view! {
        <nav class="sidenav" aria-label="Main">
            <A href="/" exact=true attr:class="navlink">
                "Overview"
            </A>
            {sections
                .into_iter()
                .map(|(section, list)| {
                    view! {
                        <div class="navsection">
                            <h2>{section}</h2>
                            <ul>
                                {list
                                    .into_iter()
                                    .map(|i| {
                                        view! {
                                            <li>
                                                <A href=i.href attr:class="navlink">
                                                    {i.label}
                                                </A>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                })
                .collect_view()}
        </nav>
    }
}
