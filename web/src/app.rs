//! The app: sign-in check, the shell (header, navigation) and the routes.

use crate::api::{self, Me};
use crate::components::{ErrorView, Header, Loading, Nav};
use crate::hooks::use_me;
use crate::logic::pages::{Page, resolve};
use crate::routes;
use crate::split::LazyPage;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use wasm_bindgen::JsCast;

/// Sends the browser to the BFF's sign-in, coming back to the current page.
pub fn redirect_to_sign_in() {
    if let Some(w) = web_sys::window() {
        let loc = w.location();
        let here = format!("{}{}", loc.pathname().unwrap_or_else(|_| "/".into()), loc.search().unwrap_or_default());
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
    provide_context(routes::approvals::PendingCount(RwSignal::new(None)));
    let location = use_location();
    let page = Memo::new(move |_| resolve(&location.pathname.get()));
    // After moving to another page, focus its main region so screen readers start there.
    Effect::new(move |first: Option<()>| {
        page.track();
        if first.is_some()
            && let Some(main) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("main"))
            && let Ok(main) = main.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = main.focus();
        }
    });
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <Header me=me.clone() on_signed_out=on_signed_out />
        <div class="layout">
            <Nav permissions=me.permissions.clone() />
            <main id="main" tabindex="-1">
                // One catch-all route: the router commits each navigation to the address
                // bar, and `show` picks the page (see `logic::pages` on why not one route per page).
                <Routes fallback=|| view! { <routes::NotFound /> }>
                    <Route path=path!("/*any") view=move || show(page.get()) />
                </Routes>
            </main>
        </div>
    }
}

/// The view of a page, if the principal may read its area.
fn show(page: Option<Page>) -> AnyView {
    let Some(page) = page else { return routes::NotFound().into_any() };
    if let Some(area) = page.area()
        && !use_me().permissions.can_read(area)
    {
        return view! {
            <div class="alert error" role="alert">
                <strong>"Not allowed"</strong>
                <p>{format!("Your Gatehouse role does not give access to {}.", area.replace('_', " "))}</p>
            </div>
        }
        .into_any();
    }
    // The users list is in the main module; every other page loads its code
    // on its first visit (`split`).
    match page {
        Page::Users => routes::users::UsersPage().into_any(),
        page => view! { <LazyPage page=page /> }.into_any(),
    }
}
