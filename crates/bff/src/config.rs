//! Configuration: a TOML file, command-line flags and environment variables.
//!
//! Secrets (the machine-to-machine client secret and the OIDC web client's
//! secret) are read only from the environment (`GATEHOUSE_CLIENT_SECRET`,
//! `GATEHOUSE_OIDC_CLIENT_SECRET`) or from a file named in the
//! configuration (`client_secret_file`, `oidc_client_secret_file`): never
//! from the command line, where other users of the machine can read them,
//! and never from the TOML file itself, which tends to end up in
//! repositories. They are held as [`Secret`], which never prints.

use crate::policy::{Grants, Policy};
use gatehouse_model::Secret;
use gatehouse_model::scope::UserScope;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable holding the machine-to-machine client secret.
pub const CLIENT_SECRET_ENV: &str = "GATEHOUSE_CLIENT_SECRET";
/// Environment variable holding the token that opens `/metrics` and `/status` on the public port.
pub const OPERATIONS_TOKEN_ENV: &str = "GATEHOUSE_OPERATIONS_TOKEN";
/// Environment variable holding the OIDC web client's secret.
pub const OIDC_CLIENT_SECRET_ENV: &str = "GATEHOUSE_OIDC_CLIENT_SECRET";
/// The id token claim holding the admin's roles, unless configured otherwise.
pub const DEFAULT_ROLES_CLAIM: &str = "https://gatehouse.dev/roles";

/// Everything the BFF needs to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL admins open (scheme, host and port), such as `https://gatehouse.acme.com`.
    /// Defaults to `http://{listen}`. Its origin is the only one API calls are accepted from.
    pub public_url: Option<String>,
    /// Where sessions, the audit log, API keys and approvals are kept: a
    /// SQLite file (the default, for one instance) or a PostgreSQL URL
    /// (`postgres://user@host/db`), which several instances share.
    pub database: PathBuf,
    /// Directory of the built console (`index.html` and its assets).
    pub console_dir: PathBuf,
    /// The Auth0 tenant. None: demo mode, against an in-process emulator.
    pub tenant: Option<TenantConfig>,
    /// Access levels per role of the id token's roles claim.
    /// None: the demo policy in demo mode, nothing at all otherwise.
    pub policy: Option<Policy>,
    /// API keys by name: the SHA-256 of the key and its own access levels.
    pub api_keys: BTreeMap<String, ApiKeyConfig>,
    /// Session timeouts.
    pub session: SessionConfig,
    /// Largest request body forwarded, in bytes.
    pub max_body_bytes: usize,
    /// How long to wait for the tenant before answering 504, in seconds.
    pub upstream_timeout_secs: u64,
    /// How fast the shared client sends to the tenant.
    pub pacing: PacingConfig,
    /// The MCP endpoint for agents.
    pub mcp: McpConfig,
    /// Calls that wait for a human's approval (the `approve` level).
    pub approvals: ApprovalsConfig,
    /// The tenant's log stream: its receiver and the live event feed.
    pub events: EventsConfig,
    /// Where `/metrics` and `/status` are served (never to anyone on the public port).
    pub operations: OperationsConfig,
}

/// Environment variable holding the log stream's shared secret.
pub const LOG_STREAM_SECRET_ENV: &str = "GATEHOUSE_LOG_STREAM_SECRET";

/// The receiver of the tenant's log stream (`POST /hooks/auth0-log-stream`)
/// and the event feed fed by it (`GET /events`, MCP). The stream's shared
/// secret comes from `GATEHOUSE_LOG_STREAM_SECRET` or `secret_file`; without
/// one the receiver refuses every delivery (in demo mode one is generated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// File holding the secret the log stream sends as `Authorization: Bearer <secret>`.
    pub secret_file: Option<PathBuf>,
    /// Largest delivery accepted, in bytes.
    pub max_body_bytes: usize,
    /// How many of the latest events the database keeps (the window a
    /// reconnecting client can resume from).
    pub window: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self { secret_file: None, max_body_bytes: 4 * 1024 * 1024, window: 10_000 }
    }
}

impl EventsConfig {
    /// The log stream's shared secret, from the file or the environment.
    pub fn secret(&self) -> Result<Option<Secret>, ConfigError> {
        read_secret(LOG_STREAM_SECRET_ENV, self.secret_file.as_deref())
    }
}

