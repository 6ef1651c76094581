//! Forms from JSON Schemas: the explorer's body form is built from the
//! schema the BFF serves for an operation (`GET /catalog/{name}`,
//! self-contained: its `$ref`s point into its own `$defs`).
//!
//! [`fields`] turns an object schema into form fields, [`validate`] checks a
//! body against the schema before it is sent (required fields, types, enums,
//! patterns, lengths, bounds, unknown fields), [`set_at`] / [`get_at`] edit
//! the one JSON value that both the form and the raw JSON view show, and
//! [`columns`] picks a result table's columns from a response schema.

use serde_json::{Map, Value};

/// How deep nested objects become fieldsets; deeper ones are edited as JSON.
const MAX_DEPTH: usize = 3;

/// What input a field gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A line of text.
    Text,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// true, false or unset.
    Boolean,
    /// One of a fixed set of strings.
    Choice(Vec<String>),
    /// A list of strings, one per line (`values` when they are fixed).
    Lines {
        /// The accepted values, when the items are an enum.
        values: Vec<String>,
    },
    /// An object with named fields: a fieldset.
    Object(Vec<Field>),
    /// Anything else (lists of objects, maps, alternatives): JSON text.
    Json,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property's name.
    pub name: String,
    /// Whether the object must have it.
    pub required: bool,
    /// Its input.
    pub kind: Kind,
    /// A short hint built from the schema's constraints (never the spec's prose).
    pub hint: String,
}

/// Follows `#/$defs/…` references within `root`.
pub fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(name) = v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) else {
            return v;
        };
        match root.get("$defs").and_then(|d| d.get(name.replace("~1", "/").replace("~0", "~"))) {
            Some(target) => v = target,
            None => return v,
        }
    }
    v
}

/// The schema with its references followed and its `allOf` parts merged
/// (properties and required fields of every part).
pub fn merged(root: &Value, v: &Value) -> Value {
    let v = resolve(root, v);
    let Some(parts) = v.get("allOf").and_then(Value::as_array) else { return v.clone() };
    let mut out = v.as_object().cloned().unwrap_or_default();
    out.remove("allOf");
    for part in parts {
        let part = merged(root, part);
        for (key, value) in part.as_object().into_iter().flatten() {
            match (key.as_str(), out.get_mut(key)) {
                ("properties", Some(Value::Object(have))) => {
                    for (k, s) in value.as_object().into_iter().flatten() {
                        have.entry(k.clone()).or_insert_with(|| s.clone());
                    }
                }
                ("required", Some(Value::Array(have))) => {
                    for r in value.as_array().into_iter().flatten() {
                        if !have.contains(r) {
                            have.push(r.clone());
                        }
                    }
                }
                (_, Some(_)) => {}
                (_, None) => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// The schema's type, the first one that is not `null`.
fn type_of(v: &Value) -> Option<&str> {
    match v.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ if v.get("properties").is_some() => Some("object"),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_owned)).collect()
}

fn kind_of(root: &Value, schema: &Value, depth: usize) -> Kind {
    let s = merged(root, schema);
    let values = strings(s.get("enum"));
    if !values.is_empty() {
        return Kind::Choice(values);
    }
    if s.get("oneOf").is_some() || s.get("anyOf").is_some() {
        return Kind::Json;
    }
    match type_of(&s) {
        Some("string") => Kind::Text,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => {
            let items = s.get("items").map(|i| merged(root, i)).unwrap_or(Value::Null);
            let values = strings(items.get("enum"));
            if type_of(&items) == Some("string") || !values.is_empty() { Kind::Lines { values } } else { Kind::Json }
        }
        Some("object")
            if depth < MAX_DEPTH && s.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) =>
        {
            Kind::Object(fields_at(root, &s, depth + 1))
        }
        _ => Kind::Json,
    }
}

/// A short hint from a schema's constraints ("1 to 280 characters", "format: uri").
fn hint_of(root: &Value, schema: &Value) -> String {
    let s = merged(root, schema);
    let n = |k: &str| s.get(k).and_then(Value::as_f64);
    let mut parts = Vec::new();
    match (n("minLength"), n("maxLength")) {
        (Some(a), Some(b)) => parts.push(format!("{a} to {b} characters")),
        (Some(a), None) if a > 0.0 => parts.push(format!("at least {a} characters")),
        (None, Some(b)) => parts.push(format!("at most {b} characters")),
        _ => {}
    }
    match (n("minimum"), n("maximum")) {
        (Some(a), Some(b)) => parts.push(format!("from {a} to {b}")),
        (Some(a), None) => parts.push(format!("at least {a}")),
        (None, Some(b)) => parts.push(format!("at most {b}")),
        _ => {}
    }
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        parts.push(format!("format: {f}"));
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        parts.push(format!("pattern: {p}"));
    }
    if type_of(&s) == Some("array") {
        parts.push("one per line".to_owned());
    }
    parts.join("; ")
}

