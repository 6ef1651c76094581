//! Search boxes take plain text or Lucene: plain text is turned into a
//! Lucene query over the usual fields, Lucene is passed through as typed.

/// Characters with a meaning in Lucene's query syntax.
const SPECIAL: &[char] =
    &['+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?', ':', '\\', '/'];

/// Whether the input is already a Lucene query: it names a field
/// (`email:...`), uses quotes, groups, wildcards or boolean operators.
pub fn is_lucene(input: &str) -> bool {
    let input = input.trim();
    if input.contains(':') || input.contains('"') || input.contains('(') || input.contains('*') {
        return true;
    }
    input.split_whitespace().any(|w| matches!(w, "AND" | "OR" | "NOT" | "&&" | "||"))
}

/// Escapes a term so Lucene reads it literally.
pub fn escape_term(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Quotes a value as a Lucene phrase.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The Lucene query a user search box sends: `None` lists everyone.
///
/// Lucene is kept as typed. Plain text matches every word (AND) against the
/// email, name and nickname by prefix, and the user id exactly; a whole email
/// address matches the email exactly.
pub fn user_query(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    if is_lucene(input) {
        return Some(input.to_owned());
    }
    let clauses: Vec<String> = input
        .split_whitespace()
        .map(|word| {
            if word.contains('@') && word.contains('.') && !word.starts_with('@') {
                format!("email:{}", quote(word))
            } else if word.chars().any(|c| SPECIAL.contains(&c)) {
                let t = escape_term(word);
                format!("(email:{t} OR name:{t} OR nickname:{t} OR user_id:{t})")
            } else {
                format!("(email:{word}* OR name:{word}* OR nickname:{word}* OR user_id:{word})")
            }
        })
        .collect();
    Some(if clauses.len() == 1 { clauses.into_iter().next().unwrap_or_default() } else { clauses.join(" AND ") })
}

/// The filters of the log search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilters {
    /// Event type code, such as `f` or `s`.
    pub kind: String,
    /// User id.
    pub user: String,
    /// Application (client) id.
    pub client: String,
    /// IP address.
    pub ip: String,
    /// From this date (ISO 8601, such as `2024-05-01`), inclusive.
    pub from: String,
    /// Up to this date, inclusive.
    pub to: String,
}

/// The Lucene query for log filters; `None` when no filter is set.
pub fn log_query(f: &LogFilters) -> Option<String> {
    let mut clauses = Vec::new();
    let mut field = |name: &str, value: &str| {
        let value = value.trim();
        if !value.is_empty() {
            clauses.push(format!("{name}:{}", escape_term(value)));
        }
    };
    field("type", &f.kind);
    field("user_id", &f.user);
    field("client_id", &f.client);
    field("ip", &f.ip);
    let (from, to) = (f.from.trim(), f.to.trim());
    if !from.is_empty() || !to.is_empty() {
        let bound = |s: &str, end: bool| {
            if s.is_empty() {
                "*".to_owned()
            } else if s.len() == 10 {
                // A bare date: the whole day.
                format!("{s}T{}", if end { "23:59:59.999Z" } else { "00:00:00.000Z" })
            } else {
                s.to_owned()
            }
        };
        clauses.push(format!("date:[{} TO {}]", bound(from, false), bound(to, true)));
    }
    (!clauses.is_empty()).then(|| clauses.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lucene_is_kept() {
        let q = r#"email:"*@acme.com" AND blocked:false"#;
        assert!(is_lucene(q));
        assert_eq!(user_query(q).as_deref(), Some(q));
        assert!(is_lucene("jane OR john"));
        assert!(!is_lucene("jane doe"));
    }

    #[test]
    fn plain_text_becomes_lucene() {
        assert_eq!(user_query("  "), None);
        assert_eq!(user_query("jane").unwrap(), r#"(email:jane* OR name:jane* OR nickname:jane* OR user_id:jane)"#);
        assert_eq!(user_query("jane@acme.com").unwrap(), r#"email:"jane@acme.com""#);
        let two = user_query("jane doe").unwrap();
        assert!(two.contains(" AND "), "{two}");
        assert!(two.contains("name:doe*"), "{two}");
        assert_eq!(
            user_query("auth0|123").unwrap(),
            r"(email:auth0\|123 OR name:auth0\|123 OR nickname:auth0\|123 OR user_id:auth0\|123)"
        );
    }

    #[test]
    fn escaping_and_quoting() {
        assert_eq!(escape_term("a:b(c)"), r"a\:b\(c\)");
        assert_eq!(quote(r#"say "hi""#), r#""say \"hi\"""#);
    }

    #[test]
    fn log_filters() {
        assert_eq!(log_query(&LogFilters::default()), None);
        let f = LogFilters { kind: "f".into(), ip: "10.0.0.1".into(), from: "2024-05-01".into(), ..Default::default() };
        assert_eq!(log_query(&f).unwrap(), "type:f AND ip:10.0.0.1 AND date:[2024-05-01T00:00:00.000Z TO *]");
        let f = LogFilters { user: "auth0|1".into(), to: "2024-05-02".into(), ..Default::default() };
        assert_eq!(log_query(&f).unwrap(), r"user_id:auth0\|1 AND date:[* TO 2024-05-02T23:59:59.999Z]");
    }
}
