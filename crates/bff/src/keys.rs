//! `/keys`: the API keys (agents, scripts) the BFF manages in its
//! database, live: listed with `apiKeys = "read"`, created, changed and
//! revoked with `apiKeys = "full"`.
//!
//! - `GET /keys` → `{"keys": [Key…]}`: the configuration file's keys
//!   (`source: "config"`), then the database's, revoked ones included (by
//!   name, newest first). `GET /keys/{name}`: one (the active key of that
//!   name, else the newest revoked one).
//! - `POST /keys` `{"name", "access", "userScope"?}` → 201 with the key,
//!   shown this once, and an MCP client configuration (`mcpConfig`).
//! - `PATCH /keys/{name}` `{"access"?, "userScope"?}` → 200 (a `null`
//!   `userScope` removes it).
//! - `DELETE /keys/{name}` → 204: revoked, the row kept with who and when.
//!
//! The rules:
//! - A key never gets what its creator lacks: the creator's grants must
//!   cover the key's access ([`Grants::covers`]), or 403
//!   `gatehouse_escalation` with what is lacking. Changing or revoking a
//!   key also needs everything it holds now, as acting on a user needs
//!   everything the user's roles grant. This is also why the
//!   machine-to-machine token, whose scopes are computed at start from the
//!   policy's roles and the configuration's keys, can serve every database
//!   key: each is covered by a role or a configured key.
//! - Keys of the configuration file are listed but never changed here
//!   (409 `gatehouse_key_in_config`); a name they use cannot be created.
//! - Names are 1 to 64 letters, digits, `-` and `_`, unique among keys
//!   that are not revoked. A revoked key's name may be used again by a new
//!   key (the demo agent's is, at every start): the audit log names keys by
//!   name, and the list's `createdAt` and `revokedAt` tell which key an
//!   entry of that name was.
//! - The key is never stored, listed or audited: only its SHA-256 is kept.
//!
//! Every request is decided once and answered through one exit,
//! [`finish`], which stores its audit entry (refusals included) first.
//! Cookie sessions go through the same CSRF rules as `/api`
//! ([`crate::proxy::gate`]).

use crate::apikeys::{self, MAX_NAME_LEN, PREFIX};
use crate::app::{Principal, Shared};
use crate::audit::{Call, audited};
use crate::clock::rfc3339;
use crate::policy::{API_KEYS, Grants, Level, Target};
use crate::proxy::gate;
use crate::responses::{error_body, json_response};
use crate::security::{hash_token, is_json, random_token, redact};
use crate::store::{AuditRecord, Decision, KeyStore, KeyStoreError, NewKey, Outcome, StoreError, StoredKey};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_model::scope::UserScope;
use http::StatusCode;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The name of the key demo mode creates at every start.
pub const DEMO_AGENT: &str = "demo-agent";

/// The demo agent's access: read users and logs, delete users only with
/// a human's approval.
pub const DEMO_AGENT_ACCESS: &str = "users=read,logs=read,users.delete=approve";

/// Who the audit log says made the changes the BFF makes by itself at start.
pub const SYSTEM: &str = "gatehouse";

/// The largest body `/keys` reads.
const MAX_BODY: usize = 16 * 1024;

/// What a request to `/keys` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    List,
    Get,
    Create,
    Update,
    Revoke,
}

impl Action {
    /// The audit entry's operation.
    fn operation(self) -> &'static str {
        match self {
            Self::List => "ListApiKeys",
            Self::Get => "GetApiKey",
            Self::Create => "CreateApiKey",
            Self::Update => "UpdateApiKey",
            Self::Revoke => "RevokeApiKey",
        }
    }

    /// The level on `apiKeys` it needs.
    fn needs(self) -> Level {
        match self {
            Self::List | Self::Get => Level::Read,
            Self::Create | Self::Update | Self::Revoke => Level::Full,
        }
    }

    /// What it does, as a gerund phrase; `name` once known.
    fn phrase(self, name: Option<&str>) -> String {
        let key = match name {
            Some(n) => format!("API key {n}"),
            None => "an API key".to_owned(),
        };
        match self {
            Self::List => "listing the API keys".to_owned(),
            Self::Get => format!("reading {key}"),
            Self::Create => format!("creating {key}"),
            Self::Update => format!("changing {key}"),
            Self::Revoke => format!("revoking {key}"),
        }
    }

    /// The verb of a refusal for escalation ("may not create API key x").
    fn verb(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Get => "read",
            Self::Create => "create",
            Self::Update => "change",
            Self::Revoke => "revoke",
        }
    }
}

