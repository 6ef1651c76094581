//! Every demo principal × every operation of the catalog (both APIs): exactly
//! what the policy says. Allowed calls are forwarded and audited as allowed;
//! the others are refused with 403 before the tenant is called, and audited
//! with the sentence the model derives for the operation.

use crate::Harness;
use gatehouse_bff::{AuditQuery, Decision, Outcome, Policy, Target};
use gatehouse_model::catalog::{CATALOG, Media, OpDesc};
use gatehouse_model::operation::Verb;
use gatehouse_model::path;
use gatehouse_model::policy::{access_of, group_of};
use reqwest::Method;

fn method(v: Verb) -> Method {
    Method::from_bytes(v.as_http().as_str().as_bytes()).unwrap()
}

/// Calls `op` with ids that exist nowhere (so allowed writes change
/// nothing) and `{}` as the body where it takes JSON.
async fn call(b: &crate::browser::Browser, op: &OpDesc) -> crate::browser::Resp {
    let ids: Vec<&str> = op.path_params().map(|_| "gatehouse-matrix-missing").collect();
    let p = path::fill(op.path, &ids).unwrap();
    let json_body = op.body.is_some_and(|b| b.media.contains(&Media::Json));
    if op.verb == Verb::Get {
        b.api_get(&p).await
    } else if json_body {
        b.api(method(op.verb), &p, Some(serde_json::json!({}))).await
    } else {
        b.api(method(op.verb), &p, None).await
    }
}

