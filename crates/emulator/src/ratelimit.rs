//! Token-bucket rate limiting, per API (the tenant-wide limit) and per
//! operation (the endpoint limit), with the `x-ratelimit-*` headers Auth0
//! puts on every response.

use gatehouse_model::Api;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Which bucket a request drew from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketKey {
    /// The tenant-wide bucket of one API.
    Api(Api),
    /// One operation's bucket.
    Operation(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The state of a bucket after a request, for the response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Bucket size.
    pub limit: u64,
    /// Whole requests left.
    pub remaining: u64,
    /// UNIX seconds at which the bucket is full again.
    pub reset: u64,
    /// Seconds until one request is allowed again (only when refused).
    pub retry_after: Option<u64>,
}

/// What the limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; the tighter of the two buckets is reported.
    Allowed(Quota),
    /// The tenant-wide bucket is empty.
    GlobalLimit(Quota),
    /// This operation's bucket is empty.
    EndpointLimit(Quota),
}

impl Decision {
    /// The quota to report.
    pub fn quota(&self) -> Quota {
        match self {
            Decision::Allowed(q) | Decision::GlobalLimit(q) | Decision::EndpointLimit(q) => *q,
        }
    }
}

/// How fast a bucket refills and how much it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Tokens added per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

impl Limit {
    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
    }

    fn quota(&self, bucket: &Bucket, now_unix: u64, refused: bool) -> Quota {
        let to_full = (self.burst - bucket.tokens) / self.rate;
        let retry_after = refused.then(|| ((1.0 - bucket.tokens) / self.rate).ceil().max(1.0) as u64);
        Quota {
            limit: self.burst as u64,
            remaining: bucket.tokens.floor().max(0.0) as u64,
            reset: now_unix + to_full.ceil() as u64,
            retry_after,
        }
    }
}

/// Token buckets: one per API for the tenant, and optionally one per operation.
#[derive(Debug)]
pub struct RateLimiter {
    tenant: Option<Limit>,
    endpoint: Option<Limit>,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

fn limit(rate: f64, burst: u32) -> Option<Limit> {
    (rate.is_finite() && rate > 0.0).then(|| Limit { rate, burst: f64::from(burst.max(1)) })
}

impl RateLimiter {
    /// A limiter with a tenant-wide bucket of `burst` refilling at `rate`
    /// per second (a rate of zero disables limiting), and optionally a
    /// bucket per operation.
    pub fn new(rate: f64, burst: u32, endpoint: Option<(f64, u32)>) -> Self {
        let tenant = limit(rate, burst);
        let endpoint = if tenant.is_some() { endpoint.and_then(|(r, b)| limit(r, b)) } else { None };
        Self { tenant, endpoint, buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.tenant.is_some()
    }

    fn unlimited(&self, now_unix: u64) -> Quota {
        let size = self.tenant.map_or(0, |l| l.burst as u64);
        Quota { limit: size, remaining: size, reset: now_unix, retry_after: None }
    }

    /// Takes one token from the API bucket and the operation bucket.
    pub fn check(&self, api: Api, op: &'static str, now_unix: u64) -> Decision {
        let Some(tenant) = self.tenant else {
            return Decision::Allowed(self.unlimited(now_unix));
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut global = *buckets.entry(BucketKey::Api(api)).or_insert(Bucket { tokens: tenant.burst, updated: now });
        tenant.refill(&mut global, now);
        let mut endpoint = self.endpoint.map(|limit| {
            let mut b =
                *buckets.entry(BucketKey::Operation(op)).or_insert(Bucket { tokens: limit.burst, updated: now });
            limit.refill(&mut b, now);
            (limit, b)
        });
        let decision = if global.tokens < 1.0 {
            Decision::GlobalLimit(tenant.quota(&global, now_unix, true))
        } else if let Some((limit, b)) = endpoint.filter(|(_, b)| b.tokens < 1.0) {
            Decision::EndpointLimit(limit.quota(&b, now_unix, true))
        } else {
            global.tokens -= 1.0;
            let g = tenant.quota(&global, now_unix, false);
            match endpoint.as_mut() {
                Some((limit, b)) => {
                    b.tokens -= 1.0;
                    let e = limit.quota(b, now_unix, false);
                    Decision::Allowed(if e.remaining < g.remaining { e } else { g })
                }
                None => Decision::Allowed(g),
            }
        };
        buckets.insert(BucketKey::Api(api), global);
        if let Some((_, b)) = endpoint {
            buckets.insert(BucketKey::Operation(op), b);
        }
        decision
    }

    /// The tenant-wide bucket of `api` without taking from it.
    pub fn peek(&self, api: Api, now_unix: u64) -> Quota {
        let Some(tenant) = self.tenant else {
            return self.unlimited(now_unix);
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get_mut(&BucketKey::Api(api)) {
            None => self.unlimited(now_unix),
            Some(bucket) => {
                tenant.refill(bucket, Instant::now());
                tenant.quota(bucket, now_unix, false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::OperationId;

    #[test]
    fn burst_then_refusal_then_refill() {
        let rl = RateLimiter::new(20.0, 3, None);
        let op = OperationId::ListUsers;
        for left in [2, 1, 0] {
            match rl.check(Api::Management, op.name(), 100) {
                Decision::Allowed(q) => assert_eq!(q.remaining, left),
                other => panic!("{other:?}"),
            }
        }
        let refused = rl.check(Api::Management, op.name(), 100);
        assert!(matches!(refused, Decision::GlobalLimit(q) if q.retry_after == Some(1)));
        std::thread::sleep(std::time::Duration::from_millis(120));
        assert!(matches!(rl.check(Api::Management, op.name(), 100), Decision::Allowed(_)));
    }

    #[test]
    fn endpoint_bucket_binds_first_when_smaller() {
        let rl = RateLimiter::new(1.0, 10, Some((1.0, 2)));
        assert!(
            matches!(rl.check(Api::Management, OperationId::GetUser.name(), 1), Decision::Allowed(q) if q.remaining == 1)
        );
        assert!(matches!(rl.check(Api::Management, OperationId::GetUser.name(), 1), Decision::Allowed(_)));
        assert!(matches!(rl.check(Api::Management, OperationId::GetUser.name(), 1), Decision::EndpointLimit(_)));
        assert!(matches!(rl.check(Api::Management, OperationId::GetRole.name(), 1), Decision::Allowed(_)));
    }

    #[test]
    fn disabled_never_refuses() {
        let rl = RateLimiter::new(0.0, 1, None);
        for _ in 0..100 {
            assert!(matches!(rl.check(Api::Teams, OperationId::ListTenants.name(), 1), Decision::Allowed(_)));
        }
    }
}
