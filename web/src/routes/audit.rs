//! `/audit`: the BFF's audit log, filtered, in plain English.

use crate::api::{self, AuditEntry, AuditPage as Page};
use crate::components::{Column, PageHeader, Pager, Select, TableOpts, TextField, loaded, table};
use crate::hooks::{qget, use_query_pairs, use_set_query};
use crate::logic::format::count;
use crate::logic::permissions::NAV;
use crate::logic::url_state::number;
use crate::routes::{badge, text, when};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

const PER_PAGE: u64 = 50;
const FILTERS: [&str; 5] = ["principal", "resource", "decision", "since", "until"];

fn columns() -> Vec<Column<AuditEntry>> {
    vec![
        Column::new("When", |e| when(Some(&e.time))),
        Column::new("What happened", |e| {
            let reason = e.reason.clone().filter(|_| e.decision == "denied");
            view! {
                <span>{e.sentence.clone()}</span>
                {reason.map(|r| view! { <span class="sub">{format!("Reason: {r}")}</span> })}
            }
            .into_any()
        }),
        Column::new(
            "Decision",
            |e| if e.decision == "denied" { badge("Denied", "bad") } else { badge("Allowed", "good") },
        ),
        Column::new("Status", |e| text(e.status.map(|s| s.to_string()).unwrap_or_default())),
        Column::new("Who", |e| text(e.principal.clone())),
    ]
}

/// The audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let page_no = Memo::new(move |_| number(Some(qget(&pairs.get(), "page")), 0));
    let list = api::resource(move || {
        let p = pairs.get();
        let mut q: Vec<(String, String)> = FILTERS
            .iter()
            .map(|k| {
                let v = qget(&p, k);
                // A bare date from the date picker: the whole day, as RFC 3339.
                let v = match (*k, v.len()) {
                    ("since", 10) => format!("{v}T00:00:00Z"),
                    ("until", 10) => format!("{v}T23:59:59Z"),
                    _ => v,
                };
                ((*k).to_owned(), v)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        q.push(("page".into(), page_no.get().to_string()));
        q.push(("per_page".into(), PER_PAGE.to_string()));
        Box::pin(async move { api::audit(&q).await })
    });
    let get = |k: &str| RwSignal::new(qget(&pairs.get_untracked(), k));
    let (principal, resource, decision, since, until) =
        (get("principal"), get("resource"), get("decision"), get("since"), get("until"));
    let set_query = use_set_query();
    let mut resources = vec![(String::new(), "Any area".to_owned())];
    resources.extend(NAV.iter().map(|n| (n.area.to_owned(), n.label.to_owned())));
    let decisions = vec![
        (String::new(), "Any decision".to_owned()),
        ("allowed".to_owned(), "Allowed".to_owned()),
        ("denied".to_owned(), "Denied".to_owned()),
    ];
    view! {
        <PageHeader title="Audit" subtitle="Every request through Gatehouse: who did what, and whether it was allowed." />
        <form class="filters grid3" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            let v = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned());
            set_query(vec![
                ("principal", v(principal)),
                ("resource", v(resource)),
                ("decision", v(decision)),
                ("since", v(since)),
                ("until", v(until)),
                ("page", None),
            ]);
        }>
            <TextField label="Who (email or API key)" value=principal />
            <Select label="Area" value=resource options=resources />
            <Select label="Decision" value=decision options=decisions />
            <TextField label="Since" value=since input_type="date" />
            <TextField label="Until" value=until input_type="date" />
            <div class="actions"><button type="submit" class="btn primary">"Filter"</button></div>
        </form>
        {loaded(
            list,
            move |page: &Page| {
                let p = page_no.get_untracked();
                view! {
                    <p class="totals">{format!("{} entries", count(page.total))}</p>
                    {table(&page.entries, &columns(), None, TableOpts::new("Audit log", "No entries match."))}
                    <Pager page=p per_page=PER_PAGE shown=page.entries.len() as u64 total=Some(page.total) />
                }
            },
        )}
    }
}
