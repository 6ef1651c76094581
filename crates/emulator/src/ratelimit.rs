//! Token-bucket rate limiting with the `x-ratelimit-*` headers Auth0 puts on
//! every response.
//!
//! Two plans:
//!
//! - **Simple** (`--rate-limit`, `--burst`, and optionally
//!   `--endpoint-rate-limit`/`--endpoint-burst`): one tenant-wide bucket per
//!   API, plus optionally one bucket per operation.
//! - **Tier** (`--tier free|self-service|enterprise`): the buckets Auth0
//!   publishes for that subscription type. The figures below were read from
//!   Auth0's "Rate Limit Configurations" pages (Free, Self Service and
//!   Enterprise, under
//!   <https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations>;
//!   the Management API tables as of 2025). In short: a free tenant's
//!   Management API shares one bucket of 2 refilled at 2 per second; an
//!   enterprise production tenant's one of 50 refilled at 16 per second; a
//!   self-service tenant has no tenant-wide Management bucket but a bucket
//!   per endpoint group (Read Users 40 refilled at 500 a minute, Write Users
//!   20 at 200 a minute, …) and one shared by every endpoint without its own
//!   (10 at 150 a minute). Each tier also has a handful of endpoint buckets
//!   (custom domain verification, signing-key rotation, email templates, …)
//!   that apply on top of the tenant-wide one.
//!
//! Which endpoint bucket an operation draws from is decided by [`RULES`]
//! from the operation's catalog entry (its group, that is its dotted name
//! without the last part, and whether it reads or writes), never from its
//! path, so every spelling of a path the router accepts lands in the same
//! bucket. Buckets belong to the tenant: one per bucket name.
//!
//! Time comes from the caller (the emulator's [`crate::clock::Clock`]), so a
//! test that stops the clock sees buckets refill exactly as it moves it.

use gatehouse_model::catalog::{CATALOG, OpDesc};
use gatehouse_model::{Api, Verb};
use std::collections::HashMap;
use std::sync::Mutex;

/// An Auth0 subscription type, whose published rate limits the emulator applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Tier {
    /// The free plan.
    Free,
    /// The paid self-service plans.
    SelfService,
    /// Enterprise, production tenant.
    Enterprise,
}

impl Tier {
    /// Every tier.
    pub const ALL: [Tier; 3] = [Tier::Free, Tier::SelfService, Tier::Enterprise];

    /// The name the `--tier` flag takes.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::SelfService => "self-service",
            Tier::Enterprise => "enterprise",
        }
    }

    /// The tenant-wide bucket of `api` in this tier, with its name. `None`
    /// when the tier has none (a self-service tenant's Management API).
    /// Auth0 publishes no Teams API figures, so the Teams API keeps the
    /// emulator's default bucket.
    pub fn global(self, api: Api) -> Option<(&'static str, Limit)> {
        match (api, self) {
            (Api::Management, Tier::Free) => Some(("Management API", Limit::per_second(2, 2))),
            (Api::Management, Tier::SelfService) => None,
            (Api::Management, Tier::Enterprise) => Some(("Management API", Limit::per_second(50, 16))),
            (Api::Authentication, Tier::Free) => Some(("Authentication API", Limit::per_minute(300, 300))),
            (Api::Authentication, Tier::SelfService) => Some(("Authentication API", Limit::per_second(25, 25))),
            (Api::Authentication, Tier::Enterprise) => Some(("Authentication API", Limit::per_second(100, 100))),
            (Api::Teams, _) => Some(("Teams API", DEFAULT_LIMIT)),
        }
    }

    /// The bucket shared by Management operations without a bucket of their
    /// own, in tiers that have one (self-service: "all other endpoints combined").
    pub fn others(self) -> Option<(&'static str, Limit)> {
        match self {
            Tier::SelfService => Some(("All other endpoints", Limit::per_minute(10, 150))),
            Tier::Free | Tier::Enterprise => None,
        }
    }

    fn column(self, rule: &Rule) -> Option<Limit> {
        match self {
            Tier::Free => rule.free,
            Tier::SelfService => rule.self_service,
            Tier::Enterprise => rule.enterprise,
        }
    }

    /// The endpoint bucket a Management operation draws from in this tier
    /// (besides the tenant-wide one), by [`RULES`]: a rule naming the
    /// operation wins over a rule naming its group.
    pub fn endpoint_bucket(self, op: &OpDesc) -> Option<(&'static str, Limit)> {
        if op.api != Api::Management {
            return None;
        }
        let access = Access::of(op.verb);
        let group = op.name.rsplit_once('.').map_or(op.name, |(g, _)| g);
        let pick = |scope: fn(&Scope) -> Option<&'static str>, want: &str| {
            RULES.iter().find_map(|r| {
                (r.access == access && scope(&r.scope) == Some(want))
                    .then(|| self.column(r).map(|l| (r.bucket, l)))
                    .flatten()
            })
        };
        pick(Scope::operation, op.name).or_else(|| pick(Scope::group, group))
    }
}

