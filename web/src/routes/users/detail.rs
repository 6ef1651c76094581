//! `/users/:id`: profile, identities, metadata, roles, organizations, recent logs;
//! block / unblock and delete with confirmation.
//!
//! The page loads the user's roles to know where the principal stands
//! ([`Standing`]): nobody blocks or deletes itself, and a user who holds a
//! policy role that grants more than the principal holds can be viewed, not changed.

use super::roles_tab::{HeldRoles, UserRoles};
use crate::api::{self, Fut, Res};
use crate::components::{
    Column, ConfirmDialog, Facts, JsonEditor, PageHeader, Panel, TableOpts, Tabs, TextField, action_status, flash,
    loaded, on_success, reload_with_flash, table,
};
use crate::hooks::{can_read, can_write, use_guard, use_query_value};
use crate::logic::format::{count, date_time, or_dash};
use crate::logic::guard::Standing;
use crate::logic::json::metadata_patch;
use crate::logic::lucene::escape_term;
use crate::routes::logs::log_table;
use crate::routes::{badge, text, use_id};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, logs, users};
use gatehouse_model::types::{LogEvent, Organization, UpdateUser, User, UserIdentity};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::{Map, Value};

const TABS: [(&str, &str); 7] = [
    ("profile", "Profile"),
    ("identities", "Identities"),
    ("metadata", "Metadata"),
    ("roles", "Roles"),
    ("permissions", "Permissions"),
    ("organizations", "Organizations"),
    ("logs", "Recent logs"),
];

fn update(id: String, body: UpdateUser, done: &'static str) -> Fut<String> {
    api::run(users::Update::new(id, body), done)
}

/// The user page.
#[component]
pub fn UserPage() -> impl IntoView {
    let id = use_id();
    let user = api::resource(move || api::call(users::Get::new(id.get())));
    let held = api::resource(move || {
        let user_id = id.get();
        let mut op = users::ListRoles::new(user_id.clone());
        op.offset = Offset::page(0, 100);
        let roles = api::call(op);
        Box::pin(async move { Ok(HeldRoles { user_id, roles: roles.await? }) }) as Fut<HeldRoles>
    });
    let message = RwSignal::new(None::<String>);
    let changed = reload_with_flash(user, message);
    view! {
        {flash(message)}
        {loaded(user, move |u: &User| view! { <UserView user=u.clone() held=held on_changed=changed /> })}
    }
}

/// Where the principal stands towards the user `id`, whose roles `held` loads.
fn standing(id: String, held: Res) -> Signal<Standing> {
    let guard = use_guard();
    let memo = Memo::new(move |_| {
        let names = match held.get() {
            // Until the roles of this user (not those of the user shown before) are there, it is checking.
            Some(Ok(d)) => api::value::<HeldRoles>(&d)
                .filter(|h| h.user_id == id)
                .map(|h| h.roles.items.iter().filter_map(|r| r.name.clone()).collect::<Vec<_>>()),
            // The roles could not be read: the BFF still decides, and its refusal is shown.
            Some(Err(_)) => Some(Vec::new()),
            None => None,
        };
        guard.standing(&id, names.as_ref().map(|n| n.iter().map(String::as_str)))
    });
    memo.into()
}

