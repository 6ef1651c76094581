//! `/explorer`: every operation the principal may use, from the BFF's
//! catalogue (`GET /catalog`): searchable by group and name (`?q=`), one
//! operation at a time (`?op=`, its parameters as `path.NAME` / `query.NAME`),
//! a form from its path and query parameters and from its body's JSON Schema
//! (`GET /catalog/{name}`; checked before sending, also editable as JSON),
//! the answer as a table (columns from the answer's schema, with paging) or
//! JSON, destructive operations confirmed first. The BFF still decides every call.

use crate::api::{self, UiError};
use crate::components::{ConfirmDialog, ErrorView, PageHeader, Panel, loaded, schema_form};
use crate::hooks::{next_id, qget, use_query_pairs, use_query_value, use_set_query};
use crate::logic::explorer::{Built, build, rows, search};
use crate::logic::schema_form::{Problem, columns, validate};
use crate::logic::url_state::encode_query;
use gatehouse_client::RawRequest;
use gatehouse_model::{Api, Verb};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::Value;

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn raw(b: Built) -> Result<RawRequest, UiError> {
    let api = match b.api.as_str() {
        "teams" => Api::Teams,
        _ => Api::Management,
    };
    let verb = match b.method.as_str() {
        "POST" => Verb::Post,
        "PUT" => Verb::Put,
        "PATCH" => Verb::Patch,
        "DELETE" => Verb::Delete,
        _ => Verb::Get,
    };
    Ok(RawRequest { api, verb, path_and_query: b.path_and_query, body: b.body, content_type: None })
}

