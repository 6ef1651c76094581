//! The BFF's live event feed (`GET /events`, Server-Sent Events) through the
//! browser's `EventSource`: no polling. The browser reconnects by itself
//! after a drop, sending `Last-Event-ID`, so nothing is missed while the
//! BFF's window holds it.

use gatehouse_model::types::LogEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

/// Where a feed stands, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedState {
    /// Opening the connection.
    Connecting,
    /// Connected: events arrive as they happen.
    Live,
    /// The connection dropped; the browser is reconnecting.
    Reconnecting,
    /// Closed for good (refused, or the access ended).
    Closed,
}

impl FeedState {
    /// The sentence the page shows.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting to the live event stream…",
            Self::Live => "Live: new events appear as the tenant's log stream delivers them.",
            Self::Reconnecting => {
                "Connection lost; reconnecting (nothing is missed while the server keeps the events)…"
            }
            Self::Closed => "The live event stream is closed.",
        }
    }
}

/// An open feed; closing it (or dropping the owner) stops it.
struct Open {
    source: EventSource,
    _on_log: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_end: Closure<dyn FnMut(MessageEvent)>,
}

/// Follows `/events` (after the `backlog` latest events) while the calling
/// component lives: each event goes to `on_event`, and `state` tracks the
/// connection.
pub fn follow(backlog: u32, state: RwSignal<FeedState>, on_event: impl Fn(LogEvent) + 'static) {
    let url = format!("/events?backlog={backlog}");
    let Ok(source) = EventSource::new(&url) else {
        state.set(FeedState::Closed);
        return;
    };
    let on_log = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string()
            && let Ok(event) = serde_json::from_str::<LogEvent>(&text)
        {
            on_event(event);
        }
    });
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(FeedState::Live));
    let watched = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        state.set(if watched.ready_state() == EventSource::CLOSED {
            FeedState::Closed
        } else {
            FeedState::Reconnecting
        });
    });
    let ended = source.clone();
    let on_end = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
        ended.close();
        state.set(FeedState::Closed);
    });
    let _ = source.add_event_listener_with_callback("log", on_log.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let open = StoredValue::new_local(Some(Open {
        source,
        _on_log: on_log,
        _on_open: on_open,
        _on_error: on_error,
        _on_end: on_end,
    }));
    on_cleanup(move || {
        if let Some(Some(open)) = open.try_update_value(Option::take) {
            open.source.close();
        }
    });
}
