//! Generates `generated/catalog.rs`: the model's `CATALOG`, one `OpDesc` per
//! operation of every spec (see `crates/model/src/catalog.rs` for the types).
//!
//! Everything comes from the specs: names from `x-operation-group` and
//! `x-operation-name`, scopes from `security`, query parameters with their
//! types, body media types, responses, and paging, read from the query
//! parameters (`page` + `per_page`, `from` + `take`) and the shape of the
//! success response. A spec feature the catalog cannot express stops the
//! generator rather than being dropped.

use super::config::Module;
use super::emit::HEADER;
use super::schema::Spec;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

pub(super) const METHODS: [(&str, &str); 5] =
    [("get", "Get"), ("post", "Post"), ("put", "Put"), ("patch", "Patch"), ("delete", "Delete")];

/// One catalog entry, ready to print.
pub(super) struct Op {
    pub(super) name: String,
    pub(super) api: &'static str,
    /// Position in [`METHODS`].
    pub(super) verb: usize,
    pub(super) path: String,
    pub(super) query: Vec<Query>,
    pub(super) scopes: Vec<String>,
    pub(super) paging: Paging,
    pub(super) body: Option<Body>,
    /// Every documented response, by status: `(status, schema label)`.
    pub(super) responses: Vec<(u16, String)>,
}

pub(super) struct Query {
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) required: bool,
    /// The spec's component name of the parameter's schema (or of its
    /// items', for a list), when it refers to one: what the Rust client
    /// names a query enum after. Not part of the printed catalog.
    pub(super) schema: Option<String>,
}

pub(super) enum Kind {
    String,
    Integer,
    Boolean,
    Enum(Vec<String>),
    StringList,
    EnumList(Vec<String>),
}

pub(super) enum Items {
    Bare,
    Key(String),
    BareOrKey(String),
}

pub(super) enum Paging {
    None,
    Unpaged(Items),
    Offset(Items),
    Checkpoint { items: Items, max_take: Option<u16>, next: bool, offset: bool },
}

pub(super) struct Body {
    pub(super) schema: String,
    pub(super) required: bool,
    pub(super) media: Vec<&'static str>,
    /// Whether the body is a JSON array.
    pub(super) array: bool,
    /// `{key: [...]}` bodies: the key, so an array may be passed for the object.
    pub(super) wrap: Option<String>,
    /// Whether that array must not be empty.
    pub(super) non_empty: bool,
    /// Multipart fields that are files: (name, media type of the content).
    pub(super) files: Vec<(String, String)>,
}

/// Reads every operation of the specs and prints the catalog module.
pub fn generate(specs: &[(&Module, &Spec)]) -> Result<String> {
    let ops = read(specs)?;
    eprintln!("codegen: catalog.rs: {} operations", ops.len());
    print(&ops)
}

/// Every operation of the specs, in catalog order (by path, then method).
pub fn read(specs: &[(&Module, &Spec)]) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    for (module, spec) in specs {
        let paths = spec.root.get("paths").and_then(Value::as_object).context("spec without paths")?;
        for (path, item) in paths {
            let item = item.as_object().context("path item is not an object")?;
            for (key, op) in item {
                let Some(verb) = METHODS.iter().position(|(m, _)| m == key) else {
                    bail!("{path}: unexpected path item key {key:?} (the catalog reads only operations)");
                };
                let op = read_op(spec, module, path, verb, op)
                    .with_context(|| format!("{} {path} in {}", key.to_uppercase(), module.spec_file))?;
                ops.push(op);
            }
        }
    }
    ops.sort_by(|a, b| a.path.cmp(&b.path).then(a.verb.cmp(&b.verb)));
    let mut seen = HashMap::new();
    for op in &ops {
        if let Some(other) = seen.insert(op.name.as_str(), &op.path) {
            bail!("operation name {} is used by {other} and {}", op.name, op.path);
        }
    }
    Ok(ops)
}

/// The catalog's dotted name of an operation: its groups and name, after the module's prefix.
pub fn operation_name(module: &Module, op: &Value) -> Result<String> {
    let group = match op.get("x-operation-group") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(parts)) => {
            parts.iter().map(|p| p.as_str().context("x-operation-group part is not a string")).collect::<Result<_>>()?
        }
        _ => bail!("no x-operation-group"),
    };
    let op_name = op.get("x-operation-name").and_then(Value::as_str).context("no x-operation-name")?;
    Ok(format!("{}{}.{op_name}", module.name_prefix, group.join(".")))
}

