//! Each operation builds the request Auth0 documents: method, path, query, body.

use gatehouse_model::operation::{Endpoint, OPERATIONS, Operation};
use gatehouse_model::ops::{self, Checkpoint, Offset};
use gatehouse_model::request::build;
use gatehouse_model::{BaseUrls, Error, OperationId, ValidationError};
use serde_json::{Value, json};

fn base() -> BaseUrls {
    BaseUrls { tenant: "https://acme.eu.auth0.com".into(), teams: "https://acme.teams.auth0.com".into() }
}

fn body<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// Builds `op` and checks method, URL and JSON body.
fn expect<O: Operation>(op: O, method: &str, url: &str, expected_body: Option<Value>) {
    let req = build(&op, &base()).unwrap();
    assert_eq!(req.method().as_str(), method, "{:?}", O::ID);
    assert_eq!(req.uri().to_string(), url, "{:?}", O::ID);
    let sent = (!req.body().is_empty()).then(|| serde_json::from_slice::<Value>(req.body()).unwrap());
    assert_eq!(sent, expected_body, "{:?}", O::ID);
    if sent.is_some() {
        assert_eq!(req.headers()["content-type"], "application/json");
    }
}

fn invalid<O: Operation>(op: O) -> ValidationError {
    match build(&op, &base()) {
        Err(Error::Validation(e)) => e,
        other => panic!("{:?} should be refused, got {other:?}", O::ID),
    }
}

const T: &str = "https://acme.eu.auth0.com/api/v2";

#[test]
fn users() {
    let search = ops::users::List {
        offset: Offset::page(2, 25),
        sort: Some("created_at:-1".into()),
        ..ops::users::List::search("email:\"*@acme.com\" AND blocked:false")
    };
    expect(
        search,
        "GET",
        &format!(
            "{T}/users?page=2&per_page=25&include_totals=true&q=email:%22*%40acme.com%22%20AND%20blocked:false&search_engine=v3&sort=created_at:-1"
        ),
        None,
    );
    expect(ops::users::Get::new("auth0|123"), "GET", &format!("{T}/users/auth0%7C123"), None);
    let create =
        json!({"connection": "Username-Password-Authentication", "email": "a@acme.com", "password": "x!Y2zzzz"});
    expect(ops::users::Create::new(body(create.clone())), "POST", &format!("{T}/users"), Some(create));
    let update = json!({"blocked": true, "app_metadata": {"plan": "pro"}});
    expect(
        ops::users::Update::new("auth0|1", body(update.clone())),
        "PATCH",
        &format!("{T}/users/auth0%7C1"),
        Some(update),
    );
    expect(ops::users::Delete::new("auth0|1"), "DELETE", &format!("{T}/users/auth0%7C1"), None);
    expect(ops::users::ListRoles::new("auth0|1"), "GET", &format!("{T}/users/auth0%7C1/roles"), None);
    expect(ops::users::ListOrganizations::new("auth0|1"), "GET", &format!("{T}/users/auth0%7C1/organizations"), None);
    let roles = json!({"roles": ["rol_1", "rol_2"]});
    expect(
        ops::users::AssignRoles::new("auth0|1", body(roles.clone())),
        "POST",
        &format!("{T}/users/auth0%7C1/roles"),
        Some(roles.clone()),
    );
    expect(
        ops::users::RemoveRoles::new("auth0|1", body(roles.clone())),
        "DELETE",
        &format!("{T}/users/auth0%7C1/roles"),
        Some(roles),
    );
}

#[test]
fn roles() {
    let list = ops::roles::List { name_filter: Some("admin".into()), ..Default::default() };
    expect(list, "GET", &format!("{T}/roles?name_filter=admin"), None);
    expect(ops::roles::Get::new("rol_1"), "GET", &format!("{T}/roles/rol_1"), None);
    let role = json!({"name": "editor", "description": "Edits"});
    expect(ops::roles::Create::new(body(role.clone())), "POST", &format!("{T}/roles"), Some(role.clone()));
    expect(ops::roles::Update::new("rol_1", body(role.clone())), "PATCH", &format!("{T}/roles/rol_1"), Some(role));
    expect(ops::roles::Delete::new("rol_1"), "DELETE", &format!("{T}/roles/rol_1"), None);
    let members = ops::roles::ListUsers { checkpoint: Checkpoint::first(50), ..ops::roles::ListUsers::new("rol_1") };
    expect(members, "GET", &format!("{T}/roles/rol_1/users?take=50"), None);
    let users = json!({"users": ["auth0|1"]});
    expect(
        ops::roles::AssignUsers::new("rol_1", body(users.clone())),
        "POST",
        &format!("{T}/roles/rol_1/users"),
        Some(users),
    );
}

