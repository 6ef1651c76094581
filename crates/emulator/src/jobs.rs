//! Jobs: user exports, user imports and verification emails.
//!
//! A job is stored in the generic `/api/v2/jobs` collection when created and
//! moves with time, as Auth0's do: `pending` for its first
//! [`PENDING_MS`], then `processing` until [`DONE_MS`], then `completed`.
//! The first read that sees it completed applies its effect (an import creates
//! its users) and records the outcome. A completed export's `location` is served
//! by the emulator at `/__emulator/jobs/{id}/export`: the tenant's users as
//! gzipped NDJSON (`json`) or CSV (`csv`), with the job's `fields`.

use crate::dispatch::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::handlers::users::{NewUser, build_user};
use crate::store::{Kind, Tenant, object_key};
use serde_json::{Map, Value, json};
use std::io::Write as _;

/// Where jobs are stored.
pub const COLLECTION: &str = "/api/v2/jobs";
/// How long a new job stays `pending`, in milliseconds.
pub const PENDING_MS: i64 = 150;
/// When a job completes, in milliseconds after its creation.
pub const DONE_MS: i64 = 600;

/// The job type of a create operation, when it creates a job.
pub fn kind_of(operation: &str) -> Option<&'static str> {
    match operation {
        "jobs.usersExports.create" => Some("users_export"),
        "jobs.usersImports.create" => Some("users_import"),
        "jobs.verificationEmail.create" => Some("verification_email"),
        _ => None,
    }
}

/// Creates a job of `kind` from the request; answers it `pending`.
pub fn create(ctx: &Ctx, t: &mut Tenant, kind: &str) -> ApiResult<Value> {
    let body = ctx.body.as_object().cloned().unwrap_or_default();
    let connection_id = body.get("connection_id").and_then(Value::as_str).map(str::to_owned);
    if let Some(conn) = &connection_id {
        if t.get(Kind::Connections, conn).is_none() {
            return Err(ApiError::not_found("The connection does not exist.", Some("inexistent_connection")));
        }
    }
    let id = format!("job_{}", t.ids.alnum(16));
    let mut job = Map::new();
    job.insert("id".into(), json!(id));
    job.insert("type".into(), json!(kind));
    job.insert("status".into(), json!("pending"));
    job.insert("created_at".into(), json!(ctx.now_iso()));
    if let Some(conn) = &connection_id {
        job.insert("connection_id".into(), json!(conn));
    }
    match kind {
        "users_export" => {
            let format = body.get("format").and_then(Value::as_str).unwrap_or("json");
            if !matches!(format, "json" | "csv") {
                return Err(ApiError::payload(format!("'No enum match for: {format}' on property format.")));
            }
            job.insert("format".into(), json!(format));
            if let Some(fields) = body.get("fields") {
                job.insert("fields".into(), fields.clone());
            }
            if let Some(limit) = body.get("limit") {
                job.insert("limit".into(), limit.clone());
            }
        }
        "users_import" => {
            let Some(conn) = connection_id else {
                return Err(ApiError::payload("'Missing required property: connection_id'."));
            };
            let users = body.get("users").and_then(Value::as_str).unwrap_or_default();
            let parsed: Vec<Value> = serde_json::from_str(users)
                .map_err(|e| ApiError::invalid_body(format!("The users file is not a JSON array of users: {e}")))?;
            let name = t.get(Kind::Connections, &conn).and_then(|c| c.get("name")).cloned().unwrap_or(json!(""));
            job.insert("connection".into(), name);
            job.insert("upsert".into(), json!(body.get("upsert").and_then(Value::as_str) == Some("true")));
            // The file waits in the emulator's own settings until the job completes.
            t.put(Kind::Meta, format!("job_users:{id}"), Value::Array(parsed));
        }
        _ => {
            if let Some(user) = body.get("user_id") {
                job.insert("user_id".into(), user.clone());
            }
        }
    }
    t.put(Kind::Objects, object_key(COLLECTION, &id), Value::Object(job.clone()));
    Ok(Value::Object(job))
}

