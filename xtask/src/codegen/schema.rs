//! Reading OpenAPI 3.1 schemas: `$ref`s, and reducing `allOf` / `oneOf` /
//! `anyOf` / nullable types to one of a few shapes the generator can type.

use serde_json::Value;
use std::collections::HashSet;

/// A parsed spec.
pub struct Spec {
    pub root: Value,
}

/// A schema reduced to what the generator types.
pub enum Shape<'a> {
    /// An object with named properties.
    Object(Obj<'a>),
    /// A string with a fixed set of values.
    StrEnum(Vec<String>),
    Str,
    Int,
    Num,
    Bool,
    /// An array; `None` when its items are unconstrained.
    Array(Option<&'a Value>),
    /// An object without named properties; `Some` when its values have a schema.
    Map(Option<&'a Value>),
    /// Anything.
    Any,
}

/// Properties of an object shape, in spec order.
#[derive(Default)]
pub struct Obj<'a> {
    pub props: Vec<(String, &'a Value)>,
    pub required: Vec<String>,
}

impl<'a> Obj<'a> {
    fn add_props(&mut self, other: Obj<'a>) {
        for (k, v) in other.props {
            if !self.props.iter().any(|(have, _)| *have == k) {
                self.props.push((k, v));
            }
        }
    }
}

impl Spec {
    /// The schema named `name` in `components/schemas`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.root.pointer(&format!("/components/schemas/{}", escape(name)))
    }

    /// Follows `$ref`s (to any part of the document) until a non-reference.
    pub fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..64 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(target) => v = target,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    /// Reduces a schema to a [`Shape`].
    pub fn shape<'a>(&'a self, v: &'a Value) -> Shape<'a> {
        let v = self.resolve(v);
        if let Some(values) = v.get("enum").and_then(Value::as_array) {
            let non_null: Vec<&Value> = values.iter().filter(|x| !x.is_null()).collect();
            if !non_null.is_empty() && non_null.iter().all(|x| x.is_string()) {
                return Shape::StrEnum(non_null.iter().map(|x| x.as_str().unwrap_or_default().to_owned()).collect());
            }
            if !non_null.is_empty() && non_null.iter().all(|x| x.is_i64() || x.is_u64()) {
                return Shape::Int;
            }
            return Shape::Any;
        }
        if let Some(c) = v.get("const") {
            return match c {
                Value::String(_) => Shape::Str,
                Value::Bool(_) => Shape::Bool,
                Value::Number(n) if n.is_f64() => Shape::Num,
                Value::Number(_) => Shape::Int,
                _ => Shape::Any,
            };
        }
        let mut acc = self.base_shape(v);
        if let Some(parts) = v.get("allOf").and_then(Value::as_array) {
            for part in parts {
                acc = merge_all(acc, Some(self.shape(part)));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = v.get(key).and_then(Value::as_array) {
                let alts: Vec<&Value> = alts.iter().filter(|a| !self.is_null_type(a)).collect();
                acc = merge_all(acc, self.alternatives(&alts));
            }
        }
        acc.unwrap_or(Shape::Any)
    }

    fn base_shape<'a>(&'a self, v: &'a Value) -> Option<Shape<'a>> {
        let types = types_of(v);
        let props = v.get("properties").and_then(Value::as_object).filter(|p| !p.is_empty());
        if let Some(props) = props {
            let required = v
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            return Some(Shape::Object(Obj { props: props.iter().map(|(k, v)| (k.clone(), v)).collect(), required }));
        }
        let addl = v.get("additionalProperties").filter(|a| a.is_object() && !is_empty_schema(a));
        match types.as_slice() {
            [] if v.get("additionalProperties").is_some() || v.get("properties").is_some() => Some(Shape::Map(addl)),
            [] => None,
            ["object"] => Some(Shape::Map(addl)),
            ["array"] => Some(Shape::Array(v.get("items").filter(|i| !is_empty_schema(i)))),
            ["string"] => Some(Shape::Str),
            ["integer"] => Some(Shape::Int),
            ["number"] => Some(Shape::Num),
            ["boolean"] => Some(Shape::Bool),
            ["integer", "number"] | ["number", "integer"] => Some(Shape::Num),
            _ => Some(Shape::Any),
        }
    }

    /// Combines `oneOf` / `anyOf` variants: objects merge, strings widen, the rest is `Any`.
    fn alternatives<'a>(&'a self, alts: &[&'a Value]) -> Option<Shape<'a>> {
        if alts.is_empty() {
            return None;
        }
        let shapes: Vec<Shape<'a>> = alts.iter().map(|a| self.shape(a)).collect();
        if shapes.iter().all(|s| matches!(s, Shape::Object(_) | Shape::Map(_))) {
            let mut obj = Obj::default();
            let mut required: Option<HashSet<String>> = None;
            for s in shapes {
                let this: HashSet<String> = match s {
                    Shape::Object(o) => {
                        let req = o.required.iter().cloned().collect();
                        obj.add_props(o);
                        req
                    }
                    _ => HashSet::new(),
                };
                required = Some(match required {
                    None => this,
                    Some(r) => r.intersection(&this).cloned().collect(),
                });
            }
            let required = required.unwrap_or_default();
            obj.required = obj.props.iter().map(|(k, _)| k.clone()).filter(|k| required.contains(k)).collect();
            return Some(if obj.props.is_empty() { Shape::Map(None) } else { Shape::Object(obj) });
        }
        if shapes.iter().all(|s| matches!(s, Shape::Str | Shape::StrEnum(_))) {
            let mut values: Vec<String> = Vec::new();
            for s in &shapes {
                match s {
                    Shape::StrEnum(v) => {
                        for x in v {
                            if !values.contains(x) {
                                values.push(x.clone());
                            }
                        }
                    }
                    _ => return Some(Shape::Str),
                }
            }
            return Some(Shape::StrEnum(values));
        }
        if shapes.iter().all(|s| matches!(s, Shape::Int)) {
            return Some(Shape::Int);
        }
        if shapes.iter().all(|s| matches!(s, Shape::Int | Shape::Num)) {
            return Some(Shape::Num);
        }
        if shapes.iter().all(|s| matches!(s, Shape::Bool)) {
            return Some(Shape::Bool);
        }
        Some(Shape::Any)
    }

    /// Whether a schema only admits `null`.
    pub fn is_null_type(&self, v: &Value) -> bool {
        let v = self.resolve(v);
        v.get("type").and_then(Value::as_str) == Some("null")
    }

    /// Whether a schema admits `null` (as a type, an enum value or a `oneOf` variant).
    pub fn is_nullable(&self, v: &Value) -> bool {
        let v = self.resolve(v);
        let in_types = match v.get("type") {
            Some(Value::String(s)) => s == "null",
            Some(Value::Array(a)) => a.iter().any(|t| t == "null"),
            _ => false,
        };
        let in_enum = v.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().any(Value::is_null));
        let in_alts = ["oneOf", "anyOf"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(Value::as_array))
            .any(|alts| alts.iter().any(|a| self.is_nullable(a)));
        in_types || in_enum || in_alts
    }

    /// The schema name a property refers to directly (`$ref`, or an `allOf` of one `$ref`).
    pub fn direct_ref<'a>(&self, v: &'a Value) -> Option<&'a str> {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            return r.strip_prefix("#/components/schemas/");
        }
        match v.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            Some([single]) if v.get("properties").is_none() => self.direct_ref(single),
            _ => None,
        }
    }
}

