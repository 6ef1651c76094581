//! The Teams API: `client.teams()`.

use super::handler;
use crate::client::Client;
use gatehouse_model::ops::teams;
use gatehouse_model::teams::{
    AddMemberTenants, CreateTenant, InviteMembers, RemoveMemberTenants, UpdateMember, UpdateMemberTenants,
};

/// The Teams API: `client.teams()`.
#[derive(Debug, Clone)]
pub struct Teams {
    pub(crate) client: Client,
}

impl Teams {
    /// Team members, invitations and their tenant access.
    pub fn members(&self) -> TeamMembers {
        TeamMembers { client: self.client.clone() }
    }

    /// The team's tenants.
    pub fn tenants(&self) -> Tenants {
        Tenants { client: self.client.clone() }
    }

    /// The environments tenants can be created in.
    pub fn environments(&self) -> Environments {
        Environments { client: self.client.clone() }
    }

    /// The team's activity log.
    pub fn activity(&self) -> Activity {
        Activity { client: self.client.clone() }
    }
}

handler! {
    /// Team members: `client.teams().members()`.
    TeamMembers {
        /// `GET /api/members`: list team members (checkpoint paging, `take` at most 50).
        fn list() -> teams::ListMembers;
        /// `GET /api/members/{id}`: read one team member.
        fn get(id) -> teams::GetMember;
        /// `POST /api/members`: invite people to the team.
        fn invite(; body: InviteMembers) -> teams::InviteMembers;
        /// `PATCH /api/members/{id}`: change a member's team role.
        fn update(id; body: UpdateMember) -> teams::UpdateMember;
        /// `DELETE /api/members/{id}`: remove someone from the team.
        fn remove(id) -> teams::RemoveMember;
        /// `PUT /api/members/{id}/tenants`: give a member access to tenants.
        fn add_tenants(id; body: AddMemberTenants) -> teams::AddMemberTenants;
        /// `PATCH /api/members/{id}/tenants`: change a member's roles on tenants.
        fn update_tenants(id; body: UpdateMemberTenants) -> teams::UpdateMemberTenants;
        /// `DELETE /api/members/{id}/tenants`: take tenant access away from a member.
        fn remove_tenants(id; body: RemoveMemberTenants) -> teams::RemoveMemberTenants;
        /// `GET /api/members/{id}/tenants/{environment}`: a member's tenants in one environment.
        fn tenants(id, environment) -> teams::ListMemberTenants;
    }
}

handler! {
    /// Tenants: `client.teams().tenants()`.
    Tenants {
        /// `GET /api/tenants`: list the team's tenants (checkpoint paging).
        fn list() -> teams::ListTenants;
        /// `GET /api/tenants/{tenant_id}`: read one tenant.
        fn get(tenant_id) -> teams::GetTenant;
        /// `POST /api/tenants`: create a tenant.
        fn create(; body: CreateTenant) -> teams::CreateTenant;
        /// `DELETE /api/tenants/{tenant_id}`: delete a tenant.
        fn delete(tenant_id) -> teams::DeleteTenant;
        /// `GET /api/tenants/{tenant_id}/members`: the members of a tenant.
        fn members(tenant_id) -> teams::ListTenantMembers;
    }
}

handler! {
    /// Activity: `client.teams().activity()`.
    Activity {
        /// `GET /api/activity/logs`: the team's activity (checkpoint paging).
        fn list() -> teams::ListActivity;
    }
}

/// Environments: `client.teams().environments()`.
#[derive(Debug, Clone)]
pub struct Environments {
    pub(crate) client: Client,
}

impl Environments {
    /// `GET /api/environments`: the environments tenants can be created in.
    pub fn list(&self) -> crate::Request<teams::ListEnvironments> {
        crate::Request::new(self.client.clone(), teams::ListEnvironments)
    }
}
