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

use crate::wire::Call as ListCall;
use gatehouse_client::ClientError;
use gatehouse_model::ops::{Checkpoint, Offset};
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::walk::{PagingParams, Step, Walk};
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

/// How the list is paged: the model's walk, shared with the Rust client's streams.
pub type Mode = Walk;

/// A list call seen through the model's [`PagingParams`].
struct Params<'a>(&'a mut ListCall);

impl PagingParams for Params<'_> {
    fn offset(&mut self) -> Option<&mut Offset> {
        self.0.offset()
    }

    fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.0.checkpoint()
    }
}

/// Chooses the paging and sets the request's paging parameters for it.
pub fn prepare(op: &mut ListCall) -> Mode {
    let paging = op.paging();
    Walk::start(paging, &mut Params(op))
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

/// Decodes a page's envelope (the items only for their cursors).
pub fn read_page(body: &[u8]) -> Result<Page<Cursor>, ClientError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"[]".as_slice() } else { body };
    gatehouse_model::object::decode_slice(body)
        .map_err(|source| ModelError::Decode { status: 200, source, rate_limit: Default::default() }.into())
}

/// Moves the request to the page after `page`.
pub fn advance(mode: &mut Mode, op: &mut ListCall, page: &Page<Cursor>) -> Next {
    let cursor = page.items.last().and_then(|c| c.0.clone());
    match mode.advance(page, cursor, &mut Params(op)) {
        Step::Continue => Next::Continue,
        Step::Done => Next::Done,
        Step::Window { total } => Next::Fail(ModelError::ResultWindow { total, window: RESULT_WINDOW }.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn list(name: &str, options: &str) -> Box<ListCall> {
        Box::new(ListCall::new(name, vec![], Some(options), None).unwrap())
    }

    #[test]
    fn offset_paging_ends_at_the_window() {
        let mut op = list("users.list", r#"{"q":"x"}"#);
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::Offset { page: 0, per_page: 100 });
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/users?per_page=100&include_totals=true&q=x");
        let items = vec!["{}"; 100].join(",");
        for page in 0..9 {
            let body = format!(r#"{{"start":{},"limit":100,"length":100,"total":5000,"users":[{items}]}}"#, page * 100);
            assert!(matches!(advance(&mut mode, &mut op, &read_page(body.as_bytes()).unwrap()), Next::Continue));
        }
        let body = format!(r#"{{"start":900,"limit":100,"length":100,"total":5000,"users":[{items}]}}"#);
        assert!(matches!(advance(&mut mode, &mut op, &read_page(body.as_bytes()).unwrap()), Next::Fail(_)));
    }

    #[test]
    fn checkpoint_paging_follows_next() {
        let mut op = list("organizations.list", "{}");
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::Checkpoint);
        let page = read_page(br#"{"organizations":[{"id":"a"}],"next":"n1"}"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/organizations?from=n1&take=50");
        let last = read_page(br#"{"organizations":[]}"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut op, &last), Next::Done));
    }

    #[test]
    fn logs_page_by_log_id() {
        let mut op = list("logs.list", r#"{"from":"l0","take":2}"#);
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::ItemCursor { take: 2 });
        let page = read_page(br#"[{"log_id":"l1"},{"log_id":"l2"}]"#).unwrap();
        assert!(matches!(advance(&mut mode, &mut op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/logs?from=l2&take=2");
    }
}
