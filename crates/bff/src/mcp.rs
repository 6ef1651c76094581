//! `/mcp`: the tenant's operations as tools for AI agents, over the MCP
//! streamable HTTP transport (the official Rust SDK, `rmcp`).
//!
//! An agent authenticates with its API key (`Authorization: Bearer gk_…`)
//! on every request; nothing else authenticates here (a session cookie
//! does not). Checks, in order, before the SDK sees the request:
//! 1. the key: none, an unknown one or a revoked one is 401;
//! 2. `Origin`: a browser page of any origin but the BFF's own (or one
//!    configured in `mcp.allowed_origins`) is 403, against DNS rebinding;
//!    agents send none;
//! 3. the SDK's own checks: `Host`, the body size limit (413), media types.
//!
//! The transport runs stateless (no `Mcp-Session-Id`): each request is
//! authenticated and decided on its own, so a key revoked between two
//! calls stops at once and no session can be borrowed by another key. `GET`
//! (a server-sent stream) and `DELETE` (ending a session) are therefore
//! answered 405, as the transport specifies for servers without them.
//!
//! Tools come from the catalog ([`CATALOG`]): one per operation, named by
//! its dotted name with `_` for `.` ([`tool_name`]). `tools/list` shows
//! those the key's policy allows (and Teams ones only when Teams is
//! configured); `tools/call` sends every call, allowed or not, through the
//! proxy's one path ([`crate::proxy::run`]: policy, share of the rate
//! limit, body checks, escalation guard, the shared client, audit), so a
//! call is decided again against the policy and audited like any other.

use crate::apikeys::ApiKey;
use crate::app::{Principal, Shared};
use crate::proxy::{Found, Invocation, run};
use crate::responses::error;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_model::catalog::{CATALOG, Items, OpDesc, Paging, QueryKind};
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::policy::Permission;
use gatehouse_model::{ErrorBody, describe};
use http::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN};
use http::{HeaderValue, StatusCode};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, JsonObject, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Instant;
use tower_service::Service as _;

/// The MCP service the router mounts at `/mcp`.
pub(crate) type McpService = StreamableHttpService<Tools, NeverSessionManager>;

