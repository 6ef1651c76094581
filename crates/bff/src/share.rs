//! Each API key's share of the tenant's rate-limit budget.
//!
//! The shared client paces every call to the tenant together (a local
//! token bucket of `pacing.rate_per_second`, bursts of `pacing.burst`).
//! Without more, one agent looping over a list could take all of it and
//! leave the admins waiting. So every API key also has a bucket of its own,
//! `pacing.api_key_share` of the tenant's (half by default): the same
//! fraction of the rate and of the burst. A key's call that finds its
//! bucket empty is refused at once (429 `gatehouse_share_exceeded`, a tool
//! error over MCP) rather than queued, with how long until the next call
//! fits. Signed-in admins have no bucket of their own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The buckets of the API keys, by key name.
#[derive(Debug)]
pub(crate) struct Shares {
    /// The fraction of the tenant's budget each key may use.
    pub share: f64,
    /// Tokens per second each key's bucket refills at.
    rate: f64,
    /// Size of each key's bucket.
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// Milliseconds (the BFF's clock) at which `tokens` was counted.
    at_ms: i64,
}

/// A call refused because its key used up its share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OverShare {
    /// How long until the key's next call fits in its share.
    pub retry_after: Duration,
}

impl Shares {
    /// Buckets of `share` of a budget of `rate` calls per second with bursts of
    /// `burst`; `None` when there is nothing to share (local pacing off) or a
    /// key may use it all (`share` 1).
    pub fn new(rate: f64, burst: u32, share: f64) -> Option<Self> {
        if rate <= 0.0 || share >= 1.0 || share <= 0.0 {
            return None;
        }
        // At least one call at a time, or a small budget would refuse every key's every call.
        let burst = (f64::from(burst.max(1)) * share).max(1.0);
        Some(Self { share, rate: rate * share, burst, buckets: Mutex::new(HashMap::new()) })
    }

    /// Takes one call from `key`'s bucket at `now_ms`, or says how long until one fits.
    pub fn take(&self, key: &str, now_ms: i64) -> Result<(), OverShare> {
        // A panic while holding this lock leaves consistent numbers behind.
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: self.burst, at_ms: now_ms });
        if now_ms > bucket.at_ms {
            let elapsed = (now_ms - bucket.at_ms) as f64 / 1000.0;
            bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
            bucket.at_ms = now_ms;
        }
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / self.rate;
        Err(OverShare { retry_after: Duration::from_secs_f64(wait.max(0.001)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_share_of_burst_and_rate() {
        assert!(Shares::new(0.0, 50, 0.5).is_none(), "no pacing, nothing to share");
        assert!(Shares::new(15.0, 50, 1.0).is_none(), "a share of 1 is no limit");
        let s = Shares::new(2.0, 4, 0.5).unwrap();
        assert!(s.take("bot", 0).is_ok());
        assert!(s.take("bot", 0).is_ok());
        let over = s.take("bot", 0).unwrap_err();
        assert_eq!(over.retry_after, Duration::from_secs(1), "half of 2/s is one call a second");
        assert!(s.take("other", 0).is_ok(), "each key has its own bucket");
        assert!(s.take("bot", 999).is_err());
        assert!(s.take("bot", 1000).is_ok());
        assert!(s.take("bot", 1000).is_err());
        // A long pause refills the bucket to its size, not beyond.
        assert!(s.take("bot", 60_000).is_ok() && s.take("bot", 60_000).is_ok());
        assert!(s.take("bot", 60_000).is_err());
    }

    #[test]
    fn a_tiny_budget_still_lets_one_call_through() {
        let s = Shares::new(1.0, 1, 0.5).unwrap();
        assert!(s.take("bot", 0).is_ok());
        assert!(s.take("bot", 0).is_err());
    }
}
