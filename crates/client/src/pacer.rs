//! Pacing: sending no faster than Auth0 will answer, so a steady job does
//! not hit 429 at all.
//!
//! Two limits apply before each request:
//!
//! - a mirror of the server's bucket for the API, read from the
//!   `x-ratelimit-limit` / `-remaining` / `-reset` headers of every response
//!   and counted down as requests are released. Between answers it refills
//!   at the local rate (Auth0's buckets refill continuously, and `reset` is
//!   when the bucket is *full*, not when the next request may go), so an
//!   empty mirror holds callers only until its next token; without a local
//!   rate they wait until the reset time, when `limit` requests may go. Answers may arrive out of order and requests are in
//!   flight, so the mirror keeps the lower count and the later reset. A 429
//!   empties it until `Retry-After`, so every caller sharing the client
//!   waits, not only the one that got the 429;
//! - a local token bucket per API (default 15 requests/s, bursts of 50,
//!   the paid-tier limits), which keeps a job under the tenant's limit even
//!   before any response has been seen.
//!
//! The local bucket reserves slots (like GCRA): each caller takes the next
//! free slot and sleeps until it, so concurrent callers are spread out
//! instead of waking together.

use crate::rt::{Clock, unix_f64};
use gatehouse_model::RateLimit;
use gatehouse_model::operation::Api;
use std::sync::Mutex;
use std::time::Duration;

/// How fast the client sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// Requests per second the local bucket refills at, per API; `0` turns
    /// the local bucket off.
    pub rate: f64,
    /// Size of the local bucket: how many requests may go at once after a pause.
    pub burst: u32,
    /// Whether to wait for the server's bucket to refill when its mirror is empty.
    pub follow_server: bool,
    /// The longest wait for the server's bucket (guards against a wrong clock or header).
    pub max_server_wait: Duration,
}

impl Default for Pacing {
    /// Auth0's paid-tier Management API limits: 15 requests/s, bursts of 50.
    fn default() -> Self {
        Self { rate: 15.0, burst: 50, follow_server: true, max_server_wait: Duration::from_secs(60) }
    }
}

impl Pacing {
    /// Auth0's free-tier limits: 2 requests/s, bursts of 10.
    pub fn free_tier() -> Self {
        Self { rate: 2.0, burst: 10, ..Self::default() }
    }

    /// A local bucket of `rate` requests per second with bursts of `burst`.
    pub fn per_second(rate: f64, burst: u32) -> Self {
        Self { rate, burst, ..Self::default() }
    }

    /// No pacing at all: neither the local bucket nor the server's.
    /// 429s are still waited out and retried.
    pub fn disabled() -> Self {
        Self { rate: 0.0, burst: 0, follow_server: false, ..Self::default() }
    }
}

#[derive(Debug, Clone, Copy)]
struct Local {
    /// Tokens at `at`; negative when slots in the future are reserved.
    tokens: f64,
    at: f64,
}

/// The mirror of the server's bucket for one API.
#[derive(Debug, Clone, Copy)]
struct Server {
    /// Bucket size, when the server said.
    limit: Option<u64>,
    /// Requests left, counted down as requests are released.
    remaining: u64,
    /// UNIX seconds at which the bucket is full again (after a window was
    /// assumed refilled and before an answer told its state, a provisional
    /// [`WINDOW`] later).
    reset: f64,
    /// UNIX seconds from which `remaining` refills at the local rate: when
    /// it was last counted, or after a 429 the time the server named.
    at: f64,
}

#[derive(Debug, Default)]
struct State {
    local: PerApi<Local>,
    server: PerApi<Server>,
    last: RateLimit,
}

/// One value per [`Api`], at most three: an array indexed by the API, which
/// is all a map would do here (and keeps a hash map out of the npm package's wasm).
#[derive(Debug)]
struct PerApi<T>([Option<T>; 3]);

impl<T> Default for PerApi<T> {
    fn default() -> Self {
        Self([None, None, None])
    }
}

impl<T> PerApi<T> {
    fn index(api: Api) -> usize {
        match api {
            Api::Management => 0,
            Api::Teams => 1,
            Api::Authentication => 2,
        }
    }

    fn get_mut(&mut self, api: &Api) -> Option<&mut T> {
        self.0[Self::index(*api)].as_mut()
    }

    fn remove(&mut self, api: &Api) {
        self.0[Self::index(*api)] = None;
    }

    fn get_or_insert(&mut self, api: Api, value: T) -> &mut T {
        self.0[Self::index(api)].get_or_insert(value)
    }
}

/// What a caller must do before sending.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Slot {
    /// Sleep this long, then send.
    Go(Duration),
    /// The server's bucket is empty: sleep this long, then ask again.
    Recheck(Duration),
}

