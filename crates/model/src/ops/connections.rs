//! Connections: list, read, create, update, delete.

use super::{list, path_only, with_body};
use crate::types::{CreateConnection, UpdateConnection};

list! {
    /// `GET /api/v2/connections`: list connections.
    List () {
        /// Only connections of these strategies, such as `["auth0", "samlp"]`
        /// (sent as `strategy=auth0&strategy=samlp`).
        strategy: Vec<String>,
        /// Only the connection with this name.
        name: String,
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    }
}

path_only! {
    /// `GET /api/v2/connections/{id}`: read one connection.
    Get(id) {
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    };
    /// `DELETE /api/v2/connections/{id}`: delete a connection (Auth0 may finish it later: 202).
    Delete(id);
}

with_body! {
    /// `POST /api/v2/connections`: create a connection.
    Create() => CreateConnection;
    /// `PATCH /api/v2/connections/{id}`: change a connection. Note that `options` is replaced whole.
    Update(id) => UpdateConnection;
}
