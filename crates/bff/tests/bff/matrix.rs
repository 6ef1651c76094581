//! Every demo principal × every operation of the table: exactly what the policy says.

use crate::Harness;
use gatehouse_bff::{AuditQuery, Decision, Level, Policy, Target};
use gatehouse_model::operation::{Access, Verb};
use gatehouse_model::{OPERATIONS, Resource, path};
use reqwest::Method;

fn method(v: Verb) -> Method {
    Method::from_bytes(v.as_http().as_str().as_bytes()).unwrap()
}

#[tokio::test]
async fn each_principal_gets_exactly_what_the_policy_says() {
    let h = Harness::start().await;
    let policy = Policy::demo();
    let principals = [
        ("admin@demo.test", "gatehouse-admin"),
        ("viewer@demo.test", "gatehouse-viewer"),
        ("support@demo.test", "gatehouse-support"),
    ];
    let mut checked = 0;
    for (email, role) in principals {
        let b = h.login(email).await;
        let grants = &policy.roles[role];
        for spec in OPERATIONS.iter().filter(|s| s.resource != Resource::Token) {
            // Ids that exist nowhere, so allowed writes change nothing.
            let ids: Vec<&str> = spec.param_names().map(|_| "gatehouse-matrix-missing").collect();
            let p = path::fill(spec.path, &ids).unwrap();
            // `{}` is valid for some bodies and not others: either way the policy decides first.
            let r = if matches!(spec.verb, Verb::Get) {
                b.api_get(&p).await
            } else if spec.id.roundtrip_body(b"{}").is_some() {
                b.api(method(spec.verb), &p, Some(serde_json::json!({}))).await
            } else {
                b.api(method(spec.verb), &p, None).await
            };
            let level = grants.level(Target::Resource(spec.resource));
            let allowed = match spec.access {
                Access::Read => level >= Level::Read,
                Access::Write => level == Level::Full,
            };
            let entry = h.last_audit();
            assert_eq!(entry.operation.as_deref(), Some(spec.id.name()), "{email} {:?}: audited", spec.id);
            assert_eq!(entry.principal, email);
            if allowed {
                assert_ne!(r.status, 403, "{email} {:?} should be allowed: {}", spec.id, r.text());
                assert_eq!(entry.decision, Decision::Allowed, "{email} {:?}", spec.id);
            } else {
                assert_eq!(r.status, 403, "{email} {:?} should be denied: {}", spec.id, r.text());
                let j = r.json();
                let missing =
                    format!("{}:{}", spec.resource.as_str(), if spec.access == Access::Read { "read" } else { "full" });
                assert_eq!(j["errorCode"], "gatehouse_denied");
                assert_eq!(j["statusCode"], 403);
                assert_eq!(j["error"], "Forbidden");
                assert_eq!(j["missing"], missing.as_str());
                assert!(j["message"].as_str().unwrap().starts_with(&format!("{email} may not ")), "{j}");
                assert!(j["message"].as_str().unwrap().ends_with(&format!(": needs {missing}")), "{j}");
                assert_eq!(entry.decision, Decision::Denied);
                assert_eq!(entry.reason.as_deref(), Some(format!("needs {missing}").as_str()));
                assert!(entry.sentence.starts_with(&format!("{email} was denied ")), "{}", entry.sentence);
            }
            checked += 1;
        }
        // The audit log itself: admin full, viewer read, support off.
        let r = b.api_get("/audit?per_page=5").await;
        let expect = grants.level(Target::Audit) >= Level::Read;
        assert_eq!(r.status == 200, expect, "{email} /audit: {}", r.status);
        if !expect {
            assert_eq!(r.json()["missing"], "audit:read");
        }
    }
    let ops = OPERATIONS.iter().filter(|s| s.resource != Resource::Token).count();
    assert_eq!(checked, ops * principals.len());
    // Every denial is in the audit log.
    let denied = h.audit(AuditQuery { decision: Some(Decision::Denied), per_page: 100, ..AuditQuery::default() });
    let expected_denials: usize = principals
        .iter()
        .map(|(_, role)| {
            let g = &policy.roles[*role];
            OPERATIONS.iter().filter(|s| s.resource != Resource::Token && !g.allows(s)).count()
                + usize::from(g.level(Target::Audit) < Level::Read)
        })
        .sum();
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
    assert!(!denied.is_empty());
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
            "message": "viewer@demo.test may not delete user auth0|123: needs users:full",
            "errorCode": "gatehouse_denied",
            "missing": "users:full",
        })
    );
    let e = h.last_audit();
    assert_eq!(e.sentence, "viewer@demo.test was denied deleting user auth0|123: needs users:full");
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
