//! `new ManagementClient(options)`: where the tenant is, how to
//! authenticate, and how to pace, retry and time out.

use crate::input::{Input, Kind};
use gatehouse_client::{Pacing, RetryPolicy};
use gatehouse_model::{BaseUrls, Secret};
use std::time::Duration;
use tsify_next::Tsify;

/// Options of `new ManagementClient(options)`.
///
/// Give the tenant as `domain` (or `baseUrl` for one origin serving every
/// API, like the emulator or the BFF), and one way to authenticate: `token`,
/// `clientId` with `clientSecret` (tokens are fetched, cached per audience and
/// refreshed), or `credentials: 'include'` to call the BFF with the browser's
/// session cookie.
#[derive(Debug, Default, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// The tenant's domain, such as `acme.eu.auth0.com`.
    #[serde(default)]
    #[tsify(optional)]
    pub domain: Option<String>,
    /// One origin serving every API, such as `http://127.0.0.1:4000` (emulator, BFF).
    #[serde(default)]
    #[tsify(optional)]
    pub base_url: Option<String>,
    /// Team slug, for the Teams API at `https://{team}.teams.auth0.com`.
    #[serde(default)]
    #[tsify(optional)]
    pub team: Option<String>,
    /// Origin of the Teams API, when it is not `https://{team}.teams.auth0.com`.
    #[serde(default)]
    #[tsify(optional)]
    pub teams_base_url: Option<String>,
    /// A bearer token obtained elsewhere.
    #[serde(default)]
    #[tsify(optional)]
    pub token: Option<String>,
    /// Client id of a machine-to-machine application.
    #[serde(default)]
    #[tsify(optional)]
    pub client_id: Option<String>,
    /// Its client secret.
    #[serde(default)]
    #[tsify(optional)]
    pub client_secret: Option<String>,
    /// Management API audience (default `{origin}/api/v2/`).
    #[serde(default)]
    #[tsify(optional)]
    pub audience: Option<String>,
    /// Teams API audience (default `{teams origin}/api/`).
    #[serde(default)]
    #[tsify(optional)]
    pub teams_audience: Option<String>,
    /// Cookie mode, for a page calling the BFF: `'include'` sends cookies
    /// cross-origin, `'same-origin'` only to the page's origin. Every request
    /// then carries `X-CSRF: 1` and no `Authorization` header.
    #[serde(default)]
    #[tsify(optional, type = "\"include\" | \"same-origin\"")]
    pub credentials: Option<String>,
    /// How long one attempt may take, in milliseconds (default 60000).
    #[serde(default)]
    #[tsify(optional)]
    pub timeout_ms: Option<u64>,
    /// Client-side pacing (default 15 requests/s, bursts of 50); `false` turns it off.
    #[serde(default)]
    #[tsify(optional)]
    pub pacing: Option<PacingSetting>,
    /// Retries (default: 4 attempts on server errors for idempotent methods, 5 on 429s); `false` sends once.
    #[serde(default)]
    #[tsify(optional)]
    pub retry: Option<RetrySetting>,
}

/// Pacing options, or `false` for none.
#[derive(Debug, Tsify)]
#[serde(untagged)]
pub enum PacingSetting {
    /// `true` for the default, `false` for none.
    Switch(bool),
    /// A local bucket.
    Options(PacingOptions),
}

/// A local token bucket.
#[derive(Debug, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PacingOptions {
    /// Requests per second.
    pub rate: f64,
    /// Largest burst.
    pub burst: u32,
    /// Whether to wait when the server's `x-ratelimit-remaining` says its bucket is empty (default true).
    #[serde(default)]
    #[tsify(optional)]
    pub follow_server: Option<bool>,
}

/// Retry options, or `false` for none.
#[derive(Debug, Tsify)]
#[serde(untagged)]
pub enum RetrySetting {
    /// `true` for the default, `false` to send every request once.
    Switch(bool),
    /// Limits.
    Options(RetryOptions),
}

/// Retry limits.
#[derive(Debug, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryOptions {
    /// Most sends of one request while it fails with server or network errors.
    #[serde(default)]
    #[tsify(optional)]
    pub max_attempts: Option<u32>,
    /// Most sends of one request while it is answered 429.
    #[serde(default)]
    #[tsify(optional)]
    pub max_rate_limited_attempts: Option<u32>,
    /// First backoff step in milliseconds.
    #[serde(default)]
    #[tsify(optional)]
    pub base_delay_ms: Option<u64>,
    /// Longest backoff step in milliseconds.
    #[serde(default)]
    #[tsify(optional)]
    pub max_delay_ms: Option<u64>,
}

fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim_ascii).filter(|v| !v.is_empty())
}

/// The names `ClientOptions` takes (as the declarations spell them).
const CLIENT_KEYS: &[&str] = &[
    "domain",
    "baseUrl",
    "team",
    "teamsBaseUrl",
    "token",
    "clientId",
    "clientSecret",
    "audience",
    "teamsAudience",
    "credentials",
    "timeoutMs",
    "pacing",
    "retry",
];
const PACING_KEYS: &[&str] = &["rate", "burst", "followServer"];
const RETRY_KEYS: &[&str] = &["maxAttempts", "maxRateLimitedAttempts", "baseDelayMs", "maxDelayMs"];

/// The fields of one options object, checked against the names it takes.
struct Fields<'a, V> {
    value: &'a V,
    what: &'static str,
}

impl<'a, V: Input> Fields<'a, V> {
    fn new(value: &'a V, what: &'static str, keys: &[&str]) -> Result<Self, String> {
        if value.kind() != Kind::Object {
            return Err([what, " must be an object"].concat());
        }
        if let Some(unknown) = value.keys().into_iter().find(|k| !keys.contains(&k.as_str())) {
            return Err(
                [what, ": unknown option `", &unknown, "`, expected one of `", &keys.join("`, `"), "`"].concat()
            );
        }
        Ok(Self { value, what })
    }

    fn take(&mut self, name: &str) -> Option<V> {
        Some(self.value.field(name)).filter(|v| v.kind() != Kind::Null)
    }

    fn wrong(&self, name: &str, kind: &str) -> String {
        [self.what, ": `", name, "` must be ", kind].concat()
    }

    fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        self.take(name)
            .map(|v| match v.kind() {
                Kind::Text(s) => Ok(s),
                _ => Err(self.wrong(name, "a string")),
            })
            .transpose()
    }

    fn whole(&mut self, name: &str) -> Result<Option<u64>, String> {
        self.take(name).map(|v| v.whole().ok_or_else(|| self.wrong(name, "a whole number from 0"))).transpose()
    }

    fn number(&mut self, name: &str) -> Result<Option<f64>, String> {
        self.take(name)
            .map(|v| match v.kind() {
                Kind::Number(n) if n.is_finite() => Ok(n),
                _ => Err(self.wrong(name, "a number")),
            })
            .transpose()
    }

    fn flag(&mut self, name: &str) -> Result<Option<bool>, String> {
        self.take(name)
            .map(|v| match v.kind() {
                Kind::Bool(b) => Ok(b),
                _ => Err(self.wrong(name, "true or false")),
            })
            .transpose()
    }
}

/// How the package authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A fixed bearer token.
    Token(Secret),
    /// Client credentials, exchanged for a token per audience.
    Client {
        /// The application's client id.
        id: String,
        /// Its secret.
        secret: Secret,
    },
    /// Cookie mode (the BFF): no token, the `X-CSRF` header, the page's cookies.
    Cookies,
}

/// The client options, checked and with their defaults: what the send loop runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the APIs are.
    pub base: BaseUrls,
    /// How to authenticate.
    pub credentials: Credentials,
    /// The token audiences of the Management and Teams APIs.
    pub audiences: [String; 2],
    /// How fast to send.
    pub pacing: Pacing,
    /// When to send again.
    pub retry: RetryPolicy,
    /// How long one attempt may take, in milliseconds.
    pub timeout_ms: u64,
}

/// An origin from a domain or URL: `https://` unless a scheme is given, no
/// trailing slash; refused without a host (checked without a URL parser).
fn origin(url: &str) -> Result<String, String> {
    let url = url.trim_ascii();
    // The first `://` (found without `core`'s substring searcher, which the wasm then leaves out).
    let (scheme, rest) = match url.as_bytes().windows(3).position(|w| w == b"://") {
        Some(at) => (&url[..at], &url[at + 3..]),
        None => ("https", url),
    };
    let rest = gatehouse_model::path::trim_slashes(rest);
    // Up to the first `/`, `?` or `#` (bytes: no character searcher in the wasm).
    let host = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).and_then(|at| rest.get(..at)).unwrap_or(rest);
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | ':' | '[' | ']' | '@' | '%');
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return Err(["`", url, "` needs a scheme and a host"].concat());
    }
    if host.is_empty() || !host.chars().all(fine) {
        return Err(["`", url, "` is not a URL with a host"].concat());
    }
    Ok([scheme, "://", rest].concat())
}