/// Tokens short of a whole one that still count as one, so that a refill
/// computed in floating point (0.999999…) lets the request through.
const EPSILON: f64 = 1e-9;

/// The emulator's default tenant-wide bucket (`--rate-limit`, `--burst`).
pub const DEFAULT_LIMIT: Limit = Limit { rate: 15.0, burst: 50.0 };

/// How fast a bucket refills and how much it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Tokens added per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

impl Limit {
    /// A bucket of `burst` refilled with `n` tokens a second.
    pub const fn per_second(burst: u32, n: u32) -> Self {
        Self { rate: n as f64, burst: burst as f64 }
    }

    /// A bucket of `burst` refilled with `n` tokens a minute.
    pub const fn per_minute(burst: u32, n: u32) -> Self {
        Self { rate: n as f64 / 60.0, burst: burst as f64 }
    }

    /// A bucket of `burst` refilled with `n` tokens a day.
    pub const fn per_day(burst: u32, n: u32) -> Self {
        Self { rate: n as f64 / 86_400.0, burst: burst as f64 }
    }

    fn refill(&self, bucket: &mut Bucket, now_ms: i64) {
        let elapsed = now_ms.saturating_sub(bucket.updated_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated_ms = now_ms.max(bucket.updated_ms);
    }

    fn quota(&self, name: &'static str, bucket: &Bucket, now_ms: i64, refused: bool) -> Quota {
        let to_full = (self.burst - bucket.tokens).max(0.0) / self.rate;
        let retry_after = refused.then(|| ((1.0 - bucket.tokens).max(0.0) / self.rate).ceil().max(1.0) as u64);
        Quota {
            bucket: name,
            limit: self.burst as u64,
            remaining: (bucket.tokens + EPSILON).floor().max(0.0) as u64,
            reset: (now_ms.max(0) as f64 / 1000.0 + to_full).ceil() as u64,
            retry_after,
        }
    }
}

/// Whether an operation reads (`GET`) or changes something (any other method).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `GET`.
    Read,
    /// `POST`, `PUT`, `PATCH`, `DELETE`.
    Write,
}

impl Access {
    /// The access of a method.
    pub fn of(verb: Verb) -> Self {
        if verb == Verb::Get { Access::Read } else { Access::Write }
    }
}

/// What a bucket rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every operation of a group: the catalog names whose dotted name
    /// without its last part is this (`users` covers `users.get` and
    /// `users.list`, not `users.roles.list`).
    Group(&'static str),
    /// One operation, by its catalog name, for Auth0's single-endpoint buckets.
    Operation(&'static str),
}

impl Scope {
    fn group(&self) -> Option<&'static str> {
        match self {
            Scope::Group(g) => Some(g),
            Scope::Operation(_) => None,
        }
    }

    fn operation(&self) -> Option<&'static str> {
        match self {
            Scope::Operation(o) => Some(o),
            Scope::Group(_) => None,
        }
    }
}

