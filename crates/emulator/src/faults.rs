//! Fault injection: extra latency, dropped connections and error statuses
//! answered at random, to exercise retries and error handling.
//!
//! A spec reads `429=0.1,500=0.05,503=0.05,latency=200ms,drop=0.01`: each
//! status is answered with that probability, `latency` delays every API
//! request (`200ms`, `1s`, or a range `50ms..300ms`), and `drop` closes the
//! connection without an answer. The same settings can be sent as JSON to
//! `POST /__emulator/faults`.

use crate::ids::Ids;
use serde_json::{Map, Value, json};
use std::sync::Mutex;
use std::time::Duration;

/// Fault settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Statuses answered at random, with their probabilities.
    pub statuses: Vec<(u16, f64)>,
    /// Added delay: fixed, or uniformly drawn between the two.
    pub latency: Option<(Duration, Duration)>,
    /// Probability of closing the connection without an answer.
    pub drop: f64,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection.
    Drop,
    /// Answer with this status.
    Status(u16),
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("`{s}` is not a duration such as 200ms or 1s"))?;
    if !(v.is_finite() && v >= 0.0) || v * scale > 60_000.0 {
        return Err(format!("`{s}` must be between 0 and 60s"));
    }
    Ok(Duration::from_micros((v * scale * 1000.0) as u64))
}

fn parse_latency(s: &str) -> Result<(Duration, Duration), String> {
    match s.split_once("..") {
        Some((a, b)) => {
            let (lo, hi) = (parse_duration(a)?, parse_duration(b)?);
            if lo > hi {
                return Err(format!("latency range `{s}` goes backwards"));
            }
            Ok((lo, hi))
        }
        None => {
            let d = parse_duration(s)?;
            Ok((d, d))
        }
    }
}

fn parse_probability(key: &str, v: &str) -> Result<f64, String> {
    let p: f64 = v.trim().parse().map_err(|_| format!("`{key}` needs a probability, got `{v}`"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("`{key}` must be between 0 and 1, got {p}"));
    }
    Ok(p)
}

impl FaultSpec {
    /// Parses the comma-separated form.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut out = FaultSpec::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("`{part}` is not key=value"))?;
            out.set(key.trim(), value.trim())?;
        }
        out.check()?;
        Ok(out)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "latency" => self.latency = Some(parse_latency(value)?).filter(|(_, hi)| !hi.is_zero()),
            "drop" => self.drop = parse_probability(key, value)?,
            status => {
                let code: u16 = status.parse().map_err(|_| format!("unknown fault `{status}`"))?;
                if !(400..=599).contains(&code) {
                    return Err(format!("fault status {code} is not an error status"));
                }
                let p = parse_probability(key, value)?;
                self.statuses.retain(|(c, _)| *c != code);
                if p > 0.0 {
                    self.statuses.push((code, p));
                }
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        let total: f64 = self.drop + self.statuses.iter().map(|(_, p)| p).sum::<f64>();
        if total > 1.0 + 1e-9 {
            return Err(format!("fault probabilities add up to {total}, more than 1"));
        }
        Ok(())
    }

    /// Reads the JSON form: `{"429": 0.1, "latency": "200ms", "drop": 0.01}`
    /// or `{"spec": "429=0.1,..."}`; `{}` turns faults off.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let obj = value.as_object().ok_or("expected a JSON object")?;
        if let Some(spec) = obj.get("spec") {
            return Self::parse(spec.as_str().ok_or("`spec` must be a string")?);
        }
        let mut out = FaultSpec::default();
        for (key, v) in obj {
            let text = match v {
                Value::Number(n) if key == "latency" || key == "latency_ms" => format!("{n}ms"),
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => return Err(format!("`{key}` has an unusable value {other}")),
            };
            let key = if key == "latency_ms" { "latency" } else { key.as_str() };
            out.set(key, &text)?;
        }
        out.check()?;
        Ok(out)
    }

    /// The JSON form, as `GET /__emulator/faults` reports it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (code, p) in &self.statuses {
            m.insert(code.to_string(), json!(p));
        }
        if let Some((lo, hi)) = self.latency {
            let text = if lo == hi {
                format!("{}ms", lo.as_millis())
            } else {
                format!("{}ms..{}ms", lo.as_millis(), hi.as_millis())
            };
            m.insert("latency".into(), json!(text));
        }
        if self.drop > 0.0 {
            m.insert("drop".into(), json!(self.drop));
        }
        Value::Object(m)
    }

    /// Whether nothing is injected.
    pub fn is_off(&self) -> bool {
        self.statuses.is_empty() && self.latency.is_none() && self.drop == 0.0
    }
}

/// The live fault settings and the random source that applies them.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<(FaultSpec, Ids)>,
}

impl Faults {
    /// Settings drawn from a generator seeded with `seed`.
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Self { state: Mutex::new((spec, Ids::new(seed, 0xfa17))) }
    }

    /// The current settings.
    pub fn spec(&self) -> FaultSpec {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    /// Replaces the settings.
    pub fn set(&self, spec: FaultSpec) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 = spec;
    }

    /// Draws what happens to one request: a delay, and maybe a fault.
    pub fn draw(&self) -> (Option<Duration>, Option<Fault>) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (spec, rng) = &mut *guard;
        if spec.is_off() {
            return (None, None);
        }
        let delay = spec.latency.map(|(lo, hi)| {
            if lo == hi {
                lo
            } else {
                let span = (hi - lo).as_micros() as i64;
                lo + Duration::from_micros(rng.range(0, span + 1) as u64)
            }
        });
        let roll = rng.unit();
        let mut acc = spec.drop;
        if roll < acc {
            return (delay, Some(Fault::Drop));
        }
        for (code, p) in &spec.statuses {
            acc += p;
            if roll < acc {
                return (delay, Some(Fault::Status(*code)));
            }
        }
        (delay, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_forms() {
        let s = FaultSpec::parse("429=0.1,500=0.05,503=0.05,latency=200ms,drop=0.01").unwrap();
        assert_eq!(s.statuses, vec![(429, 0.1), (500, 0.05), (503, 0.05)]);
        assert_eq!(s.latency, Some((Duration::from_millis(200), Duration::from_millis(200))));
        assert_eq!(s.drop, 0.01);
        assert_eq!(FaultSpec::from_json(&s.to_json()).unwrap(), s);
        assert!(FaultSpec::parse("200=0.5").is_err());
        assert!(FaultSpec::parse("500=0.7,503=0.7").is_err());
        assert!(FaultSpec::parse("latency=fast").is_err());
        assert!(FaultSpec::parse("").unwrap().is_off());
        let j = FaultSpec::from_json(&json!({"500": 1, "latency_ms": 5})).unwrap();
        assert_eq!(j.statuses, vec![(500, 1.0)]);
        let r = FaultSpec::parse("latency=10ms..20ms").unwrap();
        assert_eq!(r.latency, Some((Duration::from_millis(10), Duration::from_millis(20))));
    }

    #[test]
    fn draws_follow_probabilities() {
        let f = Faults::new(FaultSpec::parse("500=0.5").unwrap(), 3);
        let hits = (0..2000).filter(|_| f.draw().1 == Some(Fault::Status(500))).count();
        assert!((800..1200).contains(&hits), "{hits}");
        f.set(FaultSpec::default());
        assert_eq!(f.draw(), (None, None));
    }
}
