//! Bulk actions on selected users: preview, run under the client's shared
//! pacing (`client.bulk`) with a progress bar, per-item results, and a retry
//! of only the failed items.
//!
//! The principal's own user is left out of blocks, deletes and role changes,
//! and roles it may not give are not offered; the server refuses the rest
//! (users who hold more than the principal), and each refusal is listed with its message.

use crate::api::{self, UiError};
use crate::components::{BulkProgress, ConfirmDialog, Select};
use crate::hooks::{can_read, use_guard};
use crate::logic::bulk::{BulkAction, Target, preview};
use crate::routes::roles::role_choices;
use futures::future::LocalBoxFuture;
use gatehouse_client::{BulkReport, Client, ClientError, Progress};
use gatehouse_model::ops::users;
use gatehouse_model::types::{AssignUserRoles, UpdateUser};
use leptos::prelude::*;

/// One item of a bulk job.
#[derive(Debug, Clone)]
pub struct Item {
    target: Target,
    action: BulkAction,
}

type Task = fn(Client, Item) -> LocalBoxFuture<'static, Result<(), ClientError>>;
type Report = BulkReport<Item, Task, ()>;

/// How many calls run at once; the client's pacer spaces them.
const CONCURRENCY: usize = 4;

fn blocked(b: bool) -> UpdateUser {
    let mut body = UpdateUser::default();
    body.blocked = Some(b);
    body
}

fn task(client: Client, item: Item) -> LocalBoxFuture<'static, Result<(), ClientError>> {
    let id = item.target.id;
    let prepared = match item.action {
        BulkAction::Block => api::prepare(&users::Update::new(id, blocked(true))),
        BulkAction::Unblock => api::prepare(&users::Update::new(id, blocked(false))),
        BulkAction::Delete => api::prepare(&users::Delete::new(id)),
        BulkAction::AssignRole(role, _) => api::prepare(&users::AssignRoles::new(id, AssignUserRoles::new(vec![role]))),
    };
    Box::pin(async move {
        let raw = prepared.map_err(|e| ClientError::Config(e.message))?;
        api::send_raw(&client, raw).await.map(drop)
    })
}

/// The result of one item, as shown.
#[derive(Debug, Clone, PartialEq)]
struct ItemResult {
    label: String,
    error: Option<UiError>,
}

fn results(report: &Report) -> Vec<ItemResult> {
    report
        .outcomes()
        .map(|o| ItemResult { label: o.item.target.label.clone(), error: o.result.as_ref().err().map(UiError::from) })
        .collect()
}

