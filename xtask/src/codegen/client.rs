//! Generates the Rust client's handlers: every operation of both specs as a
//! method at its dotted name (`client.users().permissions().list(id)`), and
//! the test registry that reaches each of them.
//!
//! Two files, both outside the model:
//! - `crates/client/src/resources/generated.rs`: one handler struct per
//!   operation group, accessors from `Client` and from each group to its
//!   subgroups, one method per operation, one marker type per operation
//!   (its catalog entry and output type) and the typed query setters on
//!   `Call<marker>`. Operations of the hand-kept table return their typed
//!   `Request<ops::…>` instead, which validates more.
//! - `crates/client/tests/operations/calls.rs`: for every operation, a
//!   function that makes its request through the method at its dotted name,
//!   so the test can compare it with the spec (and the build proves the
//!   methods exist with the generated types).
//!
//! Everything per operation is a one-line forward to non-generic code in
//! `crates/client/src/call.rs`, so the client's build stays small.

use super::catalog::{self, Kind, METHODS};
use super::config::Module;
use super::emit::{HEADER, more_file, stem};
use super::items::{Generated, Item, Ty};
use super::names;
use super::schema::Spec;
use anyhow::{Result, bail};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

/// The handlers, relative to `crates/model/src/generated/`.
const HANDLERS: &str = "../../../client/src/resources/generated.rs";
/// The test registry, relative to `crates/model/src/generated/`.
const REGISTRY: &str = "../../../client/tests/operations/calls.rs";

/// Operations of the hand-kept table (`gatehouse_model::OPERATIONS`) and
/// their request types: their methods return `Request<ops::…>`. The test
/// `table_rows_use_their_request_types` holds this list to the table.
const TABLE: &[(&str, &str)] = &[
    ("users.list", "users::List"),
    ("users.get", "users::Get"),
    ("users.create", "users::Create"),
    ("users.update", "users::Update"),
    ("users.delete", "users::Delete"),
    ("users.roles.list", "users::ListRoles"),
    ("users.organizations.list", "users::ListOrganizations"),
    ("users.roles.assign", "users::AssignRoles"),
    ("users.roles.delete", "users::RemoveRoles"),
    ("roles.list", "roles::List"),
    ("roles.get", "roles::Get"),
    ("roles.create", "roles::Create"),
    ("roles.update", "roles::Update"),
    ("roles.delete", "roles::Delete"),
    ("roles.users.list", "roles::ListUsers"),
    ("roles.users.assign", "roles::AssignUsers"),
    ("clients.list", "clients::List"),
    ("clients.get", "clients::Get"),
    ("clients.create", "clients::Create"),
    ("clients.update", "clients::Update"),
    ("clients.delete", "clients::Delete"),
    ("connections.list", "connections::List"),
    ("connections.get", "connections::Get"),
    ("connections.create", "connections::Create"),
    ("connections.update", "connections::Update"),
    ("connections.delete", "connections::Delete"),
    ("organizations.list", "organizations::List"),
    ("organizations.get", "organizations::Get"),
    ("organizations.create", "organizations::Create"),
    ("organizations.update", "organizations::Update"),
    ("organizations.delete", "organizations::Delete"),
    ("organizations.members.list", "organizations::ListMembers"),
    ("organizations.members.create", "organizations::AddMembers"),
    ("organizations.members.delete", "organizations::RemoveMembers"),
    ("organizations.members.roles.list", "organizations::ListMemberRoles"),
    ("organizations.members.roles.assign", "organizations::AssignMemberRoles"),
    ("organizations.members.roles.delete", "organizations::RemoveMemberRoles"),
    ("logs.list", "logs::List"),
    ("logs.get", "logs::Get"),
    ("userGrants.list", "grants::List"),
    ("userGrants.delete", "grants::Delete"),
    ("resourceServers.list", "resource_servers::List"),
    ("resourceServers.get", "resource_servers::Get"),
    ("resourceServers.create", "resource_servers::Create"),
    ("resourceServers.update", "resource_servers::Update"),
    ("resourceServers.delete", "resource_servers::Delete"),
    ("teams.members.list", "teams::ListMembers"),
    ("teams.members.invite", "teams::InviteMembers"),
    ("teams.members.get", "teams::GetMember"),
    ("teams.members.update", "teams::UpdateMember"),
    ("teams.members.delete", "teams::RemoveMember"),
    ("teams.members.tenants.create", "teams::AddMemberTenants"),
    ("teams.members.tenants.update", "teams::UpdateMemberTenants"),
    ("teams.members.tenants.remove", "teams::RemoveMemberTenants"),
    ("teams.members.tenants.list", "teams::ListMemberTenants"),
    ("teams.tenants.list", "teams::ListTenants"),
    ("teams.tenants.create", "teams::CreateTenant"),
    ("teams.tenants.get", "teams::GetTenant"),
    ("teams.tenants.delete", "teams::DeleteTenant"),
    ("teams.tenants.members.list", "teams::ListTenantMembers"),
    ("teams.environments.list", "teams::ListEnvironments"),
    ("teams.activity.list", "teams::ListActivity"),
];

