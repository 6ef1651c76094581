//! From a request to an answer, for every operation of the model's table.
//!
//! The pipeline is the same for each row: authenticate the bearer token for
//! the row's API, check the scopes the row (and its body) require, check
//! the body against the row's typed request body and the query against the
//! parameters the operation takes (its catalog entry's), then run the handler. The handler is
//! chosen by an exhaustive `match` on [`OperationId`], so a row added to the
//! table does not compile here until it is handled.
//!
//! Writes run under the tenant's write lock together with their log event
//! (`sapi` / `fapi`, or a Teams activity entry), so the event is committed
//! with the change it records.

use crate::error::{ApiError, ApiResult};
use crate::generic;
use crate::handlers::{
    clients, connections, grants, logs as log_handlers, organizations, resource_servers, roles, teams, users,
};
use crate::logs;
use crate::query::Params;
use crate::server::AppState;
use crate::store::Tenant;
use crate::token;
use gatehouse_model::catalog::{Media, OpDesc, QuerySpec};
use gatehouse_model::{Access, Api, OperationId, OperationSpec, Paging, Verb};
use serde_json::{Value, json};

/// Who is calling: what the bearer token said.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// `sub` claim.
    pub subject: String,
    /// The application the token was issued to.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

/// Bearer tokens already checked, so that a token reused for many calls
/// (as clients are meant to) has its signature verified once. Entries
/// expire with their token; the cache is bounded.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    inner: std::sync::Mutex<std::collections::HashMap<String, (String, u64, Principal)>>,
}

impl VerifiedTokens {
    const MAX: usize = 4096;

    /// The caller of a token verified earlier for `audience`, if still valid at `now`.
    pub fn get(&self, token: &str, audience: &str, now: u64) -> Option<Principal> {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(token) {
            Some((aud, exp, principal)) if aud == audience && now < *exp => Some(principal.clone()),
            _ => None,
        }
    }

    /// Remembers a verified token until `exp`.
    pub fn insert(&self, token: &str, audience: &str, exp: u64, principal: Principal) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(token.to_owned(), (audience.to_owned(), exp, principal));
    }
}

/// Everything a handler needs about one request.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The emulator.
    pub state: &'a AppState,
    /// The table row, when the operation has one.
    pub row: Option<&'static OperationSpec>,
    /// The catalog entry (every operation but the token endpoint has one).
    pub op: Option<&'static OpDesc>,
    /// Decoded path parameters, in template order.
    pub params: Vec<String>,
    /// The query string.
    pub query: Params,
    /// The JSON body (`Null` when none).
    pub body: Value,
    /// The raw body, for the token endpoint's form encoding.
    pub raw_body: Vec<u8>,
    /// `Content-Type` of the request.
    pub content_type: String,
    /// `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The authenticated caller (API operations).
    pub principal: Option<Principal>,
    /// When the request arrived, epoch milliseconds.
    pub now_ms: i64,
    /// Caller's address.
    pub ip: String,
    /// Caller's `User-Agent`.
    pub user_agent: String,
    /// Raw request path, for log details.
    pub path: String,
}

impl Ctx<'_> {
    /// The API the operation belongs to.
    pub fn api(&self) -> Api {
        self.row.map(|r| r.api).or(self.op.map(|o| o.api)).unwrap_or(Api::Authentication)
    }

    /// The HTTP method.
    pub fn verb(&self) -> Verb {
        self.row.map(|r| r.verb).or(self.op.map(|o| o.verb)).unwrap_or(Verb::Post)
    }

    /// The path template.
    pub fn template(&self) -> &'static str {
        self.row.map(|r| r.path).or(self.op.map(|o| o.path)).unwrap_or_default()
    }

    /// Whether the operation changes the tenant.
    pub fn is_write(&self) -> bool {
        match self.row {
            Some(row) => row.access == Access::Write,
            None => self.verb() != Verb::Get,
        }
    }

    /// How the table row pages (table handlers only).
    pub fn paging(&self) -> Paging {
        self.row.map_or(Paging::None, |r| r.paging)
    }

    /// What the query string takes.
    pub fn query_spec(&self) -> Option<QuerySpec> {
        self.row.and_then(|r| r.query).or(self.op.map(|o| o.query_spec()))
    }

    /// What the operation does, as a gerund phrase (`deleting user auth0|1`).
    pub fn describe(&self) -> String {
        if let Some(row) = self.row {
            return row.describe_with(&self.params);
        }
        let name = self.op.map_or("", |o| o.name);
        let gerund = match self.verb() {
            Verb::Get => "reading",
            Verb::Post => "creating",
            Verb::Patch | Verb::Put => "updating",
            Verb::Delete => "deleting",
        };
        let mut phrase = format!("{gerund} {name}");
        for p in &self.params {
            phrase.push(' ');
            phrase.push_str(p);
        }
        phrase
    }

    /// Path parameter `i` (they are guaranteed by the route match).
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map(String::as_str).unwrap_or_default()
    }

    /// The request time as ISO 8601.
    pub fn now_iso(&self) -> String {
        crate::clock::iso(self.now_ms)
    }

    /// Whether the caller's token holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.principal.as_ref().is_some_and(|p| p.scopes.iter().any(|s| s == scope))
    }

    /// The body as an object (validated to be one for body operations).
    pub fn body_obj(&self) -> serde_json::Map<String, Value> {
        self.body.as_object().cloned().unwrap_or_default()
    }
}

