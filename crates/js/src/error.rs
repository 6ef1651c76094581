//! Client errors as plain descriptions that the JavaScript wrapper turns into
//! `Error` subclasses: `ApiError`, `ValidationError`, `ResultWindowError`,
//! or the base `GatehouseError`. An error refused before sending or raised
//! without an answer crosses as data (the code of its sentence and its
//! fields, `gatehouse_model::message`): its sentence is composed in
//! JavaScript, so no `Display` (and no `core::fmt`) runs here for it.

use crate::input::{Input, Kind};
use gatehouse_client::{ClientError, TransportError};
use gatehouse_model::message::{Arg, Message};
use gatehouse_model::{Error as ModelError, ErrorField, ErrorFields, RateLimit, ValidationError};
use wasm_bindgen::JsValue;

/// Why a call failed: an error of the client's vocabulary (validation,
/// configuration, transport, the result window), or an error answer of
/// the API, whose body JavaScript parsed and keeps.
#[derive(Debug)]
pub enum Failure {
    /// Refused before sending, or failed without an answer.
    Client(ClientError),
    /// The API answered with an error status.
    Api {
        /// The status.
        status: u16,
        /// Its rate-limit headers.
        rate_limit: RateLimit,
        /// The body as JavaScript read it (an object, or its text).
        body: JsValue,
        /// How many times the request was sent, when it was sent again after 429s or server errors.
        attempts: Option<u32>,
        /// Whether it answered the token request.
        token: bool,
    },
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

/// An error answer's body as JavaScript parsed it, read by the model's
/// [`gatehouse_model::summarize`] (the one rule for an error's code and message).
struct Body<'a>(&'a JsValue);

impl ErrorFields for Body<'_> {
    fn text(&self) -> Option<String> {
        self.0.as_string()
    }

    fn is_object(&self) -> bool {
        self.0.kind() == Kind::Object
    }

    fn field(&self, key: &str) -> ErrorField {
        let value = self.0.field(key);
        match value.kind() {
            Kind::Null if value.is_undefined() => ErrorField::Absent,
            Kind::Null => ErrorField::Null,
            Kind::Text(s) => ErrorField::Text(s),
            Kind::Number(n) => ErrorField::Number(n),
            _ => ErrorField::Other,
        }
    }
}

/// An error description under construction: a plain JavaScript object.
struct Desc(js_sys::Object);

impl Desc {
    fn new(name: &str) -> Self {
        Self(js_sys::Object::new()).set("name", name)
    }

    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        self.put(key, value.into())
    }

    /// One field (not generic, so written once in the wasm).
    #[inline(never)]
    fn put(self, key: &str, value: JsValue) -> Self {
        // Setting a field of a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(key), &value);
        self
    }

    fn list<S: AsRef<str>>(self, key: &str, items: &[S]) -> Self {
        let array: js_sys::Array = items.iter().map(|s| JsValue::from_str(s.as_ref())).collect();
        self.set(key, array)
    }
}

fn opt(n: Option<u64>) -> JsValue {
    n.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

/// The rate-limit headers as `{ limit, remaining, reset, retryAfter }` (`null` where absent).
pub fn rate_limit(rl: &RateLimit) -> JsValue {
    Desc(js_sys::Object::new())
        .set("limit", opt(rl.limit))
        .set("remaining", opt(rl.remaining))
        .set("reset", opt(rl.reset))
        .set("retryAfter", opt(rl.retry_after))
        .0
        .into()
}

impl Desc {
    /// Sets the code of the error's sentence and its fields; the wrapper composes the
    /// sentence from the code's template (`gatehouse_model::message::MESSAGES`).
    fn message(self, m: &Message<'_>) -> Self {
        let mut d = self.set("code", m.code);
        for (name, arg) in &m.fields {
            d = match arg {
                Arg::Text(t) => d.set(name, *t),
                Arg::Number(n) => d.set(name, *n as f64),
                Arg::List(items) => d.list(name, items),
            };
        }
        d
    }
}

fn transport_kind(e: &TransportError) -> &'static str {
    match e {
        TransportError::Timeout { .. } => "timeout",
        TransportError::Connect { .. } => "connect",
        TransportError::Dropped { .. } => "dropped",
        TransportError::Cancelled => "cancelled",
        _ => "invalid",
    }
}

/// The class and `kind` of an error whose sentence is in the model's table.
fn class(e: &ClientError) -> (&'static str, Option<&'static str>) {
    match e {
        ClientError::Model(ModelError::Validation(ValidationError::ResultWindow { .. }))
        | ClientError::Model(ModelError::ResultWindow { .. }) => ("ResultWindowError", None),
        ClientError::Model(ModelError::Validation(ValidationError::Query(_))) => ("ValidationError", Some("option")),
        ClientError::Model(ModelError::Validation(_)) => ("ValidationError", None),
        ClientError::Config(_) => ("ValidationError", Some("config")),
        ClientError::Transport(t) => ("GatehouseError", Some(transport_kind(t))),
        _ => ("GatehouseError", Some("other")),
    }
}

/// The description the wrapper turns into an instance of its `Error`
/// subclass (`name`): a plain object with the error's fields, and either its
/// `message` (an API error's, read from its body by the model's rule; absent when the body
/// has none, and the wrapper gives the status's reason phrase) or the
/// `code` of its sentence in the model's table, which the wrapper composes.
pub fn describe(e: &Failure) -> JsValue {
    let e = match e {
        Failure::Api { status, rate_limit: rl, body, attempts, token } => {
            let summary = gatehouse_model::summarize(&Body(body));
            // Without a message in the body, the wrapper gives the status's reason phrase
            // (`gatehouse_model::error::reason`, written out for it as `REASONS`).
            let mut d = Desc::new("ApiError").set("statusCode", f64::from(*status));
            if let Some(message) = summary.message {
                d = d.set("message", message);
            }
            d = d.set("rateLimit", rate_limit(rl)).set("body", body.clone());
            if let Some(n) = attempts {
                d = d.set("attempts", f64::from(*n));
            }
            if let Some(code) = summary.code {
                d = d.set("errorCode", code);
            }
            if let Some(error) = summary.error {
                d = d.set("error", error);
            }
            if *token {
                d = d.set("token", true);
            }
            return d.0.into();
        }
        Failure::Client(e) => e,
    };
    let root = e.root();
    let (name, kind) = class(root);
    let mut d = Desc::new(name);
    if let Some(kind) = kind {
        d = d.set("kind", kind);
    }
    d = d.message(&root.message().unwrap_or_else(|| Message::new("other")));
    if let ClientError::Model(ModelError::Validation(ValidationError::ResultWindow { .. })) = root {
        d = d.set("window", gatehouse_model::paging::RESULT_WINDOW as f64);
    }
    if let ClientError::RetriesExhausted { attempts, .. } = e {
        d = d.set("attempts", f64::from(*attempts));
    }
    d.0.into()
}

/// A configuration error's description.
pub fn invalid(message: impl Into<String>) -> JsValue {
    describe(&Failure::Client(ClientError::Config(message.into())))
}
