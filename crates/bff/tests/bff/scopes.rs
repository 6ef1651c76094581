//! Object scopes: a key or a role held to a user scope (an organization, a
//! connection, `app_metadata` values) lists, reads, changes, deletes,
//! assigns and creates only users inside it; a user outside it answers
//! exactly as an unknown user does, and the audit log says why.

use crate::Harness;
use crate::browser::{Browser, Resp};
use gatehouse_bff::policy::Policy;
use gatehouse_bff::{AuditQuery, Decision, Grants};
use gatehouse_model::scope::UserScope;
use reqwest::Method;
use serde_json::{Value, json};

const DB: &str = "Username-Password-Authentication";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A harness with one API key `scoped` of this access and user scope,
/// created as `--create-api-key scoped --user-scope …` does (into a
/// configuration file, read back), and optionally a policy.
async fn with_key(access: &str, scope: &str, policy: Option<Policy>) -> (Harness, Browser) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    let scope = Some(UserScope::parse_list(scope).unwrap());
    let (key, _) = gatehouse_bff::apikeys::create_scoped(
        "scoped",
        Grants::parse_list(access).unwrap(),
        scope.clone(),
        Some(&file),
    )
    .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("user_scope = {"), "{text}");
    let from_file = gatehouse_bff::Config::from_file(&file).unwrap();
    assert_eq!(from_file.api_keys["scoped"].user_scope, scope);
    let mut h = Harness::with(|config, _| {
        config.api_keys.extend(from_file.api_keys);
        config.policy = policy;
    })
    .await;
    h.keys.insert("scoped".into(), key);
    let b = h.key_client("scoped");
    (h, b)
}

/// Whether a user is one of the demo admins (whom the escalation rules guard besides).
fn admin(u: &Value) -> bool {
    u["email"].as_str().is_some_and(|e| e.ends_with("@demo.test"))
}

/// Every user of the tenant, read directly from the emulator.
async fn all_users(h: &Harness) -> Vec<Value> {
    let (status, users) = h.direct(Method::GET, "/api/v2/users?per_page=100", None).await;
    assert_eq!(status, 200, "{users}");
    users.as_array().unwrap().clone()
}

fn id(u: &Value) -> String {
    u["user_id"].as_str().unwrap().to_owned()
}

fn connection_is(u: &Value, name: &str) -> bool {
    u["identities"].as_array().is_some_and(|ids| ids.iter().any(|i| i["connection"] == name))
}

fn ids_of(list: &Value) -> Vec<String> {
    let items = list.get("users").unwrap_or(list);
    let mut ids: Vec<String> = items.as_array().expect("a list of users").iter().map(id).collect();
    ids.sort();
    ids
}

/// What the tenant itself answers for a user that does not exist.
async fn unknown_user_body(h: &Harness) -> Value {
    let (status, body) = h.direct(Method::GET, "/api/v2/users/auth0%7Cno-such-user", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["errorCode"], "inexistent_user");
    body
}

/// A 404 exactly like the tenant's for an unknown user, audited as denied by the scope.
fn hidden(h: &Harness, r: &Resp, unknown: &Value) {
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(&r.json(), unknown, "the answer is the tenant's own for an unknown user");
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Denied);
    assert_eq!(entry.status, Some(404));
    assert!(entry.sentence.contains("is outside its scope"), "{}", entry.sentence);
    assert!(entry.sentence.contains("answered as if there were no such user"), "{}", entry.sentence);
}

/// A 403 `gatehouse_out_of_scope`, audited as denied.
fn out_of_scope(h: &Harness, r: &Resp) {
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["errorCode"], "gatehouse_out_of_scope", "{}", r.text());
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Denied);
    assert_eq!(entry.reason.as_deref(), Some("outside its user scope"));
}

async fn list(b: &Browser, q: Option<&str>) -> Resp {
    let path = match q {
        Some(q) => format!("/api/v2/users?per_page=100&include_totals=true&q={}", enc(q)),
        None => "/api/v2/users?per_page=100&include_totals=true".to_owned(),
    };
    b.api_get(&path).await
}

/// Lists (hostile queries too) that find only users inside the scope.
async fn lists_stay_inside(h: &Harness, b: &Browser, inside: &[String]) {
    let r = list(b, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids_of(&r.json()), inside, "the list is exactly the users in scope");
    assert_eq!(r.json()["total"], inside.len(), "the total counts only them");
    for q in ["x OR identities.connection:*", "* OR *", "(*) OR (user_id:*)", "NOT user_id:\"none\""] {
        let r = list(b, Some(q)).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        assert_eq!(ids_of(&r.json()), inside, "{q}");
    }
    for q in ["*) OR (*", "x\\", "\"open", "(", ")", "a:[1 TO )]"] {
        let r = list(b, Some(q)).await;
        assert_eq!(r.status, 400, "{q}: {}", r.text());
        assert_eq!(r.json()["errorCode"], "gatehouse_scope_query");
        assert_eq!(h.last_audit().outcome, gatehouse_bff::Outcome::NotSent, "{q} never reached the tenant");
    }
}

