//! Organizations: list, create, detail with members and their roles, add members.

mod detail;
mod extra;
mod list;

pub use detail::OrganizationPage;
pub use list::OrganizationsPage;
pub(crate) use list::columns as organization_columns;
