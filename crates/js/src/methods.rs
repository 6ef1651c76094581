//! The JavaScript methods: one row per method, each bound to one operation
//! of the model's table.
//!
//! A row names the method (`users.roles.assign`), the model's request type,
//! the path parameters it takes as arguments, and what else it takes: an
//! options object (lists) or a body. From this one table come the dispatch
//! in [`build`], the JavaScript method list and the TypeScript declarations
//! (`src/bin/dts.rs`), and a test checks that it covers every operation.
//! What a list's options object may hold is not listed here: it is the
//! operation's query, read from its catalog entry ([`crate::options`]).

use crate::options::{self, ListQuery};
use gatehouse_client::ClientError;
use gatehouse_model::error::ValidationError;
use gatehouse_model::operation::{Endpoint, Operation, OperationId, OperationSpec};
use gatehouse_model::ops::{
    Checkpoint, Offset, Query, check_paging, clients, connections, grants, logs, organizations, resource_servers,
    roles, teams, users,
};
use gatehouse_model::request::{path_and_query, path_with_query};
use serde::de::DeserializeOwned;

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
}

impl Method {
    /// The TypeScript name of a list method's options type: `users.roles.list` → `UsersRolesListOptions`.
    pub fn options_type(&self) -> String {
        let mut out = String::new();
        for part in self.name.split('.') {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
        out.push_str("Options");
        out
    }
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

    /// A call without a body: the path filled with `params`, and the query
    /// from the options object (`fields`, `include_fields` where the
    /// operation takes them), read against the catalog entry.
    pub fn call(
        method: &'static str,
        spec: &'static OperationSpec,
        params: Vec<String>,
        options: Option<&str>,
    ) -> Result<Self, ClientError> {
        let query = match spec.query {
            Some(op) => options::read(method, op, options)?.rest,
            None => Vec::new(),
        };
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let path_and_query = path_with_query(spec.path, &params, &query)?;
        Ok(Self { spec, path_and_query, body: None })
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

/// A list call: the operation, its path parameters and its query, whose
/// paging the pager moves page after page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListCall {
    spec: &'static OperationSpec,
    params: Vec<String>,
    query: ListQuery,
}

impl ListCall {
    /// The call of list method `method` (sending `spec`) with its path
    /// parameters and options object, read against the catalog entry.
    pub fn new(
        method: &'static str,
        spec: &'static OperationSpec,
        params: Vec<String>,
        options: Option<&str>,
    ) -> Result<Self, ClientError> {
        let op = spec.query.ok_or_else(|| ClientError::Config(format!("`{method}` has no catalog entry")))?;
        Ok(Self { spec, params, query: options::read(method, op, options)? })
    }

    /// Validates and encodes it as it stands: the model's paging checks,
    /// then the path and the query (paging first, then the other options).
    pub fn built(&self) -> Result<Built, ClientError> {
        check_paging(self.spec.paging, &self.query.offset, &self.query.checkpoint)?;
        let mut query = Query::default();
        self.query.offset.write(&mut query);
        self.query.checkpoint.write(&mut query);
        for (name, value) in &self.query.rest {
            query.push(name, value.clone());
        }
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let path_and_query = path_with_query(self.spec.path, &params, &query.into_pairs())?;
        Ok(Built { spec: self.spec, path_and_query, body: None })
    }

    /// Its offset paging parameters.
    pub fn offset(&mut self) -> Option<&mut Offset> {
        Some(&mut self.query.offset)
    }

    /// Its checkpoint paging parameters.
    pub fn checkpoint(&mut self) -> Option<&mut Checkpoint> {
        Some(&mut self.query.checkpoint)
    }

    /// Its table row.
    pub fn row(&self) -> &'static OperationSpec {
        self.spec
    }
}

/// What a method call builds.
pub enum Target {
    /// One request.
    Call(Built),
    /// A list request, sent once or paged through.
    List(Box<ListCall>),
}

fn invalid(reason: String) -> ClientError {
    ValidationError::Body { reason }.into()
}

/// The next path-parameter argument.
fn arg(args: &mut std::vec::IntoIter<String>, name: &'static str) -> Result<String, ClientError> {
    args.next().ok_or_else(|| invalid(format!("missing argument `{name}`")))
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
    ($( $name:literal => $kind:ident $req:ty [$($param:ident),*] $(, $extra:literal)? ; )*) => {
        /// Every JavaScript method, in declaration order.
        pub static METHODS: &[Method] = &[
            $( Method {
                name: $name,
                op: <$req as Endpoint>::ID,
                kind: methods!(@kind $kind),
                params: &[$(stringify!($param)),*],
                wrap: methods!(@wrap $kind $($extra)?),
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
                $( $name => methods!(@build $name, $kind $req, args, options, body, [$($param),*] $(, $extra)?), )*
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
    (@kind Checked) => { Kind::Body };
    (@kind $kind:ident) => { Kind::$kind };

    (@build $name:literal, Call $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*]) => {
        Built::call($name, <$req as Endpoint>::ID.spec(), $args.collect(), $options).map(Target::Call)
    };
    (@build $name:literal, Body $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*] $(, $key:literal)?) => {{
        let wrap: Option<&str> = None $(.or(Some($key)))?;
        Built::generic(<$req as Endpoint>::ID.spec(), $args.collect(), Some(raw_body($body, wrap)?)).map(Target::Call)
    }};
    (@build $name:literal, Checked $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*], $key:literal) => {{
        let op = <$req>::new($(arg(&mut $args, stringify!($param))?,)* typed_body($body, Some($key))?);
        Built::of(&op).map(Target::Call)
    }};
    (@build $name:literal, List $req:ty, $args:ident, $options:ident, $body:ident, [$($param:ident),*]) => {{
        let call = ListCall::new($name, <$req as Endpoint>::ID.spec(), $args.collect(), $options)?;
        Ok(Target::List(Box::new(call)))
    }};
}

methods! {
    "users.list" => List users::List [];
    "users.get" => Call users::Get [id];
    "users.create" => Body users::Create [];
    "users.update" => Body users::Update [id];
    "users.delete" => Call users::Delete [id];
    "users.roles.list" => List users::ListRoles [userId];
    "users.organizations.list" => List users::ListOrganizations [userId];
    "users.roles.assign" => Checked users::AssignRoles [userId], "roles";
    "users.roles.remove" => Checked users::RemoveRoles [userId], "roles";

    "roles.list" => List roles::List [];
    "roles.get" => Call roles::Get [id];
    "roles.create" => Body roles::Create [];
    "roles.update" => Body roles::Update [id];
    "roles.delete" => Call roles::Delete [id];
    "roles.assign" => Checked users::AssignRoles [userId], "roles";
    "roles.users.list" => List roles::ListUsers [roleId];
    "roles.users.assign" => Checked roles::AssignUsers [roleId], "users";

    "clients.list" => List clients::List [];
    "clients.get" => Call clients::Get [id];
    "clients.create" => Body clients::Create [];
    "clients.update" => Body clients::Update [id];
    "clients.delete" => Call clients::Delete [id];

    "connections.list" => List connections::List [];
    "connections.get" => Call connections::Get [id];
    "connections.create" => Body connections::Create [];
    "connections.update" => Body connections::Update [id];
    "connections.delete" => Call connections::Delete [id];

    "organizations.list" => List organizations::List [];
    "organizations.get" => Call organizations::Get [id];
    "organizations.create" => Body organizations::Create [];
    "organizations.update" => Body organizations::Update [id];
    "organizations.delete" => Call organizations::Delete [id];
    "organizations.members.list" => List organizations::ListMembers [organizationId];
    "organizations.members.add" => Checked organizations::AddMembers [organizationId], "members";
    "organizations.members.remove" => Checked organizations::RemoveMembers [organizationId], "members";
    "organizations.members.roles.list" => List organizations::ListMemberRoles [organizationId, userId];
    "organizations.members.roles.assign" => Checked organizations::AssignMemberRoles [organizationId, userId], "roles";
    "organizations.members.roles.delete" => Checked organizations::RemoveMemberRoles [organizationId, userId], "roles";

    "logs.list" => List logs::List [];
    "logs.search" => List logs::List [];
    "logs.get" => Call logs::Get [id];

    "grants.list" => List grants::List [];
    "grants.delete" => Call grants::Delete [id];

    "resourceServers.list" => List resource_servers::List [];
    "resourceServers.get" => Call resource_servers::Get [id];
    "resourceServers.create" => Body resource_servers::Create [];
    "resourceServers.update" => Body resource_servers::Update [id];
    "resourceServers.delete" => Call resource_servers::Delete [id];

    "teams.members.list" => List teams::ListMembers [];
    "teams.members.get" => Call teams::GetMember [id];
    "teams.members.invite" => Body teams::InviteMembers [];
    "teams.members.update" => Body teams::UpdateMember [id];
    "teams.members.remove" => Call teams::RemoveMember [id];
    "teams.members.tenants.list" => List teams::ListMemberTenants [memberId, environment];
    "teams.members.tenants.add" => Body teams::AddMemberTenants [memberId];
    "teams.members.tenants.update" => Body teams::UpdateMemberTenants [memberId];
    "teams.members.tenants.remove" => Body teams::RemoveMemberTenants [memberId];
    "teams.tenants.list" => List teams::ListTenants [];
    "teams.tenants.get" => Call teams::GetTenant [tenantId];
    "teams.tenants.create" => Body teams::CreateTenant [];
    "teams.tenants.delete" => Call teams::DeleteTenant [tenantId];
    "teams.tenants.members.list" => List teams::ListTenantMembers [tenantId];
    "teams.environments.list" => List teams::ListEnvironments [];
    "teams.activity.list" => List teams::ListActivity [];
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

    fn list_path(name: &str, params: Vec<String>, options: &str) -> Result<String, ClientError> {
        match build(name, params, Some(options), None)? {
            Target::List(list) => list.built().map(|b| b.path_and_query),
            Target::Call(b) => Ok(b.path_and_query),
        }
    }

    #[test]
    fn options_are_the_operations_query_under_auth0s_names() {
        // auth0 7's spelling moves over unchanged; camelCase stays accepted.
        let snake = list_path("users.list", vec![], r#"{"per_page":100,"include_totals":true,"search_engine":"v3"}"#);
        assert_eq!(snake.unwrap(), "/api/v2/users?per_page=100&include_totals=true&search_engine=v3");
        let camel = list_path("users.list", vec![], r#"{"perPage":100,"includeTotals":true,"searchEngine":"v3"}"#);
        assert_eq!(camel.unwrap(), "/api/v2/users?per_page=100&include_totals=true&search_engine=v3");
        // The spec's list parameters go as repeated keys.
        let path = list_path("connections.list", vec![], r#"{"strategy":["auth0","samlp"],"include_totals":true}"#);
        assert_eq!(path.unwrap(), "/api/v2/connections?include_totals=true&strategy=auth0&strategy=samlp");
        let path = list_path("resourceServers.list", vec![], r#"{"identifiers":["https://a/","https://b/"]}"#);
        assert_eq!(path.unwrap(), "/api/v2/resource-servers?identifiers=https:%2F%2Fa%2F&identifiers=https:%2F%2Fb%2F");
        // Parameters no hand-kept list offered before.
        let path = list_path("clients.list", vec![], r#"{"external_client_id":"https://app.test/cimd"}"#);
        assert_eq!(path.unwrap(), "/api/v2/clients?external_client_id=https:%2F%2Fapp.test%2Fcimd");
        let path = list_path("teams.activity.list", vec![], r#"{"type":"Tenant Activity","status":"Success"}"#);
        assert_eq!(path.unwrap(), "/api/activity/logs?type=Tenant%20Activity&status=Success");
        // Reads with a query take options too.
        let path = list_path("users.get", vec!["auth0|1".into()], r#"{"fields":"email","include_fields":true}"#);
        assert_eq!(path.unwrap(), "/api/v2/users/auth0%7C1?fields=email&include_fields=true");
        assert!(list_path("roles.get", vec!["rol_1".into()], r#"{"fields":"name"}"#).is_err());
        // Wrong names and types are refused before anything is sent.
        let e = list_path("connections.list", vec![], r#"{"strategy":"toaster"}"#).unwrap_err();
        assert!(e.to_string().contains("`strategy` must be one of `ad`"), "{e}");
        let e = list_path("users.list", vec![], r#"{"per_page":"100"}"#).unwrap_err();
        assert!(e.to_string().ends_with("`per_page` must be a whole number from 0, got `\"100\"`"), "{e}");
        let e = list_path("teams.tenants.list", vec![], r#"{"per_page":5}"#).unwrap_err();
        assert!(e.to_string().contains("teams.tenants.list does not take `per_page`; it takes `take`, `from`"), "{e}");
    }
}