/// A role given to an insider and an outsider in one call is refused, and nothing is assigned.
async fn bulk_with_outsider(h: &Harness, b: &Browser, insider: &str, outsider: &str) {
    let (_, roles) = h.direct(Method::GET, "/api/v2/roles", None).await;
    let role =
        roles.as_array().unwrap().iter().find(|r| r["name"] == "Developer").unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v2/roles/{role}/users");
    let r = b.api(Method::POST, &path, Some(json!({"users": [insider, outsider]}))).await;
    out_of_scope(h, &r);
    let (_, holders) = h.direct(Method::GET, &format!("{path}?per_page=100"), None).await;
    assert!(!holders.to_string().contains(outsider) && !holders.to_string().contains(insider), "nothing was assigned");
}

#[tokio::test]
async fn connection_scope() {
    let (h, b) = with_key("users=full,roles=full,jobs=full,logs=read", &format!("connection={DB}"), None).await;
    let users = all_users(&h).await;
    let mut inside: Vec<String> = users.iter().filter(|u| connection_is(u, DB)).map(id).collect();
    inside.sort();
    let outsider = users.iter().find(|u| !connection_is(u, DB)).map(id).expect("a user of another connection");
    let insider = users.iter().find(|u| connection_is(u, DB) && !admin(u)).map(id).unwrap();
    assert!(inside.len() > 2 && inside.len() < users.len());
    let unknown = unknown_user_body(&h).await;

    lists_stay_inside(&h, &b, &inside).await;
    let r = list(&b, Some("identities.connection:\"google-oauth2\"")).await;
    assert_eq!(ids_of(&r.json()), Vec::<String>::new(), "the caller's query narrows further");

    // Read, update, delete, and anything under the user: outside is unknown.
    let r = b.api_get(&format!("/api/v2/users/{}", enc(&insider))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    hidden(&h, &b.api_get(&format!("/api/v2/users/{}", enc(&outsider))).await, &unknown);
    hidden(&h, &b.api_get("/api/v2/users/auth0%7Cno-such-user").await, &unknown);
    hidden(&h, &b.api_get(&format!("/api/v2/users/{}/roles", enc(&outsider))).await, &unknown);
    let r = b.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&outsider)), Some(json!({"name": "Owned"}))).await;
    hidden(&h, &r, &unknown);
    let r = b.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&outsider)), None).await;
    hidden(&h, &r, &unknown);
    let (status, still) = h.direct(Method::GET, &format!("/api/v2/users/{}", enc(&outsider)), None).await;
    assert_eq!(status, 200, "the outsider was neither changed nor deleted");
    assert_ne!(still["name"], "Owned");
    let r = b.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&insider)), Some(json!({"name": "Kept"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Bulk: a role given to users, one of them outside.
    let (_, roles) = h.direct(Method::GET, "/api/v2/roles", None).await;
    let role = roles.as_array().unwrap().iter().find(|r| r["name"] == "Support Agent").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v2/roles/{role}/users");
    let r = b.api(Method::POST, &path, Some(json!({"users": [insider, outsider]}))).await;
    out_of_scope(&h, &r);
    let (_, holders) = h.direct(Method::GET, &format!("{path}?per_page=100"), None).await;
    assert!(!holders.to_string().contains(&outsider), "nothing was assigned");
    let r = b.api(Method::POST, &path, Some(json!({"users": [insider, "auth0|no-such-user"]}))).await;
    out_of_scope(&h, &r);
    let r = b.api(Method::POST, &path, Some(json!({"users": [insider]}))).await;
    assert!(r.status < 300, "{}", r.text());
    // A role's users answer references only: refused, pointing at the search.
    out_of_scope(&h, &b.api_get(&path).await);

    // Create: only inside the connection.
    let new = |conn: &str, email: &str| json!({"connection": conn, "email": email, "password": "Str0ng-passw0rd!x"});
    let r = b.api(Method::POST, "/api/v2/users", Some(new("google-oauth2", "g@scope.test"))).await;
    out_of_scope(&h, &r);
    let r = b.api(Method::POST, "/api/v2/users", Some(new(DB, "new@scope.test"))).await;
    assert_eq!(r.status, 201, "{}", r.text());

    // Users by email: filtered.
    let email = |u: &str| users.iter().find(|x| x["user_id"] == u).unwrap()["email"].as_str().unwrap().to_owned();
    let r = b.api_get(&format!("/api/v2/users-by-email?email={}", enc(&email(&outsider)))).await;
    assert_eq!((r.status, r.json()), (200, json!([])));
    let r = b.api_get(&format!("/api/v2/users-by-email?email={}", enc(&email(&insider)))).await;
    assert_eq!(ids_of(&r.json()), [insider]);

    // An object of a user's (a log event of theirs), read by id: only within the scope.
    let (_, logs) = h.direct(Method::GET, "/api/v2/logs?per_page=100", None).await;
    let log_of = |inside_scope: bool| {
        logs.as_array().unwrap().iter().find_map(|l| {
            let user = l["user_id"].as_str()?;
            let u = users.iter().find(|u| u["user_id"] == user)?;
            (connection_is(u, DB) == inside_scope).then(|| l["log_id"].as_str().unwrap().to_owned())
        })
    };
    let r = b.api_get(&format!("/api/v2/logs/{}", log_of(false).expect("a log of an outsider"))).await;
    out_of_scope(&h, &r);
    let r = b.api_get(&format!("/api/v2/logs/{}", log_of(true).expect("a log of an insider"))).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // What cannot be checked one user at a time is refused.
    let r = b.api(Method::POST, "/api/v2/jobs/users-exports", Some(json!({"format": "json"}))).await;
    out_of_scope(&h, &r);
    assert!(r.json()["message"].as_str().unwrap().contains("does not name one by one"));
}

#[tokio::test]
async fn app_metadata_scope() {
    let (h, b) = with_key("users=full,roles=full", "app_metadata.plan=enterprise", None).await;
    let users = all_users(&h).await;
    let is_in = |u: &Value| u["app_metadata"]["plan"] == "enterprise";
    let mut inside: Vec<String> = users.iter().filter(|u| is_in(u)).map(id).collect();
    inside.sort();
    let outsider = users.iter().find(|u| !is_in(u) && !admin(u)).map(id).unwrap();
    let insider = users.iter().find(|u| is_in(u) && !admin(u)).map(id).unwrap();
    let unknown = unknown_user_body(&h).await;

    lists_stay_inside(&h, &b, &inside).await;
    hidden(&h, &b.api_get(&format!("/api/v2/users/{}", enc(&outsider))).await, &unknown);
    let r = b.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&outsider)), None).await;
    hidden(&h, &r, &unknown);
    bulk_with_outsider(&h, &b, &insider, &outsider).await;

    // An update may not move the user out of the scope.
    let user = format!("/api/v2/users/{}", enc(&insider));
    let r = b.api(Method::PATCH, &user, Some(json!({"app_metadata": {"plan": "free"}}))).await;
    out_of_scope(&h, &r);
    let r = b.api(Method::PATCH, &user, Some(json!({"app_metadata": null}))).await;
    out_of_scope(&h, &r);
    let r = b.api(Method::PATCH, &user, Some(json!({"app_metadata": {"note": "vip"}}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (_, stored) = h.direct(Method::GET, &user, None).await;
    assert_eq!(stored["app_metadata"]["plan"], "enterprise");

    // Create: only with the scope's values.
    let body = |meta: Value| json!({"connection": DB, "email": "m@scope.test", "password": "Str0ng-passw0rd!x", "app_metadata": meta});
    out_of_scope(&h, &b.api(Method::POST, "/api/v2/users", Some(body(json!({"plan": "pro"})))).await);
    let r = b.api(Method::POST, "/api/v2/users", Some(body(json!({"plan": "enterprise"})))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["user_id"].as_str().expect("created");

    // Delete inside the scope.
    let r = b.api(Method::DELETE, &user, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
}

/// The seeded organization `name`'s id (the seed is deterministic: every
/// harness's tenant has the same ids).
async fn org_id(name: &str) -> String {
    let h = Harness::start().await;
    let (status, org) = h.direct(Method::GET, &format!("/api/v2/organizations/name/{name}"), None).await;
    assert_eq!(status, 200, "{org}");
    org["id"].as_str().unwrap().to_owned()
}

async fn member_ids(h: &Harness, org: &str) -> Vec<String> {
    let (status, members) =
        h.direct(Method::GET, &format!("/api/v2/organizations/{org}/members?per_page=100"), None).await;
    assert_eq!(status, 200, "{members}");
    let mut ids: Vec<String> = members.as_array().unwrap().iter().map(id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn organization_scope() {
    let acme = org_id("acme").await;
    let mut policy = Policy::demo();
    policy
        .user_scopes
        .insert("gatehouse-support".into(), UserScope::parse_list(&format!("organization={acme}")).unwrap());
    let (h, b) =
        with_key("users=full,organizations=full,roles=full", &format!("organization={acme}"), Some(policy)).await;
    let inside = member_ids(&h, &acme).await;
    let outsider = all_users(&h).await.iter().filter(|u| !admin(u)).map(id).find(|u| !inside.contains(u)).unwrap();
    let insider = inside[0].clone();
    let unknown = unknown_user_body(&h).await;
    assert!(!inside.is_empty());

    lists_stay_inside(&h, &b, &inside).await;
    let r = b.api_get(&format!("/api/v2/users/{}", enc(&insider))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    hidden(&h, &b.api_get(&format!("/api/v2/users/{}", enc(&outsider))).await, &unknown);
    let r = b.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&outsider)), Some(json!({"blocked": true}))).await;
    hidden(&h, &r, &unknown);
    let r = b.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&outsider)), None).await;
    hidden(&h, &r, &unknown);
    bulk_with_outsider(&h, &b, &insider, &outsider).await;
    let r =
        b.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&insider)), Some(json!({"name": "Acme member"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The organization's own members may be listed; another's may not.
    let r = b.api_get(&format!("/api/v2/organizations/{acme}/members")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let globex = {
        let (_, org) = h.direct(Method::GET, "/api/v2/organizations/name/globex", None).await;
        org["id"].as_str().unwrap().to_owned()
    };
    out_of_scope(&h, &b.api_get(&format!("/api/v2/organizations/{globex}/members")).await);
    // Members added or removed must be in scope (an outsider added to Acme would enter it).
    let r = b
        .api(Method::POST, &format!("/api/v2/organizations/{acme}/members"), Some(json!({"members": [outsider]})))
        .await;
    out_of_scope(&h, &r);
    assert!(!member_ids(&h, &acme).await.contains(&outsider));
    // A user created here could not be a member: refused, saying why.
    let r = b
        .api(
            Method::POST,
            "/api/v2/users",
            Some(json!({"connection": DB, "email": "o@scope.test", "password": "Str0ng-passw0rd!x"})),
        )
        .await;
    out_of_scope(&h, &r);
    assert!(r.json()["message"].as_str().unwrap().contains("invite them"), "{}", r.text());

    // The support role is scoped by the policy; /auth/me says so.
    let s = h.login("support@demo.test").await;
    let me = s.api_get("/auth/me").await.json();
    assert_eq!(me["userScope"], json!([{"organization": acme}]));
    hidden(&h, &s.api_get(&format!("/api/v2/users/{}", enc(&outsider))).await, &unknown);
    let r = list(&s, None).await;
    assert_eq!(ids_of(&r.json()), inside);

    // An unscoped admin is unaffected.
    let a = h.login("admin@demo.test").await;
    assert_eq!(a.api_get("/auth/me").await.json()["userScope"], Value::Null);
    let r = a.api_get(&format!("/api/v2/users/{}", enc(&outsider))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = list(&a, None).await;
    assert_eq!(ids_of(&r.json()).len(), all_users(&h).await.len());
    // Deleting a member, within the scope.
    let r = b.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&insider)), None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let denied = h.audit(AuditQuery { decision: Some(Decision::Denied), ..AuditQuery::default() });
    assert!(denied.iter().all(|e| e.principal != "admin@demo.test"));
}

/// An agent's key over MCP is held to its scope the same way (the tools go
/// through the proxy's one path).
#[tokio::test]
async fn an_agent_over_mcp_is_held_to_its_scope() {
    use rmcp::model::CallToolRequestParams;
    use rmcp::service::ServiceExt as _;
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

    let (h, _) = with_key("users=full", &format!("connection={DB}"), None).await;
    let users = all_users(&h).await;
    let mut inside: Vec<String> = users.iter().filter(|u| connection_is(u, DB)).map(id).collect();
    inside.sort();
    let outsider = users.iter().find(|u| !connection_is(u, DB)).map(id).unwrap();
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", h.bff.url())).auth_header(&h.keys["scoped"]);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.expect("connects");
    let call = |tool: &str, args: Value| {
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args.as_object().unwrap().clone());
        client.call_tool(params)
    };
    let r = call("users_list", json!({"per_page": 100, "q": "* OR identities.connection:*"})).await.unwrap();
    assert_ne!(r.is_error, Some(true));
    let result = &r.structured_content.as_ref().unwrap()["result"];
    assert_eq!(ids_of(result), inside);
    let r = call("users_get", json!({"id": outsider})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    let text: String = r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect();
    assert!(text.contains("404") && text.contains("inexistent_user"), "{text}");
    assert!(h.last_audit().sentence.contains("is outside its scope"));
    client.cancel().await.ok();
}
