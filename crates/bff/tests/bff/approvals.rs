//! Approvals: a principal holding `approve` on a write waits for a human.
//! Approved, denied, timed out, cancelled; who may decide (never oneself,
//! never beyond one's own access, CSRF for sessions); the audit entries of
//! the call and of the decision and their links; and the same through the
//! official Rust MCP SDK's client.

use crate::Harness;
use crate::browser::Browser;
use gatehouse_bff::{AuditQuery, Decision, Grants};
use reqwest::Method;
use rmcp::model::CallToolRequestParams;
use rmcp::service::ServiceExt as _;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use std::time::Duration;

/// Keys of these tests, with their access.
const KEYS: &[(&str, &str)] = &[
    // The agent: reads users; deleting and updating one wait for approval.
    ("agent", "users=read,users.delete=approve,users.update=approve"),
    // Decides, and could make the calls itself.
    ("approver", "users=full,clients=full,approvals=full"),
    // May decide, but could not delete a user itself.
    ("weak", "users=read,approvals=full"),
    // Sees requests, decides none.
    ("watcher", "approvals=read"),
    // Updates applications only with approval.
    ("clients-agent", "clients=read,clients.update=approve"),
    // Asks and may decide: but never its own request.
    ("selfish", "users.delete=approve,users=full,approvals=full"),
];

async fn harness(timeout_secs: u64, max_pending: u32) -> Harness {
    let mut made = Vec::new();
    let mut h = Harness::with(|c, _| {
        c.approvals.timeout_secs = timeout_secs;
        c.approvals.max_pending = max_pending;
        for (name, access) in KEYS {
            let (key, entry) = gatehouse_bff::apikeys::generate(Grants::parse_list(access).unwrap());
            c.api_keys.insert((*name).to_owned(), entry);
            made.push(((*name).to_owned(), key));
        }
    })
    .await;
    h.keys.extend(made);
    h
}

