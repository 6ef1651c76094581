//! `/keys`: the BFF's API keys (agents, scripts), from `GET /keys`: the
//! configuration file's (read-only here) and those made in the console,
//! stored in the database. Principals with `apiKeys = "full"` create a key
//! (its access per area and per operation, optionally limited to some
//! users), see it once with the MCP client configuration that uses it,
//! change a key's access, and revoke it; each change takes effect at once.
//!
//! The areas offered are the policy's own names as `/auth/me` lists them
//! (every group of the catalog and the BFF's own targets), the operations
//! those of the caller's `GET /catalog`, and the levels `Level::ALL`: the
//! model's vocabulary, never a list kept here.

use crate::api::{self, ApiKey, ApiKeys, CreatedKey, UiError};
use crate::components::{
    Column, ConfirmDialog, PageHeader, Panel, Select, TableOpts, TextField, action_status, loaded, on_success, picks,
    table,
};
use crate::hooks::{can_write, use_me};
use crate::logic::format::date_time;
use crate::logic::permissions::{API_KEYS, Level};
use crate::routes::{badge, text, when};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Map, Value, json};

/// One entry of an access list: a policy name (`*`, a group, an
/// operation's dotted name, `audit`, ...) and its level.
pub type Entry = (String, Level);

/// The entries of an access list (`users=read,users.delete=approve`), in
/// order; a part that does not read as `name=level` is left out.
pub fn parse_access(list: &str) -> Vec<Entry> {
    list.split(',')
        .filter_map(|part| {
            let (name, level) = part.split_once('=')?;
            let name = name.trim();
            (!name.is_empty()).then_some(())?;
            Some((name.to_owned(), Level::parse(level)?))
        })
        .collect()
}

/// Entries as the access list the BFF reads.
pub fn access_list(entries: &[Entry]) -> String {
    entries.iter().map(|(name, level)| format!("{name}={}", level.as_str())).collect::<Vec<_>>().join(",")
}

/// What a level lets a key do, in words.
pub fn level_words(level: Level) -> &'static str {
    match level.as_str() {
        "off" => "off (nothing)",
        "read" => "read",
        "approve" => "approve (reads run; each write waits for a human)",
        "full" => "full",
        _ => "unknown level",
    }
}

/// An access list as lines a person reads: `users: read`, `* (everything): full`.
pub fn readable(list: &str) -> Vec<String> {
    parse_access(list)
        .into_iter()
        .map(|(name, level)| {
            let name = if name == "*" { "* (everything)".to_owned() } else { name };
            format!("{name}: {}", level.as_str())
        })
        .collect()
}

/// The user scope a form's fields give (`null` when none is given):
/// `organization`, `connection`, and `app_metadata` as `key=value` pairs
/// separated by commas (all must hold).
pub fn user_scope(organization: &str, connection: &str, metadata: &str) -> Result<Value, String> {
    let mut scope = Map::new();
    if !organization.trim().is_empty() {
        scope.insert("organization".into(), Value::from(organization.trim()));
    }
    if !connection.trim().is_empty() {
        scope.insert("connection".into(), Value::from(connection.trim()));
    }
    let mut meta = Map::new();
    for pair in metadata.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match pair.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => {
                meta.insert(k.to_owned(), Value::from(v));
            }
            _ => return Err(format!("`{pair}` is not key=value: write app_metadata as department=sales, region=eu.")),
        }
    }
    if !meta.is_empty() {
        scope.insert("app_metadata".into(), Value::Object(meta));
    }
    Ok(if scope.is_empty() { Value::Null } else { Value::Object(scope) })
}

/// A user scope in words: `organization org_1, app_metadata.department = sales`.
pub fn scope_words(scope: Option<&Value>) -> String {
    let Some(map) = scope.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "All users".to_owned();
    };
    let mut parts = Vec::new();
    for (k, v) in map {
        match v {
            Value::Object(inner) => {
                parts.extend(
                    inner.iter().map(|(ik, iv)| format!("{k}.{ik} = {}", iv.as_str().unwrap_or(&iv.to_string()))),
                );
            }
            Value::String(s) => parts.push(format!("{k} {s}")),
            other => parts.push(format!("{k} {other}")),
        }
    }
    parts.join(", ")
}

