//! The Teams API: team members and invitations, tenant access, tenants,
//! environments and the activity log. Errors use the Teams shape (`type`
//! codes such as `TENANT_NOT_FOUND`).

use super::{Ty, check_types, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::query::{page_request, paginate};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};

/// Team roles.
pub const TEAM_ROLES: &[&str] = &["teams_owner", "teams_contributor", "teams_report_viewer"];
/// Roles a member can hold on a tenant.
pub const TENANT_ROLES: &[&str] = &[
    "owner",
    "editor-connections",
    "editor-users",
    "editor-specific-apps",
    "editor-organizations",
    "viewer-config",
    "viewer-users",
    "support-access",
    "elevated-support-access",
    "editor-kms",
];
/// Public cloud localities and the environment each creates tenants in.
pub const LOCALITIES: &[(&str, &str)] =
    &[("us", "US-3"), ("eu", "EU-1"), ("au", "AU-1"), ("jp", "JP-1"), ("ca", "CA-1"), ("uk", "UK-1")];
/// The environment tags a tenant may be created with (a body field; the query
/// parameter's values come from the catalog).
const ENV_TAGS: &[&str] = &["development", "production", "staging"];
/// Most tenants a team may own.
pub const TENANT_LIMIT: usize = 100;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, Some("VALIDATION_ERROR"), message)
}

fn member_not_found() -> ApiError {
    ApiError::not_found("The team member was not found", Some("MEMBER_NOT_FOUND"))
}

fn tenant_not_found() -> ApiError {
    ApiError::not_found("The tenant was not found", Some("TENANT_NOT_FOUND"))
}

/// Whether `s` is a hyphenated UUID.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn tenant_id_param<'a>(ctx: &'a Ctx) -> ApiResult<&'a str> {
    let id = ctx.param(0);
    if is_uuid(id) { Ok(id) } else { Err(invalid(format!("tenantId must be a UUID, got '{id}'"))) }
}

fn refuse_unknown(body: &Map<String, Value>, allowed: &[&str]) -> ApiResult<()> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(format!("must NOT have additional properties: '{k}'"))),
        None => Ok(()),
    }
}

