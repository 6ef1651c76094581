//! Organizations: `client.organizations()`.

use super::{HELPER_CONCURRENCY, Organizations, ids};
use crate::error::ClientError;
use crate::request::Request;
use futures::{StreamExt, TryStreamExt};
use gatehouse_model::ops::organizations;
use gatehouse_model::types::{
    AddOrganizationMembers, AssignOrganizationMemberRoles, OrganizationMember, RemoveOrganizationMemberRoles,
    RemoveOrganizationMembers, Role,
};

/// An organization member with the roles they hold in the organization.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberWithRoles {
    /// The member.
    pub member: OrganizationMember,
    /// The member's roles in the organization.
    pub roles: Vec<Role>,
}

/// The fields asked for when listing members with their roles.
const MEMBER_FIELDS: &str = "user_id,email,name,picture,roles";

impl Organizations {
    /// `POST /api/v2/organizations/{id}/members`: add users (by user id) as members.
    pub fn add_members<I, S>(&self, id: impl Into<String>, members: I) -> Request<organizations::AddMembers>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let body = AddOrganizationMembers::new(ids(members));
        Request::new(self.client.clone(), organizations::AddMembers::new(id, body))
    }

    /// `DELETE /api/v2/organizations/{id}/members`: remove members (by user id).
    pub fn remove_members<I, S>(&self, id: impl Into<String>, members: I) -> Request<organizations::RemoveMembers>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let body = RemoveOrganizationMembers::new(ids(members));
        Request::new(self.client.clone(), organizations::RemoveMembers::new(id, body))
    }

    /// `POST /api/v2/organizations/{id}/members/{user_id}/roles`: give a member roles (by role id)
    /// within the organization; roles the member already holds stay as they are.
    /// Needs the `create:organization_member_roles` scope.
    pub fn assign_member_roles<I, S>(
        &self,
        id: impl Into<String>,
        user_id: impl Into<String>,
        roles: I,
    ) -> Request<organizations::AssignMemberRoles>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let body = AssignOrganizationMemberRoles::new(ids(roles));
        Request::new(self.client.clone(), organizations::AssignMemberRoles::new(id, user_id, body))
    }

    /// `DELETE /api/v2/organizations/{id}/members/{user_id}/roles`: take roles (by role id) away
    /// from a member within the organization. Needs the `delete:organization_member_roles` scope.
    pub fn remove_member_roles<I, S>(
        &self,
        id: impl Into<String>,
        user_id: impl Into<String>,
        roles: I,
    ) -> Request<organizations::RemoveMemberRoles>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let body = RemoveOrganizationMemberRoles::new(ids(roles));
        Request::new(self.client.clone(), organizations::RemoveMemberRoles::new(id, user_id, body))
    }

    /// Every member of an organization with their roles in it.
    ///
    /// Asks for the members with `fields=...,roles`, which Auth0 answers
    /// with each member's roles in the same pages. Members that come back
    /// without roles (a server that ignores `fields=roles`) get their roles
    /// with one call each, at most [`HELPER_CONCURRENCY`] at a time, under
    /// the client's pacing. If the server refuses the `fields` request
    /// (400), members are listed plainly and the roles read per member.
    pub async fn members_with_roles(&self, id: impl Into<String>) -> Result<Vec<MemberWithRoles>, ClientError> {
        let id = id.into();
        let with_fields = self.members().list(id.as_str()).fields(MEMBER_FIELDS).include_fields(true).all().await;
        let members = match with_fields {
            Err(e) if e.status() == Some(400) => self.members().list(id.as_str()).all().await?,
            other => other?,
        };
        futures::stream::iter(members)
            .map(|mut member| {
                let id = id.as_str();
                async move {
                    let listed = member.roles.take();
                    let roles = match (listed, member.user_id.as_deref()) {
                        (Some(listed), _) => listed.iter().map(to_role).collect::<Result<Vec<_>, _>>()?,
                        (None, Some(user_id)) => self.members().roles().list(id, user_id).all().await?,
                        (None, None) => Vec::new(),
                    };
                    Ok::<_, ClientError>(MemberWithRoles { member, roles })
                }
            })
            .buffered(HELPER_CONCURRENCY)
            .try_collect()
            .await
    }
}

/// The `{id, name}` role a member listing carries, as a [`Role`] (losslessly, through JSON).
fn to_role<T: serde::Serialize>(role: &T) -> Result<Role, ClientError> {
    let value =
        serde_json::to_value(role).map_err(|e| gatehouse_model::ValidationError::Body { reason: e.to_string() })?;
    gatehouse_model::object::decode_value(&value).map_err(|source| {
        ClientError::Model(gatehouse_model::Error::Decode {
            status: 200,
            source,
            rate_limit: gatehouse_model::RateLimit::default(),
        })
    })
}
