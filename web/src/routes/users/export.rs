//! Exporting users (shown on `/users?export=1`): Auth0's export job
//! (`jobs.usersExports.create`) with a format, an optional connection and
//! the fields, its progress read with `jobs.get` until it completes, then
//! the file. Auth0 answers a pre-signed storage link that works for a short
//! while without any token, so the download reads the job again for a fresh
//! link and lets the browser fetch it: no token ever reaches the page.

use crate::api::{self, UiError};
use crate::components::{ErrorView, Panel, Select, TextField, action_status, field, loaded};
use crate::logic::export::{DEFAULT_FIELDS, body, poll_delay, progress};
use gatehouse_model::generated::catalog as cat;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::Value;

/// The export form, the job's progress and the download.
#[component]
pub fn ExportUsers() -> impl IntoView {
    let connections = api::resource(|| {
        let sending = api::send(
            &cat::CONNECTIONS_LIST,
            &[],
            &[("per_page", "100".into()), ("fields", "id,name".into()), ("include_fields", "true".into())],
            None,
        );
        Box::pin(async move { Ok(api::items(&sending.await?, "connections")) })
    });
    let format = RwSignal::new("csv".to_owned());
    let connection = RwSignal::new(String::new());
    let fields = RwSignal::new(DEFAULT_FIELDS.to_owned());
    let job_id = RwSignal::new(String::new());
    let seen = RwSignal::new(Vec::<String>::new());
    let run = api::job(move || {
        let sending = api::send(
            &cat::JOBS_USERS_EXPORTS_CREATE,
            &[],
            &[],
            Some(body(&format.get_untracked(), &connection.get_untracked(), &fields.get_untracked())),
        );
        seen.set(Vec::new());
        job_id.set(String::new());
        Box::pin(async move {
            let mut job: Value = sending.await?;
            let id = field(&job, "id");
            if id.is_empty() {
                return Err(UiError::msg("Auth0 did not return the export job's id."));
            }
            job_id.set(id.clone());
            let mut n = 0;
            loop {
                let status = field(&job, "status");
                seen.update(|s| {
                    if s.last() != Some(&status) {
                        s.push(status.clone());
                    }
                });
                match status.as_str() {
                    "completed" => return Ok(format!("Export {id} is ready.")),
                    "failed" => return Err(UiError::msg(format!("Export {id} failed."))),
                    _ => {}
                }
                gloo_timers::future::TimeoutFuture::new(poll_delay(n)).await;
                n += 1;
                job = api::send(&cat::JOBS_GET, &[&id], &[], None).await?;
            }
        })
    });
    let download_error = RwSignal::new(None::<UiError>);
    let download = move |_| {
        let id = job_id.get_untracked();
        leptos::task::spawn_local(async move {
            // A fresh read: the link of the last poll may have expired.
            let got = api::send(&cat::JOBS_GET, &[&id], &[], None).await.and_then(|job| {
                let location = field(&job, "location");
                if location.is_empty() { Err(UiError::msg("The job has no file to download.")) } else { Ok(location) }
            });
            match got.and_then(|location| {
                web_sys::window()
                    .and_then(|w| w.location().assign(&location).ok())
                    .ok_or_else(|| UiError::msg("The browser refused to open the download."))
            }) {
                Ok(()) => download_error.set(None),
                Err(e) => download_error.set(Some(e)),
            }
        });
    };
    let done = move || seen.get().last().is_some_and(|s| s == "completed") && !run.pending().get();
    view! {
        <Panel title="Export users">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                run.dispatch(());
            }>
                <Select label="Format" value=format options=vec![("csv".into(), "CSV".into()), ("json".into(), "JSON (one user a line)".into())] />
                {loaded(connections, move |list: &Vec<Value>| {
                    let mut options = vec![(String::new(), "All connections".to_owned())];
                    options.extend(list.iter().map(|c| (field(c, "id"), field(c, "name"))));
                    view! { <Select label="Connection" value=connection options=options /> }
                })}
                <TextField label="Fields" value=fields help="Separated by commas, such as email, name, app_metadata.plan. Empty exports every field (JSON)." />
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || run.pending().get()>"Start export"</button>
                    <A href="/users" attr:class="btn">"Close"</A>
                </div>
                <p class="help" data-testid="export-status" aria-live="polite">
                    {move || {
                        let s = seen.get();
                        (!s.is_empty()).then(|| format!("Job {}: {}", job_id.get(), progress(&s)))
                    }}
                </p>
                {action_status(run)}
                {move || done().then(|| view! {
                    <button type="button" class="btn" data-testid="export-download" on:click=download>"Download export"</button>
                    <p class="help">"The file is gzipped. Its link works for a few minutes and needs no sign-in, so share it with care."</p>
                })}
                {move || download_error.get().map(|e| view! { <ErrorView error=e /> })}
            </form>
        </Panel>
    }
}
