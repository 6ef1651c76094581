//! Numbers, dates and words as the console shows them.

/// `1234567` as `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `3 users`, `1 user`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// An ISO 8601 timestamp as `2024-05-01 12:34` (UTC); anything else as given.
pub fn date_time(iso: &str) -> String {
    if iso.len() >= 16 && iso.as_bytes().get(10) == Some(&b'T') {
        format!("{} {}", &iso[..10], &iso[11..16])
    } else {
        iso.to_owned()
    }
}

/// An optional value, or an em dash.
pub fn or_dash(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => "—".to_owned(),
    }
}

/// What the range shown by a pager says: `Showing 26–50 of 1,234`.
pub fn range(page: u64, per_page: u64, shown: u64, total: Option<u64>) -> String {
    if shown == 0 {
        return "No results".to_owned();
    }
    let first = page * per_page + 1;
    let last = first + shown - 1;
    match total {
        Some(t) => format!("Showing {}–{} of {}", count(first), count(last), count(t)),
        None => format!("Showing {}–{}", count(first), count(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(plural(1, "user", "users"), "1 user");
        assert_eq!(plural(2000, "user", "users"), "2,000 users");
    }

    #[test]
    fn dates_and_ranges() {
        assert_eq!(date_time("2024-05-01T12:34:56.789Z"), "2024-05-01 12:34");
        assert_eq!(date_time("yesterday"), "yesterday");
        assert_eq!(or_dash(None), "—");
        assert_eq!(range(1, 25, 25, Some(1234)), "Showing 26–50 of 1,234");
        assert_eq!(range(0, 25, 0, Some(0)), "No results");
        assert_eq!(range(0, 10, 3, None), "Showing 1–3");
    }
}
