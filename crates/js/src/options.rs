//! The options objects of the list methods, one struct per list operation.
//!
//! Each struct is what JavaScript passes as the last argument of a `list`
//! call (camelCase keys, unknown keys refused). The struct types it for
//! TypeScript (`tsify`); at run time the options are read field by field
//! from the parsed JSON (no per-struct decoder, to keep the wasm small) and
//! applied to the model's request type, whose own checks (paging ranges, the
//! 1,000-result window, checkpoint/offset conflicts) then run before
//! anything is sent.

use gatehouse_client::ClientError;
use gatehouse_model::ValidationError;
use gatehouse_model::ops::{clients, connections, grants, logs, organizations, resource_servers, roles, teams, users};
use serde_json::{Map, Value};
use tsify_next::Tsify;

/// Applies an options object to the model's request.
pub(crate) trait Apply {
    /// The model's request type.
    type Op;
    /// Moves every option set from `map` onto `op`; a value of the wrong type is an error.
    fn apply(map: &mut Map<String, Value>, op: &mut Self::Op) -> Result<(), ClientError>;
    /// The option names, for the error about an unknown one.
    const NAMES: &'static [&'static str];
}

/// A JSON value an option can hold.
pub(crate) trait OptionValue: Sized {
    /// What the option must be, for the error message.
    const WHAT: &'static str;
    /// The value, if it has the right type.
    fn from_json(value: Value) -> Option<Self>;
}

impl OptionValue for String {
    const WHAT: &'static str = "a string";
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl OptionValue for bool {
    const WHAT: &'static str = "a boolean";
    fn from_json(value: Value) -> Option<Self> {
        value.as_bool()
    }
}

impl OptionValue for u64 {
    const WHAT: &'static str = "a whole number from 0";
    fn from_json(value: Value) -> Option<Self> {
        value.as_u64()
    }
}

/// `per_page` → `perPage`.
pub(crate) fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.trim_start_matches("r#").chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Takes option `name` (given in snake case) out of the options object.
pub(crate) fn take<T: OptionValue>(map: &mut Map<String, Value>, name: &str) -> Result<Option<T>, ClientError> {
    let key = camel(name);
    match map.remove(&key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::from_json(value)
            .map(Some)
            .ok_or_else(|| ValidationError::Body { reason: format!("option `{key}` must be {}", T::WHAT) }.into()),
    }
}

/// Sets one model field from an option; paging options go to `offset` / `checkpoint`.
macro_rules! set_field {
    ($op:ident $m:ident page: $t:ty) => {
        $op.offset.page = take::<$t>($m, "page")?;
    };
    ($op:ident $m:ident per_page: $t:ty) => {
        $op.offset.per_page = take::<$t>($m, "per_page")?;
    };
    ($op:ident $m:ident include_totals: $t:ty) => {
        $op.offset.include_totals = take::<$t>($m, "include_totals")?;
    };
    ($op:ident $m:ident from: $t:ty) => {
        $op.checkpoint.from = take::<$t>($m, "from")?;
    };
    ($op:ident $m:ident take: $t:ty) => {
        $op.checkpoint.take = take::<$t>($m, "take")?;
    };
    ($op:ident $m:ident $f:ident: $t:ty) => {
        $op.$f = take::<$t>($m, stringify!($f))?;
    };
}

/// Declares options structs (for their TypeScript types, by `tsify`) and
/// how each option is applied to the model's request.
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident for $op:ty {
            $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug, Default, Tsify)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        pub struct $name {
            $(
                $(#[doc = $fdoc])*
                #[tsify(optional)]
                pub $field: Option<$ty>,
            )*
        }

        impl Apply for $name {
            type Op = $op;
            const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];
            #[allow(unused_variables)]
            fn apply(map: &mut Map<String, Value>, op: &mut $op) -> Result<(), ClientError> {
                $( set_field!(op map $field: $ty); )*
                Ok(())
            }
        }
    )*};
}

