//! Settings of an emulator, as command-line flags and environment variables.

use crate::faults::FaultSpec;
use crate::ratelimit::{DEFAULT_LIMIT, RateLimiter, Tier};
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

    /// Apply the rate limits Auth0 publishes for this subscription type
    /// (per-endpoint buckets such as Read Users for self-service; one bucket
    /// of 50 refilled at 16/s for enterprise). `--rate-limit`, `--burst` and
    /// the per-operation flags override it.
    #[arg(long, env = "GATEHOUSE_EMULATOR_TIER", value_enum)]
    pub tier: Option<Tier>,

    /// Tenant-wide rate limit in requests per second, one bucket per API
    /// (15 when neither this nor `--tier` is given); 0 turns limiting off.
    #[arg(long, env = "GATEHOUSE_EMULATOR_RATE_LIMIT")]
    pub rate_limit: Option<f64>,

    /// Size of the tenant-wide bucket, the largest burst (50 when not given).
    #[arg(long, env = "GATEHOUSE_EMULATOR_BURST")]
    pub burst: Option<u32>,

    /// Per-operation rate limit in requests per second (off when not given).
    #[arg(long, env = "GATEHOUSE_EMULATOR_ENDPOINT_RATE_LIMIT")]
    pub endpoint_rate_limit: Option<f64>,

    /// Size of each per-operation bucket (defaults to the tenant-wide bucket's size).
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

    /// First wait before a log stream retries a failed delivery, in
    /// milliseconds; each of the three retries waits twice the one before.
    #[arg(long, env = "GATEHOUSE_EMULATOR_LOG_STREAM_RETRY_MS", default_value_t = 1_000)]
    pub log_stream_retry_ms: u64,

    /// Deliveries in a row that fail after their retries before a log stream
    /// becomes `suspended`.
    #[arg(long, env = "GATEHOUSE_EMULATOR_LOG_STREAM_SUSPEND_AFTER", default_value_t = 3)]
    pub log_stream_suspend_after: u32,
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
            tier: None,
            rate_limit: None,
            burst: None,
            endpoint_rate_limit: None,
            endpoint_burst: None,
            data: None,
            faults: None,
            log_reads: false,
            log_retention: 100_000,
            body_limit: 1024 * 1024,
            token_lifetime: 86_400,
            log_stream_retry_ms: 1_000,
            log_stream_suspend_after: 3,
        }
    }
}

impl Config {
    /// Defaults for tests and embedding: rate limiting off, `users` seeded users.
    pub fn for_tests(users: usize) -> Self {
        Self { rate_limit: Some(0.0), seed_users: users, ..Self::default() }
    }

    /// Whether one of the simple rate-limit flags was given; they override `--tier`.
    pub fn simple_limits_given(&self) -> bool {
        self.rate_limit.is_some()
            || self.burst.is_some()
            || self.endpoint_rate_limit.is_some()
            || self.endpoint_burst.is_some()
    }

    /// The rate limiter these settings describe: `--tier`'s buckets, unless
    /// a simple flag is given; else one bucket per API (15/s, bursts of 50
    /// by default) and optionally one per operation.
    pub fn limiter(&self) -> RateLimiter {
        match self.tier {
            Some(tier) if !self.simple_limits_given() => RateLimiter::tier(tier),
            _ => {
                let rate = self.rate_limit.unwrap_or(DEFAULT_LIMIT.rate);
                let burst = self.burst.unwrap_or(DEFAULT_LIMIT.burst as u32);
                let endpoint = self.endpoint_rate_limit.map(|r| (r, self.endpoint_burst.unwrap_or(burst)));
                RateLimiter::new(rate, burst, endpoint)
            }
        }
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
        assert_eq!(
            (parsed.seed, parsed.seed_users, parsed.burst, parsed.tier),
            (d.seed, d.seed_users, d.burst, d.tier)
        );
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

    #[test]
    fn tiers_parse_and_the_simple_flags_override_them() {
        if std::env::vars().any(|(k, _)| k.starts_with("GATEHOUSE_EMULATOR_")) {
            return;
        }
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("emulator").chain(args.iter().copied())).map(|c| c.config)
        };
        for (flag, tier) in
            [("free", Tier::Free), ("self-service", Tier::SelfService), ("enterprise", Tier::Enterprise)]
        {
            let c = parse(&["--tier", flag]).unwrap();
            assert_eq!(c.tier, Some(tier));
            assert_eq!(c.limiter().plan(), &crate::ratelimit::Plan::Tier(tier));
        }
        let c = parse(&["--tier", "enterprise", "--rate-limit", "3"]).unwrap();
        assert_eq!(
            c.limiter().plan(),
            &crate::ratelimit::Plan::Simple {
                global: crate::ratelimit::Limit { rate: 3.0, burst: 50.0 },
                per_operation: None
            }
        );
        let c = parse(&["--tier", "free", "--burst", "7"]).unwrap();
        assert!(matches!(c.limiter().plan(), crate::ratelimit::Plan::Simple { global, .. } if global.burst == 7.0));
        let c = parse(&["--tier", "free", "--rate-limit", "0"]).unwrap();
        assert!(!c.limiter().enabled());
        let d = parse(&[]).unwrap().limiter();
        assert_eq!(d.plan(), &crate::ratelimit::Plan::Simple { global: DEFAULT_LIMIT, per_operation: None });
        for bad in ["gold", "Enterprise", "self_service", "free,enterprise"] {
            let err = parse(&["--tier", bad]).expect_err("refused").to_string();
            assert!(err.contains("invalid value") && err.contains("--tier"), "{err}");
            assert!(err.contains("free, self-service, enterprise"), "{err}");
        }
    }
}
