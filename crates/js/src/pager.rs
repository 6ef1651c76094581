//! Paging through a list on raw pages.
//!
//! The same rules as the client's paging streams: checkpoint paging
//! (`from`/`take`) where the operation offers it (unless `page`/`perPage`
//! were given), offset paging with totals elsewhere, log events `from` a log
//! id when one is given; offset paging ends with a `ResultWindowError` after
//! the last page Auth0 serves instead of ending as if the list were
//! complete. Pages are not decoded into typed objects here: only the
//! envelope (`start`, `total`, `next`) and, for log events, each item's
//! `log_id` are read; the page's JSON goes to JavaScript as it came.

use crate::methods::ListRequest;
use gatehouse_client::{ClientError, DEFAULT_PER_PAGE, DEFAULT_TAKE};
use gatehouse_model::operation::Paging;
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::{Error as ModelError, Page};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A list item, read only for its `log_id` (the cursor of log events).
#[derive(Debug)]
pub struct Cursor(Option<String>);

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Cursor(value.get("log_id").and_then(Value::as_str).map(str::to_owned)))
    }
}

/// How the list is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One request returns everything.
    Single,
    /// `page` / `per_page` / `include_totals`.
    Offset {
        /// Current page.
        page: u64,
        /// Page size.
        per_page: u64,
    },
    /// `from` = the previous page's `next`.
    Checkpoint,
    /// `from` = the last item's `log_id`.
    ItemCursor {
        /// Page size.
        take: u64,
    },
}

/// Chooses the paging and sets the request's paging parameters for it.
pub fn prepare(op: &mut dyn ListRequest) -> Mode {
    let paging = op.row().paging;
    let offset_set =
        op.offset().is_some_and(|o| o.page.is_some() || o.per_page.is_some() || o.include_totals.is_some());
    let from_set = op.checkpoint().is_some_and(|c| c.from.is_some());
    let checkpoint = |op: &mut dyn ListRequest, max_take: u64| {
        if let Some(c) = op.checkpoint() {
            c.take.get_or_insert(max_take.min(DEFAULT_TAKE));
        }
        Mode::Checkpoint
    };
    match paging {
        Paging::None | Paging::Unpaged { .. } => Mode::Single,
        Paging::Checkpoint { max_take, .. } => checkpoint(op, max_take),
        Paging::OffsetOrCheckpoint { max_take, .. } if !offset_set => checkpoint(op, max_take),
        Paging::LogCheckpoint { max_take, .. } if from_set => {
            let take = op.checkpoint().map_or(max_take, |c| *c.take.get_or_insert(max_take));
            Mode::ItemCursor { take }
        }
        Paging::Offset { .. } | Paging::OffsetOrCheckpoint { .. } | Paging::LogCheckpoint { .. } => {
            let Some(o) = op.offset() else { return Mode::Single };
            let per_page = *o.per_page.get_or_insert(DEFAULT_PER_PAGE);
            o.include_totals = Some(true);
            Mode::Offset { page: o.page.unwrap_or(0), per_page }
        }
    }
}

/// What comes after a page.
#[derive(Debug)]
pub enum Next {
    /// Another page.
    Continue,
    /// Nothing: the list is complete.
    Done,
    /// An error, to report after this page.
    Fail(ClientError),
}

fn window_error(total: u64) -> ClientError {
    ModelError::ResultWindow { total, window: RESULT_WINDOW }.into()
}

/// Decodes a page's envelope (the items only for their cursors).
pub fn read_page(body: &[u8]) -> Result<Page<Cursor>, ClientError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"[]".as_slice() } else { body };
    gatehouse_model::object::decode_slice(body)
        .map_err(|source| ModelError::Decode { status: 200, source, rate_limit: Default::default() }.into())
}

/// Moves the request to the page after `page`.
pub fn advance(mode: &mut Mode, op: &mut dyn ListRequest, page: &Page<Cursor>) -> Next {
    let n = page.items.len() as u64;
    match *mode {
        Mode::Single => Next::Done,
        Mode::Checkpoint => {
            let Some(c) = op.checkpoint() else { return Next::Done };
            match page.next() {
                Some(next) if n > 0 && c.from.as_deref() != Some(next) => {
                    c.from = Some(next.to_owned());
                    Next::Continue
                }
                _ => Next::Done,
            }
        }
        Mode::ItemCursor { take } => {
            let cursor = page.items.last().and_then(|c| c.0.clone());
            match (op.checkpoint(), cursor) {
                (Some(c), Some(cursor)) if n >= take => {
                    c.from = Some(cursor);
                    Next::Continue
                }
                _ => Next::Done,
            }
        }
        Mode::Offset { page: number, per_page } => {
            let start = page.start().unwrap_or(number * per_page);
            let total = page.total();
            if page.hits_result_window() {
                return Next::Fail(window_error(total.unwrap_or(RESULT_WINDOW + 1)));
            }
            if n < per_page || total.is_some_and(|t| start + n >= t) {
                return Next::Done;
            }
            let next = number + 1;
            if next * per_page >= RESULT_WINDOW {
                return Next::Fail(window_error(total.unwrap_or(start + n + 1)));
            }
            *mode = Mode::Offset { page: next, per_page };
            if let Some(o) = op.offset() {
                o.page = Some(next);
            }
            Next::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::{Target, build};

    fn list(name: &str, options: &str) -> Box<dyn ListRequest> {
        match build(name, vec![], Some(options), None).unwrap() {
            Target::List(l) => l,
            Target::Call(_) => panic!("not a list"),
        }
    }

    #[test]
    fn offset_paging_ends_at_the_window() {
        let mut op = list("users.list", r#"{"q":"x"}"#);
        let mut mode = prepare(&mut *op);
        assert_eq!(mode, Mode::Offset { page: 0, per_page: 100 });
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/users?per_page=100&include_totals=true&q=x");
        let items = vec!["{}"; 100].join(",");
        for page in 0..9 {
            let body = format!(r#"{{"start":{},"limit":100,"length":100,"total":5000,"users":[{items}]}}"#, page * 100);
            assert!(matches!(advance(&mut mode, &mut *op, &read_page(body.as_bytes()).unwrap()), Next::Continue));
        }
        let body = format!(r#"{{"start":900,"limit":100,"length":100,"total":5000,"users":[{items}]}}"#);
        assert!(matches!(advance(&mut mode, &mut *op, &read_page(body.as_bytes()).unwrap()), Next::Fail(_)));
    }

    #[test]
    fn checkpoint_paging_follows_next() {
        let mut op = list("organizations.list", "{}");
        let mut mode = prepare(&mut *op);
        assert_eq!(mode, Mode::Checkpoint);
        let page = read_page(br#"{"organizations":[{"id":"a"}],"next":"n1"}"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut *op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/organizations?from=n1&take=50");
        let last = read_page(br#"{"organizations":[]}"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut *op, &last), Next::Done));
    }

    #[test]
    fn logs_page_by_log_id() {
        let mut op = list("logs.list", r#"{"from":"l0","take":2}"#);
        let mut mode = prepare(&mut *op);
        assert_eq!(mode, Mode::ItemCursor { take: 2 });
        let page = read_page(br#"[{"log_id":"l1"},{"log_id":"l2"}]"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut *op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/logs?from=l2&take=2");
    }
}
