//! `GET /catalog`: the operations the caller may use, as the catalog
//! describes them (name, group, method, path and its parameters, query
//! parameters with kinds and values, paging, body), for the console's
//! operations explorer and for agents. Only what the caller's policy
//! allows is listed, and Teams operations only when the Teams API is
//! configured; every call is still decided again by the proxy.
//!
//! `GET /catalog/{name}` is one of those operations with the JSON Schemas of
//! its request body and of its answer (`bodySchema`, `responseSchema`), each
//! self-contained (its `$defs` hold what its `$ref`s name). They come from
//! `schemas.json`, generated from Auth0's specs by `cargo xtask codegen`
//! (structure only: types, required fields, enums, patterns, bounds); the
//! list leaves them out to stay small.

use crate::app::Shared;
use crate::audit::Call;
use crate::proxy::gate;
use crate::responses::json_response;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use gatehouse_model::catalog::{CATALOG, Items, OpDesc, Paging, QueryKind};
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::policy::{access_of, group_of};
use http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Instant;

/// The generated schemas file: `{"$defs": {..}, "operations": {name: {"body"?, "response"?}}}`.
static SCHEMAS: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(include_str!("schemas.json")).unwrap_or(Value::Null));

/// `GET /catalog`.
pub(crate) async fn catalog(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::own("ReadCatalog", request.uri().path(), "reading the operation catalogue");
    let principal = match gate(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let grants = principal.grants();
    let operations: Vec<Value> = CATALOG
        .iter()
        .copied()
        .filter(|op| (op.api != Api::Teams || state.teams_enabled) && grants.allows_op(op))
        .map(describe)
        .collect();
    json_response(StatusCode::OK, &json!({ "operations": operations }))
}

/// `GET /catalog/{name}`: one operation the caller may use, with its schemas.
/// An operation that does not exist, or that the caller may not use, is a 404.
pub(crate) async fn one(State(state): State<Shared>, Path(name): Path<String>, request: Request) -> Response {
    let started = Instant::now();
    let call = Call::own("ReadCatalog", request.uri().path(), "reading the operation catalogue");
    let principal = match gate(&state, request.headers(), &call, started).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let grants = principal.grants();
    let found = gatehouse_model::catalog::by_name(&name)
        .filter(|op| (op.api != Api::Teams || state.teams_enabled) && grants.allows_op(op));
    match found {
        Some(op) => {
            let mut described = describe(op);
            described["bodySchema"] = schema_of(op.name, "body").unwrap_or(Value::Null);
            described["responseSchema"] = schema_of(op.name, "response").unwrap_or(Value::Null);
            json_response(StatusCode::OK, &described)
        }
        None => crate::responses::error(
            StatusCode::NOT_FOUND,
            "unknown_operation",
            &format!("There is no operation {name} that you may use."),
        ),
    }
}

/// The self-contained schema of an operation's `body` or `response`: the
/// generated one with a `$defs` holding every definition it reaches.
pub(crate) fn schema_of(name: &str, part: &str) -> Option<Value> {
    let root = SCHEMAS.get("operations")?.get(name)?.get(part)?;
    let defs = SCHEMAS.get("$defs")?;
    let mut reached = BTreeSet::new();
    let mut pending = Vec::new();
    refs(root, &mut pending);
    while let Some(def) = pending.pop() {
        if !reached.insert(def.clone()) {
            continue;
        }
        if let Some(schema) = defs.get(&def) {
            refs(schema, &mut pending);
        }
    }
    let mut out = root.clone();
    if !reached.is_empty() {
        let section: serde_json::Map<String, Value> =
            reached.into_iter().filter_map(|d| defs.get(&d).map(|s| (d, s.clone()))).collect();
        out.as_object_mut()?.insert("$defs".into(), Value::Object(section));
    }
    Some(out)
}

/// Collects the `$defs` names that `v` refers to.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x.as_str().and_then(|r| r.strip_prefix("#/$defs/"))) {
                    ("$ref", Some(name)) => out.push(name.replace("~1", "/").replace("~0", "~")),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

fn kind(k: QueryKind) -> Value {
    let name = match k {
        QueryKind::String => "string",
        QueryKind::Integer => "integer",
        QueryKind::Boolean => "boolean",
        QueryKind::Enum(_) => "enum",
        QueryKind::StringList => "stringList",
        QueryKind::EnumList(_) => "enumList",
    };
    Value::from(name)
}

fn items(i: Items) -> Value {
    match i {
        Items::Bare => json!({"bare": true}),
        Items::Key(key) => json!({"key": key}),
        Items::BareOrKey(key) => json!({"bare": true, "key": key}),
    }
}

fn paging(p: Paging) -> Value {
    match p {
        Paging::None => Value::Null,
        Paging::Unpaged { items: i } => json!({"kind": "unpaged", "items": items(i)}),
        Paging::Offset { items: i } => json!({"kind": "offset", "items": items(i)}),
        Paging::Checkpoint { items: i, max_take, next } => {
            json!({"kind": "checkpoint", "items": items(i), "maxTake": max_take, "next": next})
        }
        Paging::Both { items: i, max_take, next } => {
            json!({"kind": "offsetOrCheckpoint", "items": items(i), "maxTake": max_take, "next": next})
        }
    }
}

/// One operation as the explorer needs it.
fn describe(op: &'static OpDesc) -> Value {
    let query: Vec<Value> = op
        .accepted_query()
        .map(|q| json!({"name": q.name, "kind": kind(q.kind), "required": q.required, "values": q.kind.values()}))
        .collect();
    let body = op.body.map(|b| {
        json!({
            "schema": op.body_schema,
            "required": b.required,
            "media": b.media.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        })
    });
    json!({
        "name": op.name,
        "group": group_of(op.name),
        "api": op.api,
        "method": op.verb,
        "path": op.path,
        "pathParams": op.path_params().collect::<Vec<_>>(),
        "query": query,
        "paging": paging(op.paging),
        "body": body,
        "access": if access_of(op) == gatehouse_model::Access::Read { "read" } else { "write" },
        "destructive": op.verb == Verb::Delete,
        // Only a token issued to a user themself can call it; the BFF says so rather than forwarding it.
        "userTokenOnly": gatehouse_model::policy::needs_user_token(op),
        "success": op.success.iter().map(|(s, schema)| json!({"status": s, "schema": schema})).collect::<Vec<_>>(),
        "describe": gatehouse_model::describe::phrase(op, &op.path_params().map(|p| format!("{{{p}}}")).collect::<Vec<_>>()),
    })
}