/// After the server's bucket is assumed full again, how long `limit`
/// requests are allowed for, until an answer tells the bucket's state.
const WINDOW: f64 = 1.0;

/// The pacer shared by all clones of a client (and the npm package's send
/// loop): a local token bucket per API plus a mirror of the server's bucket.
#[derive(Debug)]
pub struct Pacer {
    config: Pacing,
    state: Mutex<State>,
}

impl Pacer {
    /// A pacer configured by `config`, with no answer seen yet.
    pub fn new(config: Pacing) -> Self {
        Self { config, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves consistent numbers behind.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks for a slot for one request to `api` at time `now` (UNIX seconds).
    #[cfg(test)]
    fn reserve(&self, api: Api, now: f64) -> Slot {
        self.reserve_with(api, now, self.config.follow_server)
    }

    /// Asks for a slot, following the server's bucket or not.
    fn reserve_with(&self, api: Api, now: f64, follow_server: bool) -> Slot {
        let mut state = self.lock();
        if follow_server {
            if let Some(server) = state.server.get_mut(&api) {
                if now >= server.reset {
                    // The window is over: the bucket is full again.
                    match server.limit {
                        Some(limit) => {
                            server.remaining = limit;
                            server.reset = now + WINDOW;
                            server.at = now;
                        }
                        None => {
                            state.server.remove(&api);
                        }
                    }
                }
            }
            let rate = self.config.rate;
            if let Some(server) = state.server.get_mut(&api) {
                if rate > 0.0 && now > server.at {
                    // The epsilon keeps float error from losing a whole token at exact multiples.
                    let refilled = ((now - server.at) * rate + 1e-9).floor();
                    if refilled >= 1.0 {
                        let cap = server.limit.unwrap_or(u64::MAX);
                        server.remaining = server.remaining.saturating_add(refilled as u64).min(cap);
                        server.at += refilled / rate;
                    }
                }
                if server.remaining == 0 {
                    let next_token = if rate > 0.0 { server.at.max(now) + 1.0 / rate } else { f64::INFINITY };
                    let until = server.reset.min(next_token);
                    return Slot::Recheck(Duration::from_secs_f64((until - now).max(0.001)));
                }
                server.remaining -= 1;
            }
        }
        let mut wait = 0.0_f64;
        if self.config.rate > 0.0 {
            let burst = f64::from(self.config.burst.max(1));
            let rate = self.config.rate;
            let local = state.local.get_or_insert(api, Local { tokens: burst, at: now });
            if now > local.at {
                local.tokens = (local.tokens + (now - local.at) * rate).min(burst);
                local.at = now;
            }
            local.tokens -= 1.0;
            if local.tokens < 0.0 {
                // The slot is free once the deficit has refilled.
                wait = -local.tokens / rate + (local.at - now);
            }
        }
        Slot::Go(Duration::from_secs_f64(wait.max(0.0)))
    }

    /// Waits for a slot for one request to `api`; returns how long it waited.
    pub async fn acquire(&self, clock: &dyn Clock, api: Api) -> Duration {
        let mut waited = Duration::ZERO;
        loop {
            // Never wait for the server longer than configured in all, whatever the mirror says.
            let follow_server = self.config.follow_server && waited < self.config.max_server_wait;
            match self.reserve_with(api, unix_f64(clock), follow_server) {
                Slot::Go(wait) => {
                    if !wait.is_zero() {
                        clock.sleep(wait).await;
                    }
                    return waited + wait;
                }
                Slot::Recheck(wait) => {
                    let wait = wait.min(self.config.max_server_wait);
                    clock.sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }

    /// Records what a response from `api` said about the rate limit.
    pub fn observe(&self, api: Api, status: u16, rate_limit: &RateLimit, now: f64) {
        let mut state = self.lock();
        if rate_limit.is_known() {
            state.last = *rate_limit;
        }
        let mut seen = match (rate_limit.remaining, rate_limit.reset) {
            (Some(remaining), Some(reset)) => Some((remaining, reset as f64)),
            _ => None,
        };
        if status == 429 {
            let retry_at = now + rate_limit.wait_secs(now as u64).unwrap_or(1).max(1) as f64;
            seen = Some((0, seen.map_or(retry_at, |(_, reset)| reset.max(retry_at))));
        }
        let Some((remaining, reset)) = seen else { return };
        // After a 429 nothing refills before the time the server named.
        let at = if status == 429 { reset } else { now };
        if status != 429 && (reset <= now || rate_limit.limit == Some(0)) {
            // The bucket is full again by now (or the server does not limit):
            // nothing to wait for.
            state.server.remove(&api);
            return;
        }
        // A reset far away is a wrong clock or header: wait no longer than configured.
        let reset = reset.min(now + self.config.max_server_wait.as_secs_f64());
        let entry = state.server.get_or_insert(api, Server { limit: None, remaining, reset, at });
        entry.limit = rate_limit.limit.filter(|l| *l > 0).or(entry.limit);
        if now >= entry.reset {
            *entry = Server { remaining, reset, at, ..*entry };
        } else {
            // Answers may arrive out of order and requests are in flight:
            // keep the lower count and the later reset.
            if remaining <= entry.remaining {
                entry.at = entry.at.max(at);
            }
            entry.remaining = entry.remaining.min(remaining);
            entry.reset = entry.reset.max(reset);
        }
    }

    /// The rate-limit headers of the latest response that had any.
    pub fn last(&self) -> RateLimit {
        self.lock().last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(slot: Slot) -> f64 {
        match slot {
            Slot::Go(d) => d.as_secs_f64(),
            other => panic!("expected to go, got {other:?}"),
        }
    }

    fn recheck(slot: Slot) -> f64 {
        match slot {
            Slot::Recheck(d) => d.as_secs_f64(),
            other => panic!("expected to wait for the server, got {other:?}"),
        }
    }

    fn headers(limit: u64, remaining: u64, reset: u64) -> RateLimit {
        RateLimit { limit: Some(limit), remaining: Some(remaining), reset: Some(reset), retry_after: None }
    }

    fn server_only() -> Pacing {
        Pacing { rate: 0.0, ..Pacing::default() }
    }

    const M: Api = Api::Management;

    #[test]
    fn local_bucket_allows_a_burst_then_spaces_requests() {
        let pacer = Pacer::new(Pacing::per_second(10.0, 3));
        let waits: Vec<f64> = (0..5).map(|_| go(pacer.reserve(M, 100.0))).collect();
        assert_eq!(&waits[..3], &[0.0, 0.0, 0.0]);
        assert!((waits[3] - 0.1).abs() < 1e-9, "{waits:?}");
        assert!((waits[4] - 0.2).abs() < 1e-9, "{waits:?}");
        // After a second the bucket has refilled (to the burst).
        assert_eq!(go(pacer.reserve(M, 101.3)), 0.0);
    }

    #[test]
    fn apis_have_separate_buckets() {
        let pacer = Pacer::new(Pacing::per_second(1.0, 1));
        assert_eq!(go(pacer.reserve(M, 0.0)), 0.0);
        assert_eq!(go(pacer.reserve(Api::Teams, 0.0)), 0.0);
        assert!(go(pacer.reserve(M, 0.0)) > 0.9);
    }

    #[test]
    fn an_empty_server_bucket_waits_until_reset_then_allows_limit() {
        let pacer = Pacer::new(server_only());
        pacer.observe(M, 200, &headers(3, 1, 1001), 1000.0);
        assert_eq!(go(pacer.reserve(M, 1000.0)), 0.0); // takes the last one
        assert!((recheck(pacer.reserve(M, 1000.25)) - 0.75).abs() < 1e-9);
        // Another API is not affected.
        assert_eq!(go(pacer.reserve(Api::Teams, 1000.25)), 0.0);
        // At the reset the bucket is full: `limit` requests go, then callers
        // wait for an answer to say more.
        for _ in 0..3 {
            assert_eq!(go(pacer.reserve(M, 1001.0)), 0.0);
        }
        assert!((recheck(pacer.reserve(M, 1001.0)) - WINDOW).abs() < 1e-9);
        // The answer to the first of the three: the other two are in flight,
        // so the mirror keeps its lower count, and learns the reset.
        pacer.observe(M, 200, &headers(3, 2, 1002), 1001.1);
        assert!((recheck(pacer.reserve(M, 1001.1)) - 0.9).abs() < 1e-9);
        assert_eq!(go(pacer.reserve(M, 1002.0)), 0.0);
    }

    #[test]
    fn a_429_empties_the_mirror_for_everyone() {
        let pacer = Pacer::new(server_only());
        let rl = RateLimit { retry_after: Some(3), ..RateLimit::default() };
        pacer.observe(M, 429, &rl, 500.0);
        assert!((recheck(pacer.reserve(M, 500.0)) - 3.0).abs() < 1e-9);
        assert_eq!(pacer.last(), rl);
        // With no limit known, the mirror is dropped after the wait.
        assert_eq!(go(pacer.reserve(M, 503.0)), 0.0);
    }

    #[test]
    fn out_of_order_answers_keep_the_lower_count_and_later_reset() {
        let pacer = Pacer::new(server_only());
        pacer.observe(M, 200, &headers(10, 0, 60), 50.0);
        pacer.observe(M, 200, &headers(10, 5, 59), 50.0);
        assert!((recheck(pacer.reserve(M, 50.0)) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn a_stale_mirror_is_replaced() {
        let pacer = Pacer::new(server_only());
        pacer.observe(M, 200, &headers(10, 0, 60), 50.0);
        pacer.observe(M, 200, &headers(10, 7, 61), 60.5);
        assert_eq!(go(pacer.reserve(M, 60.5)), 0.0);
    }

    #[test]
    fn server_wait_is_bounded() {
        let pacer = Pacer::new(Pacing { max_server_wait: Duration::from_secs(2), ..server_only() });
        pacer.observe(M, 200, &headers(10, 0, 10_000), 0.0);
        assert_eq!(recheck(pacer.reserve(M, 0.0)), 2.0);
    }

    #[test]
    fn a_reset_in_the_past_or_an_unlimited_server_means_no_wait() {
        let pacer = Pacer::new(server_only());
        pacer.observe(M, 200, &headers(10, 0, 60), 50.0);
        pacer.observe(M, 200, &headers(10, 0, 60), 60.5);
        assert_eq!(go(pacer.reserve(M, 60.5)), 0.0);
        // An emulator without limits answers `limit: 0, remaining: 0, reset: now`.
        pacer.observe(M, 200, &headers(0, 0, 61), 60.9);
        assert_eq!(go(pacer.reserve(M, 60.9)), 0.0);
        assert_eq!(go(pacer.reserve(M, 60.9)), 0.0);
    }

    #[test]
    fn an_injected_429_from_an_unlimited_server_waits_only_retry_after() {
        let pacer = Pacer::new(server_only());
        let rl = RateLimit { retry_after: Some(1), ..headers(0, 0, 100) };
        pacer.observe(M, 429, &rl, 100.2);
        assert!((recheck(pacer.reserve(M, 100.2)) - 1.0).abs() < 1e-9);
        for _ in 0..10 {
            assert_eq!(go(pacer.reserve(M, 101.2)), 0.0);
        }
    }

    #[test]
    fn without_answers_a_refilled_window_lasts_a_second() {
        let pacer = Pacer::new(server_only());
        pacer.observe(M, 200, &headers(2, 0, 11), 10.0);
        assert_eq!(go(pacer.reserve(M, 11.0)), 0.0);
        assert_eq!(go(pacer.reserve(M, 11.0)), 0.0);
        assert!((recheck(pacer.reserve(M, 11.5)) - 0.5).abs() < 1e-9);
        assert_eq!(go(pacer.reserve(M, 12.0)), 0.0);
    }

    #[test]
    fn with_a_local_rate_an_empty_mirror_refills_token_by_token() {
        // 10/s locally; the server says its bucket of 5 is empty and full again in 0.5 s.
        let pacer = Pacer::new(Pacing { burst: 100, ..Pacing::per_second(10.0, 100) });
        pacer.observe(M, 200, &headers(5, 0, 1001), 1000.5);
        // The next token is 0.1 s away, not the 0.5 s until the bucket is full.
        assert!((recheck(pacer.reserve(M, 1000.5)) - 0.1).abs() < 1e-9);
        assert_eq!(go(pacer.reserve(M, 1000.6)), 0.0);
        assert!((recheck(pacer.reserve(M, 1000.6)) - 0.1).abs() < 1e-9);
        // Two tokens' worth of time: two requests.
        assert_eq!(go(pacer.reserve(M, 1000.8)), 0.0);
        assert_eq!(go(pacer.reserve(M, 1000.8)), 0.0);
        assert!(matches!(pacer.reserve(M, 1000.8), Slot::Recheck(_)));
    }

    #[test]
    fn after_a_429_nothing_refills_before_retry_after() {
        let pacer = Pacer::new(Pacing { burst: 100, ..Pacing::per_second(10.0, 100) });
        pacer.observe(M, 200, &headers(5, 3, 1001), 1000.0);
        let rl = RateLimit { retry_after: Some(2), ..headers(5, 0, 1001) };
        pacer.observe(M, 429, &rl, 1000.0);
        // The server's bucket is full again at the retry time, before a refill would add a token.
        assert!((recheck(pacer.reserve(M, 1000.5)) - 1.5).abs() < 1e-9);
    }

    #[test]
    fn disabled_pacing_never_waits() {
        let pacer = Pacer::new(Pacing::disabled());
        pacer.observe(M, 429, &RateLimit { retry_after: Some(30), ..RateLimit::default() }, 0.0);
        for _ in 0..100 {
            assert_eq!(go(pacer.reserve(M, 0.0)), 0.0);
        }
    }
}
