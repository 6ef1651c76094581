//! What the signed-in principal may do, from the BFF's `/auth/me`: an access
//! level per area. The console hides or disables what is not allowed.

use serde::Deserialize;
use std::collections::BTreeMap;

use gatehouse_model::policy::ALIASES;
/// Access to one area: the model's policy level (off, read, full), the
/// same vocabulary the BFF decides with.
pub use gatehouse_model::policy::Level;

/// Access levels by area name (`users`, `teams_tenants`, `audit`, ...). Unnamed areas are off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Permissions(pub BTreeMap<String, Level>);

impl Permissions {
    /// The level on an area: a policy group as `/auth/me` names it
    /// (`users`, `clients`, `teams.tenants`), or one of the earlier names
    /// the model keeps as aliases (`applications` is `clients`; an alias of
    /// several groups has the lowest of their levels).
    pub fn level(&self, area: &str) -> Level {
        if let Some(level) = self.0.get(area) {
            return *level;
        }
        match ALIASES.iter().find(|(alias, _)| *alias == area) {
            Some((_, groups)) => {
                groups.iter().map(|g| self.0.get(*g).copied().unwrap_or_default()).min().unwrap_or_default()
            }
            None => Level::Off,
        }
    }

    /// Whether the area may be read.
    pub fn can_read(&self, area: &str) -> bool {
        self.level(area) >= Level::Read
    }

    /// Whether the area may be changed.
    pub fn can_write(&self, area: &str) -> bool {
        self.level(area) >= Level::Full
    }

    /// Builds permissions from `(area, level)` pairs.
    pub fn from_pairs(pairs: &[(&str, Level)]) -> Self {
        Self(pairs.iter().map(|(a, l)| ((*a).to_owned(), *l)).collect())
    }
}

/// The policy targets of approval requests and of the BFF's own API keys,
/// as the model names them.
pub use gatehouse_model::policy::{API_KEYS, APPROVALS};

/// One entry of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// The area it needs read access to (empty: everyone; the page lists only what the policy allows).
    pub area: &'static str,
    /// Section heading it belongs under.
    pub section: &'static str,
}

/// Every page of the console.
pub const NAV: &[NavItem] = &[
    NavItem { href: "/users", label: "Users", area: "users", section: "User management" },
    NavItem { href: "/roles", label: "Roles", area: "roles", section: "User management" },
    NavItem { href: "/organizations", label: "Organizations", area: "organizations", section: "User management" },
    NavItem { href: "/applications", label: "Applications", area: "applications", section: "Applications" },
    NavItem { href: "/apis", label: "APIs", area: "apis", section: "Applications" },
    NavItem { href: "/grants", label: "Grants", area: "grants", section: "Applications" },
    NavItem { href: "/connections", label: "Connections", area: "connections", section: "Authentication" },
    NavItem { href: "/actions", label: "Actions", area: "actions", section: "Authentication" },
    NavItem { href: "/logs", label: "Logs", area: "logs", section: "Monitoring" },
    NavItem { href: "/log-streams", label: "Log streams", area: "logStreams", section: "Monitoring" },
    NavItem { href: "/audit", label: "Audit", area: "audit", section: "Monitoring" },
    NavItem { href: "/approvals", label: "Approvals", area: APPROVALS, section: "Agents" },
    NavItem { href: "/keys", label: "API keys", area: API_KEYS, section: "Agents" },
    NavItem { href: "/settings", label: "Tenant settings", area: "tenants", section: "Settings" },
    NavItem { href: "/explorer", label: "Operations explorer", area: "", section: "Settings" },
    NavItem { href: "/teams/tenants", label: "Tenants", area: "teams_tenants", section: "Team" },
    NavItem { href: "/teams/members", label: "Members", area: "teams_members", section: "Team" },
    NavItem { href: "/teams/activity", label: "Activity", area: "teams_activity", section: "Team" },
];

/// The navigation entries the principal may open.
pub fn visible_nav(perms: &Permissions) -> Vec<NavItem> {
    NAV.iter().copied().filter(|item| item.area.is_empty() || perms.can_read(item.area)).collect()
}

/// The area a path belongs to, for gating a page opened by its URL.
pub fn area_of(path: &str) -> Option<&'static str> {
    NAV.iter().find(|item| path == item.href || path.starts_with(&format!("{}/", item.href))).map(|item| item.area)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn levels_gate_reads_and_writes() {
        let p: Permissions = serde_json::from_str(r#"{"users": "full", "roles": "read", "logs": "off"}"#).unwrap();
        assert!(p.can_read("users") && p.can_write("users"));
        assert!(p.can_read("roles") && !p.can_write("roles"));
        assert!(!p.can_read("logs"));
        assert!(!p.can_read("unknown_area"));
        // `/auth/me` names groups; the console's pages may use the earlier names.
        let p: Permissions =
            serde_json::from_str(r#"{"clients": "full", "teams.tenants": "read", "teams.environments": "read"}"#)
                .unwrap();
        assert!(p.can_write("applications") && p.can_read("teams_tenants") && !p.can_write("teams_tenants"));
        assert!(!p.can_read("apis"));
    }

    #[test]
    fn nav_shows_only_readable_areas() {
        let support = Permissions::from_pairs(&[("users", Level::Full)]);
        let nav = visible_nav(&support);
        assert_eq!(nav.iter().map(|n| n.href).collect::<Vec<_>>(), ["/users", "/explorer"]);
        let viewer = Permissions(NAV.iter().map(|n| (n.area.to_owned(), Level::Read)).collect());
        assert_eq!(visible_nav(&viewer).len(), NAV.len());
        assert_eq!(visible_nav(&Permissions::default()).iter().map(|n| n.href).collect::<Vec<_>>(), ["/explorer"]);
    }

    #[test]
    fn paths_map_to_areas() {
        assert_eq!(area_of("/users/auth0%7C1"), Some("users"));
        assert_eq!(area_of("/teams/members"), Some("teams_members"));
        assert_eq!(area_of("/usersx"), None);
        assert_eq!(area_of("/"), None);
    }
}