/// Builds the MCP service: stateless, plain JSON answers, the BFF's body
/// limit, and the SDK's `Host` and `Origin` checks set to the BFF's own.
pub(crate) fn service(state: &Shared) -> McpService {
    let mut hosts = Vec::new();
    if let Some(host) = state.public.host_str() {
        hosts.push(host.trim_start_matches('[').trim_end_matches(']').to_owned());
        if let Some(port) = state.public.port_or_known_default() {
            hosts.push(format!("{host}:{port}"));
        }
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        if loopback {
            hosts.extend(["localhost", "127.0.0.1", "::1"].map(str::to_owned));
        }
    }
    let origins: Vec<String> = state
        .mcp_origins
        .iter()
        .filter_map(|o| url::Url::parse(o).ok())
        .filter_map(|u| Some(format!("{}://{}:{}", u.scheme(), u.host_str()?, u.port_or_known_default()?)))
        .collect();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(state.max_body)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation();
    let tools_state = state.clone();
    StreamableHttpService::new(
        move || Ok(Tools { state: tools_state.clone() }),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The agent a request authenticated as, handed to the tools through the
/// request's extensions.
#[derive(Clone)]
struct Agent(ApiKey);

/// `/mcp` (any method): the key, then the `Origin`, then the SDK.
pub(crate) async fn endpoint(State(state): State<Shared>, mut service: McpService, mut request: Request) -> Response {
    let headers = request.headers();
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let key = match bearer.map(|token| state.api_keys.lookup(token)).transpose() {
        Ok(key) => key.flatten(),
        Err(e) => {
            tracing::error!(error = %e, "API key lookup failed");
            return crate::app::keys_unavailable();
        }
    };
    let Some(key) = key else {
        let message = if bearer.is_some() {
            tracing::warn!("MCP request with an unknown or revoked API key refused");
            "the API key is not valid (unknown or revoked)"
        } else if headers.contains_key(http::header::COOKIE) {
            "a console session does not authenticate /mcp: send the agent's API key as `Authorization: Bearer gk_...`"
        } else {
            "send the agent's API key as `Authorization: Bearer gk_...`"
        };
        let code = if bearer.is_some() { "gatehouse_invalid_api_key" } else { "gatehouse_unauthenticated" };
        let mut r = error(StatusCode::UNAUTHORIZED, code, message);
        r.headers_mut().insert(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    };
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
        if !state.mcp_origins.iter().any(|o| o == origin) {
            tracing::warn!(principal = %key.name, origin, "MCP request from a foreign origin refused");
            return error(
                StatusCode::FORBIDDEN,
                "gatehouse_origin",
                "requests to /mcp from this origin are refused (add it to mcp.allowed_origins to allow it)",
            );
        }
    }
    request.extensions_mut().insert(Agent(key));
    match service.call(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// The tool handler: one instance per request (the transport is stateless).
#[derive(Clone)]
pub(crate) struct Tools {
    state: Shared,
}

/// The agent of a request, as [`endpoint`] put it in the request's extensions.
fn agent_of(context: &RequestContext<RoleServer>) -> Result<ApiKey, ErrorData> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Agent>())
        .map(|agent| agent.0.clone())
        .ok_or_else(|| ErrorData::internal_error("the request carries no authenticated agent", None))
}

impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("gatehouse", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Each tool is one operation of the Auth0 tenant's Management API (Teams API tools start with \
                 `teams_`), named by its dotted name with `_` for `.`. Arguments: path parameters by name, query \
                 parameters by their wire names, the request body under `body`. Only the tools this key may call \
                 are listed; every call is decided by Gatehouse's policy and recorded in its audit log. A tool whose \
                 description says it needs approval waits until a human approves or denies the call. A list \
                 that has more results says which arguments fetch the next page. With access to the tenant's logs, \
                 `gatehouse_events_next` waits for the tenant's next log events instead of polling.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let agent = agent_of(&context)?;
        let tools = CATALOG
            .iter()
            .copied()
            .filter(|op| {
                (op.api != Api::Teams || self.state.teams_enabled)
                    && agent.grants.allows_op(op)
                    // No agent could ever call it through the BFF's application token.
                    && !gatehouse_model::policy::needs_user_token(op)
            })
            .map(|op| {
                let mut tool = tool(op);
                if agent.grants.permission_on(op) == Permission::AfterApproval {
                    let secs = self.state.approvals.timeout().as_secs();
                    let note = format!(
                        " Needs a human's approval: the call waits (up to {secs} s) until someone with the approvals \
                         permission approves or denies it, and fails if it is denied or no one decides in time."
                    );
                    let description = format!("{}{note}", tool.description.as_deref().unwrap_or(""));
                    tool.description = Some(description.into());
                }
                tool
            })
            .chain(crate::events::can_read(&Principal::Key(agent.clone())).then(crate::events::tool))
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        if name == crate::events::TOOL {
            return Some(crate::events::tool());
        }
        by_tool_name(name).map(tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = Instant::now();
        let agent = agent_of(&context)?;
        if request.name == crate::events::TOOL {
            let principal = Principal::Key(agent);
            let args = request.arguments.unwrap_or_default();
            return Ok(crate::events::call_tool(&self.state, &principal, args).await.into());
        }
        let Some(op) = by_tool_name(&request.name) else {
            return Err(ErrorData::invalid_params(format!("there is no tool `{}`", request.name), None));
        };
        let args = match Args::read(op, request.arguments.unwrap_or_default()) {
            Ok(a) => a,
            Err(message) => return Ok(text_error(format!("`{}`: {message}", request.name)).into()),
        };
        let (raw_path, http_request) = match args.request(op) {
            Ok(r) => r,
            Err(message) => return Ok(text_error(format!("`{}`: {message}", request.name)).into()),
        };
        let found = Found::for_op(op, &raw_path, args.params.clone());
        let principal = Principal::Key(agent);
        let response = run(&self.state, &principal, Invocation::for_op(http_request, found), started).await;
        Ok(result(op, &args, response).await.into())
    }
}

/// The tool name of an operation: its dotted name with `_` for `.`.
pub(crate) fn tool_name(op: &OpDesc) -> String {
    op.name.replace('.', "_")
}

/// The operation a tool name stands for (any operation of the catalog: the policy decides later).
fn by_tool_name(name: &str) -> Option<&'static OpDesc> {
    static BY_NAME: LazyLock<HashMap<String, &'static OpDesc>> =
        LazyLock::new(|| CATALOG.iter().map(|op| (tool_name(op), *op)).collect());
    BY_NAME.get(name).copied()
}

/// One operation as a tool: name, description, input schema, annotations.
/// The tool of a catalog operation, built once per process (its schema
/// walks the generated body schemas) and cloned for each `tools/list`.
fn tool(op: &'static OpDesc) -> Tool {
    static TOOLS: std::sync::OnceLock<std::collections::HashMap<&'static str, Tool>> = std::sync::OnceLock::new();
    let tools = TOOLS.get_or_init(|| CATALOG.iter().map(|op| (op.name, build_tool(op))).collect());
    tools.get(op.name).cloned().unwrap_or_else(|| build_tool(op))
}

fn build_tool(op: &'static OpDesc) -> Tool {
    let placeholders: Vec<String> = op.path_params().map(|p| format!("{{{p}}}")).collect();
    let phrase = describe::phrase(op, &placeholders);
    let method = op.verb.as_http();
    let description = format!("{} ({method} {}, Auth0 operation `{}`).", capitalized(&phrase), op.path, op.name);
    let read_only = op.verb == Verb::Get;
    let annotations = ToolAnnotations::with_title(capitalized(&phrase))
        .read_only(read_only)
        .destructive(!read_only && is_destructive(op, &phrase))
        .idempotent(matches!(op.verb, Verb::Get | Verb::Put | Verb::Delete))
        .open_world(false);
    Tool::new(tool_name(op), description, Arc::new(input_schema(op))).with_annotations(annotations)
}

fn capitalized(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Whether an operation may remove or overwrite something: a `DELETE`, a
/// `PUT` or `PATCH` (they replace what was there), or an action whose
/// description starts with a verb that takes something away.
fn is_destructive(op: &OpDesc, phrase: &str) -> bool {
    const TAKING: &[&str] = &[
        "deleting",
        "removing",
        "revoking",
        "blocking",
        "rotating",
        "resetting",
        "rekeying",
        "regenerating",
        "invalidating",
        "clearing",
        "rolling",
    ];
    matches!(op.verb, Verb::Delete | Verb::Put | Verb::Patch) || TAKING.iter().any(|v| phrase.starts_with(v))
}

/// The input schema of an operation's tool: its path parameters by name,
/// its query parameters by their wire names (kinds, enum values,
/// required), and its request body under `body` ([`body_schema`]).
fn input_schema(op: &'static OpDesc) -> JsonObject {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in op.path_params() {
        properties.insert(p.to_owned(), json!({"type": "string", "minLength": 1, "description": "path parameter"}));
        required.push(Value::from(p));
    }
    for q in op.accepted_query() {
        let one = match q.kind {
            QueryKind::Integer => json!({"type": "integer", "minimum": 0}),
            QueryKind::Boolean => json!({"type": "boolean"}),
            QueryKind::Enum(values) | QueryKind::EnumList(values) => json!({"type": "string", "enum": values}),
            QueryKind::String | QueryKind::StringList => json!({"type": "string"}),
        };
        let schema = if q.kind.is_list() { json!({"type": "array", "items": one}) } else { one };
        properties.insert(q.name.to_owned(), schema);
        if q.required {
            required.push(Value::from(q.name));
        }
    }
    let mut defs = None;
    if let Some(body) = op.body {
        let (schema, reached) = body_schema(op);
        properties.insert("body".to_owned(), schema);
        defs = reached;
        if body.required {
            required.push(Value::from("body"));
        }
    }
    let mut schema = Map::new();
    if let Some(defs) = defs {
        schema.insert("$defs".into(), defs);
    }
    schema.insert("type".into(), Value::from("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), Value::Bool(false));
    schema
}

/// Largest body schema (with its definitions, as JSON text) a tool lists
/// whole; a larger one is listed to its first level, nested definitions
/// left open, so that `tools/list` stays small enough for an agent's context.
const BODY_SCHEMA_BUDGET: usize = 16 * 1024;

/// The JSON schema of an operation's request body, the tool's `body`
/// argument, and the definitions it refers to (`#/$defs/...`, hoisted to
/// the input schema's root): the generated schema the console's explorer
/// uses too ([`crate::catalog::schema_of`]).
pub(crate) fn body_schema(op: &'static OpDesc) -> (Value, Option<Value>) {
    let array = op.body.is_some_and(|b| b.array);
    let Some(mut schema) = crate::catalog::schema_of(op.name, "body") else {
        return (json!({"type": if array { "array" } else { "object" }}), None);
    };
    let defs = schema.as_object_mut().and_then(|m| m.remove("$defs"));
    // A body that is one named schema is shown as that schema's fields.
    if let Some(name) = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/"))
        && let Some(named) = defs.as_ref().and_then(|d| d.get(name))
    {
        schema = named.clone();
    }
    let size = schema.to_string().len() + defs.as_ref().map_or(0, |d| d.to_string().len());
    if size <= BODY_SCHEMA_BUDGET {
        return (schema, defs);
    }
    open_refs(&mut schema);
    (schema, None)
}

/// Replaces every `$ref` in `v` with an open schema (any value).
fn open_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                map.clear();
                return;
            }
            map.values_mut().for_each(open_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(open_refs),
        _ => {}
    }
}

/// A tool call's arguments, read against its operation.
#[derive(Debug, Clone, PartialEq)]
struct Args {
    /// Path parameters, in template order.
    params: Vec<String>,
    /// Query pairs (a list once per value).
    query: Vec<(String, String)>,
    /// The request body.
    body: Option<Value>,
}

impl Args {
    /// Reads the arguments: every path parameter, query parameters of the
    /// kinds the catalog gives (checked with the entry's `check_query`),
    /// `body` only where the operation takes one. A list that is not asked
    /// for a page asks for totals, so the answer says how many there are.
    fn read(op: &'static OpDesc, mut args: JsonObject) -> Result<Self, String> {
        let mut params = Vec::new();
        for p in op.path_params() {
            match args.remove(p) {
                Some(Value::String(s)) if !s.is_empty() => params.push(s),
                Some(Value::Number(n)) => params.push(n.to_string()),
                Some(_) => return Err(format!("`{p}` must be a non-empty string")),
                None => return Err(format!("`{p}` is required")),
            }
        }
        let body = match args.remove("body") {
            None | Some(Value::Null) => None,
            Some(_) if op.body.is_none() => return Err("this operation takes no `body`".to_owned()),
            Some(b) => Some(b),
        };
        if body.is_none() && op.body.is_some_and(|b| b.required) {
            return Err("`body` is required".to_owned());
        }
        let mut query = Vec::new();
        for (name, value) in args {
            let many = op.accepted(&name).is_some_and(|q| q.kind.is_list());
            let values = match value {
                Value::Null => continue,
                Value::Array(items) if many => items,
                Value::Array(_) => return Err(format!("`{name}` takes one value, not a list")),
                Value::Object(_) => return Err(format!("`{name}` cannot be an object")),
                one => vec![one],
            };
            for v in values {
                let text = match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(format!("the values of `{name}` must be strings, numbers or booleans")),
                };
                query.push((name.clone(), text));
            }
        }
        op.check_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| e.to_string())?;
        let paging_set =
            query.iter().any(|(k, _)| ["page", "per_page", "include_totals", "from", "take"].contains(&k.as_str()));
        if op.paging.has_offset() && !paging_set && op.accepted("include_totals").is_some() {
            query.push(("include_totals".to_owned(), "true".to_owned()));
        }
        Ok(Self { params, query, body })
    }

    /// The value of query parameter `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The HTTP request the proxy would have received for this call, and its raw path.
    fn request(&self, op: &'static OpDesc) -> Result<(String, Request), String> {
        let refs: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let raw_path = gatehouse_model::path::fill(op.path, &refs).map_err(|e| e.to_string())?;
        let mut uri = raw_path.clone();
        if !self.query.is_empty() {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.query {
                s.append_pair(k, v);
            }
            uri.push('?');
            uri.push_str(&s.finish());
        }
        let mut builder = http::Request::builder().method(op.verb.as_http()).uri(&uri);
        let body = match &self.body {
            Some(b) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(b).unwrap_or_default())
            }
            None => Body::empty(),
        };
        let request = builder.body(body).map_err(|e| format!("cannot build the request: {e}"))?;
        Ok((raw_path, request))
    }
}

