//! `/connections/:id`: details, the strategy's options form, enabled
//! applications, the provisioning ticket URL (enterprise), delete.

use super::options_form::OptionsState;
use crate::api;
use crate::components::{ConfirmDialog, Facts, PageHeader, Panel, action_status, loaded, on_success};
use crate::hooks::can_write;
use crate::logic::strategies::{is_enterprise, name};
use crate::routes::use_id;
use gatehouse_model::ops::connections;
use gatehouse_model::types::{Connection, UpdateConnection};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The connection page.
#[component]
pub fn ConnectionPage() -> impl IntoView {
    let id = use_id();
    let conn = api::resource(move || api::call(connections::Get::new(id.get())));
    let message = RwSignal::new(None::<String>);
    let changed = crate::components::reload_with_flash(conn, message);
    view! {
        {crate::components::flash(message)}
    {loaded(conn, move |c: &Connection| view! { <ConnectionView conn=c.clone() on_changed=changed /> })}
    }
}

#[component]
fn ConnectionView(conn: Connection, on_changed: Callback<String>) -> impl IntoView {
    let writable = can_write("connections");
    let id = conn.id.clone().unwrap_or_default();
    let strategy = conn.strategy.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default();
    let options = conn.options.clone().unwrap_or_default();
    let state = OptionsState::new(&strategy, &options);
    let form = state.view(&options, !writable);
    let before = options.clone();
    let uid = id.clone();
    let save = api::job(move || {
        let mut body = UpdateConnection::default();
        let sending = state.apply(&before).map(|o| {
            body.options = Some(o);
            api::run(connections::Update::new(uid.clone(), body), "Options saved.")
        });
        Box::pin(async move { sending.map_err(api::UiError::msg)?.await })
    });
    on_success(save, move |m| on_changed.run(m));
    let did = id.clone();
    let delete = api::job(move || api::run(connections::Delete::new(did.clone()), "Connection deleted."));
    let navigate = use_navigate();
    on_success(delete, move |_| navigate("/connections", Default::default()));
    let confirm = RwSignal::new(false);
    let title = conn.display_name.clone().or_else(|| conn.name.clone()).unwrap_or_else(|| id.clone());
    let facts = vec![
        ("Name", conn.name.clone().unwrap_or_default()),
        ("Strategy", format!("{} ({strategy})", name(&strategy))),
        ("Enabled applications", conn.enabled_clients.as_ref().map_or(0, Vec::len).to_string()),
        ("Realms", conn.realms.clone().unwrap_or_default().join(", ")),
    ];
    let ticket = is_enterprise(&strategy).then(|| {
        let url = conn.provisioning_ticket_url.clone();
        view! {
            <Panel title="Provisioning ticket">
                {match url {
                    Some(u) => view! {
                        <p>"Send this URL to the identity provider's administrator to finish setting up the connection:"</p>
                        <p><code class="url" data-testid="ticket-url">{u}</code></p>
                    }
                    .into_any(),
                    None => view! { <p class="note">"Auth0 did not return a provisioning ticket URL for this connection."</p> }
                        .into_any(),
                }}
            </Panel>
        }
    });
    view! {
        <PageHeader title=title subtitle=id.clone()>
            {writable.then(|| view! { <button type="button" class="btn danger" on:click=move |_| confirm.set(true)>"Delete"</button> })}
        </PageHeader>
        <Panel title="Details">
            <Facts facts=facts />
        </Panel>
        {ticket}
        <Panel title="Options">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                save.dispatch(());
            }>
                {form}
                {writable.then(|| view! {
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save options"</button>
                    </div>
                })}
                {action_status(save)}
            </form>
        </Panel>
        {action_status(delete)}
        <ConfirmDialog open=confirm title="Delete this connection?" confirm_label="Delete connection" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"Its users are deleted with it and cannot sign in any more. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