/// `GET /keys` (API calls; page loads get the console, see `app.rs`).
pub(crate) async fn list(State(state): State<Shared>, request: Request) -> Response {
    handle(state, request, Action::List).await
}

/// `GET /keys/{name}`.
pub(crate) async fn one(State(state): State<Shared>, request: Request) -> Response {
    handle(state, request, Action::Get).await
}

/// `POST /keys`.
pub(crate) async fn create(State(state): State<Shared>, request: Request) -> Response {
    handle(state, request, Action::Create).await
}

/// `PATCH /keys/{name}`.
pub(crate) async fn update(State(state): State<Shared>, request: Request) -> Response {
    handle(state, request, Action::Update).await
}

/// `DELETE /keys/{name}`.
pub(crate) async fn revoke(State(state): State<Shared>, request: Request) -> Response {
    handle(state, request, Action::Revoke).await
}

/// A request that ended well: the answer and the audit sentence.
struct Done {
    status: StatusCode,
    /// The JSON answer; `None` for 204.
    body: Option<Value>,
    sentence: String,
}

/// A request refused: what the caller is told and what the audit log says.
struct Refused {
    status: StatusCode,
    code: &'static str,
    message: String,
    extra: Vec<(&'static str, Value)>,
    decision: Decision,
    sentence: String,
    /// Whether it was refused before anything was tried (a bad body, a denial).
    not_sent: bool,
}

impl Refused {
    fn new(status: StatusCode, code: &'static str, message: String, sentence: String) -> Self {
        Self { status, code, message, extra: Vec::new(), decision: Decision::Allowed, sentence, not_sent: false }
    }

    fn with(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }
}

/// What the request carried, for the audit entry.
#[derive(Default)]
struct Trail {
    body: Option<Value>,
}

/// Authenticates (CSRF for cookie sessions), decides, then answers once.
async fn handle(state: Shared, request: Request, action: Action) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let name = name_in_path(parts.uri.path());
    // Listing and reading are `GET`s: every other action is a change.
    let phrase = action.phrase(name.as_deref().map(shown).as_deref());
    let mut call = Call::bff(parts.method.as_str(), action.operation(), API_KEYS, parts.uri.path(), &phrase);
    if let Some(n) = &name {
        call.object = json!({ "name": n });
    }
    let principal = match gate(&state, &parts.headers, &call, started).await {
        Ok(p) => p,
        // Unauthenticated, or refused as cross-site (and then already audited).
        Err(r) => return r,
    };
    let mut trail = Trail::default();
    let ending = decide(&state, &principal, action, name, &parts, body, &mut call, &mut trail).await;
    finish(&state, &principal, &call, ending, trail, started).await
}

/// A name as sentences show it: as it is when it is a valid name, else
/// quoted, escaped and cut to [`MAX_NAME_LEN`] characters (it came from a URL).
fn shown(name: &str) -> String {
    if apikeys::valid_name(name) {
        return name.to_owned();
    }
    let cut: String = name.chars().take(MAX_NAME_LEN).collect();
    format!("{cut:?}")
}

/// The key's name in `/keys/{name}`, percent-decoded; `None` for `/keys`
/// (and for a segment that is not UTF-8, which can name no key).
fn name_in_path(path: &str) -> Option<String> {
    let raw = path.strip_prefix("/keys/")?;
    percent_encoding::percent_decode_str(raw).decode_utf8().ok().map(|n| n.into_owned())
}