#[test]
fn clients_connections_apis() {
    let list = ops::clients::List { app_type: Some("spa,native".into()), ..Default::default() };
    expect(list, "GET", &format!("{T}/clients?app_type=spa,native"), None);
    expect(ops::clients::Get::new("abc"), "GET", &format!("{T}/clients/abc"), None);
    let client = json!({"name": "Portal", "app_type": "spa", "callbacks": ["https://portal.acme.com/cb"]});
    expect(ops::clients::Create::new(body(client.clone())), "POST", &format!("{T}/clients"), Some(client.clone()));
    expect(ops::clients::Update::new("abc", body(client.clone())), "PATCH", &format!("{T}/clients/abc"), Some(client));
    expect(ops::clients::Delete::new("abc"), "DELETE", &format!("{T}/clients/abc"), None);

    let list = ops::connections::List { strategy: Some(vec!["samlp".into()]), ..Default::default() };
    expect(list, "GET", &format!("{T}/connections?strategy=samlp"), None);
    expect(ops::connections::Get::new("con_1"), "GET", &format!("{T}/connections/con_1"), None);
    let conn = json!({"name": "db", "strategy": "auth0", "options": {"passwordPolicy": "good"}});
    expect(ops::connections::Create::new(body(conn.clone())), "POST", &format!("{T}/connections"), Some(conn));
    expect(ops::connections::Delete::new("con_1"), "DELETE", &format!("{T}/connections/con_1"), None);

    expect(ops::resource_servers::List::default(), "GET", &format!("{T}/resource-servers"), None);
    // A list parameter goes as one pair per value, as the spec declares (form, exploded).
    let list = ops::resource_servers::List {
        identifiers: Some(vec!["https://a.acme.com/".into(), "https://b.acme.com/".into()]),
        ..Default::default()
    };
    expect(
        list,
        "GET",
        &format!("{T}/resource-servers?identifiers=https:%2F%2Fa.acme.com%2F&identifiers=https:%2F%2Fb.acme.com%2F"),
        None,
    );
    let get = ops::resource_servers::Get { include_fields: Some(true), ..ops::resource_servers::Get::new("rs_1") };
    expect(get, "GET", &format!("{T}/resource-servers/rs_1?include_fields=true"), None);
    let get = ops::users::Get {
        fields: Some("user_id,email".into()),
        include_fields: Some(true),
        ..ops::users::Get::new("auth0|1")
    };
    expect(get, "GET", &format!("{T}/users/auth0%7C1?fields=user_id,email&include_fields=true"), None);
    let get = ops::clients::Get { fields: Some("client_id".into()), ..ops::clients::Get::new("abc") };
    expect(get, "GET", &format!("{T}/clients/abc?fields=client_id"), None);
    let get = ops::connections::Get { include_fields: Some(false), ..ops::connections::Get::new("con_1") };
    expect(get, "GET", &format!("{T}/connections/con_1?include_fields=false"), None);
    let list = ops::clients::List { external_client_id: Some("https://app.test/cimd".into()), ..Default::default() };
    expect(list, "GET", &format!("{T}/clients?external_client_id=https:%2F%2Fapp.test%2Fcimd"), None);
    let list = ops::users::List { primary_order: Some(false), ..Default::default() };
    expect(list, "GET", &format!("{T}/users?primary_order=false"), None);
    let list = ops::logs::List { search: Some("type:s".into()), ..Default::default() };
    expect(list, "GET", &format!("{T}/logs?search=type:s"), None);
    expect(
        ops::resource_servers::Get::new("https://api.acme.com/"),
        "GET",
        &format!("{T}/resource-servers/https%3A%2F%2Fapi.acme.com%2F"),
        None,
    );
    let api = json!({"identifier": "https://api.acme.com/", "name": "Acme", "scopes": [{"value": "read:things"}]});
    expect(ops::resource_servers::Create::new(body(api.clone())), "POST", &format!("{T}/resource-servers"), Some(api));
}

#[test]
fn organizations_logs_grants() {
    let list = ops::organizations::List {
        checkpoint: Checkpoint { from: Some("cursor".into()), take: Some(20) },
        ..Default::default()
    };
    expect(list, "GET", &format!("{T}/organizations?from=cursor&take=20"), None);
    let org = json!({"name": "acme", "display_name": "Acme"});
    expect(ops::organizations::Create::new(body(org.clone())), "POST", &format!("{T}/organizations"), Some(org));
    let members = json!({"members": ["auth0|1"]});
    expect(
        ops::organizations::AddMembers::new("org_1", body(members.clone())),
        "POST",
        &format!("{T}/organizations/org_1/members"),
        Some(members.clone()),
    );
    expect(
        ops::organizations::RemoveMembers::new("org_1", body(members.clone())),
        "DELETE",
        &format!("{T}/organizations/org_1/members"),
        Some(members),
    );
    expect(
        ops::organizations::ListMemberRoles::new("org_1", "auth0|1"),
        "GET",
        &format!("{T}/organizations/org_1/members/auth0%7C1/roles"),
        None,
    );
    let roles = json!({"roles": ["rol_1", "rol_2"]});
    expect(
        ops::organizations::AssignMemberRoles::new("org_1", "auth0|1", body(roles.clone())),
        "POST",
        &format!("{T}/organizations/org_1/members/auth0%7C1/roles"),
        Some(roles.clone()),
    );
    expect(
        ops::organizations::RemoveMemberRoles::new("org_1", "auth0|1", body(roles.clone())),
        "DELETE",
        &format!("{T}/organizations/org_1/members/auth0%7C1/roles"),
        Some(roles),
    );

    expect(ops::logs::List::after("90020", 100), "GET", &format!("{T}/logs?from=90020&take=100"), None);
    expect(ops::logs::List::search("type:f"), "GET", &format!("{T}/logs?q=type:f"), None);
    expect(ops::logs::Get::new("90020"), "GET", &format!("{T}/logs/90020"), None);
    let grants = ops::grants::List { user_id: Some("auth0|1".into()), ..Default::default() };
    expect(grants, "GET", &format!("{T}/grants?user_id=auth0%7C1"), None);
    expect(ops::grants::Delete::new("gr_1"), "DELETE", &format!("{T}/grants/gr_1"), None);
}

