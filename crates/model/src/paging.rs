//! The three list shapes Auth0 returns, and the paging parameters that ask for them.
//!
//! A list is a bare array, an offset envelope (`{start, limit, length?,
//! total, users: [...]}`) or a checkpoint envelope (`{organizations: [...],
//! next?}`). Which one came back is decided by the keys present, never by
//! trying shapes in turn.

use crate::error::ValidationError;
use crate::object::{decode_value, join_path, nested_error};
use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Offset paging never reaches past this many results (user search included).
pub const RESULT_WINDOW: u64 = 1000;
/// Largest `per_page` the Management API accepts.
pub const MAX_PER_PAGE: u64 = 100;

/// Which list shape a response had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PageShape {
    /// A bare JSON array.
    Bare,
    /// An object with `start`, `limit` and `total` (offset paging with `include_totals`).
    Offset,
    /// An object with the items and, unless it is the last page, `next`.
    Checkpoint,
}

const ENVELOPE_KEYS: [&str; 5] = ["start", "limit", "length", "total", "next"];

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The objects on this page.
    pub items: Vec<T>,
    /// The shape the page came in.
    pub shape: PageShape,
    items_key: Option<String>,
    /// Where the items stood among the envelope's keys: encoding writes them
    /// back there, so a second decode picks the same key (it takes the first
    /// array that is not an envelope key).
    items_at: usize,
    envelope: Map<String, Value>,
}

impl<T> Page<T> {
    /// A page in the bare-array shape.
    pub fn bare(items: Vec<T>) -> Self {
        Self { items, shape: PageShape::Bare, items_key: None, items_at: 0, envelope: Map::new() }
    }

    /// A page in the offset shape, as `include_totals=true` gives.
    pub fn offset(key: &str, items: Vec<T>, start: u64, limit: u64, total: u64) -> Self {
        let mut envelope = Map::new();
        envelope.insert("start".into(), start.into());
        envelope.insert("limit".into(), limit.into());
        envelope.insert("length".into(), (items.len() as u64).into());
        envelope.insert("total".into(), total.into());
        Self { items, shape: PageShape::Offset, items_key: Some(key.into()), items_at: envelope.len(), envelope }
    }

    /// A page in the checkpoint shape; `next` is absent on the last page.
    pub fn checkpoint(key: &str, items: Vec<T>, next: Option<String>) -> Self {
        let mut envelope = Map::new();
        if let Some(next) = next {
            envelope.insert("next".into(), next.into());
        }
        Self { items, shape: PageShape::Checkpoint, items_key: Some(key.into()), items_at: envelope.len(), envelope }
    }

    fn num(&self, key: &str) -> Option<u64> {
        self.envelope.get(key).and_then(Value::as_u64)
    }

    /// How many results match in all (offset shape only).
    pub fn total(&self) -> Option<u64> {
        self.num("total")
    }

    /// Index of the first item on this page (offset shape only).
    pub fn start(&self) -> Option<u64> {
        self.num("start")
    }

    /// Page size the server used (offset shape only).
    pub fn limit(&self) -> Option<u64> {
        self.num("limit")
    }

    /// Cursor for the next page (checkpoint shape); `None` on the last page.
    pub fn next(&self) -> Option<&str> {
        self.envelope.get("next").and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// The key the items were under, such as `users`.
    pub fn items_key(&self) -> Option<&str> {
        self.items_key.as_deref()
    }

    /// Whether offset paging stopped at the 1,000-result window with more results left.
    pub fn hits_result_window(&self) -> bool {
        hits_result_window(self)
    }

    /// Converts the items, keeping the envelope.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            shape: self.shape,
            items_key: self.items_key,
            items_at: self.items_at,
            envelope: self.envelope,
        }
    }
}

/// What a walk ([`crate::walk::Walk`]) reads of a page: its item count and
/// envelope, without the items. [`Page`] is one; a program that keeps the
/// page elsewhere (the npm package: JavaScript parsed it) describes it with
/// its own.
pub trait PageOutline {
    /// How many items the page holds.
    fn count(&self) -> u64;
    /// Index of the first item (offset shape only).
    fn start(&self) -> Option<u64>;
    /// How many results match in all (offset shape only).
    fn total(&self) -> Option<u64>;
    /// Cursor for the next page (checkpoint shape; never empty); `None` on the last page.
    fn next(&self) -> Option<&str>;
}

impl<T> PageOutline for Page<T> {
    fn count(&self) -> u64 {
        self.items.len() as u64
    }
    fn start(&self) -> Option<u64> {
        Page::start(self)
    }
    fn total(&self) -> Option<u64> {
        Page::total(self)
    }
    fn next(&self) -> Option<&str> {
        Page::next(self)
    }
}

/// Whether offset paging stopped at the 1,000-result window with more results left.
pub fn hits_result_window(page: &(impl PageOutline + ?Sized)) -> bool {
    match (page.start(), page.total()) {
        (Some(start), Some(total)) => total > RESULT_WINDOW && start + page.count() >= RESULT_WINDOW,
        _ => false,
    }
}