/// Request types of the table that are unit structs (no `new`).
const UNIT: &[&str] = &["teams::ListEnvironments"];

/// Methods of `Call` that a setter must not shadow.
const RESERVED: &[&str] = &[
    "new",
    "send",
    "value",
    "stream",
    "pages",
    "all",
    "raw",
    "with_body",
    "with_query",
    "set_one",
    "set_many",
    "http_request",
    "clone",
    "into_future",
];

/// Both generated files, formatted: (path relative to the model's `generated/`, text).
pub fn generate(specs: &[(&Module, &Spec)], generated: &[(&Module, &Generated)]) -> Result<Vec<(String, String)>> {
    let ops = catalog::read(specs)?;
    let statics = catalog::static_names(&ops)?;
    let types = op_types(generated);
    let table: HashMap<&str, &str> = TABLE.iter().copied().collect();

    let mut root = Node::default();
    let mut markers = HashSet::new();
    let mut out_ops = Vec::new();
    for (op, stat) in ops.iter().zip(&statics) {
        let parts: Vec<&str> = op.name.split('.').collect();
        let [groups @ .., method] = parts.as_slice() else { bail!("empty operation name") };
        if groups.is_empty() {
            bail!("operation {} has no group", op.name);
        }
        let Some(Types { body, output, item }) = types.get(op.name.as_str()) else { bail!("no types for {}", op.name) };
        let has = |n: &str| op.query.iter().any(|q| q.name == n);
        let paged = (has("page") && has("per_page")) || (has("from") && has("take"));
        if paged && item.is_none() && !table.contains_key(op.name.as_str()) {
            bail!("{} pages, but its answer has no items to stream", op.name);
        }
        let marker = names::pascal(&op.name);
        if !markers.insert(marker.clone()) {
            bail!("two operations would be the marker {marker}");
        }
        let mut node = &mut root;
        for g in groups {
            node = node.groups.entry((*g).to_owned()).or_default();
        }
        let index = out_ops.len();
        out_ops.push(OpOut {
            name: op.name.clone(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            method: ident(method),
            verb: METHODS[op.verb].0.to_uppercase(),
            path: op.path.clone(),
            params: path_params(&op.path),
            query: op.query.iter().map(|q| (q.name.clone(), &q.kind)).collect(),
            required: op.query.iter().filter(|q| q.required).map(|q| (q.name.clone(), &q.kind)).collect(),
            body: body.clone(),
            output: output.clone(),
            item: if paged { item.clone() } else { None },
            paged,
            stat: stat.clone(),
            marker,
            table: table.get(op.name.as_str()).copied(),
        });
        if node.ops.iter().any(|&i: &usize| out_ops[i].method == out_ops[index].method) {
            bail!("two operations named {} in one group", op.name);
        }
        node.ops.push(index);
    }
    for (name, _) in TABLE {
        if !out_ops.iter().any(|o| o.name == *name) {
            bail!("table operation {name} is not in the catalog");
        }
    }

    let mut handlers = String::from(HEADER);
    handlers.push_str(
        "//! The handlers of every operation of both specs, by Auth0's dotted names.\n\
         //!\n\
         //! Generated from the specs by `cargo xtask codegen`; hand-written helpers\n\
         //! live in the sibling modules as further `impl` blocks.\n\n\
         #![allow(clippy::too_many_arguments)]\n\n\
         use crate::Client;\n\
         use crate::call::Call;\n\n",
    );
    // Entry points on the client.
    handlers.push_str("impl Client {\n");
    for g in root.groups.keys() {
        let ty = names::pascal(g);
        let _ = writeln!(
            handlers,
            "/// The `{g}` operations.\n#[inline]\npub fn {}(&self) -> {ty} {{ {ty} {{ client: self.clone() }} }}",
            ident(g)
        );
    }
    handlers.push_str("}\n\n");
    emit_groups(&mut handlers, &root, &mut Vec::new(), &out_ops)?;
    handlers.push_str(
        "/// One marker type per operation of the catalog (not a table row): its\n\
         /// entry, output type, list items and the query parameters it takes.\n\
         pub mod op {\n\
         use crate::call::CatalogOp;\n\
         use gatehouse_model::generated::catalog as c;\n\n",
    );
    for op in out_ops.iter().filter(|o| o.table.is_none()) {
        emit_marker(&mut handlers, op)?;
    }
    handlers.push_str("}\n\n");
    emit_query(&mut handlers, &out_ops)?;

    let registry = registry(&out_ops);
    Ok(vec![(HANDLERS.to_owned(), super::rustfmt(&handlers)?), (REGISTRY.to_owned(), super::rustfmt(&registry)?)])
}

struct Types {
    body: Option<String>,
    output: String,
    item: Option<String>,
}

#[derive(Default)]
struct Node {
    groups: BTreeMap<String, Node>,
    ops: Vec<usize>,
}

struct OpOut<'a> {
    name: String,
    groups: Vec<String>,
    method: String,
    verb: String,
    path: String,
    params: Vec<String>,
    query: Vec<(String, &'a Kind)>,
    /// Required query parameters: method arguments after the path parameters.
    required: Vec<(String, &'a Kind)>,
    body: Option<String>,
    output: String,
    /// The items' type, for paged lists.
    item: Option<String>,
    /// Whether the operation pages (offset or checkpoint).
    paged: bool,
    stat: String,
    marker: String,
    table: Option<&'static str>,
}

/// For a query parameter's kind: the method argument's type, the
/// expression that sets it on a call (`v` the argument), the type in a
/// function pointer, and a value for the test registry.
fn kind_arg(kind: &Kind) -> (&'static str, &'static str, &'static str, String) {
    match kind {
        Kind::String => ("impl Into<String>", "set_one", "String", "\"x\".to_owned()".into()),
        Kind::Integer => ("u64", "set_one", "u64", "1".into()),
        Kind::Boolean => ("bool", "set_one", "bool", "true".into()),
        Kind::Enum(values) => ("impl Into<String>", "set_one", "String", format!("{:?}.to_owned()", values[0])),
        Kind::StringList => {
            ("impl IntoIterator<Item = impl Into<String>>", "set_many", "Vec<String>", "vec![\"x\".to_owned()]".into())
        }
        Kind::EnumList(values) => (
            "impl IntoIterator<Item = impl Into<String>>",
            "set_many",
            "Vec<String>",
            format!("vec![{:?}.to_owned()]", values[0]),
        ),
    }
}

fn set_expr(setter: &str, kind: &Kind, wire: &str, v: &str) -> String {
    match (setter, kind) {
        ("set_many", _) => format!(".set_many({wire:?}, {v})"),
        (_, Kind::Integer | Kind::Boolean) => format!(".set_one({wire:?}, {v}.to_string())"),
        _ => format!(".set_one({wire:?}, {v}.into())"),
    }
}

/// Each operation's body type (without `Option`), output type and, where
/// the output is a list (a page, an array, or an object with one array
/// field), its items' type, by name.
fn op_types(generated: &[(&Module, &Generated)]) -> HashMap<String, Types> {
    let mut out = HashMap::new();
    for (module, generated) in generated {
        let objects: HashMap<&str, &Vec<super::items::Field>> = generated
            .core
            .iter()
            .chain(&generated.more)
            .filter_map(|i| match i {
                Item::Object { name, fields, .. } => Some((name.as_str(), fields)),
                _ => None,
            })
            .collect();
        let core: HashSet<&str> = generated.core.iter().map(Item::name).collect();
        let core_mod = stem(module.file).to_owned();
        let more_mod = stem(&more_file(module)).to_owned();
        let qualify = |name: &str| {
            let m = if core.contains(name) { &core_mod } else { &more_mod };
            format!("gatehouse_model::generated::{m}::{name}")
        };
        let rust = |ty: &Ty| ty.rust_with(&qualify).replace("crate::", "gatehouse_model::");
        for op in &generated.ops {
            let body = op.body.as_ref().map(|ty| match ty {
                Ty::Option(inner) => rust(inner),
                ty => rust(ty),
            });
            let first = op.responses.iter().find_map(|(_, ty)| ty.as_ref());
            let output = first.map_or_else(|| "()".to_owned(), rust);
            let item = first.and_then(|ty| match ty {
                Ty::Page(inner) | Ty::Vec(inner) => Some(rust(inner)),
                Ty::Named(name) => {
                    let fields = objects.get(name.as_str())?;
                    let mut arrays = fields.iter().filter_map(|f| match &f.ty {
                        Ty::Vec(inner) => Some(inner),
                        _ => None,
                    });
                    match (arrays.next(), arrays.next()) {
                        (Some(inner), None) => Some(rust(inner)),
                        _ => None,
                    }
                }
                _ => None,
            });
            out.insert(op.name.clone(), Types { body, output, item });
        }
    }
    out
}

/// A snake_case method or argument name, escaped where Rust reserves it.
fn ident(name: &str) -> String {
    let s = names::words(name).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) { format!("n_{s}") } else { s };
    match s.as_str() {
        "self" | "super" | "crate" | "client" | "body" => format!("{s}_"),
        "type" | "match" | "move" | "ref" | "use" | "in" | "as" | "fn" | "impl" | "mod" | "static" | "struct"
        | "trait" | "where" | "loop" | "for" | "if" | "else" | "enum" | "let" | "mut" | "pub" | "return" | "const"
        | "async" | "await" | "dyn" | "box" | "do" | "final" | "macro" | "override" | "priv" | "typeof" | "unsized"
        | "virtual" | "yield" | "try" | "gen" | "abstract" | "become" | "break" | "continue" | "extern" | "false"
        | "true" | "while" | "unsafe" => format!("r#{s}"),
        _ => s,
    }
}

fn path_params(path: &str) -> Vec<String> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).map(ident).collect()
}

