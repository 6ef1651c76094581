//! WebAssembly bindings of the Gatehouse client: the core of the npm package
//! `@gatehouse/auth0` (built into `pkg/` by `cargo xtask pkg`).
//!
//! Rust keeps the logic: building and validating the requests of every
//! operation of both specs from the model's wire descriptions ([`wire`]),
//! and the send loop ([`send`]: cached tokens, pacing, retries), paging and
//! typed errors. JSON is never decoded in the wasm: options and bodies are
//! read field by field from the JavaScript objects ([`input`]), and answers
//! are parsed by `JSON.parse` in the wrapper's `fetch` and handed back as
//! they are, so fields Gatehouse does not know are kept and the wasm stays
//! small. A small ESM wrapper (`crates/js/npm/client.js`, shipped minified as `pkg/client.js`) does the `fetch` and turns
//! the exports into namespaces (`client.users.list()`), async iterators and
//! `Error` subclasses.
//!
//! Errors cross the boundary as plain objects describing them (see
//! [`error`]); the wrapper throws the matching class.

pub mod config;
pub mod error;
pub mod input;
pub mod options;
pub mod pager;
pub mod send;
pub mod table;
pub mod wire;

use error::Failure;
use pager::{Mode, Next};
use send::{Engine, Outgoing};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wire::{Built, Call};

/// The wasm's allocator: `lol_alloc`'s free list (first fit, neighbours merged on free),
/// about 0.7 KB of code where `std`'s dlmalloc takes 4.6 KB, which is 2 KB of the package
/// gzipped. The package allocates a call's strings and small vectors and frees them when the
/// call ends; the lock is never contended (the wasm runs on one thread).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// A promise of `future`: one instantiation of `future_to_promise` for every export
/// (each async export would otherwise carry its own copy of the promise glue).
fn promise(future: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

fn reject(e: &Failure) -> JsValue {
    error::describe(e)
}

fn reject_invalid(message: impl Into<String>) -> JsValue {
    error::invalid(message)
}

/// Sends a built request; the answer's body (as JavaScript parsed it) on
/// success, the typed error otherwise.
async fn send(engine: &Engine, built: Built) -> Result<JsValue, Failure> {
    let wire = built.wire;
    let url = [engine.settings.base.origin(wire.api), &built.path_and_query].concat();
    let (content_type, body) = match built.body {
        Some(b) => (Some(b.content_type), JsValue::from(js_sys::Uint8Array::from(b.bytes.as_slice()))),
        None => (None, JsValue::UNDEFINED),
    };
    let answer = engine.execute(&Outgoing { api: wire.api, verb: wire.verb, url, content_type, body }).await?;
    let status = answer.status;
    if (200..300).contains(&status) {
        return Ok(answer.body);
    }
    let gave_up = gatehouse_client::gave_up(status, answer.attempts);
    Err(Failure::Api {
        status,
        rate_limit: answer.rate_limit,
        body: answer.body,
        attempts: gave_up.then_some(answer.attempts),
        token: false,
    })
}

/// The ids of a call: the array of strings the wrapper passes (read as a JavaScript value,
/// which costs the wasm less than wasm-bindgen's `Vec<String>` conversion; anything but a
/// string is left out, and then the call has too few ids and is refused).
fn ids(params: &JsValue) -> Vec<String> {
    use input::Input;
    params.items().iter().filter_map(JsValue::as_string).collect()
}

/// A configured client (`new Core(options, send)`); the wrapper's `ManagementClient` holds one.
#[wasm_bindgen]
pub struct Core {
    engine: Rc<Engine>,
}

#[wasm_bindgen]
impl Core {
    /// Builds a client from the `ManagementClient` options object, sending
    /// through the wrapper's `send` function (see [`send::Engine::new`]).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, send: js_sys::Function) -> Result<Core, JsValue> {
        let settings = config::ClientOptions::parse(&options).and_then(|o| o.build()).map_err(reject_invalid)?;
        Ok(Core { engine: Rc::new(Engine::new(settings, send)) })
    }

    /// Calls the operation at position `id` of the method list (`gatehouse_js_api.js`,
    /// the order of the model's `WIRES`) with its ids, options object and body: resolves
    /// with the response's JSON as JavaScript parsed it (`undefined` when empty), rejects
    /// with an error description (whose `operation`, where it has one, is empty: the
    /// wrapper, which knows the name, fills it in).
    pub fn call(&self, id: u32, params: JsValue, options: JsValue, body: JsValue) -> js_sys::Promise {
        let built = Call::new(id, ids(&params), &options, &body).and_then(|c| c.built());
        let engine = self.engine.clone();
        promise(Box::pin(async move {
            let built = built.map_err(|e| reject(&e.into()))?;
            send(&engine, built).await.map_err(|e| reject(&e))
        }))
    }

    /// A pager over the list method at position `id` (as [`Core::call`] takes it).
    pub fn pager(&self, id: u32, params: JsValue, options: JsValue) -> Result<Pager, JsValue> {
        let mut op = Box::new(Call::new(id, ids(&params), &options, &JsValue::NULL).map_err(|e| reject(&e.into()))?);
        if !wire::is_list(op.wire()) {
            return Err(reject_invalid("the operation is not a list"));
        }
        let mode = pager::prepare(&mut op);
        let state = PagerState { op, mode, pending: None, done: false, busy: false, unread: false };
        Ok(Pager { engine: self.engine.clone(), state: Rc::new(RefCell::new(state)) })
    }

    /// The rate-limit headers of the latest response that had any:
    /// `{ limit, remaining, reset, retryAfter }`.
    #[wasm_bindgen(js_name = rateLimit)]
    pub fn rate_limit(&self) -> JsValue {
        error::rate_limit(&self.engine.pacer.last())
    }

    /// Counters since the client was built, in this order: requests,
    /// retries, 429s, token requests, paced requests, transport errors.
    pub fn metrics(&self) -> js_sys::Array {
        self.engine.counters.0.iter().map(|c| JsValue::from_f64(c.get() as f64)).collect()
    }

    /// Forgets cached access tokens; the next call fetches new ones.
    #[wasm_bindgen(js_name = clearTokens)]
    pub fn clear_tokens(&self) {
        self.engine.clear_tokens();
    }
}

