//! Labelled form fields bound to signals.

use crate::hooks::next_id;
use leptos::prelude::*;

/// A labelled text input.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(optional, into)] help: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] disabled: bool,
    #[prop(optional, into)] input_type: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
) -> impl IntoView {
    let id = next_id("f");
    let help_id = format!("{id}-help");
    view! {
        <div class="field">
            <label for=id.clone()>{label}{required.then_some(" (required)")}</label>
            <input
                id=id
                type=input_type.unwrap_or_else(|| "text".into())
                required=required
                disabled=disabled
                placeholder=placeholder.unwrap_or_default()
                aria-describedby=help.as_ref().map(|_| help_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {help.map(|h| view! { <p class="help" id=help_id>{h}</p> })}
        </div>
    }
}

/// A labelled text area (lists, JSON, certificates).
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(optional, into)] help: Option<String>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let id = next_id("f");
    let help_id = format!("{id}-help");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                rows=rows
                disabled=disabled
                spellcheck="false"
                aria-describedby=help.as_ref().map(|_| help_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            {help.map(|h| view! { <p class="help" id=help_id>{h}</p> })}
        </div>
    }
}

/// A labelled checkbox.
#[component]
pub fn Checkbox(#[prop(into)] label: String, value: RwSignal<bool>, #[prop(optional)] disabled: bool) -> impl IntoView {
    let id = next_id("f");
    view! {
        <div class="field check">
            <input
                id=id.clone()
                type="checkbox"
                disabled=disabled
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{label}</label>
        </div>
    }
}

/// A labelled select: `options` are `(value, label)`.
#[component]
pub fn Select(
    #[prop(into)] label: String,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let id = next_id("f");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                disabled=disabled
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = value.get_untracked() == v;
                        view! { <option value=v selected=selected>{l}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
