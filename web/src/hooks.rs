//! Hooks the pages share: URL state, the signed-in principal, ids.

use crate::api::Me;
use crate::logic::guard::Guard;
use crate::logic::url_state::{merge_query, parse_query};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use std::cell::Cell;

/// The query string's pairs, reactive.
pub fn use_query_pairs() -> Memo<Vec<(String, String)>> {
    let location = use_location();
    Memo::new(move |_| parse_query(&location.search.get()))
}

/// One query value, reactive (empty when absent).
pub fn use_query_value(key: &'static str) -> Memo<String> {
    let pairs = use_query_pairs();
    Memo::new(move |_| qget(&pairs.get(), key))
}

/// The value of `key` in query pairs (empty when absent).
pub fn qget(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// A function that changes query parameters (`None` removes one) and
/// navigates there, keeping the path and the other parameters.
pub fn use_set_query() -> impl Fn(Vec<(&'static str, Option<String>)>) + Clone + Send + Sync + 'static {
    let navigate = use_navigate();
    let location = use_location();
    move |updates| {
        let path = location.pathname.get_untracked();
        let next = merge_query(&location.search.get_untracked(), &updates);
        navigate(&format!("{path}{next}"), NavigateOptions { scroll: false, ..Default::default() });
    }
}

/// The signed-in principal.
pub fn use_me() -> Me {
    use_context::<Me>().unwrap_or_else(|| Me {
        email: None,
        principal: String::new(),
        roles: Vec::new(),
        permissions: Default::default(),
        rate_limit: Default::default(),
        subject: None,
        policy_roles: Vec::new(),
    })
}

/// What the principal may do to users and with roles beyond its access levels.
pub fn use_guard() -> Guard {
    use_me().guard()
}

/// Whether the principal may change an area.
pub fn can_write(area: &str) -> bool {
    use_me().permissions.can_write(area)
}

/// Whether the principal may read an area.
pub fn can_read(area: &str) -> bool {
    use_me().permissions.can_read(area)
}

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// A page-unique element id, for `<label for>` and `aria-describedby`.
pub fn next_id(prefix: &str) -> String {
    NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        format!("{prefix}-{}", n.get())
    })
}
