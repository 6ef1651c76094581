//! `/applications/:id`: settings grouped as in Auth0's dashboard (basic
//! information, application URIs, grant types, tokens), update, delete.

use super::secret::SecretReveal;
use super::{APP_TYPES, app_type_name};
use crate::api::{self, Fut};
use crate::components::{
    Checkbox, ConfirmDialog, Facts, PageHeader, Panel, Select, Tabs, TextArea, TextField, action_status, loaded,
    on_success,
};
use crate::hooks::{can_write, use_query_value};
use crate::logic::json::lines;
use crate::routes::use_id;
use gatehouse_model::ops::clients;
use gatehouse_model::types::{AppType, Client, GrantType, SigningAlgorithm, TokenEndpointAuthMethod, UpdateClient};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

const TABS: [(&str, &str); 5] = [
    ("basic", "Basic information"),
    ("uris", "Application URIs"),
    ("grants", "Grant types"),
    ("tokens", "Tokens"),
    ("access", "API access"),
];

/// Grant types offered, with their names.
const GRANTS: [(&str, &str); 7] = [
    ("authorization_code", "Authorization code"),
    ("implicit", "Implicit"),
    ("refresh_token", "Refresh token"),
    ("client_credentials", "Client credentials"),
    ("password", "Password"),
    ("urn:ietf:params:oauth:grant-type:device_code", "Device code"),
    ("http://auth0.com/oauth/grant-type/mfa-otp", "MFA (OTP)"),
];

/// Reads the application without its secret: the secret never enters the page's state.
fn fetch(id: String) -> Fut<Client> {
    let sending = api::call(clients::Get::new(id));
    Box::pin(async move {
        let mut c: Client = sending.await?;
        c.client_secret = None;
        c.extra.0.remove("client_secret");
        Ok(c)
    })
}

fn save(id: String, body: UpdateClient) -> Fut<String> {
    let sending = api::call(clients::Update::new(id, body));
    Box::pin(async move { sending.await.map(|_: Client| "Saved.".to_owned()) })
}

/// The application page.
#[component]
pub fn ApplicationPage() -> impl IntoView {
    let id = use_id();
    let app = api::resource(move || fetch(id.get()));
    let message = RwSignal::new(None::<String>);
    let changed = crate::components::reload_with_flash(app, message);
    view! {
        {crate::components::flash(message)}
    {loaded(app, move |c: &Client| view! { <ApplicationView app=c.clone() on_changed=changed /> })}
    }
}

fn text_of(v: &Option<String>) -> RwSignal<String> {
    RwSignal::new(v.clone().unwrap_or_default())
}

fn list_of(v: &Option<Vec<String>>) -> RwSignal<String> {
    RwSignal::new(v.clone().unwrap_or_default().join("\n"))
}

fn opt(s: RwSignal<String>) -> Option<String> {
    Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty())
}

