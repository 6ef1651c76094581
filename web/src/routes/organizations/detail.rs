//! `/organizations/:id`: details, members with their roles, add members.

use crate::api;
use crate::components::{
    Column, Facts, PageHeader, Pager, Panel, TableOpts, TextArea, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, use_query_pairs};
use crate::logic::json::lines;
use crate::logic::url_state::ListState;
use crate::routes::{href, mono, text, use_id};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, organizations};
use gatehouse_model::types::{AddOrganizationMembers, Organization, OrganizationMember};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

fn member_columns() -> Vec<Column<OrganizationMember>> {
    vec![
        Column::new("Member", |m| {
            let id = m.user_id.clone().unwrap_or_default();
            let label = m.email.clone().or_else(|| m.name.clone()).unwrap_or_else(|| id.clone());
            view! { <A href=href("/users", &id)>{label}</A> }.into_any()
        }),
        Column::new("Roles", |m| {
            let roles: Vec<String> = m.roles.iter().flatten().filter_map(|r| r.name.clone()).collect();
            text(if roles.is_empty() { "—".to_owned() } else { roles.join(", ") })
        }),
        Column::new("User ID", |m| mono(m.user_id.clone().unwrap_or_default())),
    ]
}

/// The organization page.
#[component]
pub fn OrganizationPage() -> impl IntoView {
    let id = use_id();
    let org = api::resource(move || api::call(organizations::Get::new(id.get())));
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let members = api::resource(move || {
        let s = state.get();
        let mut op = organizations::ListMembers::new(id.get());
        op.fields = Some("user_id,email,name,picture,roles".into());
        op.include_fields = Some(true);
        op.offset = Offset::page(s.page, s.per_page);
        api::call(op)
    });
    let writable = can_write("organizations");
    let ids = RwSignal::new(String::new());
    let add = api::job(move || {
        let body = AddOrganizationMembers::new(lines(&ids.get_untracked()));
        api::run(organizations::AddMembers::new(id.get_untracked(), body), "Members added.")
    });
    on_success(add, move |_| {
        ids.set(String::new());
        members.refetch();
    });
    view! {
        {loaded(
            org,
            |o: &Organization| {
                let title = o.display_name.clone().or_else(|| o.name.clone()).unwrap_or_default();
                let sub = o.id.clone().unwrap_or_default();
                let facts = vec![
                    ("Name", o.name.clone().unwrap_or_default()),
                    ("Display name", o.display_name.clone().unwrap_or_default()),
                    ("Enabled connections", o.enabled_connections.as_ref().map_or(0, Vec::len).to_string()),
                ];
                view! {
                    <PageHeader title=title subtitle=sub />
                    <Panel title="Details">
                        <Facts facts=facts />
                    </Panel>
                }
            },
        )}
        <Panel title="Members">
            {loaded(
                members,
                move |page: &Page<OrganizationMember>| {
                    let s = state.get_untracked();
                    view! {
                        {table(&page.items, &member_columns(), None, TableOpts::new("Members", "No members yet."))}
                        <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() />
                    }
                },
            )}
        </Panel>
        {writable
            .then(|| {
                view! {
                    <Panel title="Add members">
                        <form class="form" on:submit=move |ev: SubmitEvent| {
                            ev.prevent_default();
                            add.dispatch(());
                        }>
                            <TextArea label="User IDs" value=ids help="One user id per line." />
                            <div class="actions">
                                <button type="submit" class="btn primary" disabled=move || ids.get().trim().is_empty() || add.pending().get()>
                                    "Add members"
                                </button>
                            </div>
                            {action_status(add)}
                        </form>
                    </Panel>
                }
            })}
    }
}
