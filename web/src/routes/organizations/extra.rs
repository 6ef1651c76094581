//! An organization's invitations and enabled connections, through the
//! catalog's operations.

use crate::api::{self, names};
use crate::components::{
    Checkbox, Column, ConfirmDialog, Panel, Select, TableOpts, TextField, action_status, field, loaded, on_success,
    pick_button, picking, table, use_row_pick,
};
use crate::hooks::can_write;
use crate::routes::{text, when};
use gatehouse_model::generated::catalog as cat;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Value, json};

/// Invitations and enabled connections of the organization `id`.
#[component]
pub fn OrganizationExtras(id: Memo<String>) -> impl IntoView {
    view! {
        <Invitations id=id />
        <EnabledConnections id=id />
    }
}

fn invitation_columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols: Vec<Column<Value>> = vec![
        Column::new("Invitee", |v| text(field(v, "invitee.email"))),
        Column::new("Invited by", |v| text(field(v, "inviter.name"))),
        Column::new("Created", |v| when(Some(&field(v, "created_at")).filter(|s| !s.is_empty()).map(String::as_str))),
        Column::new("Expires", |v| when(Some(&field(v, "expires_at")).filter(|s| !s.is_empty()).map(String::as_str))),
    ];
    if writable {
        cols.push(Column::new("", |v| {
            pick_button(v, "Revoke", format!("Revoke the invitation of {}", field(v, "invitee.email")))
        }));
    }
    cols
}

#[component]
fn Invitations(id: Memo<String>) -> impl IntoView {
    let writable = can_write("organizations");
    let list = api::resource(move || {
        let id = id.get();
        let sending = api::send(&cat::ORGANIZATIONS_INVITATIONS_LIST, &[&id], &[("per_page", "50".into())], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "invitations")) })
    });
    let (pick, open) = use_row_pick();
    let revoke = api::job(move || {
        let inv = pick.get_untracked().map(|v| field(&v, "id")).unwrap_or_default();
        let sending = api::send(&cat::ORGANIZATIONS_INVITATIONS_DELETE, &[&id.get_untracked(), &inv], &[], None);
        Box::pin(async move { sending.await.map(|_| "Invitation revoked.".to_owned()) })
    });
    on_success(revoke, move |_| list.refetch());
    let (email, inviter, client) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let apps = api::resource(names::client_names);
    let invite = api::job(move || {
        let body = json!({
            "invitee": {"email": email.get_untracked().trim()},
            "inviter": {"name": inviter.get_untracked().trim()},
            "client_id": client.get_untracked(),
        });
        let sending = api::send(&cat::ORGANIZATIONS_INVITATIONS_CREATE, &[&id.get_untracked()], &[], Some(body));
        Box::pin(async move {
            let made = sending.await?;
            let url = field(&made, "invitation_url");
            Ok(if url.is_empty() { "Invitation sent.".to_owned() } else { format!("Invitation sent. Its link: {url}") })
        })
    });
    on_success(invite, move |_| {
        email.set(String::new());
        list.refetch();
    });
    view! {
        <Panel title="Invitations">
            {action_status(revoke)}
            {picking(pick, move || loaded(list, move |rows: &Vec<Value>| {
                table(rows, &invitation_columns(writable), None, TableOpts::new("Invitations", "No pending invitations."))
            }))}
            {writable.then(|| view! {
                <form class="form" aria-label="Invite someone" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    invite.dispatch(());
                }>
                    <TextField label="Email to invite" value=email required=true input_type="email" />
                    <TextField label="Invited by (shown in the email)" value=inviter required=true />
                    {loaded(apps, move |apps: &names::Labels| {
                        let mut options = vec![(String::new(), "Pick an application".to_owned())];
                        options.extend(apps.iter().map(|(id, name)| (id.clone(), name.clone())));
                        view! { <Select label="Application the invitee signs in to" value=client options=options /> }
                    })}
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || {
                            email.get().trim().is_empty() || inviter.get().trim().is_empty() || client.get().is_empty() || invite.pending().get()
                        }>"Send invitation"</button>
                    </div>
                    {action_status(invite)}
                </form>
            })}
        </Panel>
        <ConfirmDialog open=open title="Revoke this invitation?" confirm_label="Revoke invitation" destructive=true on_confirm=move |()| {
            revoke.dispatch(());
        }>
            <p>"Its link stops working. You can invite the person again later."</p>
        </ConfirmDialog>
    }
}

