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
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// The handlers, relative to `crates/model/src/generated/`.
const HANDLERS: &str = "../../../client/src/resources/generated.rs";
/// The test registry, relative to `crates/model/src/generated/`.
const REGISTRY: &str = "../../../client/tests/operations/calls.rs";

/// The rows of the hand-kept table (`gatehouse_model::OPERATIONS`), by the
/// catalog name of their operation: the path of their request type under
/// `gatehouse_model::ops` (`users::List`), which their methods return.
///
/// Each row is matched to an operation just read from the specs by API,
/// method and path shape (as the model's `catalog::entry` links it), so a
/// row added to the table becomes a typed method at the next codegen.
fn table(ops: &[catalog::Op]) -> Result<HashMap<String, &'static str>> {
    use gatehouse_model::{Api, OPERATIONS};
    let mut out = HashMap::new();
    for row in OPERATIONS.iter().filter(|r| r.api != Api::Authentication) {
        let api = format!("{:?}", row.api);
        let verb = row.verb.as_http().as_str().to_ascii_lowercase();
        let mut found = ops.iter().filter(|o| {
            o.api == api && METHODS[o.verb].0 == verb && gatehouse_model::catalog::same_shape(&o.path, row.path)
        });
        let (Some(op), None) = (found.next(), found.next()) else {
            bail!("table row {:?} ({verb} {}) is not exactly one operation of the specs", row.id, row.path);
        };
        if out.insert(op.name.clone(), row.id.request_type()).is_some() {
            bail!("two table rows are the operation {}", op.name);
        }
    }
    Ok(out)
}

/// Methods of `Call` that a setter must not shadow.
const RESERVED: &[&str] = &[
    "new",
    "send",
    "value",
    "stream",
    "pages",
    "all",
    "raw",
    "body",
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
    emit_all(&ops, generated)
}

fn emit_all<'a>(ops: &'a [catalog::Op], generated: &[(&Module, &Generated)]) -> Result<Vec<(String, String)>> {
    let statics = catalog::static_names(ops)?;
    let types = op_types(generated);
    let table = table(ops)?;
    let enums = Enums::collect(ops, generated)?;

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
        let row = table.get(op.name.as_str()).copied();
        if paged && item.is_none() && row.is_none() {
            bail!("{} pages, but its answer has no items to stream", op.name);
        }
        if body.is_some() != op.body.is_some() {
            bail!("{}: the catalog and the generated types disagree on whether it takes a body", op.name);
        }
        let marker = names::pascal(&op.name);
        if !markers.insert(marker.clone()) {
            bail!("two operations would be the marker {marker}");
        }
        let mut node = &mut root;
        for g in groups {
            node = node.groups.entry((*g).to_owned()).or_default();
        }
        let param =
            |q: &'a catalog::Query| Param { wire: q.name.clone(), kind: &q.kind, enum_ty: enums.name_of(&q.kind) };
        let index = out_ops.len();
        out_ops.push(OpOut {
            name: op.name.clone(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            method: ident(method),
            verb: METHODS[op.verb].0.to_uppercase(),
            path: op.path.clone(),
            params: path_params(&op.path),
            query: op.query.iter().map(param).collect(),
            required: op.query.iter().filter(|q| q.required).map(param).collect(),
            body: body.clone(),
            body_required: op.body.as_ref().is_some_and(|b| b.required),
            output: output.clone(),
            item: if paged { item.clone() } else { None },
            paged,
            stat: stat.clone(),
            marker,
            table: row,
        });
        if node.ops.iter().any(|&i: &usize| out_ops[i].method == out_ops[index].method) {
            bail!("two operations named {} in one group", op.name);
        }
        node.ops.push(index);
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
         /// entry, output type, list items, optional body and the query parameters it takes.\n\
         pub mod op {\n\
         use crate::call::CatalogOp;\n\
         use gatehouse_model::generated::catalog as c;\n\n",
    );
    for op in out_ops.iter().filter(|o| o.table.is_none()) {
        emit_marker(&mut handlers, op)?;
    }
    handlers.push_str("}\n\n");
    emit_query(&mut handlers, &out_ops)?;
    enums.emit(&mut handlers);

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
    query: Vec<Param<'a>>,
    /// Required query parameters: method arguments after the path parameters.
    required: Vec<Param<'a>>,
    body: Option<String>,
    /// Whether the spec marks the body required: then it is a method
    /// argument, else the call's optional `.body(..)`.
    body_required: bool,
    output: String,
    /// The items' type, for paged lists.
    item: Option<String>,
    /// Whether the operation pages (offset or checkpoint).
    paged: bool,
    stat: String,
    marker: String,
    table: Option<&'static str>,
}

/// One query parameter of an operation.
struct Param<'a> {
    wire: String,
    kind: &'a Kind,
    /// The name of its enum in the generated `enums` module, for enums and enum lists.
    enum_ty: Option<String>,
}

