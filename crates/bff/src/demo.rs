//! Demo mode: no tenant configured, so an emulator runs in-process and the
//! BFF is configured against it, with the demo admins and the demo policy.

use crate::config::TenantConfig;
use gatehouse_model::Secret;

/// What demo mode prints: where the emulator is and who can sign in.
#[derive(Debug, Clone)]
pub struct DemoInfo {
    /// The emulator's origin.
    pub emulator_url: String,
    /// Demo admins: (email, role).
    pub admins: Vec<(String, String)>,
    /// Their password.
    pub password: Secret,
    /// The demo agent's API key, made at every start (replacing the
    /// previous run's); `None` when the policy cannot grant its access.
    pub agent: Option<DemoAgent>,
}

/// The demo agent's API key: what `gatehouse serve` prints in demo mode.
#[derive(Debug, Clone)]
pub struct DemoAgent {
    /// Its name (`demo-agent`).
    pub name: String,
    /// Its access list, such as `users=read,logs=read,users.delete=approve`.
    pub access: String,
    /// The key, shown once at start.
    pub key: Secret,
    /// The configuration of an MCP client that takes a URL and headers:
    /// `{"mcpServers": {"gatehouse": {"url": …, "headers": {"Authorization": "Bearer gk_…"}}}}`.
    pub mcp_config: serde_json::Value,
}

/// Starts the emulator with this BFF's callback registered, and returns
/// the tenant configuration pointing at it.
pub(crate) async fn start_emulator(
    config: Option<gatehouse_emulator::Config>,
    redirect_uri: &str,
) -> anyhow::Result<(gatehouse_emulator::EmulatorHandle, TenantConfig, DemoInfo)> {
    let mut config = config.unwrap_or_default();
    if config.demo_password.is_none() {
        config.demo_password = std::env::var("GATEHOUSE_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    }
    if !config.redirect_uris.iter().any(|u| u == redirect_uri) {
        config.redirect_uris.push(redirect_uri.to_owned());
    }
    let emulator = gatehouse_emulator::Emulator::start(config).await?;
    let tenant = TenantConfig {
        base_url: Some(emulator.base_url.clone()),
        client_id: emulator.client_id.clone(),
        client_secret: Some(Secret::new(emulator.client_secret.clone())),
        management_audience: Some(emulator.management_audience.clone()),
        teams_base_url: Some(emulator.base_url.clone()),
        teams_audience: Some(emulator.teams_audience.clone()),
        issuer: Some(format!("{}/", emulator.base_url)),
        oidc_client_id: emulator.web_client_id.clone(),
        oidc_client_secret: Some(Secret::new(emulator.web_client_secret.clone())),
        roles_claim: Some(gatehouse_emulator::oidc::ROLES_CLAIM.to_owned()),
        ..TenantConfig::default()
    };
    let info = DemoInfo {
        emulator_url: emulator.base_url.clone(),
        admins: gatehouse_emulator::seed::ADMINS
            .iter()
            .map(|(email, role, ..)| ((*email).to_owned(), (*role).to_owned()))
            .collect(),
        password: Secret::new(emulator.demo_password.clone()),
        agent: None,
    };
    Ok((emulator, tenant, info))
}
