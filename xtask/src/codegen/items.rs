//! Turns the reachable part of a spec into a list of Rust items.
//!
//! Two passes share one namespace. The first generates the types of the
//! operations [`Module::operations`] lists (the hand table's; they are what
//! the rest of the workspace and the npm package's declarations use), exactly
//! as before. The second adds the request body and every 2xx response of
//! every other operation of the spec, reusing the first pass's types, and
//! notes for each operation the Rust type of its body and of each response
//! (for the generated dispatch by operation name).

use super::config::{Module, SECRET_KEYS};
use super::names;
use super::schema::{Obj, Shape, Spec};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// A Rust type of a field.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    Secret,
    Int,
    Num,
    Bool,
    Value,
    Map,
    Vec(Box<Ty>),
    BTree(Box<Ty>),
    Boxed(Box<Ty>),
    Named(String),
    Raw(String),
    /// `crate::Page<T>`: a list answered as a bare array or an envelope (top level only).
    Page(Box<Ty>),
    /// `Option<T>`: a body the operation may be sent without (top level only).
    Option(Box<Ty>),
}

impl Ty {
    pub fn rust(&self) -> String {
        self.rust_with(&|name| name.to_owned())
    }

    /// The Rust type, with generated names written by `named` (to qualify them).
    pub fn rust_with(&self, named: &dyn Fn(&str) -> String) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Secret => "crate::Secret".into(),
            Ty::Int => "i64".into(),
            Ty::Num => "serde_json::Number".into(),
            Ty::Bool => "bool".into(),
            Ty::Value => "serde_json::Value".into(),
            Ty::Map => "serde_json::Map<String, serde_json::Value>".into(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust_with(named)),
            Ty::BTree(t) => format!("std::collections::BTreeMap<String, {}>", t.rust_with(named)),
            Ty::Boxed(t) => format!("Box<{}>", t.rust_with(named)),
            Ty::Page(t) => format!("crate::Page<{}>", t.rust_with(named)),
            Ty::Option(t) => format!("Option<{}>", t.rust_with(named)),
            Ty::Named(n) => named(n),
            Ty::Raw(n) => n.clone(),
        }
    }
}

pub struct Field {
    pub key: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
}

pub enum Item {
    Object { name: String, doc: String, fields: Vec<Field>, constructible: bool },
    Enum { name: String, doc: String, variants: Vec<(String, String)> },
    Alias { name: String, doc: String, target: String },
}

impl Item {
    pub fn name(&self) -> &str {
        match self {
            Item::Object { name, .. } | Item::Enum { name, .. } | Item::Alias { name, .. } => name,
        }
    }
}

/// How a type is used: request-only types keep the spec's `required`, and
/// types users build get constructors.
#[derive(Clone, Copy)]
struct Use {
    request: bool,
    constructible: bool,
}

enum Job<'a> {
    Named { rust: String, specs: Vec<String>, use_: Use },
    Inline { rust: String, shape: Shape<'a>, use_: Use, parent: String, key: String },
}

/// What one spec generates.
pub struct Generated {
    /// Types of the configured operations (the module's `file`).
    pub core: Vec<Item>,
    /// Types only the other operations use (the module's `more_file`).
    pub more: Vec<Item>,
    /// Every operation of the spec, with the Rust types of its bodies.
    pub ops: Vec<OpTypes>,
}

/// The typed bodies of one operation.
pub struct OpTypes {
    /// The catalog's name of the operation.
    pub name: String,
    /// The request body's type, when the operation takes a body.
    pub body: Option<Ty>,
    /// Every documented 2xx status, with its body's type when it has one.
    pub responses: Vec<(u16, Option<Ty>)>,
}