/// One of Auth0's Management API endpoint buckets: what it covers and its
/// figures in each tier (`None` where the tier has no such bucket).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Auth0's name for the bucket; buckets with the same name are one bucket.
    pub bucket: &'static str,
    /// The operations it covers.
    pub scope: Scope,
    /// Reads or writes of them.
    pub access: Access,
    /// Free tier.
    pub free: Option<Limit>,
    /// Self-service tier.
    pub self_service: Option<Limit>,
    /// Enterprise tier.
    pub enterprise: Option<Limit>,
}

const fn rule(
    bucket: &'static str,
    scope: Scope,
    access: Access,
    free: Option<Limit>,
    self_service: Option<Limit>,
    enterprise: Option<Limit>,
) -> Rule {
    Rule { bucket, scope, access, free, self_service, enterprise }
}

use Access::{Read, Write};
use Scope::{Group, Operation};

const fn m(burst: u32, per_minute: u32) -> Option<Limit> {
    Some(Limit::per_minute(burst, per_minute))
}

/// Auth0's Management API endpoint buckets, per tier: the one place that
/// says which operations share a bucket. Auth0's "Write Organizations",
/// "Write Users" and similar rows list `POST`, `PATCH`, `DELETE` (and `PUT`
/// where the group has it), which is what [`Access::Write`] covers. Not
/// modelled: the enterprise "Read Clients" bucket that applies only to
/// `GET /api/v2/clients?q=…`.
pub static RULES: &[Rule] = &[
    rule("Read Users", Group("users"), Read, None, m(40, 500), None),
    rule("Write Users", Group("users"), Write, None, m(20, 200), None),
    rule("Read Logs", Group("logs"), Read, None, m(10, 100), None),
    rule("Read Clients", Group("clients"), Read, None, m(5, 100), None),
    rule("Read Connections", Group("connections"), Read, None, m(5, 50), None),
    rule("Write Device Credentials", Group("deviceCredentials"), Write, None, m(5, 100), None),
    rule("Read Organizations", Group("organizations"), Read, None, m(5, 50), None),
    rule("Read Organizations by ID", Operation("organizations.get"), Read, None, m(20, 200), None),
    rule("Read Organizations by Name", Operation("organizations.getByName"), Read, None, m(10, 100), m(20, 200)),
    rule("Write Organizations", Group("organizations"), Write, None, m(5, 25), m(5, 150)),
    rule("Read Organization Members", Group("organizations.members"), Read, None, m(40, 500), m(40, 500)),
    rule("Write Organization Members", Group("organizations.members"), Write, None, m(20, 200), m(20, 200)),
    rule("Read Organization Invitations", Group("organizations.invitations"), Read, None, None, m(20, 200)),
    rule("Read Organization Member Roles", Group("organizations.members.roles"), Read, None, m(20, 200), m(20, 200)),
    rule("Write Organization Member Roles", Group("organizations.members.roles"), Write, None, m(20, 200), m(20, 200)),
    rule("Read Organization Connections", Group("organizations.enabledConnections"), Read, None, m(5, 50), m(10, 100)),
    rule("Write Organization Connections", Group("organizations.enabledConnections"), Write, None, m(5, 25), m(5, 150)),
    rule("Read Organization Connections", Group("organizations.connections"), Read, None, m(5, 50), m(10, 100)),
    rule("Write Organization Connections", Group("organizations.connections"), Write, None, m(5, 25), m(5, 150)),
    rule("Read Organization Client Grants", Group("organizations.clientGrants"), Read, None, m(10, 100), m(10, 100)),
    rule("Write Organization Client Grants", Group("organizations.clientGrants"), Write, None, m(5, 150), m(5, 150)),
    rule("Verify Custom Domain", Operation("customDomains.verify"), Write, m(5, 5), m(5, 5), m(5, 5)),
    rule(
        "Read Status Connection",
        Operation("connections.checkStatus"),
        Read,
        Some(Limit::per_second(100, 15)),
        Some(Limit::per_second(100, 15)),
        Some(Limit::per_second(100, 15)),
    ),
    rule(
        "Rotate Signing Keys",
        Operation("keys.signing.rotate"),
        Write,
        Some(Limit::per_day(5, 5)),
        Some(Limit::per_day(5, 5)),
        Some(Limit::per_day(5, 5)),
    ),
    rule("Read Partials for a Prompt", Operation("prompts.partials.get"), Read, None, m(5, 5), m(5, 5)),
    rule("Write Partials for a Prompt", Operation("prompts.partials.set"), Write, None, m(5, 5), m(5, 5)),
    rule("Write Email Templates", Group("emailTemplates"), Write, m(5, 25), m(5, 25), m(10, 100)),
    rule("Read Email Templates", Group("emailTemplates"), Read, m(10, 50), m(10, 50), m(15, 150)),
    rule("Write Email Provider", Group("emails.provider"), Write, m(5, 25), m(5, 25), m(10, 100)),
    rule("Read Email Provider", Group("emails.provider"), Read, m(5, 25), m(5, 25), m(15, 150)),
];

