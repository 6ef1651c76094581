//! Turns the reachable part of a spec into a list of Rust items.

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
}

impl Ty {
    pub fn rust(&self) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Secret => "crate::Secret".into(),
            Ty::Int => "i64".into(),
            Ty::Num => "serde_json::Number".into(),
            Ty::Bool => "bool".into(),
            Ty::Value => "serde_json::Value".into(),
            Ty::Map => "serde_json::Map<String, serde_json::Value>".into(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust()),
            Ty::BTree(t) => format!("std::collections::BTreeMap<String, {}>", t.rust()),
            Ty::Boxed(t) => format!("Box<{}>", t.rust()),
            Ty::Named(n) | Ty::Raw(n) => n.clone(),
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
        }
    }

    /// Generates every item, in a stable order.
    pub fn run(mut self) -> Result<Vec<Item>> {
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
        while let Some((slot, job)) = self.queue.pop_front() {
            let item = self.build(job)?;
            self.items[slot] = Some(item);
        }
        let mut items: Vec<Item> = self.items.into_iter().map(|i| i.expect("every job ran")).collect();
        for (name, doc, variants) in self.cfg.extra_enums {
            items.push(Item::Enum {
                name: (*name).to_owned(),
                doc: (*doc).to_owned(),
                variants: variants.iter().map(|(v, w)| ((*v).to_owned(), (*w).to_owned())).collect(),
            });
        }
        for (name, target, doc) in self.cfg.aliases {
            items.push(Item::Alias { name: (*name).to_owned(), doc: (*doc).to_owned(), target: (*target).to_owned() });
        }
        box_recursion(&mut items);
        let have: HashSet<&str> = items.iter().map(Item::name).collect();
        let missing: Vec<&&str> = self.cfg.required.iter().filter(|n| !have.contains(**n)).collect();
        if !missing.is_empty() {
            bail!("{}: required types were not generated: {missing:?}", self.cfg.file);
        }
        Ok(items)
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

    fn rust_name(&self, spec_name: &str) -> String {
        match self.table.get(spec_name) {
            Some(r) => (*r).to_owned(),
            None => {
                let name = names::type_name(spec_name);
                // Keep the spec's name when shortening it would clash with another schema.
                let clash = name != spec_name
                    && self
                        .spec
                        .schema(&name)
                        .is_some_and(|s| matches!(self.spec.shape(s), Shape::Object(_) | Shape::StrEnum(_)));
                if clash { spec_name.to_owned() } else { name }
            }
        }
    }

    /// The Rust type for a named object or enum schema, queueing it on first use.
    fn named(&mut self, spec_name: &str) -> Result<String> {
        let rust = self.rust_name(spec_name);
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
            None => vec![spec_name.to_owned()],
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
        let mut name = hint.to_owned();
        let mut n = 2;
        while self.index.contains_key(&name) || self.table.values().any(|r| *r == name) {
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
                let doc = format!("Inline object of [`{parent}`]'s `{key}` field.");
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
            // Aliases of scalars, arrays and maps are inlined.
            let hint = names::type_name(name);
            return self.shape_ty(shape, &hint, use_, parent, key);
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
fn variants(values: &[String]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    values
        .iter()
        .map(|v| {
            let base = names::pascal(v);
            let mut name = if base == "Unknown" { "UnknownValue".to_owned() } else { base.clone() };
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
