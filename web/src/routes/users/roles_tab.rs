//! A user's roles: view, assign, remove.

use crate::api;
use crate::components::{ConfirmDialog, Select, TextField, action_status, loaded, on_success};
use crate::hooks::{can_read, can_write};
use crate::routes::roles::{role_choices, role_table};
use gatehouse_model::Page;
use gatehouse_model::ops::{Offset, users};
use gatehouse_model::types::{AssignUserRoles, RemoveUserRoles, Role};
use leptos::prelude::*;

/// The roles tab of a user.
#[component]
pub fn UserRoles(id: String) -> impl IntoView {
    let writable = can_write("users");
    let uid = id.clone();
    let assigned = api::resource(move || {
        let mut op = users::ListRoles::new(uid.clone());
        op.offset = Offset::page(0, 100);
        api::call(op)
    });
    let roles_readable = can_read("roles");
    let all_roles = role_choices(roles_readable);
    let choice = RwSignal::new(String::new());
    let removing = RwSignal::new(String::new());
    let aid = id.clone();
    let assign = api::job(move || {
        let body = AssignUserRoles::new(vec![choice.get_untracked()]);
        api::run(users::AssignRoles::new(aid.clone(), body), "Role assigned.")
    });
    let rid = id;
    let remove = api::job(move || {
        let body = RemoveUserRoles::new(vec![removing.get_untracked()]);
        api::run(users::RemoveRoles::new(rid.clone(), body), "Role removed.")
    });
    on_success(assign, move |_| assigned.refetch());
    on_success(remove, move |_| assigned.refetch());
    let confirm = RwSignal::new(false);
    let options = move || {
        let mut out = vec![(String::new(), "Choose a role…".to_owned())];
        out.extend(all_roles.get());
        out
    };
    view! {
        {loaded(
            assigned,
            move |page: &Page<Role>| {
                let removable: Vec<(String, String)> = page
                    .items
                    .iter()
                    .filter_map(|r| Some((r.id.clone()?, r.name.clone().unwrap_or_default())))
                    .collect();
                view! {
                    {role_table(&page.items, "This user has no roles.")}
                    {(writable && !removable.is_empty())
                        .then(|| {
                            let mut opts = vec![(String::new(), "Choose…".to_owned())];
                            opts.extend(removable);
                            view! {
                                <div class="inline-form">
                                    <Select label="Remove role" value=removing options=opts />
                                    <button type="button" class="btn danger" disabled=move || removing.get().is_empty() on:click=move |_| confirm.set(true)>
                                        "Remove"
                                    </button>
                                </div>
                            }
                        })}
                }
            },
        )}
        {writable
            .then(|| {
                view! {
                    <div class="inline-form">
                        {move || {
                            if roles_readable {
                                view! { <Select label="Assign a role" value=choice options=options() /> }.into_any()
                            } else {
                                view! { <TextField label="Assign a role (role id)" value=choice /> }.into_any()
                            }
                        }}
                        <button
                            type="button"
                            class="btn primary"
                            disabled=move || choice.get().is_empty() || assign.pending().get()
                            on:click=move |_| {
                                assign.dispatch(());
                            }
                        >
                            "Assign"
                        </button>
                    </div>
                    {action_status(assign)}
                    {action_status(remove)}
                    <ConfirmDialog
                        open=confirm
                        title="Remove this role from the user?"
                        confirm_label="Remove role"
                        destructive=true
                        on_confirm=move |()| {
                            remove.dispatch(());
                        }
                    >
                        <p>"The user loses the role's permissions at their next sign-in or token refresh."</p>
                    </ConfirmDialog>
                }
            })}
    }
}
