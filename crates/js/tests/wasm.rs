//! The wasm bindings against a running `gatehouse emulator`, in Node and in
//! headless Chromium (wasm-bindgen-test; `tests/js/run.sh` runs both).
//!
//! The emulator's URL and credentials are baked in at compile time from
//! `GATEHOUSE_JS_TEST_URL`, `GATEHOUSE_JS_TEST_CLIENT_ID` and
//! `GATEHOUSE_JS_TEST_CLIENT_SECRET` (the URL is `tests/js/harness.mjs`'s
//! proxy, which adds CORS headers for the browser). Without them the tests
//! pass vacuously with a note. The emulator must run with a high `--rate-limit` (1000),
//! at least 1,001 seeded users and a token lifetime of a few seconds
//! (`--token-lifetime 3`), as run.sh starts it.

#![cfg(target_arch = "wasm32")]

use gatehouse_js::Core;
use gatehouse_js::wire::id;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeSet;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const URL: Option<&str> = option_env!("GATEHOUSE_JS_TEST_URL");
const CLIENT_ID: &str = match option_env!("GATEHOUSE_JS_TEST_CLIENT_ID") {
    Some(id) => id,
    None => "gatehouse-js-tests",
};
const CLIENT_SECRET: &str = match option_env!("GATEHOUSE_JS_TEST_CLIENT_SECRET") {
    Some(s) => s,
    None => "gatehouse-js-tests-secret",
};

fn url() -> Option<&'static str> {
    if URL.is_none() {
        wasm_bindgen_test::console_log!("GATEHOUSE_JS_TEST_URL was not set at compile time: nothing to test against");
    }
    URL
}

fn core(extra: Value) -> Core {
    let url = URL.expect("checked by url()");
    let mut options = json!({
        "baseUrl": url,
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "teamsAudience": format!("{url}/teams/"),
        "pacing": false,
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        options[k] = v;
    }
    Core::new(to_js(&options), transport()).unwrap_or_else(|e| panic!("Core::new: {e:?}"))
}

/// The transport the package's wrapper gives `Core` (`crates/js/npm/client.js`, `transport`):
/// one `fetch` per attempt, the rate-limit headers as numbers (the emulator
/// sends no date-form `Retry-After`), the answer parsed by `JSON.parse`.
fn transport() -> js_sys::Function {
    let make = js_sys::Function::new_no_args(
        r#"
        return async (method, url, headers, body, timeoutMs) => {
          const pairs = [];
          for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
          const res = await fetch(url, { method, headers: pairs, body, signal: AbortSignal.timeout(timeoutMs) });
          const values = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'].map((h) => res.headers.get(h)).map((v) => (v !== null && /^\d+$/.test(v.trim()) ? Number(v) : undefined));
          const text = await res.text();
          let value;
          if (text.trim() !== '') {
            try { value = JSON.parse(text); } catch { value = text; }
          }
          return [res.status, ...values, value];
        };"#,
    );
    make.call0(&JsValue::NULL).expect("the transport").unchecked_into()
}

/// A JSON value as the JavaScript value the wrapper would pass.
fn to_js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).expect("JSON")
}

/// A JavaScript value `Core` resolved or rejected with, as JSON.
fn body_json(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    let text = js_sys::JSON::stringify(v).expect("JSON").as_string().expect("a string");
    serde_json::from_str(&text).expect("a JSON body")
}