/// The operations endpoints, `/metrics` and `/status` (operation names,
/// the tenant's budget): on an address of their own, for the monitoring
/// network, and on the public port only with a bearer token. Health
/// checks (`/healthz`, `/readyz`) stay open on both.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperationsConfig {
    /// Address to serve them on, such as `127.0.0.1:9090`, without a token.
    pub listen: Option<SocketAddr>,
    /// File holding the token that opens them on the public port
    /// (`Authorization: Bearer …`); else `GATEHOUSE_OPERATIONS_TOKEN`.
    /// Without a token the public port answers 404 for them.
    pub token_file: Option<PathBuf>,
    /// The token itself, from the environment or the file; never from the TOML.
    #[serde(skip)]
    pub token: Option<Secret>,
}

impl OperationsConfig {
    /// Reads the token from the environment or the configured file, where not already set.
    pub fn load_token(&mut self) -> Result<(), ConfigError> {
        if self.token.is_none() {
            self.token = read_secret(OPERATIONS_TOKEN_ENV, self.token_file.as_deref())?;
        }
        if self.token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            return Err(ConfigError::Invalid(format!(
                "the operations token ({OPERATIONS_TOKEN_ENV}) needs at least 16 characters"
            )));
        }
        Ok(())
    }
}

/// Calls that wait for a human's approval: principals holding `approve` on
/// an operation that writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalsConfig {
    /// How long a call waits for a decision, in seconds, before it is
    /// refused (`gatehouse_approval_timeout`) and its request expires.
    pub timeout_secs: u64,
    /// How many requests one principal may have waiting at once; one more
    /// is refused (429, `gatehouse_too_many_approvals`).
    pub max_pending: u32,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        Self { timeout_secs: 120, max_pending: 10 }
    }
}

/// The shared client's pacing: every admin's calls together stay within the tenant's rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PacingConfig {
    /// Requests per second (0 turns local pacing off). Auth0 paid tenants allow 15, free ones 2.
    pub rate_per_second: f64,
    /// Largest burst after a pause. Auth0 paid tenants allow 50, free ones 10.
    pub burst: u32,
    /// Whether to wait when the tenant's `x-ratelimit-remaining` reaches 0.
    pub follow_server: bool,
    /// The largest share of that budget (`rate_per_second` and `burst`)
    /// one API key (an agent, a script) may use, from above 0 to 1: a key's
    /// calls beyond it are refused (429, `gatehouse_share_exceeded`) so that
    /// a looping agent cannot starve the admins. 1 lets a key use it all.
    /// Applies only when local pacing is on (`rate_per_second` above 0).
    pub api_key_share: f64,
}

impl Default for PacingConfig {
    fn default() -> Self {
        Self { rate_per_second: 15.0, burst: 50, follow_server: true, api_key_share: 0.5 }
    }
}

/// The MCP endpoint (`/mcp`), where AI agents call the tenant's operations as tools with their API key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct McpConfig {
    /// Browser origins (`scheme://host:port`) allowed to call `/mcp`
    /// besides the BFF's own. A request with any other `Origin` is refused
    /// (403), against DNS rebinding; requests without one (agents, CLIs) pass.
    pub allowed_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database: PathBuf::from("gatehouse.sqlite"),
            console_dir: PathBuf::from("web/dist"),
            tenant: None,
            policy: None,
            api_keys: BTreeMap::new(),
            session: SessionConfig::default(),
            max_body_bytes: 256 * 1024,
            upstream_timeout_secs: 30,
            pacing: PacingConfig::default(),
            mcp: McpConfig::default(),
            approvals: ApprovalsConfig::default(),
            events: EventsConfig::default(),
            operations: OperationsConfig::default(),
        }
    }
}

/// Session lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A session unused for this long ends (seconds).
    pub idle_timeout_secs: u64,
    /// A session ends this long after sign-in, however active (seconds).
    pub absolute_timeout_secs: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self { idle_timeout_secs: 30 * 60, absolute_timeout_secs: 8 * 3600 }
    }
}

impl SessionConfig {
    /// The idle timeout.
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// The absolute timeout.
    pub fn absolute(&self) -> Duration {
        Duration::from_secs(self.absolute_timeout_secs)
    }
}

/// An API key: only the SHA-256 of the key is kept, with its own policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// Hex SHA-256 of the whole key (`gk_...`).
    pub sha256: String,
    /// What the key may do.
    #[serde(default)]
    pub access: Grants,
    /// The users it may act on (`user_scope = { connection = "acme-saml" }`); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_scope: Option<UserScope>,
}

