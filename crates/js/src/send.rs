//! The package's send loop: pacing, tokens, retries and timeouts around one
//! `fetch` per attempt, made by the wrapper in JavaScript.
//!
//! The decisions are the Rust client's own, without its HTTP types: the
//! client's [`Pacer`] (local bucket and the mirror of Auth0's),
//! [`TokenCache`] (one token request per audience at a time, refreshed
//! before expiry, fetched again after a 401) and [`Attempts`] (what follows
//! each answer or failure: when a request is sent again, which token a 401
//! refused, the error to give up with). What crosses to JavaScript is
//! plain: the method, the URL, the header pairs and the body go out; the
//! status, the four rate-limit header values and the body as JavaScript
//! parsed it come back.
//! JSON is never decoded in the wasm: a successful answer stays a
//! JavaScript value, handed back to the caller as it is.

use crate::config::{Credentials, Settings};
use crate::error::Failure;
use gatehouse_client::rt::{Clock, Jitter, unix_f64};
use gatehouse_client::{Attempts, ClientError, Pacer, SystemClock, TokenCache, TransportError};
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::{RateLimit, Secret};
use js_sys::{Array, Function, Promise};
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Counters since the client was built: `requests`, `retries`,
/// `rateLimited`, `tokenRequests`, `paced`, `transportErrors`.
#[derive(Debug, Default)]
pub struct Counters(pub [Cell<u64>; 6]);

/// Indexes into [`Counters`].
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub enum Counter {
    Requests,
    Retries,
    RateLimited,
    TokenRequests,
    Paced,
    TransportErrors,
}

impl Counters {
    fn bump(&self, c: Counter) {
        let cell = &self.0[c as usize];
        cell.set(cell.get() + 1);
    }
}

/// One request to send, as often as the loop decides.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Which API (its origin, token audience and pacing bucket).
    pub api: Api,
    /// The method.
    pub verb: Verb,
    /// The whole URL.
    pub url: String,
    /// `Content-Type` of the body.
    pub content_type: Option<String>,
    /// The body (a string or bytes), or `undefined`.
    pub body: JsValue,
}

/// The final answer: its status, the body as JavaScript parsed it, the rate-limit headers.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The body as JavaScript read it (`undefined` when empty).
    pub body: JsValue,
    /// Its rate-limit headers.
    pub rate_limit: RateLimit,
    /// How many times the request was sent.
    pub attempts: u32,
}

/// The send loop of one client.
pub struct Engine {
    /// The checked options.
    pub settings: Settings,
    fetch: Function,
    tokens: TokenCache,
    /// The pacer (its last rate-limit headers answer `rateLimit()`).
    pub pacer: Pacer,
    clock: SystemClock,
    jitter: Jitter,
    /// The counters `metrics()` reports.
    pub counters: Counters,
}

fn verb_name(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "GET",
        Verb::Post => "POST",
        Verb::Put => "PUT",
        Verb::Patch => "PATCH",
        Verb::Delete => "DELETE",
    }
}

/// A rejected `fetch` as the client's transport error (the wrapper times
/// attempts out with `AbortSignal.timeout`).
fn transport_error(e: &JsValue, timeout: Duration) -> TransportError {
    let name = js_sys::Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string());
    match name.as_deref() {
        Some("TimeoutError") => TransportError::Timeout { after: timeout },
        Some("AbortError") => TransportError::Cancelled,
        _ => {
            let message = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string());
            TransportError::Dropped { message: message.unwrap_or_else(|| "fetch failed".into()) }
        }
    }
}

impl Engine {
    /// A loop sending with `fetch` (the wrapper's `send`:
    /// `(method, url, headers, body, timeoutMs) => Promise<[status, limit, remaining, reset, retryAfterSecs, body]>`,
    /// the four rate-limit values whole numbers or `undefined`).
    pub fn new(settings: Settings, fetch: Function) -> Self {
        let clock = SystemClock::new();
        let seed = clock.now().duration_since(web_time::UNIX_EPOCH).map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Self {
            pacer: Pacer::new(settings.pacing),
            settings,
            fetch,
            tokens: TokenCache::default(),
            clock,
            jitter: Jitter::new(seed),
            counters: Counters::default(),
        }
    }

    /// Forgets cached tokens.
    pub fn clear_tokens(&self) {
        self.tokens.clear();
    }

    fn audience(&self, api: Api) -> Option<&str> {
        match api {
            Api::Management => Some(&self.settings.audiences[0]),
            Api::Teams => Some(&self.settings.audiences[1]),
            Api::Authentication => None,
        }
    }

