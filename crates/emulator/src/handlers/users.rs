//! Users: search and list, read, create, update, delete, and their roles.

use super::{Ty, check_types, id_list, merge_metadata, obj_mut, refuse_fields, s};
use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::password;
use crate::query::{PageRequest, Projection, page_request, paginate};
use crate::search::{self, Query, Sort};
use crate::store::{Kind, Tenant};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Fields a bare search term looks in.
pub const SEARCH_DEFAULTS: &[&str] = &["email", "name", "nickname", "user_id", "username", "given_name", "family_name"];

const FIELD_TYPES: &[(&str, Ty)] = &[
    ("connection", Ty::Str),
    ("email", Ty::Str),
    ("username", Ty::Str),
    ("phone_number", Ty::Str),
    ("password", Ty::Str),
    ("user_id", Ty::Str),
    ("name", Ty::Str),
    ("nickname", Ty::Str),
    ("given_name", Ty::Str),
    ("family_name", Ty::Str),
    ("picture", Ty::Str),
    ("blocked", Ty::Bool),
    ("email_verified", Ty::Bool),
    ("phone_verified", Ty::Bool),
    ("verify_email", Ty::Bool),
    ("app_metadata", Ty::Obj),
    ("user_metadata", Ty::Obj),
];

/// Request fields that steer the operation and are not stored.
const CONTROL_FIELDS: &[&str] =
    &["connection", "password", "verify_email", "verify_phone_number", "verify_password", "client_id"];

/// 404 for a user id that names no user.
pub fn user_not_found() -> ApiError {
    ApiError::not_found("The user does not exist.", Some("inexistent_user"))
}

/// Auth0's default picture: a Gravatar with initials as fallback.
pub fn picture_for(email: &str, name: &str) -> String {
    let hash: String =
        Sha256::digest(email.trim().to_lowercase().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let initials: String = name
        .split(|c: char| c.is_whitespace() || c == '.' || c == '@')
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_ascii_alphabetic())
        .take(2)
        .collect::<String>()
        .to_lowercase();
    let initials = if initials.is_empty() { "u".to_owned() } else { initials };
    format!("https://s.gravatar.com/avatar/{hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{initials}.png")
}

fn looks_like_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !e.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn find_connection<'a>(t: &'a Tenant, name: &str) -> Option<&'a Value> {
    t.coll(Kind::Connections).values().find(|c| s(c, "name") == name)
}

fn user_connection(user: &Value) -> &str {
    user.pointer("/identities/0/connection").and_then(Value::as_str).unwrap_or_default()
}

fn check_password(conn: &Value, pw: &str) -> ApiResult<()> {
    let policy = conn.pointer("/options/passwordPolicy").and_then(Value::as_str).unwrap_or("good");
    if password::meets_policy(policy, pw) {
        Ok(())
    } else {
        Err(ApiError::new(400, None, "PasswordStrengthError: Password is too weak"))
    }
}

/// Reads the search parameters of `GET /users` (`search_engine` is one of
/// the spec's values by now: the dispatch checked the query).
fn search_query(ctx: &Ctx) -> ApiResult<Query> {
    if ctx.query.get("search_engine") == Some("v1") {
        return Err(ApiError::invalid_query("The search_engine v1 is no longer available; use v3."));
    }
    match ctx.query.get("q") {
        Some(q) if !q.trim().is_empty() => {
            search::parse(q).map_err(|e| ApiError::invalid_query(format!("Invalid query: {e}")))
        }
        _ => Ok(Query::All),
    }
}

/// Reads `sort`, if given.
pub fn sort_param(ctx: &Ctx) -> ApiResult<Option<Sort>> {
    match ctx.query.get("sort") {
        None => Ok(None),
        Some(raw) => Sort::parse(raw).map(Some).ok_or_else(|| {
            ApiError::invalid_query(format!(
                "Query validation error: 'String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$: {raw}' on property sort."
            ))
        }),
    }
}

