//! Path templates: filling them with percent-encoded ids, and matching raw
//! paths back to a template.
//!
//! Every parameter becomes exactly one path segment. Auth0 user ids contain
//! `|` and arbitrary ids may contain `/`, `?`, `#` or `%`; all of them are
//! encoded, so an id can never change which endpoint is called. Ids that are
//! empty, `.` or `..` are refused: URL parsers treat those (even encoded as
//! `%2E%2E`) as a different path.
//!
//! Matching reads a literal segment in any percent-encoded spelling
//! (`user%73` is `users`, as RFC 3986 makes them equivalent), so a raw path
//! and the canonical path [`fill`] builds from what it matched always name
//! the same template.

use crate::error::ValidationError;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Bytes left as they are in a segment: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Bytes left as they are in a query component.
const QUERY: &AsciiSet = &SEGMENT.remove(b'*').remove(b':').remove(b',');

/// Percent-encodes one path segment, refusing values that cannot name one object.
pub fn encode_segment(name: &'static str, value: &str) -> Result<String, ValidationError> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(ValidationError::PathParam { name, value: value.to_owned() });
    }
    Ok(utf8_percent_encode(value, SEGMENT).collect())
}

/// Percent-encodes a query key or value.
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, QUERY).collect()
}

/// A whole number as decimal text, as `to_string` writes it (without `core::fmt`, which the
/// npm package's wasm then leaves out).
pub fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

/// A whole number as 16 lowercase hexadecimal digits, zero-padded (as `{n:016x}` writes it,
/// without `core::fmt`).
pub fn hex16(n: u64) -> String {
    (0..16).rev().map(|i| char::from(b"0123456789abcdef"[((n >> (4 * i)) & 0xf) as usize])).collect()
}

/// The `/`-separated segments of a path, as `split('/')` gives them (read byte by byte:
/// the npm package's wasm then links no character searcher).
pub fn segments(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b'/') {
            Some(at) => {
                rest = r.get(at + 1..);
                r.get(..at)
            }
            None => rest.take(),
        }
    })
}

/// The parameter a template segment names (`{id}` gives `id`), if it is one.
fn param(segment: &str) -> Option<&str> {
    segment.strip_prefix("{")?.strip_suffix("}")
}

/// A text without the `/`s it ends with.
pub fn trim_slashes(mut text: &str) -> &str {
    while let Some(rest) = text.strip_suffix("/") {
        text = rest;
    }
    text
}

/// The names of a template's parameters, in order (`{id}` gives `id`).
pub fn param_names(template: &'static str) -> impl Iterator<Item = &'static str> {
    segments(template).filter_map(param)
}

/// Fills a template such as `/api/v2/users/{id}/roles` with values, in order.
pub fn fill(template: &'static str, values: &[&str]) -> Result<String, ValidationError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut values = values.iter();
    for (i, seg) in segments(template).enumerate() {
        if i > 0 {
            out.push('/');
        }
        match param(seg) {
            Some(name) => {
                let value = values.next().ok_or(ValidationError::Empty { name })?;
                out.push_str(&encode_segment(name, value)?);
            }
            None => out.push_str(seg),
        }
    }
    Ok(out)
}

/// Matches a raw (still encoded) path against a template and returns the
/// decoded parameter values, or `None` when it is another path.
pub fn match_template(template: &str, path: &str) -> Option<Vec<String>> {
    let mut params = Vec::new();
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(params),
            (Some(ts), Some(ps)) => {
                if ts.starts_with('{') {
                    let value = percent_decode_str(ps).decode_utf8().ok()?;
                    if value.is_empty() || value == "." || value == ".." {
                        return None;
                    }
                    params.push(value.into_owned());
                } else if ts != ps && !decodes_to(ps, ts) {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Whether a raw segment is a percent-encoded spelling of `literal`.
fn decodes_to(raw: &str, literal: &str) -> bool {
    raw.contains('%') && percent_decode_str(raw).eq(literal.bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_are_what_split_gives() {
        for path in ["", "/", "/api/v2/users/{id}", "a//b/", "no-slash", "/é/{x}/"] {
            assert_eq!(super::segments(path).collect::<Vec<_>>(), path.split('/').collect::<Vec<_>>(), "{path}");
            assert_eq!(super::trim_slashes(path), path.trim_end_matches('/'), "{path}");
        }
    }

    #[test]
    fn numbers_are_written_as_core_fmt_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 1_000, 4_294_967_296, u64::MAX - 1, u64::MAX] {
            assert_eq!(super::decimal(n), n.to_string());
            assert_eq!(super::hex16(n), format!("{n:016x}"));
        }
    }

    use super::*;

    #[test]
    fn user_ids_are_encoded() {
        assert_eq!(fill("/api/v2/users/{id}", &["auth0|abc"]).unwrap(), "/api/v2/users/auth0%7Cabc");
        assert_eq!(fill("/api/v2/users/{id}/roles", &["a/b?c#d%e"]).unwrap(), "/api/v2/users/a%2Fb%3Fc%23d%25e/roles");
    }

    #[test]
    fn dot_segments_and_empty_ids_are_refused() {
        for bad in ["", ".", ".."] {
            assert!(fill("/api/v2/users/{id}", &[bad]).is_err(), "{bad:?}");
        }
        assert_eq!(fill("/api/v2/users/{id}", &["a..b"]).unwrap(), "/api/v2/users/a..b");
    }

    #[test]
    fn matching_decodes_params() {
        assert_eq!(
            match_template("/api/v2/users/{id}/roles", "/api/v2/users/auth0%7C1/roles"),
            Some(vec!["auth0|1".to_owned()])
        );
        assert_eq!(match_template("/api/v2/users/{id}", "/api/v2/users/a/roles"), None);
        assert_eq!(match_template("/api/v2/users/{id}", "/api/v2/users/.."), None);
        assert_eq!(match_template("/api/v2/users/{id}", "/api/v2/users/"), None);
    }

    #[test]
    fn literals_match_in_any_encoding() {
        // Found by the `path` fuzz target: `/custom-domains/defaul%74` matched only
        // `/custom-domains/{id}` (id `default`), while the path built back from
        // that, `/custom-domains/default`, is another operation.
        assert_eq!(match_template("/api/v2/custom-domains/default", "/api/v2/custom-domains/defaul%74"), Some(vec![]));
        assert_eq!(match_template("/api/v2/users/{id}", "/api/v2/user%73/a%2Fb"), Some(vec!["a/b".to_owned()]));
        assert_eq!(match_template("/api/v2/users", "/api/v2/users%2F"), None);
        assert_eq!(match_template("/api/v2/users", "/api/v2/user%"), None);
    }

    #[test]
    fn param_names_in_order() {
        assert_eq!(
            param_names("/api/v2/organizations/{id}/members/{user_id}/roles").collect::<Vec<_>>(),
            ["id", "user_id"]
        );
    }
}
