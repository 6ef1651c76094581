//! Every operation of both specs is a Rust client method at its Auth0 name,
//! and the generic calls behind them behave: query setters, checks before
//! sending, paging streams, path encoding, the shared send loop.
//!
//! `calls.rs` is generated with the handlers: one entry per operation that
//! makes its request through the method at its dotted name (so this test does
//! not compile when a method is missing or has another signature).

mod calls;
#[path = "../common/mod.rs"]
mod common;

use calls::CALLS;
use common::*;
use futures::TryStreamExt;
use gatehouse_client::model::{Error as ModelError, QueryError, ValidationError};
use gatehouse_client::resources::enums::{ActionTriggerType, Strategy};
use gatehouse_client::{Client, ClientError, RawCall};
use gatehouse_specs::SpecOp;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};

// ---------------------------------------------------------------- against the specs

/// The percent-encoding of one path segment, as the client must send it.
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn every_spec_operation_is_a_client_method_at_its_dotted_name() {
    let Some(specs) = gatehouse_specs::specs() else { return };
    let client = Client::builder().base_url("http://tenant.test").token("t").build().unwrap();
    let mut reached = HashSet::new();
    let mut failures = Vec::new();
    for spec in &specs {
        let path_prefix = spec.path_prefix;
        for SpecOp { path, method: verb, op, name } in spec.operations() {
            let Some(entry) = CALLS.iter().find(|e| e.name == name) else {
                failures.push(format!("{name}: no client method"));
                continue;
            };
            reached.insert(name.clone());

            // Method and path, with ids that need encoding.
            let template = format!("{path_prefix}{path}");
            let n = template.matches('{').count();
            let ids: Vec<String> = (0..n).map(|i| format!("id/{i}|x y")).collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let mut expected = String::new();
            let mut it = ids.iter();
            for (i, seg) in template.split('/').enumerate() {
                if i > 0 {
                    expected.push('/');
                }
                if seg.starts_with('{') {
                    expected.push_str(&encode_segment(it.next().unwrap()));
                } else {
                    expected.push_str(seg);
                }
            }
            match (entry.probe)(&client, &id_refs) {
                Err(e) => failures.push(format!("{name}: request not built: {e}")),
                Ok(req) => {
                    if req.method().as_str() != verb.to_uppercase() {
                        failures.push(format!("{name}: method {} for {verb}", req.method()));
                    }
                    // The query holds exactly the required parameters (method arguments).
                    let required: BTreeSet<&str> =
                        entry.desc.query.iter().filter(|q| q.required).map(|q| q.name).collect();
                    let sent: BTreeSet<&str> = req
                        .uri()
                        .query()
                        .unwrap_or("")
                        .split('&')
                        .filter(|p| !p.is_empty())
                        .filter_map(|p| p.split('=').next())
                        .collect();
                    if entry.table && !required.is_empty() {
                        failures.push(format!("{name}: a table row with required query {required:?}"));
                    }
                    if req.uri().path() != expected || sent != required {
                        failures.push(format!("{name}: sent {} for {expected}", req.uri()));
                    }
                    // A body the spec requires is sent (the probe's `{}`); an optional
                    // one is left out unless set.
                    let sent_body = (req.body().as_slice(), req.headers().contains_key(http::header::CONTENT_TYPE));
                    let required = entry.desc.body.is_some_and(|b| b.required);
                    let want: (&[u8], bool) = if required { (b"{}", true) } else { (b"", false) };
                    if sent_body != want {
                        failures.push(format!("{name}: body {sent_body:?}, a required body {required}"));
                    }
                }
            }

            // Scopes, as the spec lists them.
            let spec_scopes: BTreeSet<&str> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|o| o.values())
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let ours: BTreeSet<&str> = entry.desc.scopes.iter().copied().collect();
            if ours != spec_scopes {
                failures.push(format!("{name}: scopes {ours:?}, the spec says {spec_scopes:?}"));
            }

            // Paging: offset with `page` + `per_page`, checkpoint with `from` + `take`.
            let query: HashSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| spec.resolve(p))
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let offset = query.contains("page") && query.contains("per_page");
            let checkpoint = query.contains("from") && query.contains("take");
            if entry.desc.paging.has_offset() != offset || entry.desc.paging.has_checkpoint() != checkpoint {
                failures.push(format!(
                    "{name}: paging {:?}, spec offset {offset} checkpoint {checkpoint}",
                    entry.desc.paging
                ));
            }
            let is_list = offset || checkpoint;
            if is_list && entry.pages.is_none() && verb == "get" {
                failures.push(format!("{name}: a paged list without a stream"));
            }
            if entry.desc.name != name || entry.desc.verb.as_http().as_str() != verb.to_uppercase() {
                failures.push(format!("{name}: method made from {}", entry.desc.name));
            }
        }
    }
    for entry in CALLS {
        if !reached.contains(entry.name) {
            failures.push(format!("{}: a client method the specs do not have", entry.name));
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(reached.len(), 468, "every operation of both specs");
}

#[test]
fn table_rows_use_their_request_types() {
    // The table's operations keep their typed requests (which validate more);
    // the generated list of them is the table's, no more, no less.
    let table: BTreeSet<&str> =
        gatehouse_client::model::OPERATIONS.iter().filter_map(|s| s.catalog()).map(|d| d.name).collect();
    let typed: BTreeSet<&str> = CALLS.iter().filter(|e| e.table).map(|e| e.name).collect();
    assert_eq!(typed, table);
}

#[test]
fn every_teams_scope_is_named_by_the_table() {
    // The client gives a configured scope to the Teams token when a Teams
    // row of the table names it, and to the Management token otherwise.
    use gatehouse_client::model::{Api, OPERATIONS, catalog::CATALOG};
    for desc in CATALOG.iter().filter(|d| d.api == Api::Teams) {
        for scope in desc.scopes {
            let known = OPERATIONS.iter().filter(|s| s.api == Api::Teams).any(|s| s.scopes.contains(scope));
            assert!(known, "{}: scope {scope} would go to the Management token", desc.name);
        }
    }
}

#[tokio::test]
async fn every_list_streams_through_its_method() {
    // Each list's stream makes its first request at the operation's path and
    // stops on an empty page.
    let (client, mock) = setup(|_| Reply::json(200, json!([])));
    let mut lists = 0;
    for entry in CALLS.iter().filter(|e| e.pages.is_some()) {
        let ids = ["a"; 4];
        let pages = (entry.pages.unwrap())(&client, &ids[..entry.desc.path_params().count()]);
        let counts: Vec<usize> = pages.try_collect().await.unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        assert_eq!(counts, [0], "{}", entry.name);
        lists += 1;
    }
    let paged = gatehouse_client::model::catalog::CATALOG
        .iter()
        .filter(|d| (d.paging.has_offset() || d.paging.has_checkpoint()) && d.verb.as_http() == http::Method::GET)
        .count();
    assert_eq!(lists, paged, "every paged list of the catalog streams");
    assert_eq!(mock.requests().iter().filter(|r| r.method == "GET").count(), lists);
}

// ---------------------------------------------------------------- behaviour

#[tokio::test]
async fn a_query_setter_sends_the_wire_name() {
    let (client, mock) = setup(|_| Reply::json(200, json!({"actions": [], "total": 0, "page": 0, "per_page": 5})));
    let actions = client
        .actions()
        .list()
        .trigger_id(ActionTriggerType::PostLogin)
        .action_name("x")
        .per_page(5)
        .send()
        .await
        .unwrap();
    let _: gatehouse_client::model::generated::management_more::ListActionsPaginated = actions.value;
    let sent = mock.requests().into_iter().find(|r| r.path == "/api/v2/actions/actions").unwrap();
    assert_eq!(sent.q("triggerId"), Some("post-login"));
    assert_eq!(sent.q("actionName"), Some("x"));
    assert_eq!(sent.q("per_page"), Some("5"));
}

#[tokio::test]
async fn a_bad_enum_value_or_unknown_key_is_refused_before_sending() {
    let (client, mock) = setup(|_| Reply::json(200, json!([])));
    // A value this version does not know compiles only as `Unknown`, and the
    // operation's catalog entry refuses it.
    let err = client.actions().list().trigger_id(ActionTriggerType::from("post-logout")).send().await.unwrap_err();
    match &err {
        ClientError::Model(ModelError::Validation(ValidationError::Query(QueryError::NotOneOf {
            name,
            value,
            ..
        }))) => {
            assert_eq!((*name, value.as_str()), ("triggerId", "post-logout"));
        }
        other => panic!("{other:?}"),
    }
    let err = client.users().permissions().list("u1").with_query("nope", "1").send().await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Model(ModelError::Validation(ValidationError::Query(QueryError::Unknown { names, .. }))) if names == &["nope"]),
        "{err:?}"
    );
    let err = client.users().permissions().list("u1").per_page(500).send().await.unwrap_err();
    assert!(matches!(err, ClientError::Model(ModelError::Validation(_))), "{err:?}");
    assert!(mock.requests().is_empty(), "nothing was sent, not even a token request");
}