#[component]
fn UserView(user: User, held: Res, on_changed: Callback<String>) -> impl IntoView {
    let tab = use_query_value("tab");
    let writable = can_write("users");
    let id = user.user_id.clone().unwrap_or_default();
    let title = user.email.clone().or_else(|| user.name.clone()).unwrap_or_else(|| id.clone());
    let blocked = user.blocked.unwrap_or(false);
    let standing = standing(id.clone(), held);
    let editable = Signal::derive(move || writable && standing.get().may_edit());
    let who = title.clone();
    let notice = move || match standing.get() {
        Standing::Protected(p) if writable => {
            Some(view! { <p class="note" role="note" data-testid="protected-user">{p.explain(&who)}</p> })
        }
        _ => None,
    };
    let stored = StoredValue::new(user);

    let bid = id.clone();
    let block = api::job(move || {
        let mut body = UpdateUser::default();
        body.blocked = Some(!blocked);
        update(bid.clone(), body, if blocked { "User unblocked." } else { "User blocked." })
    });
    let did = id.clone();
    let delete = api::job(move || api::run(users::Delete::new(did.clone()), "User deleted."));
    let navigate = use_navigate();
    on_success(block, move |m| on_changed.run(m));
    let gone = crate::logic::url_state::encode_component(&title);
    // Back to the list, which says who was deleted (`?deleted=`).
    on_success(delete, move |_| navigate(&format!("/users?deleted={gone}"), Default::default()));
    let confirm_block = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let body_id = id.clone();
    let body = move || {
        let user = stored.get_value();
        let id = body_id.clone();
        match tab.get().as_str() {
            "identities" => identities(user.identities.unwrap_or_default()).into_any(),
            "metadata" => view! { <Metadata user=user editable=editable on_changed=on_changed /> }.into_any(),
            "roles" => view! { <UserRoles id=id assigned=held standing=standing /> }.into_any(),
            "organizations" => view! { <UserOrganizations id=id /> }.into_any(),
            "permissions" => view! {
                <crate::routes::permissions::PermissionsPanel
                    holder=crate::routes::permissions::Holder::User
                    id=Signal::stored(id)
                    writable=editable.get()
                />
            }
            .into_any(),
            "logs" => view! { <UserLogs id=id /> }.into_any(),
            _ => view! { <Profile user=user editable=editable on_changed=on_changed /> }.into_any(),
        }
    };
    view! {
        <PageHeader title=title subtitle=id.clone()>
            {if blocked { badge("Blocked", "bad") } else { badge("Active", "good") }}
            {move || {
                (writable && standing.get().may_block_or_delete())
                    .then(|| {
                        view! {
                            <button type="button" class="btn" on:click=move |_| confirm_block.set(true)>
                                {if blocked { "Unblock" } else { "Block" }}
                            </button>
                            <button type="button" class="btn danger" on:click=move |_| confirm_delete.set(true)>
                                "Delete"
                            </button>
                        }
                    })
            }}
        </PageHeader>
        {notice}
        {move || {
            (writable && standing.get() == Standing::Yourself)
                .then(|| view! { <p class="help" data-testid="yourself">"This is you: you can't block or delete yourself, or change your own roles."</p> })
        }}
        {move || block.pending().get().then(|| view! { <p class="working" aria-live="polite">"Working…"</p> })}
        {move || match block.value().get() { Some(Err(e)) => Some(view! { <crate::components::ErrorView error=e /> }), _ => None }}
        {action_status(delete)}
        <Tabs tabs=TABS.to_vec() active=tab />
        <div class="tab-body">{body}</div>
        <ConfirmDialog
            open=confirm_block
            title=if blocked { "Unblock this user?" } else { "Block this user?" }
            confirm_label=if blocked { "Unblock" } else { "Block" }
            on_confirm=move |()| {
                block.dispatch(());
            }
        >
            <p>
                {if blocked {
                    "The user will be able to sign in again."
                } else {
                    "The user will not be able to sign in until unblocked. Sessions they have stay valid until they expire."
                }}
            </p>
        </ConfirmDialog>
        <ConfirmDialog
            open=confirm_delete
            title="Delete this user?"
            confirm_label="Delete user"
            destructive=true
            on_confirm=move |()| {
                delete.dispatch(());
            }
        >
            <p>"The user and their metadata are deleted permanently. This cannot be undone."</p>
        </ConfirmDialog>
    }
}

#[component]
fn Profile(user: User, editable: Signal<bool>, on_changed: Callback<String>) -> impl IntoView {
    let id = user.user_id.clone().unwrap_or_default();
    let d = |v: &Option<String>| or_dash(v.as_deref().map(date_time).as_deref());
    let facts = vec![
        ("Email", or_dash(user.email.as_deref())),
        ("Email verified", if user.email_verified == Some(true) { "Yes".into() } else { "No".into() }),
        ("Name", or_dash(user.name.as_deref())),
        ("Nickname", or_dash(user.nickname.as_deref())),
        ("Phone", or_dash(user.phone_number.as_deref())),
        ("Logins", count(user.logins_count.unwrap_or(0).max(0) as u64)),
        ("Last login", d(&user.last_login)),
        ("Last IP", or_dash(user.last_ip.as_deref())),
        ("Created", d(&user.created_at)),
        ("Updated", d(&user.updated_at)),
    ];
    let name = RwSignal::new(user.name.clone().unwrap_or_default());
    let given = RwSignal::new(user.given_name.clone().unwrap_or_default());
    let family = RwSignal::new(user.family_name.clone().unwrap_or_default());
    let nickname = RwSignal::new(user.nickname.clone().unwrap_or_default());
    let save = api::job(move || {
        let mut body = UpdateUser::default();
        let v = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        body.name = v(name);
        body.given_name = v(given);
        body.family_name = v(family);
        body.nickname = v(nickname);
        update(id.clone(), body, "Profile saved.")
    });
    on_success(save, move |m| on_changed.run(m));
    view! {
        <Panel title="Profile">
            <Facts facts=facts />
        </Panel>
        {move || {
            editable
                .get()
                .then(|| {
                view! {
                    <Panel title="Edit profile">
                        <form class="form grid2" on:submit=move |ev| {
                            ev.prevent_default();
                            save.dispatch(());
                        }>
                            <TextField label="Name" value=name />
                            <TextField label="Nickname" value=nickname />
                            <TextField label="Given name" value=given />
                            <TextField label="Family name" value=family />
                            <div class="actions">
                                <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save profile"</button>
                            </div>
                        </form>
                        {action_status(save)}
                    </Panel>
                }
            })
        }}
    }
}

