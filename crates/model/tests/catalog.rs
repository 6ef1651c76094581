//! The generated catalog against Auth0's specs (when `../shared/auth0` or
//! `AUTH0_SHARED_DIR` is present) and against the hand-kept operation table.

use gatehouse_model::catalog::{self, CATALOG, Items, OpDesc, Paging, QueryKind};
use gatehouse_model::operation::{self, OPERATIONS, OperationSpec, Verb};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

// ---- Reading the specs ----

use gatehouse_specs::{Spec, SpecOp, resolve, specs};

/// What the spec says of one operation, in the terms the catalog uses.
#[derive(Debug)]
struct Expected {
    name: String,
    verb: Verb,
    path: String,
    scopes: Vec<String>,
    /// `(name, required, kind)`; kind as [`kind_of`] spells it.
    query: Vec<(String, bool, String)>,
    /// `(offset, checkpoint, max_take, next, items)`; items as [`items_of`] spells it.
    paging: Option<(bool, bool, Option<u16>, bool, String)>,
    /// `(schema, required, media types)`.
    body: Option<(String, bool, Vec<String>)>,
    statuses: Vec<u16>,
    /// Success statuses with their schema label (`Name`, `[Name]` or empty).
    success: Vec<(u16, String)>,
}

fn expected_ops(spec: &Spec) -> Vec<Expected> {
    let (root, path_prefix) = (&spec.root, spec.path_prefix);
    let mut out = Vec::new();
    for SpecOp { path, method, op, name } in spec.operations() {
        let verb = Verb::parse(method).unwrap_or_else(|| panic!("{method} {path}"));

        let mut scopes: Vec<String> = Vec::new();
        for requirement in op["security"].as_array().unwrap() {
            for list in requirement.as_object().unwrap().values() {
                for s in list.as_array().unwrap() {
                    let s = s.as_str().unwrap().to_owned();
                    if !scopes.contains(&s) {
                        scopes.push(s);
                    }
                }
            }
        }

        let mut query = Vec::new();
        let mut max_take = None;
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(root, p);
            if p["in"] != "query" {
                continue;
            }
            let schema = resolve(root, &p["schema"]);
            if p["name"] == "take" {
                max_take = schema.get("maximum").and_then(Value::as_u64).map(|m| u16::try_from(m).unwrap());
            }
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            query.push((p["name"].as_str().unwrap().to_owned(), required, spec_kind(root, schema)));
        }

        let ok = op["responses"].get("200").map(|r| resolve(root, r)).and_then(content_schema);
        let names: HashSet<&str> = query.iter().map(|(n, _, _)| n.as_str()).collect();
        let offset = names.contains("page") && names.contains("per_page");
        let checkpoint = names.contains("from") && names.contains("take");
        let paging = if offset || checkpoint {
            let shape = shape_of(root, ok.expect("a paged list answers 200"));
            Some((offset, checkpoint, max_take.filter(|_| checkpoint), shape.next && checkpoint, shape.items()))
        } else if verb == Verb::Get {
            let named_list = op["x-operation-name"].as_str().unwrap().starts_with("list");
            ok.map(|s| shape_of(root, s))
                .filter(|s| {
                    !s.other
                        && (s.bare || !s.objects.is_empty())
                        && s.objects.iter().all(|(arrays, n)| arrays.len() == 1 && (*n == 1 || named_list))
                })
                .map(|s| (false, false, None, false, s.items()))
        } else {
            None
        };

        let body = op.get("requestBody").map(|b| {
            let b = resolve(root, b);
            let media = b["content"].as_object().unwrap().keys().cloned().collect();
            let schema = content_schema(b)
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .map(|r| r.trim_start_matches("#/components/schemas/").to_owned())
                .unwrap_or_default();
            (schema, b.get("required").and_then(Value::as_bool).unwrap_or(false), media)
        });
        let mut statuses: Vec<u16> = op["responses"].as_object().unwrap().keys().map(|c| c.parse().unwrap()).collect();
        statuses.sort_unstable();
        let success = statuses
            .iter()
            .filter(|s| (200..300).contains(*s))
            .map(|s| {
                let resp = resolve(root, &op["responses"][s.to_string()]);
                (*s, content_schema(resp).map(|schema| label(root, schema)).unwrap_or_default())
            })
            .collect();

        out.push(Expected {
            name,
            verb,
            path: format!("{path_prefix}{path}"),
            scopes,
            query,
            paging,
            body,
            statuses,
            success,
        });
    }
    out
}

