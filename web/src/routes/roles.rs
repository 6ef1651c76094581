//! `/roles` and `/roles/:id`: list, create, detail with users, assign to users.

use crate::api::{self, Fut};
use crate::components::{
    Column, ConfirmDialog, Facts, PageHeader, Pager, Panel, TableOpts, TextField, UserPicker, action_status, loaded,
    on_success, picked_ids, sort_rows, table,
};
use crate::hooks::{can_write, qget, use_guard, use_query_pairs, use_set_query};
use crate::logic::url_state::{ListState, Sort};
use crate::routes::permissions::{Holder, PermissionsPanel};
use crate::routes::{href, mono, text, use_id};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, roles};
use gatehouse_model::types::{AssignRoleUsers, CreateRole, Role, RoleUser, UpdateRole};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn columns() -> Vec<Column<Role>> {
    vec![
        Column::sorted_by(
            "Role",
            "name",
            |r| {
                let id = r.id.clone().unwrap_or_default();
                let name = r.name.clone().unwrap_or_else(|| id.clone());
                view! { <A href=href("/roles", &id) attr:class="strong">{name}</A> }.into_any()
            },
            |r| r.name.clone().unwrap_or_default(),
        ),
        Column::sorted_by(
            "Description",
            "description",
            |r| text(r.description.clone().unwrap_or_default()),
            |r| r.description.clone().unwrap_or_default(),
        ),
        Column::new("ID", |r| mono(r.id.clone().unwrap_or_default())),
    ]
}

/// A table of roles.
pub fn role_table(roles: &[Role], empty: &'static str) -> AnyView {
    table(roles, &columns(), None, TableOpts::new("Roles", empty))
}

/// The tenant's roles as `(id, name)` choices (the first 100), for selects.
pub fn role_choices(readable: bool) -> Signal<Vec<(String, String)>> {
    let res = api::resource(move || -> Fut<Page<Role>> {
        if !readable {
            return Box::pin(async { Ok(Page::bare(Vec::new())) });
        }
        api::call(roles::List { offset: Offset::page(0, 100), ..Default::default() })
    });
    Signal::derive(move || match res.get() {
        Some(Ok(d)) => api::value::<Page<Role>>(&d)
            .map(|p| p.items.iter().filter_map(|r| Some((r.id.clone()?, r.name.clone().unwrap_or_default()))).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    })
}

/// The roles page.
#[component]
pub fn RolesPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let set_query = use_set_query();
    let writable = can_write("roles");
    let list = api::resource(move || {
        let s = state.get();
        api::call(roles::List {
            name_filter: Some(s.q.clone()).filter(|q| !q.is_empty()),
            offset: Offset::page(s.page, s.per_page),
            ..Default::default()
        })
    });
    let filter = RwSignal::new(state.get_untracked().q);
    let sq = set_query.clone();
    let on_sort = Callback::new(move |field: String| {
        sq(vec![("sort", Some(Sort::toggled(state.get_untracked().sort.as_ref(), &field).to_param()))]);
    });
    view! {
        <PageHeader title="Roles" subtitle="Named sets of permissions given to users.">
            {writable.then(|| view! { <A href="/roles?create=1" attr:class="btn primary">"Create role"</A> })}
        </PageHeader>
        {crate::routes::deleted_notice("role")}
        <Show when=move || creating.get() && writable>
            <CreateRoleForm />
        </Show>
        <form class="search" role="search" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            set_query(vec![("q", Some(filter.get_untracked())), ("page", None)]);
        }>
            <TextField label="Filter by name" value=filter />
            <button type="submit" class="btn">"Filter"</button>
        </form>
        {loaded(
            list,
            move |page: &Page<Role>| {
                let s = state.get_untracked();
                let mut rows = page.items.clone();
                let cols = columns();
                sort_rows(&mut rows, &cols, s.sort.as_ref());
                let opts = TableOpts { sort: s.sort.clone(), on_sort: Some(on_sort), ..TableOpts::new("Roles", "No roles.") };
                view! {
                    {table(&rows, &cols, None, opts)}
                    <Pager page=s.page per_page=s.per_page shown=rows.len() as u64 total=page.total() windowed=true />
                }
            },
        )}
    }
}

