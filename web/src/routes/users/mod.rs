//! Users: search, detail, create, export, bulk actions.

pub mod bulk;
pub mod create;
mod detail;
pub mod export;
mod list;
mod roles_tab;

pub use detail::UserPage;
pub use list::UsersPage;
