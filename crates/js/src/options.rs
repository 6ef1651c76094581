//! The options object of a method, read against its operation's query
//! parameters (its [`gatehouse_model::catalog::Wire`], the catalog's parameters: a
//! [`QuerySpec`], plus the few the model adds).
//!
//! A method takes what its operation's query string takes: Auth0's names
//! (`per_page`, `include_totals`, `search_engine`, as `auth0` 7 takes them),
//! each also accepted in camelCase (`perPage`). A value must have its
//! parameter's type: a number for integers, a boolean, a string, one of an
//! enum's values, and for list parameters (`strategy`) a string or an array
//! of them. Unknown keys are refused with the names the method takes.
//!
//! The paging options of a paged list become the model's [`Offset`] and
//! [`Checkpoint`], so the model's paging checks (ranges, the 1,000-result
//! window, checkpoint/offset conflicts) and the paging walk apply; every
//! other option is sent as given, one `name=value` pair per value. The
//! TypeScript declarations of the options are written by `cargo xtask
//! codegen` from the same description of the specs.

use crate::input::{Input, Kind};
use gatehouse_client::ClientError;
use gatehouse_model::catalog::{QueryKind, QueryParam, QuerySpec};
use gatehouse_model::error::{QueryError, ValidationError};
use gatehouse_model::operation::Paging;
use gatehouse_model::ops::{Checkpoint, Offset};

/// Whether `key` is the camelCase spelling (`perPage`) of the parameter `snake` (`per_page`),
/// compared as it goes, without writing the spelling out.
pub fn is_camel(key: &str, snake: &str) -> bool {
    let mut key = key.bytes();
    let mut upper = false;
    for c in snake.bytes() {
        if c == b'_' {
            upper = true;
            continue;
        }
        let want = if upper { c.to_ascii_uppercase() } else { c };
        upper = false;
        if key.next() != Some(want) {
            return false;
        }
    }
    key.next().is_none()
}

/// What a list call sends besides its path: its paging, and every other
/// option as text pairs, in the order the catalog lists the parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// `page`, `per_page`, `include_totals`.
    pub offset: Offset,
    /// `from`, `take`.
    pub checkpoint: Checkpoint,
    /// The other parameters: `(wire name, value)`, a list parameter once per value.
    pub rest: Vec<(&'static str, String)>,
}

fn invalid(reason: String) -> ClientError {
    ValidationError::Body { reason }.into()
}

/// The values of one option, as text, if the value has the parameter's type.
fn values<V: Input>(param: &QueryParam, value: &V) -> Result<Vec<String>, QueryError> {
    let wrong = || QueryError::Type { name: param.name, kind: param.kind, value: value.json().unwrap_or_default() };
    let one = |v: &V| -> Result<String, QueryError> {
        let text = match (param.kind, v.kind()) {
            (QueryKind::Integer, Kind::Number(_)) => v.whole().map(gatehouse_model::path::decimal).ok_or_else(wrong)?,
            (QueryKind::Boolean, Kind::Bool(b)) => if b { "true" } else { "false" }.to_owned(),
            (
                QueryKind::String | QueryKind::StringList | QueryKind::Enum(_) | QueryKind::EnumList(_),
                Kind::Text(s),
            ) => s,
            _ => return Err(wrong()),
        };
        if !param.kind.accepts(&text) {
            let allowed = param.kind.values();
            return Err(QueryError::NotOneOf { name: param.name, value: text, allowed });
        }
        Ok(text)
    };
    match value.kind() {
        Kind::Array if param.kind.is_list() => value.items().iter().map(one).collect(),
        _ => one(value).map(|v| vec![v]),
    }
}