fn read_op(spec: &Spec, module: &Module, path: &str, verb: usize, op: &Value) -> Result<Op> {
    let name = operation_name(module, op)?;
    let op_name = op.get("x-operation-name").and_then(Value::as_str).context("no x-operation-name")?;

    let mut query = Vec::new();
    let mut path_params = Vec::new();
    let mut max_take = None;
    for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        let param = spec.resolve(param);
        let pname = param.get("name").and_then(Value::as_str).context("parameter without name")?;
        match param.get("in").and_then(Value::as_str) {
            Some("query") => {
                if pname == "take" {
                    max_take = take_maximum(spec, param)?;
                }
                query.push(Query {
                    name: pname.to_owned(),
                    kind: query_kind(spec, param).with_context(|| format!("query parameter {pname}"))?,
                    required: param.get("required").and_then(Value::as_bool).unwrap_or(false),
                    schema: param
                        .get("schema")
                        .and_then(|s| s.get("$ref").or_else(|| s.get("items")?.get("$ref")))
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .map(str::to_owned),
                });
            }
            Some("path") => path_params.push(pname),
            // Headers (`auth0-custom-domain`) are not part of the catalog.
            Some("header") => {}
            other => bail!("parameter {pname} in {other:?}"),
        }
    }
    let mut template: Vec<&str> =
        path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
    template.sort_unstable();
    path_params.sort_unstable();
    if template != path_params {
        bail!("path parameters {path_params:?} differ from the template's {template:?}");
    }

    let mut scopes: Vec<String> = Vec::new();
    for requirement in op.get("security").and_then(Value::as_array).into_iter().flatten() {
        let requirement = requirement.as_object().context("security requirement is not an object")?;
        for list in requirement.values() {
            for scope in list.as_array().context("scopes are not a list")? {
                let scope = scope.as_str().context("scope is not a string")?;
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_owned());
                }
            }
        }
    }

    let mut responses = Vec::new();
    let mut ok_schema = None;
    for (code, resp) in op.get("responses").and_then(Value::as_object).context("no responses")? {
        let status: u16 = code.parse().with_context(|| format!("response code {code}"))?;
        let resp = spec.resolve(resp);
        let schema = content_schema(resp);
        if status == 200 {
            ok_schema = schema;
        }
        responses.push((status, schema.map(|s| schema_label(spec, s)).unwrap_or_default()));
    }
    responses.sort_by_key(|(status, _)| *status);

    let body = match op.get("requestBody") {
        None => None,
        Some(body) => {
            let body = spec.resolve(body);
            let content = body.get("content").and_then(Value::as_object).context("request body without content")?;
            let media = content
                .keys()
                .map(|m| match m.as_str() {
                    "application/json" => Ok("Json"),
                    "application/x-www-form-urlencoded" => Ok("Form"),
                    "multipart/form-data" => Ok("Multipart"),
                    other => bail!("request body media type {other}"),
                })
                .collect::<Result<Vec<_>>>()?;
            let schema = content_schema(body).and_then(|s| ref_name(s)).unwrap_or_default().to_owned();
            let required = body.get("required").and_then(Value::as_bool).unwrap_or(false);
            let (array, wrap, non_empty) = body_shape(spec, content_schema(body));
            let files = match content.get("multipart/form-data") {
                Some(multipart) => file_parts(spec, multipart)?,
                None => Vec::new(),
            };
            Some(Body { schema, required, media, array, wrap, non_empty, files })
        }
    };

    let named_list = op_name.starts_with("list");
    let paging = paging(spec, &query, max_take, verb, named_list, ok_schema)?;
    Ok(Op {
        name,
        api: module.api,
        verb,
        path: format!("{}{path}", module.path_prefix),
        query,
        scopes,
        paging,
        body,
        responses,
    })
}

/// What a body's schema is: an array, or an object whose one required
/// property is an array (`{"roles": [...]}`: that key, and whether the array
/// must hold an item).
fn body_shape(spec: &Spec, schema: Option<&Value>) -> (bool, Option<String>, bool) {
    let Some(schema) = schema.map(|s| spec.resolve(s)) else { return (false, None, false) };
    let array = schema.get("type").and_then(Value::as_str) == Some("array");
    let props = schema.get("properties").and_then(Value::as_object);
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if let (Some(props), [key]) = (props, required.as_slice())
        && props.len() == 1
        && let Some(prop) = props.get(*key).map(|p| spec.resolve(p))
        && prop.get("type").and_then(Value::as_str) == Some("array")
    {
        let non_empty = prop.get("minItems").and_then(Value::as_u64).unwrap_or(0) >= 1;
        return (array, Some((*key).to_owned()), non_empty);
    }
    (array, None, false)
}