/// `GET /api/v2/users`.
pub fn list(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let projection = Projection::from_params(&ctx.query)?;
    let query = search_query(ctx)?;
    let sort = sort_param(ctx)?;
    let connection = ctx.query.string("connection");
    let users = t.coll(Kind::Users);
    let render = |u: &&Value| projection.apply((*u).clone(), &[]);
    // Plain listing: slice the collection without scanning it.
    if let (Query::All, None, None, PageRequest::Offset { page, per_page, include_totals }) =
        (&query, &sort, &connection, &req)
    {
        let start = (page * per_page) as usize;
        let end = (start + *per_page as usize).min(users.len());
        let items: Vec<Value> = (start..end).filter_map(|i| users.get_index(i)).map(|(_, u)| render(&u)).collect();
        let page = if *include_totals {
            gatehouse_model::Page::offset("users", items, page * per_page, *per_page, users.len() as u64)
        } else {
            gatehouse_model::Page::bare(items)
        };
        return Ok(Reply::ok(serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))?));
    }
    let mut matches: Vec<&Value> = users
        .values()
        .filter(|u| {
            connection
                .as_deref()
                .is_none_or(|c| search::resolve(u, "identities.connection").iter().any(|v| v.as_str() == Some(c)))
        })
        .filter(|u| query.matches(u, SEARCH_DEFAULTS))
        .collect();
    if let Some(sort) = &sort {
        matches.sort_by(|a, b| sort.compare(a, b));
    }
    let body = paginate(&matches, &req, "users", "users", false, |u| s(u, "user_id").to_owned(), render)?;
    Ok(Reply::ok(body))
}

/// `GET /api/v2/users/{id}`.
pub fn get(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let projection = Projection::from_params(&ctx.query)?;
    let user = t.get(Kind::Users, ctx.param(0)).ok_or_else(user_not_found)?;
    Ok(Reply::ok(projection.apply(user.clone(), &[])))
}

/// Builds a new user object; shared with seeding.
pub struct NewUser<'a> {
    /// Full user id (`auth0|...`).
    pub user_id: String,
    /// Connection name.
    pub connection: &'a str,
    /// Connection strategy (`auth0`, `google-oauth2`, ...).
    pub strategy: &'a str,
    /// Creation time, ISO 8601.
    pub created_at: String,
}

/// Fills the fields Auth0 fills on creation around `fields`.
pub fn build_user(new: NewUser, fields: &Map<String, Value>) -> Value {
    let email = fields.get("email").and_then(Value::as_str);
    let username = fields.get("username").and_then(Value::as_str);
    let phone = fields.get("phone_number").and_then(Value::as_str);
    let identifier = email.or(username).or(phone).unwrap_or(&new.user_id).to_owned();
    let name = fields.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| identifier.clone());
    let nickname = fields
        .get("nickname")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| identifier.split('@').next().unwrap_or(&identifier).to_owned());
    let picture = fields
        .get("picture")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| picture_for(email.unwrap_or(&identifier), &name));
    let provider_id = new.user_id.split_once('|').map_or(new.user_id.as_str(), |(_, id)| id).to_owned();
    let social = !matches!(
        new.strategy,
        "auth0" | "email" | "sms" | "ad" | "samlp" | "waad" | "oidc" | "okta" | "adfs" | "pingfederate"
    );
    let mut u = Map::new();
    u.insert("user_id".into(), json!(new.user_id));
    if let Some(email) = email {
        u.insert("email".into(), json!(email));
    }
    u.insert("email_verified".into(), json!(fields.get("email_verified").and_then(Value::as_bool).unwrap_or(false)));
    if let Some(username) = username {
        u.insert("username".into(), json!(username));
    }
    if let Some(phone) = phone {
        u.insert("phone_number".into(), json!(phone));
        u.insert(
            "phone_verified".into(),
            json!(fields.get("phone_verified").and_then(Value::as_bool).unwrap_or(false)),
        );
    }
    u.insert("name".into(), json!(name));
    u.insert("nickname".into(), json!(nickname));
    for f in ["given_name", "family_name"] {
        if let Some(v) = fields.get(f).filter(|v| !v.is_null()) {
            u.insert(f.into(), v.clone());
        }
    }
    u.insert("picture".into(), json!(picture));
    u.insert(
        "identities".into(),
        json!([{"connection": new.connection, "user_id": provider_id, "provider": new.strategy, "isSocial": social}]),
    );
    u.insert("created_at".into(), json!(new.created_at));
    u.insert("updated_at".into(), json!(new.created_at));
    for f in ["app_metadata", "user_metadata"] {
        if let Some(v) = fields.get(f).filter(|v| v.is_object()) {
            u.insert(f.into(), v.clone());
        }
    }
    if let Some(b) = fields.get("blocked").and_then(Value::as_bool) {
        u.insert("blocked".into(), json!(b));
    }
    u.insert("logins_count".into(), json!(0));
    for (k, v) in fields {
        if !u.contains_key(k) && !CONTROL_FIELDS.contains(&k.as_str()) && !v.is_null() {
            u.insert(k.clone(), v.clone());
        }
    }
    Value::Object(u)
}

