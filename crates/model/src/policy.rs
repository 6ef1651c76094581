//! The access policy's vocabulary, and the rules that keep it from being
//! widened through the tenant it guards.
//!
//! A principal (a signed-in admin or an API key) holds [`Grants`]: a
//! [`Level`] per [`Target`]. Targets are read from the catalog, never
//! listed by hand: every operation of both specs belongs to a **group**,
//! the first segment of its dotted name (`users`, `clientGrants`,
//! `logStreams`; Teams groups keep their prefix: `teams.tenants`), and may
//! be named on its own (`users.delete`). `*` covers every group, the
//! audit log, approvals and the BFF's API keys (`apiKeys`), but not `secrets`. The most specific entry wins: operation, then group, then
//! `*`. The friendlier names of earlier versions (`applications`, `apis`,
//! `grants`, `teams_tenants`, ...) are read as aliases ([`ALIASES`]).
//!
//! Admins get their grants from their roles through the [`Policy`].
//! Everything here is pure and shared: the BFF enforces it, the console
//! reads the same words from `/auth/me`.
//!
//! Because admins' access comes from roles held in the tenant, some calls
//! are changes of access: giving or taking a role the policy names, acting
//! on the account of someone who holds one, renaming or deleting such a
//! role, changing the code that runs at sign-in. [`AccessChange::of`] reads
//! that from the operation and its request, and [`check`] decides, from
//! facts the caller looked up, whether the principal may make it: never
//! beyond its own access, never on itself.

use crate::OPERATIONS;
use crate::catalog::{CATALOG, OpDesc};
use crate::operation::{Access, Api, OperationSpec, Verb};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How much of a target a principal may touch.
///
/// What a level allows is decided in one place, [`Level::permission`],
/// and its names are listed once, in [`Level::ALL`]. Levels are ordered
/// (`off` < `read` < `approve` < `full`): holding a higher one covers a
/// lower one, which is what the rules against escalation compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing.
    #[default]
    Off,
    /// Read-only operations.
    Read,
    /// Read-only operations, and every other operation once a human with
    /// the `approvals` permission has approved that one call.
    Approve,
    /// Every operation.
    Full,
}

/// May a principal run an operation: the answer of [`Level::permission`]
/// and [`Grants::permission_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Never.
    Denied,
    /// Only once a human has approved this call.
    AfterApproval,
    /// Yes, at once.
    Allowed,
}

impl Permission {
    /// Whether the call may run at all, at once or after an approval.
    pub fn may_run(self) -> bool {
        self != Self::Denied
    }
}

impl Level {
    /// Every level, from least to most.
    pub const ALL: &'static [Level] = &[Level::Off, Level::Read, Level::Approve, Level::Full];

    /// `off`, `read`, `approve` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Read => "read",
            Self::Approve => "approve",
            Self::Full => "full",
        }
    }

    /// Parses a level's name (any case; `none` is read as `off`, `write` as `full`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "none" => Some(Self::Off),
            "write" => Some(Self::Full),
            _ => Self::ALL.iter().copied().find(|l| l.as_str() == s),
        }
    }

    /// The least level an access needs to run at once (a write under
    /// `approve` runs too, but only once approved).
    pub fn needed_for(access: Access) -> Self {
        match access {
            Access::Read => Self::Read,
            Access::Write => Self::Full,
        }
    }

    /// Whether this level lets an operation of this access run: at once,
    /// after a human's approval, or never.
    pub fn permission(self, access: Access) -> Permission {
        match (self, access) {
            (Self::Off, _) | (Self::Read, Access::Write) => Permission::Denied,
            (Self::Read | Self::Approve | Self::Full, Access::Read) | (Self::Full, Access::Write) => {
                Permission::Allowed
            }
            (Self::Approve, Access::Write) => Permission::AfterApproval,
        }
    }

    /// Whether this level lets an operation of this access run at all
    /// (perhaps only after an approval: see [`Level::permission`]).
    pub fn permits(self, access: Access) -> bool {
        self.permission(access).may_run()
    }

    fn names() -> String {
        Self::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of the policy entry guarding the BFF's own audit log.
pub const AUDIT: &str = "audit";

/// The name of the policy entry that lets answers carry secrets (at `full`).
pub const SECRETS: &str = "secrets";

/// The name of the policy entry guarding approval requests: `read` sees
/// them, `full` decides them.
pub const APPROVALS: &str = "approvals";
/// The name of the policy entry guarding the BFF's own API keys (agents,
/// scripts): `read` lists them, `full` creates, changes and revokes them.
/// Not `keys`, which is the catalog's group of the tenant's signing and
/// encryption keys.
pub const API_KEYS: &str = "apiKeys";

/// The name of the policy entry covering everything.
pub const ALL: &str = "*";

/// The operation whose access the BFF's live feed of the tenant's log
/// events (`/events`, the MCP events tool) is read under: whoever may list
/// the tenant's logs may follow them as they happen, no one else.
pub const EVENT_FEED: &str = "logs.list";

/// The operation whose access (at once, not after an approval) sets up the
/// tenant's log stream to the BFF.
pub const EVENT_FEED_SETUP: &str = "logStreams.create";

/// Earlier names of groups, still read in configurations and keys: each
/// stands for the groups it lists. Written out as the canonical names.
pub const ALIASES: &[(&str, &[&str])] = &[
    ("applications", &["clients"]),
    ("apis", &["resourceServers"]),
    ("grants", &["userGrants"]),
    ("teams_tenants", &["teams.tenants", "teams.environments"]),
    ("teams_members", &["teams.members"]),
    ("teams_activity", &["teams.activity"]),
];

/// The policy group of a catalog operation's dotted name: its first
/// segment, or its first two for the Teams API (`teams.tenants`).
pub fn group_of(name: &str) -> &str {
    let mut ends = name.match_indices('.').map(|(i, _)| i);
    let first = ends.next().unwrap_or(name.len());
    if &name[..first] == "teams" {
        return &name[..ends.next().unwrap_or(name.len())];
    }
    &name[..first]
}

/// Every group of the catalog, in catalog order (both APIs).
pub fn groups() -> Vec<&'static str> {
    let mut seen = BTreeSet::new();
    CATALOG.iter().map(|op| group_of(op.name)).filter(|g| seen.insert(*g)).collect()
}

/// Whether an operation only reads (`GET`) or also changes the tenant.
pub fn access_of(op: &OpDesc) -> Access {
    if op.verb == Verb::Get { Access::Read } else { Access::Write }
}

/// Something the policy can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Everything (`*`): every group, the audit log and approvals.
    All,
    /// A group of operations, such as `users` or `teams.tenants`.
    Group(&'static str),
    /// One operation by its dotted name, such as `users.delete`.
    Operation(&'static str),
    /// The BFF's audit log.
    Audit,
    /// Requests waiting for a human's approval: `read` sees them, `full`
    /// decides them.
    Approvals,
    /// The BFF's API keys ([`API_KEYS`]).
    ApiKeys,
    /// Secrets in the tenant's answers (client secrets, log stream
    /// credentials, ...): at `full`, answers carry them; otherwise the BFF
    /// removes them. Never covered by `*`: it is granted by name only.
    Secrets,
}

impl Target {
    /// The policy name: `*`, `users`, `users.delete`, `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => ALL,
            Self::Group(g) | Self::Operation(g) => g,
            Self::Audit => AUDIT,
            Self::Approvals => APPROVALS,
            Self::ApiKeys => API_KEYS,
            Self::Secrets => SECRETS,
        }
    }

    /// The operation's own entry.
    pub fn of(op: &'static OpDesc) -> Self {
        Self::Operation(op.name)
    }

    /// The BFF's own targets (no operation of the tenant's), in the order
    /// `/auth/me` lists them after the groups.
    pub const OWN: [Target; 4] = [Target::Audit, Target::Approvals, Target::ApiKeys, Target::Secrets];

    /// Every group, then the BFF's own targets: what `/auth/me` lists.
    pub fn all() -> impl Iterator<Item = Target> {
        groups().into_iter().map(Target::Group).chain(Self::OWN)
    }

    /// Parses a policy name that stands for one target: `*`, `audit`, an
    /// operation's dotted name, a group, or an alias of exactly one group.
    pub fn parse(name: &str) -> Option<Self> {
        match Self::parse_all(name)?.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Parses a policy name into the targets it stands for (an alias may
    /// stand for several groups).
    pub fn parse_all(name: &str) -> Option<Vec<Self>> {
        let name = name.trim();
        if name == ALL {
            return Some(vec![Self::All]);
        }
        if name == AUDIT {
            return Some(vec![Self::Audit]);
        }
        if name == SECRETS {
            return Some(vec![Self::Secrets]);
        }
        if name == APPROVALS {
            return Some(vec![Self::Approvals]);
        }
        if name == API_KEYS {
            return Some(vec![Self::ApiKeys]);
        }
        if let Some(op) = CATALOG.iter().find(|op| op.name == name) {
            return Some(vec![Self::Operation(op.name)]);
        }
        if let Some(op) = CATALOG.iter().find(|op| group_of(op.name) == name) {
            return Some(vec![Self::Group(group_of(op.name))]);
        }
        let (_, groups) = ALIASES.iter().find(|(alias, _)| *alias == name)?;
        groups.iter().map(|g| Self::parse(g)).collect()
    }
}

/// Access levels for one principal: levels by [`Target`], the most
/// specific entry winning. What nothing names is `off`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    levels: BTreeMap<Target, Level>,
}

