//! `/organizations/:id`: details, members with their roles (add with a
//! user search, remove), delete the organization.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, Facts, PageHeader, Pager, Panel, TableOpts, UserPicker, action_status, loaded, on_success,
    picked_ids, picks, table,
};
use crate::hooks::{can_write, use_query_pairs};
use crate::logic::url_state::{ListState, encode_component};
use crate::routes::{href, mono, text, use_id};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, organizations};
use gatehouse_model::types::{AddOrganizationMembers, Organization, OrganizationMember, RemoveOrganizationMembers};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The member a row's Remove button picked: `(id, label)`.
#[derive(Clone, Copy)]
struct Removing(RwSignal<Option<(String, String)>>);

fn label(m: &OrganizationMember) -> String {
    let id = m.user_id.clone().unwrap_or_default();
    m.email.clone().or_else(|| m.name.clone()).unwrap_or(id)
}

fn member_columns(writable: bool) -> Vec<Column<OrganizationMember>> {
    let mut cols: Vec<Column<OrganizationMember>> = vec![
        Column::new("Member", |m| {
            let id = m.user_id.clone().unwrap_or_default();
            let name = label(m);
            view! { <A href=href("/users", &id)>{name.clone()}</A> }.into_any()
        }),
        Column::new("Roles", |m| {
            let roles: Vec<String> = m.roles.iter().flatten().filter_map(|r| r.name.clone()).collect();
            text(if roles.is_empty() { "—".to_owned() } else { roles.join(", ") })
        }),
        Column::new("User ID", |m| mono(m.user_id.clone().unwrap_or_default())),
    ];
    if writable {
        cols.push(Column::new("", |m| {
            let entry = (m.user_id.clone().unwrap_or_default(), label(m));
            let Some(Removing(pick)) = use_context::<Removing>() else { return ().into_any() };
            let aria = format!("Remove {} from the organization", entry.1);
            picks(pick, entry, "Remove", aria)
        }));
    }
    cols
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
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let add = api::job(move || {
        let body = AddOrganizationMembers::new(picked_ids(picked));
        api::run(organizations::AddMembers::new(id.get_untracked(), body), "Members added.")
    });
    on_success(add, move |_| {
        picked.set(Vec::new());
        members.refetch();
    });
    let removing = RwSignal::new(None::<(String, String)>);
    provide_context(Removing(removing));
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
    let chosen = StoredValue::new(String::new());
    let remove = api::job(move || {
        let body = RemoveOrganizationMembers::new(vec![chosen.get_value()]);
        api::run(organizations::RemoveMembers::new(id.get_untracked(), body), "Member removed.")
    });
    on_success(remove, move |_| members.refetch());
    let confirm_delete = RwSignal::new(false);
    let shown_name = StoredValue::new(String::new());
    let delete = api::job(move || api::run(organizations::Delete::new(id.get_untracked()), "Organization deleted."));
    let navigate = use_navigate();
    on_success(delete, move |_| {
        let name = encode_component(&shown_name.get_value());
        navigate(&format!("/organizations?deleted={name}"), Default::default());
    });
    view! {
        {loaded(
            org,
            move |o: &Organization| {
                let title = o.display_name.clone().or_else(|| o.name.clone()).unwrap_or_default();
                let sub = o.id.clone().unwrap_or_default();
                shown_name.set_value(title.clone());
                let facts = vec![
                    ("Name", o.name.clone().unwrap_or_default()),
                    ("Display name", o.display_name.clone().unwrap_or_default()),
                    ("Enabled connections", o.enabled_connections.as_ref().map_or(0, Vec::len).to_string()),
                ];
                view! {
                    <PageHeader title=title subtitle=sub>
                        {writable.then(|| view! {
                            <button type="button" class="btn danger" on:click=move |_| confirm_delete.set(true)>"Delete"</button>
                        })}
                    </PageHeader>
                    <Panel title="Details">
                        <Facts facts=facts />
                    </Panel>
                }
            },
        )}
        {action_status(delete)}
        <Panel title="Members">
            {action_status(remove)}
            {loaded(
                members,
                move |page: &Page<OrganizationMember>| {
                    let s = state.get_untracked();
                    view! {
                        {table(&page.items, &member_columns(writable), None, TableOpts::new("Members", "No members yet."))}
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
                            <UserPicker label="Find users" picked=picked />
                            <div class="actions">
                                <button type="submit" class="btn primary" disabled=move || picked.get().is_empty() || add.pending().get()>
                                    "Add members"
                                </button>
                            </div>
                            {action_status(add)}
                        </form>
                    </Panel>
                }
            })}
        {super::extra::OrganizationExtras(super::extra::OrganizationExtrasProps { id })}
        <ConfirmDialog open=confirm_remove title="Remove this member?" confirm_label="Remove member" destructive=true on_confirm=move |()| {
            if let Some((uid, _)) = removing.get_untracked() {
                chosen.set_value(uid);
                remove.dispatch(());
            }
        }>
            <p>{move || removing.get().map(|(_, l)| format!("{l} leaves the organization and loses its roles in it. The user account stays."))}</p>
        </ConfirmDialog>
        <ConfirmDialog open=confirm_delete title="Delete this organization?" confirm_label="Delete organization" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"The organization, its memberships and invitations are deleted. The users themselves stay."</p>
        </ConfirmDialog>
    }
}
