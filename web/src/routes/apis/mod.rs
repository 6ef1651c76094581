//! APIs (resource servers): list, create, detail with scopes.

mod detail;
mod list;

pub use detail::ApiPage;
pub use list::ApisPage;
