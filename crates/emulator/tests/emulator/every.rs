//! Every operation of both specs against the emulator: routed (401 without
//! a token), scope-checked (403 with a token lacking every scope the entry
//! lists), and a success where inputs can be built, with every 2xx body valid
//! against the spec.
//!
//! Path parameters are real objects: the parent collections are listed, or
//! created first with a body built from the spec's request schema (its
//! required fields, enum values, formats). Bodies are built the same way.

use crate::common::{Body, Client, shared_dir, start};
use crate::schema::Spec;
use gatehouse_model::Verb;
use gatehouse_model::catalog::{CATALOG, Media, OpDesc};
use gatehouse_model::operation::Api;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// Builds a value for `schema` (its required parts), unique where names matter.
fn build(spec: &Spec, schema: &Value, counter: &mut u32, field: &str, depth: usize) -> Value {
    let schema = spec.deref(schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(v) = schema.get("default").filter(|v| !v.is_null()) {
        if !v.is_object() && !v.is_array() {
            return v.clone();
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if let Some(v) = values.iter().find(|v| !v.is_null()) {
            return v.clone();
        }
    }
    if let Some(v) = schema.get("const") {
        return v.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return build(spec, first, counter, field, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut out = Map::new();
        for part in all {
            if let Value::Object(m) = build(spec, part, counter, field, depth + 1) {
                out.extend(m);
            }
        }
        return Value::Object(out);
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string").to_owned()
        }
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "string".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for name in required {
                let prop = schema.pointer(&format!("/properties/{name}")).cloned().unwrap_or(json!({}));
                out.insert(name.to_owned(), build(spec, &prop, counter, name, depth + 1));
            }
            if out.is_empty() && schema.get("minProperties").and_then(Value::as_u64).unwrap_or(0) > 0 {
                let values = schema.get("additionalProperties").filter(|v| v.is_object()).cloned().unwrap_or(json!({}));
                out.insert("x".to_owned(), build(spec, &values, counter, "x", depth + 1));
            }
            Value::Object(out)
        }
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            json!([build(spec, &items, counter, field, depth + 1)])
        }
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(json!(1)),
        "boolean" => json!(false),
        _ => {
            *counter += 1;
            let n = *counter;
            let format = schema.get("format").and_then(Value::as_str).unwrap_or_default();
            let pattern = schema.get("pattern").and_then(Value::as_str).unwrap_or_default();
            if pattern.starts_with("^#") {
                json!("#112233")
            } else if let Some(id) = id_sample(pattern, n) {
                json!(id)
            } else if format == "email" || field.contains("email") {
                json!(format!("user{n}@example.com"))
            } else if format.starts_with("uri")
                || pattern.starts_with("^https://")
                || field.contains("url")
                || field.contains("uri")
                || field.contains("ndpoint")
            {
                json!(format!("https://example{n}.com/"))
            } else if format == "date-time" {
                json!("2026-01-01T00:00:00.000Z")
            } else if field == "identifier" || field == "audience" {
                json!(format!("https://api{n}.example.com/"))
            } else if field.ends_with("domain") {
                json!(format!("login{n}.example.com"))
            } else {
                let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
                let mut s = format!("x{n}");
                while s.len() < min {
                    s.push('x');
                }
                json!(s)
            }
        }
    }
}

/// An id matching a pattern of the form `^pfx_[class]{n}$` (or `+`), unique by `n`.
fn id_sample(pattern: &str, n: u32) -> Option<String> {
    let rest = pattern.strip_prefix('^').unwrap_or(pattern);
    let open = rest.find('[')?;
    let prefix = &rest[..open];
    if !(prefix.is_empty() || prefix.ends_with('_')) || prefix.contains(['(', '\\', '.']) {
        return None;
    }
    let close = rest[open..].find(']')? + open;
    if !rest[open..close].contains("a-") {
        return None;
    }
    let quant = rest[close + 1..].trim_end_matches('$');
    let len = if quant == "+" {
        16
    } else {
        quant.strip_prefix('{')?.strip_suffix('}')?.split(',').next()?.parse::<usize>().ok()?
    };
    let digits = format!("{n}").replace('0', "z");
    Some(format!("{prefix}{}{digits}", "x".repeat(len.saturating_sub(digits.len()))))
}

/// Existing objects a body refers to by field name: the seeded tenant's.
#[derive(Default)]
struct Refs {
    user: String,
    role: String,
    db_connection: (String, String),
}

/// Points the fields of a built body that name objects at existing ones.
fn refer(body: &mut Value, refs: &Refs) {
    let Some(obj) = body.as_object_mut() else { return };
    for (k, v) in obj.iter_mut() {
        match (k.as_str(), v.is_array()) {
            ("connection", false) => *v = json!(refs.db_connection.1),
            ("connection_id", false) => *v = json!(refs.db_connection.0),
            ("user_id", false) => *v = json!(refs.user),
            ("users" | "members", true) => *v = json!([refs.user]),
            ("roles", true) if v[0].is_string() => *v = json!([refs.role]),
            _ => {}
        }
    }
}

