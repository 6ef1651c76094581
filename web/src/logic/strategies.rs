//! Connection strategies: how they are grouped, and which options the
//! console's form shows for each. Options it does not show are kept as they are.

/// How an option is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// A secret: write-only, never shown.
    Secret,
    /// On or off.
    Bool,
    /// A list, one item per line.
    List,
    /// A whole number.
    Number,
    /// Long text (certificates, XML).
    LongText,
}

/// One option of a strategy's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Key in `options`.
    pub key: &'static str,
    /// Label shown.
    pub label: &'static str,
    /// How it is edited.
    pub kind: FieldKind,
}

const fn f(key: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field { key, label, kind }
}

use FieldKind::{Bool, List, LongText, Number, Secret, Text};

const DATABASE: &[Field] = &[
    f("disable_signup", "Disable sign-ups", Bool),
    f("requires_username", "Require a username", Bool),
    f("brute_force_protection", "Brute-force protection", Bool),
    f("passwordPolicy", "Password policy (none, low, fair, good, excellent)", Text),
    f("import_mode", "Import users from an external database", Bool),
    f("disable_self_service_change_password", "Disable self-service password change", Bool),
];
const SOCIAL: &[Field] = &[
    f("client_id", "Client ID", Text),
    f("client_secret", "Client secret", Secret),
    f("scope", "Scopes", List),
    f("allowed_audiences", "Allowed audiences", List),
];
const AD: &[Field] = &[
    f("tenant_domain", "Tenant domain", Text),
    f("domain_aliases", "Domain aliases", List),
    f("ips", "IP ranges for Kerberos", List),
    f("kerberos", "Kerberos", Bool),
    f("certAuth", "Certificate authentication", Bool),
    f("brute_force_protection", "Brute-force protection", Bool),
    f("disable_cache", "Disable credential cache", Bool),
];
const ADFS: &[Field] = &[
    f("adfs_server", "ADFS metadata URL", Text),
    f("tenant_domain", "Tenant domain", Text),
    f("domain_aliases", "Domain aliases", List),
    f("user_id_attribute", "User id attribute", Text),
    f("fedMetadataXml", "Federation metadata XML", LongText),
];
const GOOGLE_APPS: &[Field] = &[
    f("domain", "Google Workspace domain", Text),
    f("tenant_domain", "Tenant domain", Text),
    f("domain_aliases", "Domain aliases", List),
    f("client_id", "Client ID", Text),
    f("client_secret", "Client secret", Secret),
    f("api_enable_users", "Enable users API", Bool),
    f("ext_groups", "Get groups", Bool),
];
const WAAD: &[Field] = &[
    f("tenant_domain", "Microsoft Entra domain", Text),
    f("domain_aliases", "Domain aliases", List),
    f("client_id", "Client ID", Text),
    f("client_secret", "Client secret", Secret),
    f("app_domain", "App domain", Text),
    f("api_enable_users", "Enable users API", Bool),
    f("ext_groups", "Get groups", Bool),
];
const SAMLP: &[Field] = &[
    f("signInEndpoint", "Sign-in URL", Text),
    f("signOutEndpoint", "Sign-out URL", Text),
    f("entityId", "Entity ID", Text),
    f("tenant_domain", "Tenant domain", Text),
    f("domain_aliases", "Domain aliases", List),
    f("signSAMLRequest", "Sign requests", Bool),
    f("debug", "Debug mode", Bool),
    f("cert", "Signing certificate (PEM)", LongText),
];
const OIDC: &[Field] = &[
    f("issuer", "Issuer URL", Text),
    f("client_id", "Client ID", Text),
    f("client_secret", "Client secret", Secret),
    f("authorization_endpoint", "Authorization endpoint", Text),
    f("token_endpoint", "Token endpoint", Text),
    f("jwks_uri", "JWKS URI", Text),
    f("scope", "Scopes (space-separated)", Text),
    f("tenant_domain", "Tenant domain", Text),
    f("domain_aliases", "Domain aliases", List),
];
const WINDOWSLIVE: &[Field] = &[
    f("client_id", "Client ID", Text),
    f("client_secret", "Client secret", Secret),
    f("strategy_version", "Strategy version", Number),
];

/// Strategies the create form offers, with their names.
pub const STRATEGIES: &[(&str, &str)] = &[
    ("auth0", "Database"),
    ("google-oauth2", "Google (social)"),
    ("windowslive", "Microsoft account (social)"),
    ("ad", "Active Directory / LDAP"),
    ("adfs", "ADFS"),
    ("google-apps", "Google Workspace"),
    ("waad", "Microsoft Entra ID"),
    ("samlp", "SAML"),
    ("oidc", "OpenID Connect"),
    ("okta", "Okta Workforce"),
];

/// The options the form shows for a strategy.
pub fn fields(strategy: &str) -> &'static [Field] {
    match strategy {
        "auth0" => DATABASE,
        "google-oauth2" => SOCIAL,
        "windowslive" => WINDOWSLIVE,
        "ad" => AD,
        "adfs" => ADFS,
        "google-apps" => GOOGLE_APPS,
        "waad" => WAAD,
        "samlp" => SAMLP,
        "oidc" | "okta" => OIDC,
        _ => &[],
    }
}

/// The group a strategy is listed under.
pub fn group(strategy: &str) -> &'static str {
    match strategy {
        "auth0" => "Database",
        "email" | "sms" => "Passwordless",
        s if is_enterprise(s) => "Enterprise",
        "" => "Other",
        _ => "Social",
    }
}

/// Whether a strategy is an enterprise one (these have a provisioning ticket).
pub fn is_enterprise(strategy: &str) -> bool {
    matches!(
        strategy,
        "ad" | "adfs"
            | "auth0-adldap"
            | "google-apps"
            | "ip"
            | "office365"
            | "okta"
            | "oidc"
            | "pingfederate"
            | "samlp"
            | "sharepoint"
            | "waad"
    )
}

/// The display name of a strategy.
pub fn name(strategy: &str) -> &str {
    STRATEGIES.iter().find(|(s, _)| *s == strategy).map_or(strategy, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_offered_strategy_has_a_form() {
        for (s, _) in STRATEGIES {
            assert!(!fields(s).is_empty(), "{s}");
        }
        assert!(fields("github").is_empty());
    }

    #[test]
    fn groups() {
        assert_eq!(group("auth0"), "Database");
        assert_eq!(group("google-oauth2"), "Social");
        assert_eq!(group("samlp"), "Enterprise");
        assert_eq!(group("sms"), "Passwordless");
        assert!(is_enterprise("waad") && !is_enterprise("google-oauth2"));
        assert_eq!(name("waad"), "Microsoft Entra ID");
        assert_eq!(name("github"), "github");
    }

    #[test]
    fn secrets_are_marked() {
        assert!(fields("oidc").iter().any(|f| f.key == "client_secret" && f.kind == FieldKind::Secret));
    }
}
