//! The options of a connection as a form chosen by its strategy. Options
//! the form does not show are sent back unchanged (`options` is replaced whole).

use crate::components::{Checkbox, TextArea, TextField};
use crate::logic::json::lines;
use crate::logic::strategies::{Field, FieldKind, fields};
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The form's state: one text and one flag per field.
#[derive(Clone)]
pub struct OptionsState {
    fields: Vec<(Field, RwSignal<String>, RwSignal<bool>)>,
}

impl OptionsState {
    /// The state for `strategy`, filled from `options`.
    pub fn new(strategy: &str, options: &Map<String, Value>) -> Self {
        let fields = fields(strategy)
            .iter()
            .map(|f| {
                let v = options.get(f.key);
                let text = match (f.kind, v) {
                    (FieldKind::Secret, _) => String::new(),
                    (FieldKind::List, Some(Value::Array(a))) => {
                        a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")
                    }
                    (_, Some(Value::String(s))) => s.clone(),
                    (_, Some(Value::Number(n))) => n.to_string(),
                    _ => String::new(),
                };
                let on = matches!(v, Some(Value::Bool(true)));
                (*f, RwSignal::new(text), RwSignal::new(on))
            })
            .collect();
        Self { fields }
    }

    /// `options` with the form's values written in. A secret left empty keeps its value.
    pub fn apply(&self, options: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        let mut out = options.clone();
        for (f, text, on) in &self.fields {
            let t = text.get_untracked().trim().to_owned();
            let value = match f.kind {
                FieldKind::Bool => Value::Bool(on.get_untracked()),
                FieldKind::List => Value::Array(lines(&t).into_iter().map(Value::String).collect()),
                FieldKind::Number if t.is_empty() => continue,
                FieldKind::Number => {
                    Value::from(t.parse::<i64>().map_err(|_| format!("{} must be a whole number.", f.label))?)
                }
                FieldKind::Secret if t.is_empty() => continue,
                FieldKind::Text | FieldKind::LongText if t.is_empty() => {
                    out.remove(f.key);
                    continue;
                }
                _ => Value::String(t),
            };
            out.insert(f.key.to_owned(), value);
        }
        Ok(out)
    }

    /// The fields, rendered.
    pub fn view(&self, options: &Map<String, Value>, disabled: bool) -> AnyView {
        if self.fields.is_empty() {
            return view! { <p class="note">"This strategy has no options form; its options are kept as they are."</p> }
                .into_any();
        }
        self.fields
            .iter()
            .map(|(f, text, on)| match f.kind {
                FieldKind::Bool => view! { <Checkbox label=f.label value=*on disabled=disabled /> }.into_any(),
                FieldKind::List => {
                    view! { <TextArea label=f.label value=*text disabled=disabled help="One per line." /> }.into_any()
                }
                FieldKind::LongText => {
                    view! { <TextArea label=f.label value=*text disabled=disabled rows=6 /> }.into_any()
                }
                FieldKind::Secret => {
                    let help = if options.contains_key(f.key) {
                        "Set. Leave empty to keep it; type a new value to replace it."
                    } else {
                        "Not set."
                    };
                    view! { <TextField label=f.label value=*text input_type="password" disabled=disabled help=help /> }
                        .into_any()
                }
                FieldKind::Number => {
                    view! { <TextField label=f.label value=*text input_type="number" disabled=disabled /> }.into_any()
                }
                FieldKind::Text => view! { <TextField label=f.label value=*text disabled=disabled /> }.into_any(),
            })
            .collect_view()
            .into_any()
    }
}
