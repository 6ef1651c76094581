//! The client secret: fetched only when an admin with full access asks,
//! held only by this component while shown, hidden again after 30 seconds.

use crate::api::{self, UiError};
use crate::components::ErrorView;
use crate::hooks::can_write;
use gatehouse_model::ops::clients;
use gatehouse_model::types::Client;
use leptos::prelude::*;
use std::time::Duration;

/// How long a revealed secret stays on screen.
const SHOWN_FOR: Duration = Duration::from_secs(30);

/// Reveal / hide the client secret.
#[component]
pub fn SecretReveal(id: String) -> impl IntoView {
    if !can_write("applications") {
        return view! {
            <p class="note">"The client secret is hidden. Revealing it needs full access to applications."</p>
        }
        .into_any();
    }
    let shown = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<UiError>);
    let loading = RwSignal::new(false);
    let reveal = move |_| {
        let id = id.clone();
        loading.set(true);
        leptos::task::spawn_local(async move {
            let got: Result<Client, UiError> = api::call(clients::Get::new(id)).await;
            loading.set(false);
            match got {
                Ok(c) => {
                    error.set(None);
                    shown.set(Some(c.client_secret.map(|s| s.expose().to_owned()).unwrap_or_default()));
                    set_timeout(move || shown.set(None), SHOWN_FOR);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    on_cleanup(move || shown.set(None));
    view! {
        <div class="secret" aria-live="polite">
            {move || match shown.get() {
                Some(s) if s.is_empty() => view! { <p class="note">"This application has no client secret."</p> }.into_any(),
                Some(s) => view! {
                    <p>
                        <code class="secret-value" data-testid="client-secret">{s}</code>
                        " "
                        <button type="button" class="btn small" on:click=move |_| shown.set(None)>"Hide"</button>
                    </p>
                    <p class="help">"Hidden again in 30 seconds. Treat it like a password."</p>
                }
                .into_any(),
                None => view! {
                    <button type="button" class="btn" disabled=move || loading.get() on:click=reveal.clone()>
                        "Reveal client secret"
                    </button>
                }
                .into_any(),
            }}
            {move || error.get().map(|e| view! { <ErrorView error=e /> })}
        </div>
    }
    .into_any()
}
