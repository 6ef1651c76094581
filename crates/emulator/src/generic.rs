//! Operations without a row in the table, answered with state by the shape
//! of their catalog entry.
//!
//! Most of the Management API is a few shapes, read from the entry's method,
//! path template, paging, body and success statuses:
//!
//! - a **collection**: `POST /X` creates (the id generated in the field the
//!   object's type names as its id), `GET /X` lists with the entry's paging,
//!   `GET/PATCH/PUT/DELETE /X/{id}` read, change and remove (404 after a
//!   delete, 409 for a second object of the same `name`);
//! - a **relation** under an object: `POST /X/{id}/rel` with a body holding
//!   one array adds its elements, `GET` lists them, `DELETE` with the same
//!   body removes them;
//! - a **settings document**: `GET` answers what is stored (a new tenant's
//!   defaults, `{}` completed to the response type, before any write),
//!   `PATCH` merges, `PUT` replaces;
//! - an **action** (`POST` on a path no list or read shares): answered with
//!   its response type, built from the request.
//!
//! A parent object named in the path (`/users/{id}/…`) must exist: users,
//! roles and the other table collections are looked up in their own kinds,
//! generic collections in [`Kind::Objects`]. Answers are completed to decode
//! as the operation's generated response type ([`complete`]): required fields
//! missing from what is stored are filled with typed defaults, found by
//! decoding with the model's `roundtrip_response`.

use crate::dispatch::{Ctx, Reply};
use crate::error::{ApiError, ApiResult};
use crate::ids::Ids;
use crate::query::{PageRequest, page_request};
use crate::store::{Kind, Tenant, object_key};
use gatehouse_model::catalog::{self, CATALOG, Items, OpDesc, Paging as CatPaging};
use gatehouse_model::generated::dispatch::roundtrip_response;
use gatehouse_model::{Paging, Verb};
use serde_json::{Value, json};

/// What an operation does, read from its catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// Lists the collection at the path.
    List,
    /// Creates an object in the collection at the path.
    Create,
    /// Runs an action answered with its response type.
    Action,
    /// Adds the elements of the body's array field to the relation at the path.
    RelationAdd(String),
    /// Removes them.
    RelationRemove(String),
    /// Reads the object the last parameter names.
    Get,
    /// Changes it (`merge` for `PATCH`).
    Update {
        /// Whether fields are merged into the stored object.
        merge: bool,
    },
    /// Removes it.
    Delete,
    /// Reads the settings document at the path.
    DocGet,
    /// Writes it.
    DocUpdate {
        /// Whether fields are merged into the stored document.
        merge: bool,
    },
    /// Removes the document and everything stored under the path.
    DocDelete,
}