/// The decision, in order: the principal's level on `apiKeys`, then the
/// action's own checks.
#[allow(clippy::too_many_arguments)]
async fn decide(
    state: &Shared,
    principal: &Principal,
    action: Action,
    name: Option<String>,
    parts: &http::request::Parts,
    body: Body,
    call: &mut Call,
    trail: &mut Trail,
) -> Result<Done, Refused> {
    let who = principal.name();
    // The body is read (bounded) before the decision, so that a refusal's
    // audit entry names the key asked for; it is judged after it.
    let fields = match action {
        Action::Create | Action::Update => Some(read_body(parts, body, who, call, trail).await),
        Action::List | Action::Get | Action::Revoke => None,
    };
    if let (Action::Create, Some(Ok(map))) = (action, &fields)
        && let Some(Value::String(n)) = map.get("name")
        && apikeys::valid_name(n)
    {
        call.phrase = action.phrase(Some(n));
        call.object = json!({ "name": n });
    }
    let held = principal.grants().level(Target::ApiKeys);
    if held < action.needs() {
        let missing = format!("{API_KEYS}:{}", action.needs());
        return Err(Refused {
            decision: Decision::Denied,
            not_sent: true,
            ..Refused::new(
                StatusCode::FORBIDDEN,
                "gatehouse_denied",
                format!("{who} may not {}: needs {missing}", crate::words::infinitive(&call.phrase)),
                format!("{who} was denied {}: needs {missing}", call.phrase),
            )
            .with("missing", Value::from(missing))
        });
    }
    let Some(store) = state.api_keys.store().cloned() else {
        return Err(unavailable(who, call, "the BFF keeps no API keys in a database"));
    };
    match action {
        Action::List => list_keys(state, &store, who, call),
        Action::Get => get_key(state, &store, who, call, name.unwrap_or_default()),
        Action::Create => create_key(state, &store, principal, body_of(fields)?, call),
        Action::Update => update_key(state, &store, principal, name.unwrap_or_default(), body_of(fields)?, call),
        Action::Revoke => revoke_key(state, &store, principal, name.unwrap_or_default(), call),
    }
}

/// The body read for a create or change.
fn body_of(fields: Option<Result<Map<String, Value>, Refused>>) -> Result<Map<String, Value>, Refused> {
    fields.unwrap_or_else(|| Ok(Map::new()))
}

/// A failure of the database: 503, nothing changed.
fn unavailable(who: &str, call: &Call, why: &str) -> Refused {
    Refused::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "gatehouse_keys_unavailable",
        format!("{why}; nothing was changed"),
        format!("{who} tried {}, but {why} (503)", call.phrase),
    )
}

fn store_failed(who: &str, call: &Call, e: &StoreError) -> Refused {
    tracing::error!(error = %e, "API key store failed");
    unavailable(who, call, "the database of API keys failed")
}

/// A request body that is not what `/keys` takes: 400 (415 when not JSON).
fn invalid(who: &str, call: &Call, field: Option<&str>, message: String) -> Refused {
    let sentence = format!("{who} sent an invalid body for {} (400): {message}", call.phrase);
    let refused =
        Refused { not_sent: true, ..Refused::new(StatusCode::BAD_REQUEST, "invalid_body", message, sentence) };
    match field {
        Some(f) => refused.with("field", Value::from(f)),
        None => refused,
    }
}

/// The body: at most [`MAX_BODY`] bytes of JSON, an object.
async fn read_body(
    parts: &http::request::Parts,
    body: Body,
    who: &str,
    call: &Call,
    trail: &mut Trail,
) -> Result<Map<String, Value>, Refused> {
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| Refused {
        not_sent: true,
        ..Refused::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "gatehouse_body_too_large",
            format!("the body is larger than {MAX_BODY} bytes"),
            format!("{who} sent too large a body for {} (413)", call.phrase),
        )
    })?;
    if !bytes.is_empty() && !is_json(&parts.headers) {
        return Err(Refused {
            not_sent: true,
            ..Refused::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "gatehouse_not_json",
                "send the body as application/json".to_owned(),
                format!("{who} sent a body that is not JSON for {} (415)", call.phrase),
            )
        });
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(who, call, None, format!("the body is not valid JSON: {e}")))?;
    trail.body = Some(redact(&value));
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(invalid(who, call, None, "the body must be a JSON object".to_owned())),
    }
}

/// Refuses fields outside `known` (a misspelt `acess` must not go unnoticed).
fn only_fields(map: &Map<String, Value>, known: &[&str], who: &str, call: &Call) -> Result<(), Refused> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(invalid(who, call, Some(k), format!("unknown field `{k}` (expected {})", known.join(", ")))),
        None => Ok(()),
    }
}

/// `access`: a list (`"users=read,users.delete=full"`) or an object
/// (`{"users": "read", "users.delete": "full"}`), naming at least one target.
fn parse_access(value: &Value, who: &str, call: &Call) -> Result<Grants, Refused> {
    let bad = |m: String| invalid(who, call, Some("access"), m);
    let grants = match value {
        Value::String(list) => Grants::parse_list(list).map_err(bad)?,
        Value::Object(map) => {
            let mut grants = Grants::none();
            for (target, level) in map {
                let Some(level) = level.as_str() else {
                    return Err(bad(format!("the level of `{target}` must be a string such as \"read\"")));
                };
                let level = Level::parse(level).ok_or_else(|| {
                    let names: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
                    bad(format!("`{level}` for `{target}` is not a level (one of {})", names.join(", ")))
                })?;
                grants.set_name(target, level).map_err(bad)?;
            }
            grants
        }
        _ => return Err(bad("`access` must be a list such as \"users=read,logs=read\" or an object".to_owned())),
    };
    if grants.entries().next().is_none() {
        return Err(bad("`access` names nothing: give the key at least one target and level".to_owned()));
    }
    Ok(grants)
}

