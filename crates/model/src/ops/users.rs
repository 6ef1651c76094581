//! Users: list and search, read, create, update, delete, and their roles.

use super::params::check_non_empty;
use super::{list, path_only, with_body};
use crate::types::{AssignUserRoles, CreateUser, RemoveUserRoles, UpdateUser};

list! {
    /// `GET /api/v2/users`: list users, or search them with a Lucene query in `q`.
    ///
    /// Offset paging only, and never past the first 1,000 results.
    List () {
        /// Lucene query, such as `email:*@acme.com AND NOT blocked:true` (a wildcard inside quotes is literal).
        q: String,
        /// Search engine version; `v3` is the current one.
        search_engine: String,
        /// Sort as `field:1` (ascending) or `field:-1` (descending).
        sort: String,
        /// Only users of this connection.
        connection: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
        /// Whether results come in a deterministic order (`true`, Auth0's
        /// default); `false` may be faster for queries matching few users.
        primary_order: bool,
    }
    /// `GET /api/v2/users/{id}/roles`: the roles assigned to a user.
    ListRoles (id) {}
    /// `GET /api/v2/users/{id}/organizations`: the organizations a user is a member of.
    ListOrganizations (id) {}
}

impl List {
    /// A search for `q` with the v3 engine.
    pub fn search(q: impl Into<String>) -> Self {
        Self { q: Some(q.into()), search_engine: Some("v3".into()), ..Self::default() }
    }
}

path_only! {
    /// `GET /api/v2/users/{id}`: read one user.
    Get(id) {
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    };
    /// `DELETE /api/v2/users/{id}`: delete a user.
    Delete(id);
}

with_body! {
    /// `POST /api/v2/users`: create a user.
    Create() => CreateUser;
    /// `PATCH /api/v2/users/{id}`: change a user; fields left out are kept.
    Update(id) => UpdateUser;
    /// `POST /api/v2/users/{id}/roles`: assign roles (by role id) to a user.
    AssignRoles(id) => AssignUserRoles, validate |b: &AssignUserRoles| check_non_empty("roles", &b.roles);
    /// `DELETE /api/v2/users/{id}/roles`: remove roles (by role id) from a user.
    RemoveRoles(id) => RemoveUserRoles, validate |b: &RemoveUserRoles| check_non_empty("roles", &b.roles);
}
