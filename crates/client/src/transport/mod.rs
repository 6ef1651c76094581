//! The HTTP transport: the one place bytes go over the network.
//!
//! The model builds `http::Request`s and parses `http::Response`s; a
//! [`Transport`] only moves them. Implementations: [`ReqwestTransport`] on
//! the host (feature `reqwest`, on by default) and [`FetchTransport`] in the
//! browser. Tests plug in a scripted one.

use crate::error::TransportError;
use crate::rt::{BoxFuture, MaybeSend, MaybeSync};

#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
mod reqwest;

#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub use reqwest::ReqwestTransport;

/// Sends one HTTP request and reads the whole response.
///
/// A transport does no retrying, authentication or pacing: the client does.
/// It must not follow the request with anything of its own; it reports a
/// failure to get a response as a typed [`TransportError`], telling apart a
/// connection that was never made (safe to send again) from one lost after
/// sending (the server may have acted). Dropping the returned future must
/// abort the request.
pub trait Transport: MaybeSend + MaybeSync {
    /// Sends `request` and returns the response with its whole body.
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        (**self).send(request)
    }
}

/// The transport the client uses when none is given: reqwest on the host,
/// fetch in the browser (with `credentials: include` when `cookies` is set).
#[allow(unused_variables)]
pub(crate) fn default_transport(cookies: bool) -> Option<std::sync::Arc<dyn Transport>> {
    #[cfg(target_arch = "wasm32")]
    {
        return Some(std::sync::Arc::new(FetchTransport::new().include_credentials(cookies)));
    }
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    {
        return ReqwestTransport::new().ok().map(|t| std::sync::Arc::new(t) as std::sync::Arc<dyn Transport>);
    }
    #[allow(unreachable_code)]
    None
}