impl Grants {
    /// No access at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// The same level on everything (`*`), the audit log included.
    pub fn all(level: Level) -> Self {
        Self::none().with(Target::All, level)
    }

    /// Sets one entry.
    pub fn with(mut self, target: Target, level: Level) -> Self {
        self.set(target, level);
        self
    }

    /// Sets one entry. An `off` entry is kept: it overrides a wider one.
    pub fn set(&mut self, target: Target, level: Level) {
        self.levels.insert(target, level);
    }

    /// The level that holds on a target: its own entry, else its group's
    /// (for an operation), else `*`, else `off`.
    pub fn level(&self, target: Target) -> Level {
        self.deciding(target).map_or(Level::Off, |(_, l)| l)
    }

    /// The entry that decides a target's level, if any.
    fn deciding(&self, target: Target) -> Option<(Target, Level)> {
        let chain = match target {
            Target::Operation(name) => [Some(target), Some(Target::Group(group_of(name))), Some(Target::All)],
            Target::Group(_) | Target::Audit | Target::Approvals | Target::ApiKeys => {
                [Some(target), Some(Target::All), None]
            }
            Target::All | Target::Secrets => [Some(target), None, None],
        };
        chain.into_iter().flatten().find_map(|t| self.levels.get(&t).map(|l| (t, *l)))
    }

    /// The level on a catalog operation.
    pub fn level_on(&self, op: &'static OpDesc) -> Level {
        self.level(Target::of(op))
    }

    /// May these grants run a catalog operation: at once, only after a
    /// human approves the call, or never. The one question the proxy, the
    /// MCP tool list and the scopes ask.
    pub fn permission_on(&self, op: &'static OpDesc) -> Permission {
        self.level_on(op).permission(access_of(op))
    }

    /// Whether these grants let a catalog operation run at all (perhaps
    /// only after an approval: ask [`Grants::permission_on`] which).
    pub fn allows_op(&self, op: &'static OpDesc) -> bool {
        self.permission_on(op).may_run()
    }

    /// Whether these grants allow some operation that reaches the tenant's
    /// users ([`crate::scope::reaches_users`]).
    pub fn reaches_users(&self) -> bool {
        CATALOG.iter().any(|op| crate::scope::reaches_users(op) && self.allows_op(op))
    }

    /// Whether these grants allow an operation of the table (never the token endpoint).
    pub fn allows(&self, spec: &OperationSpec) -> bool {
        spec.catalog().is_some_and(|op| self.allows_op(op))
    }

    /// What is missing for a catalog operation, as `users.delete:full`; `None` when allowed.
    pub fn missing_for_op(&self, op: &'static OpDesc) -> Option<String> {
        (!self.allows_op(op)).then(|| format!("{}:{}", op.name, Level::needed_for(access_of(op))))
    }

    /// What is missing for an operation of the table; `None` when allowed.
    pub fn missing_for(&self, spec: &OperationSpec) -> Option<String> {
        match spec.catalog() {
            Some(op) => self.missing_for_op(op),
            None => Some(format!("{}:never", spec.id.name())),
        }
    }

    /// The higher level on every target: what a principal holding several roles gets.
    pub fn union(&self, other: &Grants) -> Grants {
        let keys: BTreeSet<Target> = self.levels.keys().chain(other.levels.keys()).copied().collect();
        Grants { levels: keys.into_iter().map(|t| (t, self.level(t).max(other.level(t)))).collect() }
    }

    /// Whether these grants hold everything `other` grants, on every
    /// operation of the catalog and on the BFF's own targets (holding
    /// `approve` does not cover `full`).
    pub fn covers(&self, other: &Grants) -> bool {
        CATALOG.iter().all(|op| self.level_on(op) >= other.level_on(op))
            && Target::OWN.into_iter().all(|t| self.level(t) >= other.level(t))
    }

    /// What `other` grants beyond these grants: each of `other`'s entries
    /// under which something is lacking, as `applications:full` or `*:read`.
    pub fn lacking(&self, other: &Grants) -> Vec<String> {
        let mut short: BTreeSet<Target> = BTreeSet::new();
        for op in CATALOG.iter().copied() {
            let t = Target::of(op);
            if let Some((entry, level)) = other.deciding(t)
                && self.level(t) < level
            {
                short.insert(entry);
            }
        }
        for t in Target::OWN {
            if let Some((entry, level)) = other.deciding(t)
                && self.level(t) < level
            {
                short.insert(entry);
            }
        }
        short.into_iter().map(|t| format!("{}:{}", t.as_str(), other.levels[&t])).collect()
    }

    /// Every group and the BFF's own targets with the level that holds on it
    /// (operation entries aside), `off` included: what the console gates
    /// its pages with.
    pub fn permissions(&self) -> BTreeMap<&'static str, Level> {
        Target::all().map(|t| (t.as_str(), self.level(t))).collect()
    }

    /// The entries as set, by name: `*`, groups, operations, `audit`, `apiKeys`.
    pub fn entries(&self) -> impl Iterator<Item = (Target, Level)> + '_ {
        self.levels.iter().map(|(t, l)| (*t, *l))
    }

    /// Sets the entry (or entries, for an alias) a policy name stands for.
    pub fn set_name(&mut self, name: &str, level: Level) -> Result<(), String> {
        for t in Target::parse_all(name).ok_or_else(|| unknown_target(name))? {
            self.set(t, level);
        }
        Ok(())
    }

    /// Parses `users=read,users.delete=off,logs=full` (or `*=read`).
    /// Unknown names and levels are errors; the order does not matter (the
    /// most specific entry wins).
    pub fn parse_list(spec: &str) -> Result<Self, String> {
        let mut grants = Grants::none();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, level) = part.split_once('=').ok_or_else(|| format!("`{part}` is not name=level"))?;
            let level = Level::parse(level)
                .ok_or_else(|| format!("`{}` is not a level (one of {})", level.trim(), Level::names()))?;
            grants.set_name(name, level)?;
        }
        Ok(grants)
    }

    /// `users=read,logs=full`, the form [`Grants::parse_list`] reads.
    pub fn to_list(&self) -> String {
        self.levels.iter().map(|(t, l)| format!("{}={l}", t.as_str())).collect::<Vec<_>>().join(",")
    }
}

fn unknown_target(name: &str) -> String {
    let aliases: Vec<&str> = ALIASES.iter().map(|(a, _)| *a).collect();
    format!(
        "`{}` is not a policy name: use `*`, `audit`, `approvals`, `apiKeys`, `secrets`, an operation's dotted name (`users.delete`) or a group (one of {}; \
         earlier names {} are accepted too)",
        name.trim(),
        groups().join(", "),
        aliases.join(", ")
    )
}

impl Serialize for Grants {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, Level> = self.levels.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        map.serialize(s)
    }
}

/// One value of an access map as written: a level, or (TOML's dotted keys,
/// `users.delete = "off"` without quotes) a table of further names.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Level(String),
    Nested(BTreeMap<String, Written>),
}

impl Written {
    fn apply(&self, name: &str, grants: &mut Grants) -> Result<(), String> {
        match self {
            Written::Level(level) => {
                let level = Level::parse(level)
                    .ok_or_else(|| format!("`{level}` for `{name}` is not a level (one of {})", Level::names()))?;
                grants.set_name(name, level)
            }
            Written::Nested(map) => map.iter().try_for_each(|(k, v)| v.apply(&format!("{name}.{k}"), grants)),
        }
    }
}

impl<'de> Deserialize<'de> for Grants {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Written>::deserialize(d)?;
        let mut grants = Grants::none();
        for (name, written) in &map {
            written.apply(name, &mut grants).map_err(serde::de::Error::custom)?;
        }
        Ok(grants)
    }
}

/// The policy for signed-in admins: grants per role of the id token's roles claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Grants per role name.
    #[serde(default)]
    pub roles: BTreeMap<String, Grants>,
    /// Where a deployment that maps roles from `app_metadata` (through an
    /// Action that copies them into the roles claim) keeps them: a dotted
    /// path inside `app_metadata`, such as `gatehouse.roles`. A change at
    /// that path is then a change of Gatehouse access, guarded like a role
    /// assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_metadata_roles: Option<String>,
    /// The user scope of each role that has one (`[policy.user_scopes]
    /// support = { organization = "org_1" }`): whoever holds the role may
    /// act only on the users it admits. How several roles combine:
    /// [`Policy::user_scopes_for`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_scopes: BTreeMap<String, crate::scope::UserScope>,
}

