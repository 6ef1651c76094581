//! Every operation of both specs as a method: one generic call path over
//! the model's description of what each operation puts on the wire.
//!
//! The model's catalog holds, per operation, a [`Wire`]: its dotted name
//! (`users.permissions.list`, as `auth0` names it), API, method, path
//! template, query parameters, paging and body. The wasm carries [`WIRES`]
//! packed into a byte table at build time ([`crate::table`]; not the
//! catalog's entries, with their scopes and statuses, nor the statics
//! themselves). A call looks its row up by its position (JavaScript knows
//! the names: an error that names the operation gets its name there), reads
//! the options object against the row's query parameters
//! ([`crate::options`]), fills the path (each id one percent-encoded
//! segment; `""`, `.` and `..` refused), checks and encodes the body with
//! the model's encoder (JSON, or multipart with its files), and hands the
//! request to the client's single send path. No operation has code of its
//! own, so the ~470 operations cost the wasm a table, not functions.

use crate::input::{Input, Kind};
use crate::options::{self, ListQuery};
use gatehouse_client::ClientError;
use gatehouse_model::catalog::{Items, Media, Paging as WirePaging};
use gatehouse_model::error::ValidationError;
use gatehouse_model::operation::Paging;
use gatehouse_model::ops::{Checkpoint, Offset, Query, check_paging};
use gatehouse_model::request::path_with_query;

pub use gatehouse_model::catalog::{WIRES, Wire};

/// An operation's paging in the model's terms, which the paging checks and the walk use.
pub fn walk_paging(wire: &Wire) -> Paging {
    let key = |items: Items| items.key().unwrap_or("");
    match wire.paging {
        WirePaging::None => Paging::None,
        WirePaging::Unpaged { items } => Paging::Unpaged { key: key(items) },
        WirePaging::Offset { items } => Paging::Offset { key: key(items) },
        WirePaging::Checkpoint { items, max_take, .. } => {
            Paging::Checkpoint { key: key(items), max_take: max_take.map_or(50, u64::from) }
        }
        WirePaging::Both { items, max_take, next: true } => {
            Paging::OffsetOrCheckpoint { key: key(items), max_take: max_take.map_or(100, u64::from) }
        }
        WirePaging::Both { items, max_take, next: false } => {
            Paging::LogCheckpoint { key: key(items), max_take: max_take.map_or(100, u64::from) }
        }
    }
}

/// Whether an operation answers a list (which has iterators).
pub fn is_list(wire: &Wire) -> bool {
    wire.paging.items().is_some()
}

/// The number of path parameters an operation takes.
pub fn arity(wire: &Wire) -> usize {
    wire.path_params().count()
}

/// The operation at position `id` of [`WIRES`] (its row in the package's method list).
pub fn find(id: u32) -> Option<&'static Wire> {
    crate::table::get(id)
}

/// An encoded body and its `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltBody {
    /// `Content-Type`, with the boundary of a multipart body.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A request ready to send: validated, path encoded, body encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The operation.
    pub wire: &'static Wire,
    /// Path (percent-encoded) and query.
    pub path_and_query: String,
    /// The body, if the call sends one.
    pub body: Option<BuiltBody>,
}

/// One call of an operation: its path parameters, its query (whose paging
/// the pager moves page after page) and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    wire: &'static Wire,
    paging: Paging,
    params: Vec<String>,
    query: ListQuery,
    body: Option<BuiltBody>,
}

fn invalid(reason: String) -> ClientError {
    ValidationError::Body { reason }.into()
}

impl Call {
    /// Reads a call of the operation at position `id` of [`WIRES`]: its ids, its options
    /// object and its body (`null` / `undefined` for none), all checked before anything is sent.
    pub fn new<V: Input>(id: u32, params: Vec<String>, options: &V, body: &V) -> Result<Self, ClientError> {
        let wire = find(id).ok_or_else(|| ClientError::Config("no such method".into()))?;
        if params.len() != arity(wire) {
            let names = gatehouse_model::path::param_names(wire.path).collect();
            return Err(ValidationError::Arity { operation: wire.name, names, given: params.len() as u64 }.into());
        }
        let paging = walk_paging(wire);
        let query = options::read(wire.name, wire.query_spec(), paging, options)?;
        let body = read_body(wire, body)?;
        Ok(Self { wire, paging, params, query, body })
    }

    /// Validates and encodes it as it stands: the model's paging checks,
    /// then the path and the query (paging first, then the other options).
    pub fn built(&self) -> Result<Built, ClientError> {
        check_paging(self.paging, &self.query.offset, &self.query.checkpoint)?;
        let mut query = Query::default();
        self.query.offset.write(&mut query);
        self.query.checkpoint.write(&mut query);
        for (name, value) in &self.query.rest {
            query.push(name, value.clone());
        }
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let path_and_query = path_with_query(self.wire.path, &params, &query.into_pairs())?;
        Ok(Built { wire: self.wire, path_and_query, body: self.body.clone() })
    }

