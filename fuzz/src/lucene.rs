//! Properties of the emulator's Lucene-subset parser, on arbitrary text.
//!
//! Shared by the fuzz target `lucene` and by
//! `crates/emulator/tests/search_property.rs`, which runs the same checks as
//! property tests. Every check panics when a property does not hold.

// `crate::search` is the emulator's `search` module: compiled from its source
// in the fuzz crate, imported from `gatehouse_emulator` in the emulator's tests.
use crate::search::{self, Query, SearchError, Sort};
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Longest query the properties try; the fuzzer is run with `-max_len` near it.
pub const MAX_CHARS: usize = 512;

/// What a short query may take to parse and match, even on a slow machine.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

/// The fields bare terms search, as user search does.
pub const DEFAULTS: &[&str] = &["email", "name", "nickname", "user_id"];

/// A user document with strings, numbers, booleans, nulls, nested objects and arrays.
pub fn user() -> &'static Value {
    static USER: OnceLock<Value> = OnceLock::new();
    USER.get_or_init(|| {
        json!({
            "user_id": "auth0|abc123",
            "email": "Jane.Doe@Example.com",
            "name": "Jane Doe",
            "nickname": "jane",
            "logins_count": 12,
            "blocked": false,
            "last_ip": null,
            "created_at": "2024-03-05T10:00:00.000Z",
            "app_metadata": {"plan": "pro", "tags": ["beta", "vip"], "score": -1.5},
            "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0"}, {"connection": "github"}]
        })
    })
}

/// `lucene`: the bytes (as UTF-8 with replacement, cut to [`MAX_CHARS`]) as a query.
pub fn lucene(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let query: String = text.chars().take(MAX_CHARS).collect();
    query_text(&query);
}

/// A query never panics, parses the same way twice, reports errors inside
/// the text, and parsing plus matching a document stays fast. Sort
/// parameters and wildcard patterns made of the same text never panic either.
pub fn query_text(query: &str) {
    let started = Instant::now();
    let parsed = search::parse(query);
    match &parsed {
        Ok(q) => {
            let _ = q.matches(user(), DEFAULTS);
            let _ = q.matches(&Value::Null, DEFAULTS);
            bounded(q, 0);
        }
        Err(SearchError { message, position }) => {
            assert!(!message.is_empty());
            assert!(*position <= query.chars().count(), "error past the end: {position} in {query:?}");
        }
    }
    assert_eq!(search::parse(query), parsed, "parsing is not deterministic");
    if let Some(sort) = Sort::parse(query) {
        assert!(query.ends_with(":1") || query.ends_with(":-1"));
        let _ = sort.compare(user(), &Value::Null);
    }
    let (pattern, text) = query.split_once('\u{0}').unwrap_or((query, "Jane.Doe@Example.com"));
    let _ = search::glob(&pattern.to_lowercase(), text);
    let took = started.elapsed();
    assert!(took < TIME_LIMIT, "{query:?} took {took:?}");
}

/// Nesting stays within the parser's bound (and so within the stack).
fn bounded(q: &Query, depth: usize) {
    assert!(depth <= 200, "query nests {depth} deep");
    match q {
        Query::And(parts) | Query::Or(parts) => {
            assert!(parts.len() >= 2, "a one-part AND/OR");
            parts.iter().for_each(|p| bounded(p, depth + 1));
        }
        Query::Not(inner) => bounded(inner, depth + 1),
        Query::All | Query::Match { .. } | Query::Range { .. } | Query::Exists(_) => {}
    }
}