/// What `Pager::page` reads of a page (`crates/js/npm/client.js`, `readPage`); the page's items.
fn read_page(pager: &gatehouse_js::Pager, key: Option<&str>, body: &Value) -> Result<Vec<Value>, JsValue> {
    let bare = body.is_array();
    let items = match (body, key) {
        (Value::Array(items), _) => items.clone(),
        (Value::Object(map), Some(key)) => map.get(key).and_then(Value::as_array).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    let num = |k: &str| body.get(k).and_then(Value::as_f64);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map_or(JsValue::UNDEFINED, JsValue::from_str);
    let next = text(body.get("next"));
    let last = text(items.last().and_then(|i| i.get("log_id")));
    pager.page(items.len() as u32, bare, num("start"), num("limit"), num("total"), next, last)?;
    Ok(items)
}

/// A call's ids as the wrapper passes them: an array of strings.
fn ids(params: &[&str]) -> JsValue {
    params.iter().map(|p| JsValue::from_str(p)).collect::<js_sys::Array>().into()
}

/// What a call resolved or rejected with, as JSON.
type Outcome = Result<Value, Value>;

async fn call(core: &Core, method: &str, params: &[&str], options: Option<Value>, body: Option<Value>) -> Outcome {
    let js = |v: Option<Value>| v.map_or(JsValue::UNDEFINED, |v| to_js(&v));
    let promise = core.call(id(method), ids(params), js(options), js(body));
    match JsFuture::from(promise).await {
        Ok(v) => Ok(body_json(&v)),
        Err(e) => Err(body_json(&e)),
    }
}

/// Every item of a list, through the pager; the error it ended with, if any.
async fn all(core: &Core, method: &str, params: &[&str], options: Value) -> (Vec<Value>, Option<Value>) {
    let pager = core.pager(id(method), ids(params), to_js(&options)).unwrap_or_else(|e| panic!("pager: {e:?}"));
    let key = pager.items_key().as_string();
    let mut items = Vec::new();
    loop {
        match JsFuture::from(pager.next()).await {
            Ok(v) if v.is_undefined() => return (items, None),
            Ok(v) => {
                let page: js_sys::Array = v.unchecked_into();
                let body = if page.get(0).is_undefined() { json!([]) } else { body_json(&page.get(0)) };
                match read_page(&pager, key.as_deref(), &body) {
                    Ok(list) => items.extend(list),
                    Err(e) => return (items, Some(body_json(&e))),
                }
            }
            Err(e) => return (items, Some(body_json(&e))),
        }
    }
}

async fn js(args: &str, body: &str, values: &[JsValue]) -> JsValue {
    let f = js_sys::Function::new_with_args(args, body);
    let this = JsValue::NULL;
    let result = match values {
        [] => f.call0(&this),
        [a] => f.call1(&this, a),
        [a, b] => f.call2(&this, a, b),
        _ => unreachable!(),
    }
    .expect("js call");
    JsFuture::from(js_sys::Promise::from(result)).await.expect("js promise")
}

async fn sleep(ms: u32) {
    js("ms", "return new Promise(r => setTimeout(r, ms))", &[JsValue::from(ms)]).await;
}

async fn set_faults(faults: Value) {
    let url = format!("{}/__emulator/faults", URL.unwrap());
    let status = js(
        "url, body",
        "return fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body}).then(r => r.status)",
        &[JsValue::from_str(&url), JsValue::from_str(&faults.to_string())],
    )
    .await;
    assert_eq!(status.as_f64(), Some(200.0), "setting faults");
}

fn metrics(core: &Core) -> Value {
    let names = ["requests", "retries", "rateLimited", "tokenRequests", "paced", "transportErrors"];
    let values = core.metrics().into_iter().map(|v| v.as_f64().unwrap_or(f64::NAN));
    names.iter().zip(values).map(|(k, v)| (k.to_string(), json!(v as u64))).collect()
}

fn ok(outcome: Outcome, what: &str) -> Value {
    outcome.unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn api_error(outcome: Outcome, status: u64, what: &str) -> Value {
    let e = outcome.expect_err(what);
    assert_eq!(e["name"], "ApiError", "{what}: {e}");
    assert_eq!(e["statusCode"], status, "{what}: {e}");
    e
}

thread_local! {
    static COVERED: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
}

/// Calls a method, expecting success, and notes it as covered.
async fn run(core: &Core, method: &'static str, params: &[&str], options: Option<Value>, body: Option<Value>) -> Value {
    let v = ok(call(core, method, params, options, body).await, method);
    COVERED.with(|c| c.borrow_mut().insert(method));
    v
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

#[wasm_bindgen_test]
async fn every_operation_of_the_table() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({}));
    // Names unique to this run: the Node and the browser runs share one emulator.
    let tag = js_sys::Date::now() as u64;

    // ---- users ----
    let list = run(c, "users.list", &[], None, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(50));
    let user = run(
        c,
        "users.create",
        &[],
        None,
        Some(json!({"connection": "Username-Password-Authentication", "email": format!("wasm-{tag}@example.com"),
            "password": "Sup3r-secret!", "custom_field": {"kept": true}})),
    )
    .await;
    assert_eq!(user["custom_field"], json!({"kept": true}), "unknown fields come back");
    let uid = s(&user["user_id"]);
    let got = run(c, "users.get", &[&uid], None, None).await;
    assert_eq!(got["email"], json!(format!("wasm-{tag}@example.com")));
    let patched = run(c, "users.update", &[&uid], None, Some(json!({"user_metadata": {"tz": "UTC"}}))).await;
    assert_eq!(patched["user_metadata"]["tz"], "UTC");
    let roles = run(c, "roles.list", &[], Some(json!({"perPage": 100})), None).await;
    let editor = s(&roles.as_array().unwrap().iter().find(|r| r["name"] == "Editor").expect("an Editor role")["id"]);
    run(c, "users.roles.assign", &[&uid], None, Some(json!([editor]))).await;
    let ur = run(c, "users.roles.list", &[&uid], Some(json!({"includeTotals": true})), None).await;
    assert_eq!(ur["total"], 1);
    run(c, "users.roles.delete", &[&uid], None, Some(json!({"roles": [editor]}))).await;
    run(c, "users.roles.assign", &[&uid], None, Some(json!([editor]))).await;

    // ---- roles ----
    let role = run(
        c,
        "roles.create",
        &[],
        None,
        Some(json!({"name": format!("wasm-role-{tag}"), "description": "made by the wasm test"})),
    )
    .await;
    let rid = s(&role["id"]);
    run(c, "roles.get", &[&rid], None, None).await;
    let r = run(c, "roles.update", &[&rid], None, Some(json!({"description": "changed"}))).await;
    assert_eq!(r["description"], "changed");
    let three = ok(call(c, "users.list", &[], Some(json!({"perPage": 3})), None).await, "users");
    let ids: Vec<String> = three.as_array().unwrap().iter().map(|u| s(&u["user_id"])).collect();
    run(c, "roles.users.assign", &[&rid], None, Some(json!(ids))).await;
    let page = run(c, "roles.users.list", &[&rid], Some(json!({"take": 2})), None).await;
    assert_eq!(page["users"].as_array().unwrap().len(), 2);
    assert!(page["next"].is_string());
    run(c, "roles.delete", &[&rid], None, None).await;

    // ---- clients ----
    run(c, "clients.list", &[], Some(json!({"take": 3})), None).await;
    let app = run(c, "clients.create", &[], None, Some(json!({"name": "Wasm App", "app_type": "spa"}))).await;
    let cid = s(&app["client_id"]);
    run(c, "clients.get", &[&cid], None, None).await;
    run(c, "clients.update", &[&cid], None, Some(json!({"description": "updated"}))).await;
    run(c, "clients.delete", &[&cid], None, None).await;

    // ---- connections ----
    run(c, "connections.list", &[], Some(json!({"strategy": "auth0", "includeTotals": true})), None).await;
    let conn =
        run(c, "connections.create", &[], None, Some(json!({"name": format!("wasm-db-{tag}"), "strategy": "auth0"})))
            .await;
    let kid = s(&conn["id"]);
    run(c, "connections.get", &[&kid], None, None).await;
    // Options under Auth0's names, as `auth0` 7 takes them; the spec's list
    // parameters as arrays (sent as `strategy=auth0&strategy=samlp`).
    let both =
        run(c, "connections.list", &[], Some(json!({"strategy": ["auth0", "samlp"], "include_totals": true})), None)
            .await;
    let auth0 = run(c, "connections.list", &[], Some(json!({"strategy": "auth0", "per_page": 100})), None).await;
    assert!(both["total"].as_u64().unwrap() >= auth0.as_array().unwrap().len() as u64, "{both}");
    let fields =
        run(c, "connections.get", &[&kid], Some(json!({"fields": "id,name", "include_fields": true})), None).await;
    assert_eq!(fields.as_object().map(|o| o.len()), Some(2), "{fields}");
    run(c, "connections.update", &[&kid], None, Some(json!({"display_name": "Wasm"}))).await;
    run(c, "connections.delete", &[&kid], None, None).await;

    // ---- organizations ----
    run(c, "organizations.list", &[], Some(json!({"includeTotals": true})), None).await;
    let org = run(
        c,
        "organizations.create",
        &[],
        None,
        Some(json!({"name": format!("wasm-org-{tag}"), "display_name": "Wasm Org"})),
    )
    .await;
    let oid = s(&org["id"]);
    run(c, "organizations.get", &[&oid], None, None).await;
    run(c, "organizations.update", &[&oid], None, Some(json!({"display_name": "Wasm Organization"}))).await;
    run(c, "organizations.members.create", &[&oid], None, Some(json!(ids))).await;
    let members = run(c, "organizations.members.list", &[&oid], Some(json!({"includeTotals": true})), None).await;
    assert_eq!(members["total"], 3);
    run(c, "organizations.members.roles.list", &[&oid, &ids[0]], None, None).await;
    run(c, "organizations.members.roles.assign", &[&oid, &ids[0]], None, Some(json!([editor]))).await;
    let mr =
        run(c, "organizations.members.roles.list", &[&oid, &ids[0]], Some(json!({"includeTotals": true})), None).await;
    assert_eq!(mr["total"], 1);
    run(c, "organizations.members.roles.delete", &[&oid, &ids[0]], None, Some(json!({"roles": [editor]}))).await;
    let orgs = run(c, "users.organizations.list", &[&ids[0]], Some(json!({"includeTotals": true})), None).await;
    assert!(orgs["organizations"].as_array().unwrap().iter().any(|o| o["id"] == org["id"]));
    run(c, "organizations.members.delete", &[&oid], None, Some(json!({"members": [ids[0]]}))).await;
    run(c, "organizations.delete", &[&oid], None, None).await;

    // ---- logs ----
    let logs = run(c, "logs.list", &[], Some(json!({"perPage": 5})), None).await;
    let log_id = s(&logs[0]["log_id"]);
    run(c, "logs.list", &[], Some(json!({"q": "type:sapi"})), None).await;
    run(c, "logs.get", &[&log_id], None, None).await;

    // ---- grants ----
    let grants = run(c, "userGrants.list", &[], Some(json!({"includeTotals": true})), None).await;
    let gid = s(&grants["grants"][0]["id"]);
    run(c, "userGrants.delete", &[&gid], None, None).await;

    // ---- APIs ----
    run(c, "resourceServers.list", &[], None, None).await;
    let api = run(
        c,
        "resourceServers.create",
        &[],
        None,
        Some(json!({"name": "Wasm API", "identifier": format!("https://wasm-{tag}.test/api")})),
    )
    .await;
    let aid = s(&api["id"]);
    run(c, "resourceServers.get", &[&aid], None, None).await;
    run(c, "resourceServers.update", &[&aid], None, Some(json!({"token_lifetime": 3600}))).await;
    run(c, "resourceServers.delete", &[&aid], None, None).await;

    run(c, "users.delete", &[&uid], None, None).await;

    // ---- Teams ----
    let members = run(c, "teams.members.list", &[], None, None).await;
    let member = s(&members["members"].as_array().unwrap().iter().find(|m| m["role"] != "teams_owner").unwrap()["id"]);
    run(c, "teams.members.get", &[&member], None, None).await;
    run(
        c,
        "teams.members.invite",
        &[],
        None,
        Some(json!({"email": format!("wasm-{tag}@gatehouse-team.test"), "role": "teams_contributor"})),
    )
    .await;
    run(c, "teams.members.update", &[&member], None, Some(json!({"role": "teams_report_viewer"}))).await;
    run(c, "teams.tenants.list", &[], None, None).await;
    let tenant = run(
        c,
        "teams.tenants.create",
        &[],
        None,
        Some(
            json!({"tenant_name": format!("wasm-{tag}"), "admin_email": "alice@gatehouse-team.test", "locality": "eu"}),
        ),
    )
    .await;
    let tid = s(&tenant["tenant_id"]);
    run(c, "teams.tenants.get", &[&tid], None, None).await;
    run(c, "teams.tenants.members.list", &[&tid], None, None).await;
    run(
        c,
        "teams.members.tenants.create",
        &[&member],
        None,
        Some(json!({"tenants": [tid], "roles": ["editor-users"]})),
    )
    .await;
    run(
        c,
        "teams.members.tenants.update",
        &[&member],
        None,
        Some(json!({"tenants": [tid], "roles": ["viewer-users"]})),
    )
    .await;
    run(c, "teams.members.tenants.list", &[&member, "EU-1"], None, None).await;
    run(c, "teams.members.tenants.remove", &[&member], None, Some(json!({"tenants": [tid]}))).await;
    run(c, "teams.environments.list", &[], None, None).await;
    run(c, "teams.activity.list", &[], Some(json!({"take": 10})), None).await;
    run(c, "teams.tenants.delete", &[&tid], None, None).await;
    run(c, "teams.members.delete", &[&member], None, None).await;

    let covered = COVERED.with(|c| c.borrow().clone());
    // Every operation the emulator serves (the model's table) was called at its spec name.
    let served = gatehouse_model::OPERATIONS.iter().filter_map(|s| s.catalog()).map(|c| c.name);
    let missing: Vec<&str> = served.filter(|n| !covered.contains(n)).collect();
    assert!(missing.is_empty(), "methods never called successfully: {missing:?}");
}

#[wasm_bindgen_test]
async fn paging_goes_to_the_end() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({}));
    // Checkpoint paging (organizations offer it): five at a time, to the end.
    let total =
        ok(call(c, "organizations.list", &[], Some(json!({"includeTotals": true})), None).await, "orgs")["total"]
            .clone();
    let (orgs, err) = all(c, "organizations.list", &[], json!({"take": 5})).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(json!(orgs.len()), total);
    // Offset paging: two roles a page, to the end.
    let total =
        ok(call(c, "roles.list", &[], Some(json!({"includeTotals": true})), None).await, "roles")["total"].clone();
    let (roles, err) = all(c, "roles.list", &[], json!({"perPage": 2})).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(json!(roles.len()), total);
    // Log events after a log id, by log id.
    let oldest = ok(call(c, "logs.list", &[], Some(json!({"sort": "date:1", "perPage": 1})), None).await, "logs");
    let (after, err) = all(c, "logs.list", &[], json!({"from": s(&oldest[0]["log_id"]), "take": 100})).await;
    assert!(err.is_none(), "{err:?}");
    assert!(after.len() > 100, "{}", after.len());
    // Teams: checkpoint only.
    let (members, err) = all(c, "teams.members.list", &[], json!({"take": 3})).await;
    assert!(err.is_none() && members.len() >= 3, "{err:?}");
}