impl Policy {
    /// The demo tenant's policy: `gatehouse-admin` full on everything,
    /// `gatehouse-viewer` read on everything, `gatehouse-support` full on
    /// users only, and `gatehouse-owner` full on everything with the secrets
    /// in answers (the one demo role that may reveal client secrets).
    /// Through `*`, the admin and the owner manage API keys (`apiKeys`), the
    /// viewer lists them and support does neither.
    pub fn demo() -> Self {
        let mut roles = BTreeMap::new();
        roles.insert("gatehouse-admin".to_owned(), Grants::all(Level::Full));
        roles.insert("gatehouse-owner".to_owned(), Grants::all(Level::Full).with(Target::Secrets, Level::Full));
        roles.insert("gatehouse-viewer".to_owned(), Grants::all(Level::Read));
        roles.insert("gatehouse-support".to_owned(), Grants::none().with(Target::Group("users"), Level::Full));
        Self { roles, app_metadata_roles: None, user_scopes: BTreeMap::new() }
    }

    /// The user scopes a holder of `roles` is held to; `None` when it is
    /// not held to any.
    ///
    /// Only roles whose grants reach users ([`Grants::reaches_users`])
    /// count: a holder is unscoped when one of those has no scope (it was
    /// given all users through that role), and otherwise may act on the
    /// users any of their scopes admits. Roles that give no access to users
    /// neither lift nor add a scope.
    pub fn user_scopes_for<S: AsRef<str>>(&self, roles: &[S]) -> Option<crate::scope::UserScopes> {
        if self.user_scopes.is_empty() || !roles.iter().any(|r| self.user_scopes.contains_key(r.as_ref())) {
            return None;
        }
        let mut scopes = Vec::new();
        for role in roles.iter().map(AsRef::as_ref) {
            let Some(grants) = self.roles.get(role) else { continue };
            if !grants.reaches_users() {
                continue;
            }
            scopes.push(self.user_scopes.get(role)?.clone());
        }
        crate::scope::UserScopes::any_of(scopes)
    }

    /// Checks that every scoped role is a role of the policy.
    pub fn check_scopes(&self) -> Result<(), String> {
        match self.user_scopes.keys().find(|r| !self.roles.contains_key(*r)) {
            Some(r) => Err(format!("policy.user_scopes.{r}: there is no role `{r}` in policy.roles")),
            None => Ok(()),
        }
    }

    /// What a principal holding these roles may do: the union of its roles' grants.
    pub fn grants_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Grants {
        roles.iter().filter_map(|r| self.roles.get(r.as_ref())).fold(Grants::none(), |acc, g| acc.union(g))
    }

    /// The grants of a role the policy names; `None` for an ordinary Auth0 role.
    pub fn role(&self, name: &str) -> Option<&Grants> {
        self.roles.get(name)
    }

    /// Each role the policy names, with whether `holder` may give or take
    /// it (it holds everything the role grants) and what it lacks for that.
    pub fn roles_for(&self, holder: &Grants) -> Vec<PolicyRole> {
        self.roles
            .iter()
            .map(|(name, grants)| {
                let missing = holder.lacking(grants);
                PolicyRole { name: name.clone(), grants: grants.clone(), assignable: missing.is_empty(), missing }
            })
            .collect()
    }

    /// The first role among `roles` that grants something `holder` lacks,
    /// with what it lacks: why `holder` may not act on whoever holds `roles`.
    pub fn beyond<S: AsRef<str>>(&self, holder: &Grants, roles: &[S]) -> Option<(String, Vec<String>)> {
        roles.iter().find_map(|r| {
            let grants = self.roles.get(r.as_ref())?;
            let missing = holder.lacking(grants);
            (!missing.is_empty()).then(|| (r.as_ref().to_owned(), missing))
        })
    }
}

/// A role the policy names, as `/auth/me` describes it to the caller.
///
/// Read leniently (the console reads it): a field that is missing reads as
/// nothing granted, not assignable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRole {
    /// The role's name in the tenant.
    pub name: String,
    /// What it grants.
    #[serde(default)]
    pub grants: Grants,
    /// Whether the caller may give it, take it, or act on those who hold it.
    #[serde(default)]
    pub assignable: bool,
    /// What the caller lacks for that, such as `applications:full`.
    #[serde(default)]
    pub missing: Vec<String>,
}

/// The scopes a token needs to call a catalog operation: the table row's
/// (with the scopes its body fields add) where the operation has one, else
/// the spec's, without the `*:current_user*` alternatives meant for
/// user-bound tokens.
pub fn scopes_of(op: &'static OpDesc) -> Vec<&'static str> {
    if let Some(spec) = OPERATIONS.iter().find(|s| s.catalog().is_some_and(|c| c.name == op.name)) {
        return spec.scopes.iter().copied().chain(spec.body_scopes.iter().map(|(_, s)| *s)).collect();
    }
    op.scopes.iter().copied().filter(|s| !s.contains("current_user")).collect()
}

/// Whether only a token issued to a user for themselves can call the
/// operation: every scope the spec lists for it is a `*:current_user*` one,
/// which no machine-to-machine token holds (registering a device credential
/// is such a call).
pub fn needs_user_token(op: &'static OpDesc) -> bool {
    !op.scopes.is_empty() && op.scopes.iter().all(|s| s.contains("current_user"))
}

/// Every scope a deployment's principals may use, given all their grants:
/// the scopes of the catalog operations some principal may call
/// ([`scopes_of`]), plus `read:client_keys` for principals that may reveal
/// application secrets, and `read:users`, `read:roles` and `read:client_grants`
/// when some principal may change access or touch applications (the BFF
/// looks those up to check such calls).
pub fn scopes_needed<'a>(all_grants: impl IntoIterator<Item = &'a Grants>) -> BTreeSet<&'static str> {
    let all: Vec<&Grants> = all_grants.into_iter().collect();
    let allowed = || CATALOG.iter().copied().filter(|op| all.iter().any(|g| g.allows_op(op)));
    let mut scopes: BTreeSet<&'static str> = allowed().flat_map(scopes_of).collect();
    if allowed().any(may_change_access) {
        scopes.extend(["read:users", "read:roles"]);
    }
    // Application secrets, for principals that may read applications and reveal secrets.
    if all.iter().any(|g| {
        g.level(Target::Secrets) == Level::Full
            && CATALOG.iter().any(|op| group_of(op.name) == "clients" && op.verb == Verb::Get && g.allows_op(op))
    }) {
        scopes.insert("read:client_keys");
    }
    if allowed()
        .any(|op| op.api == Api::Management && group_of(op.name) == "clientGrants" && access_of(op) == Access::Write)
    {
        scopes.insert("read:client_grants");
    }
    scopes
}

/// Groups whose writes change code or flows that run when someone signs in
/// (Actions and their triggers, Rules and their settings, Hooks, Forms and
/// Flows): such code can put any role into anyone's token, so changing it
/// is a change of everyone's access.
pub const SIGN_IN_CODE: &[&str] = &["actions", "rules", "rulesConfigs", "hooks", "flows", "forms"];

/// Whether calls of an operation can change who holds which access (and so
/// are checked with [`check`]).
pub fn may_change_access(op: &OpDesc) -> bool {
    op.api == Api::Management
        && access_of(op) == Access::Write
        && (user_param(op).is_some()
            || op.path == ROLES
            || op.path == ROLE
            || op.path.starts_with("/api/v2/roles/{id}/")
            || op.path.ends_with("/roles")
            || op.path == ORG_MEMBERS && op.verb == Verb::Delete
            || SIGN_IN_CODE.contains(&group_of(op.name)))
}

const USERS: &str = "/api/v2/users";
const USER: &str = "/api/v2/users/{id}";
const ROLES: &str = "/api/v2/roles";
const ROLE: &str = "/api/v2/roles/{id}";
const ROLE_USERS: &str = "/api/v2/roles/{id}/users";
const ROLE_GROUPS: &str = "/api/v2/roles/{id}/groups";
const ORG_MEMBERS: &str = "/api/v2/organizations/{id}/members";

/// The path parameter naming the user an operation acts on: `id` under
/// `/api/v2/users/{id}` (or `{user_id}`), `user_id` under an organization's `members/{user_id}`.
fn user_param(op: &OpDesc) -> Option<&'static str> {
    let path: &'static str = op.path;
    if let Some(rest) = path.strip_prefix("/api/v2/users/{") {
        rest.split('}').next()
    } else if op.path.starts_with("/api/v2/organizations/{id}/members/{user_id}") {
        Some("user_id")
    } else {
        None
    }
}

