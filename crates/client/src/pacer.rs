//! Pacing: sending no faster than Auth0 will answer, so a steady job does
//! not hit 429 at all.
//!
//! Two limits apply before each request, and the later of the two wins:
//!
//! - a local token bucket per API (default 15 requests/s, bursts of 50, the
//!   paid-tier limits), which keeps a job under the tenant's limit even
//!   before any response has been seen;
//! - a mirror of the server's bucket for the operation, read from the
//!   `x-ratelimit-remaining` / `x-ratelimit-reset` headers of every response
//!   and counted down as requests are sent: when it is empty, requests wait
//!   until its reset time. A 429 empties it, so every caller sharing the
//!   client waits, not only the one that got the 429.
//!
//! The local bucket reserves slots (like GCRA): each caller takes the next
//! free slot and sleeps until it, so concurrent callers are spread out
//! instead of waking together.

use crate::rt::{Clock, unix_f64};
use gatehouse_model::RateLimit;
use gatehouse_model::operation::{Api, OperationId};
use std::collections::HashMap;
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
        Self {
            rate: 15.0,
            burst: 50,
            follow_server: true,
            max_server_wait: Duration::from_secs(60),
        }
    }
}

impl Pacing {
    /// Auth0's free-tier limits: 2 requests/s, bursts of 10.
    pub fn free_tier() -> Self {
        Self {
            rate: 2.0,
            burst: 10,
            ..Self::default()
        }
    }

    /// A local bucket of `rate` requests per second with bursts of `burst`.
    pub fn per_second(rate: f64, burst: u32) -> Self {
        Self {
            rate,
            burst,
            ..Self::default()
        }
    }