/// `userScope`: the model's user scope as an object, or `null` for none.
/// Validated here (unknown keys, unsafe values and empty scopes refused)
/// and stored in its own serialization, which the key lookup reads back.
fn parse_user_scope(value: &Value, who: &str, call: &Call) -> Result<Option<String>, Refused> {
    match value {
        Value::Null => Ok(None),
        Value::Object(map) if map.is_empty() => Ok(None),
        Value::Object(_) => match serde_json::from_value::<UserScope>(value.clone()) {
            Ok(scope) => Ok(Some(serde_json::to_string(&scope).unwrap_or_default())),
            Err(e) => Err(invalid(who, call, Some("userScope"), format!("`userScope` is not a valid user scope: {e}"))),
        },
        _ => Err(invalid(who, call, Some("userScope"), "`userScope` must be an object or null".to_owned())),
    }
}

/// A principal held to a user scope may hand out only keys held to one of
/// its own scopes: never an unscoped key, never one reaching other users.
fn scope_escalation(state: &Shared, principal: &Principal, name: &str, scope: Option<&str>) -> Result<(), Refused> {
    let Some(mine) = principal.user_scopes(&state.policy) else {
        return Ok(());
    };
    let given = scope.and_then(|s| serde_json::from_str::<UserScope>(s).ok());
    if given.as_ref().is_some_and(|g| mine.scopes().contains(g)) {
        return Ok(());
    }
    let who = principal.name();
    let message = format!(
        "{who} may only give API key {name} one of its own user scopes ({mine}), since it may reach only those users"
    );
    Err(Refused {
        decision: Decision::Denied,
        not_sent: true,
        ..Refused::new(StatusCode::FORBIDDEN, "gatehouse_escalation", message.clone(), message)
            .with("userScopes", serde_json::to_value(&mine).unwrap_or(Value::Null))
    })
}

/// An access list as the audit's sentences write it: `users=read, logs=read`.
fn words(grants: &Grants) -> String {
    grants.to_list().replace(',', ", ")
}

/// What `who` would hand out beyond its own access; refused when not empty.
fn escalation(principal: &Principal, action: Action, name: &str, grants: &Grants, holds: bool) -> Result<(), Refused> {
    let mine = principal.grants();
    if mine.covers(grants) {
        return Ok(());
    }
    let who = principal.name();
    let missing = mine.lacking(grants);
    let what = if holds { "it holds" } else { "it would grant" };
    let message =
        format!("{who} may not {} API key {name}: {what} {}, which {who} lacks", action.verb(), missing.join(", "));
    Err(Refused {
        decision: Decision::Denied,
        not_sent: true,
        ..Refused::new(StatusCode::FORBIDDEN, "gatehouse_escalation", message.clone(), message)
            .with("missing", Value::from(missing))
    })
}

/// A key of the configuration file, as listed.
fn config_json(name: &str, grants: &Grants) -> Value {
    json!({
        "name": name,
        "source": "config",
        "access": grants,
        "accessList": grants.to_list(),
        "userScope": Value::Null,
        "createdBy": Value::Null,
        "createdAt": Value::Null,
        "revokedAt": Value::Null,
        "revokedBy": Value::Null,
        "lastUsedAt": Value::Null,
    })
}

/// A key of the database, as listed (never its hash).
fn stored_json(key: &StoredKey) -> Value {
    let grants = Grants::parse_list(&key.access).unwrap_or_default();
    let scope = key.user_scope.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()).unwrap_or(Value::Null);
    json!({
        "name": key.name,
        "source": "database",
        "access": grants,
        "accessList": key.access,
        "userScope": scope,
        "createdBy": key.created_by,
        "createdAt": rfc3339(key.created_ms),
        "revokedAt": key.revoked_ms.map(rfc3339),
        "revokedBy": key.revoked_by,
        "lastUsedAt": key.last_used_ms.map(rfc3339),
    })
}