/// Which bucket a request drew from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketKey {
    /// The tenant-wide bucket of one API.
    Api(Api),
    /// A named endpoint bucket of a tier.
    Named(&'static str),
    /// One operation's bucket (simple plan with `--endpoint-rate-limit`).
    Operation(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated_ms: i64,
}

/// The state of a bucket after a request, for the response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Name of the bucket reported (such as `Management API` or `Read Users`);
    /// empty when limiting is off.
    pub bucket: &'static str,
    /// Bucket size.
    pub limit: u64,
    /// Whole requests left.
    pub remaining: u64,
    /// UNIX seconds at which the bucket is full again.
    pub reset: u64,
    /// Seconds until one request is allowed again (only when refused).
    pub retry_after: Option<u64>,
}

/// What the limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; the bucket with the fewest requests left is reported.
    Allowed(Quota),
    /// The tenant-wide bucket is empty.
    GlobalLimit(Quota),
    /// An endpoint (or per-operation) bucket is empty.
    EndpointLimit(Quota),
}

impl Decision {
    /// The quota to report.
    pub fn quota(&self) -> Quota {
        match self {
            Decision::Allowed(q) | Decision::GlobalLimit(q) | Decision::EndpointLimit(q) => *q,
        }
    }
}

/// How the limiter was configured.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// No limiting.
    Off,
    /// One bucket per API, and optionally one per operation.
    Simple {
        /// The tenant-wide bucket of each API.
        global: Limit,
        /// Each operation's own bucket, if any.
        per_operation: Option<Limit>,
    },
    /// Auth0's published buckets for a subscription type.
    Tier(Tier),
}

/// One bucket that applies to a request.
#[derive(Debug, Clone, Copy)]
struct Applied {
    key: BucketKey,
    name: &'static str,
    limit: Limit,
    global: bool,
}

/// The tenant's token buckets under one [`Plan`].
#[derive(Debug)]
pub struct RateLimiter {
    plan: Plan,
    /// Endpoint bucket of each Management operation, by catalog name (tier plan only).
    endpoint: HashMap<&'static str, (&'static str, Limit)>,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

fn limit(rate: f64, burst: u32) -> Option<Limit> {
    (rate.is_finite() && rate > 0.0).then(|| Limit { rate, burst: f64::from(burst.max(1)) })
}

impl RateLimiter {
    /// A simple limiter: a tenant-wide bucket of `burst` per API refilling
    /// at `rate` per second (a rate of zero disables limiting), and
    /// optionally a bucket per operation.
    pub fn new(rate: f64, burst: u32, endpoint: Option<(f64, u32)>) -> Self {
        let plan = match limit(rate, burst) {
            None => Plan::Off,
            Some(global) => Plan::Simple { global, per_operation: endpoint.and_then(|(r, b)| limit(r, b)) },
        };
        Self::with_plan(plan)
    }

    /// A limiter with Auth0's buckets for `tier`.
    pub fn tier(tier: Tier) -> Self {
        Self::with_plan(Plan::Tier(tier))
    }

