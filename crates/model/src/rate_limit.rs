//! Auth0's rate-limit headers, parsed from every response.

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use std::time::UNIX_EPOCH;

/// What a response said about the rate limit: `x-ratelimit-limit`,
/// `x-ratelimit-remaining`, `x-ratelimit-reset` and `Retry-After`.
///
/// Each part is optional because proxies, the token endpoint and the Teams
/// API do not always send them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Size of the bucket.
    pub limit: Option<u64>,
    /// Requests left in the bucket.
    pub remaining: Option<u64>,
    /// When the bucket is full again, in UNIX seconds.
    pub reset: Option<u64>,
    /// `Retry-After` in seconds (an HTTP date is converted by [`RateLimit::from_headers_at`]).
    pub retry_after: Option<u64>,
}

impl RateLimit {
    /// Reads the headers; `now` (UNIX seconds) turns an HTTP-date `Retry-After` into seconds.
    pub fn from_headers_at(headers: &HeaderMap, now: u64) -> Self {
        // Names as constants: looking a header up by `&str` would parse the name
        // at run time, which links `http`'s whole table of standard names.
        const LIMIT: http::HeaderName = http::HeaderName::from_static("x-ratelimit-limit");
        const REMAINING: http::HeaderName = http::HeaderName::from_static("x-ratelimit-remaining");
        const RESET: http::HeaderName = http::HeaderName::from_static("x-ratelimit-reset");
        let text = |name: &http::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        Self::from_values(text(&LIMIT), text(&REMAINING), text(&RESET), text(&http::header::RETRY_AFTER), now)
    }

    /// Reads the values of `x-ratelimit-limit`, `x-ratelimit-remaining`,
    /// `x-ratelimit-reset` and `Retry-After` (each `None` when absent), for a
    /// caller that has no [`HeaderMap`] (the npm package hands them over from
    /// JavaScript's `fetch`); `now` as for [`RateLimit::from_headers_at`].
    pub fn from_values(
        limit: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
        retry_after: Option<&str>,
        now: u64,
    ) -> Self {
        let num = |v: Option<&str>| v.and_then(|v| v.trim().parse::<u64>().ok());
        let retry_after = retry_after.and_then(|v| parse_retry_after(v, now));
        Self { limit: num(limit), remaining: num(remaining), reset: num(reset), retry_after }
    }

    /// Reads the headers through `get`, which answers a header's value by its
    /// lowercase name (as the browser's `fetch` headers do), without an
    /// [`HeaderMap`]; `now` as for [`RateLimit::from_headers_at`].
    pub fn from_lookup_at(get: impl Fn(&'static str) -> Option<String>, now: u64) -> Self {
        let num = |name: &'static str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            reset: num("x-ratelimit-reset"),
            retry_after: get("retry-after").and_then(|v| parse_retry_after(&v, now)),
        }
    }

    /// Reads the headers, treating an HTTP-date `Retry-After` as relative to `x-ratelimit-reset`'s epoch.
    ///
    /// Use [`RateLimit::from_headers_at`] when the current time is known.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_headers_at(headers, 0)
    }

    /// Whether any rate-limit header was present.
    pub fn is_known(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some() || self.reset.is_some() || self.retry_after.is_some()
    }

    /// Seconds to wait before sending again after a 429, given the current UNIX time.
    pub fn wait_secs(&self, now: u64) -> Option<u64> {
        self.retry_after.or_else(|| self.reset.map(|reset| reset.saturating_sub(now)))
    }
}

fn parse_retry_after(value: &str, now: u64) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = at.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(at.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn parses_every_header() {
        let rl = RateLimit::from_headers(&headers(&[
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "49"),
            ("x-ratelimit-reset", "1700000000"),
            ("retry-after", "3"),
        ]));
        assert_eq!(
            rl,
            RateLimit { limit: Some(50), remaining: Some(49), reset: Some(1_700_000_000), retry_after: Some(3) }
        );
        assert_eq!(rl.wait_secs(0), Some(3));
    }

    #[test]
    fn http_date_retry_after_is_relative_to_now() {
        let rl = RateLimit::from_headers_at(&headers(&[("retry-after", "Thu, 01 Jan 1970 00:01:40 GMT")]), 90);
        assert_eq!(rl.retry_after, Some(10));
    }

    #[test]
    fn a_lookup_reads_the_same_as_a_header_map() {
        let pairs = [
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", " 7 "),
            ("x-ratelimit-reset", "nope"),
            ("retry-after", "Thu, 01 Jan 1970 00:01:40 GMT"),
        ];
        let map = headers(&pairs);
        let get = |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        let read = RateLimit::from_lookup_at(get, 90);
        assert_eq!(read, RateLimit::from_headers_at(&map, 90));
        assert_eq!(read, RateLimit { limit: Some(50), remaining: Some(7), reset: None, retry_after: Some(10) });
        assert!(!RateLimit::from_lookup_at(|_| None, 0).is_known());
    }

    #[test]
    fn garbage_is_ignored_and_reset_is_used() {
        let rl = RateLimit::from_headers(&headers(&[("x-ratelimit-limit", "lots"), ("x-ratelimit-reset", "110")]));
        assert_eq!(rl.limit, None);
        assert_eq!(rl.wait_secs(100), Some(10));
        assert!(!RateLimit::default().is_known());
    }
}
