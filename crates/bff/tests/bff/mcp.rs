//! `/mcp` through the official Rust MCP SDK's client (`rmcp`, streamable
//! HTTP): the tools a key sees, reads, denied writes, the audit entries,
//! the share of the rate limit; and, with plain HTTP, what is refused
//! before the SDK sees a request (keys, cookies, origins, sizes).

use crate::Harness;
use gatehouse_bff::{AuditQuery, Decision, Grants};
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RunningService, ServiceExt as _};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

/// A harness with two more keys: `nodelete` (`users=full,users.delete=off`)
/// and `revoked`, created and then revoked through the configuration file
/// (so the BFF never admits it).
async fn harness_with(setup: impl FnOnce(&mut gatehouse_bff::Config)) -> Harness {
    let (nodelete_key, nodelete) =
        gatehouse_bff::apikeys::generate(Grants::parse_list("users=full,users.delete=off").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    let (revoked_key, _) =
        gatehouse_bff::apikeys::create("revoked", Grants::parse_list("users=read").unwrap(), Some(&file)).unwrap();
    assert!(gatehouse_bff::apikeys::remove_from_file(&file, "revoked").unwrap());
    let from_file = gatehouse_bff::Config::from_file(&file).unwrap();
    let mut h = Harness::with(|c, _| {
        c.api_keys.insert("nodelete".into(), nodelete);
        c.api_keys.extend(from_file.api_keys);
        setup(c);
    })
    .await;
    h.keys.insert("nodelete".into(), nodelete_key);
    h.keys.insert("revoked".into(), revoked_key);
    h
}

/// An MCP client of the SDK, connected with a key.
pub async fn connect(h: &Harness, key: &str) -> RunningService<RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", h.bff.url())).auth_header(key);
    let transport = StreamableHttpClientTransport::from_config(config);
    ().serve(transport).await.expect("the MCP client connects")
}

async fn tools(h: &Harness, name: &str) -> Vec<Tool> {
    let client = connect(h, &h.keys[name]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    client.cancel().await.ok();
    tools
}

pub async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args.as_object().unwrap().clone());
    client.call_tool(params).await.unwrap_or_else(|e| panic!("{tool}: {e}"))
}

