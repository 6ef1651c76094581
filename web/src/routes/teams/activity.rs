//! `/teams/activity`: the team's activity log, filtered by time, type and status.

use super::cursor_pager;
use crate::api;
use crate::components::{Column, PageHeader, TableOpts, TextField, loaded, table};
use crate::hooks::{qget, use_query_pairs, use_set_query};
use crate::logic::format::or_dash;
use crate::routes::{badge, text, when};
use gatehouse_model::Page;
use gatehouse_model::ops::{Checkpoint, teams};
use gatehouse_model::teams::ActivityLogEntry;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

fn columns() -> Vec<Column<ActivityLogEntry>> {
    vec![
        Column::new("When", |e| when(e.created_at.as_deref())),
        Column::new("Who", |e| text(e.actor.as_ref().and_then(|a| a.name.clone()).unwrap_or_default())),
        Column::new("Type", |e| text(e.kind.as_ref().map(|k| k.as_str().to_owned()).unwrap_or_default())),
        Column::new("Event", |e| text(e.current_event.clone().unwrap_or_default())),
        Column::new("Status", |e| match e.status.as_ref().map(|s| s.as_str()) {
            Some("Success") => badge("Success", "good"),
            Some("Failure") => badge("Failure", "bad"),
            _ => ().into_any(),
        }),
        Column::new("IP", |e| text(or_dash(e.ip.as_deref()))),
    ]
}

/// The team activity page.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let q = move |k: &'static str| Memo::new(move |_| qget(&pairs.get(), k));
    let (from, since, until, kind, status) = (q("from"), q("since"), q("until"), q("type"), q("status"));
    let list = api::resource(move || {
        let mut op = teams::ListActivity::new();
        let set = |m: Memo<String>| Some(m.get()).filter(|v| !v.is_empty());
        op.checkpoint = Checkpoint { from: set(from), take: Some(50) };
        op.since = set(since);
        op.until = set(until);
        op.r#type = set(kind);
        op.status = set(status);
        api::call(op)
    });
    let f = |m: Memo<String>| RwSignal::new(m.get_untracked());
    let (f_since, f_until, f_kind, f_status) = (f(since), f(until), f(kind), f(status));
    let set_query = use_set_query();
    view! {
        <PageHeader title="Team activity" subtitle="What the team's members did." />
        <form class="filters grid3" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            let v = |s: RwSignal<String>| Some(s.get_untracked());
            set_query(vec![("since", v(f_since)), ("until", v(f_until)), ("type", v(f_kind)), ("status", v(f_status)), ("from", None)]);
        }>
            <TextField label="Since" value=f_since input_type="date" />
            <TextField label="Until" value=f_until input_type="date" />
            <TextField label="Type" value=f_kind placeholder="Team Member" />
            <TextField label="Status" value=f_status placeholder="Success or Failure" />
            <div class="actions"><button type="submit" class="btn primary">"Filter"</button></div>
        </form>
        {loaded(
            list,
            move |page: &Page<ActivityLogEntry>| {
                view! {
                    {table(&page.items, &columns(), None, TableOpts::new("Team activity", "No activity."))}
                    {cursor_pager(page.next().map(str::to_owned), from.get_untracked().is_empty(), page.items.len())}
                }
            },
        )}
    }
}
