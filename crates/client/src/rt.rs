//! What differs between the host and WebAssembly: `Send` bounds, boxed
//! futures, timers and the clock.
//!
//! On the host every future the client returns is `Send`, so it can be
//! spawned on a multi-threaded runtime; in the browser nothing is `Send`
//! (JavaScript values are not), and the bounds relax to nothing.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
pub use web_time::SystemTime;
use web_time::UNIX_EPOCH;

/// `Send` on the host; no bound on `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on the host; no bound on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on the host; no bound on `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` on the host; no bound on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future: `Send` on the host, local on `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` on the host, local on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A boxed stream: `Send` on the host, local on `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + Send + 'a>>;
/// A boxed stream: `Send` on the host, local on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + 'a>>;

/// Boxes a future into a [`BoxFuture`].
pub fn boxed<'a, F>(future: F) -> BoxFuture<'a, F::Output>
where
    F: Future + MaybeSend + 'a,
{
    Box::pin(future)
}

/// Boxes a stream into a [`BoxStream`].
pub fn boxed_stream<'a, S>(stream: S) -> BoxStream<'a, S::Item>
where
    S: futures::Stream + MaybeSend + 'a,
{
    Box::pin(stream)
}

/// Where the client reads the time and how it waits.
///
/// The default, [`SystemClock`], uses tokio's timer on the host (so tests
/// running under `tokio::time::pause()` see time jump instead of waiting)
/// and `setTimeout` in the browser. Tests can inject their own clock with
/// [`crate::ClientBuilder::clock`] to move time by hand, for example to
/// make a cached token expire.
pub trait Clock: MaybeSend + MaybeSync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The current time of `clock` as seconds since the UNIX epoch, with fractions.
pub fn unix_f64(clock: &dyn Clock) -> f64 {
    clock.now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The current time of `clock` as whole seconds since the UNIX epoch.
pub(crate) fn unix_secs(clock: &dyn Clock) -> u64 {
    clock.now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The real clock.
///
/// On the host, wall-clock time is read as "wall time when the clock was
/// created plus tokio's monotonic time since", so it never goes backwards
/// and follows tokio's paused time in tests. In the browser it reads
/// `Date.now()` through `web-time`.
#[derive(Debug, Clone)]
pub struct SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    anchor: (SystemTime, tokio::time::Instant),
}

impl SystemClock {
    /// A clock reading the current time.
    pub fn new() -> Self {
        Self {
            #[cfg(not(target_arch = "wasm32"))]
            anchor: (SystemTime::now(), tokio::time::Instant::now()),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now(&self) -> SystemTime {
        self.anchor.0 + self.anchor.1.elapsed()
    }

    #[cfg(target_arch = "wasm32")]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    #[cfg(target_arch = "wasm32")]
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(gloo_timers::future::sleep(duration))
    }
}

/// A small xorshift generator for retry jitter; no need for cryptographic
/// randomness, and no dependency that needs a browser entropy source.
#[derive(Debug)]
pub struct Jitter(std::sync::atomic::AtomicU64);

impl Jitter {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(std::sync::atomic::AtomicU64::new(seed | 1))
    }

    /// A uniformly distributed number in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        use std::sync::atomic::Ordering::Relaxed;
        let mut x = self.0.load(Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range() {
        let j = Jitter::new(42);
        for _ in 0..1000 {
            let x = j.next_f64();
            assert!((0.0..1.0).contains(&x));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn system_clock_follows_paused_time() {
        let clock = SystemClock::new();
        let before = clock.now();
        clock.sleep(Duration::from_secs(30)).await;
        let after = clock.now();
        assert_eq!(after.duration_since(before).unwrap().as_secs(), 30);
    }
}
