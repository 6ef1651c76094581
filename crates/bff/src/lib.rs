//! Gatehouse's backend-for-frontend (BFF).
//!
//! The console in the browser never holds a token. Following the BFF
//! pattern of the IETF draft "OAuth 2.0 for Browser-Based Applications",
//! this server:
//!
//! - signs admins in with OIDC (authorization code + PKCE S256) against the
//!   tenant and keeps them in a server-side session named by an opaque
//!   `__Host-` cookie (HttpOnly, Secure, SameSite=Strict; idle and absolute
//!   timeouts; the id rotated at sign-in);
//! - refuses cross-site requests (`X-CSRF: 1`, `Origin`, `Sec-Fetch-Site`,
//!   JSON bodies only) before anything else happens;
//! - checks every call against an access policy per principal (an admin
//!   role from the id token, or an API key) and resource, derived from the
//!   model's operation table ([`gatehouse_model::OPERATIONS`]): deny by default;
//! - forwards the allowed operations, at the same paths as Auth0, through
//!   one shared [`gatehouse_client::Client`] (one machine-to-machine token,
//!   one pacer for the tenant's rate limit), validating bodies through the
//!   typed model first;
//! - writes every decision to a durable audit log before answering.
//!
//! With no tenant configured it runs in demo mode against an in-process
//! [`gatehouse_emulator`].

#![forbid(unsafe_code)]

pub mod apikeys;
mod app;
mod approvals;
mod audit;
mod auth;
mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
mod demo;
mod events;
mod guard;
mod keys;
mod mcp;
pub mod metrics;
mod narrate;
pub mod oidc;
pub mod pg;
pub mod policy;
mod proxy;
pub mod responses;
mod scope;
pub mod security;
mod share;
pub mod store;
#[cfg(test)]
mod testdb;
pub mod upstream;
mod words;

pub use app::CSP;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ApiKeyConfig, ApprovalsConfig, Config, EventsConfig, McpConfig, OperationsConfig, PacingConfig, SessionConfig,
    TenantConfig,
};
pub use demo::{DemoAgent, DemoInfo};
pub use policy::{Grants, Level, Policy, Target};
pub use store::{
    AuditPage, AuditQuery, AuditRecord, AuditStore, Decision, KeyStore, Outcome, SessionStore, SqliteAuditStore,
    SqliteKeyStore, SqliteSessionStore,
};

use anyhow::Context as _;
use app::AppState;
use gatehouse_client::{Audiences, Auth, Client, Pacing, RetryPolicy};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What can be swapped out when starting the BFF (tests, embedding).
#[derive(Clone, Default)]
pub struct Options {
    /// The clock sessions expire by; default the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// Where audit entries go; default the SQLite database of the configuration.
    pub audit: Option<Arc<dyn AuditStore>>,
    /// The emulator configuration for demo mode; default [`gatehouse_emulator::Config::default`]
    /// with this BFF's callback registered.
    pub emulator: Option<gatehouse_emulator::Config>,
    /// The retry policy of the shared client; default [`RetryPolicy::default`] with waits for 429s capped at 10 s.
    pub retry: Option<RetryPolicy>,
}

/// Starts BFF servers.
#[derive(Debug, Clone, Copy)]
pub struct Bff;

/// A running BFF. Dropping it does not stop it: call [`BffHandle::shutdown`].
pub struct BffHandle {
    addr: SocketAddr,
    operations_addr: Option<SocketAddr>,
    url: String,
    demo: Option<DemoInfo>,
    emulator: Option<gatehouse_emulator::EmulatorHandle>,
    state: Arc<AppState>,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl std::fmt::Debug for BffHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BffHandle").field("addr", &self.addr).field("url", &self.url).finish_non_exhaustive()
    }
}