fn list_keys(state: &Shared, store: &Arc<dyn KeyStore>, who: &str, call: &Call) -> Result<Done, Refused> {
    let stored = store.list().map_err(|e| store_failed(who, call, &e))?;
    let keys: Vec<Value> = state
        .api_keys
        .configured()
        .iter()
        .map(|(name, grants)| config_json(name, grants))
        .chain(stored.iter().map(stored_json))
        .collect();
    let sentence = format!("{who} listed the API keys ({})", keys.len());
    Ok(Done { status: StatusCode::OK, body: Some(json!({ "keys": keys })), sentence })
}

fn get_key(state: &Shared, store: &Arc<dyn KeyStore>, who: &str, call: &Call, name: String) -> Result<Done, Refused> {
    let sentence = format!("{who} read API key {name}");
    if let Some(grants) = state.api_keys.configured().get(&name) {
        return Ok(Done { status: StatusCode::OK, body: Some(config_json(&name, grants)), sentence });
    }
    let keys = store.list().map_err(|e| store_failed(who, call, &e))?;
    // The active key of that name, else the newest revoked one (the list is newest first).
    let found = keys.iter().filter(|k| k.name == name).min_by_key(|k| (k.revoked_ms.is_some(), -k.id));
    match found {
        Some(key) => Ok(Done { status: StatusCode::OK, body: Some(stored_json(key)), sentence }),
        None => Err(no_such_key(who, call, &name)),
    }
}

fn no_such_key(who: &str, call: &Call, name: &str) -> Refused {
    Refused::new(
        StatusCode::NOT_FOUND,
        "gatehouse_no_such_key",
        format!("there is no API key {} (or it was revoked)", shown(name)),
        format!("{who} tried {}, but there is no such key (404)", call.phrase),
    )
}

fn in_config(who: &str, call: &Call, name: &str) -> Refused {
    Refused::new(
        StatusCode::CONFLICT,
        "gatehouse_key_in_config",
        format!(
            "API key {name} is defined in the configuration file: change or remove it there \
             (`gatehouse serve --revoke-api-key {name}`), not through the API"
        ),
        format!("{who} tried {}, which is defined in the configuration file (409)", call.phrase),
    )
}

fn create_key(
    state: &Shared,
    store: &Arc<dyn KeyStore>,
    principal: &Principal,
    fields: Map<String, Value>,
    call: &mut Call,
) -> Result<Done, Refused> {
    let who = principal.name();
    only_fields(&fields, &["name", "access", "userScope"], who, call)?;
    let name = match fields.get("name") {
        Some(Value::String(n)) if apikeys::valid_name(n) => n.clone(),
        Some(_) => {
            let message = format!("`name` must be 1 to {MAX_NAME_LEN} letters, digits, `-` and `_`");
            return Err(invalid(who, call, Some("name"), message));
        }
        None => return Err(invalid(who, call, Some("name"), "`name` is required".to_owned())),
    };
    call.phrase = Action::Create.phrase(Some(&name));
    call.object = json!({ "name": name });
    let access =
        fields.get("access").ok_or_else(|| invalid(who, call, Some("access"), "`access` is required".into()))?;
    let grants = parse_access(access, who, call)?;
    let user_scope = match fields.get("userScope") {
        Some(v) => parse_user_scope(v, who, call)?,
        None => None,
    };
    escalation(principal, Action::Create, &name, &grants, false)?;
    scope_escalation(state, principal, &name, user_scope.as_deref())?;
    let exists = || {
        Refused::new(
            StatusCode::CONFLICT,
            "gatehouse_key_exists",
            format!("an API key named {name} already exists; revoke it first or choose another name"),
            format!("{who} tried {}, but a key of that name exists (409)", call.phrase),
        )
    };
    if state.api_keys.configured().contains_key(&name) {
        return Err(exists().with("source", Value::from("config")));
    }
    let key = format!("{PREFIX}{}", random_token());
    let new = NewKey {
        name: name.clone(),
        sha256: hash_token(&key),
        access: grants.to_list(),
        user_scope,
        created_by: who.to_owned(),
        created_ms: state.clock.now_ms(),
    };
    let stored = match store.insert(&new) {
        Ok(k) => k,
        Err(KeyStoreError::Exists { .. }) => return Err(exists().with("source", Value::from("database"))),
        Err(KeyStoreError::Store(e)) => return Err(store_failed(who, call, &e)),
    };
    let mut body = stored_json(&stored);
    body["key"] = Value::from(key.clone());
    body["mcpConfig"] = mcp_config(state, &key);
    let scoped = stored.user_scope.as_deref().map(|s| format!(" (user scope {s})")).unwrap_or_default();
    let sentence = format!("{who} created API key {name}: {}{scoped}", words(&grants));
    Ok(Done { status: StatusCode::CREATED, body: Some(body), sentence })
}

