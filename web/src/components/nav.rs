//! The side navigation: only the areas the principal may read.

use crate::logic::permissions::{APPROVALS, Permissions, visible_nav};
use crate::routes::approvals::PendingCount;
use leptos::prelude::*;
use leptos_router::components::A;

/// Seconds between the navigation's checks of the pending approvals.
const PENDING_EVERY_MS: u32 = 15_000;

/// Keeps the count of pending approvals fresh while the navigation is shown.
fn poll_pending(count: RwSignal<Option<u64>>) {
    let alive = RwSignal::new(true);
    on_cleanup(move || alive.set(false));
    leptos::task::spawn_local(async move {
        while alive.try_get_untracked().unwrap_or(false) {
            if let Ok(pending) = crate::api::pending_approvals().await
                && alive.try_get_untracked().unwrap_or(false)
            {
                count.set(Some(pending));
            }
            gloo_timers::future::TimeoutFuture::new(PENDING_EVERY_MS).await;
        }
    });
}

/// The badge beside an entry: the pending approvals beside Approvals.
fn entry_badge(href: &str) -> Option<AnyView> {
    let PendingCount(count) = use_context::<PendingCount>().filter(|_| href == "/approvals")?;
    Some(
        (move || {
            count.get().filter(|n| *n > 0).map(|n| {
                let label = format!("{n} waiting for a decision");
                view! { <span class="badge warn nav-count" data-testid="pending-count" title=label.clone() aria-label=label>{n}</span> }
            })
        })
        .into_any(),
    )
}

/// The navigation, grouped by section.
#[component]
pub fn Nav(permissions: Permissions) -> impl IntoView {
    let items = visible_nav(&permissions);
    if permissions.can_read(APPROVALS)
        && let Some(PendingCount(count)) = use_context::<PendingCount>()
    {
        poll_pending(count);
    }
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
                                                    {entry_badge(i.href)}
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
