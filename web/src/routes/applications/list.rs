//! `/applications`: list (filter by type), create.

use super::{APP_TYPES, app_type_name};
use crate::api;
use crate::components::{
    Column, PageHeader, Pager, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, sort_rows, table,
};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::url_state::{ListState, Sort};
use crate::routes::{badge, href, mono, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, clients};
use gatehouse_model::types::{AppType, Client, CreateClient};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// Fields the list asks for: never the secret.
const LIST_FIELDS: &str = "client_id,name,description,app_type,is_first_party,global";

fn columns() -> Vec<Column<Client>> {
    vec![
        Column::sorted_by(
            "Name",
            "name",
            |c| {
                let id = c.client_id.clone().unwrap_or_default();
                let name = c.name.clone().unwrap_or_else(|| id.clone());
                view! { <A href=href("/applications", &id) attr:class="strong">{name}</A> }.into_any()
            },
            |c| c.name.clone().unwrap_or_default(),
        ),
        Column::sorted_by(
            "Type",
            "app_type",
            |c| text(c.app_type.as_ref().map(|t| app_type_name(t.as_str())).unwrap_or_default()),
            |c| c.app_type.as_ref().map(|t| t.as_str().to_owned()).unwrap_or_default(),
        ),
        Column::new("Client ID", |c| mono(c.client_id.clone().unwrap_or_default())),
        Column::new("Party", |c| {
            if c.is_first_party == Some(false) { badge("Third party", "warn") } else { badge("First party", "") }
        }),
    ]
}

/// The applications page.
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let kind = Memo::new(move |_| qget(&pairs.get(), "type"));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let set_query = use_set_query();
    let list = api::resource(move || {
        let s = state.get();
        api::call(clients::List {
            fields: Some(LIST_FIELDS.into()),
            include_fields: Some(true),
            app_type: Some(kind.get()).filter(|k| !k.is_empty()),
            offset: Offset::page(s.page, s.per_page),
            ..Default::default()
        })
    });
    let type_filter = RwSignal::new(kind.get_untracked());
    let sq = set_query.clone();
    Effect::new(move |_| {
        let k = type_filter.get();
        if k != kind.get_untracked() {
            sq(vec![("type", Some(k)), ("page", None)]);
        }
    });
    let on_sort = Callback::new(move |field: String| {
        set_query(vec![("sort", Some(Sort::toggled(state.get_untracked().sort.as_ref(), &field).to_param()))]);
    });
    let mut type_options = vec![(String::new(), "All types".to_owned())];
    type_options.extend(APP_TYPES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())));
    let writable = can_write("applications");
    view! {
        <PageHeader title="Applications" subtitle="The applications (clients) registered in the tenant.">
            {writable.then(|| view! { <A href="/applications?create=1" attr:class="btn primary">"Create application"</A> })}
        </PageHeader>
        <Show when=move || creating.get() && writable>
            <CreateApplication />
        </Show>
        <div class="filters">
            <Select label="Type" value=type_filter options=type_options />
        </div>
        {loaded(
            list,
            move |page: &Page<Client>| {
                let s = state.get_untracked();
                let cols = columns();
                let mut rows = page.items.clone();
                sort_rows(&mut rows, &cols, s.sort.as_ref());
                let opts = TableOpts { sort: s.sort.clone(), on_sort: Some(on_sort), ..TableOpts::new("Applications", "No applications.") };
                view! {
                    {table(&rows, &cols, None, opts)}
                    <Pager page=s.page per_page=s.per_page shown=rows.len() as u64 total=page.total() />
                }
            },
        )}
    }
}

#[component]
fn CreateApplication() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let app_type = RwSignal::new("spa".to_owned());
    let create = api::job(move || {
        let mut body = CreateClient::new(name.get_untracked().trim().to_owned());
        body.app_type = Some(AppType::from(app_type.get_untracked().as_str()));
        let sending = api::call(clients::Create::new(body));
        // The answer's secret (present only when the policy lets answers carry
        // secrets) goes to the new page, which shows it once; nothing else keeps it.
        Box::pin(async move {
            let made = sending.await?;
            let id = made.client_id.unwrap_or_default();
            if let Some(secret) =
                made.client_secret.map(|s| s.expose().to_owned()).filter(|s| !s.is_empty() && s != "[redacted]")
            {
                super::secret::keep_fresh(&id, secret);
            }
            Ok(id)
        })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/applications", &id), Default::default()));
    let options = APP_TYPES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect();
    view! {
        <Panel title="Create application">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=name required=true />
                <Select label="Type" value=app_type options=options />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create application"</button>
                    <A href="/applications" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
