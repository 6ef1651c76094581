//! `/users`: search (plain text or Lucene), sortable paged table, totals,
//! the 1,000-result window, selection for bulk actions.

use crate::api::{self, Fut};
use crate::components::{Column, PageHeader, Pager, TableOpts, loaded, table};
use crate::hooks::{can_write, qget, use_query_pairs, use_set_query};
use crate::logic::bulk::Target;
use crate::logic::format::{count, or_dash};
use crate::logic::lucene::{is_lucene, user_query};
use crate::logic::url_state::{ListState, Sort};
use crate::routes::{badge, href, text, when};
use crate::split::{LazyBulkBar, LazyPart, Part};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, users};
use gatehouse_model::types::User;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

fn fetch(state: &ListState) -> Fut<Page<User>> {
    api::call(users::List {
        q: user_query(&state.q),
        search_engine: Some("v3".into()),
        sort: state.sort.as_ref().map(Sort::to_param),
        offset: Offset::page(state.page, state.per_page),
        ..Default::default()
    })
}

/// What a row of the table stands for in a bulk action.
pub fn target(u: &User) -> Target {
    let id = u.user_id.clone().unwrap_or_default();
    Target {
        label: u.email.clone().or_else(|| u.name.clone()).unwrap_or_else(|| id.clone()),
        id,
        blocked: u.blocked.unwrap_or(false),
    }
}

fn columns() -> Vec<Column<User>> {
    vec![
        Column::sorted("User", "email", |u| {
            let t = target(u);
            let name = u.name.clone().filter(|n| Some(n) != u.email.as_ref()).unwrap_or_default();
            view! {
                <A href=href("/users", &t.id) attr:class="strong">{t.label}</A>
                <span class="sub">{name}</span>
            }
            .into_any()
        }),
        Column::new("Connection", |u| {
            text(or_dash(u.identities.as_ref().and_then(|i| i.first()).and_then(|i| i.connection.as_deref())))
        }),
        Column::sorted("Logins", "logins_count", |u| text(count(u.logins_count.unwrap_or(0).max(0) as u64))),
        Column::sorted("Last login", "last_login", |u| when(u.last_login.as_deref())),
        Column::sorted("Created", "created_at", |u| when(u.created_at.as_deref())),
        Column::new(
            "Status",
            |u| if u.blocked == Some(true) { badge("Blocked", "bad") } else { badge("Active", "good") },
        ),
    ]
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let exporting = Memo::new(move |_| qget(&pairs.get(), "export") == "1");
    let may_export = can_write("jobs");
    let set_query = use_set_query();
    let writable = can_write("users");
    let selected = RwSignal::new(Vec::<Target>::new());
    let users = api::resource(move || fetch(&state.get()));
    let search_text = RwSignal::new(state.get_untracked().q);
    Effect::new(move |_| search_text.set(state.get().q));

    let sq = set_query.clone();
    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        sq(vec![("q", Some(search_text.get_untracked())), ("page", None)]);
    };
    let on_sort = Callback::new(move |field: String| {
        let sort = Sort::toggled(state.get_untracked().sort.as_ref(), &field);
        set_query(vec![("sort", Some(sort.to_param())), ("page", None)]);
    });
    let translated = move || {
        let q = state.get().q;
        (!q.trim().is_empty() && !is_lucene(&q)).then(|| {
            view! { <p class="help">"Searching with: " <code>{user_query(&q).unwrap_or_default()}</code></p> }
        })
    };
    let refresh = Callback::new(move |()| users.refetch());
    // The bulk actions appear with the first selection and stay (with their results).
    let bulk_shown = Memo::new(move |shown: Option<&bool>| shown == Some(&true) || selected.with(|s| !s.is_empty()));
    view! {
        <PageHeader title="Users" subtitle="Search, inspect and change the tenant's users.">
            {may_export.then(|| view! { <A href="/users?export=1" attr:class="btn">"Export users"</A> })}
            {writable.then(|| view! { <A href="/users?create=1" attr:class="btn primary">"Create user"</A> })}
        </PageHeader>
        {crate::routes::deleted_notice("user")}
        // The forms and the bulk actions load their code when first shown (`split`).
        <Show when=move || creating.get() && writable>
            <LazyPart part=Part::CreateUser />
        </Show>
        <Show when=move || exporting.get() && may_export>
            <LazyPart part=Part::ExportUsers />
        </Show>
        <form class="search" role="search" on:submit=on_search>
            <label for="user-search">"Search users"</label>
            <div class="search-row">
                <input
                    id="user-search"
                    type="search"
                    autocomplete="off"
                    aria-describedby="user-search-help"
                    placeholder="jane, jane@acme.com, or a Lucene query"
                    prop:value=move || search_text.get()
                    on:input=move |ev| search_text.set(event_target_value(&ev))
                />
                <button type="submit" class="btn primary">"Search"</button>
            </div>
            <p class="help" id="user-search-help">
                "Plain text matches email, name and nickname. Or write a Lucene query, such as "
                <code>"email:*@acme.com AND NOT blocked:true"</code>
                    ". A wildcard works outside quotes only: inside them it is a literal character."
            </p>
            {translated}
        </form>
        {writable.then(|| view! {
            <Show when=move || bulk_shown.get()>
                <LazyBulkBar selected=selected on_done=refresh />
            </Show>
        })}
        {loaded(
            users,
            move |page: &Page<User>| {
                let s = state.get_untracked();
                let total = page.total();
                let opts = TableOpts {
                    sort: s.sort.clone(),
                    on_sort: Some(on_sort),
                    selected: writable.then_some(selected),
                    ..TableOpts::new("Users", "No users match this search.")
                };
                view! {
                    <p class="totals" data-testid="user-total">
                        {total.map(|t| format!("{} {} match", count(t), if t == 1 { "user" } else { "users" }))}
                    </p>
                    {table(&page.items, &columns(), Some(target), opts)}
                    <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=total windowed=true />
                }
            },
        )}
    }
}
