//! `/apis/:id`: settings, scopes (add, remove), delete.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, Facts, PageHeader, Panel, TableOpts, TextField, action_status, loaded, on_success, picks,
    table,
};
use crate::hooks::can_write;
use crate::routes::{mono, text, use_id};
use gatehouse_model::ops::resource_servers;
use gatehouse_model::types::{ResourceServer, ResourceServerScope, UpdateResourceServer};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The scope a row's Remove button picked.
#[derive(Clone, Copy)]
struct RemovingScope(RwSignal<Option<String>>);

fn scope_columns(writable: bool) -> Vec<Column<ResourceServerScope>> {
    let mut cols: Vec<Column<ResourceServerScope>> = vec![
        Column::new("Scope", |s| mono(s.value.clone().unwrap_or_default())),
        Column::new("Description", |s| text(s.description.clone().unwrap_or_default())),
    ];
    if writable {
        cols.push(Column::new("", |s| {
            let value = s.value.clone().unwrap_or_default();
            let Some(RemovingScope(pick)) = use_context::<RemovingScope>() else { return ().into_any() };
            let aria = format!("Remove the scope {value}");
            picks(pick, value, "Remove", aria)
        }));
    }
    cols
}

/// The API page.
#[component]
pub fn ApiPage() -> impl IntoView {
    let id = use_id();
    let res = api::resource(move || api::call(resource_servers::Get::new(id.get())));
    let message = RwSignal::new(None::<String>);
    let changed = crate::components::reload_with_flash(res, message);
    view! {
        {crate::components::flash(message)}
    {loaded(res, move |r: &ResourceServer| view! { <ApiView api=r.clone() on_changed=changed /> })}
    }
}

#[component]
fn ApiView(api: ResourceServer, on_changed: Callback<String>) -> impl IntoView {
    let writable = can_write("apis") && api.is_system != Some(true);
    let id = api.id.clone().unwrap_or_default();
    let scopes = api.scopes.clone().unwrap_or_default();
    let value = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let existing = scopes.clone();
    let uid = id.clone();
    let add = api::job(move || {
        let mut scope: ResourceServerScope = api::blank();
        scope.value = Some(value.get_untracked().trim().to_owned());
        scope.description = Some(description.get_untracked().trim().to_owned()).filter(|d| !d.is_empty());
        let mut all = existing.clone();
        all.push(scope);
        let mut body = UpdateResourceServer::default();
        body.scopes = Some(all);
        api::run(resource_servers::Update::new(uid.clone(), body), "Scope added.")
    });
    on_success(add, move |m| on_changed.run(m));
    let removing = RwSignal::new(None::<String>);
    provide_context(RemovingScope(removing));
    let confirm_remove = RwSignal::new(false);
    Effect::new(move |_| {
        if removing.get().is_some() && !confirm_remove.get_untracked() {
            confirm_remove.set(true);
        }
    });
    Effect::new(move |_| {
        if !confirm_remove.get() && removing.get_untracked().is_some() {
            removing.set(None);
        }
    });
    let (kept, rid) = (scopes.clone(), id.clone());
    let chosen = StoredValue::new(String::new());
    let remove = api::job(move || {
        let gone = chosen.get_value();
        let mut body = UpdateResourceServer::default();
        body.scopes = Some(kept.iter().filter(|s| s.value.as_deref() != Some(gone.as_str())).cloned().collect());
        api::run(resource_servers::Update::new(rid.clone(), body), "Scope removed.")
    });
    on_success(remove, move |m| on_changed.run(m));
    let did = id.clone();
    let delete = api::job(move || api::run(resource_servers::Delete::new(did.clone()), "API deleted."));
    let navigate = use_navigate();
    on_success(delete, move |_| navigate("/apis", Default::default()));
    let confirm = RwSignal::new(false);
    let title = api.name.clone().unwrap_or_else(|| id.clone());
    let facts = vec![
        ("Identifier", api.identifier.clone().unwrap_or_default()),
        ("Signing algorithm", api.signing_alg.as_ref().map(|a| a.as_str().to_owned()).unwrap_or_default()),
        ("Token lifetime", api.token_lifetime.map(|t| format!("{t} s")).unwrap_or_default()),
        ("Allow offline access", if api.allow_offline_access == Some(true) { "Yes".into() } else { "No".into() }),
        ("RBAC enforced", if api.enforce_policies == Some(true) { "Yes".into() } else { "No".into() }),
    ];
    let scope_table = table(&scopes, &scope_columns(writable), None, TableOpts::new("Scopes", "No scopes defined."));
    view! {
        <PageHeader title=title subtitle=id.clone()>
            {writable.then(|| view! { <button type="button" class="btn danger" on:click=move |_| confirm.set(true)>"Delete"</button> })}
        </PageHeader>
        <Panel title="Settings">
            <Facts facts=facts />
        </Panel>
        <Panel title="Scopes">
            {scope_table}
            {writable.then(|| view! {
                <form class="form inline-form" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    add.dispatch(());
                }>
                    <TextField label="Scope" value=value required=true placeholder="read:invoices" />
                    <TextField label="Description" value=description />
                    <button type="submit" class="btn primary" disabled=move || value.get().trim().is_empty() || add.pending().get()>"Add scope"</button>
                </form>
                {action_status(add)}
            })}
        </Panel>
        {action_status(delete)}
        {action_status(remove)}
        <ConfirmDialog open=confirm_remove title="Remove this scope?" confirm_label="Remove scope" destructive=true on_confirm=move |()| {
            if let Some(v) = removing.get_untracked() {
                chosen.set_value(v);
                remove.dispatch(());
            }
        }>
            <p>"Applications and roles lose it; tokens already issued keep it until they expire."</p>
        </ConfirmDialog>
        <ConfirmDialog open=confirm title="Delete this API?" confirm_label="Delete API" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"Applications can no longer get tokens for it. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
