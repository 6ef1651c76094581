//! A form generated from a JSON Schema (the explorer's request bodies): one
//! labelled input per property, selects for enums, one-per-line text areas
//! for lists of strings, fieldsets for nested objects (closed when
//! optional), JSON text for anything else. Every input edits the one JSON
//! value in `body`, which the raw JSON view shows too. Problems found by
//! [`crate::logic::schema_form::validate`] appear under their field.

use crate::hooks::next_id;
use crate::logic::schema_form::{Field, Kind, Problem, fields, get_at, input_text, parse_input, set_at};
use leptos::prelude::*;
use serde_json::Value;

/// The form for `schema` (self-contained), editing `body`; `problems` are
/// shown under the fields they name. `None` when the schema is no object
/// with named fields (the caller offers the JSON view alone).
pub fn schema_form(schema: &Value, body: RwSignal<Value>, problems: RwSignal<Vec<Problem>>) -> Option<AnyView> {
    let list = fields(schema)?;
    Some(
        view! {
            <div class="schema-form" data-testid="schema-form">
                {list.into_iter().map(|f| field_view(f, Vec::new(), body, problems)).collect_view()}
            </div>
        }
        .into_any(),
    )
}

fn field_view(field: Field, parent: Vec<String>, body: RwSignal<Value>, problems: RwSignal<Vec<Problem>>) -> AnyView {
    let mut path = parent;
    path.push(field.name.clone());
    let at = path.join(".");
    let label = if field.required { format!("{} (required)", field.name) } else { field.name.clone() };
    if let Kind::Object(children) = &field.kind {
        let children = children.clone();
        let open = field.required || get_at(&body.get_untracked(), &path).is_some();
        let inner = children.into_iter().map(|c| field_view(c, path.clone(), body, problems)).collect_view();
        return view! {
            <details class="fieldset" open=open>
                <summary>{label.clone()}</summary>
                <fieldset>
                    <legend class="sr-only">{label}</legend>
                    {inner}
                </fieldset>
            </details>
        }
        .into_any();
    }
    let id = next_id("sf");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let text = RwSignal::new(input_text(&field.kind, get_at(&body.get_untracked(), &path)));
    let kind = field.kind.clone();
    let p = path.clone();
    let on_text = move |t: String| {
        text.set(t.clone());
        let value = parse_input(&kind, &t);
        body.update(|b| set_at(b, &p, value));
    };
    let at2 = at.clone();
    let error = Memo::new(move |_| {
        problems.with(|ps| ps.iter().filter(|x| x.at == at2).map(|x| x.message.clone()).collect::<Vec<_>>().join(" "))
    });
    let described = {
        let mut ids = Vec::new();
        if !field.hint.is_empty() {
            ids.push(hint_id.clone());
        }
        ids.push(error_id.clone());
        ids.join(" ")
    };
    let invalid = move || (!error.get().is_empty()).then_some("true");
    let input = match &field.kind {
        Kind::Choice(values) => {
            let on = on_text.clone();
            let options = values.clone();
            view! {
                <select id=id.clone() name=at.clone() aria-describedby=described.clone() aria-invalid=invalid
                    on:change=move |ev| on(event_target_value(&ev))>
                    <option value="" selected=text.get_untracked().is_empty()>"(not set)"</option>
                    {options.into_iter().map(|v| {
                        let selected = text.get_untracked() == v;
                        view! { <option value=v.clone() selected=selected>{v.clone()}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Kind::Boolean => {
            let on = on_text.clone();
            view! {
                <select id=id.clone() name=at.clone() aria-describedby=described.clone() aria-invalid=invalid
                    on:change=move |ev| on(event_target_value(&ev))>
                    <option value="" selected=text.get_untracked().is_empty()>"(not set)"</option>
                    <option value="true" selected=text.get_untracked() == "true">"true"</option>
                    <option value="false" selected=text.get_untracked() == "false">"false"</option>
                </select>
            }
            .into_any()
        }
        Kind::Lines { .. } | Kind::Json => {
            let on = on_text.clone();
            let code = matches!(field.kind, Kind::Json);
            view! {
                <textarea id=id.clone() name=at.clone() rows=if code { "5" } else { "3" } spellcheck="false"
                    class=code.then_some("code") aria-describedby=described.clone() aria-invalid=invalid
                    prop:value=move || text.get() on:input=move |ev| on(event_target_value(&ev))></textarea>
            }
            .into_any()
        }
        _ => {
            let on = on_text.clone();
            let numeric = matches!(field.kind, Kind::Integer | Kind::Number);
            view! {
                <input id=id.clone() name=at.clone() type="text" inputmode=numeric.then_some("decimal")
                    aria-required=field.required.then_some("true") aria-describedby=described.clone() aria-invalid=invalid
                    prop:value=move || text.get() on:input=move |ev| on(event_target_value(&ev)) />
            }
            .into_any()
        }
    };
    let hint = match (&field.kind, field.hint.is_empty()) {
        (Kind::Lines { values }, _) if !values.is_empty() => format!("One per line, from: {}.", values.join(", ")),
        (Kind::Json, true) => "JSON.".to_owned(),
        (_, true) => String::new(),
        (_, false) => format!("{}.", capitalise(&field.hint)),
    };
    view! {
        <div class="field" class:invalid=move || !error.get().is_empty()>
            <label for=id>{label}</label>
            {input}
            {(!hint.is_empty()).then(|| view! { <p class="help" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
        </div>
    }
    .into_any()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
