//! Roles: list, read, create, update, delete, and their users.

use super::params::check_non_empty;
use super::{list, path_only, with_body};
use crate::types::{AssignRoleUsers, CreateRole, UpdateRole};

list! {
    /// `GET /api/v2/roles`: list roles.
    List () {
        /// Only roles whose name contains this text.
        name_filter: String,
    }
    /// `GET /api/v2/roles/{id}/users`: the users who have a role.
    ListUsers (id) {}
}

path_only! {
    /// `GET /api/v2/roles/{id}`: read one role.
    Get(id);
    /// `DELETE /api/v2/roles/{id}`: delete a role.
    Delete(id);
}

with_body! {
    /// `POST /api/v2/roles`: create a role.
    Create() => CreateRole;
    /// `PATCH /api/v2/roles/{id}`: change a role.
    Update(id) => UpdateRole;
    /// `POST /api/v2/roles/{id}/users`: give the role to users (by user id).
    AssignUsers(id) => AssignRoleUsers, validate |b: &AssignRoleUsers| check_non_empty("users", &b.users);
}
