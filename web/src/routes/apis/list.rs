//! `/apis`: list and create.

use crate::api;
use crate::components::{
    Column, PageHeader, Pager, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs};
use crate::logic::url_state::ListState;
use crate::routes::{badge, href, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, resource_servers};
use gatehouse_model::types::{CreateResourceServer, ResourceServer, SigningAlgorithm};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn columns() -> Vec<Column<ResourceServer>> {
    vec![
        Column::new("API", |r| {
            let id = r.id.clone().unwrap_or_default();
            let name = r.name.clone().unwrap_or_else(|| id.clone());
            view! { <A href=href("/apis", &id) attr:class="strong">{name}</A> }.into_any()
        }),
        Column::new("Identifier (audience)", |r| text(r.identifier.clone().unwrap_or_default())),
        Column::new("Scopes", |r| text(r.scopes.as_ref().map_or(0, Vec::len).to_string())),
        Column::new("", |r| if r.is_system == Some(true) { badge("System", "") } else { ().into_any() }),
    ]
}

/// The APIs page.
#[component]
pub fn ApisPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let list = api::resource(move || {
        let s = state.get();
        api::call(resource_servers::List { offset: Offset::page(s.page, s.per_page), ..Default::default() })
    });
    let writable = can_write("apis");
    view! {
        <PageHeader title="APIs" subtitle="The APIs applications get access tokens for.">
            {writable.then(|| view! { <A href="/apis?create=1" attr:class="btn primary">"Create API"</A> })}
        </PageHeader>
        <Show when=move || creating.get() && writable>
            <CreateApi />
        </Show>
        {loaded(
            list,
            move |page: &Page<ResourceServer>| {
                let s = state.get_untracked();
                view! {
                    {table(&page.items, &columns(), None, TableOpts::new("APIs", "No APIs."))}
                    <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() />
                }
            },
        )}
    }
}

#[component]
fn CreateApi() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let identifier = RwSignal::new(String::new());
    let alg = RwSignal::new("RS256".to_owned());
    let create = api::job(move || {
        let mut body = CreateResourceServer::new(identifier.get_untracked().trim().to_owned());
        body.name = Some(name.get_untracked().trim().to_owned()).filter(|n| !n.is_empty());
        body.signing_alg = Some(SigningAlgorithm::from(alg.get_untracked().as_str()));
        let sending = api::call(resource_servers::Create::new(body));
        Box::pin(async move { Ok(sending.await?.id.unwrap_or_default()) })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/apis", &id), Default::default()));
    let algs = vec![("RS256".to_owned(), "RS256".to_owned()), ("HS256".to_owned(), "HS256".to_owned())];
    view! {
        <Panel title="Create API">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=name required=true />
                <TextField label="Identifier" value=identifier required=true help="A URI such as https://api.acme.com; it is the tokens' audience and cannot be changed." />
                <Select label="Signing algorithm" value=alg options=algs />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create API"</button>
                    <A href="/apis" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
