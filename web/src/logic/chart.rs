//! Sign-in successes and failures over time: events bucketed for the chart.

use super::time::{parse_iso, to_iso};

/// One bar group of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the bucket, UNIX ms.
    pub start: i64,
    /// Successful sign-ins.
    pub success: u32,
    /// Failed sign-ins.
    pub failure: u32,
}

/// Whether a log type code is a sign-in success (`s`, `ssa`, `scoa`...).
pub fn is_signin_success(code: &str) -> bool {
    matches!(code, "s" | "ssa" | "scoa" | "sens" | "seacft" | "seccft")
}

/// Whether a log type code is a sign-in failure (`f`, `fp`, `fu`, `fsa`...).
pub fn is_signin_failure(code: &str) -> bool {
    matches!(
        code,
        "f" | "fp" | "fu" | "fsa" | "fcoa" | "fens" | "feacft" | "feccft" | "fcpro" | "limit_wc" | "limit_mu"
    )
}

/// A bucket width that gives at most `max_buckets` buckets over `span_ms`:
/// one of 5 min, 15 min, 1 h, 6 h, 1 day, 1 week.
pub fn bucket_width(span_ms: i64, max_buckets: i64) -> i64 {
    const STEPS: [i64; 6] = [300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000];
    STEPS.into_iter().find(|w| span_ms / w < max_buckets).unwrap_or(STEPS[5])
}

/// Buckets `(date, type code)` events: only sign-in successes and failures
/// count; empty buckets between the first and last event are kept, so time
/// runs evenly along the axis.
pub fn buckets<'a>(events: impl IntoIterator<Item = (&'a str, &'a str)>, max_buckets: i64) -> (i64, Vec<Bucket>) {
    let points: Vec<(i64, bool)> = events
        .into_iter()
        .filter_map(|(date, code)| {
            let ok = is_signin_success(code);
            (ok || is_signin_failure(code)).then_some(())?;
            Some((parse_iso(date)?, ok))
        })
        .collect();
    let (Some(min), Some(max)) = (points.iter().map(|p| p.0).min(), points.iter().map(|p| p.0).max()) else {
        return (3_600_000, Vec::new());
    };
    let width = bucket_width(max - min, max_buckets.max(1));
    let first = min.div_euclid(width) * width;
    let n = (max.div_euclid(width) * width - first) / width + 1;
    let mut out: Vec<Bucket> = (0..n).map(|i| Bucket { start: first + i * width, success: 0, failure: 0 }).collect();
    for (t, ok) in points {
        let b = &mut out[((t.div_euclid(width) * width - first) / width) as usize];
        if ok {
            b.success += 1;
        } else {
            b.failure += 1;
        }
    }
    (width, out)
}

/// The label of a bucket: the time for widths under a day, else the date.
pub fn label(start: i64, width: i64) -> String {
    let iso = to_iso(start);
    if width < 86_400_000 { format!("{} {}", &iso[5..10], &iso[11..16]) } else { iso[..10].to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn widths() {
        assert_eq!(bucket_width(3_600_000, 24), 300_000);
        assert_eq!(bucket_width(86_400_000, 24), 3_600_000 * 6);
        assert_eq!(bucket_width(30 * 86_400_000, 24), 604_800_000);
    }

    #[test]
    fn events_are_bucketed() {
        let events = [
            ("2024-05-01T10:01:00Z", "s"),
            ("2024-05-01T10:02:00Z", "f"),
            ("2024-05-01T10:20:00Z", "fp"),
            ("2024-05-01T10:21:00Z", "sapi"),
            ("2024-05-01T10:40:00Z", "s"),
        ];
        let (width, b) = buckets(events.iter().map(|(d, t)| (*d, *t)), 24);
        assert_eq!(width, 300_000);
        assert_eq!(b.first().map(|b| (b.success, b.failure)), Some((1, 1)));
        assert_eq!(b.iter().map(|b| b.success).sum::<u32>(), 2);
        assert_eq!(b.iter().map(|b| b.failure).sum::<u32>(), 2);
        assert_eq!(b.len(), 9);
        assert_eq!(label(b[0].start, width), "05-01 10:00");
        assert!(buckets(std::iter::empty(), 24).1.is_empty());
    }
}