fn check_roles(roles: &[String], allowed: &[&str], field: &str) -> ApiResult<()> {
    match roles.iter().find(|r| !allowed.contains(&r.as_str())) {
        Some(bad) => Err(invalid(format!("{field}: '{bad}' is not one of {}", allowed.join(", ")))),
        None => Ok(()),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

fn member_view(m: &Value) -> Value {
    let mut out = Map::new();
    for f in ["id", "name", "given_name", "family_name", "nickname", "email", "role"] {
        out.insert(f.into(), m.get(f).cloned().unwrap_or_else(|| json!("")));
    }
    Value::Object(out)
}

fn tenant_view(tenant: &Value) -> Value {
    let mut out = Map::new();
    for f in ["tenant_id", "tenant_name", "environment", "environment_tag", "domain", "locality", "created_at"] {
        if let Some(v) = tenant.get(f) {
            out.insert(f.into(), v.clone());
        }
    }
    Value::Object(out)
}

fn access(t: &Tenant, member: &str) -> Map<String, Value> {
    t.get(Kind::MemberTenants, member).and_then(Value::as_object).cloned().unwrap_or_default()
}

fn owners(t: &Tenant) -> usize {
    t.coll(Kind::TeamMembers).values().filter(|m| s(m, "role") == "teams_owner").count()
}

/// `GET /api/members`: checkpoint paging, ordered by member id.
pub fn list_members(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let mut members: Vec<&Value> = t.coll(Kind::TeamMembers).values().collect();
    members.sort_by(|a, b| s(a, "id").cmp(s(b, "id")));
    Ok(Reply::ok(paginate(
        &members,
        &req,
        "members",
        "team_members",
        false,
        |m| s(m, "id").to_owned(),
        |m| member_view(m),
    )?))
}

/// `POST /api/members`: invites someone; 201.
pub fn invite(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    refuse_unknown(&body, &["email", "role", "tenant_ids", "tenant_roles", "client_ids"])?;
    check_types(
        &body,
        &[
            ("email", Ty::Str),
            ("role", Ty::Str),
            ("tenant_ids", Ty::StrArr),
            ("tenant_roles", Ty::StrArr),
            ("client_ids", Ty::StrArr),
        ],
        false,
    )?;
    let email = s(&ctx.body, "email").to_owned();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(invalid(format!("email: '{email}' is not an email address")));
    }
    let role = s(&ctx.body, "role").to_owned();
    check_roles(std::slice::from_ref(&role), TEAM_ROLES, "role")?;
    let tenant_ids = strings(body.get("tenant_ids"));
    let tenant_roles = strings(body.get("tenant_roles"));
    let client_ids = strings(body.get("client_ids"));
    check_roles(&tenant_roles, TENANT_ROLES, "tenant_roles")?;
    if let Some(bad) = tenant_ids.iter().find(|id| !is_uuid(id)) {
        return Err(invalid(format!("tenant_ids: '{bad}' is not a UUID")));
    }
    if tenant_ids.iter().any(|id| t.get(Kind::Tenants, id).is_none()) {
        return Err(tenant_not_found());
    }
    if t.coll(Kind::TeamMembers).values().any(|m| s(m, "email").eq_ignore_ascii_case(&email)) {
        return Err(ApiError::conflict(
            format!("{email} is already a member of the team"),
            Some("MEMBER_ALREADY_EXISTS"),
        ));
    }
    if t.coll(Kind::Invitations).values().any(|i| s(i, "email").eq_ignore_ascii_case(&email)) {
        return Err(ApiError::conflict(format!("{email} has already been invited"), Some("INVITATION_ALREADY_EXISTS")));
    }
    let id = format!("invite_{}", t.ids.alnum(16));
    let mut inv = Map::new();
    inv.insert("id".into(), json!(id));
    inv.insert("email".into(), json!(email));
    inv.insert("role".into(), json!(role));
    if !tenant_ids.is_empty() {
        inv.insert("tenant_ids".into(), json!(tenant_ids));
    }
    if !tenant_roles.is_empty() {
        inv.insert("tenant_roles".into(), json!(tenant_roles));
    }
    if !client_ids.is_empty() {
        inv.insert("client_ids".into(), json!(client_ids));
    }
    let answer = Value::Object(inv.clone());
    inv.insert("created_at".into(), json!(ctx.now_iso()));
    t.put(Kind::Invitations, id, Value::Object(inv));
    Ok(Reply::created(answer))
}

/// `GET /api/members/{id}`.
pub fn get_member(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    t.get(Kind::TeamMembers, ctx.param(0)).map(|m| Reply::ok(member_view(m))).ok_or_else(member_not_found)
}

/// `PATCH /api/members/{id}`: changes the team role; the last owner stays an owner.
pub fn update_member(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    refuse_unknown(&body, &["role"])?;
    check_types(&body, &[("role", Ty::Str)], false)?;
    let role = s(&ctx.body, "role").to_owned();
    check_roles(std::slice::from_ref(&role), TEAM_ROLES, "role")?;
    let id = ctx.param(0);
    let current = t.get(Kind::TeamMembers, id).ok_or_else(member_not_found)?;
    if s(current, "role") == "teams_owner" && role != "teams_owner" && owners(t) <= 1 {
        return Err(ApiError::new(400, Some("LAST_OWNER"), "The team must keep at least one owner"));
    }
    let m = t.modify(Kind::TeamMembers, id, |m| {
        m["role"] = json!(role);
        member_view(m)
    });
    m.map(Reply::ok).ok_or_else(member_not_found)
}

/// `DELETE /api/members/{id}`: 204; the last owner cannot leave.
pub fn remove_member(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0);
    let current = t.get(Kind::TeamMembers, id).ok_or_else(member_not_found)?;
    if s(current, "role") == "teams_owner" && owners(t) <= 1 {
        return Err(ApiError::new(400, Some("LAST_OWNER"), "The team must keep at least one owner"));
    }
    t.remove(Kind::TeamMembers, id);
    t.remove(Kind::MemberTenants, id);
    Ok(Reply::no_content())
}

struct TenantsBody {
    tenants: Vec<String>,
    roles: Vec<String>,
    client_ids: Vec<String>,
}

