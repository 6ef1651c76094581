//! `/log-streams`: where the tenant sends its logs (webhooks, Datadog,
//! EventBridge, ...): list, pause or resume, delete. The BFF withholds
//! their credentials from principals that may not see secrets.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, PageHeader, TableOpts, action_status, field, loaded, on_success, pick_button, picking,
    table, use_row_pick,
};
use crate::hooks::can_write;
use crate::routes::{badge, mono, text};
use gatehouse_model::generated::catalog as cat;
use leptos::prelude::*;
use serde_json::{Value, json};

/// What a row's Pause / Resume button picked.
#[derive(Clone, Copy)]
struct Toggle(RwSignal<Option<Value>>);

fn columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols: Vec<Column<Value>> = vec![
        Column::new("Stream", |v| text(field(v, "name"))),
        Column::new("Type", |v| text(field(v, "type"))),
        Column::new("Status", |v| match field(v, "status").as_str() {
            "active" => badge("Active", "good"),
            "paused" => badge("Paused", ""),
            _ => badge("Suspended", "bad"),
        }),
        Column::new("ID", |v| mono(field(v, "id"))),
    ];
    if writable {
        cols.push(Column::new("", |v| {
            let Some(Toggle(toggle)) = use_context::<Toggle>() else { return ().into_any() };
            let row = v.clone();
            let label = if field(v, "status") == "active" { "Pause" } else { "Resume" };
            let aria = format!("{label} the stream {}", field(v, "name"));
            view! {
                <div class="row-actions">
                    <button type="button" class="btn small nowrap" aria-label=aria on:click=move |_| toggle.set(Some(row.clone()))>{label}</button>
                    {pick_button(v, "Delete", format!("Delete the stream {}", field(v, "name")))}
                </div>
            }
            .into_any()
        }));
    }
    cols
}

/// The log streams page.
#[component]
pub fn LogStreamsPage() -> impl IntoView {
    let writable = can_write("logStreams");
    let list = api::resource(|| {
        let sending = api::send(&cat::LOG_STREAMS_LIST, &[], &[], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "log_streams")) })
    });
    let toggle = RwSignal::new(None::<Value>);
    provide_context(Toggle(toggle));
    let flip = api::job(move || {
        let row = toggle.get_untracked().unwrap_or(Value::Null);
        let next = if field(&row, "status") == "active" { "paused" } else { "active" };
        let sending = api::send(&cat::LOG_STREAMS_UPDATE, &[&field(&row, "id")], &[], Some(json!({ "status": next })));
        Box::pin(async move {
            sending.await.map(|_| if next == "active" { "Stream resumed." } else { "Stream paused." }.to_owned())
        })
    });
    Effect::new(move |_| {
        if toggle.get().is_some() {
            flip.dispatch(());
        }
    });
    on_success(flip, move |_| list.refetch());
    let (pick, open) = use_row_pick();
    let delete = api::job(move || {
        let sid = pick.get_untracked().map(|v| field(&v, "id")).unwrap_or_default();
        let sending = api::send(&cat::LOG_STREAMS_DELETE, &[&sid], &[], None);
        Box::pin(async move { sending.await.map(|_| "Stream deleted.".to_owned()) })
    });
    on_success(delete, move |_| list.refetch());
    view! {
        <PageHeader title="Log streams" subtitle="Where the tenant's logs are sent as they happen." />
        {action_status(flip)}
        {action_status(delete)}
        {picking(pick, move || loaded(list, move |rows: &Vec<Value>| table(rows, &columns(writable), None, TableOpts::new("Log streams", "No log streams."))))}
        <ConfirmDialog open=open title="Delete this log stream?" confirm_label="Delete stream" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"Logs stop flowing to it at once. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