#[wasm_bindgen_test]
async fn offset_paging_stops_at_the_result_window() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({}));
    let (users, err) = all(c, "users.list", &[], json!({})).await;
    assert_eq!(users.len(), 1000);
    let err = err.expect("the window error");
    assert_eq!(err["name"], "ResultWindowError", "{err}");
    assert_eq!(err["window"], 1000);
    assert!(err["total"].as_u64().unwrap() > 1000, "{err}");
}

#[wasm_bindgen_test]
async fn errors_are_typed() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({}));
    let e = api_error(call(c, "users.get", &["auth0|000000000000000000000000"], None, None).await, 404, "missing user");
    assert_eq!(e["body"]["errorCode"], "inexistent_user");
    assert_eq!(e["body"]["message"], "The user does not exist.");
    assert!(e["rateLimit"].is_object());
    let before = metrics(c)["requests"].clone();
    let e = call(c, "users.list", &[], Some(json!({"perpage": 5})), None).await.expect_err("unknown option");
    assert_eq!((e["kind"].as_str(), e["unknown"].clone()), (Some("option"), json!(["perpage"])), "{e}");
    assert!(e["accepted"].as_array().unwrap().contains(&json!("per_page")), "{e}");
    for (method, params, options, what) in [
        ("users.list", vec![], json!({"perPage": 500}), "per_page out of range"),
        ("users.list", vec![], json!({"perpage": 5}), "unknown option"),
        ("users.list", vec![], json!({"per_page": "5"}), "a string for a number"),
        ("users.list", vec![], json!({"search_engine": "v4"}), "not one of the enum's values"),
        ("connections.list", vec![], json!({"strategy": ["auth0", "toaster"]}), "not a strategy"),
        ("roles.get", vec!["rol_1"], json!({"fields": "name"}), "an option of a read that takes none"),
        ("users.get", vec![".."], Value::Null, "an id that is not one segment"),
        ("teams.members.list", vec![], json!({"take": 51}), "take out of range"),
        ("organizations.list", vec![], json!({"page": 1, "take": 5}), "offset and checkpoint"),
    ] {
        let options = (!options.is_null()).then_some(options);
        let e = call(c, method, &params, options, None).await.expect_err(what);
        assert_eq!(e["name"], "ValidationError", "{what}: {e}");
    }
    let e = call(c, "users.roles.assign", &["auth0|x"], None, Some(json!([]))).await.expect_err("empty roles");
    assert_eq!(e["name"], "ValidationError", "{e}");
    let e = call(c, "users.list", &[], Some(json!({"page": 20, "perPage": 100})), None).await.expect_err("window");
    assert_eq!(e["name"], "ResultWindowError", "{e}");
    assert_eq!(metrics(c)["requests"], before, "nothing invalid was sent");

    let bad = core(json!({"clientSecret": "wrong"}));
    let e = api_error(call(&bad, "roles.list", &[], None, None).await, 401, "wrong secret");
    assert_eq!(e["body"]["error"], "access_denied");
    assert_eq!(e["token"], true);
    assert!(Core::new(to_js(&json!({"baseUrl": "http://x"})), transport()).is_err(), "no way to authenticate");
    assert!(
        Core::new(to_js(&json!({"baseUrl": "http://x", "token": "t", "colour": 1})), transport()).is_err(),
        "unknown option"
    );
}

