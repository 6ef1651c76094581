//! `/`: counts per area, the latest events (live, from the BFF's event
//! feed, when a log stream feeds it), recent failed sign-ins and the
//! rate-limit budget.

use crate::api::{self, Fut};
use crate::components::{PageHeader, Panel, loaded};
use crate::hooks::use_me;
use crate::logic::format::count;
use crate::routes::logs::log_table;
use gatehouse_model::Page;
use gatehouse_model::operation::Operation;
use gatehouse_model::ops::{Offset, clients, connections, logs, organizations, resource_servers, roles, users};
use gatehouse_model::types::LogEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use serde::Deserialize;

#[derive(Deserialize)]
struct Total {
    total: Option<u64>,
}

/// The total of a list, read with a one-item page without decoding the item.
fn total<O: Operation>(op: O) -> Fut<u64> {
    let sending = api::exec(api::prepare(&op));
    Box::pin(async move { Ok(api::decode::<Total>(&sending.await?)?.total.unwrap_or(0)) })
}

fn one() -> Offset {
    Offset::page(0, 1)
}

fn count_of(area: &str) -> Fut<u64> {
    match area {
        "users" => total(users::List { offset: one(), ..Default::default() }),
        "roles" => total(roles::List { offset: one(), ..Default::default() }),
        "applications" => total(clients::List { offset: one(), ..Default::default() }),
        "connections" => total(connections::List { offset: one(), ..Default::default() }),
        "organizations" => total(organizations::List { offset: one(), ..Default::default() }),
        _ => total(resource_servers::List { offset: one(), ..Default::default() }),
    }
}

const CARDS: [(&str, &str, &str); 6] = [
    ("users", "Users", "/users"),
    ("roles", "Roles", "/roles"),
    ("applications", "Applications", "/applications"),
    ("connections", "Connections", "/connections"),
    ("organizations", "Organizations", "/organizations"),
    ("apis", "APIs", "/apis"),
];

/// The overview page.
#[component]
pub fn Overview() -> impl IntoView {
    let me = use_me();
    let cards = CARDS
        .into_iter()
        .filter(|(area, _, _)| me.permissions.can_read(area))
        .map(|(area, label, href)| {
            let n = api::resource(move || count_of(area));
            view! {
                <A href=href attr:class="card">
                    <span class="card-label">{label}</span>
                    <span class="card-value">
                        {move || match n.get() {
                            Some(Ok(v)) => api::value::<u64>(&v).map_or_else(String::new, |v| count(*v)),
                            Some(Err(_)) => "—".into(),
                            None => "…".into(),
                        }}
                    </span>
                </A>
            }
        })
        .collect_view();
    let failures = me.permissions.can_read("logs").then(|| {
        let recent = api::resource(|| {
            let op = logs::List {
                q: Some("type:f OR type:fp OR type:fu OR type:fs OR type:fsa".into()),
                sort: Some("date:-1".into()),
                offset: Offset { page: Some(0), per_page: Some(10), include_totals: None },
                ..Default::default()
            };
            api::call(op)
        });
        view! {
            <Panel title="Recent failures">
                {loaded(recent, |page: &Page<LogEvent>| log_table(&page.items, "No failed sign-ins recently."))}
            </Panel>
        }
    });
    let latest = me.permissions.can_read("logs").then(|| view! { <LatestEvents /> });
    let budget = api::budget();
    view! {
        <PageHeader title="Overview" subtitle="The tenant at a glance." />
        <div class="cards">{cards}</div>
        <Panel title="Rate-limit budget">
            <p data-testid="budget-detail">
                {move || {
                    let b = budget.get();
                    match (b.remaining, b.limit) {
                        (Some(r), Some(l)) => {
                            let reset = b
                                .reset
                                .map(|r| format!(", refilled by {} UTC", crate::logic::format::date_time(&crate::logic::time::to_iso(r as i64 * 1000))))
                                .unwrap_or_default();
                            format!("{r} of {l} Management API requests left in the current window{reset}.")
                        }
                        _ => "No request has reported the budget yet.".to_owned(),
                    }
                }}
            </p>
        </Panel>
        {latest}
        {failures}
    }
}

/// Events shown on the overview.
const LATEST: usize = 10;

/// The latest events, live: shown only when a log stream feeds the BFF.
#[component]
fn LatestEvents() -> impl IntoView {
    let status = LocalResource::new(api::events_status);
    move || match status.get() {
        Some(Ok(s)) if s.streaming && s.can_read => view! { <LatestStream /> }.into_any(),
        _ => ().into_any(),
    }
}

#[component]
fn LatestStream() -> impl IntoView {
    use crate::api::feed::{FeedState, follow};
    let events = RwSignal::new(Vec::<LogEvent>::new());
    let state = RwSignal::new(FeedState::Connecting);
    follow(LATEST as u32, state, move |e| {
        events.update(|list| {
            list.insert(0, e);
            list.truncate(LATEST);
        });
    });
    view! {
        <Panel title="Latest events">
            <p class="help" role="status" data-testid="latest-state">{move || state.get().describe()}</p>
            <div data-testid="latest-events">{move || log_table(&events.get(), "No events yet.")}</div>
        </Panel>
    }
}