impl BffHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` and `/status` are served apart, when `operations.listen` is set.
    pub fn operations_addr(&self) -> Option<SocketAddr> {
        self.operations_addr
    }

    /// Its public URL (origin), such as `http://127.0.0.1:8080`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// In demo mode: the emulator's URL and the demo sign-ins.
    pub fn demo(&self) -> Option<&DemoInfo> {
        self.demo.as_ref()
    }

    /// In demo mode: the in-process emulator.
    pub fn emulator(&self) -> Option<&gatehouse_emulator::EmulatorHandle> {
        self.emulator.as_ref()
    }

    /// The shared upstream client.
    pub fn client(&self) -> &Client {
        self.state.upstream.client()
    }

    /// The scopes the machine-to-machine token is asked for.
    pub fn scopes(&self) -> Vec<&'static str> {
        policy::scopes_needed(self.state.policy.roles.values().chain(self.state.api_keys.grants()))
            .into_iter()
            .collect()
    }

    /// Stops accepting connections, lets requests in flight finish, then stops the emulator (demo mode).
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        (&mut self.task).await.context("the server task failed")?.context("the server failed")?;
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await?;
        }
        Ok(())
    }

    /// Waits until the server stops (after [`BffHandle::shutdown`] from elsewhere, or an error).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("the server task failed")?.context("the server failed")?;
        Ok(())
    }
}

fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

impl Bff {
    /// Starts a BFF with the default options.
    pub async fn start(config: Config) -> anyhow::Result<BffHandle> {
        Self::start_with(config, Options::default()).await
    }

