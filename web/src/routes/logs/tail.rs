//! The live tail: follows new log events by checkpoint (`from` = the last
//! log id seen, `take`), polling through the client's shared pacer.

use super::table::log_table;
use crate::api;
use crate::components::ErrorView;
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, logs};
use gatehouse_model::types::LogEvent;
use leptos::prelude::*;
use std::time::Duration;

/// Seconds between polls once caught up.
const INTERVAL: Duration = Duration::from_secs(3);
/// Most events kept on screen.
const KEEP: usize = 200;

/// New events as they happen, newest first.
#[component]
pub fn LiveTail() -> impl IntoView {
    let events = RwSignal::new(Vec::<LogEvent>::new());
    let status = RwSignal::new("Starting…".to_owned());
    let error = RwSignal::new(None::<api::UiError>);
    let alive = RwSignal::new(true);
    on_cleanup(move || alive.set(false));
    leptos::task::spawn_local(async move {
        // Start after the newest event.
        let newest = api::call(logs::List {
            sort: Some("date:-1".into()),
            offset: Offset { page: Some(0), per_page: Some(1), include_totals: None },
            ..Default::default()
        })
        .await;
        let mut from = match newest {
            Ok(p) => p.items.first().and_then(|e| e.log_id.clone()),
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        while alive.try_get_untracked().unwrap_or(false) {
            let page: Result<Page<LogEvent>, _> = match &from {
                Some(id) => api::call(logs::List::after(id.clone(), 100)).await,
                None => {
                    api::call(logs::List {
                        sort: Some("date:1".into()),
                        offset: Offset { page: Some(0), per_page: Some(100), include_totals: None },
                        ..Default::default()
                    })
                    .await
                }
            };
            if !alive.try_get_untracked().unwrap_or(false) {
                break;
            }
            match page {
                Ok(p) => {
                    let n = p.items.len();
                    if let Some(last) = p.items.last().and_then(|e| e.log_id.clone()) {
                        from = Some(last);
                    }
                    if n > 0 {
                        events.update(|list| {
                            for e in p.items {
                                list.insert(0, e);
                            }
                            list.truncate(KEEP);
                        });
                    }
                    let now = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
                    status.set(format!(
                        "Following. Last checked {} UTC; {} new.",
                        crate::logic::format::date_time(&now),
                        n
                    ));
                    if n == 100 {
                        continue;
                    }
                }
                Err(e) => {
                    error.set(Some(e));
                    break;
                }
            }
            gloo_timers::future::sleep(INTERVAL).await;
        }
    });
    view! {
        <section class="panel tail" aria-label="Live tail">
            <h2>"Live tail"</h2>
            <p class="help" role="status" aria-live="polite">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <ErrorView error=e /> })}
            {move || log_table(&events.get(), "No new events yet.")}
        </section>
    }
}