    fn with_plan(plan: Plan) -> Self {
        let endpoint = match plan {
            Plan::Tier(tier) => {
                CATALOG.iter().filter_map(|op| tier.endpoint_bucket(op).map(|b| (op.name, b))).collect()
            }
            _ => HashMap::new(),
        };
        Self { plan, endpoint, buckets: Mutex::new(HashMap::new()) }
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.plan != Plan::Off
    }

    /// One line saying how requests are limited, for the startup summary.
    pub fn describe(&self) -> String {
        match &self.plan {
            Plan::Off => "off".to_owned(),
            Plan::Simple { global, per_operation } => {
                let mut s = format!("{}/s, bursts of {}", global.rate, global.burst);
                if let Some(op) = per_operation {
                    s.push_str(&format!("; per operation {}/s, bursts of {}", op.rate, op.burst));
                }
                s
            }
            Plan::Tier(tier) => {
                let buckets: std::collections::BTreeSet<&str> = self.endpoint.values().map(|(n, _)| *n).collect();
                let global = match tier.global(Api::Management) {
                    Some((_, l)) => format!("Management API {}/s, bursts of {}", l.rate, l.burst),
                    None => "no tenant-wide Management bucket".to_owned(),
                };
                format!("Auth0 {} tier: {global}; {} endpoint buckets", tier.name(), buckets.len())
            }
        }
    }

    /// The buckets a request to `op` (catalog entry, when it has one; `name`
    /// is the name its per-operation bucket goes by) of `api` draws from:
    /// the tenant-wide one first.
    fn applicable(&self, api: Api, op: Option<&OpDesc>, name: &'static str) -> [Option<Applied>; 2] {
        match &self.plan {
            Plan::Off => [None, None],
            Plan::Simple { global, per_operation } => [
                Some(Applied { key: BucketKey::Api(api), name: api_name(api), limit: *global, global: true }),
                per_operation.map(|limit| Applied { key: BucketKey::Operation(name), name, limit, global: false }),
            ],
            Plan::Tier(tier) => {
                let global = tier.global(api).map(|(name, limit)| Applied {
                    key: BucketKey::Api(api),
                    name,
                    limit,
                    global: true,
                });
                let endpoint = if api == Api::Management {
                    op.and_then(|op| self.endpoint.get(op.name).copied())
                        .or_else(|| tier.others())
                        .map(|(name, limit)| Applied { key: BucketKey::Named(name), name, limit, global: false })
                } else {
                    None
                };
                [global, endpoint]
            }
        }
    }

    /// Takes one token from every bucket that applies to a request to `op`
    /// of `api`, at `now_ms` (the emulator's clock), or refuses when one of
    /// them is empty (taking nothing).
    pub fn check(&self, api: Api, op: Option<&OpDesc>, name: &'static str, now_ms: i64) -> Decision {
        let applied = self.applicable(api, op, name);
        if applied.iter().all(Option::is_none) {
            return Decision::Allowed(off(now_ms));
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut states: [Option<(Applied, Bucket)>; 2] = [None, None];
        for (slot, a) in states.iter_mut().zip(applied) {
            *slot = a.map(|a| {
                let mut b = *buckets.entry(a.key).or_insert(Bucket { tokens: a.limit.burst, updated_ms: now_ms });
                a.limit.refill(&mut b, now_ms);
                (a, b)
            });
        }
        let empty = states.iter().flatten().find(|(_, b)| b.tokens < 1.0 - EPSILON);
        let decision = match empty {
            Some((a, b)) => {
                let q = a.limit.quota(a.name, b, now_ms, true);
                if a.global { Decision::GlobalLimit(q) } else { Decision::EndpointLimit(q) }
            }
            None => {
                let mut tightest: Option<Quota> = None;
                for (a, b) in states.iter_mut().flatten() {
                    b.tokens -= 1.0;
                    let q = a.limit.quota(a.name, b, now_ms, false);
                    if tightest.is_none_or(|t| q.remaining < t.remaining) {
                        tightest = Some(q);
                    }
                }
                Decision::Allowed(tightest.unwrap_or_else(|| off(now_ms)))
            }
        };
        // A refusal changes nothing: refilling is a function of the time
        // alone, so only a request that took a token is written back.
        if matches!(decision, Decision::Allowed(_)) {
            for (a, b) in states.into_iter().flatten() {
                buckets.insert(a.key, b);
            }
        }
        decision
    }

    /// The buckets that would apply to a request to `op` of `api` (or, with
    /// no operation, to any request of `api`), without taking from them: the
    /// one with the fewest requests left.
    pub fn peek(&self, api: Api, op: Option<&OpDesc>, name: &'static str, now_ms: i64) -> Quota {
        let applied = self.applicable(api, op, name);
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let mut tightest: Option<Quota> = None;
        for a in applied.into_iter().flatten() {
            let mut b = buckets.get(&a.key).copied().unwrap_or(Bucket { tokens: a.limit.burst, updated_ms: now_ms });
            a.limit.refill(&mut b, now_ms);
            let q = a.limit.quota(a.name, &b, now_ms, false);
            if tightest.is_none_or(|t| q.remaining < t.remaining) {
                tightest = Some(q);
            }
        }
        tightest.unwrap_or_else(|| off(now_ms))
    }
}

fn api_name(api: Api) -> &'static str {
    match api {
        Api::Management => "Management API",
        Api::Teams => "Teams API",
        Api::Authentication => "Authentication API",
    }
}