#[wasm_bindgen_test]
async fn a_429_storm_is_waited_out() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({"retry": {"maxRateLimitedAttempts": 12}}));
    ok(call(c, "roles.list", &[], None, None).await, "warm-up");
    set_faults(json!({"429": 0.4})).await;
    let calls: Vec<_> = (0..12).map(|_| call(c, "roles.list", &[], None, None)).collect();
    let results = futures::future::join_all(calls).await;
    set_faults(json!({})).await;
    for r in results {
        ok(r, "a call in the storm");
    }
    let m = metrics(c);
    assert!(m["rateLimited"].as_u64().unwrap() > 0, "{m}");
    assert!(m["retries"].as_u64().unwrap() >= m["rateLimited"].as_u64().unwrap(), "{m}");

    // Out of attempts: the 429 comes back typed, with its rate limit.
    let once = core(json!({"retry": {"maxRateLimitedAttempts": 2}}));
    ok(call(&once, "roles.list", &[], None, None).await, "warm-up");
    set_faults(json!({"429": 1.0})).await;
    let e = call(&once, "roles.list", &[], None, None).await;
    set_faults(json!({})).await;
    let e = api_error(e, 429, "every attempt limited");
    assert_eq!(e["body"]["errorCode"], "too_many_requests");
    assert_eq!(e["rateLimit"]["retryAfter"], 1);
    assert_eq!(metrics(&once)["rateLimited"], 2, "sent twice, then given up");
}