fn segments(template: &str) -> Vec<&str> {
    template.split('/').filter(|s| !s.is_empty()).collect()
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{')
}

/// Whether the path is a collection: some operation creates in it or lists it.
/// (Keyed settings, such as a prompt's custom text per language, are not.)
fn is_collection(template: &str) -> bool {
    CATALOG.iter().any(|op| {
        op.path == template
            && (op.verb == Verb::Post
                || (op.verb == Verb::Get
                    && (op.paging != CatPaging::None || op.success.iter().any(|(_, s)| s.starts_with('[')))))
    })
}

/// Whether objects of the collection at `template` are created by a request
/// answering them (so they exist only once created). Fixed sets, such as the
/// actions' triggers, and memberships kept by the table are not.
fn is_created(template: &str) -> bool {
    CATALOG.iter().any(|op| op.path == template && op.verb == Verb::Post && has_schema(op))
}

fn is_single_param(rest: &str) -> bool {
    rest.strip_prefix('/').is_some_and(|p| is_param(p) && p.ends_with('}') && !p.contains('/'))
}

/// The array field of a body, when it holds exactly one.
fn array_field(body: &Value) -> Option<String> {
    let obj = body.as_object()?;
    let mut arrays = obj.iter().filter(|(_, v)| v.is_array());
    let (name, _) = arrays.next()?;
    (arrays.next().is_none() && obj.len() == 1).then(|| name.clone())
}

fn has_schema(op: &OpDesc) -> bool {
    op.success.first().is_some_and(|(_, s)| !s.is_empty())
}

fn shape(op: &OpDesc, body: &Value) -> Shape {
    let segs = segments(op.path);
    let last_param = segs.last().is_some_and(|s| is_param(s));
    let array_schema = op.success.first().is_some_and(|(_, s)| s.starts_with('['));
    match (op.verb, last_param) {
        (Verb::Get, true) => Shape::Get,
        (Verb::Get, false) if op.paging != CatPaging::None || array_schema => Shape::List,
        (Verb::Get, false) => Shape::DocGet,
        (Verb::Post, false) => match array_field(body) {
            Some(field) if !has_schema(op) => Shape::RelationAdd(field),
            _ if is_collection_list_or_read(op.path) => Shape::Create,
            _ => Shape::Action,
        },
        (Verb::Post, true) => Shape::Action,
        (Verb::Patch, true) => Shape::Update { merge: true },
        (Verb::Put, true) => Shape::Update { merge: false },
        (Verb::Patch, false) => Shape::DocUpdate { merge: true },
        (Verb::Put, false) => Shape::DocUpdate { merge: false },
        (Verb::Delete, true) => Shape::Delete,
        (Verb::Delete, false) => match array_field(body) {
            Some(field) => Shape::RelationRemove(field),
            None => Shape::DocDelete,
        },
    }
}

/// Whether objects created at `template` can be listed or read back.
fn is_collection_list_or_read(template: &str) -> bool {
    CATALOG.iter().any(|op| {
        op.verb == Verb::Get && (op.path == template || op.path.strip_prefix(template).is_some_and(is_single_param))
    })
}

/// A template's prefix up to (not including) segment `n`, and the same with parameters filled.
fn prefix(template: &str, params: &[String], n: usize) -> (String, String) {
    let mut t = String::new();
    let mut c = String::new();
    let mut p = 0;
    for seg in segments(template).into_iter().take(n) {
        t.push('/');
        t.push_str(seg);
        c.push('/');
        if is_param(seg) {
            let value = params.get(p).map(String::as_str).unwrap_or_default();
            c.push_str(&gatehouse_model::path::encode_query(value));
            p += 1;
        } else {
            c.push_str(seg);
        }
    }
    (t, c)
}

/// The table collections parents may be: their template and kind.
fn known_kind(template: &str) -> Option<Kind> {
    let rest = template.strip_prefix("/api/v2/")?;
    Some(match rest {
        "users" => Kind::Users,
        "roles" => Kind::Roles,
        "clients" => Kind::Clients,
        "connections" => Kind::Connections,
        "organizations" => Kind::Organizations,
        "resource-servers" => Kind::ResourceServers,
        "client-grants" => Kind::ClientGrants,
        "grants" => Kind::Grants,
        "logs" => Kind::Logs,
        _ => return None,
    })
}

/// Where the objects of a collection live.
#[derive(Debug, Clone)]
struct Coll {
    template: String,
    concrete: String,
    kind: Option<Kind>,
}

impl Coll {
    fn get<'t>(&self, t: &'t Tenant, id: &str) -> Option<&'t Value> {
        match self.kind {
            Some(kind) => t.get(kind, id),
            None => t.get(Kind::Objects, &object_key(&self.concrete, id)),
        }
    }

    fn put(&self, t: &mut Tenant, id: &str, value: Value) {
        match self.kind {
            Some(kind) => t.put(kind, id, value),
            None => t.put(Kind::Objects, object_key(&self.concrete, id), value),
        }
    }

    fn remove(&self, t: &mut Tenant, id: &str) -> Option<Value> {
        match self.kind {
            Some(kind) => t.remove(kind, id),
            None => t.remove(Kind::Objects, &object_key(&self.concrete, id)),
        }
    }

    fn items<'t>(&self, t: &'t Tenant) -> Vec<(&'t str, &'t Value)> {
        match self.kind {
            Some(kind) => t.coll(kind).iter().map(|(k, v)| (k.as_str(), v)).collect(),
            None => {
                let start = object_key(&self.concrete, "");
                t.coll(Kind::Objects)
                    .iter()
                    .filter_map(|(k, v)| k.strip_prefix(start.as_str()).map(|id| (id, v)))
                    .collect()
            }
        }
    }
}

fn coll_at(template: &str, params: &[String], n: usize) -> Coll {
    let (template, concrete) = prefix(template, params, n);
    let kind = known_kind(&template);
    Coll { template, concrete, kind }
}

/// 404 unless every object the path names before its last segment exists.
fn check_parents(ctx: &Ctx, op: &OpDesc, t: &Tenant) -> ApiResult<()> {
    let segs = segments(op.path);
    let mut p = 0;
    for (i, seg) in segs.iter().enumerate() {
        if !is_param(seg) {
            continue;
        }
        let own = i + 1 == segs.len();
        if !own {
            let coll = coll_at(op.path, &ctx.params, i);
            let tracked = coll.kind.is_some() || is_created(&coll.template) || coll.template == crate::jobs::COLLECTION;
            let id = ctx.param(p);
            if tracked && coll.get(t, id).is_none() {
                return Err(not_found(&coll.template, id));
            }
        }
        p += 1;
    }
    Ok(())
}

/// The values the spec enumerates for a path parameter of an operation.
fn path_enum(op: &str, param: &str) -> Option<&'static [&'static str]> {
    crate::skeletons::PATH_ENUMS.iter().find(|(o, p, _)| *o == op && *p == param).map(|(_, _, values)| *values)
}

/// The names of the path parameters of a template, in order.
fn param_names(template: &str) -> impl Iterator<Item = &str> {
    segments(template).into_iter().filter(|s| is_param(s)).map(|s| s.trim_start_matches('{').trim_end_matches('}'))
}

/// 400 `invalid_uri`, as Auth0 answers, for a path parameter outside the values the spec enumerates.
fn check_path_enums(ctx: &Ctx, op: &OpDesc) -> ApiResult<()> {
    for (i, name) in param_names(op.path).enumerate() {
        let value = ctx.param(i);
        if path_enum(op.name, name).is_some_and(|values| !values.contains(&value)) {
            return Err(ApiError::invalid_uri(format!(
                "Path validation error: 'No enum match for: \"{value}\"' on property {name}."
            )));
        }
    }
    Ok(())
}

/// Whether the last parameter of the operation's path names one of a fixed set
/// the spec enumerates (a template, a language), rather than an object.
fn names_fixed_document(op: &OpDesc) -> bool {
    param_names(op.path).last().is_some_and(|name| path_enum(op.name, name).is_some())
}