#[tokio::test]
async fn a_checkpoint_list_streams_across_pages() {
    let (client, mock) = setup(|r| {
        let grant = |id: &str| json!({"id": id, "client_id": "c", "audience": "https://api/", "scope": []});
        match r.q("from") {
            None => Reply::json(200, json!({"client_grants": [grant("cg1"), grant("cg2")], "next": "n1"})),
            Some("n1") => Reply::json(200, json!({"client_grants": [grant("cg3")]})),
            Some(_) => Reply::json(400, json!({"message": "bad cursor"})),
        }
    });
    let grants = client.client_grants().list().audience("https://api/").all().await.unwrap();
    let ids: Vec<_> = grants.iter().map(|g| g.id.clone().unwrap()).collect();
    assert_eq!(ids, ["cg1", "cg2", "cg3"]);
    let sent: Vec<_> = mock.requests().into_iter().filter(|r| r.path == "/api/v2/client-grants").collect();
    assert_eq!(sent.len(), 2);
    assert_eq!((sent[0].q("take"), sent[0].q("from"), sent[0].q("page")), (Some("50"), None, None));
    assert_eq!((sent[1].q("from"), sent[1].q("audience")), (Some("n1"), Some("https://api/")));
}

#[tokio::test]
async fn an_offset_list_streams_with_totals() {
    let (client, mock) = setup(|r| {
        let page: u64 = r.q("page").unwrap_or("0").parse().unwrap();
        let perm = |n: u64| json!({"permission_name": format!("p{n}"), "resource_server_identifier": "https://api/"});
        let items: Vec<Value> = if page == 0 { (0..2).map(perm).collect() } else { vec![perm(2)] };
        Reply::json(200, json!({"permissions": items, "start": page * 2, "limit": 2, "total": 3}))
    });
    let perms = client.users().permissions().list("auth0|1").per_page(2).all().await.unwrap();
    assert_eq!(perms.len(), 3);
    let sent = mock.requests().into_iter().filter(|r| r.method == "GET").collect::<Vec<_>>();
    assert_eq!(sent.iter().map(|r| r.q("page")).collect::<Vec<_>>(), [None, Some("1")]);
    assert!(sent.iter().all(|r| r.q("per_page") == Some("2")));
    assert!(sent.iter().all(|r| r.q("include_totals") == Some("true")));
}

