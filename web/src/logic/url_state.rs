//! Every view keeps its state (search, filters, page, sort, tab) in the URL's
//! query string: these functions read, write and merge it.

use std::fmt::Write as _;

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one query component: unreserved characters stay, the rest is `%XX`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The pairs of a query string (with or without its leading `?`), in order.
pub fn parse_query(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(p), String::new()),
        })
        .collect()
}

/// A query string from pairs: `?a=1&b=2`, or `""` when there are none. Empty values are left out.
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.as_ref().is_empty())
        .map(|(k, v)| format!("{}={}", encode_component(k.as_ref()), encode_component(v.as_ref())))
        .collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

/// Applies updates to a query string: `Some(value)` sets a key (in place, or
/// at the end), `None` or an empty value removes it. Other keys are kept in order.
pub fn merge_query(search: &str, updates: &[(&str, Option<String>)]) -> String {
    let mut pairs = parse_query(search);
    for (key, value) in updates {
        match value.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = v.to_owned(),
                None => pairs.push(((*key).to_owned(), v.to_owned())),
            },
            None => pairs.retain(|(k, _)| k != key),
        }
    }
    encode_query(&pairs)
}

/// A number from the query, or `default` when absent or unreadable.
pub fn number(value: Option<String>, default: u64) -> u64 {
    value.and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A sort order as Auth0 writes it: `field:1` (ascending) or `field:-1` (descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The field sorted on.
    pub field: String,
    /// Newest / largest first.
    pub descending: bool,
}

impl Sort {
    /// Reads `field:1` or `field:-1`; anything else is no sort.
    pub fn parse(s: &str) -> Option<Self> {
        let (field, dir) = s.split_once(':')?;
        let valid = !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        match (valid, dir) {
            (true, "1") => Some(Self { field: field.to_owned(), descending: false }),
            (true, "-1") => Some(Self { field: field.to_owned(), descending: true }),
            _ => None,
        }
    }

    /// The parameter value, such as `email:1`.
    pub fn to_param(&self) -> String {
        format!("{}:{}", self.field, if self.descending { "-1" } else { "1" })
    }

    /// The sort after clicking on `field`'s header: the same field flips, another starts ascending.
    pub fn toggled(current: Option<&Sort>, field: &str) -> Sort {
        match current {
            Some(s) if s.field == field => Sort { field: field.to_owned(), descending: !s.descending },
            _ => Sort { field: field.to_owned(), descending: false },
        }
    }
}

/// The state of a paged, searchable, sortable list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListState {
    /// The search text as typed.
    pub q: String,
    /// Zero-based page.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
    /// The sort, if any.
    pub sort: Option<Sort>,
}

/// Page sizes offered.
pub const PER_PAGE_CHOICES: [u64; 4] = [10, 25, 50, 100];
/// Default page size.
pub const DEFAULT_PER_PAGE: u64 = 25;

impl ListState {
    /// Reads the state from query pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let per_page = number(get("per_page"), DEFAULT_PER_PAGE).clamp(1, 100);
        Self {
            q: get("q").unwrap_or_default(),
            page: number(get("page"), 0),
            per_page,
            sort: get("sort").as_deref().and_then(Sort::parse),
        }
    }

    /// The state as query pairs; defaults are left out so URLs stay short.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q".into(), self.q.clone()));
        }
        if self.page > 0 {
            out.push(("page".into(), self.page.to_string()));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            out.push(("per_page".into(), self.per_page.to_string()));
        }
        if let Some(s) = &self.sort {
            out.push(("sort".into(), s.to_param()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn components_round_trip() {
        for s in ["email:\"*@acme.com\" AND blocked:false", "auth0|123", "a+b c&d=e", "ümlaut/é", ""] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(decode_component("a+b%20c"), "a b c");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz"), "%zz");
    }

    #[test]
    fn query_parse_encode_merge() {
        let pairs = parse_query("?q=email%3A%22x%22&page=2&flag");
        assert_eq!(pairs[0], ("q".into(), "email:\"x\"".into()));
        assert_eq!(pairs[2], ("flag".into(), String::new()));
        assert_eq!(encode_query(&[("q", "a b"), ("empty", "")]), "?q=a%20b");
        assert_eq!(encode_query::<&str, &str>(&[]), "");
        assert_eq!(merge_query("?q=x&page=3", &[("page", None)]), "?q=x");
        assert_eq!(
            merge_query("?q=x&page=3", &[("page", Some("4".into())), ("tab", Some("roles".into()))]),
            "?q=x&page=4&tab=roles"
        );
        assert_eq!(merge_query("", &[("q", Some(String::new()))]), "");
    }

    #[test]
    fn sort_parse_and_toggle() {
        let s = Sort::parse("email:-1").unwrap();
        assert!(s.descending);
        assert_eq!(s.to_param(), "email:-1");
        assert!(Sort::parse("email").is_none());
        assert!(Sort::parse("em ail:1").is_none());
        assert!(Sort::parse("email:2").is_none());
        assert_eq!(Sort::toggled(Some(&s), "email").to_param(), "email:1");
        assert_eq!(Sort::toggled(Some(&s), "name").to_param(), "name:1");
        assert_eq!(Sort::toggled(None, "name").to_param(), "name:1");
    }

    #[test]
    fn list_state_round_trip() {
        let state = ListState { q: "blocked:true".into(), page: 3, per_page: 50, sort: Sort::parse("last_login:-1") };
        let search = encode_query(&state.to_pairs());
        assert_eq!(ListState::from_pairs(&parse_query(&search)), state);
        let default = ListState::from_pairs(&[]);
        assert_eq!((default.page, default.per_page), (0, DEFAULT_PER_PAGE));
        assert!(default.to_pairs().is_empty());
        assert_eq!(ListState::from_pairs(&parse_query("?per_page=5000&page=x")).per_page, 100);
    }
}