/// What a call does to who holds which access, read from the operation and
/// its request alone (ids as sent; names are looked up by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessChange {
    /// Existing users whose accounts the call acts on, by user id.
    pub users: Vec<String>,
    /// Role ids given to those users (or to a group of users).
    pub roles_given: Vec<String>,
    /// Role ids taken from those users (or from a group of users).
    pub roles_taken: Vec<String>,
    /// The role (by id) the call deletes or renames: its holders lose it.
    pub role_redefined: Option<String>,
    /// The name the call creates a role with or renames it to.
    pub role_name: Option<String>,
    /// The new value of the configured `app_metadata` roles path, when the
    /// body sets it (an empty list when it clears it).
    pub metadata_roles: Option<Vec<String>>,
    /// The body sets `blocked: true`.
    pub blocks: bool,
    /// The call deletes the user.
    pub deletes_user: bool,
    /// The call creates a user.
    pub creates_user: bool,
    /// The call changes code that runs at sign-in ([`SIGN_IN_CODE`]): the
    /// operation's dotted name.
    pub sign_in_code: Option<&'static str>,
}

impl AccessChange {
    /// Reads the change a call of an operation of the table makes
    /// ([`AccessChange::of_op`] with its catalog entry).
    pub fn of(spec: &OperationSpec, params: &[String], body: Option<&Value>, metadata_path: Option<&str>) -> Self {
        match spec.catalog() {
            Some(op) => Self::of_op(op, params, body, metadata_path),
            None => Self::default(),
        }
    }

    /// Reads the change a call makes. `params` are the decoded path
    /// parameters in template order; `metadata_path` is the policy's
    /// [`Policy::app_metadata_roles`].
    pub fn of_op(op: &'static OpDesc, params: &[String], body: Option<&Value>, metadata_path: Option<&str>) -> Self {
        let mut change = Self::default();
        let creates_user = op.path == USERS && op.verb == Verb::Post;
        if !may_change_access(op) && !creates_user {
            return change;
        }
        if SIGN_IN_CODE.contains(&group_of(op.name)) {
            change.sign_in_code = Some(op.name);
        }
        let param = |name: &str| op.path_params().zip(params).find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let body_obj = body.and_then(Value::as_object);
        let strings = |field: &str| -> Vec<String> {
            match body_obj.and_then(|b| b.get(field)) {
                Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        if let Some(name) = user_param(op).and_then(param) {
            change.users.push(name);
        }
        // Role lists under anything that holds roles: a user, an
        // organization member, a group (`/users/{id}/roles`,
        // `.../members/{user_id}/roles`, `/groups/{id}/roles`).
        if op.path.ends_with("/roles") && op.path != ROLES {
            match op.verb {
                Verb::Post | Verb::Put | Verb::Patch => change.roles_given = strings("roles"),
                Verb::Delete => change.roles_taken = strings("roles"),
                Verb::Get => {}
            }
        }
        match (op.path, op.verb) {
            (ROLE_USERS, _) => {
                change.users = strings("users");
                change.roles_given = param("id").into_iter().collect();
            }
            (ROLE_GROUPS, Verb::Delete) => change.roles_taken = param("id").into_iter().collect(),
            (ROLE_GROUPS, _) => change.roles_given = param("id").into_iter().collect(),
            (ORG_MEMBERS, Verb::Delete) => change.users = strings("members"),
            (ROLE, Verb::Delete) => change.role_redefined = param("id"),
            (ROLE, _) => {
                change.role_name = body_obj.and_then(|b| b.get("name")).and_then(Value::as_str).map(str::to_owned);
                change.role_redefined = change.role_name.as_ref().and(param("id"));
            }
            (ROLES, Verb::Post) => {
                change.role_name = body_obj.and_then(|b| b.get("name")).and_then(Value::as_str).map(str::to_owned);
            }
            (USER, Verb::Delete) => change.deletes_user = true,
            (USERS, Verb::Post) => change.creates_user = true,
            _ => {}
        }
        // Bodies that name the user they act on (tickets, verification jobs, enrollments).
        if let Some(user) = body_obj.and_then(|b| b.get("user_id")).and_then(Value::as_str)
            && !change.users.iter().any(|u| u == user)
        {
            change.users.push(user.to_owned());
        }
        if op.path == USER || op.path == USERS {
            change.blocks = body_obj.and_then(|b| b.get("blocked")) == Some(&Value::Bool(true));
            if let (Some(path), Some(b)) = (metadata_path, body_obj) {
                change.metadata_roles = metadata_roles_set(b.get("app_metadata"), path);
            }
        }
        change
    }

    /// Whether the call gives or takes any role (by id or through `app_metadata`).
    pub fn touches_roles(&self) -> bool {
        !self.roles_given.is_empty() || !self.roles_taken.is_empty() || self.metadata_roles.is_some()
    }

    /// Whether there is anything to check.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// What the call does to a user, as a verb for refusals: `delete`, `block`, ...
    fn user_verb(&self) -> &'static str {
        if self.deletes_user {
            "delete"
        } else if self.blocks {
            "block"
        } else if self.touches_roles() {
            "change the roles of"
        } else {
            "change"
        }
    }
}

/// The roles a body sets at `path` inside `app_metadata`, if it sets them.
///
/// Auth0 merges `app_metadata` one level deep: a top-level key the body
/// names replaces the stored one. So the path is set whenever the body
/// names its first key (a value missing further down clears it), and
/// `app_metadata: null` clears everything.
pub fn metadata_roles_set(app_metadata: Option<&Value>, path: &str) -> Option<Vec<String>> {
    let mut keys = path.split('.').filter(|k| !k.is_empty());
    let first = keys.next()?;
    let mut value = match app_metadata? {
        Value::Null => return Some(Vec::new()),
        Value::Object(map) => map.get(first)?,
        _ => return None,
    };
    for key in keys {
        match value.get(key) {
            Some(v) => value = v,
            None => return Some(Vec::new()),
        }
    }
    Some(role_names_in(value))
}

/// The role names a stored `app_metadata` holds at `path`.
pub fn metadata_roles_held(app_metadata: Option<&Value>, path: &str) -> Vec<String> {
    let mut value = match app_metadata {
        Some(v) => v,
        None => return Vec::new(),
    };
    for key in path.split('.').filter(|k| !k.is_empty()) {
        match value.get(key) {
            Some(v) => value = v,
            None => return Vec::new(),
        }
    }
    role_names_in(value)
}

fn role_names_in(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Who is asking, as [`check`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// Its name in messages: an email or an API key's name.
    pub name: &'a str,
    /// The tenant user it is, for signed-in admins.
    pub user_id: Option<&'a str>,
    /// What it may do.
    pub grants: &'a Grants,
}

/// What the caller looked up in the tenant so that [`check`] can decide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Role names by role id, for the roles the change gives, takes or redefines.
    /// A role that does not exist is absent: the tenant will refuse the call.
    pub role_names: BTreeMap<String, String>,
    /// The users the change acts on, by user id. A user that does not exist
    /// is absent: the tenant will refuse the call.
    pub users: BTreeMap<String, UserFacts>,
}

/// A user a change acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFacts {
    /// How to name it: its email when it has one.
    pub email: Option<String>,
    /// The names of the roles it holds (its tenant roles and, where the
    /// policy maps them, its `app_metadata` roles).
    pub roles: Vec<String>,
    /// The roles its `app_metadata` holds at the policy's path.
    pub metadata_roles: Vec<String>,
}

impl UserFacts {
    fn label(&self, id: &str) -> String {
        match &self.email {
            Some(email) => format!("{email} ({id})"),
            None => id.to_owned(),
        }
    }
}

/// Something a principal may not do to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfAction {
    /// Give or take its own roles.
    ChangeRoles,
    /// Block itself.
    Block,
    /// Delete itself.
    Delete,
}

impl SelfAction {
    fn words(self) -> &'static str {
        match self {
            Self::ChangeRoles => "change its own roles",
            Self::Block => "block itself",
            Self::Delete => "delete itself",
        }
    }
}

/// What is done to a role the policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleAction {
    /// Given to users.
    Assign,
    /// Taken from users.
    Remove,
    /// Deleted: every holder loses it.
    Delete,
    /// Renamed away from its name: every holder loses it.
    Rename,
    /// Another role renamed to its name: every holder of that role gains it.
    RenameTo,
    /// Created under a name the policy grants access to.
    Create,
}

impl RoleAction {
    fn with(self, role: &str) -> String {
        match self {
            Self::Assign => format!("assign role {role}"),
            Self::Remove => format!("remove role {role}"),
            Self::Delete => format!("delete role {role}"),
            Self::Rename => format!("rename role {role}"),
            Self::RenameTo => format!("rename a role to {role}"),
            Self::Create => format!("create role {role}"),
        }
    }
}

