//! The console's addresses: which page a path shows and which area it needs.
//!
//! The console matches paths itself rather than with one router route per
//! page: each route of a router is a distinct generic type, and the code
//! size of matching them grows with every page (see `web/BENCHMARKS.md`).

/// A page of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/`
    Overview,
    /// `/users`
    Users,
    /// `/users/:id`
    User,
    /// `/roles`
    Roles,
    /// `/roles/:id`
    Role,
    /// `/applications`
    Applications,
    /// `/applications/:id`
    Application,
    /// `/connections`
    Connections,
    /// `/connections/:id`
    Connection,
    /// `/organizations`
    Organizations,
    /// `/organizations/:id`
    Organization,
    /// `/logs`
    Logs,
    /// `/grants`
    Grants,
    /// `/apis`
    Apis,
    /// `/apis/:id`
    Api,
    /// `/teams/tenants`
    Tenants,
    /// `/teams/members`
    Members,
    /// `/teams/activity`
    Activity,
    /// `/audit`
    Audit,
    /// `/actions`
    Actions,
    /// `/actions/:id`
    Action,
    /// `/log-streams`
    LogStreams,
    /// `/settings`
    Settings,
    /// `/explorer` (lists only what the policy allows)
    Explorer,
    /// `/approvals` (`?id=` shows one request)
    Approvals,
    /// `/keys`: the BFF's API keys
    Keys,
}

impl Page {
    /// The area the page needs read access to (`None`: everyone).
    pub fn area(self) -> Option<&'static str> {
        Some(match self {
            Self::Overview | Self::Explorer => return None,
            Self::Users | Self::User => "users",
            Self::Roles | Self::Role => "roles",
            Self::Applications | Self::Application => "applications",
            Self::Connections | Self::Connection => "connections",
            Self::Organizations | Self::Organization => "organizations",
            Self::Logs => "logs",
            Self::Grants => "grants",
            Self::Apis | Self::Api => "apis",
            Self::Tenants => "teams_tenants",
            Self::Members => "teams_members",
            Self::Activity => "teams_activity",
            Self::Audit => "audit",
            Self::Actions | Self::Action => "actions",
            Self::LogStreams => "logStreams",
            Self::Settings => "tenants",
            Self::Approvals => super::permissions::APPROVALS,
            Self::Keys => super::permissions::API_KEYS,
        })
    }
}

/// The page a path shows; `None` for an unknown address.
pub fn resolve(path: &str) -> Option<Page> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match segments.as_slice() {
        [""] => Page::Overview,
        ["users"] => Page::Users,
        ["users", id] if !id.is_empty() => Page::User,
        ["roles"] => Page::Roles,
        ["roles", id] if !id.is_empty() => Page::Role,
        ["applications"] => Page::Applications,
        ["applications", id] if !id.is_empty() => Page::Application,
        ["connections"] => Page::Connections,
        ["connections", id] if !id.is_empty() => Page::Connection,
        ["organizations"] => Page::Organizations,
        ["organizations", id] if !id.is_empty() => Page::Organization,
        ["logs"] => Page::Logs,
        ["grants"] => Page::Grants,
        ["apis"] => Page::Apis,
        ["apis", id] if !id.is_empty() => Page::Api,
        ["teams", "tenants"] => Page::Tenants,
        ["teams", "members"] => Page::Members,
        ["teams", "activity"] => Page::Activity,
        ["audit"] => Page::Audit,
        ["actions"] => Page::Actions,
        ["actions", id] if !id.is_empty() => Page::Action,
        ["log-streams"] => Page::LogStreams,
        ["settings"] => Page::Settings,
        ["explorer"] => Page::Explorer,
        ["approvals"] => Page::Approvals,
        ["keys"] => Page::Keys,
        _ => return None,
    })
}

impl Page {
    /// Whether the page shows one object named by the path's last segment.
    pub fn is_detail(self) -> bool {
        matches!(
            self,
            Self::User
                | Self::Role
                | Self::Application
                | Self::Connection
                | Self::Organization
                | Self::Api
                | Self::Action
        )
    }
}

/// The id of the detail page a path shows, or `None` when the path shows
/// another page (`/users` after deleting a user is not the user `users`).
pub fn detail_of(path: &str) -> Option<String> {
    resolve(path).filter(|p| p.is_detail()).map(|_| detail_id(path))
}

/// The id a detail page's path names, decoded (`/users/auth0%7C1` → `auth0|1`).
pub fn detail_id(path: &str) -> String {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    super::url_state::decode_component(&last.replace('+', "%2B"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn paths_resolve() {
        assert_eq!(resolve("/"), Some(Page::Overview));
        assert_eq!(resolve(""), Some(Page::Overview));
        assert_eq!(resolve("/users"), Some(Page::Users));
        assert_eq!(resolve("/users/"), Some(Page::Users));
        assert_eq!(resolve("/users/auth0%7C1"), Some(Page::User));
        assert_eq!(resolve("/teams/members"), Some(Page::Members));
        assert_eq!(resolve("/teams"), None);
        assert_eq!(resolve("/users/a/b"), None);
        assert_eq!(resolve("/nope"), None);
        assert_eq!(resolve("/actions/act_1"), Some(Page::Action));
        assert_eq!(resolve("/log-streams"), Some(Page::LogStreams));
        assert_eq!(Page::Settings.area(), Some("tenants"));
        assert_eq!(resolve("/approvals"), Some(Page::Approvals));
        assert_eq!(resolve("/keys"), Some(Page::Keys));
        assert_eq!(Page::Approvals.area(), Some("approvals"));
        assert_eq!(Page::Keys.area(), Some("apiKeys"), "the BFF's keys, not the tenant's signing keys (`keys`)");
    }

    #[test]
    fn areas_and_ids() {
        assert_eq!(Page::User.area(), Some("users"));
        assert_eq!(Page::Overview.area(), None);
        assert_eq!(Page::Members.area(), Some("teams_members"));
        assert_eq!(detail_id("/users/auth0%7C123"), "auth0|123");
        assert_eq!(detail_id("/users/google-oauth2%7C1+2"), "google-oauth2|1+2");
        assert_eq!(detail_of("/users/auth0%7C1").as_deref(), Some("auth0|1"));
        assert_eq!(detail_of("/users"), None, "a list page names no object");
        assert_eq!(detail_of("/applications?x=1"), None);
    }
}
