//! No principal widens its own or anyone's Gatehouse access beyond its own:
//! every path of escalation is refused with a 403 that says why, and
//! audited; the allowed cases stay allowed.

use crate::Harness;
use crate::browser::{Browser, Resp};
use gatehouse_bff::{AuditQuery, Decision};
use reqwest::Method;
use serde_json::{Value, json};

/// The id of a role of the emulated tenant, by name.
async fn role_id(h: &Harness, name: &str) -> String {
    let (status, roles) = h.direct(Method::GET, &format!("/api/v2/roles?name_filter={name}"), None).await;
    assert_eq!(status, 200, "{roles}");
    roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("role {name}"))
        .to_owned()
}

/// The user id of a user of the emulated tenant, by email.
async fn user_id(h: &Harness, email: &str) -> String {
    let q = url::form_urlencoded::byte_serialize(format!("email:\"{email}\"").as_bytes()).collect::<String>();
    let (status, users) = h.direct(Method::GET, &format!("/api/v2/users?q={q}&search_engine=v3"), None).await;
    assert_eq!(status, 200, "{users}");
    users.as_array().unwrap().first().and_then(|u| u["user_id"].as_str()).expect("user").to_owned()
}

/// The names of a user's roles, read directly from the emulator.
async fn role_names(h: &Harness, user: &str) -> Vec<String> {
    let (status, roles) = h.direct(Method::GET, &format!("/api/v2/users/{}/roles", enc(user)), None).await;
    assert_eq!(status, 200, "{roles}");
    let mut names: Vec<String> =
        roles.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Checks a refusal: 403, `gatehouse_escalation`, the message, and a denied audit entry saying the same.
fn refused(h: &Harness, r: &Resp, starts: &str) {
    assert_eq!(r.status, 403, "{}", r.text());
    let j = r.json();
    assert_eq!(j["errorCode"], "gatehouse_escalation", "{j}");
    let message = j["message"].as_str().unwrap();
    assert!(message.starts_with(starts), "{message}\n  does not start with\n{starts}");
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Denied);
    assert_eq!(entry.status, Some(403));
    assert_eq!(entry.sentence, message, "the audit log says what the caller was told");
}

struct Demo {
    support: String,
    admin: String,
    viewer: String,
    admin_role: String,
    support_role: String,
    viewer_role: String,
}

async fn demo(h: &Harness) -> Demo {
    Demo {
        support: user_id(h, "support@demo.test").await,
        admin: user_id(h, "admin@demo.test").await,
        viewer: user_id(h, "viewer@demo.test").await,
        admin_role: role_id(h, "gatehouse-admin").await,
        support_role: role_id(h, "gatehouse-support").await,
        viewer_role: role_id(h, "gatehouse-viewer").await,
    }
}

async fn post(b: &Browser, path: &str, body: Value) -> Resp {
    b.api(Method::POST, path, Some(body)).await
}

#[tokio::test]
async fn support_cannot_make_itself_or_anyone_admin() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    let s = h.login("support@demo.test").await;

    // The walk of the issue: support assigns gatehouse-admin to itself.
    let r = post(&s, &format!("/api/v2/users/{}/roles", enc(&d.support)), json!({"roles": [d.admin_role]})).await;
    refused(&h, &r, "support@demo.test may not change its own roles");
    // Even an ordinary role, or its own, on itself.
    let r = post(&s, &format!("/api/v2/users/{}/roles", enc(&d.support)), json!({"roles": [d.support_role]})).await;
    refused(&h, &r, "support@demo.test may not change its own roles");
    let r = s
        .api(
            Method::DELETE,
            &format!("/api/v2/users/{}/roles", enc(&d.support)),
            Some(json!({"roles": [d.support_role]})),
        )
        .await;
    refused(&h, &r, "support@demo.test may not change its own roles");

    // gatehouse-admin to someone else.
    let r = post(&s, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.admin_role]})).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin: it grants *:full");
    assert!(r.json()["message"].as_str().unwrap().ends_with("which support@demo.test lacks"));
    assert!(r.json()["missing"].as_array().unwrap().contains(&json!("*:full")));
    // The viewer role grants reads support lacks.
    let r = post(&s, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.viewer_role]})).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-viewer: it grants *:read");
    // Hidden among allowed roles, in one call.
    let r =
        post(&s, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.support_role, d.admin_role]})).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin");
    assert_eq!(role_names(&h, &ana).await, Vec::<String>::new(), "nothing was assigned");
    assert_eq!(role_names(&h, &d.support).await, ["gatehouse-support"]);

    // Through a session reloaded after the attempts: still support, nothing more.
    let me = h.login("support@demo.test").await.api_get("/auth/me").await.json();
    assert_eq!(me["roles"], json!(["gatehouse-support"]));
    assert_eq!(me["permissions"]["clients"], "off");
}