pub fn text(r: &CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

pub fn names(tools: &[Tool]) -> Vec<String> {
    tools.iter().map(|t| t.name.to_string()).collect()
}

#[tokio::test]
async fn each_key_sees_exactly_the_tools_its_access_allows() {
    let h = harness_with(|_| {}).await;
    let reader = tools(&h, "reader").await;
    let names_r = names(&reader);
    for t in ["users_list", "users_get", "users_roles_list", "logs_list"] {
        assert!(names_r.contains(&t.to_owned()), "reader lacks {t}");
    }
    for t in ["users_delete", "users_create", "roles_list", "clients_list"] {
        assert!(!names_r.contains(&t.to_owned()), "reader sees {t}");
    }
    for t in &reader {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{} is listed to a read-only key", t.name);
    }
    assert!(!names_r.iter().any(|n| n.starts_with("teams_")), "Teams is not configured");

    let nodelete = names(&tools(&h, "nodelete").await);
    assert!(nodelete.contains(&"users_create".to_owned()) && nodelete.contains(&"users_update".to_owned()));
    assert!(!nodelete.contains(&"users_delete".to_owned()), "users.delete=off hides users_delete");

    let operator = tools(&h, "operator").await;
    let delete = operator.iter().find(|t| t.name == "users_delete").expect("operator may delete users");
    let a = delete.annotations.as_ref().unwrap();
    assert_eq!((a.read_only_hint, a.destructive_hint, a.idempotent_hint), (Some(false), Some(true), Some(true)));
    assert_eq!(delete.input_schema["required"], json!(["id"]));
    let list = operator.iter().find(|t| t.name == "users_list").unwrap();
    assert_eq!(list.input_schema["properties"]["per_page"]["type"], "integer");
    let create = operator.iter().find(|t| t.name == "users_create").unwrap();
    let body = &create.input_schema["properties"]["body"];
    assert_eq!(body["type"], "object");
    // The body's schema is the generated one: its fields, and every
    // definition it refers to hoisted to the input schema's root.
    assert!(body["properties"]["connection"].is_object(), "{body}");
    assert_eq!(body["required"], json!(["connection"]));
    let text = serde_json::to_string(&create.input_schema).unwrap();
    for reference in text.split("\"#/$defs/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(create.input_schema["$defs"][name].is_object(), "{name} is not defined");
    }
    // Every tool's schema stays small enough to list them all to an agent.
    for t in &operator {
        let size = serde_json::to_string(&t.input_schema).unwrap().len();
        assert!(size <= 24 * 1024, "{}: {size} bytes", t.name);
    }
}

#[tokio::test]
async fn a_read_returns_the_tenants_json_with_the_next_page_and_is_audited() {
    let h = harness_with(|_| {}).await;
    let client = connect(&h, &h.keys["reader"]).await;
    let r = call(&client, "users_list", json!({"per_page": 2})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let s = r.structured_content.clone().expect("structured content");
    let users = s["result"].as_array().expect("a page of users");
    assert_eq!(users.len(), 2);
    assert!(users[0]["user_id"].is_string());
    let listed: Value = serde_json::from_str(&r.content[0].as_text().unwrap().text).expect("the text is the JSON");
    assert_eq!(&listed, &s["result"]);
    assert_eq!(s["next"], json!({"page": 1, "per_page": 2}), "a full page says how to get the next");

    // Without paging arguments the first page comes with totals.
    let r = call(&client, "users_list", json!({})).await;
    let s = r.structured_content.unwrap();
    assert!(s["result"]["total"].as_u64().unwrap() > 0 && s["result"]["users"].is_array(), "{s}");

    let entry = h.last_audit();
    assert_eq!(entry.principal, "reader");
    assert_eq!(entry.operation.as_deref(), Some("users.list"));
    assert_eq!(entry.decision, Decision::Allowed);
    assert!(entry.sentence.starts_with("reader listed users"), "{}", entry.sentence);

    // A tenant error comes back as a tool error naming Auth0's status and code.
    let r = call(&client, "users_get", json!({"id": "auth0|nobody-here"})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).starts_with("Auth0 answered 404"), "{}", text(&r));
    assert_eq!(r.structured_content.unwrap()["status"], 404);
    client.cancel().await.ok();
}

#[tokio::test]
async fn writes_beyond_the_policy_are_tool_errors_and_audited_denials() {
    let h = harness_with(|_| {}).await;
    let user = h.some_user_id().await;
    for key in ["reader", "nodelete"] {
        let client = connect(&h, &h.keys[key]).await;
        // Hidden from the list, and refused when called anyway.
        let r = call(&client, "users_delete", json!({"id": user})).await;
        assert_eq!(r.is_error, Some(true), "{key}");
        let t = text(&r);
        assert!(t.contains("Gatehouse refused this call (403 gatehouse_denied)"), "{t}");
        assert!(t.contains("needs users.delete:full"), "{t}");
        assert_eq!(r.structured_content.unwrap()["missing"], "users.delete:full");
        let entry = h.last_audit();
        assert_eq!((entry.principal.as_str(), entry.decision), (key, Decision::Denied));
        assert_eq!(entry.operation.as_deref(), Some("users.delete"));
        assert!(entry.sentence.starts_with(&format!("{key} was denied deleting user")), "{}", entry.sentence);
        client.cancel().await.ok();
    }
    let (status, _) = h.direct(reqwest::Method::GET, &format!("/api/v2/users/{}", enc(&user)), None).await;
    assert_eq!(status, 200, "the user is still there");

    // Bad arguments are tool errors too, and nothing is sent.
    let client = connect(&h, &h.keys["nodelete"]).await;
    let r = call(&client, "users_get", json!({})).await;
    assert_eq!(r.is_error, Some(true));
    assert!(text(&r).contains("`id` is required"), "{}", text(&r));
    let r = call(&client, "users_list", json!({"per_page": "many"})).await;
    assert_eq!(r.is_error, Some(true), "{}", text(&r));
    // An allowed write goes through, audited with its phrase.
    let r = call(&client, "users_update", json!({"id": user, "body": {"blocked": true}})).await;
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let entry = h.last_audit();
    assert_eq!((entry.principal.as_str(), entry.decision), ("nodelete", Decision::Allowed));
    assert!(entry.sentence.starts_with("nodelete blocked user"), "{}", entry.sentence);
    let denied = h.audit(AuditQuery { decision: Some(Decision::Denied), ..AuditQuery::default() });
    assert_eq!(denied.len(), 2);
    client.cancel().await.ok();
}

fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

/// An `initialize` request, as any MCP client sends first.
pub fn initialize() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    }))
    .unwrap()
}