/// A tool error with one text.
fn text_error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// The tool result of the proxy's answer: the tenant's JSON (structured,
/// under `result`, and as text) with the arguments of the next page when
/// there is more; or a tool error naming the status, the error code and
/// message (the tenant's, or Gatehouse's with the missing permission).
async fn result(op: &'static OpDesc, args: &Args, response: Response) -> CallToolResult {
    let status = response.status();
    let bytes = match axum::body::to_bytes(response.into_body(), usize::MAX).await {
        Ok(b) => b,
        Err(e) => return text_error(format!("the answer could not be read: {e}")),
    };
    if status.is_success() {
        let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&bytes).into_owned()))
        };
        let mut structured = json!({"status": status.as_u16(), "result": value});
        let mut content = vec![ContentBlock::text(if bytes.is_empty() {
            format!("done ({})", status.as_u16())
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        })];
        match next_page(op, args, &structured["result"]) {
            Some(Next::Page(next)) => {
                content.push(ContentBlock::text(format!(
                    "There are more results: call `{}` again with these arguments changed: {next}",
                    tool_name(op)
                )));
                structured["next"] = next;
            }
            Some(Next::Window) => {
                let note = "There are more results than Auth0 serves by page (the first 1,000): narrow the \
                            query, or page with `from`/`take` where the tool takes them.";
                content.push(ContentBlock::text(note));
                structured["window"] = Value::from(note);
            }
            None => {}
        }
        let mut r = CallToolResult::success(content);
        r.structured_content = Some(structured);
        return r;
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let parsed = ErrorBody::parse(&bytes);
    let code = parsed.code().map(str::to_owned);
    let message = parsed.message().unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    let by_gatehouse = code.as_deref().is_some_and(|c| c.starts_with("gatehouse_"));
    let reason = status.canonical_reason().unwrap_or("Error");
    let code_part = code.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
    let text = if by_gatehouse {
        format!("Gatehouse refused this call ({}{code_part}): {message}", status.as_u16())
    } else {
        format!("Auth0 answered {} {reason}{code_part}: {message}", status.as_u16())
    };
    let mut structured = json!({"status": status.as_u16(), "errorCode": code, "message": message});
    if let Some(missing) = body.get("missing") {
        structured["missing"] = missing.clone();
    }
    if let Some(after) = body.get("retryAfter") {
        structured["retryAfter"] = after.clone();
    }
    // A call that waited for approval: the request's id (and the decider's reason).
    for key in ["approval", "reason"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            structured[key] = v.clone();
        }
    }
    let mut r = text_error(text);
    r.structured_content = Some(structured);
    r
}

