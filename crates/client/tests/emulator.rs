//! The client against the tenant emulator, over real HTTP (reqwest).
//!
//! Every operation of the table goes through the fluent API at least once
//! (checked against the table itself), lists are paged to the end, tokens
//! are cached, errors are typed, 429s and injected faults are absorbed, and
//! a bulk job creates and deletes 200 users.

#![cfg(not(target_arch = "wasm32"))]

use futures::StreamExt;
use gatehouse_client::model::operation::{OPERATIONS, Verb};
use gatehouse_client::rt::BoxFuture;
use gatehouse_client::transport::ReqwestTransport;
use gatehouse_client::{
    Audiences, Auth, Client, ClientError, Pacing, RetryPolicy, TokenError, Transport, TransportError,
};
use gatehouse_emulator::{Config, Emulator, EmulatorHandle, FaultSpec};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What went over the wire: method, path and status of each answered request.
type Seen = Arc<Mutex<Vec<(Verb, String, u16)>>>;

/// The reqwest transport, recording each answered request.
#[derive(Clone)]
struct Recording {
    inner: ReqwestTransport,
    seen: Seen,
}

impl Transport for Recording {
    fn send(&self, request: http::Request<Vec<u8>>) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, TransportError>> {
        let verb = Verb::parse(request.method().as_str()).expect("a table method");
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            let response = self.inner.send(request).await;
            if let Ok(r) = &response {
                self.seen.lock().unwrap().push((verb, path, r.status().as_u16()));
            }
            response
        })
    }
}

fn auth(emulator: &EmulatorHandle) -> Auth {
    Auth::client_credentials(emulator.client_id.clone(), emulator.client_secret.clone())
}

/// An emulator with `config`, and a client on it recording its traffic.
async fn start(config: Config) -> (EmulatorHandle, gatehouse_client::ClientBuilder, Seen) {
    let emulator = Emulator::start(config).await.expect("the emulator starts");
    let seen = Seen::default();
    let transport = Recording { inner: ReqwestTransport::new().unwrap(), seen: seen.clone() };
    let builder = Client::builder()
        .base_url(&emulator.base_url)
        .auth(auth(&emulator))
        .transport(transport)
        .timeout(Duration::from_secs(20));
    (emulator, builder, seen)
}

