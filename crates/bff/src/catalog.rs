//! `GET /catalog`: the operations the caller may use, as the catalog
//! describes them (name, group, method, path and its parameters, query
//! parameters with kinds and values, paging, body), for the console's
//! operations explorer and for agents. Only what the caller's policy
//! allows is listed, and Teams operations only when the Teams API is
//! configured; every call is still decided again by the proxy.

use crate::app::Shared;
use crate::audit::Call;
use crate::proxy::gate;
use crate::responses::json_response;
use axum::extract::{Request, State};
use axum::response::Response;
use gatehouse_model::catalog::{CATALOG, Items, OpDesc, Paging, QueryKind};
use gatehouse_model::operation::{Api, Verb};
use gatehouse_model::policy::{access_of, group_of};
use http::StatusCode;
use serde_json::{Value, json};
use std::time::Instant;

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
            "schema": b.schema,
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
        "success": op.success.iter().map(|(s, schema)| json!({"status": s, "schema": schema})).collect::<Vec<_>>(),
        "describe": gatehouse_model::describe::phrase(op, &op.path_params().map(|p| format!("{{{p}}}")).collect::<Vec<_>>()),
    })
}
