//! The fluent API: one handler per resource, each method returning a
//! [`Request`] for one operation of the table.
//!
//! ```no_run
//! # async fn demo(client: gatehouse_client::Client) -> Result<(), gatehouse_client::ClientError> {
//! use futures::TryStreamExt;
//! let user = client.users().get("auth0|123").send().await?.value;
//! let admins: Vec<_> = client.roles().users("rol_1").stream().try_collect().await?;
//! client.users().assign_roles("auth0|123", ["rol_1"]).send().await?;
//! # Ok(()) }
//! ```

use crate::client::Client;
use crate::request::Request;
use gatehouse_model::ops::{clients, connections, grants, resource_servers, roles};
use gatehouse_model::types::{
    CreateClient, CreateConnection, CreateResourceServer, CreateRole, UpdateClient, UpdateConnection,
    UpdateResourceServer, UpdateRole,
};

mod logs;
mod organizations;
mod teams;
mod users;

pub use logs::{Logs, Tail};
pub use organizations::{MemberWithRoles, Organizations};
pub use teams::{Activity, Environments, TeamMembers, Teams, Tenants};
pub use users::{UserWithRoles, Users};

/// Ids given as anything string-like, as a request body wants them.
fn ids<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Vec<String> {
    ids.into_iter().map(Into::into).collect()
}

/// Concurrency of the per-item calls the N+1 helpers make.
pub const HELPER_CONCURRENCY: usize = 8;

/// Declares a resource handler: a struct holding the client, and one
/// method per operation building its request from path parameters and,
/// where the operation sends one, a body.
macro_rules! handler {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$fmeta:meta])*
                fn $method:ident ( $($param:ident),* $(; body: $body:ty)? ) -> $op:ty;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            pub(crate) client: $crate::Client,
        }

        impl $name {
            $(
            $(#[$fmeta])*
            pub fn $method(&self, $($param: impl Into<String>,)* $(body: $body)?) -> $crate::Request<$op> {
                $crate::Request::new(self.client.clone(), <$op>::new($($param,)* $({ let body: $body = body; body })?))
            }
            )*
        }
    };
}
pub(crate) use handler;

handler! {
    /// Roles: `client.roles()`.
    Roles {
        /// `GET /api/v2/roles`: list roles (offset paging).
        fn list() -> roles::List;
        /// `GET /api/v2/roles/{id}`: read one role.
        fn get(id) -> roles::Get;
        /// `POST /api/v2/roles`: create a role.
        fn create(; body: CreateRole) -> roles::Create;
        /// `PATCH /api/v2/roles/{id}`: change a role.
        fn update(id; body: UpdateRole) -> roles::Update;
        /// `DELETE /api/v2/roles/{id}`: delete a role.
        fn delete(id) -> roles::Delete;
        /// `GET /api/v2/roles/{id}/users`: the users who have a role (checkpoint paging).
        fn users(id) -> roles::ListUsers;
    }
}

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

handler! {
    /// Applications: `client.clients()`.
    Clients {
        /// `GET /api/v2/clients`: list applications (checkpoint paging).
        fn list() -> clients::List;
        /// `GET /api/v2/clients/{id}`: read one application.
        fn get(id) -> clients::Get;
        /// `POST /api/v2/clients`: create an application.
        fn create(; body: CreateClient) -> clients::Create;
        /// `PATCH /api/v2/clients/{id}`: change an application.
        fn update(id; body: UpdateClient) -> clients::Update;
        /// `DELETE /api/v2/clients/{id}`: delete an application.
        fn delete(id) -> clients::Delete;
    }
}

handler! {
    /// Connections: `client.connections()`.
    Connections {
        /// `GET /api/v2/connections`: list connections (checkpoint paging).
        fn list() -> connections::List;
        /// `GET /api/v2/connections/{id}`: read one connection.
        fn get(id) -> connections::Get;
        /// `POST /api/v2/connections`: create a connection.
        fn create(; body: CreateConnection) -> connections::Create;
        /// `PATCH /api/v2/connections/{id}`: change a connection (`options` is replaced whole).
        fn update(id; body: UpdateConnection) -> connections::Update;
        /// `DELETE /api/v2/connections/{id}`: delete a connection.
        fn delete(id) -> connections::Delete;
    }
}

handler! {
    /// Grants: `client.grants()`.
    Grants {
        /// `GET /api/v2/grants`: list grants (offset paging).
        fn list() -> grants::List;
        /// `DELETE /api/v2/grants/{id}`: revoke a grant.
        fn delete(id) -> grants::Delete;
    }
}

handler! {
    /// APIs (resource servers): `client.resource_servers()`.
    ResourceServers {
        /// `GET /api/v2/resource-servers`: list APIs (offset paging).
        fn list() -> resource_servers::List;
        /// `GET /api/v2/resource-servers/{id}`: read one API, by id or identifier.
        fn get(id) -> resource_servers::Get;
        /// `POST /api/v2/resource-servers`: create an API.
        fn create(; body: CreateResourceServer) -> resource_servers::Create;
        /// `PATCH /api/v2/resource-servers/{id}`: change an API.
        fn update(id; body: UpdateResourceServer) -> resource_servers::Update;
        /// `DELETE /api/v2/resource-servers/{id}`: delete an API.
        fn delete(id) -> resource_servers::Delete;
    }
}

/// Declares the `Client` methods that return handlers.
macro_rules! entry_points {
    ($( $(#[$meta:meta])* $method:ident -> $handler:ident ),* $(,)?) => {
        impl Client {
            $(
            $(#[$meta])*
            pub fn $method(&self) -> $handler {
                $handler { client: self.clone() }
            }
            )*
        }
    };
}

entry_points! {
    /// Users: list, search, read, create, update, delete, and their roles.
    users -> Users,
    /// Roles: list, read, create, update, delete, and their users.
    roles -> Roles,
    /// Applications: list, read, create, update, delete.
    clients -> Clients,
    /// Connections: list, read, create, update, delete.
    connections -> Connections,
    /// Organizations: list, read, create, update, delete, members and member roles.
    organizations -> Organizations,
    /// Log events: list, search, read, and follow.
    logs -> Logs,
    /// Grants: list and revoke.
    grants -> Grants,
    /// APIs (resource servers): list, read, create, update, delete.
    resource_servers -> ResourceServers,
    /// The Teams API: members, tenants, environments, activity.
    teams -> Teams,
}
