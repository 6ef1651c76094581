//! The access policy: for each principal, an access level per resource.
//!
//! Everything here is derived from the model's operation table
//! ([`gatehouse_model::OPERATIONS`], [`Resource::POLICY`]): which resources a
//! policy can name, which operations a level allows, and which scopes the
//! BFF's machine-to-machine token must carry. Deny by default: a resource a
//! policy does not name is `off`, and so is every resource of a principal
//! that holds no configured role.

use gatehouse_model::operation::{Access, OperationSpec};
use gatehouse_model::{OPERATIONS, Resource};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How much of a resource a principal may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing.
    #[default]
    Off,
    /// Read-only operations.
    Read,
    /// Every operation.
    Full,
}

impl Level {
    /// `off`, `read` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Read => "read",
            Self::Full => "full",
        }
    }

    /// Parses `off`, `read` or `full` (`write` is accepted for `full`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Some(Self::Off),
            "read" => Some(Self::Read),
            "full" | "write" => Some(Self::Full),
            _ => None,
        }
    }

    /// The level an access needs.
    pub fn needed_for(access: Access) -> Self {
        match access {
            Access::Read => Self::Read,
            Access::Write => Self::Full,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name of the policy entry guarding the BFF's own audit log.
pub const AUDIT: &str = "audit";

/// Something the policy can grant: a resource of the operation table, or the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A resource of the operation table.
    Resource(Resource),
    /// The BFF's audit log.
    Audit,
}

impl Target {
    /// The policy name: `users`, `teams_tenants`, `audit`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resource(r) => r.as_str(),
            Self::Audit => AUDIT,
        }
    }

    /// Every target a policy can name.
    pub fn all() -> impl Iterator<Item = Target> {
        Resource::POLICY.into_iter().map(Target::Resource).chain([Target::Audit])
    }

    /// Parses a policy name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::all().find(|t| t.as_str() == name.trim())
    }
}

/// Access levels per resource for one principal. What it does not name is `off`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    levels: BTreeMap<Target, Level>,
}

impl Grants {
    /// No access at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// The same level on every resource and on the audit log.
    pub fn all(level: Level) -> Self {
        Self { levels: Target::all().map(|t| (t, level)).collect() }
    }

    /// Sets one level.
    pub fn with(mut self, target: Target, level: Level) -> Self {
        self.set(target, level);
        self
    }

    /// Sets one level.
    pub fn set(&mut self, target: Target, level: Level) {
        if level == Level::Off {
            self.levels.remove(&target);
        } else {
            self.levels.insert(target, level);
        }
    }

    /// The level on a target.
    pub fn level(&self, target: Target) -> Level {
        self.levels.get(&target).copied().unwrap_or_default()
    }

    /// The higher of each level: what a principal holding several roles gets.
    pub fn union(&self, other: &Grants) -> Grants {
        let mut out = self.clone();
        for (&t, &l) in &other.levels {
            if l > out.level(t) {
                out.set(t, l);
            }
        }
        out
    }

    /// Whether these grants allow an operation of the table.
    pub fn allows(&self, spec: &OperationSpec) -> bool {
        Resource::POLICY.contains(&spec.resource)
            && self.level(Target::Resource(spec.resource)) >= Level::needed_for(spec.access)
    }

    /// What is missing for an operation, such as `users:full`; `None` when allowed.
    pub fn missing_for(&self, spec: &OperationSpec) -> Option<String> {
        (!self.allows(spec)).then(|| format!("{}:{}", spec.resource.as_str(), Level::needed_for(spec.access)))
    }

    /// Every target with its level, `off` included, in policy order.
    pub fn permissions(&self) -> BTreeMap<&'static str, Level> {
        Target::all().map(|t| (t.as_str(), self.level(t))).collect()
    }

    /// Parses `users=read,logs=full` (or `*=read`). Unknown resources and levels are errors.
    pub fn parse_list(spec: &str) -> Result<Self, String> {
        let mut grants = Grants::none();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, level) = part.split_once('=').ok_or_else(|| format!("`{part}` is not resource=level"))?;
            let level = Level::parse(level).ok_or_else(|| format!("`{level}` is not off, read or full"))?;
            if name.trim() == "*" {
                for t in Target::all() {
                    grants.set(t, level);
                }
                continue;
            }
            let target = Target::parse(name).ok_or_else(|| unknown_target(name))?;
            grants.set(target, level);
        }
        Ok(grants)
    }

    /// `users=read,logs=full`, the form [`Grants::parse_list`] reads.
    pub fn to_list(&self) -> String {
        self.levels.iter().map(|(t, l)| format!("{}={l}", t.as_str())).collect::<Vec<_>>().join(",")
    }
}

fn unknown_target(name: &str) -> String {
    let known: Vec<_> = Target::all().map(Target::as_str).collect();
    format!("`{}` is not a policy resource (one of {})", name.trim(), known.join(", "))
}

