//! Tokens and admin sign-in: client-credentials claims, the
//! authorization-code flow with PKCE, userinfo, logout, and their log events.

use crate::common::{Body, Client, q, start};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse_emulator::EmulatorHandle;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CALLBACK: &str = "http://127.0.0.1:8080/auth/callback";

async fn decode_with_jwks(c: &Client, token: &str, audience: &str, issuer: &str) -> Value {
    let jwks = c.expect(200, "GET", "/.well-known/jwks.json", None, Body::None).await;
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    assert_eq!(header.alg, Algorithm::RS256);
    let dk = DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[audience]);
    v.set_issuer(&[issuer]);
    jsonwebtoken::decode::<Value>(token, &dk, &v).expect("token verifies with the JWKS").claims
}

fn location(resp: &crate::common::Resp) -> String {
    resp.header("location").expect("a redirect").to_owned()
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Signs in through the login page; returns the redirect to the callback.
async fn sign_in(c: &Client, h: &EmulatorHandle, user: &str, password: &str, verifier: &str) -> crate::common::Resp {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=st-123&nonce=n-456&code_challenge={challenge}&code_challenge_method=S256",
        h.web_client_id,
        q(CALLBACK),
        q("openid profile email"),
    );
    let resp = c.send("GET", &authorize, None, Body::None).await;
    assert_eq!(resp.status, 302, "{}", String::from_utf8_lossy(&resp.bytes));
    let login = location(&resp);
    assert!(login.starts_with("/u/login?state="), "{login}");
    let tx = query_param(&login, "state").unwrap();
    let page = c.send("GET", &login, None, Body::None).await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8_lossy(&page.bytes).into_owned();
    assert!(
        html.contains("name=\"username\"")
            && html.contains("name=\"password\"")
            && html.contains("type=\"hidden\" name=\"state\"")
    );
    c.send(
        "POST",
        "/u/login",
        None,
        Body::Form(vec![("state", tx), ("username", user.into()), ("password", password.into())]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_carry_auth0_claims() {
    let (h, c) = start(5).await;
    let resp = c
        .expect(200, "POST", "/oauth/token", None, Body::Json(json!({
            "grant_type": "client_credentials", "client_id": h.client_id, "client_secret": h.client_secret, "audience": h.management_audience,
        })))
        .await;
    let claims = decode_with_jwks(
        &c,
        resp["access_token"].as_str().unwrap(),
        &h.management_audience,
        &format!("{}/", h.base_url),
    )
    .await;
    assert_eq!(claims["sub"], json!(format!("{}@clients", h.client_id)));
    assert_eq!(claims["azp"], json!(h.client_id));
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 86_400);
    assert!(claims["scope"].as_str().unwrap().split(' ').any(|s| s == "update:users_app_metadata"));
    assert_eq!(resp["scope"], claims["scope"]);
    // Basic authentication works too, and so does the Teams audience.
    let basic = c
        .http
        .post(format!("{}/oauth/token", h.base_url))
        .basic_auth(&h.client_id, Some(&h.client_secret))
        .form(&[("grant_type", "client_credentials"), ("audience", h.teams_audience.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    let e = c
        .expect(
            403,
            "POST",
            "/oauth/token",
            None,
            Body::Json(json!({
                "grant_type": "client_credentials", "client_id": h.client_id, "client_secret": h.client_secret,
                "audience": h.management_audience, "scope": "read:users fly:planes",
            })),
        )
        .await;
    assert_eq!(e["error"], "access_denied");
    let e = c.expect(401, "POST", "/oauth/token", None, Body::Json(json!({
        "grant_type": "client_credentials", "client_id": "unknown-client", "client_secret": "x", "audience": h.management_audience,
    }))).await;
    assert_eq!(e, json!({"error": "access_denied", "error_description": "Unauthorized"}));
    let token = c.token(&h, &h.management_audience, None).await;
    let logs = c
        .expect(200, "GET", &format!("/api/v2/logs?q={}", q("type:seccft OR type:feccft")), Some(&token), Body::None)
        .await;
    let kinds: Vec<&str> = logs.as_array().unwrap().iter().filter_map(|l| l["type"].as_str()).collect();
    assert!(kinds.contains(&"seccft") && kinds.contains(&"feccft"), "{kinds:?}");
    // A short-lived token expires.
    h.shutdown().await.unwrap();
    let (h, c) = crate::common::start_with(gatehouse_emulator::Config {
        token_lifetime: 1,
        ..gatehouse_emulator::Config::for_tests(2)
    })
    .await;
    let token = c.token(&h, &h.management_audience, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let e = c.expect(401, "GET", "/api/v2/roles", Some(&token), Body::None).await;
    assert_eq!(e["message"], "Expired token received for JSON Web Token validation");
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_sign_in_with_the_authorization_code_flow() {
    let (h, c) = start(5).await;
    let discovery = c.expect(200, "GET", "/.well-known/openid-configuration", None, Body::None).await;
    assert_eq!(discovery["issuer"], json!(format!("{}/", h.base_url)));
    assert_eq!(discovery["code_challenge_methods_supported"], json!(["S256"]));
    assert!(discovery["authorization_endpoint"].as_str().unwrap().ends_with("/authorize"));

    // A wrong password stays on the login page.
    let failed =
        sign_in(&c, &h, "admin@demo.test", "wrong-password", "v1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").await;
    assert_eq!(failed.status, 401);
    assert!(String::from_utf8_lossy(&failed.bytes).contains("Wrong email or password"));

    // A wrong code_verifier is refused (and burns the code).
    let ok =
        sign_in(&c, &h, "admin@demo.test", &h.demo_password, "v2-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").await;
    let code = query_param(&location(&ok), "code").unwrap();
    let exchange = |code: String, verifier: &str| {
        Body::Form(vec![
            ("grant_type", "authorization_code".into()),
            ("client_id", h.web_client_id.clone()),
            ("client_secret", h.web_client_secret.clone()),
            ("code", code),
            ("redirect_uri", CALLBACK.into()),
            ("code_verifier", verifier.into()),
        ])
    };
    let e = c.expect(403, "POST", "/oauth/token", None, exchange(code.clone(), "not-the-verifier")).await;
    assert_eq!(e["error"], "invalid_grant");

    let verifier = "v3-cccccccccccccccccccccccccccccccccccccccccccc";
    let ok = sign_in(&c, &h, "ADMIN@demo.test", &h.demo_password, verifier).await;
    assert_eq!(ok.status, 302);
    let callback = location(&ok);
    assert!(callback.starts_with(CALLBACK), "{callback}");
    assert_eq!(query_param(&callback, "state").as_deref(), Some("st-123"));
    let code = query_param(&callback, "code").unwrap();
    let e = c
        .expect(
            400,
            "POST",
            "/oauth/token",
            None,
            Body::Form(vec![
                ("grant_type", "authorization_code".into()),
                ("client_id", h.web_client_id.clone()),
                ("client_secret", h.web_client_secret.clone()),
                ("code", code.clone()),
            ]),
        )
        .await;
    assert_eq!(e["error"], "invalid_request");
    let tokens = c.expect(200, "POST", "/oauth/token", None, exchange(code.clone(), verifier)).await;
    let issuer = format!("{}/", h.base_url);
    let id = decode_with_jwks(&c, tokens["id_token"].as_str().unwrap(), &h.web_client_id, &issuer).await;
    assert_eq!(id["email"], "admin@demo.test");
    assert_eq!(id["nonce"], "n-456");
    assert_eq!(id["https://gatehouse.dev/roles"], json!(["gatehouse-admin"]));
    assert!(id["sub"].as_str().unwrap().starts_with("auth0|"));
    let e = c.expect(403, "POST", "/oauth/token", None, exchange(code, verifier)).await;
    assert_eq!(e["error"], "invalid_grant", "a code works once");

    let access = tokens["access_token"].as_str().unwrap();
    let info = c.send("GET", "/userinfo", Some(access), Body::None).await;
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["email"], "admin@demo.test");
    assert_eq!(c.send("GET", "/userinfo", Some("garbage"), Body::None).await.status, 401);

    // Viewer gets its own role; the login bumped the admin's counters.
    let verifier = "v4-dddddddddddddddddddddddddddddddddddddddddddd";
    let ok = sign_in(&c, &h, "viewer@demo.test", &h.demo_password, verifier).await;
    let code = query_param(&location(&ok), "code").unwrap();
    let tokens = c.expect(200, "POST", "/oauth/token", None, exchange(code, verifier)).await;
    let id = decode_with_jwks(&c, tokens["id_token"].as_str().unwrap(), &h.web_client_id, &issuer).await;
    assert_eq!(id["https://gatehouse.dev/roles"], json!(["gatehouse-viewer"]));

    let mgmt = c.token(&h, &h.management_audience, None).await;
    let admin =
        c.expect(200, "GET", &format!("/api/v2/users?q={}", q("email:admin@demo.test")), Some(&mgmt), Body::None).await;
    assert_eq!(admin[0]["logins_count"], 2);
    assert!(admin[0]["last_login"].is_string());

    // Logout only to registered URLs.
    let out = c
        .send(
            "GET",
            &format!("/v2/logout?client_id={}&returnTo={}", h.web_client_id, q("http://127.0.0.1:8080/")),
            None,
            Body::None,
        )
        .await;
    assert_eq!(out.status, 302);
    assert_eq!(location(&out), "http://127.0.0.1:8080/");
    let bad = c
        .send(
            "GET",
            &format!("/v2/logout?client_id={}&returnTo={}", h.web_client_id, q("https://evil.test/")),
            None,
            Body::None,
        )
        .await;
    assert_eq!(bad.status, 400);

    let logs = c.expect(200, "GET", "/api/v2/logs?per_page=100", Some(&mgmt), Body::None).await;
    let kinds: Vec<&str> = logs.as_array().unwrap().iter().filter_map(|l| l["type"].as_str()).collect();
    for k in ["s", "fp", "seacft", "feacft", "slo", "seccft"] {
        assert!(kinds.contains(&k), "no {k} event in {kinds:?}");
    }
    h.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_refuses_bad_requests() {
    let (h, c) = start(2).await;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(b"verifier-verifier-verifier-verifier-verifier"));
    let base = |client: &str, redirect: &str| {
        format!("/authorize?response_type=code&client_id={client}&redirect_uri={}&state=s", q(redirect))
    };
    let unknown = c
        .send(
            "GET",
            &format!("{}&code_challenge={challenge}&code_challenge_method=S256", base("nope", CALLBACK)),
            None,
            Body::None,
        )
        .await;
    assert_eq!(unknown.status, 400);
    let mismatch = c
        .send(
            "GET",
            &format!(
                "{}&code_challenge={challenge}&code_challenge_method=S256",
                base(&h.web_client_id, "https://evil.test/cb")
            ),
            None,
            Body::None,
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(String::from_utf8_lossy(&mismatch.bytes).contains("allowed callback URLs"));
    let no_pkce = c.send("GET", &base(&h.web_client_id, CALLBACK), None, Body::None).await;
    assert_eq!(no_pkce.status, 302);
    let loc = location(&no_pkce);
    assert_eq!(query_param(&loc, "error").as_deref(), Some("invalid_request"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("s"));
    let plain = c
        .send(
            "GET",
            &format!("{}&code_challenge={challenge}&code_challenge_method=plain", base(&h.web_client_id, CALLBACK)),
            None,
            Body::None,
        )
        .await;
    assert_eq!(query_param(&location(&plain), "error").as_deref(), Some("invalid_request"));
    let expired = c
        .send(
            "POST",
            "/u/login",
            None,
            Body::Form(vec![("state", "nope".into()), ("username", "a".into()), ("password", "b".into())]),
        )
        .await;
    assert_eq!(expired.status, 400);
    // A blocked admin cannot sign in.
    let mgmt = c.token(&h, &h.management_audience, None).await;
    let users = c
        .expect(200, "GET", &format!("/api/v2/users?q={}", q("email:support@demo.test")), Some(&mgmt), Body::None)
        .await;
    let id = users[0]["user_id"].as_str().unwrap().to_owned();
    c.expect(
        200,
        "PATCH",
        &format!("/api/v2/users/{}", crate::common::enc(&id)),
        Some(&mgmt),
        Body::Json(json!({"blocked": true})),
    )
    .await;
    let blocked =
        sign_in(&c, &h, "support@demo.test", &h.demo_password, "v5-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee").await;
    assert_eq!(blocked.status, 401);
    assert!(String::from_utf8_lossy(&blocked.bytes).contains("blocked"));
    h.shutdown().await.unwrap();
}