pub struct Gen<'a> {
    spec: &'a Spec,
    cfg: &'a Module,
    /// Spec schema name → Rust name, from the config table.
    table: HashMap<&'a str, &'a str>,
    /// Rust name → spec schemas merged into it (for every named type started).
    groups: HashMap<String, Vec<String>>,
    /// Items in generation order; `None` while a job is queued.
    items: Vec<Option<Item>>,
    index: HashMap<String, usize>,
    queue: VecDeque<(usize, Job<'a>)>,
    /// Spec schemas reachable from responses (their `required` is ignored).
    from_responses: HashSet<String>,
    /// Spec schemas reachable from the extra roots (users build them).
    from_extra: HashSet<String>,
    /// Second pass only: names no new type may take (the config's names,
    /// enums and aliases), and which spec schemas shorten to each name.
    taken: Option<Taken>,
    /// Second pass only: inline schemas already typed, by node and use, so a
    /// schema reached twice (through an array alias) is one type.
    inline_seen: HashMap<(usize, bool, bool), String>,
}

/// Names the second pass must stay clear of.
struct Taken {
    /// Rust names the config gives (tables, extra enums, aliases).
    config: HashSet<String>,
    /// Default Rust name → the spec schemas that shorten to it.
    shortened: HashMap<String, Vec<String>>,
    /// Spec schema → every schema of the same shape (annotations aside), in spec order.
    twins: HashMap<String, Vec<String>>,
}

impl<'a> Gen<'a> {
    pub fn new(spec: &'a Spec, cfg: &'a Module) -> Self {
        let mut table = HashMap::new();
        for (rust, specs, _) in cfg.names {
            for s in *specs {
                table.insert(*s, *rust);
            }
        }
        Gen {
            spec,
            cfg,
            table,
            groups: HashMap::new(),
            items: Vec::new(),
            index: HashMap::new(),
            queue: VecDeque::new(),
            from_responses: HashSet::new(),
            from_extra: HashSet::new(),
            taken: None,
            inline_seen: HashMap::new(),
        }
    }

    /// Generates every item, in a stable order.
    pub fn run(mut self) -> Result<Generated> {
        let (requests, responses) = self.operation_roots()?;
        let mut reach = HashSet::new();
        for r in &responses {
            self.collect_refs(r, &mut reach);
        }
        self.from_responses = reach;
        let mut extra = HashSet::new();
        for name in self.cfg.extra_roots {
            let schema = self.spec.schema(name).with_context(|| format!("extra root {name} not in spec"))?;
            extra.insert((*name).to_owned());
            self.collect_refs(schema, &mut extra);
        }
        self.from_extra = extra;

        // Roots in operation order: each request body and response item.
        // Responses first: the main object of a resource precedes its request bodies.
        let roots: Vec<&'a Value> = responses.iter().chain(&requests).copied().collect();
        for root in roots {
            match self.spec.direct_ref(root) {
                // Scalar items (such as environment names) need no type.
                Some(name) if matches!(self.spec.shape(root), Shape::Object(_) | Shape::StrEnum(_)) => {
                    self.named(name)?;
                }
                Some(_) => {}
                None => bail!("an operation body is not a named schema: {root}"),
            }
        }
        for name in self.cfg.extra_roots {
            self.named(name)?;
        }
        self.drain()?;
        let core_len = self.items.len();

        let ops = self.every_operation()?;
        self.drain()?;

        let mut items: Vec<Item> = self.items.into_iter().map(|i| i.expect("every job ran")).collect();
        let mut more = items.split_off(core_len);
        let mut core = items;
        for (name, doc, variants) in self.cfg.extra_enums {
            core.push(Item::Enum {
                name: (*name).to_owned(),
                doc: (*doc).to_owned(),
                variants: variants.iter().map(|(v, w)| ((*v).to_owned(), (*w).to_owned())).collect(),
            });
        }
        for (name, target, doc) in self.cfg.aliases {
            core.push(Item::Alias { name: (*name).to_owned(), doc: (*doc).to_owned(), target: (*target).to_owned() });
        }
        // The second pass only refers back to the first, so each part's cycles are its own.
        box_recursion(&mut core);
        box_recursion(&mut more);
        let have: HashSet<&str> = core.iter().map(Item::name).collect();
        let missing: Vec<&&str> = self.cfg.required.iter().filter(|n| !have.contains(**n)).collect();
        if !missing.is_empty() {
            bail!("{}: required types were not generated: {missing:?}", self.cfg.file);
        }
        Ok(Generated { core, more, ops })
    }

