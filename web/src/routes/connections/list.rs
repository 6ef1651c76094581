//! `/connections`: connections listed by strategy group, create.

use super::options_form::OptionsState;
use crate::api;
use crate::components::{
    Column, PageHeader, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::strategies::{STRATEGIES, group, name};
use crate::routes::{href, mono, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, connections};
use gatehouse_model::types::{Connection, CreateConnection, Strategy};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::Map;

const GROUPS: [&str; 5] = ["Database", "Social", "Enterprise", "Passwordless", "Other"];

fn strategy_of(c: &Connection) -> String {
    c.strategy.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default()
}

fn columns() -> Vec<Column<Connection>> {
    vec![
        Column::new("Name", |c| {
            let id = c.id.clone().unwrap_or_default();
            let n = c.display_name.clone().or_else(|| c.name.clone()).unwrap_or_else(|| id.clone());
            view! { <A href=href("/connections", &id) attr:class="strong">{n}</A> }.into_any()
        }),
        Column::new("Strategy", |c| text(name(&strategy_of(c)).to_owned())),
        Column::new("Applications", |c| text(c.enabled_clients.as_ref().map_or(0, Vec::len).to_string())),
        Column::new("ID", |c| mono(c.id.clone().unwrap_or_default())),
    ]
}

/// The connections page.
#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let strategy = Memo::new(move |_| qget(&pairs.get(), "strategy"));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let list = api::resource(move || {
        api::call(connections::List {
            strategy: Some(strategy.get()).filter(|s| !s.is_empty()).map(|s| vec![s]),
            fields: Some("id,name,display_name,strategy,enabled_clients".into()),
            include_fields: Some(true),
            offset: Offset::page(0, 100),
            ..Default::default()
        })
    });
    let filter = RwSignal::new(strategy.get_untracked());
    let set_query = use_set_query();
    Effect::new(move |_| {
        let s = filter.get();
        if s != strategy.get_untracked() {
            set_query(vec![("strategy", Some(s))]);
        }
    });
    let mut options = vec![(String::new(), "All strategies".to_owned())];
    options.extend(STRATEGIES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())));
    let writable = can_write("connections");
    view! {
        <PageHeader title="Connections" subtitle="Where users sign in from: databases, social and enterprise identity providers.">
            {writable.then(|| view! { <A href="/connections?create=1" attr:class="btn primary">"Create connection"</A> })}
        </PageHeader>
        <Show when=move || creating.get() && writable>
            <CreateConnectionForm />
        </Show>
        <div class="filters">
            <Select label="Strategy" value=filter options=options />
        </div>
        {loaded(
            list,
            |page: &Page<Connection>| {
                let cols = columns();
                if page.items.is_empty() {
                    return view! { <p class="empty">"No connections."</p> }.into_any();
                }
                GROUPS
                    .iter()
                    .filter_map(|g| {
                        let rows: Vec<Connection> =
                            page.items.iter().filter(|c| group(&strategy_of(c)) == *g).cloned().collect();
                        (!rows.is_empty())
                            .then(|| {
                                let t = table(&rows, &cols, None, TableOpts::new("Connections", "None."));
                                view! { <Panel title=*g>{t}</Panel> }
                            })
                    })
                    .collect_view()
                    .into_any()
            },
        )}
    }
}

#[component]
fn CreateConnectionForm() -> impl IntoView {
    let conn_name = RwSignal::new(String::new());
    let strategy = RwSignal::new("auth0".to_owned());
    let form = Memo::new(move |_| StoredValue::new(OptionsState::new(&strategy.get(), &Map::new())));
    let create = api::job(move || {
        let options = form.get_untracked().get_value().apply(&Map::new());
        let mut body = CreateConnection::new(
            conn_name.get_untracked().trim().to_owned(),
            Strategy::from(strategy.get_untracked().as_str()),
        );
        let sending = options.map(|o| {
            body.options = Some(o);
            api::call(connections::Create::new(body))
        });
        Box::pin(async move {
            let c: Connection = sending.map_err(api::UiError::msg)?.await?;
            Ok(c.id.unwrap_or_default())
        })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/connections", &id), Default::default()));
    let options = STRATEGIES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect();
    view! {
        <Panel title="Create connection">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=conn_name required=true help="Letters, digits and hyphens; it cannot be changed later." />
                <Select label="Strategy" value=strategy options=options />
                <fieldset>
                    <legend>"Options"</legend>
                    {move || form.get().get_value().view(&Map::new(), false)}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create connection"</button>
                    <A href="/connections" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
