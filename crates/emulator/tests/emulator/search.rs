//! User and log search through the API: fields, wildcards, ranges,
//! boolean logic, sorting, projection and clear errors.

use crate::common::{Body, q, start};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_log_search() {
    let (h, c) = start(200).await;
    let t = c.token(&h, &h.management_audience, None).await;
    let t = Some(t.as_str());
    let search = |query: &str, extra: &str| {
        format!("/api/v2/users?q={}&search_engine=v3&include_totals=true&per_page=100{extra}", q(query))
    };
    let all = c.expect(200, "GET", &search("*", ""), t, Body::None).await;
    assert_eq!(all["total"], 204);
    let users: Vec<Value> = all["users"].as_array().unwrap().clone();

    let enterprise = c.expect(200, "GET", &search("app_metadata.plan:enterprise", ""), t, Body::None).await;
    assert!(enterprise["users"].as_array().unwrap().iter().all(|u| u["app_metadata"]["plan"] == "enterprise"));
    let not_free = c
        .expect(200, "GET", &search("NOT app_metadata.plan:free AND _exists_:app_metadata.plan", ""), t, Body::None)
        .await;
    assert!(not_free["users"].as_array().unwrap().iter().all(|u| u["app_metadata"]["plan"] != "free"));
    let busy = c.expect(200, "GET", &search("logins_count:[100 TO *]", "&sort=logins_count:-1"), t, Body::None).await;
    let counts: Vec<u64> =
        busy["users"].as_array().unwrap().iter().map(|u| u["logins_count"].as_u64().unwrap()).collect();
    assert!(counts.iter().all(|n| *n >= 100) && counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let google = c.expect(200, "GET", &search("identities.connection:google-oauth2", ""), t, Body::None).await;
    assert!(
        google["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["user_id"].as_str().unwrap().starts_with("google-oauth2|"))
    );
    let by_conn = c.expect(200, "GET", &format!("{}&connection=google-oauth2", search("*", "")), t, Body::None).await;
    assert_eq!(by_conn["total"], google["total"]);
    let email = users[10]["email"].as_str().unwrap();
    let domain = email.split('@').nth(1).unwrap();
    let one = c.expect(200, "GET", &search(&format!("email:\"{email}\""), ""), t, Body::None).await;
    assert_eq!(one["total"], 1);
    let dom = c
        .expect(200, "GET", &search(&format!("email:*@{domain}"), "&fields=email&include_fields=true"), t, Body::None)
        .await;
    for u in dom["users"].as_array().unwrap() {
        assert_eq!(u.as_object().unwrap().len(), 1);
        assert!(u["email"].as_str().unwrap().ends_with(domain));
    }
    let created = users[50]["created_at"].as_str().unwrap();
    let older = c.expect(200, "GET", &search(&format!("created_at:[* TO \"{created}\"}}"), ""), t, Body::None).await;
    assert!(older["users"].as_array().unwrap().iter().all(|u| u["created_at"].as_str().unwrap() < created));
    let either = c
        .expect(
            200,
            "GET",
            &search("(blocked:true OR email_verified:false) AND NOT app_metadata.plan:pro", ""),
            t,
            Body::None,
        )
        .await;
    for u in either["users"].as_array().unwrap() {
        assert!(u["blocked"] == true || u["email_verified"] == false);
    }
    for bad in ["email:(a OR", "logins_count:[1 TO", "name:\"open", "AND x:y", "a^2"] {
        let e = c.expect(400, "GET", &search(bad, ""), t, Body::None).await;
        assert_eq!(e["errorCode"], "invalid_query_string", "{bad}");
        assert!(e["message"].as_str().unwrap().contains("character"), "{bad}: {e}");
    }
    c.expect(400, "GET", &search("*", "&sort=created_at"), t, Body::None).await;
    c.expect(400, "GET", &format!("{}&search_engine=v1", "/api/v2/users?q=x"), t, Body::None).await;

    let fails =
        c.expect(200, "GET", &format!("/api/v2/logs?q={}&per_page=100", q("type:(f OR fp)")), t, Body::None).await;
    assert!(fails.as_array().unwrap().iter().all(|l| l["type"] == "f" || l["type"] == "fp"));
    let logs = c
        .expect(
            200,
            "GET",
            &format!("/api/v2/logs?q={}&per_page=50", q("date:[2000-01-01 TO *] AND _exists_:user_id")),
            t,
            Body::None,
        )
        .await;
    assert!(!logs.as_array().unwrap().is_empty());
    h.shutdown().await.unwrap();
}
