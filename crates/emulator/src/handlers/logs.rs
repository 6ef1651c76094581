//! Log events: search and read.
//!
//! Without `from`, events come newest first with offset paging. With `from`
//! (a log id) and `take`, the events after that id come oldest first as a
//! bare array: the way to follow new events.

use super::s;
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::handlers::users::sort_param;
use crate::query::{PageRequest, Projection, page_request, paginate};
use crate::search::{self, Query};
use crate::store::{Kind, Tenant};
use serde_json::Value;

/// Fields a bare search term looks in.
pub const SEARCH_DEFAULTS: &[&str] =
    &["type", "description", "user_name", "user_id", "client_name", "client_id", "ip", "connection"];

/// `GET /api/v2/logs`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let projection = Projection::from_params(&ctx.query)?;
    let query = match ctx.query.get("q").or_else(|| ctx.query.get("search")) {
        Some(q) if !q.trim().is_empty() => {
            search::parse(q).map_err(|e| ApiError::invalid_query(format!("Invalid query: {e}")))?
        }
        _ => Query::All,
    };
    let sort = sort_param(ctx)?;
    let logs = t.coll(Kind::Logs);
    let render = |e: &&Value| projection.apply((*e).clone(), &[]);
    match req {
        PageRequest::Checkpoint { from, take } => {
            let items: Vec<Value> = match from {
                Some(from) => {
                    if !from.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(ApiError::invalid_query(format!(
                            "Query validation error: 'from' must be a log event id, got '{from}'."
                        )));
                    }
                    // Log ids sort as strings in the order events happened.
                    let (mut lo, mut hi) = (0, logs.len());
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        let key = logs.get_index(mid).map(|(k, _)| k.as_str()).unwrap_or_default();
                        if key <= from.as_str() { lo = mid + 1 } else { hi = mid }
                    }
                    (lo..logs.len())
                        .filter_map(|i| logs.get_index(i).map(|(_, v)| v))
                        .filter(|e| query.matches(e, SEARCH_DEFAULTS))
                        .take(take as usize)
                        .map(|e| render(&e))
                        .collect()
                }
                None => logs
                    .values()
                    .rev()
                    .filter(|e| query.matches(e, SEARCH_DEFAULTS))
                    .take(take as usize)
                    .map(|e| render(&e))
                    .collect(),
            };
            Ok(Reply::ok(Value::Array(items)))
        }
        req => {
            let mut matches: Vec<&Value> = logs.values().rev().filter(|e| query.matches(e, SEARCH_DEFAULTS)).collect();
            if let Some(sort) = sort {
                matches.sort_by(|a, b| sort.compare(a, b));
            }
            let body = paginate(&matches, &req, "logs", "logs", false, |e| s(e, "log_id").to_owned(), render)?;
            Ok(Reply::ok(body))
        }
    }
}

/// `GET /api/v2/logs/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    t.get(Kind::Logs, ctx.param(0))
        .cloned()
        .map(Reply::ok)
        .ok_or_else(|| ApiError::not_found("log not found", Some("inexistent_log")))
}
