//! The client: configuration, authentication, pacing, retries and timeouts
//! around one [`Transport`].

use crate::attempts::Attempts;
use crate::auth::{Audiences, Auth, TokenCache};
use crate::error::{ClientError, TokenError, TransportError};
use crate::pacer::{Pacer, Pacing};
use crate::request::Request;
use crate::rt::{BoxFuture, Clock, Jitter, SystemClock, boxed, unix_f64, unix_secs};
use crate::shared::{SharedBudget, SharedTokens};
use crate::transport::{Transport, default_transport};
use futures::future::Either;
use gatehouse_model::operation::{Api, Operation, Verb};
use gatehouse_model::ops::token::{ClientCredentials, TokenRequest};
use gatehouse_model::request::{build, parse};
use gatehouse_model::{BaseUrls, Error as ModelError, RateLimit, Response, Secret};
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The header cookie mode sends on every request, so the BFF can tell its
/// own page from a cross-site form post.
pub const CSRF_HEADER: &str = "x-csrf";

/// When a failed request is sent again.
///
/// 429s are waited out (for `Retry-After`, else until `x-ratelimit-reset`)
/// and sent again whatever the method, because Auth0 did not process them.
/// Server errors (500, 502, 503, 504), timeouts and lost connections are
/// retried with exponential backoff and full jitter only for idempotent
/// methods (GET, PUT, DELETE): a POST or PATCH is never sent twice when the
/// server may have acted on it. A connection that could not be made at
/// all is retried for every method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most sends of one request while it fails with server errors or transport errors.
    pub max_attempts: u32,
    /// Most sends of one request while it is answered 429.
    pub max_rate_limited_attempts: u32,
    /// First backoff step; the n-th retry waits a random time up to `base_delay * 2^(n-1)`.
    pub base_delay: Duration,
    /// Largest backoff step.
    pub max_delay: Duration,
    /// Longest wait after a 429, whatever `Retry-After` says.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_rate_limited_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never send a request twice (429s included).
    pub fn none() -> Self {
        Self { max_attempts: 1, max_rate_limited_attempts: 1, ..Self::default() }
    }
}

/// What the send loop does after one attempt ([`Retries`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Wait this long, then send again.
    Retry(Duration),
    /// Fetch a new token (the one sent was refused with 401) and send again at once.
    Reauthenticate,
    /// The answer is final: hand it to the caller.
    Answer,
    /// The failure may not be retried (a POST whose server may have acted on it).
    Refuse,
    /// The failure could be retried, but the attempts are used up.
    Exhausted,
}

/// The send loop's decisions, without any I/O: the Rust client's loop
/// ([`Client`]) and the npm package's (driven from JavaScript) both follow
/// them through [`Attempts`], so pacing aside, when a request is sent again
/// is decided here alone (see [`RetryPolicy`]).
#[derive(Debug, Clone)]
pub struct Retries {
    policy: RetryPolicy,
    idempotent: bool,
    attempts: u32,
    failures: u32,
    limited: u32,
    reauthenticated: bool,
}

impl Retries {
    /// The decisions for one request of method `verb`.
    pub fn new(policy: RetryPolicy, verb: Verb) -> Self {
        Self { policy, idempotent: verb.is_idempotent(), attempts: 0, failures: 0, limited: 0, reauthenticated: false }
    }

    /// Counts an attempt about to be sent.
    pub fn sending(&mut self) {
        self.attempts += 1;
    }

    /// How many attempts were sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Exponential backoff with full jitter for the `n`-th retry (from 1).
    fn backoff(&self, n: u32, jitter: &Jitter) -> Duration {
        let policy = &self.policy;
        let step = policy.base_delay.saturating_mul(1u32 << n.saturating_sub(1).min(20)).min(policy.max_delay);
        step.mul_f64(jitter.next_f64())
    }

    /// After an attempt that got no answer: `connect` when no connection
    /// could be made (retried for every method), `retryable` when the
    /// failure is one an idempotent request may be sent again after.
    pub fn after_failure(&mut self, connect: bool, retryable: bool, jitter: &Jitter) -> Decision {
        self.failures += 1;
        if !(connect || (self.idempotent && retryable)) {
            Decision::Refuse
        } else if self.failures >= self.policy.max_attempts {
            Decision::Exhausted
        } else {
            Decision::Retry(self.backoff(self.failures, jitter))
        }
    }

