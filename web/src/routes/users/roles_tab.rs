//! A user's roles: view, assign, remove.
//!
//! Nobody changes its own roles, and policy roles the principal could not
//! give (they grant more than it holds) are neither offered nor removable;
//! the BFF refuses both, and its message is shown when it does.

use crate::api::{self, Res};
use crate::components::{ConfirmDialog, Select, TextField, action_status, loaded, on_success};
use crate::hooks::{can_read, can_write, use_guard};
use crate::logic::guard::{Standing, words};
use crate::routes::roles::{role_choices, role_table};
use gatehouse_model::Page;
use gatehouse_model::ops::users;
use gatehouse_model::types::{AssignUserRoles, RemoveUserRoles, Role};
use leptos::prelude::*;

/// The roles a user holds (the first 100), and whose they are.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldRoles {
    /// The user's id.
    pub user_id: String,
    /// The user's roles.
    pub roles: Page<Role>,
}

/// The roles tab of a user: `assigned` loads the user's [`HeldRoles`] (the page
/// loads them to know its standing), `standing` where the principal stands towards the user.
#[component]
pub fn UserRoles(id: String, assigned: Res, standing: Signal<Standing>) -> impl IntoView {
    let writable = can_write("users");
    let guard = use_guard();
    let roles_readable = can_read("roles");
    let all_roles = role_choices(roles_readable);
    let choice = RwSignal::new(String::new());
    let removing = RwSignal::new(String::new());
    let aid = id.clone();
    let assign = api::job(move || {
        let body = AssignUserRoles::new(vec![choice.get_untracked().trim().to_owned()]);
        api::run(users::AssignRoles::new(aid.clone(), body), "Role assigned.")
    });
    let rid = id;
    let remove = api::job(move || {
        let body = RemoveUserRoles::new(vec![removing.get_untracked()]);
        api::run(users::RemoveRoles::new(rid.clone(), body), "Role removed.")
    });
    on_success(assign, move |_| {
        choice.set(String::new());
        assigned.refetch();
    });
    on_success(remove, move |_| {
        removing.set(String::new());
        assigned.refetch();
    });
    let confirm = RwSignal::new(false);
    let g = guard.clone();
    let options = move || {
        let mut out = vec![(String::new(), "Choose a role…".to_owned())];
        out.extend(g.assignable(all_roles.get()));
        out
    };
    let g = guard.clone();
    let withheld = move || {
        let names: Vec<String> = all_roles.get().into_iter().map(|(_, name)| name).collect();
        let withheld = g.withheld(names.iter().map(String::as_str));
        (!withheld.is_empty()).then(|| {
            let which = if withheld.len() == 1 { "it grants" } else { "they grant" };
            view! {
                <p class="help" data-testid="withheld-roles">
                    {format!("Not offered: {} ({which} more than you hold).", words(&withheld))}
                </p>
            }
        })
    };
    let may_change = move || writable && standing.get().may_change_roles();
    view! {
        {loaded(
            assigned,
            move |held: &HeldRoles| {
                let items = &held.roles.items;
                let removable: Vec<(String, String)> = guard.assignable(
                    items.iter().filter_map(|r| Some((r.id.clone()?, r.name.clone().unwrap_or_default()))).collect(),
                );
                view! {
                    {role_table(items, "This user has no roles.")}
                    {move || (may_change() && !removable.is_empty())
                        .then(|| {
                            let mut opts = vec![(String::new(), "Choose…".to_owned())];
                            opts.extend(removable.clone());
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
        {move || match standing.get() {
            _ if !writable => ().into_any(),
            Standing::Yourself => {
                view! { <p class="note" data-testid="own-roles">"You can't change your own roles."</p> }.into_any()
            }
            Standing::Protected(_) => {
                view! { <p class="note">"You can't change the roles of this user."</p> }.into_any()
            }
            Standing::Checking => ().into_any(),
            Standing::Open => {
                view! {
                    <div class="inline-form">
                        {if roles_readable {
                            view! { <Select label="Assign a role" value=choice options=options() /> }.into_any()
                        } else {
                            view! { <TextField label="Assign a role (role id)" value=choice /> }.into_any()
                        }}
                        <button
                            type="button"
                            class="btn primary"
                            disabled=move || choice.get().trim().is_empty() || assign.pending().get()
                            on:click=move |_| {
                                assign.dispatch(());
                            }
                        >
                            "Assign"
                        </button>
                    </div>
                    {withheld.clone()}
                }
                    .into_any()
            }
        }}
        {writable
            .then(|| {
                view! {
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
