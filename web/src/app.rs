//! The app: sign-in check, the shell (header, navigation) and the routes.

use crate::api::{self, Me};
use crate::components::{ErrorView, Header, Loading, Nav};
use crate::hooks::use_me;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// Sends the browser to the BFF's sign-in, coming back to the current page.
pub fn redirect_to_sign_in() {
    if let Some(w) = web_sys::window() {
        let loc = w.location();
        let here = format!(
            "{}{}",
            loc.pathname().unwrap_or_else(|_| "/".into()),
            loc.search().unwrap_or_default()
        );
        let _ = loc.set_href(&api::sign_in_url(&here));
    }
}

/// The console.
#[component]
pub fn App() -> impl IntoView {
    let me = LocalResource::new(api::me);
    let signed_out = RwSignal::new(false);
    let on_signed_out = Callback::new(move |end: Option<String>| match end {
        Some(url) => {
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href(&url);
            }
        }
        None => signed_out.set(true),
    });
    view! {
        <Router>
            {move || {
                if signed_out.get() {
                    return view! { <SignedOut /> }.into_any();
                }
                view! {
                    <Transition fallback=|| view! { <Loading what="your session" /> }>
                        {move || Suspend::new(async move {
                            match me.await {
                                Ok(me) => view! { <Shell me=me on_signed_out=on_signed_out /> }.into_any(),
                                Err(e) if e.is_unauthenticated() => {
                                    redirect_to_sign_in();
                                    view! { <p class="loading" role="status">"Redirecting to sign in…"</p> }
                                        .into_any()
                                }
                                Err(e) => view! { <main class="center"><ErrorView error=e /></main> }.into_any(),
                            }
                        })}
                    </Transition>
                }
                    .into_any()
            }}
        </Router>
    }
}

#[component]
fn SignedOut() -> impl IntoView {
    view! {
        <main class="center">
            <h1>"You have signed out"</h1>
            <p>
                <a class="btn primary" href="/auth/login?return_to=%2F">"Sign in again"</a>
            </p>
        </main>
    }
}

/// The page frame for a signed-in principal.
#[component]
fn Shell(me: Me, on_signed_out: Callback<Option<String>>) -> impl IntoView {
    provide_context(me.clone());
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Header me=me.clone() on_signed_out=on_signed_out />
        <div class="layout">
            <Nav permissions=me.permissions.clone() />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <routes::NotFound /> }>
                    <Route path=path!("/") view=routes::Overview />
                    <Route path=path!("/users") view=|| gate("users", routes::users::UsersPage) />
                    <Route path=path!("/users/:id") view=|| gate("users", routes::users::UserPage) />
                    <Route path=path!("/roles") view=|| gate("roles", routes::roles::RolesPage) />
                    <Route path=path!("/roles/:id") view=|| gate("roles", routes::roles::RolePage) />
                    <Route path=path!("/applications") view=|| gate("applications", routes::applications::ApplicationsPage) />
                    <Route path=path!("/applications/:id") view=|| gate("applications", routes::applications::ApplicationPage) />
                    <Route path=path!("/connections") view=|| gate("connections", routes::connections::ConnectionsPage) />
                    <Route path=path!("/connections/:id") view=|| gate("connections", routes::connections::ConnectionPage) />
                    <Route path=path!("/organizations") view=|| gate("organizations", routes::organizations::OrganizationsPage) />
                    <Route path=path!("/organizations/:id") view=|| gate("organizations", routes::organizations::OrganizationPage) />
                    <Route path=path!("/logs") view=|| gate("logs", routes::logs::LogsPage) />
                    <Route path=path!("/grants") view=|| gate("grants", routes::grants::GrantsPage) />
                    <Route path=path!("/apis") view=|| gate("apis", routes::apis::ApisPage) />
                    <Route path=path!("/apis/:id") view=|| gate("apis", routes::apis::ApiPage) />
                    <Route path=path!("/teams/tenants") view=|| gate("teams_tenants", routes::teams::TenantsPage) />
                    <Route path=path!("/teams/members") view=|| gate("teams_members", routes::teams::MembersPage) />
                    <Route path=path!("/teams/activity") view=|| gate("teams_activity", routes::teams::ActivityPage) />
                    <Route path=path!("/audit") view=|| gate("audit", routes::audit::AuditPage) />
                </Routes>
            </main>
        </div>
    }
}

/// Shows a page only to principals who may read its area.
fn gate<V: IntoView + 'static>(area: &'static str, page: fn() -> V) -> AnyView {
    if use_me().permissions.can_read(area) {
        page().into_any()
    } else {
        view! {
            <div class="alert error" role="alert">
                <strong>"Not allowed"</strong>
                <p>{format!("Your Gatehouse role does not give access to {}.", area.replace('_', " "))}</p>
            </div>
        }
            .into_any()
    }
}
