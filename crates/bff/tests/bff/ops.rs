//! Operations endpoints, the console's static files, body validation, the audit endpoint.

use crate::Harness;
use gatehouse_bff::CSP;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_readiness_metrics_and_status() {
    let token = "operations-token-0123456789";
    let h = Harness::with(|c, _| {
        c.operations.listen = Some("127.0.0.1:0".parse().unwrap());
        c.operations.token = Some(gatehouse_model::Secret::new(token));
    })
    .await;
    let b = h.browser();
    // On the public port the operations endpoints need the token; health checks do not.
    for path in ["/metrics", "/status"] {
        let r = b.get(path).await;
        assert_eq!((r.status, r.json()["errorCode"].as_str()), (401, Some("gatehouse_operations_token")), "{path}");
        let wrong = b.send(Method::GET, path, &[("authorization", "Bearer operations-token-0123456780")], None).await;
        assert_eq!(wrong.status, 401, "{path}");
        let right = b.send(Method::GET, path, &[("authorization", &format!("Bearer {token}"))], None).await;
        assert_eq!(right.status, 200, "{path}");
    }
    // On their own address they are open to whoever reaches it (the monitoring network).
    let ops = crate::browser::Browser::new(
        &format!("http://{}", h.bff.operations_addr().expect("an operations address")),
        h.forbidden.clone(),
    );
    assert_eq!(b.get("/healthz").await.json()["status"], "ok");
    let ready = b.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    let admin = h.login("admin@demo.test").await;
    assert_eq!(admin.api_get("/api/v2/users?per_page=1").await.status, 200);
    // Auth0 answers 204 to deleting a user that does not exist.
    assert_eq!(admin.api(Method::DELETE, "/api/v2/users/auth0%7Cnobody", None).await.status, 204);
    let viewer = h.login("viewer@demo.test").await;
    assert_eq!(viewer.api(Method::DELETE, "/api/v2/users/auth0%7Cnobody", None).await.status, 403);
    assert_eq!(ops.get("/healthz").await.status, 200);
    assert_eq!(ops.get("/api/v2/users").await.status, 404, "nothing else there");
    let m = ops.get("/metrics").await;
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    let text = m.text();
    for needle in [
        r#"gatehouse_bff_requests_total{decision="allowed",operation="users.list",status="200"} 1"#,
        r#"gatehouse_bff_requests_total{decision="denied",operation="users.delete",status="403"} 1"#,
        r#"gatehouse_bff_requests_total{decision="allowed",operation="users.delete",status="204"} 1"#,
        "gatehouse_bff_request_duration_seconds_bucket{operation=\"users.list\"",
        "gatehouse_upstream_ratelimit_remaining",
        "gatehouse_upstream_token_requests_total",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    let s = ops.get("/status").await.json();
    assert_eq!(s["mode"], "demo");
    assert_eq!(s["teams"], true);
    assert!(s["upstream"]["tokenRequests"].as_u64().unwrap() >= 1);
    // The Teams API goes through the same proxy.
    let r = admin.api_get("/api/tenants").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(h.last_audit().operation.as_deref(), Some("teams.tenants.list"));
}

#[tokio::test]
async fn without_a_token_the_public_port_hides_metrics_and_status() {
    let h = Harness::start().await;
    let b = h.browser();
    for path in ["/metrics", "/status"] {
        let r = b.get(path).await;
        assert_eq!((r.status, r.json()["errorCode"].as_str()), (404, Some("gatehouse_not_found")), "{path}");
        let guessed = b.send(Method::GET, path, &[("authorization", "Bearer anything-at-all-here")], None).await;
        assert_eq!(guessed.status, 404, "{path}");
    }
    assert_eq!(b.get("/healthz").await.status, 200);
    assert!(h.bff.operations_addr().is_none());
}

#[tokio::test]
async fn security_headers_and_the_unbuilt_console() {
    let h = Harness::start().await;
    let b = h.browser();
    let r = b.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("not been built"), "{}", r.text());
    assert!(r.text().contains("/auth/login"));
    for resp in [r, b.get("/healthz").await, b.get("/api/v2/users").await, b.get("/users/123").await] {
        assert_eq!(resp.header("content-security-policy").as_deref(), Some(CSP));
        assert_eq!(resp.header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(resp.header("referrer-policy").as_deref(), Some("no-referrer"));
        assert_eq!(resp.header("x-frame-options").as_deref(), Some("DENY"));
        assert!(resp.header("access-control-allow-origin").is_none(), "no CORS, ever");
    }
    assert_eq!(
        CSP,
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    );
    // A cross-origin preflight gets no CORS grant.
    let pre = b
        .send(
            Method::OPTIONS,
            "/api/v2/users",
            &[("origin", "https://evil.example"), ("access-control-request-method", "DELETE")],
            None,
        )
        .await;
    assert!(pre.header("access-control-allow-origin").is_none());
    assert!(pre.header("access-control-allow-methods").is_none());
}

#[tokio::test]
async fn the_built_console_is_served_with_caching_and_spa_fallback() {
    let h = Harness::with(|c, _| {
        let dir = c.database.parent().unwrap().join("dist");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>Gatehouse console</title>").unwrap();
        std::fs::write(dir.join("gatehouse-web-5f2a9c1e0b7d3a64.js"), "console.log(1)").unwrap();
        std::fs::write(dir.join("gatehouse-web-5f2a9c1e0b7d3a64_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(dir.join("robots.txt"), "User-agent: *").unwrap();
        c.console_dir = dir;
    })
    .await;
    let b = h.browser();
    let index = b.get("/").await;
    assert!(index.text().contains("Gatehouse console"));
    assert_eq!(index.header("cache-control").as_deref(), Some("no-cache"));
    let spa = b.get("/users/auth0%7C1/roles").await;
    assert_eq!(spa.status, 200);
    assert!(spa.text().contains("Gatehouse console"), "SPA fallback");
    let js = b.get("/gatehouse-web-5f2a9c1e0b7d3a64.js").await;
    assert_eq!(js.header("cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    assert!(js.header("content-type").unwrap().contains("javascript"));
    let wasm = b.get("/gatehouse-web-5f2a9c1e0b7d3a64_bg.wasm").await;
    assert_eq!(wasm.header("content-type").as_deref(), Some("application/wasm"));
    assert_eq!(
        b.get("/robots.txt").await.header("cache-control").as_deref(),
        Some("public, max-age=300, must-revalidate")
    );
    assert_eq!(b.get("/missing-asset.js").await.status, 404);
    assert_eq!(b.raw_get("/../Cargo.toml").await.status, 404);
    assert_eq!(b.raw_get("/%2e%2e/%2e%2e/Cargo.toml").await.status, 404);
    // API paths never fall back to the console.
    assert_eq!(b.get("/api/v2/nothing-here").await.status, 401);
}

#[tokio::test]
async fn bodies_are_limited_and_validated_before_sending() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    let marker = h.log_marker().await;
    let r = b.api(Method::POST, "/api/v2/users", Some(json!({"connection": 5, "email": "typed@example.com"}))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let j = r.json();
    assert_eq!(j["errorCode"], "invalid_body");
    assert_eq!(j["path"], "connection");
    let r = b.api(Method::POST, "/api/v2/users", Some(json!({"email": "x@example.com"}))).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("connection"));
    let r = b
        .send(
            Method::POST,
            "/api/v2/users",
            &[("x-csrf", "1"), ("content-type", "application/json")],
            Some(b"{not json".to_vec()),
        )
        .await;
    assert_eq!(r.status, 400);
    let big =
        json!({"connection": "Username-Password-Authentication", "user_metadata": {"blob": "x".repeat(300 * 1024)}});
    let r = b.api(Method::POST, "/api/v2/users", Some(big)).await;
    assert_eq!(r.status, 413);
    let r = b
        .send(
            Method::GET,
            "/api/v2/roles",
            &[("x-csrf", "1"), ("content-type", "application/json")],
            Some(b"{\"a\":1}".to_vec()),
        )
        .await;
    assert_eq!(r.status, 400, "a body where none is taken");
    let e = h.last_audit();
    assert_eq!((e.status, e.operation.as_deref()), (Some(400), Some("roles.list")));
    // None of these reached the tenant.
    assert!(h.upstream_paths(&marker).await.is_empty());
    // Query strings are forwarded as given.
    let r = b.api_get("/api/v2/users?per_page=2&include_totals=true&fields=user_id,email").await;
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["limit"], 2, "{j}");
}

#[tokio::test]
async fn the_audit_endpoint_filters_and_pages() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let viewer = h.login("viewer@demo.test").await;
    for _ in 0..3 {
        viewer.api(Method::DELETE, "/api/v2/roles/rol_x", None).await;
    }
    admin.api_get("/api/v2/roles").await;
    let r = admin.api_get("/audit?decision=denied&principal=viewer%40demo.test&per_page=2").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["total"], 3);
    assert_eq!(j["entries"].as_array().unwrap().len(), 2);
    let e = &j["entries"][0];
    assert_eq!(e["sentence"], "viewer@demo.test was denied deleting role rol_x: needs roles.delete:full");
    assert_eq!(e["decision"], "denied");
    assert!(e["time"].as_str().unwrap().ends_with('Z'));
    let page2 = admin.api_get("/audit?decision=denied&principal=viewer%40demo.test&per_page=2&page=1").await.json();
    assert_eq!(page2["entries"].as_array().unwrap().len(), 1);
    let roles = admin.api_get("/audit?resource=roles&decision=allowed").await.json();
    assert_eq!(roles["total"], 1);
    let future = admin.api_get("/audit?since=2999-01-01T00:00:00Z").await.json();
    assert_eq!(future["total"], 0);
    assert_eq!(admin.api_get("/audit?decision=perhaps").await.status, 400);
    // The audit endpoint needs X-CSRF like the API.
    assert_eq!(admin.get("/audit").await.status, 403);
    let support = h.login("support@demo.test").await;
    let r = support.api_get("/audit").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["message"], "support@demo.test may not read the audit log: needs audit:read");
    assert_eq!(viewer.api_get("/audit").await.status, 200);
}