fn fields_at(root: &Value, object: &Value, depth: usize) -> Vec<Field> {
    let required = strings(object.get("required"));
    let props = object.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut out: Vec<Field> = props
        .iter()
        .map(|(name, schema)| Field {
            name: name.clone(),
            required: required.contains(name),
            kind: kind_of(root, schema, depth),
            hint: hint_of(root, schema),
        })
        .collect();
    // Required fields first, each group in the schema's order.
    out.sort_by_key(|f| !f.required);
    out
}

/// The fields of an object schema (`None` when the body is not an object
/// with named properties: it is then edited as JSON).
pub fn fields(root: &Value) -> Option<Vec<Field>> {
    let s = merged(root, root);
    if type_of(&s) != Some("object") || s.get("oneOf").is_some() || s.get("anyOf").is_some() {
        return None;
    }
    let f = fields_at(root, &s, 0);
    (!f.is_empty()).then_some(f)
}

/// The value at `path` (property names from the root).
pub fn get_at<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// Sets (`Some`) or removes (`None`) the value at `path`, creating objects on
/// the way; removing the last field of a nested object removes the object.
pub fn set_at(value: &mut Value, path: &[String], new: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        if let Some(v) = new {
            *value = v;
        }
        return;
    };
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    let Some(map) = value.as_object_mut() else { return };
    if let Some(first) = parents.first() {
        let child = map.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
        set_at(child, &path[1..], new);
        if child.as_object().is_some_and(Map::is_empty) {
            map.remove(first);
        }
        return;
    }
    match new {
        Some(v) => {
            map.insert(last.clone(), v);
        }
        None => {
            map.remove(last);
        }
    }
}

/// The JSON value an input's text stands for (`None`: leave the field out).
/// Text that does not fit the kind is kept as a string, so that
/// [`validate`] names the problem.
pub fn parse_input(kind: &Kind, text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Some(match kind {
        Kind::Text | Kind::Choice(_) => Value::String(text.to_owned()),
        Kind::Integer => t.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(t.to_owned())),
        Kind::Number => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(t.to_owned())),
        Kind::Boolean => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        },
        Kind::Lines { .. } => {
            Value::Array(t.lines().map(str::trim).filter(|l| !l.is_empty()).map(Value::from).collect())
        }
        Kind::Json | Kind::Object(_) => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())),
    })
}

/// The text an input shows for a value.
pub fn input_text(kind: &Kind, value: Option<&Value>) -> String {
    match (kind, value) {
        (_, None | Some(Value::Null)) => String::new(),
        (_, Some(Value::String(s))) => s.clone(),
        (Kind::Lines { .. }, Some(Value::Array(items))) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string()))
            .collect::<Vec<_>>()
            .join("\n"),
        (Kind::Json | Kind::Object(_), Some(v)) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (_, Some(v)) => v.to_string(),
    }
}

/// One reason a body does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: property names and list positions (`scope[1]`), empty for the body itself.
    pub at: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

/// Checks `value` against `root` (a self-contained schema). `matches(pattern,
/// text)` tests a `pattern` (the browser's regular expressions in the
/// console); a pattern it cannot compile is not held against the value.
pub fn validate(root: &Value, value: &Value, matches: &dyn Fn(&str, &str) -> Option<bool>) -> Vec<Problem> {
    let mut out = Vec::new();
    check(root, root, value, "", matches, &mut out, 0);
    out
}

