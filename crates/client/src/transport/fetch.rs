//! The browser transport, on `fetch` through `gloo-net`.

use super::Transport;
use crate::error::TransportError;
use crate::rt::BoxFuture;
use gloo_net::http::{Headers, RequestBuilder};
use web_sys::{AbortController, RequestCredentials};

/// Sends requests with the browser's `fetch`.
///
/// With [`FetchTransport::include_credentials`] the browser sends its
/// cookies (`credentials: include`), which is how a page calls the BFF in
/// cookie mode. Dropping the future aborts the fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchTransport {
    include_credentials: bool,
}

impl FetchTransport {
    /// A transport that sends cookies only to the page's own origin (`same-origin`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to send cookies to other origins too (`credentials: include`).
    pub fn include_credentials(mut self, include: bool) -> Self {
        self.include_credentials = include;
        self
    }
}

/// Aborts the fetch when dropped before [`AbortOnDrop::disarm`].
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
    }
}

fn js_error(e: gloo_net::Error) -> TransportError {
    match e {
        gloo_net::Error::JsError(js) if js.name == "AbortError" => TransportError::Cancelled,
        // A fetch that fails is a TypeError: the browser does not say whether
        // the request reached the server, so it counts as lost after sending.
        gloo_net::Error::JsError(js) => TransportError::Dropped { message: format!("{}: {}", js.name, js.message) },
        other => TransportError::Dropped { message: other.to_string() },
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        let credentials =
            if self.include_credentials { RequestCredentials::Include } else { RequestCredentials::SameOrigin };
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let controller = AbortController::new()
                .map_err(|_| TransportError::Invalid { message: "AbortController is unavailable".into() })?;
            let guard = AbortOnDrop(Some(controller.clone()));
            let headers = Headers::new();
            for (name, value) in &parts.headers {
                let value =
                    value.to_str().map_err(|e| TransportError::Invalid { message: format!("header {name}: {e}") })?;
                headers.append(name.as_str(), value);
            }
            let builder = RequestBuilder::new(&parts.uri.to_string())
                .method(parts.method.clone())
                .headers(headers)
                .credentials(credentials)
                .abort_signal(Some(&controller.signal()));
            let request =
                if body.is_empty() { builder.build() } else { builder.body(js_sys::Uint8Array::from(body.as_slice())) }
                    .map_err(|e| TransportError::Invalid { message: e.to_string() })?;
            let response = request.send().await.map_err(js_error)?;
            let mut out = http::Response::builder().status(response.status());
            for (name, value) in response.headers().entries() {
                out = out.header(name, value);
            }
            let bytes = response.binary().await.map_err(js_error)?;
            guard.disarm();
            out.body(bytes).map_err(|e| TransportError::Invalid { message: e.to_string() })
        })
    }
}
