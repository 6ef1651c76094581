//! Properties of the path builder and matcher, on arbitrary ids and raw paths.
//!
//! Shared by the fuzz target `path` and by `crates/model/tests/path_property.rs`,
//! which runs the same checks as property tests. Every check panics when a
//! property does not hold.
//!
//! An input is `[mode, selector, bytes...]`. Mode 0 fills a template of the
//! operation table with ids (the bytes split at `0`, read as UTF-8 with
//! replacement), mode 1 a template of the catalog, and mode 2 takes the
//! bytes as a raw request path.

use gatehouse_model::catalog::{self, CATALOG};
use gatehouse_model::operation::{self, OPERATIONS};
use gatehouse_model::path::{fill, match_template, param_names};
use gatehouse_model::{ValidationError, Verb};

/// Every method.
pub const VERBS: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];

/// `path`: one of the three modes, picked by the first byte.
pub fn path(data: &[u8]) {
    let mode = data.first().copied().unwrap_or(0);
    let selector = usize::from(data.get(1).copied().unwrap_or(0));
    let rest = data.get(2..).unwrap_or_default();
    match mode % 3 {
        0 => {
            let spec = &OPERATIONS[selector % OPERATIONS.len()];
            table_ids(spec, &ids(spec.path, rest));
        }
        1 => {
            let op = &CATALOG[selector % CATALOG.len()];
            catalog_ids(op, &ids(op.path, rest));
        }
        _ => raw_path(&String::from_utf8_lossy(rest)),
    }
}

/// As many ids as `template` has parameters: the bytes split at `0`, then `id`s.
pub fn ids(template: &'static str, bytes: &[u8]) -> Vec<String> {
    let mut given = bytes.split(|b| *b == 0).map(|id| String::from_utf8_lossy(id).into_owned());
    param_names(template).map(|_| given.next().unwrap_or_else(|| "id".to_owned())).collect()
}

/// Whether `fill` must refuse an id: those a URL parser would resolve away.
fn refused(id: &str) -> bool {
    id.is_empty() || id == "." || id == ".."
}

/// Fills `template`; checks that it refuses exactly the ids it must and that the
/// path is one URL path, unchanged by a URL parser. `None` when refused.
fn filled(template: &'static str, ids: &[String]) -> Option<String> {
    let values: Vec<&str> = ids.iter().map(String::as_str).collect();
    match fill(template, &values) {
        Ok(path) => {
            assert!(!ids.iter().any(|id| refused(id)), "{template}: filled with a refused id in {ids:?}");
            assert_eq!(path.split('/').count(), template.split('/').count(), "{template}: {ids:?} added a segment");
            assert!(path.bytes().all(|b| b.is_ascii_graphic()), "{template}: unencoded byte in {path:?}");
            let uri: http::Uri = format!("https://tenant.test{path}").parse().expect("a filled path is a URI");
            assert_eq!(uri.path(), path, "a URL parser changed the path");
            assert_eq!(uri.query(), None);
            Some(path)
        }
        Err(ValidationError::PathParam { .. }) => {
            assert!(ids.iter().any(|id| refused(id)), "{template}: refused {ids:?}");
            None
        }
        Err(other) => panic!("{template}: unexpected error {other} for {ids:?}"),
    }
}

/// A table template filled with any ids is matched back to the same ids, and
/// `operation::find` resolves it to the same operation: an id never changes
/// the endpoint.
pub fn table_ids(spec: &'static operation::OperationSpec, ids: &[String]) {
    let Some(path) = filled(spec.path, ids) else { return };
    assert_eq!(match_template(spec.path, &path).as_deref(), Some(ids), "{path} does not match back");
    let (found, params) = operation::find(spec.verb, &path).unwrap_or_else(|| panic!("{path} finds no operation"));
    assert_eq!(found.id, spec.id, "{ids:?} turned {} into {}", spec.path, found.path);
    assert_eq!(params, ids);
    assert!(operation::path_is_known(&path));
}

/// A catalog template filled with any ids is matched back to the same ids, and
/// `catalog::find` resolves it to the same operation, unless an id is spelled
/// exactly like the literal segment of a more specific template (as
/// `/custom-domains/default` beats `/custom-domains/{id}`).
pub fn catalog_ids(op: &'static catalog::OpDesc, ids: &[String]) {
    let Some(path) = filled(op.path, ids) else { return };
    assert_eq!(match_template(op.path, &path).as_deref(), Some(ids), "{path} does not match back");
    let (found, params) = catalog::find(op.verb, &path).unwrap_or_else(|| panic!("{path} finds no operation"));
    if found.name == op.name {
        assert_eq!(params, ids);
    } else {
        let literal_for_id = op
            .path
            .split('/')
            .zip(found.path.split('/'))
            .zip(path.split('/'))
            .any(|((mine, theirs), seg)| mine.starts_with('{') && !theirs.starts_with('{') && theirs == seg);
        assert!(literal_for_id, "{ids:?} turned {} into {}", op.path, found.path);
    }
}

/// Any raw path: matching never panics, and what matches has a canonical form
/// (the parameters filled again) that resolves to the same operation and
/// parameters.
pub fn raw_path(path: &str) {
    for verb in VERBS {
        let table = operation::find(verb, path);
        if let Some((spec, params)) = &table {
            assert_eq!(spec.verb, verb);
            assert_eq!(match_template(spec.path, path).as_ref(), Some(params));
            assert_eq!(params.len(), param_names(spec.path).count());
            let canonical = filled(spec.path, params).unwrap_or_else(|| panic!("{path}: matched a refused id"));
            let again = operation::find(verb, &canonical).map(|(s, p)| (s.id, p));
            assert_eq!(again, Some((spec.id, params.clone())), "{path} and its canonical {canonical} differ");
        }
        if let Some((op, params)) = catalog::find(verb, path) {
            assert_eq!(op.verb, verb);
            assert_eq!(match_template(op.path, path).as_ref(), Some(&params));
            let canonical = filled(op.path, &params).unwrap_or_else(|| panic!("{path}: matched a refused id"));
            let again = catalog::find(verb, &canonical).map(|(o, p)| (o.name, p));
            assert_eq!(again, Some((op.name, params)), "{path} and its canonical {canonical} differ");
        }
    }
    let known = OPERATIONS.iter().any(|spec| match_template(spec.path, path).is_some());
    assert_eq!(operation::path_is_known(path), known);
}
