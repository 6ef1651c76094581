//! Users: search, detail, create, bulk actions.

mod bulk;
mod create;
mod detail;
mod list;
mod roles_tab;

pub use detail::UserPage;
pub use list::UsersPage;