    /// After an answer with `status`; `wait_secs` is what its rate-limit
    /// headers ask to wait (`Retry-After`, else until the reset), and
    /// `may_reauthenticate` whether a fetched token was sent.
    pub fn after_answer(
        &mut self,
        status: u16,
        wait_secs: Option<u64>,
        may_reauthenticate: bool,
        jitter: &Jitter,
    ) -> Decision {
        match status {
            401 if may_reauthenticate && !self.reauthenticated => {
                self.reauthenticated = true;
                Decision::Reauthenticate
            }
            429 => {
                self.limited += 1;
                if self.limited >= self.policy.max_rate_limited_attempts {
                    return Decision::Answer;
                }
                let wait = wait_secs.map_or_else(|| self.backoff(self.limited, jitter), Duration::from_secs);
                Decision::Retry(wait.min(self.policy.max_rate_limit_wait))
            }
            500 | 502 | 503 | 504 if self.idempotent => {
                self.failures += 1;
                if self.failures >= self.policy.max_attempts {
                    return Decision::Answer;
                }
                Decision::Retry(self.backoff(self.failures, jitter))
            }
            _ => Decision::Answer,
        }
    }
}

/// Counters since the client was built, shared by its clones; for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// HTTP requests sent (every attempt, token requests included).
    pub requests: u64,
    /// Requests sent again after a 429, a server error, a transport error or a 401.
    pub retries: u64,
    /// Responses with status 429.
    pub rate_limited: u64,
    /// Token requests sent (first tokens and refreshes).
    pub token_requests: u64,
    /// Requests the pacer held back before sending.
    pub paced: u64,
    /// Requests that failed without a response (timeouts, lost connections).
    pub transport_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    token_requests: AtomicU64,
    paced: AtomicU64,
    transport_errors: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Relaxed);
}

/// Configures a [`Client`].
///
/// ```no_run
/// # async fn demo() -> Result<(), gatehouse_client::ClientError> {
/// use gatehouse_client::{Auth, Client};
/// let client = Client::builder()
///     .domain("acme.eu.auth0.com")
///     .auth(Auth::client_credentials("CLIENT_ID", "CLIENT_SECRET"))
///     .build()?;
/// let users = client.users().list().q("email:*@acme.com").per_page(50).send().await?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    tenant: Option<String>,
    teams: Option<String>,
    auth: Auth,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    pacing: Pacing,
    retry: RetryPolicy,
    timeout: Duration,
    scopes: Option<Vec<String>>,
    shared_tokens: Option<Arc<dyn SharedTokens>>,
    shared_budget: Option<Arc<dyn SharedBudget>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("tenant", &self.tenant)
            .field("teams", &self.teams)
            .field("auth", &self.auth)
            .field("pacing", &self.pacing)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// An origin from a domain or URL: `https://` unless a scheme is given, no trailing slash.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.trim().split_once("://").unwrap_or(("https", url.trim()));
    format!("{scheme}://{}", rest.trim_end_matches('/'))
}

fn check_origin(url: &str) -> Result<(), ClientError> {
    let uri: http::Uri = url.parse().map_err(|e| ClientError::Config(format!("`{url}` is not a URL: {e}")))?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(ClientError::Config(format!("`{url}` needs a scheme and a host")));
    }
    Ok(())
}

impl ClientBuilder {
    fn new() -> Self {
        Self {
            tenant: None,
            teams: None,
            auth: Auth::None,
            transport: None,
            clock: None,
            pacing: Pacing::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            scopes: None,
            shared_tokens: None,
            shared_budget: None,
        }
    }

    /// Shares access tokens with other clients of the tenant (see
    /// [`SharedTokens`]): with client credentials, one token request per
    /// token lifetime for all of them.
    pub fn shared_tokens(mut self, tokens: Arc<dyn SharedTokens>) -> Self {
        self.shared_tokens = Some(tokens);
        self
    }