    fn drain(&mut self) -> Result<()> {
        while let Some((slot, job)) = self.queue.pop_front() {
            let item = self.build(job)?;
            self.items[slot] = Some(item);
        }
        Ok(())
    }

    /// The second pass: every operation of the spec, in spec order, with the
    /// types of its request body and 2xx responses.
    fn every_operation(&mut self) -> Result<Vec<OpTypes>> {
        let mut config: HashSet<String> = self.table.values().map(|r| (*r).to_owned()).collect();
        config.extend(self.cfg.extra_enums.iter().map(|(n, _, _)| (*n).to_owned()));
        config.extend(self.cfg.aliases.iter().map(|(n, _, _)| (*n).to_owned()));
        let mut shortened: HashMap<String, Vec<String>> = HashMap::new();
        let mut by_shape: HashMap<String, Vec<String>> = HashMap::new();
        for (name, schema) in
            self.spec.root.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten()
        {
            shortened.entry(names::type_name(name)).or_default().push(name.clone());
            by_shape.entry(without_annotations(schema).to_string()).or_default().push(name.clone());
        }
        let mut twins = HashMap::new();
        for group in by_shape.into_values().filter(|g| g.len() > 1) {
            for name in &group {
                twins.insert(name.clone(), group.clone());
            }
        }
        self.taken = Some(Taken { config, shortened, twins });

        let paths = self.spec.root.get("paths").and_then(Value::as_object).context("spec without paths")?;
        let mut found = Vec::new();
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let name = super::catalog::operation_name(self.cfg, op)
                    .with_context(|| format!("{} {path}", method.to_uppercase()))?;
                // A body the spec does not require may come as nothing, or as `null`.
                let body = op.get("requestBody").and_then(|b| {
                    let required = self.spec.resolve(b).get("required").and_then(Value::as_bool).unwrap_or(false);
                    self.body_schema(b).map(|schema| (schema, required))
                });
                let paged = self.is_paged(op);
                let mut responses = Vec::new();
                for (code, resp) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                    if !code.starts_with('2') {
                        continue;
                    }
                    let status: u16 = code.parse().with_context(|| format!("{method} {path}: status {code}"))?;
                    responses.push((status, self.body_schema(resp)));
                }
                responses.sort_by_key(|(status, _)| *status);
                found.push((name, body, responses, paged));
            }
        }
        let mut reach = std::mem::take(&mut self.from_responses);
        for (_, _, responses, _) in &found {
            for schema in responses.iter().filter_map(|(_, s)| *s) {
                self.collect_refs(schema, &mut reach);
            }
        }
        self.from_responses = reach;

        let mut ops = Vec::new();
        for (name, body, responses, paged) in found {
            let base = names::pascal(&name);
            let body = match body {
                Some((schema, required)) => {
                    let use_ = Use { request: true, constructible: true };
                    let ty = self.root_ty(schema, &format!("{base}Body"), use_, &format!("Body of `{name}`."))?;
                    Some(if required { ty } else { Ty::Option(Box::new(ty)) })
                }
                None => None,
            };
            let mut typed = Vec::new();
            for (status, schema) in responses {
                let ty = match schema {
                    Some(schema) => {
                        let use_ = Use { request: false, constructible: false };
                        let doc = format!("What `{name}` answers.");
                        let ty = self.root_ty(schema, &format!("{base}Response"), use_, &doc)?;
                        // A paged list the spec documents as a bare array may
                        // come in an envelope too (as event deliveries do).
                        Some(match ty {
                            Ty::Vec(items) if paged => Ty::Page(items),
                            ty => ty,
                        })
                    }
                    None => None,
                };
                typed.push((status, ty));
            }
            ops.push(OpTypes { name, body, responses: typed });
        }
        Ok(ops)
    }

    /// Whether an operation pages: it takes `page` and `per_page`, or `from` and `take`.
    fn is_paged(&self, op: &Value) -> bool {
        let query: HashSet<&str> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| self.spec.resolve(p))
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        let has = |a: &str, b: &str| query.contains(a) && query.contains(b);
        has("page", "per_page") || has("from", "take")
    }

    /// The schema of a request body or response: its JSON content's, else its
    /// only content's (form and multipart bodies share the JSON schema).
    fn body_schema(&self, v: &'a Value) -> Option<&'a Value> {
        let content = self.spec.resolve(v).get("content").and_then(Value::as_object)?;
        content.get("application/json").or_else(|| content.values().next())?.get("schema")
    }

    /// The type of a whole body. A list (some alternatives bare arrays, the
    /// others envelopes holding one array, all of the same items) is a
    /// [`Ty::Page`]; anything else is typed as a field would be.
    fn root_ty(&mut self, schema: &'a Value, hint: &str, use_: Use, doc: &str) -> Result<Ty> {
        if let Some(items) = self.list_items(schema) {
            let item_hint = format!("{hint}Item");
            return Ok(Ty::Page(Box::new(self.ty(items, &item_hint, use_, "", doc)?)));
        }
        // An empty parent marks a root: its inline type's doc is `doc`.
        self.ty(schema, hint, use_, "", doc)
    }

    /// The item schema of a list response (see [`Self::root_ty`]).
    fn list_items(&self, schema: &'a Value) -> Option<&'a Value> {
        let v = self.spec.resolve(schema);
        let alts = v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array)?;
        let mut bare = false;
        let mut items: Option<&'a Value> = None;
        for alt in alts {
            let alt = self.spec.resolve(alt);
            let list = if alt.get("type").and_then(Value::as_str) == Some("array") {
                bare = true;
                alt.get("items")?
            } else {
                let props = alt.get("properties").and_then(Value::as_object)?;
                let mut arrays = props
                    .values()
                    .map(|p| self.spec.resolve(p))
                    .filter(|p| p.get("type").and_then(Value::as_str) == Some("array"));
                let (Some(only), None) = (arrays.next(), arrays.next()) else { return None };
                only.get("items")?
            };
            let name = self.spec.direct_ref(list)?;
            match items {
                Some(have) if self.spec.direct_ref(have) != Some(name) => return None,
                _ => items = Some(list),
            }
        }
        items.filter(|_| bare)
    }

    /// Request-body schemas and response item schemas of the configured operations.
    fn operation_roots(&self) -> Result<(Vec<&'a Value>, Vec<&'a Value>)> {
        let mut requests = Vec::new();
        let mut responses = Vec::new();
        for (path, methods) in self.cfg.operations {
            for method in *methods {
                let op = self
                    .spec
                    .root
                    .get("paths")
                    .and_then(|p| p.get(*path))
                    .and_then(|p| p.get(*method))
                    .with_context(|| format!("{method} {path} not in {}", self.cfg.spec_file))?;
                if let Some(body) = op.get("requestBody")
                    && let Some(schema) = self.json_schema(body)
                {
                    requests.push(schema);
                }
                if let Some(resps) = op.get("responses").and_then(Value::as_object) {
                    for (code, resp) in resps {
                        if !code.starts_with('2') {
                            continue;
                        }
                        if let Some(schema) = self.json_schema(resp) {
                            self.response_items(schema, &mut responses);
                        }
                    }
                }
            }
        }
        Ok((requests, responses))
    }

    /// The `application/json` schema of a request body or response (following `$ref`s).
    fn json_schema(&self, v: &'a Value) -> Option<&'a Value> {
        let v = self.spec.resolve(v);
        v.get("content")?.get("application/json")?.get("schema")
    }

    /// A response's item schemas: list envelopes and bare arrays are looked through.
    fn response_items(&self, schema: &'a Value, out: &mut Vec<&'a Value>) {
        let name = self.spec.direct_ref(schema);
        let v = self.spec.resolve(schema);
        if let Some(alts) = v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array)
            && alts.iter().any(|a| self.spec.resolve(a).get("type").and_then(Value::as_str) == Some("array"))
        {
            for a in alts {
                let r = self.spec.resolve(a);
                if r.get("type").and_then(Value::as_str) == Some("array")
                    && let Some(items) = r.get("items")
                {
                    out.push(items);
                }
            }
            return;
        }
        if name.is_some_and(|n| n.starts_with("List"))
            && let Some(props) = v.get("properties").and_then(Value::as_object)
        {
            for p in props.values() {
                let p = self.spec.resolve(p);
                if p.get("type").and_then(Value::as_str) == Some("array")
                    && let Some(items) = p.get("items")
                    && self.spec.direct_ref(items).is_some()
                {
                    out.push(items);
                }
            }
            return;
        }
        out.push(schema);
    }

    /// Every schema name referenced from `v`, transitively.
    fn collect_refs(&self, v: &'a Value, seen: &mut HashSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(name) =
                    m.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
                    && seen.insert(name.to_owned())
                    && let Some(s) = self.spec.schema(name)
                {
                    self.collect_refs(s, seen);
                }
                for x in m.values() {
                    self.collect_refs(x, seen);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.collect_refs(x, seen)),
            _ => {}
        }
    }

    fn rust_name(&self, spec_name: &str) -> Result<String> {
        if let Some(r) = self.table.get(spec_name) {
            return Ok((*r).to_owned());
        }
        let name = names::type_name(spec_name);
        // Keep the spec's name when shortening it would clash with another schema.
        let clash = name != spec_name
            && self
                .spec
                .schema(&name)
                .is_some_and(|s| matches!(self.spec.shape(s), Shape::Object(_) | Shape::StrEnum(_)));
        let Some(taken) = &self.taken else { return Ok(if clash { spec_name.to_owned() } else { name }) };
        // Second pass: a name no other schema can claim. The short name when no
        // other schema shortens to it; where a request and a response body
        // share one (`CreateXRequestContent`, `CreateXResponseContent`), the
        // request keeps it (as `CreateUser` does) and the response adds
        // `Response`; anything else keeps the spec's own name.
        let rivals: Vec<&String> =
            taken.shortened.get(&name).into_iter().flatten().filter(|s| *s != spec_name).collect();
        let own: String = spec_name.chars().filter(char::is_ascii_alphanumeric).collect();
        let request_keeps_it =
            spec_name.ends_with("RequestContent") && rivals.iter().all(|r| r.ends_with("ResponseContent"));
        let candidate = if rivals.is_empty() || request_keeps_it {
            name.clone()
        } else if spec_name.ends_with("ResponseContent") {
            format!("{name}Response")
        } else if spec_name.ends_with("RequestContent") {
            format!("{name}Request")
        } else {
            own.clone()
        };
        let free = |n: &str| {
            let mine = self.groups.get(n).is_some_and(|g| g.iter().any(|s| s == spec_name));
            // The rivals of the short name were weighed above; other names
            // must not be one another schema is or shortens to.
            let other = |s: &String| s != spec_name;
            let claimed = taken.config.contains(n)
                || self.index.contains_key(n)
                || (n != name && n != own && self.spec.schema(n).is_some())
                || (n != name && taken.shortened.get(n).is_some_and(|ss| ss.iter().any(other)));
            mine || !claimed
        };
        if free(&candidate) {
            Ok(candidate)
        } else if free(&own) {
            Ok(own)
        } else {
            bail!(
                "{}: no free Rust name for {spec_name} ({candidate} and {own} are taken); add it to `names`",
                self.cfg.file
            )
        }
    }

    /// Second pass: the schemas one Rust type stands for. Auth0's spec repeats
    /// a shape under one name per operation (`GetXResponseContent`,
    /// `CreateXResponseContent`, `UpdateXResponseContent`, often `X` too):
    /// schemas of the same shape, used the same way (request or response), are
    /// one type, named after the one whose name is shortest. Two or more plain
    /// names (not `…RequestContent` / `…ResponseContent`) are distinct things
    /// that happen to look alike, and stay apart. Returns the group, then the
    /// schema its name comes from.
    fn twins(&self, spec_name: &str) -> (Vec<String>, String) {
        let alone = (vec![spec_name.to_owned()], spec_name.to_owned());
        let Some(group) = self.taken.as_ref().and_then(|t| t.twins.get(spec_name)) else { return alone };
        if self.table.contains_key(spec_name) {
            return alone;
        }
        let request = |s: &str| !self.from_responses.contains(s) && !self.from_extra.contains(s);
        let members: Vec<String> = group
            .iter()
            .filter(|s| !self.table.contains_key(s.as_str()) && request(s) == request(spec_name))
            .cloned()
            .collect();
        let plain = members.iter().filter(|s| !s.ends_with("RequestContent") && !s.ends_with("ResponseContent"));
        if members.len() < 2 || plain.count() > 1 {
            return alone;
        }
        let first = members.iter().min_by_key(|s| names::type_name(s).len()).cloned().unwrap_or_default();
        (members, first)
    }

    /// The Rust type for a named object or enum schema, queueing it on first use.
    fn named(&mut self, spec_name: &str) -> Result<String> {
        let (twins, first) = self.twins(spec_name);
        let rust = self.rust_name(&first)?;
        if let Some(group) = self.groups.get(&rust) {
            if !group.iter().any(|s| s == spec_name) {
                bail!("{}: both {spec_name} and {group:?} map to {rust}; add a name to the table", self.cfg.file);
            }
            return Ok(rust);
        }
        if self.index.contains_key(&rust) {
            bail!("{}: {spec_name} maps to {rust}, which an inline type already uses", self.cfg.file);
        }
        let specs: Vec<String> = match self.cfg.names.iter().find(|(r, _, _)| *r == rust) {
            Some((_, specs, _)) => specs.iter().map(|s| (*s).to_owned()).collect(),
            None => twins,
        };
        // Types reachable from responses or from the extra roots (options that
        // are read back from responses) never require fields.
        let request = specs.iter().all(|s| !self.from_responses.contains(s) && !self.from_extra.contains(s));
        let constructible = request || specs.iter().any(|s| self.from_extra.contains(s));
        self.groups.insert(rust.clone(), specs.clone());
        let slot = self.reserve(&rust);
        self.queue.push_back((slot, Job::Named { rust: rust.clone(), specs, use_: Use { request, constructible } }));
        Ok(rust)
    }

    fn reserve(&mut self, rust: &str) -> usize {
        self.items.push(None);
        let slot = self.items.len() - 1;
        self.index.insert(rust.to_owned(), slot);
        slot
    }

    /// A fresh name for an inline type.
    fn inline_name(&self, hint: &str) -> String {
        // In the second pass, names spec schemas (may) take are left to them.
        let schema_may_take = |n: &str| {
            self.taken
                .as_ref()
                .is_some_and(|t| t.config.contains(n) || t.shortened.contains_key(n) || self.spec.schema(n).is_some())
        };
        let mut name = hint.to_owned();
        let mut n = 2;
        while self.index.contains_key(&name) || self.table.values().any(|r| *r == name) || schema_may_take(&name) {
            name = format!("{hint}{n}");
            n += 1;
        }
        name
    }

    fn build(&mut self, job: Job<'a>) -> Result<Item> {
        match job {
            Job::Named { rust, specs, use_ } => {
                let mut shapes = Vec::new();
                for s in &specs {
                    let schema = self.spec.schema(s).with_context(|| format!("schema {s} not in spec"))?;
                    shapes.push(self.spec.shape(schema));
                }
                let doc = match self.cfg.names.iter().find(|(r, _, d)| *r == rust && !d.is_empty()) {
                    Some((_, _, d)) => (*d).to_owned(),
                    None => {
                        let list = specs.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
                        format!("Generated from the spec's {list} schema{}.", if specs.len() > 1 { "s" } else { "" })
                    }
                };
                let shape =
                    merge_group(shapes).with_context(|| format!("{rust}: {specs:?} are neither objects nor enums"))?;
                self.item(rust, doc, shape, use_)
            }
            Job::Inline { rust, shape, use_, parent, key } => {
                // A root (a whole body) has no parent and brings its doc as `key`.
                let doc =
                    if parent.is_empty() { key } else { format!("Inline object of [`{parent}`]'s `{key}` field.") };
                self.item(rust, doc, shape, use_)
            }
        }
    }

    fn item(&mut self, rust: String, doc: String, shape: Shape<'a>, use_: Use) -> Result<Item> {
        match shape {
            Shape::StrEnum(values) => Ok(Item::Enum { name: rust, doc, variants: variants(&values) }),
            Shape::Object(obj) => {
                let fields = self.fields(&rust, obj, use_)?;
                Ok(Item::Object { name: rust, doc, fields, constructible: use_.constructible })
            }
            _ => bail!("{rust} is neither an object nor an enum"),
        }
    }

    fn fields(&mut self, parent: &str, obj: Obj<'a>, use_: Use) -> Result<Vec<Field>> {
        let mut fields: Vec<Field> = Vec::new();
        let mut idents: HashSet<String> = HashSet::new();
        let overrides: Vec<(&str, &str)> =
            self.cfg.overrides.iter().filter(|(t, _, _)| *t == parent).map(|(_, k, ty)| (*k, *ty)).collect();
        let mut props: Vec<(String, Option<&'a Value>)> = obj.props.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for (key, _) in &overrides {
            if !props.iter().any(|(k, _)| k == key) {
                props.push(((*key).to_owned(), None));
            }
        }
        // `kind` for `type` only when no `kind` key exists.
        let has_kind = props.iter().any(|(k, _)| k == "kind");
        for (key, schema) in props {
            let ty = match (overrides.iter().find(|(k, _)| *k == key), schema) {
                (Some((_, ty)), _) => Ty::Raw((*ty).to_owned()),
                (None, Some(schema)) => {
                    let hint = format!("{parent}{}", names::key_suffix(&key));
                    let ty = self.ty(schema, &hint, use_, parent, &key)?;
                    if ty == Ty::Str && SECRET_KEYS.contains(&key.as_str()) { Ty::Secret } else { ty }
                }
                (None, None) => unreachable!("added only for overrides"),
            };
            let mut ident = if key == "type" && has_kind { "r#type".to_owned() } else { names::field_ident(&key) };
            let base = ident.clone();
            let mut n = 2;
            while !idents.insert(ident.clone()) {
                ident = format!("{base}_{n}");
                n += 1;
            }
            let required = use_.request && obj.required.contains(&key);
            fields.push(Field { key, ident, ty, required });
        }
        Ok(fields)
    }

    /// The Rust type of a property schema.
    fn ty(&mut self, schema: &'a Value, hint: &str, use_: Use, parent: &str, key: &str) -> Result<Ty> {
        let shape = self.spec.shape(schema);
        if let Some(name) = self.spec.direct_ref(schema) {
            if matches!(shape, Shape::Object(_) | Shape::StrEnum(_)) {
                return Ok(Ty::Named(self.named(name)?));
            }
            // Aliases of scalars, arrays and maps are inlined. (In the second
            // pass, the items of an array alias are its name's `Item`s.)
            let mut hint = names::type_name(name);
            if self.taken.is_some() && matches!(shape, Shape::Array(_)) {
                hint.push_str("Item");
            }
            return self.shape_ty(shape, &hint, use_, parent, key);
        }
        if self.taken.is_some() && matches!(shape, Shape::Object(_) | Shape::StrEnum(_)) {
            let seen = (std::ptr::from_ref(schema) as usize, use_.request, use_.constructible);
            if let Some(rust) = self.inline_seen.get(&seen) {
                return Ok(Ty::Named(rust.clone()));
            }
            let ty = self.shape_ty(shape, hint, use_, parent, key)?;
            if let Ty::Named(rust) = &ty {
                self.inline_seen.insert(seen, rust.clone());
            }
            return Ok(ty);
        }
        self.shape_ty(shape, hint, use_, parent, key)
    }

    fn shape_ty(&mut self, shape: Shape<'a>, hint: &str, use_: Use, parent: &str, key: &str) -> Result<Ty> {
        Ok(match shape {
            Shape::Str => Ty::Str,
            Shape::Int => Ty::Int,
            Shape::Num => Ty::Num,
            Shape::Bool => Ty::Bool,
            Shape::Any => Ty::Value,
            Shape::Array(None) => Ty::Vec(Box::new(Ty::Value)),
            Shape::Array(Some(items)) => Ty::Vec(Box::new(self.ty(items, hint, use_, parent, key)?)),
            Shape::Map(None) => Ty::Map,
            Shape::Map(Some(values)) => {
                if self.spec.is_nullable(values) {
                    Ty::Map
                } else {
                    match self.ty(values, &format!("{hint}Value"), use_, parent, key)? {
                        Ty::Value => Ty::Map,
                        t => Ty::BTree(Box::new(t)),
                    }
                }
            }
            Shape::StrEnum(_) | Shape::Object(_) => {
                let rust = self.inline_name(hint);
                let slot = self.reserve(&rust);
                let job =
                    Job::Inline { rust: rust.clone(), shape, use_, parent: parent.to_owned(), key: key.to_owned() };
                self.queue.push_back((slot, job));
                Ty::Named(rust)
            }
        })
    }
}