    /// The token for `audience`, from the cache or fetched (once for all callers).
    async fn token(&self, audience: &str, rejected: Option<&Secret>) -> Result<Secret, Failure> {
        let Credentials::Client { id, secret } = &self.settings.credentials else {
            return Err(ClientError::Config("client credentials are not configured".into()).into());
        };
        let fetch = || async {
            self.counters.bump(Counter::TokenRequests);
            let request = js_sys::Object::new();
            for (k, v) in [
                ("grant_type", "client_credentials"),
                ("client_id", id.as_str()),
                ("client_secret", secret.expose()),
                ("audience", audience),
            ] {
                let _ = js_sys::Reflect::set(&request, &k.into(), &v.into());
            }
            let body = js_sys::JSON::stringify(&request).map(JsValue::from).unwrap_or_default();
            let url = [self.settings.base.tenant.as_str(), "/oauth/token"].concat();
            let outgoing = Outgoing {
                api: Api::Authentication,
                verb: Verb::Post,
                url,
                content_type: Some("application/json".into()),
                body,
            };
            let answer = Box::pin(self.execute(&outgoing)).await?;
            if !(200..300).contains(&answer.status) {
                return Err(Failure::Api {
                    status: answer.status,
                    rate_limit: answer.rate_limit,
                    body: answer.body,
                    attempts: None,
                    token: true,
                });
            }
            let field = |k: &str| js_sys::Reflect::get(&answer.body, &k.into()).unwrap_or_default();
            let Some(token) = field("access_token").as_string() else {
                let e = TransportError::Invalid { message: "the token answer has no `access_token`".into() };
                return Err(ClientError::Transport(e).into());
            };
            let lifetime = field("expires_in").as_f64().filter(|s| *s > 0.0).unwrap_or(86_400.0);
            Ok((Secret::from(token), Duration::from_secs_f64(lifetime.min(1e9))))
        };
        self.tokens.get(&self.clock, audience, rejected, fetch).await
    }

    /// Sends `outgoing` until it gets a final answer (any status) or fails
    /// for good: authenticated, paced, timed out and retried as configured.
    pub async fn execute(&self, outgoing: &Outgoing) -> Result<Answer, Failure> {
        let timeout = Duration::from_millis(self.settings.timeout_ms);
        let reauthenticates = matches!(self.settings.credentials, Credentials::Client { .. });
        let mut attempts =
            Attempts::new(self.settings.retry, outgoing.verb, outgoing.api, reauthenticates, &self.pacer, &self.jitter);
        loop {
            let headers = Array::new();
            if let Some(ct) = &outgoing.content_type {
                headers.push(&"content-type".into());
                headers.push(&ct.into());
            }
            let token = match (&self.settings.credentials, self.audience(outgoing.api)) {
                (_, None) => None,
                (Credentials::Cookies, Some(_)) => {
                    headers.push(&gatehouse_client::CSRF_HEADER.into());
                    headers.push(&"1".into());
                    None
                }
                (Credentials::Token(token), Some(_)) => Some(token.clone()),
                (Credentials::Client { .. }, Some(audience)) => Some(self.token(audience, attempts.rejected()).await?),
            };
            if let Some(token) = &token {
                headers.push(&"authorization".into());
                headers.push(&["Bearer ", token.expose()].concat().into());
            }
            // Paced right before sending, after any token fetch, so the spacing is the spacing on the wire.
            if !self.pacer.acquire(&self.clock, outgoing.api).await.is_zero() {
                self.counters.bump(Counter::Paced);
            }
            attempts.sending();
            self.counters.bump(Counter::Requests);
            let args = Array::of5(
                &verb_name(outgoing.verb).into(),
                &outgoing.url.as_str().into(),
                &headers,
                &outgoing.body,
                &JsValue::from_f64(self.settings.timeout_ms as f64),
            );
            let sent = match self.fetch.apply(&JsValue::NULL, &args) {
                Ok(promise) => JsFuture::from(Promise::from(promise)).await,
                Err(e) => Err(e),
            };
            let now = unix_f64(&self.clock);
            let delay = match sent {
                Err(e) => {
                    self.counters.bump(Counter::TransportErrors);
                    attempts.failed(transport_error(&e, timeout))?
                }
                Ok(answer) => {
                    let answer = Array::from(&answer);
                    let status = answer.get(0).as_f64().map_or(0, |s| s as u16);
                    // The wrapper hands the rate-limit headers over as whole numbers
                    // (`Retry-After` in seconds, an HTTP date already turned into seconds from now).
                    let whole =
                        |i: u32| answer.get(i).as_f64().filter(|n| *n >= 0.0 && n.fract() == 0.0).map(|n| n as u64);
                    let rate_limit =
                        RateLimit { limit: whole(1), remaining: whole(2), reset: whole(3), retry_after: whole(4) };
                    if status == 429 {
                        self.counters.bump(Counter::RateLimited);
                    }
                    match attempts.answered(status, &rate_limit, now, token) {
                        Some(delay) => delay,
                        None => {
                            let attempts = attempts.attempts();
                            return Ok(Answer { status, body: answer.get(5), rate_limit, attempts });
                        }
                    }
                }
            };
            self.counters.bump(Counter::Retries);
            if !delay.is_zero() {
                self.clock.sleep(delay).await;
            }
        }
    }
}
