//! An application's API access: the client grants that let it get tokens
//! for APIs (client credentials), each API's scopes as checkboxes.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, Panel, TableOpts, action_status, field, loaded, on_success, pick_button, picking, table,
    use_row_pick,
};
use crate::hooks::{can_read, can_write};
use crate::routes::permissions::{ScopeBoxes, api_select, apis, scopes_of};
use crate::routes::text;
use gatehouse_model::Page;
use gatehouse_model::generated::catalog as cat;
use gatehouse_model::types::ResourceServer;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Value, json};

fn columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols: Vec<Column<Value>> = vec![
        Column::new("API", |v| view! { <span class="wrap">{field(v, "audience")}</span> }.into_any()),
        Column::new("Scopes", |v| view! { <span class="wrap">{field(v, "scope")}</span> }.into_any()),
        Column::new("Grant ID", |v| text(field(v, "id"))),
    ];
    if writable {
        cols.push(Column::new("", |v| pick_button(v, "Revoke", format!("Revoke access to {}", field(v, "audience")))));
    }
    cols
}

/// The API access of the application `client_id`.
#[component]
pub fn ApiAccess(client_id: String) -> impl IntoView {
    if !can_read("clientGrants") {
        return view! { <p class="note">"Your Gatehouse role does not give access to client grants."</p> }.into_any();
    }
    let writable = can_write("clientGrants");
    let cid = StoredValue::new(client_id);
    let list = api::resource(move || {
        let sending = api::send(
            &cat::CLIENT_GRANTS_LIST,
            &[],
            &[("client_id", cid.get_value()), ("per_page", "100".into())],
            None,
        );
        Box::pin(async move { Ok(api::items(&sending.await?, "client_grants")) })
    });
    let grants = Signal::derive(move || match list.get() {
        Some(Ok(d)) => api::value::<Vec<Value>>(&d).cloned().unwrap_or_default(),
        _ => Vec::new(),
    });
    let (pick, open) = use_row_pick();
    let revoke = api::job(move || {
        let gid = pick.get_untracked().map(|v| field(&v, "id")).unwrap_or_default();
        let sending = api::send(&cat::CLIENT_GRANTS_DELETE, &[&gid], &[], None);
        Box::pin(async move { sending.await.map(|_| "Access revoked.".to_owned()) })
    });
    on_success(revoke, move |_| list.refetch());
    let audience = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    // The grant the chosen API already has, if any: its scopes are ticked and saving changes them.
    let existing = Memo::new(move |_| {
        let aud = audience.get();
        grants.get().into_iter().find(|g| field(g, "audience") == aud)
    });
    Effect::new(move |_| {
        let scopes = existing
            .get()
            .and_then(|g| g.get("scope").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        chosen.set(scopes);
    });
    let save = api::job(move || {
        let scope = chosen.get_untracked();
        let sending = match existing.get_untracked() {
            Some(g) => api::send(&cat::CLIENT_GRANTS_UPDATE, &[&field(&g, "id")], &[], Some(json!({ "scope": scope }))),
            None => api::send(
                &cat::CLIENT_GRANTS_CREATE,
                &[],
                &[],
                Some(json!({ "client_id": cid.get_value(), "audience": audience.get_untracked(), "scope": scope })),
            ),
        };
        let updating = existing.get_untracked().is_some();
        Box::pin(async move {
            sending.await.map(|_| if updating { "Scopes saved." } else { "API access granted." }.to_owned())
        })
    });
    on_success(save, move |_| list.refetch());
    let all = apis();
    view! {
        <Panel title="API access">
            <p class="help">
                "The APIs this application may call on its own behalf (client credentials), with the scopes its tokens carry."
            </p>
            {action_status(revoke)}
            {picking(pick, move || loaded(list, move |rows: &Vec<Value>| {
                table(rows, &columns(writable), None, TableOpts::new("API access", "This application may call no API on its own behalf."))
            }))}
        </Panel>
        {writable.then(|| view! {
            <Panel title="Authorize an API">
                <form class="form" aria-label="Authorize an API" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    save.dispatch(());
                }>
                    {loaded(all, move |apis: &Page<ResourceServer>| {
                        let apis = apis.clone();
                        view! {
                            {api_select(&apis, audience, true)}
                            {move || {
                                let aud = audience.get();
                                (!aud.is_empty()).then(|| view! { <ScopeBoxes scopes=scopes_of(&apis, &aud) chosen=chosen /> })
                            }}
                        }
                    })}
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || audience.get().is_empty() || save.pending().get()>
                            {move || if existing.get().is_some() { "Save scopes" } else { "Authorize" }}
                        </button>
                    </div>
                    {action_status(save)}
                </form>
            </Panel>
        })}
        <ConfirmDialog open=open title="Revoke this API access?" confirm_label="Revoke access" destructive=true on_confirm=move |()| {
            revoke.dispatch(());
        }>
            <p>"The application can no longer get tokens for this API. Tokens already issued stay valid until they expire."</p>
        </ConfirmDialog>
    }
    .into_any()
}
