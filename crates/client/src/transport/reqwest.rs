//! The host transport, on `reqwest` with rustls.

use super::Transport;
use crate::error::TransportError;
use crate::rt::BoxFuture;
use std::time::Duration;

/// Sends requests with a [`reqwest::Client`] (rustls, connection pooling).
///
/// Timeouts are the [`crate::Client`]'s business; this transport only sets
/// a connect timeout, so a dead host is reported as
/// [`TransportError::Connect`] quickly.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Invalid { message: e.to_string() })?;
        Ok(Self { client })
    }

    /// A transport over an existing `reqwest::Client` (to share its pool or settings).
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

fn classify(e: &reqwest::Error) -> TransportError {
    let message = error_chain(e);
    if e.is_timeout() {
        TransportError::Timeout { after: Duration::ZERO }
    } else if e.is_connect() {
        TransportError::Connect { message }
    } else if e.is_builder() {
        TransportError::Invalid { message }
    } else {
        TransportError::Dropped { message }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl Transport for ReqwestTransport {
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TransportError::Invalid { message: error_chain(&e) })?;
            let response = self.client.execute(request).await.map_err(|e| classify(&e))?;
            let mut builder = http::Response::builder().status(response.status()).version(response.version());
            if let Some(headers) = builder.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response.bytes().await.map_err(|e| classify(&e))?;
            builder.body(body.to_vec()).map_err(|e| TransportError::Invalid { message: e.to_string() })
        })
    }
}