    /// Starts a BFF: binds, starts the emulator in demo mode, opens the
    /// database, builds the shared client and serves until shut down.
    pub async fn start_with(config: Config, options: Options) -> anyhow::Result<BffHandle> {
        config.validate()?;
        let mut operations = config.operations.clone();
        operations.load_token()?;
        let operations_listener = match operations.listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} (operations.listen)"))?,
            ),
            None => None,
        };
        let listener =
            TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let public = config.public_url(addr)?;
        let public_origin = origin_of(&public);
        let redirect_uri = public.join("/auth/callback")?.to_string();

        let (tenant, mut demo, emulator) = match config.tenant.clone() {
            Some(mut t) => {
                t.load_secrets()?;
                (t, None, None)
            }
            None => {
                let (emulator, tenant, info) = demo::start_emulator(options.emulator.clone(), &redirect_uri).await?;
                (tenant, Some(info), Some(emulator))
            }
        };
        let is_demo = demo.is_some();
        let tenant_origin = tenant.origin()?;
        let client_secret = tenant.client_secret.clone().ok_or_else(|| {
            anyhow::anyhow!("no client secret: set {} or tenant.client_secret_file", config::CLIENT_SECRET_ENV)
        })?;

        let policy = match (&config.policy, is_demo) {
            (Some(p), _) => p.clone(),
            (None, true) => Policy::demo(),
            (None, false) => {
                tracing::warn!("no [policy] configured: every admin is denied everything");
                Policy::default()
            }
        };
        let api_keys = apikeys::ApiKeys::new(&config.api_keys);
        let scopes = policy::scopes_needed(policy.roles.values().chain(api_keys.grants()));
        tracing::info!(scopes = %scopes.iter().copied().collect::<Vec<_>>().join(" "), "scopes the policy can use");

        let clock: Arc<dyn Clock> = options.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let stores = Stores::open(&config.database).await?;
        let teams_origin = tenant.teams_base_url.clone().map(|u| u.trim_end_matches('/').to_owned());
        let teams_enabled = teams_origin.is_some();
        let mut builder = Client::builder()
            .base_url(&tenant_origin)
            .auth(Auth::ClientCredentials {
                client_id: tenant.client_id.clone(),
                client_secret: client_secret.clone(),
                audiences: Audiences {
                    management: tenant.management_audience.clone(),
                    teams: tenant.teams_audience.clone(),
                },
            })
            .scopes(scopes.iter().copied())
            .timeout(Duration::from_secs(config.upstream_timeout_secs.max(1)))
            .retry(
                options
                    .retry
                    .unwrap_or(RetryPolicy { max_rate_limit_wait: Duration::from_secs(10), ..RetryPolicy::default() }),
            )
            .pacing(if config.pacing.rate_per_second > 0.0 {
                Pacing {
                    rate: config.pacing.rate_per_second,
                    burst: config.pacing.burst.max(1),
                    follow_server: config.pacing.follow_server,
                    ..Pacing::default()
                }
            } else {
                Pacing { follow_server: config.pacing.follow_server, ..Pacing::disabled() }
            });
        if let Some(teams) = &teams_origin {
            builder = builder.teams_base_url(teams);
        }
        if let Some(pg) = &stores.pg {
            // Several instances: one token and one rate budget for all of them.
            builder = builder.shared_tokens(Arc::new(pg::PgTokens::new(pg.clone(), &client_secret)));
            if config.pacing.rate_per_second > 0.0 {
                builder = builder.shared_budget(Arc::new(pg::PgBudget::new(
                    pg.clone(),
                    config.pacing.rate_per_second,
                    config.pacing.burst.max(1),
                )));
            }
        }
        let client = builder.build().context("cannot build the upstream client")?;

        let issuer = tenant.issuer.clone().unwrap_or_else(|| format!("{tenant_origin}/"));
        let oidc = oidc::Oidc::new(
            issuer,
            tenant.oidc_client_id.clone(),
            tenant.oidc_client_secret.clone(),
            tenant.roles_claim.clone().unwrap_or_else(|| config::DEFAULT_ROLES_CLAIM.to_owned()),
            redirect_uri,
            Duration::from_secs(config.upstream_timeout_secs.max(1)),
        )?;

        let audit = options.audit.unwrap_or(stores.audit);
        let approvals = approvals::Approvals::new(stores.approvals, config.approvals);
        let sessions = stores.sessions;
        let key_store = stores.keys;
        let events = events::Events::new(
            stores.events,
            config.events.secret().context("cannot read the log stream secret")?,
            config.events.max_body_bytes,
            config.events.window,
        )?;
        let api_keys = api_keys.with_store(key_store, clock.clone());
        let mut secrets = vec![client_secret.expose().as_bytes().to_vec()];
        if let Some(s) = &tenant.oidc_client_secret {
            secrets.push(s.expose().as_bytes().to_vec());
        }
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let state = Arc::new(AppState {
            public: public.clone(),
            public_origin: public_origin.clone(),
            clock,
            sessions,
            audit,
            policy,
            api_keys,
            upstream: upstream::Upstream::new(client, teams_enabled),
            oidc,
            metrics: metrics::Metrics::new()?,
            console: console::Console::new(config.console_dir.clone()),
            idle_ms: ms(config.session.idle()),
            absolute_ms: ms(config.session.absolute()),
            max_body: config.max_body_bytes,
            teams_enabled,
            demo: is_demo,
            secrets,
            own_clients: vec![tenant.client_id.clone(), tenant.oidc_client_id.clone()],
            labels: Default::default(),
            shares: share::Shares::new(config.pacing.rate_per_second, config.pacing.burst, config.pacing.api_key_share),
            mcp_origins: std::iter::once(public_origin.clone())
                .chain(config.mcp.allowed_origins.iter().map(|o| o.trim_end_matches('/').to_owned()))
                .collect(),
            approvals,
            events,
            operations_token: operations.token.clone(),
        });
        keys::on_start(&state).await.context("cannot check the stored API keys")?;
        if let Some(info) = demo.as_mut() {
            info.agent = keys::demo_agent(&state).await.context("cannot make the demo agent's API key")?;
        }
        spawn_purger(state.clone());
        spawn_event_follower(state.clone());

        let (tx, rx) = tokio::sync::watch::channel(false);
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let operations_addr = match operations_listener {
            Some(listener) => {
                let addr = listener.local_addr()?;
                let ops = app::operations_router(state.clone());
                let until = stopped(rx.clone());
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, ops).with_graceful_shutdown(until).await {
                        tracing::error!(error = %e, "the operations listener failed");
                    }
                });
                tracing::info!(%addr, "/metrics and /status listening");
                Some(addr)
            }
            None => None,
        };
        let app = app::router(state.clone());
        let until = stopped(rx);
        let task = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(until).await });
        // Demo mode: the in-process tenant streams its log events here (once serving).
        // Without it (a policy whose token lacks `create:log_streams`), the console polls.
        if is_demo && let Err(e) = events::setup_demo(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "no demo log stream: live events are off");
        }
        tracing::info!(%addr, url = %public_origin, demo = is_demo, "gatehouse BFF listening");
        Ok(BffHandle { addr, operations_addr, url: public_origin, demo, emulator, state, shutdown: Some(tx), task })
    }
}

/// The stores of the configured database: SQLite (a file) or PostgreSQL (a URL).
pub(crate) struct Stores {
    sessions: Arc<dyn SessionStore>,
    audit: Arc<dyn AuditStore>,
    keys: Arc<dyn KeyStore>,
    approvals: Arc<dyn approvals::ApprovalStore>,
    events: Arc<dyn events::EventStore>,
    /// The PostgreSQL pool, shared by every store, when the database is one.
    pg: Option<Arc<pg::Pg>>,
}