/// The handler struct of a group path (`["users", "permissions"]` → `UsersPermissions`).
fn group_type(path: &[String]) -> String {
    names::pascal(&path.join("."))
}

fn emit_groups(out: &mut String, node: &Node, path: &mut Vec<String>, ops: &[OpOut]) -> Result<()> {
    if !path.is_empty() {
        let ty = group_type(path);
        let dotted = path.join(".");
        let _ = writeln!(
            out,
            "/// The `{dotted}` operations; each method makes one request.\n\
             #[derive(Debug, Clone)]\npub struct {ty} {{\n    pub(crate) client: Client,\n}}\n\nimpl {ty} {{"
        );
        for g in node.groups.keys() {
            let mut sub = path.clone();
            sub.push(g.clone());
            let sub_ty = group_type(&sub);
            let _ = writeln!(
                out,
                "/// The `{dotted}.{g}` operations.\n#[inline]\npub fn {}(&self) -> {sub_ty} {{ {sub_ty} {{ client: self.client.clone() }} }}",
                ident(g)
            );
        }
        for &i in &node.ops {
            emit_method(out, &ops[i]);
        }
        out.push_str("}\n\n");
    }
    for (g, child) in &node.groups {
        path.push(g.clone());
        emit_groups(out, child, path, ops)?;
        path.pop();
    }
    Ok(())
}