/// `POST /api/v2/users`.
pub fn create(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, false)?;
    refuse_fields(&body, &["identities", "created_at", "updated_at", "logins_count", "last_login"])?;
    let conn_name = s(&ctx.body, "connection");
    let conn = find_connection(t, conn_name)
        .ok_or_else(|| ApiError::new(400, Some("inexistent_connection"), "The connection does not exist."))?
        .clone();
    let strategy = s(&conn, "strategy").to_owned();
    let email = body.get("email").and_then(Value::as_str);
    if let Some(e) = email.filter(|e| !looks_like_email(e)) {
        return Err(ApiError::payload(format!(
            "'Object didn't pass validation for format email: {e}' on property email."
        )));
    }
    match strategy.as_str() {
        "auth0" => {
            let requires_username =
                conn.pointer("/options/requires_username").and_then(Value::as_bool).unwrap_or(false);
            if email.is_none() && !(requires_username && body.contains_key("username")) {
                return Err(ApiError::payload("'Missing required property: email'."));
            }
            let Some(pw) = body.get("password").and_then(Value::as_str) else {
                return Err(ApiError::payload("'Missing required property: password'."));
            };
            check_password(&conn, pw)?;
        }
        "email" => {
            if email.is_none() {
                return Err(ApiError::payload("'Missing required property: email'."));
            }
        }
        "sms" => {
            if !body.contains_key("phone_number") {
                return Err(ApiError::payload("'Missing required property: phone_number'."));
            }
        }
        _ => {
            return Err(ApiError::new(
                400,
                Some("operation_not_supported"),
                "Connection is not supported for this operation.",
            ));
        }
    }
    for identifier in [email, body.get("username").and_then(Value::as_str)].into_iter().flatten() {
        if t.user_by_login(conn_name, identifier).is_some() {
            return Err(ApiError::conflict("The user already exists.", Some("auth0_idp_error")));
        }
    }
    let provider = if strategy == "auth0" { "auth0".to_owned() } else { strategy.clone() };
    let user_id = match body.get("user_id").and_then(Value::as_str) {
        Some(custom) if !custom.is_empty() => format!("{provider}|{custom}"),
        _ => format!("{provider}|{}", t.ids.hex(24)),
    };
    if t.get(Kind::Users, &user_id).is_some() {
        return Err(ApiError::conflict("The user already exists.", Some("auth0_idp_error")));
    }
    let mut fields = body.clone();
    fields.remove("user_id");
    let user = build_user(
        NewUser { user_id: user_id.clone(), connection: conn_name, strategy: &strategy, created_at: ctx.now_iso() },
        &fields,
    );
    if let Some(pw) = body.get("password").and_then(Value::as_str) {
        let hash = password::hash(&mut t.ids, pw);
        t.put(Kind::Passwords, user_id.clone(), json!(hash));
    }
    t.put(Kind::Users, user_id.clone(), user.clone());
    let user_name = email.unwrap_or(&user_id).to_owned();
    let client = ctx.principal.as_ref().map(|p| p.client_id.clone()).unwrap_or_default();
    crate::logs::auth_event(
        t,
        "ss",
        "",
        Some((&client, "")),
        Some((&user_id, &user_name)),
        Some(conn_name),
        &ctx.ip,
        &ctx.user_agent,
        json!({"body": crate::logs::redacted(&ctx.body)}),
    );
    Ok(Reply::created(user))
}

/// `PATCH /api/v2/users/{id}`.
pub fn update(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let id = ctx.param(0).to_owned();
    let body = ctx.body_obj();
    check_types(&body, FIELD_TYPES, true)?;
    refuse_fields(
        &body,
        &["user_id", "identities", "created_at", "updated_at", "logins_count", "last_login", "last_ip"],
    )?;
    let user = t.get(Kind::Users, &id).ok_or_else(user_not_found)?.clone();
    let conn_name = user_connection(&user).to_owned();
    let conn = find_connection(t, &conn_name).cloned();
    if let Some(pw) = body.get("password").and_then(Value::as_str) {
        if let Some(conn) = &conn {
            check_password(conn, pw)?;
        }
    }
    if let Some(e) = body.get("email").and_then(Value::as_str) {
        if !looks_like_email(e) {
            return Err(ApiError::payload(format!(
                "'Object didn't pass validation for format email: {e}' on property email."
            )));
        }
        if t.user_by_login(&conn_name, e).is_some_and(|other| other != id) {
            return Err(ApiError::conflict("The specified new email already exists", Some("auth0_idp_error")));
        }
    }
    if let Some(u) = body.get("username").and_then(Value::as_str) {
        if t.user_by_login(&conn_name, u).is_some_and(|other| other != id) {
            return Err(ApiError::conflict("The username already exists", Some("auth0_idp_error")));
        }
    }
    let now = ctx.now_iso();
    if let Some(pw) = body.get("password").and_then(Value::as_str) {
        let hash = password::hash(&mut t.ids, pw);
        t.put(Kind::Passwords, id.clone(), json!(hash));
    }
    let updated = t
        .modify(Kind::Users, &id, |u| {
            let u = obj_mut(u);
            for (k, v) in &body {
                match k.as_str() {
                    "app_metadata" | "user_metadata" => merge_metadata(u, k, v),
                    k if CONTROL_FIELDS.contains(&k) => {}
                    _ if v.is_null() => {
                        u.remove(k);
                    }
                    _ => {
                        u.insert(k.clone(), v.clone());
                    }
                }
            }
            if body.contains_key("password") {
                u.insert("last_password_reset".into(), json!(now));
            }
            u.insert("updated_at".into(), json!(now));
            Value::Object(u.clone())
        })
        .ok_or_else(user_not_found)?;
    Ok(Reply::ok(updated))
}

