//! Creating a user (shown on `/users?create=1`).

use crate::api::{self, UiError};
use crate::components::{Panel, TextField, action_status, on_success};
use crate::routes::href;
use gatehouse_model::ops::users;
use gatehouse_model::types::{CreateUser as Body, User};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The create-user form.
#[component]
pub fn CreateUser() -> impl IntoView {
    let connection = RwSignal::new("Username-Password-Authentication".to_owned());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let create = api::job(move || {
        let mut body = Body::new(connection.get_untracked().trim().to_owned());
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
                <TextField label="Connection" value=connection required=true help="The database connection the user signs in with." />
                <TextField label="Email" value=email input_type="email" required=true />
                <TextField label="Name" value=name />
                <TextField label="Password" value=password input_type="password" required=true help="Must meet the connection's password policy." />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || create.pending().get()>
                        "Create user"
                    </button>
                    <A href="/users" attr:class="btn">"Cancel"</A>
                </div>
                {action_status(create)}
            </form>
        </Panel>
    }
}