#[component]
fn CreateRoleForm() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let create = api::job(move || {
        let mut body = CreateRole::new(name.get_untracked().trim().to_owned());
        body.description = Some(description.get_untracked()).filter(|d| !d.is_empty());
        let sending = api::call(roles::Create::new(body));
        Box::pin(async move { Ok(sending.await?.id.unwrap_or_default()) })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/roles", &id), Default::default()));
    view! {
        <Panel title="Create role">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=name required=true />
                <TextField label="Description" value=description />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create role"</button>
                    <A href="/roles" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}

fn user_columns() -> Vec<Column<RoleUser>> {
    vec![
        Column::new("User", |u| {
            let id = u.user_id.clone().unwrap_or_default();
            let label = u.email.clone().or_else(|| u.name.clone()).unwrap_or_else(|| id.clone());
            view! { <A href=href("/users", &id)>{label}</A> }.into_any()
        }),
        Column::new("Name", |u| text(u.name.clone().unwrap_or_default())),
        Column::new("User ID", |u| mono(u.user_id.clone().unwrap_or_default())),
    ]
}

/// A role's page.
#[component]
pub fn RolePage() -> impl IntoView {
    let id = use_id();
    let role = api::resource(move || api::call(roles::Get::new(id.get())));
    let pairs = use_query_pairs();
    let state = Memo::new(move |_| ListState::from_pairs(&pairs.get()));
    let users = api::resource(move || {
        let mut op = roles::ListUsers::new(id.get());
        let s = state.get();
        op.offset = Offset::page(s.page, s.per_page);
        api::call(op)
    });
    let writable = can_write("roles");
    let guard = use_guard();
    // A policy role that grants more than the principal holds is not offered (the BFF refuses it).
    let assignable = move || match role.get() {
        Some(Ok(d)) => api::value::<Role>(&d).map(|r| {
            let name = r.name.clone().unwrap_or_default();
            if guard.can_assign(&name) { Ok(()) } else { Err(name) }
        }),
        _ => None,
    };
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let assign = api::job(move || {
        let list = picked_ids(picked);
        api::run(roles::AssignUsers::new(id.get_untracked(), AssignRoleUsers::new(list)), "Role assigned to the users.")
    });
    on_success(assign, move |_| {
        picked.set(Vec::new());
        users.refetch();
    });
    let confirm_delete = RwSignal::new(false);
    let shown_name = StoredValue::new(String::new());
    let delete = api::job(move || api::run(roles::Delete::new(id.get_untracked()), "Role deleted."));
    let navigate = use_navigate();
    on_success(delete, move |_| {
        let gone = crate::logic::url_state::encode_component(&shown_name.get_value());
        navigate(&format!("/roles?deleted={gone}"), Default::default());
    });
    let editing = RwSignal::new(false);
    let (name, description) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let save = api::job(move || {
        let mut body = UpdateRole::default();
        body.name = Some(name.get_untracked().trim().to_owned());
        body.description = Some(description.get_untracked().trim().to_owned());
        api::run(roles::Update::new(id.get_untracked(), body), "Role saved.")
    });
    on_success(save, move |_| {
        editing.set(false);
        role.refetch();
    });
    view! {
        {loaded(
            role,
            move |r: &Role| {
                let title = r.name.clone().unwrap_or_default();
                let sub = r.id.clone().unwrap_or_default();
                let facts = vec![("Name", title.clone()), ("Description", r.description.clone().unwrap_or_default())];
                let (n, d) = (title.clone(), r.description.clone().unwrap_or_default());
                shown_name.set_value(title.clone());
                view! {
                    <PageHeader title=title subtitle=sub>
                        {writable.then(|| view! {
                            <button type="button" class="btn" on:click=move |_| {
                                name.set(n.clone());
                                description.set(d.clone());
                                editing.set(true);
                            }>"Edit"</button>
                            <button type="button" class="btn danger" on:click=move |_| confirm_delete.set(true)>"Delete"</button>
                        })}
                    </PageHeader>
                    <Panel title="Details">
                        <Facts facts=facts />
                    </Panel>
                }
            },
        )}
        {action_status(save)}
        {action_status(delete)}
        <Show when=move || editing.get() && writable>
            <Panel title="Edit role">
                <form class="form" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    save.dispatch(());
                }>
                    <TextField label="Name" value=name required=true />
                    <TextField label="Description" value=description />
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || name.get().trim().is_empty() || save.pending().get()>"Save role"</button>
                        <button type="button" class="btn" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Panel>
        </Show>
        <PermissionsPanel holder=Holder::Role id=Signal::from(id) writable=writable />
        <Panel title="Users with this role">
            {loaded(
                users,
                move |page: &Page<RoleUser>| {
                    let s = state.get_untracked();
                    view! {
                        {table(&page.items, &user_columns(), None, TableOpts::new("Users with this role", "No user has this role."))}
                        <Pager page=s.page per_page=s.per_page shown=page.items.len() as u64 total=page.total() />
                    }
                },
            )}
        </Panel>
        {move || match assignable() {
            _ if !writable => None,
            Some(Err(name)) => Some(
                view! {
                    <p class="note" role="note" data-testid="role-not-assignable">
                        {format!("{name} grants more than you hold: you can't assign it.")}
                    </p>
                }
                    .into_any(),
            ),
            None => None,
            Some(Ok(())) => Some(
                view! {
                    <Panel title="Assign to users">
                        <form class="form" on:submit=move |ev: SubmitEvent| {
                            ev.prevent_default();
                            assign.dispatch(());
                        }>
                            <UserPicker label="Find users" picked=picked />
                            <div class="actions">
                                <button type="submit" class="btn primary" disabled=move || picked.get().is_empty() || assign.pending().get()>
                                    "Assign role"
                                </button>
                            </div>
                            {action_status(assign)}
                        </form>
                    </Panel>
                }
                    .into_any(),
            ),
        }}
        <ConfirmDialog open=confirm_delete title="Delete this role?" confirm_label="Delete role" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"Users who have it lose its permissions. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
