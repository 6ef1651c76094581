//! API keys managed live at `/keys`: a key works over `/api` and `/mcp` the
//! moment it is created, a change of its access applies at once, a revoked
//! key is refused at once; nobody hands out more than they hold; keys of
//! the configuration file are listed but never changed; every change and
//! every refusal is audited in words; the key is never kept in clear; and
//! demo mode's agent key.

use crate::Harness;
use crate::browser::{Browser, Resp};
use crate::mcp::{call, connect, initialize, names, text};
use gatehouse_bff::{AuditQuery, AuditRecord, Decision, Grants};
use reqwest::Method;
use serde_json::{Value, json};

/// Audit entries about API keys, newest first.
fn key_entries(h: &Harness) -> Vec<AuditRecord> {
    h.audit(AuditQuery { resource: Some("apiKeys".into()), ..AuditQuery::default() })
}

/// A client holding `key` as its bearer token.
fn bearer(h: &Harness, key: &str) -> Browser {
    let mut b = h.browser();
    b.default_headers.push(("authorization".into(), format!("Bearer {key}")));
    b
}

async fn create(b: &Browser, body: Value) -> Resp {
    b.api(Method::POST, "/keys", Some(body)).await
}

/// The names of the MCP tools `key` is offered.
async fn tools(h: &Harness, key: &str) -> Vec<String> {
    let client = connect(h, key).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    client.cancel().await.ok();
    names(&tools)
}

/// The status `/mcp` answers an `initialize` with `key`.
async fn mcp_status(h: &Harness, key: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/mcp", h.bff.url()))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(key)
        .body(initialize())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The listed key named `name` whose revocation state is `revoked`.
fn listed<'a>(list: &'a Value, name: &str, revoked: bool) -> Option<&'a Value> {
    list["keys"].as_array().unwrap().iter().find(|k| k["name"] == name && k["revokedAt"].is_null() != revoked)
}