#[wasm_bindgen_test]
async fn tokens_are_cached_and_refreshed() {
    if url().is_none() {
        return;
    }
    let c = &core(json!({}));
    for _ in 0..3 {
        ok(call(c, "roles.list", &[], None, None).await, "roles");
    }
    assert_eq!(metrics(c)["tokenRequests"], 1, "one token for three calls");
    // run.sh starts the emulator with 3-second tokens: the client renews
    // shortly before expiry.
    sleep(3200).await;
    ok(call(c, "roles.list", &[], None, None).await, "roles after expiry");
    assert_eq!(metrics(c)["tokenRequests"], 2, "a new token after expiry");
    // Teams calls use their own audience, so their own token.
    ok(call(c, "teams.environments.list", &[], None, None).await, "environments");
    assert_eq!(metrics(c)["tokenRequests"], 3);
    c.clear_tokens();
    ok(call(c, "roles.list", &[], None, None).await, "roles after clearTokens");
    assert_eq!(metrics(c)["tokenRequests"], 4);
}

// The error descriptions the wrapper turns into `Error` subclasses
// (`gatehouse_js::error::describe`); no emulator needed.

mod describe {
    use super::{body_json, to_js};
    use gatehouse_client::ClientError;
    use gatehouse_js::error::{Failure, describe};
    use gatehouse_model::{Error as ModelError, QueryError, RateLimit, ValidationError};
    use serde_json::{Value, json};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn api(status: u16, body: JsValue, attempts: Option<u32>) -> Value {
        let rate_limit = RateLimit { limit: Some(50), remaining: Some(49), reset: Some(1), retry_after: None };
        body_json(&describe(&Failure::Api { status, rate_limit, body, attempts, token: false }))
    }

