//! `/settings`: the tenant's settings (name, support contacts, session
//! lifetimes, default audience and directory).

use crate::api;
use crate::components::{PageHeader, Panel, TextField, action_status, field, loaded};
use crate::hooks::can_write;
use gatehouse_model::generated::catalog as cat;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The settings the form edits: `(field, label, numeric)`.
const FIELDS: [(&str, &str, bool); 8] = [
    ("friendly_name", "Tenant name", false),
    ("picture_url", "Logo URL", false),
    ("support_email", "Support email", false),
    ("support_url", "Support URL", false),
    ("session_lifetime", "Session lifetime (hours)", true),
    ("idle_session_lifetime", "Idle session lifetime (hours)", true),
    ("default_audience", "Default audience", false),
    ("default_directory", "Default directory (connection)", false),
];

/// The body of the update: changed fields only; numbers as numbers, an
/// emptied field as an empty string (Auth0's way to clear one).
pub fn changes(before: &Value, after: &[(&str, String, bool)]) -> Result<Map<String, Value>, String> {
    let mut body = Map::new();
    for (key, value, numeric) in after {
        if field(before, key) == *value {
            continue;
        }
        let v = if *numeric {
            let n: f64 = value.trim().parse().map_err(|_| format!("{key}: enter a number of hours"))?;
            if n <= 0.0 {
                return Err(format!("{key}: enter a positive number of hours"));
            }
            Value::from(n)
        } else {
            Value::from(value.trim())
        };
        body.insert((*key).to_owned(), v);
    }
    Ok(body)
}

/// The tenant settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let writable = can_write("tenants");
    let settings = api::resource(|| api::send(&cat::TENANTS_SETTINGS_GET, &[], &[], None));
    view! {
        <PageHeader title="Tenant settings" subtitle="How the tenant presents itself and how long sessions last." />
        {loaded(settings, move |s: &Value| view! { <SettingsForm settings=s.clone() writable=writable /> })}
    }
}

#[component]
fn SettingsForm(settings: Value, writable: bool) -> impl IntoView {
    let values: Vec<(&'static str, &'static str, bool, RwSignal<String>)> =
        FIELDS.iter().map(|(k, l, n)| (*k, *l, *n, RwSignal::new(field(&settings, k)))).collect();
    let before = StoredValue::new(settings);
    let read = values.clone();
    let save = api::job(move || {
        let after: Vec<(&str, String, bool)> = read.iter().map(|(k, _, n, v)| (*k, v.get_untracked(), *n)).collect();
        match changes(&before.get_value(), &after) {
            Err(e) => Box::pin(async move { Err(api::UiError::msg(e)) }),
            Ok(body) if body.is_empty() => Box::pin(async { Ok("Nothing changed.".to_owned()) }),
            Ok(body) => {
                let sending = api::send(&cat::TENANTS_SETTINGS_UPDATE, &[], &[], Some(Value::Object(body)));
                // The saved settings become what the next save is compared
                // with; the form stays as it is (with its confirmation).
                Box::pin(async move {
                    let saved = sending.await?;
                    if saved.is_object() {
                        before.set_value(saved);
                    }
                    Ok("Settings saved.".to_owned())
                })
            }
        }
    });
    view! {
        <Panel title="General">
            <form class="form" on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                save.dispatch(());
            }>
                {values
                    .into_iter()
                    .map(|(_, label, numeric, value)| {
                        view! { <TextField label=label value=value disabled=!writable input_type=if numeric { "number" } else { "text" } /> }
                    })
                    .collect_view()}
                {writable.then(|| view! {
                    <div class="actions">
                        <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save settings"</button>
                    </div>
                })}
                {action_status(save)}
            </form>
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn only_changes_are_sent() {
        let before = json!({"friendly_name": "Acme", "session_lifetime": 72});
        let body =
            changes(&before, &[("friendly_name", "Acme".into(), false), ("session_lifetime", "72".into(), true)])
                .unwrap();
        assert!(body.is_empty());
        let body =
            changes(&before, &[("friendly_name", "Acme Inc".into(), false), ("session_lifetime", "24".into(), true)])
                .unwrap();
        assert_eq!(Value::Object(body), json!({"friendly_name": "Acme Inc", "session_lifetime": 24.0}));
        assert!(changes(&before, &[("session_lifetime", "x".into(), true)]).is_err());
        assert!(changes(&before, &[("session_lifetime", "-1".into(), true)]).is_err());
    }
}
