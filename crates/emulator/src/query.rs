//! Query-string handling shared by the handlers: strict parameter checks
//! (what an operation accepts, with the types and enum values, is read from
//! its catalog entry; anything else is refused, as Auth0 does), the three
//! paging styles, opaque checkpoint cursors and `fields` projection.

use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse_model::paging::{MAX_PER_PAGE, RESULT_WINDOW};
use gatehouse_model::{Api, OperationSpec, Page, Paging, QueryError};
use serde_json::{Map, Value};

/// Default page size of offset and checkpoint paging.
pub const DEFAULT_PER_PAGE: u64 = 50;

/// The decoded query string of a request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes a raw query string (`a=1&b=x%20y`).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        Self { pairs }
    }

    /// Checks the query against the parameters the operation accepts, as
    /// its catalog entry describes them: names, types, enum values and
    /// required ones. Refusals are worded as Auth0 words them.
    pub fn check(&self, spec: &OperationSpec) -> ApiResult<()> {
        let pairs = self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let checked = match spec.query {
            Some(query) => query.check_query(pairs),
            // The token endpoint, which the catalog does not describe, takes no query.
            None if self.pairs.is_empty() => Ok(()),
            None => Err(QueryError::Unknown {
                operation: spec.id.name(),
                names: self.pairs.iter().map(|(k, _)| k.clone()).collect(),
                accepted: Vec::new(),
            }),
        };
        checked.map_err(|e| refusal(&e, spec.api))
    }

    /// Checks the query against a catalog entry (operations without a table row).
    pub fn check_desc(&self, op: &gatehouse_model::catalog::OpDesc) -> ApiResult<()> {
        let pairs = self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        op.check_query(pairs).map_err(|e| refusal(&e, op.api))
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value given for `key`, also splitting comma-separated lists.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
            .collect()
    }

    /// A non-empty string parameter.
    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// An unsigned integer parameter.
    pub fn u64(&self, key: &str) -> ApiResult<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                ApiError::invalid_query(format!(
                    "Query validation error: 'Expected type integer but found type string' on property {key}."
                ))
            }),
        }
    }

    /// A boolean parameter (`true` / `false`).
    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_query(format!(
                "Query validation error: 'Expected type boolean but found type string' on property {key}."
            ))),
        }
    }
}

/// Auth0's answer to a query its validation refuses.
///
/// The Management API words them as its schema validation does
/// (`Query validation error: '…' on property …`, `invalid_query_string`); the
/// Teams API names the parameter and its allowed values.
fn refusal(e: &QueryError, api: Api) -> ApiError {
    match e {
        QueryError::Unknown { names, .. } => {
            let mut seen: Vec<&str> = Vec::new();
            for name in names {
                if !seen.contains(&name.as_str()) {
                    seen.push(name);
                }
            }
            ApiError::invalid_query(format!(
                "Query validation error: 'Additional properties not allowed: {}'.",
                seen.join(",")
            ))
        }
        QueryError::Type { name, kind, .. } => ApiError::invalid_query(format!(
            "Query validation error: 'Expected type {} but found type string' on property {name}.",
            kind.type_name()
        )),
        QueryError::NotOneOf { name, value, allowed } if api == Api::Teams => ApiError::new(
            400,
            Some("VALIDATION_ERROR"),
            format!("{name}: '{value}' is not one of {}", allowed.join(", ")),
        ),
        QueryError::NotOneOf { name, value, .. } => {
            ApiError::invalid_query(format!("Query validation error: 'No enum match for: {value}' on property {name}."))
        }
        QueryError::Missing { name } => {
            ApiError::invalid_query(format!("Query validation error: 'Missing required property: {name}'."))
        }
        // Not a refusal of the wire check (a repeated key is taken as its last value).
        QueryError::Twice { name } => ApiError::invalid_query(format!(
            "Query validation error: 'Expected a single value but found type array' on property {name}."
        )),
    }
}

/// What kind of page a list request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `page` / `per_page`, bare array or `include_totals` envelope.
    Offset {
        /// Zero-based page.
        page: u64,
        /// Page size.
        per_page: u64,
        /// Whether to wrap the items with totals.
        include_totals: bool,
    },
    /// `from` / `take`.
    Checkpoint {
        /// Cursor, absent on the first page.
        from: Option<String>,
        /// Page size.
        take: u64,
    },
    /// Everything at once, as `{<key>: [...]}`.
    Whole,
}

