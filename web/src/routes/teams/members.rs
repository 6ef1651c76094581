//! `/teams/members`: invite, change role, remove, and tenant access.

use super::cursor_pager;
use crate::api;
use crate::components::{
    Column, ConfirmDialog, PageHeader, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, table,
};
use crate::hooks::{can_write, qget, use_query_pairs};
use crate::routes::{mono, text};
use gatehouse_model::Page;
use gatehouse_model::ops::{Checkpoint, teams};
use gatehouse_model::teams::{
    AddMemberTenants, InviteMembers, TeamMember, TeamMemberRole, Tenant, TenantMemberRole, UpdateMember,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

const TEAM_ROLES: [(&str, &str); 3] =
    [("teams_owner", "Owner"), ("teams_contributor", "Contributor"), ("teams_report_viewer", "Report viewer")];

const TENANT_ROLES: [(&str, &str); 6] = [
    ("owner", "Owner"),
    ("editor-users", "Editor – users"),
    ("editor-connections", "Editor – connections"),
    ("viewer-config", "Viewer – configuration"),
    ("viewer-users", "Viewer – users"),
    ("support-access", "Support access"),
];

fn options(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect()
}

/// What a row's controls picked: `(member id, action)`.
#[derive(Clone, Copy)]
struct Picked(RwSignal<Option<(String, String)>>);

fn columns(writable: bool) -> Vec<Column<TeamMember>> {
    let mut cols: Vec<Column<TeamMember>> = vec![
        Column::new("Member", |m| text(m.name.clone().or_else(|| m.email.clone()).unwrap_or_default())),
        Column::new("Email", |m| text(m.email.clone().unwrap_or_default())),
        Column::new("Team role", |m| {
            let role = m.role.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default();
            let name = TEAM_ROLES.iter().find(|(k, _)| *k == role).map_or(role.clone(), |(_, n)| (*n).to_owned());
            text(name)
        }),
        Column::new("ID", |m| mono(m.id.clone().unwrap_or_default())),
    ];
    if writable {
        cols.push(Column::new("", |m| {
            let id = m.id.clone().unwrap_or_default();
            let current = m.role.as_ref().map(|r| r.as_str().to_owned()).unwrap_or_default();
            let Some(Picked(pick)) = use_context::<Picked>() else { return ().into_any() };
            let label = format!("Team role of {}", m.email.clone().unwrap_or_default());
            let rid = id.clone();
            view! {
                <div class="row-actions">
                    <select aria-label=label on:change=move |ev| pick.set(Some((rid.clone(), format!("role:{}", event_target_value(&ev)))))>
                        {TEAM_ROLES.iter().map(|(k, n)| view! { <option value=*k selected=*k == current>{*n}</option> }).collect_view()}
                    </select>
                    <button type="button" class="btn small danger" on:click=move |_| pick.set(Some((id.clone(), "remove".into())))>"Remove"</button>
                </div>
            }
            .into_any()
        }));
    }
    cols
}

/// The team members page.
#[component]
pub fn MembersPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let from = Memo::new(move |_| qget(&pairs.get(), "from"));
    let list = api::resource(move || {
        let mut op = teams::ListMembers::new();
        op.checkpoint = Checkpoint { from: Some(from.get()).filter(|f| !f.is_empty()), take: Some(50) };
        api::call(op)
    });
    let writable = can_write("teams_members");
    let member_choices = Signal::derive(move || match list.get() {
        Some(Ok(d)) => api::value::<Page<TeamMember>>(&d)
            .map(|p| {
                p.items
                    .iter()
                    .filter_map(|m| {
                        let label = m.email.clone().or_else(|| m.name.clone()).unwrap_or_default();
                        Some((m.id.clone()?, label))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    });
    let pick = RwSignal::new(None::<(String, String)>);
    provide_context(Picked(pick));
    let confirm = RwSignal::new(false);
    let chosen = StoredValue::new((String::new(), String::new()));
    let change = api::job(move || {
        let (id, action) = chosen.get_value();
        match action.strip_prefix("role:") {
            Some(role) => {
                api::run(teams::UpdateMember::new(id, UpdateMember::new(TeamMemberRole::from(role))), "Role changed.")
            }
            None => api::run(teams::RemoveMember::new(id), "Member removed."),
        }
    });
    on_success(change, move |_| list.refetch());
    Effect::new(move |_| {
        if let Some(p) = pick.get() {
            chosen.set_value(p.clone());
            if p.1 == "remove" {
                confirm.set(true);
            } else {
                change.dispatch(());
            }
        }
    });
    view! {
        <PageHeader title="Team members" subtitle="Who can manage the team's tenants." />
        {writable.then(|| view! { <Invite on_done=Callback::new(move |()| list.refetch()) /> })}
        {action_status(change)}
        {loaded(
            list,
            move |page: &Page<TeamMember>| {
                view! {
                    {table(&page.items, &columns(writable), None, TableOpts::new("Team members", "No members."))}
                    {cursor_pager(page.next().map(str::to_owned), from.get_untracked().is_empty(), page.items.len())}
                }
            },
        )}
        {writable.then(|| view! { <TenantAccess members=member_choices /> })}
        <ConfirmDialog open=confirm title="Remove this member from the team?" confirm_label="Remove member" destructive=true on_confirm=move |()| {
            change.dispatch(());
        }>
            <p>"They lose access to every tenant of the team."</p>
        </ConfirmDialog>
    }
}

#[component]
fn Invite(on_done: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("teams_contributor".to_owned());
    let invite = api::job(move || {
        let body = InviteMembers::new(
            email.get_untracked().trim().to_owned(),
            TeamMemberRole::from(role.get_untracked().as_str()),
        );
        api::run(teams::InviteMembers::new(body), "Invitation sent.")
    });
    on_success(invite, move |_| {
        email.set(String::new());
        on_done.run(());
    });
    view! {
        <Panel title="Invite">
            <form class="form inline-form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                invite.dispatch(());
            }>
                <TextField label="Email" value=email input_type="email" required=true />
                <Select label="Team role" value=role options=options(&TEAM_ROLES) />
                <button type="submit" class="btn primary" disabled=move || invite.pending().get()>"Invite"</button>
            </form>
            {action_status(invite)}
        </Panel>
    }
}

#[component]
fn TenantAccess(members: Signal<Vec<(String, String)>>) -> impl IntoView {
    let member = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let role = RwSignal::new("viewer-config".to_owned());
    let tenants = api::resource(|| {
        let mut op = teams::ListTenants::new();
        op.checkpoint = Checkpoint { from: None, take: Some(100) };
        api::call(op)
    });
    let grant = api::job(move || {
        let body =
            AddMemberTenants::new(chosen.get_untracked(), vec![TenantMemberRole::from(role.get_untracked().as_str())]);
        api::run(teams::AddMemberTenants::new(member.get_untracked(), body), "Tenant access granted.")
    });
    on_success(grant, move |_| chosen.set(Vec::new()));
    view! {
        <Panel title="Tenant access">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                grant.dispatch(());
            }>
                {move || {
                    let mut opts = vec![(String::new(), "Pick a member".to_owned())];
                    opts.extend(members.get());
                    view! { <Select label="Member" value=member options=opts /> }
                }}
                {loaded(tenants, move |page: &Page<Tenant>| {
                    let boxes: Vec<(String, String)> = page
                        .items
                        .iter()
                        .filter_map(|t| {
                            let id = t.tenant_id.clone()?;
                            let env = t.environment.clone().unwrap_or_default();
                            Some((id.clone(), format!("{} ({env})", t.tenant_name.clone().unwrap_or(id))))
                        })
                        .collect();
                    view! { <crate::routes::permissions::ScopeBoxes scopes=boxes chosen=chosen legend="Tenants" /> }
                })}
                <Select label="Role on these tenants" value=role options=options(&TENANT_ROLES) />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || member.get().is_empty() || chosen.get().is_empty() || grant.pending().get()>
                        "Grant access"
                    </button>
                </div>
                {action_status(grant)}
            </form>
        </Panel>
    }
}
