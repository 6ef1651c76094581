//! Operation handlers, one module per resource, and the checks they share.
//!
//! The model's typed bodies already refuse missing required fields; the
//! helpers here add the type and format checks Auth0 applies to the fields
//! each handler reads, with Auth0's `Payload validation error` wording.

pub mod clients;
pub mod connections;
pub mod grants;
pub mod logs;
pub mod organizations;
pub mod resource_servers;
pub mod roles;
pub mod teams;
pub mod users;

use crate::error::{ApiError, ApiResult};
use serde_json::{Map, Value};

/// The JSON type a body field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// An object.
    Obj,
    /// An array of strings.
    StrArr,
    /// An array of objects.
    ObjArr,
    /// A non-negative integer.
    Int,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expected(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "string",
        Ty::Bool => "boolean",
        Ty::Obj => "object",
        Ty::StrArr | Ty::ObjArr => "array",
        Ty::Int => "integer",
    }
}

fn type_error(field: &str, want: &str, got: &Value) -> ApiError {
    ApiError::payload(format!("'Expected type {want} but found type {}' on property {field}.", type_name(got)))
}

/// Checks the types of the fields present in `body`; `nullable` fields may be `null`.
pub fn check_types(body: &Map<String, Value>, fields: &[(&str, Ty)], nullable: bool) -> ApiResult<()> {
    for (name, ty) in fields {
        let Some(v) = body.get(*name) else { continue };
        if v.is_null() && nullable {
            continue;
        }
        let ok = match ty {
            Ty::Str => v.is_string(),
            Ty::Bool => v.is_boolean(),
            Ty::Obj => v.is_object(),
            Ty::Int => v.as_u64().is_some(),
            Ty::StrArr => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Ty::ObjArr => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        };
        if !ok {
            if let (Ty::StrArr | Ty::ObjArr, Some(items)) = (ty, v.as_array()) {
                let want = if *ty == Ty::StrArr { "string" } else { "object" };
                if let Some((i, bad)) = items.iter().enumerate().find(|(_, x)| type_name(x) != want) {
                    return Err(type_error(&format!("{name}[{i}]"), want, bad));
                }
            }
            return Err(type_error(name, expected(*ty), v));
        }
    }
    Ok(())
}

/// Refuses fields that cannot be set by this operation.
pub fn refuse_fields(body: &Map<String, Value>, fields: &[&str]) -> ApiResult<()> {
    let bad: Vec<&str> = fields.iter().copied().filter(|f| body.contains_key(*f)).collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(ApiError::payload(format!("'Additional properties not allowed: {}'.", bad.join(","))))
    }
}

/// A required, non-empty list of ids (`roles`, `users`, `members`).
pub fn id_list(body: &Map<String, Value>, field: &str) -> ApiResult<Vec<String>> {
    let Some(v) = body.get(field) else {
        return Err(ApiError::payload(format!("'Missing required property: {field}'.")));
    };
    check_types(body, &[(field, Ty::StrArr)], false)?;
    let ids: Vec<String> = v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    if ids.is_empty() {
        return Err(ApiError::payload(format!("'Too few items (0), minimum 1' on property {field}.")));
    }
    if let Some(empty) = ids.iter().position(String::is_empty) {
        return Err(ApiError::payload(format!(
            "'String is too short (0 chars), minimum 1' on property {field}[{empty}]."
        )));
    }
    Ok(ids)
}

/// Applies an Auth0-style metadata patch: first-level keys are merged,
/// a `null` value removes the key, and an empty object clears everything.
pub fn merge_metadata(target: &mut Map<String, Value>, key: &str, patch: &Value) {
    match patch {
        Value::Null => {
            target.remove(key);
        }
        Value::Object(p) if p.is_empty() => {
            target.insert(key.to_owned(), Value::Object(Map::new()));
        }
        Value::Object(p) => {
            let entry = target.entry(key.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(existing) = entry {
                for (k, v) in p {
                    if v.is_null() {
                        existing.remove(k);
                    } else {
                        existing.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        other => {
            target.insert(key.to_owned(), other.clone());
        }
    }
}

/// Sets the top-level fields of a patch; `null` removes a field.
pub fn apply_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>, skip: &[&str]) {
    for (k, v) in patch {
        if skip.contains(&k.as_str()) {
            continue;
        }
        if v.is_null() {
            target.remove(k);
        } else {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// A string field of a stored object.
pub fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The object inside a stored value (stored values are always objects).
pub fn obj_mut(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

/// Lower-case letters, digits and the given punctuation, not starting or ending with punctuation.
pub fn is_slug(s: &str, punctuation: &[char], max: usize) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || punctuation.contains(&c);
    !s.is_empty()
        && s.len() <= max
        && s.chars().all(ok_char)
        && !s.starts_with(|c: char| punctuation.contains(&c))
        && !s.ends_with(|c: char| punctuation.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn type_checks_name_the_field() {
        let body = map(json!({"email": 5, "roles": ["a", 1]}));
        let e = check_types(&body, &[("email", Ty::Str)], false).unwrap_err();
        assert!(e.message.contains("on property email"), "{}", e.message);
        let e = check_types(&body, &[("roles", Ty::StrArr)], false).unwrap_err();
        assert!(e.message.contains("roles[1]"), "{}", e.message);
        assert!(id_list(&map(json!({"roles": []})), "roles").is_err());
    }

    #[test]
    fn metadata_merges_like_auth0() {
        let mut user = map(json!({"app_metadata": {"a": 1, "b": 2}}));
        merge_metadata(&mut user, "app_metadata", &json!({"b": null, "c": 3}));
        assert_eq!(user["app_metadata"], json!({"a": 1, "c": 3}));
        merge_metadata(&mut user, "app_metadata", &json!({}));
        assert_eq!(user["app_metadata"], json!({}));
    }
}