/// For a read by name (`…/X/name/{p}`), the collection `…/X` and the field
/// compared: `name`, or the last word of the parameter (`discovery_domain`: `domain`).
fn by_name(op: &OpDesc, params: &[String]) -> Option<(Coll, &'static str)> {
    let segs = segments(op.path);
    let n = segs.len();
    if op.verb != Verb::Get || n < 3 || segs[n - 2] != "name" || !is_param(segs[n - 1]) {
        return None;
    }
    let coll = coll_at(op.path, params, n - 2);
    let param = segs[n - 1].trim_start_matches('{').trim_end_matches('}');
    let field = if param == "name" { "name" } else { param.rsplit('_').next().unwrap_or(param) };
    Some((coll, field))
}

/// For a collection whose objects are read by an enumerated name (email
/// templates), the value of the body field holding one of those names.
fn fixed_name(collection_template: &str, body: &Value) -> Option<String> {
    let values = CATALOG.iter().filter(|op| op.verb == Verb::Get).find_map(|op| {
        let rest = op.path.strip_prefix(collection_template).filter(|rest| is_single_param(rest))?;
        path_enum(op.name, rest.trim_start_matches("/{").trim_end_matches('}'))
    })?;
    let obj = body.as_object()?;
    obj.values().filter_map(Value::as_str).find(|v| values.contains(v)).map(str::to_owned)
}

fn not_found(template: &str, id: &str) -> ApiError {
    let what = template.rsplit('/').next().unwrap_or("object").trim_end_matches('s').replace('-', " ");
    ApiError::not_found(format!("The {what} does not exist. ({id})"), Some("inexistent_object"))
}

/// The field of `object` that holds its id: the parameter name of the
/// collection's one-object path (read, update or delete) when the object
/// has it, else `id`, else the collection's own `<singular>_id` field, else
/// `id` (set on the new object).
fn id_field(collection_template: &str, object: &Value) -> String {
    let param = CATALOG
        .iter()
        .filter(|op| matches!(op.verb, Verb::Get | Verb::Delete | Verb::Patch))
        .find_map(|op| op.path.strip_prefix(collection_template).filter(|rest| is_single_param(rest)))
        .map(|rest| rest.trim_start_matches("/{").trim_end_matches('}').to_owned());
    let obj = object.as_object();
    let has = |f: &str| obj.is_some_and(|o| o.contains_key(f));
    if let Some(p) = param.as_ref().filter(|p| *p != "id" && has(p)) {
        return p.clone();
    }
    // `{connectionId}` reads the object's `connection_id`.
    let param = param.map(|p| {
        p.chars().fold(String::new(), |mut out, c| {
            if c.is_ascii_uppercase() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            out
        })
    });
    if let Some(p) = param.filter(|p| p != "id" && has(p)) {
        return p;
    }
    if has("id") {
        return "id".to_owned();
    }
    // `custom_domain_id` for `/custom-domains`: the collection's own id field,
    // never another object's reference (an invitation's `client_id`).
    let last = collection_template.rsplit('/').next().unwrap_or_default().replace('-', "_");
    let own = format!("{}_id", last.strip_suffix('s').unwrap_or(&last));
    if has(&own) { own } else { "id".to_owned() }
}

/// A new id: the prefix and length the spec's pattern gives (the skeleton's
/// sample `flg_xxxxxxxxxxxxxxxx`), or three letters of the collection's name
/// and 16 characters of base58.
fn new_id(ids: &mut Ids, collection_template: &str, form: Option<(&str, usize)>) -> String {
    let last = collection_template.rsplit('/').next().unwrap_or("obj");
    let short: String = last.chars().filter(char::is_ascii_alphabetic).take(3).collect();
    let (prefix, len) = match form {
        Some((p, len)) => (p.to_owned(), len),
        None if short.is_empty() => ("obj_".to_owned(), 16),
        None => (format!("{short}_"), 16),
    };
    let body: String =
        ids.alnum(len).chars().map(|c| if matches!(c, '0' | 'O' | 'I' | 'l') { 'x' } else { c }).collect();
    format!("{prefix}{body}")
}

/// The form of an id a skeleton field holds as a sample (`flg_` and 16 `x`s,
/// or 32 `x`s): its prefix and the length after it.
fn id_form(v: Option<&Value>) -> Option<(&str, usize)> {
    let s = v.and_then(Value::as_str)?;
    let (prefix, rest) = match s.find('_') {
        Some(i) if s[..i].chars().all(|c| c.is_ascii_lowercase()) => s.split_at(i + 1),
        _ => ("", s),
    };
    (rest.len() >= 8 && rest.chars().all(|c| c == 'x')).then_some((prefix, rest.len()))
}

/// Fills `…_id` fields naming the objects of the path (`feature_flag_id` under
/// `/feature-flags/{id}/…`, `connection_id` under `/connections/{id}/…`).
fn fill_parent_ids(ctx: &Ctx, op: &OpDesc, object: &mut Value) {
    let Some(obj) = object.as_object_mut() else { return };
    let segs = segments(op.path);
    let mut p = 0;
    for (i, seg) in segs.iter().enumerate() {
        if !is_param(seg) {
            continue;
        }
        if i > 0 && i + 1 < segs.len() {
            let coll = segs[i - 1];
            let singular = coll
                .strip_suffix("ies")
                .map(|s| format!("{s}y"))
                .unwrap_or_else(|| coll.trim_end_matches('s').to_owned());
            let field = format!("{}_id", singular.replace('-', "_"));
            let empty = obj.get(&field).is_some_and(|v| v == "" || id_form(Some(v)).is_some());
            if empty {
                obj.insert(field, json!(ctx.param(p)));
            }
        }
        p += 1;
    }
}