#[tokio::test]
async fn keys_cookies_origins_and_sizes_are_checked_before_the_sdk() {
    let h = harness_with(|_| {}).await;
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/mcp", h.bff.url()))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let bearer = |k: &str| ("authorization", format!("Bearer {k}"));
    let (status, body) = post(vec![], initialize()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["errorCode"], "gatehouse_unauthenticated");
    for wrong in ["gk_not-a-key", h.keys["revoked"].as_str(), "Bearer"] {
        let (status, body) = post(vec![bearer(wrong)], initialize()).await;
        assert_eq!(status, 401, "{wrong}: {body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["errorCode"], "gatehouse_invalid_api_key");
    }
    // A signed-in admin's session cookie does not authenticate an MCP call.
    let admin = h.login("admin@demo.test").await;
    let cookie = admin.cookie(gatehouse_bff::security::SESSION_COOKIE).expect("a session");
    let (status, body) =
        post(vec![("cookie", format!("{}={cookie}", gatehouse_bff::security::SESSION_COOKIE))], initialize()).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("does not authenticate /mcp"), "{body}");
    // A page of another origin (DNS rebinding) is refused; the BFF's own origin passes.
    let key = h.keys["reader"].clone();
    let (status, body) = post(vec![bearer(&key), ("origin", "http://evil.example".into())], initialize()).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["errorCode"], "gatehouse_origin");
    let (status, body) = post(vec![bearer(&key), ("origin", h.bff.url().to_owned())], initialize()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["result"]["serverInfo"]["name"], "gatehouse");
    // Bodies over the BFF's limit are refused.
    let big = vec![b' '; h.config.max_body_bytes + 1];
    let (status, _) = post(vec![bearer(&key)], big).await;
    assert_eq!(status, 413);
    // No session stream: GET is 405, as the transport allows.
    let r = reqwest::Client::new()
        .get(format!("{}/mcp", h.bff.url()))
        .header("authorization", format!("Bearer {key}"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    // None of this reached the audit log as a call of the tenant.
    assert!(h.audit(AuditQuery::default()).iter().all(|e| e.operation.as_deref() != Some("users.list")));
}

#[tokio::test]
async fn an_agent_gets_its_share_of_the_rate_limit() {
    let h = harness_with(|c| {
        c.pacing.rate_per_second = 2.0;
        c.pacing.burst = 4;
        c.pacing.api_key_share = 0.5;
    })
    .await;
    let client = connect(&h, &h.keys["reader"]).await;
    for _ in 0..2 {
        let r = call(&client, "users_list", json!({"per_page": 1})).await;
        assert_ne!(r.is_error, Some(true), "{}", text(&r));
    }
    let r = call(&client, "users_list", json!({"per_page": 1})).await;
    assert_eq!(r.is_error, Some(true));
    let t = text(&r);
    assert!(t.contains("429 gatehouse_share_exceeded") && t.contains("share (50%)"), "{t}");
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Denied);
    assert!(entry.sentence.starts_with("reader was held back from listing users"), "{}", entry.sentence);
    // Another key has its own share; the clock refills it.
    let other = connect(&h, &h.keys["operator"]).await;
    assert_ne!(call(&other, "users_list", json!({"per_page": 1})).await.is_error, Some(true));
    h.clock.advance(std::time::Duration::from_secs(1));
    assert_ne!(call(&client, "users_list", json!({"per_page": 1})).await.is_error, Some(true));
    client.cancel().await.ok();
    other.cancel().await.ok();
}