fn content_schema(v: &Value) -> Option<&Value> {
    let content = v.get("content")?.as_object()?;
    content.get("application/json").or_else(|| content.values().next())?.get("schema")
}

/// `Name` for a named schema, `[Name]` for an array of one, else empty.
fn label(root: &Value, schema: &Value) -> String {
    fn name(v: &Value) -> Option<&str> {
        v.get("$ref").and_then(Value::as_str).map(|r| r.trim_start_matches("#/components/schemas/"))
    }
    if let Some(n) = name(schema) {
        return n.to_owned();
    }
    let schema = resolve(root, schema);
    match (schema["type"].as_str(), schema.get("items").and_then(name)) {
        (Some("array"), Some(item)) => format!("[{item}]"),
        _ => String::new(),
    }
}

fn spec_kind(root: &Value, schema: &Value) -> String {
    let values = |s: &Value| {
        s.get("enum")
            .and_then(Value::as_array)
            .map(|e| e.iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>().join("|"))
    };
    match schema["type"].as_str().unwrap() {
        "array" => {
            let items = resolve(root, &schema["items"]);
            match values(items) {
                Some(v) => format!("enum-list:{v}"),
                None => "list".to_owned(),
            }
        }
        "string" => match values(schema) {
            Some(v) => format!("enum:{v}"),
            None => "string".to_owned(),
        },
        other => other.to_owned(),
    }
}

fn kind_of(kind: QueryKind) -> String {
    match kind {
        QueryKind::String => "string".to_owned(),
        QueryKind::Integer => "integer".to_owned(),
        QueryKind::Boolean => "boolean".to_owned(),
        QueryKind::StringList => "list".to_owned(),
        QueryKind::Enum(v) => format!("enum:{}", v.join("|")),
        QueryKind::EnumList(v) => format!("enum-list:{}", v.join("|")),
    }
}

/// The alternatives of a response schema, by kind.
struct Shape {
    bare: bool,
    /// Per object alternative: its array properties and how many properties it has.
    objects: Vec<(Vec<String>, usize)>,
    next: bool,
    other: bool,
}

impl Shape {
    fn items(&self) -> String {
        let keys: HashSet<&String> = self.objects.iter().flat_map(|(a, _)| a).collect();
        assert!(keys.len() <= 1, "several item keys: {keys:?}");
        match (self.bare, keys.into_iter().next()) {
            (true, None) => "bare".to_owned(),
            (false, Some(k)) => format!("key:{k}"),
            (true, Some(k)) => format!("bare-or-key:{k}"),
            (false, None) => panic!("a list without an array"),
        }
    }
}

fn shape_of(root: &Value, schema: &Value) -> Shape {
    fn walk<'a>(root: &'a Value, v: &'a Value, out: &mut Vec<&'a Value>) {
        let v = resolve(root, v);
        match v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array) {
            Some(alts) => alts.iter().for_each(|a| walk(root, a, out)),
            None => out.push(v),
        }
    }
    let mut alts = Vec::new();
    walk(root, schema, &mut alts);
    let mut shape = Shape { bare: false, objects: Vec::new(), next: false, other: false };
    for alt in alts {
        if alt["type"] == "array" {
            shape.bare = true;
        } else if let Some(props) = alt.get("properties").and_then(Value::as_object) {
            let arrays = props.iter().filter(|(_, p)| resolve(root, p)["type"] == "array").map(|(k, _)| k.clone());
            shape.objects.push((arrays.collect(), props.len()));
            shape.next |= props.contains_key("next");
        } else {
            shape.other = true;
        }
    }
    shape
}

fn items_of(items: Items) -> String {
    match items {
        Items::Bare => "bare".to_owned(),
        Items::Key(k) => format!("key:{k}"),
        Items::BareOrKey(k) => format!("bare-or-key:{k}"),
    }
}

fn media_of(op: &OpDesc) -> Vec<String> {
    op.body.map(|b| b.media.iter().map(|m| m.as_str().to_owned()).collect()).unwrap_or_default()
}