/// Fills what `value` lacks to decode as the success body of operation `name`:
/// each missing required field (or one of the wrong type) gets a default of
/// the first type that decodes (string, number, boolean, object, array).
/// Timestamps (`…_at`) get `now`.
pub fn complete(name: &str, status: u16, mut value: Value, now: &str) -> Value {
    let mut tries: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for _ in 0..256 {
        let Ok(bytes) = serde_json::to_vec(&value) else { return value };
        let e = match roundtrip_response(name, status, &bytes) {
            None | Some(Ok(_)) => return value,
            Some(Err(e)) => e,
        };
        let n = tries.entry(e.path.clone()).or_insert(0);
        let field = e.path.rsplit(['.', '[']).next().unwrap_or_default().to_owned();
        let candidates =
            [if field.ends_with("_at") { json!(now) } else { json!("") }, json!(0), json!(false), json!({}), json!([])];
        let Some(candidate) = candidates.get(*n).cloned() else { return value };
        *n += 1;
        if !set_at(&mut value, &e.path, candidate) {
            return value;
        }
    }
    value
}

/// Sets the value at a decode error's path (`a.b[0].c`, `.` for the whole).
fn set_at(root: &mut Value, path: &str, new: Value) -> bool {
    if path == "." || path.is_empty() {
        *root = new;
        return true;
    }
    let mut steps: Vec<Result<String, usize>> = Vec::new();
    for part in path.trim_start_matches('.').split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            steps.push(Ok(key.to_owned()));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            match idx.trim_end_matches(']').parse::<usize>() {
                Ok(i) => steps.push(Err(i)),
                Err(_) => return false,
            }
        }
    }
    let Some((last, walk)) = steps.split_last() else { return false };
    let mut cur = root;
    for step in walk {
        cur = match step {
            Ok(key) => {
                if !cur.is_object() {
                    *cur = json!({});
                }
                let Some(obj) = cur.as_object_mut() else { return false };
                obj.entry(key.clone()).or_insert_with(|| json!({}))
            }
            Err(i) => match cur.as_array_mut().and_then(|a| a.get_mut(*i)) {
                Some(v) => v,
                None => return false,
            },
        };
    }
    match last {
        Ok(key) => match cur.as_object_mut() {
            Some(obj) => {
                obj.insert(key.clone(), new);
                true
            }
            None => false,
        },
        Err(i) => match cur.as_array_mut().and_then(|a| a.get_mut(*i)) {
            Some(v) => {
                *v = new;
                true
            }
            None => false,
        },
    }
}

/// Sets a field of an object; anything else is left alone.
fn set_field(target: &mut Value, field: &str, value: Value) {
    if let Some(obj) = target.as_object_mut() {
        obj.insert(field.to_owned(), value);
    }
}

/// Merges `patch` into `target` (objects recursively; anything else replaces).
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// The generated skeletons by operation and status (0: one list item).
fn skeletons() -> &'static std::collections::HashMap<(&'static str, u16), Value> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<(&'static str, u16), Value>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        crate::skeletons::SKELETONS
            .iter()
            .filter_map(|(name, status, text)| serde_json::from_str(text).ok().map(|v| ((*name, *status), v)))
            .collect()
    })
}

/// `value` laid over what the spec requires of the operation's body with
/// `status` (status 0: one list item); what `value` holds wins.
pub fn with_skeleton(name: &str, status: u16, value: Value) -> Value {
    let Some(skeleton) = skeletons().get(&(name, status)) else { return value };
    match (skeleton, &value) {
        (Value::Object(_), Value::Object(_)) => {
            let mut out = skeleton.clone();
            merge(&mut out, &value);
            out
        }
        (_, Value::Null) => skeleton.clone(),
        _ => value,
    }
}

/// The success status the entry documents first, and whether it has a body.
fn success(op: &OpDesc) -> (u16, bool) {
    let (status, schema) = op.success.first().copied().unwrap_or((200, ""));
    (status, status != 204 && (!schema.is_empty() || status == 200 || status == 201))
}

fn answer(ctx: &Ctx, op: &OpDesc, body: Value) -> Reply {
    let (status, has_body) = success(op);
    if !has_body {
        return Reply { status, body: None, headers: Vec::new() };
    }
    let mut body = with_skeleton(op.name, status, body);
    fill_parent_ids(ctx, op, &mut body);
    Reply::with_status(status, complete(op.name, status, body, &ctx.now_iso()))
}

/// The concrete path of `template` with `params` filled, as generic state is keyed.
pub fn concrete_path(template: &str, params: &[String]) -> String {
    prefix(template, params, segments(template).len()).1
}

/// Adds an element to the relation stored at a concrete path (seeding).
pub fn add_relation(t: &mut Tenant, path: &str, element: &Value) {
    t.put(Kind::Objects, object_key(path, &element_key(element)), element_object(element));
}

