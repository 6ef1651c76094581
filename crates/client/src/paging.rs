//! Paging through lists as streams.
//!
//! The operation table says how each list pages; the stream picks the
//! paging Auth0 recommends: checkpoint (`from`/`take`) where offered,
//! offset (`page`/`per_page` with totals) elsewhere, and for log events
//! `from` a log id when a starting id is given. Offset paging never
//! silently stops at Auth0's 1,000-result window: the stream ends with
//! [`gatehouse_model::Error::ResultWindow`] after the last reachable page.

use crate::client::Client;
use crate::error::ClientError;
use crate::request::{ItemOf, ListOp, PageOf};
use crate::rt::{BoxStream, MaybeSend, boxed_stream};
use futures::StreamExt;
use gatehouse_model::operation::Paging;
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::{Error as ModelError, Page};

/// Page size for offset paging when none is set: the most Auth0 allows.
pub const DEFAULT_PER_PAGE: u64 = 100;
/// Page size for checkpoint paging when none is set: the public cloud's maximum.
pub const DEFAULT_TAKE: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One request returns everything.
    Single,
    /// `page` / `per_page` / `include_totals`.
    Offset { page: u64, per_page: u64 },
    /// `from` = previous `next`, `take`.
    Checkpoint,
    /// `from` = last item's id, `take`.
    ItemCursor { take: u64 },
}

/// Sets the paging parameters of `op` for the paging chosen, and returns it.
fn prepare<O: ListOp>(op: &mut O) -> Mode {
    let paging = op.spec().paging;
    let offset_set =
        op.offset_mut().is_some_and(|o| o.page.is_some() || o.per_page.is_some() || o.include_totals.is_some());
    let from_set = op.checkpoint_mut().is_some_and(|c| c.from.is_some());
    let checkpoint = |op: &mut O, max_take: u64| {
        let c = op.checkpoint_mut().expect("checkpoint paging has checkpoint fields");
        *c.take.get_or_insert(max_take.min(DEFAULT_TAKE))
    };
    match paging {
        Paging::None | Paging::Unpaged { .. } => Mode::Single,
        Paging::Checkpoint { max_take, .. } => {
            checkpoint(op, max_take);
            Mode::Checkpoint
        }
        Paging::OffsetOrCheckpoint { max_take, .. } if !offset_set => {
            checkpoint(op, max_take);
            Mode::Checkpoint
        }
        Paging::LogCheckpoint { max_take, .. } if from_set => {
            let take = op.checkpoint_mut().map_or(max_take, |c| *c.take.get_or_insert(max_take));
            Mode::ItemCursor { take }
        }
        Paging::Offset { .. } | Paging::OffsetOrCheckpoint { .. } | Paging::LogCheckpoint { .. } => {
            let Some(o) = op.offset_mut() else {
                return Mode::Single;
            };
            let per_page = *o.per_page.get_or_insert(DEFAULT_PER_PAGE);
            o.include_totals = Some(true);
            Mode::Offset { page: o.page.unwrap_or(0), per_page }
        }
    }
}

struct State<O> {
    client: Client,
    op: O,
    mode: Mode,
    /// An error to end the stream with after the page just yielded.
    pending: Option<ClientError>,
}

enum Next {
    Continue,
    Done,
    Fail(ClientError),
}

fn window_error(total: u64) -> ClientError {
    ModelError::ResultWindow { total, window: RESULT_WINDOW }.into()
}

impl<O: ListOp> State<O> {
    /// Moves the request to the page after `page`.
    fn advance(&mut self, page: &Page<ItemOf<O>>) -> Next {
        let n = page.items.len() as u64;
        match self.mode {
            Mode::Single => Next::Done,
            Mode::Checkpoint => {
                let Some(c) = self.op.checkpoint_mut() else {
                    return Next::Done;
                };
                match page.next() {
                    Some(next) if n > 0 && c.from.as_deref() != Some(next) => {
                        c.from = Some(next.to_owned());
                        Next::Continue
                    }
                    _ => Next::Done,
                }
            }
            Mode::ItemCursor { take } => {
                let cursor = page.items.last().and_then(O::cursor);
                match (self.op.checkpoint_mut(), cursor) {
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
                    // The next page would start outside the window, and more exist.
                    return Next::Fail(window_error(total.unwrap_or(start + n + 1)));
                }
                self.mode = Mode::Offset { page: next, per_page };
                if let Some(o) = self.op.offset_mut() {
                    o.page = Some(next);
                }
                Next::Continue
            }
        }
    }
}

/// Every page of the list `op` asks for.
pub(crate) fn pages<O>(client: Client, mut op: O) -> BoxStream<'static, Result<Page<ItemOf<O>>, ClientError>>
where
    O: ListOp,
    ItemOf<O>: MaybeSend + 'static,
{
    let mode = prepare(&mut op);
    let state = State { client, op, mode, pending: None };
    boxed_stream(futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        if let Some(e) = state.pending.take() {
            return Some((Err(e), None));
        }
        match state.client.send(&state.op).await {
            Err(e) => Some((Err(e), None)),
            Ok(response) => {
                let page = response.value.into_page();
                let next = match state.advance(&page) {
                    Next::Continue => Some(state),
                    Next::Done => None,
                    Next::Fail(e) => {
                        state.pending = Some(e);
                        Some(state)
                    }
                };
                Some((Ok(page), next))
            }
        }
    }))
}

/// The items of a stream of pages.
pub(crate) fn items<T: MaybeSend + 'static>(
    pages: BoxStream<'static, Result<Page<T>, ClientError>>,
) -> BoxStream<'static, Result<T, ClientError>> {
    boxed_stream(pages.flat_map(|page| {
        let items: Vec<Result<T, ClientError>> = match page {
            Ok(page) => page.items.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        futures::stream::iter(items)
    }))
}
