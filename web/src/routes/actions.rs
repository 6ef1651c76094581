//! `/actions` and `/actions/:id`: the tenant's Actions (code run on
//! triggers such as post-login): list, create, edit the code, deploy, see
//! versions and roll back to one.

use crate::api;
use crate::components::{
    Column, ConfirmDialog, Facts, PageHeader, Panel, Select, TableOpts, TextField, action_status, field, loaded,
    on_success, pick_button, picking, table, use_row_pick,
};
use crate::hooks::{can_write, qget, use_query_pairs};
use crate::routes::{href, text, use_id, when};
use gatehouse_model::generated::catalog as cat;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};

/// Triggers offered when creating an Action: `(id, version, label)`.
const TRIGGERS: [(&str, &str, &str); 5] = [
    ("post-login", "v3", "Login / Post login"),
    ("credentials-exchange", "v2", "Machine to machine"),
    ("pre-user-registration", "v2", "Pre user registration"),
    ("post-user-registration", "v2", "Post user registration"),
    ("post-change-password", "v2", "Post change password"),
];

const STARTER: &str = "exports.onExecutePostLogin = async (event, api) => {\n};\n";

fn when_of(v: &Value, key: &str) -> AnyView {
    let s = field(v, key);
    when(Some(s.as_str()).filter(|s| !s.is_empty()))
}

fn columns() -> Vec<Column<Value>> {
    vec![
        Column::new("Action", |v| {
            let id = field(v, "id");
            let name = field(v, "name");
            view! { <A href=href("/actions", &id) attr:class="strong">{name.clone()}</A> }.into_any()
        }),
        Column::new("Trigger", |v| {
            let t = v.get("supported_triggers").and_then(|t| t.get(0)).map(|t| field(t, "id")).unwrap_or_default();
            text(t)
        }),
        Column::new("Status", |v| {
            let deployed =
                v.get("deployed_version").is_some_and(|d| !d.is_null()) || field(v, "all_changes_deployed") == "true";
            if deployed { crate::routes::badge("Deployed", "good") } else { crate::routes::badge("Draft", "") }
        }),
        Column::new("Updated", |v| when_of(v, "updated_at")),
    ]
}

/// The Actions page.
#[component]
pub fn ActionsPage() -> impl IntoView {
    let pairs = use_query_pairs();
    let creating = Memo::new(move |_| qget(&pairs.get(), "create") == "1");
    let page = Memo::new(move |_| qget(&pairs.get(), "page").parse::<u32>().unwrap_or(0));
    let writable = can_write("actions");
    let list = api::resource(move || {
        let sending =
            api::send(&cat::ACTIONS_LIST, &[], &[("page", page.get().to_string()), ("per_page", "50".into())], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "actions")) })
    });
    view! {
        <PageHeader title="Actions" subtitle="Code the tenant runs on sign-in, sign-up and other triggers.">
            {writable.then(|| view! { <A href="/actions?create=1" attr:class="btn primary">"Create action"</A> })}
        </PageHeader>
        {crate::routes::deleted_notice("action")}
        <Show when=move || creating.get() && writable>
            <CreateAction />
        </Show>
        {loaded(list, |rows: &Vec<Value>| table(rows, &columns(), None, TableOpts::new("Actions", "No actions yet.")))}
    }
}

