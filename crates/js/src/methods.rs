//! The JavaScript methods: one row per method, each bound to one operation
//! of the model's table.
//!
//! A row names the method (`users.roles.assign`), the model's request type,
//! the path parameters it takes as arguments, and what else it takes: an
//! options object (lists) or a body. From this one table come the dispatch
//! in [`build`], the JavaScript method list and the TypeScript declarations
//! (`src/bin/dts.rs`), and a test checks that it covers every operation.

use crate::options::*;
use gatehouse_client::ClientError;
use gatehouse_client::ListOp;
use gatehouse_model::error::ValidationError;
use gatehouse_model::operation::{Endpoint, Operation, OperationId, OperationSpec};
use gatehouse_model::ops::{
    Checkpoint, Offset, clients, connections, grants, logs, organizations, resource_servers, roles, teams, users,
};
use gatehouse_model::request::path_and_query;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What a method takes after its path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing: `get(id)`, `delete(id)`.
    Call,
    /// An options object; the method lists (and has `all` / `pages` iterators when named `list`).
    List,
    /// A body.
    Body,
}

/// One JavaScript method.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    /// Dotted name under the client, such as `users.roles.assign`.
    pub name: &'static str,
    /// The operation it sends.
    pub op: OperationId,
    /// What it takes after the path parameters.
    pub kind: Kind,
    /// Names of the path-parameter arguments, in order.
    pub params: &'static [&'static str],
    /// For bodies `{key: [...]}`: the key, so an array may be passed instead of the object.
    pub wrap: Option<&'static str>,
    /// Name of the options type (lists).
    pub options: Option<&'static str>,
}

/// A request ready to send: validated, path encoded, body encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The table row.
    pub spec: &'static OperationSpec,
    /// Path (percent-encoded) and query.
    pub path_and_query: String,
    /// JSON body, if the operation sends one.
    pub body: Option<Vec<u8>>,
}

impl Built {
    /// A request without a query: the path filled with `params` (each one
    /// percent-encoded as exactly one segment; `""`, `.` and `..` refused)
    /// and the body sent as given.
    pub fn generic(
        spec: &'static OperationSpec,
        params: Vec<String>,
        body: Option<Vec<u8>>,
    ) -> Result<Self, ClientError> {
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let path_and_query = gatehouse_model::path::fill(spec.path, &params)?;
        Ok(Self { spec, path_and_query, body })
    }

    /// Validates and encodes a model request.
    pub fn of<O: Operation>(op: &O) -> Result<Self, ClientError> {
        let path_and_query = path_and_query(op)?;
        let body = match op.body() {
            Some(body) => Some(serde_json::to_vec(body).map_err(|e| ValidationError::Body { reason: e.to_string() })?),
            None => None,
        };
        Ok(Self { spec: op.spec(), path_and_query, body })
    }
}

/// A list request, its type erased, whose paging the pager changes page after page.
pub trait ListRequest {
    /// Validates and encodes it as it stands.
    fn built(&self) -> Result<Built, ClientError>;
    /// Its offset paging parameters, if it has them.
    fn offset(&mut self) -> Option<&mut Offset>;
    /// Its checkpoint paging parameters, if it has them.
    fn checkpoint(&mut self) -> Option<&mut Checkpoint>;
    /// Its table row.
    fn row(&self) -> &'static OperationSpec;
}

impl<O: ListOp> ListRequest for O {
    fn built(&self) -> Result<Built, ClientError> {
        Built::of(self)
    }
    fn offset(&mut self) -> Option<&mut Offset> {
        self.offset_mut()
    }
    fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        self.checkpoint_mut()
    }
    fn row(&self) -> &'static OperationSpec {
        self.spec()
    }
}

/// What a method call builds.
pub enum Target {
    /// One request.
    Call(Built),
    /// A list request, sent once or paged through.
    List(Box<dyn ListRequest>),
}

fn invalid(reason: String) -> ClientError {
    ValidationError::Body { reason }.into()
}

/// The next path-parameter argument.
fn arg(args: &mut std::vec::IntoIter<String>, name: &'static str) -> Result<String, ClientError> {
    args.next().ok_or_else(|| invalid(format!("missing argument `{name}`")))
}

