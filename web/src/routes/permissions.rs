//! Permissions (an API's scopes) given to a user or a role: listed, added
//! by picking the API and ticking its scopes, removed with confirmation.
//! Also the scope checkboxes the application page's API access uses.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, Panel, Select, TableOpts, action_status, field, loaded, on_success, pick_button, picking,
    table, use_row_pick,
};
use crate::routes::{mono, text};
use gatehouse_model::Page;
use gatehouse_model::catalog::OpDesc;
use gatehouse_model::generated::catalog as cat;
use gatehouse_model::ops::{Offset, resource_servers};
use gatehouse_model::types::ResourceServer;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Value, json};

/// Whose permissions a panel shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A user (`users.permissions.*`).
    User,
    /// A role (`roles.permissions.*`).
    Role,
}

impl Holder {
    fn ops(self) -> [&'static OpDesc; 3] {
        match self {
            Self::User => {
                [&cat::USERS_PERMISSIONS_LIST, &cat::USERS_PERMISSIONS_CREATE, &cat::USERS_PERMISSIONS_DELETE]
            }
            Self::Role => [&cat::ROLES_PERMISSIONS_LIST, &cat::ROLES_PERMISSIONS_ADD, &cat::ROLES_PERMISSIONS_DELETE],
        }
    }
}

/// The tenant's APIs (the first 100), with their scopes.
pub fn apis() -> api::Res {
    api::resource(|| -> api::Fut<Page<ResourceServer>> {
        api::call(resource_servers::List { offset: Offset::page(0, 100), ..Default::default() })
    })
}

/// The scopes of the API whose identifier is `audience`, among `apis`.
pub fn scopes_of(apis: &Page<ResourceServer>, audience: &str) -> Vec<(String, String)> {
    apis.items
        .iter()
        .find(|a| a.identifier.as_deref() == Some(audience))
        .and_then(|a| a.scopes.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| Some((s.value?, s.description.unwrap_or_default())))
        .collect()
}

/// A select of the tenant's APIs by identifier (system APIs included when `system`).
pub fn api_select(apis: &Page<ResourceServer>, value: RwSignal<String>, system: bool) -> AnyView {
    let mut options = vec![(String::new(), "Pick an API".to_owned())];
    options.extend(apis.items.iter().filter(|a| system || a.is_system != Some(true)).filter_map(|a| {
        let ident = a.identifier.clone()?;
        Some((ident.clone(), format!("{} ({ident})", a.name.clone().unwrap_or_default())))
    }));
    view! { <Select label="API" value=value options=options /> }.into_any()
}

/// Checkboxes for `scopes` (`(value, description)`), `chosen` holding the
/// ticked values; `legend` names the group (`Scopes` unless told).
#[component]
pub fn ScopeBoxes(
    /// The choices, `(value, description)`.
    scopes: Vec<(String, String)>,
    /// The ticked values.
    chosen: RwSignal<Vec<String>>,
    /// The group's name.
    #[prop(optional)]
    legend: Option<&'static str>,
) -> impl IntoView {
    let legend = legend.unwrap_or("Scopes");
    if scopes.is_empty() {
        return view! { <p class="empty">{format!("No {} to choose from.", legend.to_lowercase())}</p> }.into_any();
    }
    view! {
        <fieldset class="scopes">
            <legend>{legend}</legend>
            {scopes
                .into_iter()
                .map(|(value, description)| {
                    let id = crate::hooks::next_id("scope");
                    let v1 = value.clone();
                    let v2 = value.clone();
                    view! {
                        <div class="field check">
                            <input
                                id=id.clone()
                                type="checkbox"
                                prop:checked=move || chosen.get().contains(&v1)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != v2);
                                        if on {
                                            c.push(v2.clone());
                                        }
                                    });
                                }
                            />
                            <label for=id>
                                <code>{value.clone()}</code>
                                {(!description.is_empty()).then(|| format!(" — {description}"))}
                            </label>
                        </div>
                    }
                })
                .collect_view()}
        </fieldset>
    }
    .into_any()
}

fn columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols: Vec<Column<Value>> = vec![
        Column::new("Permission", |v| mono(field(v, "permission_name"))),
        Column::new("API", |v| {
            let name = field(v, "resource_server_name");
            text(if name.is_empty() { field(v, "resource_server_identifier") } else { name })
        }),
        Column::new("Description", |v| text(field(v, "description"))),
    ];
    if writable {
        cols.push(Column::new("", |v| {
            pick_button(v, "Remove", format!("Remove the permission {}", field(v, "permission_name")))
        }));
    }
    cols
}

/// The permissions of the user or role `id`; `writable` offers adding and removing.
#[component]
pub fn PermissionsPanel(
    /// A user or a role.
    holder: Holder,
    /// The user's or role's id.
    id: Signal<String>,
    /// Whether adding and removing are offered.
    writable: bool,
) -> impl IntoView {
    let [list_op, add_op, delete_op] = holder.ops();
    let list = api::resource(move || {
        let id = id.get();
        let sending = api::send(list_op, &[&id], &[("per_page", "100".into())], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "permissions")) })
    });
    let (pick, open) = use_row_pick();
    let remove = api::job(move || {
        let row = pick.get_untracked().unwrap_or(Value::Null);
        let body = json!({"permissions": [{
            "resource_server_identifier": field(&row, "resource_server_identifier"),
            "permission_name": field(&row, "permission_name"),
        }]});
        let sending = api::send(delete_op, &[&id.get_untracked()], &[], Some(body));
        Box::pin(async move { sending.await.map(|_| "Permission removed.".to_owned()) })
    });
    on_success(remove, move |_| list.refetch());
    let audience = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        audience.track();
        chosen.set(Vec::new());
    });
    let add = api::job(move || {
        let aud = audience.get_untracked();
        let perms: Vec<Value> = chosen
            .get_untracked()
            .into_iter()
            .map(|p| json!({"resource_server_identifier": aud, "permission_name": p}))
            .collect();
        let sending = api::send(add_op, &[&id.get_untracked()], &[], Some(json!({ "permissions": perms })));
        Box::pin(async move { sending.await.map(|_| "Permissions added.".to_owned()) })
    });
    on_success(add, move |_| {
        chosen.set(Vec::new());
        list.refetch();
    });
    let all = apis();
    view! {
        <Panel title="Permissions">
            {action_status(remove)}
            {picking(pick, move || loaded(list, move |rows: &Vec<Value>| {
                table(rows, &columns(writable), None, TableOpts::new("Permissions", "No permissions."))
            }))}
            {writable.then(|| view! {
                <form class="form" aria-label="Add permissions" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    add.dispatch(());
                }>
                    {loaded(all, move |apis: &Page<ResourceServer>| {
                        let apis = apis.clone();
                        view! {
                            {api_select(&apis, audience, false)}
                            {move || {
                                let aud = audience.get();
                                (!aud.is_empty()).then(|| view! { <ScopeBoxes scopes=scopes_of(&apis, &aud) chosen=chosen /> })
                            }}
                        }
                    })}
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || chosen.get().is_empty() || add.pending().get()>
                            "Add permissions"
                        </button>
                    </div>
                    {action_status(add)}
                </form>
            })}
        </Panel>
        <ConfirmDialog open=open title="Remove this permission?" confirm_label="Remove permission" destructive=true on_confirm=move |()| {
            remove.dispatch(());
        }>
            <p>"Tokens issued from now on no longer carry it."</p>
        </ConfirmDialog>
    }
}