/// Why a change of access is refused. Its `Display` is the sentence the
/// BFF answers with and the audit log records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A principal acting on itself.
    #[error("{who} may not {}", action.words())]
    OnItself {
        /// The principal.
        who: String,
        /// What it tried.
        action: SelfAction,
    },
    /// A role that grants more than the principal holds.
    #[error("{who} may not {}: it grants {}, which {who} lacks", action.with(role), missing.join(", "))]
    Role {
        /// The principal.
        who: String,
        /// What it tried to do with the role.
        action: RoleAction,
        /// The role's name.
        role: String,
        /// What the role grants beyond the principal's access, as `applications:full`.
        missing: Vec<String>,
    },
    /// A user whose access goes beyond the principal's.
    #[error(
        "{who} may not {verb} user {user}: they hold role {role}, which grants {}, which {who} lacks",
        missing.join(", ")
    )]
    User {
        /// The principal.
        who: String,
        /// What it tried, as a verb: `block`, `delete`, `change`, ...
        verb: &'static str,
        /// The user: email and id.
        user: String,
        /// A role the user holds beyond the principal's access.
        role: String,
        /// What that role grants beyond the principal's access.
        missing: Vec<String>,
    },
    /// Code that runs at sign-in, which can give anyone any role.
    #[error(
        "{who} may not change code that runs at sign-in ({operation}): it can give any role, and role {role} grants {}, which {who} lacks",
        missing.join(", ")
    )]
    SignInCode {
        /// The principal.
        who: String,
        /// The operation's dotted name.
        operation: &'static str,
        /// A role the policy names beyond the principal's access.
        role: String,
        /// What that role grants beyond the principal's access.
        missing: Vec<String>,
    },
}

impl Refusal {
    /// What the principal lacks, such as `applications:full` (empty for acts on itself).
    pub fn missing(&self) -> &[String] {
        match self {
            Self::OnItself { .. } => &[],
            Self::Role { missing, .. } | Self::User { missing, .. } | Self::SignInCode { missing, .. } => missing,
        }
    }
}

/// Decides whether `caller` may make `change`, given what was looked up.
///
/// The rules: no principal changes its own roles, blocks or deletes itself;
/// a role the policy names is given, taken, created, renamed or deleted only
/// by a principal that holds everything it grants; and a user is acted on
/// only by a principal that holds everything that user's roles grant.
/// Roles the policy does not name are ordinary and pass.
pub fn check(policy: &Policy, caller: Caller<'_>, change: &AccessChange, facts: &Facts) -> Result<(), Refusal> {
    let who = caller.name.to_owned();
    if caller.user_id.is_some_and(|me| change.users.iter().any(|u| u == me)) {
        let action = if change.deletes_user {
            Some(SelfAction::Delete)
        } else if change.touches_roles() {
            Some(SelfAction::ChangeRoles)
        } else if change.blocks {
            Some(SelfAction::Block)
        } else {
            None
        };
        if let Some(action) = action {
            return Err(Refusal::OnItself { who, action });
        }
    }
    if let Some(operation) = change.sign_in_code {
        let every: Vec<&String> = policy.roles.keys().collect();
        if let Some((role, missing)) = policy.beyond(caller.grants, &every) {
            return Err(Refusal::SignInCode { who, operation, role, missing });
        }
    }
    let role_check = |action: RoleAction, name: &str| -> Result<(), Refusal> {
        match policy.role(name) {
            Some(grants) if !caller.grants.covers(grants) => Err(Refusal::Role {
                who: who.clone(),
                action,
                role: name.to_owned(),
                missing: caller.grants.lacking(grants),
            }),
            _ => Ok(()),
        }
    };
    let named = |id: &String| facts.role_names.get(id);
    for name in change.roles_given.iter().filter_map(named) {
        role_check(RoleAction::Assign, name)?;
    }
    for name in change.roles_taken.iter().filter_map(named) {
        role_check(RoleAction::Remove, name)?;
    }
    let old_name = change.role_redefined.as_ref().and_then(named);
    if let Some(old) = old_name.filter(|old| change.role_name.as_ref() != Some(*old)) {
        role_check(if change.role_name.is_some() { RoleAction::Rename } else { RoleAction::Delete }, old)?;
    }
    if let Some(new) = change.role_name.as_ref().filter(|new| old_name != Some(*new)) {
        role_check(if change.role_redefined.is_some() { RoleAction::RenameTo } else { RoleAction::Create }, new)?;
    }
    if let Some(new) = &change.metadata_roles {
        let before: &[String] = match change.users.first().and_then(|u| facts.users.get(u)) {
            Some(user) => &user.metadata_roles,
            None => &[],
        };
        for name in new.iter().filter(|n| !before.contains(n)) {
            role_check(RoleAction::Assign, name)?;
        }
        for name in before.iter().filter(|n| !new.contains(n)) {
            role_check(RoleAction::Remove, name)?;
        }
    }
    for id in &change.users {
        let Some(user) = facts.users.get(id) else { continue };
        if let Some((role, missing)) = policy.beyond(caller.grants, &user.roles) {
            return Err(Refusal::User { who, verb: change.user_verb(), user: user.label(id), role, missing });
        }
    }
    Ok(())
}