/// The Auth0 tenant (or anything speaking its APIs).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Tenant domain, such as `acme.eu.auth0.com` (or give `base_url`).
    pub domain: Option<String>,
    /// Tenant origin, such as `https://acme.eu.auth0.com` or an emulator's `http://127.0.0.1:4000`.
    pub base_url: Option<String>,
    /// Machine-to-machine application's client id.
    pub client_id: String,
    /// File holding the machine-to-machine client secret (else `GATEHOUSE_CLIENT_SECRET`).
    pub client_secret_file: Option<PathBuf>,
    /// The secret itself, read from the environment or the file; never from the TOML.
    #[serde(skip)]
    pub client_secret: Option<Secret>,
    /// Management API audience; default `{base_url}/api/v2/`.
    pub management_audience: Option<String>,
    /// Teams API origin, such as `https://acme.teams.auth0.com`; Teams operations are off without it.
    pub teams_base_url: Option<String>,
    /// Teams API audience; default `{teams_base_url}/api/`.
    pub teams_audience: Option<String>,
    /// OIDC issuer admins sign in with; default `{base_url}/`.
    pub issuer: Option<String>,
    /// Client id of the regular web application admins sign in to.
    pub oidc_client_id: String,
    /// File holding that application's secret (else `GATEHOUSE_OIDC_CLIENT_SECRET`; none for a public client).
    pub oidc_client_secret_file: Option<PathBuf>,
    /// The web application's secret, from the environment or the file.
    #[serde(skip)]
    pub oidc_client_secret: Option<Secret>,
    /// The id token claim holding roles; default `https://gatehouse.dev/roles`.
    pub roles_claim: Option<String>,
}

impl TenantConfig {
    /// The tenant's origin without a trailing slash.
    pub fn origin(&self) -> Result<String, ConfigError> {
        match (&self.base_url, &self.domain) {
            (Some(url), _) => Ok(url.trim_end_matches('/').to_owned()),
            (None, Some(domain)) => {
                let d = domain.trim_start_matches("https://").trim_end_matches('/');
                Ok(format!("https://{d}"))
            }
            (None, None) => Err(ConfigError::Invalid("the tenant needs `domain` or `base_url`".into())),
        }
    }

    /// Reads secrets from the environment or from the configured files, where not already set.
    pub fn load_secrets(&mut self) -> Result<(), ConfigError> {
        if self.client_secret.is_none() {
            self.client_secret = read_secret(CLIENT_SECRET_ENV, self.client_secret_file.as_deref())?;
        }
        if self.oidc_client_secret.is_none() {
            self.oidc_client_secret = read_secret(OIDC_CLIENT_SECRET_ENV, self.oidc_client_secret_file.as_deref())?;
        }
        Ok(())
    }
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_owned(),
    }
}