/// Intersection semantics (`allOf`, or a base type combined with variants).
fn merge_all<'a>(a: Option<Shape<'a>>, b: Option<Shape<'a>>) -> Option<Shape<'a>> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Shape::Object(mut x)), Some(Shape::Object(y))) => {
            for r in &y.required {
                if !x.required.contains(r) {
                    x.required.push(r.clone());
                }
            }
            x.add_props(y);
            Some(Shape::Object(x))
        }
        (Some(Shape::Object(x)), Some(Shape::Map(_))) | (Some(Shape::Map(_)), Some(Shape::Object(x))) => {
            Some(Shape::Object(x))
        }
        (Some(Shape::Map(x)), Some(Shape::Map(y))) => Some(Shape::Map(x.or(y))),
        (Some(Shape::Any), Some(x)) | (Some(x), Some(Shape::Any)) => Some(x),
        (Some(Shape::Str), Some(Shape::StrEnum(v))) | (Some(Shape::StrEnum(v)), Some(Shape::Str)) => {
            Some(Shape::StrEnum(v))
        }
        (Some(x), Some(_)) => Some(x),
    }
}

/// The non-null types a schema declares.
fn types_of(v: &Value) -> Vec<&str> {
    match v.get("type") {
        Some(Value::String(s)) if s != "null" => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    }
}

/// A schema that constrains nothing (`{}` or only annotations).
fn is_empty_schema(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Object(m) => m.keys().all(|k| {
            matches!(k.as_str(), "description" | "title" | "examples" | "example" | "default" | "x-release-lifecycle")
        }),
        _ => false,
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
