//! Timestamps as Auth0 writes them: ISO 8601 in UTC with milliseconds
//! (`2024-05-01T13:00:30.038Z`), and the few parsing needs of query
//! parameters. Small enough not to need a date crate.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the UNIX epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Seconds since the UNIX epoch, now.
pub fn now_secs() -> u64 {
    (now_ms() / 1000).max(0) as u64
}

/// The time as one emulator sees it: the system's, unless a test stops or
/// moves it.
///
/// It never goes backwards on its own (it counts from a monotonic start), so
/// rate-limit buckets refill by the elapsed time even if the system clock is
/// adjusted. [`Clock::freeze`] stops it and [`Clock::advance`] moves it on,
/// which makes bucket refills and job progress deterministic in tests.
#[derive(Debug)]
pub struct Clock {
    start_ms: i64,
    start: Instant,
    offset_ms: AtomicI64,
    frozen: AtomicBool,
    frozen_at: AtomicI64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// A clock that follows the system's.
    pub fn system() -> Self {
        Self {
            start_ms: now_ms(),
            start: Instant::now(),
            offset_ms: AtomicI64::new(0),
            frozen: AtomicBool::new(false),
            frozen_at: AtomicI64::new(0),
        }
    }

    fn running_ms(&self) -> i64 {
        let elapsed = i64::try_from(self.start.elapsed().as_millis()).unwrap_or(i64::MAX / 2);
        self.start_ms.saturating_add(elapsed).saturating_add(self.offset_ms.load(Ordering::Acquire))
    }

    /// Milliseconds since the UNIX epoch, as this clock reads.
    pub fn now_ms(&self) -> i64 {
        if self.frozen.load(Ordering::Acquire) { self.frozen_at.load(Ordering::Acquire) } else { self.running_ms() }
    }

    /// Seconds since the UNIX epoch, as this clock reads.
    pub fn now_secs(&self) -> u64 {
        (self.now_ms() / 1000).max(0) as u64
    }

    /// Stops the clock at its current reading: it then moves only by [`Clock::advance`].
    pub fn freeze(&self) {
        self.frozen_at.store(self.running_ms(), Ordering::Release);
        self.frozen.store(true, Ordering::Release);
    }

    /// Moves the clock forward by `by` (stopped or running).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.offset_ms.fetch_add(ms, Ordering::AcqRel);
        self.frozen_at.fetch_add(ms, Ordering::AcqRel);
    }
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A civil date to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let h = rem / 3_600_000;
    let mi = rem / 60_000 % 60;
    let s = rem / 1000 % 60;
    let milli = rem % 1000;
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// The current time as an ISO 8601 string.
pub fn now_iso() -> String {
    iso(now_ms())
}

/// Parses `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]` and a
/// `Z` or `±HH:MM` offset (UTC when absent), into epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)? as u32, num(8, 2)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let mut i = 10;
    if i < b.len() && (b[i] == b'T' || b[i] == b' ') {
        let h = num(i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        let mi = num(i + 4, 2)?;
        if h > 23 || mi > 59 {
            return None;
        }
        ms += h * 3_600_000 + mi * 60_000;
        i += 6;
        if b.get(i) == Some(&b':') {
            let sec = num(i + 1, 2)?;
            if sec > 60 {
                return None;
            }
            ms += sec * 1000;
            i += 3;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return None;
                }
                let frac = &s[start..end.min(start + 3)];
                let scale = 10_i64.pow(3 - frac.len() as u32);
                ms += frac.parse::<i64>().ok()? * scale;
                i = end;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => {}
            Some(sign @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                let om = if b.get(i + 3) == Some(&b':') { num(i + 4, 2)? } else { num(i + 3, 2)? };
                let offset = (oh * 60 + om) * 60_000;
                ms += if *sign == b'+' { -offset } else { offset };
            }
            _ => return None,
        }
    } else if i != b.len() {
        return None;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let c = Clock::system();
        let before = c.now_ms();
        assert!((before - now_ms()).abs() < 1000);
        c.freeze();
        let at = c.now_ms();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(c.now_ms(), at);
        c.advance(Duration::from_millis(1500));
        assert_eq!(c.now_ms(), at + 1500);
        assert_eq!(c.now_secs(), ((at + 1500) / 1000) as u64);
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_714_568_430_038), "2024-05-01T13:00:30.038Z");
        assert_eq!(parse_iso("2024-05-01T13:00:30.038Z"), Some(1_714_568_430_038));
        assert_eq!(parse_iso("2024-05-01"), Some(1_714_521_600_000));
        assert_eq!(parse_iso("2024-05-01T15:00:30+02:00"), Some(1_714_568_430_000));
        assert_eq!(parse_iso("2024-13-01"), None);
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso("2024-05-01Tx"), None);
        for ms in [-86_400_001_i64, 951_782_400_000, 4_102_444_800_123] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms));
        }
    }
}
