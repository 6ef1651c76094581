//! Sessions, cookies, CSRF, redirects, path injection and API keys.

use crate::{Harness, PASSWORD, refresh_target, sign_in};
use gatehouse_bff::{AuditQuery, Decision};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

const SESSION: &str = "__Host-gatehouse-session";
const LOGIN: &str = "__Host-gatehouse-login";

#[tokio::test]
async fn cookies_have_exactly_the_right_attributes() {
    let h = Harness::start().await;
    let b = h.browser();
    let start = b.get("/auth/login?return_to=/users").await;
    assert_eq!(start.status, 303);
    let login = start.cookie(LOGIN).expect("sign-in cookie");
    assert!(login.has("HttpOnly") && login.has("Secure") && login.has("Path=/"), "{login:?}");
    assert_eq!(login.attr("SameSite"), Some("Lax"), "the callback is a cross-site navigation");
    assert!(login.attr("Domain").is_none());
    assert_eq!(login.attr("Max-Age"), Some("600"));
    let location = start.location().unwrap();
    let emulator = &h.emulator().base_url;
    assert!(location.starts_with(&format!("{emulator}/authorize?")), "{location}");
    for p in ["response_type=code", "code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "scope=openid"]
    {
        assert!(location.contains(p), "{p} missing in {location}");
    }
    assert!(!location.contains("code_verifier"), "the verifier never leaves the BFF");

    let b = h.browser();
    let done = sign_in(&b, "admin@demo.test", PASSWORD, "/users").await;
    assert_eq!(done.status, 200, "{}", done.text());
    let c = done.cookie(SESSION).expect("session cookie");
    assert_eq!(c.name, "__Host-gatehouse-session");
    let mut attrs: Vec<String> = c.attributes.iter().map(|a| a.to_ascii_lowercase()).collect();
    attrs.sort();
    assert_eq!(attrs, ["httponly", "path=/", "samesite=strict", "secure"], "exactly these, no Domain, no Expires");
    assert_eq!(c.value.len(), 43, "256 random bits, base64url");
    assert!(c.value.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-' || x == b'_'));
    let cleared = done.cookie(LOGIN).expect("the sign-in cookie is cleared");
    assert!(cleared.deletes());
    // Only a hash of the id is stored.
    let db = std::fs::read(&h.config.database).unwrap();
    let wal = std::fs::read(h.config.database.with_extension("sqlite-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(memchr_find(bytes, c.value.as_bytes()).is_none(), "the raw session id is stored");
    }
    let me = b.get("/auth/me").await.json();
    assert_eq!(me["email"], "admin@demo.test");
    assert_eq!(me["principal"], "admin@demo.test");
    assert_eq!(me["roles"], json!(["gatehouse-admin"]));
    assert_eq!(me["permissions"]["users"], "full");
    assert_eq!(me["permissions"]["audit"], "full");
    assert!(me["rateLimit"].is_object());
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn session_id_rotates_at_sign_in() {
    let h = Harness::start().await;
    let b = h.login("viewer@demo.test").await;
    let first = b.cookie(SESSION).unwrap();
    assert_eq!(b.get("/auth/me").await.json()["email"], "viewer@demo.test");
    let page = sign_in(&b, "admin@demo.test", PASSWORD, "/").await;
    assert_eq!(page.status, 200);
    let second = b.cookie(SESSION).unwrap();
    assert_ne!(first, second, "a new id at sign-in");
    assert_eq!(b.get("/auth/me").await.json()["email"], "admin@demo.test");
    // The old id is dead.
    let old = h.browser();
    old.set_cookie(SESSION, &first);
    assert_eq!(old.get("/auth/me").await.status, 401);
    // A planted (fixated) id is never adopted: sign-in issues a fresh one.
    let planted = "A".repeat(43);
    let victim = h.browser();
    victim.set_cookie(SESSION, &planted);
    sign_in(&victim, "support@demo.test", PASSWORD, "/").await;
    assert_ne!(victim.cookie(SESSION).unwrap(), planted);
}

#[tokio::test]
async fn sign_in_is_bound_to_the_browser_and_single_use() {
    let h = Harness::start().await;
    let attacker = h.browser();
    // The attacker starts a sign-in and completes it at the provider, but stops before the callback.
    let hops = attacker.follow("/auth/login").await;
    let form = hops.last().unwrap().text();
    let state = form.split("name=\"state\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let action = format!("{}/u/login", h.emulator().base_url);
    let r = attacker
        .send(
            Method::POST,
            &action,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(format!("state={state}&username=admin%40demo.test&password={PASSWORD}").into_bytes()),
        )
        .await;
    let callback = r.location().expect("redirect to the callback");
    assert!(callback.starts_with(&format!("{}/auth/callback?", h.bff.url())), "{callback}");
    // A victim's browser is made to open the attacker's callback URL: refused (no sign-in cookie).
    let victim = h.browser();
    let r = victim.get(&callback).await;
    assert_eq!(r.status, 400);
    assert!(r.cookie(SESSION).is_none());
    // The attacker's own browser completes it once...
    let r = attacker.get(&callback).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // ...and not twice.
    attacker
        .set_cookie(LOGIN, &url::Url::parse(&callback).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1);
    let again = attacker.get(&callback).await;
    assert_eq!(again.status, 400);
    // A tampered state is refused.
    let b = h.browser();
    b.follow("/auth/login").await;
    let r = b.get("/auth/callback?code=abc&state=forged").await;
    assert_eq!(r.status, 400);
    // A wrong password never gets a session.
    let b = h.browser();
    let page = sign_in(&b, "admin@demo.test", "wrong-password", "/").await;
    assert_ne!(page.status, 200);
    assert!(b.cookie(SESSION).is_none());
}

#[tokio::test]
async fn open_redirects_are_impossible() {
    let h = Harness::start().await;
    let hostile = [
        "//evil.example",
        "//evil.example/users",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
        "evil.example",
        "https:evil.example",
        "///evil.example",
        " //evil.example",
        "",
    ];
    let b = h.browser();
    for target in hostile {
        let q = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
        let r = b.get(&format!("/auth/login?return_to={q}")).await;
        if target.is_empty() {
            // An empty return_to means the default, `/`.
            assert_eq!(r.status, 303);
            continue;
        }
        assert_eq!(r.status, 400, "{target:?} was accepted");
        assert!(r.location().is_none(), "{target:?}");
    }
    let twice = b.get("/auth/login?return_to=/a&return_to=//evil.example").await;
    assert_eq!(twice.status, 400);
    // A safe path comes back, as a same-origin path only.
    let b = h.browser();
    let page = sign_in(&b, "viewer@demo.test", PASSWORD, "/users/auth0%7C1?tab=roles").await;
    assert_eq!(page.status, 200);
    assert_eq!(refresh_target(&page.text()).as_deref(), Some("/users/auth0%7C1?tab=roles"));
    assert!(page.location().is_none());
}

#[tokio::test]
async fn csrf_rules_refuse_and_audit() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    let before = h.direct(Method::GET, "/api/v2/users?q=email%3A%22csrf%40example.com%22", None).await.1;
    let create = json!({"connection": "Username-Password-Authentication", "email": "csrf@example.com", "password": "Pa55word!x"}).to_string();
    type Case<'a> = (&'a str, Method, Vec<(&'a str, &'a str)>, Option<String>, &'a str);
    let cases: Vec<Case> = vec![
        ("no X-CSRF header", Method::GET, vec![], None, "missing"),
        ("X-CSRF other than 1", Method::GET, vec![("x-csrf", "yes")], None, "must be 1"),
        ("cross-site Origin", Method::GET, vec![("x-csrf", "1"), ("origin", "https://evil.example")], None, "origin"),
        ("null Origin", Method::GET, vec![("x-csrf", "1"), ("origin", "null")], None, "origin"),
        (
            "Sec-Fetch-Site cross-site",
            Method::GET,
            vec![("x-csrf", "1"), ("sec-fetch-site", "cross-site")],
            None,
            "another site",
        ),
        (
            "Sec-Fetch-Site same-site",
            Method::GET,
            vec![("x-csrf", "1"), ("sec-fetch-site", "same-site")],
            None,
            "another site",
        ),
        (
            "form post",
            Method::POST,
            vec![("x-csrf", "1"), ("content-type", "application/x-www-form-urlencoded")],
            Some("connection=Username-Password-Authentication&email=csrf%40example.com".into()),
            "application/json",
        ),
        (
            "text/plain post",
            Method::POST,
            vec![("x-csrf", "1"), ("content-type", "text/plain")],
            Some(create.clone()),
            "application/json",
        ),
        (
            "classic cross-site form",
            Method::POST,
            vec![
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            Some("connection=x".into()),
            "another site",
        ),
    ];
    for (what, method, headers, body, reason) in &cases {
        let path = if *method == Method::POST { "/api/v2/users" } else { "/api/v2/users?per_page=1" };
        let r = b.send(method.clone(), path, headers, body.clone().map(String::into_bytes)).await;
        assert_eq!(r.status, 403, "{what}: {}", r.text());
        let j = r.json();
        assert_eq!(j["errorCode"], "gatehouse_csrf", "{what}");
        let entry = h.last_audit();
        assert_eq!(entry.decision, Decision::Denied, "{what}");
        assert_eq!(entry.principal, "admin@demo.test", "{what}");
        assert!(
            entry.reason.as_deref().unwrap_or("").to_lowercase().contains(&reason.to_lowercase()),
            "{what}: {:?}",
            entry.reason
        );
        assert!(entry.sentence.starts_with("admin@demo.test was denied"), "{}", entry.sentence);
    }
    let after = h.direct(Method::GET, "/api/v2/users?q=email%3A%22csrf%40example.com%22", None).await.1;
    assert_eq!(before, after, "nothing was created");
    // The same requests done right pass.
    let ok = b
        .send(
            Method::GET,
            "/api/v2/users?per_page=1",
            &[("x-csrf", "1"), ("origin", h.bff.url()), ("sec-fetch-site", "same-origin")],
            None,
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let denied = h.audit(AuditQuery { decision: Some(Decision::Denied), ..AuditQuery::default() });
    assert_eq!(denied.len(), cases.len());
    // Without any session, no CSRF header: 401, nothing forwarded.
    assert_eq!(h.browser().get("/api/v2/users").await.status, 401);
}

#[tokio::test]
async fn logout_cannot_be_forged() {
    let h = Harness::start().await;
    let b = h.login("viewer@demo.test").await;
    for headers in [
        vec![],
        vec![("content-type", "application/x-www-form-urlencoded"), ("origin", "https://evil.example")],
        vec![("x-csrf", "1"), ("origin", "https://evil.example")],
        vec![("x-csrf", "1"), ("sec-fetch-site", "cross-site")],
    ] {
        let r = b.send(Method::POST, "/auth/logout", &headers, None).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(r.cookie(SESSION).is_none(), "the cookie is left alone");
        assert_eq!(b.get("/auth/me").await.status, 200, "still signed in after {headers:?}");
        let e = h.last_audit();
        assert_eq!((e.operation.as_deref(), e.decision), (Some("SignOut"), Decision::Denied));
    }
    let old = b.cookie(SESSION).unwrap();
    let r = b.send(Method::POST, "/auth/logout", &[("x-csrf", "1")], None).await;
    assert_eq!(r.status, 200);
    assert!(r.cookie(SESSION).unwrap().deletes());
    assert_eq!(b.get("/auth/me").await.status, 401);
    let replay = h.browser();
    replay.set_cookie(SESSION, &old);
    assert_eq!(replay.get("/auth/me").await.status, 401, "ended server-side, not just in the browser");
    assert_eq!(replay.api_get("/api/v2/users").await.status, 401);
}

#[tokio::test]
async fn idle_and_absolute_timeouts_are_enforced_server_side() {
    let h = Harness::with(|c, _| {
        c.session.idle_timeout_secs = 600;
        c.session.absolute_timeout_secs = 3600;
    })
    .await;
    // Idle: activity keeps the session alive; silence ends it.
    let b = h.login("viewer@demo.test").await;
    for _ in 0..3 {
        h.clock.advance(Duration::from_secs(590));
        assert_eq!(b.api_get("/api/v2/users?per_page=1").await.status, 200);
    }
    h.clock.advance(Duration::from_secs(601));
    assert_eq!(b.api_get("/api/v2/users?per_page=1").await.status, 401);
    assert_eq!(b.get("/auth/me").await.status, 401);

    // Absolute: however active, the session ends an hour after sign-in.
    let b = h.login("viewer@demo.test").await;
    let mut elapsed = 0;
    while elapsed + 500 < 3600 {
        h.clock.advance(Duration::from_secs(500));
        elapsed += 500;
        assert_eq!(b.get("/auth/me").await.status, 200, "at {elapsed}s");
    }
    h.clock.advance(Duration::from_secs(3600 - elapsed));
    assert_eq!(b.get("/auth/me").await.status, 401, "at 3600s");
}

#[tokio::test]
async fn path_injection_never_reaches_another_upstream_path() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    let user = h.some_user_id().await;
    let marker = h.log_marker().await;
    // Encoded tricks inside an id stay inside that id: forwarded as GET /users/{that id}, found nowhere.
    let inside = [
        "/api/v2/users/..%2F..%2Fclients",
        "/api/v2/users/..%2Fclients",
        "/api/v2/users/x%2F..%2F..%2Foauth%2Ftoken",
        "/api/v2/users/a%3Fq%3D1",
        "/api/v2/users/a%23frag",
        "/api/v2/users/a%252F..",
        "/api/v2/users/%2e%2e%2fclients",
        "/api/v2/users/a%5C..%5Cclients",
    ];
    for path in inside {
        let r = b.raw_get(path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert_eq!(r.json()["errorCode"], "inexistent_user", "{path} reached the user lookup only");
    }
    // Dot segments (also encoded), empty ids, extra segments and the token endpoint: never forwarded.
    let refused = [
        "/api/v2/users/%2e%2e",
        "/api/v2/users/%2E%2E",
        "/api/v2/users/.%2e",
        "/api/v2/users/..",
        "/api/v2/users/.",
        "/api/v2/users/",
        "/api/v2/users/../clients",
        "/api/v2/users/x/../../clients",
        "/api/v2//users",
        "/api/v2/users/x/roles/extra",
        "/api/v2/oauth/token",
        "/api/v2/../../oauth/token",
        "/api/v2/not-an-endpoint",
        "/api/v2/stats/daily/extra",
    ];
    for path in refused {
        let r = b.raw_get(path).await;
        assert!(matches!(r.status, 404 | 405 | 400), "{path}: {}", r.status);
        if r.status != 400 {
            assert!(
                r.json()["errorCode"].as_str().unwrap_or("").starts_with("gatehouse_")
                    || r.json()["errorCode"] == "inexistent_user",
                "{path}: {}",
                r.text()
            );
        }
    }
    let r = b
        .send(
            Method::POST,
            "/oauth/token",
            &[("x-csrf", "1"), ("content-type", "application/json")],
            Some(b"{}".to_vec()),
        )
        .await;
    assert_eq!(r.status, 404);
    // A normal read still works.
    assert_eq!(
        b.api_get(&format!(
            "/api/v2/users/{}",
            url::form_urlencoded::byte_serialize(user.as_bytes()).collect::<String>()
        ))
        .await
        .status,
        200
    );
    // What reached the emulator: only single-segment user lookups.
    let paths = h.upstream_paths(&marker).await;
    assert!(!paths.is_empty());
    for p in &paths {
        let rest = p.strip_prefix("/api/v2/users/").unwrap_or_else(|| panic!("{p} reached the tenant"));
        assert!(!rest.contains('/') && !rest.is_empty() && rest != ".." && rest != ".", "{p}");
    }
    assert_eq!(paths.len(), inside.len() + 1, "{paths:?}");
}

#[tokio::test]
async fn api_keys_have_their_own_policy_and_need_no_cookie() {
    let h = Harness::start().await;
    let user = h.some_user_id().await;
    let enc = url::form_urlencoded::byte_serialize(user.as_bytes()).collect::<String>();
    let reader = h.key_client("reader");
    assert_eq!(reader.get("/api/v2/users?per_page=2").await.status, 200, "no X-CSRF needed");
    assert_eq!(reader.get(&format!("/api/v2/users/{enc}")).await.status, 200);
    assert_eq!(reader.get("/api/v2/logs?per_page=1").await.status, 200);
    let r = reader.send(Method::DELETE, &format!("/api/v2/users/{enc}"), &[], None).await;
    assert_eq!(r.status, 403);
    let j = r.json();
    assert_eq!(j["missing"], "users.delete:full");
    assert_eq!(j["message"], format!("reader may not delete user {user}: needs users.delete:full"));
    assert_eq!(reader.get("/api/v2/roles").await.json()["missing"], "roles.list:read");
    assert_eq!(reader.get("/audit").await.status, 403);
    let me = reader.get("/auth/me").await.json();
    assert_eq!((me["principal"].as_str(), me["kind"].as_str()), (Some("reader"), Some("api_key")));
    assert_eq!(me["permissions"]["users"], "read");
    assert_eq!(me["permissions"]["roles"], "off");
    let e = h.last_audit();
    assert_eq!(e.principal_kind, "api_key");

    let operator = h.key_client("operator");
    let r = operator
        .send(
            Method::PATCH,
            &format!("/api/v2/users/{enc}"),
            &[("content-type", "application/json")],
            Some(br#"{"nickname":"renamed"}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let email = r.json()["email"].as_str().unwrap().to_owned();
    assert_eq!(h.last_audit().sentence, format!("operator changed nickname of user {email} ({user}) (200)"));
    let audit = operator.get("/audit?principal=reader").await;
    assert_eq!(audit.status, 200);
    assert!(audit.json()["entries"].as_array().unwrap().iter().all(|e| e["principal"] == "reader"));
    // A non-JSON body from a key is refused too.
    let r = operator
        .send(Method::PATCH, &format!("/api/v2/users/{enc}"), &[("content-type", "text/plain")], Some(b"{}".to_vec()))
        .await;
    assert_eq!(r.status, 415);

    // Wrong, truncated, or cookie-less garbage keys: 401, whatever else comes along.
    for bad in
        [format!("{}x", h.keys["reader"]), h.keys["reader"][..20].to_owned(), "gk_nope".into(), "Basic abc".into()]
    {
        let r =
            h.browser().send(Method::GET, "/api/v2/users", &[("authorization", &format!("Bearer {bad}"))], None).await;
        assert_eq!(r.status, 401, "{bad}");
    }
    let signed_in = h.login("admin@demo.test").await;
    let r = signed_in
        .send(Method::GET, "/api/v2/users", &[("x-csrf", "1"), ("authorization", "Bearer gk_wrong")], None)
        .await;
    assert_eq!(r.status, 401, "a bad key is not rescued by a good cookie");
}

#[tokio::test]
async fn application_credentials_never_leave_the_bff() {
    let h = Harness::start().await;
    let b = h.login("admin@demo.test").await;
    let own = h.emulator().client_id.clone();
    let r = b.api_get(&format!("/api/v2/clients/{own}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["client_id"], own.as_str());
    assert!(r.json().get("client_secret").is_none());
    let list = b.api_get("/api/v2/clients?per_page=50").await;
    assert_eq!(list.status, 200);
    fn has_key(v: &serde_json::Value, key: &str) -> bool {
        match v {
            serde_json::Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
            serde_json::Value::Array(a) => a.iter().any(|x| has_key(x, key)),
            _ => false,
        }
    }
    let list = list.json();
    assert!(
        list["clients"].as_array().is_some_and(|c| c.len() > 1) || list.as_array().is_some_and(|c| c.len() > 1),
        "{list}"
    );
    assert!(!has_key(&list, "client_secret") && !has_key(&list, "signing_keys"), "no application's secret is shown");
    // The emulator itself does hand them out to a token with every scope: the BFF is what holds them back.
    let (_, direct) = h.direct(Method::GET, &format!("/api/v2/clients/{own}"), None).await;
    assert!(direct.get("client_secret").is_some());
}
