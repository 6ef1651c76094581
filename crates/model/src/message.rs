//! The sentences of the errors refused before sending or raised without an
//! answer, kept once: a table of templates by code ([`MESSAGES`]) with
//! `{field}` placeholders naming the error's structured fields.
//!
//! The Rust errors ([`crate::ValidationError`], [`crate::QueryError`], the
//! result window, and the client's transport and configuration errors) render
//! their `Display` from it ([`Message::render`]); the npm package's wasm hands
//! JavaScript the code and the fields ([`Message`]) and the wrapper composes the
//! same sentence from the same table, which `cargo xtask pkg` writes into the
//! package as `gatehouse_js_messages.js`. A placeholder is replaced by its
//! field: a text or a number as it is, a list as its items in backticks joined
//! by `, ` (the rule the wrapper's `compose` follows too).

/// Every error sentence by code, with `{field}` placeholders.
pub const MESSAGES: &[(&str, &str)] = &[
    ("out_of_range", "`{field}` must be between {min} and {max}, got {value}"),
    ("empty", "`{field}` must not be empty"),
    ("path_param", "`{field}` cannot be \"{value}\": it would not name a single object"),
    (
        "page_window",
        "page {page} with per_page {perPage} is past the first 1,000 results Auth0 serves; \
         narrow the query, or use a user export job to read everything",
    ),
    (
        "result_window",
        "only the first {window} of {total} results can be paged through; \
         narrow the query, or use a user export job to read everything",
    ),
    ("url", "`{url}` is not a usable URL: {reason}"),
    ("body", "the request body cannot be encoded: {reason}"),
    ("missing_body", "`{operation}` takes a request body and none was given"),
    ("arity", "`{operation}` takes {count} id argument(s) ({names}), got {given}"),
    ("no_body", "`{operation}` takes no body"),
    ("conflict", "`{first}` cannot be combined with `{second}`"),
    ("option_unknown", "{operation} does not take {unknown}; it takes {accepted}"),
    ("option_integer", "`{option}` must be a whole number from 0, got `{value}`"),
    ("option_boolean", "`{option}` must be `true` or `false`, got `{value}`"),
    ("option_string", "`{option}` must be a string, got `{value}`"),
    ("option_list", "`{option}` must be a string or a list of strings, got `{value}`"),
    ("option_not_one_of", "`{option}` must be one of {allowed}, got `{value}`"),
    ("option_missing", "`{option}` is required"),
    ("option_twice", "`{option}` is given twice"),
    ("timeout", "no response within {timeoutMs} ms"),
    ("connect", "could not connect: {detail}"),
    ("dropped", "connection lost: {detail}"),
    ("cancelled", "request cancelled"),
    ("invalid", "request could not be sent: {detail}"),
    ("config", "client configuration: {detail}"),
    ("other", "the request failed"),
];

/// The value of one field of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg<'a> {
    /// A text, put in as it is.
    Text(&'a str),
    /// A whole number.
    Number(u64),
    /// Names, each put in backticks, joined by `, `.
    List(Vec<&'a str>),
}

/// An error as data: its code in [`MESSAGES`] and the fields its sentence names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The code of its template.
    pub code: &'static str,
    /// The fields, by the names the template's placeholders use.
    pub fields: Vec<(&'static str, Arg<'a>)>,
}

impl<'a> Message<'a> {
    /// A message with no fields yet.
    pub fn new(code: &'static str) -> Self {
        Self { code, fields: Vec::new() }
    }

    /// Adds a field.
    pub fn with(mut self, name: &'static str, value: Arg<'a>) -> Self {
        self.fields.push((name, value));
        self
    }

    /// The template of `code`, if there is one.
    pub fn template(code: &str) -> Option<&'static str> {
        MESSAGES.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
    }

    /// The sentence: the template with each placeholder replaced by its field
    /// (a placeholder without a field is left as it is).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut rest = Self::template(self.code).unwrap_or(self.code);
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}');
            let field = close.and_then(|c| self.fields.iter().find(|(n, _)| *n == &after[..c]));
            match (close, field) {
                (Some(c), Some((_, arg))) => {
                    match arg {
                        Arg::Text(t) => out.push_str(t),
                        Arg::Number(n) => out.push_str(&n.to_string()),
                        Arg::List(items) => {
                            for (i, item) in items.iter().enumerate() {
                                if i > 0 {
                                    out.push_str(", ");
                                }
                                out.push('`');
                                out.push_str(item);
                                out.push('`');
                            }
                        }
                    }
                    rest = &after[c + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_placeholders_close() {
        for (i, (code, template)) in MESSAGES.iter().enumerate() {
            assert!(MESSAGES[i + 1..].iter().all(|(c, _)| c != code), "{code} twice");
            assert_eq!(template.matches('{').count(), template.matches('}').count(), "{code}");
            // The npm package sets the fields beside `name`, `kind` and `code` on the same object.
            for reserved in ["{name}", "{kind}", "{code}", "{message}"] {
                assert!(!template.contains(reserved), "{code} names {reserved}");
            }
        }
    }

    #[test]
    fn renders_text_numbers_and_lists() {
        let m = Message::new("option_unknown")
            .with("operation", Arg::Text("users.list"))
            .with("unknown", Arg::List(vec!["perpage"]))
            .with("accepted", Arg::List(vec!["page", "per_page"]));
        assert_eq!(m.render(), "users.list does not take `perpage`; it takes `page`, `per_page`");
        let m = Message::new("timeout").with("timeoutMs", Arg::Number(1500));
        assert_eq!(m.render(), "no response within 1500 ms");
        assert_eq!(Message::new("empty").render(), "`{field}` must not be empty");
    }
}