/// The fields of a multipart body that are files (`format: binary` or a
/// `contentMediaType`), each with the media type of its content: the
/// media object's `encoding`, else the schema's `contentMediaType`, else
/// `application/octet-stream`.
fn file_parts(spec: &Spec, multipart: &Value) -> Result<Vec<(String, String)>> {
    let schema = multipart.get("schema").map(|s| spec.resolve(s)).context("a multipart body without a schema")?;
    let props = schema.get("properties").and_then(Value::as_object).context("a multipart body without fields")?;
    let mut files = Vec::new();
    for (name, prop) in props {
        let prop = spec.resolve(prop);
        let media = prop.get("contentMediaType").and_then(Value::as_str);
        let binary = prop.get("format").and_then(Value::as_str) == Some("binary");
        if prop.get("type").and_then(Value::as_str) == Some("array") && prop.pointer("/items/format").is_some() {
            bail!("multipart field {name} is an array of files, which the catalog cannot express");
        }
        if media.is_none() && !binary {
            continue;
        }
        let encoded = multipart.pointer(&format!("/encoding/{name}/contentType")).and_then(Value::as_str);
        files.push((name.clone(), encoded.or(media).unwrap_or("application/octet-stream").to_owned()));
    }
    Ok(files)
}

/// The schema of a response or request body: its JSON content's, else its only content's.
fn content_schema(v: &Value) -> Option<&Value> {
    let content = v.get("content").and_then(Value::as_object)?;
    let media = content.get("application/json").or_else(|| content.values().next())?;
    media.get("schema")
}

fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// `Name`, `[Name]` for an array of `Name`, or empty for an unnamed schema.
fn schema_label(spec: &Spec, v: &Value) -> String {
    if let Some(name) = ref_name(v) {
        return name.to_owned();
    }
    let v = spec.resolve(v);
    match (v.get("type").and_then(Value::as_str), v.get("items").and_then(ref_name)) {
        (Some("array"), Some(item)) => format!("[{item}]"),
        _ => String::new(),
    }
}

fn query_kind(spec: &Spec, param: &Value) -> Result<Kind> {
    let schema = spec.resolve(param.get("schema").context("no schema")?);
    let ty = schema.get("type").and_then(Value::as_str);
    Ok(match ty {
        Some("array") => {
            let style = param.get("style").and_then(Value::as_str).unwrap_or("form");
            let explode = param.get("explode").and_then(Value::as_bool).unwrap_or(true);
            if style != "form" || !explode {
                bail!("a list sent as style {style}, explode {explode}");
            }
            let items = spec.resolve(schema.get("items").context("array without items")?);
            match (items.get("type").and_then(Value::as_str), string_enum(items)?) {
                (Some("string"), Some(values)) => Kind::EnumList(values),
                (Some("string"), None) => Kind::StringList,
                (other, _) => bail!("a list of {other:?}"),
            }
        }
        Some("string") => match string_enum(schema)? {
            Some(values) => Kind::Enum(values),
            None => Kind::String,
        },
        Some("integer") => Kind::Integer,
        // `enum: [true]` (a flag that is only ever set) is still a boolean.
        Some("boolean") => Kind::Boolean,
        other => bail!("type {other:?}"),
    })
}

fn string_enum(schema: &Value) -> Result<Option<Vec<String>>> {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else { return Ok(None) };
    values
        .iter()
        .map(|v| v.as_str().map(str::to_owned).context("a non-string enum value"))
        .collect::<Result<_>>()
        .map(Some)
}

/// The alternatives a response may take (`oneOf` / `anyOf` flattened, references followed).
fn alternatives<'a>(spec: &'a Spec, v: &'a Value, out: &mut Vec<&'a Value>) {
    let v = spec.resolve(v);
    match v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array) {
        Some(alts) => alts.iter().for_each(|a| alternatives(spec, a, out)),
        None => out.push(v),
    }
}

/// The alternatives of a (list) response, by kind.
struct ListShape {
    /// Some alternative is a bare array.
    bare: bool,
    /// For each object alternative: its array-valued properties and its number of properties.
    objects: Vec<(Vec<String>, usize)>,
    /// Some object alternative has a `next` property.
    next: bool,
    /// Some alternative is neither an array nor an object with properties.
    other: bool,
}

