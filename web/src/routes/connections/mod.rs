//! Connections: list by strategy, detail with the strategy's options in a
//! form, create; the provisioning ticket URL of enterprise strategies.

mod detail;
mod list;
mod options_form;

pub use detail::ConnectionPage;
pub use list::ConnectionsPage;
