//! `/teams/tenants`: the team's tenants: list, create, delete.

use super::cursor_pager;
use crate::api;
use crate::components::{
    Column, ConfirmDialog, PageHeader, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs};
use crate::logic::format::or_dash;
use crate::routes::{mono, text, when};
use gatehouse_model::Page;
use gatehouse_model::ops::{Checkpoint, teams};
use gatehouse_model::teams::{CreateTenant, CreatedTenant, EnvironmentType, Tenant};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Deleting(RwSignal<Option<String>>);

fn columns(writable: bool) -> Vec<Column<Tenant>> {
    let mut cols: Vec<Column<Tenant>> = vec![
        Column::new("Tenant", |t| text(t.tenant_name.clone().unwrap_or_default())),
        Column::new("Domain", |t| mono(t.domain.clone().unwrap_or_default())),
        Column::new("Environment", |t| text(or_dash(t.environment.as_deref()))),
        Column::new("Tag", |t| text(t.environment_tag.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default())),
        Column::new("Created", |t| when(t.created_at.as_deref())),
    ];
    if writable {
        cols.push(Column::new("", |t| {
            let id = t.tenant_id.clone().unwrap_or_default();
            let Some(Deleting(pick)) = use_context::<Deleting>() else { return ().into_any() };
            view! { <button type="button" class="btn small danger" on:click=move |_| pick.set(Some(id.clone()))>"Delete"</button> }
                .into_any()
        }));
    }
    cols
}

/// The tenants page.
#[component]
pub fn TenantsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let from = Memo::new(move |_| qget(&pairs.get(), "from"));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let list = api::resource(move || {
        let mut op = teams::ListTenants::new();
        op.checkpoint = Checkpoint { from: Some(from.get()).filter(|f| !f.is_empty()), take: Some(50) };
        api::call(op)
    });
    let writable = can_write("teams_tenants");
    let pick = RwSignal::new(None::<String>);
    provide_context(Deleting(pick));
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
    let delete = api::job(move || api::run(teams::DeleteTenant::new(chosen.get_value()), "Tenant deleted."));
    on_success(delete, move |_| list.refetch());
    view! {
        <PageHeader title="Tenants" subtitle="The team's Auth0 tenants.">
            {writable.then(|| view! { <leptos_router::components::A href="/teams/tenants?create=1" attr:class="btn primary">"Create tenant"</leptos_router::components::A> })}
        </PageHeader>
        <Show when=move || creating.get() && writable>
            <CreateTenantForm on_created=Callback::new(move |()| list.refetch()) />
        </Show>
        {action_status(delete)}
        {loaded(
            list,
            move |page: &Page<Tenant>| {
                view! {
                    {table(&page.items, &columns(writable), None, TableOpts::new("Tenants", "No tenants."))}
                    {cursor_pager(page.next().map(str::to_owned), from.get_untracked().is_empty(), page.items.len())}
                }
            },
        )}
        <ConfirmDialog open=confirm title="Delete this tenant?" confirm_label="Delete tenant" destructive=true on_confirm=move |()| {
            if let Some(id) = pick.get_untracked() {
                chosen.set_value(id);
                delete.dispatch(());
            }
        }>
            <p>"Every user, application and setting of the tenant is deleted. This cannot be undone."</p>
        </ConfirmDialog>
    }
}

#[component]
fn CreateTenantForm(on_created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let admin = RwSignal::new(crate::hooks::use_me().email.unwrap_or_default());
    let environment = RwSignal::new(String::new());
    let tag = RwSignal::new("development".to_owned());
    let envs = api::resource(|| api::call(teams::ListEnvironments));
    let create = api::job(move || {
        let mut body = CreateTenant::new(admin.get_untracked().trim().to_owned());
        body.tenant_name = Some(name.get_untracked().trim().to_owned()).filter(|n| !n.is_empty());
        body.environment = Some(environment.get_untracked()).filter(|e| !e.is_empty());
        body.environment_tag = Some(EnvironmentType::from(tag.get_untracked().as_str()));
        let sending = api::call(teams::CreateTenant::new(body));
        // The answer carries the new tenant's management client secret: only the domain is kept.
        Box::pin(async move {
            let t: CreatedTenant = sending.await?;
            Ok(format!("Tenant {} created.", t.domain.unwrap_or_default()))
        })
    });
    on_success(create, move |_| on_created.run(()));
    let env_options = move || {
        let mut out = vec![(String::new(), "Default".to_owned())];
        if let Some(Ok(d)) = envs.get()
            && let Some(p) = api::value::<Page<gatehouse_model::teams::Environment>>(&d)
        {
            out.extend(p.items.iter().map(|e| (e.clone(), e.clone())));
        }
        out
    };
    let tags = vec![
        ("development".to_owned(), "Development".to_owned()),
        ("staging".to_owned(), "Staging".to_owned()),
        ("production".to_owned(), "Production".to_owned()),
    ];
    view! {
        <Panel title="Create tenant">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Tenant name" value=name required=true />
                <TextField label="Administrator email" value=admin input_type="email" required=true />
                {move || view! { <Select label="Environment" value=environment options=env_options() /> }}
                <Select label="Environment tag" value=tag options=tags />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create tenant"</button>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