#[tokio::test]
async fn the_m2m_token_is_asked_for_the_policys_scopes_only() {
    let h = Harness::start().await;
    let scopes = h.bff.scopes();
    // The demo policy gives the admin everything: every scope of the catalog, none meant for user tokens.
    for op in gatehouse_model::catalog::CATALOG {
        for s in gatehouse_model::policy::scopes_of(op) {
            assert!(scopes.contains(&s), "{s}");
        }
    }
    assert!(!scopes.iter().any(|s| s.contains("current_user")), "{scopes:?}");
    // A policy of readers needs no write scope.
    let narrow = Harness::with(|c, _| {
        c.policy = Some(toml::from_str("[roles.gatehouse-viewer]\nusers = 'read'\nlogs = 'read'\n").unwrap());
        c.api_keys.clear();
    })
    .await;
    let scopes = narrow.bff.scopes();
    assert!(scopes.contains(&"read:users") && scopes.contains(&"read:logs"));
    assert!(scopes.iter().all(|s| s.starts_with("read:")), "{scopes:?}");
    assert!(!scopes.contains(&"read:clients"));
}

#[tokio::test]
async fn the_catalogue_lists_what_the_caller_may_use() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let r = admin.api_get("/catalog").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let all = r.json()["operations"].as_array().unwrap().len();
    assert_eq!(all, gatehouse_model::catalog::CATALOG.len(), "the admin may use everything");
    // The list leaves the schemas out, so the whole catalogue stays small.
    assert!(r.text().len() < 300_000, "/catalog is {} bytes", r.text().len());
    eprintln!("/catalog for the admin: {} bytes", r.text().len());
    // One operation comes with its self-contained schemas.
    let one = admin.api_get("/catalog/clientGrants.create").await;
    assert_eq!(one.status, 200, "{}", one.text());
    let one = one.json();
    assert_eq!(one["name"], "clientGrants.create");
    let body = &one["bodySchema"];
    let target = body["$ref"].as_str().unwrap().strip_prefix("#/$defs/").unwrap();
    let create = &body["$defs"][target];
    assert_eq!(create["required"], serde_json::json!(["audience"]));
    assert_eq!(create["properties"]["scope"]["items"]["type"], "string");
    assert!(!one.to_string().contains("\"description\":\""), "no prose from the spec");
    // The answer's schema is there for the result table; every `$ref` resolves inside it.
    let list = admin.api_get("/catalog/clientGrants.list").await.json();
    for part in ["responseSchema"] {
        let text = list[part].to_string();
        for r in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = &r[..r.find('"').unwrap()];
            assert!(list[part]["$defs"].get(name).is_some(), "{part}: {name} unresolved");
        }
    }
    assert!(list["bodySchema"].is_null());
    assert_eq!(admin.api_get("/catalog/users.nope").await.status, 404);
    let reader = h.key_client("reader");
    let j = reader.get("/catalog").await.json();
    let ops = j["operations"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"users.permissions.list") && names.contains(&"logs.list"));
    assert!(!names.contains(&"users.delete") && !names.contains(&"roles.list"));
    assert!(ops.iter().all(|o| o["access"] == "read" && (o["group"] == "users" || o["group"] == "logs")));
    let list = ops.iter().find(|o| o["name"] == "users.list").unwrap();
    assert_eq!(list["method"], "GET");
    assert!(list["query"].as_array().unwrap().iter().any(|q| q["name"] == "per_page" && q["kind"] == "integer"));
    assert!(!list["paging"].is_null());
    let perms = ops.iter().find(|o| o["name"] == "users.permissions.list").unwrap();
    assert_eq!(perms["pathParams"], serde_json::json!(["id"]));
    assert_eq!(perms["describe"], "listing permissions of user {id}");
    assert_eq!(h.browser().get("/catalog").await.status, 401);
    // An operation the caller may not use is not described to it either.
    let r = reader.get("/catalog/users.delete").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errorCode"], "unknown_operation");
    assert_eq!(reader.get("/catalog/users.get").await.status, 200);
    assert_eq!(h.browser().get("/catalog/users.get").await.status, 401);
}