/// What follows a page of a list.
#[derive(Debug, Clone, PartialEq)]
enum Next {
    /// The arguments that fetch the next page (to set on the same call).
    Page(Value),
    /// More results than offset paging reaches.
    Window,
}

/// Auth0's 1,000-result window for offset paging.
const RESULT_WINDOW: u64 = gatehouse_model::paging::RESULT_WINDOW;

/// The arguments of the page after `answer`, by the operation's paging
/// ([`Paging`]): the checkpoint envelope's `next`, the offset envelope's
/// `start`, `limit` and `total`, a full bare page, or for log events the
/// last item's `log_id`.
fn next_page(op: &'static OpDesc, args: &Args, answer: &Value) -> Option<Next> {
    let items_of = |items: Items| -> Option<&Vec<Value>> {
        match (answer, items.key()) {
            (Value::Array(a), _) => Some(a),
            (Value::Object(o), Some(key)) => o.get(key).and_then(Value::as_array),
            _ => None,
        }
    };
    let number = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
    let arg_number = |k: &str| args.get(k).and_then(|v| v.parse::<u64>().ok());
    let items = items_of(op.paging.items()?)?;
    let n = items.len() as u64;
    // Checkpoint paging: the envelope's cursor.
    if op.paging.has_checkpoint()
        && let Some(next) = answer.get("next").and_then(Value::as_str)
    {
        if n == 0 || args.get("from") == Some(next) {
            return None;
        }
        let mut page = json!({"from": next});
        if let Some(take) = args.get("take") {
            page["take"] = Value::from(take.parse::<u64>().unwrap_or(0));
        }
        return Some(Next::Page(page));
    }
    // Log events: `from` an item's id, when paging by it.
    if let (Paging::Both { next: false, .. }, Some(_)) = (op.paging, args.get("from")) {
        let take = arg_number("take").unwrap_or(50);
        let last = items.last().and_then(|i| i.get("log_id")).and_then(Value::as_str)?;
        return (n >= take).then(|| Next::Page(json!({"from": last, "take": take})));
    }
    if !op.paging.has_offset() {
        return None;
    }
    let page = arg_number("page").unwrap_or(0);
    let (per_page, more) = match (number(answer, "start"), number(answer, "limit"), number(answer, "total")) {
        (Some(start), Some(limit), Some(total)) if limit > 0 => (limit, start + n < total),
        _ => {
            let per_page = arg_number("per_page").unwrap_or(50);
            (per_page, n >= per_page && n > 0)
        }
    };
    if !more {
        return None;
    }
    if (page + 1) * per_page >= RESULT_WINDOW {
        return Some(Next::Window);
    }
    Some(Next::Page(json!({"page": page + 1, "per_page": per_page})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::catalog::by_name;

    fn args(op: &'static OpDesc, v: Value) -> Result<Args, String> {
        Args::read(op, v.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn every_operation_is_one_tool_with_a_valid_schema() {
        let mut names = std::collections::HashSet::new();
        for op in CATALOG.iter().copied() {
            let t = tool(op);
            assert!(names.insert(t.name.to_string()), "two tools named {}", t.name);
            assert!(t.name.len() <= 128 && t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert_eq!(by_tool_name(&t.name).map(|o| o.name), Some(op.name));
            if op.api == Api::Teams {
                assert!(t.name.starts_with("teams_"), "{}", t.name);
            }
            // Path and query parameters and `body` never share a name.
            let path: Vec<&str> = op.path_params().collect();
            let query: Vec<&str> = op.accepted_query().map(|q| q.name).collect();
            assert!(path.iter().all(|p| !query.contains(p) && *p != "body"), "{}", op.name);
            assert!(!query.contains(&"body"), "{}", op.name);
        }
        assert_eq!(names.len(), CATALOG.len());
        assert!(names.contains("users_permissions_create") && names.contains("clientGrants_list"));
    }

    #[test]
    fn schemas_and_annotations_follow_the_operation() {
        let list = tool(by_name("users.list").unwrap());
        let schema = Value::Object((*list.input_schema).clone());
        assert_eq!(schema["properties"]["per_page"]["type"], "integer");
        assert_eq!(schema["properties"]["include_totals"]["type"], "boolean");
        assert!(schema["properties"].get("body").is_none());
        let a = list.annotations.unwrap();
        assert_eq!((a.read_only_hint, a.destructive_hint, a.idempotent_hint), (Some(true), Some(false), Some(true)));

        let delete = tool(by_name("users.delete").unwrap());
        let schema = Value::Object((*delete.input_schema).clone());
        assert_eq!(schema["required"], json!(["id"]));
        let a = delete.annotations.unwrap();
        assert_eq!((a.read_only_hint, a.destructive_hint, a.idempotent_hint), (Some(false), Some(true), Some(true)));

        let create = tool(by_name("users.create").unwrap());
        let schema = Value::Object((*create.input_schema).clone());
        assert_eq!(schema["properties"]["body"]["type"], "object");
        let a = create.annotations.unwrap();
        assert_eq!((a.destructive_hint, a.idempotent_hint), (Some(false), Some(false)));

        let roles = tool(by_name("users.roles.delete").unwrap());
        assert!(roles.annotations.unwrap().destructive_hint.unwrap());
    }

    #[test]
    fn arguments_are_read_against_the_catalog() {
        let get = by_name("users.get").unwrap();
        assert_eq!(args(get, json!({})).unwrap_err(), "`id` is required");
        assert!(args(get, json!({"id": ""})).is_err());
        let a = args(get, json!({"id": "auth0|1", "fields": "email"})).unwrap();
        let (raw, req) = a.request(get).unwrap();
        assert_eq!(raw, "/api/v2/users/auth0%7C1");
        assert_eq!(req.uri().to_string(), "/api/v2/users/auth0%7C1?fields=email");
        assert!(args(get, json!({"id": "x", "nope": 1})).unwrap_err().contains("nope"));
        assert!(args(get, json!({"id": "x", "body": {}})).unwrap_err().contains("no `body`"));
        assert!(args(get, json!({"id": ".."})).unwrap().request(get).is_err(), "`..` never leaves its segment");

        let list = by_name("users.list").unwrap();
        let a = args(list, json!({"q": "email:\"a@b\"", "per_page": 5})).unwrap();
        assert_eq!(a.query, vec![("q".into(), "email:\"a@b\"".into()), ("per_page".into(), "5".into())]);
        assert!(args(list, json!({"per_page": "lots"})).is_err());
        let a = args(list, json!({})).unwrap();
        assert_eq!(a.query, vec![("include_totals".into(), "true".into())], "a first page asks for totals");
        assert!(args(list, json!({"q": ["a", "b"]})).unwrap_err().contains("one value"));
    }

    #[test]
    fn next_pages() {
        let users = by_name("users.list").unwrap();
        let a = args(users, json!({})).unwrap();
        let page = json!({"start": 0, "limit": 2, "length": 2, "total": 5, "users": [{}, {}]});
        assert_eq!(next_page(users, &a, &page), Some(Next::Page(json!({"page": 1, "per_page": 2}))));
        let last = json!({"start": 4, "limit": 2, "length": 1, "total": 5, "users": [{}]});
        assert_eq!(next_page(users, &args(users, json!({"page": 2, "per_page": 2})).unwrap(), &last), None);
        let deep = args(users, json!({"page": 9, "per_page": 100})).unwrap();
        let full = json!({"start": 900, "limit": 100, "length": 100, "total": 5000, "users": vec![json!({}); 100]});
        assert_eq!(next_page(users, &deep, &full), Some(Next::Window));

        let orgs = by_name("organizations.list").unwrap();
        let a = args(orgs, json!({"take": 1})).unwrap();
        let page = json!({"organizations": [{"id": "a"}], "next": "n1"});
        assert_eq!(next_page(orgs, &a, &page), Some(Next::Page(json!({"from": "n1", "take": 1}))));
        assert_eq!(next_page(orgs, &a, &json!({"organizations": []})), None);
    }
}