    fn client(e: impl Into<ClientError>) -> Value {
        body_json(&describe(&Failure::Client(e.into())))
    }

    #[wasm_bindgen_test]
    fn api_errors_keep_code_message_and_rate_limit() {
        let body = json!({"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"});
        let d = api(404, to_js(&body), Some(3));
        assert_eq!(d["name"], "ApiError");
        assert_eq!(d["statusCode"], 404);
        assert_eq!(d["errorCode"], "inexistent_user");
        assert_eq!(d["error"], "Not Found");
        assert_eq!(d["message"], "The user does not exist.");
        assert_eq!(d["rateLimit"]["remaining"], 49);
        assert_eq!(d["rateLimit"]["retryAfter"], Value::Null);
        assert_eq!(d["attempts"], 3);
        assert_eq!(d["body"], body);
    }

    #[wasm_bindgen_test]
    fn api_errors_of_every_shape_read_by_the_models_rule() {
        // Teams, OAuth, other JSON, text, and no body (the reason phrase).
        let d = api(404, to_js(&json!({"status": 404, "type": "TENANT_NOT_FOUND", "title": "No such tenant"})), None);
        assert_eq!(
            (d["errorCode"].clone(), d["message"].clone()),
            (json!("TENANT_NOT_FOUND"), json!("No such tenant"))
        );
        assert_eq!(d.get("attempts"), None);
        let d = api(401, to_js(&json!({"error": "access_denied", "error_description": "Unauthorized"})), None);
        assert_eq!((d["errorCode"].clone(), d["message"].clone()), (json!("access_denied"), json!("Unauthorized")));
        assert_eq!(d.get("error"), None);
        let d = api(400, to_js(&json!({"errorCode": "c", "message": "m"})), None);
        assert_eq!((d["errorCode"].clone(), d["message"].clone()), (json!("c"), json!("m")));
        let d = api(502, JsValue::from_str("  <html>Bad gateway</html>\n"), None);
        assert_eq!((d.get("errorCode"), d["message"].clone()), (None, json!("<html>Bad gateway</html>")));
        // No message in the body: none in the description (the wrapper gives the reason phrase).
        let d = api(503, JsValue::UNDEFINED, None);
        assert_eq!((d.get("message"), d["statusCode"].clone()), (None, json!(503)));
        let d = api(599, to_js(&json!([1, 2])), None);
        assert_eq!((d.get("message"), d["statusCode"].clone()), (None, json!(599)));
    }

