//! The generated operation schemas (`src/schemas.json`, written by
//! `cargo xtask codegen`) against a walk of Auth0's specs: every operation
//! with a request body or a 2xx JSON answer has its schema, and each one has
//! the spec's structure (properties, required, types, enums, patterns,
//! bounds, formats, combinators) and nothing of its prose.

use serde_json::{Map, Value};

const GENERATED: &str = include_str!("../../src/schemas.json");

/// Keywords a generated schema may hold.
const ALLOWED: [&str; 26] = [
    "$ref",
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "format",
    "deprecated",
    "default",
];

/// A schema's structure to `depth` levels, references followed by `resolve`.
fn structure(v: &Value, resolve: &dyn Fn(&Value) -> Value, depth: usize, generated: bool) -> Value {
    let v = resolve(v);
    let Some(obj) = v.as_object() else { return v };
    if generated {
        for key in obj.keys() {
            assert!(ALLOWED.contains(&key.as_str()) || key == "nullable", "generated schema keyword {key}");
        }
    }
    let mut out = Map::new();
    for (key, value) in obj {
        let key = key.as_str();
        if depth == 0 && matches!(key, "properties" | "items" | "additionalProperties" | "allOf" | "oneOf" | "anyOf") {
            continue;
        }
        match key {
            "properties" => {
                let props = value.as_object().unwrap();
                let walked = props.iter().map(|(k, s)| (k.clone(), structure(s, resolve, depth - 1, generated)));
                out.insert(key.into(), Value::Object(walked.collect()));
            }
            "items" | "additionalProperties" => {
                out.insert(key.into(), structure(value, resolve, depth - 1, generated));
            }
            "allOf" | "oneOf" | "anyOf" => {
                let list = value.as_array().unwrap().iter().map(|s| structure(s, resolve, depth - 1, generated));
                out.insert(key.into(), Value::Array(list.collect()));
            }
            "default" if value.is_object() || value.is_array() => {}
            k if ALLOWED.contains(&k) || k == "nullable" => {
                out.insert(key.into(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}

fn spec_body(spec: &gatehouse_specs::Spec, op: &Value) -> Option<Value> {
    let body = spec.resolve(op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    content.get("application/json").or_else(|| content.values().next())?.get("schema").cloned()
}

fn spec_response(spec: &gatehouse_specs::Spec, op: &Value) -> Option<Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<(&String, &Value)> = responses.iter().filter(|(c, _)| c.starts_with('2')).collect();
    codes.sort_by(|a, b| a.0.cmp(b.0));
    codes.into_iter().find_map(|(_, r)| spec.resolve(r).pointer("/content/application~1json/schema").cloned())
}

#[test]
fn the_generated_schemas_follow_the_specs() {
    let Some(specs) = gatehouse_specs::specs() else { return };
    let generated: Value = serde_json::from_str(GENERATED).unwrap();
    assert!(generated["$comment"].as_str().unwrap().contains("@generated"));
    let defs = &generated["$defs"];
    let resolve_generated = |v: &Value| -> Value {
        let mut v = v.clone();
        while let Some(name) = v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
            v = defs.get(name).unwrap_or_else(|| panic!("dangling $ref {name}")).clone();
        }
        v
    };
    let mut checked = 0;
    let mut names = Vec::new();
    for spec in &specs {
        let resolve_spec = |v: &Value| spec.resolve(v).clone();
        for op in spec.operations() {
            names.push(op.name.clone());
            let entry = &generated["operations"][&op.name];
            for (part, expected) in [("body", spec_body(spec, op.op)), ("response", spec_response(spec, op.op))] {
                let got = entry.get(part);
                match (expected, got) {
                    (None, None) => {}
                    (Some(want), Some(got)) => {
                        assert_eq!(
                            structure(got, &resolve_generated, 4, true),
                            structure(&want, &resolve_spec, 4, false),
                            "{} {part}",
                            op.name
                        );
                        checked += 1;
                    }
                    (want, got) => panic!("{} {part}: spec has {:?}, generated {:?}", op.name, want.is_some(), got),
                }
            }
        }
    }
    assert!(checked > 500, "{checked} schemas checked");
    // Nothing but the specs' operations, and no prose anywhere.
    for name in generated["operations"].as_object().unwrap().keys() {
        assert!(names.contains(name), "{name} is no operation of the specs");
    }
    for def in defs.as_object().unwrap().values() {
        structure(def, &resolve_generated, 4, true);
    }
}
