//! Metadata edited as JSON, validated as it is typed.

use crate::hooks::next_id;
use crate::logic::json::{pretty, validate_metadata};
use leptos::prelude::*;
use serde_json::{Map, Value};

/// A JSON object editor: shows the problem (line and column) as you type,
/// and saves only valid objects.
#[component]
pub fn JsonEditor(
    #[prop(into)] label: String,
    initial: Map<String, Value>,
    /// Whether saving is allowed.
    #[prop(optional)]
    editable: bool,
    #[prop(into)] on_save: Callback<Map<String, Value>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let text = RwSignal::new(pretty(&initial));
    let problem = Memo::new(move |_| text.with(|t| validate_metadata(t).err()));
    let id = next_id("json");
    let msg_id = format!("{id}-msg");
    let save = move |_| {
        if let Ok(map) = text.with_untracked(|t| validate_metadata(t)) {
            on_save.run(map);
        }
    };
    view! {
        <div class="field json-editor">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                class="code"
                rows=10
                spellcheck="false"
                readonly=!editable
                aria-invalid=move || problem.get().is_some().to_string()
                aria-describedby=msg_id.clone()
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <p id=msg_id class="field-msg" aria-live="polite">
                {move || match problem.get() {
                    Some(p) => view! { <span class="invalid">{p.to_string()}</span> }.into_any(),
                    None => view! { <span class="valid">"Valid JSON object."</span> }.into_any(),
                }}
            </p>
            {editable
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="btn primary"
                            disabled=move || problem.get().is_some() || pending.get()
                            on:click=save
                        >
                            "Save"
                        </button>
                    }
                })}
        </div>
    }
}
