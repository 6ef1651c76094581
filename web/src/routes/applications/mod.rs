//! Applications: list, create, detail with settings grouped as in Auth0,
//! update, delete, and a client secret shown only on request.

mod access;
mod detail;
mod list;
mod secret;

pub use detail::ApplicationPage;
pub use list::ApplicationsPage;

/// Application types an admin creates, with their names.
pub const APP_TYPES: [(&str, &str); 4] = [
    ("spa", "Single-page application"),
    ("regular_web", "Regular web application"),
    ("native", "Native"),
    ("non_interactive", "Machine to machine"),
];

/// The name of an application type.
pub fn app_type_name(t: &str) -> String {
    APP_TYPES.iter().find(|(k, _)| *k == t).map_or_else(|| t.to_owned(), |(_, n)| (*n).to_owned())
}