#[component]
fn ApplicationView(app: Client, on_changed: Callback<String>) -> impl IntoView {
    let tab = use_query_value("tab");
    let writable = can_write("applications");
    let id = app.client_id.clone().unwrap_or_default();
    let name = app.name.clone().unwrap_or_else(|| id.clone());

    // Basic information.
    let f_name = text_of(&app.name);
    let f_description = text_of(&app.description);
    let f_logo = text_of(&app.logo_uri);
    let f_type = RwSignal::new(app.app_type.as_ref().map(|t| t.as_str().to_owned()).unwrap_or_default());
    // URIs.
    let f_callbacks = list_of(&app.callbacks);
    let f_logout = list_of(&app.allowed_logout_urls);
    let f_web_origins = list_of(&app.web_origins);
    let f_origins = list_of(&app.allowed_origins);
    let f_login_uri = text_of(&app.initiate_login_uri);
    // Grants.
    let current: Vec<String> =
        app.grant_types.clone().unwrap_or_default().iter().map(|g| g.as_str().to_owned()).collect();
    let grants: Vec<(&'static str, &'static str, RwSignal<bool>)> =
        GRANTS.iter().map(|(k, n)| (*k, *n, RwSignal::new(current.iter().any(|c| c == k)))).collect();
    let grant_signals = grants.clone();
    // Tokens.
    let jwt = app.jwt_configuration.clone();
    let f_lifetime =
        RwSignal::new(jwt.as_ref().and_then(|j| j.lifetime_in_seconds).map(|l| l.to_string()).unwrap_or_default());
    let f_alg = RwSignal::new(
        jwt.as_ref().and_then(|j| j.alg.as_ref()).map(|a| a.as_str().to_owned()).unwrap_or_else(|| "RS256".into()),
    );
    let f_auth =
        RwSignal::new(app.token_endpoint_auth_method.as_ref().map(|m| m.as_str().to_owned()).unwrap_or_default());

    let sid = id.clone();
    let update = api::job(move || {
        let mut body = UpdateClient::default();
        match tab.get_untracked().as_str() {
            "uris" => {
                body.callbacks = Some(lines(&f_callbacks.get_untracked()));
                body.allowed_logout_urls = Some(lines(&f_logout.get_untracked()));
                body.web_origins = Some(lines(&f_web_origins.get_untracked()));
                body.allowed_origins = Some(lines(&f_origins.get_untracked()));
                body.initiate_login_uri = opt(f_login_uri);
            }
            "grants" => {
                body.grant_types = Some(
                    grant_signals
                        .iter()
                        .filter(|(_, _, on)| on.get_untracked())
                        .map(|(k, _, _)| GrantType::from(*k))
                        .collect(),
                );
            }
            "tokens" => {
                let mut j = jwt.clone().unwrap_or_else(api::blank);
                j.lifetime_in_seconds = f_lifetime.get_untracked().trim().parse().ok();
                j.alg = Some(SigningAlgorithm::from(f_alg.get_untracked().as_str()));
                body.jwt_configuration = Some(j);
                body.token_endpoint_auth_method = opt(f_auth).map(|m| TokenEndpointAuthMethod::from(m.as_str()));
            }
            _ => {
                body.name = opt(f_name);
                body.description = Some(f_description.get_untracked());
                body.logo_uri = opt(f_logo);
                body.app_type = opt(f_type).map(|t| AppType::from(t.as_str()));
            }
        }
        save(sid.clone(), body)
    });
    on_success(update, move |m| on_changed.run(m));
    let did = id.clone();
    let delete = api::job(move || api::run(clients::Delete::new(did.clone()), "Application deleted."));
    let navigate = use_navigate();
    on_success(delete, move |_| navigate("/applications", Default::default()));
    let confirm = RwSignal::new(false);

    let facts = vec![
        ("Client ID", id.clone()),
        ("Type", app.app_type.as_ref().map(|t| app_type_name(t.as_str())).unwrap_or_default()),
        ("First party", if app.is_first_party == Some(false) { "No".into() } else { "Yes".into() }),
        ("OIDC conformant", if app.oidc_conformant == Some(true) { "Yes".into() } else { "No".into() }),
    ];
    let type_options: Vec<(String, String)> =
        APP_TYPES.iter().map(|(k, n)| ((*k).to_owned(), (*n).to_owned())).collect();
    let alg_options = vec![("RS256".to_owned(), "RS256".to_owned()), ("HS256".to_owned(), "HS256".to_owned())];
    let auth_options = vec![
        (String::new(), "Not set".to_owned()),
        ("none".to_owned(), "None (public client)".to_owned()),
        ("client_secret_post".to_owned(), "Client secret (post)".to_owned()),
        ("client_secret_basic".to_owned(), "Client secret (basic)".to_owned()),
    ];
    let secret_id = id.clone();
    let access_id = id.clone();
    let body = move || {
        let disabled = !writable;
        match tab.get().as_str() {
            "uris" => view! {
                <TextArea label="Allowed callback URLs" value=f_callbacks disabled=disabled help="One URL per line." />
                <TextArea label="Allowed logout URLs" value=f_logout disabled=disabled />
                <TextArea label="Allowed web origins" value=f_web_origins disabled=disabled />
                <TextArea label="Allowed origins (CORS)" value=f_origins disabled=disabled />
                <TextField label="Application login URI" value=f_login_uri disabled=disabled />
            }
            .into_any(),
            "grants" => view! {
                <fieldset class="checks">
                    <legend>"Grant types this application may use"</legend>
                    {grants.iter().map(|(_, n, on)| view! { <Checkbox label=*n value=*on disabled=disabled /> }).collect_view()}
                </fieldset>
            }
            .into_any(),
            "tokens" => view! {
                <TextField label="ID token lifetime (seconds)" value=f_lifetime input_type="number" disabled=disabled />
                <Select label="JSON Web Token signature algorithm" value=f_alg options=alg_options.clone() disabled=disabled />
                <Select label="Token endpoint authentication method" value=f_auth options=auth_options.clone() disabled=disabled />
                <h3>"Client secret"</h3>
                <SecretReveal id=secret_id.clone() />
            }
            .into_any(),
            _ => view! {
                <TextField label="Name" value=f_name disabled=disabled required=true />
                <TextArea label="Description" value=f_description disabled=disabled rows=2 />
                <TextField label="Logo URL" value=f_logo disabled=disabled />
                <Select label="Application type" value=f_type options=type_options.clone() disabled=disabled />
            }
            .into_any(),
        }
    };
    view! {
        <PageHeader title=name subtitle=id.clone()>
            {writable.then(|| view! { <button type="button" class="btn danger" on:click=move |_| confirm.set(true)>"Delete"</button> })}
        </PageHeader>
        <Panel title="Summary">
            <Facts facts=facts />
        </Panel>
        <super::secret::FreshSecret id=id.clone() />
        <Tabs tabs=TABS.to_vec() active=tab />
        {move || (tab.get() == "access").then(|| view! { <super::access::ApiAccess client_id=access_id.clone() /> })}
        <form class="form tab-body" class:hidden=move || tab.get() == "access" on:submit=move |ev: SubmitEvent| {
            ev.prevent_default();
            update.dispatch(());
        }>
            {body}
            {writable.then(|| view! {
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || update.pending().get()>"Save changes"</button>
                </div>
            })}
            {action_status(update)}
        </form>
        {action_status(delete)}
        <ConfirmDialog open=confirm title="Delete this application?" confirm_label="Delete application" destructive=true on_confirm=move |()| {
            delete.dispatch(());
        }>
            <p>"Sign-ins through this application stop working at once. This cannot be undone."</p>
        </ConfirmDialog>
    }
}