/// A schema without what does not change its type (descriptions, examples,
/// defaults), to compare shapes.
fn without_annotations(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "description" | "title" | "example" | "examples" | "default" | "x-release-lifecycle"
                    )
                })
                .map(|(k, x)| (k.clone(), without_annotations(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_annotations).collect()),
        other => other.clone(),
    }
}

/// Merges the shapes of spec schemas that share one Rust type.
fn merge_group(shapes: Vec<Shape<'_>>) -> Option<Shape<'_>> {
    let mut iter = shapes.into_iter();
    let mut acc = iter.next()?;
    for s in iter {
        acc = match (acc, s) {
            (Shape::Object(mut a), Shape::Object(b)) => {
                a.required.retain(|r| b.required.contains(r));
                for (k, v) in b.props {
                    if !a.props.iter().any(|(have, _)| *have == k) {
                        a.props.push((k, v));
                    }
                }
                Shape::Object(a)
            }
            (Shape::StrEnum(mut a), Shape::StrEnum(b)) => {
                for v in b {
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
                Shape::StrEnum(a)
            }
            _ => return None,
        };
    }
    match acc {
        Shape::Object(_) | Shape::StrEnum(_) => Some(acc),
        _ => None,
    }
}

/// Variant names for enum values, unique.
pub(super) fn variants(values: &[String]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    values
        .iter()
        .map(|v| {
            let base = names::pascal(v);
            // `Unknown` is the fallback variant; `Self` is a keyword.
            let mut name = if base == "Unknown" || base == "Self" { format!("{base}Value") } else { base.clone() };
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            (name, v.clone())
        })
        .collect()
}

/// Boxes fields that would make a type contain itself.
fn box_recursion(items: &mut [Item]) {
    let edges: HashMap<String, BTreeSet<String>> = items
        .iter()
        .filter_map(|i| match i {
            Item::Object { name, fields, .. } => Some((
                name.clone(),
                fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        Ty::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone())
                && let Some(next) = edges.get(&n)
            {
                stack.extend(next.iter().cloned());
            }
        }
        false
    };
    for item in items.iter_mut() {
        if let Item::Object { name, fields, .. } = item {
            for f in fields.iter_mut() {
                if let Ty::Named(target) = &f.ty
                    && reaches(target, name)
                {
                    f.ty = Ty::Boxed(Box::new(f.ty.clone()));
                }
            }
        }
    }
}