    /// The operation.
    pub fn wire(&self) -> &'static Wire {
        self.wire
    }

    /// Its paging, in the model's terms.
    pub fn paging(&self) -> Paging {
        self.paging
    }

    /// Its offset paging parameters.
    pub fn offset(&mut self) -> Option<&mut Offset> {
        self.paging.has_offset().then_some(&mut self.query.offset)
    }

    /// Its checkpoint paging parameters.
    pub fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.paging.has_checkpoint().then_some(&mut self.query.checkpoint)
    }
}

/// The body of a call, checked against the operation's shape and encoded:
/// an object (or an array where the spec says so); for `{key: [...]}` bodies
/// an array stands for the object, and that array must not be empty where
/// the spec says so. JSON bodies go as given; an operation that takes only
/// `multipart/form-data` gets its fields as parts, its files as file parts
/// (the model's encoder).
fn read_body<V: Input>(wire: &Wire, body: &V) -> Result<Option<BuiltBody>, ClientError> {
    let kind = body.kind();
    let shape = match (wire.body, &kind) {
        (None, Kind::Null) => return Ok(None),
        (None, _) => return Err(ValidationError::NoBody { operation: wire.name }.into()),
        (Some(shape), Kind::Null) if shape.required => {
            return Err(ValidationError::MissingBody { operation: wire.name }.into());
        }
        (Some(_), Kind::Null) => return Ok(None),
        (Some(shape), _) => shape,
    };
    let json = |v: &V| v.json().ok_or_else(|| invalid("the body cannot be written as JSON".into()));
    let as_json =
        |text: String| Ok(Some(BuiltBody { content_type: Media::Json.as_str().to_owned(), bytes: text.into_bytes() }));
    let media = shape.preferred_media();
    if media != Media::Json {
        if kind != Kind::Object {
            return Err(invalid(["a ", media.as_str(), " body must be an object"].concat()));
        }
        // Each field as its text: a string as it is, anything else as its JSON (`null` fields left out).
        let mut fields = Vec::new();
        for key in body.keys() {
            let value = body.field(&key);
            let text = match value.kind() {
                Kind::Null => continue,
                Kind::Text(text) => text,
                _ => json(&value)?,
            };
            fields.push((key, text));
        }
        let fields: Vec<(&str, String)> = fields.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let encoded = gatehouse_model::body::encode_fields(media, shape.files, &fields);
        return Ok(Some(BuiltBody { content_type: encoded.content_type, bytes: encoded.bytes }));
    }
    if let Some(key) = shape.wrap {
        // An array stands for the object around it.
        if kind == Kind::Array {
            check_list(shape.non_empty, key, body)?;
            return as_json(["{\"", key, "\":", &json(body)?, "}"].concat());
        }
        let list = body.field(key);
        if kind != Kind::Object || list.kind() == Kind::Null {
            return Err(invalid(["the body must be an object with `", key, "`, or an array of them"].concat()));
        }
        check_list(shape.non_empty, key, &list)?;
        return as_json(json(body)?);
    }
    let fits = if shape.array { kind == Kind::Array } else { kind == Kind::Object };
    if !fits {
        return Err(invalid(
            if shape.array { "the body must be an array" } else { "the body must be an object" }.into(),
        ));
    }
    as_json(json(body)?)
}

/// A `{key: [...]}` body's list, refused when empty where the spec says so.
fn check_list<V: Input>(non_empty: bool, key: &'static str, list: &V) -> Result<(), ClientError> {
    if non_empty && list.kind() == Kind::Array && list.items().is_empty() {
        return Err(ValidationError::Empty { name: key }.into());
    }
    Ok(())
}