/// Applies a list's options object (`undefined` or `null` for none) to the request.
fn options<T: Apply>(json: Option<&str>, op: &mut T::Op) -> Result<(), ClientError> {
    let json = match json.map(str::trim) {
        None | Some("") | Some("null") => return Ok(()),
        Some(json) => json,
    };
    let mut map: Map<String, Value> =
        serde_json::from_str(json).map_err(|e| invalid(format!("options must be an object: {e}")))?;
    T::apply(&mut map, op)?;
    if let Some(key) = map.keys().next() {
        let known: Vec<String> = T::NAMES.iter().map(|n| format!("`{}`", camel(n))).collect();
        return Err(invalid(format!("unknown option `{key}`; the options are {}", known.join(", "))));
    }
    Ok(())
}

/// A body as JSON bytes, checked to be an object; with `wrap`, an array
/// becomes `{wrap: array}`.
fn raw_body(json: Option<&str>, wrap: Option<&str>) -> Result<Vec<u8>, ClientError> {
    let json = json.map(str::trim).filter(|j| !j.is_empty()).ok_or_else(|| invalid("a body is required".into()))?;
    let json = match wrap {
        Some(key) if json.starts_with('[') => format!("{{\"{key}\":{json}}}"),
        _ => json.to_owned(),
    };
    if !json.starts_with('{') {
        return Err(invalid("the body must be an object".into()));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(&json).map_err(|e| invalid(format!("the body is not JSON: {e}")))?;
    Ok(json.into_bytes())
}

/// Decodes a body into the operation's typed body, so the model's checks of
/// it run (used for the small `{key: [ids]}` bodies only: the large bodies
/// are sent as given, which keeps the wasm small and loses nothing).
fn typed_body<T: DeserializeOwned>(json: Option<&str>, wrap: Option<&str>) -> Result<T, ClientError> {
    let json = raw_body(json, wrap)?;
    serde_json::from_slice(&json).map_err(|e| invalid(e.to_string()))
}

macro_rules! methods {
    ($( $name:literal => $kind:ident $req:ty [$($param:ident),*] $(, $extra:tt)? ; )*) => {
        /// Every JavaScript method, in declaration order.
        pub static METHODS: &[Method] = &[
            $( Method {
                name: $name,
                op: <$req as Endpoint>::ID,
                kind: methods!(@kind $kind),
                params: &[$(stringify!($param)),*],
                wrap: methods!(@wrap $kind $($extra)?),
                options: methods!(@options $kind $($extra)?),
            }, )*
        ];

        /// Builds the request of the method named `name`.
        pub fn build(name: &str, params: Vec<String>, options: Option<&str>, body: Option<&str>) -> Result<Target, ClientError> {
            if let Some(m) = find(name) {
                if params.len() != m.params.len() {
                    return Err(invalid(format!("`{name}` takes {} id argument(s) ({}), got {}", m.params.len(), m.params.join(", "), params.len())));
                }
            }
            #[allow(unused_mut, unused_variables)]
            let mut args = params.into_iter();
            match name {
                $( $name => methods!(@build $kind $req, args, options, body, [$($param),*] $(, $extra)?), )*
                other => Err(ClientError::Config(format!("no method `{other}`"))),
            }
        }

        /// `(method, body type, response type)` as Rust names, for the TypeScript declarations.
        #[cfg(not(target_arch = "wasm32"))]
        pub fn type_names() -> Vec<(&'static str, &'static str, &'static str)> {
            vec![$( (
                $name,
                std::any::type_name::<<$req as Endpoint>::Body>(),
                std::any::type_name::<<$req as Endpoint>::Response>(),
            ), )*]
        }
    };

    (@wrap Body $key:literal) => { Some($key) };
    (@wrap Checked $key:literal) => { Some($key) };
    (@wrap $kind:ident $($x:tt)?) => { None };
    (@options List $opts:ident) => { Some(stringify!($opts)) };
    (@kind Checked) => { Kind::Body };
    (@kind $kind:ident) => { Kind::$kind };
    (@options $kind:ident $($x:tt)?) => { None };

    (@build Call $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*]) => {
        Built::generic(<$req as Endpoint>::ID.spec(), $args.collect(), None).map(Target::Call)
    };
    (@build Body $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*] $(, $key:literal)?) => {{
        let wrap: Option<&str> = None $(.or(Some($key)))?;
        Built::generic(<$req as Endpoint>::ID.spec(), $args.collect(), Some(raw_body($body, wrap)?)).map(Target::Call)
    }};
    (@build Checked $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*], $key:literal) => {{
        let op = <$req>::new($(arg(&mut $args, stringify!($param))?,)* typed_body($body, Some($key))?);
        Built::of(&op).map(Target::Call)
    }};
    (@build List $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*], $opts:ident) => {{
        let mut op = <$req>::new($(arg(&mut $args, stringify!($param))?),*);
        options::<$opts>($options, &mut op)?;
        Ok(Target::List(Box::new(op)))
    }};
}