fn emit_method(out: &mut String, op: &OpOut) {
    let mut args: Vec<String> = op.params.iter().map(|p| format!("{p}: impl Into<String>")).collect();
    let params: Vec<String> = op.params.iter().map(|p| format!("{p}.into()")).collect();
    let paged = if op.paged { " A list: `.stream()` pages through it." } else { "" };
    let _ = writeln!(out, "/// `{} {}` (`{}`).{paged}\n#[inline]", op.verb, op.path, op.name);
    match op.table {
        Some(ty) => {
            let ty = format!("gatehouse_model::ops::{ty}");
            if op.body.is_some() {
                args.push(format!("body: <{ty} as gatehouse_model::operation::Endpoint>::Body"));
            }
            let mut ctor_args = params.clone();
            if op.body.is_some() {
                ctor_args.push("body".to_owned());
            }
            let ctor = if UNIT.iter().any(|u| ty.ends_with(u)) {
                ty.clone()
            } else {
                format!("{ty}::new({})", ctor_args.join(", "))
            };
            let _ = writeln!(
                out,
                "pub fn {}(&self, {}) -> crate::Request<{ty}> {{ crate::Request::new(self.client.clone(), {ctor}) }}",
                op.method,
                args.join(", ")
            );
        }
        None => {
            let mut sets = String::new();
            for (wire, kind) in &op.required {
                let name = ident(wire);
                let (ty, setter, _, _) = kind_arg(kind);
                args.push(format!("{name}: {ty}"));
                sets.push_str(&set_expr(setter, kind, wire, &name));
            }
            if let Some(body) = &op.body {
                // Generic (a `T` or a `&T`), so that a body type's encoder is
                // compiled only into programs that send it.
                args.push(format!("body: impl std::borrow::Borrow<{body}>"));
                sets.push_str(".with_body(body.borrow())");
            }
            let _ = writeln!(
                out,
                "pub fn {}(&self, {}) -> Call<op::{m}> {{ Call::new(self.client.clone(), vec![{}]){sets} }}",
                op.method,
                args.join(", "),
                params.join(", "),
                m = op.marker
            );
        }
    }
}

