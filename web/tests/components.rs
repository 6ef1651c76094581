//! Mounted components in headless Chromium (`wasm-bindgen-test`).
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gatehouse-web --target wasm32-unknown-unknown`.

#![cfg(target_arch = "wasm32")]

use gatehouse_web::api::{Me, UiError};
use gatehouse_web::components::{Column, ConfirmDialog, ErrorView, JsonEditor, Nav, Pager, TableOpts, table};
use gatehouse_web::logic::bulk::Target;
use gatehouse_web::logic::permissions::{Level, Permissions};
use leptos::prelude::*;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a view in a fresh element and returns the element.
fn mount<V: IntoView + 'static>(f: impl FnOnce() -> V + Send + 'static) -> HtmlElement {
    let doc = document();
    let el: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&el).unwrap();
    let handle = leptos::mount::mount_to(el.clone(), move || view! { <Router>{f()}</Router> });
    handle.forget();
    el
}

fn text(el: &HtmlElement) -> String {
    el.text_content().unwrap_or_default()
}

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

#[wasm_bindgen_test]
fn error_view_shows_message_code_and_hint_for_denials() {
    let e = UiError::from_body(
        403,
        br#"{"statusCode":403,"error":"Forbidden","message":"viewer@demo.test may not delete users: needs users:full","errorCode":"gatehouse_denied"}"#,
    );
    let el = mount(move || view! { <ErrorView error=e /> });
    let t = text(&el);
    assert!(t.contains("Not allowed"), "{t}");
    assert!(t.contains("needs users:full"), "{t}");
    assert!(t.contains("HTTP 403 · gatehouse_denied"), "{t}");
    assert!(el.query_selector("[role=alert]").unwrap().is_some());
}

#[wasm_bindgen_test]
fn nav_lists_only_readable_areas() {
    let perms = Permissions::from_pairs(&[("users", Level::Full), ("logs", Level::Read)]);
    let el = mount(move || view! { <Nav permissions=perms /> });
    let links: Vec<String> = (0..el.query_selector_all("a").unwrap().length())
        .map(|i| el.query_selector_all("a").unwrap().item(i).unwrap().text_content().unwrap())
        .collect();
    // The explorer lists only what the caller may use, so every principal sees it.
    assert_eq!(links, ["Overview", "Users", "Logs", "Operations explorer"]);
}

#[wasm_bindgen_test]
fn table_renders_rows_sort_state_and_selection() {
    #[derive(Clone)]
    struct Row(&'static str, bool);
    let selected = RwSignal::new(Vec::<Target>::new());
    let el = mount(move || {
        let rows = vec![Row("a@x.test", false), Row("b@x.test", true)];
        let cols: Vec<Column<Row>> = vec![Column::sorted("Email", "email", |r| r.0.into_any())];
        let opts = TableOpts {
            sort: gatehouse_web::logic::url_state::Sort::parse("email:-1"),
            on_sort: Some(Callback::new(|_: String| {})),
            selected: Some(selected),
            ..TableOpts::new("Users", "none")
        };
        table(&rows, &cols, Some(|r: &Row| Target { id: r.0.into(), label: r.0.into(), blocked: r.1 }), opts)
    });
    assert_eq!(el.query_selector_all("tbody tr").unwrap().length(), 2);
    let th = el.query_selector("th[aria-sort]").unwrap().unwrap();
    assert_eq!(th.get_attribute("aria-sort").as_deref(), Some("descending"));
    let boxes = el.query_selector_all("td.select input").unwrap();
    let first: HtmlInputElement = boxes.item(0).unwrap().unchecked_into();
    assert_eq!(first.get_attribute("aria-label").as_deref(), Some("Select a@x.test"));
    first.click();
    assert_eq!(selected.get_untracked().len(), 1);
    let all: HtmlInputElement = el.query_selector("th.select input").unwrap().unwrap().unchecked_into();
    all.click();
    assert_eq!(selected.get_untracked().len(), 2);
}

#[wasm_bindgen_test]
fn empty_table_says_so() {
    let el = mount(|| table::<u8>(&[], &[], None, TableOpts::new("Things", "Nothing matches.")));
    assert_eq!(text(&el), "Nothing matches.");
}

#[wasm_bindgen_test]
fn pager_explains_the_result_window() {
    let el = mount(|| view! { <Pager page=39 per_page=25 shown=25 total=Some(5000) windowed=true /> });
    let t = text(&el);
    assert!(t.contains("Showing 976–1,000 of 5,000"), "{t}");
    assert!(t.contains("only the first 1,000 results"), "{t}");
    let next = el.query_selector_all("button").unwrap().item(1).unwrap();
    assert!(next.unchecked_into::<HtmlElement>().has_attribute("disabled"), "no page past the window");
}

#[wasm_bindgen_test]
async fn json_editor_validates_as_you_type() {
    let saved = RwSignal::new(None::<String>);
    type Map = serde_json::Map<String, serde_json::Value>;
    let el = mount(move || {
        let on_save = Callback::new(move |m: Map| saved.set(Some(serde_json::to_string(&m).unwrap())));
        view! {
            <JsonEditor
                label="user_metadata"
                initial=Map::new()
                editable=true
                pending=Signal::derive(|| false)
                on_save=on_save
            />
        }
    });
    let area: HtmlTextAreaElement = el.query_selector("textarea").unwrap().unwrap().unchecked_into();
    area.set_value("{\"plan\": }");
    area.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(area.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(text(&el).contains("Line 1, column 10"), "{}", text(&el));
    let button: HtmlElement = el.query_selector("button").unwrap().unwrap().unchecked_into();
    assert!(button.has_attribute("disabled"));
    area.set_value("{\"plan\": \"pro\"}");
    area.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(area.get_attribute("aria-invalid").as_deref(), Some("false"));
    button.click();
    assert_eq!(saved.get_untracked().as_deref(), Some("{\"plan\":\"pro\"}"));
}

#[wasm_bindgen_test]
async fn confirm_dialog_runs_only_on_confirmation() {
    let open = RwSignal::new(false);
    let confirmed = RwSignal::new(0);
    let el = mount(move || {
        view! {
            <ConfirmDialog open=open title="Delete this user?" confirm_label="Delete user" destructive=true on_confirm=move |()| confirmed.update(|n| *n += 1)>
                <p>"Cannot be undone."</p>
            </ConfirmDialog>
        }
    });
    let dialog: web_sys::HtmlDialogElement = el.query_selector("dialog").unwrap().unwrap().unchecked_into();
    assert!(!dialog.open());
    open.set(true);
    tick().await;
    assert!(dialog.open(), "opens as a modal");
    assert!(text(&el).contains("Cannot be undone."));
    let cancel: HtmlElement = dialog.query_selector("button[type=button]").unwrap().unwrap().unchecked_into();
    cancel.click();
    tick().await;
    assert!(!open.get_untracked());
    assert_eq!(confirmed.get_untracked(), 0);
    open.set(true);
    tick().await;
    let confirm: HtmlElement = dialog.query_selector("button[type=submit]").unwrap().unwrap().unchecked_into();
    assert!(confirm.class_name().contains("danger"));
    confirm.click();
    tick().await;
    assert_eq!(confirmed.get_untracked(), 1);
    assert!(!open.get_untracked());
}

#[wasm_bindgen_test]
fn permissions_gate_from_auth_me() {
    let me: Me = serde_json::from_str(
        r#"{"email":"support@demo.test","principal":"support@demo.test","kind":"user","roles":["gatehouse-support"],
            "permissions":{"users":"full","roles":"off","audit":"off"},"rateLimit":{"limit":50,"remaining":48,"reset":1700000000}}"#,
    )
    .unwrap();
    assert!(me.permissions.can_write("users"));
    assert!(!me.permissions.can_read("roles"));
    assert_eq!(me.rate_limit.remaining, Some(48));
    // A BFF that does not name the subject or the policy roles restricts nothing more.
    assert_eq!((me.subject.as_deref(), me.policy_roles.len()), (None, 0));
    assert!(me.guard().can_assign("gatehouse-admin"));
}

#[wasm_bindgen_test]
fn escalation_guard_from_auth_me() {
    let me: Me = serde_json::from_str(
        r#"{"email":"support@demo.test","principal":"support@demo.test","subject":"auth0|sup","roles":["gatehouse-support"],
            "permissions":{"users":"full"},
            "policyRoles":[
              {"name":"gatehouse-admin","grants":{"users":"full","roles":"full"},"assignable":false,"missing":["roles:full"]},
              {"name":"gatehouse-support","grants":{"users":"full"},"assignable":true,"missing":[]}]}"#,
    )
    .unwrap();
    let guard = me.guard();
    assert!(guard.is_self("auth0|sup") && !guard.is_self("auth0|adm"));
    assert!(
        !guard.can_assign("gatehouse-admin") && guard.can_assign("gatehouse-support") && guard.can_assign("Editor")
    );
    let protection = guard.protection(["gatehouse-admin"]).unwrap();
    assert_eq!(protection.missing, ["roles:full"]);
}

#[wasm_bindgen_test]
fn escalation_refusal_is_shown_verbatim() {
    let message =
        "support@demo.test may not assign role gatehouse-admin: it grants roles:full, which support@demo.test lacks";
    let body = format!(
        r#"{{"statusCode":403,"error":"Forbidden","errorCode":"gatehouse_escalation","message":"{message}","missing":["roles:full"]}}"#
    );
    let e = UiError::from_body(403, body.as_bytes());
    let el = mount(move || view! { <ErrorView error=e /> });
    let t = text(&el);
    assert!(t.contains("Not allowed") && t.contains(message), "{t}");
    assert!(t.contains("HTTP 403 · gatehouse_escalation"), "{t}");
    assert!(t.contains("do not hold themselves"), "{t}");
}
