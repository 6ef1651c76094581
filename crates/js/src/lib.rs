//! WebAssembly bindings of the Gatehouse client: the core of the npm package
//! `@gatehouse/auth0` (built into `pkg/` by `cargo xtask pkg`).
//!
//! Rust keeps the logic: building and validating the requests of every
//! operation of both specs from the model's wire descriptions ([`wire`]), authentication with cached tokens, pacing, retries,
//! paging and typed errors. Responses are not decoded here: their JSON goes
//! to JavaScript as text, where `JSON.parse` makes plain objects of it, so
//! fields Gatehouse does not know are kept and the wasm stays small. A small
//! ESM wrapper (`pkg/client.js`) turns the exports into namespaces
//! (`client.users.list()`), async iterators and `Error` subclasses.
//!
//! Errors cross the boundary as JSON strings describing them (see [`error`]);
//! the wrapper throws the matching class.

pub mod config;
pub mod error;
pub mod options;
pub mod pager;
pub mod table;
pub mod transport;
pub mod wire;

use gatehouse_client::{Client, ClientError, RawRequest};
use pager::{Mode, Next};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wire::{Built, Call};

fn reject(e: &ClientError) -> JsValue {
    JsValue::from_str(&error::describe(e).to_string())
}

fn reject_invalid(message: impl Into<String>) -> JsValue {
    JsValue::from_str(&error::invalid(message).to_string())
}

/// A successful answer's body: kept in JavaScript under a number (the
/// package's transport), or its bytes.
enum Body {
    Kept(transport::JsBody),
    Bytes(Vec<u8>),
}

/// Sends a built request; the answer's body on success, the typed error otherwise.
async fn send(client: &Client, built: Built) -> Result<Body, ClientError> {
    let wire = built.wire;
    let response = client
        .send_described(RawRequest {
            api: wire.api,
            verb: wire.verb,
            path_and_query: built.path_and_query,
            content_type: built.body.as_ref().map(|b| b.content_type.clone()),
            body: built.body.map(|b| b.bytes),
        })
        .await?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(match response.extensions().get::<transport::JsBody>() {
            Some(key) => Body::Kept(*key),
            None => Body::Bytes(response.into_body()),
        });
    }
    let now = web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let rate_limit = gatehouse_model::RateLimit::from_headers_at(response.headers(), now);
    let body = gatehouse_model::ErrorBody::parse(response.body());
    Err(gatehouse_model::ApiError { status, body, rate_limit }.into())
}

/// A response body for JavaScript: the number its text is kept under, or its
/// bytes (`undefined` when empty), which the wrapper hands to `JSON.parse`.
fn to_js(body: Body) -> JsValue {
    match body {
        Body::Kept(key) => JsValue::from(key.0),
        Body::Bytes(b) if b.iter().all(u8::is_ascii_whitespace) => JsValue::UNDEFINED,
        Body::Bytes(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
    }
}

/// A configured client (`new Core(optionsJson)`); the wrapper's `ManagementClient` holds one.
#[wasm_bindgen]
pub struct Core {
    client: Client,
}

#[wasm_bindgen]
impl Core {
    /// Builds a client from the JSON of the `ManagementClient` options, sending
    /// through the wrapper's `send` function ([`transport::JsTransport`]).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, send: js_sys::Function) -> Result<Core, JsValue> {
        #[cfg(target_arch = "wasm32")]
        let transport: Option<std::sync::Arc<dyn gatehouse_client::Transport>> =
            Some(std::sync::Arc::new(transport::JsTransport::new(send)));
        #[cfg(not(target_arch = "wasm32"))]
        let transport = {
            drop(send);
            None
        };
        let client = config::ClientOptions::parse(options).and_then(|o| o.build(transport)).map_err(reject_invalid)?;
        Ok(Core { client })
    }

    /// Calls the operation named `method` (such as `users.permissions.list`)
    /// with its ids, options object and body: resolves with the response's
    /// JSON (the number its text is kept under in JavaScript, or bytes;
    /// `undefined` when empty), rejects with an error description.
    pub fn call(
        &self,
        method: &str,
        params: Vec<String>,
        options: Option<String>,
        body: Option<String>,
    ) -> js_sys::Promise {
        let built = Call::new(method, params, options.as_deref(), body.as_deref()).and_then(|c| c.built());
        let client = self.client.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let built = built.map_err(|e| reject(&e))?;
            send(&client, built).await.map(to_js).map_err(|e| reject(&e))
        })
    }

    /// A pager over the list method named `method`.
    pub fn pager(&self, method: &str, params: Vec<String>, options: Option<String>) -> Result<Pager, JsValue> {
        let mut op = Box::new(Call::new(method, params, options.as_deref(), None).map_err(|e| reject(&e))?);
        if !wire::is_list(op.wire()) {
            return Err(reject_invalid(format!("`{method}` is not a list")));
        }
        let mode = pager::prepare(&mut op);
        let state = PagerState { op, mode, pending: None, done: false, busy: false, unread: false };
        Ok(Pager { client: self.client.clone(), state: Rc::new(RefCell::new(state)) })
    }

    /// The rate-limit headers of the latest response that had any, as JSON.
    #[wasm_bindgen(js_name = rateLimit)]
    pub fn rate_limit(&self) -> String {
        let rl = self.client.rate_limit();
        serde_json::json!({ "limit": rl.limit, "remaining": rl.remaining, "reset": rl.reset, "retryAfter": rl.retry_after })
            .to_string()
    }

    /// Counters since the client was built, as JSON.
    pub fn metrics(&self) -> String {
        let m = self.client.metrics();
        serde_json::json!({
            "requests": m.requests,
            "retries": m.retries,
            "rateLimited": m.rate_limited,
            "tokenRequests": m.token_requests,
            "paced": m.paced,
            "transportErrors": m.transport_errors,
        })
        .to_string()
    }

    /// Forgets cached access tokens; the next call fetches new ones.
    #[wasm_bindgen(js_name = clearTokens)]
    pub fn clear_tokens(&self) {
        self.client.clear_tokens();
    }
}

