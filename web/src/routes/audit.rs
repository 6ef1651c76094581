//! `/audit`: the BFF's audit log, filtered, in plain English.
//!
//! The policy's decision (allowed or denied) and the outcome (succeeded,
//! failed with the tenant's status and error code, or not sent) are shown
//! apart. Changes only is the default, so reads do not drown the changes.
//! Every filter lives in the URL; the export links carry the same filters.

use crate::api::{self, AuditEntry, AuditPage as Page};
use crate::components::{Checkbox, Column, PageHeader, Pager, Select, TableOpts, TextField, loaded, table};
use crate::hooks::{qget, use_query_pairs, use_set_query};
use crate::logic::format::count;
use crate::logic::permissions::NAV;
use crate::logic::url_state::number;
use crate::routes::{badge, text, when};
use leptos::ev::{MouseEvent, SubmitEvent};
use leptos::prelude::*;

const PER_PAGE: u64 = 50;

/// Filters passed to the BFF as they are in the URL.
const PLAIN: [&str; 10] =
    ["principal", "object", "resource", "decision", "outcome", "via", "approval", "q", "since", "until"];

/// The BFF's filters for the page's URL query (paging left out).
///
/// `reads=1` in the URL shows reads too (changes only is the default);
/// `failures=1` shows only what did not succeed. A bare date from the date
/// picker stands for the whole day.
pub fn bff_filters(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = PLAIN
        .iter()
        .map(|k| {
            let v = qget(pairs, k).trim().to_owned();
            let v = match (*k, v.len()) {
                ("since", 10) => format!("{v}T00:00:00Z"),
                ("until", 10) => format!("{v}T23:59:59Z"),
                _ => v,
            };
            ((*k).to_owned(), v)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if qget(pairs, "reads") != "1" {
        q.push(("changes".into(), "true".into()));
    }
    if qget(pairs, "failures") == "1" {
        q.push(("failures".into(), "true".into()));
    }
    q
}

/// How an entry's outcome reads: its label and badge kind. Entries from a
/// BFF that did not say are judged by decision and status.
pub fn outcome_of(e: &AuditEntry) -> (&'static str, &'static str) {
    let outcome = match e.outcome.as_str() {
        "" if e.decision == "denied" => "not_sent",
        "" if e.status.is_some_and(|s| s < 400) => "succeeded",
        "" => "failed",
        o => o,
    };
    match outcome {
        "succeeded" => ("Succeeded", "good"),
        "failed" => ("Failed", "bad"),
        _ => ("Not sent", ""),
    }
}

fn outcome_cell(e: &AuditEntry) -> AnyView {
    let (label, kind) = outcome_of(e);
    let status = e.status.map(|s| s.to_string()).unwrap_or_default();
    let shown = if label == "Failed" && !status.is_empty() { format!("{label} {status}") } else { label.to_owned() };
    let code = e.upstream_error.clone();
    let title = match (&code, label) {
        (Some(c), _) => format!("The tenant answered {status} ({c})"),
        (None, "Not sent") => "Not sent to the tenant".to_owned(),
        _ if status.is_empty() => String::new(),
        _ => format!("Answered {status}"),
    };
    view! {
        <span class=format!("badge {kind}") title=title>{shown}</span>
        {(label == "Succeeded" && !status.is_empty()).then(|| view! { <span class="sub">{status.clone()}</span> })}
        {code.map(|c| view! { <code class="id sub">{c}</code> })}
    }
    .into_any()
}

fn columns() -> Vec<Column<AuditEntry>> {
    vec![
        Column::new("When", |e| when(Some(&e.time))),
        Column::new("What happened", |e| {
            let reason = e.reason.clone().filter(|_| outcome_of(e).0 != "Succeeded");
            let mcp = (e.via.as_deref() == Some("mcp"))
                .then(|| view! { <span class="badge warn" title="An agent's tool call over MCP">"via MCP"</span> " " });
            let approval = e.approval.clone().map(|id| {
                let href = format!("/approvals?id={}", crate::logic::url_state::encode_component(&id));
                view! { <a class="sub" href=href data-testid="audit-approval">{format!("Approval request {id}")}</a> }
            });
            view! {
                {mcp}
                <span>{e.sentence.clone()}</span>
                {reason.map(|r| view! { <span class="sub">{format!("Reason: {r}")}</span> })}
                {approval}
            }
            .into_any()
        }),
        Column::new(
            "Decision",
            |e| if e.decision == "denied" { badge("Denied", "bad") } else { badge("Allowed", "good") },
        ),
        Column::new("Outcome", outcome_cell),
        Column::new("Who", |e| text(e.principal.clone())),
    ]
}

/// Saves `text` as a file named `name`: a Blob, an object URL, a click on
/// a link that downloads it.
fn save(name: &str, mime: &str, text: &str) -> Result<(), String> {
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let fail = |what: &str| format!("The file could not be saved ({what}).");
    let global = js_sys::global();
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).map_err(|_| fail(key));
    let blob_type: Function = get(&global, "Blob")?.dyn_into().map_err(|_| fail("Blob"))?;
    let options = Object::new();
    Reflect::set(&options, &JsValue::from_str("type"), &JsValue::from_str(mime)).map_err(|_| fail("type"))?;
    let parts = Array::of1(&JsValue::from_str(text));
    let blob = Reflect::construct(&blob_type, &Array::of2(&parts, &options)).map_err(|_| fail("Blob"))?;
    let urls = get(&global, "URL")?;
    let create: Function = get(&urls, "createObjectURL")?.dyn_into().map_err(|_| fail("createObjectURL"))?;
    let href = create.call1(&urls, &blob).ok().and_then(|v| v.as_string()).ok_or_else(|| fail("object URL"))?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| fail("document"))?;
    let link = document.create_element("a").map_err(|_| fail("link"))?;
    link.set_attribute("href", &href).map_err(|_| fail("link"))?;
    link.set_attribute("download", name).map_err(|_| fail("link"))?;
    link.dyn_ref::<web_sys::HtmlElement>().ok_or_else(|| fail("link"))?.click();
    // The download has started from the URL; free it once the click is handled.
    if let Ok(revoke) = get(&urls, "revokeObjectURL").and_then(|f| f.dyn_into::<Function>().map_err(|_| fail("revoke")))
    {
        gloo_timers::callback::Timeout::new(10_000, move || {
            let _ = revoke.call1(&urls, &JsValue::from_str(&href));
        })
        .forget();
    }
    Ok(())
}