#[tokio::test]
async fn each_principal_gets_exactly_what_the_policy_says_on_every_operation() {
    let h = Harness::start().await;
    let policy = Policy::demo();
    let principals = [
        ("admin@demo.test", "gatehouse-admin"),
        ("viewer@demo.test", "gatehouse-viewer"),
        ("support@demo.test", "gatehouse-support"),
        ("owner@demo.test", "gatehouse-owner"),
    ];
    let mut escalations = 0;
    let mut checked = 0;
    let mut forwarded = 0;
    for (email, role) in principals {
        let b = h.login(email).await;
        let grants = &policy.roles[role];
        for op in CATALOG.iter().copied() {
            let r = call(&b, op).await;
            let allowed = grants.allows_op(op);
            let entry = h.last_audit();
            assert_eq!(entry.operation.as_deref(), Some(op.name), "{email} {}: audited", op.name);
            assert_eq!(entry.resource.as_deref(), Some(group_of(op.name)));
            assert_eq!(entry.principal, email);
            if allowed {
                // Operations whose every scope is a user's own (`*:current_user_*`)
                // cannot be called with the BFF's machine-to-machine token: the
                // BFF says so itself and never forwards them.
                let user_token_only = gatehouse_model::policy::needs_user_token(op);
                // Code that runs at sign-in can give any role, so only a
                // principal holding every role's access (secrets included)
                // may change it: the escalation rules refuse the others.
                let escalation = r.status == 403 && r.json()["errorCode"] == "gatehouse_escalation";
                if user_token_only {
                    assert_eq!(r.json()["errorCode"], "gatehouse_needs_user_token", "{email} {}", op.name);
                    assert_eq!(entry.outcome, Outcome::NotSent);
                } else if escalation {
                    assert!(grants.level(Target::Secrets) < gatehouse_bff::Level::Full, "{email} {}", op.name);
                    assert_eq!(r.json()["missing"], serde_json::json!(["secrets:full"]), "{email} {}", op.name);
                    assert_eq!(entry.decision, Decision::Denied);
                    assert_eq!(entry.outcome, Outcome::NotSent);
                    escalations += 1;
                    checked += 1;
                    continue;
                } else {
                    assert_ne!(r.status, 403, "{email} {} should be allowed: {}", op.name, r.text());
                }
                assert_eq!(entry.decision, Decision::Allowed, "{email} {}", op.name);
                // Forwarded to the tenant unless its body was refused first
                // (a typed table row), or it needs a user's own token.
                if entry.outcome != Outcome::NotSent {
                    forwarded += 1;
                } else if !user_token_only {
                    assert!(matches!(r.status, 400 | 415), "{email} {}: {} {}", op.name, r.status, r.text());
                }
            } else {
                assert_eq!(r.status, 403, "{email} {} should be denied: {}", op.name, r.text());
                let j = r.json();
                let level = if access_of(op) == gatehouse_model::Access::Read { "read" } else { "full" };
                let missing = format!("{}:{level}", op.name);
                assert_eq!(j["errorCode"], "gatehouse_denied");
                assert_eq!(j["missing"], missing.as_str());
                assert!(j["message"].as_str().unwrap().starts_with(&format!("{email} may not ")), "{j}");
                assert!(j["message"].as_str().unwrap().ends_with(&format!(": needs {missing}")), "{j}");
                assert_eq!(entry.decision, Decision::Denied);
                assert_eq!(entry.outcome, Outcome::NotSent, "an operation that is off never reaches the tenant");
                assert_eq!(entry.reason.as_deref(), Some(format!("needs {missing}").as_str()));
                assert!(entry.sentence.starts_with(&format!("{email} was denied ")), "{}", entry.sentence);
                assert!(!entry.sentence.contains("calling"), "{}: {}", op.name, entry.sentence);
            }
            checked += 1;
        }
        // The audit log itself: admin full, viewer read, support off.
        let r = b.api_get("/audit?per_page=5").await;
        let expect = grants.level(Target::Audit) >= gatehouse_bff::Level::Read;
        assert_eq!(r.status == 200, expect, "{email} /audit: {}", r.status);
        if !expect {
            assert_eq!(r.json()["missing"], "audit:read");
        }
    }
    assert_eq!(checked, CATALOG.len() * principals.len());
    assert!(forwarded > CATALOG.len(), "most allowed calls reach the tenant: {forwarded}");
    // Every denial is in the audit log.
    let expected_denials: usize = principals
        .iter()
        .map(|(_, role)| {
            let g = &policy.roles[*role];
            CATALOG.iter().filter(|op| !g.allows_op(op)).count()
                + usize::from(g.level(Target::Audit) < gatehouse_bff::Level::Read)
        })
        .sum::<usize>()
        + escalations;
    // The owner, who holds everything, is never refused as an escalation; the
    // admin, who lacks `secrets`, is for every change of sign-in code.
    assert!(escalations > 0, "the admin may not change code that runs at sign-in");
    let total_denied = {
        let store = gatehouse_bff::SqliteAuditStore::open(&h.config.database).unwrap();
        gatehouse_bff::AuditStore::query(
            &store,
            &AuditQuery { decision: Some(Decision::Denied), per_page: 1, ..AuditQuery::default() },
        )
        .unwrap()
        .total
    };
    assert_eq!(total_denied as usize, expected_denials);
}