/// Reads the paging parameters an operation accepts.
///
/// Checkpoint paging wins when `from` or `take` is present (Auth0 ignores
/// `page` / `per_page` then); offset requests must stay within the first
/// 1,000 results.
pub fn page_request(params: &Params, paging: Paging) -> ApiResult<PageRequest> {
    let take = params.u64("take")?;
    let from = params.get("from").map(str::to_owned);
    if paging.has_checkpoint() && (take.is_some() || from.is_some()) {
        let max = paging.max_take().unwrap_or(MAX_PER_PAGE);
        let take = take.unwrap_or(DEFAULT_PER_PAGE.min(max));
        if take == 0 || take > max {
            return Err(ApiError::invalid_query(format!(
                "Query validation error: 'take' must be between 1 and {max}, got {take}."
            )));
        }
        if from.as_deref() == Some("") {
            return Err(ApiError::invalid_paging("The 'from' parameter must not be empty."));
        }
        return Ok(PageRequest::Checkpoint { from, take });
    }
    if !paging.has_offset() {
        return Ok(if paging.has_checkpoint() {
            PageRequest::Checkpoint {
                from: None,
                take: paging.max_take().unwrap_or(DEFAULT_PER_PAGE).min(DEFAULT_PER_PAGE),
            }
        } else {
            PageRequest::Whole
        });
    }
    let page = params.u64("page")?.unwrap_or(0);
    let per_page = params.u64("per_page")?.unwrap_or(DEFAULT_PER_PAGE);
    let include_totals = params.bool("include_totals")?.unwrap_or(false);
    if per_page > MAX_PER_PAGE {
        return Err(ApiError::invalid_query(format!(
            "Query validation error: 'Too large: {per_page} > {MAX_PER_PAGE}' on property per_page (Number of results per page.)."
        )));
    }
    if page.saturating_mul(per_page.max(1)) >= RESULT_WINDOW {
        return Err(ApiError::invalid_paging(format!(
            "You can only page through the first {RESULT_WINDOW} records. \
             Requested page {page} with per_page {per_page} starts at result {}.",
            page.saturating_mul(per_page)
        )));
    }
    Ok(PageRequest::Offset { page, per_page, include_totals })
}

/// An opaque, forward-only cursor naming the last item of a page of `kind`.
pub fn encode_cursor(kind: &str, last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}\u{1f}{last_key}"))
}

/// Reads a cursor made by [`encode_cursor`] for `kind`.
pub fn decode_cursor(kind: &str, cursor: &str) -> ApiResult<String> {
    let invalid = || ApiError::invalid_paging("The 'from' parameter is not a valid checkpoint for this list.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (k, last) = text.split_once('\u{1f}').ok_or_else(invalid)?;
    if k != kind {
        return Err(invalid());
    }
    Ok(last.to_owned())
}

/// Builds one page from the matching items.
///
/// `items` are in list order; for checkpoint paging that order must be the
/// order of `key_of` (each item's unique cursor key), ascending or, with
/// `descending`, descending.
pub fn paginate<T>(
    items: &[T],
    req: &PageRequest,
    items_key: &str,
    cursor_kind: &str,
    descending: bool,
    key_of: impl Fn(&T) -> String,
    render: impl Fn(&T) -> Value,
) -> ApiResult<Value> {
    match req {
        PageRequest::Whole => {
            let mut m = serde_json::Map::new();
            m.insert(items_key.to_owned(), Value::Array(items.iter().map(&render).collect()));
            Ok(Value::Object(m))
        }
        PageRequest::Offset { page, per_page, include_totals } => {
            let start = (page * per_page) as usize;
            let end = (start + *per_page as usize).min(items.len());
            let slice: Vec<Value> =
                if start < items.len() { items[start..end].iter().map(&render).collect() } else { Vec::new() };
            let page = if *include_totals {
                Page::offset(items_key, slice, page * per_page, *per_page, items.len() as u64)
            } else {
                Page::bare(slice)
            };
            serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))
        }
        PageRequest::Checkpoint { from, take } => {
            let start = match from {
                None => 0,
                Some(cursor) => {
                    let last = decode_cursor(cursor_kind, cursor)?;
                    if descending {
                        items.partition_point(|item| key_of(item) >= last)
                    } else {
                        items.partition_point(|item| key_of(item) <= last)
                    }
                }
            };
            let end = (start + *take as usize).min(items.len());
            let slice = if start < items.len() { &items[start..end] } else { &[] };
            let next = (end < items.len())
                .then(|| slice.last().map(|last| encode_cursor(cursor_kind, &key_of(last))))
                .flatten();
            let page = Page::checkpoint(items_key, slice.iter().map(&render).collect(), next);
            serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))
        }
    }
}

/// A `fields` / `include_fields` projection.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    fields: Vec<String>,
    include: bool,
}

impl Projection {
    /// Reads `fields` and `include_fields` (default `true`).
    pub fn from_params(params: &Params) -> ApiResult<Self> {
        let include = params.bool("include_fields")?.unwrap_or(true);
        Ok(Self { fields: params.all("fields"), include })
    }

    /// Whether `field` was asked for by name.
    pub fn names(&self, field: &str) -> bool {
        self.include && self.fields.iter().any(|f| f == field)
    }