#[test]
fn token_and_teams() {
    let req = gatehouse_model::token::TokenRequest::client_credentials(
        "cid",
        "s3cret".into(),
        "https://acme.eu.auth0.com/api/v2/",
    );
    assert!(!format!("{req:?}").contains("s3cret"));
    expect(
        ops::token::ClientCredentials::new(req),
        "POST",
        "https://acme.eu.auth0.com/oauth/token",
        Some(
            json!({"grant_type": "client_credentials", "client_id": "cid", "client_secret": "s3cret", "audience": "https://acme.eu.auth0.com/api/v2/"}),
        ),
    );
    let teams = "https://acme.teams.auth0.com/api";
    let members = ops::teams::ListMembers { checkpoint: Checkpoint::first(50), ..Default::default() };
    expect(members, "GET", &format!("{teams}/members?take=50"), None);
    expect(ops::teams::ListEnvironments, "GET", &format!("{teams}/environments"), None);
    expect(ops::teams::GetTenant::new("7b7e"), "GET", &format!("{teams}/tenants/7b7e"), None);
    expect(ops::teams::ListMemberTenants::new("m1", "US-3"), "GET", &format!("{teams}/members/m1/tenants/US-3"), None);
    let activity = ops::teams::ListActivity { r#type: Some("tenant.created".into()), ..Default::default() };
    expect(activity, "GET", &format!("{teams}/activity/logs?type=tenant.created"), None);
}

#[test]
fn documented_invalid_input_is_refused_before_sending() {
    let too_big =
        ops::users::List { offset: Offset { per_page: Some(101), ..Default::default() }, ..Default::default() };
    assert!(matches!(invalid(too_big), ValidationError::OutOfRange { name: "per_page", max: 100, .. }));
    let past_window = ops::users::List { offset: Offset::page(10, 100), ..Default::default() };
    assert!(matches!(invalid(past_window), ValidationError::ResultWindow { .. }));
    let teams_take = ops::teams::ListTenants { checkpoint: Checkpoint::first(51), ..Default::default() };
    assert!(matches!(invalid(teams_take), ValidationError::OutOfRange { name: "take", max: 50, .. }));
    let mixed = ops::organizations::List {
        offset: Offset::page(0, 10),
        checkpoint: Checkpoint::first(10),
        ..Default::default()
    };
    assert!(matches!(invalid(mixed), ValidationError::Conflict { .. }));
    let no_checkpoint = ops::users::List { checkpoint: Checkpoint::first(10), ..Default::default() };
    assert!(matches!(invalid(no_checkpoint), ValidationError::Conflict { .. }));
    let no_roles = ops::users::AssignRoles::new("auth0|1", body(json!({"roles": []})));
    assert_eq!(invalid(no_roles), ValidationError::Empty { name: "roles" });
    let no_org_roles = ops::organizations::AssignMemberRoles::new("org_1", "auth0|1", body(json!({"roles": []})));
    assert_eq!(invalid(no_org_roles), ValidationError::Empty { name: "roles" });
    let no_org_roles = ops::organizations::RemoveMemberRoles::new("org_1", "auth0|1", body(json!({"roles": []})));
    assert_eq!(invalid(no_org_roles), ValidationError::Empty { name: "roles" });
    assert!(matches!(invalid(ops::users::Get::new("..")), ValidationError::PathParam { .. }));
    assert!(matches!(invalid(ops::users::Get::new("")), ValidationError::PathParam { .. }));
}

#[test]
fn every_row_has_a_request_type_that_builds() {
    // The table and the request types are tied by `Endpoint::ID`; spot-check the binding.
    assert_eq!(<ops::users::List as Endpoint>::ID, OperationId::ListUsers);
    assert_eq!(<ops::teams::ListActivity as Endpoint>::ID, OperationId::ListActivityLogs);
    assert_eq!(OPERATIONS.len(), 63);
}