/// Reads the options object of the method `method` (`undefined` or `null`
/// for none) against what its operation's query takes. The
/// paging parameters become [`Offset`] / [`Checkpoint`] where the operation
/// pages that way (`paging`), and are sent as given elsewhere.
pub fn read<V: Input>(
    method: &'static str,
    op: QuerySpec,
    paging: Paging,
    options: &V,
) -> Result<ListQuery, ClientError> {
    let keys = match options.kind() {
        Kind::Null => Vec::new(),
        Kind::Object => options.keys(),
        _ => return Err(invalid("options must be an object".into())),
    };
    // Which parameter each key names: Auth0's name, or its camelCase spelling.
    let mut given: Vec<(&'static QueryParam, V)> = Vec::new();
    let mut unknown = Vec::new();
    for key in keys {
        let value = options.field(&key);
        match op.accepted_query().find(|p| p.name == key || is_camel(&key, p.name)) {
            Some(_) if value.kind() == Kind::Null => {}
            Some(param) if given.iter().any(|(p, _)| p.name == param.name) => {
                return Err(ValidationError::from(QueryError::Twice { name: param.name }).into());
            }
            Some(param) => given.push((param, value)),
            None => unknown.push(key),
        }
    }
    if !unknown.is_empty() {
        let accepted = op.accepted_query().map(|p| p.name).collect();
        return Err(ValidationError::from(QueryError::Unknown { operation: method, names: unknown, accepted }).into());
    }

    let mut pairs: Vec<(&'static str, String)> = Vec::new();
    for param in op.accepted_query() {
        if let Some((_, value)) = given.iter().find(|(p, _)| p.name == param.name) {
            for text in values(param, value).map_err(ValidationError::from)? {
                pairs.push((param.name, text));
            }
        }
    }
    // The checks of the wire (required parameters among them), on what will be sent.
    op.check_query(pairs.iter().map(|(k, v)| (*k, v.as_str()))).map_err(ValidationError::from)?;

    let mut query = ListQuery::default();
    let (offset, checkpoint) = (paging.has_offset(), paging.has_checkpoint());
    for (name, text) in pairs {
        // A paging count as the whole number it was given as (not read back from its text).
        let whole = || {
            let value = given.iter().find(|(p, _)| p.name == name).and_then(|(_, v)| v.whole());
            let wrong = || QueryError::Type { name, kind: QueryKind::Integer, value: text.clone() };
            value.ok_or_else(|| ClientError::from(ValidationError::from(wrong())))
        };
        match name {
            "page" if offset => query.offset.page = Some(whole()?),
            "per_page" if offset => query.offset.per_page = Some(whole()?),
            "include_totals" if offset => query.offset.include_totals = Some(text == "true"),
            "from" if checkpoint => query.checkpoint.from = Some(text),
            "take" if checkpoint => query.checkpoint.take = Some(whole()?),
            _ => query.rest.push((name, text)),
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::catalog::by_name;
    use gatehouse_model::error::Error as ModelError;

    /// Reads options given as JSON text, as the wrapper's object would be read.
    fn read(method: &'static str, op: QuerySpec, paging: Paging, json: Option<&str>) -> Result<ListQuery, ClientError> {
        let value: serde_json::Value = json.map_or(serde_json::Value::Null, |j| serde_json::from_str(j).unwrap());
        super::read(method, op, paging, &value)
    }

    const OFFSET: Paging = Paging::OffsetOrCheckpoint { key: "items", max_take: 100 };
    const LOGS: Paging = Paging::LogCheckpoint { key: "logs", max_take: 100 };

    fn query_error(e: ClientError) -> QueryError {
        match e {
            ClientError::Model(ModelError::Validation(ValidationError::Query(q))) => q,
            other => panic!("not a query error: {other:?}"),
        }
    }

    #[test]
    fn a_key_names_a_parameter_as_written_or_in_camel_case() {
        assert!(is_camel("perPage", "per_page") && is_camel("q", "q"));
        assert!(is_camel("includeTotals", "include_totals") && is_camel("fromDate", "from__date"));
        for wrong in ["perpage", "PerPage", "perPag", "perPages", "per_Page", "per_page", ""] {
            assert!(!is_camel(wrong, "per_page"), "{wrong}");
        }
    }

    #[test]
    fn snake_case_names_and_camel_case_aliases() {
        let users = by_name("users.list").unwrap().query_spec();
        let q =
            read("users.list", users, OFFSET, Some(r#"{"per_page": 100, "include_totals": true, "q": "x"}"#)).unwrap();
        assert_eq!((q.offset.per_page, q.offset.include_totals), (Some(100), Some(true)));
        assert_eq!(q.rest, [("q", "x".to_owned())]);
        let camel =
            read("users.list", users, OFFSET, Some(r#"{"perPage": 100, "includeTotals": true, "q": "x"}"#)).unwrap();
        assert_eq!(camel, q);
        let q = read("users.list", users, OFFSET, Some(r#"{"search_engine": "v3", "searchEngine": null}"#)).unwrap();
        assert_eq!(q.rest, [("search_engine", "v3".to_owned())]);
        let e = read("users.list", users, OFFSET, Some(r#"{"per_page": 5, "perPage": 5}"#)).unwrap_err();
        assert_eq!(query_error(e), QueryError::Twice { name: "per_page" });
        assert!(read("users.list", users, OFFSET, None).unwrap() == ListQuery::default());
        assert!(read("users.list", users, OFFSET, Some("[]")).is_err());
    }

    #[test]
    fn unknown_keys_are_refused_naming_the_accepted_ones() {
        let users = by_name("users.list").unwrap().query_spec();
        let e = read("users.list", users, OFFSET, Some(r#"{"perpage": 5, "colour": "blue"}"#)).unwrap_err();
        let message = e.to_string();
        let QueryError::Unknown { operation, names, accepted } = query_error(e) else { panic!() };
        assert_eq!((operation, names), ("users.list", vec!["perpage".to_owned(), "colour".to_owned()]));
        assert!(accepted.contains(&"per_page") && accepted.contains(&"primary_order"), "{accepted:?}");
        assert!(message.contains("`perpage`") && message.contains("`per_page`"), "{message}");
    }

    #[test]
    fn values_must_have_the_parameters_type() {
        let users = by_name("users.list").unwrap().query_spec();
        let err = |json: &str| query_error(read("users.list", users, OFFSET, Some(json)).unwrap_err());
        assert!(matches!(err(r#"{"per_page": "5"}"#), QueryError::Type { name: "per_page", .. }));
        assert!(matches!(err(r#"{"page": -1}"#), QueryError::Type { name: "page", .. }));
        assert!(matches!(err(r#"{"include_totals": "true"}"#), QueryError::Type { name: "include_totals", .. }));
        assert!(matches!(err(r#"{"q": ["a", "b"]}"#), QueryError::Type { name: "q", .. }));
        let e = err(r#"{"search_engine": "v4"}"#);
        assert!(matches!(e, QueryError::NotOneOf { name: "search_engine", .. }), "{e:?}");
        assert!(e.to_string().contains("`v3`"), "{e}");
    }

    #[test]
    fn list_parameters_take_a_string_or_an_array() {
        let connections = by_name("connections.list").unwrap().query_spec();
        let q = read("connections.list", connections, OFFSET, Some(r#"{"strategy": ["auth0", "samlp"]}"#)).unwrap();
        assert_eq!(q.rest, [("strategy", "auth0".to_owned()), ("strategy", "samlp".to_owned())]);
        let q = read("connections.list", connections, OFFSET, Some(r#"{"strategy": "auth0"}"#)).unwrap();
        assert_eq!(q.rest, [("strategy", "auth0".to_owned())]);
        let e =
            read("connections.list", connections, OFFSET, Some(r#"{"strategy": ["auth0", "toaster"]}"#)).unwrap_err();
        assert!(matches!(query_error(e), QueryError::NotOneOf { name: "strategy", .. }));
        let e = read("connections.list", connections, OFFSET, Some(r#"{"strategy": ["auth0", 1]}"#)).unwrap_err();
        assert!(matches!(query_error(e), QueryError::Type { name: "strategy", .. }));
    }

    #[test]
    fn options_go_in_catalog_order() {
        let logs = by_name("logs.list").unwrap().query_spec();
        let q = read("logs.list", logs, LOGS, Some(r#"{"q": "type:s", "fields": "log_id", "from": "l1", "take": 5}"#))
            .unwrap();
        assert_eq!(q.checkpoint, Checkpoint { from: Some("l1".into()), take: Some(5) });
        assert_eq!(q.rest, [("fields", "log_id".to_owned()), ("q", "type:s".to_owned())]);
    }
}