fn describe_at(at: &str) -> String {
    if at.is_empty() { "The body".to_owned() } else { at.to_owned() }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_words(t: &str) -> &str {
    match t {
        "string" => "text",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        other => other,
    }
}

#[allow(clippy::too_many_lines)]
fn check(
    root: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    matches: &dyn Fn(&str, &str) -> Option<bool>,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    let s = merged(root, schema);
    let mut problem = |message: String| out.push(Problem { at: at.to_owned(), message });
    let name = describe_at(at);
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        let want: Vec<&str> = types.iter().filter(|t| **t != "null").map(|t| type_words(t)).collect();
        problem(format!("{name} must be {}.", want.join(" or ")));
        return;
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array).filter(|vs| !vs.contains(value)) {
        let list: Vec<String> =
            values.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
        problem(format!("{name} must be one of: {}.", list.join(", ")));
        return;
    }
    let n = |k: &str| s.get(k).and_then(Value::as_f64);
    match value {
        Value::String(text) => {
            let len = text.chars().count() as f64;
            if let Some(min) = n("minLength").filter(|m| len < *m) {
                problem(if min <= 1.0 {
                    format!("{name} must not be empty.")
                } else {
                    format!("{name} must be at least {min} characters long.")
                });
            }
            if let Some(max) = n("maxLength").filter(|m| len > *m) {
                problem(format!("{name} must be at most {max} characters long."));
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str).filter(|p| matches(p, text) == Some(false)) {
                problem(format!("{name} does not have the expected form (pattern {p})."));
            }
        }
        Value::Number(num) => {
            let x = num.as_f64().unwrap_or_default();
            if let Some(min) = n("minimum").filter(|m| x < *m) {
                problem(format!("{name} must be at least {min}."));
            }
            if let Some(max) = n("maximum").filter(|m| x > *m) {
                problem(format!("{name} must be at most {max}."));
            }
        }
        Value::Array(items) => {
            let len = items.len() as f64;
            if let Some(min) = n("minItems").filter(|m| len < *m) {
                problem(format!("{name} needs at least {min} entries."));
            }
            if let Some(max) = n("maxItems").filter(|m| len > *m) {
                problem(format!("{name} takes at most {max} entries."));
            }
            if let Some(item) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(root, item, v, &format!("{at}[{i}]"), matches, out, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            let props = s.get("properties").and_then(Value::as_object);
            for r in strings(s.get("required")) {
                if !map.contains_key(&r) {
                    out.push(Problem { at: join(at, &r), message: format!("{} is required.", join(at, &r)) });
                }
            }
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => check(root, sub, v, &join(at, k), matches, out, depth + 1),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => out.push(Problem {
                            at: join(at, k),
                            message: format!("{} is not a field of {}.", join(at, k), describe_at(at).to_lowercase()),
                        }),
                        Some(extra) if extra.is_object() => {
                            check(root, extra, v, &join(at, k), matches, out, depth + 1)
                        }
                        _ => {}
                    },
                }
            }
        }
        _ => {}
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let fits = alts.iter().any(|alt| {
                let mut inner = Vec::new();
                check(root, alt, value, at, matches, &mut inner, depth + 1);
                inner.is_empty()
            });
            if !fits {
                out.push(Problem { at: at.to_owned(), message: format!("{name} fits none of the accepted shapes.") });
            }
        }
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") }
}

/// Up to `max` columns for a list answer: the properties of the items'
/// schema (found as the array itself, the envelope's `key`, or in its
/// alternatives) that hold a value in some row, identifying ones first,
/// else the first row's keys.
pub fn columns(response: &Value, key: Option<&str>, rows: &[Value], max: usize) -> Vec<String> {
    let present = |k: &str| rows.iter().take(50).any(|r| r.get(k).is_some_and(|v| !v.is_null()));
    let mut names: Vec<String> = item_schema(response, response, key, 0)
        .and_then(|items| merged(response, &items).get("properties").and_then(Value::as_object).cloned())
        .map(|p| p.keys().filter(|k| present(k)).cloned().collect())
        .unwrap_or_default();
    if names.is_empty() {
        names = rows.first().and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default();
    }
    const FIRST: [&str; 8] = ["id", "name", "user_id", "email", "client_id", "audience", "identifier", "type"];
    names.sort_by_key(|n| FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()));
    names.truncate(max);
    names
}

