//! Organizations: list, create, detail with members and their roles, add members.

mod detail;
mod list;

pub use detail::OrganizationPage;
pub use list::OrganizationsPage;