fn list_shape(spec: &Spec, schema: &Value) -> ListShape {
    let mut alts = Vec::new();
    alternatives(spec, schema, &mut alts);
    let mut shape = ListShape { bare: false, objects: Vec::new(), next: false, other: false };
    for alt in alts {
        let props = alt.get("properties").and_then(Value::as_object);
        match (alt.get("type").and_then(Value::as_str), props) {
            (Some("array"), _) => shape.bare = true,
            (_, Some(props)) => {
                let arrays = props
                    .iter()
                    .filter(|(_, p)| spec.resolve(p).get("type").and_then(Value::as_str) == Some("array"))
                    .map(|(k, _)| k.clone())
                    .collect();
                shape.next |= props.contains_key("next");
                shape.objects.push((arrays, props.len()));
            }
            _ => shape.other = true,
        }
    }
    shape
}

/// The one key every object alternative keeps its items under.
fn items_key(shape: &ListShape) -> Result<Option<String>> {
    let mut key: Option<&String> = None;
    for (arrays, _) in &shape.objects {
        let [only] = arrays.as_slice() else { bail!("a list envelope with array properties {arrays:?}") };
        if key.is_some_and(|k| k != only) {
            bail!("list envelopes disagree on the items key: {key:?} and {only}");
        }
        key = Some(only);
    }
    Ok(key.cloned())
}

fn items(bare: bool, key: Option<String>) -> Result<Items> {
    Ok(match (bare, key) {
        (true, None) => Items::Bare,
        (false, Some(k)) => Items::Key(k),
        (true, Some(k)) => Items::BareOrKey(k),
        (false, None) => bail!("a list response without an array"),
    })
}

/// Paging from the query parameters; items from the success response.
///
/// A `GET` without paging parameters is an unpaged list when it answers a
/// bare array or an object whose only property is an array, or, when the spec
/// names it `list…`, an object with exactly one array property.
fn paging(
    spec: &Spec,
    query: &[Query],
    max_take: Option<u16>,
    verb: usize,
    named_list: bool,
    ok: Option<&Value>,
) -> Result<Paging> {
    let has = |name: &str| query.iter().any(|q| q.name == name);
    let offset = has("page") && has("per_page");
    let checkpoint = has("from") && has("take");
    if !offset && !checkpoint {
        let Some(ok) = ok.filter(|_| METHODS[verb].0 == "get") else { return Ok(Paging::None) };
        let shape = list_shape(spec, ok);
        let whole_list = !shape.other
            && shape.objects.iter().all(|(arrays, props)| arrays.len() == 1 && (*props == 1 || named_list))
            && (shape.bare || !shape.objects.is_empty());
        if !whole_list {
            return Ok(Paging::None);
        }
        return Ok(Paging::Unpaged(items(shape.bare, items_key(&shape)?)?));
    }
    let ok = ok.context("a paged list without a 200 response")?;
    let shape = list_shape(spec, ok);
    if shape.other {
        bail!("a paged list response that is neither an array nor an object");
    }
    let items = items(shape.bare, items_key(&shape)?)?;
    if !checkpoint {
        return Ok(Paging::Offset(items));
    }
    Ok(Paging::Checkpoint { items, max_take, next: shape.next, offset })
}

/// The largest `take` the spec allows, when it says.
fn take_maximum(spec: &Spec, param: &Value) -> Result<Option<u16>> {
    let schema = spec.resolve(param.get("schema").context("take without schema")?);
    match schema.get("maximum") {
        None => Ok(None),
        Some(max) => {
            let max = max.as_u64().context("take's maximum is not an integer")?;
            Ok(Some(u16::try_from(max).context("take's maximum is too large")?))
        }
    }
}