fn identities(list: Vec<UserIdentity>) -> AnyView {
    let columns: Vec<Column<UserIdentity>> = vec![
        Column::new("Connection", |i| text(or_dash(i.connection.as_deref()))),
        Column::new("Provider", |i| text(i.provider.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default())),
        Column::new("User ID", |i| {
            text(match &i.user_id {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            })
        }),
        Column::new("Social", |i| text(if i.is_social == Some(true) { "Yes" } else { "No" })),
    ];
    view! {
        <Panel title="Identities">
            {table(&list, &columns, None, TableOpts::new("Identities", "No identities."))}
        </Panel>
    }
    .into_any()
}

#[component]
fn Metadata(user: User, editable: Signal<bool>, on_changed: Callback<String>) -> impl IntoView {
    let id = user.user_id.clone().unwrap_or_default();
    let user_md = user.user_metadata.clone().unwrap_or_default();
    let app_md = user.app_metadata.clone().unwrap_or_default();
    let (before_user, before_app) = (user_md.clone(), app_md.clone());
    let edit = StoredValue::new(None::<(bool, Map<String, Value>)>);
    let save = api::job(move || {
        let mut body = UpdateUser::default();
        match edit.get_value() {
            Some((true, map)) => body.app_metadata = Some(metadata_patch(&before_app, &map)),
            Some((false, map)) => body.user_metadata = Some(metadata_patch(&before_user, &map)),
            None => {}
        }
        update(id.clone(), body, "Metadata saved.")
    });
    on_success(save, move |m| on_changed.run(m));
    let pending = Signal::derive(move || save.pending().get());
    view! {
        <Panel title="Metadata">
            <p class="help">
                "Edit as JSON. Fields you remove are deleted; Auth0 merges the rest at the top level. "
                "user_metadata is for data the user may change; app_metadata for data they may not."
            </p>
            <div class="grid2">
                {move || {
                    let writable = editable.get();
                    view! {
                        <JsonEditor label="user_metadata" initial=user_md.clone() editable=writable pending=pending on_save=move |m| {
                            edit.set_value(Some((false, m)));
                            save.dispatch(());
                        } />
                        <JsonEditor label="app_metadata" initial=app_md.clone() editable=writable pending=pending on_save=move |m| {
                            edit.set_value(Some((true, m)));
                            save.dispatch(());
                        } />
                    }
                }}
            </div>
            {action_status(save)}
        </Panel>
    }
}

#[component]
fn UserLogs(id: String) -> impl IntoView {
    if !can_read("logs") {
        return view! { <p class="note">"Your role does not include reading logs."</p> }.into_any();
    }
    let logs = api::resource(move || {
        api::call(logs::List {
            q: Some(format!("user_id:{}", escape_term(&id))),
            sort: Some("date:-1".into()),
            offset: Offset { page: Some(0), per_page: Some(20), include_totals: None },
            ..Default::default()
        })
    });
    view! {
        <Panel title="Recent logs">
            {loaded(logs, |page: &Page<LogEvent>| log_table(&page.items, "No log events for this user."))}
        </Panel>
    }
    .into_any()
}

/// The organizations a user is a member of (first 100; Auth0 pages them by offset).
#[component]
fn UserOrganizations(id: String) -> impl IntoView {
    let orgs = api::resource(move || {
        let mut op = users::ListOrganizations::new(id.clone());
        op.offset = Offset::page(0, 100);
        api::call(op)
    });
    view! {
        {loaded(orgs, move |page: &Page<Organization>| {
            table(
                &page.items,
                &crate::routes::organizations::organization_columns(),
                None,
                TableOpts::new("Organizations of this user", "This user belongs to no organization."),
            )
        })}
    }
}
