//! Query parameters shared by many operations: paging and field selection.

use crate::catalog::QueryKind;
use crate::error::ValidationError;
use crate::operation::Paging;
use crate::paging::{check_offset, check_range};

/// A typed query field's value: how it goes on the wire.
pub trait QueryValue {
    /// The catalog kind it sends: `String`, `Integer`, `Boolean` or `StringList`.
    const KIND: QueryKind;

    /// Adds its `key=value` pair(s) to `query`: one pair for a single value,
    /// one per element for a list (the specs' form style, exploded:
    /// `strategy=auth0&strategy=samlp`).
    fn write(&self, key: &'static str, query: &mut Query);
}

impl QueryValue for String {
    const KIND: QueryKind = QueryKind::String;
    fn write(&self, key: &'static str, query: &mut Query) {
        query.push(key, self.clone());
    }
}

impl QueryValue for bool {
    const KIND: QueryKind = QueryKind::Boolean;
    fn write(&self, key: &'static str, query: &mut Query) {
        query.push(key, if *self { "true" } else { "false" }.to_owned());
    }
}

impl QueryValue for u64 {
    const KIND: QueryKind = QueryKind::Integer;
    fn write(&self, key: &'static str, query: &mut Query) {
        query.push(key, crate::path::decimal(*self));
    }
}

impl QueryValue for Vec<String> {
    const KIND: QueryKind = QueryKind::StringList;
    fn write(&self, key: &'static str, query: &mut Query) {
        for value in self {
            query.push(key, value.clone());
        }
    }
}

/// Query pairs in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query(Vec<(&'static str, String)>);

impl Query {
    /// Adds `key=value`.
    pub fn push(&mut self, key: &'static str, value: String) {
        self.0.push((key, value));
    }

    /// Adds the pair(s) of the value when it is set.
    pub fn opt<T: QueryValue>(&mut self, key: &'static str, value: &Option<T>) {
        if let Some(v) = value {
            v.write(key, self);
        }
    }

    /// The pairs.
    pub fn into_pairs(self) -> Vec<(&'static str, String)> {
        self.0
    }
}

/// A field's wire name: its Rust name without a raw identifier's `r#`
/// (`r#type` → `type`). A `const fn`, for [`crate::Operation::QUERY`].
pub const fn wire_name(field: &'static str) -> &'static str {
    match field.as_bytes() {
        [b'r', b'#', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(name) => name,
            Err(_) => field,
        },
        _ => field,
    }
}

/// Offset paging: zero-based `page`, `per_page` (at most 100), and
/// `include_totals` for the `{start, limit, total}` envelope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offset {
    /// Zero-based page number.
    pub page: Option<u64>,
    /// Items per page, 1 to 100.
    pub per_page: Option<u64>,
    /// Ask for the envelope with totals.
    pub include_totals: Option<bool>,
}

impl Offset {
    /// Page `page` of `per_page` items, with totals.
    pub fn page(page: u64, per_page: u64) -> Self {
        Self { page: Some(page), per_page: Some(per_page), include_totals: Some(true) }
    }

    fn is_set(&self) -> bool {
        self.page.is_some() || self.per_page.is_some() || self.include_totals.is_some()
    }

    /// Adds `page`, `per_page` and `include_totals`, those set.
    pub fn write(&self, q: &mut Query) {
        q.opt("page", &self.page);
        q.opt("per_page", &self.per_page);
        q.opt("include_totals", &self.include_totals);
    }
}

/// Checkpoint paging: `from` is the previous page's `next` (for logs, a log
/// id), `take` the page size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Cursor from the previous page.
    pub from: Option<String>,
    /// Items per page.
    pub take: Option<u64>,
}

impl Checkpoint {
    /// The first page of `take` items.
    pub fn first(take: u64) -> Self {
        Self { from: None, take: Some(take) }
    }

    fn is_set(&self) -> bool {
        self.from.is_some() || self.take.is_some()
    }

    /// Adds `from` and `take`, those set.
    pub fn write(&self, q: &mut Query) {
        q.opt("from", &self.from);
        q.opt("take", &self.take);
    }
}

/// Checks paging parameters against what the operation offers.
pub fn check_paging(paging: Paging, offset: &Offset, checkpoint: &Checkpoint) -> Result<(), ValidationError> {
    if offset.is_set() && !paging.has_offset() {
        return Err(ValidationError::Conflict { first: "page", second: "this operation's checkpoint paging" });
    }
    if checkpoint.is_set() {
        let Some(max_take) = paging.max_take() else {
            return Err(ValidationError::Conflict { first: "from", second: "this operation's offset paging" });
        };
        if offset.page.is_some() || offset.per_page.is_some() {
            return Err(ValidationError::Conflict { first: "from/take", second: "page/per_page" });
        }
        if let Some(take) = checkpoint.take {
            check_range("take", take, 1, max_take)?;
        }
        if checkpoint.from.as_deref() == Some("") {
            return Err(ValidationError::Empty { name: "from" });
        }
    }
    if paging.has_offset() {
        check_offset(offset.page, offset.per_page)?;
    }
    Ok(())
}

/// Refuses an empty list, or one holding an empty id.
pub(crate) fn check_non_empty(name: &'static str, list: &[String]) -> Result<(), ValidationError> {
    if list.is_empty() || list.iter().any(String::is_empty) { Err(ValidationError::Empty { name }) } else { Ok(()) }
}