/// The bar above the users table: actions on the selection, and the job's progress and results.
#[component]
pub fn BulkBar(
    /// The users chosen in the table.
    selected: RwSignal<Vec<Target>>,
    /// Called after a job ran, to reload the table.
    on_done: Callback<()>,
) -> impl IntoView {
    let pending = RwSignal::new(None::<BulkAction>);
    let confirm = RwSignal::new(false);
    let running = RwSignal::new(false);
    let progress = RwSignal::new(None::<Progress>);
    let outcome = RwSignal::new(Vec::<ItemResult>::new());
    let report = StoredValue::new_local(None::<Report>);
    let role = RwSignal::new(String::new());
    let guard = use_guard();
    let all_roles = role_choices(can_read("roles"));
    let (g, shown) = (guard.clone(), StoredValue::new(guard.clone()));
    let roles = Signal::derive(move || g.assignable(all_roles.get()));

    let ask = move |action: BulkAction| {
        pending.set(Some(action));
        confirm.set(true);
    };
    let finish = move |r: Report| {
        outcome.set(results(&r));
        report.set_value(Some(r));
        running.set(false);
        on_done.run(());
    };
    let run = move |()| {
        let Some(action) = pending.get_untracked() else { return };
        let p = preview(&action, &selected.get_untracked(), &guard);
        let items: Vec<Item> =
            p.changes.into_iter().map(|(target, _)| Item { target, action: action.clone() }).collect();
        running.set(true);
        outcome.set(Vec::new());
        progress.set(Some(Progress { total: items.len(), ..Progress::default() }));
        leptos::task::spawn_local(async move {
            let r = api::client()
                .bulk(items, CONCURRENCY, task as Task)
                .on_progress(move |p| progress.set(Some(p)))
                .run()
                .await;
            selected.set(Vec::new());
            finish(r);
        });
    };
    let retry = move |_| {
        let Some(r) = report.try_update_value(Option::take).flatten() else { return };
        running.set(true);
        leptos::task::spawn_local(async move {
            let r = r.retry_failed().await;
            finish(r);
        });
    };
    let failed = move || outcome.with(|o| o.iter().filter(|r| r.error.is_some()).count());
    // Refusals (403) fail again on a retry: offer it only when something else failed.
    let retryable = move || outcome.with(|o| o.iter().any(|r| r.error.as_ref().is_some_and(|e| !e.is_denied())));
    let role_options = move || roles.get();
    let assign = move |_| {
        let id = role.get_untracked();
        let name = role_options().into_iter().find(|(r, _)| *r == id).map(|(_, n)| n).unwrap_or_else(|| id.clone());
        if !id.is_empty() {
            ask(BulkAction::AssignRole(id, name));
        }
    };
    let title = move || {
        pending.get().map(|a| format!("{} {} selected users?", a.label(), selected.get().len())).unwrap_or_default()
    };
    let body = move || {
        let Some(action) = pending.get() else { return ().into_any() };
        let p = shown.with_value(|g| preview(&action, &selected.get(), g));
        view! {
            <p>{format!("{} will change:", p.changes.len())}</p>
            <ul class="preview">
                {p.changes.into_iter().map(|(t, c)| view! { <li>{format!("{} — {c}", t.label)}</li> }).collect_view()}
            </ul>
            {(!p.unchanged.is_empty())
                .then(|| {
                    view! {
                        <p>{format!("{} unchanged:", p.unchanged.len())}</p>
                        <ul class="preview muted">
                            {p.unchanged.into_iter().map(|(t, why)| view! { <li>{format!("{} — {why}", t.label)}</li> }).collect_view()}
                        </ul>
                    }
                })}
            {p.note.map(|n| view! { <p class="help">{n}</p> })}
            {action.is_destructive().then(|| view! { <p class="warn">"This cannot be undone."</p> })}
        }
        .into_any()
    };
    let destructive = Memo::new(move |_| pending.get().is_some_and(|a| a.is_destructive()));
    view! {
        <section class="bulk" aria-label="Bulk actions">
            <div class="bulk-bar">
                <span class="count" aria-live="polite">
                    {move || format!("{} selected", selected.with(Vec::len))}
                </span>
                <button type="button" class="btn" disabled=move || selected.with(Vec::is_empty) || running.get() on:click=move |_| ask(BulkAction::Block)>
                    "Block"
                </button>
                <button type="button" class="btn" disabled=move || selected.with(Vec::is_empty) || running.get() on:click=move |_| ask(BulkAction::Unblock)>
                    "Unblock"
                </button>
                <button type="button" class="btn danger" disabled=move || selected.with(Vec::is_empty) || running.get() on:click=move |_| ask(BulkAction::Delete)>
                    "Delete"
                </button>
                {move || {
                    let options = role_options();
                    (!options.is_empty())
                        .then(|| {
                            let mut all = vec![(String::new(), "Choose a role…".to_owned())];
                            all.extend(options);
                            view! {
                                <div class="inline-form">
                                    <Select label="Role" value=role options=all />
                                    <button type="button" class="btn" disabled=move || selected.with(Vec::is_empty) || running.get() || role.get().is_empty() on:click=assign>
                                        "Assign role"
                                    </button>
                                </div>
                            }
                        })
                }}
                <button type="button" class="btn link" disabled=move || selected.with(Vec::is_empty) on:click=move |_| selected.set(Vec::new())>
                    "Clear selection"
                </button>
            </div>
            <BulkProgress progress=progress />
            {move || {
                let list = outcome.get();
                (!list.is_empty() && !running.get())
                    .then(|| {
                        view! {
                            <div class="bulk-results">
                                <h2>"Results"</h2>
                                <ul>
                                    {list
                                        .into_iter()
                                        .map(|r| match r.error {
                                            None => view! { <li class="ok">"✓ " {r.label}</li> }.into_any(),
                                            Some(e) => view! { <li class="failed">"✗ " {r.label} ": " {e.to_string()}</li> }.into_any(),
                                        })
                                        .collect_view()}
                                </ul>
                                {move || retryable()
                                    .then(|| view! {
                                        <button type="button" class="btn primary" on:click=retry>
                                            {format!("Retry {} failed", failed())}
                                        </button>
                                    })}
                            </div>
                        }
                    })
            }}
            <ConfirmDialog open=confirm title=Signal::derive(title) confirm_label="Run" destructive=destructive on_confirm=run>
                {body}
            </ConfirmDialog>
        </section>
    }
}
