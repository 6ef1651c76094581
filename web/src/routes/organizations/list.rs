//! `/organizations`: list and create.

use crate::api;
use crate::components::{
    Column, PageHeader, Pager, Panel, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs};
use crate::logic::url_state::ListState;
use crate::routes::{href, mono, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, organizations};
use gatehouse_model::types::{CreateOrganization, Organization};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The columns of an organizations table; shared with the user page's Organizations tab.
pub(crate) fn columns() -> Vec<Column<Organization>> {
    vec![
        Column::new("Organization", |o| {
            let id = o.id.clone().unwrap_or_default();
            let label = o.display_name.clone().or_else(|| o.name.clone()).unwrap_or_else(|| id.clone());
            view! { <A href=href("/organizations", &id) attr:class="strong">{label}</A> }.into_any()
        }),
        Column::new("Name", |o| text(o.name.clone().unwrap_or_default())),
        Column::new("ID", |o| mono(o.id.clone().unwrap_or_default())),
    ]
}

/// The organizations page.
#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let list = api::resource(move || {
        let s = state.get();
        api::call(organizations::List { offset: Offset::page(s.page, s.per_page), ..Default::default() })
    });
    let writable = can_write("organizations");
    view! {
        <PageHeader title="Organizations" subtitle="Business customers and partners, each with its members.">
            {writable.then(|| view! { <A href="/organizations?create=1" attr:class="btn primary">"Create organization"</A> })}
        </PageHeader>
        {crate::routes::deleted_notice("organization")}
        <Show when=move || creating.get() && writable>
            <CreateOrganizationForm />
        </Show>
        {loaded(
            list,
            move |page: &Page<Organization>| {
                let s = state.get_untracked();
                view! {
                    {table(&page.items, &columns(), None, TableOpts::new("Organizations", "No organizations."))}
                    <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() />
                }
            },
        )}
    }
}

#[component]
fn CreateOrganizationForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let problem = Memo::new(move |_| crate::logic::checks::organization_name(name.get().trim()));
    let create = api::job(move || {
        let mut body = CreateOrganization::new(name.get_untracked().trim().to_owned());
        body.display_name = Some(display.get_untracked().trim().to_owned()).filter(|d| !d.is_empty());
        let sending = api::call(organizations::Create::new(body));
        Box::pin(async move { Ok(sending.await?.id.unwrap_or_default()) })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/organizations", &id), Default::default()));
    view! {
        <Panel title="Create organization">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=name required=true help="Lowercase letters, digits, - and _; used in sign-in URLs." />
                {move || {
                    let typed = !name.get().is_empty();
                    problem.get().filter(|_| typed).map(|p| view! { <p class="field-msg" role="alert" data-testid="org-name-problem"><span class="invalid">{p}</span></p> })
                }}
                <TextField label="Display name" value=display />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get() || problem.get().is_some()>"Create organization"</button>
                    <A href="/organizations" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
