//! The BFF's own endpoints (not Auth0's): who is signed in, the audit log, sign-out.

use super::error::UiError;
use super::{note_budget, origin};
use crate::logic::guard::{Guard, PolicyRole};
use crate::logic::permissions::Permissions;
use crate::logic::url_state::{encode_component, encode_query};
use gatehouse_model::RateLimit;
use gloo_net::http::{Request, RequestBuilder};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// `GET /auth/me`: who is signed in and what they may do.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    /// The admin's email (none for an API key).
    #[serde(default)]
    pub email: Option<String>,
    /// Email or API key name.
    pub principal: String,
    /// Roles from the sign-in.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Access level per area.
    #[serde(default)]
    pub permissions: Permissions,
    /// The tenant's rate-limit budget as last seen.
    #[serde(default, rename = "rateLimit")]
    pub rate_limit: RateLimit,
    /// The signed-in admin's Auth0 user id (none for an API key, or from a BFF that does not say).
    #[serde(default)]
    pub subject: Option<String>,
    /// The roles the access policy names, and whether the caller may give or take each.
    #[serde(default, rename = "policyRoles")]
    pub policy_roles: Vec<PolicyRole>,
}

impl Me {
    /// What the caller may do to users and with roles beyond its access levels.
    pub fn guard(&self) -> Guard {
        Guard::new(self.subject.clone(), self.policy_roles.clone())
    }
}

/// One entry of the BFF's audit log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// RFC 3339 time.
    #[serde(default)]
    pub time: String,
    /// Who.
    pub principal: String,
    /// Operation id, such as `DeleteUser`.
    #[serde(default)]
    pub operation: Option<String>,
    /// Area, such as `users`.
    #[serde(default)]
    pub resource: Option<String>,
    /// `allowed` or `denied`, by the access policy.
    pub decision: String,
    /// What came of it: `succeeded`, `failed` (upstream), or `not_sent`.
    #[serde(default)]
    pub outcome: String,
    /// The tenant's error code when it refused the call, such as `inexistent_user`.
    #[serde(default)]
    pub upstream_error: Option<String>,
    /// Whether the call changes something (a write), not only reads.
    #[serde(default)]
    pub change: bool,
    /// Why it was denied, or what went wrong.
    #[serde(default)]
    pub reason: Option<String>,
    /// Status answered.
    #[serde(default)]
    pub status: Option<u16>,
    /// What happened, in plain English.
    pub sentence: String,
    /// HTTP method.
    #[serde(default)]
    pub method: String,
    /// Path.
    #[serde(default)]
    pub path: String,
}

/// `GET /audit`: one page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// How many match in all.
    pub total: u64,
}

fn net(e: gloo_net::Error) -> UiError {
    UiError::msg(format!("The Gatehouse server could not be reached ({e})."))
}

async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, UiError> {
    let response = request.header("X-CSRF", "1").send().await.map_err(net)?;
    let status = response.status();
    let body = response.binary().await.map_err(net)?;
    if (200..300).contains(&status) {
        serde_json::from_slice(&body).map_err(|e| UiError::msg(format!("Unexpected answer from the server: {e}")))
    } else {
        Err(UiError::from_body(status, &body))
    }
}

/// Who is signed in; a 401 means nobody.
pub async fn me() -> Result<Me, UiError> {
    let me: Me = send(Request::get("/auth/me")).await?;
    note_budget(Some(me.rate_limit));
    Ok(me)
}

/// A page of the audit log for the given filters (`principal`, `resource`, `decision`, `outcome`,
/// `changes`, `failures`, `object`, `q`, `since`, `until`) and paging (`page`, `per_page`).
pub async fn audit(filters: &[(String, String)]) -> Result<AuditPage, UiError> {
    send(Request::get(&format!("/audit{}", encode_query(filters)))).await
}

/// The URL of an export of the audit log (`format` is `csv` or `jsonl`) with the same filters as [`audit`].
pub fn audit_export_url(format: &str, filters: &[(String, String)]) -> String {
    let mut pairs = vec![("format".to_owned(), format.to_owned())];
    pairs.extend(filters.iter().filter(|(k, _)| k != "page" && k != "per_page").cloned());
    format!("/audit/export{}", encode_query(&pairs))
}

/// An export of the audit log, fetched like every other call (`X-CSRF`, the
/// session cookie): the file's name (from `Content-Disposition`) and its text.
pub async fn audit_export(url: &str) -> Result<(String, String), UiError> {
    let response = Request::get(url).header("X-CSRF", "1").send().await.map_err(net)?;
    let status = response.status();
    if !(200..300).contains(&status) {
        let body = response.binary().await.map_err(net)?;
        return Err(UiError::from_body(status, &body));
    }
    let name = response
        .headers()
        .get("content-disposition")
        .and_then(|d| d.split_once("filename=\"").and_then(|(_, rest)| rest.split_once('"')).map(|(n, _)| n.to_owned()))
        .unwrap_or_else(|| "gatehouse-audit.txt".to_owned());
    let text = response.text().await.map_err(net)?;
    Ok((name, text))
}

/// Ends the session; returns where to go to end the provider's session, if anywhere.
pub async fn logout() -> Result<Option<String>, UiError> {
    #[derive(Deserialize)]
    struct Out {
        #[serde(rename = "endSessionUrl")]
        end_session_url: Option<String>,
    }
    let out: Out = send(Request::post("/auth/logout")).await?;
    Ok(out.end_session_url)
}

/// The sign-in URL that comes back to `return_to` (a path on this site).
pub fn sign_in_url(return_to: &str) -> String {
    format!("{}/auth/login?return_to={}", origin(), encode_component(return_to))
}

/// The operations the principal may use, as the BFF's `GET /catalog` describes them.
pub async fn catalog() -> Result<serde_json::Value, UiError> {
    send(Request::get("/catalog")).await
}

/// One operation with its request and answer schemas (`GET /catalog/{name}`).
pub async fn catalog_op(name: &str) -> Result<serde_json::Value, UiError> {
    send(Request::get(&format!("/catalog/{}", encode_component(name)))).await
}
