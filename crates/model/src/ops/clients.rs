//! Applications (clients): list, read, create, update, delete.

use super::{list, path_only, with_body};
use crate::types::{CreateClient, UpdateClient};

list! {
    /// `GET /api/v2/clients`: list applications.
    List () {
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
        /// Only global (`true`) or non-global applications.
        is_global: bool,
        /// Only first-party (`true`) or third-party applications.
        is_first_party: bool,
        /// Comma-separated application types, such as `spa,native`.
        app_type: String,
        /// Query on application fields.
        q: String,
        /// Only the application registered with this Client ID Metadata Document URI.
        external_client_id: String,
    }
}

path_only! {
    /// `GET /api/v2/clients/{id}`: read one application.
    Get(id) {
        /// Comma-separated fields to include or exclude.
        fields: String,
        /// Whether `fields` lists the fields to include (`true`) or exclude.
        include_fields: bool,
    };
    /// `DELETE /api/v2/clients/{id}`: delete an application.
    Delete(id);
}

with_body! {
    /// `POST /api/v2/clients`: create an application.
    Create() => CreateClient;
    /// `PATCH /api/v2/clients/{id}`: change an application; fields left out are kept.
    Update(id) => UpdateClient;
}