fn print(ops: &[Op]) -> Result<String> {
    // Enum value lists used more than once become named constants.
    let mut uses: BTreeMap<&[String], usize> = BTreeMap::new();
    for op in ops {
        for q in &op.query {
            if let Kind::Enum(v) | Kind::EnumList(v) = &q.kind {
                *uses.entry(v.as_slice()).or_default() += 1;
            }
        }
    }
    let mut consts: Vec<(String, &str, &[String])> = Vec::new();
    let mut const_of: HashMap<&[String], String> = HashMap::new();
    for op in ops {
        for q in &op.query {
            if let Kind::Enum(v) | Kind::EnumList(v) = &q.kind
                && uses[v.as_slice()] > 1
                && !const_of.contains_key(v.as_slice())
            {
                let base = q.name.to_uppercase();
                let mut name = base.clone();
                let mut n = 1;
                while consts.iter().any(|(c, ..)| *c == name) {
                    n += 1;
                    name = format!("{base}_{n}");
                }
                const_of.insert(v.as_slice(), name.clone());
                consts.push((name, &q.name, v.as_slice()));
            }
        }
    }
    let list = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("&[{}]", items.join(", "))
    };
    let values = |v: &[String]| const_of.get(v).cloned().unwrap_or_else(|| list(v));

    let mut out = String::from(HEADER);
    out.push_str(
        "//! The catalog: every operation of the Management API v2 and the Teams API.\n\
         //!\n\
         //! Generated from `management-api-oas.json` and `teams-api-oas.json`; regenerate\n\
         //! with `cargo xtask codegen`. The types are in [`crate::catalog`].\n\n\
         use crate::catalog::{Body, FilePart, Items, Media, MediaList, OpDesc, Paging, QueryKind, QueryParam, Wire};\n\
         use crate::operation::{Api, Verb};\n\n\
         /// An optional query parameter.\n\
         const fn q(name: &'static str, kind: QueryKind) -> QueryParam {\n    \
             QueryParam { name, kind, required: false }\n}\n\n\
         /// A required query parameter.\n\
         const fn req(name: &'static str, kind: QueryKind) -> QueryParam {\n    \
             QueryParam { name, kind, required: true }\n}\n\n",
    );
    for (name, param, v) in &consts {
        let _ = writeln!(out, "/// Values of a `{param}` parameter (shared by several operations).");
        let _ = writeln!(out, "const {name}: &[&str] = {};\n", list(v));
    }
    // One static per operation, so that a program referring to a few entries
    // (the operation table links its rows to theirs) keeps only those.
    let statics = static_names(ops)?;
    if let Some((name, ..)) = consts
        .iter()
        .find(|(c, ..)| statics.contains(c) || c.strip_prefix("W_").is_some_and(|s| statics.contains(&s.to_owned())))
    {
        bail!("the enum constant {name} has the name of an operation's static or of its wire part");
    }
    // The wire parts are one array sorted by name; each entry points at its element.
    let mut by_name: Vec<usize> = (0..ops.len()).collect();
    by_name.sort_by(|a, b| ops[*a].name.cmp(&ops[*b].name));
    let mut position = vec![0; ops.len()];
    for (at, i) in by_name.iter().enumerate() {
        position[*i] = at;
    }
    let mut wires = vec![String::new(); ops.len()];
    for (i, (op, ident)) in ops.iter().zip(&statics).enumerate() {
        let query: Vec<String> = op
            .query
            .iter()
            .map(|q| {
                let kind = match &q.kind {
                    Kind::String => "QueryKind::String".to_owned(),
                    Kind::Integer => "QueryKind::Integer".to_owned(),
                    Kind::Boolean => "QueryKind::Boolean".to_owned(),
                    Kind::StringList => "QueryKind::StringList".to_owned(),
                    Kind::Enum(v) => format!("QueryKind::Enum({})", values(v)),
                    Kind::EnumList(v) => format!("QueryKind::EnumList({})", values(v)),
                };
                format!("{}({:?}, {kind})", if q.required { "req" } else { "q" }, q.name)
            })
            .collect();
        let scopes: Vec<String> = op.scopes.iter().map(|s| format!("{s:?}")).collect();
        let is_success = |c: &u16| (200..300).contains(c);
        let success: Vec<String> =
            op.responses.iter().filter(|(c, _)| is_success(c)).map(|(c, s)| format!("({c}, {s:?})")).collect();
        let errors: Vec<String> =
            op.responses.iter().filter(|(c, _)| !is_success(c)).map(|(c, _)| c.to_string()).collect();
        let body = match &op.body {
            None => "None".to_owned(),
            Some(b) => {
                let media: Vec<String> = b.media.iter().map(|m| format!("Media::{m}")).collect();
                let files: Vec<String> = b
                    .files
                    .iter()
                    .map(|(name, media)| format!("FilePart {{ name: {name:?}, media_type: {media:?} }}"))
                    .collect();
                format!(
                    "Some(Body {{ required: {}, media: MediaList::of(&[{}]), array: {}, wrap: {:?}, non_empty: {}, files: &[{}] }})",
                    b.required,
                    media.join(", "),
                    b.array,
                    b.wrap,
                    b.non_empty,
                    files.join(", ")
                )
            }
        };
        let schema = op.body.as_ref().map_or("", |b| b.schema.as_str());
        let at = position[i];
        wires[at] = format!("W_{ident},\n");
        let _ = writeln!(
            out,
            "/// What `{} {}` puts on the wire.\nconst W_{ident}: Wire = Wire {{ name: {:?}, api: Api::{}, verb: Verb::{}, path: {:?}, query: &[{}], paging: {}, body: {body} }};\n",
            METHODS[op.verb].0.to_uppercase(),
            op.path,
            op.name,
            op.api,
            METHODS[op.verb].1,
            op.path,
            query.join(", "),
            print_paging(&op.paging),
        );
        let _ = writeln!(out, "/// `{} {}`.", METHODS[op.verb].0.to_uppercase(), op.path);
        let _ = writeln!(
            out,
            "pub static {ident}: OpDesc = OpDesc {{ wire: &W_{ident}, body_schema: {schema:?}, scopes: &[{}], \
             success: &[{}], errors: &[{}] }};\n",
            scopes.join(", "),
            success.join(", "),
            errors.join(", "),
        );
    }
    out.push_str("/// Every operation, sorted by path template, then method.\npub static CATALOG: &[&OpDesc] = &[\n");
    for ident in &statics {
        let _ = writeln!(out, "&{ident},");
    }
    out.push_str("];\n\n");
    out.push_str(&format!(
        "/// What goes on the wire for every operation, sorted by name (for a binary\n\
         /// search). One array of values, so that a program that only sends requests\n\
         /// keeps these alone, contiguous and without the entries. Each entry points at\n\
         /// its own copy (`W_…`), not into this array: a program naming a few entries\n\
         /// (the console) keeps only their wire parts, not the whole table.\n\
         pub static WIRES: &[Wire] = &WIRE_TABLE;\n\n\
         static WIRE_TABLE: [Wire; {}] = [\n",
        ops.len()
    ));
    for wire in &wires {
        out.push_str(wire);
    }
    out.push_str("];\n");
    Ok(out)
}