#[tokio::test]
async fn a_path_id_with_a_slash_is_one_encoded_segment() {
    let (client, mock) =
        setup(|r| Reply::json(200, if r.path.ends_with("/permissions") { json!([]) } else { json!({}) }));
    client.users().permissions().list("auth0|a/b").send().await.unwrap();
    client.attack_protection().brute_force_protection().get().send().await.unwrap();
    let paths: Vec<_> = mock.requests().into_iter().filter(|r| r.method == "GET").map(|r| r.path).collect();
    assert_eq!(paths, ["/api/v2/users/auth0%7Ca%2Fb/permissions", "/api/v2/attack-protection/brute-force-protection"]);
    let err = client.users().permissions().list("..").send().await.unwrap_err();
    assert!(matches!(err, ClientError::Model(ModelError::Validation(_))), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn generic_calls_share_the_send_loop() {
    // A POST is sent again after a 429 (never after a 5xx); the body is the typed one.
    let n = std::sync::atomic::AtomicUsize::new(0);
    let (client, mock) =
        setup(move |r| match (r.method.as_str(), n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) {
            ("POST", 0) => Reply::api_error(429, "too_many_requests", "slow down").header("retry-after", 1),
            ("POST", _) => Reply::json(201, json!({"id": "cg1", "audience": "https://api/", "client_id": "c"})),
            _ => Reply::json(500, json!({})),
        });
    let mut body = gatehouse_client::model::generated::management_more::CreateClientGrant::new("https://api/".into());
    body.client_id = Some("c".into());
    let created = client.client_grants().create().body(&body).send().await.unwrap();
    assert_eq!((created.status, created.value.id.as_deref()), (201, Some("cg1")));
    let posts: Vec<_> =
        mock.requests().into_iter().filter(|r| r.method == "POST" && r.path == "/api/v2/client-grants").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1].body, json!({"audience": "https://api/", "client_id": "c"}));
    assert_eq!(posts[1].bearer(), Some("tok-1"));
    // A DELETE answered 204 decodes as `()`.
    let (client, _) = setup(|_| Reply::empty(204));
    let () = client.client_grants().delete("cg1").value().await.unwrap();
}

