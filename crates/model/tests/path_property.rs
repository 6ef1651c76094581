//! Property: no id, however hostile, changes which endpoint a request calls.
//!
//! The second half runs the checks of the `path` fuzz target
//! (`fuzz/src/path.rs`) on every template of the table and the catalog, on
//! raw paths, and on the committed fuzz corpus.

#[path = "../../../fuzz/src/path.rs"]
mod checks;

use gatehouse_model::catalog::CATALOG;
use gatehouse_model::operation::{self, OPERATIONS, Operation};
use gatehouse_model::ops::{organizations, users};
use gatehouse_model::request::path_and_query;
use gatehouse_model::types::{AssignOrganizationMemberRoles, RemoveOrganizationMemberRoles};
use gatehouse_model::{Error, OperationId, Verb};
use proptest::prelude::*;

/// Ids built from the characters that could break out of a path segment.
fn hostile_id() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("/".to_owned()),
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just("?".to_owned()),
            Just("#".to_owned()),
            Just("%".to_owned()),
            Just("%2F".to_owned()),
            Just("%2e%2e".to_owned()),
            Just("|".to_owned()),
            Just("\\".to_owned()),
            Just(" ".to_owned()),
            Just("&".to_owned()),
            Just("=".to_owned()),
            "[a-z0-9]{1,4}",
            any::<char>().prop_map(String::from),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn check<O: Operation>(op: &O, ids: &[&str]) -> Result<(), TestCaseError> {
    match path_and_query(op) {
        Ok(uri) => {
            let path = uri.split('?').next().unwrap_or_default();
            prop_assert!(!path.contains('#') && !uri.contains('#'));
            let (spec, params) = operation::find(op.spec().verb, path)
                .ok_or_else(|| TestCaseError::fail(format!("{path} matches no operation")))?;
            prop_assert_eq!(spec.id, O::ID);
            let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
            prop_assert_eq!(params, ids);
        }
        Err(Error::Validation(_)) => {
            prop_assert!(ids.iter().any(|id| id.is_empty() || *id == "." || *id == ".."));
        }
        Err(other) => return Err(TestCaseError::fail(format!("unexpected error {other}"))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_user_id_is_always_one_segment(id in hostile_id()) {
        check(&users::Get::new(id.clone()), &[&id])?;
        check(&users::Delete::new(id.clone()), &[&id])?;
        check(&users::ListRoles::new(id.clone()), &[&id])?;
    }

    #[test]
    fn two_ids_stay_in_their_segments(org in hostile_id(), user in hostile_id()) {
        check(&organizations::ListMemberRoles::new(org.clone(), user.clone()), &[&org, &user])?;
        let roles = AssignOrganizationMemberRoles::new(vec!["rol_1".to_owned()]);
        check(&organizations::AssignMemberRoles::new(org.clone(), user.clone(), roles), &[&org, &user])?;
        let roles = RemoveOrganizationMemberRoles::new(vec!["rol_1".to_owned()]);
        check(&organizations::RemoveMemberRoles::new(org.clone(), user.clone(), roles), &[&org, &user])?;
    }

    #[test]
    fn any_string_id_roundtrips_through_the_url_parser(id in any::<String>()) {
        let op = users::Get::new(id.clone());
        if let Ok(uri) = path_and_query(&op) {
            // What a URL library makes of the path must still be the same endpoint.
            let parsed: http::Uri = format!("https://tenant.test{uri}").parse().unwrap();
            let (spec, params) = operation::find(Verb::Get, parsed.path()).unwrap();
            prop_assert_eq!(spec.id, OperationId::GetUser);
            prop_assert_eq!(&params[0], &id);
        }
    }
}

/// Raw paths along the table's and the catalog's templates: literal
/// segments as they are or percent-encoded, parameters hostile, raw or encoded.
fn raw_path() -> impl Strategy<Value = String> {
    let templates: Vec<&'static str> =
        OPERATIONS.iter().map(|s| s.path).chain(CATALOG.iter().map(|o| o.path)).collect();
    let encoded = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    (prop::sample::select(templates), prop::collection::vec((0u8..4, hostile_id()), 8)).prop_map(
        move |(template, choices)| {
            let segments = template.split('/').zip(choices.iter().cycle()).map(|(seg, (how, id))| {
                match (seg.starts_with('{'), how) {
                    (false, 0) => encoded(seg),
                    (false, _) => seg.to_owned(),
                    (true, 0) => id.clone(),
                    (true, 1) => encoded(id),
                    (true, _) => "default".to_owned(),
                }
            });
            segments.collect::<Vec<_>>().join("/")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_ids_fill_every_table_template_and_match_back(
        i in 0..OPERATIONS.len(),
        ids in prop::collection::vec(prop_oneof![hostile_id(), any::<String>()], 3),
    ) {
        checks::table_ids(&OPERATIONS[i], &ids[..operation::OperationSpec::param_names(&OPERATIONS[i]).count()]);
    }

    #[test]
    fn any_ids_fill_every_catalog_template_and_match_back(
        i in 0..CATALOG.len(),
        ids in prop::collection::vec(prop_oneof![hostile_id(), any::<String>(), Just("default".to_owned())], 4),
    ) {
        checks::catalog_ids(CATALOG[i], &ids[..CATALOG[i].path_params().count()]);
    }

    #[test]
    fn any_raw_path_matches_like_its_canonical_form(path in raw_path()) {
        checks::raw_path(&path);
    }

    #[test]
    fn any_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..64)) {
        checks::path(&data);
    }
}

/// Every committed input of the `path` fuzz corpus.
#[test]
fn the_fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/path");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        assert!(std::panic::catch_unwind(|| checks::path(&data)).is_ok(), "{} fails", path.display());
    }
}

/// Found by the `path` fuzz target: a literal segment spelled with a
/// percent-encoded letter matched only the template with a parameter there,
/// while the path built back from the match named the literal's operation.
#[test]
fn an_encoded_literal_names_the_same_operation_as_its_canonical_form() {
    checks::raw_path("/api/v2/custom-domains/defaul%74");
    let (op, params) = gatehouse_model::catalog::find(Verb::Get, "/api/v2/custom-domains/defaul%74").unwrap();
    assert_eq!((op.name, params.len()), ("customDomains.getDefault", 0));
    let (spec, params) = operation::find(Verb::Get, "/api/v2/user%73/auth0%7C1").unwrap();
    assert_eq!((spec.id, params), (OperationId::GetUser, vec!["auth0|1".to_owned()]));
}