// ---- The catalog against the specs ----

#[test]
fn every_spec_operation_is_in_the_catalog_as_the_spec_says() {
    let Some(specs) = specs() else { return };
    let mut problems = Vec::new();
    let mut total = 0;
    for spec in &specs {
        for want in expected_ops(spec) {
            total += 1;
            let Some(op) = catalog::by_name(&want.name) else {
                problems.push(format!("{} {} ({}): not in the catalog", want.verb.as_http(), want.path, want.name));
                continue;
            };
            let mut differ = |what: &str, have: String, spec: String| {
                if have != spec {
                    problems.push(format!("{}: {what}: catalog {have}, spec {spec}", want.name));
                }
            };
            differ("method", format!("{:?}", op.verb), format!("{:?}", want.verb));
            differ("path", op.path.to_owned(), want.path.clone());
            differ("scopes", format!("{:?}", op.scopes), format!("{:?}", want.scopes));
            let query: Vec<(String, bool, String)> =
                op.query.iter().map(|q| (q.name.to_owned(), q.required, kind_of(q.kind))).collect();
            differ("query", format!("{query:?}"), format!("{:?}", want.query));
            let paging = op.paging.items().map(|items| {
                let next = matches!(op.paging, Paging::Checkpoint { next: true, .. } | Paging::Both { next: true, .. });
                (op.paging.has_offset(), op.paging.has_checkpoint(), op.paging.max_take(), next, items_of(items))
            });
            differ("paging", format!("{paging:?}"), format!("{:?}", want.paging));
            let body = op.body.map(|b| (op.body_schema.to_owned(), b.required, media_of(op)));
            differ("body", format!("{body:?}"), format!("{:?}", want.body));
            let success: Vec<(u16, String)> = op.success.iter().map(|(s, n)| (*s, (*n).to_owned())).collect();
            differ("success", format!("{success:?}"), format!("{:?}", want.success));
            let errors: Vec<u16> = want.statuses.iter().copied().filter(|s| !(200..300).contains(s)).collect();
            differ("errors", format!("{:?}", op.errors), format!("{errors:?}"));
        }
    }
    if CATALOG.len() != total {
        problems.push(format!("the catalog has {} entries, the specs {total} operations", CATALOG.len()));
    }
    assert!(problems.is_empty(), "{} differences:\n  {}", problems.len(), problems.join("\n  "));
}

// ---- The catalog on its own ----

#[test]
fn names_are_unique_and_dotted() {
    let mut seen = HashSet::new();
    for op in CATALOG {
        assert!(seen.insert(op.name), "duplicate name {}", op.name);
        assert!(op.name.contains('.') && !op.name.contains(".."), "{}", op.name);
        assert_eq!(op.name.starts_with("teams."), op.api == operation::Api::Teams, "{}", op.name);
    }
}

#[test]
fn sorted_by_path_then_method() {
    let order = |v: Verb| [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete].iter().position(|x| *x == v);
    for pair in CATALOG.windows(2) {
        let key = |op: &OpDesc| (op.path, order(op.verb));
        assert!(key(pair[0]) < key(pair[1]), "{} before {}", pair[0].name, pair[1].name);
    }
}

/// The path with every parameter replaced by `{}`: two templates with the
/// same shape match exactly the same paths.
fn shape(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

/// Fills each parameter with a value that is no literal segment of any template.
fn sample(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "x~1" } else { s }).collect::<Vec<_>>().join("/")
}

