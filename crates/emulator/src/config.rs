//! Settings of an emulator, as command-line flags and environment variables.

use crate::faults::FaultSpec;
use std::net::SocketAddr;
use std::path::PathBuf;

fn parse_faults(s: &str) -> Result<FaultSpec, String> {
    FaultSpec::parse(s)
}

/// How to run the emulator. Every flag can also be set from the environment
/// (`GATEHOUSE_EMULATOR_*`; the demo password from `GATEHOUSE_DEMO_PASSWORD`).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_EMULATOR_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,

    /// Origin clients should use, when it differs from the listening address
    /// (behind a proxy, for example). Token issuer and audiences derive from it.
    #[arg(long, env = "GATEHOUSE_EMULATOR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Client id of the seeded machine-to-machine application (random when not given).
    #[arg(long, env = "GATEHOUSE_EMULATOR_CLIENT_ID")]
    pub client_id: Option<String>,

    /// Client secret of the seeded machine-to-machine application (random when not given).
    #[arg(long, env = "GATEHOUSE_EMULATOR_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// Client id of the seeded web application the BFF signs admins in with.
    #[arg(long, env = "GATEHOUSE_EMULATOR_WEB_CLIENT_ID")]
    pub web_client_id: Option<String>,

    /// Client secret of the seeded web application.
    #[arg(long, env = "GATEHOUSE_EMULATOR_WEB_CLIENT_SECRET", hide_env_values = true)]
    pub web_client_secret: Option<String>,

    /// Callback URLs registered for the web application (repeatable).
    #[arg(
        long = "redirect-uri",
        env = "GATEHOUSE_EMULATOR_REDIRECT_URIS",
        value_delimiter = ',',
        default_values_t = default_redirect_uris()
    )]
    pub redirect_uris: Vec<String>,

    /// Password of the seeded admin users (random when not given).
    #[arg(long, env = "GATEHOUSE_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,

    /// Seed of the generated tenant: the same seed gives the same data and ids.
    #[arg(long, env = "GATEHOUSE_EMULATOR_SEED", default_value_t = 1)]
    pub seed: u64,

    /// How many users to generate (besides the admin users).
    #[arg(long, env = "GATEHOUSE_EMULATOR_SEED_USERS", default_value_t = 300)]
    pub seed_users: usize,

    /// Tenant-wide rate limit in requests per second; 0 turns limiting off.
    #[arg(long, env = "GATEHOUSE_EMULATOR_RATE_LIMIT", default_value_t = 15.0)]
    pub rate_limit: f64,

    /// Size of the tenant-wide bucket (the largest burst).
    #[arg(long, env = "GATEHOUSE_EMULATOR_BURST", default_value_t = 50)]
    pub burst: u32,

    /// Per-operation rate limit in requests per second (off when not given).
    #[arg(long, env = "GATEHOUSE_EMULATOR_ENDPOINT_RATE_LIMIT")]
    pub endpoint_rate_limit: Option<f64>,

    /// Size of each per-operation bucket (defaults to `--burst`).
    #[arg(long, env = "GATEHOUSE_EMULATOR_ENDPOINT_BURST")]
    pub endpoint_burst: Option<u32>,

    /// SQLite file holding the tenant; it survives restarts. In memory when not given.
    #[arg(long, env = "GATEHOUSE_EMULATOR_DATA")]
    pub data: Option<PathBuf>,

    /// Faults to inject, such as `429=0.1,500=0.05,503=0.05,latency=200ms,drop=0.01`.
    #[arg(long, env = "GATEHOUSE_EMULATOR_FAULTS", value_parser = parse_faults)]
    pub faults: Option<FaultSpec>,

    /// Also log successful reads (as `mgmt_api_read` events); Auth0 logs only writes and failures.
    #[arg(long, env = "GATEHOUSE_EMULATOR_LOG_READS")]
    pub log_reads: bool,

    /// Most log events kept; older ones are dropped.
    #[arg(long, env = "GATEHOUSE_EMULATOR_LOG_RETENTION", default_value_t = 100_000)]
    pub log_retention: usize,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GATEHOUSE_EMULATOR_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, env = "GATEHOUSE_EMULATOR_TOKEN_LIFETIME", default_value_t = 86_400)]
    pub token_lifetime: u64,
}

fn default_redirect_uris() -> Vec<String> {
    vec!["http://127.0.0.1:8080/auth/callback".into(), "http://localhost:8080/auth/callback".into()]
}

impl Default for Config {
    /// The same values as the flags' defaults, ignoring the environment;
    /// listens on a free port of 127.0.0.1.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            client_id: None,
            client_secret: None,
            web_client_id: None,
            web_client_secret: None,
            redirect_uris: default_redirect_uris(),
            demo_password: None,
            seed: 1,
            seed_users: 300,
            rate_limit: 15.0,
            burst: 50,
            endpoint_rate_limit: None,
            endpoint_burst: None,
            data: None,
            faults: None,
            log_reads: false,
            log_retention: 100_000,
            body_limit: 1024 * 1024,
            token_lifetime: 86_400,
        }
    }
}

impl Config {
    /// Defaults for tests and embedding: rate limiting off, `users` seeded users.
    pub fn for_tests(users: usize) -> Self {
        Self { rate_limit: 0.0, seed_users: users, ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn defaults_match_the_flags() {
        let parsed = Cli::try_parse_from(["emulator", "--listen", "127.0.0.1:0"]).unwrap().config;
        let d = Config::default();
        if std::env::vars().any(|(k, _)| k.starts_with("GATEHOUSE_EMULATOR_") || k == "GATEHOUSE_DEMO_PASSWORD") {
            return;
        }
        assert_eq!(parsed.listen, d.listen);
        assert_eq!(parsed.redirect_uris, d.redirect_uris);
        assert_eq!((parsed.seed, parsed.seed_users, parsed.burst), (d.seed, d.seed_users, d.burst));
        assert_eq!(
            (parsed.rate_limit, parsed.log_retention, parsed.body_limit),
            (d.rate_limit, d.log_retention, d.body_limit)
        );
        assert_eq!(parsed.token_lifetime, d.token_lifetime);
        let f = Cli::try_parse_from([
            "emulator",
            "--faults",
            "500=0.5",
            "--redirect-uri",
            "http://a/cb",
            "--redirect-uri",
            "http://b/cb",
        ])
        .unwrap()
        .config;
        assert_eq!(f.faults.unwrap().statuses, vec![(500, 0.5)]);
        assert_eq!(f.redirect_uris, ["http://a/cb", "http://b/cb"]);
        assert!(Cli::try_parse_from(["emulator", "--faults", "500=2"]).is_err());
    }
}
