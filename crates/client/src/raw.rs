//! Raw sends, for a proxy (the BFF) that forwards operations it has already
//! matched and validated: the bytes go as given, the answer comes back as
//! it came (any status), and the client still applies the right audience's
//! cached token, the shared pacing and its retry rules.

use crate::client::{Client, Template};
use crate::error::ClientError;
use gatehouse_model::operation::{self, Api, Verb};

/// A request to forward as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// Which API it is for (selects the origin and the token audience).
    pub api: Api,
    /// Method.
    pub verb: Verb,
    /// Path (still percent-encoded) and query, such as `/api/v2/users/auth0%7C1?fields=email`.
    pub path_and_query: String,
    /// Body, if any.
    pub body: Option<Vec<u8>>,
    /// The body's `Content-Type` (with its boundary, for multipart); `None`
    /// sends a body as `application/json`.
    pub content_type: Option<String>,
}

impl Client {
    /// Sends a request of the operation table as it is, and returns the
    /// response whatever its status (an error status is not an error here).
    ///
    /// The path must match a row of the table for `verb` and `api`, else
    /// nothing is sent: this is not a way to reach other endpoints. The
    /// request is paced, authenticated and retried like [`Client::send`]:
    /// 429s are waited out and sent again, server errors and transport
    /// failures are retried only for idempotent methods. `Err` means no
    /// response was read (transport failure, no token).
    pub async fn send_raw(&self, request: RawRequest) -> Result<http::Response<Vec<u8>>, ClientError> {
        let path = request.path_and_query.split('?').next().unwrap_or("");
        operation::find(request.verb, path)
            .filter(|(spec, _)| spec.api == request.api && spec.api != Api::Authentication)
            .ok_or_else(|| {
                ClientError::Config(format!("{:?} {path} is not an operation of the table", request.verb))
            })?;
        self.forward(request).await
    }

    /// Makes sure an access token for `api` is cached (fetching one if
    /// needed): a readiness check that costs no API call once a token is held.
    pub async fn ensure_token(&self, api: Api) -> Result<(), ClientError> {
        match self.audience(api) {
            Some(audience) => self.token(audience, None).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Sends a request of an operation the caller describes itself (the npm
    /// package, which carries a wire description of every operation of the
    /// specs rather than the model's table): `api` and `verb` say how it is
    /// authenticated, paced and retried, as for [`Client::send_raw`]. The
    /// path must be an already filled, percent-encoded path of that API
    /// (`/api/...`); the origin is always the configured one for `api`.
    pub async fn send_described(&self, request: RawRequest) -> Result<http::Response<Vec<u8>>, ClientError> {
        let path = request.path_and_query.split('?').next().unwrap_or("");
        if request.api == Api::Authentication || !path.starts_with("/api/") || path.contains("//") {
            return Err(ClientError::Config(format!("{:?} {path} is not a path of the API", request.verb)));
        }
        self.forward(request).await
    }

    /// Sends a request whose path the caller has checked, through the one
    /// send loop (pacing, token, retries), and returns the response whatever
    /// its status.
    async fn forward(&self, request: RawRequest) -> Result<http::Response<Vec<u8>>, ClientError> {
        let uri = format!("{}{}", self.base_urls().origin(request.api), request.path_and_query);
        let mut builder = http::Request::builder()
            .method(request.verb.as_http())
            .uri(uri.as_str())
            .header(http::header::ACCEPT, "application/json");
        if request.body.is_some() {
            let content_type = request.content_type.as_deref().unwrap_or("application/json");
            builder = builder.header(http::header::CONTENT_TYPE, content_type);
        }
        let http_request = builder
            .body(request.body.unwrap_or_default())
            .map_err(|e| ClientError::Config(format!("`{uri}` is not a valid request: {e}")))?;
        let (response, _attempts) = self.execute(request.api, request.verb, Template::new(http_request)).await?;
        Ok(response)
    }
}