/// The explorer page.
#[component]
pub fn ExplorerPage() -> impl IntoView {
    let catalog = api::resource(|| -> api::Fut<Vec<Value>> {
        Box::pin(async {
            Ok(api::catalog().await?.get("operations").and_then(Value::as_array).cloned().unwrap_or_default())
        })
    });
    let q = use_query_value("q");
    let chosen = use_query_value("op");
    let set_query = use_set_query();
    let typed = RwSignal::new(q.get_untracked());
    let search_id = next_id("ops");
    view! {
        <PageHeader title="Operations explorer" subtitle="Every Management API operation your Gatehouse role allows, with a form built from its description." />
        <div class="explorer">
            <form class="search" role="search" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                set_query(vec![("q", Some(typed.get_untracked()))]);
            }>
                <label for=search_id.clone()>"Find an operation"</label>
                <div class="search-row">
                    <input id=search_id type="search" placeholder="client grants create, users permissions…"
                        prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                    <button type="submit" class="btn">"Search"</button>
                </div>
            </form>
            {loaded(catalog, move |ops: &Vec<Value>| {
                let ops = ops.clone();
                view! {
                    {
                        let ops = ops.clone();
                        move || {
                            let found: Vec<Value> = search(&ops, &q.get()).into_iter().take(60).cloned().collect();
                            let count = search(&ops, &q.get()).len();
                            view! {
                                <p class="help" aria-live="polite">{format!("{count} operations match{}.", if count > 60 { "; the first 60 are listed" } else { "" })}</p>
                                <ul class="op-list">
                                    {found.into_iter().map(|op| {
                                        let name = s(&op, "name");
                                        let href = format!("/explorer?q={}&op={}", crate::logic::url_state::encode_component(&q.get_untracked()), crate::logic::url_state::encode_component(&name));
                                        view! {
                                            <li>
                                                <a href=href aria-current=move || (chosen.get() == name).then_some("true")>
                                                    <span class=format!("verb {}", s(&op, "method").to_lowercase())>{s(&op, "method")}</span>
                                                    " "<code>{s(&op, "name")}</code>
                                                </a>
                                                <span class="sub">{s(&op, "describe")}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }
                        }
                    }
                    {move || {
                        let name = chosen.get();
                        ops.iter().find(|o| s(o, "name") == name).cloned().map(|op| view! { <OperationForm op=op /> })
                    }}
                }
            })}
        </div>
    }
}

/// The browser's regular expressions for `pattern`s; `None` when the
/// pattern does not compile there.
fn regex_matches(pattern: &str, text: &str) -> Option<bool> {
    use wasm_bindgen::JsCast;
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"RegExp".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
    let args = js_sys::Array::of2(&pattern.into(), &"u".into());
    let re = js_sys::Reflect::construct(&ctor, &args).ok()?.dyn_into::<js_sys::RegExp>().ok()?;
    Some(re.test(text))
}

/// The explorer's URL keys for a path parameter and a query parameter.
fn path_key(name: &str) -> String {
    format!("path.{name}")
}
fn query_key(name: &str) -> String {
    format!("query.{name}")
}

#[component]
fn OperationForm(op: Value) -> impl IntoView {
    let name = s(&op, "name");
    let detail = api::resource({
        let name = name.clone();
        move || -> api::Fut<Value> {
            let name = name.clone();
            Box::pin(async move { api::catalog_op(&name).await })
        }
    });
    let pairs = use_query_pairs();
    let initial = pairs.get_untracked();
    let path_params: Vec<String> = op
        .get("pathParams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let query_specs: Vec<Value> = op.get("query").and_then(Value::as_array).cloned().unwrap_or_default();
    let path_values: Vec<(String, RwSignal<String>)> =
        path_params.iter().map(|p| (p.clone(), RwSignal::new(qget(&initial, &path_key(p))))).collect();
    let query_values: Vec<(Value, RwSignal<String>)> = query_specs
        .into_iter()
        .map(|q| {
            let v = qget(&initial, &query_key(&s(&q, "name")));
            (q, RwSignal::new(v))
        })
        .collect();
    let has_body = op.get("body").is_some_and(|b| !b.is_null());
    let body = RwSignal::new(if has_body { Value::Object(Default::default()) } else { Value::Null });
    let schema = RwSignal::new(None::<Value>);
    let response_schema = RwSignal::new(Value::Null);
    let as_json = RwSignal::new(false);
    let json_text = RwSignal::new(String::new());
    let json_error = RwSignal::new(None::<String>);
    let problems = RwSignal::new(Vec::<Problem>::new());
    let destructive = op.get("destructive").and_then(Value::as_bool) == Some(true);
    let answer = RwSignal::new(None::<Result<Value, UiError>>);
    let as_table = RwSignal::new(true);
    let sending = RwSignal::new(false);
    let confirm = RwSignal::new(false);
    let stored = StoredValue::new(op.clone());
    let navigate = leptos_router::hooks::use_navigate();
    let (pv, qv) = (path_values.clone(), query_values.clone());
    // The URL keeps the operation and its parameters (never the body, which may hold secrets).
    let remember = move || {
        let mut url: Vec<(String, String)> = pairs
            .get_untracked()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("path.") && !k.starts_with("query."))
            .collect();
        url.extend(
            pv.iter().filter(|(_, v)| !v.get_untracked().is_empty()).map(|(k, v)| (path_key(k), v.get_untracked())),
        );
        url.extend(
            qv.iter()
                .filter(|(_, v)| !v.get_untracked().is_empty())
                .map(|(q, v)| (query_key(&s(q, "name")), v.get_untracked())),
        );
        navigate(
            &format!("/explorer{}", encode_query(&url)),
            leptos_router::NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let (pv, qv) = (path_values.clone(), query_values.clone());
    // Checks everything first; `true` when the request may go.
    let check = move || -> Result<Built, String> {
        let op = stored.get_value();
        let path: Vec<(String, String)> = pv.iter().map(|(k, v)| (k.clone(), v.get_untracked())).collect();
        let query: Vec<(String, String)> = qv.iter().map(|(q, v)| (s(q, "name"), v.get_untracked())).collect();
        if let Some(e) = json_error.get_untracked().filter(|_| as_json.get_untracked()) {
            return Err(e);
        }
        let found = match schema.get_untracked() {
            Some(sc) if has_body => validate(&sc, &body.get_untracked(), &regex_matches),
            _ => Vec::new(),
        };
        let count = found.len();
        problems.set(found);
        if count > 0 {
            return Err(format!(
                "The body has {count} problem{} (shown next to the fields): fix {} before sending.",
                if count == 1 { "" } else { "s" },
                if count == 1 { "it" } else { "them" }
            ));
        }
        let text = if has_body { body.get_untracked().to_string() } else { String::new() };
        build(&op, &path, &query, &text)
    };
    let send = move || match check() {
        Err(e) => answer.set(Some(Err(UiError::msg(e)))),
        Ok(b) => {
            remember();
            sending.set(true);
            let fut = api::exec(raw(b));
            leptos::task::spawn_local(async move {
                let got = fut.await.and_then(|bytes| api::decode::<Value>(&bytes));
                sending.set(false);
                answer.set(Some(got));
            });
        }
    };
    let find = |name: &str| query_values.iter().find(|(q, _)| s(q, "name") == name).map(|(_, v)| *v);
    let page_signal = find("page");
    let from_signal = find("from");
    // The next page: `page` + 1, or the checkpoint's `next` as `from`.
    let next_cursor = move || -> Option<String> {
        let Some(Ok(v)) = answer.get() else { return None };
        v.get("next").and_then(Value::as_str).filter(|n| !n.is_empty()).map(str::to_owned)
    };
    let send_next = send.clone();
    let next_page = move |_| {
        if let (Some(from), Some(cursor)) = (from_signal, next_cursor()) {
            from.set(cursor);
        } else if let Some(p) = page_signal {
            let n = p.get_untracked().parse::<u64>().unwrap_or(0);
            p.set((n + 1).to_string());
        }
        send_next();
    };
    let send_prev = send.clone();
    let previous_page = move |_| {
        if let Some(p) = page_signal {
            let n = p.get_untracked().parse::<u64>().unwrap_or(0);
            p.set(n.saturating_sub(1).to_string());
            send_prev();
        }
    };
    let has_next = move || {
        let listed = matches!(answer.get(), Some(Ok(_)));
        listed && (page_signal.is_some() || (from_signal.is_some() && next_cursor().is_some()))
    };
    let has_previous = move || {
        matches!(answer.get(), Some(Ok(_))) && page_signal.is_some_and(|p| p.get().parse::<u64>().unwrap_or(0) > 0)
    };
    let send_confirmed = send.clone();
    let warning = format!("{}: this changes or deletes data on the tenant.", s(&op, "describe"));
    let toggle_json = move |_| {
        if as_json.get_untracked() {
            // Back to the form: it is rebuilt from the body the JSON view set.
            as_json.set(false);
        } else {
            json_text.set(serde_json::to_string_pretty(&body.get_untracked()).unwrap_or_default());
            json_error.set(None);
            as_json.set(true);
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(d)) = detail.get()
            && let Some(d) = d.downcast_ref::<Value>()
        {
            schema.set(d.get("bodySchema").filter(|v| !v.is_null()).cloned());
            response_schema.set(d.get("responseSchema").cloned().unwrap_or(Value::Null));
        }
    });
    let json_id = next_id("body");
    let body_view = move || {
        if !has_body {
            return ().into_any();
        }
        let detail_ready = schema.with(Option::is_some);
        let form = if as_json.get() || !detail_ready {
            None
        } else {
            schema.with_untracked(|sc| sc.as_ref().and_then(|sc| schema_form(sc, body, problems)))
        };
        let json_id = json_id.clone();
        match form {
            Some(form) => view! {
                <fieldset class="body">
                    <legend>"Body"</legend>
                    {form}
                </fieldset>
            }
            .into_any(),
            None => {
                if !as_json.get_untracked() {
                    json_text.set(serde_json::to_string_pretty(&body.get_untracked()).unwrap_or_default());
                }
                view! {
                    <div class="field">
                        <label for=json_id.clone()>"Body (JSON)"</label>
                        <textarea id=json_id class="code" rows="10" spellcheck="false"
                            aria-invalid=move || json_error.get().map(|_| "true")
                            prop:value=move || json_text.get()
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                json_text.set(text.clone());
                                match serde_json::from_str::<Value>(&text) {
                                    Ok(v) => { body.set(v); json_error.set(None); }
                                    Err(e) => json_error.set(Some(format!("The body is not JSON: {e}"))),
                                }
                            }></textarea>
                        <p class="field-error" aria-live="polite">{move || json_error.get()}</p>
                    </div>
                }
                .into_any()
            }
        }
    };
    view! {
        <Panel title=s(&op, "name")>
            <p><span class=format!("verb {}", s(&op, "method").to_lowercase())>{s(&op, "method")}</span>" "<code>{s(&op, "path")}</code></p>
            <p class="help">{s(&op, "describe")}</p>
            {loaded(detail, |_: &Value| ())}
            <form class="form" novalidate=true on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                if destructive { confirm.set(true) } else { send() }
            }>
                {path_values.into_iter().map(|(name, value)| view! {
                    <crate::components::TextField label=format!("{name} (path)") value=value required=true />
                }).collect_view()}
                {query_values.into_iter().map(|(spec, value)| {
                    let name = s(&spec, "name");
                    let values: Vec<String> = spec.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                    let kind = s(&spec, "kind");
                    let help = match kind.as_str() {
                        "integer" => "A whole number.".to_owned(),
                        "boolean" => "true or false.".to_owned(),
                        k if k.ends_with("List") => format!("Several values, separated by commas{}.", if values.is_empty() { String::new() } else { format!(": {}", values.join(", ")) }),
                        _ if !values.is_empty() => format!("One of: {}.", values.join(", ")),
                        _ => String::new(),
                    };
                    let label = if spec.get("required").and_then(Value::as_bool) == Some(true) { format!("{name} (query, required)") } else { format!("{name} (query)") };
                    view! { <crate::components::TextField label=label value=value help=help /> }
                }).collect_view()}
                {body_view}
                <div class="actions">
                    <button type="submit" class=if destructive { "btn danger" } else { "btn primary" } disabled=move || sending.get()>"Send"</button>
                    {has_body.then(|| view! {
                        <button type="button" class="btn" aria-pressed=move || as_json.get().to_string() on:click=toggle_json
                            disabled=move || as_json.get() && json_error.get().is_some()>
                            {move || if as_json.get() { "Edit as form" } else { "Edit as JSON" }}
                        </button>
                    })}
                </div>
            </form>
            <div aria-live="polite" data-testid="explorer-answer">
                {move || match answer.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                    Some(Ok(v)) => {
                        let op = stored.get_value();
                        let listed = rows(&op, &v);
                        let key = op.pointer("/paging/items/key").and_then(Value::as_str).map(str::to_owned);
                        let shown = match listed.filter(|_| as_table.get()) {
                            Some(items) => {
                                let cols = response_schema.with(|r| columns(r, key.as_deref(), &items, 8));
                                json_table(&items, &cols)
                            }
                            None => view! { <pre class="code">{serde_json::to_string_pretty(&v).unwrap_or_default()}</pre> }.into_any(),
                        };
                        let listing = rows(&op, &v).is_some();
                        view! {
                            <div class="actions">
                                {listing.then(|| view! {
                                    <button type="button" class="btn" aria-pressed=move || (!as_table.get()).to_string() on:click=move |_| as_table.update(|t| *t = !*t)>
                                        {move || if as_table.get() { "Show JSON" } else { "Show table" }}
                                    </button>
                                })}
                            </div>
                            {shown}
                        }
                        .into_any()
                    }
                }}
                <div class="actions">
                    <button type="button" class="btn" on:click=previous_page disabled=move || sending.get() style:display=move || if has_previous() { "" } else { "none" }>"Previous page"</button>
                    <button type="button" class="btn" on:click=next_page disabled=move || sending.get() style:display=move || if has_next() { "" } else { "none" }>"Next page"</button>
                </div>
            </div>
        </Panel>
        <ConfirmDialog open=confirm title="Send this destructive operation?" confirm_label="Send" destructive=true on_confirm=move |()| send_confirmed()>
            <p>{warning.clone()}</p>
        </ConfirmDialog>
    }
}

/// A table of JSON rows with the given columns.
fn json_table(items: &[Value], keys: &[String]) -> AnyView {
    if items.is_empty() {
        return view! { <p class="empty">"No results."</p> }.into_any();
    }
    let cell = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    view! {
        <div class="table-wrap">
            <table class="data">
                <caption class="sr-only">"Results"</caption>
                <thead><tr>{keys.iter().map(|k| view! { <th scope="col">{k.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {items.iter().map(|row| view! {
                        <tr>{keys.iter().map(|k| view! { <td><span class="wrap">{cell(row.get(k.as_str()))}</span></td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