fn read_secret(env: &str, file: Option<&Path>) -> Result<Option<Secret>, ConfigError> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Invalid(format!("cannot read secret file {}: {e}", path.display())))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(ConfigError::Invalid(format!("secret file {} is empty", path.display())));
        }
        return Ok(Some(Secret::new(text)));
    }
    Ok(std::env::var(env).ok().filter(|v| !v.trim().is_empty()).map(|v| Secret::new(v.trim())))
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A value that cannot work.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse { path: path.into(), message })
    }

    /// Parses TOML text.
    ///
    /// Errors name the line but never quote it, so a secret pasted into the
    /// file by mistake is not echoed to the terminal or a log.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| describe_toml_error(text, &e))?;
        if let Some(toml::Value::Table(tenant)) = table.get("tenant") {
            for (key, env) in [("client_secret", CLIENT_SECRET_ENV), ("oidc_client_secret", OIDC_CLIENT_SECRET_ENV)] {
                if tenant.contains_key(key) {
                    return Err(format!(
                        "tenant.{key} is never read from the configuration file: set {env} or tenant.{key}_file"
                    ));
                }
            }
        }
        toml::from_str(text).map_err(|e| describe_toml_error(text, &e))
    }

    /// The PostgreSQL URL `database` holds, if it is one (else it is a SQLite file).
    pub fn postgres_url(&self) -> Option<&str> {
        self.database.to_str().filter(|d| crate::pg::is_url(d))
    }

    /// The public URL, parsed (default `http://{listen}`).
    pub fn public_url(&self, bound: SocketAddr) -> Result<url::Url, ConfigError> {
        let raw = self.public_url.clone().unwrap_or_else(|| format!("http://{bound}"));
        let url = url::Url::parse(&raw).map_err(|e| ConfigError::Invalid(format!("public_url `{raw}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(ConfigError::Invalid(format!("public_url `{raw}` must be an http(s) URL")));
        }
        Ok(url)
    }

    /// Checks what can be checked before starting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, key) in &self.api_keys {
            if key.sha256.len() != 64 || !key.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ConfigError::Invalid(format!("api_keys.{name}.sha256 must be 64 hex digits")));
            }
        }
        if let Some(policy) = &self.policy {
            policy.check_scopes().map_err(ConfigError::Invalid)?;
        }
        if self.session.idle_timeout_secs == 0 || self.session.absolute_timeout_secs == 0 {
            return Err(ConfigError::Invalid("session timeouts must be positive".into()));
        }
        if self.approvals.timeout_secs == 0 || self.approvals.timeout_secs > 24 * 3600 {
            return Err(ConfigError::Invalid("approvals.timeout_secs must be from 1 to 86400".into()));
        }
        if self.events.window == 0 || self.events.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "events.window must be at least 1 and events.max_body_bytes at least 1024".into(),
            ));
        }
        if self.approvals.max_pending == 0 {
            return Err(ConfigError::Invalid("approvals.max_pending must be at least 1".into()));
        }
        let share = self.pacing.api_key_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(ConfigError::Invalid("pacing.api_key_share must be above 0 and at most 1".into()));
        }
        for origin in &self.mcp.allowed_origins {
            let parsed = url::Url::parse(origin).ok().filter(|u| u.has_host() && u.path() == "/");
            if parsed.is_none_or(|u| u.origin().ascii_serialization() != origin.trim_end_matches('/')) {
                return Err(ConfigError::Invalid(format!(
                    "mcp.allowed_origins: `{origin}` is not an origin such as https://agent.acme.test"
                )));
            }
        }
        if let Some(t) = &self.tenant {
            t.origin()?;
            if t.client_id.is_empty() || t.oidc_client_id.is_empty() {
                return Err(ConfigError::Invalid("tenant.client_id and tenant.oidc_client_id are required".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Level, Target};

    #[test]
    fn a_full_file_parses() {
        let cfg = Config::from_toml(
            r#"
            listen = "127.0.0.1:9000"
            public_url = "https://gatehouse.acme.test"
            database = "/var/lib/gatehouse/db.sqlite"
            [tenant]
            domain = "acme.eu.auth0.com"
            client_id = "m2m"
            client_secret_file = "/run/secrets/m2m"
            oidc_client_id = "web"
            [session]
            idle_timeout_secs = 600
            [policy.roles.gatehouse-admin]
            "*" = "full"
            [policy.roles.helpdesk]
            users = "full"
            logs = "read"
            [policy.user_scopes]
            helpdesk = { connection = "acme-saml", app_metadata = { department = "sales" } }
            [api_keys.ci]
            sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
            access = { users = "read" }
            user_scope = { organization = "org_abc" }
            "#,
        )
        .unwrap();
        assert_eq!(cfg.tenant.as_ref().unwrap().origin().unwrap(), "https://acme.eu.auth0.com");
        assert_eq!(cfg.session.idle_timeout_secs, 600);
        assert_eq!(cfg.session.absolute_timeout_secs, 8 * 3600);
        let p = cfg.policy.as_ref().unwrap();
        assert_eq!(p.roles["helpdesk"].level(Target::Group("logs")), Level::Read);
        assert_eq!(cfg.api_keys["ci"].access.level(Target::Group("users")), Level::Read);
        assert_eq!(cfg.api_keys["ci"].user_scope.as_ref().and_then(|s| s.organization()), Some("org_abc"));
        let scoped = p.user_scopes_for(&["helpdesk"]).unwrap();
        assert_eq!(scoped.to_string(), "users of connection acme-saml and app_metadata.department = \"sales\"");
        cfg.validate().unwrap();
        let mut orphan = cfg.clone();
        orphan.policy.as_mut().unwrap().roles.remove("helpdesk");
        assert!(orphan.validate().unwrap_err().to_string().contains("policy.user_scopes.helpdesk"));
        let bad = "[policy.user_scopes]\nx = { connection = \"a\\\" OR *\" }\n";
        assert!(Config::from_toml(bad).unwrap_err().contains("user scope `connection`"));
        assert!(Config::from_toml("[policy.user_scopes]\nx = { conection = \"a\" }\n").is_err());
    }

    #[test]
    fn a_secret_in_the_file_is_refused() {
        let err =
            Config::from_toml("[tenant]\nclient_id='x'\noidc_client_id='y'\nclient_secret='s3cr3t'\n").unwrap_err();
        assert!(err.contains("GATEHOUSE_CLIENT_SECRET"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = Config::from_toml("[tenant]\nclient_id='x'\nsecret_typo='s3cr3t'\n").unwrap_err();
        assert!(err.contains("line 3") && !err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn secrets_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("secret");
        std::fs::write(&f, "  from-file\n").unwrap();
        let mut t = TenantConfig { client_secret_file: Some(f), ..Default::default() };
        t.load_secrets().unwrap();
        assert_eq!(t.client_secret.unwrap().expose(), "from-file");
    }
}
