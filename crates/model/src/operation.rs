//! The table of supported operations.
//!
//! Every operation Gatehouse supports is one row of the [`operations!`]
//! invocation below: its method, path, scopes, paging kind, the resource and
//! access level the BFF's policy checks, its success statuses, and its
//! request-body and response types. The client, the BFF's allowlist and
//! policy, and the emulator's routes are all derived from this one table,
//! and an exhaustive `match` on [`OperationId`] makes a new row a compile
//! error wherever it is not yet handled.
//!
//! Each row links its entry of the [`crate::catalog`], which
//! describes the operation as Auth0's spec does: what its query string takes
//! comes from there ([`OperationSpec::catalog`]), not from this table.

use crate::catalog::{self, OpDesc, QuerySpec};
use crate::error::{DecodeError, ValidationError};
use crate::path;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verb {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Verb {
    /// The `http` crate's method.
    pub fn as_http(self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
        }
    }

    /// Parses a method name (any case).
    pub fn parse(method: &str) -> Option<Self> {
        Some(match method.to_ascii_uppercase().as_str() {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }

    /// Whether sending the request twice has the same effect as once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Self::Post | Self::Patch)
    }
}

/// Which Auth0 API an operation belongs to; each has its own base URL and token audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Api {
    /// Management API v2 (`https://{domain}/api/v2`).
    Management,
    /// Teams API (`https://{team}.teams.auth0.com/api`).
    Teams,
    /// Authentication API (`https://{domain}/oauth/token`).
    Authentication,
}

/// What an operation touches, as the access policy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Users, their roles and metadata.
    Users,
    /// Roles and their members.
    Roles,
    /// Applications (clients).
    Applications,
    /// Connections.
    Connections,
    /// Organizations and their members.
    Organizations,
    /// Log events.
    Logs,
    /// Grants.
    Grants,
    /// APIs (resource servers).
    Apis,
    /// Teams API: tenants and environments.
    TeamsTenants,
    /// Teams API: team members, invitations and tenant access.
    TeamsMembers,
    /// Teams API: activity log.
    TeamsActivity,
    /// The token endpoint; never exposed through the BFF.
    Token,
}

impl Resource {
    /// Every resource an access policy can grant.
    pub const POLICY: [Resource; 11] = [
        Self::Users,
        Self::Roles,
        Self::Applications,
        Self::Connections,
        Self::Organizations,
        Self::Logs,
        Self::Grants,
        Self::Apis,
        Self::TeamsTenants,
        Self::TeamsMembers,
        Self::TeamsActivity,
    ];

    /// The policy name, such as `users` or `teams_tenants`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Roles => "roles",
            Self::Applications => "applications",
            Self::Connections => "connections",
            Self::Organizations => "organizations",
            Self::Logs => "logs",
            Self::Grants => "grants",
            Self::Apis => "apis",
            Self::TeamsTenants => "teams_tenants",
            Self::TeamsMembers => "teams_members",
            Self::TeamsActivity => "teams_activity",
            Self::Token => "token",
        }
    }
}

/// Whether an operation only reads or also changes the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reads only.
    Read,
    /// Creates, changes or deletes.
    Write,
}

/// How a list operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Paging {
    /// Not a list.
    None,
    /// A list returned whole.
    Unpaged {
        /// Key holding the items in the response object.
        key: &'static str,
    },
    /// `page` / `per_page` / `include_totals`, within the 1,000-result window.
    Offset {
        /// Key holding the items in the `include_totals` envelope.
        key: &'static str,
    },
    /// Offset paging, or checkpoint paging with `from` / `take`.
    OffsetOrCheckpoint {
        /// Key holding the items.
        key: &'static str,
        /// Largest `take`.
        max_take: u64,
    },
    /// Checkpoint paging only.
    Checkpoint {
        /// Key holding the items.
        key: &'static str,
        /// Largest `take`.
        max_take: u64,
    },
    /// Logs: offset paging, or `from` a log id with `take`, answered as a bare array.
    LogCheckpoint {
        /// Key holding the items in the `include_totals` envelope.
        key: &'static str,
        /// Largest `take`.
        max_take: u64,
    },
}

