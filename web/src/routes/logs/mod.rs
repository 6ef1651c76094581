//! `/logs`: search by type, user, application, IP and date; a chart of
//! sign-in successes and failures; a live tail that follows new events.

mod chart;
mod table;
mod tail;

pub use table::log_table;

use crate::api;
use crate::components::{PageHeader, Pager, Panel, Select, TextField, loaded};
use crate::hooks::{qget, use_query_pairs, use_set_query};
use crate::logic::lucene::{LogFilters, log_query};
use crate::logic::url_state::ListState;
use chart::SigninChart;
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, logs};
use gatehouse_model::types::LogEvent;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use tail::LiveTail;

/// Event types the filter offers.
const TYPES: [(&str, &str); 9] = [
    ("", "Any type"),
    ("s", "Successful login (s)"),
    ("f", "Failed login (f)"),
    ("fp", "Wrong password (fp)"),
    ("fu", "Unknown user (fu)"),
    ("ss", "Successful signup (ss)"),
    ("slo", "Logout (slo)"),
    ("sapi", "Management API write (sapi)"),
    ("fapi", "Management API failure (fapi)"),
];

fn filters(pairs: &[(String, String)]) -> LogFilters {
    LogFilters {
        kind: qget(pairs, "type"),
        user: qget(pairs, "user"),
        client: qget(pairs, "client"),
        ip: qget(pairs, "ip"),
        from: qget(pairs, "from"),
        to: qget(pairs, "to"),
    }
}

/// The logs page.
#[component]
pub fn LogsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let current = Memo::new(move |_| filters(&pairs.get()));
    let tail = Memo::new(move |_| qget(&pairs.get(), "tail") == "1");
    let list = api::resource(move || {
        let s = state.get();
        api::call(logs::List {
            q: log_query(&current.get()),
            sort: Some("date:-1".into()),
            offset: Offset::page(s.page, s.per_page),
            ..Default::default()
        })
    });
    let signins = api::resource(move || {
        let base = log_query(&LogFilters { kind: String::new(), ..current.get() });
        let kinds = "(type:s OR type:f OR type:fp OR type:fu OR type:ssa OR type:fsa)";
        api::call(logs::List {
            q: Some(match base {
                Some(b) => format!("{b} AND {kinds}"),
                None => kinds.to_owned(),
            }),
            sort: Some("date:-1".into()),
            offset: Offset { page: Some(0), per_page: Some(100), include_totals: None },
            ..Default::default()
        })
    });
    let f = current.get_untracked();
    let (kind, user, client, ip, from, to) = (
        RwSignal::new(f.kind),
        RwSignal::new(f.user),
        RwSignal::new(f.client),
        RwSignal::new(f.ip),
        RwSignal::new(f.from),
        RwSignal::new(f.to),
    );
    let set_query = use_set_query();
    let sq = set_query.clone();
    let search = move |ev: SubmitEvent| {
        ev.prevent_default();
        let v = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned());
        sq(vec![
            ("type", v(kind)),
            ("user", v(user)),
            ("client", v(client)),
            ("ip", v(ip)),
            ("from", v(from)),
            ("to", v(to)),
            ("page", None),
        ]);
    };
    let toggle_tail = move |_| set_query(vec![("tail", (!tail.get_untracked()).then(|| "1".to_owned()))]);
    let types = TYPES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect();
    view! {
        <PageHeader title="Logs" subtitle="What happened in the tenant: sign-ins, sign-ups, API calls.">
            <button type="button" class="btn" aria-pressed=move || tail.get().to_string() on:click=toggle_tail>
                {move || if tail.get() { "Stop following" } else { "Follow new events" }}
            </button>
        </PageHeader>
        <Show when=move || tail.get()>
            <LiveTail />
        </Show>
        <form class="filters grid3" on:submit=search>
            <Select label="Type" value=kind options=types />
            <TextField label="User ID" value=user />
            <TextField label="Application (client) ID" value=client />
            <TextField label="IP address" value=ip />
            <TextField label="From" value=from input_type="date" />
            <TextField label="To" value=to input_type="date" />
            <div class="actions">
                <button type="submit" class="btn primary">"Search"</button>
            </div>
        </form>
        <p class="help">
            {move || log_query(&current.get()).map(|q| format!("Lucene query: {q}")).unwrap_or_else(|| "All events, newest first.".into())}
        </p>
        <Panel title="Sign-ins over time">
            {loaded(signins, |page: &Page<LogEvent>| view! { <SigninChart events=page.items.clone() /> })}
        </Panel>
        <Panel title="Events">
            {loaded(
                list,
                move |page: &Page<LogEvent>| {
                    let s = state.get_untracked();
                    view! {
                        {log_table(&page.items, "No events match.")}
                        <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() windowed=true />
                    }
                },
            )}
        </Panel>
    }
}
