//! Search pickers: find users by email or name and pick them, so forms take
//! people rather than pasted ids.

use crate::api::{UiError, names};
use crate::components::ErrorView;
use crate::hooks::next_id;
use leptos::prelude::*;

/// Picked users as `(id, label)`.
pub type Picked = RwSignal<Vec<(String, String)>>;

/// A user search (plain text such as `jane` or `jane@acme.com`, or Lucene)
/// whose results are added to `picked` with a button each; picked users are
/// listed with a Remove button. With `single`, a pick replaces the previous one.
#[component]
pub fn UserPicker(#[prop(into)] label: String, picked: Picked, #[prop(optional)] single: bool) -> impl IntoView {
    let id = next_id("pick");
    let help_id = format!("{id}-help");
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<(String, String)>, UiError>>);
    let searching = RwSignal::new(false);
    let search = move || {
        let t = text.get_untracked();
        if t.trim().is_empty() {
            return;
        }
        searching.set(true);
        let sending = names::find_users(&t);
        leptos::task::spawn_local(async move {
            let got = sending.await;
            searching.set(false);
            found.set(Some(got));
        });
    };
    let pick = move |entry: (String, String)| {
        picked.update(|p| {
            if single {
                p.clear();
            }
            if !p.iter().any(|(i, _)| *i == entry.0) {
                p.push(entry);
            }
        });
    };
    let pasted = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<String>::new());
    let paste_error = RwSignal::new(None::<UiError>);
    let add_pasted = move |_| {
        let sending = names::resolve_lines(&pasted.get_untracked());
        leptos::task::spawn_local(async move {
            match sending.await {
                Ok((found, bad)) => {
                    paste_error.set(None);
                    for entry in found {
                        pick(entry);
                    }
                    if bad.is_empty() {
                        pasted.set(String::new());
                    }
                    problems.set(bad);
                }
                Err(e) => paste_error.set(Some(e)),
            }
        });
    };
    let paste_id = next_id("paste");
    view! {
        <div class="field picker">
            <label for=id.clone()>{label}</label>
            <div class="search-row">
                <input
                    id=id
                    type="search"
                    autocomplete="off"
                    placeholder="Email or name"
                    aria-describedby=help_id.clone()
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        // Enter searches here rather than submitting the form around the picker.
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            search();
                        }
                    }
                />
                <button type="button" class="btn" disabled=move || searching.get() on:click=move |_| search()>"Find"</button>
            </div>
            <p class="help" id=help_id>"Type an email or a name and press Find, then pick from the results."</p>
            <div aria-live="polite">
                {move || match found.get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="empty">"No user matches."</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="picker-results" aria-label="Matching users">
                            {list
                                .into_iter()
                                .map(|(uid, label)| {
                                    let entry = (uid.clone(), label.clone());
                                    view! {
                                        <li>
                                            <button type="button" class="btn small" on:click=move |_| pick(entry.clone())>
                                                {format!("Pick {label}")}
                                            </button>
                                            " "
                                            <code class="id">{uid}</code>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                }}
            </div>
            {(!single).then(|| view! {
                <details class="paste">
                    <summary>"Or paste ids or emails"</summary>
                    <label for=paste_id.clone()>"User ids or emails, one a line"</label>
                    <textarea id=paste_id rows="4" prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                    <button type="button" class="btn small" disabled=move || pasted.get().trim().is_empty() on:click=add_pasted>"Add these"</button>
                    <div aria-live="polite" data-testid="paste-problems">
                        {move || {
                            let bad = problems.get();
                            (!bad.is_empty()).then(|| view! {
                                <div class="alert error" role="alert">
                                    <strong>"Some lines name no user; the others were added:"</strong>
                                    <ul>{bad.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul>
                                </div>
                            })
                        }}
                        {move || paste_error.get().map(|e| view! { <ErrorView error=e /> })}
                    </div>
                </details>
            })}
            {move || {
                let list = picked.get();
                (!list.is_empty()).then(|| view! {
                    <ul class="picked" aria-label="Picked users">
                        {list
                            .into_iter()
                            .map(|(uid, label)| {
                                let gone = uid.clone();
                                view! {
                                    <li>
                                        <span>{label.clone()}</span>
                                        " "
                                        <button
                                            type="button"
                                            class="btn small"
                                            aria-label=format!("Remove {label}")
                                            on:click=move |_| picked.update(|p| p.retain(|(i, _)| *i != gone))
                                        >
                                            "Remove"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}

/// The ids of picked users.
pub fn picked_ids(picked: Picked) -> Vec<String> {
    picked.get_untracked().into_iter().map(|(id, _)| id).collect()
}