#[test]
fn every_request_names_at_most_one_operation() {
    // No two entries share a method and a template shape, so where templates
    // overlap the literal-first rule of `find` leaves exactly one.
    let mut shapes = HashMap::new();
    for op in CATALOG {
        if let Some(other) = shapes.insert((op.verb, shape(op.path)), op.name) {
            panic!("{other} and {} match the same requests", op.name);
        }
    }
    // Each entry is what its own paths resolve to.
    for op in CATALOG {
        let path = sample(op.path);
        let (found, params) = catalog::find(op.verb, &path).unwrap_or_else(|| panic!("{path} not found"));
        assert_eq!(found.name, op.name, "{path}");
        assert_eq!(params.len(), op.path_params().count(), "{path}");
    }
    // Where two templates overlap, the concrete path both match goes to the one
    // with a literal at the first position where they differ.
    let mut overlaps = Vec::new();
    for (i, a) in CATALOG.iter().enumerate() {
        for b in &CATALOG[i + 1..] {
            if a.verb != b.verb {
                continue;
            }
            let (sa, sb): (Vec<&str>, Vec<&str>) = (a.path.split('/').collect(), b.path.split('/').collect());
            if sa.len() != sb.len() {
                continue;
            }
            let mut both = Vec::new();
            let mut winner = None;
            for (x, y) in sa.iter().zip(&sb) {
                match (x.starts_with('{'), y.starts_with('{')) {
                    (true, true) => both.push("x~1"),
                    (false, true) => {
                        winner.get_or_insert(a.name);
                        both.push(x);
                    }
                    (true, false) => {
                        winner.get_or_insert(b.name);
                        both.push(y);
                    }
                    (false, false) if x == y => both.push(x),
                    (false, false) => {
                        both.clear();
                        break;
                    }
                }
            }
            if both.is_empty() {
                continue;
            }
            let path = both.join("/");
            let (found, _) = catalog::find(a.verb, &path).unwrap();
            assert_eq!(Some(found.name), winner, "{path}");
            overlaps.push(format!(
                "{:?} {path}: {} over {}",
                a.verb,
                found.name,
                if found.name == a.name { b.name } else { a.name }
            ));
        }
    }
    eprintln!("{} overlapping template pairs, settled literal-first:\n  {}", overlaps.len(), overlaps.join("\n  "));
}

#[test]
fn find_resolves_concrete_paths() {
    let cases: &[(Verb, &str, &str, &[&str])] = &[
        (Verb::Get, "/api/v2/users/auth0%7C1/permissions", "users.permissions.list", &["auth0|1"]),
        (Verb::Post, "/api/v2/users/auth0%7C1/permissions", "users.permissions.create", &["auth0|1"]),
        (Verb::Get, "/api/v2/users/a%2Fb/roles", "users.roles.list", &["a/b"]),
        (Verb::Get, "/api/v2/users-by-email", "users.listUsersByEmail", &[]),
        (Verb::Get, "/api/v2/users/auth0%7C1", "users.get", &["auth0|1"]),
        (Verb::Get, "/api/v2/roles/rol_1/users", "roles.users.list", &["rol_1"]),
        (Verb::Post, "/api/v2/roles/rol_1/users", "roles.users.assign", &["rol_1"]),
        (
            Verb::Get,
            "/api/v2/attack-protection/brute-force-protection",
            "attackProtection.bruteForceProtection.get",
            &[],
        ),
        (
            Verb::Patch,
            "/api/v2/attack-protection/brute-force-protection",
            "attackProtection.bruteForceProtection.update",
            &[],
        ),
        (Verb::Post, "/api/v2/client-grants", "clientGrants.create", &[]),
        (Verb::Get, "/api/v2/custom-domains/default", "customDomains.getDefault", &[]),
        (Verb::Patch, "/api/v2/custom-domains/default", "customDomains.setDefault", &[]),
        (Verb::Patch, "/api/v2/custom-domains/cd_1", "customDomains.update", &["cd_1"]),
        (Verb::Get, "/api/v2/organizations/name/acme", "organizations.getByName", &["acme"]),
        (Verb::Get, "/api/v2/organizations/org_1", "organizations.get", &["org_1"]),
        (
            Verb::Get,
            "/api/v2/organizations/org_1/members/auth0%7C1/roles",
            "organizations.members.roles.list",
            &["org_1", "auth0|1"],
        ),
        (Verb::Get, "/api/v2/connection-profiles/templates", "connectionProfiles.listTemplates", &[]),
        (Verb::Get, "/api/members/m_1/tenants/US-3", "teams.members.tenants.list", &["m_1", "US-3"]),
        (Verb::Get, "/api/tenants/7c3e", "teams.tenants.get", &["7c3e"]),
        (Verb::Get, "/api/activity/logs", "teams.activity.list", &[]),
    ];
    for (verb, path, name, params) in cases {
        let (op, got) = catalog::find(*verb, path).unwrap_or_else(|| panic!("{verb:?} {path} not found"));
        assert_eq!((op.name, got.as_slice()), (*name, &params.iter().map(|p| p.to_string()).collect::<Vec<_>>()[..]));
    }
    for (verb, path) in [
        (Verb::Get, "/api/v2/users/a/b"),
        (Verb::Put, "/api/v2/users"),
        (Verb::Get, "/api/v2/users/%2E%2E"),
        (Verb::Get, "/api/v2/users/"),
        (Verb::Get, "/oauth/token"),
    ] {
        assert!(catalog::find(verb, path).is_none(), "{verb:?} {path}");
    }
}