/// Waits until a pending request of `principal` shows in `GET /approvals`.
async fn pending_of(viewer: &Browser, principal: &str) -> Value {
    for _ in 0..200 {
        let r = viewer.api_get("/approvals").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let body = r.json();
        if let Some(a) = body["approvals"].as_array().unwrap().iter().find(|a| a["principal"] == principal) {
            assert!(body["pending"].as_u64().unwrap() >= 1);
            return a.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no pending approval request of {principal}");
}

async fn decide(b: &Browser, id: &str, body: Value) -> crate::browser::Resp {
    b.api(Method::POST, &format!("/approvals/{id}"), Some(body)).await
}

/// The audit entries linked to an approval request, newest first.
fn linked(h: &Harness, id: &str) -> Vec<gatehouse_bff::AuditRecord> {
    h.audit(AuditQuery { approval: Some(id.to_owned()), ..AuditQuery::default() })
}

#[tokio::test]
async fn an_approved_delete_runs_and_the_audit_links_both_ways() {
    let h = harness(30, 10).await;
    let user = h.some_user_id().await;
    let agent = h.key_client("agent");
    let approver = h.key_client("approver");
    let path = format!("/api/v2/users/{}", user.replace('|', "%7C"));
    let call = tokio::spawn({
        let (agent, path) = (agent.clone(), path.clone());
        async move { agent.api(Method::DELETE, &path, None).await }
    });
    let a = pending_of(&approver, "agent").await;
    let id = a["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("apr_"), "{a}");
    assert_eq!(a["status"], "pending");
    assert_eq!(
        (&a["principalKind"], &a["via"], &a["operation"]),
        (&json!("api_key"), &json!("api"), &json!("users.delete"))
    );
    assert_eq!((&a["method"], &a["params"]), (&json!("DELETE"), &json!({"id": user})));
    let sentence = a["sentence"].as_str().unwrap();
    assert!(sentence.starts_with("agent asks to delete user ") && sentence.contains(&user), "{sentence}");
    assert!(a["body"].is_null() && a["changes"].is_null() && a["decidedBy"].is_null(), "{a}");
    assert!(a["expiresAt"].as_str().unwrap() > a["requestedAt"].as_str().unwrap());
    assert!(!call.is_finished(), "the call waits for the decision");
    // The agent still exists upstream while it waits.
    assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 200);

    let r = decide(&approver, &id, json!({"decision": "approve", "reason": "cleanup ticket 42"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let decided = r.json();
    assert_eq!((&decided["status"], &decided["decidedBy"]), (&json!("approved"), &json!("approver")));
    assert_eq!(decided["reason"], "cleanup ticket 42");

    let done = call.await.unwrap();
    assert_eq!(done.status, 204, "{}", done.text());
    assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 404, "deleted once approved");

    // Deciding again: closed.
    let again = decide(&approver, &id, json!({"decision": "deny"})).await;
    assert_eq!((again.status, again.json()["errorCode"].clone()), (409, json!("gatehouse_approval_closed")));

    // The call's entry and the decision's, linked to the request; the request links to the call's.
    let entries = linked(&h, &id);
    let call_entry = entries.iter().find(|e| e.principal == "agent").expect("the call's entry");
    assert_eq!(call_entry.status, Some(204));
    assert_eq!(call_entry.via.as_deref(), Some("api"));
    assert!(call_entry.sentence.ends_with("approved by approver"), "{}", call_entry.sentence);
    let decision =
        entries.iter().find(|e| e.operation.as_deref() == Some("DecideApproval") && e.status == Some(200)).unwrap();
    assert_eq!(decision.principal, "approver");
    assert!(
        decision.sentence.starts_with("approver approved agent's request to delete user "),
        "{}",
        decision.sentence
    );
    assert!(decision.sentence.ends_with(": cleanup ticket 42"), "{}", decision.sentence);
    let shown = approver.api_get(&format!("/approvals/{id}")).await.json();
    assert_eq!(shown["auditId"], json!(call_entry.id));
    // The audit endpoint filters by approval and shows the new fields.
    let r = approver.api_get(&format!("/audit?approval={id}")).await;
    assert_eq!(r.status, 403, "the approver may not read the audit log");
    let admin = h.login("admin@demo.test").await;
    let r = admin.api_get(&format!("/audit?approval={id}")).await.json();
    let listed = r["entries"].as_array().unwrap();
    assert!(listed.len() >= 2 && listed.iter().all(|e| e["approval"] == json!(id)), "{r}");
    assert!(listed.iter().any(|e| e["via"] == "api"));
    assert_eq!(admin.api_get("/audit?via=mcp").await.json()["total"], 0);
    assert_eq!(admin.api_get("/audit?via=telnet").await.status, 400);
}

#[tokio::test]
async fn a_denied_update_is_refused_with_the_reason_and_shows_what_would_change() {
    let h = harness(30, 10).await;
    let user = h.some_user_id().await;
    let agent = h.key_client("agent");
    let approver = h.key_client("approver");
    let path = format!("/api/v2/users/{}", user.replace('|', "%7C"));
    let call = tokio::spawn({
        let (agent, path) = (agent.clone(), path.clone());
        async move { agent.api(Method::PATCH, &path, Some(json!({"blocked": true, "nickname": "zed"}))).await }
    });
    let a = pending_of(&approver, "agent").await;
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["body"], json!({"blocked": true, "nickname": "zed"}));
    let changes = a["changes"].as_array().expect("an update says what would change");
    let blocked = changes.iter().find(|c| c["field"] == "blocked").unwrap();
    assert_eq!(blocked["after"], true);
    assert_ne!(blocked["before"], true, "the user is not blocked now");
    let nick = changes.iter().find(|c| c["field"] == "nickname").unwrap();
    let (_, current) = h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await;
    assert_eq!(nick["before"], current["nickname"]);
    assert!(a["sentence"].as_str().unwrap().contains("block"), "{a}");

    let r = decide(&approver, &id, json!({"decision": "deny", "reason": "not during the audit"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "denied");
    let done = call.await.unwrap();
    assert_eq!(done.status, 403, "{}", done.text());
    let body = done.json();
    assert_eq!(
        (&body["errorCode"], &body["approval"], &body["reason"]),
        (&json!("gatehouse_approval_denied"), &json!(id), &json!("not during the audit"))
    );
    assert!(body["message"].as_str().unwrap().contains("approver denied"), "{body}");
    let (_, after) = h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await;
    assert_ne!(after["blocked"], true, "nothing was sent");
    let entry = linked(&h, &id).into_iter().find(|e| e.principal == "agent").unwrap();
    assert_eq!((entry.decision, entry.status), (Decision::Denied, Some(403)));
    assert_eq!(approver.api_get(&format!("/approvals/{id}")).await.json()["auditId"], json!(entry.id));
}

#[tokio::test]
async fn no_decision_in_time_expires_the_request() {
    let h = harness(1, 10).await;
    let user = h.some_user_id().await;
    let agent = h.key_client("agent");
    let started = std::time::Instant::now();
    let r = agent.api(Method::DELETE, &format!("/api/v2/users/{}", user.replace('|', "%7C")), None).await;
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited");
    assert_eq!(r.status, 403, "{}", r.text());
    let body = r.json();
    assert_eq!(body["errorCode"], "gatehouse_approval_timeout");
    let id = body["approval"].as_str().unwrap();
    assert!(body["message"].as_str().unwrap().contains("within 1 s"), "{body}");
    let a = h.key_client("approver").api_get(&format!("/approvals/{id}")).await.json();
    assert_eq!(a["status"], "expired");
    assert!(a["decidedBy"].is_null());
    assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 200, "not deleted");
    let r = decide(&h.key_client("approver"), id, json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (409, json!("gatehouse_approval_closed")));
    let listed = h.key_client("watcher").api_get("/approvals?status=expired").await.json();
    assert_eq!(listed["approvals"][0]["id"], json!(id));
    assert_eq!(listed["pending"], 0);
}

#[tokio::test]
async fn who_may_decide() {
    let h = harness(30, 10).await;
    let user = h.some_user_id().await;
    let path = format!("/api/v2/users/{}", user.replace('|', "%7C"));
    let selfish = h.key_client("selfish");
    let call = tokio::spawn({
        let (selfish, path) = (selfish.clone(), path.clone());
        async move { selfish.api(Method::DELETE, &path, None).await }
    });
    let a = pending_of(&h.key_client("watcher"), "selfish").await;
    let id = a["id"].as_str().unwrap().to_owned();

    let r = decide(&selfish, &id, json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (403, json!("gatehouse_self_approval")), "never one's own");
    let r = decide(&h.key_client("weak"), &id, json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (403, json!("gatehouse_escalation")), "{}", r.text());
    assert_eq!(r.json()["missing"], json!(["users.delete:full"]));
    let r = decide(&h.key_client("watcher"), &id, json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["missing"].clone()), (403, json!("approvals:full")));
    let r = h.key_client("reader").api_get("/approvals").await;
    assert_eq!((r.status, r.json()["missing"].clone()), (403, json!("approvals:read")));
    assert_eq!(h.key_client("reader").api_get(&format!("/approvals/{id}")).await.status, 403);
    assert_eq!(h.browser().api_get("/approvals").await.status, 401);

    let approver = h.key_client("approver");
    for bad in [
        json!({"decision": "maybe"}),
        json!({"decision": "approve", "extra": 1}),
        json!({}),
        json!({"decision": "deny", "reason": "x".repeat(501)}),
    ] {
        let r = decide(&approver, &id, bad.clone()).await;
        assert_eq!((r.status, r.json()["errorCode"].clone()), (400, json!("invalid_body")), "{bad}");
    }
    let r = approver.send(Method::POST, &format!("/approvals/{id}"), &[], Some(b"{not json".to_vec())).await;
    assert_eq!(r.status, 400);
    let r = decide(&approver, "apr_nope", json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (404, json!("gatehouse_no_such_approval")));
    assert_eq!(approver.api_get("/approvals/apr_nope").await.status, 404);
    assert_eq!(approver.api_get("/approvals?status=bogus").await.status, 400);
    // Refusals are audited, linked to the request.
    let refusals = linked(&h, &id);
    assert!(refusals.iter().any(|e| e.principal == "selfish" && e.decision == Decision::Denied), "{refusals:?}");
    assert!(refusals.iter().any(|e| e.principal == "weak" && e.sentence.contains("users.delete:full")), "{refusals:?}");
    assert_eq!(approver.api_get(&format!("/approvals/{id}")).await.json()["status"], "pending", "still waiting");

    // A signed-in admin decides through the console's rules: CSRF first.
    let admin = h.login("admin@demo.test").await;
    let r = admin
        .send(
            Method::POST,
            &format!("/approvals/{id}"),
            &[("content-type", "application/json")],
            Some(br#"{"decision":"approve"}"#.to_vec()),
        )
        .await;
    assert_eq!((r.status, r.json()["errorCode"].clone()), (403, json!("gatehouse_csrf")), "no X-CSRF");
    let r = admin
        .send(
            Method::POST,
            &format!("/approvals/{id}"),
            &[("x-csrf", "1"), ("origin", "https://evil.test"), ("content-type", "application/json")],
            Some(br#"{"decision":"approve"}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, 403, "foreign origin");
    let r = admin
        .send(
            Method::POST,
            &format!("/approvals/{id}"),
            &[("x-csrf", "1"), ("content-type", "text/plain")],
            Some(br#"{"decision":"approve"}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, 403, "not JSON");
    assert_eq!(approver.api_get(&format!("/approvals/{id}")).await.json()["status"], "pending");
    let r = decide(&admin, &id, json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["decidedBy"], "admin@demo.test");
    assert_eq!(call.await.unwrap().status, 204);
    let decision =
        linked(&h, &id).into_iter().find(|e| e.status == Some(200) && e.principal == "admin@demo.test").unwrap();
    assert_eq!(decision.via.as_deref(), Some("console"));
    // The console's page loads of /approvals get the console, not JSON.
    for path in ["/approvals".to_owned(), format!("/approvals/{id}")] {
        let page = admin.send(Method::GET, &path, &[("accept", "text/html")], None).await;
        assert!(page.header("content-type").unwrap_or_default().starts_with("text/html"), "{path}: {}", page.text());
        let api = admin.api_get(&path).await;
        assert!(api.header("content-type").unwrap_or_default().contains("json"), "{path}");
    }
}

#[tokio::test]
async fn reads_and_read_levels_never_wait() {
    let h = harness(30, 10).await;
    let agent = h.key_client("agent");
    let r = agent.api_get("/api/v2/users?per_page=1").await;
    assert_eq!(r.status, 200, "a read under approve runs at once");
    let user = h.some_user_id().await;
    let r =
        h.key_client("reader").api(Method::DELETE, &format!("/api/v2/users/{}", user.replace('|', "%7C")), None).await;
    assert_eq!(
        (r.status, r.json()["errorCode"].clone()),
        (403, json!("gatehouse_denied")),
        "read refuses writes at once"
    );
    let r = agent.api(Method::POST, "/api/v2/users", Some(json!({"connection": "x"}))).await;
    assert_eq!(r.status, 403, "users.create is not under approve");
    let all = h.key_client("approver").api_get("/approvals?status=all").await.json();
    assert_eq!(all["approvals"], json!([]), "nothing asked");
    // An invalid body is refused before anyone is asked.
    let r =
        agent.api(Method::DELETE, &format!("/api/v2/users/{}", user.replace('|', "%7C")), Some(json!({"x": 1}))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(h.key_client("approver").api_get("/approvals?status=all").await.json()["approvals"], json!([]));
}

#[tokio::test]
async fn waiting_requests_are_limited_and_a_caller_that_leaves_cancels() {
    let h = harness(30, 1).await;
    let user = h.some_user_id().await;
    let path = format!("/api/v2/users/{}", user.replace('|', "%7C"));
    // A caller that gives up after a moment.
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(700)).build().unwrap();
    let first = tokio::spawn({
        let (url, key) = (format!("{}{path}", h.bff.url()), h.keys["agent"].clone());
        async move { impatient.delete(url).bearer_auth(key).send().await }
    });
    let a = pending_of(&h.key_client("watcher"), "agent").await;
    let id = a["id"].as_str().unwrap().to_owned();
    let r = h.key_client("agent").api(Method::DELETE, &path, None).await;
    assert_eq!(
        (r.status, r.json()["errorCode"].clone()),
        (429, json!("gatehouse_too_many_approvals")),
        "one may wait at once"
    );
    assert!(first.await.unwrap().is_err(), "the first caller timed out");
    let mut status = Value::Null;
    for _ in 0..100 {
        status = h.key_client("watcher").api_get(&format!("/approvals/{id}")).await.json()["status"].clone();
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "cancelled");
    let mut entry = None;
    for _ in 0..100 {
        entry = linked(&h, &id).into_iter().find(|e| e.principal == "agent");
        if entry.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entry = entry.expect("the cancellation is audited");
    assert!(entry.sentence.contains("stopped waiting"), "{}", entry.sentence);
    assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 200, "not deleted");
}

#[tokio::test]
async fn through_the_rust_mcp_sdk_granted_denied_and_timed_out() {
    let h = harness(2, 10).await;
    let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", h.bff.url()))
        .auth_header(h.keys["agent"].clone());
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("connects");
    let tools = client.list_all_tools().await.unwrap();
    let delete = tools.iter().find(|t| t.name == "users_delete").expect("a tool needing approval is listed");
    assert!(delete.description.as_deref().unwrap().contains("Needs a human's approval"), "{delete:?}");
    let list = tools.iter().find(|t| t.name == "users_list").unwrap();
    assert!(!list.description.as_deref().unwrap().contains("approval"));
    assert!(!tools.iter().any(|t| t.name == "users_create"));

    let users: Vec<String> = {
        let (_, all) = h.direct(Method::GET, "/api/v2/users?per_page=20", None).await;
        all.as_array()
            .unwrap()
            .iter()
            .filter(|u| !u["email"].as_str().unwrap_or("").ends_with("@demo.test"))
            .map(|u| u["user_id"].as_str().unwrap().to_owned())
            .take(3)
            .collect()
    };
    let client = std::sync::Arc::new(client);
    let approver = h.key_client("approver");
    let mut ids = Vec::new();
    for (user, decision) in users.iter().zip([Some("approve"), Some("deny"), None]) {
        let call = tokio::spawn({
            let (client, user) = (client.clone(), user.clone());
            async move {
                let params = CallToolRequestParams::new("users_delete")
                    .with_arguments(json!({"id": user}).as_object().unwrap().clone());
                client.call_tool(params).await.unwrap()
            }
        });
        let a = pending_of(&approver, "agent").await;
        assert_eq!(a["via"], "mcp");
        let id = a["id"].as_str().unwrap().to_owned();
        if let Some(d) = decision {
            assert_eq!(decide(&approver, &id, json!({"decision": d, "reason": "checked"})).await.status, 200);
        }
        let result = call.await.unwrap();
        let text: String = result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
        match decision {
            Some("approve") => {
                assert_ne!(result.is_error, Some(true), "{text}");
                assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 404);
            }
            Some(_) => {
                assert_eq!(result.is_error, Some(true));
                assert!(text.contains("gatehouse_approval_denied") && text.contains(&id), "{text}");
                let s = result.structured_content.unwrap();
                assert_eq!((&s["approval"], &s["reason"]), (&json!(id), &json!("checked")));
            }
            None => {
                assert_eq!(result.is_error, Some(true));
                assert!(text.contains("gatehouse_approval_timeout") && text.contains(&id), "{text}");
                assert_eq!(approver.api_get(&format!("/approvals/{id}")).await.json()["status"], "expired");
                assert_eq!(h.direct(Method::GET, &format!("/api/v2/users/{user}"), None).await.0, 200);
            }
        }
        ids.push(id);
    }
    for id in &ids {
        let entry = linked(&h, id).into_iter().find(|e| e.principal == "agent").expect("the call's entry");
        assert_eq!(entry.via.as_deref(), Some("mcp"), "{}", entry.sentence);
    }
    let mcp_calls = h.audit(AuditQuery { via: Some("mcp".into()), ..AuditQuery::default() });
    assert_eq!(mcp_calls.len(), 3, "{mcp_calls:?}");
}

#[tokio::test]
async fn an_approval_request_never_shows_a_secret() {
    let h = harness(30, 10).await;
    let own = [h.emulator().client_id.clone(), h.emulator().web_client_id.clone()];
    let (_, clients) = h.direct(Method::GET, "/api/v2/clients?fields=client_id,client_secret&per_page=50", None).await;
    let client = clients
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_secret"].is_string() && !own.contains(&c["client_id"].as_str().unwrap().to_owned()))
        .expect("a client with a secret")
        .clone();
    let (id, secret) = (client["client_id"].as_str().unwrap(), client["client_secret"].as_str().unwrap());
    let agent = h.key_client("clients-agent");
    let call = tokio::spawn({
        let (agent, path) = (agent.clone(), format!("/api/v2/clients/{id}"));
        async move {
            agent
                .api(Method::PATCH, &path, Some(json!({"client_secret": "a-new-secret-0123456789", "name": "renamed"})))
                .await
        }
    });
    let approver = h.key_client("approver");
    let a = pending_of(&approver, "clients-agent").await;
    let text = a.to_string();
    assert!(!text.contains(secret) && !text.contains("a-new-secret-0123456789"), "{text}");
    assert_eq!(a["body"]["client_secret"], "[redacted]");
    let changes = a["changes"].as_array().unwrap();
    let name = changes.iter().find(|c| c["field"] == "name").unwrap();
    assert_eq!(name["after"], "renamed");
    assert!(name["before"].is_string());
    let r = decide(&approver, a["id"].as_str().unwrap(), json!({"decision": "deny"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(call.await.unwrap().status, 403);
}
