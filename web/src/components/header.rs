//! The top bar: the product, the tenant's rate-limit budget, who is signed in, sign-out.

use crate::api::{self, Me};
use leptos::prelude::*;

/// The top bar.
#[component]
pub fn Header(me: Me, #[prop(into)] on_signed_out: Callback<Option<String>>) -> impl IntoView {
    let budget: RwSignal<_> = api::budget().into();
    let budget_text = move || {
        let b = budget.get();
        match (b.remaining, b.limit) {
            (Some(r), Some(l)) => format!("{r} of {l} requests left"),
            (Some(r), None) => format!("{r} requests left"),
            _ => "Budget not known yet".to_owned(),
        }
    };
    let meter = move || {
        let b = budget.get();
        b.limit.zip(b.remaining).map(|(l, r)| {
            view! { <meter min="0" max=l.to_string() low=(l / 5).to_string() value=r.to_string() aria-hidden="true"></meter> }
        })
    };
    let signing_out = RwSignal::new(false);
    let sign_out = move |_| {
        signing_out.set(true);
        leptos::task::spawn_local(async move {
            let end = api::logout().await.ok().flatten();
            on_signed_out.run(end);
        });
    };
    let who = me.email.clone().unwrap_or_else(|| me.principal.clone());
    let roles = if me.roles.is_empty() { String::new() } else { me.roles.join(", ") };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <svg class="logo" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Z" class="shield" />
                    <path d="M9 12.5 11 14.5 15.5 10" class="check" />
                </svg>
                "Gatehouse"
            </a>
            <div class="budget" title="The tenant's Management API rate-limit budget">
                <span class="label">"Rate limit"</span>
                {meter}
                <span class="value" data-testid="budget">{budget_text}</span>
            </div>
            <div class="who">
                <span class="email" data-testid="who">{who}</span>
                {(!roles.is_empty()).then(|| view! { <span class="roles">{roles}</span> })}
                <button type="button" class="btn small" on:click=sign_out disabled=move || signing_out.get()>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
