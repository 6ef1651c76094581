//! The access policy. Its vocabulary (levels, targets, grants, roles) and
//! the rules against escalation live in the model
//! ([`gatehouse_model::policy`]) so that the console reads the same words;
//! this module re-exports them for the BFF's configuration and handlers.

pub use gatehouse_model::policy::{
    ALIASES, API_KEYS, APPROVALS, AUDIT, AccessChange, Caller, Facts, Grants, Level, Permission, Policy, PolicyRole,
    Refusal, SECRETS, Target, UserFacts, check, scopes_needed,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_read_from_toml() {
        let star: Grants = toml::from_str("'*' = 'read'\nusers = 'full'\n'users.delete' = 'off'").unwrap();
        assert_eq!(star.level(Target::Group("users")), Level::Full);
        assert_eq!(star.level(Target::Operation("users.delete")), Level::Off);
        assert_eq!(star.level(Target::Group("logs")), Level::Read);
        let aliases: Grants = toml::from_str("applications = 'full'\nteams_members = 'read'").unwrap();
        assert_eq!(aliases.level(Target::Group("clients")), Level::Full);
        assert_eq!(aliases.level(Target::Group("teams.members")), Level::Read);
        assert!(toml::from_str::<Grants>("userz = 'read'").is_err());
        assert!(toml::from_str::<Grants>("users = 'admin'").unwrap_err().to_string().contains("not a level"));
        // Dotted keys need no quotes when the group itself is not set on the same level.
        let dotted: Grants =
            toml::from_str("'*' = 'full'\nusers.delete = 'off'\nusers.permissions.create = 'read'").unwrap();
        assert_eq!(dotted.level(Target::Operation("users.delete")), Level::Off);
        assert_eq!(dotted.level(Target::Operation("users.permissions.create")), Level::Read);
        assert_eq!(dotted.level(Target::Operation("users.update")), Level::Full);
        let p: Policy = toml::from_str("app_metadata_roles = 'gatehouse.roles'\n[roles.ops]\nlogs = 'read'").unwrap();
        assert_eq!(p.app_metadata_roles.as_deref(), Some("gatehouse.roles"));
        assert!(toml::from_str::<Policy>("rolez = 1").is_err(), "unknown policy keys are refused");
    }
}