    /// Shares the tenant's rate budget with other clients (see
    /// [`SharedBudget`]): every request first takes a slot of it, then
    /// goes through this client's own pacing.
    pub fn shared_budget(mut self, budget: Arc<dyn SharedBudget>) -> Self {
        self.shared_budget = Some(budget);
        self
    }

    /// The tenant's domain, such as `acme.eu.auth0.com` (or a custom
    /// domain): the Management API and the token endpoint live there.
    /// For the Teams API, name the team with [`ClientBuilder::team`] too.
    pub fn domain(mut self, domain: &str) -> Self {
        self.tenant = Some(origin(domain));
        self
    }

    /// The team slug, for the Teams API at `https://{slug}.teams.auth0.com`.
    pub fn team(mut self, slug: &str) -> Self {
        self.teams = Some(format!("https://{}.teams.auth0.com", slug.trim()));
        self
    }

    /// The Teams API origin, when it is not `https://{slug}.teams.auth0.com`.
    pub fn teams_base_url(mut self, url: &str) -> Self {
        self.teams = Some(origin(url));
        self
    }

    /// One origin serving every API, as the emulator and the BFF do
    /// (for example `http://127.0.0.1:8080`).
    pub fn base_url(mut self, url: &str) -> Self {
        let url = origin(url);
        self.tenant = Some(url.clone());
        self.teams = Some(url);
        self
    }

    /// How to authenticate; default [`Auth::None`] (cookie mode).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Authenticate with client credentials.
    pub fn client_credentials(self, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        self.auth(Auth::client_credentials(client_id, client_secret))
    }

    /// Authenticate with a fixed bearer token.
    pub fn token(self, token: impl Into<Secret>) -> Self {
        self.auth(Auth::token(token))
    }

    /// Cookie mode, to call the BFF from a browser page: see [`Auth::None`].
    pub fn cookie_mode(self) -> Self {
        self.auth(Auth::None)
    }

    /// Asks client-credentials tokens for these scopes only, instead of
    /// everything the application was granted (least privilege). Each
    /// audience's token request carries the subset that belongs to its API.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// How long one attempt may take before it fails with
    /// [`TransportError::Timeout`]; default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How fast to send; default [`Pacing::default`] (15/s, bursts of 50).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// When to send failed requests again; default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The transport; default reqwest on the host, fetch in the browser.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The transport, shared with other owners.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock for expiry, pacing and waits; default [`SystemClock`].
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<Client, ClientError> {
        let cookies = matches!(self.auth, Auth::None);
        let transport = match self.transport.take() {
            Some(t) => t,
            None => default_transport(cookies).ok_or_else(|| {
                ClientError::Config("no transport: enable the `reqwest` feature or call `transport()`".into())
            })?,
        };
        self.build_with(transport)
    }

    /// Builds the client over `transport`, ignoring [`ClientBuilder::transport`].
    /// A program that always brings its own transport (the npm package) calls
    /// this instead of [`ClientBuilder::build`], so the default transport is not
    /// linked into it.
    // In the browser nothing is `Send`; the `Arc` is still what clones share.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build_with(self, transport: Arc<dyn Transport>) -> Result<Client, ClientError> {
        let tenant =
            self.tenant.ok_or_else(|| ClientError::Config("no base URL: call `domain()` or `base_url()`".into()))?;
        check_origin(&tenant)?;
        let base = match self.teams {
            Some(teams) => {
                check_origin(&teams)?;
                BaseUrls { tenant, teams }
            }
            None => BaseUrls::auth0(&tenant, None),
        };
        let audiences = match &self.auth {
            Auth::ClientCredentials { audiences, .. } => audiences.clone(),
            _ => Audiences::default(),
        };
        let audiences = Audiences {
            management: Some(audiences.management.unwrap_or_else(|| base.management_audience())),
            teams: Some(audiences.teams.unwrap_or_else(|| format!("{}/teams/", base.teams))),
        };
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock::new()));
        let seed = clock.now().duration_since(web_time::UNIX_EPOCH).map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base,
                auth: self.auth,
                audiences,
                tokens: TokenCache::default(),
                pacer: Pacer::new(self.pacing),
                clock,
                retry: self.retry,
                timeout: self.timeout,
                scopes: self.scopes,
                counters: Counters::default(),
                jitter: Jitter::new(seed),
                shared_tokens: self.shared_tokens,
                shared_budget: self.shared_budget,
            }),
        })
    }
}