struct PagerState {
    op: Box<Call>,
    mode: Mode,
    pending: Option<ClientError>,
    done: bool,
    busy: bool,
    /// A page was handed out and [`Pager::page`] has not read it yet.
    unread: bool,
}

/// Pages through one list: `next()` resolves with `[body]` per page (as
/// [`Core::call`] resolves), then `undefined`; after each page the wrapper
/// calls `page(...)` with what the walk reads of it, which moves to the next one.
#[wasm_bindgen]
pub struct Pager {
    client: Client,
    state: Rc<RefCell<PagerState>>,
}

#[wasm_bindgen]
impl Pager {
    /// The next page as `[body]`, or `undefined` after the last one. Rejects
    /// with the result-window error after the last page offset paging can reach.
    pub fn next(&self) -> js_sys::Promise {
        let client = self.client.clone();
        let state = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let built = {
                let mut s = state.borrow_mut();
                if s.busy || s.unread {
                    return Err(reject_invalid("next() called before the previous page was read"));
                }
                if let Some(e) = s.pending.take() {
                    s.done = true;
                    return Err(reject(&e));
                }
                if s.done {
                    return Ok(JsValue::UNDEFINED);
                }
                s.busy = true;
                s.op.built()
            };
            let result = match built {
                Ok(built) => send(&client, built).await,
                Err(e) => Err(e),
            };
            let mut s = state.borrow_mut();
            s.busy = false;
            match result {
                Ok(body) => {
                    s.unread = true;
                    Ok(js_sys::Array::of1(&to_js(body)).into())
                }
                Err(e) => {
                    s.done = true;
                    Err(reject(&e))
                }
            }
        })
    }

    /// The key a page's items are under (`undefined` for a bare array), from
    /// the operation's description.
    #[wasm_bindgen(getter, js_name = itemsKey)]
    pub fn items_key(&self) -> Option<String> {
        self.state.borrow().op.wire().paging.items().and_then(|i| i.key()).map(str::to_owned)
    }

    /// Reads the page `next()` gave, as JavaScript parsed it: how many items
    /// it holds, whether it was a bare array, the envelope's `start`, `limit`,
    /// `total` and `next`, and the last item's `log_id`; moves to the next page.
    #[allow(clippy::too_many_arguments)]
    pub fn page(
        &self,
        count: u32,
        bare: bool,
        start: Option<f64>,
        limit: Option<f64>,
        total: Option<f64>,
        next: Option<String>,
        last_log_id: Option<String>,
    ) -> Result<(), JsValue> {
        let mut s = self.state.borrow_mut();
        if !s.unread {
            return Err(reject_invalid("page() called without a page from next()"));
        }
        s.unread = false;
        // Whole numbers from 0 only (a fraction or a negative number is not a position).
        let whole = |n: Option<f64>| n.filter(|n| n.fract() == 0.0 && *n >= 0.0).map(|n| n as u64);
        let outline = pager::Outline {
            count: count as usize,
            bare,
            start: whole(start),
            limit: whole(limit),
            total: whole(total),
            next: next.filter(|n| !n.is_empty()),
            last_log_id,
        };
        let PagerState { op, mode, .. } = &mut *s;
        match pager::advance(mode, op, &outline) {
            Next::Continue => {}
            Next::Done => s.done = true,
            Next::Fail(e) => s.pending = Some(e),
        }
        Ok(())
    }
}
