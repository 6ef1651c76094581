//! Pages whose code loads on their first visit.
//!
//! The users list is the console's first screen, so its code is in the main
//! module, but not what it shows only on demand (the create and export forms,
//! the bulk actions once rows are selected: [`LazyPart`]); every other area is
//! a split point: with the `split` feature (the
//! release build of `cargo xtask`, see `xtask/src/console.rs`), `wasm-split`
//! moves the code only an area reaches into its own wasm chunk, fetched when
//! the area is first shown. Without the feature (tests, `trunk serve`) the
//! same functions are plain calls, so every build runs the same pages.
//!
//! A chunk that fails to download is tried once more after a pause, then the
//! page says so with a Retry button ([`LazyPage`], [`LazyPart`]); the loader
//! keeps no failure, so a retry fetches again.

use crate::components::Loading;
use crate::logic::bulk::Target;
use crate::logic::pages::Page;
use crate::routes;
use futures::future::LocalBoxFuture;
use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;
use std::rc::Rc;

/// A page's code could not be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkError;

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the code of this page could not be downloaded")
    }
}

impl std::error::Error for ChunkError {}

impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Declares one split point per chunk: `async fn NAME(args) -> Result<AnyView, ChunkError>`.
macro_rules! chunks {
    ($($chunk:ident => |$($arg:ident: $ty:ty),*| $body:expr;)*) => {
        $(
            #[cfg(feature = "split")]
            #[allow(improper_ctypes_definitions)]
            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
            fn $chunk($($arg: $ty),*) -> Result<AnyView, ChunkError> {
                Ok($body)
            }

            #[cfg(not(feature = "split"))]
            async fn $chunk($($arg: $ty),*) -> Result<AnyView, ChunkError> {
                Ok($body)
            }
        )*
    };
}

// The parts of the users page shown on demand.
chunks! {
    create_user => |_unused: ()| routes::users::create::CreateUser().into_any();
    export_users => |_unused: ()| routes::users::export::ExportUsers().into_any();
    bulk_bar => |selected: RwSignal<Vec<Target>>, on_done: Callback<()>| {
        routes::users::bulk::BulkBar(routes::users::bulk::BulkBarProps { selected, on_done }).into_any()
    };
}

chunks! {
    overview => |_page: Page| routes::Overview().into_any();
    user => |_page: Page| routes::users::UserPage().into_any();
    roles => |page: Page| if page == Page::Role { routes::roles::RolePage().into_any() } else { routes::roles::RolesPage().into_any() };
    applications => |page: Page| if page == Page::Application {
        routes::applications::ApplicationPage().into_any()
    } else {
        routes::applications::ApplicationsPage().into_any()
    };
    connections => |page: Page| if page == Page::Connection {
        routes::connections::ConnectionPage().into_any()
    } else {
        routes::connections::ConnectionsPage().into_any()
    };
    organizations => |page: Page| if page == Page::Organization {
        routes::organizations::OrganizationPage().into_any()
    } else {
        routes::organizations::OrganizationsPage().into_any()
    };
    logs => |_page: Page| routes::logs::LogsPage().into_any();
    grants => |_page: Page| routes::grants::GrantsPage().into_any();
    apis => |page: Page| if page == Page::Api { routes::apis::ApiPage().into_any() } else { routes::apis::ApisPage().into_any() };
    teams => |page: Page| match page {
        Page::Members => routes::teams::MembersPage().into_any(),
        Page::Activity => routes::teams::ActivityPage().into_any(),
        _ => routes::teams::TenantsPage().into_any(),
    };
    audit => |_page: Page| routes::audit::AuditPage().into_any();
    actions => |page: Page| if page == Page::Action { routes::actions::ActionPage().into_any() } else { routes::actions::ActionsPage().into_any() };
    log_streams => |_page: Page| routes::log_streams::LogStreamsPage().into_any();
    settings => |_page: Page| routes::settings::SettingsPage().into_any();
    explorer => |_page: Page| routes::explorer::ExplorerPage().into_any();
    approvals => |_page: Page| routes::approvals::ApprovalsPage().into_any();
    keys => |_page: Page| routes::keys::KeysPage().into_any();
}

