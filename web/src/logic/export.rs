//! The users export form's request: what `jobs.usersExports.create` takes
//! (format, optional connection, the fields as `{name}` objects).

use serde_json::{Value, json};

/// The fields the form starts with.
pub const DEFAULT_FIELDS: &str = "user_id, email, name, created_at";

/// The field names of the form's text: separated by commas, spaces or
/// lines, blanks dropped, each once in first-seen order.
pub fn field_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in text.split(|c: char| c == ',' || c.is_whitespace()).filter(|n| !n.is_empty()) {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    out
}

/// The create body: `format` (`csv` or `json`), `connection_id` when one
/// is picked, `fields` when any are named (Auth0 exports every field of
/// a JSON export otherwise).
pub fn body(format: &str, connection_id: &str, fields: &str) -> Value {
    let mut body = json!({ "format": format });
    if !connection_id.is_empty() {
        body["connection_id"] = json!(connection_id);
    }
    let names = field_names(fields);
    if !names.is_empty() {
        body["fields"] = names.iter().map(|n| json!({ "name": n })).collect();
    }
    body
}

/// The statuses a job went through, as shown: `pending → processing → completed`.
pub fn progress(seen: &[String]) -> String {
    seen.join(" → ")
}

/// Milliseconds to wait before the `n`th poll of a job (0-based): quick at
/// first, then every two seconds.
pub fn poll_delay(n: u32) -> u32 {
    250u32.saturating_mul(1 << n.min(3)).min(2000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_split_trimmed_and_deduplicated() {
        assert_eq!(field_names(" email,name\nemail  app_metadata.plan,,"), ["email", "name", "app_metadata.plan"]);
        assert!(field_names(" , \n").is_empty());
    }

    #[test]
    fn the_body_has_only_what_was_chosen() {
        assert_eq!(body("csv", "", ""), json!({"format": "csv"}));
        assert_eq!(
            body("json", "con_1", "email, name"),
            json!({"format": "json", "connection_id": "con_1", "fields": [{"name": "email"}, {"name": "name"}]})
        );
    }

    #[test]
    fn polls_slow_down_to_two_seconds() {
        assert_eq!((0..6).map(poll_delay).collect::<Vec<_>>(), [250, 500, 1000, 2000, 2000, 2000]);
        assert_eq!(progress(&["pending".into(), "completed".into()]), "pending → completed");
    }
}
