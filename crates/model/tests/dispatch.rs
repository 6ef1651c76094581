//! The generated dispatch: every catalog operation has its typed bodies, and
//! decode → encode through them keeps what came.

use gatehouse_model::catalog::CATALOG;
use gatehouse_model::generated::dispatch::{roundtrip_body, roundtrip_response};
use serde_json::{Value, json};

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

#[test]
fn every_operation_with_a_body_has_a_body_type() {
    for op in CATALOG {
        let typed = roundtrip_body(op.name, b"{}");
        assert_eq!(typed.is_some(), op.body.is_some(), "{}", op.name);
    }
}

#[test]
fn every_success_status_has_a_response_type() {
    for op in CATALOG {
        for (status, _) in op.success {
            assert!(roundtrip_response(op.name, *status, b"{}").is_some(), "{} {status}", op.name);
        }
        // Auth0's statuses drift from the spec: any 2xx is typed.
        assert!(roundtrip_response(op.name, 299, b"{}").is_some(), "{}", op.name);
        assert!(roundtrip_response(op.name, 404, b"{}").is_none(), "{}", op.name);
    }
    assert!(roundtrip_response("users.nope", 200, b"{}").is_none());
    assert!(roundtrip_body("users.nope", b"{}").is_none());
}

#[test]
fn objects_keep_unknown_fields_nulls_and_mistyped_values() {
    let grant = json!({
        "id": "cgr_1",
        "client_id": "abc",
        "audience": "https://api.example.test/",
        "scope": ["read:things"],
        "organization_usage": null,
        "allow_any_organization": "yes",
        "brand_new": {"nested": [1, 2.5, null]}
    });
    let back = roundtrip_response("clientGrants.get", 200, &bytes(&grant)).unwrap().unwrap();
    assert_eq!(back, grant);
}

#[test]
fn lists_come_bare_or_in_an_envelope() {
    let item = json!({"id": "cgr_1", "client_id": "abc", "audience": "x", "extra": true});
    for list in [
        json!([item]),
        json!({"start": 0, "limit": 50, "total": 1, "client_grants": [item]}),
        json!({"client_grants": [item], "next": "cursor"}),
    ] {
        let back = roundtrip_response("clientGrants.list", 200, &bytes(&list)).unwrap().unwrap();
        assert_eq!(back, list);
    }
    // A paged list the spec documents as a bare array may come in an envelope.
    let deliveries = json!({"deliveries": [{"id": "evt_1", "event_type": "user.created"}], "next": "c"});
    let back = roundtrip_response("eventStreams.deliveries.list", 200, &bytes(&deliveries)).unwrap().unwrap();
    assert_eq!(back, deliveries);
}

#[test]
fn optional_bodies_may_be_null_and_required_fields_are_named() {
    // The spec does not require a body to deploy an action version.
    assert_eq!(roundtrip_body("actions.versions.deploy", b"null").unwrap().unwrap(), Value::Null);
    // A required field of a request body is checked, and named when missing.
    let err = roundtrip_body("clientGrants.create", br#"{"client_id": "x"}"#).unwrap().unwrap_err();
    assert_eq!(err.path, "audience", "{err:?}");
}

#[test]
fn operations_without_a_documented_body_keep_what_came() {
    // Deleting a client grant answers 204; whatever comes is kept as JSON.
    let body = json!({"odd": [1, "two"]});
    let back = roundtrip_response("clientGrants.delete", 204, &bytes(&body)).unwrap().unwrap();
    assert_eq!(back, body);
}