/// Runs the split point that shows `page`: downloads its chunk first when it is not loaded yet.
/// The users list is in the main module and never goes through here.
pub async fn load(page: Page) -> Result<AnyView, ChunkError> {
    match page {
        Page::Users => Ok(routes::users::UsersPage().into_any()),
        Page::Overview => overview(page).await,
        Page::User => user(page).await,
        Page::Roles | Page::Role => roles(page).await,
        Page::Applications | Page::Application => applications(page).await,
        Page::Connections | Page::Connection => connections(page).await,
        Page::Organizations | Page::Organization => organizations(page).await,
        Page::Logs => logs(page).await,
        Page::Grants => grants(page).await,
        Page::Apis | Page::Api => apis(page).await,
        Page::Tenants | Page::Members | Page::Activity => teams(page).await,
        Page::Audit => audit(page).await,
        Page::Actions | Page::Action => actions(page).await,
        Page::LogStreams => log_streams(page).await,
        Page::Settings => settings(page).await,
        Page::Explorer => explorer(page).await,
        Page::Approvals => approvals(page).await,
        Page::Keys => keys(page).await,
    }
}

/// How long to wait before the automatic second try of a chunk that failed to download.
const RETRY_AFTER_MS: u32 = 1_000;

/// Loads the code of a lazily shown view and builds it.
type Loader = Rc<dyn Fn() -> LocalBoxFuture<'static, Result<AnyView, ChunkError>>>;

/// A page, shown once its code is loaded: "Loading this page…" meanwhile, and
/// a clear error with a Retry button when its chunk cannot be downloaded.
#[component]
pub fn LazyPage(
    /// The page to show.
    page: Page,
) -> impl IntoView {
    lazy("this page", "This page could not be loaded", Rc::new(move || Box::pin(load(page))))
}

/// A part of the users page whose code loads when it is first shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The form creating a user (`?create=1`).
    CreateUser,
    /// The form exporting users (`?export=1`).
    ExportUsers,
}

/// A part of a page, shown once its code is loaded, as [`LazyPage`] shows a page.
#[component]
pub fn LazyPart(
    /// The part to show.
    part: Part,
) -> impl IntoView {
    lazy(
        "this form",
        "This form could not be loaded",
        Rc::new(move || match part {
            Part::CreateUser => Box::pin(create_user(())),
            Part::ExportUsers => Box::pin(export_users(())),
        }),
    )
}

/// The users page's bulk actions on `selected`, whose code loads when first shown.
#[component]
pub fn LazyBulkBar(
    /// The users chosen in the table.
    selected: RwSignal<Vec<Target>>,
    /// Called after a job ran, to reload the table.
    on_done: Callback<()>,
) -> impl IntoView {
    lazy(
        "the bulk actions",
        "The bulk actions could not be loaded",
        Rc::new(move || Box::pin(bulk_bar(selected, on_done))),
    )
}

/// `load`'s view once it is done: `Loading {what}…` meanwhile, one automatic
/// second try after a pause, then `title` and the error with a Retry button.
fn lazy(what: &'static str, title: &'static str, load: Loader) -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    let load = SendWrapper::new(load);
    view! {
        <Suspense fallback=move || view! { <Loading what=what /> }>
            {move || {
                let tries = attempt.get();
                let load = load.clone();
                // The browser's futures are not `Send`; this one only ever runs on the page's thread.
                Suspend::new(SendWrapper::new(async move {
                    let mut result = load().await;
                    if result.is_err() && tries == 0 {
                        gloo_timers::future::TimeoutFuture::new(RETRY_AFTER_MS).await;
                        result = load().await;
                    }
                    match result {
                        Ok(view) => view,
                        Err(e) => chunk_error(title, e, attempt),
                    }
                }))
            }}
        </Suspense>
    }
}

fn chunk_error(title: &'static str, error: ChunkError, attempt: RwSignal<u32>) -> AnyView {
    view! {
        <div class="alert error" role="alert" data-testid="chunk-error">
            <strong>{title}</strong>
            <p>{format!("The console downloads the code of each area and form on first use, and {error}.")}</p>
            <p class="hint">
                "Check the connection and retry. If the console was updated meanwhile, reload it."
            </p>
            <p>
                <button class="btn primary" on:click=move |_| attempt.update(|n| *n += 1)>
                    "Retry"
                </button>
                " "
                <a class="btn" href="" rel="external">
                    "Reload the console"
                </a>
            </p>
        </div>
    }
    .into_any()
}
