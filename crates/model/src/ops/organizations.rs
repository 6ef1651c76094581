//! Organizations: list, read, create, update, delete, members and member roles.

use super::params::check_non_empty;
use super::{list, path_only, with_body};
use crate::types::{
    AddOrganizationMembers, AssignOrganizationMemberRoles, CreateOrganization, RemoveOrganizationMemberRoles,
    RemoveOrganizationMembers, UpdateOrganization,
};

list! {
    /// `GET /api/v2/organizations`: list organizations.
    List () {
        /// Sort as `name:1` or `name:-1`.
        sort: String,
    }
    /// `GET /api/v2/organizations/{id}/members`: list an organization's members.
    ListMembers (id) {
        /// Comma-separated fields to include or exclude (`roles` adds each member's roles).
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }
    /// `GET /api/v2/organizations/{id}/members/{user_id}/roles`: a member's roles in the organization.
    ListMemberRoles (id, user_id) {}
}

path_only! {
    /// `GET /api/v2/organizations/{id}`: read one organization.
    Get(id);
    /// `DELETE /api/v2/organizations/{id}`: delete an organization.
    Delete(id);
}

with_body! {
    /// `POST /api/v2/organizations`: create an organization.
    Create() => CreateOrganization;
    /// `PATCH /api/v2/organizations/{id}`: change an organization.
    Update(id) => UpdateOrganization;
    /// `POST /api/v2/organizations/{id}/members`: add users (by id) as members.
    AddMembers(id) => AddOrganizationMembers,
        validate |b: &AddOrganizationMembers| check_non_empty("members", &b.members);
    /// `DELETE /api/v2/organizations/{id}/members`: remove members (by user id).
    RemoveMembers(id) => RemoveOrganizationMembers,
        validate |b: &RemoveOrganizationMembers| check_non_empty("members", &b.members);
    /// `POST /api/v2/organizations/{id}/members/{user_id}/roles`: give a member roles (by role id)
    /// within the organization.
    AssignMemberRoles(id, user_id) => AssignOrganizationMemberRoles,
        validate |b: &AssignOrganizationMemberRoles| check_non_empty("roles", &b.roles);
    /// `DELETE /api/v2/organizations/{id}/members/{user_id}/roles`: take roles (by role id) away
    /// from a member within the organization.
    RemoveMemberRoles(id, user_id) => RemoveOrganizationMemberRoles,
        validate |b: &RemoveOrganizationMemberRoles| check_non_empty("roles", &b.roles);
}