fn tenants_body(ctx: &Ctx, with_roles: bool) -> ApiResult<TenantsBody> {
    let body = ctx.body_obj();
    let allowed: &[&str] = if with_roles { &["tenants", "roles", "client_ids"] } else { &["tenants"] };
    refuse_unknown(&body, allowed)?;
    check_types(&body, &[("tenants", Ty::StrArr), ("roles", Ty::StrArr), ("client_ids", Ty::StrArr)], false)?;
    let tenants = strings(body.get("tenants"));
    if tenants.is_empty() || tenants.len() > 10 {
        return Err(invalid("tenants: must hold between 1 and 10 tenant ids"));
    }
    if let Some(bad) = tenants.iter().find(|id| !is_uuid(id)) {
        return Err(invalid(format!("tenants: '{bad}' is not a UUID")));
    }
    let roles = strings(body.get("roles"));
    let client_ids = strings(body.get("client_ids"));
    if with_roles {
        if roles.is_empty() {
            return Err(invalid("roles: must hold at least one role"));
        }
        check_roles(&roles, TENANT_ROLES, "roles")?;
        if roles.iter().any(|r| r == "editor-specific-apps") && client_ids.is_empty() {
            return Err(invalid("client_ids: required for the editor-specific-apps role"));
        }
    }
    Ok(TenantsBody { tenants, roles, client_ids })
}

fn assignments(roles: &[String], client_ids: &[String]) -> Value {
    Value::Array(
        roles
            .iter()
            .map(|r| {
                if r == "editor-specific-apps" {
                    json!({"role": r, "client_ids": client_ids})
                } else {
                    json!({"role": r})
                }
            })
            .collect(),
    )
}

fn success_item(tenant: &str, roles: &[String], client_ids: &[String]) -> Value {
    let mut m = json!({"tenant_id": tenant, "roles": roles});
    if !client_ids.is_empty() {
        m["client_ids"] = json!(client_ids);
    }
    m
}

fn failure_item(tenant: &str, status: u16, title: &str, kind: &str) -> Value {
    json!({"tenant_id": tenant, "status": status, "title": title, "type": kind})
}

fn bulk_result(success: Vec<Value>, failure: Vec<Value>, what: &str) -> Value {
    let total = success.len() + failure.len();
    let (code, message) = if failure.is_empty() {
        (200, format!("{what} completed successfully"))
    } else if success.is_empty() {
        (207, format!("{what} failed for every tenant"))
    } else {
        (207, format!("{what} completed with errors"))
    };
    json!({
        "status_code": code,
        "message": message,
        "summary": {"total_count": total, "success_count": success.len(), "failure_count": failure.len()},
        "success": success,
        "failure": failure,
    })
}

/// `PUT /api/members/{id}/tenants`: grants tenant access; per-tenant failures are reported, not fatal.
pub fn add_member_tenants(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = tenants_body(ctx, true)?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::TeamMembers, &id).ok_or_else(member_not_found)?;
    let mut current = access(t, &id);
    let (mut success, mut failure) = (Vec::new(), Vec::new());
    for tenant in &body.tenants {
        if t.get(Kind::Tenants, tenant).is_none() {
            failure.push(failure_item(tenant, 404, "Tenant not found", "TENANT_NOT_FOUND"));
        } else if current.contains_key(tenant) {
            failure.push(failure_item(tenant, 409, "This tenant is already added", "TENANT_ALREADY_EXISTS"));
        } else {
            current.insert(tenant.clone(), assignments(&body.roles, &body.client_ids));
            success.push(success_item(tenant, &body.roles, &body.client_ids));
        }
    }
    t.put(Kind::MemberTenants, id, Value::Object(current));
    Ok(Reply::ok(bulk_result(success, failure, "Adding tenant access")))
}

/// `PATCH /api/members/{id}/tenants`: replaces the roles on tenants the member can already access.
pub fn update_member_tenants(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = tenants_body(ctx, true)?;
    if !body.client_ids.is_empty() && body.tenants.len() > 1 {
        return Err(invalid("tenants: only one tenant can be changed when client_ids is given"));
    }
    let id = ctx.param(0).to_owned();
    t.get(Kind::TeamMembers, &id).ok_or_else(member_not_found)?;
    let mut current = access(t, &id);
    let (mut success, mut failure) = (Vec::new(), Vec::new());
    for tenant in &body.tenants {
        if t.get(Kind::Tenants, tenant).is_none() {
            failure.push(failure_item(tenant, 404, "Tenant not found", "TENANT_NOT_FOUND"));
        } else if !current.contains_key(tenant) {
            failure.push(failure_item(tenant, 404, "The member has no access to this tenant", "NOT_FOUND"));
        } else {
            current.insert(tenant.clone(), assignments(&body.roles, &body.client_ids));
            success.push(success_item(tenant, &body.roles, &body.client_ids));
        }
    }
    t.put(Kind::MemberTenants, id, Value::Object(current));
    Ok(Reply::ok(bulk_result(success, failure, "Updating tenant access")))
}

