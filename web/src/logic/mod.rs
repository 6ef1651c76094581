//! Pure logic, free of the DOM and of the network, so it is tested on the
//! host (`cargo test`) and in the browser (`wasm-bindgen-test`) alike.

pub mod bulk;
pub mod chart;
pub mod checks;
pub mod explorer;
pub mod export;
pub mod format;
pub mod guard;
pub mod json;
pub mod lucene;
pub mod pages;
pub mod password;
pub mod permissions;
pub mod schema_form;
pub mod strategies;
pub mod time;
pub mod url_state;
