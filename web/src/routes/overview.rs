//! `/`: counts per area, recent failed sign-ins and the rate-limit budget.

use crate::api::{self, UiError};
use crate::components::{PageHeader, Panel, loaded};
use crate::hooks::use_me;
use crate::logic::format::count;
use crate::routes::logs::log_table;
use gatehouse_client::rt::MaybeSend;
use gatehouse_client::{ItemOf, ListOp, PageOf, Request};
use leptos::prelude::*;
use leptos_router::components::A;

/// The total of a list, read with a one-item page.
async fn total<O>(request: Request<O>) -> Result<u64, UiError>
where
    O: ListOp,
    ItemOf<O>: MaybeSend + 'static,
{
    let page = api::send(request.page(0).per_page(1).include_totals(true)).await?;
    Ok(page.into_page().total().unwrap_or(0))
}

async fn count_of(area: &'static str) -> Result<u64, UiError> {
    let c = api::client();
    match area {
        "users" => total(c.users().list()).await,
        "roles" => total(c.roles().list()).await,
        "applications" => total(c.clients().list()).await,
        "connections" => total(c.connections().list()).await,
        "organizations" => total(c.organizations().list()).await,
        "apis" => total(c.resource_servers().list()).await,
        _ => Ok(0),
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
            let n = LocalResource::new(move || count_of(area));
            view! {
                <A href=href attr:class="card">
                    <span class="card-label">{label}</span>
                    <span class="card-value">
                        {move || match n.get() {
                            Some(Ok(v)) => count(v),
                            Some(Err(_)) => "—".into(),
                            None => "…".into(),
                        }}
                    </span>
                </A>
            }
        })
        .collect_view();
    let failures = me.permissions.can_read("logs").then(|| {
        let recent = LocalResource::new(|| async {
            let q = "type:f OR type:fp OR type:fu OR type:fs OR type:fsa";
            api::send(api::client().logs().search(q).sort("date:-1").per_page(10)).await.map(|p| p.items)
        });
        view! {
            <Panel title="Recent failures">
                {loaded(recent, |events| log_table(events, "No failed sign-ins recently."))}
            </Panel>
        }
    });
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
                                .map(|r| format!(", refilled by {}", crate::logic::time::to_iso(r as i64 * 1000)))
                                .unwrap_or_default();
                            format!("{r} of {l} Management API requests left in the current window{reset}.")
                        }
                        _ => "No request has reported the budget yet.".to_owned(),
                    }
                }}
            </p>
        </Panel>
        {failures}
    }
}
