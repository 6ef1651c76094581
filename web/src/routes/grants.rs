//! `/grants`: the grants users gave applications, filtered by user or
//! application, revoked with confirmation.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, PageHeader, Pager, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::url_state::ListState;
use crate::routes::{href, mono, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, grants};
use gatehouse_model::types::UserGrant;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

/// The grant a row's Revoke button picked.
#[derive(Clone, Copy)]
struct Revoking(RwSignal<Option<String>>);

fn columns(writable: bool) -> Vec<Column<UserGrant>> {
    let mut cols: Vec<Column<UserGrant>> = vec![
        Column::new("User", |g| {
            let id = g.user_id.clone().unwrap_or_default();
            view! { <A href=href("/users", &id)>{id.clone()}</A> }.into_any()
        }),
        Column::new("Application", |g| {
            let id = g.client_id.clone().unwrap_or_default();
            view! { <A href=href("/applications", &id)>{id.clone()}</A> }.into_any()
        }),
        Column::new("Audience", |g| text(g.audience.clone().unwrap_or_default())),
        Column::new("Scopes", |g| text(g.scope.clone().unwrap_or_default().join(" "))),
        Column::new("ID", |g| mono(g.id.clone().unwrap_or_default())),
    ];
    if writable {
        cols.push(Column::new("", |g| {
            let id = g.id.clone().unwrap_or_default();
            let Some(Revoking(pick)) = use_context::<Revoking>() else { return ().into_any() };
            view! {
                <button type="button" class="btn small danger" on:click=move |_| pick.set(Some(id.clone()))>
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
    let list = api::resource(move || {
        let s = state.get();
        api::call(grants::List {
            user_id: Some(user.get()).filter(|v| !v.is_empty()),
            client_id: Some(client.get()).filter(|v| !v.is_empty()),
            offset: Offset::page(s.page, s.per_page),
            ..Default::default()
        })
    });
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
    let (f_user, f_client) = (RwSignal::new(user.get_untracked()), RwSignal::new(client.get_untracked()));
    let set_query = use_set_query();
    view! {
        <PageHeader title="Grants" subtitle="Consents users gave applications to call APIs on their behalf." />
        <form class="filters" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            set_query(vec![("user_id", Some(f_user.get_untracked())), ("client_id", Some(f_client.get_untracked())), ("page", None)]);
        }>
            <TextField label="User ID" value=f_user />
            <TextField label="Application (client) ID" value=f_client />
            <button type="submit" class="btn">"Filter"</button>
        </form>
        {action_status(revoke)}
        {loaded(
            list,
            move |page: &Page<UserGrant>| {
                let s = state.get_untracked();
                view! {
                    {table(&page.items, &columns(writable), None, TableOpts::new("Grants", "No grants."))}
                    <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() />
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