impl Stores {
    /// Opens the stores of `database`: a PostgreSQL URL or a SQLite file.
    pub(crate) async fn open(database: &std::path::Path) -> anyhow::Result<Self> {
        match database.to_str().filter(|d| pg::is_url(d)) {
            Some(url) => {
                let pool = pg::Pg::connect(url).await.context("cannot open the PostgreSQL database")?;
                Ok(Self {
                    sessions: Arc::new(pg::PgSessionStore(pool.clone())),
                    audit: Arc::new(pg::PgAuditStore(pool.clone())),
                    keys: Arc::new(pg::PgKeyStore(pool.clone())),
                    approvals: Arc::new(pg::PgApprovals(pool.clone())),
                    events: Arc::new(pg::PgEventStore(pool.clone())),
                    pg: Some(pool),
                })
            }
            None => {
                let path = database;
                let what = |part: &str| format!("cannot open the {part} in {}", path.display());
                Ok(Self {
                    sessions: Arc::new(SqliteSessionStore::open(path).with_context(|| what("sessions"))?),
                    audit: Arc::new(SqliteAuditStore::open(path).with_context(|| what("audit log"))?),
                    keys: Arc::new(SqliteKeyStore::open(path).with_context(|| what("API keys"))?),
                    approvals: Arc::new(approvals::SqliteApprovals::open(path).with_context(|| what("approvals"))?),
                    events: Arc::new(events::SqliteEventStore::open(path).with_context(|| what("event window"))?),
                    pg: None,
                })
            }
        }
    }
}

/// Runs `job` every `period` for as long as the BFF's state lives.
fn spawn_every<F, Fut>(state: Arc<AppState>, period: Duration, job: F)
where
    F: Fn(Arc<AppState>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let weak = Arc::downgrade(&state);
    drop(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { break };
            job(state).await;
        }
    });
}

/// Deletes expired sessions and abandoned sign-ins every minute.
fn spawn_purger(state: Arc<AppState>) {
    spawn_every(state, Duration::from_secs(60), |state| async move {
        let now = state.clock.now_ms();
        if let Err(e) = state.sessions.purge(now - state.idle_ms, now - state.absolute_ms, now - 10 * 60 * 1000) {
            tracing::warn!(error = %e, "session purge failed");
        }
    });
}

/// On a database several instances share, follows the event window each
/// second, so a delivery any instance took reaches this one's feeds.
fn spawn_event_follower(state: Arc<AppState>) {
    if state.events.is_shared() {
        spawn_every(state, Duration::from_secs(1), |state| async move {
            if let Err(e) = state.events.follow().await {
                tracing::warn!(error = %e, "following the shared event window failed");
            }
        });
    }
}

/// Runs the BFF until Ctrl-C or SIGTERM: prints `listening on URL` as the
/// first line of standard output, then (in demo mode) the sign-ins.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    use std::io::Write as _;
    let handle = Bff::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", handle.addr())?;
        if handle.url() != format!("http://{}", handle.addr()) {
            writeln!(out, "public URL: {}", handle.url())?;
        }
        writeln!(out, "console: {}/", handle.url())?;
        if let Some(demo) = handle.demo() {
            writeln!(out, "demo mode: tenant emulator at {}", demo.emulator_url)?;
            writeln!(out, "sign in at {}/auth/login with one of:", handle.url())?;
            for (email, role) in &demo.admins {
                writeln!(out, "  {email}  ({role})")?;
            }
            writeln!(out, "password: {}", demo.password.expose())?;
            if let Some(agent) = &demo.agent {
                writeln!(out, "demo agent API key `{}` ({}), for {}/mcp:", agent.name, agent.access, handle.url())?;
                writeln!(out, "  {}", agent.key.expose())?;
                writeln!(out, "for an MCP client that takes a URL and headers (`mcpServers` JSON):")?;
                writeln!(out, "  {}", agent.mcp_config)?;
            }
        }
        out.flush()?;
    }
    gatehouse_emulator::server::shutdown_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await
}

/// Sets up `tracing` output: JSON lines when `GATEHOUSE_LOG_FORMAT=json`,
/// else human-readable; the filter from `RUST_LOG` (default `info`).
/// Secrets never reach the logs: they are held as [`gatehouse_model::Secret`]
/// and the BFF logs neither cookies, tokens nor request bodies.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("GATEHOUSE_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