/// The position of the operation named `name` in [`WIRES`], which is what the wrapper calls
/// it by (its row in the method list); `u32::MAX`, no operation's, for an unknown name. For
/// tests and tools: the wasm itself never looks a name up (so `WIRES` is not linked there).
pub fn id(name: &str) -> u32 {
    WIRES.binary_search_by(|w| w.name.cmp(name)).map_or(u32::MAX, |i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::catalog::CATALOG;
    use gatehouse_model::operation::Verb;

    #[test]
    fn positions_find_their_operation() {
        assert_eq!(WIRES.len(), CATALOG.len());
        for op in CATALOG {
            assert_eq!(find(id(op.name)).unwrap(), &crate::table::unnamed(op.wire), "{}", op.name);
        }
        assert!(find(id("users.nope")).is_none());
    }

    #[test]
    fn the_declarations_carry_the_models_additions() {
        let dts = include_str!("../generated/gatehouse_js_api.d.ts");
        for (op, param) in gatehouse_model::catalog::SPEC_OMISSIONS {
            let options = format!("export interface {}Options {{", pascal(op));
            let at = dts.find(&options).unwrap_or_else(|| panic!("no {options}"));
            let end = at + dts[at..].find("\n}\n").unwrap_or(0);
            assert!(dts[at..end].contains(&format!("  {}?:", param.name)), "{op} lacks {} in the .d.ts", param.name);
        }
    }

    fn pascal(dotted: &str) -> String {
        dotted
            .split(['.', '_'])
            .map(|p| {
                let mut c = p.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect()
    }

    fn parse(json: Option<&str>) -> serde_json::Value {
        json.map_or(serde_json::Value::Null, |j| serde_json::from_str(j).unwrap())
    }

    fn path(name: &str, params: &[&str], options: Option<&str>, body: Option<&str>) -> Result<Built, ClientError> {
        Call::new(id(name), params.iter().map(|p| p.to_string()).collect(), &parse(options), &parse(body))?.built()
    }

    #[test]
    fn builds_validated_requests() {
        let b = path("users.get", &["auth0|1"], None, None).unwrap();
        assert_eq!(b.path_and_query, "/api/v2/users/auth0%7C1");
        let b = path("users.roles.assign", &["u"], None, Some(r#"["rol_1"]"#)).unwrap();
        assert_eq!(b.body.unwrap().bytes, br#"{"roles":["rol_1"]}"#);
        assert!(path("users.get", &[".."], None, None).is_err());
        assert!(path("users.get", &[""], None, None).is_err());
        assert!(path("users.roles.assign", &["u"], None, Some("[]")).is_err());
        let b = path("organizations.members.roles.delete", &["org_1", "auth0|1"], None, Some(r#"["rol_1"]"#)).unwrap();
        assert_eq!(b.path_and_query, "/api/v2/organizations/org_1/members/auth0%7C1/roles");
        assert_eq!(b.wire.verb, Verb::Delete);
        assert!(path("organizations.members.roles.assign", &["org_1", "u"], None, Some(r#"{"roles":[]}"#)).is_err());
        assert!(path("organizations.members.roles.assign", &["org_1"], None, Some("[]")).is_err());
        assert!(path("users.create", &[], None, Some("[1]")).is_err());
        assert!(path("users.create", &[], None, Some(r#""{}""#)).is_err());
        assert!(path("users.get", &[], None, None).is_err());
        assert!(path("users.get", &["u"], None, Some("{}")).is_err());
        assert!(path("no.such.method", &[], None, None).is_err());
        let b = path("users.list", &[], Some(r#"{"q":"x","perPage":5}"#), None).unwrap();
        assert_eq!(b.path_and_query, "/api/v2/users?per_page=5&q=x");
        assert!(path("users.list", &[], Some(r#"{"perpage":5}"#), None).is_err());
        assert!(path("users.list", &[], Some(r#"{"page":20,"perPage":100}"#), None).is_err());
    }

    fn list_path(name: &str, params: &[&str], options: &str) -> Result<String, ClientError> {
        path(name, params, Some(options), None).map(|b| b.path_and_query)
    }

    #[test]
    fn the_users_import_goes_as_multipart_with_its_file() {
        let body = r#"{"users":[{"email":"a@b.c"}],"connection_id":"con_1","upsert":true}"#;
        let b = path("jobs.usersImports.create", &[], None, Some(body)).unwrap();
        let body = b.body.unwrap();
        let boundary = gatehouse_model::body::multipart_boundary(&body.content_type).unwrap();
        let parts = gatehouse_model::body::read_multipart(&body.bytes, boundary).unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["users", "connection_id", "upsert"]);
        assert_eq!(parts[0].filename.as_deref(), Some("users.json"));
        assert_eq!(parts[0].content, br#"[{"email":"a@b.c"}]"#);
        assert_eq!((parts[2].filename.as_ref(), parts[2].content.as_slice()), (None, b"true".as_slice()));
        // A multipart body is an object of fields.
        assert!(path("jobs.usersImports.create", &[], None, Some("[1]")).is_err());
        // JSON bodies stay JSON.
        let b = path("clientGrants.create", &[], None, Some(r#"{"client_id":"c"}"#)).unwrap();
        assert_eq!(b.body.unwrap().content_type, "application/json");
    }

    #[test]
    fn options_are_the_operations_query_under_auth0s_names() {
        // auth0 7's spelling moves over unchanged; camelCase stays accepted.
        let snake = list_path("users.list", &[], r#"{"per_page":100,"include_totals":true,"search_engine":"v3"}"#);
        assert_eq!(snake.unwrap(), "/api/v2/users?per_page=100&include_totals=true&search_engine=v3");
        let camel = list_path("users.list", &[], r#"{"perPage":100,"includeTotals":true,"searchEngine":"v3"}"#);
        assert_eq!(camel.unwrap(), "/api/v2/users?per_page=100&include_totals=true&search_engine=v3");
        // The spec's list parameters go as repeated keys.
        let p = list_path("connections.list", &[], r#"{"strategy":["auth0","samlp"],"include_totals":true}"#);
        assert_eq!(p.unwrap(), "/api/v2/connections?include_totals=true&strategy=auth0&strategy=samlp");
        let p = list_path("resourceServers.list", &[], r#"{"identifiers":["https://a/","https://b/"]}"#);
        assert_eq!(p.unwrap(), "/api/v2/resource-servers?identifiers=https:%2F%2Fa%2F&identifiers=https:%2F%2Fb%2F");
        let p = list_path("teams.activity.list", &[], r#"{"type":"Tenant Activity","status":"Success"}"#);
        assert_eq!(p.unwrap(), "/api/activity/logs?type=Tenant%20Activity&status=Success");
        // Reads with a query take options too.
        let p = list_path("users.get", &["auth0|1"], r#"{"fields":"email","include_fields":true}"#);
        assert_eq!(p.unwrap(), "/api/v2/users/auth0%7C1?fields=email&include_fields=true");
        assert!(list_path("roles.get", &["rol_1"], r#"{"fields":"name"}"#).is_err());
        // Wrong names and types are refused before anything is sent.
        let e = list_path("connections.list", &[], r#"{"strategy":"toaster"}"#).unwrap_err();
        assert!(e.to_string().contains("`strategy` must be one of `ad`"), "{e}");
        let e = list_path("users.list", &[], r#"{"per_page":"100"}"#).unwrap_err();
        assert!(e.to_string().ends_with("`per_page` must be a whole number from 0, got `\"100\"`"), "{e}");
        let e = list_path("teams.tenants.list", &[], r#"{"per_page":5}"#).unwrap_err();
        // The operation's name is JavaScript's to put in (the table holds none).
        assert!(e.to_string().contains(" does not take `per_page`; it takes `take`, `from`"), "{e}");
        let e = list_path("users.permissions.list", &["u"], r#"{"sort":"x"}"#).unwrap_err();
        assert!(e.to_string().contains(" does not take `sort`"), "{e}");
    }

    #[test]
    fn every_operation_of_the_specs_is_a_method() {
        // New groups, at auth0's names.
        let b = path("users.permissions.list", &["auth0|1"], Some(r#"{"per_page":50}"#), None).unwrap();
        assert_eq!(b.path_and_query, "/api/v2/users/auth0%7C1/permissions?per_page=50");
        let b = path("clientGrants.create", &[], None, Some(r#"{"client_id":"c","audience":"a"}"#)).unwrap();
        assert_eq!((b.wire.verb, b.path_and_query.as_str()), (Verb::Post, "/api/v2/client-grants"));
        let b = path("attackProtection.bruteForceProtection.get", &[], None, None).unwrap();
        assert_eq!(b.path_and_query, "/api/v2/attack-protection/brute-force-protection");
        let b = path("teams.tenants.members.list", &["t 1"], None, None).unwrap();
        assert_eq!(b.path_and_query, "/api/tenants/t%201/members");
        // Every operation builds with ids filled in.
        for w in WIRES.iter() {
            let ids: Vec<String> = (0..arity(w)).map(|i| format!("id{i}")).collect();
            let required: serde_json::Map<String, serde_json::Value> = w
                .query
                .iter()
                .filter(|q| q.required)
                .map(|q| {
                    let v = match q.kind {
                        gatehouse_model::catalog::QueryKind::Integer => serde_json::json!(1),
                        gatehouse_model::catalog::QueryKind::Boolean => serde_json::json!(true),
                        k => serde_json::json!(k.values().first().copied().unwrap_or("x")),
                    };
                    (q.name.to_owned(), v)
                })
                .collect();
            let options = serde_json::Value::Object(required).to_string();
            let body = w.body.map(|b| if b.array { "[]" } else { "{}" });
            let body = match w.body.and_then(|b| b.wrap) {
                Some(_) => Some(r#"["x"]"#),
                None => body,
            };
            let call = Call::new(id(w.name), ids, &parse(Some(&options)), &parse(body))
                .unwrap_or_else(|e| panic!("{}: {e}", w.name));
            let built = call.built().unwrap_or_else(|e| panic!("{}: {e}", w.name));
            let expected = w.path.split('{').next().unwrap_or_default();
            assert!(built.path_and_query.starts_with(expected), "{}: {}", w.name, built.path_and_query);
        }
    }
}