#[test]
fn by_name_finds_every_entry() {
    for op in CATALOG {
        assert!(std::ptr::eq(catalog::by_name(op.name).unwrap(), *op));
    }
}

#[test]
fn wires_are_the_entries_wire_parts_sorted_by_name() {
    assert_eq!(catalog::WIRES.len(), CATALOG.len());
    for pair in catalog::WIRES.windows(2) {
        assert!(pair[0].name < pair[1].name, "{} / {}", pair[0].name, pair[1].name);
    }
    for op in CATALOG {
        // Equal, not the same place: each entry points at its own copy, so naming a few
        // entries does not link the whole table (the console).
        assert_eq!(catalog::wire(op.name).unwrap(), op.wire, "{}", op.name);
    }
    assert!(catalog::wire("users.nope").is_none());
}

#[test]
fn multipart_bodies_name_their_files() {
    let Some(specs) = specs() else { return };
    let mut seen = 0;
    for spec in &specs {
        let (root, path_prefix) = (&spec.root, spec.path_prefix);
        for (path, item) in root["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(multipart) = op
                    .pointer("/requestBody")
                    .map(|b| resolve(root, b))
                    .and_then(|b| b.pointer("/content/multipart~1form-data"))
                else {
                    continue;
                };
                let schema = resolve(root, &multipart["schema"]);
                let mut files: Vec<(String, String)> = Vec::new();
                for (name, prop) in schema["properties"].as_object().unwrap() {
                    let prop = resolve(root, prop);
                    let media = prop.get("contentMediaType").and_then(Value::as_str);
                    if media.is_some() || prop.get("format").and_then(Value::as_str) == Some("binary") {
                        files.push((name.clone(), media.unwrap_or("application/octet-stream").to_owned()));
                    }
                }
                let verb = match method.as_str() {
                    "post" => Verb::Post,
                    "put" => Verb::Put,
                    "patch" => Verb::Patch,
                    other => panic!("a multipart {other}"),
                };
                let full = format!("{path_prefix}{path}");
                let op = CATALOG.iter().find(|o| o.verb == verb && o.path == full).unwrap();
                let have: Vec<(String, String)> =
                    op.body.unwrap().files.iter().map(|f| (f.name.to_owned(), f.media_type.to_owned())).collect();
                assert_eq!(have, files, "{}", op.name);
                assert!(!files.is_empty(), "{}: a multipart body without a file", op.name);
                seen += 1;
            }
        }
    }
    // `POST /api/v2/jobs/users-imports`, whose `users` is the file of users.
    assert!(seen >= 1);
    let import = catalog::by_name("jobs.usersImports.create").unwrap().body.unwrap();
    assert_eq!(import.file("users").map(|f| f.media_type), Some("application/octet-stream"));
    for op in CATALOG {
        let multipart = op.body.is_some_and(|b| b.media.contains(&catalog::Media::Multipart));
        assert!(multipart || op.body.is_none_or(|b| b.files.is_empty()), "{}", op.name);
    }
}

#[test]
fn lists_have_items_and_paging_parameters() {
    for op in CATALOG {
        let has = |n: &str| op.query_param(n).is_some();
        assert_eq!(op.paging.has_offset(), has("page") && has("per_page"), "{}", op.name);
        assert_eq!(op.paging.has_checkpoint(), has("from") && has("take"), "{}", op.name);
        if op.paging != Paging::None {
            assert_eq!(op.verb, Verb::Get, "{}", op.name);
        }
        assert!(!op.success.is_empty(), "{}", op.name);
        assert!(op.success.iter().all(|(s, _)| (200..300).contains(s) && op.is_success(*s)), "{}", op.name);
        assert!(op.errors.iter().all(|s| (400..600).contains(s) && !op.is_success(*s)), "{}", op.name);
    }
}

