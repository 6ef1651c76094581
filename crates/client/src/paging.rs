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
use gatehouse_model::ops::{Checkpoint, Offset};
use gatehouse_model::paging::RESULT_WINDOW;
use gatehouse_model::walk::{PagingParams, Step, Walk};
use gatehouse_model::{Error as ModelError, Page};

pub use gatehouse_model::walk::{DEFAULT_PER_PAGE, DEFAULT_TAKE};

/// A list request seen through the model's [`PagingParams`].
struct Params<'a, O>(&'a mut O);

impl<O: ListOp> PagingParams for Params<'_, O> {
    fn offset(&mut self) -> Option<&mut Offset> {
        self.0.offset_mut()
    }

    fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.0.checkpoint_mut()
    }
}

struct State<O> {
    client: Client,
    op: O,
    walk: Walk,
    /// An error to end the stream with after the page just yielded.
    pending: Option<ClientError>,
}

enum Next {
    Continue,
    Done,
    Fail(ClientError),
}

impl<O: ListOp> State<O> {
    /// Moves the request to the page after `page`.
    fn advance(&mut self, page: &Page<ItemOf<O>>) -> Next {
        let cursor = page.items.last().and_then(O::cursor);
        match self.walk.advance(page, cursor, &mut Params(&mut self.op)) {
            Step::Continue => Next::Continue,
            Step::Done => Next::Done,
            Step::Window { total } => Next::Fail(ModelError::ResultWindow { total, window: RESULT_WINDOW }.into()),
        }
    }
}

/// Every page of the list `op` asks for.
pub(crate) fn pages<O>(client: Client, mut op: O) -> BoxStream<'static, Result<Page<ItemOf<O>>, ClientError>>
where
    O: ListOp,
    ItemOf<O>: MaybeSend + 'static,
{
    let walk = Walk::start(op.spec().paging, &mut Params(&mut op));
    let state = State { client, op, walk, pending: None };
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
