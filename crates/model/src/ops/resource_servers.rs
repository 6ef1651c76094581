//! APIs (resource servers): list, read, create, update, delete.

use super::{list, path_only, with_body};
use crate::types::{CreateResourceServer, UpdateResourceServer};

list! {
    /// `GET /api/v2/resource-servers`: list APIs.
    List () {
        /// Only APIs with these identifiers (audiences), at most 10; sent as
        /// one `identifiers=` pair each.
        identifiers: Vec<String>,
        /// Whether to include only the listed fields.
        include_fields: bool,
    }
}

path_only! {
    /// `GET /api/v2/resource-servers/{id}`: read one API, by id or identifier.
    Get(id) {
        /// Whether specified fields are included (`true`) or excluded, as the spec says.
        include_fields: bool,
    };
    /// `DELETE /api/v2/resource-servers/{id}`: delete an API.
    Delete(id);
}

with_body! {
    /// `POST /api/v2/resource-servers`: create an API.
    Create() => CreateResourceServer;
    /// `PATCH /api/v2/resource-servers/{id}`: change an API.
    Update(id) => UpdateResourceServer;
}