methods! {
    "users.list" => List users::List [], UsersListOptions;
    "users.get" => Call users::Get [id];
    "users.create" => Body users::Create [];
    "users.update" => Body users::Update [id];
    "users.delete" => Call users::Delete [id];
    "users.roles.list" => List users::ListRoles [userId], UserRolesListOptions;
    "users.organizations.list" => List users::ListOrganizations [userId], UserOrganizationsListOptions;
    "users.roles.assign" => Checked users::AssignRoles [userId], "roles";
    "users.roles.remove" => Checked users::RemoveRoles [userId], "roles";

    "roles.list" => List roles::List [], RolesListOptions;
    "roles.get" => Call roles::Get [id];
    "roles.create" => Body roles::Create [];
    "roles.update" => Body roles::Update [id];
    "roles.delete" => Call roles::Delete [id];
    "roles.assign" => Checked users::AssignRoles [userId], "roles";
    "roles.users.list" => List roles::ListUsers [roleId], RoleUsersListOptions;
    "roles.users.assign" => Checked roles::AssignUsers [roleId], "users";

    "clients.list" => List clients::List [], ClientsListOptions;
    "clients.get" => Call clients::Get [id];
    "clients.create" => Body clients::Create [];
    "clients.update" => Body clients::Update [id];
    "clients.delete" => Call clients::Delete [id];

    "connections.list" => List connections::List [], ConnectionsListOptions;
    "connections.get" => Call connections::Get [id];
    "connections.create" => Body connections::Create [];
    "connections.update" => Body connections::Update [id];
    "connections.delete" => Call connections::Delete [id];

    "organizations.list" => List organizations::List [], OrganizationsListOptions;
    "organizations.get" => Call organizations::Get [id];
    "organizations.create" => Body organizations::Create [];
    "organizations.update" => Body organizations::Update [id];
    "organizations.delete" => Call organizations::Delete [id];
    "organizations.members.list" => List organizations::ListMembers [organizationId], OrganizationMembersListOptions;
    "organizations.members.add" => Checked organizations::AddMembers [organizationId], "members";
    "organizations.members.remove" => Checked organizations::RemoveMembers [organizationId], "members";
    "organizations.members.roles.list" => List organizations::ListMemberRoles [organizationId, userId], OrganizationMemberRolesListOptions;
    "organizations.members.roles.assign" => Checked organizations::AssignMemberRoles [organizationId, userId], "roles";
    "organizations.members.roles.delete" => Checked organizations::RemoveMemberRoles [organizationId, userId], "roles";

    "logs.list" => List logs::List [], LogsListOptions;
    "logs.search" => List logs::List [], LogsListOptions;
    "logs.get" => Call logs::Get [id];

    "grants.list" => List grants::List [], GrantsListOptions;
    "grants.delete" => Call grants::Delete [id];

    "resourceServers.list" => List resource_servers::List [], ResourceServersListOptions;
    "resourceServers.get" => Call resource_servers::Get [id];
    "resourceServers.create" => Body resource_servers::Create [];
    "resourceServers.update" => Body resource_servers::Update [id];
    "resourceServers.delete" => Call resource_servers::Delete [id];

    "teams.members.list" => List teams::ListMembers [], TeamMembersListOptions;
    "teams.members.get" => Call teams::GetMember [id];
    "teams.members.invite" => Body teams::InviteMembers [];
    "teams.members.update" => Body teams::UpdateMember [id];
    "teams.members.remove" => Call teams::RemoveMember [id];
    "teams.members.tenants.list" => List teams::ListMemberTenants [memberId, environment], MemberTenantsListOptions;
    "teams.members.tenants.add" => Body teams::AddMemberTenants [memberId];
    "teams.members.tenants.update" => Body teams::UpdateMemberTenants [memberId];
    "teams.members.tenants.remove" => Body teams::RemoveMemberTenants [memberId];
    "teams.tenants.list" => List teams::ListTenants [], TenantsListOptions;
    "teams.tenants.get" => Call teams::GetTenant [tenantId];
    "teams.tenants.create" => Body teams::CreateTenant [];
    "teams.tenants.delete" => Call teams::DeleteTenant [tenantId];
    "teams.tenants.members.list" => List teams::ListTenantMembers [tenantId], TenantMembersListOptions;
    "teams.environments.list" => List EnvironmentsRequest [], EnvironmentsListOptions;
    "teams.activity.list" => List teams::ListActivity [], ActivityListOptions;
}