/// Stores an object of the collection at a concrete path (seeding).
pub fn put_object(t: &mut Tenant, path: &str, id: &str, object: Value) {
    t.put(Kind::Objects, object_key(path, id), object);
}

/// A key for a relation element: its id for a string, its scalar fields otherwise.
fn element_key(element: &Value) -> String {
    match element {
        Value::String(s) => s.clone(),
        Value::Object(m) => {
            let mut parts: Vec<String> = m
                .iter()
                .filter(|(_, v)| v.is_string() || v.is_number() || v.is_boolean())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            parts.sort();
            parts.join("&")
        }
        other => other.to_string(),
    }
}

/// Stored form of a relation element: objects as given, an id as `{"id": …}`.
fn element_object(element: &Value) -> Value {
    match element {
        Value::Object(_) => element.clone(),
        other => json!({ "id": other }),
    }
}

/// Reads: lists, objects and documents.
pub fn read(ctx: &Ctx, t: &Tenant) -> ApiResult<Reply> {
    let Some(op) = ctx.op else {
        return Err(ApiError::internal("no catalog entry"));
    };
    check_path_enums(ctx, op)?;
    check_parents(ctx, op, t)?;
    let n = segments(op.path).len();
    if op.name == "userBlocks.list" {
        // A user's brute-force blocks: none until a login is blocked.
        if t.get(Kind::Users, ctx.param(0)).is_none() {
            return Err(crate::handlers::users::user_not_found());
        }
        let (_, path) = prefix(op.path, &ctx.params, n);
        let doc = t.get(Kind::Documents, &path).cloned().unwrap_or_else(|| json!({"blocked_for": []}));
        return Ok(answer(ctx, op, doc));
    }
    if let Some((coll, field)) = by_name(op, &ctx.params) {
        // A lookup by a unique field (`/organizations/name/{name}`): the object holding it.
        let name = ctx.params.last().map(String::as_str).unwrap_or_default();
        let found = coll.items(t).into_iter().find(|(_, v)| v.get(field).and_then(Value::as_str) == Some(name));
        return match found {
            Some((_, v)) => Ok(answer(ctx, op, v.clone())),
            None => Err(not_found(&coll.template, name)),
        };
    }
    if op.name == "jobs.errors.get" {
        // The errors a job recorded (an import's failed lines): none unless it did.
        let key = object_key(crate::jobs::COLLECTION, ctx.param(0));
        let job = t
            .get(Kind::Objects, &key)
            .ok_or_else(|| ApiError::not_found("The job does not exist.", Some("inexistent_job")))?;
        return Ok(Reply::ok(job.get("errors").cloned().unwrap_or_else(|| json!([]))));
    }
    if op.name == "users.listUsersByEmail" {
        // Users are the table's: match their email, ignoring case.
        let email = ctx.query.get("email").unwrap_or_default().to_lowercase();
        let projection = crate::query::Projection::from_params(&ctx.query)?;
        let found: Vec<Value> = t
            .coll(Kind::Users)
            .values()
            .filter(|u| u.get("email").and_then(Value::as_str).is_some_and(|e| e.to_lowercase() == email))
            .map(|u| projection.apply(u.clone(), &[]))
            .collect();
        return Ok(Reply::ok(Value::Array(found)));
    }
    match shape(op, &ctx.body) {
        Shape::List => list(ctx, op, t),
        Shape::Get => {
            let coll = coll_at(op.path, &ctx.params, n - 1);
            let id = ctx.params.last().map(String::as_str).unwrap_or_default();
            match coll.get(t, id) {
                Some(v) => Ok(answer(ctx, op, v.clone())),
                // A fixed document (a template, a language's texts) never written: its defaults.
                None if names_fixed_document(op) => Ok(answer(ctx, op, json!({}))),
                // Anything else names an object, which does not exist.
                None => Err(not_found(&coll.template, id)),
            }
        }
        Shape::DocGet => {
            let (_, path) = prefix(op.path, &ctx.params, n);
            let doc = t.get(Kind::Documents, &path).cloned().unwrap_or_else(|| json!({}));
            Ok(answer(ctx, op, doc))
        }
        other => Err(ApiError::internal(format!("{other:?} is not a read"))),
    }
}

fn cat_paging(p: CatPaging) -> Paging {
    let key = |items: Items| items.key().unwrap_or("items");
    match p {
        CatPaging::None => Paging::None,
        CatPaging::Unpaged { items } => Paging::Unpaged { key: key(items) },
        CatPaging::Offset { items } => Paging::Offset { key: key(items) },
        CatPaging::Checkpoint { items, max_take, .. } => {
            Paging::Checkpoint { key: key(items), max_take: u64::from(max_take.unwrap_or(100)) }
        }
        CatPaging::Both { items, max_take, .. } => {
            Paging::OffsetOrCheckpoint { key: key(items), max_take: u64::from(max_take.unwrap_or(100)) }
        }
    }
}