impl ClientOptions {
    /// Reads the options object: the names and types the declarations
    /// give (`null` is the same as leaving an option out); an unknown name is
    /// refused with the accepted ones. Read field by field from the
    /// JavaScript object (no JSON is decoded in the wasm).
    pub fn parse<V: Input>(value: &V) -> Result<Self, String> {
        let mut o = Fields::new(value, "client options", CLIENT_KEYS)?;
        // Filled in place, field after field: a refused field drops what was read as one value.
        let mut options = Self::default();
        // The text options, which `CLIENT_KEYS` lists first, in the order of the fields.
        let texts = [
            &mut options.domain,
            &mut options.base_url,
            &mut options.team,
            &mut options.teams_base_url,
            &mut options.token,
            &mut options.client_id,
            &mut options.client_secret,
            &mut options.audience,
            &mut options.teams_audience,
            &mut options.credentials,
        ];
        for (name, field) in CLIENT_KEYS.iter().zip(texts) {
            *field = o.text(name)?;
        }
        options.timeout_ms = o.whole("timeoutMs")?;
        options.pacing = match o.take("pacing") {
            None => None,
            Some(v) if matches!(v.kind(), Kind::Bool(_)) => Some(PacingSetting::Switch(v.kind() == Kind::Bool(true))),
            Some(v) => {
                let mut p = Fields::new(&v, "`pacing`", PACING_KEYS)?;
                let rate = p.number("rate")?.ok_or("`pacing.rate` is required (requests per second)")?;
                let burst = p.whole("burst")?.ok_or("`pacing.burst` is required")?;
                let burst = u32::try_from(burst).map_err(|_| "`pacing.burst` is too large".to_owned())?;
                Some(PacingSetting::Options(PacingOptions { rate, burst, follow_server: p.flag("followServer")? }))
            }
        };
        options.retry = match o.take("retry") {
            None => None,
            Some(v) if matches!(v.kind(), Kind::Bool(_)) => Some(RetrySetting::Switch(v.kind() == Kind::Bool(true))),
            Some(v) => {
                let mut r = Fields::new(&v, "`retry`", RETRY_KEYS)?;
                let count = |n: Option<u64>, name: &str| {
                    n.map(|n| u32::try_from(n).map_err(|_| ["`retry.", name, "` is too large"].concat())).transpose()
                };
                Some(RetrySetting::Options(RetryOptions {
                    max_attempts: count(r.whole("maxAttempts")?, "maxAttempts")?,
                    max_rate_limited_attempts: count(r.whole("maxRateLimitedAttempts")?, "maxRateLimitedAttempts")?,
                    base_delay_ms: r.whole("baseDelayMs")?,
                    max_delay_ms: r.whole("maxDelayMs")?,
                }))
            }
        };
        Ok(options)
    }