/// `teams::ListEnvironments` with the `new()` every other request type has.
type EnvironmentsRequest = teams::ListEnvironments;

trait NewUnit {
    fn new() -> Self;
}

impl NewUnit for teams::ListEnvironments {
    fn new() -> Self {
        teams::ListEnvironments
    }
}

/// The method named `name`.
pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_model::OPERATIONS;
    use gatehouse_model::operation::Api;

    #[test]
    fn every_operation_has_a_method() {
        for spec in OPERATIONS.iter().filter(|s| s.api != Api::Authentication) {
            assert!(METHODS.iter().any(|m| m.op == spec.id), "no method sends {:?}", spec.id);
        }
    }

    #[test]
    fn params_match_the_path_templates() {
        for m in METHODS {
            assert_eq!(m.params.len(), m.op.spec().param_names().count(), "{}", m.name);
            assert_eq!(m.kind == Kind::List, m.op.spec().paging.items_key().is_some(), "{}", m.name);
        }
    }

    #[test]
    fn builds_validated_requests() {
        let Target::Call(b) = build("users.get", vec!["auth0|1".into()], None, None).unwrap() else { panic!() };
        assert_eq!(b.path_and_query, "/api/v2/users/auth0%7C1");
        let Target::Call(b) = build("users.roles.assign", vec!["u".into()], None, Some(r#"["rol_1"]"#)).unwrap() else {
            panic!()
        };
        assert_eq!(b.body.unwrap(), br#"{"roles":["rol_1"]}"#);
        assert!(build("users.get", vec!["..".into()], None, None).is_err());
        assert!(build("users.roles.assign", vec!["u".into()], None, Some("[]")).is_err());
        let member = vec!["org_1".to_owned(), "auth0|1".to_owned()];
        let Target::Call(b) =
            build("organizations.members.roles.delete", member.clone(), None, Some(r#"["rol_1"]"#)).unwrap()
        else {
            panic!()
        };
        assert_eq!(b.path_and_query, "/api/v2/organizations/org_1/members/auth0%7C1/roles");
        assert_eq!(b.spec.verb, gatehouse_model::Verb::Delete);
        assert_eq!(b.body.unwrap(), br#"{"roles":["rol_1"]}"#);
        assert!(build("organizations.members.roles.assign", member, None, Some(r#"{"roles":[]}"#)).is_err());
        assert!(build("organizations.members.roles.assign", vec!["org_1".into()], None, Some("[]")).is_err());
        assert!(build("users.create", vec![], None, Some("[1]")).is_err());
        assert!(build("users.create", vec![], None, Some("{")).is_err());
        assert!(build("users.get", vec![], None, None).is_err());
        let Target::List(list) = build("users.list", vec![], Some(r#"{"q":"x","perPage":5}"#), None).unwrap() else {
            panic!()
        };
        assert_eq!(list.built().unwrap().path_and_query, "/api/v2/users?per_page=5&q=x");
        assert!(build("users.list", vec![], Some(r#"{"perpage":5}"#), None).is_err());
        let Target::List(list) = build("users.list", vec![], Some(r#"{"page":20,"perPage":100}"#), None).unwrap()
        else {
            panic!()
        };
        assert!(list.built().is_err());
    }
}
