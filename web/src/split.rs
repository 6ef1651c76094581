//! Pages whose code loads on their first visit.
//!
//! The users list is the console's first screen, so its code is in the main
//! module; every other area is a split point: with the `split` feature (the
//! release build of `cargo xtask`, see `xtask/src/console.rs`), `wasm-split`
//! moves the code only an area reaches into its own wasm chunk, fetched when
//! the area is first shown. Without the feature (tests, `trunk serve`) the
//! same functions are plain calls, so every build runs the same pages.
//!
//! A chunk that fails to download is tried once more after a pause, then the
//! page says so with a Retry button ([`LazyPage`]); the loader keeps no failure,
//! so a retry fetches again.

use crate::components::Loading;
use crate::logic::pages::Page;
use crate::routes;
use leptos::__reexports::send_wrapper::SendWrapper;
use leptos::prelude::*;

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

/// Declares one split point per chunk: `async fn NAME(page) -> Result<AnyView, ChunkError>`.
macro_rules! chunks {
    ($($chunk:ident => |$page:ident| $body:expr;)*) => {
        $(
            #[cfg(feature = "split")]
            #[allow(improper_ctypes_definitions)]
            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
            fn $chunk($page: Page) -> Result<AnyView, ChunkError> {
                Ok($body)
            }

            #[cfg(not(feature = "split"))]
            async fn $chunk($page: Page) -> Result<AnyView, ChunkError> {
                Ok($body)
            }
        )*
    };
}

chunks! {
    overview => |_page| routes::Overview().into_any();
    user => |_page| routes::users::UserPage().into_any();
    roles => |page| if page == Page::Role { routes::roles::RolePage().into_any() } else { routes::roles::RolesPage().into_any() };
    applications => |page| if page == Page::Application {
        routes::applications::ApplicationPage().into_any()
    } else {
        routes::applications::ApplicationsPage().into_any()
    };
    connections => |page| if page == Page::Connection {
        routes::connections::ConnectionPage().into_any()
    } else {
        routes::connections::ConnectionsPage().into_any()
    };
    organizations => |page| if page == Page::Organization {
        routes::organizations::OrganizationPage().into_any()
    } else {
        routes::organizations::OrganizationsPage().into_any()
    };
    logs => |_page| routes::logs::LogsPage().into_any();
    grants => |_page| routes::grants::GrantsPage().into_any();
    apis => |page| if page == Page::Api { routes::apis::ApiPage().into_any() } else { routes::apis::ApisPage().into_any() };
    teams => |page| match page {
        Page::Members => routes::teams::MembersPage().into_any(),
        Page::Activity => routes::teams::ActivityPage().into_any(),
        _ => routes::teams::TenantsPage().into_any(),
    };
    audit => |_page| routes::audit::AuditPage().into_any();
    actions => |page| if page == Page::Action { routes::actions::ActionPage().into_any() } else { routes::actions::ActionsPage().into_any() };
    log_streams => |_page| routes::log_streams::LogStreamsPage().into_any();
    settings => |_page| routes::settings::SettingsPage().into_any();
    explorer => |_page| routes::explorer::ExplorerPage().into_any();
    approvals => |_page| routes::approvals::ApprovalsPage().into_any();
    keys => |_page| routes::keys::KeysPage().into_any();
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

/// A page, shown once its code is loaded: "Loading this page…" meanwhile, and
/// a clear error with a Retry button when its chunk cannot be downloaded.
#[component]
pub fn LazyPage(
    /// The page to show.
    page: Page,
) -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <Loading what="this page" /> }>
            {move || {
                let tries = attempt.get();
                // The browser's futures are not `Send`; this one only ever runs on the page's thread.
                Suspend::new(SendWrapper::new(async move {
                    let mut result = load(page).await;
                    if result.is_err() && tries == 0 {
                        gloo_timers::future::TimeoutFuture::new(RETRY_AFTER_MS).await;
                        result = load(page).await;
                    }
                    match result {
                        Ok(view) => view,
                        Err(e) => chunk_error(e, attempt),
                    }
                }))
            }}
        </Suspense>
    }
}

fn chunk_error(error: ChunkError, attempt: RwSignal<u32>) -> AnyView {
    view! {
        <div class="alert error" role="alert" data-testid="chunk-error">
            <strong>"This page could not be loaded"</strong>
            <p>{format!("The console downloads each area's code on its first visit, and {error}.")}</p>
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
