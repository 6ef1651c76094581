//! Jobs: user exports, user imports and verification emails.
//!
//! A job is stored in the generic `/api/v2/jobs` collection when created and
//! moves with time, as Auth0's do: `pending` for its first
//! [`PENDING_MS`], then `processing` until [`DONE_MS`], then `completed`.
//! The first read that sees it completed applies its effect (an import creates
//! its users) and records the outcome. A completed export's `location` is served
//! by the emulator at `/__emulator/jobs/{id}/export`: the tenant's users as
//! gzipped NDJSON (`json`) or CSV (`csv`), with the job's `fields`. Like the
//! pre-signed storage link Auth0 answers, the location carries its own
//! credential and expiry ([`Link`]): a browser fetches it with no token, each
//! read of the job signs a fresh one, and it stops working after [`LINK_MS`].

use crate::dispatch::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::handlers::users::{NewUser, build_user};
use crate::store::{Kind, Tenant, object_key};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::io::Write as _;

/// Where jobs are stored.
pub const COLLECTION: &str = "/api/v2/jobs";
/// How long a new job stays `pending`, in milliseconds.
pub const PENDING_MS: i64 = 150;
/// When a job completes, in milliseconds after its creation.
pub const DONE_MS: i64 = 600;

/// How long an export's download link works after the read that signed it, in milliseconds.
pub const LINK_MS: i64 = 5 * 60 * 1000;

/// The query of an export's download link: when it expires (milliseconds
/// since the epoch) and the signature of the job id with that expiry.
#[derive(Debug, Default, Deserialize)]
pub struct Link {
    /// Expiry, milliseconds since the epoch.
    #[serde(default)]
    pub expires: Option<String>,
    /// URL-safe base64 of the HMAC-SHA256 of `{id}\n{expires}`.
    #[serde(default)]
    pub signature: Option<String>,
}

/// Why a download link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    /// The link has no `expires` or `signature`, or they are malformed.
    #[error("The download link is not signed.")]
    Unsigned,
    /// The signature does not match this job and expiry.
    #[error("The download link's signature does not match.")]
    BadSignature,
    /// The link was valid until `expired_at` (milliseconds since the epoch).
    #[error("The download link expired; read the job again for a fresh one.")]
    Expired {
        /// When it stopped working.
        expired_at: i64,
    },
}

fn mac(key: &[u8], id: &str, expires: i64) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(id.as_bytes());
    mac.update(b"\n");
    mac.update(expires.to_string().as_bytes());
    mac
}

impl Link {
    /// A link for job `id` valid for [`LINK_MS`] from `now_ms`.
    pub fn sign(key: &[u8], id: &str, now_ms: i64) -> Self {
        let expires = now_ms + LINK_MS;
        let signature = URL_SAFE_NO_PAD.encode(mac(key, id, expires).finalize().into_bytes());
        Self { expires: Some(expires.to_string()), signature: Some(signature) }
    }

    /// The link's URL under `base` (the emulator's origin).
    pub fn url(&self, base: &str, id: &str) -> String {
        format!(
            "{base}/__emulator/jobs/{id}/export?expires={}&signature={}",
            self.expires.as_deref().unwrap_or_default(),
            self.signature.as_deref().unwrap_or_default()
        )
    }

    /// Whether this link opens job `id`'s export at `now_ms` (the signature
    /// compared in constant time, before the expiry is looked at).
    pub fn check(&self, key: &[u8], id: &str, now_ms: i64) -> Result<(), LinkRefused> {
        let expires = self.expires.as_deref().and_then(|e| e.parse::<i64>().ok());
        let signature = self.signature.as_deref().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
        let (Some(expires), Some(signature)) = (expires, signature) else {
            return Err(LinkRefused::Unsigned);
        };
        mac(key, id, expires).verify_slice(&signature).map_err(|_| LinkRefused::BadSignature)?;
        if now_ms >= expires { Err(LinkRefused::Expired { expired_at: expires }) } else { Ok(()) }
    }
}

/// A completed export job as answered: with a freshly signed `location`.
fn with_location(ctx: &Ctx, mut job: Value, id: &str) -> Value {
    if job.get("type").and_then(Value::as_str) == Some("users_export")
        && job.get("status").and_then(Value::as_str) == Some("completed")
    {
        job["location"] = json!(Link::sign(&ctx.state.link_key, id, ctx.now_ms).url(&ctx.state.urls.base, id));
    }
    job
}

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
        return Ok(with_location(ctx, job, id));
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
    if next == "completed" && job.get("type").and_then(Value::as_str) == Some("users_import") {
        let summary = import(ctx, t, id, &job);
        job["summary"] = summary;
    }
    t.put(Kind::Objects, key, job.clone());
    Ok(with_location(ctx, job, id))
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signed_link_opens_its_job_until_it_expires() {
        let link = Link::sign(KEY, "job_a", 1_000);
        assert_eq!(link.check(KEY, "job_a", 1_000), Ok(()));
        assert_eq!(link.check(KEY, "job_a", 1_000 + LINK_MS - 1), Ok(()));
        assert_eq!(
            link.check(KEY, "job_a", 1_000 + LINK_MS),
            Err(LinkRefused::Expired { expired_at: 1_000 + LINK_MS })
        );
    }

    #[test]
    fn a_link_opens_no_other_job_and_no_changed_expiry() {
        let link = Link::sign(KEY, "job_a", 1_000);
        assert_eq!(link.check(KEY, "job_b", 1_000), Err(LinkRefused::BadSignature));
        assert_eq!(link.check(b"another key", "job_a", 1_000), Err(LinkRefused::BadSignature));
        let stretched = Link { expires: Some(i64::MAX.to_string()), ..Link::sign(KEY, "job_a", 1_000) };
        assert_eq!(stretched.check(KEY, "job_a", 1_000), Err(LinkRefused::BadSignature));
        assert_eq!(Link::default().check(KEY, "job_a", 0), Err(LinkRefused::Unsigned));
        let garbled = Link { signature: Some("%%%".into()), ..Link::sign(KEY, "job_a", 1_000) };
        assert_eq!(garbled.check(KEY, "job_a", 1_000), Err(LinkRefused::Unsigned));
        let url = link.url("http://e", "job_a");
        assert!(
            url.starts_with("http://e/__emulator/jobs/job_a/export?expires=") && url.contains("&signature="),
            "{url}"
        );
    }
}