options! {
    /// Options of `users.list`: list or search users (offset paging, at most 1,000 results).
    UsersListOptions for users::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, length, total, users}` envelope.
        include_totals: bool,
        /// Lucene query, such as `email:"*@acme.com" AND blocked:false`.
        q: String,
        /// Search engine version (`v3`).
        search_engine: String,
        /// Sort as `field:1` (ascending) or `field:-1` (descending).
        sort: String,
        /// Only users of this connection.
        connection: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }

    /// Options of `users.roles.list` (offset paging).
    UserRolesListOptions for users::ListRoles {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, roles}` envelope.
        include_totals: bool,
    }

    /// Options of `roles.list` (offset paging).
    RolesListOptions for roles::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, roles}` envelope.
        include_totals: bool,
        /// Only roles whose name contains this text.
        name_filter: String,
    }

    /// Options of `roles.users.list` (offset or checkpoint paging).
    RoleUsersListOptions for roles::ListUsers {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, users}` envelope.
        include_totals: bool,
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page with checkpoint paging.
        take: u64,
    }

    /// Options of `clients.list` (offset or checkpoint paging).
    ClientsListOptions for clients::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, clients}` envelope.
        include_totals: bool,
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page with checkpoint paging.
        take: u64,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
        /// Only global (`true`) or non-global applications.
        is_global: bool,
        /// Only first-party (`true`) or third-party applications.
        is_first_party: bool,
        /// Comma-separated application types, such as `spa,native`.
        app_type: String,
        /// Query on application fields.
        q: String,
    }

    /// Options of `connections.list` (offset or checkpoint paging).
    ConnectionsListOptions for connections::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, connections}` envelope.
        include_totals: bool,
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page with checkpoint paging.
        take: u64,
        /// Only connections of this strategy, such as `auth0` or `samlp`.
        strategy: String,
        /// Only the connection with this name.
        name: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }

    /// Options of `organizations.list` (offset or checkpoint paging).
    OrganizationsListOptions for organizations::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, organizations}` envelope.
        include_totals: bool,
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page with checkpoint paging.
        take: u64,
        /// Sort as `name:1` or `name:-1`.
        sort: String,
    }

    /// Options of `organizations.members.list` (offset or checkpoint paging).
    OrganizationMembersListOptions for organizations::ListMembers {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, members}` envelope.
        include_totals: bool,
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page with checkpoint paging.
        take: u64,
        /// Comma-separated fields to include or exclude (`roles` adds each member's roles).
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }

    /// Options of `users.organizations.list` (offset paging).
    UserOrganizationsListOptions for users::ListOrganizations {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, organizations}` envelope.
        include_totals: bool,
    }

    /// Options of `organizations.members.roles.list` (offset paging).
    OrganizationMemberRolesListOptions for organizations::ListMemberRoles {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, roles}` envelope.
        include_totals: bool,
    }

    /// Options of `logs.list` and `logs.search`: offset paging, or `from` a log id with `take`.
    LogsListOptions for logs::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, length, total, logs}` envelope.
        include_totals: bool,
        /// A log id: events after it, oldest first.
        from: String,
        /// Events per page with `from`.
        take: u64,
        /// Lucene query on the log fields, such as `type:f AND user_id:"auth0|1"`.
        q: String,
        /// Sort as `date:1` or `date:-1`.
        sort: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }

    /// Options of `grants.list` (offset paging).
    GrantsListOptions for grants::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, grants}` envelope.
        include_totals: bool,
        /// Only grants of this user.
        user_id: String,
        /// Only grants to this application.
        client_id: String,
        /// Only grants for this API audience.
        audience: String,
    }

    /// Options of `resourceServers.list` (offset paging).
    ResourceServersListOptions for resource_servers::List {
        /// Zero-based page number.
        page: u64,
        /// Items per page, 1 to 100.
        per_page: u64,
        /// Answer with the `{start, limit, total, resource_servers}` envelope.
        include_totals: bool,
        /// Only APIs with these identifiers (audiences).
        identifiers: String,
        /// Whether to include only the listed fields.
        include_fields: bool,
    }

    /// Options of `teams.members.list` (checkpoint paging, `take` at most 50).
    TeamMembersListOptions for teams::ListMembers {
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page, 1 to 50.
        take: u64,
    }

    /// Options of `teams.tenants.list` (checkpoint paging, `take` at most 50).
    TenantsListOptions for teams::ListTenants {
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page, 1 to 50.
        take: u64,
        /// Sort as `created_at:1` or `created_at:-1`.
        sort: String,
        /// Only tenants in this environment, such as `US-3`.
        environment: String,
        /// Only tenants with this environment tag.
        environment_tag: String,
        /// Only tenants in this locality.
        locality: String,
    }

    /// Options of `teams.tenants.members.list` (checkpoint paging, `take` at most 50).
    TenantMembersListOptions for teams::ListTenantMembers {
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page, 1 to 50.
        take: u64,
    }

    /// Options of `teams.members.tenants.list` (none: the list comes whole).
    MemberTenantsListOptions for teams::ListMemberTenants {}

    /// Options of `teams.activity.list` (checkpoint paging, `take` at most 50).
    ActivityListOptions for teams::ListActivity {
        /// Checkpoint: the previous page's `next`.
        from: String,
        /// Items per page, 1 to 50.
        take: u64,
        /// Events at or after this ISO 8601 time.
        since: String,
        /// Events before this ISO 8601 time.
        until: String,
        /// Only events of this type.
        r#type: String,
        /// Only events with this status.
        status: String,
    }

    /// Options of `teams.environments.list` (none: the list comes whole).
    EnvironmentsListOptions for teams::ListEnvironments {}
}
