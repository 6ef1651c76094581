//! Test support shared by the crates whose tests hold generated code to
//! Auth0's specs (the model's catalog, the client's methods): where the
//! reference data is, reading both specs, following `$ref`s and naming
//! operations the way the catalog does.
//!
//! Only ever a dev-dependency: no build of the libraries or binaries needs
//! the specs. The data lives outside the repository (`../shared/auth0`, or
//! `AUTH0_SHARED_DIR`) and tests that need it are skipped with a note when it
//! is absent.

use serde_json::Value;
use std::path::PathBuf;

/// The Auth0 reference directory: `$AUTH0_SHARED_DIR` when set (and not
/// empty), else `../shared/auth0` beside the repository.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("AUTH0_SHARED_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/auth0")),
    }
}

/// One of Auth0's OpenAPI specs, with how the catalog writes its operations.
#[derive(Debug)]
pub struct Spec {
    /// The parsed document.
    pub root: Value,
    /// What the catalog's path templates add before the spec's paths (`/api/v2`).
    pub path_prefix: &'static str,
    /// What the catalog's names add before the spec's (`teams.`).
    pub name_prefix: &'static str,
}

/// One operation of a spec.
#[derive(Debug)]
pub struct SpecOp<'a> {
    /// The spec's path template (without the prefix).
    pub path: &'a str,
    /// The method, lowercase, as the spec keys it (`get`).
    pub method: &'a str,
    /// The operation object.
    pub op: &'a Value,
    /// The catalog's dotted name: prefix, `x-operation-group` parts and `x-operation-name`.
    pub name: String,
}

/// Both specs (Management API, then Teams API), or `None` with a note on
/// stderr when either is not there. Panics on a file that is not JSON.
pub fn specs() -> Option<Vec<Spec>> {
    let dir = shared_dir();
    let mut out = Vec::new();
    for (file, path_prefix, name_prefix) in
        [("management-api-oas.json", "/api/v2", ""), ("teams-api-oas.json", "", "teams.")]
    {
        let path = dir.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} not found (set AUTH0_SHARED_DIR)", path.display());
            return None;
        };
        let root = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push(Spec { root, path_prefix, name_prefix });
    }
    Some(out)
}

/// Follows `$ref`s from `v` within `root` to what they name. Panics on a
/// dangling reference.
pub fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        v = root.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {r}"));
    }
    v
}

impl Spec {
    /// Follows `$ref`s within this spec.
    pub fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        resolve(&self.root, v)
    }

    /// Every operation, in document order. Panics on an operation without
    /// `x-operation-group` / `x-operation-name`.
    pub fn operations(&self) -> Vec<SpecOp<'_>> {
        let mut out = Vec::new();
        for (path, item) in self.root["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let groups: Vec<&str> = match &op["x-operation-group"] {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(parts) => parts.iter().map(|p| p.as_str().expect("a group part")).collect(),
                    other => panic!("{method} {path}: x-operation-group {other}"),
                };
                let op_name = op["x-operation-name"].as_str().unwrap_or_else(|| panic!("{method} {path}: no name"));
                let name = format!("{}{}.{op_name}", self.name_prefix, groups.join("."));
                out.push(SpecOp { path, method, op, name });
            }
        }
        out
    }
}