struct PagerState {
    op: Box<Call>,
    mode: Mode,
    pending: Option<Failure>,
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
    engine: Rc<Engine>,
    state: Rc<RefCell<PagerState>>,
}

#[wasm_bindgen]
impl Pager {
    /// The next page as `[body]`, or `undefined` after the last one. Rejects
    /// with the result-window error after the last page offset paging can reach.
    pub fn next(&self) -> js_sys::Promise {
        let engine = self.engine.clone();
        let state = self.state.clone();
        promise(Box::pin(async move {
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
                Ok(built) => send(&engine, built).await,
                Err(e) => Err(e.into()),
            };
            let mut s = state.borrow_mut();
            s.busy = false;
            match result {
                Ok(body) => {
                    s.unread = true;
                    Ok(js_sys::Array::of1(&body).into())
                }
                Err(e) => {
                    s.done = true;
                    Err(reject(&e))
                }
            }
        }))
    }

    /// The key a page's items are under (`undefined` for a bare array), from
    /// the operation's description.
    #[wasm_bindgen(getter, js_name = itemsKey)]
    pub fn items_key(&self) -> JsValue {
        let key = self.state.borrow().op.wire().paging.items().and_then(|i| i.key());
        key.map_or(JsValue::UNDEFINED, JsValue::from_str)
    }

    /// Reads the page `next()` gave, as JavaScript parsed it: how many items
    /// it holds, whether it was a bare array, the envelope's `start`, `limit`,
    /// `total` and `next`, and the last item's `log_id` (each a string, or `undefined`);
    /// moves to the next page.
    #[allow(clippy::too_many_arguments)]
    pub fn page(
        &self,
        count: u32,
        bare: bool,
        start: Option<f64>,
        limit: Option<f64>,
        total: Option<f64>,
        next: JsValue,
        last_log_id: JsValue,
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
            next: next.as_string().filter(|n| !n.is_empty()),
            last_log_id: last_log_id.as_string(),
        };
        let PagerState { op, mode, .. } = &mut *s;
        match pager::advance(mode, op, &outline) {
            Next::Continue => {}
            Next::Done => s.done = true,
            Next::Fail(e) => s.pending = Some(e.into()),
        }
        Ok(())
    }
}
