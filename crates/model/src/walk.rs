//! Walking a list page by page, sans-IO.
//!
//! Given an operation's [`Paging`], a [`Walk`] chooses how to page (the
//! paging Auth0 recommends: checkpoint where offered unless offset
//! parameters were given, offset with totals elsewhere, log events `from` a
//! log id when one is given), sets the request's paging parameters, and
//! after each page moves them to the next one. Offset paging never ends
//! silently at Auth0's 1,000-result window: the walk reports
//! [`Step::Window`] instead. Every transport (the Rust client's streams, the
//! npm package's iterators) drives the same walk.

use crate::operation::Paging;
use crate::ops::{Checkpoint, Offset};
use crate::paging::{PageOutline, RESULT_WINDOW, hits_result_window};

/// Page size for offset paging when none is set: the most Auth0 allows.
pub const DEFAULT_PER_PAGE: u64 = 100;
/// Page size for checkpoint paging when none is set: the public cloud's maximum.
pub const DEFAULT_TAKE: u64 = 50;

/// Access to a list request's paging parameters.
pub trait PagingParams {
    /// `page` / `per_page` / `include_totals`, when the request has them.
    fn offset(&mut self) -> Option<&mut Offset>;
    /// `from` / `take`, when the request has them.
    fn checkpoint(&mut self) -> Option<&mut Checkpoint>;
}

/// How a list is being paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
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
    /// `from` = the last item's id (log events), `take` at a time.
    ItemCursor {
        /// Page size.
        take: u64,
    },
}

/// What comes after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The request now asks for the next page.
    Continue,
    /// The list is complete.
    Done,
    /// More results exist than offset paging reaches; `total` is how many match.
    Window {
        /// How many results match (at least one more than were reachable).
        total: u64,
    },
}

impl Walk {
    /// Chooses the paging for an operation and sets the request's parameters for the first page.
    pub fn start(paging: Paging, params: &mut (impl PagingParams + ?Sized)) -> Self {
        let offset_set =
            params.offset().is_some_and(|o| o.page.is_some() || o.per_page.is_some() || o.include_totals.is_some());
        let from_set = params.checkpoint().is_some_and(|c| c.from.is_some());
        let mut checkpoint = |max_take: u64| {
            if let Some(c) = params.checkpoint() {
                c.take.get_or_insert(max_take.min(DEFAULT_TAKE));
            }
            Self::Checkpoint
        };
        match paging {
            Paging::None | Paging::Unpaged { .. } => Self::Single,
            Paging::Checkpoint { max_take, .. } => checkpoint(max_take),
            Paging::OffsetOrCheckpoint { max_take, .. } if !offset_set => checkpoint(max_take),
            Paging::LogCheckpoint { max_take, .. } if from_set => {
                let take = params.checkpoint().map_or(max_take, |c| *c.take.get_or_insert(max_take));
                Self::ItemCursor { take }
            }
            Paging::Offset { .. } | Paging::OffsetOrCheckpoint { .. } | Paging::LogCheckpoint { .. } => {
                let Some(o) = params.offset() else { return Self::Single };
                let per_page = *o.per_page.get_or_insert(DEFAULT_PER_PAGE);
                o.include_totals = Some(true);
                Self::Offset { page: o.page.unwrap_or(0), per_page }
            }
        }
    }

