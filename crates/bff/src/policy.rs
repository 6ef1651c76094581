//! The access policy. Its vocabulary (levels, targets, grants, roles) and
//! the rules against escalation live in the model
//! ([`gatehouse_model::policy`]) so that the console reads the same words;
//! this module re-exports them for the BFF's configuration and handlers.

pub use gatehouse_model::policy::{
    AUDIT, AccessChange, Caller, Facts, Grants, Level, Policy, PolicyRole, Refusal, Target, UserFacts, check,
    scopes_needed,
};

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::Resource;

    #[test]
    fn grants_read_from_toml() {
        let star: Grants = toml::from_str("'*' = 'read'\nusers = 'full'").unwrap();
        assert_eq!(star.level(Target::Resource(Resource::Users)), Level::Full);
        assert_eq!(star.level(Target::Resource(Resource::Logs)), Level::Read);
        let p: Policy = toml::from_str("app_metadata_roles = 'gatehouse.roles'\n[roles.ops]\nlogs = 'read'").unwrap();
        assert_eq!(p.app_metadata_roles.as_deref(), Some("gatehouse.roles"));
        assert!(toml::from_str::<Policy>("rolez = 1").is_err(), "unknown policy keys are refused");
    }
}
