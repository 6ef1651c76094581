//! User grants: list and revoke.

use super::s;
use crate::dispatch::{Ctx, Reply};
use crate::error::ApiResult;
use crate::query::{page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::Value;

/// `GET /api/v2/grants`: filtered by `user_id`, `client_id` and `audience`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let user = ctx.query.string("user_id");
    let client = ctx.query.string("client_id");
    let audience = ctx.query.string("audience");
    let grants: Vec<&Value> = t
        .coll(Kind::Grants)
        .values()
        .filter(|g| user.as_deref().is_none_or(|u| s(g, "user_id") == u))
        .filter(|g| client.as_deref().is_none_or(|c| s(g, "clientID") == c))
        .filter(|g| audience.as_deref().is_none_or(|a| s(g, "audience") == a))
        .collect();
    Ok(Reply::ok(paginate(&grants, &req, "grants", "grants", false, |g| s(g, "id").to_owned(), |g| (*g).clone())?))
}

/// `DELETE /api/v2/grants/{id}`: 204 whether or not it existed.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    t.remove(Kind::Grants, ctx.param(0));
    Ok(Reply::no_content())
}