/// Removes a user and everything that refers to them; shared with connection deletion.
pub fn remove_user(t: &mut Tenant, id: &str) -> bool {
    let existed = t.remove(Kind::Users, id).is_some();
    t.remove(Kind::Passwords, id);
    t.remove(Kind::UserRoles, id);
    let orgs: Vec<String> = t
        .coll(Kind::OrgMembers)
        .iter()
        .filter(|(_, members)| members.get(id).is_some())
        .map(|(org, _)| org.clone())
        .collect();
    for org in orgs {
        t.modify(Kind::OrgMembers, &org, |m| {
            obj_mut(m).remove(id);
        });
    }
    let grants: Vec<String> =
        t.coll(Kind::Grants).iter().filter(|(_, g)| s(g, "user_id") == id).map(|(k, _)| k.clone()).collect();
    for g in grants {
        t.remove(Kind::Grants, &g);
    }
    existed
}

/// `DELETE /api/v2/users/{id}`: 204 whether or not the user existed, as Auth0 answers.
pub fn delete(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    remove_user(t, ctx.param(0));
    Ok(Reply::no_content())
}

/// Role ids assigned to a user.
pub fn role_ids(t: &Tenant, user_id: &str) -> Vec<String> {
    t.get(Kind::UserRoles, user_id)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `GET /api/v2/users/{id}/roles`.
pub fn list_roles(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let req = page_request(&ctx.query, ctx.paging())?;
    let id = ctx.param(0);
    t.get(Kind::Users, id).ok_or_else(user_not_found)?;
    let roles: Vec<&Value> = role_ids(t, id).iter().filter_map(|r| t.get(Kind::Roles, r)).collect();
    let body = paginate(&roles, &req, "roles", "user_roles", false, |r| s(r, "id").to_owned(), |r| (*r).clone())?;
    Ok(Reply::ok(body))
}

/// 404 naming the first role id that does not exist; shared with organization member roles.
pub fn roles_exist(t: &Tenant, roles: &[String]) -> ApiResult<()> {
    match roles.iter().find(|r| t.get(Kind::Roles, r).is_none()) {
        Some(missing) => Err(ApiError::not_found(format!("The role {missing} does not exist."), None)),
        None => Ok(()),
    }
}

/// Adds roles to a user's assignments; shared with `POST /roles/{id}/users`.
pub fn add_roles(t: &mut Tenant, user_id: &str, roles: &[String]) {
    let mut current = role_ids(t, user_id);
    let before = current.len();
    for r in roles {
        if !current.contains(r) {
            current.push(r.clone());
        }
    }
    if current.len() != before || t.get(Kind::UserRoles, user_id).is_none() {
        t.put(Kind::UserRoles, user_id.to_owned(), json!(current));
    }
}

/// `POST /api/v2/users/{id}/roles`.
pub fn assign_roles(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let roles = id_list(&ctx.body_obj(), "roles")?;
    let id = ctx.param(0);
    t.get(Kind::Users, id).ok_or_else(user_not_found)?;
    roles_exist(t, &roles)?;
    add_roles(t, id, &roles);
    Ok(Reply::no_content())
}

/// `DELETE /api/v2/users/{id}/roles`.
pub fn remove_roles(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let roles = id_list(&ctx.body_obj(), "roles")?;
    let id = ctx.param(0);
    t.get(Kind::Users, id).ok_or_else(user_not_found)?;
    let current: Vec<String> = role_ids(t, id).into_iter().filter(|r| !roles.contains(r)).collect();
    if current.is_empty() {
        t.remove(Kind::UserRoles, id);
    } else {
        t.put(Kind::UserRoles, id.to_owned(), json!(current));
    }
    Ok(Reply::no_content())
}