fn emit_marker(out: &mut String, op: &OpOut) -> Result<()> {
    let m = &op.marker;
    let _ = writeln!(
        out,
        "/// `{}`: `{} {}`.\npub struct {m};\n\n\
         impl CatalogOp for {m} {{\n    type Output = {};\n    const DESC: &'static gatehouse_model::catalog::OpDesc = &c::{};\n}}\n",
        op.name, op.verb, op.path, op.output, op.stat
    );
    if let Some(item) = &op.item {
        let _ = writeln!(out, "impl crate::call::ListCatalogOp for {m} {{\n    type Item = {item};\n}}\n");
    }
    for (wire, _) in &op.query {
        let _ = writeln!(out, "impl super::query::{} for {m} {{}}", names::pascal(wire));
    }
    Ok(())
}

/// One trait per query parameter name (what takes it) and one generic
/// setter on `Call<M>` for each: the setters are written and type-checked
/// once per name, not once per operation.
fn emit_query(out: &mut String, ops: &[OpOut]) -> Result<()> {
    // Wire name → (setter, kinds seen).
    let mut params: BTreeMap<&str, Vec<&Kind>> = BTreeMap::new();
    for op in ops.iter().filter(|o| o.table.is_none()) {
        for (wire, kind) in &op.query {
            params.entry(wire.as_str()).or_default().push(kind);
        }
    }
    out.push_str(
        "/// Query parameters: one trait per wire name, implemented by the markers\n\
         /// of the operations that take it, and its setter on [`Call`].\n\
         pub mod query {\n\
         use crate::call::{Call, CatalogOp};\n\n",
    );
    let (mut traits, mut setters) = (HashSet::new(), HashSet::new());
    for (wire, kinds) in &params {
        let class = |k: &Kind| match k {
            Kind::String | Kind::Enum(_) => 0,
            Kind::Integer => 1,
            Kind::Boolean => 2,
            Kind::StringList | Kind::EnumList(_) => 3,
        };
        if kinds.iter().any(|k| class(k) != class(kinds[0])) {
            bail!("query parameter {wire} takes values of different kinds across operations");
        }
        let tr = names::pascal(wire);
        let mut name = ident(wire);
        if RESERVED.contains(&name.as_str()) {
            name.push_str("_param");
        }
        if !traits.insert(tr.clone()) || !setters.insert(name.clone()) {
            bail!("query parameter {wire} would share a trait or setter name with another");
        }
        let enums = kinds.iter().any(|k| matches!(k, Kind::Enum(_) | Kind::EnumList(_)));
        let checked = if enums { " (one of the values the operation lists)" } else { "" };
        let (arg, call, doc) = match kinds[0] {
            Kind::String | Kind::Enum(_) => {
                ("value: impl Into<String>", format!("self.set_one({wire:?}, value.into())"), "a string")
            }
            Kind::Integer => ("value: u64", format!("self.set_one({wire:?}, value.to_string())"), "a whole number"),
            Kind::Boolean => ("value: bool", format!("self.set_one({wire:?}, value.to_string())"), "`true` or `false`"),
            Kind::StringList | Kind::EnumList(_) => (
                "values: impl IntoIterator<Item = impl Into<String>>",
                format!("self.set_many({wire:?}, values)"),
                "several strings, one pair each",
            ),
        };
        let _ = writeln!(
            out,
            "/// Operations whose query takes `{wire}`.\npub trait {tr}: CatalogOp {{}}\n\n\
             impl<M: {tr}> Call<M> {{\n\
             /// Sets `{wire}`: {doc}{checked}. Checked against the operation's catalog entry before sending.\n\
             #[inline]\npub fn {name}(self, {arg}) -> Self {{ {call} }}\n}}\n"
        );
    }
    out.push_str("}\n");
    Ok(())
}

