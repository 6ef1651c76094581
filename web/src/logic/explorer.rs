//! The operations explorer's pure parts: finding operations in the BFF's
//! catalogue, and turning a form's values into a request.

use super::url_state::encode_component;
use serde_json::Value;

/// The operations whose name or group contains every word of `search`
/// (case-insensitive), in catalogue order.
pub fn search<'a>(operations: &'a [Value], search: &str) -> Vec<&'a Value> {
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    operations
        .iter()
        .filter(|op| {
            let hay = format!("{} {} {}", text(op, "name"), text(op, "group"), text(op, "describe")).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// A request the explorer sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// `management` or `teams`.
    pub api: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path with its parameters filled (each encoded as one segment) and the query.
    pub path_and_query: String,
    /// The JSON body, when the operation takes one and it was given.
    pub body: Option<Vec<u8>>,
}

/// Builds the request for `op` from the form: path parameters and query
/// parameters by name (empty values are left out of the query), and the
/// body's JSON text. Says which input is wrong otherwise.
pub fn build(op: &Value, path: &[(String, String)], query: &[(String, String)], body: &str) -> Result<Built, String> {
    let template = text(op, "path");
    let mut out = String::with_capacity(template.len() + 32);
    for (i, seg) in template.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = path.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default();
                if value.is_empty() {
                    return Err(format!("{name} is required."));
                }
                out.push_str(&encode_component(value));
            }
            None => out.push_str(seg),
        }
    }
    let specs = op.get("query").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut first = true;
    for spec in &specs {
        let name = text(spec, "name");
        let value = query.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            if spec.get("required").and_then(Value::as_bool) == Some(true) {
                return Err(format!("{name} is required."));
            }
            continue;
        }
        let kind = text(spec, "kind");
        if kind == "integer" && value.parse::<u64>().is_err() {
            return Err(format!("{name} takes a whole number."));
        }
        if kind == "boolean" && value != "true" && value != "false" {
            return Err(format!("{name} takes true or false."));
        }
        let values: Vec<&str> =
            if kind.ends_with("List") { value.split(',').map(str::trim).collect() } else { vec![value.as_str()] };
        for v in values {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(&encode_component(&name));
            out.push('=');
            out.push_str(&encode_component(v));
        }
    }
    let body = match (op.get("body").is_some_and(|b| !b.is_null()), body.trim()) {
        (false, _) | (true, "") => None,
        (true, text) => {
            let parsed: Value = serde_json::from_str(text).map_err(|e| format!("The body is not JSON: {e}"))?;
            Some(serde_json::to_vec(&parsed).map_err(|e| e.to_string())?)
        }
    };
    Ok(Built { api: text(op, "api"), method: text(op, "method"), path_and_query: out, body })
}

/// The rows of a list answer, by the operation's paging (`items.key`), or
/// the answer itself when it is an array.
pub fn rows(op: &Value, answer: &Value) -> Option<Vec<Value>> {
    if let Value::Array(items) = answer {
        return Some(items.clone());
    }
    let key = op.pointer("/paging/items/key").and_then(Value::as_str)?;
    answer.get(key).and_then(Value::as_array).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn op() -> Value {
        json!({
            "name": "users.roles.list", "group": "users", "api": "management", "method": "GET",
            "path": "/api/v2/users/{id}/roles",
            "query": [{"name": "per_page", "kind": "integer", "required": false}, {"name": "fields", "kind": "stringList", "required": false}],
            "paging": {"kind": "offset", "items": {"bare": true, "key": "roles"}}, "body": null,
        })
    }

    #[test]
    fn requests_are_built_and_checked() {
        let b = build(
            &op(),
            &[("id".into(), "auth0|1".into())],
            &[("per_page".into(), "5".into()), ("fields".into(), "a, b".into())],
            "",
        )
        .unwrap();
        assert_eq!(b.path_and_query, "/api/v2/users/auth0%7C1/roles?per_page=5&fields=a&fields=b");
        assert_eq!((b.api.as_str(), b.method.as_str(), b.body), ("management", "GET", None));
        assert_eq!(build(&op(), &[], &[], "").unwrap_err(), "id is required.");
        assert!(build(&op(), &[("id".into(), "x".into())], &[("per_page".into(), "many".into())], "").is_err());
        let mut post = op();
        post["body"] = json!({"schema": "X"});
        assert!(
            build(&post, &[("id".into(), "x".into())], &[], "{oops").unwrap_err().starts_with("The body is not JSON")
        );
        assert_eq!(
            build(&post, &[("id".into(), "x".into())], &[], r#"{"a": 1}"#).unwrap().body.unwrap(),
            br#"{"a":1}"#
        );
    }

    #[test]
    fn search_and_rows() {
        let ops = vec![op(), json!({"name": "clientGrants.create", "group": "clientGrants"})];
        assert_eq!(search(&ops, "grants CREATE").len(), 1);
        assert_eq!(search(&ops, "").len(), 2);
        assert_eq!(rows(&op(), &json!({"roles": [1, 2]})).unwrap().len(), 2);
        assert_eq!(rows(&op(), &json!([1])).unwrap().len(), 1);
        assert!(rows(&op(), &json!({"x": 1})).is_none());
    }
}