    /// No pacing at all: neither the local bucket nor the server's.
    /// 429s are still waited out and retried.
    pub fn disabled() -> Self {
        Self {
            rate: 0.0,
            burst: 0,
            follow_server: false,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Local {
    /// Tokens at `at`; negative when slots in the future are reserved.
    tokens: f64,
    at: f64,
}

#[derive(Debug, Clone, Copy)]
struct Server {
    remaining: u64,
    /// UNIX seconds at which the bucket is full again.
    reset: f64,
}

#[derive(Debug, Default)]
struct State {
    local: HashMap<Api, Local>,
    server: HashMap<OperationId, Server>,
    last: RateLimit,
}

/// The pacer shared by all clones of a client.
#[derive(Debug)]
pub(crate) struct Pacer {
    config: Pacing,
    state: Mutex<State>,
}

impl Pacer {
    pub(crate) fn new(config: Pacing) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves consistent numbers behind.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a slot for one request of `id` at time `now` (UNIX seconds) and
    /// returns how long to wait before sending.
    pub(crate) fn reserve(&self, id: OperationId, now: f64) -> Duration {
        let spec = id.spec();
        let mut state = self.lock();
        let mut wait = 0.0_f64;
        if self.config.follow_server {
            if let Some(server) = state.server.get_mut(&id) {
                if now >= server.reset {
                    state.server.remove(&id);
                } else if server.remaining == 0 {
                    wait = (server.reset - now).min(self.config.max_server_wait.as_secs_f64());
                } else {
                    server.remaining -= 1;
                }
            }
        }
        if self.config.rate > 0.0 {
            let burst = f64::from(self.config.burst.max(1));
            let rate = self.config.rate;
            let local = state.local.entry(spec.api).or_insert(Local {
                tokens: burst,
                at: now,
            });
            if now > local.at {
                local.tokens = (local.tokens + (now - local.at) * rate).min(burst);
                local.at = now;
            }
            local.tokens -= 1.0;
            if local.tokens < 0.0 {
                // The slot is free once the deficit has refilled.
                wait = wait.max(-local.tokens / rate + (local.at - now));
            }
        }
        Duration::from_secs_f64(wait.max(0.0))
    }

    /// Waits for a slot for one request of `id`; returns how long it waited.
    pub(crate) async fn acquire(&self, clock: &dyn Clock, id: OperationId) -> Duration {
        let wait = self.reserve(id, unix_f64(clock));
        if !wait.is_zero() {
            clock.sleep(wait).await;
        }
        wait
    }

    /// Records what a response to `id` said about the rate limit.
    pub(crate) fn observe(&self, id: OperationId, status: u16, rate_limit: &RateLimit, now: f64) {
        let mut state = self.lock();
        if rate_limit.is_known() {
            state.last = *rate_limit;
        }
        let mut seen = match (rate_limit.remaining, rate_limit.reset) {
            (Some(remaining), Some(reset)) => Some(Server {
                remaining,
                reset: reset as f64,
            }),
            _ => None,
        };
        if status == 429 {
            let retry_at = now + rate_limit.wait_secs(now as u64).unwrap_or(1).max(1) as f64;
            let reset = seen.map_or(retry_at, |s| s.reset.max(retry_at));
            seen = Some(Server {
                remaining: 0,
                reset,
            });
        }
        let Some(seen) = seen else { return };
        if seen.reset <= now && status != 429 {
            return;
        }
        let entry = state.server.entry(id).or_insert(seen);
        if (entry.reset - seen.reset).abs() < 0.5 {
            // Same window: answers may arrive out of order, keep the lower count.
            entry.remaining = entry.remaining.min(seen.remaining);
        } else if seen.reset > entry.reset || status == 429 {
            *entry = seen;
        }
    }

    /// The rate-limit headers of the latest response that had any.
    pub(crate) fn last(&self) -> RateLimit {
        self.lock().last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn local_bucket_allows_a_burst_then_spaces_requests() {
        let pacer = Pacer::new(Pacing::per_second(10.0, 3));
        let id = OperationId::GetUser;
        let waits: Vec<f64> = (0..5).map(|_| secs(pacer.reserve(id, 100.0))).collect();
        assert_eq!(&waits[..3], &[0.0, 0.0, 0.0]);
        assert!((waits[3] - 0.1).abs() < 1e-9, "{waits:?}");
        assert!((waits[4] - 0.2).abs() < 1e-9, "{waits:?}");
        // After a second the bucket has refilled (to the burst).
        assert_eq!(secs(pacer.reserve(id, 101.3)), 0.0);
    }

    #[test]
    fn apis_have_separate_local_buckets() {
        let pacer = Pacer::new(Pacing::per_second(1.0, 1));
        assert_eq!(secs(pacer.reserve(OperationId::GetUser, 0.0)), 0.0);
        assert_eq!(secs(pacer.reserve(OperationId::ListTenants, 0.0)), 0.0);
        assert!(secs(pacer.reserve(OperationId::GetRole, 0.0)) > 0.9);
    }

    #[test]
    fn empty_server_bucket_waits_until_reset() {
        let pacer = Pacer::new(Pacing::disabled_local());
        let id = OperationId::ListUsers;
        let rl = RateLimit {
            limit: Some(50),
            remaining: Some(1),
            reset: Some(1001),
            retry_after: None,
        };
        pacer.observe(id, 200, &rl, 1000.0);
        assert_eq!(secs(pacer.reserve(id, 1000.0)), 0.0); // takes the last one
        assert!((secs(pacer.reserve(id, 1000.25)) - 0.75).abs() < 1e-9);
        // Other operations have their own bucket.
        assert_eq!(secs(pacer.reserve(OperationId::GetUser, 1000.25)), 0.0);
        // After the reset the mirror is forgotten.
        assert_eq!(secs(pacer.reserve(id, 1001.0)), 0.0);
    }

    #[test]
    fn a_429_empties_the_mirror_for_everyone() {
        let pacer = Pacer::new(Pacing::disabled_local());
        let id = OperationId::CreateUser;
        let rl = RateLimit {
            retry_after: Some(3),
            ..RateLimit::default()
        };
        pacer.observe(id, 429, &rl, 500.0);
        assert!((secs(pacer.reserve(id, 500.0)) - 3.0).abs() < 1e-9);
        assert_eq!(pacer.last(), rl);
    }

    #[test]
    fn out_of_order_answers_keep_the_lower_count() {
        let pacer = Pacer::new(Pacing::disabled_local());
        let id = OperationId::ListRoles;
        let rl = |remaining| RateLimit {
            limit: Some(10),
            remaining: Some(remaining),
            reset: Some(60),
            retry_after: None,
        };
        pacer.observe(id, 200, &rl(0), 50.0);
        pacer.observe(id, 200, &rl(5), 50.0);
        assert!(secs(pacer.reserve(id, 50.0)) > 9.9);
    }

    #[test]
    fn server_wait_is_bounded() {
        let pacer = Pacer::new(Pacing {
            max_server_wait: Duration::from_secs(2),
            ..Pacing::disabled_local()
        });
        let id = OperationId::ListRoles;
        let rl = RateLimit {
            limit: Some(10),
            remaining: Some(0),
            reset: Some(10_000),
            retry_after: None,
        };
        pacer.observe(id, 200, &rl, 0.0);
        assert_eq!(secs(pacer.reserve(id, 0.0)), 2.0);
    }

    impl Pacing {
        fn disabled_local() -> Self {
            Self {
                rate: 0.0,
                ..Self::default()
            }
        }
    }
}
