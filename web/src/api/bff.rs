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
use serde_json::Value;

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
    /// How the call came: `console`, `api` or `mcp` (an agent's tool call); empty from a BFF that does not say.
    #[serde(default)]
    pub via: Option<String>,
    /// The approval request the call waited for, if it needed one.
    #[serde(default)]
    pub approval: Option<String>,
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

/// One field an update would change: its value now and the one asked for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    /// The field's name (`blocked`, `app_metadata.plan`, ...).
    pub field: String,
    /// The object's value now (`null` when unset).
    #[serde(default)]
    pub before: Value,
    /// The value the call would set.
    #[serde(default)]
    pub after: Value,
}

/// A call waiting for (or closed after) a human's decision: `GET /approvals`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    /// `apr_…`.
    pub id: String,
    /// `pending`, `approved`, `denied`, `expired` or `cancelled`.
    pub status: String,
    /// The API key's name or the admin's email.
    pub principal: String,
    /// `api_key` or `user`.
    #[serde(default)]
    pub principal_kind: String,
    /// `mcp` (an agent's tool call) or `api`.
    #[serde(default)]
    pub via: String,
    /// The operation's dotted name (`users.delete`).
    pub operation: String,
    /// HTTP method.
    #[serde(default)]
    pub method: String,
    /// The path called.
    #[serde(default)]
    pub path: String,
    /// Path parameters by name: the object acted on.
    #[serde(default)]
    pub params: Value,
    /// What is asked, in plain English.
    #[serde(default)]
    pub sentence: String,
    /// The request body, secrets removed.
    #[serde(default)]
    pub body: Option<Value>,
    /// For an update, what would change.
    #[serde(default)]
    pub changes: Option<Vec<Change>>,
    /// RFC 3339.
    #[serde(default)]
    pub requested_at: String,
    /// RFC 3339: when the caller stops waiting and the request expires.
    #[serde(default)]
    pub expires_at: String,
    /// Who decided.
    #[serde(default)]
    pub decided_by: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub decided_at: Option<String>,
    /// The decider's reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// The call's own audit entry, once it has run or been refused.
    #[serde(default)]
    pub audit_id: Option<i64>,
}

/// `GET /approvals`: requests, newest first, and how many are pending.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Approvals {
    /// The requests of the status asked for.
    pub approvals: Vec<Approval>,
    /// How many are pending (whatever status was asked for).
    #[serde(default)]
    pub pending: u64,
}

/// One API key, as `GET /keys` lists it (the key itself is never listed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Its name (the principal's name in the audit log).
    pub name: String,
    /// `config` (the configuration file: read-only here) or `database`.
    #[serde(default)]
    pub source: String,
    /// Its access as a list: `users=read,users.delete=approve`.
    #[serde(default)]
    pub access_list: String,
    /// The users it may act on, if limited.
    #[serde(default)]
    pub user_scope: Option<Value>,
    /// Who created it.
    #[serde(default)]
    pub created_by: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339, once revoked.
    #[serde(default)]
    pub revoked_at: Option<String>,
    /// Who revoked it.
    #[serde(default)]
    pub revoked_by: Option<String>,
    /// RFC 3339 of its last use.
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// `GET /keys`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ApiKeys {
    /// Every key, the configuration file's and the database's.
    pub keys: Vec<ApiKey>,
}

/// The answer to `POST /keys`: the new key, shown this once.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKey {
    /// Its name.
    pub name: String,
    /// The secret key (`gk_…`).
    pub key: String,
    /// An MCP client's configuration using it.
    #[serde(default)]
    pub mcp_config: Value,
}

pub(super) fn net(e: gloo_net::Error) -> UiError {
    UiError::msg(format!("The Gatehouse server could not be reached ({e})."))
}

async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, UiError> {
    answer(request.header("X-CSRF", "1").send().await.map_err(net)?).await
}

