//! The one shared client every admin's calls go through: one token per
//! audience, one pacer (so the tenant's rate limit is respected by all
//! admins together), the client's retry rules (idempotent requests only,
//! 429s waited out).

use crate::metrics::UpstreamFigures;
use gatehouse_client::{Client, ClientError, RawRequest};
use gatehouse_model::RateLimit;
use gatehouse_model::body::Encoded;
use gatehouse_model::catalog::OpDesc;
use gatehouse_model::operation::Api;

/// The tenant, as the BFF reaches it.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: Client,
    teams: bool,
}

impl Upstream {
    /// Wraps the shared client; `teams` says whether the Teams API is configured.
    pub fn new(client: Client, teams: bool) -> Self {
        Self { client, teams }
    }

    /// The shared client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a call of a catalog operation: `path_and_query` was rebuilt
    /// from its template, `body` checked against what it takes.
    pub async fn send(
        &self,
        op: &'static OpDesc,
        path_and_query: String,
        body: Option<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, ClientError> {
        self.client
            .send_described(RawRequest { api: op.api, verb: op.verb, path_and_query, body, content_type: None })
            .await
    }

    /// Sends a call whose body was encoded for the operation (JSON, a form
    /// or multipart, with its content type).
    pub async fn send_encoded(
        &self,
        op: &'static OpDesc,
        path_and_query: String,
        body: Option<Encoded>,
    ) -> Result<http::Response<Vec<u8>>, ClientError> {
        let (body, content_type) = match body {
            Some(Encoded { content_type, bytes }) => (Some(bytes), Some(content_type)),
            None => (None, None),
        };
        self.client.send_described(RawRequest { api: op.api, verb: op.verb, path_and_query, body, content_type }).await
    }

    /// Whether an access token can be had for every configured API.
    pub async fn ready(&self) -> Result<(), String> {
        self.client.ensure_token(Api::Management).await.map_err(|e| e.to_string())?;
        if self.teams {
            self.client.ensure_token(Api::Teams).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The tenant's rate-limit budget as last seen.
    pub fn rate_limit(&self) -> RateLimit {
        self.client.rate_limit()
    }

    /// Figures for the metrics endpoint.
    pub fn figures(&self) -> UpstreamFigures {
        let rl = self.client.rate_limit();
        let m = self.client.metrics();
        UpstreamFigures {
            limit: rl.limit,
            remaining: rl.remaining,
            token_requests: m.token_requests,
            requests: m.requests,
            retries: m.retries,
        }
    }
}