/// The id field of an object answered by a create or found in a list.
fn id_of(object: &Value, param: &str) -> Option<String> {
    let obj = object.as_object()?;
    let pick = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    pick(param).or_else(|| pick("id")).or_else(|| {
        obj.iter().find(|(k, v)| k.ends_with("_id") && v.is_string()).and_then(|(_, v)| v.as_str().map(str::to_owned))
    })
}

fn first_item(body: &Value) -> Option<Value> {
    match body {
        Value::Array(a) => a.first().cloned(),
        Value::Object(m) => m.values().find_map(|v| v.as_array().and_then(|a| a.first().cloned())),
        _ => None,
    }
}

struct Run<'a> {
    c: &'a Client,
    specs: &'a HashMap<Api, Spec>,
    tokens: HashMap<Api, String>,
    counter: u32,
    /// Ids found or created, by collection template.
    ids: BTreeMap<String, String>,
    refs: Refs,
}

impl Run<'_> {
    fn spec(&self, api: Api) -> &Spec {
        &self.specs[&api]
    }

    fn body_for(&mut self, op: &OpDesc) -> Body {
        let Some(desc) = op.body else { return Body::None };
        let spec = self.spec(op.api);
        let Some(spec_op) = spec.operation(op.path, op.verb.as_http().as_str()) else { return Body::None };
        let media = if desc.media.contains(&Media::Json) { "application~1json" } else { "multipart~1form-data" };
        let schema = spec
            .deref(&spec_op["requestBody"])
            .pointer(&format!("/content/{media}/schema"))
            .cloned()
            .unwrap_or(json!({"type": "object"}));
        let mut counter = self.counter;
        let mut value = build(spec, &schema, &mut counter, "", 0);
        self.counter = counter;
        refer(&mut value, &self.refs);
        if desc.media.contains(&Media::Json) {
            Body::Json(if value.is_null() { json!({}) } else { value })
        } else {
            let boundary = "gatehouse-boundary";
            let mut raw = String::new();
            for (k, v) in value.as_object().cloned().unwrap_or_default() {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let file = if k == "users" { "; filename=\"users.json\"" } else { "" };
                raw.push_str(&format!(
                    "--{boundary}\r\ncontent-disposition: form-data; name=\"{k}\"{file}\r\n\r\n{v}\r\n"
                ));
            }
            raw.push_str(&format!("--{boundary}--\r\n"));
            Body::Raw("multipart/form-data; boundary=gatehouse-boundary", raw.into_bytes())
        }
    }

    /// The concrete path of `op`, with every parameter an existing object where one can be found.
    async fn path(&mut self, op: &OpDesc) -> String {
        let mut out = String::new();
        let mut template = String::new();
        let segs: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        for (i, seg) in segs.iter().enumerate() {
            if !seg.starts_with('{') {
                out.push('/');
                out.push_str(seg);
                template.push('/');
                template.push_str(seg);
                continue;
            }
            let param = seg.trim_start_matches('{').trim_end_matches('}');
            let own = i + 1 == segs.len();
            let value = self.id_in(op, &template, &out, param, own).await;
            out.push('/');
            out.push_str(&crate::common::enc(&value));
            template.push('/');
            template.push_str(seg);
        }
        out
    }

    async fn id_in(&mut self, op: &OpDesc, template: &str, concrete: &str, param: &str, own: bool) -> String {
        // A parameter with an enum in the spec (a prompt, a template name).
        let spec = self.spec(op.api);
        if let Some(spec_op) = spec.operation(op.path, op.verb.as_http().as_str()) {
            let params = spec_op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for p in params {
                let p = spec.deref(&p);
                if p["name"] == param && p["in"] == "path" {
                    if let Some(v) = spec.deref(&p["schema"]).pointer("/enum/0").and_then(Value::as_str) {
                        return v.to_owned();
                    }
                }
            }
        }
        let key = concrete.to_owned();
        if let Some(id) = self.ids.get(&key) {
            if !(own && op.verb == Verb::Delete) {
                return id.clone();
            }
        }
        let token = self.tokens[&op.api].clone();
        // Create one where the collection takes creates (jobs: by creating an export).
        let create = CATALOG.iter().find(|o| o.verb == Verb::Post && o.path == template).or_else(|| {
            CATALOG.iter().find(|o| {
                o.verb == Verb::Post
                    && o.path.strip_prefix(template).is_some_and(|r| r.starts_with('/') && !r.contains('{'))
                    && template.ends_with("/jobs")
            })
        });
        if let Some(create) = create {
            let body = self.body_for(create);
            let at = format!("{concrete}{}", &create.path[template.len()..]);
            let resp = self.c.send("POST", &at, Some(&token), body).await;
            if (200..300).contains(&resp.status) {
                if let Some(id) = id_of(&resp.json(), param) {
                    self.ids.insert(key, id.clone());
                    return id;
                }
            }
        }
        // Else the first listed.
        let resp = self.c.send("GET", concrete, Some(&token), Body::None).await;
        if resp.status == 200 {
            if let Some(id) = first_item(&resp.json()).and_then(|item| id_of(&item, param)) {
                self.ids.insert(key, id.clone());
                return id;
            }
        }
        "unknown".to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_routed_scoped_and_answers() {
    let Some(dir) = shared_dir() else {
        eprintln!("skipped: the Auth0 reference specs are not present (set AUTH0_SHARED_DIR)");
        return;
    };
    let specs = Spec::load_all(&dir);
    let (h, c) = start(20).await;
    let mgmt = c.token(&h, &h.management_audience, None).await;
    let teams = c.token(&h, &h.teams_audience, None).await;
    // Tokens holding one scope each, for the 403s.
    let narrow = [
        (Api::Management, "read:stats", c.token(&h, &h.management_audience, Some("read:stats")).await),
        (Api::Management, "read:users", c.token(&h, &h.management_audience, Some("read:users")).await),
    ];
    let teams_scopes: Vec<&str> =
        CATALOG.iter().filter(|o| o.api == Api::Teams).flat_map(|o| o.scopes.iter().copied()).collect();
    let mut teams_narrow = Vec::new();
    for s in teams_scopes.iter().take(1).chain(teams_scopes.iter().rev().take(1)) {
        teams_narrow.push((Api::Teams, *s, c.token(&h, &h.teams_audience, Some(s)).await));
    }

    let (mut routed, mut refused, mut succeeded, mut validated) = (0, 0, 0, 0);
    let mut no_403: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut not_2xx: Vec<String> = Vec::new();
    let (mut invalid, mut invalid_why): (Vec<&str>, Vec<String>) = (Vec::new(), Vec::new());
    let mut no_success: Vec<&str> = Vec::new();
    // 401 and 403 for every operation, on a placeholder path.
    for op in CATALOG {
        let path = op.path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let method = op.verb.as_http().as_str().to_owned();
        let method = method.as_str();
        let resp = c.send(method, &path, None, Body::None).await;
        if resp.status == 401 {
            routed += 1;
        } else {
            failures.push(format!("{} {method} {path}: {} without a token", op.name, resp.status));
        }
        let token =
            narrow.iter().chain(teams_narrow.iter()).find(|(api, s, _)| *api == op.api && !op.scopes.contains(s));
        match token {
            Some(_) if op.scopes.is_empty() => no_403.push(format!("{} (the spec lists no scope)", op.name)),
            Some((_, _, t)) => {
                let resp = c.send(method, &path, Some(t), Body::None).await;
                let v = resp.json();
                if resp.status == 403 && v.to_string().contains("Insufficient scope") {
                    refused += 1;
                } else {
                    failures
                        .push(format!("{} {method}: {} with a token lacking its scopes: {v}", op.name, resp.status));
                }
            }
            None => no_403.push(format!("{} (no narrow token)", op.name)),
        }
    }
    // A success for every operation where inputs can be built: creates first, deletes last.
    let rank = |op: &OpDesc| match op.verb {
        Verb::Post => 0,
        Verb::Get => 1,
        Verb::Put | Verb::Patch => 2,
        Verb::Delete => 3,
    };
    let mut ops: Vec<&OpDesc> = CATALOG.to_vec();
    // Deletes of what lies under an object before the object's own.
    ops.sort_by_key(|op| (rank(op), if op.verb == Verb::Delete { usize::MAX - op.path.len() } else { op.path.len() }));
    let mut run = Run {
        c: &c,
        specs: &specs,
        tokens: [(Api::Management, mgmt.clone()), (Api::Teams, teams.clone())].into_iter().collect(),
        counter: 0,
        ids: BTreeMap::new(),
        refs: Refs {
            user: c.expect(200, "GET", "/api/v2/users", Some(&mgmt), Body::None).await[0]["user_id"]
                .as_str()
                .expect("a seeded user")
                .to_owned(),
            role: c.expect(200, "GET", "/api/v2/roles", Some(&mgmt), Body::None).await[0]["id"]
                .as_str()
                .expect("a seeded role")
                .to_owned(),
            db_connection: {
                let conns = c.expect(200, "GET", "/api/v2/connections?strategy=auth0", Some(&mgmt), Body::None).await;
                let pick = |k: &str| conns[0][k].as_str().expect("a database connection").to_owned();
                (pick("id"), pick("name"))
            },
        },
    };
    let mut cache: HashMap<String, jsonschema::Validator> = HashMap::new();
    for op in ops {
        let path = run.path(op).await;
        let body = run.body_for(op);
        // Required query parameters: their first enum value or a string.
        let query: Vec<String> = op
            .query
            .iter()
            .filter(|q| q.required)
            .map(|q| format!("{}={}", q.name, q.kind.values().first().copied().unwrap_or("x")))
            .collect();
        let full = if query.is_empty() { path.clone() } else { format!("{path}?{}", query.join("&")) };
        let method = op.verb.as_http().as_str().to_owned();
        let method = method.as_str();
        let token = run.tokens[&op.api].clone();
        let resp = c.send(method, &full, Some(&token), body).await;
        if resp.status >= 500 {
            failures.push(format!(
                "{} {method} {full} -> {}: {}",
                op.name,
                resp.status,
                String::from_utf8_lossy(&resp.bytes)
            ));
            continue;
        }
        if !(200..300).contains(&resp.status) {
            no_success.push(op.name);
            not_2xx.push(format!(
                "{} {method} {full} -> {}: {}",
                op.name,
                resp.status,
                String::from_utf8_lossy(&resp.bytes)
            ));
            continue;
        }
        succeeded += 1;
        if resp.bytes.is_empty() {
            continue;
        }
        let spec = &specs[&op.api];
        let Some(spec_op) = spec.operation(op.path, method) else { continue };
        let body: Value = resp.json();
        if let Ok(schema) = spec.response_schema(spec_op, resp.status) {
            let schema = spec.pick_variant(schema, &body);
            let validator = cache.entry(format!("{:?}|{schema}", op.api)).or_insert_with(|| spec.validator(&schema));
            let errors: Vec<String> =
                validator.iter_errors(&body).map(|e| format!("{e} at {}", e.instance_path())).take(2).collect();
            if errors.is_empty() {
                validated += 1;
            } else {
                invalid.push(op.name);
                invalid_why.push(format!("{} {method} {full} -> {}: {}", op.name, resp.status, errors.join("; ")));
            }
        }
    }
    let total = CATALOG.len();
    println!(
        "{total} operations: {routed} routed (401 without a token), {refused} refused with 403 for a token lacking their scopes, {succeeded} answered 2xx, {validated} 2xx bodies validated against the spec, {} invalid",
        invalid.len()
    );
    println!("no 403 check ({}):\n  {}", no_403.len(), no_403.join("\n  "));
    println!("no 2xx with the inputs built ({}):\n  {}", not_2xx.len(), not_2xx.join("\n  "));
    println!("2xx bodies invalid against the spec ({}):\n  {}", invalid_why.len(), invalid_why.join("\n  "));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(routed, total, "every operation is routed");
    assert_eq!(refused + no_403.len(), total);
    // What cannot answer a success on an emulated tenant, each with its reason: the
    // list is exact, so it can neither grow nor keep an operation that now succeeds.
    let mut expected: Vec<&str> = NO_SUCCESS.iter().map(|(name, _)| *name).collect();
    expected.sort_unstable();
    no_success.sort_unstable();
    assert_eq!(no_success, expected, "operations without a 2xx:\n  {}", not_2xx.join("\n  "));
    assert_eq!(succeeded + NO_SUCCESS.len(), total);
    assert!(succeeded >= MIN_SUCCEEDED, "only {succeeded} of {total} operations answered 2xx");
    // Every 2xx body is valid against the spec, but for the exceptions listed with their reason.
    let mut expected: Vec<&str> = SPEC_INVALID.iter().map(|(name, _)| *name).collect();
    expected.sort_unstable();
    invalid.sort_unstable();
    assert_eq!(invalid, expected, "2xx bodies invalid against the spec:\n  {}", invalid_why.join("\n  "));
}

/// The least number of operations answering a 2xx in the run above.
const MIN_SUCCEEDED: usize = 436;

/// Operations without a 2xx in the run above: `(name, why)`. Objects only a
/// sign-in or an outside system creates are 404 for any id the test can give
/// (as on a new Auth0 tenant); the others are inputs the test does not build yet.
const NO_SUCCESS: &[(&str, &str)] = &[
    ("actions.executions.get", "executions exist only after a sign-in runs an action"),
    ("anomaly.blocks.checkIp", "404 means the address is not blocked; only failed sign-ins block one"),
    ("flows.executions.get", "flow executions exist only after a form runs"),
    ("flows.executions.delete", "flow executions exist only after a form runs"),
    ("eventStreams.deliveries.getHistory", "deliveries exist only after an event is delivered"),
    ("guardian.enrollments.get", "enrollments exist only after a user enrolls an MFA factor"),
    ("sessions.get", "sessions exist only after a sign-in"),
    ("sessions.update", "sessions exist only after a sign-in"),
    ("refreshTokens.get", "refresh tokens exist only after a sign-in"),
    ("refreshTokens.update", "refresh tokens exist only after a sign-in"),
    ("refreshTokens.delete", "refresh tokens exist only after a sign-in"),
    ("users.federatedConnectionsTokensets.delete", "token sets come from an upstream identity provider"),
    ("users.identities.delete", "the test does not link a secondary identity first"),
    ("keys.signing.get", "the test does not find a signing key id (the list is keyed by kid)"),
    ("groups.get", "groups come from directory provisioning; the emulator creates none"),
    ("groups.delete", "groups come from directory provisioning; the emulator creates none"),
    ("userBlocks.list", "the test finds no user id for the path: no list shares its collection"),
    ("userBlocks.delete", "the test finds no user id for the path: no list shares its collection"),
    ("organizations.getByName", "the test does not give an existing organization's name"),
    ("organizations.discoveryDomains.getByName", "the test does not give an existing domain"),
    ("connectionProfiles.getTemplate", "templates are Auth0's catalogue; the emulator holds none"),
    ("userAttributeProfiles.getTemplate", "templates are Auth0's catalogue; the emulator holds none"),
    ("users.create", "the body built from required fields lacks the email a database connection needs"),
    ("jobs.usersImports.create", "the built users file is not a JSON array"),
    ("teams.tenants.create", "the built locality is not one the Teams API offers"),
    ("teams.members.get", "the test finds an invitation id where a member id is needed"),
    ("teams.members.update", "the test finds an invitation id where a member id is needed"),
    ("teams.members.delete", "the test finds an invitation id where a member id is needed"),
    ("teams.members.tenants.list", "the test finds an invitation id where a member id is needed"),
    ("teams.members.tenants.create", "the built tenant ids are not UUIDs"),
    ("teams.members.tenants.update", "the built tenant ids are not UUIDs"),
    ("teams.members.tenants.remove", "the built tenant ids are not UUIDs"),
];

/// Operations whose 2xx body is not valid against the spec: `(name, why)`.
const SPEC_INVALID: &[(&str, &str)] = &[(
    "connections.directoryProvisioning.getDefaultMapping",
    "the emulator answers an empty mapping where the spec requires at least one entry (to fix)",
)];

/// State, not stubs: a generic collection, a relation under a user, a settings
/// document, and the special actions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_operations_keep_state() {
    let (h, c) = start(5).await;
    let token = c.token(&h, &h.management_audience, None).await;
    let t = Some(token.as_str());
    // A collection: create, read, list, update, 409 on a duplicate name, delete, 404.
    let hook = json!({"name": "my-hook", "script": "module.exports = () => {}", "triggerId": "post-user-registration"});
    let created = c.expect(201, "POST", "/api/v2/hooks", t, Body::Json(hook.clone())).await;
    let id = created["id"].as_str().expect("an id").to_owned();
    let got = c.expect(200, "GET", &format!("/api/v2/hooks/{id}"), t, Body::None).await;
    assert_eq!(got["name"], "my-hook");
    let listed = c.expect(200, "GET", "/api/v2/hooks", t, Body::None).await;
    assert!(listed.to_string().contains(&id), "{listed}");
    c.expect(409, "POST", "/api/v2/hooks", t, Body::Json(hook)).await;
    let patched = c.expect(201, "PATCH", &format!("/api/v2/hooks/{id}"), t, Body::Json(json!({"enabled": true}))).await;
    assert_eq!((patched["enabled"].clone(), patched["name"].clone()), (json!(true), json!("my-hook")));
    c.expect(204, "DELETE", &format!("/api/v2/hooks/{id}"), t, Body::None).await;
    c.expect(404, "GET", &format!("/api/v2/hooks/{id}"), t, Body::None).await;
    // An object whose id field is not `id` in the request: a client grant keeps
    // the application it names and gets an id of its own.
    let clients = c.expect(200, "GET", "/api/v2/clients", t, Body::None).await;
    let client = clients[0]["client_id"].as_str().expect("a client").to_owned();
    let grant = json!({"client_id": client, "audience": "https://grant-test.example/", "scope": ["read:x"]});
    let created = c.expect(201, "POST", "/api/v2/client-grants", t, Body::Json(grant)).await;
    assert_eq!(created["client_id"], client.as_str(), "{created}");
    let gid = created["id"].as_str().expect("a grant id").to_owned();
    assert_ne!(gid, client);
    let listed = c.expect(200, "GET", &format!("/api/v2/client-grants?client_id={client}"), t, Body::None).await;
    assert!(listed.as_array().is_some_and(|g| g.iter().any(|x| x["id"] == gid.as_str())), "{listed}");
    // A relation under a user: add, list, remove; 404 under a missing user.
    let users = c.expect(200, "GET", "/api/v2/users", t, Body::None).await;
    let user = crate::common::enc(users[0]["user_id"].as_str().expect("a user"));
    let perm =
        json!({"permissions": [{"resource_server_identifier": "https://api.test/", "permission_name": "read:x"}]});
    c.expect(201, "POST", &format!("/api/v2/users/{user}/permissions"), t, Body::Json(perm.clone())).await;
    let listed = c.expect(200, "GET", &format!("/api/v2/users/{user}/permissions"), t, Body::None).await;
    assert!(listed.to_string().contains("read:x"), "{listed}");
    c.expect(204, "DELETE", &format!("/api/v2/users/{user}/permissions"), t, Body::Json(perm.clone())).await;
    let listed = c.expect(200, "GET", &format!("/api/v2/users/{user}/permissions"), t, Body::None).await;
    assert!(!listed.to_string().contains("read:x"), "{listed}");
    c.expect(404, "POST", "/api/v2/users/auth0%7Cnobody/permissions", t, Body::Json(perm.clone())).await;
    // Deleting a role takes its permissions with it.
    let role = c.expect(200, "POST", "/api/v2/roles", t, Body::Json(json!({"name": "temp-role"}))).await;
    let rid = role["id"].as_str().expect("a role id").to_owned();
    c.expect(201, "POST", &format!("/api/v2/roles/{rid}/permissions"), t, Body::Json(perm)).await;
    let deleted = c.send("DELETE", &format!("/api/v2/roles/{rid}"), t, Body::None).await;
    assert!((200..300).contains(&deleted.status), "{}", deleted.status);
    let left = h
        .state
        .store
        .read(|s| s.coll(gatehouse_emulator::store::Kind::Objects).keys().filter(|k| k.contains(&rid)).count());
    assert_eq!(left, 0);
    // A settings document: defaults, then PATCH merges and persists.
    c.expect(200, "GET", "/api/v2/tenants/settings", t, Body::None).await;
    c.expect(200, "PATCH", "/api/v2/tenants/settings", t, Body::Json(json!({"friendly_name": "Acme"}))).await;
    c.expect(200, "PATCH", "/api/v2/tenants/settings", t, Body::Json(json!({"support_email": "s@acme.test"}))).await;
    let settings = c.expect(200, "GET", "/api/v2/tenants/settings", t, Body::None).await;
    assert_eq!(
        (settings["friendly_name"].clone(), settings["support_email"].clone()),
        (json!("Acme"), json!("s@acme.test"))
    );
    // Rotating a secret: the old one stops working at the token endpoint.
    let rotated = c.expect(200, "POST", &format!("/api/v2/clients/{}/rotate-secret", h.client_id), t, Body::None).await;
    let new_secret = rotated["client_secret"].as_str().expect("a secret").to_owned();
    assert_ne!(new_secret, h.client_secret);
    let form = |secret: &str| {
        Body::Json(
            json!({"grant_type": "client_credentials", "client_id": h.client_id, "client_secret": secret, "audience": h.management_audience}),
        )
    };
    c.expect(401, "POST", "/oauth/token", None, form(&h.client_secret)).await;
    c.expect(200, "POST", "/oauth/token", None, form(&new_secret)).await;
    // Deploying an action creates a deployed version, each deploy the next number.
    let action = json!({"name": "a1", "code": "exports.onExecutePostLogin = async () => {};", "supported_triggers": [{"id": "post-login", "version": "v3"}]});
    let action = c.expect(201, "POST", "/api/v2/actions/actions", t, Body::Json(action)).await;
    let aid = action["id"].as_str().expect("an action id").to_owned();
    let v1 = c.expect(202, "POST", &format!("/api/v2/actions/actions/{aid}/deploy"), t, Body::None).await;
    let v2 = c.expect(202, "POST", &format!("/api/v2/actions/actions/{aid}/deploy"), t, Body::None).await;
    assert_eq!((v1["number"].clone(), v2["number"].clone(), v2["deployed"].clone()), (json!(1), json!(2), json!(true)));
    let versions = c.expect(200, "GET", &format!("/api/v2/actions/actions/{aid}/versions"), t, Body::None).await;
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2), "{versions}");
    c.expect(404, "POST", "/api/v2/actions/actions/act_nope/deploy", t, Body::None).await;
    // Verifying a custom domain makes it ready.
    let domain = c
        .expect(
            201,
            "POST",
            "/api/v2/custom-domains",
            t,
            Body::Json(json!({"domain": "login.acme.test", "type": "auth0_managed_certs"})),
        )
        .await;
    let did = domain["custom_domain_id"].as_str().expect("a domain id").to_owned();
    let verified = c.expect(200, "POST", &format!("/api/v2/custom-domains/{did}/verify"), t, Body::None).await;
    assert_eq!(verified["status"], "ready");
    // User blocks: listed for a user, cleared, 404 for a missing user.
    let blocks = c.expect(200, "GET", &format!("/api/v2/user-blocks/{user}"), t, Body::None).await;
    assert_eq!(blocks["blocked_for"], json!([]), "{blocks}");
    c.expect(204, "DELETE", &format!("/api/v2/user-blocks/{user}"), t, Body::None).await;
    c.expect(404, "GET", "/api/v2/user-blocks/auth0%7Cnobody", t, Body::None).await;
    // A ticket answers a URL.
    let ticket = c
        .expect(201, "POST", "/api/v2/tickets/password-change", t, Body::Json(json!({"user_id": users[0]["user_id"]})))
        .await;
    assert!(ticket["ticket"].as_str().is_some_and(|u| u.starts_with(&h.base_url)), "{ticket}");
}