/// Sends a JSON body (or none) with the console's CSRF header.
async fn send_body<T: DeserializeOwned>(request: RequestBuilder, body: Option<&Value>) -> Result<T, UiError> {
    let request = request.header("X-CSRF", "1");
    let request = match body {
        Some(b) => request.header("Content-Type", "application/json").body(b.to_string()),
        None => request.build(),
    };
    answer(request.map_err(net)?.send().await.map_err(net)?).await
}

/// A success decoded (an empty body is `null`), or the error as shown.
async fn answer<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, UiError> {
    let status = response.status();
    let body = response.binary().await.map_err(net)?;
    if (200..300).contains(&status) {
        let body = if body.iter().all(u8::is_ascii_whitespace) { b"null".to_vec() } else { body };
        serde_json::from_slice(&body).map_err(|e| UiError::msg(format!("Unexpected answer from the server: {e}")))
    } else {
        Err(UiError::from_body(status, &body))
    }
}

/// `GET /approvals?status=…`: `pending`, `approved`, `denied`, `expired`, `cancelled` or `all`.
pub async fn approvals(status: &str) -> Result<Approvals, UiError> {
    send(Request::get(&format!("/approvals{}", encode_query(&[("status", status)])))).await
}

/// How many approval requests are pending (`GET /approvals?status=pending`),
/// decoding nothing else: the navigation's badge needs only this, and the
/// requests' decoders stay with the approvals page's code.
pub async fn pending_approvals() -> Result<u64, UiError> {
    #[derive(Deserialize)]
    struct Count {
        #[serde(default)]
        pending: u64,
    }
    send::<Count>(Request::get("/approvals?status=pending")).await.map(|c| c.pending)
}

/// `GET /approvals/{id}`.
pub async fn approval(id: &str) -> Result<Approval, UiError> {
    send(Request::get(&format!("/approvals/{}", encode_component(id)))).await
}

/// `POST /approvals/{id}`: approves or denies a pending request, with an optional reason.
pub async fn decide(id: &str, approve: bool, reason: &str) -> Result<Approval, UiError> {
    let mut body = serde_json::json!({ "decision": if approve { "approve" } else { "deny" } });
    if !reason.trim().is_empty() {
        body["reason"] = Value::from(reason.trim());
    }
    send_body(Request::post(&format!("/approvals/{}", encode_component(id))), Some(&body)).await
}

/// `GET /keys`.
pub async fn api_keys() -> Result<ApiKeys, UiError> {
    send(Request::get("/keys")).await
}

/// `POST /keys` with `{name, access, userScope?}`.
pub async fn create_key(body: &Value) -> Result<CreatedKey, UiError> {
    send_body(Request::post("/keys"), Some(body)).await
}

/// `PATCH /keys/{name}` with `{access, userScope?}`.
pub async fn update_key(name: &str, body: &Value) -> Result<ApiKey, UiError> {
    send_body(Request::patch(&format!("/keys/{}", encode_component(name))), Some(body)).await
}

/// `DELETE /keys/{name}`: the key stops working at once.
pub async fn revoke_key(name: &str) -> Result<(), UiError> {
    send_body::<Value>(Request::delete(&format!("/keys/{}", encode_component(name))), None).await.map(|_| ())
}

/// `GET /events/status`: whether the tenant's log stream feeds the BFF.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsStatus {
    /// A log stream delivers to the BFF: the live feed works.
    #[serde(default)]
    pub streaming: bool,
    /// The caller may follow the feed.
    #[serde(default)]
    pub can_read: bool,
    /// The caller may set the log stream up (`logStreams.create` at once).
    #[serde(default)]
    pub can_set_up: bool,
    /// Where the tenant must deliver.
    #[serde(default)]
    pub endpoint: String,
}

/// Whether the live event feed works here.
pub async fn events_status() -> Result<EventsStatus, UiError> {
    send(Request::get("/events/status")).await
}

/// `POST /events/setup`: creates the tenant's log stream pointing at the BFF.
pub async fn set_up_events() -> Result<Value, UiError> {
    send_body(Request::post("/events/setup"), None).await
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