// ---- The hand-kept table against the catalog ----

/// Rows of the hand table that the specs do not cover.
const NOT_IN_SPECS: &[(&str, &str)] = &[
    // The token endpoint belongs to the Authentication API, whose spec is not
    // part of the catalog.
    ("RequestToken", "Authentication API"),
];

/// Path parameters the hand table names differently from the spec. The
/// Teams spec calls the tenant `tenantId`; the table keeps snake case.
const PARAM_NAMES: &[(&str, &str, &str)] = &[
    ("GetTenant", "/api/tenants/{tenant_id}", "/api/tenants/{tenantId}"),
    ("DeleteTenant", "/api/tenants/{tenant_id}", "/api/tenants/{tenantId}"),
    ("ListTenantMembers", "/api/tenants/{tenant_id}/members", "/api/tenants/{tenantId}/members"),
];

/// Rows whose scopes differ from the spec's: (row, table scopes, spec scopes, why).
///
/// The spec lists every scope related to an operation: the one that grants
/// it, alternatives for user-bound tokens (`*:current_user*`), narrower or
/// summary variants (`read:role_members`, `read:client_summary`,
/// `read:organizations_summary`) and scopes that reveal or change more
/// (`read:user_idp_tokens`, `read:client_keys`, `read:logs_users`). The table
/// keeps what a client-credentials token needs for the call Gatehouse makes.
#[rustfmt::skip]
const SCOPES: &[(&str, &[&str], &[&str], &str)] = &[
    ("ListUsers", &["read:users"], &["read:users", "read:user_idp_tokens"],
        "read:user_idp_tokens only adds identity provider tokens to the answer"),
    ("GetUser", &["read:users"], &["read:users", "read:current_user", "read:user_idp_tokens"],
        "read:current_user is for user tokens; read:user_idp_tokens adds identity provider tokens"),
    ("UpdateUser", &["update:users"], &["update:users", "update:users_app_metadata", "update:current_user_metadata"],
        "update:users_app_metadata is a body scope of the row (app_metadata); the other is for user tokens"),
    ("DeleteUser", &["delete:users"], &["delete:users", "delete:current_user"],
        "delete:current_user is for user tokens"),
    ("ListUserRoles", &["read:users", "read:roles"], &["read:users", "read:roles", "read:role_members"],
        "two scopes, as Auth0's docs say; read:role_members is the newer, narrower grant"),
    ("ListRoleUsers", &["read:users", "read:roles"], &["read:users", "read:roles", "read:role_members"],
        "two scopes, as Auth0's docs say; read:role_members is the newer, narrower grant"),
    ("ListClients", &["read:clients"], &["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"],
        "read:client_keys reveals secrets (README); the others are narrower or summary reads"),
    ("GetClient", &["read:clients"], &["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"],
        "read:client_keys reveals secrets (README); the others are narrower or summary reads"),
    ("UpdateClient", &["update:clients"],
        &["update:clients", "update:client_keys", "update:client_credentials", "update:client_token_vault_privileged_access"],
        "the others are needed only to change keys, credentials or token vault access"),
    ("ListOrganizations", &["read:organizations"], &["read:organizations", "read:organizations_summary"],
        "read:organizations_summary is a summary-only alternative"),
    ("GetOrganization", &["read:organizations"], &["read:organizations", "read:organizations_summary"],
        "read:organizations_summary is a summary-only alternative"),
    ("CreateOrganization", &["create:organizations"], &["create:organizations", "create:organization_connections"],
        "create:organization_connections is needed only to enable connections in the same call"),
    ("ListLogs", &["read:logs"], &["read:logs", "read:logs_users"],
        "read:logs_users is a narrower alternative (user-related events only)"),
    ("GetLog", &["read:logs"], &["read:logs", "read:logs_users"],
        "read:logs_users is a narrower alternative (user-related events only)"),
];

/// Rows whose paging differs from the spec's: (row, why).
const PAGING: &[(&str, &str)] = &[
    // The spec gives no maximum for the logs' `take`; the table assumes 100.
    ("ListLogs", "the spec states no maximum take"),
];