fn connection_columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols: Vec<Column<Value>> = vec![
        Column::new("Connection", |v| text(field(v, "connection.name"))),
        Column::new("Strategy", |v| text(field(v, "connection.strategy"))),
        Column::new("Members on sign-in", |v| {
            text(if field(v, "assign_membership_on_login") == "true" { "Added automatically" } else { "Invited only" })
        }),
    ];
    if writable {
        cols.push(Column::new("", |v| {
            pick_button(
                v,
                "Disable",
                format!("Disable the connection {} for this organization", field(v, "connection.name")),
            )
        }));
    }
    cols
}

#[component]
fn EnabledConnections(id: Memo<String>) -> impl IntoView {
    let writable = can_write("organizations");
    let list = api::resource(move || {
        let id = id.get();
        let sending =
            api::send(&cat::ORGANIZATIONS_ENABLED_CONNECTIONS_LIST, &[&id], &[("per_page", "50".into())], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "enabled_connections")) })
    });
    let all = api::resource(move || {
        let sending = api::send(
            &cat::CONNECTIONS_LIST,
            &[],
            &[("per_page", "100".into()), ("fields", "id,name,strategy".into()), ("include_fields", "true".into())],
            None,
        );
        Box::pin(async move { Ok(api::items(&sending.await?, "connections")) })
    });
    let (pick, open) = use_row_pick();
    let disable = api::job(move || {
        let conn = pick.get_untracked().map(|v| field(&v, "connection_id")).unwrap_or_default();
        let sending =
            api::send(&cat::ORGANIZATIONS_ENABLED_CONNECTIONS_DELETE, &[&id.get_untracked(), &conn], &[], None);
        Box::pin(async move { sending.await.map(|_| "Connection disabled for the organization.".to_owned()) })
    });
    on_success(disable, move |_| list.refetch());
    let chosen = RwSignal::new(String::new());
    let auto = RwSignal::new(false);
    let enable = api::job(move || {
        let body = json!({"connection_id": chosen.get_untracked(), "assign_membership_on_login": auto.get_untracked()});
        let sending = api::send(&cat::ORGANIZATIONS_ENABLED_CONNECTIONS_ADD, &[&id.get_untracked()], &[], Some(body));
        Box::pin(async move { sending.await.map(|_| "Connection enabled.".to_owned()) })
    });
    on_success(enable, move |_| {
        chosen.set(String::new());
        list.refetch();
    });
    view! {
        <Panel title="Enabled connections">
            {action_status(disable)}
            {picking(pick, move || loaded(list, move |rows: &Vec<Value>| {
                table(rows, &connection_columns(writable), None, TableOpts::new("Enabled connections", "No connection is enabled: members cannot sign in yet."))
            }))}
            {writable.then(|| view! {
                <form class="form" aria-label="Enable a connection" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    enable.dispatch(());
                }>
                    {loaded(all, move |conns: &Vec<Value>| {
                        let mut options = vec![(String::new(), "Pick a connection".to_owned())];
                        options.extend(conns.iter().map(|c| (field(c, "id"), format!("{} ({})", field(c, "name"), field(c, "strategy")))));
                        view! { <Select label="Connection" value=chosen options=options /> }
                    })}
                    <Checkbox label="Add users who sign in with it as members" value=auto />
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || chosen.get().is_empty() || enable.pending().get()>"Enable connection"</button>
                    </div>
                    {action_status(enable)}
                </form>
            })}
        </Panel>
        <ConfirmDialog open=open title="Disable this connection for the organization?" confirm_label="Disable" destructive=true on_confirm=move |()| {
            disable.dispatch(());
        }>
            <p>"Members can no longer sign in to the organization with it. The connection itself stays."</p>
        </ConfirmDialog>
    }
}