impl fmt::Display for PolicyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.grants.to_list())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OperationId;
    use serde_json::json;

    fn support() -> Grants {
        Policy::demo().roles["gatehouse-support"].clone()
    }

    fn facts(roles: &[(&str, &str)], users: &[(&str, &str, &[&str])]) -> Facts {
        Facts {
            role_names: roles.iter().map(|(id, n)| ((*id).to_owned(), (*n).to_owned())).collect(),
            users: users
                .iter()
                .map(|(id, email, roles)| {
                    let roles = roles.iter().map(|r| (*r).to_owned()).collect();
                    ((*id).to_owned(), UserFacts { email: Some((*email).to_owned()), roles, metadata_roles: vec![] })
                })
                .collect(),
        }
    }

    fn change(id: OperationId, params: &[&str], body: Value) -> AccessChange {
        let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
        AccessChange::of(id.spec(), &params, Some(&body), None)
    }

    #[test]
    fn levels_order_and_parse() {
        assert!(Level::Full > Level::Read && Level::Read > Level::Off);
        assert_eq!(Level::parse("FULL"), Some(Level::Full));
        assert_eq!(Level::parse("admin"), None);
    }

    #[test]
    fn levels_are_listed_once() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(*l));
        }
        assert!(Level::Full.permits(Access::Write) && Level::Read.permits(Access::Read));
        assert!(!Level::Read.permits(Access::Write) && !Level::Off.permits(Access::Read));
    }

    #[test]
    fn approve_runs_reads_and_holds_writes_for_a_human() {
        assert!(Level::Read < Level::Approve && Level::Approve < Level::Full);
        assert_eq!(Level::parse("Approve"), Some(Level::Approve));
        assert_eq!(Level::Approve.permission(Access::Read), Permission::Allowed);
        assert_eq!(Level::Approve.permission(Access::Write), Permission::AfterApproval);
        assert_eq!(Level::Read.permission(Access::Write), Permission::Denied);
        assert_eq!(Level::Full.permission(Access::Write), Permission::Allowed);
        let op = |n: &str| crate::catalog::by_name(n).unwrap();
        let g = Grants::parse_list("users=read,users.delete=approve").unwrap();
        assert_eq!(g.permission_on(op("users.delete")), Permission::AfterApproval);
        assert_eq!(g.permission_on(op("users.list")), Permission::Allowed);
        assert_eq!(g.permission_on(op("users.update")), Permission::Denied);
        assert!(g.allows_op(op("users.delete")) && g.missing_for_op(op("users.delete")).is_none());
        // Approving needs the write's scopes: the call runs once approved.
        assert!(scopes_needed([&g]).contains("delete:users"));
        assert!(!scopes_needed([&g]).contains("update:users"));
        // `approve` covers `read` but never `full`: no escalation through it.
        let full = Grants::parse_list("users=full").unwrap();
        let approve = Grants::parse_list("users=approve").unwrap();
        assert!(!approve.covers(&full) && full.covers(&approve));
        assert!(approve.covers(&Grants::parse_list("users=read").unwrap()));
        assert_eq!(approve.lacking(&full), ["users:full"]);
        assert_eq!(
            Grants::parse_list("*=approve").unwrap().permission_on(op("roles.create")),
            Permission::AfterApproval
        );
    }

    #[test]
    fn approvals_is_a_target_covered_by_star() {
        assert_eq!(Target::parse("approvals"), Some(Target::Approvals));
        assert_eq!(Grants::all(Level::Full).level(Target::Approvals), Level::Full);
        assert_eq!(Grants::all(Level::Read).level(Target::Approvals), Level::Read);
        let g = Grants::parse_list("*=full,approvals=read").unwrap();
        assert_eq!(g.level(Target::Approvals), Level::Read);
        assert!(!g.covers(&Grants::all(Level::Full)));
        assert_eq!(g.lacking(&Grants::all(Level::Full)), ["*:full"]);
        assert_eq!(Grants::all(Level::Full).permissions()["approvals"], Level::Full);
        assert_eq!(g.to_list(), "*=full,approvals=read");
    }

    #[test]
    fn groups_come_from_the_catalog() {
        let g = groups();
        for name in ["users", "clients", "clientGrants", "actions", "logStreams", "attackProtection", "teams.tenants"] {
            assert!(g.contains(&name), "{name}");
        }
        assert!(!g.contains(&"teams"), "Teams groups keep their prefix");
        assert_eq!(group_of("users.permissions.delete"), "users");
        assert_eq!(group_of("teams.tenants.members.list"), "teams.tenants");
        // Every operation's name resolves to itself, every group to itself.
        for op in CATALOG.iter().copied() {
            assert_eq!(Target::parse(op.name), Some(Target::Operation(op.name)));
        }
        for name in &g {
            assert_eq!(Target::parse(name), Some(Target::Group(name)));
        }
    }

    #[test]
    fn the_table_resources_are_aliases_of_the_catalog_groups() {
        // The table's friendly resource names still read as the groups its rows are in.
        for spec in OPERATIONS.iter().filter(|s| s.api != Api::Authentication) {
            let op = spec.catalog().unwrap();
            let targets = Target::parse_all(spec.resource.as_str()).unwrap();
            assert!(targets.contains(&Target::Group(group_of(op.name))), "{:?} in {}", spec.id, op.name);
            assert_eq!(access_of(op), spec.access, "{:?}: reads are the GETs", spec.id);
        }
    }

    #[test]
    fn read_allows_reads_only_and_full_allows_all() {
        let g = Grants::none().with(Target::Group("users"), Level::Read);
        assert!(g.allows(OperationId::GetUser.spec()));
        assert!(g.allows_op(crate::catalog::by_name("users.permissions.list").unwrap()));
        assert_eq!(g.missing_for(OperationId::DeleteUser.spec()).as_deref(), Some("users.delete:full"));
        assert_eq!(g.missing_for(OperationId::ListRoles.spec()).as_deref(), Some("roles.list:read"));
        let full = Grants::all(Level::Full);
        assert!(OPERATIONS.iter().filter(|s| s.api != Api::Authentication).all(|s| full.allows(s)));
        assert!(CATALOG.iter().all(|op| full.allows_op(op)));
        assert!(!full.allows(OperationId::RequestToken.spec()), "the token endpoint is never granted");
        assert_eq!(full.level(Target::Audit), Level::Full, "`*` covers the audit log");
        assert_eq!(full.level(Target::Secrets), Level::Off, "but not secrets, which are granted by name");
        assert_eq!(full.level(Target::ApiKeys), Level::Full, "and the API keys");
        let reveal = Grants::parse_list("*=full,secrets=full").unwrap();
        assert!(reveal.covers(&full) && !full.covers(&reveal));
        assert_eq!(full.lacking(&reveal), ["secrets:full"]);
    }

    #[test]
    fn api_keys_are_a_target_of_their_own() {
        // `keys` stays the catalog's group (the tenant's signing keys); the BFF's keys are `apiKeys`.
        assert_eq!(Target::parse("keys"), Some(Target::Group("keys")));
        assert_eq!(Target::parse(API_KEYS), Some(Target::ApiKeys));
        assert!(!groups().contains(&API_KEYS), "no catalog group is named like the BFF's own target");
        let viewer = Grants::all(Level::Read);
        assert_eq!(viewer.level(Target::ApiKeys), Level::Read, "`*` covers it");
        let manager = Grants::parse_list("users=read,apiKeys=full").unwrap();
        assert_eq!(manager.level(Target::ApiKeys), Level::Full);
        assert_eq!(manager.level(Target::Group("keys")), Level::Off);
        assert!(!viewer.covers(&manager) && viewer.lacking(&manager) == ["apiKeys:full"]);
        assert!(
            Grants::parse_list("*=full,apiKeys=off")
                .unwrap()
                .covers(&Grants::parse_list("*=full,apiKeys=off").unwrap())
        );
        assert!(!Grants::parse_list("*=full,apiKeys=off").unwrap().covers(&Grants::all(Level::Full)));
        assert!(Target::all().any(|t| t == Target::ApiKeys), "`/auth/me` lists it");
        assert_eq!(Grants::parse_list(&manager.to_list()).unwrap(), manager);
    }

    #[test]
    fn the_most_specific_entry_wins() {
        let op = |n: &str| crate::catalog::by_name(n).unwrap();
        let g = Grants::parse_list("users.delete=off, users=full, *=read").unwrap();
        assert!(!g.allows_op(op("users.delete")));
        assert!(g.allows_op(op("users.update")) && g.allows_op(op("users.permissions.create")));
        assert!(g.allows_op(op("clients.list")) && !g.allows_op(op("clients.create")));
        let g = Grants::parse_list("users=read,users.permissions.create=full").unwrap();
        assert!(g.allows_op(op("users.permissions.create")) && !g.allows_op(op("users.permissions.delete")));
        assert_eq!(g.missing_for_op(op("users.permissions.delete")).as_deref(), Some("users.permissions.delete:full"));
        // An `off` entry survives a round trip and a union with a role that does not name it.
        let g = Grants::parse_list("users=full,users.delete=off").unwrap();
        assert_eq!(Grants::parse_list(&g.to_list()).unwrap(), g);
        let u = g.union(&Grants::parse_list("logs=read").unwrap());
        assert!(!u.allows_op(op("users.delete")) && u.allows_op(op("logs.list")));
        let u = g.union(&Grants::parse_list("users.delete=full").unwrap());
        assert!(u.allows_op(op("users.delete")), "another role's entry may lift an override");
        assert!(!g.covers(&Grants::parse_list("users=full").unwrap()));
        assert_eq!(g.lacking(&Grants::parse_list("users=full").unwrap()), ["users:full"]);
    }

    #[test]
    fn aliases_stand_for_groups() {
        let g = Grants::parse_list("applications=full,apis=read,grants=read,teams_tenants=read").unwrap();
        assert_eq!(g.level(Target::Group("clients")), Level::Full);
        assert_eq!(g.level(Target::Group("resourceServers")), Level::Read);
        assert_eq!(g.level(Target::Group("userGrants")), Level::Read);
        assert_eq!(g.level(Target::Group("teams.environments")), Level::Read);
        assert!(g.to_list().contains("clients=full"), "written under the canonical name");
        assert!(Target::parse("teams_tenants").is_none(), "an alias of two groups is no single target");
    }

    #[test]
    fn parse_list_round_trips() {
        let g = Grants::parse_list("users=read, logs=full,audit=read").unwrap();
        assert_eq!(g.level(Target::Audit), Level::Read);
        assert_eq!(Grants::parse_list(&g.to_list()).unwrap(), g);
        assert!(Grants::parse_list("user=read").unwrap_err().contains("not a policy name"));
        assert!(Grants::parse_list("users.frobnicate=read").is_err());
        assert!(Grants::parse_list("users=admin").unwrap_err().contains("off, read, approve, full"));
        let star: Grants = serde_json::from_value(json!({"*": "read", "users": "full"})).unwrap();
        assert_eq!(star.level(Target::Group("users")), Level::Full);
        assert_eq!(star.level(Target::Group("logs")), Level::Read);
    }

    #[test]
    fn roles_union_cover_and_lack() {
        let p = Policy::demo();
        let g = p.grants_for_roles(&["gatehouse-viewer", "gatehouse-support"]);
        assert_eq!(g.level(Target::Group("users")), Level::Full);
        assert_eq!(g.level(Target::Group("roles")), Level::Read);
        assert_eq!(p.grants_for_roles(&["someone-else"]), Grants::none());
        let admin = &p.roles["gatehouse-admin"];
        assert!(admin.covers(&support()) && admin.covers(admin) && !support().covers(admin));
        assert_eq!(support().lacking(admin), ["*:full"]);
        assert!(Grants::none().covers(&Grants::none()));
        let roles = p.roles_for(&support());
        let by_name = |n: &str| roles.iter().find(|r| r.name == n).unwrap();
        assert!(by_name("gatehouse-support").assignable);
        assert!(!by_name("gatehouse-admin").assignable && !by_name("gatehouse-viewer").assignable);
        assert!(by_name("gatehouse-viewer").missing.contains(&"*:read".to_owned()));
        // Only the owner reveals secrets, so an admin may not make anyone an owner.
        let owner = &p.roles["gatehouse-owner"];
        assert_eq!(owner.level(Target::Secrets), Level::Full);
        assert_eq!(admin.level(Target::Secrets), Level::Off);
        assert_eq!(admin.lacking(owner), ["secrets:full"]);
        assert!(owner.covers(admin));
    }

    #[test]
    fn user_scopes_combine_over_roles_that_reach_users() {
        use crate::scope::UserScope;
        let mut p = Policy::demo();
        p.roles.insert("logs-reader".into(), Grants::none().with(Target::Group("logs"), Level::Read));
        p.roles.insert("sales-support".into(), Grants::none().with(Target::Group("users"), Level::Full));
        let acme = UserScope::parse_list("organization=org_acme").unwrap();
        let sales = UserScope::parse_list("app_metadata.department=sales").unwrap();
        p.user_scopes.insert("gatehouse-support".into(), acme.clone());
        p.user_scopes.insert("sales-support".into(), sales.clone());
        assert!(p.check_scopes().is_ok());
        let one = p.user_scopes_for(&["gatehouse-support"]).unwrap();
        assert_eq!(one.scopes(), std::slice::from_ref(&acme));
        // A role that gives nothing on users neither lifts nor adds a scope.
        assert_eq!(p.user_scopes_for(&["gatehouse-support", "logs-reader"]), Some(one));
        assert_eq!(p.user_scopes_for(&["logs-reader"]), None);
        // Two scoped roles: either scope admits a user.
        let both = p.user_scopes_for(&["gatehouse-support", "sales-support"]).unwrap();
        assert_eq!(both.scopes().len(), 2);
        // An unscoped role that reaches users (the viewer reads every user) lifts the scope.
        assert_eq!(p.user_scopes_for(&["gatehouse-support", "gatehouse-viewer"]), None);
        assert_eq!(p.user_scopes_for(&["unknown-role"]), None);
        p.user_scopes.insert("nobody".into(), acme);
        assert!(p.check_scopes().unwrap_err().contains("no role `nobody`"));
    }

    #[test]
    fn scopes_follow_the_policy() {
        let users_read = Grants::none().with(Target::Group("users"), Level::Read);
        let scopes = scopes_needed([&users_read]);
        assert!(scopes.contains("read:users") && scopes.contains("read:roles"));
        assert!(!scopes.contains("delete:users"));
        assert!(!scopes.iter().any(|s| s.contains("current_user")), "{scopes:?}");
        let scopes = scopes_needed([&support()]);
        assert!(scopes.contains("update:users_app_metadata"), "body scopes are included");
        assert!(scopes.contains("read:roles"), "role lookups for the escalation checks");
        assert!(!scopes.contains("read:clients"));
        assert!(scopes_needed(std::iter::empty()).is_empty());
        let logs = Grants::none().with(Target::Group("logs"), Level::Full);
        assert!(!scopes_needed([&logs]).contains("read:roles"));
        let no_delete = Grants::parse_list("users=full,users.delete=off").unwrap();
        assert!(!scopes_needed([&no_delete]).contains("delete:users"), "an `off` operation needs no scope");
        let grants = Grants::parse_list("clientGrants=full").unwrap();
        let scopes = scopes_needed([&grants]);
        assert!(scopes.contains("create:client_grants") && scopes.contains("read:client_grants"));
        assert!(scopes_needed([&Grants::all(Level::Full)]).contains("read:log_streams"));
    }

    #[test]
    fn changes_are_read_from_the_call() {
        let c = change(OperationId::AssignUserRoles, &["auth0|1"], json!({"roles": ["rol_a", "rol_b"]}));
        assert_eq!((c.users, c.roles_given), (vec!["auth0|1".to_owned()], vec!["rol_a".to_owned(), "rol_b".into()]));
        let c = change(OperationId::RemoveUserRoles, &["auth0|1"], json!({"roles": ["rol_a"]}));
        assert_eq!(c.roles_taken, ["rol_a"]);
        let c = change(OperationId::AssignRoleUsers, &["rol_a"], json!({"users": ["u1", "u2"]}));
        assert_eq!((c.users, c.roles_given), (vec!["u1".to_owned(), "u2".into()], vec!["rol_a".to_owned()]));
        let c = change(OperationId::UpdateUser, &["u1"], json!({"blocked": true}));
        assert!(c.blocks && c.users == ["u1"] && !c.touches_roles());
        assert!(change(OperationId::DeleteUser, &["u1"], json!(null)).deletes_user);
        let c = change(OperationId::UpdateRole, &["rol_a"], json!({"name": "x"}));
        assert_eq!((c.role_redefined.as_deref(), c.role_name.as_deref()), (Some("rol_a"), Some("x")));
        let c = change(OperationId::UpdateRole, &["rol_a"], json!({"description": "x"}));
        assert!(c.is_empty(), "a description change is no change of access");
        assert_eq!(change(OperationId::DeleteRole, &["rol_a"], json!(null)).role_redefined.as_deref(), Some("rol_a"));
        assert_eq!(change(OperationId::CreateRole, &[], json!({"name": "n"})).role_name.as_deref(), Some("n"));
        let c = change(OperationId::RemoveOrganizationMembers, &["org_1"], json!({"members": ["u1"]}));
        assert_eq!(c.users, ["u1"]);
        assert!(change(OperationId::GetUser, &["u1"], json!(null)).is_empty());
        assert!(change(OperationId::ListRoles, &[], json!(null)).is_empty());
        assert!(change(OperationId::UpdateClient, &["c"], json!({"user_id": "u1"})).is_empty());
    }

    fn change_of(name: &str, params: &[&str], body: Value) -> AccessChange {
        let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
        AccessChange::of_op(crate::catalog::by_name(name).unwrap(), &params, Some(&body), None)
    }

    #[test]
    fn changes_through_the_whole_catalog() {
        let c = change_of("organizations.members.roles.assign", &["org_1", "u1"], json!({"roles": ["rol_a"]}));
        assert_eq!((c.users, c.roles_given), (vec!["u1".to_owned()], vec!["rol_a".to_owned()]));
        let c = change_of("organizations.members.roles.delete", &["org_1", "u1"], json!({"roles": ["rol_a"]}));
        assert_eq!(c.roles_taken, ["rol_a"]);
        let c = change_of("groups.roles.create", &["grp_1"], json!({"roles": ["rol_a"]}));
        assert!(c.users.is_empty() && c.roles_given == ["rol_a"]);
        assert_eq!(change_of("roles.groups.create", &["rol_a"], json!({"groups": ["g"]})).roles_given, ["rol_a"]);
        assert_eq!(change_of("roles.groups.delete", &["rol_a"], json!({"groups": ["g"]})).roles_taken, ["rol_a"]);
        // Anything under a user, whatever its parameter is called.
        assert_eq!(change_of("users.sessions.delete", &["u1"], json!(null)).users, ["u1"]);
        assert_eq!(change_of("users.identities.link", &["u1"], json!({"user_id": "u2"})).users, ["u1", "u2"]);
        assert_eq!(change_of("actions.deploy", &["a1"], json!(null)).sign_in_code, Some("actions.deploy"));
        assert!(change_of("actions.list", &[], json!(null)).is_empty());
        assert!(change_of("roles.permissions.add", &["rol_a"], json!({"permissions": []})).roles_given.is_empty());
        assert!(change_of("clientGrants.create", &[], json!({"client_id": "c"})).is_empty());
    }

    #[test]
    fn sign_in_code_needs_every_role() {
        let p = Policy::demo();
        let support = support();
        let me = Caller { name: "s", user_id: None, grants: &support };
        let c = change_of("actions.update", &["a1"], json!({"code": "x"}));
        let e = check(&p, me, &c, &Facts::default()).unwrap_err();
        assert!(e.to_string().starts_with("s may not change code that runs at sign-in (actions.update)"), "{e}");
        // Every role's access, secrets included (as the demo owner holds it).
        let owner = p.roles["gatehouse-owner"].clone();
        check(&p, Caller { name: "o", user_id: None, grants: &owner }, &c, &Facts::default()).unwrap();
        // `*` alone does not cover secrets, so it cannot change sign-in code.
        let admin = Grants::all(Level::Full);
        let e = check(&p, Caller { name: "a", user_id: None, grants: &admin }, &c, &Facts::default()).unwrap_err();
        assert!(matches!(&e, Refusal::SignInCode { missing, .. } if missing == &["secrets:full".to_owned()]), "{e:?}");
        let roles_to_group = change_of("groups.roles.create", &["g"], json!({"roles": ["rol_admin"]}));
        let f = facts(&[("rol_admin", "gatehouse-admin")], &[]);
        assert!(matches!(check(&p, me, &roles_to_group, &f), Err(Refusal::Role { action: RoleAction::Assign, .. })));
    }

    #[test]
    fn app_metadata_roles_are_roles() {
        let spec = OperationId::UpdateUser.spec();
        let params = ["u1".to_owned()];
        let of = |body: Value| AccessChange::of(spec, &params, Some(&body), Some("gatehouse.roles"));
        let set = of(json!({"app_metadata": {"gatehouse": {"roles": ["gatehouse-admin"]}}}));
        assert_eq!(set.metadata_roles, Some(vec!["gatehouse-admin".to_owned()]));
        assert_eq!(of(json!({"app_metadata": {"gatehouse": {}}})).metadata_roles, Some(vec![]));
        assert_eq!(of(json!({"app_metadata": null})).metadata_roles, Some(vec![]));
        assert_eq!(of(json!({"app_metadata": {"plan": "gold"}})).metadata_roles, None);
        assert_eq!(of(json!({"user_metadata": {"gatehouse": {"roles": ["x"]}}})).metadata_roles, None);
        let create = AccessChange::of(
            OperationId::CreateUser.spec(),
            &[],
            Some(&json!({"app_metadata": {"gatehouse": {"roles": "gatehouse-admin"}}})),
            Some("gatehouse.roles"),
        );
        assert!(create.creates_user && create.metadata_roles == Some(vec!["gatehouse-admin".to_owned()]));
        let held = json!({"gatehouse": {"roles": ["a", 5, "b"]}});
        assert_eq!(metadata_roles_held(Some(&held), "gatehouse.roles"), ["a", "b"]);
    }

    #[test]
    fn nobody_escalates() {
        let p = Policy::demo();
        let support = support();
        let me = Caller { name: "support@demo.test", user_id: Some("auth0|sup"), grants: &support };
        let f = facts(
            &[("rol_admin", "gatehouse-admin"), ("rol_sup", "gatehouse-support"), ("rol_plain", "editors")],
            &[
                ("auth0|sup", "support@demo.test", &["gatehouse-support"]),
                ("auth0|adm", "admin@demo.test", &["gatehouse-admin"]),
                ("auth0|ana", "ana@acme.test", &[]),
            ],
        );
        let assign = |user: &str, role: &str| change(OperationId::AssignUserRoles, &[user], json!({"roles": [role]}));
        // Itself: any role, even an ordinary one.
        let e = check(&p, me, &assign("auth0|sup", "rol_plain"), &f).unwrap_err();
        assert_eq!(e.to_string(), "support@demo.test may not change its own roles");
        // An admin role to someone else.
        let e = check(&p, me, &assign("auth0|ana", "rol_admin"), &f).unwrap_err();
        assert!(
            e.to_string().starts_with("support@demo.test may not assign role gatehouse-admin: it grants *:full"),
            "{e}"
        );
        assert!(e.to_string().ends_with("which support@demo.test lacks"));
        assert!(e.missing().contains(&"*:full".to_owned()));
        // Ordinary roles and its own level stay assignable to ordinary users.
        check(&p, me, &assign("auth0|ana", "rol_plain"), &f).unwrap();
        check(&p, me, &assign("auth0|ana", "rol_sup"), &f).unwrap();
        // An unknown role id is the tenant's to refuse.
        check(&p, me, &assign("auth0|ana", "rol_missing"), &f).unwrap();
        // Acting on an admin.
        let block = change(OperationId::UpdateUser, &["auth0|adm"], json!({"blocked": true}));
        let e = check(&p, me, &block, &f).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "support@demo.test may not block user admin@demo.test (auth0|adm): they hold role gatehouse-admin"
            ),
            "{e}"
        );
        let email = change(OperationId::UpdateUser, &["auth0|adm"], json!({"email": "evil@x.test"}));
        assert!(matches!(check(&p, me, &email, &f), Err(Refusal::User { verb: "change", .. })));
        let delete = change(OperationId::DeleteUser, &["auth0|adm"], json!(null));
        assert!(matches!(check(&p, me, &delete, &f), Err(Refusal::User { verb: "delete", .. })));
        let take = change(OperationId::RemoveUserRoles, &["auth0|adm"], json!({"roles": ["rol_admin"]}));
        assert!(matches!(check(&p, me, &take, &f), Err(Refusal::Role { action: RoleAction::Remove, .. })));
        // Many users at once: one admin among them refuses the whole call.
        let bulk = change(OperationId::AssignRoleUsers, &["rol_plain"], json!({"users": ["auth0|ana", "auth0|adm"]}));
        assert!(matches!(check(&p, me, &bulk, &f), Err(Refusal::User { .. })));
        // Itself: block, delete; but its own name is fine.
        let e = check(&p, me, &change(OperationId::DeleteUser, &["auth0|sup"], json!(null)), &f).unwrap_err();
        assert_eq!(e.to_string(), "support@demo.test may not delete itself");
        let e = check(&p, me, &change(OperationId::UpdateUser, &["auth0|sup"], json!({"blocked": true})), &f);
        assert!(matches!(e, Err(Refusal::OnItself { action: SelfAction::Block, .. })));
        check(&p, me, &change(OperationId::UpdateUser, &["auth0|sup"], json!({"name": "S"})), &f).unwrap();
        // Ordinary users are support's to manage.
        check(&p, me, &change(OperationId::UpdateUser, &["auth0|ana"], json!({"blocked": true})), &f).unwrap();
        check(&p, me, &change(OperationId::DeleteUser, &["auth0|ana"], json!(null)), &f).unwrap();
    }

    #[test]
    fn admins_may_do_everything_but_to_themselves() {
        let p = Policy::demo();
        let admin = Grants::all(Level::Full);
        let me = Caller { name: "admin@demo.test", user_id: Some("auth0|adm"), grants: &admin };
        let f = facts(&[("rol_admin", "gatehouse-admin")], &[("auth0|other", "o@x", &["gatehouse-admin"])]);
        let assign = change(OperationId::AssignUserRoles, &["auth0|other"], json!({"roles": ["rol_admin"]}));
        check(&p, me, &assign, &f).unwrap();
        check(&p, me, &change(OperationId::DeleteUser, &["auth0|other"], json!(null)), &f).unwrap();
        let own = change(OperationId::RemoveUserRoles, &["auth0|adm"], json!({"roles": ["rol_admin"]}));
        assert!(matches!(check(&p, me, &own, &f), Err(Refusal::OnItself { .. })));
        // An API key has no user of its own.
        let key = Caller { name: "ci", user_id: None, grants: &admin };
        check(&p, key, &own, &f).unwrap();
    }

    #[test]
    fn role_definitions_are_guarded() {
        let p = Policy::demo();
        let mut roles_full = support();
        roles_full.set(Target::Group("roles"), Level::Full);
        let me = Caller { name: "rm", user_id: None, grants: &roles_full };
        let f = facts(&[("rol_admin", "gatehouse-admin"), ("rol_plain", "editors")], &[]);
        let delete = change(OperationId::DeleteRole, &["rol_admin"], json!(null));
        let e = check(&p, me, &delete, &f).unwrap_err();
        assert!(e.to_string().starts_with("rm may not delete role gatehouse-admin"), "{e}");
        let rename_to = change(OperationId::UpdateRole, &["rol_plain"], json!({"name": "gatehouse-admin"}));
        let e = check(&p, me, &rename_to, &f).unwrap_err();
        assert!(e.to_string().starts_with("rm may not rename a role to gatehouse-admin"), "{e}");
        let rename_away = change(OperationId::UpdateRole, &["rol_admin"], json!({"name": "x"}));
        assert!(matches!(check(&p, me, &rename_away, &f), Err(Refusal::Role { action: RoleAction::Rename, .. })));
        let same = change(OperationId::UpdateRole, &["rol_admin"], json!({"name": "gatehouse-admin"}));
        check(&p, me, &same, &f).unwrap();
        let create = change(OperationId::CreateRole, &[], json!({"name": "gatehouse-viewer"}));
        assert!(matches!(check(&p, me, &create, &f), Err(Refusal::Role { action: RoleAction::Create, .. })));
        check(&p, me, &change(OperationId::CreateRole, &[], json!({"name": "editors-2"})), &f).unwrap();
        check(&p, me, &change(OperationId::DeleteRole, &["rol_plain"], json!(null)), &f).unwrap();
        check(&p, me, &change(OperationId::UpdateRole, &["rol_plain"], json!({"name": "gatehouse-support"})), &f)
            .unwrap();
    }

    #[test]
    fn metadata_role_changes_compare_with_what_is_held() {
        let p = Policy::demo();
        let support = support();
        let me = Caller { name: "s", user_id: None, grants: &support };
        let spec = OperationId::UpdateUser.spec();
        let params = ["u1".to_owned()];
        let body = json!({"app_metadata": {"gatehouse": {"roles": ["gatehouse-support"]}}});
        let c = AccessChange::of(spec, &params, Some(&body), Some("gatehouse.roles"));
        let mut f = Facts::default();
        f.users.insert("u1".into(), UserFacts::default());
        check(&p, me, &c, &f).unwrap();
        // Taking a viewer's metadata role away is beyond support.
        f.users.get_mut("u1").unwrap().metadata_roles = vec!["gatehouse-viewer".into()];
        f.users.get_mut("u1").unwrap().roles = vec!["gatehouse-viewer".into()];
        assert!(check(&p, me, &c, &f).is_err());
        let body = json!({"app_metadata": {"gatehouse": {"roles": ["gatehouse-admin"]}}});
        let c = AccessChange::of(spec, &params, Some(&body), Some("gatehouse.roles"));
        let e = check(&p, me, &c, &Facts::default()).unwrap_err();
        assert!(e.to_string().starts_with("s may not assign role gatehouse-admin"), "{e}");
    }
}