/// An export link: a real link to the export (it can be copied, or opened
/// with an API key), which the console itself fetches with its session and
/// saves when clicked or activated with the keyboard.
fn export_link(
    label: &'static str,
    format: &'static str,
    mime: &'static str,
    filters: Memo<Vec<(String, String)>>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let href = Memo::new(move |_| api::audit_export_url(format, &filters.get()));
    let busy = RwSignal::new(false);
    let on_click = move |ev: MouseEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        status.set(Some(format!("Exporting as {label}…")));
        let url = href.get_untracked();
        leptos::task::spawn_local(async move {
            let message = match api::audit_export(&url).await {
                Ok((name, body)) => match save(&name, mime, &body) {
                    Ok(()) => format!("Saved {name}."),
                    Err(e) => e,
                },
                Err(e) => format!("The export failed: {}", e.message),
            };
            status.set(Some(message));
            busy.set(false);
        });
    };
    view! {
        <a class="btn small" href=move || href.get() aria-disabled=move || busy.get().to_string() on:click=on_click>
            {format!("Export {label}")}
        </a>
    }
}

/// The audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let page_no = Memo::new(move |_| number(Some(qget(&pairs.get(), "page")), 0));
    let filters = Memo::new(move |_| bff_filters(&pairs.get()));
    let list = api::resource(move || {
        let mut q = filters.get();
        q.push(("page".into(), page_no.get().to_string()));
        q.push(("per_page".into(), PER_PAGE.to_string()));
        Box::pin(async move { api::audit(&q).await })
    });
    let get = |k: &str| RwSignal::new(qget(&pairs.get_untracked(), k));
    let (principal, object, resource, decision, outcome, text_q, since, until) = (
        get("principal"),
        get("object"),
        get("resource"),
        get("decision"),
        get("outcome"),
        get("q"),
        get("since"),
        get("until"),
    );
    let via = get("via");

    let changes_only = RwSignal::new(qget(&pairs.get_untracked(), "reads") != "1");
    let failures_only = RwSignal::new(qget(&pairs.get_untracked(), "failures") == "1");
    let set_query = use_set_query();
    let mut resources = vec![(String::new(), "Any area".to_owned())];
    resources.extend(NAV.iter().map(|n| (n.area.to_owned(), n.label.to_owned())));
    let decisions = vec![
        (String::new(), "Any decision".to_owned()),
        ("allowed".to_owned(), "Allowed".to_owned()),
        ("denied".to_owned(), "Denied".to_owned()),
    ];
    let outcomes = vec![
        (String::new(), "Any outcome".to_owned()),
        ("succeeded".to_owned(), "Succeeded".to_owned()),
        ("failed".to_owned(), "Failed".to_owned()),
        ("not_sent".to_owned(), "Not sent".to_owned()),
    ];
    let vias = vec![
        (String::new(), "Any way".to_owned()),
        ("console".to_owned(), "The console".to_owned()),
        ("api".to_owned(), "The HTTP API (keys)".to_owned()),
        ("mcp".to_owned(), "MCP (agents)".to_owned()),
    ];
    let export_status = RwSignal::new(None::<String>);
    view! {
        <PageHeader
            title="Audit"
            subtitle="Every request through Gatehouse: who did what, whether the policy allowed it, and what came of it."
        />
        <form class="filters grid3" aria-label="Audit filters" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            let v = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned());
            set_query(vec![
                ("principal", v(principal)),
                ("object", v(object)),
                ("resource", v(resource)),
                ("decision", v(decision)),
                ("outcome", v(outcome)),
                ("via", v(via)),
                ("q", v(text_q)),
                ("since", v(since)),
                ("until", v(until)),
                ("reads", (!changes_only.get_untracked()).then(|| "1".to_owned())),
                ("failures", failures_only.get_untracked().then(|| "1".to_owned())),
                ("page", None),
            ]);
        }>
            <TextField label="Who (email or API key)" value=principal />
            <TextField label="Object (an id, such as auth0|123 or rol_…)" value=object />
            <TextField label="Sentence contains" value=text_q />
            <Select label="Area" value=resource options=resources />
            <Select label="Decision" value=decision options=decisions />
            <Select label="Outcome" value=outcome options=outcomes />
            <Select label="Via" value=via options=vias />
            <TextField label="Since" value=since input_type="date" />
            <TextField label="Until" value=until input_type="date" />
            <div class="field">
                <Checkbox label="Changes only (hide reads)" value=changes_only />
                <Checkbox label="Failures only (denied, failed or not sent)" value=failures_only />
            </div>
            <div class="actions"><button type="submit" class="btn primary">"Filter"</button></div>
        </form>
        {move || {
            let approval = qget(&pairs.get(), "approval");
            (!approval.is_empty()).then(|| {
            let href = format!("/approvals?id={}", crate::logic::url_state::encode_component(&approval));
            view! {
                <p class="note">
                    {format!("Entries of approval request {approval}. ")}
                    <a href=href>"See the request"</a>
                </p>
            }
        })
        }}
        <div class="actions" role="group" aria-label="Export the entries these filters select">
            {export_link("CSV", "csv", "text/csv", filters, export_status)}
            {export_link("JSON lines", "jsonl", "application/x-ndjson", filters, export_status)}
            <span role="status" aria-live="polite">{move || export_status.get()}</span>
        </div>
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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn changes_only_is_the_default_and_dates_cover_whole_days() {
        assert_eq!(bff_filters(&[]), pairs(&[("changes", "true")]));
        let q = bff_filters(&pairs(&[
            ("reads", "1"),
            ("failures", "1"),
            ("principal", " a@x "),
            ("object", "auth0|1"),
            ("since", "2024-01-02"),
            ("until", "2024-01-03"),
            ("page", "3"),
        ]));
        assert_eq!(
            q,
            pairs(&[
                ("principal", "a@x"),
                ("object", "auth0|1"),
                ("since", "2024-01-02T00:00:00Z"),
                ("until", "2024-01-03T23:59:59Z"),
                ("failures", "true"),
            ])
        );
        assert_eq!(
            api::audit_export_url("csv", &q),
            "/audit/export?format=csv&principal=a%40x&object=auth0%7C1&since=2024-01-02T00%3A00%3A00Z\
             &until=2024-01-03T23%3A59%3A59Z&failures=true"
        );
    }

    #[test]
    fn outcomes_read_apart_from_decisions() {
        let entry = |decision: &str, outcome: &str, status: u16| AuditEntry {
            id: 1,
            time: String::new(),
            principal: "a@x".into(),
            operation: None,
            resource: None,
            decision: decision.into(),
            outcome: outcome.into(),
            upstream_error: None,
            change: true,
            reason: None,
            status: Some(status),
            sentence: String::new(),
            method: String::new(),
            path: String::new(),
            via: None,
            approval: None,
        };
        assert_eq!(outcome_of(&entry("allowed", "failed", 404)), ("Failed", "bad"));
        assert_eq!(outcome_of(&entry("allowed", "succeeded", 200)), ("Succeeded", "good"));
        assert_eq!(outcome_of(&entry("denied", "not_sent", 403)), ("Not sent", ""));
        // From a BFF that did not say.
        assert_eq!(outcome_of(&entry("allowed", "", 409)), ("Failed", "bad"));
        assert_eq!(outcome_of(&entry("denied", "", 403)), ("Not sent", ""));
        assert_eq!(outcome_of(&entry("allowed", "", 204)), ("Succeeded", "good"));
    }
}
