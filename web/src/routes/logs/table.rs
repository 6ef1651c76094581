//! The log events table, shared by the logs page, the overview and a user's page.

use crate::components::{Column, TableOpts, table};
use crate::logic::format::or_dash;
use crate::routes::{href, text, when};
use gatehouse_model::types::LogEvent;
use leptos::prelude::*;
use leptos_router::components::A;

fn kind_cell(e: &LogEvent) -> AnyView {
    let code = e.kind.as_ref().map(|k| k.as_str().to_owned()).unwrap_or_default();
    let class = match &e.kind {
        Some(k) if k.is_failure() => "badge bad",
        Some(k) if k.is_success() => "badge good",
        _ => "badge",
    };
    view! { <span class=class title=e.description.clone().unwrap_or_default()>{code}</span> }.into_any()
}

/// The columns of a log table.
pub fn log_columns() -> Vec<Column<LogEvent>> {
    vec![
        Column::new("When", |e| when(e.date.as_deref())),
        Column::new("Type", kind_cell),
        Column::new("Description", |e| text(e.description.clone().unwrap_or_default())),
        Column::new("User", |e| match (&e.user_id, &e.user_name) {
            (Some(id), name) => {
                let label = name.clone().unwrap_or_else(|| id.clone());
                view! { <A href=href("/users", id)>{label}</A> }.into_any()
            }
            (None, name) => text(or_dash(name.as_deref())),
        }),
        Column::new("Application", |e| text(or_dash(e.client_name.as_deref().or(e.client_id.as_deref())))),
        Column::new("IP", |e| text(or_dash(e.ip.as_deref()))),
    ]
}

/// A table of log events.
pub fn log_table(events: &[LogEvent], empty: &'static str) -> AnyView {
    table(events, &log_columns(), None, TableOpts::new("Log events", empty))
}
