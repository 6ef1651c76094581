//! Paging through a list on raw pages.
//!
//! The same rules as the client's paging streams: checkpoint paging
//! (`from`/`take`) where the operation offers it (unless `page`/`perPage`
//! were given), offset paging with totals elsewhere, log events `from` a log
//! id when one is given; offset paging ends with a `ResultWindowError` after
//! the last page Auth0 serves instead of ending as if the list were
//! complete. Pages are not decoded here at all: JavaScript parses each page
//! (it keeps the objects) and hands over what the walk reads, the page's
//! [`Outline`]: how many items, the envelope's `start`, `limit`, `total` and
//! `next`, and the last item's `log_id` (log events page by it).

use crate::wire::Call as ListCall;
use gatehouse_client::ClientError;
use gatehouse_model::Error as ModelError;
use gatehouse_model::ops::{Checkpoint, Offset};
use gatehouse_model::paging::PageOutline;
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::walk::{PagingParams, Step, Walk};

/// What the walk reads of a page, as JavaScript found it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outline {
    /// How many items the page holds.
    pub count: usize,
    /// Whether the page was a bare array (no envelope).
    pub bare: bool,
    /// The envelope's `start`, `limit` and `total` (offset pages).
    pub start: Option<u64>,
    /// See `start`.
    pub limit: Option<u64>,
    /// See `start`.
    pub total: Option<u64>,
    /// The envelope's `next` (checkpoint pages).
    pub next: Option<String>,
    /// The last item's `log_id`.
    pub last_log_id: Option<String>,
}

impl Outline {
    /// Whether the page was an offset envelope (`start`, `limit` and `total` all given).
    fn offset(&self) -> bool {
        !self.bare && self.start.is_some() && self.limit.is_some() && self.total.is_some()
    }
}

/// The page as the model's walk reads it: an offset envelope when it has all
/// three totals, otherwise an envelope with the cursor alone (or nothing), or
/// a bare array; read the same way as the model's decoder leaves a page.
impl PageOutline for Outline {
    fn count(&self) -> u64 {
        self.count as u64
    }

    fn start(&self) -> Option<u64> {
        self.start.filter(|_| self.offset())
    }

    fn total(&self) -> Option<u64> {
        self.total.filter(|_| self.offset())
    }

    fn next(&self) -> Option<&str> {
        self.next.as_deref().filter(|n| !n.is_empty() && !self.bare && !self.offset())
    }
}

/// The state of a walk.
pub type Mode = Walk;

struct Params<'a>(&'a mut ListCall);

impl PagingParams for Params<'_> {
    fn offset(&mut self) -> Option<&mut Offset> {
        self.0.offset()
    }

    fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.0.checkpoint()
    }
}

/// Sets up the walk of `op` (the model's rules), adjusting its paging parameters.
pub fn prepare(op: &mut ListCall) -> Mode {
    let paging = op.paging();
    Walk::start(paging, &mut Params(op))
}

/// What to do after a page.
#[derive(Debug)]
pub enum Next {
    /// Ask for the next page.
    Continue,
    /// That was the last page.
    Done,
    /// Fail with this error before the next page (after the current page is given out).
    Fail(ClientError),
}

/// Moves `op` past the page `outline` describes.
pub fn advance(mode: &mut Mode, op: &mut ListCall, outline: &Outline) -> Next {
    match mode.advance(outline, outline.last_log_id.clone(), &mut Params(op)) {
        Step::Continue => Next::Continue,
        Step::Done => Next::Done,
        Step::Window { total } => Next::Fail(ModelError::ResultWindow { total, window: RESULT_WINDOW }.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn list(name: &str, options: &str) -> Box<ListCall> {
        Box::new(
            ListCall::new(
                crate::wire::id(name),
                vec![],
                &serde_json::from_str(options).unwrap(),
                &serde_json::Value::Null,
            )
            .unwrap(),
        )
    }

    fn offset(start: u64, count: usize, total: u64) -> Outline {
        Outline { count, start: Some(start), limit: Some(100), total: Some(total), ..Outline::default() }
    }

    #[test]
    fn offset_paging_ends_at_the_window() {
        let mut op = list("users.list", r#"{"q":"x"}"#);
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::Offset { page: 0, per_page: 100 });
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/users?per_page=100&include_totals=true&q=x");
        for page in 0..9 {
            assert!(matches!(advance(&mut mode, &mut op, &offset(page * 100, 100, 5000)), Next::Continue));
        }
        assert!(matches!(advance(&mut mode, &mut op, &offset(900, 100, 5000)), Next::Fail(_)));
    }

    #[test]
    fn offset_paging_stops_at_the_total() {
        let mut op = list("users.list", "{}");
        let mut mode = prepare(&mut op);
        assert!(matches!(advance(&mut mode, &mut op, &offset(0, 100, 150)), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/users?page=1&per_page=100&include_totals=true");
        assert!(matches!(advance(&mut mode, &mut op, &offset(100, 50, 150)), Next::Done));
    }

    #[test]
    fn checkpoint_paging_follows_next() {
        let mut op = list("organizations.list", "{}");
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::Checkpoint);
        let page = Outline { count: 1, next: Some("n1".into()), ..Outline::default() };
        assert!(matches!(advance(&mut mode, &mut op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/organizations?from=n1&take=50");
        assert!(matches!(advance(&mut mode, &mut op, &Outline::default()), Next::Done));
    }

    #[test]
    fn logs_page_by_log_id() {
        let mut op = list("logs.list", r#"{"from":"l0","take":2}"#);
        let mut mode = prepare(&mut op);
        assert_eq!(mode, Mode::ItemCursor { take: 2 });
        let page = Outline { count: 2, bare: true, last_log_id: Some("l2".into()), ..Outline::default() };
        assert!(matches!(advance(&mut mode, &mut op, &page), Next::Continue));
        assert_eq!(op.built().unwrap().path_and_query, "/api/v2/logs?from=l2&take=2");
    }
}