/// The test registry: every operation reached through its dotted name.
fn registry(ops: &[OpOut]) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "//! Every operation of both specs, reached through the client method at its\n\
         //! dotted name. Written by `cargo xtask codegen`; read by `main.rs`.\n\n\
         #![allow(clippy::type_complexity, unused_variables)]\n\n\
         use gatehouse_client::resources::*;\n\
         use gatehouse_client::{Call, Client, ClientError, RawCall, count_pages};\n\
         use gatehouse_model::generated::catalog as c;\n\
         use gatehouse_model::catalog::OpDesc;\n\
         use gatehouse_client::rt::BoxStream;\n\n\
         /// How the test reaches one operation.\n\
         pub struct Entry {\n\
             /// Dotted name.\n    pub name: &'static str,\n\
             /// The catalog entry the method is generated from.\n    pub desc: &'static OpDesc,\n\
             /// Whether the method returns the table's typed request.\n    pub table: bool,\n\
             /// Builds the request with these path parameters (a body-taking method's\n\
             /// signature is checked at compile time; its request is built without a body).\n\
             pub probe: fn(&Client, &[&str]) -> Result<http::Request<Vec<u8>>, ClientError>,\n\
             /// Pages through the list, as item counts per page, for lists.\n\
             pub pages: Option<fn(&Client, &[&str]) -> BoxStream<'static, Result<usize, ClientError>>>,\n\
         }\n\n\
         fn arg(ids: &[&str], i: usize) -> String {\n    ids.get(i).map_or_else(String::new, |s| (*s).to_owned())\n}\n\n\
         fn typed<O: gatehouse_model::Operation>(c: &Client, op: &O) -> Result<http::Request<Vec<u8>>, ClientError> {\n    \
             Ok(gatehouse_model::request::build(op, c.base_urls())?)\n}\n\n\
         pub static CALLS: &[Entry] = &[\n",
    );
    for op in ops {
        let chain = std::iter::once(format!("c.{}()", ident(&op.groups[0])))
            .chain(op.groups[1..].iter().map(|g| format!("{}()", ident(g))))
            .collect::<Vec<_>>()
            .join(".");
        let path_args: Vec<String> = (0..op.params.len()).map(|i| format!("arg(ids, {i})")).collect();
        let mut all_args = path_args.clone();
        if op.table.is_none() {
            all_args.extend(op.required.iter().map(|(_, kind)| kind_arg(kind).3));
        }
        let (path_args, args) = (path_args.join(", "), all_args.join(", "));
        let handler = group_type(&op.groups);
        let probe = match (&op.body, op.table) {
            (None, Some(_)) => format!("|c, ids| typed(c, &{chain}.{}({args}).into_op())", op.method),
            (None, None) => format!("|c, ids| {chain}.{}({args}).http_request()", op.method),
            (Some(body), table) => {
                let (body_arg, ret) = match table {
                    Some(ty) => (
                        format!("<gatehouse_model::ops::{ty} as gatehouse_model::operation::Endpoint>::Body"),
                        format!("gatehouse_client::Request<gatehouse_model::ops::{ty}>"),
                    ),
                    None => (body.clone(), format!("Call<gatehouse_client::resources::op::{}>", op.marker)),
                };
                let mut sig: Vec<String> = vec![format!("&{handler}")];
                sig.extend(op.params.iter().map(|_| "String".to_owned()));
                let mut sets = String::new();
                if table.is_none() {
                    for (wire, kind) in &op.required {
                        let (_, setter, ty, value) = kind_arg(kind);
                        sig.push(ty.to_owned());
                        let _ = match setter {
                            "set_many" => write!(sets, "raw.set_list({wire:?}, {value});"),
                            _ => write!(sets, "raw.set({wire:?}, {value}.to_string());"),
                        };
                    }
                }
                sig.push(body_arg);
                format!(
                    "|c, ids| {{ let _: fn({}) -> {ret} = {handler}::{}; \
                     let {mut_}raw = RawCall::new(c.clone(), &c::{}, vec![{path_args}]); {sets} raw.http_request() }}",
                    sig.join(", "),
                    op.method,
                    op.stat,
                    mut_ = if sets.is_empty() { "" } else { "mut " }
                )
            }
        };
        let pages = if op.paged && op.body.is_none() && op.verb == "GET" {
            format!("Some(|c, ids| count_pages({chain}.{}({args}).pages()))", op.method)
        } else {
            "None".to_owned()
        };
        let _ = writeln!(
            out,
            "Entry {{ name: {:?}, desc: &c::{}, table: {}, probe: {probe}, pages: {pages} }},",
            op.name,
            op.stat,
            op.table.is_some()
        );
    }
    out.push_str("];\n");
    out
}
