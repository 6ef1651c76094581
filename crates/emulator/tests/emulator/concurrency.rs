//! Many writers at once: every write lands, nothing is corrupted, and a
//! persisted tenant holds all of them after a restart.

use crate::common::{Body, Client, start_with};
use gatehouse_emulator::Config;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config { data: Some(dir.path().join("busy.db")), ..Config::for_tests(10) };
    let (h, c) = start_with(config()).await;
    let t = c.token(&h, &h.management_audience, None).await;
    let (writers, each) = (16, 12);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (c, t) = (c.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..each {
                let user = c
                    .expect(
                        201,
                        "POST",
                        "/api/v2/users",
                        Some(&t),
                        Body::Json(json!({
                            "connection": "Username-Password-Authentication",
                            "email": format!("writer{w}-{i}@example.com"),
                            "password": "Parallel-123",
                            "user_metadata": {"writer": w, "i": i},
                        })),
                    )
                    .await;
                let id = user["user_id"].as_str().unwrap().to_owned();
                c.expect(
                    200,
                    "PATCH",
                    &format!("/api/v2/users/{}", crate::common::enc(&id)),
                    Some(&t),
                    Body::Json(json!({"user_metadata": {"patched": true}})),
                )
                .await;
                let role = c
                    .expect(
                        200,
                        "POST",
                        "/api/v2/roles",
                        Some(&t),
                        Body::Json(json!({"name": format!("role-{w}-{i}")})),
                    )
                    .await;
                ids.push((id, role["id"].as_str().unwrap().to_owned()));
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    assert_eq!(all.len(), writers * each);
    let check = |c: Client, t: String, all: Vec<(String, String)>| async move {
        let found = c
            .expect(
                200,
                "GET",
                &format!(
                    "/api/v2/users?q={}&include_totals=true&per_page=100",
                    crate::common::q("email:writer* AND user_metadata.patched:true")
                ),
                Some(&t),
                Body::None,
            )
            .await;
        assert_eq!(found["total"], json!(all.len()));
        let roles = c
            .expect(200, "GET", "/api/v2/roles?name_filter=role-&include_totals=true&per_page=1", Some(&t), Body::None)
            .await;
        assert_eq!(roles["total"], json!(all.len()));
        let mut ids: Vec<&String> = all.iter().map(|(u, _)| u).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids are unique");
    };
    check(c.clone(), t.clone(), all.clone()).await;
    h.shutdown().await.unwrap();
    let (h, c) = start_with(config()).await;
    let t = c.token(&h, &h.management_audience, None).await;
    check(c, t, all).await;
    h.shutdown().await.unwrap();
}