/// Polls a job until it completes; returns it.
async fn completed_job(c: &Client, token: &str, id: &str) -> Value {
    let mut seen = Vec::new();
    for _ in 0..100 {
        let job = c.expect(200, "GET", &format!("/api/v2/jobs/{id}"), Some(token), Body::None).await;
        let status = job["status"].as_str().unwrap_or_default().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "completed" {
            assert_eq!(seen.first().map(String::as_str), Some("pending"), "{seen:?}");
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} never completed: {seen:?}");
}

/// Export and import jobs progress, the export downloads, the import creates its users.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_progress_export_downloads_and_import_creates_users() {
    use std::io::Read as _;
    let (h, c) = start(7).await;
    let token = c.token(&h, &h.management_audience, None).await;
    let t = Some(token.as_str());
    let job = c
        .expect(
            200,
            "POST",
            "/api/v2/jobs/users-exports",
            t,
            Body::Json(json!({"format": "json", "fields": [{"name": "email"}]})),
        )
        .await;
    assert_eq!((job["status"].as_str(), job["type"].as_str()), (Some("pending"), Some("users_export")));
    let done = completed_job(&c, &token, job["id"].as_str().unwrap()).await;
    let location = done["location"].as_str().expect("a location").to_owned();
    let resp = c.http.get(&location).send().await.expect("download");
    assert_eq!(resp.status().as_u16(), 200);
    // A pre-signed link, as Auth0's: fetched with no token, from any origin.
    assert_eq!(resp.headers().get("access-control-allow-origin").map(|v| v.as_bytes()), Some(&b"*"[..]));
    for forged in [
        location.split('?').next().unwrap_or_default().to_owned(),
        location.replace("signature=", "signature=A"),
        location.replace("expires=", "expires=9"),
    ] {
        let refused = c.http.get(&forged).send().await.expect("download");
        assert_eq!(refused.status().as_u16(), 403, "{forged}");
    }
    let gz = resp.bytes().await.expect("bytes");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).expect("gzip");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("NDJSON")).collect();
    let users = c.expect(200, "GET", "/api/v2/users?include_totals=true", t, Body::None).await;
    assert_eq!(lines.len() as u64, users["total"].as_u64().unwrap());
    assert!(lines.iter().all(|l| l.as_object().is_some_and(|m| m.keys().all(|k| k == "email"))), "{text}");

    // An import: multipart upload, then the users exist.
    let conns = c.expect(200, "GET", "/api/v2/connections?strategy=auth0", t, Body::None).await;
    let conn = conns[0]["id"].as_str().expect("a database connection").to_owned();
    let file = r#"[{"email": "imported1@example.com"}, {"email": "imported2@example.com"}]"#;
    let raw = format!(
        "--b\r\ncontent-disposition: form-data; name=\"connection_id\"\r\n\r\n{conn}\r\n--b\r\ncontent-disposition: form-data; name=\"users\"; filename=\"u.json\"\r\ncontent-type: application/json\r\n\r\n{file}\r\n--b--\r\n"
    );
    let job = c
        .expect(
            202,
            "POST",
            "/api/v2/jobs/users-imports",
            t,
            Body::Raw("multipart/form-data; boundary=b", raw.into_bytes()),
        )
        .await;
    let done = completed_job(&c, &token, job["id"].as_str().unwrap()).await;
    assert_eq!(done["summary"]["inserted"], 2, "{done}");
    let found = c.expect(200, "GET", "/api/v2/users-by-email?email=imported2%40example.com", t, Body::None).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    // Bad uploads are refused with Auth0's error bodies, never a panic.
    let e = c
        .expect(
            400,
            "POST",
            "/api/v2/jobs/users-imports",
            t,
            Body::Raw("multipart/form-data; boundary=b", b"--b\r\nbroken".to_vec()),
        )
        .await;
    assert_eq!(e["statusCode"], 400);
    c.expect(403, "GET", "/__emulator/jobs/job_nope/export", None, Body::None).await;
}