/// What is reported when no bucket applies: a limit of zero (no limit).
fn off(now_ms: i64) -> Quota {
    Quota { bucket: "", limit: 0, remaining: 0, reset: (now_ms.max(0) / 1000) as u64, retry_after: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::catalog;

    fn op(verb: Verb, path: &str) -> &'static OpDesc {
        catalog::find(verb, path).expect("a catalog operation").0
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let rl = RateLimiter::new(20.0, 3, None);
        for left in [2, 1, 0] {
            match rl.check(Api::Management, None, "ListUsers", 100_000) {
                Decision::Allowed(q) => assert_eq!(q.remaining, left),
                other => panic!("{other:?}"),
            }
        }
        let refused = rl.check(Api::Management, None, "ListUsers", 100_000);
        assert!(matches!(refused, Decision::GlobalLimit(q) if q.retry_after == Some(1)));
        assert!(matches!(rl.check(Api::Management, None, "ListUsers", 100_049), Decision::GlobalLimit(_)));
        assert!(matches!(rl.check(Api::Management, None, "ListUsers", 100_050), Decision::Allowed(_)));
    }

    #[test]
    fn endpoint_bucket_binds_first_when_smaller() {
        let rl = RateLimiter::new(1.0, 10, Some((1.0, 2)));
        assert!(matches!(rl.check(Api::Management, None, "GetUser", 1), Decision::Allowed(q) if q.remaining == 1));
        assert!(matches!(rl.check(Api::Management, None, "GetUser", 1), Decision::Allowed(_)));
        assert!(matches!(rl.check(Api::Management, None, "GetUser", 1), Decision::EndpointLimit(_)));
        assert!(matches!(rl.check(Api::Management, None, "GetRole", 1), Decision::Allowed(_)));
    }

    #[test]
    fn disabled_never_refuses() {
        let rl = RateLimiter::new(0.0, 1, None);
        assert!(!rl.enabled());
        for _ in 0..100 {
            assert!(matches!(rl.check(Api::Teams, None, "ListTenants", 1), Decision::Allowed(q) if q.limit == 0));
        }
    }

    #[test]
    fn buckets_follow_the_group_and_access_of_the_operation() {
        let list = op(Verb::Get, "/api/v2/users");
        let by_email = op(Verb::Get, "/api/v2/users-by-email");
        let create = op(Verb::Post, "/api/v2/users");
        let delete = op(Verb::Delete, "/api/v2/users/x");
        let roles = op(Verb::Get, "/api/v2/roles");
        let ss = Tier::SelfService;
        assert_eq!(ss.endpoint_bucket(list).map(|b| b.0), Some("Read Users"));
        assert_eq!(ss.endpoint_bucket(by_email).map(|b| b.0), Some("Read Users"));
        assert_eq!(ss.endpoint_bucket(create).map(|b| b.0), Some("Write Users"));
        assert_eq!(ss.endpoint_bucket(delete).map(|b| b.0), Some("Write Users"));
        assert_eq!(ss.endpoint_bucket(roles), None, "roles have no bucket of their own");
        assert_eq!(Tier::Enterprise.endpoint_bucket(list), None);
        // A rule naming the operation beats its group's.
        let status = op(Verb::Get, "/api/v2/connections/c/status");
        assert_eq!(ss.endpoint_bucket(status).map(|b| b.0), Some("Read Status Connection"));
        assert_eq!(ss.endpoint_bucket(op(Verb::Get, "/api/v2/connections")).map(|b| b.0), Some("Read Connections"));
        assert_eq!(Tier::Enterprise.endpoint_bucket(op(Verb::Get, "/api/v2/connections")), None);
    }

    #[test]
    fn every_rule_covers_some_operation() {
        for r in RULES {
            let covered = CATALOG.iter().any(|op| {
                op.api == Api::Management
                    && Access::of(op.verb) == r.access
                    && match r.scope {
                        Scope::Operation(name) => op.name == name,
                        Scope::Group(g) => op.name.rsplit_once('.').is_some_and(|(group, _)| group == g),
                    }
            });
            assert!(covered, "rule {} ({:?} {:?}) covers no operation of the catalog", r.bucket, r.scope, r.access);
            assert!(r.free.or(r.self_service).or(r.enterprise).is_some(), "{} applies to no tier", r.bucket);
        }
        for tier in Tier::ALL {
            let mut sizes: HashMap<&str, Limit> = HashMap::new();
            for r in RULES {
                if let Some(l) = tier.column(r) {
                    let seen = *sizes.entry(r.bucket).or_insert(l);
                    assert_eq!(seen, l, "bucket {} has two sizes in {tier:?}", r.bucket);
                }
            }
        }
    }

    #[test]
    fn self_service_has_no_tenant_wide_management_bucket() {
        let rl = RateLimiter::tier(Tier::SelfService);
        let roles = op(Verb::Get, "/api/v2/roles");
        let users = op(Verb::Get, "/api/v2/users");
        for left in (0..10).rev() {
            let d = rl.check(Api::Management, Some(roles), "", 0);
            assert!(matches!(d, Decision::Allowed(q) if q.remaining == left && q.bucket == "All other endpoints"));
        }
        assert!(matches!(rl.check(Api::Management, Some(roles), "", 0), Decision::EndpointLimit(_)));
        assert!(matches!(rl.check(Api::Management, Some(users), "", 0), Decision::Allowed(q) if q.limit == 40));
        // 150 a minute: one token every 400 ms.
        assert!(matches!(rl.check(Api::Management, Some(roles), "", 399), Decision::EndpointLimit(_)));
        assert!(matches!(rl.check(Api::Management, Some(roles), "", 400), Decision::Allowed(_)));
    }

    #[test]
    fn a_refusal_takes_nothing_from_the_other_bucket() {
        let rl = RateLimiter::tier(Tier::Free);
        let templates = op(Verb::Get, "/api/v2/email-templates/welcome_email");
        assert!(matches!(rl.check(Api::Management, Some(templates), "", 0), Decision::Allowed(q) if q.remaining == 1));
        assert!(matches!(rl.check(Api::Management, Some(templates), "", 0), Decision::Allowed(q) if q.remaining == 0));
        assert!(matches!(rl.check(Api::Management, Some(templates), "", 0), Decision::GlobalLimit(_)));
        let q = rl.peek(Api::Management, Some(templates), "", 0);
        assert_eq!((q.bucket, q.remaining), ("Management API", 0));
        let after = rl.check(Api::Management, Some(templates), "", 1000);
        assert!(matches!(after, Decision::Allowed(q) if q.bucket == "Management API"));
        let fresh = rl.check(Api::Management, Some(templates), "", 60_000);
        assert!(matches!(fresh, Decision::Allowed(q) if q.limit == 2));
    }
}
