//! Talking to the BFF: the shared Gatehouse client in cookie mode for the
//! Auth0 APIs it proxies, and thin typed fetches for the BFF's own endpoints.

mod bff;
mod error;

pub use bff::{AuditEntry, AuditPage, Me, audit, logout, me, sign_in_url};
pub use error::UiError;

use gatehouse_client::{Client, ClientError, Request, Response};
use gatehouse_model::operation::Operation;
use gatehouse_model::RateLimit;
use leptos::prelude::*;
use std::cell::OnceCell;

thread_local! {
    static CLIENT: OnceCell<Client> = const { OnceCell::new() };
    static BUDGET: OnceCell<ArcRwSignal<RateLimit>> = const { OnceCell::new() };
}

/// The page's origin, such as `http://127.0.0.1:8080`.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_else(|| "http://localhost".into())
}

/// The client every page shares: cookie mode (`X-CSRF: 1`, the session
/// cookie), one pacer, so bulk jobs and pages share the tenant's budget.
///
/// # Panics
///
/// Only if the page's origin is not a URL, which a browser never gives.
pub fn client() -> Client {
    CLIENT.with(|c| {
        c.get_or_init(|| {
            Client::builder()
                .base_url(&origin())
                .cookie_mode()
                .build()
                .expect("the page's origin is a valid base URL")
        })
        .clone()
    })
}

/// The tenant's last known rate-limit budget, updated after every call.
pub fn budget() -> ArcRwSignal<RateLimit> {
    BUDGET.with(|b| b.get_or_init(|| ArcRwSignal::new(RateLimit::default())).clone())
}

/// Records the budget a response (or error) reported.
pub fn note_budget(rate_limit: Option<RateLimit>) {
    if let Some(rl) = rate_limit.filter(RateLimit::is_known) {
        let b = budget();
        if b.get_untracked() != rl {
            b.set(rl);
        }
    }
}

/// Sends a request and returns its value, noting the budget; errors become [`UiError`].
pub async fn send<O: Operation>(request: Request<O>) -> Result<O::Response, UiError> {
    finish(request.send().await)
}

/// Notes the budget of a finished call and converts its error.
pub fn finish<T>(result: Result<Response<T>, ClientError>) -> Result<T, UiError> {
    match result {
        Ok(r) => {
            note_budget(Some(r.rate_limit));
            Ok(r.value)
        }
        Err(e) => {
            note_budget(e.rate_limit().copied());
            Err(UiError::from(e))
        }
    }
}

/// Converts an error of a helper call (that returns no `Response`).
pub fn plain<T>(result: Result<T, ClientError>) -> Result<T, UiError> {
    note_budget(Some(client().rate_limit()));
    result.map_err(UiError::from)
}