#[component]
fn CreateAction() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let trigger = RwSignal::new(TRIGGERS[0].0.to_owned());
    let create = api::job(move || {
        let t = trigger.get_untracked();
        let version = TRIGGERS.iter().find(|(id, ..)| *id == t).map_or("v2", |(_, v, _)| *v);
        let body = json!({
            "name": name.get_untracked().trim(),
            "supported_triggers": [{"id": t, "version": version}],
            "code": STARTER,
            "runtime": "node22",
        });
        let sending = api::send(&cat::ACTIONS_CREATE, &[], &[], Some(body));
        Box::pin(async move { Ok(field(&sending.await?, "id")) })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/actions", &id), Default::default()));
    let options = TRIGGERS.iter().map(|(id, _, label)| ((*id).to_owned(), (*label).to_owned())).collect();
    view! {
        <Panel title="Create action">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <TextField label="Name" value=name required=true />
                <Select label="Trigger" value=trigger options=options />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || name.get().trim().is_empty() || create.pending().get()>"Create action"</button>
                    <A href="/actions" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}

fn version_columns(writable: bool) -> Vec<Column<Value>> {
    let mut cols = vec![
        Column::new("Version", |v| text(field(v, "number"))),
        Column::new("Status", |v| text(field(v, "status"))),
        Column::new("Deployed", |v| text(if field(v, "deployed") == "true" { "Current" } else { "" })),
        Column::new("Created", |v| when_of(v, "created_at")),
    ];
    if writable {
        cols.push(Column::new("", |v| {
            if field(v, "deployed") == "true" {
                return ().into_any();
            }
            pick_button(v, "Roll back to this", format!("Deploy version {} again", field(v, "number")))
        }));
    }
    cols
}

/// One Action's page.
#[component]
pub fn ActionPage() -> impl IntoView {
    let id = use_id();
    let writable = can_write("actions");
    let action = api::resource(move || {
        let id = id.get();
        api::send(&cat::ACTIONS_GET, &[&id], &[], None)
    });
    let versions = api::resource(move || {
        let id = id.get();
        let sending = api::send(&cat::ACTIONS_VERSIONS_LIST, &[&id], &[("per_page", "20".into())], None);
        Box::pin(async move { Ok(api::items(&sending.await?, "versions")) })
    });
    let code = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(d)) = action.get()
            && let Some(v) = api::value::<Value>(&d)
        {
            code.set(field(v, "code"));
        }
    });
    let save = api::job(move || {
        let sending =
            api::send(&cat::ACTIONS_UPDATE, &[&id.get_untracked()], &[], Some(json!({"code": code.get_untracked()})));
        Box::pin(async move { sending.await.map(|_| "Code saved (not deployed yet).".to_owned()) })
    });
    on_success(save, move |_| action.refetch());
    let deploy = api::job(move || {
        let sending = api::send(&cat::ACTIONS_DEPLOY, &[&id.get_untracked()], &[], None);
        Box::pin(async move { sending.await.map(|v| format!("Deployed as version {}.", field(&v, "number"))) })
    });
    on_success(deploy, move |_| {
        action.refetch();
        versions.refetch();
    });
    let (pick, open) = use_row_pick();
    let rollback = api::job(move || {
        let vid = pick.get_untracked().map(|v| field(&v, "id")).unwrap_or_default();
        let sending = api::send(&cat::ACTIONS_VERSIONS_DEPLOY, &[&id.get_untracked(), &vid], &[], Some(json!({})));
        Box::pin(
            async move { sending.await.map(|v| format!("Rolled back: version {} is deployed.", field(&v, "number"))) },
        )
    });
    on_success(rollback, move |_| {
        action.refetch();
        versions.refetch();
    });
    let confirm_delete = RwSignal::new(false);
    let shown_name = StoredValue::new(String::new());
    let delete = api::job(move || {
        let sending = api::send(&cat::ACTIONS_DELETE, &[&id.get_untracked()], &[("force", "true".into())], None);
        Box::pin(async move { sending.await.map(|_| "Action deleted.".to_owned()) })
    });
    let navigate = use_navigate();
    on_success(delete, move |_| {
        let gone = crate::logic::url_state::encode_component(&shown_name.get_value());
        navigate(&format!("/actions?deleted={gone}"), Default::default());
    });
    let code_id = crate::hooks::next_id("code");
    view! {
        {loaded(action, move |a: &Value| {
            let title = field(a, "name");
            shown_name.set_value(title.clone());
            let trigger = a.get("supported_triggers").and_then(|t| t.get(0)).map(|t| format!("{} ({})", field(t, "id"), field(t, "version"))).unwrap_or_default();
            let facts = vec![
                ("Trigger", trigger),
                ("Runtime", field(a, "runtime")),
                ("All changes deployed", if field(a, "all_changes_deployed") == "true" { "Yes".to_owned() } else { "No".to_owned() }),
                ("Updated", field(a, "updated_at")),
            ];
            view! {
                <PageHeader title=title subtitle=field(a, "id")>
                    {writable.then(|| view! {
                        <button type="button" class="btn primary" disabled=move || deploy.pending().get() on:click=move |_| { deploy.dispatch(()); }>"Deploy"</button>
                        <button type="button" class="btn danger" on:click=move |_| confirm_delete.set(true)>"Delete"</button>
                    })}
                </PageHeader>
                <Panel title="Details"><Facts facts=facts /></Panel>
            }
        })}
        {action_status(deploy)}
        {action_status(delete)}
        <Panel title="Code">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                save.dispatch(());
            }>
                <div class="field">
                    <label for=code_id.clone()>"Code (JavaScript)"</label>
                    <textarea id=code_id class="code" rows="16" spellcheck="false" readonly=!writable
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))></textarea>
                </div>
                {writable.then(|| view! {
                    <div class="actions">
                        <button type="submit" class="btn" disabled=move || save.pending().get()>"Save code"</button>
                    </div>
                })}
                {action_status(save)}
            </form>
        </Panel>
        <Panel title="Versions">
            {action_status(rollback)}
            {picking(pick, move || loaded(versions, move |rows: &Vec<Value>| table(rows, &version_columns(writable), None, TableOpts::new("Versions", "Not deployed yet."))))}
        </Panel>
        <ConfirmDialog open=open title="Roll back to this version?" confirm_label="Deploy this version" on_confirm=move |()| {
            rollback.dispatch(());
        }>
            <p>"Its code runs on the trigger from now on, instead of the current version."</p>
        </ConfirmDialog>
        <ConfirmDialog open=confirm_delete title="Delete this action?" confirm_label="Delete action" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"It is removed from its trigger's flow and deleted with its versions. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