/// The row's catalog entry, found here by method and path shape; the row's
/// own link ([`OperationSpec::catalog`]) must be the same entry.
fn catalog_entry(row: &OperationSpec) -> Option<&'static OpDesc> {
    let found = CATALOG.iter().copied().find(|op| op.verb == row.verb && shape(op.path) == shape(row.path));
    assert_eq!(found.map(|op| op.name), row.catalog().map(|op| op.name), "{:?}: the row links another entry", row.id);
    found
}

/// The hand row's paging in the catalog's terms: (offset, checkpoint, max take, key).
fn row_paging(p: operation::Paging) -> (bool, bool, Option<u64>, Option<&'static str>) {
    (p.has_offset(), p.has_checkpoint(), p.max_take(), p.items_key())
}

fn entry_paging(p: Paging) -> (bool, bool, Option<u64>, Option<&'static str>) {
    (p.has_offset(), p.has_checkpoint(), p.max_take().map(u64::from), p.items().and_then(Items::key))
}

#[test]
fn every_hand_table_row_is_in_the_catalog_with_the_same_scopes() {
    let listed = |list: &[&str], id: &str| list.contains(&id);
    let mut problems = Vec::new();
    let mut used_scopes = HashSet::new();
    let mut used_paging = HashSet::new();
    let mut used_params = HashSet::new();
    for row in OPERATIONS {
        let id = row.id.name();
        let Some(op) = catalog_entry(row) else {
            if !NOT_IN_SPECS.iter().any(|(n, _)| *n == id) {
                problems.push(format!("{id} ({:?} {}): no catalog entry", row.verb, row.path));
            }
            continue;
        };
        if NOT_IN_SPECS.iter().any(|(n, _)| *n == id) {
            problems.push(format!("{id}: listed in NOT_IN_SPECS but the catalog has {}", op.name));
        }
        if op.path != row.path {
            match PARAM_NAMES.iter().find(|(n, _, _)| *n == id) {
                Some((_, table, spec)) if *table == row.path && *spec == op.path => {
                    used_params.insert(id);
                }
                _ => problems
                    .push(format!("{id}: path {} in the table, {} in the catalog ({})", row.path, op.path, op.name)),
            }
        }
        let table: Vec<&str> = row.scopes.to_vec();
        let spec: Vec<&str> = op.scopes.to_vec();
        let same = |a: &[&str], b: &[&str]| a.len() == b.len() && a.iter().all(|s| b.contains(s));
        if !same(&table, &spec) {
            match SCOPES.iter().find(|(n, ..)| *n == id) {
                Some((_, t, s, _)) if same(t, &table) && same(s, &spec) => {
                    used_scopes.insert(id);
                }
                _ => problems.push(format!("{id} ({}): scopes {table:?} in the table, {spec:?} in the spec", op.name)),
            }
        }
        for (field, scope) in row.body_scopes {
            if !op.scopes.contains(scope) {
                problems.push(format!("{id}: body scope {scope} (for {field}) is not among the spec's {spec:?}"));
            }
        }
        if row_paging(row.paging) != entry_paging(op.paging) {
            if listed(&PAGING.iter().map(|(n, _)| *n).collect::<Vec<_>>(), id) {
                used_paging.insert(id);
            } else {
                problems.push(format!(
                    "{id} ({}): paging {:?} in the table, {:?} in the catalog",
                    op.name, row.paging, op.paging
                ));
            }
        }
    }
    for (id, ..) in SCOPES {
        if !used_scopes.contains(id) {
            problems.push(format!("{id}: SCOPES lists it, but its scopes no longer differ as written there"));
        }
    }
    for (id, _) in PAGING {
        if !used_paging.contains(id) {
            problems.push(format!("{id}: PAGING lists it, but its paging no longer differs"));
        }
    }
    for (id, ..) in PARAM_NAMES {
        if !used_params.contains(id) {
            problems.push(format!("{id}: PARAM_NAMES lists it, but its path no longer differs as written there"));
        }
    }
    assert!(problems.is_empty(), "{} mismatches:\n  {}", problems.len(), problems.join("\n  "));
}

