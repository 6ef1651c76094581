//! Page furniture: the header with actions, panels, and fact lists.

use leptos::prelude::*;

/// A page's title, an optional subtitle and its actions.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <div>
                <h1 tabindex="-1">{title}</h1>
                {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
            </div>
            <div class="page-actions">{children.map(|c| c())}</div>
        </header>
    }
}

/// A titled section of a page.
#[component]
pub fn Panel(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>{title}</h2>
            {children()}
        </section>
    }
}

/// A list of label / value pairs.
#[component]
pub fn Facts(facts: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="facts">
            {facts
                .into_iter()
                .map(|(k, v)| {
                    view! {
                        <div>
                            <dt>{k}</dt>
                            <dd>{v}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}