impl Paging {
    /// The key holding the items, for list operations.
    pub fn items_key(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Unpaged { key }
            | Self::Offset { key }
            | Self::OffsetOrCheckpoint { key, .. }
            | Self::Checkpoint { key, .. }
            | Self::LogCheckpoint { key, .. } => Some(key),
        }
    }

    /// Whether checkpoint paging (`from` / `take`) is offered.
    pub fn has_checkpoint(self) -> bool {
        matches!(self, Self::OffsetOrCheckpoint { .. } | Self::Checkpoint { .. } | Self::LogCheckpoint { .. })
    }

    /// Whether offset paging (`page` / `per_page`) is offered.
    pub fn has_offset(self) -> bool {
        matches!(self, Self::Offset { .. } | Self::OffsetOrCheckpoint { .. } | Self::LogCheckpoint { .. })
    }

    /// Largest `take`, where checkpoint paging is offered.
    pub fn max_take(self) -> Option<u64> {
        match self {
            Self::OffsetOrCheckpoint { max_take, .. }
            | Self::Checkpoint { max_take, .. }
            | Self::LogCheckpoint { max_take, .. } => Some(max_take),
            _ => None,
        }
    }
}

/// One row of the operation table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationSpec {
    /// The operation's identity.
    pub id: OperationId,
    /// Which API serves it.
    pub api: Api,
    /// HTTP method.
    pub verb: Verb,
    /// Path template from the API's origin, such as `/api/v2/users/{id}`.
    pub path: &'static str,
    /// Scopes a token needs, all of them.
    pub scopes: &'static [&'static str],
    /// Further scopes needed when the request body sets a field: `(field, scope)`.
    pub body_scopes: &'static [(&'static str, &'static str)],
    /// How it pages.
    pub paging: Paging,
    /// What the policy calls the thing it touches.
    pub resource: Resource,
    /// Read or write.
    pub access: Access,
    /// Success statuses Auth0 is known to answer with.
    pub success: &'static [u16],
    /// What it does as a gerund phrase with `{param}` placeholders, for audit sentences.
    pub describe: &'static str,
    /// What its query string takes, from its catalog entry when the table is
    /// compiled (the entry's name and query parameters; the whole entry is
    /// [`OperationSpec::catalog`]). `None` for the token endpoint.
    #[serde(skip)]
    pub query: Option<QuerySpec>,
}

impl OperationSpec {
    /// The operation as Auth0's spec describes it: the catalog entry with the
    /// same method and path shape ([`catalog::entry`]), and with it the query
    /// parameters the operation accepts.
    ///
    /// Every row of the Management and Teams APIs has one (a row without one
    /// does not compile). `None` only for the token endpoint: the catalog
    /// does not describe the Authentication API.
    pub fn catalog(&self) -> Option<&'static OpDesc> {
        self.id.catalog()
    }

    /// Matches a method and raw path; on success returns the decoded path parameters.
    pub fn matches(&self, verb: Verb, raw_path: &str) -> Option<Vec<String>> {
        if verb != self.verb {
            return None;
        }
        path::match_template(self.path, raw_path)
    }

    /// The names of the path parameters, in order.
    pub fn param_names(&self) -> impl Iterator<Item = &'static str> {
        path::param_names(self.path)
    }

    /// A plain-English phrase for this operation with its parameters filled in,
    /// such as `deleting user auth0|123`.
    pub fn describe_with(&self, params: &[String]) -> String {
        let mut out = self.describe.to_owned();
        for (name, value) in self.param_names().zip(params) {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }

    /// Every scope a request needs: the row's scopes and those its body triggers.
    pub fn scopes_for(&self, body: Option<&Value>) -> Vec<&'static str> {
        let mut scopes = self.scopes.to_vec();
        if let Some(Value::Object(obj)) = body {
            for (field, scope) in self.body_scopes {
                if obj.contains_key(*field) && !scopes.contains(scope) {
                    scopes.push(scope);
                }
            }
        }
        scopes
    }
}

/// Finds the operation a method and raw path name, with its decoded path parameters.
///
/// Only paths of the table match: anything else, including any attempt to
/// reach another path through an encoded id, gives `None`.
pub fn find(verb: Verb, raw_path: &str) -> Option<(&'static OperationSpec, Vec<String>)> {
    OPERATIONS.iter().find_map(|spec| spec.matches(verb, raw_path).map(|params| (spec, params)))
}

/// Whether some operation (with any method) serves this raw path.
pub fn path_is_known(raw_path: &str) -> bool {
    OPERATIONS.iter().any(|spec| path::match_template(spec.path, raw_path).is_some())
}

/// The typed side of a table row: its identity, body type and response type.
///
/// Implemented by the table for every request type in [`crate::ops`].
pub trait Endpoint {
    /// The JSON (or form) body sent; [`NoBody`] when none.
    type Body: Serialize + DeserializeOwned;
    /// What a success decodes into.
    type Response: Serialize + DeserializeOwned;
    /// The table row.
    const ID: OperationId;
}

