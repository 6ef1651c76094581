//! Grants: list and revoke.

use super::{list, path_only};

list! {
    /// `GET /api/v2/grants`: list grants.
    List () {
        /// Only grants of this user.
        user_id: String,
        /// Only grants to this application.
        client_id: String,
        /// Only grants for this API audience.
        audience: String,
    }
}

path_only! {
    /// `DELETE /api/v2/grants/{id}`: revoke a grant.
    Delete(id);
}