fn list(ctx: &Ctx, op: &OpDesc, t: &Tenant) -> ApiResult<Reply> {
    let n = segments(op.path).len();
    let coll = coll_at(op.path, &ctx.params, n);
    let items: Vec<(String, Value)> = coll.items(t).into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
    let status = op.success.first().map_or(200, |(s, _)| *s);
    let now = ctx.now_iso();
    let render = |(_, v): &(String, Value)| {
        // Each element laid over the spec's item and completed as the list's item type.
        let v = with_skeleton(op.name, 0, v.clone());
        let one = complete(op.name, status, json!([v]), &now);
        one.get(0).cloned().unwrap_or(v)
    };
    let items_spec = op.paging.items().unwrap_or(Items::Bare);
    let body = match op.paging {
        CatPaging::None | CatPaging::Unpaged { .. } => {
            let all: Vec<Value> = items.iter().map(render).collect();
            match items_spec.key() {
                Some(k) if !items_spec.may_be_bare() => json!({ k: all }),
                _ => Value::Array(all),
            }
        }
        paging => {
            let req = page_request(&ctx.query, cat_paging(paging))?;
            let key = items_spec.key().unwrap_or("items");
            let page = crate::query::paginate(&items, &req, key, &coll.concrete, false, |(k, _)| k.clone(), render)?;
            match (&req, page) {
                // Only an envelope is documented: wrap a bare page.
                (PageRequest::Offset { page, per_page, .. }, Value::Array(arr)) if !items_spec.may_be_bare() => {
                    json!({ "start": page * per_page, "limit": per_page, "total": items.len(), key: arr })
                }
                (_, Value::Object(mut m)) if items_spec == Items::Bare => {
                    m.remove(key).unwrap_or_else(|| Value::Array(Vec::new()))
                }
                (_, v) => v,
            }
        }
    };
    let body = with_skeleton(op.name, status, body);
    Ok(Reply::with_status(status, complete(op.name, status, body, &now)))
}

/// Writes: creates, changes, relations, actions and deletes.
pub fn write(ctx: &Ctx, t: &mut Tenant) -> ApiResult<Reply> {
    let Some(op) = ctx.op else {
        return Err(ApiError::internal("no catalog entry"));
    };
    check_path_enums(ctx, op)?;
    check_parents(ctx, op, t)?;
    if let Some(reply) = special(ctx, op, t) {
        return reply;
    }
    let n = segments(op.path).len();
    let now = ctx.now_iso();
    let body = if ctx.body.is_object() { ctx.body.clone() } else { json!({}) };
    match shape(op, &ctx.body) {
        Shape::Create => {
            let coll = coll_at(op.path, &ctx.params, n);
            if let Some(name) = body.get("name").and_then(Value::as_str) {
                if coll.items(t).iter().any(|(_, v)| v.get("name").and_then(Value::as_str) == Some(name)) {
                    return Err(ApiError::conflict(
                        format!("An object with the name '{name}' already exists."),
                        Some("already_exists"),
                    ));
                }
            }
            let (status, _) = success(op);
            let completed = complete(op.name, status, with_skeleton(op.name, status, body.clone()), &now);
            let field = id_field(&coll.template, &completed);
            // A collection of fixed documents (email templates) is keyed by the body's enumerated name.
            let fixed = fixed_name(&coll.template, &body);
            if let Some(name) = fixed.as_deref().filter(|name| coll.get(t, name).is_some()) {
                return Err(ApiError::conflict(format!("'{name}' already exists."), Some("already_exists")));
            }
            // An object keyed by what it refers to (an organization's enabled
            // connection, by `connection_id`) keeps the body's key.
            let given = (field != "id")
                .then(|| body.get(field.as_str()).and_then(Value::as_str).filter(|v| !v.is_empty()))
                .flatten()
                .map(str::to_owned);
            if let Some(key) = given.as_deref().filter(|key| coll.get(t, key).is_some()) {
                return Err(ApiError::conflict(format!("'{key}' already exists."), Some("already_exists")));
            }
            let id = match (&fixed, given) {
                (Some(name), _) => name.clone(),
                (None, Some(key)) => key,
                (None, None) => new_id(&mut t.ids, &coll.template, id_form(completed.get(field.as_str()))),
            };
            let mut object = body;
            if completed.is_object() {
                merge(&mut object, &completed);
            }
            if fixed.is_none() {
                set_field(&mut object, &field, json!(id));
            }
            if object.get("created_at").is_none_or(|v| v == "") {
                set_field(&mut object, "created_at", json!(now));
            }
            for (field, value) in initial_state(op.name) {
                if object.get(*field).is_none_or(|v| v.is_null() || v == "") {
                    set_field(&mut object, field, json!(value));
                }
            }
            // An organization's enabled connection answers with the connection's name and strategy.
            if op.name == "organizations.enabledConnections.add" {
                let conn = object.get("connection_id").and_then(Value::as_str).unwrap_or_default().to_owned();
                let Some(found) = t.get(Kind::Connections, &conn).cloned() else {
                    return Err(ApiError::not_found(
                        format!("The connection does not exist. ({conn})"),
                        Some("inexistent_connection"),
                    ));
                };
                set_field(&mut object, "connection", json!({"name": found["name"], "strategy": found["strategy"]}));
            }
            coll.put(t, &id, object.clone());
            if op.name == "logStreams.create" {
                crate::streams::start_cursor(t, &id);
            }
            Ok(answer(ctx, op, object))
        }
        Shape::Action => {
            let (status, _) = success(op);
            if let Some(reply) = act_on_parent(ctx, op, t, &body, status) {
                return reply;
            }
            let mut object = with_skeleton(op.name, status, body);
            let completed = complete(op.name, status, object.clone(), &now);
            merge(&mut object, &completed);
            let fresh = |v: &Value| v == "" || id_form(Some(v)).is_some();
            if let Some(field) = ["id", "job_id", "ticket_id"].iter().find(|f| object.get(**f).is_some_and(fresh)) {
                let id = new_id(&mut t.ids, op.path, id_form(object.get(*field)));
                set_field(&mut object, field, json!(id));
            }
            Ok(answer(ctx, op, object))
        }
        Shape::RelationAdd(field) => {
            let coll = coll_at(op.path, &ctx.params, n);
            for element in body[field.as_str()].as_array().cloned().unwrap_or_default() {
                coll.put(t, &element_key(&element), element_object(&element));
            }
            Ok(answer(ctx, op, json!({})))
        }
        Shape::RelationRemove(field) => {
            let coll = coll_at(op.path, &ctx.params, n);
            for element in body[field.as_str()].as_array().cloned().unwrap_or_default() {
                coll.remove(t, &element_key(&element));
            }
            Ok(answer(ctx, op, json!({})))
        }
        Shape::Update { merge: merging } => {
            let coll = coll_at(op.path, &ctx.params, n - 1);
            let id = ctx.params.last().cloned().unwrap_or_default();
            let existing = coll.get(t, &id).cloned();
            let mut object = match existing {
                Some(v) if merging => v,
                Some(v) => {
                    let field = id_field(&coll.template, &v);
                    let kept = v.get(field.as_str()).cloned().unwrap_or(json!(id));
                    json!({ field: kept })
                }
                None if is_collection(&coll.template) && coll.kind.is_some() => {
                    return Err(not_found(&coll.template, &id));
                }
                None if is_collection_list_or_read(&coll.template) && merging => {
                    return Err(not_found(&coll.template, &id));
                }
                None => json!({}),
            };
            merge(&mut object, &body);
            if object.get("updated_at").is_some() {
                set_field(&mut object, "updated_at", json!(now));
            }
            coll.put(t, &id, object.clone());
            Ok(answer(ctx, op, object))
        }
        Shape::Delete => {
            let coll = coll_at(op.path, &ctx.params, n - 1);
            let id = ctx.params.last().cloned().unwrap_or_default();
            match coll.remove(t, &id) {
                Some(_) => {
                    // What was stored under the object goes with it.
                    let under = format!("{}/{}", coll.concrete, gatehouse_model::path::encode_query(&id));
                    remove_under(t, &under);
                    Ok(answer(ctx, op, json!({})))
                }
                None if is_collection(&coll.template) => Err(not_found(&coll.template, &id)),
                None => Ok(answer(ctx, op, json!({}))),
            }
        }
        Shape::DocUpdate { merge: merging } => {
            let (_, path) = prefix(op.path, &ctx.params, n);
            let mut doc =
                if merging { t.get(Kind::Documents, &path).cloned().unwrap_or_else(|| json!({})) } else { json!({}) };
            merge(&mut doc, &body);
            t.put(Kind::Documents, path, doc.clone());
            Ok(answer(ctx, op, doc))
        }
        Shape::DocDelete => {
            let (_, path) = prefix(op.path, &ctx.params, n);
            t.remove(Kind::Documents, &path);
            remove_under(t, &path);
            Ok(answer(ctx, op, json!({})))
        }
        Shape::List | Shape::Get | Shape::DocGet => read(ctx, t),
    }
}