/// `DELETE /api/members/{id}/tenants`: takes tenant access away.
pub fn remove_member_tenants(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = tenants_body(ctx, false)?;
    let id = ctx.param(0).to_owned();
    t.get(Kind::TeamMembers, &id).ok_or_else(member_not_found)?;
    let mut current = access(t, &id);
    let (mut removed, mut failure) = (Vec::new(), Vec::new());
    for tenant in &body.tenants {
        if current.remove(tenant).is_some() {
            removed.push(json!(tenant));
        } else {
            failure.push(failure_item(tenant, 404, "The member has no access to this tenant", "NOT_FOUND"));
        }
    }
    t.put(Kind::MemberTenants, id, Value::Object(current));
    let success = if removed.is_empty() { Vec::new() } else { vec![json!({"tenant_ids": removed})] };
    let mut result = bulk_result(success, failure, "Removing tenant access");
    let count = result["success"]
        .as_array()
        .map_or(0, |a| a.first().and_then(|s| s["tenant_ids"].as_array()).map_or(0, Vec::len));
    result["summary"]["success_count"] = json!(count);
    result["summary"]["total_count"] = json!(body.tenants.len());
    Ok(Reply::ok(result))
}

/// `GET /api/members/{id}/tenants/{environment}`: the member's tenants in one environment.
pub fn list_member_tenants(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let (id, env) = (ctx.param(0), ctx.param(1));
    t.get(Kind::TeamMembers, id).ok_or_else(member_not_found)?;
    let mut rows: Vec<Value> = access(t, id)
        .into_iter()
        .filter_map(|(tenant_id, roles)| {
            let tenant = t.get(Kind::Tenants, &tenant_id)?;
            (s(tenant, "environment").eq_ignore_ascii_case(env))
                .then(|| json!({"tenant_id": tenant_id, "domain": s(tenant, "domain"), "roles": roles}))
        })
        .collect();
    rows.sort_by(|a, b| s(a, "tenant_id").cmp(s(b, "tenant_id")));
    let mut page = paginate(
        &rows,
        &req,
        "tenants",
        &format!("member_tenants:{id}"),
        false,
        |r| s(r, "tenant_id").to_owned(),
        |r| r.clone(),
    )?;
    if let Value::Object(m) = &mut page {
        let mut out = Map::new();
        out.insert("environment".into(), json!(env));
        out.extend(std::mem::take(m));
        *m = out;
    }
    Ok(Reply::ok(page))
}

fn created_order(ctx: &Ctx) -> ApiResult<bool> {
    match ctx.query.get("sort") {
        None | Some("created_at:-1") => Ok(true),
        Some("created_at:1") => Ok(false),
        Some(other) => Err(invalid(format!("sort: must match ^created_at:(1|-1)$, got '{other}'"))),
    }
}

fn time_key(v: &Value, id_field: &str) -> String {
    format!("{}|{}", s(v, "created_at"), s(v, id_field))
}

/// `GET /api/tenants`: newest first unless `sort=created_at:1`.
pub fn list_tenants(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let descending = created_order(ctx)?;
    let env = ctx.query.string("environment");
    let tag = ctx.query.string("environment_tag");
    let locality = ctx.query.string("locality");
    let mut tenants: Vec<&Value> = t
        .coll(Kind::Tenants)
        .values()
        .filter(|x| env.as_deref().is_none_or(|e| s(x, "environment") == e))
        .filter(|x| tag.as_deref().is_none_or(|g| s(x, "environment_tag") == g))
        .filter(|x| locality.as_deref().is_none_or(|l| s(x, "locality") == l))
        .collect();
    tenants.sort_by_key(|x| time_key(x, "tenant_id"));
    if descending {
        tenants.reverse();
    }
    let kind = if descending { "tenants_desc" } else { "tenants_asc" };
    let body = paginate(&tenants, &req, "tenants", kind, descending, |x| time_key(x, "tenant_id"), |x| tenant_view(x))?;
    Ok(Reply::ok(body))
}

