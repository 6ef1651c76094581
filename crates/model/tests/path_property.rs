//! Property: no id, however hostile, changes which endpoint a request calls.

use gatehouse_model::operation::{self, Operation};
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