/// A success answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body; `None` for no content.
    pub body: Option<Value>,
    /// Extra headers (the token endpoint's `Cache-Control`, ...).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        Self { status: 200, body: Some(body), headers: Vec::new() }
    }

    /// 201 with a body.
    pub fn created(body: Value) -> Self {
        Self { status: 201, body: Some(body), headers: Vec::new() }
    }

    /// 204 without a body.
    pub fn no_content() -> Self {
        Self { status: 204, body: None, headers: Vec::new() }
    }

    /// Any status with a body.
    pub fn with_status(status: u16, body: Value) -> Self {
        Self { status, body: Some(body), headers: Vec::new() }
    }
}

type ReadFn = fn(&Ctx, &Tenant) -> ApiResult<Reply>;
type WriteFn = fn(&Ctx, &mut Tenant) -> ApiResult<Reply>;

/// Runs a read-only handler; failures (and, when asked, successes) are logged.
fn read(ctx: &Ctx, f: ReadFn) -> ApiResult<Reply> {
    let result = ctx.state.store.read(|t| f(ctx, t));
    let log_it = match &result {
        Ok(_) => ctx.state.config.log_reads && ctx.api() == Api::Management,
        Err(_) => ctx.api() == Api::Management,
    };
    if log_it {
        let event = logs::api_event(ctx, &result);
        ctx.state.store.write(|t| logs::append(t, event)).map_err(|e| ApiError::internal(format!("{e:#}")))?;
    }
    result
}

/// Runs a handler that changes the tenant; its log event goes in the same commit.
fn write(ctx: &Ctx, f: WriteFn) -> ApiResult<Reply> {
    ctx.state
        .store
        .write(|t| {
            let result = f(ctx, t);
            match ctx.api() {
                Api::Management => {
                    let event = logs::api_event(ctx, &result);
                    logs::append(t, event);
                }
                Api::Teams => logs::teams_activity(ctx, t, &result),
                Api::Authentication => {}
            }
            result
        })
        .map_err(|e| ApiError::internal(format!("{e:#}")))?
}

