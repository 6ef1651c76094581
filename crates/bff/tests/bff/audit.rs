//! The audit log from the outside: sentences that say what changed,
//! decision and outcome apart, the filters of `/audit`, and its export.

use crate::Harness;
use gatehouse_bff::{AuditQuery, AuditRecord, AuditStore, Clock, Decision, Outcome, SqliteAuditStore};
use reqwest::Method;
use serde_json::{Value, json};

/// The id and email of a seeded user (not an admin).
async fn some_user(h: &Harness) -> (String, String) {
    let id = h.some_user_id().await;
    let (status, user) = h.direct(Method::GET, &format!("/api/v2/users/{}", enc(&id)), None).await;
    assert_eq!(status, 200);
    (id, user["email"].as_str().unwrap().to_owned())
}

fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Entries of `GET /audit?{query}` as the console reads them.
async fn entries(b: &crate::browser::Browser, query: &str) -> (Vec<Value>, u64) {
    let r = b.api_get(&format!("/audit?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    let j = r.json();
    (j["entries"].as_array().unwrap().clone(), j["total"].as_u64().unwrap())
}

#[tokio::test]
async fn sentences_say_what_changed_and_name_the_object() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let (id, email) = some_user(&h).await;
    let path = format!("/api/v2/users/{}", enc(&id));
    let named = format!("user {email} ({id})");

    let r = admin.api(Method::PATCH, &path, Some(json!({"blocked": true}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(h.last_audit().sentence, format!("admin@demo.test blocked {named} (200)"));
    let r = admin.api(Method::PATCH, &path, Some(json!({"blocked": false}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(h.last_audit().sentence, format!("admin@demo.test unblocked {named} (200)"));
    let r = admin.api(Method::PATCH, &path, Some(json!({"user_metadata": {"walk": "yes"}}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(h.last_audit().sentence, format!("admin@demo.test changed user_metadata of {named} (200)"));

    // A creation names what it created, and its new id is searchable.
    let r = admin.api(Method::POST, "/api/v2/roles", Some(json!({"name": "Walk QA Role", "description": "d"}))).await;
    assert!(r.status == 200 || r.status == 201, "{}", r.text());
    let role_id = r.json()["id"].as_str().unwrap().to_owned();
    let e = h.last_audit();
    assert_eq!(e.sentence, format!("admin@demo.test created role Walk QA Role ({})", r.status));
    assert_eq!(e.object["id"], role_id.as_str());
    assert!(e.change);

    let r = admin
        .api(
            Method::POST,
            "/api/v2/users",
            Some(json!({
                "connection": "Username-Password-Authentication",
                "email": "walk.new@example.com",
                "password": "Sup3r-secret-pw!",
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let new_id = r.json()["user_id"].as_str().unwrap().to_owned();
    let e = h.last_audit();
    assert_eq!(e.sentence, format!("admin@demo.test created user walk.new@example.com ({new_id}) (201)"));
    assert!(!e.sentence.contains("Sup3r"));

    // The role (named when it was created) given to the user.
    let r = admin.api(Method::POST, &format!("{path}/roles"), Some(json!({"roles": [role_id]}))).await;
    assert!(r.status < 300, "{}", r.text());
    let e = h.last_audit();
    assert!(
        e.sentence.starts_with(&format!("admin@demo.test assigned role Walk QA Role to {named}")),
        "{}",
        e.sentence
    );
    assert_eq!(e.object["roles"], json!([role_id]));

    let r = admin.api(Method::DELETE, &format!("/api/v2/roles/{role_id}"), None).await;
    assert!(r.status < 300, "{}", r.text());
    assert_eq!(h.last_audit().sentence, format!("admin@demo.test deleted role Walk QA Role ({})", r.status));
    let r = admin.api(Method::DELETE, &format!("/api/v2/users/{}", enc(&new_id)), None).await;
    assert!(r.status < 300, "{}", r.text());
    assert_eq!(
        h.last_audit().sentence,
        format!("admin@demo.test deleted user walk.new@example.com ({new_id}) ({})", r.status)
    );

    // Reads keep the table's phrase.
    assert_eq!(admin.api_get(&path).await.status, 200);
    assert_eq!(h.last_audit().sentence, format!("admin@demo.test read user {id} (200)"));
}

#[tokio::test]
async fn decision_and_outcome_are_kept_apart() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;

    // Allowed by the policy, refused by the tenant: 404 with its error code.
    let r = admin.api_get("/api/v2/users/auth0%7Cnobody-here").await;
    assert_eq!(r.status, 404);
    let e = h.last_audit();
    assert_eq!((e.decision, e.outcome, e.status), (Decision::Allowed, Outcome::Failed, Some(404)));
    assert_eq!(e.upstream_error.as_deref(), Some("inexistent_user"));
    assert!(!e.change);

    // A duplicate: 409.
    let (_, email) = some_user(&h).await;
    let body =
        json!({"connection": "Username-Password-Authentication", "email": email, "password": "Sup3r-secret-pw!"});
    let r = admin.api(Method::POST, "/api/v2/users", Some(body)).await;
    assert_eq!(r.status, 409, "{}", r.text());
    let e = h.last_audit();
    assert_eq!((e.decision, e.outcome, e.status), (Decision::Allowed, Outcome::Failed, Some(409)));
    assert_eq!(e.upstream_error.as_deref(), Some("auth0_idp_error"));
    assert!(e.change);

    // The console reads both apart.
    let (list, _) = entries(&admin, "outcome=failed").await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["decision"], "allowed");
    assert_eq!(list[0]["outcome"], "failed");
    assert_eq!(list[0]["status"], 409);
    assert_eq!(list[0]["upstreamError"], "auth0_idp_error");
    assert_eq!(list[1]["upstreamError"], "inexistent_user");

    // Refused by the BFF before forwarding: allowed, but not sent.
    let r = admin.api(Method::POST, "/api/v2/users", Some(json!({"connection": 5}))).await;
    assert_eq!(r.status, 400);
    let e = h.last_audit();
    assert_eq!((e.decision, e.outcome, e.upstream_error), (Decision::Allowed, Outcome::NotSent, None));

    // Denied by the policy: not sent.
    let viewer = h.login("viewer@demo.test").await;
    assert_eq!(viewer.api(Method::DELETE, "/api/v2/users/auth0%7C1", None).await.status, 403);
    let e = h.last_audit();
    assert_eq!((e.decision, e.outcome, e.upstream_error), (Decision::Denied, Outcome::NotSent, None));

    // Succeeded.
    assert_eq!(admin.api_get("/api/v2/roles").await.status, 200);
    let e = h.last_audit();
    assert_eq!((e.decision, e.outcome, e.upstream_error), (Decision::Allowed, Outcome::Succeeded, None));
}

#[tokio::test]
async fn filters_select_changes_failures_principals_objects_and_times() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let viewer = h.login("viewer@demo.test").await;
    let (id, _) = some_user(&h).await;
    let path = format!("/api/v2/users/{}", enc(&id));
    for _ in 0..5 {
        assert_eq!(admin.api_get("/api/v2/users?per_page=2").await.status, 200);
    }
    let start = h.clock.now_ms();
    h.clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(admin.api(Method::PATCH, &path, Some(json!({"blocked": true}))).await.status, 200);
    assert_eq!(viewer.api(Method::PATCH, &path, Some(json!({"blocked": false}))).await.status, 403);
    assert_eq!(admin.api_get("/api/v2/users/auth0%7Cnobody-here").await.status, 404);
    h.clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(admin.api_get(&path).await.status, 200);

    let (changes, total) = entries(&admin, "changes=true").await;
    assert_eq!(total, 3, "the two writes and demo mode's agent key: {changes:?}");
    assert_eq!(changes[2]["operation"], "CreateApiKey");
    assert!(changes.iter().all(|e| e["change"] == true));
    let (all, all_total) = entries(&admin, "").await;
    assert!(all_total > 8, "reads are there when asked for: {all:?}");

    let (failures, _) = entries(&admin, "failures=true").await;
    let outcomes: Vec<(&str, &str)> =
        failures.iter().map(|e| (e["decision"].as_str().unwrap(), e["outcome"].as_str().unwrap())).collect();
    assert_eq!(outcomes, [("allowed", "failed"), ("denied", "not_sent")]);
    let (both, _) = entries(&admin, "failures=true&changes=true").await;
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["principal"], "viewer@demo.test");

    let (by_viewer, _) = entries(&admin, "principal=viewer%40demo.test").await;
    assert!(!by_viewer.is_empty() && by_viewer.iter().all(|e| e["principal"] == "viewer@demo.test"));

    let (about, _) = entries(&admin, &format!("object={}", enc(&id))).await;
    assert_eq!(about.len(), 3, "{about:?}");
    assert!(about.iter().all(|e| e["object"]["id"] == id.as_str()));

    let (text, _) = entries(&admin, "q=BLOCKED+user").await;
    assert_eq!(text.len(), 1);
    assert_eq!(text[0]["principal"], "admin@demo.test");

    // The middle minute: the block, the denial and the 404, not the reads before or after.
    let since = (start + 30_000) / 1000;
    let until = (start + 90_000) / 1000;
    let (window, _) = entries(&admin, &format!("since={since}&until={until}")).await;
    let ops: Vec<&str> = window.iter().map(|e| e["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["users.get", "users.update", "users.update"]);

    // Bad values: 400, saying which parameter and what it must be.
    for (query, parameter) in [
        ("changes=maybe", "changes"),
        ("failures=2", "failures"),
        ("outcome=ok", "outcome"),
        ("since=yesterday", "since"),
        ("since=1700000100&until=1700000000", "until"),
        ("colour=red", "colour"),
    ] {
        let r = admin.api_get(&format!("/audit?{query}")).await;
        assert_eq!(r.status, 400, "{query}");
        let j = r.json();
        assert_eq!(j["errorCode"], "gatehouse_bad_query");
        assert_eq!(j["parameter"], parameter, "{query}");
        assert!(j["message"].as_str().unwrap().contains(parameter), "{j}");
    }
}

#[tokio::test]
async fn export_streams_every_matching_entry_as_csv_and_json_lines() {
    let h = Harness::start().await;
    let admin = h.login("admin@demo.test").await;
    let (id, email) = some_user(&h).await;
    let path = format!("/api/v2/users/{}", enc(&id));
    assert_eq!(admin.api(Method::PATCH, &path, Some(json!({"blocked": true}))).await.status, 200);
    assert_eq!(admin.api_get("/api/v2/users/auth0%7Cnobody-here").await.status, 404);

    // More entries than one read of the store, written beside the BFF's own.
    let store = SqliteAuditStore::open(&h.config.database).unwrap();
    let template = h.last_audit();
    for i in 0..1_100 {
        let e = AuditRecord {
            id: 0,
            principal: "bulk@demo.test".into(),
            sentence: format!("bulk@demo.test changed name of user auth0|bulk{i} (200)"),
            object: json!({"id": format!("auth0|bulk{i}")}),
            change: i % 2 == 0,
            outcome: Outcome::Succeeded,
            upstream_error: None,
            status: Some(200),
            ..template.clone()
        };
        store.record(e).await.unwrap();
    }
    drop(store);

    let (_, changes) = entries(&admin, "changes=true").await;
    let r = admin.api_get("/audit/export?format=csv&changes=true").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    let disposition = r.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"gatehouse-audit-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let mut reader = csv::Reader::from_reader(r.body.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "id",
            "time",
            "principal",
            "principal_kind",
            "decision",
            "outcome",
            "status",
            "upstream_error",
            "change",
            "operation",
            "resource",
            "object",
            "method",
            "path",
            "reason",
            "sentence",
            "body",
            "via",
            "approval"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, changes, "every matching entry, not one page");
    assert!(rows.len() > 550);
    assert!(rows.iter().all(|r| &r[8] == "true"));
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, each once");
    let blocked = rows.iter().find(|r| r[15].contains("blocked")).expect("the block is exported");
    assert_eq!(&blocked[15], format!("admin@demo.test blocked user {email} ({id}) (200)"));
    assert_eq!((&blocked[4], &blocked[5], &blocked[6]), ("allowed", "succeeded", "200"));
    assert_eq!(serde_json::from_str::<Value>(&blocked[16]).unwrap(), json!({"blocked": true}));

    // The export is audited, with what it exported.
    let e = h.last_audit();
    assert_eq!(e.operation.as_deref(), Some("ExportAudit"));
    assert_eq!(e.sentence, format!("admin@demo.test exported the audit log as CSV ({changes} entries; changes=true)"));
    assert_eq!((e.decision, e.outcome, e.change), (Decision::Allowed, Outcome::Succeeded, false));

    // JSON lines, with the failure's code.
    let r = admin.api_get("/audit/export?format=jsonl&failures=true").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type").as_deref(), Some("application/x-ndjson"));
    assert!(r.header("content-disposition").unwrap().ends_with(".jsonl\""));
    let lines: Vec<Value> = r.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[0]["upstreamError"], "inexistent_user");
    assert_eq!(lines[0]["status"], 404);
    assert_eq!(
        h.last_audit().sentence,
        "admin@demo.test exported the audit log as JSON lines (1 entry; failures=true)"
    );

    // Everything: the 1,100 written beside, the BFF's own, and the first export.
    let (_, everything) = entries(&admin, "").await;
    let r = admin.api_get("/audit/export?format=jsonl").await;
    assert_eq!(r.text().lines().count() as u64, everything + 1, "the /audit read just before is in it too");
}

#[tokio::test]
async fn export_is_guarded_like_the_audit_log() {
    let h = Harness::start().await;
    // An API key without audit access: denied, and audited.
    let reader = h.key_client("reader");
    let r = reader.get("/audit/export?format=csv").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["missing"], "audit:read");
    assert_eq!(r.json()["message"], "reader may not export the audit log: needs audit:read");
    let e = h.last_audit();
    assert_eq!(
        (e.operation.as_deref(), e.decision, e.outcome),
        (Some("ExportAudit"), Decision::Denied, Outcome::NotSent)
    );
    assert_eq!(e.sentence, "reader was denied exporting the audit log: needs audit:read");

    // A session without the CSRF header (a link from another page): refused.
    let admin = h.login("admin@demo.test").await;
    let r = admin.get("/audit/export?format=csv").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["errorCode"], "gatehouse_csrf");

    // No format, or an unknown one.
    let r = admin.api_get("/audit/export?changes=true").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["parameter"], "format");
    assert_eq!(admin.api_get("/audit/export?format=xml").await.status, 400);

    // Not signed in.
    assert_eq!(h.browser().api_get("/audit/export?format=csv").await.status, 401);

    // A key with audit access exports.
    let operator = h.key_client("operator");
    let r = operator.get("/audit/export?format=jsonl&principal=reader").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().lines().all(|l| serde_json::from_str::<Value>(l).unwrap()["principal"] == "reader"));
    let n = h.audit(AuditQuery { principal: Some("reader".into()), ..AuditQuery::default() }).len();
    assert_eq!(r.text().lines().count(), n);
}
