//! The data table: columns with sortable headers, optional row selection,
//! and an empty state. The markup is built once, non-generically, from rows
//! of cells (see [`crate::api`] on code size); [`table`] turns typed rows into those.

use super::Empty;
use crate::logic::bulk::Target;
use crate::logic::url_state::Sort;
use leptos::prelude::*;

/// One column: its header, sort key, and how a row shows in it.
pub struct Column<T> {
    /// Header text.
    pub header: &'static str,
    /// Sort key (the field name); empty when the column does not sort.
    pub key: &'static str,
    /// The cell.
    pub cell: fn(&T) -> AnyView,
    /// The value sorted on, for lists sorted in the page.
    pub sort_value: Option<fn(&T) -> String>,
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Column<T> {}

impl<T> Column<T> {
    /// A column that does not sort.
    pub fn new(header: &'static str, cell: fn(&T) -> AnyView) -> Self {
        Self { header, key: "", cell, sort_value: None }
    }

    /// A column the server sorts on `key`.
    pub fn sorted(header: &'static str, key: &'static str, cell: fn(&T) -> AnyView) -> Self {
        Self { header, key, cell, sort_value: None }
    }

    /// A column the page sorts by `value`.
    pub fn sorted_by(
        header: &'static str,
        key: &'static str,
        cell: fn(&T) -> AnyView,
        value: fn(&T) -> String,
    ) -> Self {
        Self { header, key, cell, sort_value: Some(value) }
    }
}

/// How a table behaves, besides its rows and columns.
#[derive(Default)]
pub struct TableOpts {
    /// What the table lists, for screen readers.
    pub caption: &'static str,
    /// What an empty table says.
    pub empty: &'static str,
    /// The current sort.
    pub sort: Option<Sort>,
    /// Called with a column key when its header is clicked.
    pub on_sort: Option<Callback<String>>,
    /// The selection, when rows can be selected.
    pub selected: Option<RwSignal<Vec<Target>>>,
}

impl TableOpts {
    /// A table listing `caption`, saying `empty` when there is nothing.
    pub fn new(caption: &'static str, empty: &'static str) -> Self {
        Self { caption, empty, ..Self::default() }
    }
}

/// Sorts rows in the page by the column whose key the sort names.
pub fn sort_rows<T>(rows: &mut [T], columns: &[Column<T>], sort: Option<&Sort>) {
    let Some(sort) = sort else { return };
    let Some(value) = columns.iter().find(|c| c.key == sort.field).and_then(|c| c.sort_value) else { return };
    rows.sort_by_cached_key(|r| value(r).to_lowercase());
    if sort.descending {
        rows.reverse();
    }
}

struct Row {
    cells: Vec<AnyView>,
    target: Option<Target>,
}

/// A table of typed rows; `target` makes rows selectable (with `opts.selected`).
pub fn table<T>(rows: &[T], columns: &[Column<T>], target: Option<fn(&T) -> Target>, opts: TableOpts) -> AnyView {
    let headers = columns.iter().map(|c| (c.header, c.key)).collect();
    let rows = rows
        .iter()
        .map(|r| Row { cells: columns.iter().map(|c| (c.cell)(r)).collect(), target: target.map(|t| t(r)) })
        .collect();
    render(rows, headers, opts)
}

fn header_cell(
    header: &'static str,
    key: &'static str,
    sort: Option<&Sort>,
    on_sort: Option<Callback<String>>,
) -> AnyView {
    let state = sort.filter(|s| !key.is_empty() && s.field == key).map(|s| s.descending);
    let aria = match state {
        Some(true) => "descending",
        Some(false) => "ascending",
        None => "none",
    };
    match on_sort.filter(|_| !key.is_empty()) {
        Some(cb) => {
            let arrow = match state {
                Some(true) => " ▼",
                Some(false) => " ▲",
                None => " ↕",
            };
            view! {
                <th scope="col" aria-sort=aria>
                    <button type="button" class="sort" on:click=move |_| cb.run(key.to_owned())>
                        {header}
                        <span aria-hidden="true" class="arrow">{arrow}</span>
                    </button>
                </th>
            }
            .into_any()
        }
        None => view! { <th scope="col">{header}</th> }.into_any(),
    }
}

fn select_all(selected: RwSignal<Vec<Target>>, page: Vec<Target>) -> AnyView {
    let ids: Vec<String> = page.iter().map(|t| t.id.clone()).collect();
    let all_ids = ids.clone();
    let all = move || !ids.is_empty() && selected.with(|sel| ids.iter().all(|id| sel.iter().any(|t| &t.id == id)));
    view! {
        <th scope="col" class="select">
            <input
                type="checkbox"
                aria-label="Select every row on this page"
                prop:checked=all
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    selected
                        .update(|sel| {
                            sel.retain(|t| !all_ids.contains(&t.id));
                            if on {
                                sel.extend(page.iter().cloned());
                            }
                        });
                }
            />
        </th>
    }
    .into_any()
}

fn select_one(selected: RwSignal<Vec<Target>>, target: Target) -> AnyView {
    let id = target.id.clone();
    let label = format!("Select {}", target.label);
    view! {
        <td class="select">
            <input
                type="checkbox"
                aria-label=label
                prop:checked=move || selected.with(|sel| sel.iter().any(|t| t.id == id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    let target = target.clone();
                    selected
                        .update(|sel| {
                            sel.retain(|t| t.id != target.id);
                            if on {
                                sel.push(target);
                            }
                        });
                }
            />
        </td>
    }
    .into_any()
}

fn render(rows: Vec<Row>, headers: Vec<(&'static str, &'static str)>, opts: TableOpts) -> AnyView {
    if rows.is_empty() {
        return view! { <Empty message=opts.empty /> }.into_any();
    }
    let selected = opts.selected.filter(|_| rows.iter().any(|r| r.target.is_some()));
    let select_header = selected.map(|s| select_all(s, rows.iter().filter_map(|r| r.target.clone()).collect()));
    let headers = headers.into_iter().map(|(h, k)| header_cell(h, k, opts.sort.as_ref(), opts.on_sort)).collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let check = selected.zip(row.target).map(|(s, t)| select_one(s, t));
            let cells = row.cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view();
            view! { <tr>{check}{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data">
                <caption class="sr-only">{opts.caption}</caption>
                <thead>
                    <tr>{select_header}{headers}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}
