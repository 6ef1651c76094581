//! Users: search, detail, create, export, bulk actions.

mod bulk;
mod create;
mod detail;
mod export;
mod list;
mod roles_tab;

pub use detail::UserPage;
pub use list::UsersPage;