/// An action on an object that answers the object itself (`POST
/// /experiments/{id}/status` answers the experiment: the response's id has the
/// form of the object's id). When the body sets the field the action is named
/// after (`status`), the object keeps it. `None` when the action answers
/// something else.
fn act_on_parent(ctx: &Ctx, op: &OpDesc, t: &mut Tenant, body: &Value, status: u16) -> Option<ApiResult<Reply>> {
    let segs = segments(op.path);
    let n = segs.len();
    if n < 3 || !is_param(segs[n - 2]) || is_param(segs[n - 1]) {
        return None;
    }
    let (prefix, _) = id_form(skeletons().get(&(op.name, status)).and_then(|s| s.get("id")))?;
    let coll = coll_at(op.path, &ctx.params, n - 2);
    let id = ctx.params.last().cloned().unwrap_or_default();
    if prefix.is_empty() || !id.starts_with(prefix) {
        return None;
    }
    let Some(mut object) = coll.get(t, &id).cloned() else {
        return Some(Err(not_found(&coll.template, &id)));
    };
    let field = segs[n - 1].replace('-', "_");
    if let Some(v) = body.get(field.as_str()) {
        set_field(&mut object, &field, v.clone());
        if object.get("updated_at").is_some() {
            set_field(&mut object, "updated_at", json!(ctx.now_iso()));
        }
        coll.put(t, &id, object.clone());
    }
    Some(Ok(answer(ctx, op, object)))
}