struct Inner {
    transport: Arc<dyn Transport>,
    base: BaseUrls,
    auth: Auth,
    audiences: Audiences,
    tokens: TokenCache,
    pacer: Pacer,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    timeout: Duration,
    scopes: Option<Vec<String>>,
    counters: Counters,
    jitter: Jitter,
    shared_tokens: Option<Arc<dyn SharedTokens>>,
    shared_budget: Option<Arc<dyn SharedBudget>>,
}

/// A client for the Auth0 Management API v2 and the Teams API.
///
/// Cheap to clone: clones share the connection pool, the token cache, the
/// pacer and the counters, so a job spread over many tasks stays within
/// one rate budget.
///
/// # Cancellation
///
/// Every call is a future; dropping it cancels the call: the HTTP request
/// is aborted (reqwest drops the connection, fetch is aborted), waits for
/// the pacer or a retry end, and a token fetch in progress is abandoned
/// (the next caller fetches one). A request already sent may still have
/// been processed by Auth0. To put a deadline on a whole call, retries
/// included, race it with a timer (`tokio::time::timeout`).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("auth", &self.inner.auth)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// An HTTP request kept so that it can be sent more than once.
pub(crate) struct Template {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Template {
    pub(crate) fn new(request: http::Request<Vec<u8>>) -> Self {
        let (parts, body) = request.into_parts();
        Self { method: parts.method, uri: parts.uri, headers: parts.headers, body }
    }

    fn request(&self) -> http::Request<Vec<u8>> {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Sends any operation of the table and decodes its answer.
    ///
    /// The request is paced, authenticated, timed out and retried as the
    /// client is configured. Errors are typed: an API error keeps Auth0's
    /// status, code, message and rate-limit headers.
    pub async fn send<O: Operation>(&self, op: &O) -> Result<Response<O::Response>, ClientError> {
        let spec = op.spec();
        let request = build(op, &self.inner.base)?;
        let (response, attempts) = self.execute(spec.api, spec.verb, Template::new(request)).await?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let now = unix_secs(&*self.inner.clock);
        parse::<O>(status, &parts.headers, &body, now)
            .map_err(|e| crate::attempts::final_error(ClientError::from(e), status, attempts))
    }

    /// Wraps an operation in a fluent [`Request`].
    pub fn request<O: Operation>(&self, op: O) -> Request<O> {
        Request::new(self.clone(), op)
    }

    /// The rate-limit headers of the latest response that had any: the
    /// last known budget.
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.pacer.last()
    }

    /// Counters since the client was built.
    pub fn metrics(&self) -> Metrics {
        let c = &self.inner.counters;
        Metrics {
            requests: c.requests.load(Relaxed),
            retries: c.retries.load(Relaxed),
            rate_limited: c.rate_limited.load(Relaxed),
            token_requests: c.token_requests.load(Relaxed),
            paced: c.paced.load(Relaxed),
            transport_errors: c.transport_errors.load(Relaxed),
        }
    }

    /// Where the APIs are.
    pub fn base_urls(&self) -> &BaseUrls {
        &self.inner.base
    }

    /// The clock the client reads and waits with.
    pub fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    /// Forgets cached access tokens, so the next call gets new ones.
    pub fn clear_tokens(&self) {
        self.inner.tokens.clear();
    }

    /// Sleeps on the client's clock.
    pub(crate) async fn sleep(&self, duration: Duration) {
        self.inner.clock.sleep(duration).await;
    }