/// `POST /api/tenants`: public cloud (`locality`) or private cloud (`environment`); 201.
pub fn create_tenant(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(
        &body,
        &[
            ("tenant_name", Ty::Str),
            ("admin_email", Ty::Str),
            ("locality", Ty::Str),
            ("environment", Ty::Str),
            ("environment_tag", Ty::Str),
        ],
        false,
    )?;
    let public = body.contains_key("locality");
    let private = body.contains_key("environment");
    if public == private {
        return Err(invalid("exactly one of locality (public cloud) or environment (private cloud) is required"));
    }
    let allowed: &[&str] = if public {
        &["tenant_name", "admin_email", "locality", "environment_tag"]
    } else {
        &["tenant_name", "admin_email", "environment"]
    };
    refuse_unknown(&body, allowed)?;
    let admin = body.get("admin_email").and_then(Value::as_str).ok_or_else(|| invalid("admin_email: required"))?;
    let name = match body.get("tenant_name").and_then(Value::as_str) {
        Some(n) => {
            let chars: Vec<char> = n.chars().collect();
            let ok = (3..=63).contains(&chars.len())
                && chars.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                && chars.first() != Some(&'-')
                && chars.last() != Some(&'-');
            if !ok {
                return Err(invalid(format!("tenant_name: '{n}' must match ^[a-z0-9][-a-z0-9]{{1,62}}[a-z0-9]$")));
            }
            n.to_owned()
        }
        None => format!("tenant-{}", t.ids.hex(8)),
    };
    let (environment, locality, tag, domain) = if public {
        let loc = s(&ctx.body, "locality");
        let env = LOCALITIES
            .iter()
            .find(|(l, _)| *l == loc)
            .map(|(_, e)| *e)
            .ok_or_else(|| invalid(format!("locality: '{loc}' is not an available locality")))?;
        let tag = body.get("environment_tag").and_then(Value::as_str).unwrap_or("development");
        if !ENV_TAGS.contains(&tag) {
            return Err(invalid(format!("environment_tag: '{tag}' is not one of {}", ENV_TAGS.join(", "))));
        }
        (env.to_owned(), Some(loc.to_owned()), Some(tag.to_owned()), format!("{name}.{loc}.auth0.com"))
    } else {
        let env = s(&ctx.body, "environment");
        let ok = !env.is_empty()
            && env.len() <= 32
            && env.starts_with(|c: char| c.is_ascii_lowercase())
            && env.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !env.ends_with('-')
            && !env.contains("--");
        if !ok {
            return Err(invalid(format!("environment: '{env}' is not a private cloud environment name")));
        }
        (env.to_owned(), None, None, format!("{name}.{env}.auth0app.com"))
    };
    let admin_id = t
        .coll(Kind::TeamMembers)
        .values()
        .find(|m| s(m, "email").eq_ignore_ascii_case(admin))
        .map(|m| s(m, "id").to_owned())
        .ok_or_else(|| ApiError::not_found(format!("{admin} is not a member of the team"), Some("MEMBER_NOT_FOUND")))?;
    if t.coll(Kind::Tenants).values().any(|x| s(x, "tenant_name") == name) {
        return Err(ApiError::conflict("A tenant with the same name already exists", Some("TENANT_ALREADY_EXISTS")));
    }
    if t.coll(Kind::Tenants).len() >= TENANT_LIMIT {
        return Err(ApiError::new(
            403,
            Some("TENANT_LIMIT_REACHED"),
            "You have reached the limit for tenants in your current plan",
        ));
    }
    let tenant_id = t.ids.uuid();
    let mut tenant = Map::new();
    tenant.insert("tenant_id".into(), json!(tenant_id));
    tenant.insert("tenant_name".into(), json!(name));
    tenant.insert("domain".into(), json!(domain));
    if let Some(tag) = &tag {
        tenant.insert("environment_tag".into(), json!(tag));
    }
    tenant.insert("locality".into(), json!(locality.clone().unwrap_or_else(|| environment.clone())));
    tenant.insert("environment".into(), json!(environment));
    tenant.insert("created_at".into(), json!(ctx.now_iso()));
    t.put(Kind::Tenants, tenant_id.clone(), Value::Object(tenant.clone()));
    let mut admin_access = access(t, &admin_id);
    admin_access.insert(tenant_id, json!([{"role": "owner"}]));
    t.put(Kind::MemberTenants, admin_id, Value::Object(admin_access));
    let client_id = t.ids.client_id();
    let client_secret = t.ids.client_secret();
    let mut answer = tenant;
    if !public {
        answer.remove("locality");
    }
    answer.insert(
        "management_client".into(),
        json!({"client_name": format!("{name} (Management API)"), "client_id": client_id, "client_secret": client_secret}),
    );
    Ok(Reply::created(Value::Object(answer)))
}

