//! Creating a user (shown on `/users?create=1`): the connection picked from
//! the tenant's database connections, whose password rules are shown and
//! checked before sending.

use crate::api::{self, UiError};
use crate::components::{Panel, Select, TextField, action_status, field, loaded, on_success};
use crate::logic::password::PasswordRules;
use crate::routes::href;
use gatehouse_model::generated::catalog as cat;
use gatehouse_model::ops::users;
use gatehouse_model::types::{CreateUser as Body, User};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::Value;

/// The create-user form.
#[component]
pub fn CreateUser() -> impl IntoView {
    let connections = api::resource(|| {
        let sending = api::send(
            &cat::CONNECTIONS_LIST,
            &[],
            &[
                ("strategy", "auth0".into()),
                ("per_page", "100".into()),
                ("fields", "id,name,options".into()),
                ("include_fields", "true".into()),
            ],
            None,
        );
        Box::pin(async move { Ok(api::items(&sending.await?, "connections")) })
    });
    let connection = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let rules = Memo::new(move |_| {
        let chosen = connection.get();
        let list = match connections.get() {
            Some(Ok(d)) => api::value::<Vec<Value>>(&d).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        list.iter()
            .find(|c| field(c, "name") == chosen)
            .map(|c| PasswordRules::from_options(c.get("options").unwrap_or(&Value::Null)))
    });
    Effect::new(move |_| {
        if let Some(Ok(d)) = connections.get()
            && connection.get_untracked().is_empty()
            && let Some(list) = api::value::<Vec<Value>>(&d)
        {
            // Auth0's default database connection when the tenant has it, else the first one.
            let names: Vec<String> = list.iter().map(|c| field(c, "name")).collect();
            let pick = names.iter().find(|n| *n == "Username-Password-Authentication").or(names.first());
            if let Some(name) = pick {
                connection.set(name.clone());
            }
        }
    });
    let problem = Memo::new(move |_| {
        let pw = password.get();
        rules.get().and_then(|r| if pw.is_empty() { None } else { r.problem(&pw) })
    });
    let create = api::job(move || {
        let mut body = Body::new(connection.get_untracked());
        body.email = Some(email.get_untracked().trim().to_owned()).filter(|e| !e.is_empty());
        body.name = Some(name.get_untracked().trim().to_owned()).filter(|e| !e.is_empty());
        let pw = password.get_untracked();
        if !pw.is_empty() {
            body.password = Some(pw.into());
        }
        let sending = api::call(users::Create::new(body));
        Box::pin(async move {
            let user: User = sending.await?;
            user.user_id.ok_or_else(|| UiError::msg("Auth0 did not return the new user's id."))
        })
    });
    let navigate = use_navigate();
    on_success(create, move |id| navigate(&href("/users", &id), Default::default()));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        create.dispatch(());
    };
    view! {
        <Panel title="Create user">
            <form class="form" on:submit=submit>
                {loaded(connections, move |list: &Vec<Value>| {
                    let options: Vec<(String, String)> = list.iter().map(|c| (field(c, "name"), field(c, "name"))).collect();
                    if options.is_empty() {
                        return view! { <p class="alert error" role="alert">"The tenant has no database connection to create users in."</p> }.into_any();
                    }
                    view! { <Select label="Connection" value=connection options=options /> }.into_any()
                })}
                <TextField label="Email" value=email input_type="email" required=true />
                <TextField label="Name" value=name />
                <TextField label="Password" value=password input_type="password" required=true />
                <p class="help" data-testid="password-rules">{move || rules.get().map(|r| r.describe())}</p>
                {move || problem.get().map(|p| view! { <p class="field-msg" role="alert"><span class="invalid">{p}</span></p> })}
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get() || connection.get().is_empty() || problem.get().is_some()>
                        "Create user"
                    </button>
                    <A href="/users" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
