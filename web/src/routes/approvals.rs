//! `/approvals`: calls that wait for a human (a principal whose access on the
//! operation is `approve`), from the BFF's `GET /approvals`. Each request
//! shows who asks and how (an agent over MCP, or the HTTP API), the
//! operation, the object, the body and, for updates, what would change, with
//! the time left before it expires. Principals with `approvals = "full"`
//! approve or deny it (a dialog takes an optional reason); the BFF's refusals
//! (deciding one's own request, deciding what one could not do oneself, a
//! request already closed) are shown as it words them.
//!
//! The list refreshes every few seconds; `?status=` picks the history
//! (`approved`, `denied`, `expired`, `cancelled`, `all`) and `?id=` shows one
//! request (the audit page links there).

use crate::api::{self, Approval, Approvals, Change, UiError};
use crate::components::{
    Column, ConfirmDialog, ErrorView, Loading, PageHeader, Select, TableOpts, TextArea, action_status, table,
};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::format::{date_time, or_dash, plural};
use crate::logic::permissions::APPROVALS;
use crate::logic::time::parse_iso;
use crate::logic::url_state::encode_component;
use crate::routes::{badge, mono, text};
use leptos::prelude::*;
use serde_json::Value;

/// Seconds between refreshes of the list.
const REFRESH_SECS: u32 = 4;

/// The statuses the history filter offers, the default first.
pub const STATUSES: [(&str, &str); 6] = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("denied", "Denied"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
    ("all", "All"),
];

/// How many requests wait, as the navigation's badge shows it: set by the
/// navigation's own polling and by this page whenever it loads the list.
#[derive(Clone, Copy)]
pub struct PendingCount(pub RwSignal<Option<u64>>);

/// The time left before a request expires, from UNIX milliseconds:
/// `1 min 05 s left`, `40 s left`, or `expiring` once past.
pub fn time_left(expires_ms: i64, now_ms: i64) -> String {
    let secs = (expires_ms - now_ms).div_euclid(1000);
    match secs {
        s if s <= 0 => "expiring".to_owned(),
        s if s < 60 => format!("{s} s left"),
        s if s < 3600 => format!("{} min {:02} s left", s / 60, s % 60),
        s => format!("{} h {:02} min left", s / 3600, s / 60 % 60),
    }
}

/// A JSON value as a cell shows it: strings bare, `null` as unset, the rest as JSON.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Null => "(unset)".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The object a request acts on, from its path parameters: `id = auth0|1`.
pub fn object_of(params: &Value) -> String {
    match params.as_object() {
        Some(map) if !map.is_empty() => {
            map.iter().map(|(k, v)| format!("{k} = {}", shown(v))).collect::<Vec<_>>().join(", ")
        }
        _ => "—".to_owned(),
    }
}

/// Who asks, in words: the principal, what it is and how the call came.
pub fn asker(a: &Approval) -> String {
    let kind = match a.principal_kind.as_str() {
        "api_key" => "API key",
        "user" => "admin",
        other => other,
    };
    let via = match a.via.as_str() {
        "mcp" => ", via MCP",
        "api" => ", via the HTTP API",
        "console" => ", via the console",
        _ => "",
    };
    if kind.is_empty() { format!("{}{via}", a.principal) } else { format!("{} ({kind}{via})", a.principal) }
}

fn status_badge(status: &str) -> AnyView {
    match status {
        "pending" => badge("Pending", "warn"),
        "approved" => badge("Approved", "good"),
        "denied" => badge("Denied", "bad"),
        "expired" => badge("Expired", ""),
        "cancelled" => badge("Cancelled", ""),
        _ => badge("Unknown", ""),
    }
}

fn change_columns() -> Vec<Column<Change>> {
    vec![
        Column::new("Field", |c| mono(c.field.clone())),
        Column::new("Now", |c| text(shown(&c.before))),
        Column::new("After approval", |c| text(shown(&c.after))),
    ]
}

/// What a row's Approve or Deny button picked: the request and whether it approves.
#[derive(Clone, Copy)]
struct Deciding(RwSignal<Option<(Approval, bool)>>);

