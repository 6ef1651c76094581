//! The client secret: fetched only when a principal whose policy lets
//! answers carry secrets (`secrets = "full"`) asks, held only by this
//! component while shown, hidden again after 30 seconds. A new confidential
//! application's secret, from the create answer, is shown once on its page.

use crate::api::{self, UiError};
use crate::components::ErrorView;
use gatehouse_model::ops::clients;
use gatehouse_model::types::Client;
use leptos::prelude::*;
use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    /// The secret of the application just created, until its page takes it.
    static FRESH: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Keeps a new application's secret for its page to show once.
pub fn keep_fresh(id: &str, secret: String) {
    FRESH.with(|f| *f.borrow_mut() = Some((id.to_owned(), secret)));
}

/// The secret kept for `id`, taken (a second call answers `None`).
fn take_fresh(id: &str) -> Option<String> {
    FRESH.with(|f| {
        let mut f = f.borrow_mut();
        if f.as_ref().is_some_and(|(i, _)| i == id) { f.take().map(|(_, s)| s) } else { None }
    })
}

/// Whether the principal's answers carry secrets.
pub fn may_reveal() -> bool {
    crate::hooks::use_me().permissions.level(gatehouse_model::policy::SECRETS) >= crate::logic::permissions::Level::Full
}

/// A new application's secret, shown once on its page after creation.
#[component]
pub fn FreshSecret(id: String) -> impl IntoView {
    take_fresh(&id).map(|secret| {
        view! {
            <div class="alert secret-once" role="status">
                <strong>"The new application's client secret"</strong>
                <p><code class="secret-value" data-testid="fresh-secret">{secret}</code></p>
                <p class="help">"Copy it now: it is shown once. Later, reveal it from the Tokens tab."</p>
            </div>
        }
    })
}

/// How long a revealed secret stays on screen.
const SHOWN_FOR: Duration = Duration::from_secs(30);

/// Reveal / hide the client secret.
#[component]
pub fn SecretReveal(id: String) -> impl IntoView {
    if !may_reveal() {
        return view! {
            <p class="note" data-testid="secret-not-allowed">
                "The client secret is hidden. Revealing it needs a Gatehouse role with "
                <code>"secrets = \"full\""</code>
                "; the BFF removes secrets from every other principal's answers."
            </p>
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
