//! `/explorer`: every operation the principal may use, from the BFF's
//! catalogue (`GET /catalog`): searchable by group and name (`?q=`), one
//! operation at a time (`?op=`), a form from its path and query parameters
//! and a JSON body, the answer as a table or JSON, destructive operations
//! confirmed first. The BFF still decides every call.

use crate::api::{self, UiError};
use crate::components::{ConfirmDialog, ErrorView, PageHeader, Panel, loaded};
use crate::hooks::{next_id, use_query_value, use_set_query};
use crate::logic::explorer::{Built, build, rows, search};
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

#[component]
fn OperationForm(op: Value) -> impl IntoView {
    let path_params: Vec<String> = op
        .get("pathParams")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let query_specs: Vec<Value> = op.get("query").and_then(Value::as_array).cloned().unwrap_or_default();
    let path_values: Vec<(String, RwSignal<String>)> =
        path_params.iter().map(|p| (p.clone(), RwSignal::new(String::new()))).collect();
    let query_values: Vec<(Value, RwSignal<String>)> =
        query_specs.into_iter().map(|q| (q, RwSignal::new(String::new()))).collect();
    let has_body = op.get("body").is_some_and(|b| !b.is_null());
    let body = RwSignal::new(if has_body { "{\n}".to_owned() } else { String::new() });
    let destructive = op.get("destructive").and_then(Value::as_bool) == Some(true);
    let answer = RwSignal::new(None::<Result<Value, UiError>>);
    let as_table = RwSignal::new(true);
    let sending = RwSignal::new(false);
    let confirm = RwSignal::new(false);
    let stored = StoredValue::new(op.clone());
    let (pv, qv) = (path_values.clone(), query_values.clone());
    let send = move || {
        let op = stored.get_value();
        let path: Vec<(String, String)> = pv.iter().map(|(k, v)| (k.clone(), v.get_untracked())).collect();
        let query: Vec<(String, String)> = qv.iter().map(|(q, v)| (s(q, "name"), v.get_untracked())).collect();
        match build(&op, &path, &query, &body.get_untracked()) {
            Err(e) => answer.set(Some(Err(UiError::msg(e)))),
            Ok(b) => {
                sending.set(true);
                let fut = api::exec(raw(b));
                leptos::task::spawn_local(async move {
                    let got = fut.await.and_then(|bytes| api::decode::<Value>(&bytes));
                    sending.set(false);
                    answer.set(Some(got));
                });
            }
        }
    };
    let page_signal = query_values.iter().find(|(q, _)| s(q, "name") == "page").map(|(_, v)| *v);
    let send2 = send.clone();
    let next_page = move |_| {
        if let Some(p) = page_signal {
            let n = p.get_untracked().parse::<u64>().unwrap_or(0);
            p.set((n + 1).to_string());
            send2();
        }
    };
    let send3 = send.clone();
    let body_label = format!("Body (JSON, {})", op.pointer("/body/schema").and_then(Value::as_str).unwrap_or("object"));
    let warning = format!("{}: this changes or deletes data on the tenant.", s(&op, "describe"));
    view! {
        <Panel title=s(&op, "name")>
            <p><span class=format!("verb {}", s(&op, "method").to_lowercase())>{s(&op, "method")}</span>" "<code>{s(&op, "path")}</code></p>
            <p class="help">{s(&op, "describe")}</p>
            <form class="form" on:submit=move |ev: SubmitEvent| {
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
                {has_body.then(|| {
                    let id = next_id("body");
                    view! {
                        <div class="field">
                            <label for=id.clone()>{body_label.clone()}</label>
                            <textarea id=id class="code" rows="8" spellcheck="false" prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                        </div>
                    }
                })}
                <div class="actions">
                    <button type="submit" class=if destructive { "btn danger" } else { "btn primary" } disabled=move || sending.get()>"Send"</button>
                    {page_signal.map(|_| view! { <button type="button" class="btn" on:click=next_page>"Next page"</button> })}
                    <button type="button" class="btn" aria-pressed=move || as_table.get().to_string() on:click=move |_| as_table.update(|t| *t = !*t)>
                        {move || if as_table.get() { "Show JSON" } else { "Show table" }}
                    </button>
                </div>
            </form>
            <div aria-live="polite" data-testid="explorer-answer">
                {move || match answer.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                    Some(Ok(v)) => {
                        let listed = rows(&stored.get_value(), &v).filter(|_| as_table.get());
                        match listed {
                            Some(items) => json_table(&items),
                            None => view! { <pre class="code">{serde_json::to_string_pretty(&v).unwrap_or_default()}</pre> }.into_any(),
                        }
                    }
                }}
            </div>
        </Panel>
        <ConfirmDialog open=confirm title="Send this destructive operation?" confirm_label="Send" destructive=true on_confirm=move |()| send3()>
            <p>{warning.clone()}</p>
        </ConfirmDialog>
    }
}

/// A table of JSON rows: the first eight keys of the first row as columns.
fn json_table(items: &[Value]) -> AnyView {
    if items.is_empty() {
        return view! { <p class="empty">"No results."</p> }.into_any();
    }
    let keys: Vec<String> = items[0].as_object().map(|o| o.keys().take(8).cloned().collect()).unwrap_or_default();
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
