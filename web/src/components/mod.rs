//! The shared component set: every page builds on these instead of
//! repeating markup.

mod confirm;
mod fields;
mod header;
mod json_editor;
mod loaded;
mod nav;
mod page;
mod pager;
mod picker;
mod progress;
mod rows;
mod schema_form;
mod status;
mod table;
mod tabs;

pub use confirm::ConfirmDialog;
pub use fields::{Checkbox, Select, TextArea, TextField};
pub use header::Header;
pub use json_editor::JsonEditor;
pub use loaded::{action_status, flash, loaded, on_success, reload_with_flash};
pub use nav::Nav;
pub use page::{Facts, PageHeader, Panel};
pub use pager::Pager;
pub use picker::{Picked, UserPicker, picked_ids};
pub use progress::BulkProgress;
pub use rows::{RowPick, field, pick_button, picking, picks, use_row_pick};
pub use schema_form::schema_form;
pub use status::{Empty, ErrorView, Loading, error_fallback};
pub use table::{Column, TableOpts, sort_rows, table};
pub use tabs::Tabs;