#[tokio::test]
async fn an_optional_body_is_sent_only_when_set() {
    // `clientGrants.create` takes a body the spec does not require: the
    // method takes none, and `.body(..)` adds it (by reference or by value).
    let (client, mock) = setup(|_| Reply::json(201, json!({"id": "cg1"})));
    client.client_grants().create().send().await.unwrap();
    let body = gatehouse_client::model::generated::management_more::CreateClientGrant::new("https://api/".into());
    client.client_grants().create().body(&body).send().await.unwrap();
    client.client_grants().create().body(body).send().await.unwrap();
    let posts: Vec<_> = mock.requests().into_iter().filter(|r| r.is("POST", "/api/v2/client-grants")).collect();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[0].body, Value::Null, "no body");
    assert!(posts[0].headers.get("content-type").is_none());
    for post in &posts[1..] {
        assert_eq!(post.body, json!({"audience": "https://api/"}));
        assert_eq!(post.headers["content-type"], "application/json");
    }
}

#[tokio::test]
async fn a_missing_required_body_is_refused_before_sending() {
    // `teams.members.update` requires its body: a call built without one
    // fails with a typed error and sends nothing.
    let (client, mock) = setup(|_| Reply::json(200, json!({})));
    let desc = gatehouse_client::model::catalog::CATALOG.iter().find(|d| d.name == "teams.members.update").unwrap();
    assert!(desc.body.is_some_and(|b| b.required));
    let raw = RawCall::new(client.clone(), desc, vec!["m1".into()]);
    let err = raw.http_request().unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Model(ModelError::Validation(ValidationError::MissingBody {
                operation: "teams.members.update"
            }))
        ),
        "{err:?}"
    );
    assert!(mock.requests().is_empty());
}

#[test]
fn enum_setters_take_the_operations_enum() {
    let client = Client::builder().base_url("http://tenant.test").token("t").build().unwrap();
    let req =
        client.clients().connections().get("c1").strategy([Strategy::Auth0, Strategy::Samlp]).http_request().unwrap();
    assert_eq!(req.uri().query(), Some("strategy=auth0&strategy=samlp"));
    let req = client.actions().list().trigger_id(ActionTriggerType::PostLogin).http_request().unwrap();
    assert_eq!(req.uri().query(), Some("triggerId=post-login"));
    // The same setter takes free text where the operation does.
    let req = client.actions().list().action_name(String::from("deploy")).http_request().unwrap();
    assert_eq!(req.uri().query(), Some("actionName=deploy"));
}
