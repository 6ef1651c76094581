//! `gatehouse serve`: flags, and the API key helper.
//!
//! Precedence: flags (and their `GATEHOUSE_*` environment variables) over
//! the TOML file over defaults. Secrets are never flags: see [`crate::config`].

use crate::config::{Config, TenantConfig};
use crate::policy::Grants;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags of `gatehouse serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, such as 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long, env = "GATEHOUSE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// TOML configuration file.
    #[arg(long, env = "GATEHOUSE_CONFIG")]
    pub config: Option<PathBuf>,
    /// URL admins open, when it differs from http://LISTEN (behind a TLS proxy).
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where sessions, the audit log, API keys and approvals are kept: a
    /// SQLite file, or a postgres:// URL shared by several instances.
    #[arg(long, env = "GATEHOUSE_DATABASE")]
    pub database: Option<PathBuf>,
    /// Address to serve /metrics and /status on, apart from the public port
    /// (there they need GATEHOUSE_OPERATIONS_TOKEN).
    #[arg(long, env = "GATEHOUSE_OPERATIONS_LISTEN")]
    pub operations_listen: Option<SocketAddr>,
    /// Directory of the built console.
    #[arg(long, env = "GATEHOUSE_CONSOLE_DIR")]
    pub console_dir: Option<PathBuf>,
    /// Tenant domain, such as acme.eu.auth0.com. Without a tenant: demo mode.
    #[arg(long, env = "GATEHOUSE_DOMAIN")]
    pub domain: Option<String>,
    /// Tenant origin instead of a domain (an emulator, a custom domain with a port).
    #[arg(long, env = "GATEHOUSE_BASE_URL")]
    pub base_url: Option<String>,
    /// Machine-to-machine client id (its secret: GATEHOUSE_CLIENT_SECRET or --client-secret-file).
    #[arg(long, env = "GATEHOUSE_CLIENT_ID")]
    pub client_id: Option<String>,
    /// File holding the machine-to-machine client secret.
    #[arg(long, env = "GATEHOUSE_CLIENT_SECRET_FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// Teams API origin, such as https://acme.teams.auth0.com.
    #[arg(long, env = "GATEHOUSE_TEAMS_BASE_URL")]
    pub teams_base_url: Option<String>,
    /// Teams API audience.
    #[arg(long, env = "GATEHOUSE_TEAMS_AUDIENCE")]
    pub teams_audience: Option<String>,
    /// Client id of the web application admins sign in to (its secret:
    /// GATEHOUSE_OIDC_CLIENT_SECRET or --oidc-client-secret-file).
    #[arg(long, env = "GATEHOUSE_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// File holding the web application's secret.
    #[arg(long, env = "GATEHOUSE_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// OIDC issuer, when it is not https://DOMAIN/.
    #[arg(long, env = "GATEHOUSE_ISSUER")]
    pub issuer: Option<String>,
    /// Seconds of inactivity after which a session ends.
    #[arg(long, env = "GATEHOUSE_SESSION_IDLE_SECS")]
    pub session_idle_secs: Option<u64>,
    /// Seconds after sign-in after which a session ends, however active.
    #[arg(long, env = "GATEHOUSE_SESSION_ABSOLUTE_SECS")]
    pub session_absolute_secs: Option<u64>,
    /// Create an API key with this name, print it once, record its SHA-256
    /// in --config (or print the entry to add), and exit.
    #[arg(long, value_name = "NAME")]
    pub create_api_key: Option<String>,
    /// The new key's access, such as `users=full,users.delete=off,logs=read`: groups of the
    /// catalog (`users`, `clientGrants`, `teams.tenants`, ...), operations by dotted name,
    /// `*`, `audit`, `approvals` and `secrets`; levels `off`, `read`, `approve` (writes wait for a
    /// human's approval) and `full`; the most specific entry wins.
    #[arg(long, value_name = "RESOURCE=LEVEL,...", requires = "create_api_key")]
    pub access: Option<String>,
    /// The new key's user scope: the only users it may act on, such as
    /// `connection=acme-saml`, `organization=org_1` or `app_metadata.department=sales`
    /// (several, comma-separated, must all hold).
    #[arg(long, value_name = "KEY=VALUE,...", requires = "create_api_key")]
    pub user_scope: Option<String>,
    /// Remove the API key with this name from --config, and exit.
    #[arg(long, value_name = "NAME", conflicts_with = "create_api_key")]
    pub revoke_api_key: Option<String>,
}

impl ServeArgs {
    /// The configuration these flags describe (file, then flags on top).
    pub fn to_config(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        if let Some(v) = self.listen {
            config.listen = v;
        }
        if let Some(v) = &self.public_url {
            config.public_url = Some(v.clone());
        }
        if let Some(v) = &self.database {
            config.database = v.clone();
        }
        if let Some(v) = &self.console_dir {
            config.console_dir = v.clone();
        }
        if let Some(v) = self.operations_listen {
            config.operations.listen = Some(v);
        }
        if let Some(v) = self.session_idle_secs {
            config.session.idle_timeout_secs = v;
        }
        if let Some(v) = self.session_absolute_secs {
            config.session.absolute_timeout_secs = v;
        }
        let tenant_flags = self.domain.is_some()
            || self.base_url.is_some()
            || self.client_id.is_some()
            || self.oidc_client_id.is_some();
        if tenant_flags || config.tenant.is_some() {
            let mut t = config.tenant.take().unwrap_or_else(TenantConfig::default);
            let set = |slot: &mut Option<String>, v: &Option<String>| {
                if v.is_some() {
                    slot.clone_from(v);
                }
            };
            set(&mut t.domain, &self.domain);
            set(&mut t.base_url, &self.base_url);
            set(&mut t.teams_base_url, &self.teams_base_url);
            set(&mut t.teams_audience, &self.teams_audience);
            set(&mut t.issuer, &self.issuer);
            if let Some(v) = &self.client_id {
                t.client_id.clone_from(v);
            }
            if let Some(v) = &self.oidc_client_id {
                t.oidc_client_id.clone_from(v);
            }
            if self.client_secret_file.is_some() {
                t.client_secret_file.clone_from(&self.client_secret_file);
            }
            if self.oidc_client_secret_file.is_some() {
                t.oidc_client_secret_file.clone_from(&self.oidc_client_secret_file);
            }
            config.tenant = Some(t);
        }
        config.validate()?;
        Ok(config)
    }
}

/// Runs `gatehouse serve` (or its API key helper) to the end.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    if let Some(name) = &args.create_api_key {
        let access = Grants::parse_list(args.access.as_deref().unwrap_or("")).map_err(anyhow::Error::msg)?;
        let scope = args
            .user_scope
            .as_deref()
            .map(gatehouse_model::scope::UserScope::parse_list)
            .transpose()
            .map_err(anyhow::Error::new)?;
        let (key, snippet) = crate::apikeys::create_scoped(name, access.clone(), scope, args.config.as_deref())?;
        println!("{key}");
        match (snippet, &args.config) {
            (Some(snippet), _) => {
                eprintln!("API key `{name}` ({}) created; it is shown once, above.", access.to_list());
                eprintln!("Add this to the configuration file (only the hash is kept):\n\n{snippet}");
            }
            (None, Some(path)) => eprintln!(
                "API key `{name}` ({}) created and its SHA-256 recorded in {}; the key is shown once, above. \
                 Restart the BFF to use it.",
                access.to_list(),
                path.display()
            ),
            (None, None) => {}
        }
        return Ok(());
    }
    if let Some(name) = &args.revoke_api_key {
        let path = args.config.as_deref().context("--revoke-api-key needs --config")?;
        if crate::apikeys::remove_from_file(path, name)? {
            eprintln!("API key `{name}` removed from {}; restart the BFF to refuse it.", path.display());
            return Ok(());
        }
        anyhow::bail!("no API key `{name}` in {}", path.display());
    }
    let config = args.to_config()?;
    crate::init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(crate::serve(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1\"\n[tenant]\ndomain = \"a.auth0.com\"\nclient_id = \"m\"\noidc_client_id = \"w\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path),
            listen: Some("127.0.0.1:2".parse().unwrap()),
            client_id: Some("m2".into()),
            ..ServeArgs::default()
        };
        let c = args.to_config().unwrap();
        assert_eq!(c.listen.port(), 2);
        let t = c.tenant.unwrap();
        assert_eq!((t.client_id.as_str(), t.domain.as_deref()), ("m2", Some("a.auth0.com")));
        assert!(ServeArgs::default().to_config().unwrap().tenant.is_none(), "no tenant: demo mode");
    }
}