    /// The configured scopes that belong to the API `audience` names, space-separated.
    ///
    /// A scope some Teams operation of the table names goes to the Teams
    /// API; every other scope to the Management API, whose operations
    /// (all of them callable, not only the table's) take many more. The
    /// table is asked rather than the whole catalog so that programs that
    /// never name other operations do not carry the catalog.
    fn scopes_for(&self, audience: &str) -> Option<String> {
        let wanted = self.inner.scopes.as_ref()?;
        let api = if self.audience(Api::Teams) == Some(audience) { Api::Teams } else { Api::Management };
        let of_teams = |scope: &str| {
            gatehouse_model::OPERATIONS
                .iter()
                .filter(|spec| spec.api == Api::Teams)
                .any(|spec| spec.scopes.contains(&scope) || spec.body_scopes.iter().any(|(_, s)| *s == scope))
        };
        let of_api = |scope: &str| of_teams(scope) == (api == Api::Teams);
        Some(wanted.iter().filter(|s| of_api(s)).map(String::as_str).collect::<Vec<_>>().join(" "))
    }

    pub(crate) fn audience(&self, api: Api) -> Option<&str> {
        match api {
            Api::Management => self.inner.audiences.management.as_deref(),
            Api::Teams => self.inner.audiences.teams.as_deref(),
            Api::Authentication => None,
        }
    }

    /// Gets (or fetches) the token for `audience`. Boxed, because fetching
    /// sends a request through [`Client::send`] again.
    pub(crate) fn token<'a>(
        &'a self,
        audience: &'a str,
        rejected: Option<&'a Secret>,
    ) -> BoxFuture<'a, Result<Secret, ClientError>> {
        Box::pin(async move {
            let Auth::ClientCredentials { client_id, client_secret, .. } = &self.inner.auth else {
                return Err(ClientError::Config("client credentials are not configured".into()));
            };
            let fetch = || async {
                bump(&self.inner.counters.token_requests);
                let mut request = TokenRequest::client_credentials(client_id.clone(), client_secret.clone(), audience);
                request.scope = self.scopes_for(audience);
                let op = ClientCredentials::new(request);
                match self.send(&op).await {
                    Ok(r) => {
                        let lifetime = Duration::from_secs(r.value.expires_in.unwrap_or(86_400));
                        Ok((r.value.access_token, lifetime))
                    }
                    Err(ClientError::Model(ModelError::Api(error))) => {
                        Err(TokenError::Rejected { audience: audience.to_owned(), error })
                    }
                    Err(e) => Err(TokenError::Failed { audience: audience.to_owned(), source: Box::new(e) }),
                }
            };
            let shared = || async {
                match &self.inner.shared_tokens {
                    Some(tokens) => tokens.token(audience, rejected, boxed(fetch())).await,
                    None => fetch().await,
                }
            };
            Ok(self.inner.tokens.get(&*self.inner.clock, audience, rejected, shared).await?)
        })
    }

    /// Adds authentication to a request; returns the bearer token used, if any.
    async fn authenticate(
        &self,
        request: &mut http::Request<Vec<u8>>,
        api: Api,
        rejected: Option<&Secret>,
    ) -> Result<Option<Secret>, ClientError> {
        let token = match (&self.inner.auth, self.audience(api)) {
            (_, None) => return Ok(None),
            (Auth::None, Some(_)) => {
                // A constant: a name made at run time would link `http`'s table of standard names.
                const CSRF: HeaderName = HeaderName::from_static(CSRF_HEADER);
                request.headers_mut().insert(CSRF, HeaderValue::from_static("1"));
                return Ok(None);
            }
            (Auth::Token(token), Some(_)) => token.clone(),
            (Auth::ClientCredentials { .. }, Some(audience)) => self.token(audience, rejected).await?,
        };
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| ClientError::Config("the access token is not a valid header value".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(Some(token))
    }

    /// One attempt, bounded by the timeout.
    async fn attempt(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        let timeout = self.inner.timeout;
        let sending = self.inner.transport.send(request);
        let timer = self.inner.clock.sleep(timeout);
        match futures::future::select(sending, timer).await {
            Either::Left((Err(TransportError::Timeout { .. }), _)) | Either::Right(((), _)) => {
                Err(TransportError::Timeout { after: timeout })
            }
            Either::Left((result, _)) => result,
        }
    }

    /// Sends a request until it succeeds, fails for good, or runs out of
    /// attempts; returns the last response and how many times it was sent.
    pub(crate) async fn execute(
        &self,
        api: Api,
        verb: Verb,
        template: Template,
    ) -> Result<(http::Response<Vec<u8>>, u32), ClientError> {
        let inner = &*self.inner;
        let reauthenticates = matches!(inner.auth, Auth::ClientCredentials { .. });
        let mut attempts = Attempts::new(inner.retry, verb, api, reauthenticates, &inner.pacer, &inner.jitter);
        loop {
            let mut request = template.request();
            let token = self.authenticate(&mut request, api, attempts.rejected()).await?;
            // Paced right before sending, after any token fetch, so the
            // spacing is the spacing on the wire.
            if let Some(budget) = &inner.shared_budget {
                let wait = budget.reserve(api).await;
                if !wait.is_zero() {
                    bump(&inner.counters.paced);
                    self.sleep(wait).await;
                }
            }
            if !inner.pacer.acquire(&*inner.clock, api).await.is_zero() {
                bump(&inner.counters.paced);
            }
            attempts.sending();
            bump(&inner.counters.requests);
            let outcome = self.attempt(request).await;
            let now = unix_f64(&*inner.clock);
            let delay = match outcome {
                Err(error) => {
                    bump(&inner.counters.transport_errors);
                    attempts.failed(error)?
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let rate_limit = RateLimit::from_headers_at(response.headers(), now as u64);
                    if status == 429 {
                        bump(&inner.counters.rate_limited);
                    }
                    match attempts.answered(status, &rate_limit, now, token) {
                        Some(delay) => delay,
                        None => return Ok((response, attempts.attempts())),
                    }
                }
            };
            bump(&inner.counters.retries);
            if !delay.is_zero() {
                self.sleep(delay).await;
            }
        }
    }
}

