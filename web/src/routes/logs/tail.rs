//! The live tail: new log events as the tenant's log stream delivers them
//! to the BFF (`/events`, no polling) when one is set up; otherwise it
//! follows them by checkpoint (`from` = the last log id seen, `take`),
//! polling through the client's shared pacer, and offers to set the stream
//! up to whoever may.

use super::table::log_table;
use crate::api;
use crate::api::feed::{FeedState, follow};
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

/// New events as they happen, newest first: streamed when the BFF has a
/// log stream, else polled.
#[component]
pub fn LiveTail() -> impl IntoView {
    let status = LocalResource::new(api::events_status);
    move || match status.get() {
        None => view! { <p class="help" role="status">"Starting…"</p> }.into_any(),
        Some(Ok(s)) if s.streaming && s.can_read => view! { <StreamTail /> }.into_any(),
        Some(Ok(s)) => view! { <PollTail can_set_up=s.can_set_up endpoint=s.endpoint /> }.into_any(),
        // An older BFF without the feed: poll.
        Some(Err(_)) => view! { <PollTail can_set_up=false endpoint=String::new() /> }.into_any(),
    }
}

/// The tail fed by `/events`.
#[component]
fn StreamTail() -> impl IntoView {
    let events = RwSignal::new(Vec::<LogEvent>::new());
    let state = RwSignal::new(FeedState::Connecting);
    follow(0, state, move |e| {
        events.update(|list| {
            list.insert(0, e);
            list.truncate(KEEP);
        });
    });
    view! {
        <section class="panel tail" aria-label="Live tail">
            <h2>"Live tail"</h2>
            <p class="help" role="status" aria-live="polite" data-testid="tail-state" data-state=move || format!("{:?}", state.get()).to_lowercase()>
                {move || state.get().describe()}
            </p>
            {move || log_table(&events.get(), "No new events yet.")}
        </section>
    }
}

/// Sets up the tenant's log stream (for those who may), then reloads the tail.
#[component]
fn SetUpStream(endpoint: String) -> impl IntoView {
    let done = RwSignal::new(None::<Result<String, api::UiError>>);
    let set_up = move |_| {
        leptos::task::spawn_local(async move {
            let r =
                api::set_up_events().await.map(|_| "The log stream is set up; reload to follow it live.".to_owned());
            done.set(Some(r));
        });
    };
    view! {
        <p class="help">
            {format!("No log stream feeds Gatehouse yet, so the tail polls. A stream makes it live: the tenant must be able to reach {endpoint}.")}
            " "
            <button type="button" class="btn" on:click=set_up>"Set up the log stream"</button>
        </p>
        {move || match done.get() {
            Some(Ok(m)) => view! { <p class="help" role="status">{m}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e /> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// The tail that polls by checkpoint.
#[component]
fn PollTail(can_set_up: bool, endpoint: String) -> impl IntoView {
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
            <p class="help" role="status" aria-live="polite" data-testid="tail-state" data-state="polling">{move || status.get()}</p>
            {can_set_up.then(|| view! { <SetUpStream endpoint=endpoint.clone() /> })}
            {move || error.get().map(|e| view! { <ErrorView error=e /> })}
            {move || log_table(&events.get(), "No new events yet.")}
        </section>
    }
}