/// The seed fills the new groups too, the same for the same `--seed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_fills_the_new_groups_deterministically() {
    let mut firsts = Vec::new();
    for _ in 0..2 {
        let (h, c) = start(10).await;
        let token = c.token(&h, &h.management_audience, None).await;
        let t = Some(token.as_str());
        let roles = c.expect(200, "GET", "/api/v2/roles", t, Body::None).await;
        let role = roles[0]["id"].as_str().unwrap().to_owned();
        let perms = c.expect(200, "GET", &format!("/api/v2/roles/{role}/permissions"), t, Body::None).await;
        assert!(perms.as_array().is_some_and(|p| !p.is_empty()), "{perms}");
        let actions = c.expect(200, "GET", "/api/v2/actions/actions", t, Body::None).await;
        assert_eq!(actions["actions"].as_array().map(Vec::len), Some(2), "{actions}");
        let streams = c.expect(200, "GET", "/api/v2/log-streams", t, Body::None).await;
        assert_eq!(streams.as_array().map(Vec::len), Some(1), "{streams}");
        let orgs = c.expect(200, "GET", "/api/v2/organizations", t, Body::None).await;
        let org = orgs[0]["id"].as_str().unwrap().to_owned();
        let invitations =
            c.expect(200, "GET", &format!("/api/v2/organizations/{org}/invitations"), t, Body::None).await;
        assert_eq!(invitations.as_array().map(Vec::len), Some(1), "{invitations}");
        let grants = c.expect(200, "GET", "/api/v2/client-grants", t, Body::None).await;
        assert!(grants.as_array().is_some_and(|g| g.len() >= 3), "{grants}");
        firsts.push((
            perms,
            actions["actions"][0]["id"].clone(),
            streams[0]["id"].clone(),
            invitations[0]["id"].clone(),
        ));
    }
    assert_eq!(firsts[0], firsts[1], "the same seed gives the same tenant");
}