#[tokio::test]
async fn support_cannot_touch_admins_or_viewers() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let s = h.login("support@demo.test").await;
    let admin = enc(&d.admin);
    let viewer = enc(&d.viewer);
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{admin}"), Some(json!({"blocked": true}))).await;
    refused(
        &h,
        &r,
        &format!("support@demo.test may not block user admin@demo.test ({}): they hold role gatehouse-admin", d.admin),
    );
    let r = s.api(Method::DELETE, &format!("/api/v2/users/{admin}"), None).await;
    refused(&h, &r, "support@demo.test may not delete user admin@demo.test");
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{admin}"), Some(json!({"email": "mine@evil.test"}))).await;
    refused(&h, &r, "support@demo.test may not change user admin@demo.test");
    let r = s
        .api(
            Method::PATCH,
            &format!("/api/v2/users/{admin}"),
            Some(json!({"password": "Another-pass-123", "connection": "Username-Password-Authentication"})),
        )
        .await;
    refused(&h, &r, "support@demo.test may not change user admin@demo.test");
    let r =
        s.api(Method::DELETE, &format!("/api/v2/users/{admin}/roles"), Some(json!({"roles": [d.admin_role]}))).await;
    refused(&h, &r, "support@demo.test may not remove role gatehouse-admin");
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{viewer}"), Some(json!({"blocked": true}))).await;
    refused(&h, &r, "support@demo.test may not block user viewer@demo.test");
    // Nothing happened to them.
    let (_, a) = h.direct(Method::GET, &format!("/api/v2/users/{admin}"), None).await;
    assert_eq!(a["email"], "admin@demo.test");
    assert_ne!(a["blocked"], true);
    assert_eq!(role_names(&h, &d.admin).await, ["gatehouse-admin"]);
    // Reads stay as the policy says.
    assert_eq!(s.api_get(&format!("/api/v2/users/{admin}")).await.status, 200);
}

#[tokio::test]
async fn support_manages_ordinary_users() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    let s = h.login("support@demo.test").await;
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(json!({"blocked": true}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(json!({"blocked": false}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Its own level is within its access: support may make another support.
    let r = post(&s, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.support_role]})).await;
    assert!(r.status < 300, "{}", r.text());
    assert_eq!(role_names(&h, &ana).await, ["gatehouse-support"]);
    // Its own profile, but not its own block.
    let r =
        s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&d.support)), Some(json!({"name": "Sam Support"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&d.support)), Some(json!({"blocked": true}))).await;
    refused(&h, &r, "support@demo.test may not block itself");
    let r = s.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&d.support)), None).await;
    refused(&h, &r, "support@demo.test may not delete itself");
    // A user that does not exist is the tenant's to refuse.
    let r = s.api(Method::PATCH, "/api/v2/users/auth0%7Cnobody", Some(json!({"blocked": true}))).await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[tokio::test]
async fn admins_assign_and_manage_but_not_themselves() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    let a = h.login("admin@demo.test").await;
    let r = post(&a, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.support_role]})).await;
    assert!(r.status < 300, "{}", r.text());
    let entry = h.last_audit();
    assert_eq!(entry.decision, Decision::Allowed);
    let ana_email = h.direct(Method::GET, &format!("/api/v2/users/{}", enc(&ana)), None).await.1["email"].clone();
    assert!(
        entry.sentence.starts_with(&format!(
            "admin@demo.test assigned role gatehouse-support to user {} ({ana})",
            ana_email.as_str().unwrap()
        )),
        "the guard's lookups name the role and the user: {}",
        entry.sentence
    );
    let r = post(&a, &format!("/api/v2/users/{}/roles", enc(&d.viewer)), json!({"roles": [d.admin_role]})).await;
    assert!(r.status < 300, "an admin may make another admin: {}", r.text());
    let r = a.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&d.support)), Some(json!({"blocked": true}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let entry = h.last_audit();
    assert!(
        entry.sentence.starts_with(&format!("admin@demo.test blocked user support@demo.test ({})", d.support)),
        "{}",
        entry.sentence
    );
    let r = a.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&ana)), None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let entry = h.last_audit();
    assert!(
        entry.sentence.contains(&format!("deleted user {} ({ana})", ana_email.as_str().unwrap())),
        "{}",
        entry.sentence
    );
    let r = a
        .api(Method::DELETE, &format!("/api/v2/users/{}/roles", enc(&d.admin)), Some(json!({"roles": [d.admin_role]})))
        .await;
    refused(&h, &r, "admin@demo.test may not change its own roles");
    let r = a.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&d.admin)), None).await;
    refused(&h, &r, "admin@demo.test may not delete itself");
}

