//! The data table: columns with sortable headers, optional row selection,
//! and an empty state.

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
    pub fn sorted_by(header: &'static str, key: &'static str, cell: fn(&T) -> AnyView, value: fn(&T) -> String) -> Self {
        Self { header, key, cell, sort_value: Some(value) }
    }
}

/// Rows that can be selected for a bulk action.
pub struct Selection<T> {
    /// The selected rows.
    pub selected: RwSignal<Vec<Target>>,
    /// What a row stands for.
    pub target: fn(&T) -> Target,
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

/// A table of rows.
#[component]
pub fn DataTable<T>(
    rows: Vec<T>,
    columns: Vec<Column<T>>,
    /// What the table lists, for screen readers.
    #[prop(into)]
    caption: String,
    #[prop(optional)] sort: Option<Sort>,
    #[prop(optional, into)] on_sort: Option<Callback<String>>,
    #[prop(optional)] selection: Option<Selection<T>>,
    #[prop(optional, into)] empty: Option<String>,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    if rows.is_empty() {
        return view! { <Empty message=empty.unwrap_or_else(|| "Nothing here yet.".into()) /> }.into_any();
    }
    let select_header = selection.as_ref().map(|s| {
        let selected = s.selected;
        let page: Vec<Target> = rows.iter().map(s.target).collect();
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
    });
    let headers = columns
        .iter()
        .map(|c| {
            let key = c.key;
            let state = sort.as_ref().filter(|s| !key.is_empty() && s.field == key).map(|s| s.descending);
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
                        None => "",
                    };
                    view! {
                        <th scope="col" aria-sort=aria>
                            <button type="button" class="sort" on:click=move |_| cb.run(key.to_owned())>
                                {c.header}
                                <span aria-hidden="true">{arrow}</span>
                            </button>
                        </th>
                    }
                        .into_any()
                }
                None => view! { <th scope="col">{c.header}</th> }.into_any(),
            }
        })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|row| {
            let check = selection.as_ref().map(|s| {
                let selected = s.selected;
                let target = (s.target)(&row);
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
            });
            let cells = columns.iter().map(|c| view! { <td>{(c.cell)(&row)}</td> }).collect_view();
            view! { <tr>{check}{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data">
                <caption class="sr-only">{caption}</caption>
                <thead>
                    <tr>{select_header}{headers}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}
