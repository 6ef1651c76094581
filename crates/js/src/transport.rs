//! The package's transport: the client's [`Transport`] over a `fetch` that the
//! JavaScript wrapper passes in (`pkg/client.js`, `send`).
//!
//! The send loop (pacing, tokens, retries) stays the client's; what crosses to
//! JavaScript is one request at a time. Two things make it cheaper than a
//! transport that copies everything into the wasm:
//!
//! - A successful (2xx) answer of the API stays in JavaScript: the wrapper
//!   keeps its text under a number ([`JsBody`], in the response's extensions)
//!   and hands that text straight to `JSON.parse`. The bytes cross into the
//!   wasm only where Rust reads them: error answers (typed errors, the 401 that
//!   renews a token) and the token endpoint's answer.
//! - Only the headers the client reads come back (`x-ratelimit-limit`,
//!   `-remaining`, `-reset`, `retry-after`), as names the wasm knows statically.
//!
//! A request dropped before its answer (a timeout) is aborted through its
//! `AbortController`, as the fetch transport of `gatehouse-client` does.

#[cfg(target_arch = "wasm32")]
use gatehouse_client::TransportError;
#[cfg(target_arch = "wasm32")]
use http::header::{HeaderName, RETRY_AFTER};
use js_sys::Function;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::{JsCast, JsValue};

/// The number under which the wrapper keeps a successful answer's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsBody(pub u32);

/// The headers read back, in the order the wrapper returns their values.
#[cfg(target_arch = "wasm32")]
const HEADERS: [HeaderName; 4] = [
    HeaderName::from_static("x-ratelimit-limit"),
    HeaderName::from_static("x-ratelimit-remaining"),
    HeaderName::from_static("x-ratelimit-reset"),
    RETRY_AFTER,
];

/// Sends through the wrapper's `send(method, url, headers, body, keep, signal)`,
/// which resolves with `[status, [limit, remaining, reset, retryAfter], bytes | undefined, key | undefined]`.
#[derive(Debug, Clone)]
pub struct JsTransport {
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    send: Function,
}

impl JsTransport {
    /// A transport over the wrapper's `send` function.
    pub fn new(send: Function) -> Self {
        Self { send }
    }
}

/// Aborts the fetch when the attempt is dropped before it settles.
#[cfg(target_arch = "wasm32")]
struct AbortOnDrop(Option<web_sys::AbortController>);

#[cfg(target_arch = "wasm32")]
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn dropped(e: JsValue) -> TransportError {
    let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string());
    if name.as_deref() == Some("AbortError") {
        return TransportError::Cancelled;
    }
    let message = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string());
    TransportError::Dropped { message: message.unwrap_or_else(|| "fetch failed".into()) }
}

#[cfg(target_arch = "wasm32")]
fn invalid(message: &str) -> TransportError {
    TransportError::Invalid { message: message.into() }
}

// wasm32 only: on the host a transport's future must be `Send`, and JavaScript's are not.
#[cfg(target_arch = "wasm32")]
impl gatehouse_client::Transport for JsTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> gatehouse_client::rt::BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        use http::header::HeaderValue;
        use js_sys::{Array, Promise, Uint8Array};
        use wasm_bindgen_futures::JsFuture;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let headers = Array::new();
            for (name, value) in &parts.headers {
                let value = value.to_str().map_err(|_| invalid("a header value is not text"))?;
                headers.push(&name.as_str().into());
                headers.push(&value.into());
            }
            // The token endpoint's answer is read by the client; an API answer by JavaScript.
            let keep = !parts.uri.path().ends_with("/oauth/token");
            let body = if body.is_empty() { JsValue::UNDEFINED } else { Uint8Array::from(body.as_slice()).into() };
            let controller = web_sys::AbortController::new().map_err(|_| invalid("AbortController is unavailable"))?;
            let mut guard = AbortOnDrop(Some(controller.clone()));
            let args = Array::of5(
                &parts.method.as_str().into(),
                &parts.uri.to_string().into(),
                &headers,
                &body,
                &JsValue::from_bool(keep),
            );
            args.push(&controller.signal());
            let promise = self.send.apply(&JsValue::NULL, &args).map_err(dropped)?;
            let answer = JsFuture::from(Promise::from(promise)).await.map_err(dropped)?;
            guard.0 = None;
            let answer = Array::from(&answer);
            let status = answer.get(0).as_f64().map_or(0, |s| s as u16);
            let mut response = http::Response::builder().status(status);
            let values = Array::from(&answer.get(1));
            for (i, name) in HEADERS.iter().enumerate() {
                if let Some(value) = values.get(i as u32).as_string()
                    && let Ok(value) = HeaderValue::from_str(&value)
                {
                    response = response.header(name, value);
                }
            }
            let bytes = answer.get(2).dyn_into::<Uint8Array>().map(|b| b.to_vec()).unwrap_or_default();
            if let Some(key) = answer.get(3).as_f64() {
                response = response.extension(JsBody(key as u32));
            }
            response.body(bytes).map_err(|_| invalid("the answer's status is not valid"))
        })
    }
}