/// Unknown names on keyed paths: a name the spec enumerates answers its
/// defaults until written, any other is a 400 `invalid_uri`; an id naming an object that
/// does not exist is a 404; lookups by name find the object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_on_keyed_paths_are_refused() {
    let (h, c) = start(5).await;
    let token = c.token(&h, &h.management_audience, None).await;
    let t = Some(token.as_str());
    // An email template the spec names but nobody created: its defaults.
    c.expect(200, "GET", "/api/v2/email-templates/verify_email", t, Body::None).await;
    let e = c.expect(400, "GET", "/api/v2/email-templates/not_a_template", t, Body::None).await;
    assert_eq!(e["errorCode"], "invalid_uri", "{e}");
    // Created, it is read back by its name; a second create is a conflict.
    let template = json!({"template": "verify_email", "body": "<p>hi</p>", "from": "a@b.test", "subject": "Hi", "syntax": "liquid", "enabled": true});
    c.expect(200, "POST", "/api/v2/email-templates", t, Body::Json(template.clone())).await;
    let got = c.expect(200, "GET", "/api/v2/email-templates/verify_email", t, Body::None).await;
    assert_eq!(got["subject"], "Hi", "{got}");
    c.expect(409, "POST", "/api/v2/email-templates", t, Body::Json(template)).await;
    // A guardian factor outside the spec's names.
    let e =
        c.expect(400, "PUT", "/api/v2/guardian/factors/not-a-factor", t, Body::Json(json!({"enabled": true}))).await;
    assert_eq!(e["errorCode"], "invalid_uri", "{e}");
    // A prompt's texts in an enumerated language: defaults; an unknown language: 400.
    c.expect(200, "GET", "/api/v2/prompts/login/custom-text/en", t, Body::None).await;
    c.expect(400, "GET", "/api/v2/prompts/login/custom-text/xx-nope", t, Body::None).await;
    // Ids naming objects: 404 with Auth0's error body.
    for path in ["/api/v2/sessions/nope", "/api/v2/guardian/enrollments/nope", "/api/v2/actions/executions/nope"] {
        let e = c.expect(404, "GET", path, t, Body::None).await;
        assert_eq!((e["statusCode"].clone(), e["error"].clone()), (json!(404), json!("Not Found")), "{path}: {e}");
    }
    c.expect(404, "GET", "/api/v2/jobs/job_nope/errors", t, Body::None).await;
    // A lookup by name finds the organization, and only it.
    let orgs = c.expect(200, "GET", "/api/v2/organizations", t, Body::None).await;
    let name = orgs[0]["name"].as_str().expect("a seeded organization").to_owned();
    let found = c.expect(200, "GET", &format!("/api/v2/organizations/name/{name}"), t, Body::None).await;
    assert_eq!(found["id"], orgs[0]["id"], "{found}");
    c.expect(404, "GET", "/api/v2/organizations/name/no-such-org", t, Body::None).await;
}