    /// Applies the projection to one object; `keep` lists fields never removed.
    pub fn apply(&self, value: Value, keep: &[&str]) -> Value {
        if self.fields.is_empty() {
            return value;
        }
        let Value::Object(map) = value else {
            return value;
        };
        let out: Map<String, Value> = map
            .into_iter()
            .filter(|(k, _)| {
                let listed = self.fields.iter().any(|f| f == k);
                keep.contains(&k.as_str()) || listed == self.include
            })
            .collect();
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offset_rules() {
        let paging = Paging::Offset { key: "users" };
        let p = |q: &str| page_request(&Params::parse(Some(q)), paging);
        assert_eq!(p("").unwrap(), PageRequest::Offset { page: 0, per_page: 50, include_totals: false });
        assert_eq!(p("per_page=101").unwrap_err().code.as_deref(), Some("invalid_query_string"));
        assert_eq!(p("page=10&per_page=100").unwrap_err().code.as_deref(), Some("invalid_paging"));
        assert!(p("page=9&per_page=100").is_ok());
        assert_eq!(p("page=x").unwrap_err().code.as_deref(), Some("invalid_query_string"));
        assert_eq!(p("include_totals=yes").unwrap_err().code.as_deref(), Some("invalid_query_string"));
    }

    #[test]
    fn checkpoint_walks_forward() {
        let paging = Paging::Checkpoint { key: "members", max_take: 50 };
        let items: Vec<String> = (0..5).map(|i| format!("id{i}")).collect();
        let mut from = None;
        let mut seen = Vec::new();
        loop {
            let req = PageRequest::Checkpoint { from: from.clone(), take: 2 };
            let page = paginate(&items, &req, "members", "m", false, |s| s.clone(), |s| json!(s)).unwrap();
            seen.extend(page["members"].as_array().unwrap().iter().cloned());
            match page.get("next") {
                Some(n) => from = Some(n.as_str().unwrap().to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5);
        assert!(decode_cursor("other", &encode_cursor("m", "x")).is_err());
        assert!(page_request(&Params::parse(Some("take=51")), paging).is_err());
    }

    #[test]
    fn the_catalog_entry_decides_what_a_query_may_hold() {
        use gatehouse_model::OperationId;
        let check = |id: OperationId, q: &str| Params::parse(Some(q)).check(id.spec());
        assert!(check(OperationId::ListUsers, "q=x&search_engine=v3&primary_order=false&per_page=5").is_ok());
        let e = check(OperationId::ListUsers, "colour=blue&size=2&colour=red").unwrap_err();
        assert_eq!(e.message, "Query validation error: 'Additional properties not allowed: colour,size'.");
        assert_eq!(e.code.as_deref(), Some("invalid_query_string"));
        let e = check(OperationId::ListUsers, "search_engine=v4").unwrap_err();
        assert_eq!(e.message, "Query validation error: 'No enum match for: v4' on property search_engine.");
        let e = check(OperationId::ListUsers, "include_fields=yes").unwrap_err();
        assert_eq!(
            e.message,
            "Query validation error: 'Expected type boolean but found type string' on property include_fields."
        );
        // Reads take `fields` where the spec says so, and nothing where it does not.
        assert!(check(OperationId::GetUser, "fields=email&include_fields=true").is_ok());
        assert!(check(OperationId::GetRole, "fields=name").is_err());
        // A list parameter, one pair per value, each value checked.
        assert!(check(OperationId::ListConnections, "strategy=auth0&strategy=samlp").is_ok());
        let e = check(OperationId::ListConnections, "strategy=auth0&strategy=toaster").unwrap_err();
        assert_eq!(e.message, "Query validation error: 'No enum match for: toaster' on property strategy.");
        // The Teams API names the allowed values.
        let e = check(OperationId::ListActivityLogs, "status=Maybe").unwrap_err();
        assert_eq!(
            (e.code.as_deref(), e.message.as_str()),
            (Some("VALIDATION_ERROR"), "status: 'Maybe' is not one of Success, Failure")
        );
        // `q` on logs: the spec leaves it out, Auth0 takes it.
        assert!(check(OperationId::ListLogs, "q=type:s&search=x").is_ok());
        assert!(check(OperationId::RequestToken, "").is_ok());
        assert!(check(OperationId::RequestToken, "x=1").is_err());
    }

    #[test]
    fn projection() {
        let p = Projection::from_params(&Params::parse(Some("fields=email,name&include_fields=true"))).unwrap();
        assert_eq!(p.apply(json!({"email": 1, "name": 2, "x": 3}), &[]), json!({"email": 1, "name": 2}));
        let p = Projection::from_params(&Params::parse(Some("fields=x&include_fields=false"))).unwrap();
        assert_eq!(p.apply(json!({"email": 1, "x": 3}), &[]), json!({"email": 1}));
    }
}