#[cfg(test)]
mod retries_tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy { max_attempts: 3, max_rate_limited_attempts: 2, ..RetryPolicy::default() }
    }

    #[test]
    fn a_post_is_never_sent_twice_after_a_server_error_or_a_drop() {
        let jitter = Jitter::new(7);
        let mut r = Retries::new(policy(), Verb::Post);
        r.sending();
        assert_eq!(r.after_answer(503, None, false, &jitter), Decision::Answer);
        assert_eq!(r.after_failure(false, true, &jitter), Decision::Refuse);
        // A connection that was never made may be retried for every method.
        assert!(matches!(r.after_failure(true, false, &jitter), Decision::Retry(_)));
    }

    #[test]
    fn idempotent_failures_back_off_until_the_attempts_run_out() {
        let jitter = Jitter::new(7);
        let mut r = Retries::new(policy(), Verb::Get);
        let Decision::Retry(d) = r.after_answer(502, None, false, &jitter) else { panic!() };
        assert!(d <= policy().base_delay);
        assert!(matches!(r.after_failure(false, true, &jitter), Decision::Retry(_)));
        assert_eq!(r.after_answer(500, None, false, &jitter), Decision::Answer);
        let mut r = Retries::new(policy(), Verb::Get);
        r.after_failure(false, true, &jitter);
        r.after_failure(false, true, &jitter);
        assert_eq!(r.after_failure(false, true, &jitter), Decision::Exhausted);
    }

    #[test]
    fn a_429_waits_what_the_server_says_capped_and_a_401_reauthenticates_once() {
        let jitter = Jitter::new(7);
        let mut r = Retries::new(policy(), Verb::Post);
        assert_eq!(r.after_answer(429, Some(3), false, &jitter), Decision::Retry(Duration::from_secs(3)));
        assert_eq!(r.after_answer(429, Some(3), false, &jitter), Decision::Answer);
        let mut r = Retries::new(policy(), Verb::Get);
        assert_eq!(r.after_answer(429, Some(1_000_000), false, &jitter), Decision::Retry(Duration::from_secs(60)));
        assert_eq!(r.after_answer(401, None, false, &jitter), Decision::Answer, "no fetched token: final");
        assert_eq!(r.after_answer(401, None, true, &jitter), Decision::Reauthenticate);
        assert_eq!(r.after_answer(401, None, true, &jitter), Decision::Answer, "only once");
    }
}
