//! Tables of JSON rows, for the groups the console reads through the
//! catalog (client grants, permissions, invitations, actions, ...): one
//! table instantiation for all of them, and a row button that picks its row
//! for a confirmed action.

use leptos::context::Provider;
use leptos::prelude::*;
use serde_json::Value;

/// A string field of a row (`a.b` follows objects), empty when absent.
pub fn field(v: &Value, path: &str) -> String {
    let mut cur = v;
    for key in path.split('.') {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect::<Vec<_>>().join(" ")
        }
        other => other.to_string(),
    }
}

/// The row a row's button picked, for the page's confirmation dialog.
#[derive(Clone, Copy)]
pub struct RowPick(pub RwSignal<Option<Value>>);

/// A row pick linked to a dialog's `open` signal: picking a row opens the
/// dialog, closing it forgets the row. The rows' buttons find it through
/// [`picking`], which scopes it to one table: a page with two panels keeps
/// two picks apart.
pub fn use_row_pick() -> (RwSignal<Option<Value>>, RwSignal<bool>) {
    let pick = RwSignal::new(None::<Value>);
    let open = RwSignal::new(false);
    // Guarded both ways: a signal notifies on every set, so unguarded sets would ping-pong.
    Effect::new(move |_| {
        if pick.get().is_some() && !open.get_untracked() {
            open.set(true);
        }
    });
    Effect::new(move |_| {
        if !open.get() && pick.get_untracked().is_some() {
            pick.set(None);
        }
    });
    (pick, open)
}

/// Renders `rows` (a panel's table) with `pick` as the [`RowPick`] its
/// [`pick_button`]s set, in a reactive owner of its own so that the context
/// reaches only this table, not its sibling panels.
pub fn picking(pick: RwSignal<Option<Value>>, rows: impl FnOnce() -> AnyView + Send + 'static) -> AnyView {
    view! { <Provider value=RowPick(pick)>{rows()}</Provider> }.into_any()
}

/// A row's button (`label`, announced as `aria`) that picks the row of the
/// nearest enclosing [`picking`]; nothing outside one.
pub fn pick_button(row: &Value, label: &'static str, aria: String) -> AnyView {
    let Some(RowPick(pick)) = use_context::<RowPick>() else { return ().into_any() };
    picks(pick, row.clone(), label, aria)
}

/// A danger button (`label`, announced as `aria`) that sets `pick` to
/// `value`: what a row's Remove or Delete button does before its confirm
/// dialog opens, whatever the row's type.
pub fn picks<T: Clone + Send + Sync + 'static>(
    pick: RwSignal<Option<T>>,
    value: T,
    label: &'static str,
    aria: String,
) -> AnyView {
    view! {
        <button type="button" class="btn small danger nowrap" aria-label=aria on:click=move |_| pick.set(Some(value.clone()))>
            {label}
        </button>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn fields_follow_paths() {
        let v = serde_json::json!({"a": {"b": "x"}, "n": 3, "s": ["r", "w"], "z": null});
        assert_eq!(field(&v, "a.b"), "x");
        assert_eq!(field(&v, "n"), "3");
        assert_eq!(field(&v, "s"), "r w");
        assert_eq!(field(&v, "z"), "");
        assert_eq!(field(&v, "a.c"), "");
    }
}
