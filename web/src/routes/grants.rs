//! `/grants`: the grants users gave applications, filtered by user or
//! application, revoked with confirmation.

use crate::api;
use crate::api::names;
use crate::components::{
    Column, ConfirmDialog, PageHeader, Pager, Select, TableOpts, UserPicker, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::url_state::ListState;
use crate::routes::href;
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, grants};
use gatehouse_model::types::UserGrant;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

/// The grant a row's Revoke button picked.
#[derive(Clone, Copy)]
struct Revoking(RwSignal<Option<String>>);

/// A grant with the names of its user and application.
#[derive(Clone)]
struct Row {
    grant: UserGrant,
    user: String,
    app: String,
}

/// A page of grants, with names looked up (two reads, whatever the page size).
struct Rows {
    rows: Vec<Row>,
    total: Option<u64>,
}

fn fetch(user: String, client: String, s: ListState) -> api::Fut<Rows> {
    let listing = api::call(grants::List {
        user_id: Some(user).filter(|v| !v.is_empty()),
        client_id: Some(client).filter(|v| !v.is_empty()),
        offset: Offset::page(s.page, s.per_page),
        ..Default::default()
    });
    Box::pin(async move {
        let page: Page<UserGrant> = listing.await?;
        let ids = page.items.iter().filter_map(|g| g.user_id.clone()).collect();
        // Names are a help: when they cannot be read, the ids are shown.
        let (users, apps) = futures::join!(names::user_labels(ids), names::client_names());
        let (users, apps) = (users.unwrap_or_default(), apps.unwrap_or_default());
        let rows = page
            .items
            .iter()
            .map(|g| {
                let uid = g.user_id.clone().unwrap_or_default();
                let cid = g.client_id.clone().unwrap_or_default();
                Row {
                    user: users.get(&uid).cloned().unwrap_or(uid),
                    app: apps.get(&cid).cloned().filter(|n| !n.is_empty()).unwrap_or(cid),
                    grant: g.clone(),
                }
            })
            .collect();
        Ok(Rows { rows, total: page.total() })
    })
}

fn columns(writable: bool) -> Vec<Column<Row>> {
    let mut cols: Vec<Column<Row>> = vec![
        Column::new("User", |r| {
            let id = r.grant.user_id.clone().unwrap_or_default();
            let label = r.user.clone();
            view! { <A href=href("/users", &id) attr:title=id.clone()>{label.clone()}</A> }.into_any()
        }),
        Column::new("Application", |r| {
            let id = r.grant.client_id.clone().unwrap_or_default();
            let label = r.app.clone();
            view! { <A href=href("/applications", &id) attr:title=id.clone()>{label.clone()}</A> }.into_any()
        }),
        Column::new("API", |r| {
            let audience = r.grant.audience.clone().unwrap_or_default();
            view! { <span class="wrap">{audience}</span> }.into_any()
        }),
        Column::new("Scopes", |r| {
            let scopes = r.grant.scope.clone().unwrap_or_default().join(" ");
            view! { <span class="wrap">{scopes}</span> }.into_any()
        }),
    ];
    if writable {
        cols.push(Column::new("", |r| {
            let id = r.grant.id.clone().unwrap_or_default();
            let label = format!("Revoke the grant of {} to {}", r.user, r.app);
            let Some(Revoking(pick)) = use_context::<Revoking>() else { return ().into_any() };
            view! {
                <button type="button" class="btn small danger nowrap" aria-label=label on:click=move |_| pick.set(Some(id.clone()))>
                    "Revoke"
                </button>
            }
            .into_any()
        }));
    }
    cols
}

/// The grants page.
#[component]
pub fn GrantsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let user = Memo::new(move |_| qget(&pairs.get(), "user_id"));
    let client = Memo::new(move |_| qget(&pairs.get(), "client_id"));
    let list = api::resource(move || fetch(user.get(), client.get(), state.get()));
    let writable = can_write("grants");
    let pick = RwSignal::new(None::<String>);
    provide_context(Revoking(pick));
    let confirm = RwSignal::new(false);
    // Guarded both ways: a signal notifies on every set, so unguarded sets would ping-pong.
    Effect::new(move |_| {
        if pick.get().is_some() && !confirm.get_untracked() {
            confirm.set(true);
        }
    });
    Effect::new(move |_| {
        if !confirm.get() && pick.get_untracked().is_some() {
            pick.set(None);
        }
    });
    let chosen = StoredValue::new(String::new());
    let revoke = api::job(move || api::run(grants::Delete::new(chosen.get_value()), "Grant revoked."));
    on_success(revoke, move |_| list.refetch());
    let start_user = user.get_untracked();
    let f_user = RwSignal::new(if start_user.is_empty() { Vec::new() } else { vec![(start_user.clone(), start_user)] });
    let f_client = RwSignal::new(client.get_untracked());
    let apps = api::resource(names::client_names);
    let set_query = use_set_query();
    view! {
        <PageHeader title="Grants" subtitle="Consents users gave applications to call APIs on their behalf." />
        <form class="filters" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            let uid = f_user.get_untracked().first().map(|(id, _)| id.clone());
            set_query(vec![("user_id", uid), ("client_id", Some(f_client.get_untracked())), ("page", None)]);
        }>
            <UserPicker label="User" picked=f_user single=true />
            {loaded(apps, move |apps: &names::Labels| {
                let mut options = vec![(String::new(), "Any application".to_owned())];
                options.extend(apps.iter().map(|(id, name)| (id.clone(), if name.is_empty() { id.clone() } else { name.clone() })));
                view! { <Select label="Application" value=f_client options=options /> }
            })}
            <button type="submit" class="btn">"Filter"</button>
        </form>
        {action_status(revoke)}
        {loaded(
            list,
            move |page: &Rows| {
                let s = state.get_untracked();
                view! {
                    <div class="grants">
                        {table(&page.rows, &columns(writable), None, TableOpts::new("Grants", "No grants."))}
                    </div>
                    <Pager page=s.page per_page=s.per_page shown=page.rows.len() as u64 total=page.total />
                }
            },
        )}
        <ConfirmDialog open=confirm title="Revoke this grant?" confirm_label="Revoke grant" destructive=true on_confirm=move |()| {
            if let Some(id) = pick.get_untracked() {
                chosen.set_value(id);
                revoke.dispatch(());
            }
        }>
            <p>"The application loses the access the user consented to, and must ask again."</p>
        </ConfirmDialog>
    }
}