/// The scope fields of a key read back from its stored scope: organization,
/// connection, app_metadata pairs.
fn scope_fields(scope: Option<&Value>) -> [String; 3] {
    let get = |k: &str| scope.and_then(|s| s.get(k)).and_then(Value::as_str).unwrap_or_default().to_owned();
    let meta = scope.and_then(|s| s.get("app_metadata")).and_then(Value::as_object).map(|m| {
        m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(&v.to_string()))).collect::<Vec<_>>().join(", ")
    });
    [get("organization"), get("connection"), meta.unwrap_or_default()]
}

/// Copies text to the clipboard; says whether the browser took it.
fn copy(text: &str) -> bool {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let global = js_sys::global();
    let get = |t: &JsValue, k: &str| Reflect::get(t, &JsValue::from_str(k)).ok().filter(|v| !v.is_undefined());
    let Some(clipboard) = get(&global, "navigator").and_then(|n| get(&n, "clipboard")) else { return false };
    let Some(write) = get(&clipboard, "writeText").and_then(|f| f.dyn_into::<Function>().ok()) else { return false };
    write.call1(&clipboard, &JsValue::from_str(text)).is_ok()
}

/// A button that copies `value`, saying so.
fn copy_button(label: &'static str, value: String) -> impl IntoView {
    let said = RwSignal::new(None::<&'static str>);
    view! {
        <button type="button" class="btn small" on:click=move |_| {
            said.set(Some(if copy(&value) { "Copied." } else { "Select the text and copy it." }))
        }>
            {label}
        </button>
        <span class="sub" role="status">{move || said.get()}</span>
    }
}

/// The row whose "Change access" was clicked.
#[derive(Clone, Copy)]
struct Editing(RwSignal<Option<ApiKey>>);

/// The row whose "Revoke" was clicked.
#[derive(Clone, Copy)]
struct Revoking(RwSignal<Option<ApiKey>>);

fn columns(writable: bool) -> Vec<Column<ApiKey>> {
    let mut cols: Vec<Column<ApiKey>> = vec![
        Column::new("Name", |k| {
            let source = if k.source == "config" { badge("configuration file", "") } else { badge("database", "good") };
            view! { <strong>{k.name.clone()}</strong><span class="sub">{source}</span> }.into_any()
        }),
        Column::new("Access", |k| {
            let lines = readable(&k.access_list);
            view! {
                <ul class="plain" data-testid="key-access">
                    {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
            }
            .into_any()
        }),
        Column::new("Users", |k| text(scope_words(k.user_scope.as_ref()))),
        Column::new("Created", |k| {
            if k.source == "config" {
                return text("In the configuration file");
            }
            let by = k.created_by.clone().unwrap_or_default();
            view! { {when(k.created_at.as_deref())}<span class="sub">{by}</span> }.into_any()
        }),
        Column::new("Last used", |k| when(k.last_used_at.as_deref())),
        Column::new("Status", |k| match &k.revoked_at {
            Some(at) => {
                let by = k.revoked_by.clone().map(|b| format!(" by {b}")).unwrap_or_default();
                view! { {badge("Revoked", "bad")}<span class="sub">{format!("{}{by}", date_time(at))}</span> }
                    .into_any()
            }
            None => badge("Active", "good"),
        }),
    ];
    if writable {
        cols.push(Column::new("", |k| {
            if k.source == "config" {
                return view! { <span class="sub">"Read-only: change it in the configuration file"</span> }.into_any();
            }
            if k.revoked_at.is_some() {
                return ().into_any();
            }
            let (Some(Editing(edit)), Some(Revoking(revoke))) = (use_context::<Editing>(), use_context::<Revoking>())
            else {
                return ().into_any();
            };
            let row = k.clone();
            view! {
                <div class="row-actions">
                    <button
                        type="button"
                        class="btn small nowrap"
                        aria-label=format!("Change the access of {}", k.name)
                        on:click=move |_| edit.set(Some(row.clone()))
                    >
                        "Change access"
                    </button>
                    {picks(revoke, k.clone(), "Revoke", format!("Revoke the key {}", k.name))}
                </div>
            }
            .into_any()
        }));
    }
    cols
}

/// The access being edited: entries per area and per operation, with the
/// controls that add them.
#[component]
fn AccessEditor(entries: RwSignal<Vec<Entry>>) -> impl IntoView {
    let me = use_me();
    let mut areas: Vec<(String, String)> = vec![("*".to_owned(), "* (everything but secrets)".to_owned())];
    areas.extend(me.permissions.0.keys().map(|k| (k.clone(), k.clone())));
    let levels: Vec<(String, String)> =
        Level::ALL.iter().map(|l| (l.as_str().to_owned(), level_words(*l).to_owned())).collect();
    let area = RwSignal::new(if me.permissions.0.contains_key("users") { "users".to_owned() } else { "*".to_owned() });
    let area_level = RwSignal::new("read".to_owned());
    let add = move |name: String, level: String| {
        if let Some(level) = Level::parse(&level).filter(|_| !name.is_empty()) {
            entries.update(|e| {
                e.retain(|(n, _)| *n != name);
                e.push((name, level));
            });
        }
    };
    // The operations the caller may use, by group, for per-operation levels.
    let catalog = api::resource(|| {
        Box::pin(async {
            let all = api::catalog().await?;
            let ops: Vec<(String, String, String)> = all
                .get("operations")
                .and_then(Value::as_array)
                .map(|ops| {
                    ops.iter()
                        .map(|op| {
                            let s = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
                            (s("group"), s("name"), s("describe"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(ops)
        })
    });
    let group = RwSignal::new(String::new());
    let operation = RwSignal::new(String::new());
    let op_level = RwSignal::new(if Level::parse("approve").is_some() { "approve" } else { "full" }.to_owned());
    let levels_op = levels.clone();
    view! {
        <fieldset class="access-editor">
            <legend>"Access"</legend>
            <div class="inline-form">
                <Select label="Area" value=area options=areas />
                <Select label="Level" value=area_level options=levels.clone() />
                <button type="button" class="btn" on:click=move |_| add(area.get_untracked(), area_level.get_untracked())>
                    "Add access"
                </button>
            </div>
            {loaded(catalog, move |ops: &Vec<(String, String, String)>| {
                let mut groups: Vec<String> = ops.iter().map(|(g, ..)| g.clone()).collect();
                groups.dedup();
                groups.sort();
                groups.dedup();
                let mut group_options = vec![(String::new(), "Pick a group…".to_owned())];
                group_options.extend(groups.into_iter().map(|g| (g.clone(), g)));
                let ops = ops.clone();
                let levels = levels_op.clone();
                view! {
                    <div class="inline-form">
                        <Select label="Operation group" value=group options=group_options />
                        {move || {
                            let g = group.get();
                            let mut options = vec![(String::new(), "Pick an operation…".to_owned())];
                            options.extend(
                                ops.iter()
                                    .filter(|(og, ..)| *og == g)
                                    .map(|(_, name, describe)| (name.clone(), format!("{name}: {describe}"))),
                            );
                            operation.set(String::new());
                            view! { <Select label="Operation" value=operation options=options /> }
                        }}
                        <Select label="Operation level" value=op_level options=levels />
                        <button
                            type="button"
                            class="btn"
                            on:click=move |_| add(operation.get_untracked(), op_level.get_untracked())
                        >
                            "Add operation level"
                        </button>
                    </div>
                }
            })}
            <ul class="picked" aria-label="Access given">
                {move || {
                    entries
                        .get()
                        .into_iter()
                        .map(|(name, level)| {
                            let gone = name.clone();
                            view! {
                                <li class="chip">
                                    <code>{format!("{name} = {}", level.as_str())}</code>
                                    <button
                                        type="button"
                                        class="btn small"
                                        aria-label=format!("Remove {name}")
                                        on:click=move |_| entries.update(|e| e.retain(|(n, _)| *n != gone))
                                    >
                                        "×"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="help">
                "As a list: "
                <code data-testid="access-preview">
                    {move || {
                        let list = access_list(&entries.get());
                        if list.is_empty() { "(nothing yet)".to_owned() } else { list }
                    }}
                </code>
                ". The most specific entry wins: an operation, then its group, then *. You can give only what you hold yourself."
            </p>
        </fieldset>
    }
}

/// The user-scope fields (organization, connection, app_metadata key and value).
#[component]
fn ScopeFields(fields: [RwSignal<String>; 3]) -> impl IntoView {
    let [organization, connection, metadata] = fields;
    view! {
        <fieldset class="grid2">
            <legend>"Users it may act on (optional; all given must hold)"</legend>
            <TextField label="Organization id" value=organization placeholder="org_…" />
            <TextField label="Connection name" value=connection placeholder="Username-Password-Authentication" />
            <TextField label="app_metadata" value=metadata placeholder="department=sales, region=eu" />
        </fieldset>
    }
}

fn scope_of(fields: [RwSignal<String>; 3]) -> Result<Value, UiError> {
    let [o, c, m] = fields.map(|f| f.get_untracked());
    user_scope(&o, &c, &m).map_err(UiError::msg)
}

/// The new key, shown once.
fn fresh_key(fresh: RwSignal<Option<CreatedKey>>) -> impl IntoView {
    move || {
        fresh.get().map(|k| {
            let config = serde_json::to_string_pretty(&k.mcp_config).unwrap_or_default();
            view! {
                <div class="alert secret-once" role="status" data-testid="fresh-key">
                    <strong>{format!("The key {} was created", k.name)}</strong>
                    <p>
                        <code class="secret-value" data-testid="new-key">{k.key.clone()}</code>
                        " "
                        {copy_button("Copy key", k.key.clone())}
                    </p>
                    <p class="help">
                        <strong>"You won't see it again: "</strong>
                        "copy it now. Gatehouse keeps only a hash of it; a lost key is revoked and replaced."
                    </p>
                    <h3>"MCP client configuration"</h3>
                    <p class="help">"For clients that take a URL and headers (the key is in it):"</p>
                    <pre class="code" data-testid="mcp-config">{config.clone()}</pre>
                    <p>
                        {copy_button("Copy configuration", config)}
                        " "
                        <button type="button" class="btn small" on:click=move |_| fresh.set(None)>"I have saved it"</button>
                    </p>
                </div>
            }
        })
    }
}

/// The API keys page.
#[component]
pub fn KeysPage() -> impl IntoView {
    let writable = can_write(API_KEYS);
    let list = api::resource(|| Box::pin(api::api_keys()));
    let creating = RwSignal::new(false);
    let fresh = RwSignal::new(None::<CreatedKey>);
    let name = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<Entry>::new());
    let scope = [(); 3].map(|()| RwSignal::new(String::new()));
    let create = api::job(move || {
        let name = name.get_untracked().trim().to_owned();
        let access = access_list(&entries.get_untracked());
        let scope = scope_of(scope);
        Box::pin(async move {
            if name.is_empty() {
                return Err(UiError::msg("Give the key a name."));
            }
            if access.is_empty() {
                return Err(UiError::msg("Give the key some access: add at least one area or operation."));
            }
            let mut body = json!({ "name": name, "access": access });
            let scope = scope?;
            if !scope.is_null() {
                body["userScope"] = scope;
            }
            let made = api::create_key(&body).await?;
            let message = format!("Key {} created.", made.name);
            fresh.set(Some(made));
            Ok(message)
        })
    });
    on_success(create, move |_| {
        creating.set(false);
        name.set(String::new());
        entries.set(Vec::new());
        for f in scope {
            f.set(String::new());
        }
        list.refetch();
    });

    let editing = RwSignal::new(None::<ApiKey>);
    provide_context(Editing(editing));
    let edit_entries = RwSignal::new(Vec::<Entry>::new());
    let edit_scope = [(); 3].map(|()| RwSignal::new(String::new()));
    Effect::new(move |_| {
        if let Some(k) = editing.get() {
            edit_entries.set(parse_access(&k.access_list));
            for (f, v) in edit_scope.iter().zip(scope_fields(k.user_scope.as_ref())) {
                f.set(v);
            }
        }
    });
    let save = api::job(move || {
        let key = editing.get_untracked();
        let access = access_list(&edit_entries.get_untracked());
        let scope = scope_of(edit_scope);
        Box::pin(async move {
            let Some(key) = key else { return Err(UiError::msg("No key was chosen.")) };
            if access.is_empty() {
                return Err(UiError::msg("Give the key some access; to take it all away, revoke the key."));
            }
            let saved = api::update_key(&key.name, &json!({ "access": access, "userScope": scope? })).await?;
            Ok(format!("Access of {} saved: {}.", saved.name, saved.access_list))
        })
    });
    on_success(save, move |_| {
        editing.set(None);
        list.refetch();
    });

    let revoking = RwSignal::new(None::<ApiKey>);
    provide_context(Revoking(revoking));
    let confirm = RwSignal::new(false);
    Effect::new(move |_| {
        if revoking.get().is_some() {
            confirm.set(true);
        }
    });
    let revoke = api::job(move || {
        let key = revoking.get_untracked();
        Box::pin(async move {
            let Some(key) = key else { return Err(UiError::msg("No key was chosen.")) };
            api::revoke_key(&key.name).await?;
            Ok(format!("Key {} revoked: it no longer works.", key.name))
        })
    });
    on_success(revoke, move |_| list.refetch());

    view! {
        <PageHeader
            title="API keys"
            subtitle="Keys for agents (over MCP) and scripts (over the HTTP API): each with its own access, checked on every call and audited."
        >
            {writable.then(|| view! {
                <button type="button" class="btn primary" on:click=move |_| creating.update(|c| *c = !*c)>
                    "Create key"
                </button>
            })}
        </PageHeader>
        {fresh_key(fresh)}
        {action_status(create)}
        {action_status(save)}
        {action_status(revoke)}
        {move || (writable && creating.get()).then(|| view! {
            <Panel title="Create an API key">
                <form class="form" aria-label="Create an API key" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    create.dispatch(());
                }>
                    <TextField label="Key name" value=name required=true help="Letters, digits, - and _; it names the key in the audit log." />
                    <AccessEditor entries=entries />
                    <ScopeFields fields=scope />
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create the key"</button>
                        <button type="button" class="btn" on:click=move |_| creating.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Panel>
        })}
        {move || editing.get().map(|k| view! {
            <Panel title=format!("Change the access of {}", k.name)>
                <form class="form" aria-label="Change the key's access" on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    save.dispatch(());
                }>
                    <AccessEditor entries=edit_entries />
                    <ScopeFields fields=edit_scope />
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save access"</button>
                        <button type="button" class="btn" on:click=move |_| editing.set(None)>"Cancel"</button>
                    </div>
                </form>
            </Panel>
        })}
        {loaded(list, move |keys: &ApiKeys| {
            table(&keys.keys, &columns(writable), None, TableOpts::new("API keys", "No API keys yet."))
        })}
        <ConfirmDialog
            open=confirm
            title=Signal::derive(move || format!("Revoke the key {}?", revoking.get().map(|k| k.name).unwrap_or_default()))
            confirm_label="Revoke key"
            destructive=true
            on_confirm=move |()| {
                revoke.dispatch(());
            }
        >
            <p>"It stops working at once, for every agent or script that uses it. This cannot be undone; the key stays listed as revoked."</p>
        </ConfirmDialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn access_lists_read_and_write_back() {
        let e = parse_access("users=read, logs=read,*=off,bad,=read,x=nope");
        assert_eq!(e, [("users".into(), Level::Read), ("logs".into(), Level::Read), ("*".into(), Level::Off)]);
        assert_eq!(access_list(&e), "users=read,logs=read,*=off");
        assert_eq!(readable("users=read,*=full"), ["users: read", "* (everything): full"]);
        assert!(access_list(&[]).is_empty());
    }

    #[test]
    fn user_scopes_come_from_the_fields_and_read_back() {
        assert_eq!(user_scope("", " ", " , "), Ok(Value::Null));
        let scope = user_scope(" org_1 ", "", "department = sales, region=eu").unwrap();
        assert_eq!(scope, json!({"organization": "org_1", "app_metadata": {"department": "sales", "region": "eu"}}));
        assert!(user_scope("", "", "department").unwrap_err().contains("not key=value"));
        assert!(user_scope("", "", "=sales").unwrap_err().contains("not key=value"));
        assert_eq!(
            scope_words(Some(&scope)),
            "organization org_1, app_metadata.department = sales, app_metadata.region = eu"
        );
        assert_eq!(scope_words(None), "All users");
        assert_eq!(scope_words(Some(&json!({}))), "All users");
        let fields = scope_fields(Some(&scope));
        assert_eq!(fields, ["org_1".to_owned(), String::new(), "department=sales, region=eu".into()]);
        assert_eq!(user_scope(&fields[0], &fields[1], &fields[2]).unwrap(), scope, "the fields give the scope back");
    }

    #[test]
    fn keys_decode_from_the_bffs_shape() {
        let list: ApiKeys = serde_json::from_value(json!({"keys": [{
            "name": "demo-agent", "source": "database", "access": {"users": "read"},
            "accessList": "users=read", "userScope": null, "createdBy": "admin@demo.test",
            "createdAt": "2026-11-30T21:00:00Z", "revokedAt": null, "revokedBy": null, "lastUsedAt": null
        }]}))
        .unwrap();
        assert_eq!(list.keys[0].access_list, "users=read");
        let made: CreatedKey = serde_json::from_value(json!({
            "name": "ci", "source": "database", "accessList": "users=read", "key": "gk_x",
            "mcpConfig": {"mcpServers": {"gatehouse": {"url": "http://x/mcp"}}}
        }))
        .unwrap();
        assert_eq!(made.key, "gk_x");
    }
}