    /// The client these options describe, sending through `transport` (the
    /// package's [`crate::transport::JsTransport`]; `None` fails after the
    /// options are checked, which is what the host's tests of them do).
    pub fn build(self) -> Result<Settings, String> {
        let tenant = match (set(&self.domain), set(&self.base_url)) {
            (Some(_), Some(_)) => return Err("give `domain` or `baseUrl`, not both".into()),
            (Some(url), None) | (None, Some(url)) => origin(url)?,
            (None, None) => return Err("give the tenant as `domain` (or `baseUrl`)".into()),
        };
        let teams = match (set(&self.teams_base_url), set(&self.team), set(&self.base_url)) {
            (Some(url), ..) => origin(url)?,
            (None, Some(team), _) => ["https://", team, ".teams.auth0.com"].concat(),
            (None, None, Some(_)) => tenant.clone(),
            (None, None, None) => BaseUrls::auth0(&tenant, None).teams,
        };
        let base = BaseUrls { tenant, teams };
        let cookies = match set(&self.credentials) {
            None => None,
            Some("include") => Some(true),
            Some("same-origin") => Some(false),
            Some(other) => {
                return Err(["`credentials` must be 'include' or 'same-origin', not '", other, "'"].concat());
            }
        };
        let credentials = match (set(&self.token), set(&self.client_id), set(&self.client_secret), cookies) {
            (Some(token), None, None, None) => Credentials::Token(token.into()),
            (None, Some(id), Some(secret), None) => Credentials::Client { id: id.to_owned(), secret: secret.into() },
            (None, None, None, Some(_)) => Credentials::Cookies,
            (None, Some(_), None, None) | (None, None, Some(_), None) => {
                return Err("client credentials need both `clientId` and `clientSecret`".into());
            }
            (None, None, None, None) => {
                return Err(
                    "give one way to authenticate: `token`, `clientId` with `clientSecret`, or `credentials`".into()
                );
            }
            _ => {
                return Err(
                    "give only one way to authenticate: `token`, `clientId`/`clientSecret` or `credentials`".into()
                );
            }
        };
        let audiences = [
            set(&self.audience).map_or_else(|| base.management_audience(), str::to_owned),
            set(&self.teams_audience).map_or_else(|| [base.teams.as_str(), "/teams/"].concat(), str::to_owned),
        ];
        let pacing = match self.pacing {
            None | Some(PacingSetting::Switch(true)) => Pacing::default(),
            Some(PacingSetting::Switch(false)) => Pacing::disabled(),
            Some(PacingSetting::Options(p)) => {
                Pacing { follow_server: p.follow_server.unwrap_or(true), ..Pacing::per_second(p.rate, p.burst) }
            }
        };
        let retry = match self.retry {
            None | Some(RetrySetting::Switch(true)) => RetryPolicy::default(),
            Some(RetrySetting::Switch(false)) => RetryPolicy::none(),
            Some(RetrySetting::Options(r)) => {
                let d = RetryPolicy::default();
                RetryPolicy {
                    max_attempts: r.max_attempts.unwrap_or(d.max_attempts).max(1),
                    max_rate_limited_attempts: r
                        .max_rate_limited_attempts
                        .unwrap_or(d.max_rate_limited_attempts)
                        .max(1),
                    base_delay: r.base_delay_ms.map_or(d.base_delay, Duration::from_millis),
                    max_delay: r.max_delay_ms.map_or(d.max_delay, Duration::from_millis),
                    ..d
                }
            }
        };
        Ok(Settings {
            base,
            credentials,
            audiences,
            pacing,
            retry,
            timeout_ms: self.timeout_ms.unwrap_or(60_000).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ClientOptions, String> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        ClientOptions::parse(&value)
    }

    #[test]
    fn options_are_read_by_name_and_type() {
        let o = parse(
            r#"{"baseUrl":"http://x","clientId":"a","clientSecret":"b","timeoutMs":5,"audience":null,
                "pacing":{"rate":2.5,"burst":10,"followServer":false},"retry":{"maxAttempts":2}}"#,
        )
        .unwrap();
        assert_eq!(
            (o.base_url.as_deref(), o.client_id.as_deref(), o.timeout_ms),
            (Some("http://x"), Some("a"), Some(5))
        );
        assert!(o.audience.is_none());
        assert!(matches!(
            o.pacing,
            Some(PacingSetting::Options(PacingOptions { rate: 2.5, burst: 10, follow_server: Some(false) }))
        ));
        assert!(matches!(o.retry, Some(RetrySetting::Options(RetryOptions { max_attempts: Some(2), .. }))));
        let o = parse(r#"{"token":"t","pacing":false,"retry":true}"#).unwrap();
        assert!(matches!((o.pacing, o.retry), (Some(PacingSetting::Switch(false)), Some(RetrySetting::Switch(true)))));
    }

    #[test]
    fn each_text_option_fills_its_own_field() {
        let o = parse(
            r#"{"domain":"1","baseUrl":"2","team":"3","teamsBaseUrl":"4","token":"5","clientId":"6",
                "clientSecret":"7","audience":"8","teamsAudience":"9","credentials":"10"}"#,
        )
        .unwrap();
        let fields = [
            o.domain,
            o.base_url,
            o.team,
            o.teams_base_url,
            o.token,
            o.client_id,
            o.client_secret,
            o.audience,
            o.teams_audience,
            o.credentials,
        ];
        let expected: Vec<Option<String>> = (1..=10).map(|n| Some(n.to_string())).collect();
        assert_eq!(fields.to_vec(), expected);
        let e = parse(r#"{"credentials":5}"#).unwrap_err();
        assert!(e.contains("`credentials` must be a string"), "{e}");
    }

    #[test]
    fn wrong_options_are_refused_clearly() {
        let e = parse(r#"{"token":"t","colour":1}"#).unwrap_err();
        assert!(e.contains("unknown option `colour`") && e.contains("`baseUrl`"), "{e}");
        let e = parse(r#"{"timeoutMs":"5"}"#).unwrap_err();
        assert!(e.contains("`timeoutMs` must be a whole number"), "{e}");
        let e = parse(r#"{"pacing":{"rate":1}}"#).unwrap_err();
        assert!(e.contains("`pacing.burst` is required"), "{e}");
        let e = parse(r#"{"retry":{"tries":1}}"#).unwrap_err();
        assert!(e.contains("unknown option `tries`"), "{e}");
        assert!(parse("[]").is_err());
        assert!(parse("{").is_err());
    }
}
