//! Log events: `client.logs()`, including a stream that follows new events.

use super::Logs;
use crate::client::Client;
use crate::error::ClientError;
use crate::request::Request;
use crate::rt::{BoxStream, boxed_stream};
use gatehouse_model::ops::logs;
use gatehouse_model::types::LogEvent;
use std::collections::VecDeque;
use std::time::Duration;

impl Logs {
    /// `GET /api/v2/logs?q=...`: search log events with a Lucene query.
    pub fn search(&self, q: impl Into<String>) -> Request<logs::List> {
        Request::new(self.client.clone(), logs::List::search(q))
    }

    /// The events after log id `from`, oldest first: streamed, this pages by log id to the newest event.
    pub fn after(&self, from: impl Into<String>) -> Request<logs::List> {
        self.list().from(from)
    }

    /// Follows new log events as they happen (like `tail -f`).
    pub fn tail(&self) -> Tail {
        Tail { client: self.client.clone(), from: None, take: 100, interval: Duration::from_secs(5) }
    }
}

/// Follows new log events: polls `GET /api/v2/logs?from={last log id}&take=...`.
///
/// Starts after the newest event (or after [`Tail::from`]), yields every
/// event as it appears, oldest first, and polls again after `interval`
/// whenever it has caught up. Requests go through the client's pacer, so
/// a tail shares the rate budget with everything else. The stream ends
/// after yielding an error; start a new one with `from` the last id seen
/// to resume.
#[derive(Debug, Clone)]
#[must_use = "a tail does nothing until streamed"]
pub struct Tail {
    client: Client,
    from: Option<String>,
    take: u64,
    interval: Duration,
}

struct TailState {
    client: Client,
    from: Option<String>,
    take: u64,
    interval: Duration,
    buffer: VecDeque<LogEvent>,
    started: bool,
    caught_up: bool,
}

impl Tail {
    /// Start after this log id instead of after the newest event.
    pub fn from(mut self, log_id: impl Into<String>) -> Self {
        self.from = Some(log_id.into());
        self
    }

    /// Events per request, 1 to 100; default 100.
    pub fn take(mut self, take: u64) -> Self {
        self.take = take;
        self
    }

    /// Time between polls once caught up; default 5 s.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The events, as they appear.
    pub fn stream(self) -> BoxStream<'static, Result<LogEvent, ClientError>> {
        let state = TailState {
            started: self.from.is_some(),
            client: self.client,
            from: self.from,
            take: self.take,
            interval: self.interval,
            buffer: VecDeque::new(),
            caught_up: false,
        };
        boxed_stream(futures::stream::unfold(Some(state), |state| async move {
            let mut state = state?;
            loop {
                if let Some(event) = state.buffer.pop_front() {
                    return Some((Ok(event), Some(state)));
                }
                if let Err(e) = state.poll().await {
                    return Some((Err(e), None));
                }
            }
        }))
    }
}

impl TailState {
    /// Fetches the next batch into the buffer, waiting first if caught up.
    async fn poll(&mut self) -> Result<(), ClientError> {
        if self.caught_up {
            self.client.sleep(self.interval).await;
        }
        let logs = self.client.logs();
        let (request, skip_newest) = match (&self.from, self.started) {
            (Some(from), _) => (logs.after(from.as_str()).take(self.take), false),
            // First poll: find the newest event, to start after it.
            (None, false) => (logs.list().sort("date:-1").per_page(1), true),
            // No event existed at the start: everything there is now is new.
            (None, true) => (logs.list().sort("date:1").per_page(self.take), false),
        };
        let events = request.send().await?.value.items;
        self.started = true;
        self.caught_up = (events.len() as u64) < self.take || skip_newest;
        if let Some(last) = events.last().and_then(|e| e.log_id.clone()) {
            self.from = Some(last);
        }
        if !skip_newest {
            self.buffer.extend(events);
        }
        Ok(())
    }
}