fn decode_items<T: DeserializeOwned, E: serde::de::Error>(key: &str, values: &[Value]) -> Result<Vec<T>, E> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            decode_value(v).map_err(|e| nested_error(&join_path(&format!("{key}[{i}]"), &e.path), &e.message))
        })
        .collect()
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Array(values) => Ok(Self::bare(decode_items("", &values)?)),
            Value::Object(mut envelope) => {
                let (items_at, key) = envelope
                    .iter()
                    .enumerate()
                    .find(|(_, (k, v))| v.is_array() && !ENVELOPE_KEYS.contains(&k.as_str()))
                    .map(|(at, (k, _))| (at, k.clone()))
                    .ok_or_else(|| D::Error::custom("expected a list: no array in the response object"))?;
                // `shift_remove` keeps the order of the other keys.
                let Some(Value::Array(values)) = envelope.shift_remove(&key) else {
                    unreachable!("key was found holding an array")
                };
                let items = decode_items(&key, &values)?;
                let offset = ["start", "limit", "total"].iter().any(|k| envelope.contains_key(*k));
                let shape =
                    if offset && !envelope.contains_key("next") { PageShape::Offset } else { PageShape::Checkpoint };
                Ok(Self { items, shape, items_key: Some(key), items_at, envelope })
            }
            other => Err(D::Error::custom(format_args!("expected a list, got {other}"))),
        }
    }
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.items_key {
            None => self.items.serialize(s),
            Some(key) => {
                let mut map = s.serialize_map(Some(self.envelope.len() + 1))?;
                for (i, (k, v)) in self.envelope.iter().enumerate() {
                    if i == self.items_at {
                        map.serialize_entry(key, &self.items)?;
                    }
                    map.serialize_entry(k, v)?;
                }
                if self.items_at >= self.envelope.len() {
                    map.serialize_entry(key, &self.items)?;
                }
                map.end()
            }
        }
    }
}

/// Checks an offset request: `per_page` in 1..=100 and the start inside the 1,000-result window.
pub fn check_offset(page: Option<u64>, per_page: Option<u64>) -> Result<(), ValidationError> {
    if let Some(per_page) = per_page {
        check_range("per_page", per_page, 1, MAX_PER_PAGE)?;
    }
    let page = page.unwrap_or(0);
    let size = per_page.unwrap_or(50);
    if page.saturating_mul(size) >= RESULT_WINDOW {
        return Err(ValidationError::ResultWindow { page, per_page: size });
    }
    Ok(())
}

/// Checks that `value` lies in `min..=max`.
pub fn check_range(name: &'static str, value: u64, min: u64, max: u64) -> Result<(), ValidationError> {
    if (min..=max).contains(&value) { Ok(()) } else { Err(ValidationError::OutOfRange { name, min, max, value }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn roundtrip(v: Value) -> Page<Value> {
        let page: Page<Value> = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&page).unwrap(), v);
        page
    }

    #[test]
    fn decodes_each_shape_by_its_keys() {
        let bare = roundtrip(json!([{"a": 1}]));
        assert_eq!(bare.shape, PageShape::Bare);
        let off = roundtrip(json!({"start": 0, "limit": 50, "length": 1, "total": 1, "users": [{}]}));
        assert_eq!((off.shape, off.total(), off.items_key()), (PageShape::Offset, Some(1), Some("users")));
        let cp = roundtrip(json!({"organizations": [{}], "next": "abc"}));
        assert_eq!((cp.shape, cp.next()), (PageShape::Checkpoint, Some("abc")));
        let last = roundtrip(json!({"organizations": []}));
        assert_eq!((last.shape, last.next()), (PageShape::Checkpoint, None));
    }

    #[test]
    fn items_are_written_back_where_they_were() {
        // Found by the `decode_response` fuzz target: with the items moved to
        // the end, a second decode took `realms` for the items.
        let input = r#"{"enabled_clients":[],"name":"x","realms":["a"],"total":1}"#;
        let page: Page<Value> = serde_json::from_str(input).unwrap();
        assert_eq!(page.items_key(), Some("enabled_clients"));
        let encoded = serde_json::to_string(&page).unwrap();
        assert_eq!(encoded, input);
        let again: Page<Value> = serde_json::from_str(&encoded).unwrap();
        assert_eq!(again, page);
        let built = serde_json::to_string(&Page::offset("users", vec![json!(1)], 0, 50, 1)).unwrap();
        assert_eq!(built, r#"{"start":0,"limit":50,"length":1,"total":1,"users":[1]}"#);
    }

    #[test]
    fn non_lists_are_errors() {
        assert!(serde_json::from_value::<Page<Value>>(json!({"total": 3})).is_err());
        assert!(serde_json::from_value::<Page<Value>>(json!("x")).is_err());
    }

    #[test]
    fn item_errors_name_the_item() {
        let err = decode_value::<Page<u32>>(&json!({"roles": [1, "two"]})).unwrap_err();
        assert_eq!(err.path, "roles[1]", "{err}");
        let err =
            decode_value::<Page<crate::error::OAuthErrorBody>>(&json!([{"error": "x"}, {"error": 3}])).unwrap_err();
        assert_eq!(err.path, "[1].error", "{err}");
        let err = decode_value::<Page<crate::error::OAuthErrorBody>>(&json!([{}])).unwrap_err();
        assert_eq!((err.path.as_str(), err.message.as_str()), ("[0].error", "missing field"));
    }

    #[test]
    fn offset_checks() {
        assert!(check_offset(Some(9), Some(100)).is_ok());
        assert!(matches!(check_offset(Some(10), Some(100)), Err(ValidationError::ResultWindow { .. })));
        assert!(matches!(check_offset(None, Some(101)), Err(ValidationError::OutOfRange { .. })));
        assert!(check_offset(None, Some(0)).is_err());
    }

    #[test]
    fn window_is_detected() {
        let p: Page<Value> = Page::offset("users", vec![json!({}); 100], 900, 100, 5000);
        assert!(p.hits_result_window());
        let p: Page<Value> = Page::offset("users", vec![json!({}); 100], 800, 100, 5000);
        assert!(!p.hits_result_window());
    }
}