#[test]
fn hand_table_lookups_agree_with_the_catalog() {
    // For every row's own sample path, both lookups name the same operation.
    let mut by_row = BTreeMap::new();
    for row in OPERATIONS {
        let Some(op) = catalog_entry(row) else { continue };
        let path = sample(row.path);
        let (hand, hand_params) = operation::find(row.verb, &path).unwrap();
        let (found, params) = catalog::find(row.verb, &path).unwrap();
        assert_eq!((hand.id, found.name), (row.id, op.name), "{path}");
        assert_eq!(hand_params, params, "{path}");
        by_row.insert(row.id.name(), op.name);
    }
    assert_eq!(by_row.len(), OPERATIONS.len() - NOT_IN_SPECS.len());
}

// ---- The typed requests against the catalog ----

/// The paging parameters a row's paging lets its request type send, with
/// the kind each sends.
fn typed_paging(paging: operation::Paging) -> Vec<(&'static str, QueryKind)> {
    let mut out = Vec::new();
    if paging.has_offset() {
        out.extend([
            ("page", QueryKind::Integer),
            ("per_page", QueryKind::Integer),
            ("include_totals", QueryKind::Boolean),
        ]);
    }
    if paging.has_checkpoint() {
        out.extend([("from", QueryKind::String), ("take", QueryKind::Integer)]);
    }
    out
}

/// Whether a typed field sending `typed` can send every value of `spec`.
fn fits(typed: QueryKind, spec: QueryKind) -> bool {
    match (typed, spec) {
        // A string field carries an enum's values too.
        (QueryKind::String, QueryKind::String | QueryKind::Enum(_)) => true,
        (QueryKind::StringList, QueryKind::StringList | QueryKind::EnumList(_)) => true,
        (a, b) => a == b,
    }
}

#[test]
fn typed_requests_send_exactly_the_query_the_catalog_accepts() {
    // The catalog's accepted query is the spec's plus `catalog::SPEC_OMISSIONS`
    // (Auth0 behaviour the spec leaves out, each with its evidence), so there is
    // no second allow-list here.
    let mut problems = Vec::new();
    for row in OPERATIONS {
        let id = row.id.name();
        let mut typed: Vec<(&str, QueryKind)> = typed_paging(row.paging);
        typed.extend(row.id.typed_query().iter().copied());
        let Some(op) = row.catalog() else {
            if !typed.is_empty() {
                problems.push(format!("{id}: no catalog entry, yet its request type sends {typed:?}"));
            }
            continue;
        };
        let typed_names: BTreeMap<&str, QueryKind> = typed.iter().copied().collect();
        if typed_names.len() != typed.len() {
            problems.push(format!("{id}: a query name is sent by two fields: {typed:?}"));
        }
        let accepted: BTreeMap<&str, QueryKind> = op.accepted_query().map(|q| (q.name, q.kind)).collect();
        let missing: Vec<&str> = accepted.keys().filter(|n| !typed_names.contains_key(*n)).copied().collect();
        let extra: Vec<&str> = typed_names.keys().filter(|n| !accepted.contains_key(*n)).copied().collect();
        if !missing.is_empty() {
            problems.push(format!("{id} ({}): the spec's {missing:?} cannot be sent by the request type", op.name));
        }
        if !extra.is_empty() {
            problems.push(format!(
                "{id} ({}): the request type sends {extra:?}, which the catalog does not accept",
                op.name
            ));
        }
        for (name, kind) in &typed_names {
            let Some(spec) = accepted.get(name) else { continue };
            if !fits(*kind, *spec) {
                problems.push(format!("{id} ({}): `{name}` is sent as {kind:?}, the spec takes {spec:?}", op.name));
            }
        }
    }
    assert!(problems.is_empty(), "{} differences:\n  {}", problems.len(), problems.join("\n  "));
}

#[test]
fn spec_omissions_name_real_operations_and_new_parameters() {
    for (name, param) in catalog::SPEC_OMISSIONS {
        let op = catalog::by_name(name).unwrap_or_else(|| panic!("{name} is not in the catalog"));
        assert!(op.query_param(param.name).is_none(), "{name}: the spec now lists `{}`", param.name);
        assert!(OPERATIONS.iter().any(|row| row.catalog().is_some_and(|e| e.name == *name)), "{name}: no table row");
    }
}