impl Param<'_> {
    /// The type of one value in the parameter's trait (`String` for free text).
    fn value_ty(&self, enums_mod: &str) -> Option<String> {
        match self.kind {
            Kind::String | Kind::StringList => Some("String".to_owned()),
            Kind::Enum(_) | Kind::EnumList(_) => self.enum_ty.as_ref().map(|e| format!("{enums_mod}{e}")),
            Kind::Integer | Kind::Boolean => None,
        }
    }

    /// As a required method argument: its type and the call that sets it
    /// (`v` its name), with `enums_mod` the path to the enums from there.
    fn arg(&self, v: &str, enums_mod: &str) -> (String, String) {
        let wire = &self.wire;
        match (self.kind, self.value_ty(enums_mod)) {
            (Kind::Integer, _) => ("u64".into(), format!(".set_one({wire:?}, {v}.to_string())")),
            (Kind::Boolean, _) => ("bool".into(), format!(".set_one({wire:?}, {v}.to_string())")),
            (Kind::StringList | Kind::EnumList(_), Some(ty)) => (
                format!("impl IntoIterator<Item = impl crate::call::QueryArg<{ty}>>"),
                format!(".set_many({wire:?}, {v}.into_iter().map(crate::call::QueryArg::into_query))"),
            ),
            (_, ty) => (
                format!("impl crate::call::QueryArg<{}>", ty.unwrap_or_else(|| "String".into())),
                format!(".set_one({wire:?}, crate::call::QueryArg::into_query({v}))"),
            ),
        }
    }

    /// A value for the test registry, as the method argument and as query text.
    fn sample(&self) -> (String, String) {
        let ty = self.value_ty("gatehouse_client::resources::enums::");
        match self.kind {
            Kind::String => ("\"x\"".into(), "\"x\".to_owned()".into()),
            Kind::Integer => ("1".into(), "1.to_string()".into()),
            Kind::Boolean => ("true".into(), "true.to_string()".into()),
            Kind::StringList => ("[\"x\"]".into(), "vec![\"x\".to_owned()]".into()),
            Kind::Enum(values) => {
                (format!("{}::from({:?})", ty.unwrap_or_default(), values[0]), format!("{:?}.to_owned()", values[0]))
            }
            Kind::EnumList(values) => (
                format!("[{}::from({:?})]", ty.unwrap_or_default(), values[0]),
                format!("vec![{:?}.to_owned()]", values[0]),
            ),
        }
    }
}

/// The enums of query parameters: one per distinct set of values across
/// both specs. A set the model already has an enum for (a body or answer
/// field with the same values) is that enum, re-exported; any other is
/// generated here, named after the spec's schema (`ActionTriggerTypeEnum` →
/// `ActionTriggerType`).
struct Enums {
    /// Sorted values → (name, model path or the values to generate, in spec order).
    by_values: BTreeMap<Vec<String>, (String, Source)>,
}

enum Source {
    Model(String),
    Local(Vec<String>),
}

impl Enums {
    fn collect(ops: &[catalog::Op], generated: &[(&Module, &Generated)]) -> Result<Self> {
        // Model enums by sorted values, with their paths.
        let mut model: BTreeMap<Vec<String>, Vec<(String, String)>> = BTreeMap::new();
        for (module, g) in generated {
            for (items, file) in [(&g.core, module.file.to_owned()), (&g.more, more_file(module))] {
                for item in items.iter() {
                    if let Item::Enum { name, variants, .. } = item {
                        let mut values: Vec<String> = variants.iter().map(|(_, v)| v.clone()).collect();
                        values.sort();
                        let path = format!("gatehouse_model::generated::{}::{name}", stem(&file));
                        model.entry(values).or_default().push((name.clone(), path));
                    }
                }
            }
        }
        // Query enums by sorted values, with the schemas that list them.
        let mut seen: BTreeMap<Vec<String>, (Vec<String>, BTreeSet<String>)> = BTreeMap::new();
        for op in ops {
            for q in &op.query {
                let (Kind::Enum(values) | Kind::EnumList(values)) = &q.kind else { continue };
                let mut key = values.clone();
                key.sort();
                let entry = seen.entry(key).or_insert_with(|| (values.clone(), BTreeSet::new()));
                entry.1.insert(q.schema.clone().unwrap_or_else(|| format!("{}Value", names::pascal(&q.name))));
            }
        }
        let mut by_values = BTreeMap::new();
        let mut taken = HashSet::new();
        for (key, (values, schemas)) in seen {
            let wanted: Vec<String> = schemas.iter().map(|s| names::type_name(s)).collect();
            let (name, source) = match model.get(&key) {
                Some(found) => {
                    let (name, path) = found.iter().find(|(n, _)| wanted.contains(n)).unwrap_or(&found[0]);
                    (name.clone(), Source::Model(path.clone()))
                }
                None => (wanted[0].clone(), Source::Local(values)),
            };
            if !taken.insert(name.clone()) {
                bail!("two sets of query enum values would be named {name}");
            }
            by_values.insert(key, (name, source));
        }
        Ok(Self { by_values })
    }