/// Runs the handler of the operation; authentication and validation are done.
fn run(ctx: &Ctx) -> ApiResult<Reply> {
    use OperationId as Op;
    let Some(row) = ctx.row else {
        // Every other operation of the specs: by the shape of its catalog entry.
        return if ctx.verb() == Verb::Get { read(ctx, generic::read) } else { write(ctx, generic::write) };
    };
    match row.id {
        Op::ListUsers => read(ctx, users::list),
        Op::GetUser => read(ctx, users::get),
        Op::CreateUser => write(ctx, users::create),
        Op::UpdateUser => write(ctx, users::update),
        Op::DeleteUser => write(ctx, users::delete),
        Op::ListUserRoles => read(ctx, users::list_roles),
        Op::ListUserOrganizations => read(ctx, organizations::list_for_user),
        Op::AssignUserRoles => write(ctx, users::assign_roles),
        Op::RemoveUserRoles => write(ctx, users::remove_roles),
        Op::ListRoles => read(ctx, roles::list),
        Op::GetRole => read(ctx, roles::get),
        Op::CreateRole => write(ctx, roles::create),
        Op::UpdateRole => write(ctx, roles::update),
        Op::DeleteRole => write(ctx, roles::delete),
        Op::ListRoleUsers => read(ctx, roles::list_users),
        Op::AssignRoleUsers => write(ctx, roles::assign_users),
        Op::ListClients => read(ctx, clients::list),
        Op::GetClient => read(ctx, clients::get),
        Op::CreateClient => write(ctx, clients::create),
        Op::UpdateClient => write(ctx, clients::update),
        Op::DeleteClient => write(ctx, clients::delete),
        Op::ListConnections => read(ctx, connections::list),
        Op::GetConnection => read(ctx, connections::get),
        Op::CreateConnection => write(ctx, connections::create),
        Op::UpdateConnection => write(ctx, connections::update),
        Op::DeleteConnection => write(ctx, connections::delete),
        Op::ListOrganizations => read(ctx, organizations::list),
        Op::GetOrganization => read(ctx, organizations::get),
        Op::CreateOrganization => write(ctx, organizations::create),
        Op::UpdateOrganization => write(ctx, organizations::update),
        Op::DeleteOrganization => write(ctx, organizations::delete),
        Op::ListOrganizationMembers => read(ctx, organizations::list_members),
        Op::AddOrganizationMembers => write(ctx, organizations::add_members),
        Op::RemoveOrganizationMembers => write(ctx, organizations::remove_members),
        Op::ListOrganizationMemberRoles => read(ctx, organizations::list_member_roles),
        Op::AssignOrganizationMemberRoles => write(ctx, organizations::assign_member_roles),
        Op::RemoveOrganizationMemberRoles => write(ctx, organizations::remove_member_roles),
        Op::ListLogs => read(ctx, log_handlers::list),
        Op::GetLog => read(ctx, log_handlers::get),
        Op::ListGrants => read(ctx, grants::list),
        Op::DeleteGrant => write(ctx, grants::delete),
        Op::ListResourceServers => read(ctx, resource_servers::list),
        Op::GetResourceServer => read(ctx, resource_servers::get),
        Op::CreateResourceServer => write(ctx, resource_servers::create),
        Op::UpdateResourceServer => write(ctx, resource_servers::update),
        Op::DeleteResourceServer => write(ctx, resource_servers::delete),
        Op::RequestToken => token::exchange(ctx),
        Op::ListTeamMembers => read(ctx, teams::list_members),
        Op::InviteTeamMembers => write(ctx, teams::invite),
        Op::GetTeamMember => read(ctx, teams::get_member),
        Op::UpdateTeamMember => write(ctx, teams::update_member),
        Op::RemoveTeamMember => write(ctx, teams::remove_member),
        Op::AddTeamMemberTenants => write(ctx, teams::add_member_tenants),
        Op::UpdateTeamMemberTenants => write(ctx, teams::update_member_tenants),
        Op::RemoveTeamMemberTenants => write(ctx, teams::remove_member_tenants),
        Op::ListTeamMemberTenants => read(ctx, teams::list_member_tenants),
        Op::ListTenants => read(ctx, teams::list_tenants),
        Op::CreateTenant => write(ctx, teams::create_tenant),
        Op::GetTenant => read(ctx, teams::get_tenant),
        Op::DeleteTenant => write(ctx, teams::delete_tenant),
        Op::ListTenantMembers => read(ctx, teams::list_tenant_members),
        Op::ListEnvironments => read(ctx, teams::list_environments),
        Op::ListActivityLogs => read(ctx, teams::list_activity),
    }
}

/// Checks the bearer token for the row's API.
fn authenticate(ctx: &Ctx) -> ApiResult<Principal> {
    let Some(header) = ctx.authorization.as_deref() else {
        return Err(ApiError::unauthorized("Missing authentication"));
    };
    let Some(token) = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim) else {
        return Err(ApiError::unauthorized("Bad HTTP authentication header format"));
    };
    let urls = &ctx.state.urls;
    let audience = match ctx.api() {
        Api::Teams => &urls.teams_audience,
        _ => &urls.management_audience,
    };
    let now = crate::clock::now_secs();
    if let Some(principal) = ctx.state.verified.get(token, audience, now) {
        return Ok(principal);
    }
    let claims =
        ctx.state.keys.verify(token, &urls.issuer, audience).map_err(|e| ApiError::unauthorized(e.message()))?;
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(now);
    let scopes =
        claims.get("scope").and_then(Value::as_str).unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
    let client_id = claims
        .get("azp")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| subject.trim_end_matches("@clients").to_owned());
    let principal = Principal { subject, client_id, scopes };
    ctx.state.verified.insert(token, audience, exp, principal.clone());
    Ok(principal)
}

