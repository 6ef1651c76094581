//! Lenient JSON objects: decode the fields we know, keep everything else.
//!
//! Auth0 returns fields its spec does not list, `null` where the spec says
//! string, and occasionally a different type than documented. An admin tool
//! that drops or rejects such data would silently wipe settings when it
//! writes an object back. So every model object is decoded field by field:
//! a known field that decodes becomes typed, and anything else (unknown
//! keys, `null`s, values of an unexpected type) stays in [`Extra`] and is
//! written back verbatim. Decode then encode is lossless by construction.

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Fields of an object that the model does not type: unknown keys, `null`s
/// and values whose type differs from the documented one.
///
/// `Debug` prints only the keys, because unknown fields may hold secrets.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub Map<String, Value>);

impl Extra {
    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The raw value kept for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Keeps `value` under `key`, replacing what was there.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        self.0.insert(key.into(), value);
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// Reads fields out of a decoded JSON object; what is not taken ends in [`Extra`].
#[derive(Debug)]
pub struct ObjectReader {
    map: Map<String, Value>,
}

impl ObjectReader {
    /// Reads the object the deserializer holds; anything but an object is an error.
    pub fn from_deserializer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self { map: Map::deserialize(d)? })
    }

    /// Takes an optional field. `null` and values of another type are left
    /// in place, so they are re-emitted as they came.
    pub fn optional<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let value = self.map.get(key)?;
        if value.is_null() {
            return None;
        }
        let typed = T::deserialize(value).ok()?;
        self.map.remove(key);
        Some(typed)
    }

    /// Takes a required field; a missing or mistyped value is an error naming the field.
    pub fn required<T: DeserializeOwned, E: serde::de::Error>(&mut self, key: &'static str) -> Result<T, E> {
        let value = self.map.remove(key).ok_or_else(|| nested_error(key, "missing field"))?;
        decode_value(&value).map_err(|e| nested_error(&join_path(key, &e.path), &e.message))
    }

    /// Everything not taken.
    pub fn finish(self) -> Extra {
        Extra(self.map)
    }
}

/// Writes an object's typed fields, then the kept [`Extra`] fields that no
/// typed field has replaced.
pub struct ObjectWriter<'a, M> {
    map: M,
    written: Vec<&'static str>,
    extra: &'a Extra,
}

impl<'a, M: SerializeMap> ObjectWriter<'a, M> {
    /// Starts writing an object.
    pub fn new<S: serde::Serializer<SerializeMap = M>>(s: S, extra: &'a Extra) -> Result<Self, S::Error> {
        Ok(Self { map: s.serialize_map(None)?, written: Vec::new(), extra })
    }

    /// Writes an optional field when it is set.
    pub fn optional<T: Serialize>(&mut self, key: &'static str, value: &Option<T>) -> Result<(), M::Error> {
        match value {
            Some(v) => self.required(key, v),
            None => Ok(()),
        }
    }

    /// Writes a field.
    pub fn required<T: Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), M::Error> {
        self.written.push(key);
        self.map.serialize_entry(key, value)
    }

    /// Writes the kept fields and closes the object.
    pub fn end(mut self) -> Result<M::Ok, M::Error> {
        for (k, v) in &self.extra.0 {
            if !self.written.contains(&k.as_str()) {
                self.map.serialize_entry(k, v)?;
            }
        }
        self.map.end()
    }
}

/// Declares a model object with lossless, lenient (de)serialization.
///
/// Required fields are plain `T`, optional ones become `Option<T>`, and an
/// `extra: Extra` field keeps the rest (see the module docs).
#[macro_export]
macro_rules! object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( required { $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty => $rkey:literal ),* $(,)? } )?
            $( optional { $( $(#[$ometa:meta])* $ofield:ident : $oty:ty => $okey:literal ),* $(,)? } )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $($( $(#[$rmeta])* pub $rfield: $rty, )*)?
            $($( $(#[$ometa])* pub $ofield: ::core::option::Option<$oty>, )*)?
            /// Fields this version does not type, kept so that writing the object back loses nothing.
            pub extra: $crate::object::Extra,
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #[allow(unused_mut)]
                let mut r = $crate::object::ObjectReader::from_deserializer(d)?;
                Ok(Self {
                    $($( $rfield: r.required::<_, D::Error>($rkey)?, )*)?
                    $($( $ofield: r.optional($okey), )*)?
                    extra: r.finish(),
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                #[allow(unused_mut)]
                let mut w = $crate::object::ObjectWriter::new(s, &self.extra)?;
                $($( w.required($rkey, &self.$rfield)?; )*)?
                $($( w.optional($okey, &self.$ofield)?; )*)?
                w.end()
            }
        }
    };
}

/// Declares a string enum that keeps values this version does not know in `Unknown`.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of Gatehouse does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every known value, in the order the API documents them.
            pub const KNOWN: &'static [&'static str] = &[$($value),*];

            /// The wire form of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(s) => s.as_str(),
                }
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $value => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                let s = <::std::string::String>::deserialize(d)?;
                Ok(Self::from(s.as_str()))
            }
        }
    };
}

// Nested decodes run on already-parsed values, out of sight of the outer
// `serde_path_to_error`; their path travels in the message behind this marker
// and `located` moves it back into `DecodeError::path`.
const AT: &str = "at `";

/// An error whose message carries the path, inside the object, of what failed.
pub(crate) fn nested_error<E: serde::de::Error>(path: &str, message: &str) -> E {
    E::custom(format_args!("{AT}{path}`: {message}"))
}

/// Joins two JSON paths (`users` + `[1].email`, `identities` + `provider`).
pub(crate) fn join_path(outer: &str, inner: &str) -> String {
    match (outer, inner) {
        ("." | "", inner) => inner.to_owned(),
        (outer, "." | "") => outer.to_owned(),
        (outer, inner) if inner.starts_with('[') => format!("{outer}{inner}"),
        (outer, inner) => format!("{outer}.{inner}"),
    }
}

fn located(path: String, message: String) -> crate::DecodeError {
    if let Some(rest) = message.strip_prefix(AT) {
        if let Some((inner, message)) = rest.split_once("`: ") {
            return crate::DecodeError { path: join_path(&path, inner), message: message.to_owned() };
        }
    }
    crate::DecodeError { path, message }
}

/// Decodes `T` from a JSON value, naming the path of the first field that failed.
pub fn decode_value<T: DeserializeOwned>(value: &Value) -> Result<T, crate::DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| located(e.path().to_string(), e.inner().to_string()))
}

/// Decodes `T` from JSON bytes, naming the path of the first field that failed.
///
/// The bytes must be one JSON value: anything but whitespace after it (a
/// second value, a truncated concatenation, stray bytes) is an error, as in
/// `serde_json::from_slice`.
pub fn decode_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, crate::DecodeError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value =
        serde_path_to_error::deserialize(&mut *de).map_err(|e| located(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| crate::DecodeError { path: ".".into(), message: e.to_string() })?;
    Ok(value)
}
