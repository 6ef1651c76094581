//! Properties of the response and error decoders on arbitrary input: never a
//! panic, decode → encode gives back the JSON that came, and `request::parse`
//! agrees with `roundtrip_response`.
//!
//! The checks are the fuzz targets' own (`fuzz/src/decode.rs`); here proptest
//! feeds them, and every input of the committed fuzz corpus is replayed, so
//! `cargo test` checks the same properties where the fuzzer does not run.

#[path = "../../../fuzz/src/decode.rs"]
mod checks;

use checks::{decode_response, error_body};
use gatehouse_model::OPERATIONS;
use gatehouse_model::catalog::CATALOG;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::path::Path;

/// Keys the model's objects, pages and error bodies know, and some it does not (and `""`).
const KEYS: &str = "user_id email name identities provider connection isSocial app_metadata logins_count blocked \
    statusCode error message errorCode type status title details error_description start limit length total next \
    users roles organizations clients connections members tenants options strategy client_id grant_types app_type \
    id enabled_clients realms access_token expires_in token_type scope date log_id x";

/// Strings the model's enums know, and others.
const WORDS: &[&str] =
    &["auth0", "samlp", "waad", "oidc", "spa", "native", "s", "f", "Bearer", "client_credentials", "x", ""];

fn key() -> impl Strategy<Value = String> {
    let keys: Vec<&'static str> = KEYS.split_whitespace().chain([""]).collect();
    prop::sample::select(keys).prop_map(str::to_owned)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A response body: JSON (sometimes with bytes after it), or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => (json_value(), prop::sample::select(&[" ", "\n", "x", "{}", "]", "\0"][..]))
            .prop_map(|(v, tail)| [serde_json::to_vec(&v).unwrap(), tail.as_bytes().to_vec()].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Headers in the fuzz input's form: lines of a name byte then the value.
fn headers() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![
        any::<u32>().prop_map(|n| n.to_string()),
        Just("Thu, 01 Jan 1970 00:01:40 GMT".to_owned()),
        Just(" 7 ".to_owned()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec((0u8..5, value), 0..4).prop_map(|lines| {
        let lines: Vec<Vec<u8>> = lines.into_iter().map(|(n, v)| [vec![n], v.into_bytes()].concat()).collect();
        lines.join(&b'\n')
    })
}

/// The first two bytes of an input that pick operation `index` (the table's, then the catalog's).
fn select(index: usize) -> [u8; 2] {
    u16::try_from(index).unwrap().to_be_bytes()
}

/// A whole fuzz input: operation, status, time, headers, body.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let ops = OPERATIONS.len() + CATALOG.len();
    (0..ops, any::<u8>(), any::<u8>(), headers(), body()).prop_map(|(op, status, now, headers, body)| {
        let len = u8::try_from(headers.len()).unwrap_or(u8::MAX);
        [&select(op)[..], &[status, now, len], &headers[..usize::from(len)], &body].concat()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_response_decodes_losslessly_or_is_refused(data in input()) {
        decode_response(&data);
    }

    #[test]
    fn any_error_response_decodes_losslessly(data in input()) {
        error_body(&data);
    }

    #[test]
    fn any_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..96)) {
        decode_response(&data);
        error_body(&data);
    }
}

/// The same JSON bodies as a 200 answer to every operation of the table and the catalog.
#[test]
fn every_operation_decodes_bodies_losslessly() {
    let bodies = [
        &b"[]"[..],
        b"{}",
        b"",
        b"null",
        br#"{"start":0,"limit":50,"length":1,"total":1,"users":[{"user_id":"auth0|1","email":null}]}"#,
        br#"{"organizations":[{"id":"org_1","name":"acme"}],"next":"abc"}"#,
        br#"{"id":"con_1","name":"db","strategy":"auth0","options":{"mfa":{"active":true}},"realms":["db"]}"#,
        br#"{"access_token":"x","expires_in":86400,"token_type":"Bearer","scope":"read:users"}"#,
    ];
    for i in 0..OPERATIONS.len() + CATALOG.len() {
        for body in bodies {
            decode_response(&[&select(i)[..], &[0, 0, 0], body].concat());
        }
    }
}

/// Every committed input of the fuzz corpus (and the regressions kept there).
#[test]
fn the_fuzz_corpus_replays() {
    for (target, check) in [("decode_response", decode_response as fn(&[u8])), ("error_body", error_body)] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{} fails", path.display());
        }
    }
}

/// Found by `decode_response`: bytes after the JSON value were ignored, so
/// `9\0` decoded as `9` (and a truncated concatenation as its first part).
#[test]
fn trailing_bytes_after_the_body_are_refused() {
    use gatehouse_model::OperationId;
    assert!(OperationId::DeleteRole.roundtrip_response(b"9\0").is_err());
    assert!(OperationId::ListUsers.roundtrip_response(b"[]]").is_err());
    assert!(OperationId::GetUser.roundtrip_response(b"{} {}").is_err());
    assert!(OperationId::GetUser.roundtrip_response(b" {\"user_id\":\"a\"}\n").is_ok());
    decode_response(b"\x00\x0d\x00\x00\x009\x00");
}

/// Found by `decode_response`: a long decimal was parsed inexactly, so after
/// decode → encode it decoded one ULP away from what came.
#[test]
fn long_decimals_survive_a_second_roundtrip() {
    let digits = "3".repeat(100) + "0" + &"3".repeat(85) + "0" + &"3".repeat(18) + "0";
    checks::roundtrips(gatehouse_model::OperationId::DeleteTenant, digits.as_bytes());
    let value: serde_json::Value = serde_json::from_str(&digits).unwrap();
    let again: serde_json::Value = serde_json::from_str(&value.to_string()).unwrap();
    assert_eq!(again, value, "serde_json parses floats inexactly (the model needs `float_roundtrip`)");
}

/// Found by `decode_response`: a page whose items key was not its last array
/// was written back with the items last, and decoded again from another key.
#[test]
fn a_page_decodes_from_the_same_key_after_encoding() {
    let body = br#"{"id":"con_1","enabled_clients":[],"name":"x","realms":["a","b"]}"#;
    for (i, spec) in OPERATIONS.iter().enumerate() {
        if spec.paging.items_key().is_some() {
            decode_response(&[&select(i)[..], &[0, 0, 0], body].concat());
        }
    }
}