/// What an MCP client that takes a URL and headers needs to connect with `key`.
pub(crate) fn mcp_config(state: &Shared, key: &str) -> Value {
    let url = state.public.join("/mcp").map(|u| u.to_string()).unwrap_or_else(|_| "/mcp".to_owned());
    json!({ "mcpServers": { "gatehouse": { "url": url, "headers": { "Authorization": format!("Bearer {key}") } } } })
}

/// The active database key named `name`: 409 for a configuration key, 404 for none.
fn active(state: &Shared, store: &Arc<dyn KeyStore>, who: &str, call: &Call, name: &str) -> Result<StoredKey, Refused> {
    if state.api_keys.configured().contains_key(name) {
        return Err(in_config(who, call, name));
    }
    match store.active_by_name(name) {
        Ok(Some(k)) => Ok(k),
        Ok(None) => Err(no_such_key(who, call, name)),
        Err(e) => Err(store_failed(who, call, &e)),
    }
}

fn update_key(
    state: &Shared,
    store: &Arc<dyn KeyStore>,
    principal: &Principal,
    name: String,
    fields: Map<String, Value>,
    call: &Call,
) -> Result<Done, Refused> {
    let who = principal.name();
    only_fields(&fields, &["access", "userScope"], who, call)?;
    if fields.is_empty() {
        return Err(invalid(who, call, None, "give `access`, `userScope` or both".to_owned()));
    }
    let new_grants = fields.get("access").map(|a| parse_access(a, who, call)).transpose()?;
    let new_scope = fields.get("userScope").map(|s| parse_user_scope(s, who, call)).transpose()?;
    let current = active(state, store, who, call, &name)?;
    let old_grants = Grants::parse_list(&current.access).unwrap_or_default();
    escalation(principal, Action::Update, &name, &old_grants, true)?;
    let grants = new_grants.unwrap_or_else(|| old_grants.clone());
    escalation(principal, Action::Update, &name, &grants, false)?;
    let scope = new_scope.unwrap_or_else(|| current.user_scope.clone());
    scope_escalation(state, principal, &name, current.user_scope.as_deref())?;
    scope_escalation(state, principal, &name, scope.as_deref())?;
    let updated = match store.update(current.id, &grants.to_list(), scope.as_deref()) {
        Ok(Some(k)) => k,
        // Revoked in the meantime.
        Ok(None) => return Err(no_such_key(who, call, &name)),
        Err(e) => return Err(store_failed(who, call, &e)),
    };
    let mut changes = Vec::new();
    if grants != old_grants {
        changes.push(format!("access {} → {}", words(&old_grants), words(&grants)));
    }
    if scope != current.user_scope {
        let shown = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".to_owned());
        changes.push(format!("user scope {} → {}", shown(&current.user_scope), shown(&scope)));
    }
    let what = if changes.is_empty() { "nothing changed".to_owned() } else { changes.join("; ") };
    let sentence = format!("{who} changed API key {name}: {what}");
    Ok(Done { status: StatusCode::OK, body: Some(stored_json(&updated)), sentence })
}

fn revoke_key(
    state: &Shared,
    store: &Arc<dyn KeyStore>,
    principal: &Principal,
    name: String,
    call: &Call,
) -> Result<Done, Refused> {
    let who = principal.name();
    let current = active(state, store, who, call, &name)?;
    let grants = Grants::parse_list(&current.access).unwrap_or_default();
    escalation(principal, Action::Revoke, &name, &grants, true)?;
    match store.revoke(current.id, who, state.clock.now_ms()) {
        Ok(true) => {}
        // Revoked by someone else in the meantime.
        Ok(false) => return Err(no_such_key(who, call, &name)),
        Err(e) => return Err(store_failed(who, call, &e)),
    }
    let sentence = format!("{who} revoked API key {name} ({})", words(&grants));
    Ok(Done { status: StatusCode::NO_CONTENT, body: None, sentence })
}

