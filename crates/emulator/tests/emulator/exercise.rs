//! One pass over every operation of the table: each success and each error
//! case, with the status Auth0 answers asserted. The recorded exchanges feed
//! the schema and decode checks.

use crate::common::{Body, Exchange, assert_mgmt_error, assert_teams_error, enc, q, start, start_with};
use gatehouse_emulator::Config;
use gatehouse_model::operation::{OPERATIONS, OperationId};
use serde_json::json;
use std::collections::BTreeSet;

/// Runs everything; returns the exchanges of the main emulator and of a rate-limited one.
pub async fn run() -> Vec<Exchange> {
    let (h, c) = start(60).await;
    let mgmt = h.management_audience.clone();
    let teams = h.teams_audience.clone();
    let full = c.token(&h, &mgmt, None).await;
    let t = Some(full.as_str());

    // ---- token endpoint ----
    let form = |secret: &str, aud: &str| {
        Body::Form(vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", h.client_id.clone()),
            ("client_secret", secret.into()),
            ("audience", aud.into()),
        ])
    };
    let ok = c.expect(200, "POST", "/oauth/token", None, form(&h.client_secret, &mgmt)).await;
    assert_eq!(ok["token_type"], "Bearer");
    assert_eq!(ok["expires_in"], 86400);
    let e = c.expect(401, "POST", "/oauth/token", None, form("wrong", &mgmt)).await;
    assert_eq!(e["error"], "access_denied");
    let e = c.expect(403, "POST", "/oauth/token", None, form(&h.client_secret, "https://nowhere.test/")).await;
    assert_eq!(e["error"], "access_denied");
    let e = c
        .expect(
            400,
            "POST",
            "/oauth/token",
            None,
            Body::Json(json!({"grant_type": "password", "client_id": h.client_id})),
        )
        .await;
    assert_eq!(e["error"], "unsupported_grant_type");
    // The client is authenticated first: without its secret, 401 whatever else is missing.
    let e = c
        .expect(
            401,
            "POST",
            "/oauth/token",
            None,
            Body::Json(json!({"grant_type": "client_credentials", "client_id": h.client_id})),
        )
        .await;
    assert_eq!(e["error"], "access_denied");
    let e = c
        .expect(
            401,
            "POST",
            "/oauth/token",
            None,
            Body::Json(json!({"grant_type": "client_credentials", "client_id": h.client_id, "client_secret": "wrong"})),
        )
        .await;
    assert_eq!(e["error"], "access_denied");
    // No audience, and the tenant has no default audience: 403 access_denied.
    let e = c
        .expect(
            403,
            "POST",
            "/oauth/token",
            None,
            Body::Json(
                json!({"grant_type": "client_credentials", "client_id": h.client_id, "client_secret": h.client_secret}),
            ),
        )
        .await;
    assert_eq!(e["error"], "access_denied");
    let e = c.expect(400, "POST", "/oauth/token", None, Body::Json(json!({"grant_type": "client_credentials"}))).await;
    assert_eq!(e["error"], "invalid_request");

    // Tokens with fewer scopes, for the 403 cases.
    let read_users = c.token(&h, &mgmt, Some("read:users")).await;
    let update_users = c.token(&h, &mgmt, Some("update:users read:users")).await;
    let teams_full = c.token(&h, &teams, None).await;
    let tt = Some(teams_full.as_str());
    let teams_read_tenants = c.token(&h, &teams, Some("read:tenants")).await;

    // ---- every operation: 401 without a token, 403 without its scope ----
    for spec in OPERATIONS.iter().filter(|s| s.api != gatehouse_model::Api::Authentication) {
        let path = spec
            .path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x-1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let method = spec.verb.as_http().to_string();
        let e = c.expect(401, &method, &path, None, Body::None).await;
        match spec.api {
            gatehouse_model::Api::Teams => assert_teams_error(&e, 401, "UNAUTHORIZED"),
            _ => assert_mgmt_error(&e, 401, None),
        }
        let audience = if spec.api == gatehouse_model::Api::Teams { &teams } else { &mgmt };
        let lacking = gatehouse_emulator::token::all_scopes(spec.api)
            .into_iter()
            .filter(|s| s != spec.scopes[0])
            .collect::<Vec<_>>()
            .join(" ");
        let partial = c.token(&h, audience, Some(&lacking)).await;
        let e = c.expect(403, &method, &path, Some(&partial), Body::None).await;
        assert!(e.to_string().contains(spec.scopes[0]), "{}: {e}", spec.path);
    }

    // ---- users ----
    let list = c.expect(200, "GET", "/api/v2/users", t, Body::None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(50));
    let page = c.expect(200, "GET", "/api/v2/users?include_totals=true&per_page=5&page=1", t, Body::None).await;
    assert_eq!((page["start"].clone(), page["limit"].clone(), page["total"].clone()), (json!(5), json!(5), json!(64)));
    let found = c
        .expect(
            200,
            "GET",
            &format!("/api/v2/users?q={}&search_engine=v3&include_totals=true", q("email:\"admin@demo.test\"")),
            t,
            Body::None,
        )
        .await;
    assert_eq!(found["total"], 1);
    let e = c.expect(400, "GET", &format!("/api/v2/users?q={}", q("name:(")), t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    let e = c.expect(400, "GET", "/api/v2/users?per_page=101", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    let e = c.expect(400, "GET", "/api/v2/users?page=20&per_page=50", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_paging"));
    let e = c.expect(400, "GET", "/api/v2/users?colour=blue", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    assert_eq!(e["message"], "Query validation error: 'Additional properties not allowed: colour'.");
    c.expect(200, "GET", "/api/v2/users?primary_order=false&per_page=1", t, Body::None).await;
    let e = c.expect(400, "GET", "/api/v2/users?search_engine=v9", t, Body::None).await;
    assert_eq!(e["message"], "Query validation error: 'No enum match for: v9' on property search_engine.");
    let e = c.expect(401, "GET", "/api/v2/users", None, Body::None).await;
    assert_mgmt_error(&e, 401, None);
    let e = c.expect(401, "GET", "/api/v2/users", Some("not.a.token"), Body::None).await;
    assert_eq!(e["message"], "Invalid token");
    let e = c.expect(401, "GET", "/api/v2/users", tt, Body::None).await;
    assert!(e["message"].as_str().unwrap().starts_with("Bad audience"));
    let e = c.expect(403, "GET", "/api/v2/roles", Some(&read_users), Body::None).await;
    assert_mgmt_error(&e, 403, Some("insufficient_scope"));

    let new_user = json!({
        "connection": "Username-Password-Authentication",
        "email": "exercise@example.com",
        "password": "Sup3r-secret!",
        "given_name": "Exer",
        "user_metadata": {"theme": "dark", "lang": "en"},
        "app_metadata": {"plan": "pro"},
        "custom_field": {"kept": true},
    });
    let user = c.expect(201, "POST", "/api/v2/users", t, Body::Json(new_user.clone())).await;
    let uid = user["user_id"].as_str().unwrap().to_owned();
    assert!(uid.starts_with("auth0|") && uid.len() == 30, "{uid}");
    assert!(user.get("password").is_none());
    assert_eq!(user["custom_field"], json!({"kept": true}));
    assert_eq!(user["identities"][0]["connection"], "Username-Password-Authentication");
    let e = c.expect(409, "POST", "/api/v2/users", t, Body::Json(new_user.clone())).await;
    assert_mgmt_error(&e, 409, Some("auth0_idp_error"));
    let e = c
        .expect(
            400,
            "POST",
            "/api/v2/users",
            t,
            Body::Json(json!({"connection": "Username-Password-Authentication", "email": 5})),
        )
        .await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(400, "POST", "/api/v2/users", t, Body::Json(json!({"email": "x@example.com"}))).await;
    assert!(e["message"].as_str().unwrap().contains("connection"), "{e}");
    let e = c
        .expect(
            400,
            "POST",
            "/api/v2/users",
            t,
            Body::Json(json!({"connection": "Nope", "email": "x@example.com", "password": "Sup3r-secret!"})),
        )
        .await;
    assert_mgmt_error(&e, 400, Some("inexistent_connection"));
    let e = c.expect(400, "POST", "/api/v2/users", t, Body::Json(json!({"connection": "Username-Password-Authentication", "email": "weak@example.com", "password": "abc"}))).await;
    assert_eq!(e["statusCode"], 400);
    let e = c.expect(400, "POST", "/api/v2/users", t, Body::Raw("application/json", b"{\"email\":".to_vec())).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(403, "POST", "/api/v2/users", Some(&read_users), Body::Json(new_user.clone())).await;
    assert_mgmt_error(&e, 403, Some("insufficient_scope"));

    let upath = format!("/api/v2/users/{}", enc(&uid));
    c.expect(200, "GET", &upath, t, Body::None).await;
    let e =
        c.expect(404, "GET", &format!("/api/v2/users/{}", enc("auth0|000000000000000000000000")), t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    let patched = c
        .expect(
            200,
            "PATCH",
            &upath,
            Some(&update_users),
            Body::Json(json!({"user_metadata": {"theme": null, "tz": "UTC"}, "blocked": true})),
        )
        .await;
    assert_eq!(patched["user_metadata"], json!({"lang": "en", "tz": "UTC"}));
    assert_eq!(patched["blocked"], true);
    let e = c
        .expect(403, "PATCH", &upath, Some(&update_users), Body::Json(json!({"app_metadata": {"plan": "free"}})))
        .await;
    assert!(e["message"].as_str().unwrap().contains("update:users_app_metadata"), "{e}");
    let patched = c.expect(200, "PATCH", &upath, t, Body::Json(json!({"app_metadata": {"tier": 2}}))).await;
    assert_eq!(patched["app_metadata"], json!({"plan": "pro", "tier": 2}));
    let e = c
        .expect(
            404,
            "PATCH",
            &format!("/api/v2/users/{}", enc("auth0|missing")),
            t,
            Body::Json(json!({"blocked": false})),
        )
        .await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    let e = c.expect(400, "PATCH", &upath, t, Body::Json(json!({"blocked": "yes"}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));

    // Roles of the user (roles come from the role list).
    let roles = c.expect(200, "GET", "/api/v2/roles?per_page=100", t, Body::None).await;
    let role_id =
        roles.as_array().unwrap().iter().find(|r| r["name"] == "Editor").unwrap()["id"].as_str().unwrap().to_owned();
    let urpath = format!("{upath}/roles");
    c.expect(204, "POST", &urpath, t, Body::Json(json!({"roles": [role_id]}))).await;
    let e = c.expect(403, "POST", &urpath, Some(&update_users), Body::Json(json!({"roles": [role_id]}))).await;
    assert!(e["message"].as_str().unwrap().contains("create:role_members"), "{e}");
    let e = c.expect(400, "POST", &urpath, t, Body::Json(json!({"roles": []}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(404, "POST", &urpath, t, Body::Json(json!({"roles": ["rol_doesnotexist0000"]}))).await;
    assert_mgmt_error(&e, 404, None);
    let ur = c.expect(200, "GET", &format!("{urpath}?include_totals=true"), t, Body::None).await;
    assert_eq!(ur["total"], 1);
    assert_eq!(ur["roles"][0]["id"], json!(role_id));
    let e = c.expect(404, "GET", &format!("/api/v2/users/{}/roles", enc("auth0|missing")), t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    let e = c.expect(403, "DELETE", &urpath, Some(&update_users), Body::Json(json!({"roles": [role_id]}))).await;
    assert_mgmt_error(&e, 403, Some("insufficient_scope"));
    c.expect(204, "DELETE", &urpath, t, Body::Json(json!({"roles": [role_id]}))).await;
    let ur = c.expect(200, "GET", &urpath, t, Body::None).await;
    assert_eq!(ur, json!([]));

    // ---- roles ----
    c.expect(200, "GET", &format!("/api/v2/roles?include_totals=true&name_filter={}", q("gatehouse")), t, Body::None)
        .await;
    let role = c
        .expect(
            200,
            "POST",
            "/api/v2/roles",
            t,
            Body::Json(json!({"name": "exercise-role", "description": "made by the test"})),
        )
        .await;
    let rid = role["id"].as_str().unwrap().to_owned();
    assert!(rid.starts_with("rol_") && rid.len() == 20);
    let e = c.expect(409, "POST", "/api/v2/roles", t, Body::Json(json!({"name": "exercise-role"}))).await;
    assert_mgmt_error(&e, 409, None);
    let e = c.expect(400, "POST", "/api/v2/roles", t, Body::Json(json!({"description": "no name"}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let rpath = format!("/api/v2/roles/{rid}");
    c.expect(200, "GET", &rpath, t, Body::None).await;
    let e = c.expect(404, "GET", "/api/v2/roles/rol_0000000000000000", t, Body::None).await;
    assert_mgmt_error(&e, 404, None);
    let r = c.expect(200, "PATCH", &rpath, t, Body::Json(json!({"description": "changed"}))).await;
    assert_eq!(r["description"], "changed");
    c.expect(404, "PATCH", "/api/v2/roles/rol_0000000000000000", t, Body::Json(json!({"description": "x"}))).await;
    let all_users = c.expect(200, "GET", "/api/v2/users?per_page=3", t, Body::None).await;
    let ids: Vec<String> =
        all_users.as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap().to_owned()).collect();
    let assigned = c.expect(200, "POST", &format!("{rpath}/users"), t, Body::Json(json!({"users": ids}))).await;
    assert_eq!(assigned, json!({}));
    let e = c.expect(404, "POST", &format!("{rpath}/users"), t, Body::Json(json!({"users": ["auth0|nobody"]}))).await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    c.expect(403, "POST", &format!("{rpath}/users"), Some(&update_users), Body::Json(json!({"users": ids}))).await;
    let p1 = c.expect(200, "GET", &format!("{rpath}/users?take=2"), t, Body::None).await;
    assert_eq!(p1["users"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap().to_owned();
    let p2 = c.expect(200, "GET", &format!("{rpath}/users?take=2&from={next}"), t, Body::None).await;
    assert_eq!(p2["users"].as_array().unwrap().len(), 1);
    assert!(p2.get("next").is_none());
    let e = c.expect(400, "GET", &format!("{rpath}/users?take=2&from=bm9wZQ"), t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_paging"));
    c.expect(200, "GET", &format!("{rpath}/users?include_totals=true"), t, Body::None).await;
    c.expect(404, "GET", "/api/v2/roles/rol_0000000000000000/users", t, Body::None).await;
    c.expect(403, "GET", &format!("{rpath}/users"), Some(&read_users), Body::None).await;
    assert_eq!(c.expect(200, "DELETE", &rpath, t, Body::None).await, json!({}));
    let e = c.expect(404, "DELETE", &rpath, t, Body::None).await;
    assert_mgmt_error(&e, 404, None);

    // ---- clients ----
    let cl = c.expect(200, "GET", "/api/v2/clients?include_totals=true", t, Body::None).await;
    assert!(cl["total"].as_u64().unwrap() >= 8);
    let cp = c.expect(200, "GET", "/api/v2/clients?take=3", t, Body::None).await;
    assert!(cp["next"].is_string());
    c.expect(
        200,
        "GET",
        "/api/v2/clients?fields=client_id,name&include_fields=true&app_type=spa,native",
        t,
        Body::None,
    )
    .await;
    let e = c.expect(400, "GET", "/api/v2/clients?app_type=toaster", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    let client = c
        .expect(
            201,
            "POST",
            "/api/v2/clients",
            t,
            Body::Json(json!({"name": "Exercise App", "app_type": "spa", "callbacks": ["https://app.test/cb"]})),
        )
        .await;
    let cid = client["client_id"].as_str().unwrap().to_owned();
    assert_eq!(cid.len(), 32);
    c.expect(400, "POST", "/api/v2/clients", t, Body::Json(json!({"app_type": "spa"}))).await;
    c.expect(400, "POST", "/api/v2/clients", t, Body::Json(json!({"name": "x", "app_type": "toaster"}))).await;
    let cpath = format!("/api/v2/clients/{cid}");
    let got = c.expect(200, "GET", &cpath, t, Body::None).await;
    assert!(got["client_secret"].is_string());
    let e = c.expect(404, "GET", "/api/v2/clients/doesnotexist", t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_client"));
    let upd = c
        .expect(
            200,
            "PATCH",
            &cpath,
            t,
            Body::Json(json!({"description": "updated", "client_metadata": {"team": "qa"}})),
        )
        .await;
    assert_eq!(upd["description"], "updated");
    c.expect(404, "PATCH", "/api/v2/clients/doesnotexist", t, Body::Json(json!({"description": "x"}))).await;
    c.expect(400, "PATCH", &cpath, t, Body::Json(json!({"callbacks": "https://not-a-list"}))).await;
    c.expect(204, "DELETE", &cpath, t, Body::None).await;
    c.expect(204, "DELETE", &cpath, t, Body::None).await;
    c.expect(403, "DELETE", &cpath, Some(&read_users), Body::None).await;
    c.expect(404, "GET", &cpath, t, Body::None).await;

    // ---- connections ----
    let conns = c.expect(200, "GET", "/api/v2/connections?strategy=auth0&include_totals=true", t, Body::None).await;
    assert_eq!(conns["total"], 1);
    c.expect(200, "GET", "/api/v2/connections?take=4", t, Body::None).await;
    c.expect(200, "GET", "/api/v2/connections?fields=name,strategy", t, Body::None).await;
    let e = c.expect(400, "GET", "/api/v2/connections?take=101", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    // What a query may hold is the spec's: `strategy` is a list of known strategies.
    let two = c
        .expect(200, "GET", "/api/v2/connections?strategy=auth0&strategy=samlp&include_totals=true", t, Body::None)
        .await;
    assert!(two["total"].as_u64().unwrap() > conns["total"].as_u64().unwrap(), "{two}");
    let e = c.expect(400, "GET", "/api/v2/connections?strategy=auth0&strategy=toaster", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_query_string"));
    assert_eq!(e["message"], "Query validation error: 'No enum match for: toaster' on property strategy.");
    c.expect(400, "GET", "/api/v2/connections?primary_order=true", t, Body::None).await;
    let conn = c
        .expect(
            201,
            "POST",
            "/api/v2/connections",
            t,
            Body::Json(json!({"name": "exercise-db", "strategy": "auth0", "options": {"passwordPolicy": "low"}})),
        )
        .await;
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    assert!(conn_id.starts_with("con_"));
    assert_eq!(conn["options"]["passwordPolicy"], "low");
    let e = c
        .expect(409, "POST", "/api/v2/connections", t, Body::Json(json!({"name": "exercise-db", "strategy": "auth0"})))
        .await;
    assert_mgmt_error(&e, 409, Some("conflict"));
    c.expect(400, "POST", "/api/v2/connections", t, Body::Json(json!({"name": "bad name!", "strategy": "auth0"})))
        .await;
    c.expect(
        400,
        "POST",
        "/api/v2/connections",
        t,
        Body::Json(json!({"name": "ok-name", "strategy": "carrier-pigeon"})),
    )
    .await;
    let kpath = format!("/api/v2/connections/{conn_id}");
    c.expect(200, "GET", &kpath, t, Body::None).await;
    let e = c.expect(404, "GET", "/api/v2/connections/con_0000000000000000", t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_connection"));
    let k = c
        .expect(
            200,
            "PATCH",
            &kpath,
            t,
            Body::Json(json!({"options": {"passwordPolicy": "fair"}, "display_name": "Exercise"})),
        )
        .await;
    assert_eq!(k["options"], json!({"passwordPolicy": "fair"}));
    c.expect(400, "PATCH", &kpath, t, Body::Json(json!({"strategy": "samlp"}))).await;
    c.expect(404, "PATCH", "/api/v2/connections/con_0000000000000000", t, Body::Json(json!({"display_name": "x"})))
        .await;
    // A user of the connection goes with it.
    let cu = c
        .expect(
            201,
            "POST",
            "/api/v2/users",
            t,
            Body::Json(json!({"connection": "exercise-db", "email": "conn-user@example.com", "password": "Fair1234"})),
        )
        .await;
    let deleted = c.expect(202, "DELETE", &kpath, t, Body::None).await;
    assert!(deleted["deleted_at"].is_string());
    c.expect(404, "GET", &format!("/api/v2/users/{}", enc(cu["user_id"].as_str().unwrap())), t, Body::None).await;
    c.expect(204, "DELETE", &kpath, t, Body::None).await;
    c.expect(403, "DELETE", &kpath, Some(&read_users), Body::None).await;

    // ---- organizations ----
    let orgs = c.expect(200, "GET", "/api/v2/organizations?include_totals=true", t, Body::None).await;
    assert_eq!(orgs["total"], 12);
    let op1 = c.expect(200, "GET", "/api/v2/organizations?take=5", t, Body::None).await;
    assert_eq!(op1["organizations"].as_array().unwrap().len(), 5);
    c.expect(200, "GET", &format!("/api/v2/organizations?sort={}", q("name:-1")), t, Body::None).await;
    let e = c.expect(400, "GET", "/api/v2/organizations?take=10&from=garbage", t, Body::None).await;
    assert_mgmt_error(&e, 400, Some("invalid_paging"));
    c.expect(400, "GET", "/api/v2/organizations?sort=name", t, Body::None).await;
    let org = c
        .expect(
            201,
            "POST",
            "/api/v2/organizations",
            t,
            Body::Json(json!({"name": "exercise-org", "display_name": "Exercise Org", "metadata": {"tier": "free"}})),
        )
        .await;
    let oid = org["id"].as_str().unwrap().to_owned();
    assert!(oid.starts_with("org_"));
    let e = c.expect(409, "POST", "/api/v2/organizations", t, Body::Json(json!({"name": "exercise-org"}))).await;
    assert_mgmt_error(&e, 409, None);
    c.expect(400, "POST", "/api/v2/organizations", t, Body::Json(json!({"name": "Not A Slug"}))).await;
    let opath = format!("/api/v2/organizations/{oid}");
    c.expect(200, "GET", &opath, t, Body::None).await;
    let e = c.expect(404, "GET", "/api/v2/organizations/org_0000000000000000", t, Body::None).await;
    assert_mgmt_error(&e, 404, None);
    let o = c.expect(200, "PATCH", &opath, t, Body::Json(json!({"display_name": "Exercise Organization"}))).await;
    assert_eq!(o["display_name"], "Exercise Organization");
    c.expect(404, "PATCH", "/api/v2/organizations/org_0000000000000000", t, Body::Json(json!({"display_name": "x"})))
        .await;
    let mpath = format!("{opath}/members");
    c.expect(204, "POST", &mpath, t, Body::Json(json!({"members": ids}))).await;
    let e = c.expect(404, "POST", &mpath, t, Body::Json(json!({"members": ["auth0|nobody"]}))).await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    c.expect(400, "POST", &mpath, t, Body::Json(json!({"members": []}))).await;
    let m = c.expect(200, "GET", &format!("{mpath}?include_totals=true"), t, Body::None).await;
    assert_eq!(m["total"], 3);
    let m1 = c.expect(200, "GET", &format!("{mpath}?take=2"), t, Body::None).await;
    assert!(m1["next"].is_string());
    let with_roles = c.expect(200, "GET", &format!("{mpath}?fields=roles"), t, Body::None).await;
    assert!(with_roles[0]["roles"].is_array());
    c.expect(404, "GET", "/api/v2/organizations/org_0000000000000000/members", t, Body::None).await;
    let mr = c.expect(200, "GET", &format!("{mpath}/{}/roles", enc(&ids[0])), t, Body::None).await;
    assert_eq!(mr, json!([]));
    c.expect(200, "GET", &format!("{mpath}/{}/roles?include_totals=true", enc(&ids[0])), t, Body::None).await;
    c.expect(404, "GET", &format!("{mpath}/{}/roles", enc("auth0|nobody")), t, Body::None).await;
    let uo = c
        .expect(200, "GET", &format!("/api/v2/users/{}/organizations?include_totals=true", enc(&ids[0])), t, Body::None)
        .await;
    assert!(
        uo["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| format!("/api/v2/organizations/{}", o["id"].as_str().unwrap()) == opath)
    );
    c.expect(404, "GET", &format!("/api/v2/users/{}/organizations", enc("auth0|nobody")), t, Body::None).await;
    c.expect(403, "GET", &format!("/api/v2/users/{}/organizations", enc(&ids[0])), Some(&read_users), Body::None).await;
    c.expect(204, "DELETE", &mpath, t, Body::Json(json!({"members": [ids[0]]}))).await;
    c.expect(403, "DELETE", &mpath, Some(&read_users), Body::Json(json!({"members": [ids[0]]}))).await;

    // Roles of a member within the organization: assign (idempotent), list, remove.
    let other_role = roles.as_array().unwrap().iter().find(|r| r["id"] != json!(role_id)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mrpath = format!("{mpath}/{}/roles", enc(&ids[1]));
    c.expect(204, "POST", &mrpath, t, Body::Json(json!({"roles": [role_id, other_role]}))).await;
    c.expect(204, "POST", &mrpath, t, Body::Json(json!({"roles": [role_id]}))).await;
    let held = c.expect(200, "GET", &format!("{mrpath}?include_totals=true"), t, Body::None).await;
    assert_eq!(held["total"], 2, "{held}");
    let held_ids: BTreeSet<&str> = held["roles"].as_array().unwrap().iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(held_ids, BTreeSet::from([role_id.as_str(), other_role.as_str()]));
    let with_roles = c.expect(200, "GET", &format!("{mpath}?fields=user_id,roles"), t, Body::None).await;
    let listed = with_roles.as_array().unwrap().iter().find(|m| m["user_id"] == json!(ids[1])).unwrap();
    assert_eq!(listed["roles"].as_array().unwrap().len(), 2, "{listed}");
    let e = c.expect(400, "POST", &mrpath, t, Body::Json(json!({"roles": []}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(400, "POST", &mrpath, t, Body::Json(json!({"roles": role_id}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(400, "POST", &mrpath, t, Body::Json(json!({}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(404, "POST", &mrpath, t, Body::Json(json!({"roles": ["rol_doesnotexist0000"]}))).await;
    assert_mgmt_error(&e, 404, None);
    let missing_org = format!("/api/v2/organizations/org_0000000000000000/members/{}/roles", enc(&ids[1]));
    let e = c.expect(404, "POST", &missing_org, t, Body::Json(json!({"roles": [role_id]}))).await;
    assert_mgmt_error(&e, 404, None);
    let nobody = format!("{mpath}/{}/roles", enc("auth0|nobody"));
    let e = c.expect(404, "POST", &nobody, t, Body::Json(json!({"roles": [role_id]}))).await;
    assert_mgmt_error(&e, 404, Some("inexistent_user"));
    // ids[0] was removed from the organization above: not a member any more.
    let former = format!("{mpath}/{}/roles", enc(&ids[0]));
    let e = c.expect(404, "POST", &former, t, Body::Json(json!({"roles": [role_id]}))).await;
    assert_mgmt_error(&e, 404, None);
    let e = c.expect(403, "POST", &mrpath, Some(&read_users), Body::Json(json!({"roles": [role_id]}))).await;
    assert!(e["message"].as_str().unwrap().contains("create:organization_member_roles"), "{e}");
    c.expect(204, "DELETE", &mrpath, t, Body::Json(json!({"roles": [other_role]}))).await;
    c.expect(204, "DELETE", &mrpath, t, Body::Json(json!({"roles": [other_role]}))).await;
    let held = c.expect(200, "GET", &mrpath, t, Body::None).await;
    assert_eq!(held.as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>(), vec![json!(role_id)]);
    let e = c.expect(400, "DELETE", &mrpath, t, Body::Json(json!({"roles": []}))).await;
    assert_mgmt_error(&e, 400, Some("invalid_body"));
    let e = c.expect(404, "DELETE", &mrpath, t, Body::Json(json!({"roles": ["rol_doesnotexist0000"]}))).await;
    assert_mgmt_error(&e, 404, None);
    c.expect(404, "DELETE", &missing_org, t, Body::Json(json!({"roles": [role_id]}))).await;
    c.expect(404, "DELETE", &former, t, Body::Json(json!({"roles": [role_id]}))).await;
    let e = c.expect(403, "DELETE", &mrpath, Some(&read_users), Body::Json(json!({"roles": [role_id]}))).await;
    assert!(e["message"].as_str().unwrap().contains("delete:organization_member_roles"), "{e}");
    let assigned_log = format!("Assign roles to member {} in organization {oid}", ids[1]);
    let sapi = c.expect(200, "GET", &format!("/api/v2/logs?q={}&per_page=100", q("type:sapi")), t, Body::None).await;
    assert!(sapi.as_array().unwrap().iter().any(|l| l["description"] == json!(assigned_log)), "{assigned_log}");
    c.expect(204, "DELETE", &opath, t, Body::None).await;
    let e = c.expect(404, "DELETE", &opath, t, Body::None).await;
    assert_mgmt_error(&e, 404, None);

    // ---- logs ----
    let logs = c.expect(200, "GET", "/api/v2/logs?per_page=5", t, Body::None).await;
    assert_eq!(logs.as_array().unwrap().len(), 5);
    let newest = logs[0]["log_id"].as_str().unwrap().to_owned();
    let tl = c.expect(200, "GET", "/api/v2/logs?include_totals=true&per_page=3", t, Body::None).await;
    assert!(tl["total"].as_u64().unwrap() > 300);
    c.expect(200, "GET", &format!("/api/v2/logs?q={}", q("type:sapi AND description:*role*")), t, Body::None).await;
    let oldest = c.expect(200, "GET", "/api/v2/logs?sort=date:1&per_page=1", t, Body::None).await;
    let first_id = oldest[0]["log_id"].as_str().unwrap().to_owned();
    let after = c.expect(200, "GET", &format!("/api/v2/logs?from={first_id}&take=5"), t, Body::None).await;
    assert_eq!(after.as_array().unwrap().len(), 5);
    assert!(after[0]["log_id"].as_str().unwrap() > first_id.as_str());
    c.expect(400, "GET", &format!("/api/v2/logs?q={}", q("type:(s OR")), t, Body::None).await;
    c.expect(400, "GET", "/api/v2/logs?take=500&from=900", t, Body::None).await;
    c.expect(200, "GET", &format!("/api/v2/logs/{newest}"), t, Body::None).await;
    let e = c.expect(404, "GET", "/api/v2/logs/900123", t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_log"));
    c.expect(403, "GET", "/api/v2/logs", Some(&read_users), Body::None).await;

    // ---- grants ----
    let grants = c.expect(200, "GET", "/api/v2/grants?include_totals=true", t, Body::None).await;
    let gid = grants["grants"][0]["id"].as_str().unwrap().to_owned();
    let guser = grants["grants"][0]["user_id"].as_str().unwrap().to_owned();
    c.expect(200, "GET", &format!("/api/v2/grants?user_id={}", q(&guser)), t, Body::None).await;
    c.expect(400, "GET", "/api/v2/grants?page=50&per_page=50", t, Body::None).await;
    c.expect(204, "DELETE", &format!("/api/v2/grants/{gid}"), t, Body::None).await;
    c.expect(403, "DELETE", &format!("/api/v2/grants/{gid}"), Some(&read_users), Body::None).await;

    // ---- resource servers ----
    let apis = c.expect(200, "GET", "/api/v2/resource-servers?include_totals=true", t, Body::None).await;
    assert_eq!(apis["total"], 4);
    let system_id = apis["resource_servers"].as_array().unwrap().iter().find(|r| r["is_system"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = c.expect(201, "POST", "/api/v2/resource-servers", t, Body::Json(json!({"name": "Exercise API", "identifier": "https://exercise.test/api", "scopes": [{"value": "read:things", "description": "Read things"}]}))).await;
    let aid = api["id"].as_str().unwrap().to_owned();
    let e = c
        .expect(
            409,
            "POST",
            "/api/v2/resource-servers",
            t,
            Body::Json(json!({"identifier": "https://exercise.test/api"})),
        )
        .await;
    assert_mgmt_error(&e, 409, Some("conflict"));
    c.expect(
        400,
        "POST",
        "/api/v2/resource-servers",
        t,
        Body::Json(json!({"identifier": "https://x.test", "scopes": [{"description": "no value"}]})),
    )
    .await;
    let apath = format!("/api/v2/resource-servers/{aid}");
    c.expect(200, "GET", &apath, t, Body::None).await;
    c.expect(200, "GET", &format!("/api/v2/resource-servers/{}", enc("https://exercise.test/api")), t, Body::None)
        .await;
    let e = c.expect(404, "GET", "/api/v2/resource-servers/000000000000000000000000", t, Body::None).await;
    assert_mgmt_error(&e, 404, Some("inexistent_resource_server"));
    let a = c.expect(200, "PATCH", &apath, t, Body::Json(json!({"token_lifetime": 3600}))).await;
    assert_eq!(a["token_lifetime"], 3600);
    c.expect(400, "PATCH", &apath, t, Body::Json(json!({"identifier": "https://other.test"}))).await;
    c.expect(403, "PATCH", &format!("/api/v2/resource-servers/{system_id}"), t, Body::Json(json!({"name": "x"}))).await;
    c.expect(404, "PATCH", "/api/v2/resource-servers/000000000000000000000000", t, Body::Json(json!({"name": "x"})))
        .await;
    c.expect(204, "DELETE", &apath, t, Body::None).await;
    c.expect(403, "DELETE", &format!("/api/v2/resource-servers/{system_id}"), t, Body::None).await;
    c.expect(403, "DELETE", &apath, Some(&read_users), Body::None).await;
    c.expect(400, "GET", "/api/v2/resource-servers?per_page=101", t, Body::None).await;

    // ---- user deletion (after its role and org tests) ----
    c.expect(204, "DELETE", &upath, t, Body::None).await;
    c.expect(404, "GET", &upath, t, Body::None).await;
    c.expect(204, "DELETE", &upath, t, Body::None).await;
    c.expect(403, "DELETE", &upath, Some(&read_users), Body::None).await;

    // ---- Teams ----
    let e = c.expect(401, "GET", "/api/members", None, Body::None).await;
    assert_teams_error(&e, 401, "UNAUTHORIZED");
    c.expect(401, "GET", "/api/members", t, Body::None).await;
    let e = c.expect(403, "GET", "/api/members", Some(&teams_read_tenants), Body::None).await;
    assert_teams_error(&e, 403, "INSUFFICIENT_SCOPE");
    let members = c.expect(200, "GET", "/api/members", tt, Body::None).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 8);
    let mp = c.expect(200, "GET", "/api/members?take=3", tt, Body::None).await;
    let mnext = mp["next"].as_str().unwrap().to_owned();
    c.expect(200, "GET", &format!("/api/members?take=3&from={mnext}"), tt, Body::None).await;
    let e = c.expect(400, "GET", "/api/members?take=51", tt, Body::None).await;
    assert_teams_error(&e, 400, "VALIDATION_ERROR");
    c.expect(400, "GET", "/api/members?page=1", tt, Body::None).await;
    let member_id =
        members["members"].as_array().unwrap().iter().find(|m| m["role"] == "teams_contributor").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let mpath = format!("/api/members/{}", enc(&member_id));
    c.expect(200, "GET", &mpath, tt, Body::None).await;
    let e = c.expect(404, "GET", &format!("/api/members/{}", enc("auth0|nobody")), tt, Body::None).await;
    assert_teams_error(&e, 404, "MEMBER_NOT_FOUND");
    let inv = c
        .expect(
            201,
            "POST",
            "/api/members",
            tt,
            Body::Json(json!({"email": "new.person@gatehouse-team.test", "role": "teams_contributor"})),
        )
        .await;
    assert!(inv["id"].as_str().unwrap().starts_with("invite_"));
    let e = c
        .expect(
            409,
            "POST",
            "/api/members",
            tt,
            Body::Json(json!({"email": "new.person@gatehouse-team.test", "role": "teams_contributor"})),
        )
        .await;
    assert_teams_error(&e, 409, "INVITATION_ALREADY_EXISTS");
    let e =
        c.expect(400, "POST", "/api/members", tt, Body::Json(json!({"email": "x@y.test", "role": "emperor"}))).await;
    assert_teams_error(&e, 400, "VALIDATION_ERROR");
    c.expect(400, "POST", "/api/members", tt, Body::Json(json!({"role": "teams_owner"}))).await;
    let up = c.expect(200, "PATCH", &mpath, tt, Body::Json(json!({"role": "teams_report_viewer"}))).await;
    assert_eq!(up["role"], "teams_report_viewer");
    c.expect(400, "PATCH", &mpath, tt, Body::Json(json!({"role": "emperor"}))).await;
    c.expect(
        404,
        "PATCH",
        &format!("/api/members/{}", enc("auth0|nobody")),
        tt,
        Body::Json(json!({"role": "teams_owner"})),
    )
    .await;

    let tenants = c.expect(200, "GET", "/api/tenants", tt, Body::None).await;
    assert_eq!(tenants["tenants"].as_array().unwrap().len(), 6);
    c.expect(200, "GET", "/api/tenants?sort=created_at:1&take=2&environment=US-3", tt, Body::None).await;
    let e = c.expect(400, "GET", "/api/tenants?sort=name:1", tt, Body::None).await;
    assert_teams_error(&e, 400, "VALIDATION_ERROR");
    let created = c.expect(201, "POST", "/api/tenants", tt, Body::Json(json!({"tenant_name": "exercise-tenant", "admin_email": "alice@gatehouse-team.test", "locality": "eu", "environment_tag": "staging"}))).await;
    let tenant_id = created["tenant_id"].as_str().unwrap().to_owned();
    assert!(created["management_client"]["client_secret"].is_string());
    let e = c
        .expect(
            409,
            "POST",
            "/api/tenants",
            tt,
            Body::Json(
                json!({"tenant_name": "exercise-tenant", "admin_email": "alice@gatehouse-team.test", "locality": "eu"}),
            ),
        )
        .await;
    assert_teams_error(&e, 409, "TENANT_ALREADY_EXISTS");
    c.expect(
        400,
        "POST",
        "/api/tenants",
        tt,
        Body::Json(json!({"admin_email": "alice@gatehouse-team.test", "locality": "mars"})),
    )
    .await;
    let private = c
        .expect(
            201,
            "POST",
            "/api/tenants",
            tt,
            Body::Json(json!({"admin_email": "alice@gatehouse-team.test", "environment": "acme-dev"})),
        )
        .await;
    assert!(private.get("locality").is_none());
    let e = c
        .expect(
            404,
            "POST",
            "/api/tenants",
            tt,
            Body::Json(json!({"admin_email": "stranger@else.test", "locality": "us"})),
        )
        .await;
    assert_teams_error(&e, 404, "MEMBER_NOT_FOUND");
    let tpath = format!("/api/tenants/{tenant_id}");
    c.expect(200, "GET", &tpath, tt, Body::None).await;
    let e = c.expect(400, "GET", "/api/tenants/not-a-uuid", tt, Body::None).await;
    assert_teams_error(&e, 400, "VALIDATION_ERROR");
    let e = c.expect(404, "GET", "/api/tenants/00000000-0000-4000-8000-000000000000", tt, Body::None).await;
    assert_teams_error(&e, 404, "TENANT_NOT_FOUND");
    let tm = c.expect(200, "GET", &format!("{tpath}/members"), tt, Body::None).await;
    assert_eq!(tm["members"][0]["roles"], json!(["owner"]));
    c.expect(404, "GET", "/api/tenants/00000000-0000-4000-8000-000000000000/members", tt, Body::None).await;

    let access = format!("{mpath}/tenants");
    let added = c
        .expect(
            200,
            "PUT",
            &access,
            tt,
            Body::Json(
                json!({"tenants": [tenant_id, "00000000-0000-4000-8000-000000000000"], "roles": ["editor-users"]}),
            ),
        )
        .await;
    assert_eq!(added["summary"], json!({"total_count": 2, "success_count": 1, "failure_count": 1}));
    assert_eq!(added["failure"][0]["type"], "TENANT_NOT_FOUND");
    c.expect(400, "PUT", &access, tt, Body::Json(json!({"tenants": [tenant_id], "roles": ["editor-specific-apps"]})))
        .await;
    c.expect(400, "PUT", &access, tt, Body::Json(json!({"tenants": [], "roles": ["owner"]}))).await;
    c.expect(
        404,
        "PUT",
        &format!("/api/members/{}/tenants", enc("auth0|nobody")),
        tt,
        Body::Json(json!({"tenants": [tenant_id], "roles": ["owner"]})),
    )
    .await;
    let changed = c.expect(200, "PATCH", &access, tt, Body::Json(json!({"tenants": [tenant_id], "roles": ["viewer-users", "editor-specific-apps"], "client_ids": ["abcdefghij"]}))).await;
    assert_eq!(changed["summary"]["success_count"], 1);
    c.expect(400, "PATCH", &access, tt, Body::Json(json!({"tenants": [tenant_id], "roles": []}))).await;
    let listed = c.expect(200, "GET", &format!("{access}/EU-1"), tt, Body::None).await;
    assert_eq!(listed["environment"], "EU-1", "{listed}");
    assert!(listed["tenants"].as_array().unwrap().iter().any(|x| x["tenant_id"] == json!(tenant_id)));
    c.expect(404, "GET", &format!("/api/members/{}/tenants/EU-1", enc("auth0|nobody")), tt, Body::None).await;
    let removed = c.expect(200, "DELETE", &access, tt, Body::Json(json!({"tenants": [tenant_id]}))).await;
    assert_eq!(removed["success"][0]["tenant_ids"], json!([tenant_id]));
    c.expect(400, "DELETE", &access, tt, Body::Json(json!({"tenants": [tenant_id], "roles": ["owner"]}))).await;

    let envs = c.expect(200, "GET", "/api/environments", tt, Body::None).await;
    assert!(envs["environments"].as_array().unwrap().iter().any(|e| e == "EU-1"));
    let act = c.expect(200, "GET", "/api/activity/logs?take=10", tt, Body::None).await;
    assert_eq!(act["logs"].as_array().unwrap().len(), 10);
    assert!(act["next"].is_string());
    let ours = c
        .expect(200, "GET", &format!("/api/activity/logs?type={}&status=Success", q("Tenant Activity")), tt, Body::None)
        .await;
    assert!(
        ours["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["current_event"] == "tenant_created" && l["actor"]["type"] == "machine")
    );
    c.expect(400, "GET", "/api/activity/logs?since=yesterday", tt, Body::None).await;
    c.expect(400, "GET", "/api/activity/logs?status=Maybe", tt, Body::None).await;
    c.expect(403, "GET", "/api/activity/logs", Some(&teams_read_tenants), Body::None).await;

    c.expect(204, "DELETE", &tpath, tt, Body::None).await;
    c.expect(404, "DELETE", &tpath, tt, Body::None).await;
    c.expect(400, "DELETE", "/api/tenants/nope", tt, Body::None).await;
    c.expect(204, "DELETE", &mpath, tt, Body::None).await;
    c.expect(404, "DELETE", &mpath, tt, Body::None).await;
    c.expect(403, "DELETE", &mpath, Some(&teams_read_tenants), Body::None).await;

    // Write operations left log events and activity.
    let sapi = c.expect(200, "GET", &format!("/api/v2/logs?q={}&per_page=100", q("type:sapi")), t, Body::None).await;
    assert!(sapi.as_array().unwrap().iter().any(|l| {
        l["description"].as_str().unwrap_or("").starts_with("Create a role")
            || l["details"]["request"]["path"] == "/api/v2/roles"
    }));
    let fapi = c.expect(200, "GET", &format!("/api/v2/logs?q={}&per_page=5", q("type:fapi")), t, Body::None).await;
    assert!(!fapi.as_array().unwrap().is_empty());

    let mut exchanges = c.exchanges();
    h.shutdown().await.expect("shutdown");
    exchanges.extend(rate_limited().await);
    exchanges
}

/// A rate-limited emulator answering 429 in both APIs' shapes.
async fn rate_limited() -> Vec<Exchange> {
    let (h, c) = start_with(Config { rate_limit: Some(0.5), burst: Some(3), seed_users: 5, ..Config::default() }).await;
    let mgmt = h.management_audience.clone();
    let teams = h.teams_audience.clone();
    let token = c.token(&h, &mgmt, None).await;
    let teams_token = c.token(&h, &teams, None).await;
    let mut saw = (false, false);
    for _ in 0..5 {
        let r = c.send("GET", "/api/v2/roles", Some(&token), Body::None).await;
        assert!(r.header("x-ratelimit-limit").is_some() && r.header("x-ratelimit-reset").is_some());
        if r.status == 429 {
            let v = r.json();
            assert_mgmt_error(&v, 429, Some("too_many_requests"));
            assert_eq!(v["message"], "Global limit has been reached");
            assert!(r.header("retry-after").is_some());
            assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
            saw.0 = true;
        }
        let r = c.send("GET", "/api/environments", Some(&teams_token), Body::None).await;
        if r.status == 429 {
            assert_teams_error(&r.json(), 429, "TOO_MANY_REQUESTS");
            saw.1 = true;
        }
    }
    assert_eq!(saw, (true, true));
    let ex = c.exchanges();
    h.shutdown().await.expect("shutdown");
    ex
}

/// Operations answered with a success at least once.
pub fn covered(exchanges: &[Exchange]) -> BTreeSet<&'static str> {
    exchanges.iter().filter(|e| (200..300).contains(&e.status)).filter_map(|e| e.op).map(OperationId::name).collect()
}

/// Every operation of the table.
pub fn all_operations() -> BTreeSet<&'static str> {
    OPERATIONS.iter().map(|s| s.id.name()).collect()
}
