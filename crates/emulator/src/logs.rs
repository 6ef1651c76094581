//! Writing log events (`/api/v2/logs`) and Teams activity entries.
//!
//! Log ids are `900` followed by a zero-padded sequence number: numeric,
//! sortable as strings, and in the order events happened, which is what
//! checkpoint reading with `from` relies on.

use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

/// Fields of a request body never written to a log.
const REDACTED: &[&str] = &["password", "client_secret", "code_verifier"];

/// The log id for sequence number `seq`.
pub fn log_id(seq: u64) -> String {
    format!("900{seq:053}")
}

/// Stores an event, giving it the next id; returns the id.
pub fn append(t: &mut Tenant, mut event: Map<String, Value>) -> String {
    let id = log_id(t.next_counter("log_seq"));
    let unnamed = event.get("client_name").and_then(Value::as_str).is_none_or(str::is_empty);
    if let (true, Some(client)) = (unnamed, event.get("client_id").and_then(Value::as_str)) {
        if let Some(name) = t.get(Kind::Clients, client).and_then(|c| c.get("name")).cloned() {
            event.insert("client_name".into(), name);
        }
    }
    event.insert("_id".into(), json!(id));
    event.insert("log_id".into(), json!(id));
    // `_id` and `log_id` first, as Auth0 writes them.
    let mut ordered = Map::new();
    ordered.insert("_id".into(), json!(id));
    ordered.insert("log_id".into(), json!(id));
    for (k, v) in event {
        if k != "_id" && k != "log_id" {
            ordered.insert(k, v);
        }
    }
    t.put(Kind::Logs, id.clone(), Value::Object(ordered));
    id
}