/// Checks the scopes the row requires (all of them), including those the body triggers.
fn authorize(ctx: &Ctx, body: Option<&Value>) -> ApiResult<()> {
    let Some(row) = ctx.row else {
        // The catalog lists the scopes any one of which grants the call.
        let listed = ctx.op.map_or(&[][..], |o| o.scopes);
        if listed.is_empty() || listed.iter().any(|s| ctx.has_scope(s)) {
            return Ok(());
        }
        return Err(ApiError::insufficient_scope(format!("Insufficient scope, expected any of: {}", listed.join(","))));
    };
    let required = row.scopes_for(body);
    let missing: Vec<&str> = required.iter().copied().filter(|s| !ctx.has_scope(s)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let message = if required.len() == 1 {
        format!("Insufficient scope, expected any of: {}", required[0])
    } else {
        format!("Insufficient scope; expected all of: {}. Missing: {}", required.join(", "), missing.join(", "))
    };
    Err(ApiError::insufficient_scope(message))
}

/// Whether the operation takes a request body.
pub fn takes_body(id: OperationId) -> bool {
    id.roundtrip_body(b"{}").is_some()
}

/// Whether the request's operation takes a body.
fn ctx_takes_body(ctx: &Ctx) -> bool {
    match ctx.row {
        Some(row) => takes_body(row.id),
        None => ctx.op.is_some_and(|o| o.body.is_some()),
    }
}

/// Parses the JSON body of a body operation (without judging its fields yet).
fn parse_body(ctx: &Ctx) -> ApiResult<Value> {
    let raw = &ctx.raw_body;
    let desc = if ctx.row.is_none() { ctx.op.and_then(|o| o.body) } else { None };
    let content_type = ctx.content_type.to_ascii_lowercase();
    if raw.iter().all(u8::is_ascii_whitespace) {
        if desc.is_some_and(|b| !b.required) {
            return Ok(Value::Null);
        }
        return Err(ApiError::payload("'Expected type object but found type null'."));
    }
    if let Some(body) = desc {
        if body.media.contains(&Media::Multipart) {
            return crate::multipart::parse(&ctx.content_type, raw);
        }
        if body.media.contains(&Media::Form) && content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs = form_urlencoded::parse(raw).into_owned();
            return Ok(Value::Object(pairs.map(|(k, v)| (k, Value::String(v))).collect()));
        }
    }
    if !content_type.contains("json") {
        return Err(ApiError::new(415, Some("unsupported_media_type"), "Content-Type must be application/json"));
    }
    let value: Value = serde_json::from_slice(raw)
        .map_err(|e| ApiError::invalid_body(format!("Invalid request payload JSON format: {e}")))?;
    // Operations without a row take what their generated body type takes (some an array).
    if !value.is_object() && desc.is_none() {
        let kind = match &value {
            Value::Array(_) => "array",
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            _ => "null",
        };
        return Err(ApiError::payload(format!("'Expected type object but found type {kind}'.")));
    }
    Ok(value)
}

/// Checks the body against the row's typed request body.
fn check_typed_body(ctx: &Ctx) -> ApiResult<()> {
    let checked = match (ctx.row, ctx.op) {
        (Some(row), _) => row.id.roundtrip_body(&ctx.raw_body),
        (None, Some(op)) if ctx.body.is_null() => None.filter(|_: &Result<Value, _>| op.body.is_some()),
        (None, Some(op)) => {
            let bytes = serde_json::to_vec(&ctx.body).unwrap_or_default();
            gatehouse_model::generated::dispatch::roundtrip_body(op.name, &bytes)
        }
        (None, None) => None,
    };
    match checked {
        Some(Err(e)) => {
            let detail =
                if let Some(field) = e.message.strip_prefix("missing field `").and_then(|s| s.split('`').next()) {
                    format!("'Missing required property: {field}'.")
                } else if e.path == "." || e.path.is_empty() {
                    format!("'{}'.", e.message)
                } else {
                    format!("'{}' on property {}.", e.message, e.path)
                };
            Err(ApiError::payload(detail))
        }
        _ => Ok(()),
    }
}

/// Handles one routed request.
pub fn handle(mut ctx: Ctx) -> (Api, ApiResult<Reply>) {
    let api = ctx.api();
    if api == Api::Authentication {
        return (api, run(&ctx));
    }
    let result = (|| {
        let principal = authenticate(&ctx)?;
        ctx.principal = Some(principal);
        let body = if ctx_takes_body(&ctx) {
            match parse_body(&ctx) {
                Ok(body) => Some(body),
                Err(e) => {
                    authorize(&ctx, None)?;
                    return Err(e);
                }
            }
        } else {
            None
        };
        authorize(&ctx, body.as_ref())?;
        if let Some(body) = body {
            ctx.body = body;
            check_typed_body(&ctx)?;
        }
        match (ctx.row, ctx.op) {
            (Some(row), _) => ctx.query.check(row)?,
            (None, Some(op)) => ctx.query.check_desc(op)?,
            (None, None) => {}
        }
        Ok(())
    })();
    match result {
        Ok(()) => (api, run(&ctx)),
        Err(e) => {
            if api == Api::Management && ctx.principal.is_some() {
                let event = logs::api_event(&ctx, &Err(e.clone()));
                if let Err(db) = ctx.state.store.write(|t| logs::append(t, event)) {
                    return (api, Err(ApiError::internal(format!("{db:#}"))));
                }
            }
            if api == Api::Teams && ctx.principal.is_some() && ctx.is_write() {
                let _ = ctx.state.store.write(|t| logs::teams_activity(&ctx, t, &Err(e.clone())));
            }
            (api, Err(e))
        }
    }
}

/// The `{}` body Auth0 answers some deletes with.
pub fn empty_object() -> Value {
    json!({})
}