/// A request body from JSON, decoded into the model's type.
fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid body")
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_table_through_the_fluent_api() {
    let (emulator, builder, seen) = start(Config::for_tests(40)).await;
    assert_eq!(emulator.teams_audience, format!("{}/teams/", emulator.base_url), "the client's default Teams audience");
    let client = builder.pacing(Pacing::per_second(200.0, 50)).build().unwrap();

    // ---- Users
    let users = client.users().list().per_page(10).all().await.unwrap();
    assert!(users.len() >= 40, "paged to the end: {}", users.len());
    let found = client.users().search("email:*").per_page(5).send().await.unwrap().value;
    assert!(!found.items.is_empty());
    let created = client
        .users()
        .create(body(json!({
            "connection": "Username-Password-Authentication",
            "email": "new.user@acme.test",
            "password": "Correct-Horse-Battery-9",
        })))
        .value()
        .await
        .unwrap();
    let user_id = created.user_id.clone().unwrap();
    let updated =
        client.users().update(&user_id, body(json!({"user_metadata": {"team": "blue"}}))).value().await.unwrap();
    assert_eq!(updated.user_id.as_deref(), Some(user_id.as_str()));
    assert_eq!(client.users().get(&user_id).value().await.unwrap().email.as_deref(), Some("new.user@acme.test"));

    // ---- Roles
    let roles = client.roles().list().all().await.unwrap();
    assert!(!roles.is_empty());
    let role =
        client.roles().create(body(json!({"name": "auditors", "description": "Read the logs"}))).value().await.unwrap();
    let role_id = role.id.clone().unwrap();
    client.roles().update(&role_id, body(json!({"description": "Reads the logs"}))).send().await.unwrap();
    assert_eq!(client.roles().get(&role_id).value().await.unwrap().description.as_deref(), Some("Reads the logs"));
    client.users().assign_roles(&user_id, [role_id.as_str()]).send().await.unwrap();
    let with_roles = client.users().get_with_roles(&user_id).await.unwrap();
    assert_eq!(with_roles.roles.iter().filter_map(|r| r.id.as_deref()).collect::<Vec<_>>(), [role_id.as_str()]);
    client.roles().assign_users(&role_id, [users[0].user_id.clone().unwrap()]).send().await.unwrap();
    let holders = client.roles().users().list(&role_id).take(1).all().await.unwrap();
    assert_eq!(holders.len(), 2, "checkpoint paging one at a time");
    client.users().remove_roles(&user_id, [role_id.as_str()]).send().await.unwrap();
    assert!(client.users().roles().list(&user_id).all().await.unwrap().is_empty());

    // ---- Applications
    assert!(!client.clients().list().all().await.unwrap().is_empty());
    let app = client
        .clients()
        .create(body(json!({"name": "Reporting", "app_type": "non_interactive"})))
        .value()
        .await
        .unwrap();
    let app_id = app.client_id.clone().unwrap();
    client.clients().update(&app_id, body(json!({"description": "Nightly reports"}))).send().await.unwrap();
    assert_eq!(client.clients().get(&app_id).value().await.unwrap().name.as_deref(), Some("Reporting"));

    // ---- Connections
    let connections = client.connections().list().take(2).all().await.unwrap();
    assert!(connections.len() >= 5);
    let conn =
        client.connections().create(body(json!({"name": "partners-db", "strategy": "auth0"}))).value().await.unwrap();
    let conn_id = conn.id.clone().unwrap();
    client.connections().update(&conn_id, body(json!({"display_name": "Partners"}))).send().await.unwrap();
    assert_eq!(client.connections().get(&conn_id).value().await.unwrap().name.as_deref(), Some("partners-db"));

    // ---- Organizations
    let orgs = client.organizations().list().take(1).all().await.unwrap();
    assert!(!orgs.is_empty());
    let org = client
        .organizations()
        .create(body(json!({"name": "umbrella-test", "display_name": "Umbrella"})))
        .value()
        .await
        .unwrap();
    let org_id = org.id.clone().unwrap();
    client.organizations().update(&org_id, body(json!({"display_name": "Umbrella Corp"}))).send().await.unwrap();
    assert_eq!(client.organizations().get(&org_id).value().await.unwrap().name.as_deref(), Some("umbrella-test"));
    client.organizations().add_members(&org_id, [user_id.as_str()]).send().await.unwrap();
    let members = client.organizations().members().list(&org_id).all().await.unwrap();
    let orgs = client.users().organizations().list(&user_id).all().await.unwrap();
    assert!(orgs.iter().any(|o| o.id.as_deref() == Some(org_id.as_str())), "the user's organizations include {org_id}");
    assert_eq!(members.len(), 1);
    assert!(client.organizations().members().roles().list(&org_id, &user_id).all().await.unwrap().is_empty());
    let orgs_api = client.organizations();
    orgs_api.assign_member_roles(&org_id, &user_id, [role_id.as_str()]).send().await.unwrap();
    orgs_api.assign_member_roles(&org_id, &user_id, [role_id.as_str()]).send().await.unwrap();
    let held = orgs_api.members().roles().list(&org_id, &user_id).all().await.unwrap();
    assert_eq!(held.iter().filter_map(|r| r.id.as_deref()).collect::<Vec<_>>(), [role_id.as_str()]);
    let err = orgs_api.assign_member_roles(&org_id, &user_id, Vec::<String>::new()).send().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Model(gatehouse_client::model::Error::Validation(_))),
        "refused before sending: {err}"
    );
    let err =
        orgs_api.remove_member_roles("org_0000000000000000", &user_id, [role_id.as_str()]).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    orgs_api.remove_member_roles(&org_id, &user_id, [role_id.as_str()]).send().await.unwrap();
    assert!(orgs_api.members().roles().list(&org_id, &user_id).all().await.unwrap().is_empty());
    let seeded_org = orgs[0].id.clone().unwrap();
    let with_roles = client.organizations().members_with_roles(&seeded_org).await.unwrap();
    let plain = client.organizations().members().list(&seeded_org).all().await.unwrap();
    assert_eq!(with_roles.len(), plain.len());
    client.organizations().remove_members(&org_id, [user_id.as_str()]).send().await.unwrap();

    // ---- Logs
    let newest = client.logs().list().per_page(5).send().await.unwrap().value.items;
    assert!(!newest.is_empty());
    let log_id = newest.last().unwrap().log_id.clone().unwrap();
    assert_eq!(client.logs().get(&log_id).value().await.unwrap().log_id.as_deref(), Some(log_id.as_str()));
    let after = client.logs().after(&log_id).take(2).all().await.unwrap();
    assert!(after.len() >= 4, "paged by log id to the newest: {}", after.len());

    // ---- Grants
    let grants = client.user_grants().list().all().await.unwrap();
    let grant_id = grants.first().and_then(|g| g.id.clone()).expect("seeded grants");
    client.user_grants().delete(&grant_id).send().await.unwrap();

    // ---- APIs
    assert!(!client.resource_servers().list().all().await.unwrap().is_empty());
    let api = client
        .resource_servers()
        .create(body(json!({"name": "Billing", "identifier": "https://billing.acme.test/"})))
        .value()
        .await
        .unwrap();
    let api_id = api.id.clone().unwrap();
    client.resource_servers().update(&api_id, body(json!({"token_lifetime": 3600}))).send().await.unwrap();
    assert_eq!(client.resource_servers().get(&api_id).value().await.unwrap().name.as_deref(), Some("Billing"));

    // ---- Teams
    let team = client.teams();
    let members = team.members().list().take(2).all().await.unwrap();
    assert!(members.len() >= 2);
    let member = members.iter().find(|m| to_json(*m)["role"] != "teams_owner").or(members.first()).unwrap();
    let member_id = member.id.clone().unwrap();
    assert_eq!(team.members().get(&member_id).value().await.unwrap().id.as_deref(), Some(member_id.as_str()));
    team.members()
        .invite(body(json!({"email": "new.admin@acme.test", "role": "teams_report_viewer"})))
        .send()
        .await
        .unwrap();
    let environments = team.environments().list().all().await.unwrap();
    assert!(!environments.is_empty());
    let tenants = team.tenants().list().take(2).all().await.unwrap();
    assert!(!tenants.is_empty());
    let created = team
        .tenants()
        .create(body(json!({"tenant_name": "gatehouse-client-test", "admin_email": member.email, "locality": "eu"})))
        .value()
        .await
        .unwrap();
    let tenant_id = created.tenant_id.clone().unwrap();
    assert_eq!(
        team.tenants().get(&tenant_id).value().await.unwrap().tenant_name.as_deref(),
        Some("gatehouse-client-test")
    );
    team.members()
        .tenants()
        .create(&member_id, body(json!({"tenants": [tenant_id], "roles": ["viewer-users"]})))
        .send()
        .await
        .unwrap();
    team.members()
        .tenants()
        .update(&member_id, body(json!({"tenants": [tenant_id], "roles": ["editor-users"]})))
        .send()
        .await
        .unwrap();
    let environment = created.environment.clone().unwrap();
    let access = team.members().tenants().list(&member_id, &environment).all().await.unwrap();
    assert!(access.iter().any(|t| to_json(t)["tenant_id"] == tenant_id.as_str()), "{access:?}");
    assert!(!team.tenants().members().list(&tenant_id).all().await.unwrap().is_empty());
    team.members().tenants().remove(&member_id, body(json!({"tenants": [tenant_id]}))).send().await.unwrap();
    team.members().update(&member_id, body(json!({"role": "teams_contributor"}))).send().await.unwrap();
    assert!(!team.activity().list().take(5).all().await.unwrap().is_empty());
    team.tenants().delete(&tenant_id).send().await.unwrap();
    team.members().delete(&member_id).send().await.unwrap();

    // ---- Deletes last, so the objects above were usable until here.
    client.resource_servers().delete(&api_id).send().await.unwrap();
    client.organizations().delete(&org_id).send().await.unwrap();
    client.connections().delete(&conn_id).send().await.unwrap();
    client.clients().delete(&app_id).send().await.unwrap();
    client.roles().delete(&role_id).send().await.unwrap();
    client.users().delete(&user_id).send().await.unwrap();
    assert!(client.users().get(&user_id).send().await.unwrap_err().is_not_found());

    // Every row of the table was answered with a success at least once.
    let seen = seen.lock().unwrap().clone();
    let missing: Vec<_> = OPERATIONS
        .iter()
        .filter(|spec| {
            !seen.iter().any(|(verb, path, status)| spec.matches(*verb, path).is_some() && (200..300).contains(status))
        })
        .map(|spec| spec.id.name())
        .collect();
    assert!(missing.is_empty(), "operations never exercised: {missing:?}");

    // One token per audience for the whole run.
    assert_eq!(client.metrics().token_requests, 2);
    assert_eq!(seen.iter().filter(|(_, path, _)| path == "/oauth/token").count(), 2);
    assert!(client.rate_limit().is_known());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_event_shows_up_in_the_tail() {
    let (_emulator, builder, _) = start(Config::for_tests(5)).await;
    let client = builder.build().unwrap();
    let mut tail = client.logs().tail().interval(Duration::from_millis(100)).stream();
    let writer = client.clone();
    let write = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        writer.roles().create(body(json!({"name": "tail-test"}))).send().await.unwrap();
    });
    let event = tokio::time::timeout(Duration::from_secs(10), tail.next())
        .await
        .expect("an event within 10 s")
        .unwrap()
        .unwrap();
    write.await.unwrap();
    assert!(to_json(&event).to_string().contains("/api/v2/roles"), "{event:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_typed() {
    let (emulator, builder, _) = start(Config::for_tests(5)).await;
    let client = builder.build().unwrap();

    let err = client.users().get("auth0|nobody").send().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("inexistent_user")), "{err}");
    assert!(err.is_not_found() && !err.is_retryable());

    let err = client
        .connections()
        .create(body(json!({"name": "google-oauth2", "strategy": "google-oauth2"})))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");

    let err = client
        .users()
        .create(body(json!({"connection": "no-such-db", "email": "x@acme.test", "password": "pw"})))
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("inexistent_connection")), "{err}");

    let err = client.teams().tenants().get("00000000-0000-4000-8000-000000000000").send().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("TENANT_NOT_FOUND")), "{err}");

    // A token for an API the tenant does not have: 403 from the token endpoint.
    let stranger = Client::builder()
        .base_url(&emulator.base_url)
        .auth(Auth::ClientCredentials {
            client_id: emulator.client_id.clone(),
            client_secret: emulator.client_secret.clone().into(),
            audiences: Audiences { management: Some("https://elsewhere.test/api/v2/".into()), teams: None },
        })
        .build()
        .unwrap();
    let err = stranger.users().list().send().await.unwrap_err();
    assert!(matches!(err, ClientError::Token(TokenError::Rejected { .. })), "{err:?}");
    assert_eq!((err.status(), err.code()), (Some(403), Some("access_denied")));

    // Wrong credentials: 401 from the token endpoint.
    let wrong = Client::builder()
        .base_url(&emulator.base_url)
        .client_credentials(emulator.client_id.clone(), "not-the-secret")
        .build()
        .unwrap();
    let err = wrong.roles().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");

    // A forged bearer token is refused by the API, and is not retried.
    let forged = Client::builder().base_url(&emulator.base_url).token("not.a.jwt").build().unwrap();
    let err = forged.roles().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(forged.metrics().requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_reaches_the_end_or_the_typed_window() {
    let (_emulator, builder, _) = start(Config::for_tests(1200)).await;
    let client = builder.pacing(Pacing::per_second(500.0, 100)).build().unwrap();
    // Organizations' members, checkpoint: every seeded organization's members, to the end.
    let mut orgs = client.organizations().list().take(1).stream();
    let mut n = 0;
    while let Some(org) = orgs.next().await {
        let org = org.unwrap();
        let members = client.organizations().members().list(org.id.unwrap()).take(3).all().await.unwrap();
        n += members.len();
    }
    assert!(n > 0);
    // Users, offset: more than 1,000 match, so the stream ends with the typed error.
    let mut users = client.users().list().stream();
    let mut count = 0;
    let err = loop {
        match users.next().await.expect("ends with an error") {
            Ok(_) => count += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(count, 1000);
    assert!(
        matches!(err, ClientError::Model(gatehouse_client::model::Error::ResultWindow { total, .. }) if total > 1000),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tight_server_limit_is_absorbed() {
    let config = Config { rate_limit: Some(20.0), burst: Some(5), ..Config::for_tests(5) };
    let (_emulator, builder, seen) = start(config).await;
    let client = builder.build().unwrap();
    let report = client.bulk(0..40, 10, |client, _| async move { client.roles().list().send().await }).run().await;
    assert_eq!(report.failed_count(), 0, "{:?}", report.failed().next());
    let rejected = seen.lock().unwrap().iter().filter(|(_, _, status)| *status == 429).count() as u64;
    let m = client.metrics();
    assert_eq!(m.rate_limited, rejected);
    assert!(m.paced > 0, "the pacer held requests back: {m:?}");
    assert!(client.rate_limit().limit == Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_are_absorbed() {
    let (emulator, builder, seen) = start(Config::for_tests(5)).await;
    let retry = RetryPolicy {
        max_attempts: 10,
        max_rate_limited_attempts: 10,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        ..RetryPolicy::default()
    };
    let client = builder.retry(retry).pacing(Pacing::per_second(200.0, 50)).build().unwrap();
    client.ensure_token(gatehouse_client::model::Api::Management).await.unwrap();
    emulator.state.faults.set(FaultSpec::parse("429=0.1,503=0.1,500=0.05,drop=0.05").unwrap());
    let report = client.bulk(0..60, 8, |client, _| async move { client.roles().list().send().await }).run().await;
    emulator.state.faults.set(FaultSpec::default());
    assert_eq!(report.failed_count(), 0, "{:?}", report.failed().next());
    let seen = seen.lock().unwrap().clone();
    let faults = seen.iter().filter(|(_, _, status)| *status >= 429).count();
    assert!(faults > 0, "faults were injected");
    assert!(client.metrics().retries as usize >= faults);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_creates_and_deletes_200_users() {
    let (_emulator, builder, _) = start(Config::for_tests(5)).await;
    let client = builder.pacing(Pacing::per_second(200.0, 50)).build().unwrap();
    let emails: Vec<String> = (0..200).map(|i| format!("bulk{i:03}@acme.test")).collect();
    let progress = Arc::new(Mutex::new(None));
    let p = progress.clone();
    let created = client
        .bulk(emails, 16, |client, email| async move {
            client
                .users()
                .create(body(json!({"connection": "Username-Password-Authentication", "email": email, "password": "Correct-Horse-Battery-9"})))
                .value()
                .await
        })
        .on_progress(move |update| *p.lock().unwrap() = Some(update))
        .run()
        .await;
    assert_eq!(created.succeeded_count(), 200);
    assert_eq!(progress.lock().unwrap().unwrap().done, 200);
    let found = client.users().search("email:bulk*").all().await.unwrap();
    assert_eq!(found.len(), 200);
    let ids: Vec<String> = created.succeeded().map(|(_, user)| user.user_id.clone().unwrap()).collect();
    let deleted = client.bulk(ids, 16, |client, id| async move { client.users().delete(id).send().await }).run().await;
    assert_eq!(deleted.succeeded_count(), 200);
    assert!(client.users().search("email:bulk*").all().await.unwrap().is_empty());
    let m = client.metrics();
    assert_eq!(m.token_requests, 1);
    assert_eq!(m.retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_token() {
    let (_emulator, builder, seen) = start(Config::for_tests(5)).await;
    let client = builder.build().unwrap();
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.roles().list().send().await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(seen.lock().unwrap().iter().filter(|(_, path, _)| path == "/oauth/token").count(), 1);
    // Cached afterwards too.
    client.users().list().per_page(1).send().await.unwrap();
    assert_eq!(client.metrics().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_mode_reaches_the_server_without_a_token() {
    let (emulator, _, _) = start(Config::for_tests(5)).await;
    // The emulator is not the BFF: without a bearer token it answers 401,
    // which shows the request went out with no Authorization header.
    let client = Client::builder().base_url(&emulator.base_url).cookie_mode().build().unwrap();
    let err = client.roles().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(client.metrics().token_requests, 0);
}