#[tokio::test]
async fn bulk_and_role_side_paths_are_refused() {
    let mut rm_key = String::new();
    let h = Harness::with(|c, _| {
        // A role manager (an API key) without applications access.
        let (key, entry) =
            gatehouse_bff::apikeys::generate(gatehouse_bff::Grants::parse_list("users=full,roles=full").unwrap());
        c.api_keys.insert("role-manager".into(), entry);
        rm_key = key;
    })
    .await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    // API keys follow the same rules: `operator` has users=full.
    let k = h.key_client("operator");
    let r = post(&k, &format!("/api/v2/users/{}/roles", enc(&ana)), json!({"roles": [d.admin_role]})).await;
    refused(&h, &r, "operator may not assign role gatehouse-admin");
    let r = k.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&d.admin)), None).await;
    refused(&h, &r, "operator may not delete user admin@demo.test");

    // A role manager: everything about roles, but not beyond its own access.
    let mut rm = h.browser();
    rm.default_headers.push(("authorization".into(), format!("Bearer {rm_key}")));
    // Bulk: the role's users, one of them beyond its access.
    let r = post(&rm, &format!("/api/v2/roles/{}/users", d.admin_role), json!({"users": [d.viewer]})).await;
    refused(&h, &r, "");
    assert!(r.json()["message"].as_str().unwrap().contains("may not"));
    let (_, plain) =
        h.direct(Method::POST, "/api/v2/roles", Some(json!({"name": "editors", "description": "e"}))).await;
    let plain = plain["id"].as_str().unwrap().to_owned();
    let r = post(&rm, &format!("/api/v2/roles/{plain}/users"), json!({"users": [d.support, d.admin]})).await;
    refused(&h, &r, "");
    assert!(r.json()["message"].as_str().unwrap().contains("admin@demo.test"), "{}", r.text());
    let r = post(&rm, &format!("/api/v2/roles/{plain}/users"), json!({"users": [d.support]})).await;
    assert!(r.status < 300, "ordinary role to a support user: {}", r.text());
    // Renaming an ordinary role into a policy role, deleting or renaming a policy role.
    let r = rm.api(Method::PATCH, &format!("/api/v2/roles/{plain}"), Some(json!({"name": "gatehouse-admin"}))).await;
    refused(&h, &r, "");
    assert!(r.json()["message"].as_str().unwrap().contains("rename a role to gatehouse-admin"));
    let r = rm.api(Method::DELETE, &format!("/api/v2/roles/{}", d.admin_role), None).await;
    refused(&h, &r, "");
    assert!(r.json()["message"].as_str().unwrap().contains("may not delete role gatehouse-admin"));
    let r = rm.api(Method::PATCH, &format!("/api/v2/roles/{}", d.viewer_role), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = post(&rm, "/api/v2/roles", json!({"name": "gatehouse-viewer", "description": "dup"})).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Ordinary role edits pass.
    let r = rm.api(Method::PATCH, &format!("/api/v2/roles/{plain}"), Some(json!({"description": "changed"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Every refusal was audited as a denial.
    let denied = h.audit(AuditQuery { decision: Some(Decision::Denied), ..AuditQuery::default() });
    assert!(denied.len() >= 7, "{}", denied.len());
    assert!(denied.iter().all(|e| e.sentence.contains("may not")));
}

#[tokio::test]
async fn me_says_which_roles_the_caller_may_assign() {
    let h = Harness::start().await;
    let d = demo(&h).await;
    let me = h.login("support@demo.test").await.api_get("/auth/me").await.json();
    assert_eq!(me["subject"], d.support.as_str());
    let roles = me["policyRoles"].as_array().unwrap();
    let role = |n: &str| roles.iter().find(|r| r["name"] == n).unwrap().clone();
    assert_eq!(role("gatehouse-support")["assignable"], true);
    assert_eq!(role("gatehouse-admin")["assignable"], false);
    assert!(role("gatehouse-admin")["missing"].as_array().unwrap().contains(&json!("*:full")));
    assert_eq!(role("gatehouse-viewer")["grants"]["*"], "read");
    let me = h.login("admin@demo.test").await.api_get("/auth/me").await.json();
    // Every role but the owner's, whose `secrets` the admin lacks.
    for r in me["policyRoles"].as_array().unwrap() {
        let owner = r["name"] == "gatehouse-owner";
        assert_eq!(r["assignable"], !owner, "{r}");
        if owner {
            assert_eq!(r["missing"], json!(["secrets:full"]));
        }
    }
    let me = h.key_client("reader").api_get("/auth/me").await.json();
    assert_eq!(me["subject"], Value::Null);
}

#[tokio::test]
async fn app_metadata_roles_are_guarded_when_configured() {
    let h = Harness::with(|c, _| {
        let mut policy = gatehouse_bff::Policy::demo();
        policy.app_metadata_roles = Some("gatehouse.roles".into());
        c.policy = Some(policy);
    })
    .await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    let s = h.login("support@demo.test").await;
    let set = |roles: Value| json!({"app_metadata": {"gatehouse": {"roles": roles}}});
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(set(json!(["gatehouse-admin"])))).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin");
    let r =
        s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(set(json!(["gatehouse-support"])))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s
        .api(Method::PATCH, &format!("/api/v2/users/{}", enc(&d.support)), Some(set(json!(["gatehouse-admin"]))))
        .await;
    refused(&h, &r, "support@demo.test may not change its own roles");
    let r = post(
        &s,
        "/api/v2/users",
        json!({"connection": "Username-Password-Authentication", "email": "new-admin@acme.test", "password": "Very-long-pass-123", "app_metadata": {"gatehouse": {"roles": "gatehouse-admin"}}}),
    )
    .await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin");
    // A user holding a metadata role beyond support's access is protected like a role holder.
    let (status, _) =
        h.direct(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(set(json!(["gatehouse-viewer"])))).await;
    assert_eq!(status, 200);
    let r = s.api(Method::PATCH, &format!("/api/v2/users/{}", enc(&ana)), Some(json!({"blocked": true}))).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Other metadata is not a role change.
    let r = s
        .api(
            Method::PATCH,
            &format!("/api/v2/users/{}", enc(&d.support)),
            Some(json!({"app_metadata": {"plan": "gold"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// A policy where support may manage much of the tenant, but not everything.
fn wide_support(c: &mut gatehouse_bff::Config) {
    c.policy = Some(
        toml::from_str(
            "[roles.gatehouse-admin]\n'*' = 'full'\n[roles.gatehouse-viewer]\n'*' = 'read'\n\
             [roles.gatehouse-support]\nusers = 'full'\norganizations = 'full'\nroles = 'full'\ngroups = 'full'\n\
             actions = 'full'\nrules = 'full'\nhooks = 'full'\nforms = 'full'\nflows = 'full'\n",
        )
        .unwrap(),
    );
}

/// The operations added with the whole catalog that can give roles: to an
/// organization member, to a group of users, from a role to groups.
#[tokio::test]
async fn roles_cannot_be_given_through_organizations_or_groups() {
    let h = Harness::with(|c, _| wide_support(c)).await;
    let d = demo(&h).await;
    let ana = h.some_user_id().await;
    let s = h.login("support@demo.test").await;
    let r =
        post(&s, &format!("/api/v2/organizations/org_x/members/{}/roles", enc(&ana)), json!({"roles": [d.admin_role]}))
            .await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin: it grants *:full");
    let r = s
        .api(
            Method::DELETE,
            &format!("/api/v2/organizations/org_x/members/{}/roles", enc(&d.admin)),
            Some(json!({"roles": [d.support_role]})),
        )
        .await;
    refused(&h, &r, "support@demo.test may not change the roles of user admin@demo.test");
    let r = post(&s, "/api/v2/groups/grp_x/roles", json!({"roles": [d.viewer_role]})).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-viewer");
    let r = post(&s, &format!("/api/v2/roles/{}/groups", d.admin_role), json!({"groups": ["grp_x"]})).await;
    refused(&h, &r, "support@demo.test may not assign role gatehouse-admin");
    let r =
        s.api(Method::DELETE, &format!("/api/v2/roles/{}/groups", d.admin_role), Some(json!({"groups": ["g"]}))).await;
    refused(&h, &r, "support@demo.test may not remove role gatehouse-admin");
    // Its own membership's roles, even ordinary ones.
    let r = post(
        &s,
        &format!("/api/v2/organizations/org_x/members/{}/roles", enc(&d.support)),
        json!({"roles": ["rol_plain"]}),
    )
    .await;
    refused(&h, &r, "support@demo.test may not change its own roles");
    // Its own sessions and authenticators are its own business, but not another admin's account.
    let r = s.api(Method::DELETE, &format!("/api/v2/users/{}/authenticators", enc(&d.admin)), None).await;
    refused(&h, &r, "support@demo.test may not change user admin@demo.test");
    let r =
        post(&s, &format!("/api/v2/users/{}/identities", enc(&d.viewer)), json!({"provider": "auth0", "user_id": "x"}))
            .await;
    refused(&h, &r, "support@demo.test may not change user viewer@demo.test");
    // Ordinary users and roles stay support's to manage: forwarded (whatever the tenant answers).
    let r = post(&s, "/api/v2/groups/grp_x/roles", json!({"roles": ["rol_plain"]})).await;
    assert_ne!(r.status, 403, "{}", r.text());
}

/// Code that runs at sign-in can put any role into anyone's token: only a
/// principal holding everything every policy role grants may change it.
#[tokio::test]
async fn sign_in_code_needs_everything() {
    let h = Harness::with(|c, _| wide_support(c)).await;
    let s = h.login("support@demo.test").await;
    for (method, path, body) in [
        (Method::POST, "/api/v2/actions/actions", Some(json!({"name": "x", "supported_triggers": [], "code": ""}))),
        (Method::PATCH, "/api/v2/actions/actions/act_1", Some(json!({"code": "api.idToken.setCustomClaim()"}))),
        (Method::POST, "/api/v2/actions/actions/act_1/deploy", None),
        (Method::PATCH, "/api/v2/actions/triggers/post-login/bindings", Some(json!({"bindings": []}))),
        (Method::POST, "/api/v2/rules", Some(json!({"name": "r", "script": "function(){}"}))),
        (
            Method::POST,
            "/api/v2/hooks",
            Some(json!({"name": "h", "script": "", "triggerId": "post-user-registration"})),
        ),
    ] {
        let r = s.api(method, path, body).await;
        refused(&h, &r, "support@demo.test may not change code that runs at sign-in");
        assert!(r.text().contains("gatehouse-admin") || r.text().contains("gatehouse-viewer"), "{}", r.text());
    }
    // Reading it is fine.
    assert_ne!(s.api_get("/api/v2/actions/actions").await.status, 403);
    // An admin holding everything may.
    let a = h.login("admin@demo.test").await;
    let r = a.api(Method::POST, "/api/v2/actions/actions/act_1/deploy", None).await;
    assert_ne!(r.status, 403, "{}", r.text());
}

/// The BFF's own applications and their grants are never changed through it,
/// by anyone: that would cut the BFF off or hand its credentials out.
#[tokio::test]
async fn the_bffs_own_applications_are_out_of_reach() {
    let h = Harness::start().await;
    let a = h.login("admin@demo.test").await;
    let m2m = h.emulator().client_id.clone();
    let web = h.emulator().web_client_id.clone();
    for (method, path, body) in [
        (Method::PATCH, format!("/api/v2/clients/{m2m}"), Some(json!({"name": "mine now"}))),
        (Method::DELETE, format!("/api/v2/clients/{m2m}"), None),
        (Method::POST, format!("/api/v2/clients/{m2m}/rotate-secret"), None),
        (Method::POST, format!("/api/v2/clients/{m2m}/credentials"), Some(json!({"credential_type": "public_key"}))),
        (Method::PATCH, format!("/api/v2/clients/{web}"), Some(json!({"callbacks": ["https://evil.test/cb"]}))),
        (Method::DELETE, format!("/api/v2/clients/{web}"), None),
    ] {
        let r = a.api(method.clone(), &path, body).await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text());
        assert_eq!(r.json()["errorCode"], "gatehouse_protected");
        let e = h.last_audit();
        assert_eq!(e.decision, Decision::Denied);
        assert!(e.sentence.contains("belongs to Gatehouse itself"), "{}", e.sentence);
    }
    // Reading it, and changing other applications, stays allowed.
    assert_eq!(a.api_get(&format!("/api/v2/clients/{m2m}")).await.status, 200);
    assert_ne!(a.api(Method::POST, "/api/v2/clients/other/rotate-secret", None).await.status, 403);
    // The BFF still works.
    assert_eq!(a.api_get("/api/v2/users?per_page=1").await.status, 200);
}