/// The current time, ticking each second, for the time left.
#[derive(Clone, Copy)]
struct Now(RwSignal<i64>);

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// One request: everything a decider needs to see, and the decision buttons.
fn card(a: &Approval, writable: bool) -> AnyView {
    let pending = a.status == "pending";
    let expires = parse_iso(&a.expires_at);
    let now = use_context::<Now>().map(|n| n.0);
    let left = move || match (expires, now) {
        (Some(e), Some(n)) => time_left(e, n.get()),
        _ => "—".to_owned(),
    };
    let via = (a.via == "mcp").then(|| badge("via MCP", "warn"));
    let changes = a.changes.clone().filter(|c| !c.is_empty()).map(|c| {
        view! {
            <h3>"What would change"</h3>
            {table(&c, &change_columns(), None, TableOpts::new("What would change", "No field changes."))}
        }
    });
    let body = a.body.clone().filter(|b| !b.is_null()).map(|b| {
        let pretty = serde_json::to_string_pretty(&b).unwrap_or_default();
        view! {
            <h3>"Request body"</h3>
            <pre class="code" data-testid="approval-body">{pretty}</pre>
        }
    });
    let decided = (!pending).then(|| {
        let by = a.decided_by.clone().map(|who| format!("{} by {who}", a.status)).unwrap_or_else(|| a.status.clone());
        let at = a.decided_at.as_deref().map(|t| format!(" at {}", date_time(t))).unwrap_or_default();
        let reason = a.reason.clone().map(|r| view! { <span class="sub">{format!("Reason: {r}")}</span> });
        view! {
            <p class="decided">{format!("{}{at}.", capitalized(&by))}{reason}</p>
        }
    });
    let audit = a.audit_id.map(|_| {
        let href = format!("/audit?approval={}&reads=1", encode_component(&a.id));
        view! { <a href=href>"The call in the audit log"</a> }
    });
    let deciding = use_context::<Deciding>().filter(|_| pending && writable);
    let buttons = deciding.map(|Deciding(pick)| {
        let (yes, no) = (a.clone(), a.clone());
        let aria_yes = format!("Approve: {}", a.sentence);
        let aria_no = format!("Deny: {}", a.sentence);
        view! {
            <div class="actions">
                <button type="button" class="btn primary" aria-label=aria_yes on:click=move |_| pick.set(Some((yes.clone(), true)))>
                    "Approve"
                </button>
                <button type="button" class="btn danger" aria-label=aria_no on:click=move |_| pick.set(Some((no.clone(), false)))>
                    "Deny"
                </button>
            </div>
        }
    });
    view! {
        <article class="panel approval" data-testid="approval" data-id=a.id.clone() data-status=a.status.clone()>
            <header class="approval-head">
                <h2>{a.sentence.clone()}</h2>
                {status_badge(&a.status)}
                {via}
            </header>
            <dl class="facts">
                <div><dt>"Who asks"</dt><dd>{asker(a)}</dd></div>
                <div>
                    <dt>"Operation"</dt>
                    <dd><code>{a.operation.clone()}</code><span class="sub">{format!("{} {}", a.method, a.path)}</span></dd>
                </div>
                <div><dt>"Object"</dt><dd>{object_of(&a.params)}</dd></div>
                <div><dt>"Requested"</dt><dd>{or_dash(Some(&date_time(&a.requested_at)))}</dd></div>
                {pending.then(|| view! { <div><dt>"Expires"</dt><dd data-testid="time-left">{left}</dd></div> })}
                <div><dt>"Request id"</dt><dd><code class="id">{a.id.clone()}</code></dd></div>
            </dl>
            {changes}
            {body}
            {decided}
            {audit}
            {buttons}
        </article>
    }
    .into_any()
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Loads the requests `key` (status, id) names into `data`, unless the page
/// has meanwhile moved on to another; updates the pending count.
async fn load(
    key: (String, String),
    current: Memo<(String, String)>,
    data: RwSignal<Option<Result<Approvals, UiError>>>,
    count: Option<PendingCount>,
) {
    let (status, id) = key.clone();
    let got = if id.is_empty() {
        api::approvals(&status).await
    } else {
        api::approval(&id).await.map(|a| Approvals { approvals: vec![a], pending: 0 })
    };
    if current.try_get_untracked().as_ref() != Some(&key) {
        return;
    }
    if let (Ok(list), Some(PendingCount(c)), true) = (&got, count, id.is_empty()) {
        c.set(Some(list.pending));
    }
    if data.try_with_untracked(|d| d.as_ref() != Some(&got)).unwrap_or(false) {
        data.set(Some(got));
    }
}

/// The approvals page.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let writable = can_write(APPROVALS);
    let pairs = use_query_pairs();
    let key = Memo::new(move |_| {
        let p = pairs.get();
        let status = qget(&p, "status");
        (if status.is_empty() { "pending".to_owned() } else { status }, qget(&p, "id"))
    });
    let data = RwSignal::new(None::<Result<Approvals, UiError>>);
    let count = use_context::<PendingCount>();
    let now = RwSignal::new(now_ms());
    provide_context(Now(now));
    let refresh = move || leptos::task::spawn_local(load(key.get_untracked(), key, data, count));
    // A new filter or request: show it loading, then load it.
    Effect::new(move |_| {
        key.track();
        data.set(None);
        refresh();
    });
    let alive = RwSignal::new(true);
    on_cleanup(move || alive.set(false));
    leptos::task::spawn_local(async move {
        let mut tick = 0u32;
        loop {
            gloo_timers::future::TimeoutFuture::new(1000).await;
            if !alive.try_get_untracked().unwrap_or(false) {
                break;
            }
            now.set(now_ms());
            tick += 1;
            if tick.is_multiple_of(REFRESH_SECS) {
                load(key.get_untracked(), key, data, count).await;
            }
        }
    });

    let picked = RwSignal::new(None::<(Approval, bool)>);
    provide_context(Deciding(picked));
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    Effect::new(move |_| {
        if picked.get().is_some() {
            reason.set(String::new());
            open.set(true);
        }
    });
    let decision = api::job(move || {
        let picked = picked.get_untracked();
        let reason = reason.get_untracked();
        Box::pin(async move {
            let Some((a, approve)) = picked else { return Err(UiError::msg("No request was chosen.")) };
            let done = api::decide(&a.id, approve, &reason).await?;
            let verb = if approve { "Approved" } else { "Denied" };
            Ok(format!("{verb}: {}.", done.sentence))
        })
    });
    // After any answer (done, or refused because it closed meanwhile), show where things stand.
    Effect::new(move |_| {
        if decision.value().get().is_some() {
            refresh();
        }
    });
    let approving = Signal::derive(move || picked.with(|p| p.as_ref().is_some_and(|(_, yes)| *yes)));
    let dialog_title = Signal::derive(move || {
        if approving.get() { "Approve this request?".to_owned() } else { "Deny this request?".to_owned() }
    });

    let set_query = use_set_query();
    let filter = RwSignal::new(key.get_untracked().0);
    let set_status = set_query.clone();
    Effect::new(move |first: Option<()>| {
        let s = filter.get();
        if first.is_some() {
            set_status(vec![("status", (s != "pending").then_some(s)), ("id", None)]);
        }
    });
    let options: Vec<(String, String)> = STATUSES.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect();
    let back = move |_| set_query(vec![("id", None)]);

    view! {
        <PageHeader
            title="Approvals"
            subtitle="Calls that wait for a human: an agent or key with approve on an operation asks, and the call runs only once someone approves it."
        >
            <button type="button" class="btn" on:click=move |_| refresh()>"Refresh"</button>
        </PageHeader>
        {move || {
            if key.get().1.is_empty() {
                view! {
                    <div class="filters">
                        <Select label="Show" value=filter options=options.clone() />
                    </div>
                }
                    .into_any()
            } else {
                let back = back.clone();
                view! {
                    <p><button type="button" class="btn small" on:click=back>"← All pending requests"</button></p>
                }
                    .into_any()
            }
        }}
        {action_status(decision)}
        {(!writable).then(|| view! {
            <p class="note" data-testid="approvals-read-only">
                "You can see these requests; deciding them needs a Gatehouse role with approvals = \"full\"."
            </p>
        })}
        <div aria-live="polite">
            {move || match data.get() {
                None => view! { <Loading what="approval requests" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                Some(Ok(list)) => {
                    let (status, id) = key.get_untracked();
                    let summary = if id.is_empty() && status == "pending" {
                        format!("{} waiting.", plural(list.pending, "request", "requests"))
                    } else if id.is_empty() {
                        format!("{} (newest first).", plural(list.approvals.len() as u64, "request", "requests"))
                    } else {
                        String::new()
                    };
                    let empty = match status.as_str() {
                        "pending" => "Nothing waits for a decision.",
                        _ => "No requests with this status.",
                    };
                    view! {
                        <p class="totals" data-testid="approvals-summary">{summary}</p>
                        {if list.approvals.is_empty() {
                            view! { <p class="empty">{empty}</p> }.into_any()
                        } else {
                            list.approvals.iter().map(|a| card(a, writable)).collect_view().into_any()
                        }}
                    }
                        .into_any()
                }
            }}
        </div>
        <ConfirmDialog
            open=open
            title=dialog_title
            confirm_label="Send decision"
            destructive=Signal::derive(move || !approving.get())
            on_confirm=move |()| {
                decision.dispatch(());
            }
        >
            <p>
                {move || picked.get().map(|(a, _)| a.sentence).unwrap_or_default()}
            </p>
            <p>
                {move || {
                    if approving.get() {
                        "Approving runs the call at once, as the one who asked."
                    } else {
                        "Denying refuses the call: the caller gets 403 with your reason."
                    }
                }}
            </p>
            <TextArea label="Reason (optional)" value=reason rows=2 />
        </ConfirmDialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn time_left_reads_in_minutes_and_seconds() {
        assert_eq!(time_left(10_000, 0), "10 s left");
        assert_eq!(time_left(125_400, 0), "2 min 05 s left");
        assert_eq!(time_left(7_260_000, 0), "2 h 01 min left");
        assert_eq!(time_left(0, 0), "expiring");
        assert_eq!(time_left(0, 5_000), "expiring");
    }

    #[test]
    fn objects_and_values_read_plainly() {
        assert_eq!(object_of(&serde_json::json!({"id": "auth0|1"})), "id = auth0|1");
        assert_eq!(object_of(&serde_json::json!({})), "—");
        assert_eq!(object_of(&Value::Null), "—");
        assert_eq!(shown(&Value::Null), "(unset)");
        assert_eq!(shown(&serde_json::json!(true)), "true");
        assert_eq!(shown(&serde_json::json!({"a": 1})), r#"{"a":1}"#);
    }

    #[test]
    fn approvals_decode_from_the_bffs_shape() {
        let a: Approval = serde_json::from_value(serde_json::json!({
            "id": "apr_1", "status": "pending", "principal": "demo-agent", "principalKind": "api_key",
            "via": "mcp", "operation": "users.update", "method": "PATCH", "path": "/api/v2/users/auth0%7C1",
            "params": {"id": "auth0|1"}, "sentence": "demo-agent asks to block user ana@acme.test (auth0|1)",
            "body": {"blocked": true}, "changes": [{"field": "blocked", "before": null, "after": true}],
            "requestedAt": "2026-11-30T21:00:00Z", "expiresAt": "2026-11-30T21:02:00Z",
            "decidedBy": null, "decidedAt": null, "reason": null, "auditId": null
        }))
        .unwrap();
        assert_eq!(asker(&a), "demo-agent (API key, via MCP)");
        assert_eq!(a.changes.as_ref().unwrap()[0].after, serde_json::json!(true));
        let list: Approvals = serde_json::from_value(serde_json::json!({"approvals": [], "pending": 3})).unwrap();
        assert_eq!(list.pending, 3);
    }
}