fn item_schema(root: &Value, schema: &Value, key: Option<&str>, depth: usize) -> Option<Value> {
    if depth > 4 {
        return None;
    }
    let s = merged(root, schema);
    if type_of(&s) == Some("array") {
        return s.get("items").cloned();
    }
    if let Some(found) = key
        .and_then(|k| s.get("properties").and_then(|p| p.get(k)))
        .and_then(|inner| item_schema(root, inner, None, depth + 1))
    {
        return Some(found);
    }
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| s.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(|alt| item_schema(root, alt, key, depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn grant() -> Value {
        json!({
            "$ref": "#/$defs/Create",
            "$defs": {
                "Create": {
                    "type": "object", "additionalProperties": false, "required": ["audience"],
                    "properties": {
                        "client_id": {"type": "string"},
                        "audience": {"type": "string", "minLength": 1},
                        "scope": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 5}},
                        "usage": {"$ref": "#/$defs/Usage"},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 10},
                        "name": {"type": "string", "pattern": "^[a-z]+$"},
                        "meta": {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["a"]},
                        "alt": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
                    }
                },
                "Usage": {"type": "string", "enum": ["deny", "allow"]}
            }
        })
    }

    fn lower(p: &str, t: &str) -> Option<bool> {
        (p == "^[a-z]+$").then(|| t.chars().all(|c| c.is_ascii_lowercase()) && !t.is_empty())
    }

    #[test]
    fn fields_follow_the_schema() {
        let f = fields(&grant()).unwrap();
        assert_eq!(f[0].name, "audience");
        assert!(f[0].required && !f[1].required);
        assert_eq!(f[0].hint, "at least 1 characters");
        let by = |n: &str| f.iter().find(|x| x.name == n).unwrap().kind.clone();
        assert_eq!(by("scope"), Kind::Lines { values: vec![] });
        assert_eq!(by("usage"), Kind::Choice(vec!["deny".into(), "allow".into()]));
        assert_eq!(by("limit"), Kind::Integer);
        assert_eq!(by("alt"), Kind::Json);
        let Kind::Object(inner) = by("meta") else { panic!("meta is a fieldset") };
        assert_eq!((inner[0].name.as_str(), inner[0].kind.clone(), inner[0].required), ("a", Kind::Boolean, true));
        assert!(fields(&json!({"type": "array"})).is_none());
    }

    #[test]
    fn values_are_set_and_removed_by_path() {
        let mut v = json!({});
        set_at(&mut v, &["meta".into(), "a".into()], Some(json!(true)));
        set_at(&mut v, &["audience".into()], parse_input(&Kind::Text, "https://api"));
        set_at(&mut v, &["scope".into()], parse_input(&Kind::Lines { values: vec![] }, "read:a\n\n write:b \n"));
        assert_eq!(v, json!({"meta": {"a": true}, "audience": "https://api", "scope": ["read:a", "write:b"]}));
        set_at(&mut v, &["meta".into(), "a".into()], None);
        assert_eq!(v.get("meta"), None, "an emptied nested object goes");
        assert_eq!(input_text(&Kind::Lines { values: vec![] }, get_at(&v, &["scope".into()])), "read:a\nwrite:b");
        assert_eq!(parse_input(&Kind::Integer, "x1"), Some(json!("x1")));
        assert_eq!(parse_input(&Kind::Integer, " "), None);
    }

    #[test]
    fn bodies_are_checked_with_clear_messages() {
        let s = grant();
        assert_eq!(validate(&s, &json!({"audience": "x", "scope": ["a"]}), &lower), vec![]);
        let msgs = |v: Value| validate(&s, &v, &lower).into_iter().map(|p| p.message).collect::<Vec<_>>();
        assert_eq!(msgs(json!({})), ["audience is required."]);
        assert_eq!(msgs(json!({"audience": ""})), ["audience must not be empty."]);
        assert_eq!(
            msgs(json!({"audience": "x", "scope": ["toolong"]})),
            ["scope[0] must be at most 5 characters long."]
        );
        assert_eq!(msgs(json!({"audience": "x", "usage": "maybe"})), ["usage must be one of: deny, allow."]);
        assert_eq!(msgs(json!({"audience": "x", "limit": "x1"})), ["limit must be a whole number."]);
        assert_eq!(msgs(json!({"audience": "x", "limit": 11})), ["limit must be at most 10."]);
        assert_eq!(
            msgs(json!({"audience": "x", "name": "AB"})),
            ["name does not have the expected form (pattern ^[a-z]+$)."]
        );
        assert_eq!(msgs(json!({"audience": "x", "extra": 1})), ["extra is not a field of the body."]);
        assert_eq!(msgs(json!({"audience": "x", "meta": {}})), ["meta.a is required."]);
        assert_eq!(msgs(json!({"audience": "x", "alt": true})), ["alt fits none of the accepted shapes."]);
        assert_eq!(msgs(json!([])), ["The body must be an object."]);
    }

    #[test]
    fn columns_come_from_the_item_schema() {
        let response = json!({
            "oneOf": [{"type": "array", "items": {"$ref": "#/$defs/G"}}, {"type": "object", "properties": {"client_grants": {"type": "array", "items": {"$ref": "#/$defs/G"}}}}],
            "$defs": {"G": {"type": "object", "properties": {"audience": {}, "scope": {}, "id": {}, "never": {}}}}
        });
        let rows = vec![json!({"id": "cg_1", "audience": "a", "scope": []})];
        assert_eq!(columns(&response, Some("client_grants"), &rows, 8), ["id", "audience", "scope"]);
        assert_eq!(columns(&json!({}), None, &rows, 2), ["id", "audience"]);
    }
}
