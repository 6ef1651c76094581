//! Metadata is edited as JSON text: validation with a precise message, and
//! the PATCH body that turns the edit into Auth0's merge semantics.

use serde_json::{Map, Value};

/// Auth0's limit on the size of `user_metadata` / `app_metadata`, in bytes.
pub const METADATA_LIMIT: usize = 16 * 1024;

/// Why a metadata text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    /// What is wrong, in plain English.
    pub message: String,
    /// 1-based line, when the problem has a position.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a position.
    pub column: Option<usize>,
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "Line {l}, column {c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

fn problem(message: impl Into<String>) -> JsonProblem {
    JsonProblem { message: message.into(), line: None, column: None }
}

/// Checks metadata text: a JSON object (empty text is `{}`), field names
/// without `.` and not starting with `$`, within Auth0's size limit.
pub fn validate_metadata(text: &str) -> Result<Map<String, Value>, JsonProblem> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        JsonProblem { message: capitalize(&message), line: Some(e.line()), column: Some(e.column()) }
    })?;
    let Value::Object(map) = value else {
        return Err(problem("Metadata must be a JSON object, such as {\"plan\": \"pro\"}."));
    };
    check_keys(&map, "")?;
    let size = serde_json::to_string(&map).map_or(0, |s| s.len());
    if size > METADATA_LIMIT {
        return Err(problem(format!("Metadata is {size} bytes; Auth0 accepts at most {METADATA_LIMIT}.")));
    }
    Ok(map)
}

fn check_keys(map: &Map<String, Value>, prefix: &str) -> Result<(), JsonProblem> {
    for (key, value) in map {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if key.contains('.') {
            return Err(problem(format!("Field name \"{path}\" contains a dot, which Auth0 does not allow.")));
        }
        if key.starts_with('$') {
            return Err(problem(format!("Field name \"{path}\" starts with $, which Auth0 does not allow.")));
        }
        if let Value::Object(inner) = value {
            check_keys(inner, &path)?;
        }
    }
    Ok(())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The PATCH body for an edit: Auth0 merges metadata at the top level, so a
/// field removed in the editor is sent as `null` to delete it.
pub fn metadata_patch(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut patch = after.clone();
    for key in before.keys() {
        if !after.contains_key(key) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    patch
}

/// Pretty JSON for the editor.
pub fn pretty(map: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(map).unwrap_or_else(|_| "{}".into())
}

/// Lines of a text area as a list: trimmed, blank lines dropped (URIs, ids).
pub fn lines(text: &str) -> Vec<String> {
    text.split(['\n', ',']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The non-blank lines of a text area with their 1-based line numbers, so
/// a batch can say which line is wrong.
pub fn numbered_lines(text: &str) -> Vec<(usize, String)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim().to_owned())).filter(|(_, l)| !l.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lines_keep_their_numbers() {
        assert_eq!(numbered_lines("a\n\n  b \n"), [(1, "a".to_owned()), (3, "b".to_owned())]);
        assert!(numbered_lines(" \n").is_empty());
    }

    #[test]
    fn valid_objects() {
        assert_eq!(validate_metadata("").unwrap(), Map::new());
        let m = validate_metadata(r#"{"plan": "pro", "seats": 3}"#).unwrap();
        assert_eq!(m["seats"], json!(3));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = validate_metadata("{\n  \"plan\": \"pro\",\n}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().starts_with("Line 3, column 1: "), "{e}");
    }

    #[test]
    fn shape_and_names_are_checked() {
        assert!(validate_metadata("[1,2]").unwrap_err().message.contains("JSON object"));
        assert!(validate_metadata(r#"{"a.b": 1}"#).unwrap_err().message.contains("dot"));
        assert!(validate_metadata(r#"{"a": {"$set": 1}}"#).unwrap_err().message.contains("a.$set"));
        let big = format!("{{\"x\": \"{}\"}}", "y".repeat(METADATA_LIMIT));
        assert!(validate_metadata(&big).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn removed_fields_become_null() {
        let before = validate_metadata(r#"{"a": 1, "b": 2}"#).unwrap();
        let after = validate_metadata(r#"{"b": 3, "c": 4}"#).unwrap();
        assert_eq!(Value::Object(metadata_patch(&before, &after)), json!({"b": 3, "c": 4, "a": null}));
    }

    #[test]
    fn list_lines() {
        assert_eq!(lines(" https://a/cb \n\n https://b/cb, https://c "), ["https://a/cb", "https://b/cb", "https://c"]);
    }
}