/// A job as of `now_ms`: its status moves with time, and the first read after
/// it completes applies its effect.
pub fn read(ctx: &Ctx, t: &mut Tenant, id: &str) -> ApiResult<Value> {
    let key = object_key(COLLECTION, id);
    let Some(mut job) = t.get(Kind::Objects, &key).cloned() else {
        return Err(ApiError::not_found("The job does not exist.", Some("inexistent_job")));
    };
    let created = job.get("created_at").and_then(Value::as_str).and_then(crate::clock::parse_iso).unwrap_or(0);
    let age = ctx.now_ms - created;
    let status = job.get("status").and_then(Value::as_str).unwrap_or("pending").to_owned();
    if status == "completed" || status == "failed" {
        return Ok(job);
    }
    let next = if age < PENDING_MS {
        "pending"
    } else if age < DONE_MS {
        "processing"
    } else {
        "completed"
    };
    if next == status {
        return Ok(job);
    }
    job["status"] = json!(next);
    if next == "completed" {
        match job.get("type").and_then(Value::as_str) {
            Some("users_export") => {
                job["location"] = json!(format!("{}/__emulator/jobs/{id}/export", ctx.state.urls.base));
            }
            Some("users_import") => {
                let summary = import(ctx, t, id, &job);
                job["summary"] = summary;
            }
            _ => {}
        }
    }
    t.put(Kind::Objects, key, job.clone());
    Ok(job)
}

/// Creates (or with `upsert`, updates) the users of an import job.
fn import(ctx: &Ctx, t: &mut Tenant, id: &str, job: &Value) -> Value {
    let users =
        t.remove(Kind::Meta, &format!("job_users:{id}")).and_then(|v| v.as_array().cloned()).unwrap_or_default();
    let connection = job.get("connection").and_then(Value::as_str).unwrap_or_default().to_owned();
    let upsert = job.get("upsert").and_then(Value::as_bool).unwrap_or(false);
    let (mut inserted, mut updated, mut failed) = (0, 0, 0);
    for user in &users {
        let Some(fields) = user.as_object() else {
            failed += 1;
            continue;
        };
        let email = fields.get("email").and_then(Value::as_str).unwrap_or_default();
        match t.user_by_login(&connection, email).map(str::to_owned) {
            Some(existing) if upsert => {
                t.modify(Kind::Users, &existing, |u| crate::generic::merge(u, user));
                updated += 1;
            }
            Some(_) => failed += 1,
            None if email.is_empty() => failed += 1,
            None => {
                let user_id = t.ids.user_id();
                let new = NewUser {
                    user_id: user_id.clone(),
                    connection: &connection,
                    strategy: "auth0",
                    created_at: ctx.now_iso(),
                };
                t.put(Kind::Users, user_id, build_user(new, fields));
                inserted += 1;
            }
        }
    }
    json!({"total": users.len(), "inserted": inserted, "updated": updated, "failed": failed})
}

/// The gzipped export of a completed export job: `(content type, bytes)`.
pub fn export(t: &Tenant, id: &str) -> Option<(&'static str, Vec<u8>)> {
    let job = t.get(Kind::Objects, &object_key(COLLECTION, id))?;
    if job.get("type").and_then(Value::as_str) != Some("users_export")
        || job.get("status").and_then(Value::as_str) != Some("completed")
    {
        return None;
    }
    let fields: Vec<String> = job
        .get("fields")
        .and_then(Value::as_array)
        .map(|fs| fs.iter().filter_map(|f| f.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
        .unwrap_or_default();
    let connection = job.get("connection_id").and_then(Value::as_str).and_then(|c| t.get(Kind::Connections, c));
    let connection_name = connection.and_then(|c| c.get("name")).and_then(Value::as_str);
    let limit = job.get("limit").and_then(Value::as_u64).map_or(usize::MAX, |l| l as usize);
    let users: Vec<&Value> = t
        .coll(Kind::Users)
        .values()
        .filter(|u| {
            connection_name
                .is_none_or(|name| u.pointer("/identities/0/connection").and_then(Value::as_str) == Some(name))
        })
        .take(limit)
        .collect();
    let pick = |u: &Value| -> Map<String, Value> {
        match (&fields[..], u.as_object()) {
            ([], Some(m)) => m.clone(),
            (fs, Some(m)) => fs.iter().filter_map(|f| m.get(f).map(|v| (f.clone(), v.clone()))).collect(),
            _ => Map::new(),
        }
    };
    let csv = job.get("format").and_then(Value::as_str) == Some("csv");
    let mut text = String::new();
    if csv {
        let columns: Vec<String> =
            if fields.is_empty() { vec!["user_id".into(), "email".into(), "name".into()] } else { fields.clone() };
        text.push_str(&columns.join(","));
        text.push('\n');
        for u in &users {
            let row: Vec<String> = columns
                .iter()
                .map(|c| match u.get(c) {
                    Some(Value::String(s)) => csv_cell(s),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => csv_cell(&other.to_string()),
                })
                .collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
    } else {
        for u in &users {
            text.push_str(&Value::Object(pick(u)).to_string());
            text.push('\n');
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).ok()?;
    let bytes = gz.finish().ok()?;
    Some((if csv { "text/csv" } else { "application/x-ndjson" }, bytes))
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}