/// What Auth0 does beyond the shape of the operation: `None` for the generic answer.
fn special(ctx: &Ctx, op: &OpDesc, t: &mut Tenant) -> Option<ApiResult<Reply>> {
    if let Some(kind) = crate::jobs::kind_of(op.name) {
        return Some(crate::jobs::create(ctx, t, kind).map(|job| answer(ctx, op, job)));
    }
    match op.name {
        // A job moves with time; reading it may complete it.
        "jobs.get" => Some(crate::jobs::read(ctx, t, ctx.param(0)).map(|job| answer(ctx, op, job))),
        // A new secret; the old one stops working at the token endpoint.
        "clients.rotateSecret" => {
            let id = ctx.param(0).to_owned();
            let secret = t.ids.client_secret();
            let client = t.modify(Kind::Clients, &id, |c| {
                set_field(c, "client_secret", json!(secret));
                c.clone()
            });
            Some(match client {
                Some(c) => Ok(answer(ctx, op, c)),
                None => Err(not_found("/api/v2/clients", &id)),
            })
        }
        // Brute-force blocks of a user: listed from, and cleared in, its document.
        "userBlocks.delete" => {
            let id = ctx.param(0).to_owned();
            if t.get(Kind::Users, &id).is_none() {
                return Some(Err(crate::handlers::users::user_not_found()));
            }
            t.remove(Kind::Documents, &format!("/api/v2/user-blocks/{}", gatehouse_model::path::encode_query(&id)));
            if let Some(user) = t.get(Kind::Users, &id).cloned() {
                if user.get("blocked").and_then(Value::as_bool) == Some(true) {
                    t.modify(Kind::Users, &id, |u| set_field(u, "blocked", json!(false)));
                }
            }
            Some(Ok(answer(ctx, op, json!({}))))
        }
        // Verifying a custom domain makes it ready.
        "customDomains.verify" => {
            let coll = coll_at(op.path, &ctx.params, 2 + 1);
            let id = ctx.param(0).to_owned();
            let Some(mut domain) = coll.get(t, &id).cloned() else {
                return Some(Err(not_found(&coll.template, &id)));
            };
            set_field(&mut domain, "status", json!("ready"));
            let host = domain.get("domain").and_then(Value::as_str).unwrap_or_default().to_owned();
            let record = json!({"name": "cname", "record": format!("{host}.edge.tenants.auth0.com"), "domain": host});
            set_field(&mut domain, "verification", json!({ "methods": [record] }));
            coll.put(t, &id, domain.clone());
            Some(Ok(answer(ctx, op, domain)))
        }
        // Deploying an action makes its code a new, deployed version.
        "actions.deploy" => {
            let actions = coll_at(op.path, &ctx.params, 4);
            let id = ctx.param(0).to_owned();
            let Some(action) = actions.get(t, &id).cloned() else {
                return Some(Err(not_found(&actions.template, &id)));
            };
            let versions = coll_at("/api/v2/actions/actions/{id}/versions", &ctx.params, 6);
            let earlier: Vec<String> = versions.items(t).into_iter().map(|(k, _)| k.to_owned()).collect();
            for v in &earlier {
                if let Some(mut old) = versions.get(t, v).cloned() {
                    set_field(&mut old, "deployed", json!(false));
                    versions.put(t, v, old);
                }
            }
            let version_id = new_id(&mut t.ids, "ver", Some(("ver_", 16)));
            let now = ctx.now_iso();
            let mut version = json!({
                "id": version_id,
                "action_id": id,
                "number": earlier.len() + 1,
                "deployed": true,
                "status": "built",
                "created_at": now,
                "updated_at": now,
            });
            for field in ["code", "runtime", "dependencies", "secrets", "supported_triggers"] {
                if let Some(v) = action.get(field) {
                    set_field(&mut version, field, v.clone());
                }
            }
            versions.put(t, &version_id, version.clone());
            let mut updated = action;
            set_field(&mut updated, "deployed_version", version.clone());
            set_field(&mut updated, "all_changes_deployed", json!(true));
            set_field(&mut updated, "status", json!("built"));
            actions.put(t, &id, updated);
            Some(Ok(answer(ctx, op, version)))
        }
        // A ticket URL on the emulator's own origin.
        "tickets.changePassword" | "tickets.verifyEmail" => {
            let kind = if op.name == "tickets.changePassword" { "reset-verify" } else { "email-verification" };
            let ticket = format!("{}/u/{kind}?ticket={}#", ctx.state.urls.base, t.ids.alnum(32));
            Some(Ok(answer(ctx, op, json!({ "ticket": ticket }))))
        }
        _ => None,
    }
}

/// The state Auth0 gives a new object when its creation body leaves it out
/// and the spec marks it optional (so no skeleton holds it): a log stream
/// starts `active`, sending logs at once.
fn initial_state(op: &str) -> &'static [(&'static str, &'static str)] {
    match op {
        "logStreams.create" => &[("status", "active")],
        _ => &[],
    }
}

/// Removes every generic object and document stored under a concrete path.
pub fn remove_under(t: &mut Tenant, path: &str) {
    let inside = format!("{path}/");
    let own = object_key(path, "");
    let objects: Vec<String> =
        t.coll(Kind::Objects).keys().filter(|k| k.starts_with(&inside) || k.starts_with(&own)).cloned().collect();
    for k in objects {
        t.remove(Kind::Objects, &k);
    }
    let docs: Vec<String> = t.coll(Kind::Documents).keys().filter(|k| k.starts_with(&inside)).cloned().collect();
    for k in docs {
        t.remove(Kind::Documents, &k);
    }
}

/// Whether the operation only reads: a `GET` whose reading has no effect
/// (reading a job may complete it).
pub fn is_read(op: &OpDesc) -> bool {
    op.verb == Verb::Get && op.name != "jobs.get"
}

/// The catalog entry for a request no table row matched.
pub fn find(verb: Verb, raw_path: &str) -> Option<(&'static OpDesc, Vec<String>)> {
    catalog::find(verb, raw_path)
}