    /// Moves the request past `page`; `last_cursor` is the id of the page's
    /// last item (used only when paging log events by id).
    pub fn advance(
        &mut self,
        page: &(impl PageOutline + ?Sized),
        last_cursor: Option<String>,
        params: &mut (impl PagingParams + ?Sized),
    ) -> Step {
        let n = page.count();
        match *self {
            Self::Single => Step::Done,
            Self::Checkpoint => {
                let Some(c) = params.checkpoint() else { return Step::Done };
                match page.next() {
                    // An empty page, or a cursor that does not move, ends the walk.
                    Some(next) if n > 0 && c.from.as_deref() != Some(next) => {
                        c.from = Some(next.to_owned());
                        Step::Continue
                    }
                    _ => Step::Done,
                }
            }
            Self::ItemCursor { take } => match (params.checkpoint(), last_cursor) {
                (Some(c), Some(cursor)) if n >= take => {
                    c.from = Some(cursor);
                    Step::Continue
                }
                _ => Step::Done,
            },
            Self::Offset { page: number, per_page } => {
                let start = page.start().unwrap_or(number * per_page);
                let total = page.total();
                if hits_result_window(page) {
                    return Step::Window { total: total.unwrap_or(RESULT_WINDOW + 1) };
                }
                if n < per_page || total.is_some_and(|t| start + n >= t) {
                    return Step::Done;
                }
                let next = number + 1;
                if next * per_page >= RESULT_WINDOW {
                    // The next page would start outside the window, and more exist.
                    return Step::Window { total: total.unwrap_or(start + n + 1) };
                }
                *self = Self::Offset { page: next, per_page };
                if let Some(o) = params.offset() {
                    o.page = Some(next);
                }
                Step::Continue
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{logs, organizations, users};
    use crate::paging::Page;

    macro_rules! params {
        ($($t:ty),*) => {$(
            impl PagingParams for $t {
                fn offset(&mut self) -> Option<&mut Offset> {
                    Some(&mut self.offset)
                }
                fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
                    Some(&mut self.checkpoint)
                }
            }
        )*};
    }
    params!(users::List, organizations::List, logs::List);

    fn items(n: usize) -> Vec<()> {
        vec![(); n]
    }

    #[test]
    fn offset_walk_ends_at_the_window_with_a_total() {
        let mut op = users::List::search("x");
        let mut walk = Walk::start(Paging::Offset { key: "users" }, &mut op);
        assert_eq!(walk, Walk::Offset { page: 0, per_page: 100 });
        assert_eq!(op.offset.include_totals, Some(true));
        for start in (0..900).step_by(100) {
            let page = Page::offset("users", items(100), start, 100, 5000);
            assert_eq!(walk.advance(&page, None, &mut op), Step::Continue);
        }
        assert_eq!(op.offset.page, Some(9));
        let last = Page::offset("users", items(100), 900, 100, 5000);
        assert_eq!(walk.advance(&last, None, &mut op), Step::Window { total: 5000 });
    }

    #[test]
    fn a_short_offset_page_ends_the_walk() {
        let mut op = users::List::default();
        let mut walk = Walk::start(Paging::Offset { key: "users" }, &mut op);
        assert_eq!(walk.advance(&Page::offset("users", items(3), 0, 100, 3), None, &mut op), Step::Done);
    }

    #[test]
    fn checkpoint_walk_follows_next_until_it_stops_moving() {
        let mut op = organizations::List::default();
        let paging = Paging::OffsetOrCheckpoint { key: "organizations", max_take: 100 };
        let mut walk = Walk::start(paging, &mut op);
        assert_eq!((walk, op.checkpoint.take), (Walk::Checkpoint, Some(DEFAULT_TAKE)));
        let page = Page::checkpoint("organizations", items(1), Some("n1".into()));
        assert_eq!(walk.advance(&page, None, &mut op), Step::Continue);
        assert_eq!(op.checkpoint.from.as_deref(), Some("n1"));
        assert_eq!(walk.advance(&page, None, &mut op), Step::Done, "the same cursor again ends the walk");
        let empty = Page::checkpoint("organizations", items(0), Some("n2".into()));
        assert_eq!(walk.advance(&empty, None, &mut op), Step::Done);
    }

    #[test]
    fn offset_parameters_choose_offset_where_both_are_offered() {
        let mut op = organizations::List { offset: Offset::page(2, 10), ..Default::default() };
        let paging = Paging::OffsetOrCheckpoint { key: "organizations", max_take: 100 };
        assert_eq!(Walk::start(paging, &mut op), Walk::Offset { page: 2, per_page: 10 });
    }

    #[test]
    fn logs_walk_by_the_last_id() {
        let mut op = logs::List::after("l0", 2);
        let paging = Paging::LogCheckpoint { key: "logs", max_take: 100 };
        let mut walk = Walk::start(paging, &mut op);
        assert_eq!(walk, Walk::ItemCursor { take: 2 });
        assert_eq!(walk.advance(&Page::bare(items(2)), Some("l2".into()), &mut op), Step::Continue);
        assert_eq!(op.checkpoint.from.as_deref(), Some("l2"));
        assert_eq!(walk.advance(&Page::bare(items(1)), Some("l3".into()), &mut op), Step::Done);
    }
}