/// The one exit: the answer and its audit entry, stored first.
async fn finish(
    state: &Shared,
    principal: &Principal,
    call: &Call,
    ending: Result<Done, Refused>,
    trail: Trail,
    started: Instant,
) -> Response {
    let who = principal.name();
    let kind = principal.kind();
    let (response, record) = match ending {
        Ok(Done { status, body, sentence }) => {
            let response = match body {
                Some(b) => json_response(status, &b),
                None => {
                    let mut r = Response::new(Body::empty());
                    *r.status_mut() = status;
                    r
                }
            };
            (response, call.record(who, kind, Decision::Allowed, None, status.as_u16(), sentence))
        }
        Err(refused) => {
            let mut body = error_body(refused.status, refused.code, &refused.message);
            for (key, value) in refused.extra {
                body[key] = value;
            }
            let record = call.record(
                who,
                kind,
                refused.decision,
                Some(refused.message),
                refused.status.as_u16(),
                refused.sentence,
            );
            let record = if refused.not_sent { record.with_outcome(Outcome::NotSent) } else { record };
            (json_response(refused.status, &body), record)
        }
    };
    audited(state, record.with_body(trail.body), response, started).await
}

/// What the BFF does with its database's keys when it starts: a key whose
/// name the configuration file now uses is revoked (names stay unique
/// among the keys that work, and the file wins), and a key granting more
/// than every role and configured key together is logged (it was covered
/// by its creator's access when made; the policy has shrunk since, so the
/// tenant may refuse some of its calls for want of scopes).
pub(crate) async fn on_start(state: &Shared) -> anyhow::Result<()> {
    let Some(store) = state.api_keys.store().cloned() else { return Ok(()) };
    let everything = everything(state);
    for key in store.list()?.into_iter().filter(|k| k.revoked_ms.is_none()) {
        if state.api_keys.configured().contains_key(&key.name) {
            tracing::warn!(key = %key.name, "the configuration file defines an API key of this name: the database's is revoked");
            store.revoke(key.id, SYSTEM, state.clock.now_ms())?;
            let sentence = format!(
                "{SYSTEM} revoked API key {} ({}): the configuration file now defines a key of that name",
                key.name,
                key.access.replace(',', ", ")
            );
            system_entry(state, Action::Revoke, &key.name, sentence).await?;
            continue;
        }
        if let Ok(grants) = Grants::parse_list(&key.access) {
            let beyond = everything.lacking(&grants);
            if !beyond.is_empty() {
                tracing::warn!(
                    key = %key.name,
                    beyond = %beyond.join(", "),
                    "an API key grants more than the policy's roles and the configured keys; \
                     the tenant token's scopes may not cover all of it"
                );
            }
        }
    }
    Ok(())
}

/// What the policy's roles and the configured keys grant together: what
/// the tenant token's scopes were computed from.
fn everything(state: &Shared) -> Grants {
    state.policy.roles.values().chain(state.api_keys.grants()).fold(Grants::none(), |acc, g| acc.union(g))
}

/// An audit entry for a change the BFF made by itself.
async fn system_entry(state: &Shared, action: Action, name: &str, sentence: String) -> anyhow::Result<()> {
    let method = match action {
        Action::Create => "POST",
        Action::Update => "PATCH",
        Action::Revoke => "DELETE",
        Action::List | Action::Get => "GET",
    };
    let path = if action == Action::Create { "/keys".to_owned() } else { format!("/keys/{name}") };
    let mut call = Call::bff(method, action.operation(), API_KEYS, &path, &action.phrase(Some(name)));
    call.object = json!({ "name": name });
    let status = if action == Action::Create { 201 } else { 204 };
    let mut record: AuditRecord = call.record(SYSTEM, "system", Decision::Allowed, None, status, sentence);
    record.time_ms = state.clock.now_ms();
    state.audit.record(record).await?;
    Ok(())
}

