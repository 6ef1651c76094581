//! ISO 8601 timestamps to and from UNIX milliseconds, without a clock.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]][Z]` as UTC milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|v| v.parse::<i64>().ok());
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if s.as_bytes().get(4) != Some(&b'-') || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if s.len() > 10 {
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let sec = s.get(17..19).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let frac = s.get(20..).map(|f| f.chars().take(3).collect::<String>()).and_then(|f| {
            let n: i64 = f.parse().ok()?;
            Some(n * 10_i64.pow(3 - f.len() as u32))
        });
        ms += ((h * 60 + mi) * 60 + sec) * 1000 + frac.unwrap_or(0);
    }
    Some(ms)
}

/// UNIX milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn to_iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips() {
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(parse_iso("2024-02-29T12:00:00.000Z"), Some(1_709_208_000_000));
        assert_eq!(parse_iso("2024-02-29T12:00:00.5Z"), Some(1_709_208_000_500));
        assert_eq!(to_iso(1_709_208_000_000), "2024-02-29T12:00:00.000Z");
        for ms in [0, 86_399_999, 951_782_400_000, 1_700_000_000_123] {
            assert_eq!(parse_iso(&to_iso(ms)), Some(ms));
        }
        assert_eq!(parse_iso("2024-13-01"), None);
        assert_eq!(parse_iso("garbage"), None);
    }
}
