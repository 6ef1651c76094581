//! What the package reads from JavaScript values (the client options, a
//! method's options object, a body) without decoding JSON in the wasm: the
//! values stay JavaScript objects, read field by field ([`Input`] for
//! `JsValue`); the unit tests read `serde_json` values the same way.

use wasm_bindgen::{JsCast, JsValue};

/// What a value is, as far as the package's checks care.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null` or `undefined` (absent).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// An array.
    Array,
    /// Any other object.
    Object,
    /// Anything else (a function, a symbol, a bigint).
    Other,
}

/// A value read field by field.
pub trait Input: Sized {
    /// What the value is.
    fn kind(&self) -> Kind;
    /// An object's own keys, in order.
    fn keys(&self) -> Vec<String>;
    /// An object's field (`Kind::Null` when absent).
    fn field(&self, key: &str) -> Self;
    /// An array's items.
    fn items(&self) -> Vec<Self>;
    /// Its JSON text (`None` when it has none, such as a cyclic object).
    fn json(&self) -> Option<String>;

    /// The value as a whole number from 0, if it is one.
    fn whole(&self) -> Option<u64> {
        match self.kind() {
            // Up to 2^53, where every whole number is exact.
            Kind::Number(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0 => Some(n as u64),
            _ => None,
        }
    }
}

impl Input for JsValue {
    fn kind(&self) -> Kind {
        if self.is_null() || self.is_undefined() {
            Kind::Null
        } else if let Some(b) = self.as_bool() {
            Kind::Bool(b)
        } else if let Some(n) = self.as_f64() {
            Kind::Number(n)
        } else if let Some(s) = self.as_string() {
            Kind::Text(s)
        } else if js_sys::Array::is_array(self) {
            Kind::Array
        } else if self.is_object() {
            Kind::Object
        } else {
            Kind::Other
        }
    }

    fn keys(&self) -> Vec<String> {
        match self.dyn_ref::<js_sys::Object>() {
            Some(o) => js_sys::Object::keys(o).iter().filter_map(|k| k.as_string()).collect(),
            None => Vec::new(),
        }
    }

    fn field(&self, key: &str) -> Self {
        js_sys::Reflect::get(self, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn items(&self) -> Vec<Self> {
        match self.dyn_ref::<js_sys::Array>() {
            Some(a) => a.iter().collect(),
            None => Vec::new(),
        }
    }

    fn json(&self) -> Option<String> {
        js_sys::JSON::stringify(self).ok().and_then(|s| s.as_string())
    }
}

#[cfg(test)]
impl Input for serde_json::Value {
    fn kind(&self) -> Kind {
        use serde_json::Value;
        match self {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(n) => Kind::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Kind::Text(s.clone()),
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    fn keys(&self) -> Vec<String> {
        self.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }

    fn field(&self, key: &str) -> Self {
        self.get(key).cloned().unwrap_or(serde_json::Value::Null)
    }

    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }

    fn json(&self) -> Option<String> {
        Some(self.to_string())
    }
}
