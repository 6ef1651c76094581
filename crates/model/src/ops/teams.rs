//! The Teams API: members, invitations, tenant access, tenants, environments, activity.

use super::{list, path_only, with_body};
use crate::operation::Operation;
use crate::teams::{
    AddMemberTenants as AddTenantsBody, CreateTenant as CreateTenantBody, InviteMembers as InviteBody,
    RemoveMemberTenants as RemoveTenantsBody, UpdateMember as UpdateBody, UpdateMemberTenants as UpdateTenantsBody,
};

list! {
    /// `GET /api/members`: list team members (checkpoint paging, `take` at most 50).
    ListMembers () {}
    /// `GET /api/tenants`: list the team's tenants.
    ListTenants () {
        /// Sort as `created_at:1` or `created_at:-1`.
        sort: String,
        /// Only tenants in this environment, such as `US-3`.
        environment: String,
        /// Only tenants with this environment tag.
        environment_tag: String,
        /// Only tenants in this locality.
        locality: String,
    }
    /// `GET /api/tenants/{tenant_id}/members`: the members of a tenant.
    ListTenantMembers (tenant_id) {}
    /// `GET /api/members/{id}/tenants/{environment}`: a member's tenants in one environment.
    ListMemberTenants (id, environment) {}
    /// `GET /api/activity/logs`: the team's activity.
    ListActivity () {
        /// Events at or after this ISO 8601 time.
        since: String,
        /// Events before this ISO 8601 time.
        until: String,
        /// Only events of this type.
        r#type: String,
        /// Only events with this status.
        status: String,
    }
}

/// `GET /api/environments`: the environments tenants can be created in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListEnvironments;

impl ListEnvironments {
    /// The request (it has no parameters).
    pub const fn new() -> Self {
        Self
    }
}

impl Operation for ListEnvironments {}

path_only! {
    /// `GET /api/members/{id}`: read one team member.
    GetMember(id);
    /// `DELETE /api/members/{id}`: remove someone from the team.
    RemoveMember(id);
    /// `GET /api/tenants/{tenant_id}`: read one tenant.
    GetTenant(tenant_id);
    /// `DELETE /api/tenants/{tenant_id}`: delete a tenant.
    DeleteTenant(tenant_id);
}

with_body! {
    /// `POST /api/members`: invite people to the team.
    InviteMembers() => InviteBody;
    /// `PATCH /api/members/{id}`: change a member's team role.
    UpdateMember(id) => UpdateBody;
    /// `PUT /api/members/{id}/tenants`: give a member access to tenants.
    AddMemberTenants(id) => AddTenantsBody;
    /// `PATCH /api/members/{id}/tenants`: change a member's roles on tenants.
    UpdateMemberTenants(id) => UpdateTenantsBody;
    /// `DELETE /api/members/{id}/tenants`: take tenant access away from a member.
    RemoveMemberTenants(id) => RemoveTenantsBody;
    /// `POST /api/tenants`: create a tenant.
    CreateTenant() => CreateTenantBody;
}
