//! The fluent API: every operation of both specs at its Auth0 name.
//!
//! `client.users().permissions().list(id)` is the operation Auth0 calls
//! `users.permissions.list`: one handler per group (in snake_case), one
//! method per operation, path parameters as arguments in path order, the
//! body as the generated type. Operations of the hand-kept table return a
//! typed [`Request`]; all others a [`crate::Call`], whose query setters are
//! generated from the catalog and checked against it before sending. The
//! handlers are generated (`generated.rs`); the helpers that save round
//! trips (`search`, `get_with_roles`, `members_with_roles`, `tail`, ...)
//! are written by hand in the sibling modules.
//!
//! ```no_run
//! # async fn demo(client: gatehouse_client::Client) -> Result<(), gatehouse_client::ClientError> {
//! use futures::TryStreamExt;
//! let user = client.users().get("auth0|123").send().await?.value;
//! let admins: Vec<_> = client.roles().users().list("rol_1").stream().try_collect().await?;
//! client.users().assign_roles("auth0|123", ["rol_1"]).send().await?;
//! let settings = client.attack_protection().brute_force_protection().get().value().await?;
//! let perms: Vec<_> = client.users().permissions().list("auth0|123").stream().try_collect().await?;
//! # Ok(()) }
//! ```

use crate::request::Request;
use gatehouse_model::ops::roles;

mod generated;
mod logs;
mod organizations;
mod users;

pub use generated::*;
pub use logs::Tail;
pub use organizations::MemberWithRoles;
pub use users::UserWithRoles;

/// Ids given as anything string-like, as a request body wants them.
fn ids<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Vec<String> {
    ids.into_iter().map(Into::into).collect()
}

/// Concurrency of the per-item calls the N+1 helpers make.
pub const HELPER_CONCURRENCY: usize = 8;

impl Roles {
    /// `POST /api/v2/roles/{id}/users`: give the role to users, by user id.
    pub fn assign_users<I, S>(&self, id: impl Into<String>, users: I) -> Request<roles::AssignUsers>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let body = gatehouse_model::types::AssignRoleUsers::new(ids(users));
        Request::new(self.client.clone(), roles::AssignUsers::new(id, body))
    }
}