/// `GET /api/tenants/{tenant_id}`.
pub fn get_tenant(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let id = tenant_id_param(ctx)?;
    t.get(Kind::Tenants, id).map(|x| Reply::ok(tenant_view(x))).ok_or_else(tenant_not_found)
}

/// `DELETE /api/tenants/{tenant_id}`: 204; members lose access to it.
pub fn delete_tenant(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = tenant_id_param(ctx)?.to_owned();
    t.remove(Kind::Tenants, &id).ok_or_else(tenant_not_found)?;
    let holders: Vec<String> =
        t.coll(Kind::MemberTenants).iter().filter(|(_, a)| a.get(&id).is_some()).map(|(m, _)| m.clone()).collect();
    for m in holders {
        let mut a = access(t, &m);
        a.remove(&id);
        t.put(Kind::MemberTenants, m, Value::Object(a));
    }
    Ok(Reply::no_content())
}

/// `GET /api/tenants/{tenant_id}/members`: ordered by member id.
pub fn list_tenant_members(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let id = tenant_id_param(ctx)?;
    t.get(Kind::Tenants, id).ok_or_else(tenant_not_found)?;
    let mut rows: Vec<Value> = t
        .coll(Kind::MemberTenants)
        .iter()
        .filter_map(|(member_id, a)| {
            let roles: Vec<Value> = a.get(id)?.as_array()?.iter().filter_map(|r| r.get("role").cloned()).collect();
            let m = t.get(Kind::TeamMembers, member_id)?;
            Some(json!({
                "id": member_id,
                "name": s(m, "name"),
                "email": s(m, "email"),
                "roles": roles,
                "given_name": s(m, "given_name"),
                "family_name": s(m, "family_name"),
                "nickname": s(m, "nickname"),
            }))
        })
        .collect();
    rows.sort_by(|a, b| s(a, "id").cmp(s(b, "id")));
    Ok(Reply::ok(paginate(
        &rows,
        &req,
        "members",
        &format!("tenant_members:{id}"),
        false,
        |r| s(r, "id").to_owned(),
        |r| r.clone(),
    )?))
}

/// `GET /api/environments`: the environments the team has tenants in.
pub fn list_environments(_ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let mut envs: Vec<&str> = t.coll(Kind::Tenants).values().map(|x| s(x, "environment")).collect();
    envs.sort_unstable();
    envs.dedup();
    Ok(Reply::ok(json!({"environments": envs})))
}

/// `GET /api/activity/logs`: newest first, filtered by time, type and status.
pub fn list_activity(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let time = |key: &str| -> ApiResult<Option<i64>> {
        match ctx.query.get(key) {
            None => Ok(None),
            Some(v) => crate::clock::parse_iso(v)
                .map(Some)
                .ok_or_else(|| invalid(format!("{key}: must be in ISO 8601 date format"))),
        }
    };
    let (since, until) = (time("since")?, time("until")?);
    // `type` and `status` are among the spec's values: the dispatch checked the query.
    let kind = ctx.query.string("type");
    let status = ctx.query.string("status");
    let mut entries: Vec<&Value> = t
        .coll(Kind::Activity)
        .values()
        .filter(|e| {
            let at = crate::clock::parse_iso(s(e, "created_at")).unwrap_or(0);
            since.is_none_or(|x| at >= x) && until.is_none_or(|x| at < x)
        })
        .filter(|e| kind.as_deref().is_none_or(|k| s(e, "type") == k))
        .filter(|e| status.as_deref().is_none_or(|st| s(e, "status") == st))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(time_key(e, "id")));
    Ok(Reply::ok(paginate(&entries, &req, "logs", "activity", true, |e| time_key(e, "id"), |e| (*e).clone())?))
}