/// A copy of a request body with secrets replaced by `*****`.
pub fn redacted(body: &Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if REDACTED.contains(&k.as_str()) { json!("*****") } else { redacted(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// A verb phrase such as `Delete user auth0|1` from the table's gerund description.
pub fn description(ctx: &Ctx) -> String {
    let phrase = ctx.describe();
    let (first, rest) = phrase.split_once(' ').unwrap_or((phrase.as_str(), ""));
    let verb = match first {
        "creating" => "Create",
        "reading" => "Read",
        "updating" => "Update",
        "deleting" => "Delete",
        "listing" => "List",
        "assigning" => "Assign",
        "removing" => "Remove",
        "adding" => "Add",
        "revoking" => "Revoke",
        "inviting" => "Invite",
        "changing" => "Change",
        "granting" => "Grant",
        "requesting" => "Request",
        other => other,
    };
    if rest.is_empty() { verb.to_owned() } else { format!("{verb} {rest}") }
}

/// The log event of a Management API operation: `sapi` for a successful
/// write, `mgmt_api_read` for a successful read, `fapi` for a failure and
/// `api_limit` when refused by the rate limit.
pub fn api_event(ctx: &Ctx, result: &ApiResult<Reply>) -> Map<String, Value> {
    let write = ctx.is_write();
    let (kind, status, response_body) = match result {
        Ok(reply) => (if write { "sapi" } else { "mgmt_api_read" }, reply.status, reply.body.clone()),
        Err(e) if e.status == 429 => ("api_limit", e.status, Some(e.body(ctx.api()))),
        Err(e) => ("fapi", e.status, Some(e.body(ctx.api()))),
    };
    let client_id = ctx.principal.as_ref().map(|p| p.client_id.clone());
    let scopes = ctx.principal.as_ref().map(|p| p.scopes.clone()).unwrap_or_default();
    let response_body = match (&response_body, write || kind != "mgmt_api_read") {
        // Lists can be large; a read's log keeps the status only.
        (Some(body), true) if !body.is_array() => redacted(body),
        _ => json!({}),
    };
    let mut e = Map::new();
    e.insert("date".into(), json!(ctx.now_iso()));
    e.insert("type".into(), json!(kind));
    e.insert("description".into(), json!(description(ctx)));
    e.insert("client_id".into(), json!(client_id));
    e.insert("client_name".into(), json!(""));
    e.insert("ip".into(), json!(ctx.ip));
    e.insert("user_agent".into(), json!(ctx.user_agent));
    e.insert(
        "details".into(),
        json!({
            "request": {
                "method": ctx.verb().as_http().as_str().to_ascii_lowercase(),
                "path": ctx.path,
                "query": query_object(ctx),
                "body": redacted(&ctx.body),
                "channel": "api",
                "ip": ctx.ip,
                "userAgent": ctx.user_agent,
                "auth": {"strategy": "jwt", "credentials": {"scopes": scopes}, "user": {}},
            },
            "response": {"statusCode": status, "body": response_body},
        }),
    );
    if let Some(user) = ctx.template().contains("/users/{id}").then(|| ctx.param(0)) {
        e.insert("user_id".into(), json!(user));
    }
    e.insert("isMobile".into(), json!(false));
    e
}

fn query_object(ctx: &Ctx) -> Value {
    let mut m = Map::new();
    for param in ctx.query_spec().into_iter().flat_map(|query| query.accepted_query()) {
        if let Some(v) = ctx.query.get(param.name) {
            m.insert(param.name.to_owned(), json!(v));
        }
    }
    Value::Object(m)
}

/// A sign-in or token event (`s`, `f`, `fp`, `fu`, `seccft`, `feccft`, `seacft`, `feacft`, `slo`).
#[allow(clippy::too_many_arguments)]
pub fn auth_event(
    t: &mut Tenant,
    kind: &str,
    description: &str,
    client: Option<(&str, &str)>,
    user: Option<(&str, &str)>,
    connection: Option<&str>,
    ip: &str,
    user_agent: &str,
    details: Value,
) -> String {
    let mut e = Map::new();
    e.insert("date".into(), json!(crate::clock::now_iso()));
    e.insert("type".into(), json!(kind));
    e.insert("description".into(), json!(description));
    if let Some(conn) = connection {
        e.insert("connection".into(), json!(conn));
        if let Some(id) = t
            .coll(Kind::Connections)
            .values()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(conn))
            .and_then(|c| c.get("id"))
        {
            e.insert("connection_id".into(), id.clone());
        }
    }
    if let Some((id, name)) = client {
        e.insert("client_id".into(), json!(id));
        e.insert("client_name".into(), json!(name));
    }
    e.insert("ip".into(), json!(ip));
    e.insert("user_agent".into(), json!(user_agent));
    e.insert("details".into(), details);
    if let Some((id, name)) = user {
        e.insert("user_id".into(), json!(id));
        e.insert("user_name".into(), json!(name));
    }
    e.insert("strategy".into(), json!(if connection.is_some() { "auth0" } else { "" }));
    e.insert("strategy_type".into(), json!(if connection.is_some() { "database" } else { "" }));
    e.insert("isMobile".into(), json!(false));
    append(t, e)
}

/// What a Teams write is called in the activity log: `(type, event)`.
fn teams_event(ctx: &Ctx) -> (&'static str, &'static str) {
    use gatehouse_model::OperationId as Op;
    match ctx.row.map(|r| r.id) {
        Some(Op::InviteTeamMembers) => ("Team Invitation", "team_member_invited"),
        Some(Op::UpdateTeamMember) => ("Team Member", "team_member_role_updated"),
        Some(Op::RemoveTeamMember) => ("Team Member", "team_member_removed"),
        Some(Op::AddTeamMemberTenants) => ("Tenant Member", "tenant_member_added"),
        Some(Op::UpdateTeamMemberTenants) => ("Tenant Member", "tenant_member_roles_updated"),
        Some(Op::RemoveTeamMemberTenants) => ("Tenant Member", "tenant_member_removed"),
        Some(Op::CreateTenant) => ("Tenant Activity", "tenant_created"),
        Some(Op::DeleteTenant) => ("Tenant Activity", "tenant_deleted"),
        _ => ("Team Activity", "team_api_request"),
    }
}

/// Records a Teams API write in the team's activity log.
pub fn teams_activity(ctx: &Ctx, t: &mut Tenant, result: &Result<Reply, ApiError>) {
    let (kind, event) = teams_event(ctx);
    let client_id = ctx.principal.as_ref().map(|p| p.client_id.clone()).unwrap_or_default();
    let client_name = t
        .get(Kind::Clients, &client_id)
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("API client")
        .to_owned();
    let (status, outcome) = match result {
        Ok(r) => ("Success", json!({"status": r.status})),
        Err(e) => ("Failure", json!({"status": e.status, "error": e.teams_type(), "message": e.message})),
    };
    let mut details = json!({
        "operation": description(ctx),
        "path": ctx.path,
        "request": redacted(&ctx.body),
        "response": outcome,
    });
    if let Some(p) = ctx.params.first() {
        details["target"] = json!(p);
    }
    let id = t.ids.uuid();
    let entry = json!({
        "id": id,
        "type": kind,
        "status": status,
        "details": details,
        "ip": ctx.ip,
        "hostname": ctx.state.urls.host(),
        "user_agent": ctx.user_agent,
        "version": "1.0",
        "created_at": ctx.now_iso(),
        "current_event": event,
        "actor": {"id": client_id, "type": "machine", "name": client_name},
    });
    append_activity(t, id, entry);
}

/// Stores an activity entry, keeping them in time order.
pub fn append_activity(t: &mut Tenant, id: String, entry: Value) {
    t.put(Kind::Activity, id, entry);
}
