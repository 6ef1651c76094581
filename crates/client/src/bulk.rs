//! Bulk jobs: one call per item, a bounded number at a time, under the
//! client's shared pacing, with progress and a result per item.
//!
//! ```no_run
//! # async fn demo(client: gatehouse_client::Client, ids: Vec<String>) {
//! let report = client
//!     .bulk(ids, 8, |client, id| async move { client.users().delete(id).send().await })
//!     .on_progress(|p| println!("{}/{} ({} failed)", p.done, p.total, p.failed))
//!     .run()
//!     .await;
//! // Send only the failures again.
//! let report = report.retry_failed().await;
//! assert_eq!(report.failed_count(), 0);
//! # }
//! ```

use crate::client::Client;
use crate::error::ClientError;
use crate::rt::{BoxFuture, MaybeSend, MaybeSync, boxed};
use futures::StreamExt;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::sync::Arc;

/// How far a bulk job has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Items in this run.
    pub total: usize,
    /// Items finished, successfully or not.
    pub done: usize,
    /// Items that succeeded.
    pub succeeded: usize,
    /// Items that failed.
    pub failed: usize,
}

#[cfg(not(target_arch = "wasm32"))]
type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;
#[cfg(target_arch = "wasm32")]
type ProgressFn = Arc<dyn Fn(Progress)>;

/// One item and what its call returned.
#[derive(Debug)]
pub struct Outcome<I, T> {
    /// The item.
    pub item: I,
    /// The result of its call.
    pub result: Result<T, ClientError>,
}

/// A bulk job, ready to run with [`Bulk::run`] (or by awaiting it).
#[must_use = "a bulk job does nothing until run"]
pub struct Bulk<I, F> {
    client: Client,
    items: Vec<I>,
    concurrency: usize,
    task: Arc<F>,
    on_progress: Option<ProgressFn>,
}

impl<I, F> fmt::Debug for Bulk<I, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulk")
            .field("items", &self.items.len())
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A bulk job calling `task(client, item)` for every item, at most
    /// `concurrency` at a time (at least one). All calls share this client's
    /// pacing, token and counters.
    pub fn bulk<I, F, Fut, T>(&self, items: impl IntoIterator<Item = I>, concurrency: usize, task: F) -> Bulk<I, F>
    where
        F: Fn(Client, I) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
        I: Clone,
    {
        Bulk {
            client: self.clone(),
            items: items.into_iter().collect(),
            concurrency: concurrency.max(1),
            task: Arc::new(task),
            on_progress: None,
        }
    }
}

impl<I, F, Fut, T> Bulk<I, F>
where
    F: Fn(Client, I) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
    I: Clone,
{
    /// Calls `report` after each item finishes.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn on_progress(mut self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Calls `report` after each item finishes.
    #[cfg(target_arch = "wasm32")]
    pub fn on_progress(mut self, report: impl Fn(Progress) + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Runs every item; the report lists them in the order given.
    pub async fn run(mut self) -> BulkReport<I, F, T> {
        let items = std::mem::take(&mut self.items);
        let outcomes = self.run_items(items.into_iter().enumerate().collect()).await;
        BulkReport { outcomes, job: self }
    }

    /// Runs `items` (with their index), returning outcomes sorted by index.
    async fn run_items(&self, items: Vec<(usize, I)>) -> Vec<(usize, Outcome<I, T>)> {
        let mut progress = Progress { total: items.len(), ..Progress::default() };
        let mut running = futures::stream::iter(items)
            .map(|(index, item)| {
                let call = (self.task)(self.client.clone(), item.clone());
                async move { (index, Outcome { item, result: call.await }) }
            })
            .buffer_unordered(self.concurrency);
        let mut outcomes = Vec::with_capacity(progress.total);
        while let Some((index, outcome)) = running.next().await {
            progress.done += 1;
            if outcome.result.is_ok() {
                progress.succeeded += 1;
            } else {
                progress.failed += 1;
            }
            if let Some(report) = &self.on_progress {
                report(progress);
            }
            outcomes.push((index, outcome));
        }
        outcomes.sort_by_key(|(index, _)| *index);
        outcomes
    }
}

impl<I, F, Fut, T> IntoFuture for Bulk<I, F>
where
    F: Fn(Client, I) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<T, ClientError>> + MaybeSend + 'static,
    I: Clone + MaybeSend + MaybeSync + 'static,
    T: MaybeSend + 'static,
{
    type Output = BulkReport<I, F, T>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        boxed(self.run())
    }
}

/// The outcome of a bulk job, item by item.
#[must_use]
pub struct BulkReport<I, F, T> {
    outcomes: Vec<(usize, Outcome<I, T>)>,
    job: Bulk<I, F>,
}

impl<I: fmt::Debug, F, T: fmt::Debug> fmt::Debug for BulkReport<I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkReport").field("outcomes", &self.outcomes).finish_non_exhaustive()
    }
}

impl<I, F, Fut, T> BulkReport<I, F, T>
where
    F: Fn(Client, I) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
    I: Clone,
{
    /// Every item with its result, in the order given.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome<I, T>> {
        self.outcomes.iter().map(|(_, o)| o)
    }

    /// Every item with its result, in the order given.
    pub fn into_outcomes(self) -> Vec<Outcome<I, T>> {
        self.outcomes.into_iter().map(|(_, o)| o).collect()
    }

    /// The items that succeeded, with their values.
    pub fn succeeded(&self) -> impl Iterator<Item = (&I, &T)> {
        self.outcomes().filter_map(|o| o.result.as_ref().ok().map(|v| (&o.item, v)))
    }

    /// The items that failed, with their errors.
    pub fn failed(&self) -> impl Iterator<Item = (&I, &ClientError)> {
        self.outcomes().filter_map(|o| o.result.as_ref().err().map(|e| (&o.item, e)))
    }

    /// How many items succeeded.
    pub fn succeeded_count(&self) -> usize {
        self.succeeded().count()
    }

    /// How many items failed.
    pub fn failed_count(&self) -> usize {
        self.failed().count()
    }

    /// Runs the failed items again (only those), with the same task,
    /// concurrency and progress callback; their new results replace the old.
    pub async fn retry_failed(mut self) -> Self {
        let mut retry = Vec::new();
        for (index, outcome) in &self.outcomes {
            if outcome.result.is_err() {
                retry.push((*index, outcome.item.clone()));
            }
        }
        if retry.is_empty() {
            return self;
        }
        let rerun = self.job.run_items(retry).await;
        for (index, outcome) in rerun {
            if let Ok(slot) = self.outcomes.binary_search_by_key(&index, |(i, _)| *i) {
                self.outcomes[slot].1 = outcome;
            }
        }
        self
    }
}