    /// The enum's name for an enum or enum-list parameter.
    fn name_of(&self, kind: &Kind) -> Option<String> {
        let (Kind::Enum(values) | Kind::EnumList(values)) = kind else { return None };
        let mut key = values.clone();
        key.sort();
        self.by_values.get(&key).map(|(name, _)| name.clone())
    }

    fn emit(&self, out: &mut String) {
        out.push_str(
            "/// The values of query parameters that take one of a list: one enum per\n\
             /// distinct list (the model's where it has one). Their setters take these, so a\n\
             /// misspelt value does not compile; `Unknown` sends a value this version does not\n\
             /// know, which the operation's catalog entry still checks before sending.\n\
             pub mod enums {\n",
        );
        let mut all: Vec<&(String, Source)> = self.by_values.values().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, source) in all {
            match source {
                Source::Model(path) => {
                    let _ = writeln!(out, "pub use {path};");
                }
                Source::Local(values) => {
                    let _ = writeln!(
                        out,
                        "gatehouse_model::string_enum! {{\n/// The values of the `{name}` query parameters.\npub enum {name} {{"
                    );
                    for (variant, value) in super::items::variants(values) {
                        let _ = writeln!(out, "/// `{value}`.\n{variant} => {value:?},");
                    }
                    out.push_str("}\n}\n\n");
                }
            }
            let _ = writeln!(
                out,
                "impl crate::call::QueryArg<{name}> for {name} {{\n#[inline]\nfn into_query(self) -> String {{ self.as_str().to_owned() }}\n}}\n"
            );
        }
        out.push_str("}\n");
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
    let optional = if op.table.is_none() && op.body.is_some() && !op.body_required {
        " Its body is optional: set it with `.body(..)`."
    } else {
        ""
    };
    let _ = writeln!(out, "/// `{} {}` (`{}`).{paged}{optional}\n#[inline]", op.verb, op.path, op.name);
    match op.table {
        Some(ty) => {
            let ty = format!("gatehouse_model::ops::{ty}");
            let mut ctor_args = params.clone();
            if op.body.is_some() {
                args.push(format!("body: <{ty} as gatehouse_model::operation::Endpoint>::Body"));
                ctor_args.push("body".to_owned());
            }
            let _ = writeln!(
                out,
                "pub fn {}(&self, {}) -> crate::Request<{ty}> {{ crate::Request::new(self.client.clone(), {ty}::new({})) }}",
                op.method,
                args.join(", "),
                ctor_args.join(", ")
            );
        }
        None => {
            let mut sets = String::new();
            for q in &op.required {
                let name = ident(&q.wire);
                let (ty, set) = q.arg(&name, "enums::");
                args.push(format!("{name}: {ty}"));
                sets.push_str(&set);
            }
            if let (Some(body), true) = (&op.body, op.body_required) {
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
    if let (Some(body), false) = (&op.body, op.body_required) {
        let _ = writeln!(out, "impl crate::call::OptionalBody for {m} {{\n    type Body = {body};\n}}\n");
    }
    for q in &op.query {
        let tr = names::pascal(&q.wire);
        match q.value_ty("super::enums::") {
            Some(ty) => {
                let _ = writeln!(out, "impl super::query::{tr} for {m} {{ type Value = {ty}; }}");
            }
            None => {
                let _ = writeln!(out, "impl super::query::{tr} for {m} {{}}");
            }
        }
    }
    Ok(())
}

/// One trait per query parameter name (what takes it) and one generic
/// setter on `Call<M>` for each: the setters are written and type-checked
/// once per name, not once per operation. Text parameters' traits name the
/// type of their values (`String`, or the operation's enum), so one setter
/// takes free text where the operation does and only its enum where the
/// operation lists the values.
fn emit_query(out: &mut String, ops: &[OpOut]) -> Result<()> {
    // Wire name → kinds seen.
    let mut params: BTreeMap<&str, Vec<&Kind>> = BTreeMap::new();
    for op in ops.iter().filter(|o| o.table.is_none()) {
        for q in &op.query {
            params.entry(q.wire.as_str()).or_default().push(q.kind);
        }
    }
    out.push_str(
        "/// Query parameters: one trait per wire name, implemented by the markers\n\
         /// of the operations that take it, and its setter on [`Call`].\n\
         pub mod query {\n\
         use crate::call::{Call, CatalogOp, QueryArg};\n\n",
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
        let value =
            if enums { "the operation's enum of values (`String` where it takes any text)" } else { "`String`" };
        let (arg, call, doc, assoc) = match kinds[0] {
            Kind::String | Kind::Enum(_) => (
                "value: impl QueryArg<M::Value>".to_owned(),
                format!("self.set_one({wire:?}, value.into_query())"),
                if enums {
                    "one of the operation's values (its enum), or any string where it takes text"
                } else {
                    "a string"
                },
                true,
            ),
            Kind::Integer => {
                ("value: u64".to_owned(), format!("self.set_one({wire:?}, value.to_string())"), "a whole number", false)
            }
            Kind::Boolean => (
                "value: bool".to_owned(),
                format!("self.set_one({wire:?}, value.to_string())"),
                "`true` or `false`",
                false,
            ),
            Kind::StringList | Kind::EnumList(_) => (
                "values: impl IntoIterator<Item = impl QueryArg<M::Value>>".to_owned(),
                format!("self.set_many({wire:?}, values.into_iter().map(QueryArg::into_query))"),
                if enums {
                    "several of the operation's values (its enum), one pair each"
                } else {
                    "several strings, one pair each"
                },
                true,
            ),
        };
        let assoc = if assoc { format!("\n/// The type of one value: {value}.\ntype Value;\n") } else { String::new() };
        let _ = writeln!(
            out,
            "/// Operations whose query takes `{wire}`.\npub trait {tr}: CatalogOp {{{assoc}}}\n\n\
             impl<M: {tr}> Call<M> {{\n\
             /// Sets `{wire}`: {doc}. Checked against the operation's catalog entry before sending.\n\
             #[inline]\npub fn {name}(self, {arg}) -> Self {{ {call} }}\n}}\n"
        );
    }
    out.push_str("}\n\n");
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
             /// signature is checked at compile time; a required body is sent as `{}`,\n\
             /// an optional one is left out).\n\
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
            all_args.extend(op.required.iter().map(|q| q.sample().0));
        }
        let (path_args, args) = (path_args.join(", "), all_args.join(", "));
        let handler = group_type(&op.groups);
        let marker = format!("gatehouse_client::resources::op::{}", op.marker);
        let probe = match (&op.body, op.table) {
            (None, Some(_)) => format!("|c, ids| typed(c, &{chain}.{}({args}).into_op())", op.method),
            (None, None) => format!("|c, ids| {chain}.{}({args}).http_request()", op.method),
            (Some(body), None) if !op.body_required => format!(
                "|c, ids| {{ let _ = |call: Call<{marker}>, b: &{body}| call.body(b); {chain}.{}({args}).http_request() }}",
                op.method
            ),
            (Some(body), table) => {
                let (body_arg, ret) = match table {
                    Some(ty) => (
                        format!("<gatehouse_model::ops::{ty} as gatehouse_model::operation::Endpoint>::Body"),
                        format!("gatehouse_client::Request<gatehouse_model::ops::{ty}>"),
                    ),
                    None => (format!("impl std::borrow::Borrow<{body}>"), format!("Call<{marker}>")),
                };
                let mut sets = String::new();
                if table.is_none() {
                    for q in &op.required {
                        let value = q.sample().1;
                        let _ = if matches!(q.kind, Kind::StringList | Kind::EnumList(_)) {
                            write!(sets, "raw.set_list({:?}, {value});", q.wire)
                        } else {
                            write!(sets, "raw.set({:?}, {value});", q.wire)
                        };
                    }
                }
                if op.body_required {
                    sets.push_str("raw.set_body(&serde_json::json!({}));");
                }
                // The method's signature, checked by naming it with its argument types.
                let mut sig: Vec<String> = op.params.iter().map(|p| format!("{p}: String")).collect();
                let mut call: Vec<String> = op.params.clone();
                if table.is_none() {
                    for q in &op.required {
                        let name = ident(&q.wire);
                        sig.push(format!("{name}: {}", q.arg(&name, "gatehouse_client::resources::enums::").0));
                        call.push(name);
                    }
                }
                sig.push(format!("body: {body_arg}"));
                call.push("body".to_owned());
                format!(
                    "|c, ids| {{ fn _signature(h: &{handler}, {}) -> {ret} {{ h.{}({}) }} \
                     let {mut_}raw = RawCall::new(c.clone(), &c::{}, vec![{path_args}]); {sets} raw.http_request() }}",
                    sig.join(", "),
                    op.method,
                    call.join(", "),
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