/// Demo mode: replaces the previous run's demo agent key with a new one
/// ([`DEMO_AGENT`], [`DEMO_AGENT_ACCESS`]). `None` (and a warning) when the
/// policy's roles and configured keys together do not hold that access
/// (so the tenant token could not serve it) or when the configuration file
/// has a key of that name.
pub(crate) async fn demo_agent(state: &Shared) -> anyhow::Result<Option<crate::demo::DemoAgent>> {
    let Some(store) = state.api_keys.store().cloned() else { return Ok(None) };
    let grants = Grants::parse_list(DEMO_AGENT_ACCESS).map_err(anyhow::Error::msg)?;
    if state.api_keys.configured().contains_key(DEMO_AGENT) {
        tracing::warn!("the configuration file defines an API key `{DEMO_AGENT}`: no demo agent key is made");
        return Ok(None);
    }
    if !everything(state).covers(&grants) {
        tracing::warn!(
            lacking = %everything(state).lacking(&grants).join(", "),
            "the policy's roles and configured keys do not hold the demo agent's access: no demo agent key is made"
        );
        return Ok(None);
    }
    store.delete_created_by(DEMO_AGENT, SYSTEM)?;
    if let Some(other) = store.active_by_name(DEMO_AGENT)? {
        store.revoke(other.id, SYSTEM, state.clock.now_ms())?;
    }
    let key = format!("{PREFIX}{}", random_token());
    store
        .insert(&NewKey {
            name: DEMO_AGENT.to_owned(),
            sha256: hash_token(&key),
            access: grants.to_list(),
            user_scope: None,
            created_by: SYSTEM.to_owned(),
            created_ms: state.clock.now_ms(),
        })
        .map_err(|e| anyhow::anyhow!("cannot store the demo agent key: {e}"))?;
    let sentence = format!("{SYSTEM} created API key {DEMO_AGENT} for demo mode: {}", words(&grants));
    system_entry(state, Action::Create, DEMO_AGENT, sentence).await?;
    let mcp_config = mcp_config(state, &key);
    Ok(Some(crate::demo::DemoAgent {
        name: DEMO_AGENT.to_owned(),
        access: grants.to_list(),
        key: gatehouse_model::Secret::new(key),
        mcp_config,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apikeys::ApiKey;
    use crate::clock::{Clock, ManualClock};
    use crate::store::KeyStore;

    fn admitted(keys: &apikeys::ApiKeys, key: &str) -> Option<ApiKey> {
        keys.lookup(key).unwrap()
    }

    #[tokio::test]
    async fn stored_keys_work_until_revoked_and_record_their_use() {
        for db in crate::testdb::databases().await {
            stored_keys_on(db.stores().await.keys);
        }
    }

    fn stored_keys_on(store: Arc<dyn KeyStore>) {
        let clock = ManualClock::new();
        let keys = apikeys::ApiKeys::default().with_store(store.clone(), Arc::new(clock.clone()));
        let key = format!("{PREFIX}{}", random_token());
        let new = NewKey {
            name: "ci".into(),
            sha256: hash_token(&key),
            access: "users=read".into(),
            user_scope: None,
            created_by: "a@x".into(),
            created_ms: clock.now_ms(),
        };
        let row = store.insert(&new).unwrap();
        assert!(matches!(store.insert(&new), Err(KeyStoreError::Exists { .. })), "one active key per name");
        let found = admitted(&keys, &key).unwrap();
        assert_eq!((found.name.as_str(), found.grants.to_list().as_str()), ("ci", "users=read"));
        let used = store.active_by_name("ci").unwrap().unwrap().last_used_ms;
        assert_eq!(used, Some(clock.now_ms()));
        clock.advance(std::time::Duration::from_secs(30));
        admitted(&keys, &key).unwrap();
        assert_eq!(store.active_by_name("ci").unwrap().unwrap().last_used_ms, used, "at most once a minute");
        clock.advance(std::time::Duration::from_secs(31));
        admitted(&keys, &key).unwrap();
        assert_eq!(store.active_by_name("ci").unwrap().unwrap().last_used_ms, Some(clock.now_ms()));
        store.update(row.id, "users=full", Some("{\"connection\":\"x\"}")).unwrap();
        assert_eq!(admitted(&keys, &key).unwrap().grants.to_list(), "users=full");
        store.revoke(row.id, "a@x", clock.now_ms()).unwrap();
        assert!(admitted(&keys, &key).is_none());
        // The name may be used again; the revoked row stays.
        let again = NewKey { sha256: hash_token("gk_other"), ..new };
        store.insert(&again).unwrap();
        assert_eq!(store.list().unwrap().len(), 2);
        assert!(store.update(row.id, "users=read", None).unwrap().is_none(), "a revoked key is not changed");
        assert!(!store.revoke(row.id, "b@x", clock.now_ms()).unwrap(), "nor revoked again");
    }

    #[test]
    fn names_in_paths() {
        assert_eq!(name_in_path("/keys/ci-bot").as_deref(), Some("ci-bot"));
        assert_eq!(name_in_path("/keys/a%20b").as_deref(), Some("a b"));
        assert_eq!(name_in_path("/keys/%FF"), None);
        assert_eq!(name_in_path("/keys"), None);
    }
}