/// Per-operation overrides, in a configured role and in an API key: the most
/// specific entry wins, an `off` operation is refused before the tenant is
/// called, and earlier names are read as aliases.
#[tokio::test]
async fn per_operation_overrides_in_roles_and_keys() {
    let mut key = String::new();
    let h = Harness::with(|c, _| {
        c.policy = Some(
            toml::from_str(
                "[roles.gatehouse-support]\nusers = 'full'\n'users.delete' = 'off'\napplications = 'read'\n\
                 [roles.gatehouse-viewer]\n'*' = 'read'\nusers.permissions.create = 'full'\n\
                 [roles.gatehouse-admin]\n'*' = 'full'\n",
            )
            .unwrap(),
        );
        let (k, entry) = gatehouse_bff::apikeys::generate(
            gatehouse_bff::Grants::parse_list("users=full,users.delete=off,clientGrants.list=read,apis=read").unwrap(),
        );
        c.api_keys.insert("agent".into(), entry);
        key = k;
    })
    .await;
    let user = h.some_user_id().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let user_path = format!("/api/v2/users/{}", enc(&user));

    let support = h.login("support@demo.test").await;
    let mut agent = h.browser();
    agent.default_headers.push(("authorization".into(), format!("Bearer {key}")));
    for (who, b) in [("support@demo.test", &support), ("agent", &agent)] {
        let r = b.api(Method::DELETE, &user_path, None).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text());
        assert_eq!(r.json()["missing"], "users.delete:full");
        let e = h.last_audit();
        assert_eq!(e.decision, Decision::Denied);
        assert_eq!(e.outcome, Outcome::NotSent);
        assert_eq!(e.principal, who);
        // The rest of the group stays full.
        let r = b.api(Method::PATCH, &user_path, Some(serde_json::json!({"user_metadata": {"n": 1}}))).await;
        assert_eq!(r.status, 200, "{who}: {}", r.text());
        let r = b.api_get(&format!("{user_path}/permissions")).await;
        assert_ne!(r.status, 403, "{who}: {}", r.text());
    }
    // Aliases: `applications` is `clients`, `apis` is `resourceServers`.
    assert_eq!(support.api_get("/api/v2/clients").await.status, 200);
    assert_eq!(support.api(Method::POST, "/api/v2/clients", Some(serde_json::json!({"name": "x"}))).await.status, 403);
    assert_eq!(agent.api_get("/api/v2/resource-servers").await.status, 200);
    // An operation named alone, with its group off.
    assert_ne!(agent.api_get("/api/v2/client-grants").await.status, 403);
    assert_eq!(agent.api(Method::POST, "/api/v2/client-grants", Some(serde_json::json!({}))).await.status, 403);
    // A single operation lifted above its group's level.
    let viewer = h.login("viewer@demo.test").await;
    let r = viewer
        .api(Method::POST, &format!("{user_path}/permissions"), Some(serde_json::json!({"permissions": []})))
        .await;
    assert_ne!(r.status, 403, "{}", r.text());
    assert_eq!(h.last_audit().decision, Decision::Allowed);
    let r = viewer
        .api(Method::DELETE, &format!("{user_path}/permissions"), Some(serde_json::json!({"permissions": []})))
        .await;
    assert_eq!(r.status, 403);
    let e = h.last_audit();
    assert_eq!(
        e.sentence,
        format!(
            "viewer@demo.test was denied removing permissions from user {user}: needs users.permissions.delete:full"
        )
    );
    // `/auth/me` tells the console the groups' levels and the entries as set.
    let me = support.get("/auth/me").await.json();
    assert_eq!(me["permissions"]["users"], "full");
    assert_eq!(me["permissions"]["clients"], "read");
    assert_eq!(me["grants"]["users.delete"], "off");
    // The token is asked only for what the policy can use.
    let scopes = h.bff.scopes();
    assert!(scopes.contains(&"create:client_grants"), "the admin role has everything");
}

#[tokio::test]
async fn denial_message_and_audit_sentence_read_as_specified() {
    let h = Harness::start().await;
    let viewer = h.login("viewer@demo.test").await;
    let r = viewer.api(Method::DELETE, "/api/v2/users/auth0%7C123", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "statusCode": 403,
            "error": "Forbidden",
            "message": "viewer@demo.test may not delete user auth0|123: needs users.delete:full",
            "errorCode": "gatehouse_denied",
            "missing": "users.delete:full",
        })
    );
    let e = h.last_audit();
    assert_eq!(e.sentence, "viewer@demo.test was denied deleting user auth0|123: needs users.delete:full");
    assert_eq!(e.object, serde_json::json!({"id": "auth0|123"}));
    assert_eq!(e.status, Some(403));

    let admin = h.login("admin@demo.test").await;
    let r = admin
        .api(
            Method::POST,
            "/api/v2/users",
            Some(serde_json::json!({
                "connection": "Username-Password-Authentication",
                "email": "new.person@example.com",
                "password": "Sup3r-secret-pw!",
                "app_metadata": {"api_key": "k-123", "plan": "gold"},
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let e = h.last_audit();
    let new_id = r.json()["user_id"].as_str().unwrap().to_owned();
    assert_eq!(e.sentence, format!("admin@demo.test created user new.person@example.com ({new_id}) (201)"));
    let body = e.body.unwrap();
    assert_eq!(body["password"], "[redacted]");
    assert_eq!(body["app_metadata"]["api_key"], "[redacted]");
    assert_eq!(body["app_metadata"]["plan"], "gold");
    assert_eq!(body["email"], "new.person@example.com");
}