/// A request that can be sent: its path parameters, query and body.
pub trait Operation: Endpoint {
    /// The query parameters the request type has fields for, by wire name,
    /// with the kind each field sends; paging (`page`, `per_page`,
    /// `include_totals`, `from`, `take`) left out. A test checks them against
    /// the operation's catalog entry.
    const QUERY: &'static [(&'static str, catalog::QueryKind)] = &[];

    /// Path parameter values, in template order.
    fn path_params(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Query parameters, already as strings.
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The body to send.
    fn body(&self) -> Option<&Self::Body> {
        None
    }

    /// Refuses input Auth0 documents as invalid, before anything is sent.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// The table row of this operation.
    fn spec(&self) -> &'static OperationSpec {
        Self::ID.spec()
    }
}

/// The body type of operations that send none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoBody;

impl Serialize for NoBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for NoBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoBody)
    }
}

/// The response of operations that answer with no content (or an empty
/// object, as `DELETE /roles/{id}` does); whatever came is kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Empty(pub Value);

impl Serialize for Empty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Empty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Empty)
    }
}

/// Decodes `bytes` as `T` and encodes it again, for lossless-roundtrip checks.
fn roundtrip<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<Value, DecodeError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) { b"null".as_slice() } else { bytes };
    let typed: T = crate::object::decode_slice(bytes)?;
    serde_json::to_value(&typed).map_err(|e| DecodeError { path: ".".into(), message: e.to_string() })
}

macro_rules! operations {
    ($(
        $(#[$doc:meta])*
        $id:ident = $req:ty {
            $verb:ident $path:literal, $api:ident, $resource:ident $access:ident,
            scopes [$($scope:literal),*] $(+ [$($bfield:literal => $bscope:literal),*])?,
            paging $paging:expr, success [$($ok:literal),+],
            body $body:ty, response $resp:ty,
            $describe:literal
        }
    )*) => {
        /// Identity of a supported operation; one variant per table row.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum OperationId {
            $( $(#[$doc])* $id, )*
        }

        /// The table: every supported operation, in declaration order.
        pub static OPERATIONS: &[OperationSpec] = &[
            $( OperationSpec {
                id: OperationId::$id,
                api: Api::$api,
                verb: Verb::$verb,
                path: $path,
                scopes: &[$($scope),*],
                body_scopes: &[$($(($bfield, $bscope)),*)?],
                paging: $paging,
                resource: Resource::$resource,
                access: Access::$access,
                success: &[$($ok),+],
                describe: $describe,
                query: match catalog::entry(Api::$api, Verb::$verb, $path) {
                    Some(op) => Some(op.query_spec()),
                    None => None,
                },
            }, )*
        ];

        impl OperationId {
            /// This operation's row of the table.
            pub fn spec(self) -> &'static OperationSpec {
                &OPERATIONS[self as usize]
            }

            /// Its catalog entry, found by method and path shape when the
            /// table is compiled ([`catalog::entry`]); `None` for the token endpoint.
            pub fn catalog(self) -> Option<&'static OpDesc> {
                match self { $( Self::$id => const { catalog::entry(Api::$api, Verb::$verb, $path) }, )* }
            }

            /// The variant's name, such as `ListUsers`.
            pub fn name(self) -> &'static str {
                match self { $( Self::$id => stringify!($id), )* }
            }

            /// Its request type's path under [`crate::ops`], as the table
            /// writes it (`users::List`): what `cargo xtask codegen` reads to
            /// make the client's method for the row return that request.
            pub fn request_type(self) -> &'static str {
                match self { $( Self::$id => stringify!($req), )* }
            }

            /// The query parameters its request type has fields for, paging
            /// left out ([`Operation::QUERY`]).
            pub fn typed_query(self) -> &'static [(&'static str, catalog::QueryKind)] {
                match self { $( Self::$id => <$req as Operation>::QUERY, )* }
            }

            /// Decodes a response body into this operation's typed response and encodes it again.
            pub fn roundtrip_response(self, bytes: &[u8]) -> Result<Value, DecodeError> {
                match self { $( Self::$id => roundtrip::<$resp>(bytes), )* }
            }

            /// Decodes a request body into this operation's typed body and encodes it again;
            /// `None` for operations that send no body.
            pub fn roundtrip_body(self, bytes: &[u8]) -> Option<Result<Value, DecodeError>> {
                match self {
                    $( Self::$id => (std::any::TypeId::of::<$body>() != std::any::TypeId::of::<NoBody>())
                        .then(|| roundtrip::<$body>(bytes)), )*
                }
            }
        }

        $( impl Endpoint for $req {
            type Body = $body;
            type Response = $resp;
            const ID: OperationId = OperationId::$id;
        } )*
    };
}

