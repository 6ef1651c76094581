//! `gatehouse replay DIR...`: checks the model against recorded traffic.
//!
//! Every `*.yaml` go-vcr cassette (format version 2) found under the given
//! directories is read, and each recorded interaction is matched by method
//! and raw path against the catalog of every operation of the specs
//! ([`catalog::find`]), and against the hand-kept operation table (which also
//! has the token endpoint). The request body (when the operation takes one)
//! and a success response are decoded into the operation's generated types
//! ([`dispatch`]) and encoded again, and for table rows also into the table's
//! types; each result must be the same JSON as what was recorded. Error
//! responses must decode as a typed [`ErrorBody`] that keeps their code and
//! message. Form-encoded and multipart bodies become a JSON object of their
//! fields first. An interaction that neither knows is skipped.
//!
//! Operations are named as the table names them (`ListRoles`), or else by
//! their catalog name (`clientGrants.create`). One `FAIL` line is printed per
//! difference, naming the JSON path of the first difference, and the last
//! line is always `N passed, M failed, K skipped`.

use anyhow::Result;
use gatehouse_model::catalog::{self, OpDesc};
use gatehouse_model::generated::dispatch;
use gatehouse_model::operation::{self, OperationId, Verb};
use gatehouse_model::{Api, DecodeError, ErrorBody};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `gatehouse replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directories to search recursively for `*.yaml` cassettes (or cassette files).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Also print a line for every interaction that passed or was skipped.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs the replay and prints its report; the exit status is non-zero when anything failed.
pub fn run(args: &Args) -> Result<ExitCode> {
    let mut report = Report::new(std::io::stdout().lock(), args.verbose);
    for dir in &args.dirs {
        replay_tree(dir, &mut report);
    }
    let failed = report.failed;
    report.finish();
    Ok(if failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

// ---------------------------------------------------------------------------
// Cassettes

/// A go-vcr cassette; fields other than these are ignored.
#[derive(Deserialize)]
struct Cassette {
    interactions: Vec<Interaction>,
}

#[derive(Deserialize)]
struct Interaction {
    #[serde(default)]
    id: Option<serde_yaml::Value>,
    request: RecordedRequest,
    response: RecordedResponse,
}

#[derive(Deserialize)]
struct RecordedRequest {
    method: String,
    url: String,
    #[serde(default, deserialize_with = "scalar_string")]
    body: String,
    #[serde(default)]
    form: Option<serde_yaml::Mapping>,
    #[serde(default)]
    headers: Option<serde_yaml::Mapping>,
}

#[derive(Deserialize)]
struct RecordedResponse {
    #[serde(default, deserialize_with = "scalar_string")]
    body: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    code: Option<u16>,
}

impl RecordedResponse {
    /// The status code: `code`, or the number that starts `status` (`201 Created`).
    fn code(&self) -> Option<u16> {
        self.code.or_else(|| self.status.as_deref()?.split_whitespace().next()?.parse().ok())
    }
}

/// Reads a YAML scalar as a string (a missing or `null` body is empty).
fn scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_yaml::Value::deserialize(d)? {
        serde_yaml::Value::Null => String::new(),
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!("expected a string body, got {other:?}")));
        }
    })
}

// ---------------------------------------------------------------------------
// Report

/// What went wrong with one side of an interaction.
struct Failure {
    side: &'static str,
    path: String,
    what: String,
}

impl Failure {
    fn new(side: &'static str, path: impl Into<String>, what: impl Into<String>) -> Self {
        Self { side, path: path.into(), what: what.into() }
    }
}

struct Report<W: Write> {
    out: W,
    verbose: bool,
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl<W: Write> Report<W> {
    fn new(out: W, verbose: bool) -> Self {
        Self { out, verbose, passed: 0, failed: 0, skipped: 0 }
    }

    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        // A closed pipe (`| head`) must not turn into a panic.
        let _ = writeln!(self.out, "{text}");
    }

    /// A file or directory that could not be read as cassettes; counts as one failure.
    fn broken(&mut self, file: &Path, what: &str) {
        self.failed += 1;
        self.line(format_args!("FAIL {}: {what}", file.display()));
    }

    fn finish(mut self) {
        let (passed, failed, skipped) = (self.passed, self.failed, self.skipped);
        self.line(format_args!("{passed} passed, {failed} failed, {skipped} skipped"));
        let _ = self.out.flush();
    }
}

// ---------------------------------------------------------------------------
// Walking and checking

fn replay_tree<W: Write>(root: &Path, report: &mut Report<W>) {
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_owned();
                report.broken(&path, &format!("cannot read: {err}"));
                continue;
            }
        };
        let is_cassette =
            entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "yaml" || ext == "yml");
        if is_cassette {
            replay_file(entry.path(), report);
        }
    }
}

fn replay_file<W: Write>(file: &Path, report: &mut Report<W>) {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => return report.broken(file, &format!("cannot read: {err}")),
    };
    let cassette: Cassette = match serde_yaml::from_str(&text) {
        Ok(cassette) => cassette,
        Err(err) => return report.broken(file, &format!("malformed cassette: {err}")),
    };
    for (index, interaction) in cassette.interactions.iter().enumerate() {
        let id = match &interaction.id {
            Some(serde_yaml::Value::Number(n)) => n.to_string(),
            Some(serde_yaml::Value::String(s)) => s.clone(),
            _ => index.to_string(),
        };
        let request = &interaction.request;
        let (host, raw_path) = split_url(&request.url);
        let Some(op) = Verb::parse(&request.method).and_then(|verb| Matched::find(verb, host, raw_path)) else {
            report.skipped += 1;
            if report.verbose {
                report.line(format_args!("skip {} #{id} {} {raw_path}", file.display(), request.method));
            }
            continue;
        };
        let failures: Vec<Failure> =
            check_request(&op, request).into_iter().chain(check_response(&op, &interaction.response)).collect();
        if failures.is_empty() {
            report.passed += 1;
            if report.verbose {
                report.line(format_args!("ok {} #{id} {}", file.display(), op.name()));
            }
        } else {
            report.failed += 1;
            for f in failures {
                report.line(format_args!(
                    "FAIL {} #{id} {} {}: {}: {}",
                    file.display(),
                    op.name(),
                    f.side,
                    f.path,
                    f.what
                ));
            }
        }
    }
}

/// The operation an interaction was matched to: its catalog entry when the
/// specs describe it, its table row when the hand-kept table has it (at least one).
struct Matched {
    entry: Option<&'static OpDesc>,
    row: Option<OperationId>,
}

impl Matched {
    fn find(verb: Verb, host: &str, raw_path: &str) -> Option<Self> {
        let entry = catalog::find(verb, raw_path).map(|(op, _)| op).filter(|op| host_serves(host, op.api));
        let row = operation::find(verb, raw_path).map(|(spec, _)| spec).filter(|spec| host_serves(host, spec.api));
        let matched = Self { entry, row: row.map(|spec| spec.id) };
        (matched.entry.is_some() || matched.row.is_some()).then_some(matched)
    }

    /// The table's name for its rows (`ListRoles`), else the catalog's (`clientGrants.create`).
    fn name(&self) -> &'static str {
        match (self.row, self.entry) {
            (Some(row), _) => row.name(),
            (None, Some(entry)) => entry.name,
            (None, None) => unreachable!("matched by one or the other"),
        }
    }
}

/// Splits a recorded URL into its host and raw (still percent-encoded) path.
fn split_url(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = if url.contains("://") {
        match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        }
    } else {
        ("", rest)
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = host.split(':').next().unwrap_or(host);
    (host, if path.is_empty() { "/" } else { path })
}

/// Teams hosts (`*.teams.auth0.com`) serve only Teams operations.
fn host_serves(host: &str, api: Api) -> bool {
    let teams_host = host.to_ascii_lowercase().ends_with(".teams.auth0.com");
    !teams_host || api == Api::Teams
}

fn header<'a>(headers: Option<&'a serde_yaml::Mapping>, name: &str) -> Option<&'a str> {
    let (_, values) = headers?.iter().find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))?;
    match values {
        serde_yaml::Value::Sequence(seq) => seq.first()?.as_str(),
        other => other.as_str(),
    }
}

/// The request body as JSON bytes, or `None` when nothing was sent.
/// Form-encoded bodies become a JSON object of their fields.
fn request_json(request: &RecordedRequest) -> Option<Vec<u8>> {
    let form = request.form.as_ref().filter(|form| !form.is_empty());
    if let Some(form) = form {
        let mut fields = Vec::new();
        for (key, values) in form {
            let key = key.as_str().map_or_else(|| yaml_scalar(key), str::to_owned);
            match values {
                serde_yaml::Value::Sequence(seq) => {
                    for value in seq {
                        fields.push((key.clone(), yaml_scalar(value)));
                    }
                }
                value => fields.push((key, yaml_scalar(value))),
            }
        }
        return Some(form_object(fields).to_string().into_bytes());
    }
    let content_type = header(request.headers.as_ref(), "content-type").unwrap_or("");
    if request.body.trim().is_empty() {
        return None;
    }
    if content_type.contains("application/x-www-form-urlencoded") {
        return Some(form_object(parse_urlencoded(request.body.trim())).to_string().into_bytes());
    }
    if let Some(boundary) = gatehouse_model::body::multipart_boundary(content_type) {
        // A body that does not parse goes on as it is, and fails to decode.
        if let Ok(fields) = multipart_fields(&request.body, boundary) {
            return Some(form_object(fields).to_string().into_bytes());
        }
    }
    Some(request.body.trim().as_bytes().to_vec())
}

/// The fields of a `multipart/form-data` body, read by the model's
/// multipart reader: each part's content as it came (a file part's content
/// is its text).
fn multipart_fields(body: &str, boundary: &str) -> Result<Vec<(String, String)>, gatehouse_model::body::BodyError> {
    let parts = gatehouse_model::body::read_multipart(body.as_bytes(), boundary)?;
    Ok(parts.into_iter().map(|p| (p.name, String::from_utf8_lossy(&p.content).into_owned())).collect())
}

fn yaml_scalar(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => String::new(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}

fn parse_urlencoded(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Form fields as a JSON object: one value is a string, repeated keys an array.
fn form_object(fields: Vec<(String, String)>) -> Value {
    let mut obj = Map::new();
    for (key, value) in fields {
        match obj.get_mut(&key) {
            None => {
                obj.insert(key, Value::String(value));
            }
            Some(Value::Array(items)) => items.push(Value::String(value)),
            Some(first) => {
                let first = first.take();
                obj.insert(key, Value::Array(vec![first, Value::String(value)]));
            }
        }
    }
    Value::Object(obj)
}

fn check_request(op: &Matched, request: &RecordedRequest) -> Option<Failure> {
    let bytes = request_json(request)?;
    let typed = op.entry.and_then(|entry| dispatch::roundtrip_body(entry.name, &bytes));
    let table = op.row.and_then(|row| row.roundtrip_body(&bytes));
    typed.into_iter().chain(table).find_map(|roundtripped| compare("request", &bytes, roundtripped))
}

fn check_response(op: &Matched, response: &RecordedResponse) -> Option<Failure> {
    let Some(code) = response.code() else {
        return Some(Failure::new("response", "$", "no status code recorded"));
    };
    let body = response.body.as_bytes();
    if !(200..300).contains(&code) {
        return check_error(body);
    }
    if response.body.trim().is_empty() {
        return None;
    }
    let typed = op.entry.and_then(|entry| dispatch::roundtrip_response(entry.name, code, body));
    let table = op.row.map(|row| row.roundtrip_response(body));
    typed.into_iter().chain(table).find_map(|roundtripped| compare("response", body, roundtripped))
}

/// The first difference between recorded bytes and their decode → encode.
fn compare(side: &'static str, bytes: &[u8], roundtripped: Result<Value, DecodeError>) -> Option<Failure> {
    let roundtripped = match roundtripped {
        Ok(value) => value,
        Err(err) => return Some(decode_failure(side, &err)),
    };
    let original: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(err) => return Some(Failure::new(side, "$", format!("recorded body is not JSON: {err}"))),
    };
    let (path, what) = first_difference(&original, &roundtripped)?;
    Some(Failure::new(side, path, what))
}

/// Error bodies must decode as the typed shape their keys announce, keep
/// code and message, and encode back to what was recorded.
fn check_error(body: &[u8]) -> Option<Failure> {
    let decoded = ErrorBody::parse(body);
    let fail = |path: &str, what: String| Some(Failure::new("response", path, what));
    let Ok(original) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        return match &decoded {
            ErrorBody::Text(kept) if *kept == text => None,
            other => fail("$", format!("non-JSON error body was not kept as text: {other:?}")),
        };
    };
    let field = |key: &str| original.get(key).and_then(Value::as_str);
    // Which typed shape the keys announce, with the code and message it must keep.
    let expected = match &original {
        Value::Object(obj) if obj.contains_key("statusCode") => {
            Some(("Management", field("errorCode"), field("message")))
        }
        Value::Object(obj) if obj.contains_key("type") && obj.contains_key("status") => {
            Some(("Teams", field("type"), field("title")))
        }
        Value::Object(_) if field("error").is_some() => Some(("OAuth", field("error"), field("error_description"))),
        _ => None,
    };
    let kind = match &decoded {
        ErrorBody::Management(_) => "Management",
        ErrorBody::OAuth(_) => "OAuth",
        ErrorBody::Teams(_) => "Teams",
        ErrorBody::Json(_) => "untyped JSON",
        ErrorBody::Text(_) => "text",
    };
    if let Some((want, code, message)) = expected {
        if kind != want {
            return fail("$", format!("error body decoded as {kind}, expected a {want} error"));
        }
        if code.is_some() && decoded.code() != code {
            return fail("$", format!("error code {:?} not kept (got {:?})", code, decoded.code()));
        }
        if message.is_some() && decoded.message().as_deref() != message {
            return fail("$", format!("error message {message:?} not kept (got {:?})", decoded.message()));
        }
    }
    let reencoded = match serde_json::to_value(&decoded) {
        Ok(value) => value,
        Err(err) => return fail("$", format!("error body does not encode: {err}")),
    };
    let (path, what) = first_difference(&original, &reencoded)?;
    fail(&path, what)
}

// ---------------------------------------------------------------------------
// JSON difference

/// A model decode path (`users[3].name`, `.` for the root) as a `$` JSON path.
fn json_path(path: &str) -> String {
    match path {
        "" | "." => "$".to_owned(),
        p if p.starts_with('[') => format!("${p}"),
        p => format!("$.{p}"),
    }
}

/// A decode error as a `$` JSON path and message. Where the model reports
/// the location inside the message (``field `x`: ...`` from a required
/// field, `roles[1]: ...` from a list item), that location is moved into
/// the path.
fn decode_failure(side: &'static str, err: &DecodeError) -> Failure {
    let mut path = json_path(&err.path);
    let mut message = err.message.as_str();
    loop {
        let field = message.strip_prefix("field `").and_then(|rest| rest.split_once("`: "));
        if let Some((field, rest)) = field {
            push_key(&mut path, field);
            message = rest;
            continue;
        }
        match message.split_once(": ") {
            Some((head, rest)) if is_path_like(head) => {
                path.push_str(&json_path(head)[1..]);
                message = rest;
            }
            _ => break,
        }
    }
    Failure::new(side, path, format!("does not decode: {message}"))
}

/// Whether `s` looks like `users[3].identities[0]` rather than prose.
fn is_path_like(s: &str) -> bool {
    s.contains('[')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c))
        && s.matches('[').count() == s.matches(']').count()
}

/// The JSON path of the first place where `after` differs from `before`, and what differs.
fn first_difference(before: &Value, after: &Value) -> Option<(String, String)> {
    let mut path = String::from("$");
    diff_at(&mut path, before, after)
}

fn diff_at(path: &mut String, before: &Value, after: &Value) -> Option<(String, String)> {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                let len = path.len();
                push_key(path, key);
                let found = match b.get(key) {
                    None => Some((path.clone(), format!("missing after roundtrip (was {})", short(va)))),
                    Some(vb) => diff_at(path, va, vb),
                };
                if found.is_some() {
                    return found;
                }
                path.truncate(len);
            }
            let (key, vb) = b.iter().find(|(key, _)| !a.contains_key(*key))?;
            push_key(path, key);
            Some((path.clone(), format!("added by roundtrip ({})", short(vb))))
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(found) = diff_at(path, va, vb) {
                    return Some(found);
                }
                path.truncate(len);
            }
            let n = a.len().min(b.len());
            path.push_str(&format!("[{n}]"));
            match a.len().cmp(&b.len()) {
                std::cmp::Ordering::Greater => {
                    Some((path.clone(), format!("missing after roundtrip ({} of {} items kept)", b.len(), a.len())))
                }
                std::cmp::Ordering::Less => Some((path.clone(), format!("added by roundtrip ({})", short(&b[n])))),
                std::cmp::Ordering::Equal => None,
            }
        }
        _ if before == after => None,
        _ => Some((path.clone(), format!("was {}, became {}", short(before), short(after)))),
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Value::String(key.to_owned())));
    }
}

/// A value as compact JSON, cut to a readable length.
fn short(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn split_url_keeps_the_raw_path() {
        assert_eq!(
            split_url("https://t.example/api/v2/users/auth0%7C1/roles?page=0#x"),
            ("t.example", "/api/v2/users/auth0%7C1/roles")
        );
        assert_eq!(split_url("http://u@h.example:8080"), ("h.example", "/"));
        assert_eq!(split_url("/oauth/token"), ("", "/oauth/token"));
    }

    #[test]
    fn differences_name_the_json_path() {
        let a = json!({"users": [{"id": 1, "identities": [{"provider": "auth0"}]}]});
        let b = json!({"users": [{"id": 1, "identities": [{"provider": 3}]}]});
        let (path, what) = first_difference(&a, &b).unwrap();
        assert_eq!(path, "$.users[0].identities[0].provider");
        assert_eq!(what, "was \"auth0\", became 3");
        let (path, what) = first_difference(&json!({"a": 1, "b c": 2}), &json!({"a": 1})).unwrap();
        assert_eq!((path.as_str(), what.as_str()), ("$[\"b c\"]", "missing after roundtrip (was 2)"));
        let (path, _) = first_difference(&json!([1]), &json!([1, 2])).unwrap();
        assert_eq!(path, "$[1]");
        assert_eq!(first_difference(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})), None);
        assert!(first_difference(&json!(1), &json!(1.0)).is_some());
    }

    #[test]
    fn form_bodies_become_objects() {
        let fields = parse_urlencoded("a=1&b=x+y%21&a=2&c");
        assert_eq!(form_object(fields), json!({"a": ["1", "2"], "b": "x y!", "c": ""}));
    }

    #[test]
    fn multipart_bodies_become_objects() {
        let body = "--b0\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_1\r\n\
                    --b0\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
                    Content-Type: application/octet-stream\r\n\r\n[{\"email\":\"a@b.c\"}]\r\n--b0--\r\n";
        let fields = multipart_fields(body, "b0").unwrap();
        assert_eq!(form_object(fields), json!({"connection_id": "con_1", "users": "[{\"email\":\"a@b.c\"}]"}));
    }

    #[test]
    fn decode_paths_become_json_paths() {
        assert_eq!(json_path("."), "$");
        assert_eq!(json_path("users[3].name"), "$.users[3].name");
        assert_eq!(json_path("[0].id"), "$[0].id");
        let err =
            |path: &str, message: &str| gatehouse_model::DecodeError { path: path.into(), message: message.into() };
        let f = decode_failure(
            "response",
            &err(".", "roles[1].identities[0]: field `provider`: invalid type: integer `3`"),
        );
        assert_eq!(f.path, "$.roles[1].identities[0].provider");
        assert_eq!(f.what, "does not decode: invalid type: integer `3`");
        let f = decode_failure("response", &err("[2]", "expected a list: no array"));
        assert_eq!((f.path.as_str(), f.what.as_str()), ("$[2]", "does not decode: expected a list: no array"));
    }
}
