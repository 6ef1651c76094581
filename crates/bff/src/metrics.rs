//! Prometheus metrics: requests by operation, decision and status, their
//! latency, the tenant's remaining rate-limit budget and token requests.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The BFF's metrics, in their own registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    ratelimit_remaining: IntGauge,
    ratelimit_limit: IntGauge,
    token_requests: IntCounter,
    upstream_requests: IntCounter,
    upstream_retries: IntCounter,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "gatehouse_bff_requests_total",
                "Requests that reached the policy, by operation, decision and status.",
            ),
            &["operation", "decision", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "gatehouse_bff_request_duration_seconds",
                "Time to answer a proxied request, by operation.",
            )
            .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["operation"],
        )?;
        let ratelimit_remaining = IntGauge::new(
            "gatehouse_upstream_ratelimit_remaining",
            "Requests left in the tenant's rate-limit bucket (last seen).",
        )?;
        let ratelimit_limit =
            IntGauge::new("gatehouse_upstream_ratelimit_limit", "Size of the tenant's rate-limit bucket (last seen).")?;
        let token_requests = IntCounter::new(
            "gatehouse_upstream_token_requests_total",
            "Access tokens requested from the tenant (first and refreshes).",
        )?;
        let upstream_requests =
            IntCounter::new("gatehouse_upstream_requests_total", "HTTP requests sent to the tenant (every attempt).")?;
        let upstream_retries = IntCounter::new(
            "gatehouse_upstream_retries_total",
            "Requests to the tenant sent again (429, 5xx, transport errors).",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(ratelimit_remaining.clone()))?;
        registry.register(Box::new(ratelimit_limit.clone()))?;
        registry.register(Box::new(token_requests.clone()))?;
        registry.register(Box::new(upstream_requests.clone()))?;
        registry.register(Box::new(upstream_retries.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            ratelimit_remaining,
            ratelimit_limit,
            token_requests,
            upstream_requests,
            upstream_retries,
        })
    }

    /// Counts one request and its latency.
    pub fn observe(&self, operation: &str, decision: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[operation, decision, &status.to_string()]).inc();
        self.latency.with_label_values(&[operation]).observe(seconds);
    }

    /// Renders the text exposition format, after updating the upstream figures.
    pub fn render(&self, upstream: &UpstreamFigures) -> String {
        if let Some(r) = upstream.remaining {
            self.ratelimit_remaining.set(i64::try_from(r).unwrap_or(i64::MAX));
        }
        if let Some(l) = upstream.limit {
            self.ratelimit_limit.set(i64::try_from(l).unwrap_or(i64::MAX));
        }
        catch_up(&self.token_requests, upstream.token_requests);
        catch_up(&self.upstream_requests, upstream.requests);
        catch_up(&self.upstream_retries, upstream.retries);
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

fn catch_up(counter: &IntCounter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}

/// What the shared client knows, read when metrics are scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpstreamFigures {
    /// Rate-limit bucket size.
    pub limit: Option<u64>,
    /// Requests left.
    pub remaining: Option<u64>,
    /// Token requests so far.
    pub token_requests: u64,
    /// Requests sent so far.
    pub requests: u64,
    /// Retries so far.
    pub retries: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() {
        let m = Metrics::new().unwrap();
        m.observe("GetUser", "allowed", 200, 0.001);
        let text = m.render(&UpstreamFigures {
            limit: Some(50),
            remaining: Some(49),
            token_requests: 1,
            requests: 2,
            retries: 0,
        });
        for name in [
            "gatehouse_bff_requests_total{decision=\"allowed\",operation=\"GetUser\",status=\"200\"} 1",
            "gatehouse_bff_request_duration_seconds_bucket",
            "gatehouse_upstream_ratelimit_remaining 49",
            "gatehouse_upstream_token_requests_total 1",
        ] {
            assert!(text.contains(name), "{name} missing in\n{text}");
        }
    }
}
