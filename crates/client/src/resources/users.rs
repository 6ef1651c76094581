//! Users: `client.users()`.

use super::{Users, ids};

use crate::error::ClientError;
use crate::request::Request;
use gatehouse_model::ops::users;
use gatehouse_model::types::{AssignUserRoles, RemoveUserRoles, Role, User};

/// A user with the roles assigned to them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWithRoles {
    /// The user.
    pub user: User,
    /// Every role assigned to the user.
    pub roles: Vec<Role>,
}

impl Users {
    /// `GET /api/v2/users?q=...&search_engine=v3`: search users with a Lucene query.
    pub fn search(&self, q: impl Into<String>) -> Request<users::List> {
        Request::new(self.client.clone(), users::List::search(q))
    }

    /// `POST /api/v2/users/{id}/roles`: assign roles (by role id) to a user.
    /// Needs the `update:users` and `create:role_members` scopes.
    pub fn assign_roles<I, S>(&self, id: impl Into<String>, roles: I) -> Request<users::AssignRoles>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request::new(self.client.clone(), users::AssignRoles::new(id, AssignUserRoles::new(ids(roles))))
    }

    /// `DELETE /api/v2/users/{id}/roles`: remove roles (by role id) from a user.
    pub fn remove_roles<I, S>(&self, id: impl Into<String>, roles: I) -> Request<users::RemoveRoles>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Request::new(self.client.clone(), users::RemoveRoles::new(id, RemoveUserRoles::new(ids(roles))))
    }

    /// A user and all their roles, read concurrently (two calls instead of one after the other).
    pub async fn get_with_roles(&self, id: impl Into<String>) -> Result<UserWithRoles, ClientError> {
        let id = id.into();
        let (user, roles) = futures::try_join!(self.get(id.as_str()).value(), self.roles().list(id.as_str()).all())?;
        Ok(UserWithRoles { user, roles })
    }
}