#[tokio::test]
async fn a_key_works_at_once_changes_apply_at_once_and_revocation_stops_it_at_once() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let r = create(&admin, json!({"name": "ci-bot", "access": "users=read,logs=read"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let made = r.json();
    let key = made["key"].as_str().expect("the key, shown once").to_owned();
    assert!(key.starts_with("gk_") && key.len() == 46, "{key}");
    assert_eq!(made["source"], "database");
    assert_eq!(made["accessList"], "logs=read,users=read", "written in the policy's order");
    assert_eq!(made["access"], json!({"users": "read", "logs": "read"}));
    assert_eq!(made["createdBy"], "admin@demo.test");
    assert!(made["createdAt"].as_str().unwrap().ends_with('Z') && made["revokedAt"].is_null());
    let server = &made["mcpConfig"]["mcpServers"]["gatehouse"];
    assert_eq!(server["url"], format!("{}/mcp", h.bff.url()));
    assert_eq!(server["headers"]["Authorization"], format!("Bearer {key}"));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // It works at once, through the proxy and through MCP, within its access.
    let agent = bearer(&h, &key);
    assert_eq!(agent.get("/api/v2/users?per_page=1").await.status, 200);
    assert_eq!(agent.get("/api/v2/logs?per_page=1").await.status, 200);
    assert_eq!(agent.get("/api/v2/roles").await.status, 403);
    let user = h.some_user_id().await;
    let enc = url::form_urlencoded::byte_serialize(user.as_bytes()).collect::<String>();
    assert_eq!(agent.send(Method::DELETE, &format!("/api/v2/users/{enc}"), &[], None).await.status, 403);
    let offered = tools(&h, &key).await;
    assert!(offered.contains(&"users_list".into()) && offered.contains(&"logs_list".into()), "{offered:?}");
    assert!(!offered.contains(&"users_delete".into()) && !offered.contains(&"roles_list".into()));
    let client = connect(&h, &key).await;
    let r = call(&client, "users_list", json!({"per_page": 1})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    assert_eq!(h.last_audit().principal, "ci-bot", "its calls are audited under its name");

    // Its access changes at once: users become full, logs go.
    let r = admin.api(Method::PATCH, "/keys/ci-bot", Some(json!({"access": {"users": "full"}}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["accessList"], "users=full");
    assert!(r.json().get("key").is_none(), "the key is shown only when created");
    assert_eq!(agent.get("/api/v2/logs?per_page=1").await.status, 403);
    let offered = tools(&h, &key).await;
    assert!(offered.contains(&"users_delete".into()) && !offered.contains(&"logs_list".into()), "{offered:?}");
    let r = call(&client, "logs_list", json!({})).await;
    assert_eq!(r.is_error, Some(true), "the open MCP client is refused at once too");
    assert!(text(&r).contains("needs logs.list:read"), "{}", text(&r));

    // Revoked: refused at once on both doors; the row stays, with who and when.
    let r = admin.api(Method::DELETE, "/keys/ci-bot", None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = agent.get("/api/v2/users?per_page=1").await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (401, Some("gatehouse_invalid_api_key")));
    assert_eq!(mcp_status(&h, &key).await, 401);
    client.cancel().await.ok();
    let list = admin.api_get("/keys").await.json();
    let gone = listed(&list, "ci-bot", true).expect("the revoked key is still listed");
    assert_eq!(gone["revokedBy"], "admin@demo.test");
    assert!(gone["lastUsedAt"].is_string(), "its use was recorded: {gone}");
    assert!(listed(&list, "ci-bot", false).is_none());
    assert_eq!(admin.api(Method::DELETE, "/keys/ci-bot", None).await.status, 404, "revoked once");
    assert_eq!(admin.api(Method::PATCH, "/keys/ci-bot", Some(json!({"access": "users=read"}))).await.status, 404);

    // The name may be used again, by a new key; the old one stays refused.
    let r = create(&admin, json!({"name": "ci-bot", "access": "logs=read"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let again = r.json()["key"].as_str().unwrap().to_owned();
    assert_ne!(again, key);
    assert_eq!(bearer(&h, &again).get("/api/v2/logs?per_page=1").await.status, 200);
    assert_eq!(agent.get("/api/v2/logs?per_page=1").await.status, 401);
    assert_eq!(admin.api_get("/keys/ci-bot").await.json()["accessList"], "logs=read", "the active one");

    // Each change, in words.
    let sentences: Vec<String> = key_entries(&h).into_iter().map(|e| e.sentence).collect();
    for expected in [
        "admin@demo.test created API key ci-bot: logs=read, users=read",
        "admin@demo.test changed API key ci-bot: access logs=read, users=read → users=full",
        "admin@demo.test revoked API key ci-bot (users=full)",
        "admin@demo.test created API key ci-bot: logs=read",
        "admin@demo.test listed the API keys (4)",
    ] {
        assert!(sentences.iter().any(|s| s == expected), "no `{expected}` in {sentences:#?}");
    }
    let created = key_entries(&h).into_iter().find(|e| e.operation.as_deref() == Some("CreateApiKey")).unwrap();
    assert!(created.change && created.object == json!({"name": "ci-bot"}), "{created:?}");
    assert_eq!(created.body, Some(json!({"name": "ci-bot", "access": "logs=read"})));
}

#[tokio::test]
async fn nobody_hands_out_more_than_they_hold() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let owner = h.login("owner@demo.test").await;
    let viewer = h.login("viewer@demo.test").await;

    // The admin lacks `secrets`.
    let r = create(&admin, json!({"name": "leaky", "access": "clients=read,secrets=full"})).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let j = r.json();
    assert_eq!(
        (j["errorCode"].as_str(), j["missing"].clone()),
        (Some("gatehouse_escalation"), json!(["secrets:full"]))
    );
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Denied);
    assert_eq!(
        entry.sentence,
        "admin@demo.test may not create API key leaky: it would grant secrets:full, which admin@demo.test lacks"
    );

    // The owner may; then the admin may neither change nor revoke that key.
    let r = create(&owner, json!({"name": "revealer", "access": "*=read,secrets=full"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = admin.api(Method::PATCH, "/keys/revealer", Some(json!({"access": "users=read"}))).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (403, Some("gatehouse_escalation")));
    assert!(r.json()["message"].as_str().unwrap().contains("it holds secrets:full"), "{}", r.text());
    let r = admin.api(Method::DELETE, "/keys/revealer", None).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (403, Some("gatehouse_escalation")));
    assert!(owner.api_get("/keys/revealer").await.json()["revokedAt"].is_null(), "still active");

    // The viewer may list, not create.
    assert_eq!(viewer.api_get("/keys").await.status, 200);
    let r = create(&viewer, json!({"name": "mine", "access": "users=read"})).await;
    assert_eq!((r.status, r.json()["missing"].as_str()), (403, Some("apiKeys:full")));
    assert_eq!(h.last_audit().sentence, "viewer@demo.test was denied creating API key mine: needs apiKeys:full");

    // A key that manages keys is held to its own access in turn.
    let r = create(&admin, json!({"name": "key-admin", "access": "users=read,apiKeys=full"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let manager = bearer(&h, r.json()["key"].as_str().unwrap());
    let r = create(&manager, json!({"name": "wider", "access": "users=full"})).await;
    assert_eq!((r.status, r.json()["missing"].clone()), (403, json!(["users:full"])));
    let body = json!({"name": "narrower", "access": "users.list=read"}).to_string().into_bytes();
    let r = manager.send(Method::POST, "/keys", &[("content-type", "application/json")], Some(body)).await;
    assert_eq!(r.status, 201, "a key needs no CSRF header: {}", r.text());
    assert_eq!(r.json()["createdBy"], "key-admin");
    let r = manager.api(Method::PATCH, "/keys/narrower", Some(json!({"access": "users=read,logs=read"}))).await;
    assert_eq!((r.status, r.json()["missing"].clone()), (403, json!(["logs:read"])));

    // Whatever a database key may do, the tenant token's scopes (computed
    // at start from the roles and configured keys) cover it.
    let scopes = h.bff.scopes();
    for name in ["revealer", "key-admin", "narrower"] {
        let access = owner.api_get(&format!("/keys/{name}")).await.json()["accessList"].as_str().unwrap().to_owned();
        let grants = Grants::parse_list(&access).unwrap();
        for scope in gatehouse_bff::policy::scopes_needed([&grants]) {
            assert!(scopes.contains(&scope), "{name} ({access}) needs {scope}, which the token lacks");
        }
    }
}

#[tokio::test]
async fn support_without_api_keys_may_not_list_or_manage_them() {
    let h = Harness::start().await;
    let support = h.login("support@demo.test").await;
    let r = support.api_get("/keys").await;
    assert_eq!((r.status, r.json()["missing"].as_str()), (403, Some("apiKeys:read")));
    assert_eq!(h.last_audit().sentence, "support@demo.test was denied listing the API keys: needs apiKeys:read");
    let r = create(&support, json!({"name": "mine", "access": "users=read"})).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (403, Some("gatehouse_denied")));
    assert_eq!(support.api(Method::DELETE, "/keys/demo-agent", None).await.status, 403);
    assert_eq!(support.api_get("/keys/demo-agent").await.status, 403);
    // A configured key without `apiKeys` neither (and it must not learn which keys exist).
    let reader = h.key_client("reader");
    assert_eq!(reader.get("/keys").await.status, 403);
    assert_eq!(reader.get("/keys/nothing-here").await.status, 403);
    // Nobody signed in: 401.
    assert_eq!(h.browser().api_get("/keys").await.status, 401);
    assert_eq!(h.browser().api(Method::POST, "/keys", Some(json!({}))).await.status, 401);
    let denied = key_entries(&h).into_iter().filter(|e| e.decision == Decision::Denied).count();
    assert_eq!(denied, 6);
}

#[tokio::test]
async fn cookie_writes_follow_the_csrf_rules() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let body = json!({"name": "forged", "access": "users=read"}).to_string().into_bytes();
    for (what, headers) in [
        ("no X-CSRF", vec![("content-type", "application/json")]),
        ("cross-site", vec![("x-csrf", "1"), ("content-type", "application/json"), ("sec-fetch-site", "cross-site")]),
        (
            "foreign origin",
            vec![("x-csrf", "1"), ("content-type", "application/json"), ("origin", "https://evil.example")],
        ),
        ("a form", vec![("x-csrf", "1"), ("content-type", "application/x-www-form-urlencoded")]),
    ] {
        let r = admin.send(Method::POST, "/keys", &headers, Some(body.clone())).await;
        assert_eq!((r.status, r.json()["errorCode"].as_str()), (403, Some("gatehouse_csrf")), "{what}");
        let entry = h.last_audit();
        assert_eq!((entry.decision, entry.operation.as_deref()), (Decision::Denied, Some("CreateApiKey")), "{what}");
    }
    for (method, path) in [(Method::DELETE, "/keys/demo-agent"), (Method::PATCH, "/keys/demo-agent")] {
        let r = admin
            .send(method, path, &[("content-type", "application/json")], Some(b"{\"access\":\"users=read\"}".to_vec()))
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    let list = admin.api_get("/keys").await.json();
    assert!(listed(&list, "forged", false).is_none(), "nothing was created");
    assert!(listed(&list, "demo-agent", false).is_some(), "nothing was revoked");
    // A page load of /keys is the console, not the JSON.
    let r = admin.send(Method::GET, "/keys", &[("accept", "text/html")], None).await;
    assert!(r.header("content-type").unwrap_or_default().starts_with("text/html"), "{:?}", r.headers);
}

#[tokio::test]
async fn configuration_keys_are_listed_but_never_changed_here() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let list = admin.api_get("/keys").await.json();
    let reader = listed(&list, "reader", false).expect("the configured key is listed");
    assert_eq!(reader["source"], "config");
    assert_eq!(reader["accessList"], "logs=read,users=read");
    assert!(reader["createdBy"].is_null() && reader.get("key").is_none() && reader.get("sha256").is_none());
    let r = admin.api(Method::PATCH, "/keys/reader", Some(json!({"access": "users=full"}))).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (409, Some("gatehouse_key_in_config")));
    let r = admin.api(Method::DELETE, "/keys/operator", None).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (409, Some("gatehouse_key_in_config")));
    assert!(h.last_audit().sentence.contains("defined in the configuration file"), "{}", h.last_audit().sentence);
    let r = create(&admin, json!({"name": "reader", "access": "users=read"})).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (409, Some("gatehouse_key_exists")));
    assert_eq!(h.key_client("reader").get("/api/v2/users?per_page=1").await.status, 200, "still working");
    // A database key of the same name exists once: a second create is refused.
    assert_eq!(create(&admin, json!({"name": "twice", "access": "users=read"})).await.status, 201);
    let r = create(&admin, json!({"name": "twice", "access": "logs=read"})).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (409, Some("gatehouse_key_exists")));
    assert_eq!(admin.api_get("/keys/twice").await.json()["accessList"], "users=read");
}

#[tokio::test]
async fn the_key_is_never_stored_listed_or_audited_in_clear() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let r = create(&admin, json!({"name": "secret-keeper", "access": "users=read"})).await;
    assert_eq!(r.status, 201);
    let key = r.json()["key"].as_str().unwrap().to_owned();
    assert_eq!(bearer(&h, &key).get("/api/v2/users?per_page=1").await.status, 200);
    let demo_key = h.bff.demo().unwrap().agent.as_ref().unwrap().key.expose().to_owned();
    let mut stored = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", h.config.database.display());
        stored.extend(std::fs::read(&path).unwrap_or_default());
    }
    let hash = gatehouse_bff::security::hash_token(&key);
    assert!(memchr::memmem::find(&stored, hash.as_bytes()).is_some(), "the hash is what is stored");
    for k in [&key, &demo_key] {
        let random = &k[3..];
        assert!(memchr::memmem::find(&stored, random.as_bytes()).is_none(), "the key is in the database");
        let listing = admin.api_get("/keys").await.text();
        assert!(!listing.contains(random), "the key is listed");
        assert!(!admin.api_get("/keys/secret-keeper").await.text().contains(random));
        let export = admin.api_get("/audit/export?format=jsonl").await.text();
        assert!(!export.contains(random) && export.contains("secret-keeper"), "the key is in the audit log");
    }
}

#[tokio::test]
async fn bad_names_levels_and_bodies_are_refused_with_400() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let long = "k".repeat(65);
    for (body, field) in [
        (json!({"name": "bad name", "access": "users=read"}), Some("name")),
        (json!({"name": "", "access": "users=read"}), Some("name")),
        (json!({"name": long, "access": "users=read"}), Some("name")),
        (json!({"name": "ünïcode", "access": "users=read"}), Some("name")),
        (json!({"name": 5, "access": "users=read"}), Some("name")),
        (json!({"access": "users=read"}), Some("name")),
        (json!({"name": "ok"}), Some("access")),
        (json!({"name": "ok", "access": "users=admin"}), Some("access")),
        (json!({"name": "ok", "access": "userz=read"}), Some("access")),
        (json!({"name": "ok", "access": "users"}), Some("access")),
        (json!({"name": "ok", "access": ""}), Some("access")),
        (json!({"name": "ok", "access": {}}), Some("access")),
        (json!({"name": "ok", "access": {"users": 1}}), Some("access")),
        (json!({"name": "ok", "access": {"users": "sometimes"}}), Some("access")),
        (json!({"name": "ok", "access": 7}), Some("access")),
        (json!({"name": "ok", "access": "users=read", "userScope": "acme"}), Some("userScope")),
        (json!({"name": "ok", "acess": "users=read"}), Some("acess")),
        (json!(["ok"]), None),
        (json!("ok"), None),
    ] {
        let r = create(&admin, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        let j = r.json();
        assert_eq!(j["errorCode"], "invalid_body", "{body}");
        assert_eq!(j["field"].as_str(), field, "{body}: {j}");
        assert!(j["message"].as_str().unwrap().len() > 10, "{j}");
    }
    let r = admin
        .send(Method::POST, "/keys", &[("x-csrf", "1"), ("content-type", "application/json")], Some(b"{".to_vec()))
        .await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (400, Some("invalid_body")));
    let big = json!({"name": "big", "access": "users=read", "userScope": {"x": "y".repeat(20_000)}});
    assert_eq!(create(&admin, big).await.status, 413);
    let entry = h.last_audit();
    assert!(
        entry.sentence.starts_with("admin@demo.test sent too large a body for creating an API key"),
        "{}",
        entry.sentence
    );
    // A key (no CSRF rules) sending something that is not JSON.
    let r = create(&admin, json!({"name": "manager", "access": "apiKeys=full,users=read"})).await;
    let manager = bearer(&h, r.json()["key"].as_str().unwrap());
    let r = manager.send(Method::POST, "/keys", &[("content-type", "text/plain")], Some(b"name=x".to_vec())).await;
    assert_eq!((r.status, r.json()["errorCode"].as_str()), (415, Some("gatehouse_not_json")));
    // Changes: something to change, a key that exists.
    let r = admin.api(Method::PATCH, "/keys/manager", Some(json!({}))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = admin.api(Method::PATCH, "/keys/manager", Some(json!({"name": "other"}))).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (400, Some("name")));
    for path in ["/keys/nobody", "/keys/%FF%FE", "/keys/a%2Fb", "/keys/bad%20name"] {
        let r = admin.api(Method::DELETE, path, None).await;
        assert_eq!((r.status, r.json()["errorCode"].as_str()), (404, Some("gatehouse_no_such_key")), "{path}");
        let r = admin.api(Method::PATCH, path, Some(json!({"access": "users=read"}))).await;
        assert_eq!(r.status, 404, "{path}");
    }
    assert_eq!(admin.api_get("/keys/nobody").await.status, 404);
    // The refusals are audited; nothing was created.
    let refused = key_entries(&h).iter().filter(|e| e.sentence.contains("sent an invalid body for creating")).count();
    assert_eq!(refused, 20, "every bad create is in the audit log");
    let list = admin.api_get("/keys").await.json();
    let names: Vec<&str> = list["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["operator", "reader", "demo-agent", "manager"]);
}

#[tokio::test]
async fn demo_mode_makes_an_agent_key_and_replaces_it_at_each_start() {
    let shared = tempfile::tempdir().unwrap();
    let database = shared.path().join("gatehouse.sqlite");
    let db = database.clone();
    let h = Harness::with(move |c, _| c.database = db).await;
    let agent = h.bff.demo().unwrap().agent.clone().expect("a demo agent key");
    assert_eq!(agent.name, "demo-agent");
    assert_eq!(agent.access, "logs=read,users=read,users.delete=approve");
    let key = agent.key.expose().to_owned();
    let server = &agent.mcp_config["mcpServers"]["gatehouse"];
    assert_eq!(server["url"], format!("{}/mcp", h.bff.url()));
    assert_eq!(server["headers"]["Authorization"], format!("Bearer {key}"));
    let offered = tools(&h, &key).await;
    for t in ["users_list", "users_get", "logs_list", "users_delete"] {
        assert!(offered.contains(&t.to_owned()), "{t} missing from {offered:?}");
    }
    for t in ["users_create", "users_update", "roles_list", "clients_list"] {
        assert!(!offered.contains(&t.to_owned()), "{t} offered");
    }
    let owner = h.login("owner@demo.test").await;
    let listed_key = owner.api_get("/keys/demo-agent").await.json();
    assert_eq!(
        (listed_key["source"].as_str(), listed_key["createdBy"].as_str()),
        (Some("database"), Some("gatehouse"))
    );
    let made = key_entries(&h).into_iter().find(|e| e.principal == "gatehouse").expect("audited");
    assert_eq!(
        made.sentence,
        "gatehouse created API key demo-agent for demo mode: logs=read, users=read, users.delete=approve"
    );
    let Harness { bff, .. } = h;
    bff.shutdown().await.unwrap();

    // The next start replaces it: the old key stops, one demo-agent is left.
    let db = database.clone();
    let h = Harness::with(move |c, _| c.database = db).await;
    let fresh = h.bff.demo().unwrap().agent.as_ref().unwrap().key.expose().to_owned();
    assert_ne!(fresh, key);
    assert_eq!(mcp_status(&h, &key).await, 401);
    assert_eq!(mcp_status(&h, &fresh).await, 200);
    let owner = h.login("owner@demo.test").await;
    let list = owner.api_get("/keys").await.json();
    let demo = list["keys"].as_array().unwrap().iter().filter(|k| k["name"] == "demo-agent").count();
    assert_eq!(demo, 1);
    // A policy that cannot grant its access gets none.
    let h2 = Harness::with(|c, _| {
        c.api_keys.clear();
        c.policy = Some(gatehouse_bff::Policy {
            roles: [("gatehouse-admin".to_owned(), Grants::parse_list("users=read").unwrap())].into(),
            app_metadata_roles: None,
            user_scopes: Default::default(),
        })
    })
    .await;
    assert!(h2.bff.demo().unwrap().agent.is_none());
}

#[tokio::test]
async fn a_key_the_configuration_file_now_names_is_revoked_at_start() {
    let shared = tempfile::tempdir().unwrap();
    let database = shared.path().join("gatehouse.sqlite");
    let db = database.clone();
    let h = Harness::with(move |c, _| c.database = db).await;
    let admin = h.login("admin@demo.test").await;
    let r = create(&admin, json!({"name": "dup", "access": "users=read"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let stored = r.json()["key"].as_str().unwrap().to_owned();
    let Harness { bff, .. } = h;
    bff.shutdown().await.unwrap();

    let (configured, entry) = gatehouse_bff::apikeys::generate(Grants::parse_list("logs=read").unwrap());
    let db = database.clone();
    let h = Harness::with(move |c, _| {
        c.database = db;
        c.api_keys.insert("dup".into(), entry);
    })
    .await;
    assert_eq!(bearer(&h, &stored).get("/api/v2/users?per_page=1").await.status, 401, "the database's is revoked");
    assert_eq!(bearer(&h, &configured).get("/api/v2/logs?per_page=1").await.status, 200);
    let admin = h.login("admin@demo.test").await;
    let list = admin.api_get("/keys").await.json();
    assert_eq!(listed(&list, "dup", false).unwrap()["source"], "config");
    assert_eq!(listed(&list, "dup", true).unwrap()["revokedBy"], "gatehouse");
    let entry = key_entries(&h).into_iter().find(|e| e.operation.as_deref() == Some("RevokeApiKey")).unwrap();
    assert_eq!(
        entry.sentence,
        "gatehouse revoked API key dup (users=read): the configuration file now defines a key of that name"
    );
}

#[tokio::test]
async fn a_user_scope_is_kept_as_given_and_echoed() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let scope = json!({"organization": "org_acme", "app_metadata": {"department": "sales"}});
    let r = create(&admin, json!({"name": "scoped", "access": "users=read", "userScope": scope})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["userScope"], scope);
    let made = h.last_audit();
    assert!(
        made.sentence.starts_with("admin@demo.test created API key scoped: users=read (user scope {"),
        "{}",
        made.sentence
    );
    assert_eq!(admin.api_get("/keys/scoped").await.json()["userScope"], scope);
    // Changing the access keeps the scope; `null` removes it.
    let r = admin.api(Method::PATCH, "/keys/scoped", Some(json!({"access": "users=read,logs=read"}))).await;
    assert_eq!(r.json()["userScope"], scope);
    let r = admin.api(Method::PATCH, "/keys/scoped", Some(json!({"userScope": null}))).await;
    assert_eq!(
        (r.status, r.json()["userScope"].clone(), r.json()["accessList"].clone()),
        (200, Value::Null, json!("logs=read,users=read"))
    );
    assert!(h.last_audit().sentence.contains("user scope {"), "{}", h.last_audit().sentence);
    assert!(h.last_audit().sentence.ends_with("→ none"), "{}", h.last_audit().sentence);
}

#[tokio::test]
async fn a_database_key_is_held_to_its_user_scope_and_hands_out_no_wider_one() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    // A scope no seeded user falls in: a scoped key sees none of them.
    let scope = json!({"app_metadata": {"department": "nobody-here"}});
    let r = create(&admin, json!({"name": "narrow", "access": "users=read,apiKeys=full", "userScope": scope})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let key = r.json()["key"].as_str().unwrap().to_owned();
    let agent = bearer(&h, &key);
    let all = admin.api_get("/api/v2/users?per_page=5").await;
    let some_user = all.json()[0]["user_id"].as_str().unwrap().to_owned();
    let listed = agent.api_get("/api/v2/users?per_page=50").await;
    assert_eq!((listed.status, listed.json()), (200, json!([])), "{}", listed.text());
    let one = agent.api_get(&format!("/api/v2/users/{}", urlencode(&some_user))).await;
    assert_eq!((one.status, one.json()["errorCode"].clone()), (404, json!("inexistent_user")), "{}", one.text());
    // It may not create a key without its scope, or with another one…
    for body in [
        json!({"name": "wide", "access": "users=read"}),
        json!({"name": "other", "access": "users=read", "userScope": {"connection": "Username-Password-Authentication"}}),
    ] {
        let r = create(&agent, body).await;
        assert_eq!((r.status, r.json()["errorCode"].clone()), (403, json!("gatehouse_escalation")), "{}", r.text());
    }
    // …but may with its own.
    let r = create(&agent, json!({"name": "same", "access": "users=read", "userScope": scope})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // A scope that is not one is refused.
    let r = create(&admin, json!({"name": "bad", "access": "users=read", "userScope": {"department": "x"}})).await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (400, json!("invalid_body")), "{}", r.text());
}

fn urlencode(s: &str) -> String {
    s.replace('|', "%7C")
}
