//! Typed connection options, chosen by the connection's strategy.
//!
//! A connection's `options` object has a different shape for every strategy,
//! so the generated [`Connection`] keeps it as a JSON map. [`ConnectionOptions`]
//! decodes that map into the options type of the strategy; like every model
//! object, the typed options keep unknown fields, so
//! `ConnectionOptions::decode(s, &m)?.to_map() == m`.

use crate::DecodeError;
use crate::object::decode_value;
use crate::types::{
    AdOptions, AdfsOptions, Connection, CreateConnection, DatabaseOptions, GoogleAppsOptions, GoogleOAuth2Options,
    OidcOptions, OktaOptions, SamlpOptions, Strategy, UpdateConnection, WaadOptions, WindowsLiveOptions,
};
use serde_json::{Map, Value};

/// A connection's options, typed for the strategies Gatehouse knows.
// Variants are unboxed so they can be matched and built directly; the enum is
// a short-lived view of one connection, not something stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionOptions {
    /// Strategy `ad`: Active Directory / LDAP through the AD connector.
    Ad(AdOptions),
    /// Strategy `adfs`.
    Adfs(AdfsOptions),
    /// Strategy `google-apps`: Google Workspace.
    GoogleApps(GoogleAppsOptions),
    /// Strategy `google-oauth2`: Google social login.
    GoogleOAuth2(GoogleOAuth2Options),
    /// Strategy `waad`: Microsoft Entra ID (Azure AD).
    Waad(WaadOptions),
    /// Strategy `windowslive`: Microsoft accounts.
    WindowsLive(WindowsLiveOptions),
    /// Strategy `auth0`: a database connection.
    Auth0(DatabaseOptions),
    /// Strategy `samlp`: a SAML identity provider.
    Samlp(SamlpOptions),
    /// Strategy `oidc`: an OpenID Connect identity provider.
    Oidc(OidcOptions),
    /// Strategy `okta`: Okta Workforce.
    Okta(OktaOptions),
    /// Any other strategy, kept as raw JSON.
    Other(Map<String, Value>),
}

impl ConnectionOptions {
    /// Decodes `options` as the options of `strategy` (its wire name, such as
    /// `"google-oauth2"`). Unknown strategies give [`ConnectionOptions::Other`].
    pub fn decode(strategy: &str, options: &Map<String, Value>) -> Result<Self, DecodeError> {
        let value = Value::Object(options.clone());
        Ok(match strategy {
            "ad" => Self::Ad(decode_value(&value)?),
            "adfs" => Self::Adfs(decode_value(&value)?),
            "google-apps" => Self::GoogleApps(decode_value(&value)?),
            "google-oauth2" => Self::GoogleOAuth2(decode_value(&value)?),
            "waad" => Self::Waad(decode_value(&value)?),
            "windowslive" => Self::WindowsLive(decode_value(&value)?),
            "auth0" => Self::Auth0(decode_value(&value)?),
            "samlp" => Self::Samlp(decode_value(&value)?),
            "oidc" => Self::Oidc(decode_value(&value)?),
            "okta" => Self::Okta(decode_value(&value)?),
            _ => Self::Other(options.clone()),
        })
    }

    /// The strategy these options belong to; `None` for [`ConnectionOptions::Other`].
    pub fn strategy(&self) -> Option<Strategy> {
        let wire = match self {
            Self::Ad(_) => "ad",
            Self::Adfs(_) => "adfs",
            Self::GoogleApps(_) => "google-apps",
            Self::GoogleOAuth2(_) => "google-oauth2",
            Self::Waad(_) => "waad",
            Self::WindowsLive(_) => "windowslive",
            Self::Auth0(_) => "auth0",
            Self::Samlp(_) => "samlp",
            Self::Oidc(_) => "oidc",
            Self::Okta(_) => "okta",
            Self::Other(_) => return None,
        };
        Some(Strategy::from(wire))
    }

    /// The options as the JSON object the API expects.
    pub fn to_map(&self) -> Map<String, Value> {
        let value = match self {
            Self::Ad(o) => serde_json::to_value(o),
            Self::Adfs(o) => serde_json::to_value(o),
            Self::GoogleApps(o) => serde_json::to_value(o),
            Self::GoogleOAuth2(o) => serde_json::to_value(o),
            Self::Waad(o) => serde_json::to_value(o),
            Self::WindowsLive(o) => serde_json::to_value(o),
            Self::Auth0(o) => serde_json::to_value(o),
            Self::Samlp(o) => serde_json::to_value(o),
            Self::Oidc(o) => serde_json::to_value(o),
            Self::Okta(o) => serde_json::to_value(o),
            Self::Other(map) => return map.clone(),
        };
        match value {
            Ok(Value::Object(map)) => map,
            // Model objects always serialize to a JSON object with string keys.
            _ => unreachable!("connection options serialize to a JSON object"),
        }
    }
}

fn typed(
    strategy: Option<&Strategy>,
    options: Option<&Map<String, Value>>,
) -> Result<Option<ConnectionOptions>, DecodeError> {
    let Some(options) = options else {
        return Ok(None);
    };
    let strategy = strategy.map(Strategy::as_str).unwrap_or_default();
    ConnectionOptions::decode(strategy, options).map(Some)
}

impl Connection {
    /// The options typed by this connection's strategy; `None` when the
    /// response carried no options (they need the `read:connections_options` scope).
    pub fn typed_options(&self) -> Result<Option<ConnectionOptions>, DecodeError> {
        typed(self.strategy.as_ref(), self.options.as_ref())
    }

    /// Replaces the options.
    pub fn set_options(&mut self, options: ConnectionOptions) {
        self.options = Some(options.to_map());
    }
}

impl CreateConnection {
    /// The options typed by the strategy of the connection to create.
    pub fn typed_options(&self) -> Result<Option<ConnectionOptions>, DecodeError> {
        typed(Some(&self.strategy), self.options.as_ref())
    }

    /// Sets the options.
    pub fn set_options(&mut self, options: ConnectionOptions) {
        self.options = Some(options.to_map());
    }
}

impl UpdateConnection {
    /// The options typed by `strategy` (an update body does not name the strategy).
    pub fn typed_options(&self, strategy: &Strategy) -> Result<Option<ConnectionOptions>, DecodeError> {
        typed(Some(strategy), self.options.as_ref())
    }

    /// Sets the options to send (they replace all of the connection's options).
    pub fn set_options(&mut self, options: ConnectionOptions) {
        self.options = Some(options.to_map());
    }
}