    #[wasm_bindgen_test]
    fn window_errors_are_their_own_kind() {
        let d = client(ModelError::ResultWindow { total: 5000, window: 1000 });
        assert_eq!(
            (d["name"].clone(), d["total"].clone(), d["window"].clone()),
            (json!("ResultWindowError"), json!(5000), json!(1000))
        );
        let d = client(ValidationError::ResultWindow { page: 20, per_page: 100 });
        assert_eq!(
            (d["name"].clone(), d["page"].clone(), d["perPage"].clone()),
            (json!("ResultWindowError"), json!(20), json!(100))
        );
        assert_eq!(client(ValidationError::Empty { name: "roles" })["name"], "ValidationError");
    }

    #[wasm_bindgen_test]
    fn option_errors_name_the_options() {
        let d = client(ValidationError::from(QueryError::Unknown {
            operation: "users.list",
            names: vec!["perpage".into()],
            accepted: vec!["page", "per_page"],
        }));
        assert_eq!((d["name"].as_str(), d["kind"].as_str()), (Some("ValidationError"), Some("option")));
        assert_eq!((d["unknown"].clone(), d["accepted"].clone()), (json!(["perpage"]), json!(["page", "per_page"])));
        // The sentence is the wrapper's to compose from the code's template and these fields.
        assert_eq!(d.get("message"), None);
        assert_eq!((d["code"].as_str(), d["operation"].as_str()), (Some("option_unknown"), Some("users.list")));
        let d = client(ValidationError::from(QueryError::NotOneOf {
            name: "search_engine",
            value: "v4".into(),
            allowed: &["v3"],
        }));
        assert_eq!((d["option"].clone(), d["allowed"].clone()), (json!("search_engine"), json!(["v3"])));
        assert_eq!((d["code"].as_str(), d["value"].as_str()), (Some("option_not_one_of"), Some("v4")));
        let d = client(ValidationError::Empty { name: "id" });
        assert_eq!((d["code"].as_str(), d["field"].as_str(), d.get("kind")), (Some("empty"), Some("id"), None));
    }

    #[wasm_bindgen_test]
    fn timeouts_carry_their_milliseconds() {
        let d = client(gatehouse_client::TransportError::Timeout { after: std::time::Duration::from_millis(2500) });
        assert_eq!((d["name"].as_str(), d["kind"].as_str()), (Some("GatehouseError"), Some("timeout")));
        assert_eq!((d["code"].as_str(), d["timeoutMs"].clone()), (Some("timeout"), json!(2500)));
    }

    #[wasm_bindgen_test]
    fn config_and_exhausted_retries_keep_their_kind() {
        let d = client(ClientError::Config("`baseUrl` is required".into()));
        assert_eq!((d["name"].as_str(), d["kind"].as_str()), (Some("ValidationError"), Some("config")));
        assert_eq!((d["code"].as_str(), d["detail"].as_str()), (Some("config"), Some("`baseUrl` is required")));
        let last = Box::new(ClientError::Config("x".into()));
        let d = client(ClientError::RetriesExhausted { attempts: 4, last });
        assert_eq!((d["kind"].as_str(), d["attempts"].clone()), (Some("config"), json!(4)));
    }
}