/// The name of each operation's static: its dotted name in upper snake case
/// (`users.roles.list` → `USERS_ROLES_LIST`, `clientGrants.create` → `CLIENT_GRANTS_CREATE`).
pub(super) fn static_names(ops: &[Op]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for op in ops {
        let mut ident = String::with_capacity(op.name.len() + 8);
        let mut prev_lower = false;
        for c in op.name.chars() {
            match c {
                '.' | '-' | '_' => {
                    ident.push('_');
                    prev_lower = false;
                }
                c if c.is_ascii_uppercase() && prev_lower => {
                    ident.push('_');
                    ident.push(c);
                    prev_lower = false;
                }
                c if c.is_ascii_alphanumeric() => {
                    ident.push(c.to_ascii_uppercase());
                    prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
                }
                other => bail!("operation name {} has a {other:?}", op.name),
            }
        }
        if ident.starts_with(|c: char| c.is_ascii_digit()) {
            ident.insert(0, '_');
        }
        if let Some(other) = names.iter().position(|n| *n == ident) {
            bail!("operations {} and {} would both be the static {ident}", ops[other].name, op.name);
        }
        names.push(ident);
    }
    Ok(names)
}

pub(super) fn print_items(items: &Items) -> String {
    match items {
        Items::Bare => "Items::Bare".to_owned(),
        Items::Key(k) => format!("Items::Key({k:?})"),
        Items::BareOrKey(k) => format!("Items::BareOrKey({k:?})"),
    }
}

pub(super) fn print_paging(paging: &Paging) -> String {
    match paging {
        Paging::None => "Paging::None".to_owned(),
        Paging::Unpaged(items) => format!("Paging::Unpaged {{ items: {} }}", print_items(items)),
        Paging::Offset(items) => format!("Paging::Offset {{ items: {} }}", print_items(items)),
        Paging::Checkpoint { items, max_take, next, offset } => {
            let max_take = match max_take {
                Some(n) => format!("Some({n})"),
                None => "None".to_owned(),
            };
            format!(
                "Paging::{} {{ items: {}, max_take: {max_take}, next: {next} }}",
                if *offset { "Both" } else { "Checkpoint" },
                print_items(items)
            )
        }
    }
}