impl Serialize for Grants {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, Level> = self.levels.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Grants {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Level>::deserialize(d)?;
        let mut grants = Grants::none();
        // `*` first, so named resources override it.
        if let Some(&level) = map.get("*") {
            for t in Target::all() {
                grants.set(t, level);
            }
        }
        for (name, level) in map.iter().filter(|(n, _)| n.as_str() != "*") {
            let target = Target::parse(name).ok_or_else(|| serde::de::Error::custom(unknown_target(name)))?;
            grants.set(target, *level);
        }
        Ok(grants)
    }
}

/// The policy for signed-in admins: grants per role of the id token's roles claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Grants per role name.
    #[serde(default)]
    pub roles: BTreeMap<String, Grants>,
}

impl Policy {
    /// The demo tenant's policy: `gatehouse-admin` full on everything,
    /// `gatehouse-viewer` read on everything, `gatehouse-support` full on users only.
    pub fn demo() -> Self {
        let mut roles = BTreeMap::new();
        roles.insert("gatehouse-admin".to_owned(), Grants::all(Level::Full));
        roles.insert("gatehouse-viewer".to_owned(), Grants::all(Level::Read));
        roles.insert(
            "gatehouse-support".to_owned(),
            Grants::none().with(Target::Resource(Resource::Users), Level::Full),
        );
        Self { roles }
    }

    /// What a principal holding these roles may do: the union of its roles' grants.
    pub fn grants_for_roles<S: AsRef<str>>(&self, roles: &[S]) -> Grants {
        roles.iter().filter_map(|r| self.roles.get(r.as_ref())).fold(Grants::none(), |acc, g| acc.union(g))
    }
}

/// Every scope the BFF may ever need, given every principal's grants: the
/// union of `scopes` and `body_scopes` over the operations some principal may call.
pub fn scopes_needed<'a>(all_grants: impl IntoIterator<Item = &'a Grants>) -> BTreeSet<&'static str> {
    let all: Vec<&Grants> = all_grants.into_iter().collect();
    OPERATIONS
        .iter()
        .filter(|spec| all.iter().any(|g| g.allows(spec)))
        .flat_map(|spec| spec.scopes.iter().copied().chain(spec.body_scopes.iter().map(|(_, s)| *s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::OperationId;

    #[test]
    fn levels_order_and_parse() {
        assert!(Level::Full > Level::Read && Level::Read > Level::Off);
        assert_eq!(Level::parse("FULL"), Some(Level::Full));
        assert_eq!(Level::parse("admin"), None);
    }

    #[test]
    fn read_allows_reads_only_and_full_allows_all() {
        let g = Grants::none().with(Target::Resource(Resource::Users), Level::Read);
        assert!(g.allows(OperationId::GetUser.spec()));
        assert_eq!(g.missing_for(OperationId::DeleteUser.spec()).as_deref(), Some("users:full"));
        assert_eq!(g.missing_for(OperationId::ListRoles.spec()).as_deref(), Some("roles:read"));
        let full = Grants::all(Level::Full);
        assert!(OPERATIONS.iter().filter(|s| s.resource != Resource::Token).all(|s| full.allows(s)));
        assert!(!full.allows(OperationId::RequestToken.spec()), "the token endpoint is never granted");
    }

    #[test]
    fn parse_list_and_serde_agree() {
        let g = Grants::parse_list("users=read, logs=full,audit=read").unwrap();
        assert_eq!(g.level(Target::Audit), Level::Read);
        assert_eq!(Grants::parse_list(&g.to_list()).unwrap(), g);
        assert!(Grants::parse_list("user=read").unwrap_err().contains("not a policy resource"));
        assert!(Grants::parse_list("users=admin").is_err());
        let star: Grants = toml::from_str("'*' = 'read'\nusers = 'full'").unwrap();
        assert_eq!(star.level(Target::Resource(Resource::Users)), Level::Full);
        assert_eq!(star.level(Target::Resource(Resource::Logs)), Level::Read);
    }

    #[test]
    fn roles_union() {
        let p = Policy::demo();
        let g = p.grants_for_roles(&["gatehouse-viewer", "gatehouse-support"]);
        assert_eq!(g.level(Target::Resource(Resource::Users)), Level::Full);
        assert_eq!(g.level(Target::Resource(Resource::Roles)), Level::Read);
        assert_eq!(p.grants_for_roles(&["someone-else"]), Grants::none());
    }

    #[test]
    fn scopes_follow_the_policy() {
        let users_read = Grants::none().with(Target::Resource(Resource::Users), Level::Read);
        let scopes = scopes_needed([&users_read]);
        assert!(scopes.contains("read:users") && scopes.contains("read:roles"));
        assert!(!scopes.contains("delete:users"));
        let support = Policy::demo().roles["gatehouse-support"].clone();
        let scopes = scopes_needed([&support]);
        assert!(scopes.contains("update:users_app_metadata"), "body scopes are included");
        assert!(!scopes.contains("read:clients"));
        assert!(scopes_needed(std::iter::empty()).is_empty());
    }
}