use crate::Page;
use crate::ops::{clients, connections, grants, logs, organizations, resource_servers, roles, teams, token, users};
use crate::teams as tt;
use crate::types as t;
type E = Empty;

const fn offset(key: &'static str) -> Paging {
    Paging::Offset { key }
}
const fn both(key: &'static str) -> Paging {
    Paging::OffsetOrCheckpoint { key, max_take: 100 }
}
const fn teams_checkpoint(key: &'static str) -> Paging {
    Paging::Checkpoint { key, max_take: 50 }
}

operations! {
    // ---- Users ----
    /// List or search users.
    ListUsers = users::List { Get "/api/v2/users", Management, Users Read,
        scopes ["read:users"], paging offset("users"), success [200],
        body NoBody, response Page<t::User>, "listing users" }
    /// Read one user.
    GetUser = users::Get { Get "/api/v2/users/{id}", Management, Users Read,
        scopes ["read:users"], paging Paging::None, success [200],
        body NoBody, response t::User, "reading user {id}" }
    /// Create a user.
    CreateUser = users::Create { Post "/api/v2/users", Management, Users Write,
        scopes ["create:users"], paging Paging::None, success [201, 200],
        body t::CreateUser, response t::User, "creating a user" }
    /// Change a user.
    UpdateUser = users::Update { Patch "/api/v2/users/{id}", Management, Users Write,
        scopes ["update:users"] + ["app_metadata" => "update:users_app_metadata"],
        paging Paging::None, success [200],
        body t::UpdateUser, response t::User, "updating user {id}" }
    /// Delete a user.
    DeleteUser = users::Delete { Delete "/api/v2/users/{id}", Management, Users Write,
        scopes ["delete:users"], paging Paging::None, success [204, 200],
        body NoBody, response E, "deleting user {id}" }
    /// List a user's roles.
    ListUserRoles = users::ListRoles { Get "/api/v2/users/{id}/roles", Management, Users Read,
        scopes ["read:users", "read:roles"], paging offset("roles"), success [200],
        body NoBody, response Page<t::Role>, "listing the roles of user {id}" }
    /// List the organizations a user belongs to.
    ListUserOrganizations = users::ListOrganizations { Get "/api/v2/users/{id}/organizations", Management, Users Read,
        scopes ["read:organizations"], paging offset("organizations"), success [200],
        body NoBody, response Page<t::Organization>, "listing the organizations of user {id}" }
    /// Assign roles to a user.
    AssignUserRoles = users::AssignRoles { Post "/api/v2/users/{id}/roles", Management, Users Write,
        scopes ["update:users", "create:role_members"], paging Paging::None, success [204, 200, 201],
        body t::AssignUserRoles, response E, "assigning roles to user {id}" }
    /// Remove roles from a user.
    RemoveUserRoles = users::RemoveRoles { Delete "/api/v2/users/{id}/roles", Management, Users Write,
        scopes ["update:users", "delete:role_members"], paging Paging::None, success [204, 200],
        body t::RemoveUserRoles, response E, "removing roles from user {id}" }

    // ---- Roles ----
    /// List roles.
    ListRoles = roles::List { Get "/api/v2/roles", Management, Roles Read,
        scopes ["read:roles"], paging offset("roles"), success [200],
        body NoBody, response Page<t::Role>, "listing roles" }
    /// Read one role.
    GetRole = roles::Get { Get "/api/v2/roles/{id}", Management, Roles Read,
        scopes ["read:roles"], paging Paging::None, success [200],
        body NoBody, response t::Role, "reading role {id}" }
    /// Create a role.
    CreateRole = roles::Create { Post "/api/v2/roles", Management, Roles Write,
        scopes ["create:roles"], paging Paging::None, success [200, 201],
        body t::CreateRole, response t::Role, "creating a role" }
    /// Change a role.
    UpdateRole = roles::Update { Patch "/api/v2/roles/{id}", Management, Roles Write,
        scopes ["update:roles"], paging Paging::None, success [200],
        body t::UpdateRole, response t::Role, "updating role {id}" }
    /// Delete a role.
    DeleteRole = roles::Delete { Delete "/api/v2/roles/{id}", Management, Roles Write,
        scopes ["delete:roles"], paging Paging::None, success [200, 204],
        body NoBody, response E, "deleting role {id}" }
    /// List the users who have a role.
    ListRoleUsers = roles::ListUsers { Get "/api/v2/roles/{id}/users", Management, Roles Read,
        scopes ["read:users", "read:roles"], paging both("users"), success [200],
        body NoBody, response Page<t::RoleUser>, "listing the users of role {id}" }
    /// Give a role to users.
    AssignRoleUsers = roles::AssignUsers { Post "/api/v2/roles/{id}/users", Management, Roles Write,
        scopes ["update:roles", "create:role_members"], paging Paging::None, success [200, 201, 204],
        body t::AssignRoleUsers, response E, "assigning role {id} to users" }

    // ---- Applications ----
    /// List applications.
    ListClients = clients::List { Get "/api/v2/clients", Management, Applications Read,
        scopes ["read:clients"], paging both("clients"), success [200],
        body NoBody, response Page<t::Client>, "listing applications" }
    /// Read one application.
    GetClient = clients::Get { Get "/api/v2/clients/{id}", Management, Applications Read,
        scopes ["read:clients"], paging Paging::None, success [200],
        body NoBody, response t::Client, "reading application {id}" }
    /// Create an application.
    CreateClient = clients::Create { Post "/api/v2/clients", Management, Applications Write,
        scopes ["create:clients"], paging Paging::None, success [201, 200],
        body t::CreateClient, response t::Client, "creating an application" }
    /// Change an application.
    UpdateClient = clients::Update { Patch "/api/v2/clients/{id}", Management, Applications Write,
        scopes ["update:clients"], paging Paging::None, success [200],
        body t::UpdateClient, response t::Client, "updating application {id}" }
    /// Delete an application.
    DeleteClient = clients::Delete { Delete "/api/v2/clients/{id}", Management, Applications Write,
        scopes ["delete:clients"], paging Paging::None, success [204, 200],
        body NoBody, response E, "deleting application {id}" }

    // ---- Connections ----
    /// List connections.
    ListConnections = connections::List { Get "/api/v2/connections", Management, Connections Read,
        scopes ["read:connections"], paging both("connections"), success [200],
        body NoBody, response Page<t::Connection>, "listing connections" }
    /// Read one connection.
    GetConnection = connections::Get { Get "/api/v2/connections/{id}", Management, Connections Read,
        scopes ["read:connections"], paging Paging::None, success [200],
        body NoBody, response t::Connection, "reading connection {id}" }
    /// Create a connection.
    CreateConnection = connections::Create { Post "/api/v2/connections", Management, Connections Write,
        scopes ["create:connections"], paging Paging::None, success [201, 200],
        body t::CreateConnection, response t::Connection, "creating a connection" }
    /// Change a connection.
    UpdateConnection = connections::Update { Patch "/api/v2/connections/{id}", Management, Connections Write,
        scopes ["update:connections"], paging Paging::None, success [200],
        body t::UpdateConnection, response t::Connection, "updating connection {id}" }
    /// Delete a connection.
    DeleteConnection = connections::Delete { Delete "/api/v2/connections/{id}", Management, Connections Write,
        scopes ["delete:connections"], paging Paging::None, success [202, 204, 200],
        body NoBody, response E, "deleting connection {id}" }

    // ---- Organizations ----
    /// List organizations.
    ListOrganizations = organizations::List { Get "/api/v2/organizations", Management, Organizations Read,
        scopes ["read:organizations"], paging both("organizations"), success [200],
        body NoBody, response Page<t::Organization>, "listing organizations" }
    /// Read one organization.
    GetOrganization = organizations::Get { Get "/api/v2/organizations/{id}", Management, Organizations Read,
        scopes ["read:organizations"], paging Paging::None, success [200],
        body NoBody, response t::Organization, "reading organization {id}" }
    /// Create an organization.
    CreateOrganization = organizations::Create { Post "/api/v2/organizations", Management, Organizations Write,
        scopes ["create:organizations"], paging Paging::None, success [201, 200],
        body t::CreateOrganization, response t::Organization, "creating an organization" }
    /// Change an organization.
    UpdateOrganization = organizations::Update { Patch "/api/v2/organizations/{id}", Management, Organizations Write,
        scopes ["update:organizations"], paging Paging::None, success [200],
        body t::UpdateOrganization, response t::Organization, "updating organization {id}" }
    /// Delete an organization.
    DeleteOrganization = organizations::Delete { Delete "/api/v2/organizations/{id}", Management, Organizations Write,
        scopes ["delete:organizations"], paging Paging::None, success [204, 200],
        body NoBody, response E, "deleting organization {id}" }
    /// List an organization's members.
    ListOrganizationMembers = organizations::ListMembers { Get "/api/v2/organizations/{id}/members", Management, Organizations Read,
        scopes ["read:organization_members"], paging both("members"), success [200],
        body NoBody, response Page<t::OrganizationMember>, "listing the members of organization {id}" }
    /// Add members to an organization.
    AddOrganizationMembers = organizations::AddMembers { Post "/api/v2/organizations/{id}/members", Management, Organizations Write,
        scopes ["create:organization_members"], paging Paging::None, success [204, 200, 201],
        body t::AddOrganizationMembers, response E, "adding members to organization {id}" }
    /// Remove members from an organization.
    RemoveOrganizationMembers = organizations::RemoveMembers { Delete "/api/v2/organizations/{id}/members", Management, Organizations Write,
        scopes ["delete:organization_members"], paging Paging::None, success [204, 200],
        body t::RemoveOrganizationMembers, response E, "removing members from organization {id}" }
    /// List the roles a member holds in an organization.
    ListOrganizationMemberRoles = organizations::ListMemberRoles { Get "/api/v2/organizations/{id}/members/{user_id}/roles", Management, Organizations Read,
        scopes ["read:organization_member_roles"], paging offset("roles"), success [200],
        body NoBody, response Page<t::Role>, "listing the roles of member {user_id} in organization {id}" }
    /// Give roles to a member within an organization.
    AssignOrganizationMemberRoles = organizations::AssignMemberRoles { Post "/api/v2/organizations/{id}/members/{user_id}/roles", Management, Organizations Write,
        scopes ["create:organization_member_roles"], paging Paging::None, success [204, 200, 201],
        body t::AssignOrganizationMemberRoles, response E, "assigning roles to member {user_id} in organization {id}" }
    /// Take roles away from a member within an organization.
    RemoveOrganizationMemberRoles = organizations::RemoveMemberRoles { Delete "/api/v2/organizations/{id}/members/{user_id}/roles", Management, Organizations Write,
        scopes ["delete:organization_member_roles"], paging Paging::None, success [204, 200],
        body t::RemoveOrganizationMemberRoles, response E, "removing roles from member {user_id} in organization {id}" }

    // ---- Logs ----
    /// List or search log events.
    ListLogs = logs::List { Get "/api/v2/logs", Management, Logs Read,
        scopes ["read:logs"], paging Paging::LogCheckpoint { key: "logs", max_take: 100 }, success [200],
        body NoBody, response Page<t::LogEvent>, "listing log events" }
    /// Read one log event.
    GetLog = logs::Get { Get "/api/v2/logs/{id}", Management, Logs Read,
        scopes ["read:logs"], paging Paging::None, success [200],
        body NoBody, response t::LogEvent, "reading log event {id}" }

    // ---- Grants ----
    /// List grants.
    ListGrants = grants::List { Get "/api/v2/grants", Management, Grants Read,
        scopes ["read:grants"], paging offset("grants"), success [200],
        body NoBody, response Page<t::UserGrant>, "listing grants" }
    /// Revoke a grant.
    DeleteGrant = grants::Delete { Delete "/api/v2/grants/{id}", Management, Grants Write,
        scopes ["delete:grants"], paging Paging::None, success [204, 200],
        body NoBody, response E, "revoking grant {id}" }

    // ---- APIs ----
    /// List APIs.
    ListResourceServers = resource_servers::List { Get "/api/v2/resource-servers", Management, Apis Read,
        scopes ["read:resource_servers"], paging offset("resource_servers"), success [200],
        body NoBody, response Page<t::ResourceServer>, "listing APIs" }
    /// Read one API.
    GetResourceServer = resource_servers::Get { Get "/api/v2/resource-servers/{id}", Management, Apis Read,
        scopes ["read:resource_servers"], paging Paging::None, success [200],
        body NoBody, response t::ResourceServer, "reading API {id}" }
    /// Create an API.
    CreateResourceServer = resource_servers::Create { Post "/api/v2/resource-servers", Management, Apis Write,
        scopes ["create:resource_servers"], paging Paging::None, success [201, 200],
        body t::CreateResourceServer, response t::ResourceServer, "creating an API" }
    /// Change an API.
    UpdateResourceServer = resource_servers::Update { Patch "/api/v2/resource-servers/{id}", Management, Apis Write,
        scopes ["update:resource_servers"], paging Paging::None, success [200, 201],
        body t::UpdateResourceServer, response t::ResourceServer, "updating API {id}" }
    /// Delete an API.
    DeleteResourceServer = resource_servers::Delete { Delete "/api/v2/resource-servers/{id}", Management, Apis Write,
        scopes ["delete:resource_servers"], paging Paging::None, success [204, 200],
        body NoBody, response E, "deleting API {id}" }

    // ---- Token ----
    /// Exchange client credentials for an access token.
    RequestToken = token::ClientCredentials { Post "/oauth/token", Authentication, Token Write,
        scopes [], paging Paging::None, success [200],
        body token::TokenRequest, response token::TokenResponse, "requesting an access token" }

    // ---- Teams ----
    /// List team members.
    ListTeamMembers = teams::ListMembers { Get "/api/members", Teams, TeamsMembers Read,
        scopes ["read:members"], paging teams_checkpoint("members"), success [200],
        body NoBody, response Page<tt::TeamMember>, "listing team members" }
    /// Invite people to the team.
    InviteTeamMembers = teams::InviteMembers { Post "/api/members", Teams, TeamsMembers Write,
        scopes ["create:invitations"], paging Paging::None, success [201, 200],
        body tt::InviteMembers, response tt::InviteMembersResult, "inviting team members" }
    /// Read one team member.
    GetTeamMember = teams::GetMember { Get "/api/members/{id}", Teams, TeamsMembers Read,
        scopes ["read:members"], paging Paging::None, success [200],
        body NoBody, response tt::TeamMember, "reading team member {id}" }
    /// Change a team member's role.
    UpdateTeamMember = teams::UpdateMember { Patch "/api/members/{id}", Teams, TeamsMembers Write,
        scopes ["update:members"], paging Paging::None, success [200],
        body tt::UpdateMember, response tt::UpdatedMember, "changing the role of team member {id}" }
    /// Remove someone from the team.
    RemoveTeamMember = teams::RemoveMember { Delete "/api/members/{id}", Teams, TeamsMembers Write,
        scopes ["delete:members"], paging Paging::None, success [204, 200],
        body NoBody, response E, "removing team member {id}" }
    /// Give a team member access to tenants.
    AddTeamMemberTenants = teams::AddMemberTenants { Put "/api/members/{id}/tenants", Teams, TeamsMembers Write,
        scopes ["update:members"], paging Paging::None, success [200, 204],
        body tt::AddMemberTenants, response tt::MemberTenantsResult, "granting tenant access to team member {id}" }
    /// Change a team member's tenant roles.
    UpdateTeamMemberTenants = teams::UpdateMemberTenants { Patch "/api/members/{id}/tenants", Teams, TeamsMembers Write,
        scopes ["update:members"], paging Paging::None, success [200, 204],
        body tt::UpdateMemberTenants, response tt::MemberTenantsResult, "changing tenant access of team member {id}" }
    /// Take tenant access away from a team member.
    RemoveTeamMemberTenants = teams::RemoveMemberTenants { Delete "/api/members/{id}/tenants", Teams, TeamsMembers Write,
        scopes ["update:members"], paging Paging::None, success [200, 204],
        body tt::RemoveMemberTenants, response tt::MemberTenantsResult, "removing tenant access from team member {id}" }
    /// List a team member's tenants in one environment.
    ListTeamMemberTenants = teams::ListMemberTenants { Get "/api/members/{id}/tenants/{environment}", Teams, TeamsMembers Read,
        scopes ["read:members"], paging Paging::Unpaged { key: "tenants" }, success [200],
        body NoBody, response Page<tt::MemberTenant>, "listing the tenants of team member {id} in {environment}" }
    /// List the team's tenants.
    ListTenants = teams::ListTenants { Get "/api/tenants", Teams, TeamsTenants Read,
        scopes ["read:tenants"], paging teams_checkpoint("tenants"), success [200],
        body NoBody, response Page<tt::Tenant>, "listing tenants" }
    /// Create a tenant.
    CreateTenant = teams::CreateTenant { Post "/api/tenants", Teams, TeamsTenants Write,
        scopes ["create:tenants"], paging Paging::None, success [201, 200],
        body tt::CreateTenant, response tt::CreatedTenant, "creating a tenant" }
    /// Read one tenant.
    GetTenant = teams::GetTenant { Get "/api/tenants/{tenant_id}", Teams, TeamsTenants Read,
        scopes ["read:tenants"], paging Paging::None, success [200],
        body NoBody, response tt::TenantDetails, "reading tenant {tenant_id}" }
    /// Delete a tenant.
    DeleteTenant = teams::DeleteTenant { Delete "/api/tenants/{tenant_id}", Teams, TeamsTenants Write,
        scopes ["delete:tenants"], paging Paging::None, success [204, 200],
        body NoBody, response E, "deleting tenant {tenant_id}" }
    /// List the members of a tenant.
    ListTenantMembers = teams::ListTenantMembers { Get "/api/tenants/{tenant_id}/members", Teams, TeamsTenants Read,
        scopes ["read:members"], paging teams_checkpoint("members"), success [200],
        body NoBody, response Page<tt::TenantMember>, "listing the members of tenant {tenant_id}" }
    /// List the environments tenants can be created in.
    ListEnvironments = teams::ListEnvironments { Get "/api/environments", Teams, TeamsTenants Read,
        scopes ["read:members"], paging Paging::Unpaged { key: "environments" }, success [200],
        body NoBody, response Page<tt::Environment>, "listing environments" }
    /// List the team's activity.
    ListActivityLogs = teams::ListActivity { Get "/api/activity/logs", Teams, TeamsActivity Read,
        scopes ["read:team_activity"], paging teams_checkpoint("logs"), success [200],
        body NoBody, response Page<tt::ActivityLogEntry>, "listing team activity" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_id() {
        for (i, spec) in OPERATIONS.iter().enumerate() {
            assert_eq!(spec.id as usize, i);
            assert_eq!(spec.id.spec().path, spec.path);
        }
    }

    #[test]
    fn no_two_rows_share_method_and_path() {
        for a in OPERATIONS {
            for b in OPERATIONS {
                if a.id != b.id {
                    assert!(!(a.verb == b.verb && a.path == b.path), "{:?} and {:?}", a.id, b.id);
                }
            }
        }
    }

    #[test]
    fn find_matches_exactly_one_row() {
        let (spec, params) = find(Verb::Get, "/api/v2/users/auth0%7C1/roles").unwrap();
        assert_eq!((spec.id, params), (OperationId::ListUserRoles, vec!["auth0|1".to_owned()]));
        assert!(find(Verb::Get, "/api/v2/users/a/b").is_none());
        assert!(find(Verb::Put, "/api/v2/users").is_none());
        assert!(path_is_known("/api/v2/users"));
    }

    #[test]
    fn describe_fills_params_and_body_scopes_are_added() {
        let spec = OperationId::UpdateUser.spec();
        assert_eq!(spec.describe_with(&["auth0|1".into()]), "updating user auth0|1");
        let body = serde_json::json!({"app_metadata": {}});
        assert_eq!(spec.scopes_for(Some(&body)), ["update:users", "update:users_app_metadata"]);
        assert_eq!(spec.scopes_for(None), ["update:users"]);
    }

    #[test]
    fn every_row_links_its_catalog_entry() {
        for spec in OPERATIONS {
            let Some(op) = spec.catalog() else {
                assert_eq!(spec.api, Api::Authentication, "{:?} has no catalog entry", spec.id);
                continue;
            };
            assert_ne!(spec.api, Api::Authentication, "{:?}", spec.id);
            assert_eq!((op.api, op.verb), (spec.api, spec.verb), "{:?}", spec.id);
            assert!(catalog::same_shape(op.path, spec.path), "{:?}: {} and {}", spec.id, spec.path, op.path);
            // The link is the entry the catalog's own lookup finds for the row's paths.
            let sample: String =
                spec.path.split('/').map(|s| if s.starts_with('{') { "x~1" } else { s }).collect::<Vec<_>>().join("/");
            let (found, _) = catalog::find(spec.verb, &sample).unwrap();
            assert!(std::ptr::eq(found, op), "{:?}: {} vs {}", spec.id, found.name, op.name);
        }
        for spec in OPERATIONS {
            assert_eq!(spec.query, spec.catalog().map(|op| op.query_spec()), "{:?}", spec.id);
        }
        let tenants = OperationId::GetTenant.spec().catalog().unwrap();
        assert_eq!((tenants.name, tenants.path), ("teams.tenants.get", "/api/tenants/{tenantId}"));
        assert!(OperationId::RequestToken.spec().catalog().is_none());
    }

    #[test]
    fn every_list_has_an_items_key() {
        for spec in OPERATIONS {
            let path_is_list = spec.verb == Verb::Get && spec.paging != Paging::None;
            assert_eq!(path_is_list, spec.paging.items_key().is_some(), "{:?}", spec.id);
        }
    }
}
