//! Turning operations into `http::Request`s and `http::Response`s into typed results.

use crate::error::{ApiError, Error, ErrorBody, ValidationError};
use crate::object::decode_slice;
use crate::operation::{Api, Operation};
use crate::path::{encode_query, fill};
use crate::rate_limit::RateLimit;
use http::header::{ACCEPT, CONTENT_TYPE};

/// Where each API lives: origins without a trailing slash, such as
/// `https://acme.eu.auth0.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrls {
    /// Origin of the Management API and the token endpoint.
    pub tenant: String,
    /// Origin of the Teams API.
    pub teams: String,
}

impl BaseUrls {
    /// A real tenant: `acme.eu.auth0.com` and, for Teams, `{team}.teams.auth0.com`.
    pub fn auth0(domain: &str, team_slug: Option<&str>) -> Self {
        let domain = crate::path::trim_slashes(domain.strip_prefix("https://").unwrap_or(domain));
        Self {
            tenant: ["https://", domain].concat(),
            teams: ["https://", team_slug.unwrap_or("team"), ".teams.auth0.com"].concat(),
        }
    }

    /// One origin serving every API, as the emulator and the BFF do.
    pub fn single(origin: &str) -> Self {
        let origin = crate::path::trim_slashes(origin).to_owned();
        Self { tenant: origin.clone(), teams: origin }
    }

    /// The origin an API is served from.
    pub fn origin(&self, api: Api) -> &str {
        match api {
            Api::Management | Api::Authentication => &self.tenant,
            Api::Teams => &self.teams,
        }
    }

    /// The token audience of the Management API: `https://{domain}/api/v2/`.
    pub fn management_audience(&self) -> String {
        [self.tenant.as_str(), "/api/v2/"].concat()
    }
}

/// A decoded success with what came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The typed body.
    pub value: T,
    /// HTTP status.
    pub status: u16,
    /// Rate-limit headers.
    pub rate_limit: RateLimit,
}

/// The path and query of an operation, such as `/api/v2/users?q=...`.
pub fn path_and_query<O: Operation>(op: &O) -> Result<String, Error> {
    op.validate()?;
    Ok(path_with_query(op.spec().path, &op.path_params(), &op.query())?)
}

/// A path template filled with `params` (each one encoded as exactly one
/// segment) and followed by the query pairs, values percent-encoded.
pub fn path_with_query(
    template: &'static str,
    params: &[&str],
    query: &[(&'static str, String)],
) -> Result<String, ValidationError> {
    let mut uri = fill(template, params)?;
    for (i, (k, v)) in query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(k);
        uri.push('=');
        uri.push_str(&encode_query(v));
    }
    Ok(uri)
}

/// Builds the HTTP request for an operation. Authentication is left to the transport.
pub fn build<O: Operation>(op: &O, base: &BaseUrls) -> Result<http::Request<Vec<u8>>, Error> {
    let spec = op.spec();
    let uri = format!("{}{}", base.origin(spec.api), path_and_query(op)?);
    let mut req =
        http::Request::builder().method(spec.verb.as_http()).uri(uri.as_str()).header(ACCEPT, "application/json");
    let body = match op.body() {
        Some(body) => {
            req = req.header(CONTENT_TYPE, "application/json");
            serde_json::to_vec(body).map_err(|e| ValidationError::Body { reason: e.to_string() })?
        }
        None => Vec::new(),
    };
    req.body(body).map_err(|e| ValidationError::Url { url: uri, reason: e.to_string() }.into())
}

/// Decodes a response to an operation. `now` is the current UNIX time in
/// seconds, used only to read an HTTP-date `Retry-After`.
pub fn parse<O: Operation>(
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<Response<O::Response>, Error> {
    let rate_limit = RateLimit::from_headers_at(headers, now);
    if !(200..300).contains(&status) {
        return Err(ApiError { status, body: ErrorBody::parse(body), rate_limit }.into());
    }
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"null".as_slice() } else { body };
    let value = decode_slice(body).map_err(|source| Error::Decode { status, source, rate_limit })?;
    Ok(Response { value, status, rate_limit })
}
