//! Properties of the model's response and error decoders, on arbitrary bytes.
//!
//! Shared by the fuzz targets `decode_response` and `error_body` and by
//! `crates/model/tests/decode_property.rs`, which runs the same checks as
//! property tests. Every check panics when a property does not hold.
//!
//! An input is `[operation (2 bytes), status, now, header length, headers...,
//! body...]`: the first five bytes pick an operation (of the table, then of
//! the catalog), a status, the current time and how many of the following
//! bytes are headers (lines of a name byte then the value). Missing bytes
//! count as zero, so a bare JSON body after five zero bytes is a 200 response
//! to `OPERATIONS[0]`.

use gatehouse_model::catalog::{CATALOG, OpDesc};
use gatehouse_model::error::ErrorBody;
use gatehouse_model::generated::dispatch;
use gatehouse_model::operation::Operation;
use gatehouse_model::ops::{
    clients, connections, grants, logs, organizations, resource_servers, roles, teams, token, users,
};
use gatehouse_model::request::parse;
use gatehouse_model::{ApiError, DecodeError, Error, OPERATIONS, OperationId as Id, RateLimit};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// Statuses an input picks from: 2xx first, then what Auth0 and proxies answer, then nonsense.
pub const STATUSES: &[u16] =
    &[200, 201, 202, 204, 299, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 100, 199, 300, 0, 999, u16::MAX];

/// Current times (UNIX seconds) an input picks from.
pub const NOWS: &[u64] = &[1_700_000_000, 0, 1, 253_402_300_799, u64::MAX];

/// Header names an input picks from.
pub const HEADERS: &[&str] =
    &["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "content-type"];

/// A response made of fuzzer bytes.
#[derive(Debug)]
pub struct Input<'a> {
    /// Picks the operation.
    pub selector: u16,
    /// HTTP status.
    pub status: u16,
    /// Current UNIX time.
    pub now: u64,
    /// The headers (values the `http` crate refuses are left out).
    pub headers: HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> Input<'a> {
    /// Splits fuzzer bytes into a response.
    pub fn new(data: &'a [u8]) -> Self {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let rest = data.get(5..).unwrap_or_default();
        let (head, body) = rest.split_at(usize::from(byte(4)).min(rest.len()));
        let mut headers = HeaderMap::new();
        for line in head.split(|b| *b == b'\n') {
            let Some((&name, value)) = line.split_first() else { continue };
            let name = HeaderName::from_static(HEADERS[usize::from(name) % HEADERS.len()]);
            if let Ok(value) = HeaderValue::from_bytes(value) {
                headers.append(name, value);
            }
        }
        Self {
            selector: u16::from_be_bytes([byte(0), byte(1)]),
            status: STATUSES[usize::from(byte(2)) % STATUSES.len()],
            now: NOWS[usize::from(byte(3)) % NOWS.len()],
            headers,
            body,
        }
    }
}

/// Whether the model reads a body as no content (`null`).
fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// The body as the JSON value it is, if it is JSON (no content counts as `null`).
fn json(body: &[u8]) -> Option<Value> {
    if is_blank(body) { Some(Value::Null) } else { serde_json::from_slice(body).ok() }
}

/// `decode_response`: the bytes as a response to one operation of the table
/// or of the catalog (and as its request body).
///
/// Never panics. When a body decodes into the operation's type, encoding it
/// gives back exactly the JSON that came (the lossless invariant), and that
/// JSON decodes again to the same value. For the table, `request::parse`
/// agrees: a 2xx decodes exactly when `roundtrip_response` does, to the same
/// JSON, and anything else is an API error with `ErrorBody::parse` of the body;
/// both carry the rate limit of the headers.
pub fn decode_response(data: &[u8]) {
    let input = Input::new(data);
    let index = usize::from(input.selector) % (OPERATIONS.len() + CATALOG.len());
    match OPERATIONS.get(index) {
        Some(spec) => {
            roundtrips(spec.id, input.body);
            parses(spec.id, &input);
        }
        None => catalog_roundtrips(CATALOG[index - OPERATIONS.len()], input.status, input.body),
    }
}

/// Decode → encode of a table operation's response and request body.
pub fn roundtrips(id: Id, body: &[u8]) {
    lossless(&format!("{} response", id.name()), body, |b| Some(id.roundtrip_response(b)));
    lossless(&format!("{} body", id.name()), body, |b| id.roundtrip_body(b));
}

/// Decode → encode of a catalog operation's response (for `status`, or its
/// first success when that is no 2xx) and request body.
pub fn catalog_roundtrips(op: &OpDesc, status: u16, body: &[u8]) {
    if !(200..300).contains(&status) {
        assert!(dispatch::roundtrip_response(op.name, status, body).is_none(), "{}: {status} is typed", op.name);
    }
    let status = if (200..300).contains(&status) { status } else { op.success.first().map_or(200, |(s, _)| *s) };
    lossless(&format!("{} {status}", op.name), body, |b| dispatch::roundtrip_response(op.name, status, b));
    lossless(&format!("{} body", op.name), body, |b| dispatch::roundtrip_body(op.name, b));
}

/// When `roundtrip` decodes `body`, it gives back the JSON that came, and that
/// decodes again to itself. `roundtrip` answers `None` when there is no type.
pub fn lossless(what: &str, body: &[u8], roundtrip: impl Fn(&[u8]) -> Option<Result<Value, DecodeError>>) {
    let Some(Ok(value)) = roundtrip(body) else { return };
    let came = json(body)
        .unwrap_or_else(|| panic!("{what}: decoded a body that is not JSON: {:?}", String::from_utf8_lossy(body)));
    assert_eq!(value, came, "{what}: decode → encode changed the body");
    let again = roundtrip(&serde_json::to_vec(&value).expect("a JSON value encodes"))
        .expect("the same operation")
        .unwrap_or_else(|e| panic!("{what}: the re-encoded body does not decode: {e}"));
    assert_eq!(again, value, "{what}: a second decode → encode changed the body");
}

/// `request::parse` with the operation's own request type.
fn parses(id: Id, input: &Input<'_>) {
    // Exhaustive: a new row of the table does not compile until it is listed here.
    match id {
        Id::ListUsers => as_op::<users::List>(id, input),
        Id::GetUser => as_op::<users::Get>(id, input),
        Id::CreateUser => as_op::<users::Create>(id, input),
        Id::UpdateUser => as_op::<users::Update>(id, input),
        Id::DeleteUser => as_op::<users::Delete>(id, input),
        Id::ListUserRoles => as_op::<users::ListRoles>(id, input),
        Id::ListUserOrganizations => as_op::<users::ListOrganizations>(id, input),
        Id::AssignUserRoles => as_op::<users::AssignRoles>(id, input),
        Id::RemoveUserRoles => as_op::<users::RemoveRoles>(id, input),
        Id::ListRoles => as_op::<roles::List>(id, input),
        Id::GetRole => as_op::<roles::Get>(id, input),
        Id::CreateRole => as_op::<roles::Create>(id, input),
        Id::UpdateRole => as_op::<roles::Update>(id, input),
        Id::DeleteRole => as_op::<roles::Delete>(id, input),
        Id::ListRoleUsers => as_op::<roles::ListUsers>(id, input),
        Id::AssignRoleUsers => as_op::<roles::AssignUsers>(id, input),
        Id::ListClients => as_op::<clients::List>(id, input),
        Id::GetClient => as_op::<clients::Get>(id, input),
        Id::CreateClient => as_op::<clients::Create>(id, input),
        Id::UpdateClient => as_op::<clients::Update>(id, input),
        Id::DeleteClient => as_op::<clients::Delete>(id, input),
        Id::ListConnections => as_op::<connections::List>(id, input),
        Id::GetConnection => as_op::<connections::Get>(id, input),
        Id::CreateConnection => as_op::<connections::Create>(id, input),
        Id::UpdateConnection => as_op::<connections::Update>(id, input),
        Id::DeleteConnection => as_op::<connections::Delete>(id, input),
        Id::ListOrganizations => as_op::<organizations::List>(id, input),
        Id::GetOrganization => as_op::<organizations::Get>(id, input),
        Id::CreateOrganization => as_op::<organizations::Create>(id, input),
        Id::UpdateOrganization => as_op::<organizations::Update>(id, input),
        Id::DeleteOrganization => as_op::<organizations::Delete>(id, input),
        Id::ListOrganizationMembers => as_op::<organizations::ListMembers>(id, input),
        Id::AddOrganizationMembers => as_op::<organizations::AddMembers>(id, input),
        Id::RemoveOrganizationMembers => as_op::<organizations::RemoveMembers>(id, input),
        Id::ListOrganizationMemberRoles => as_op::<organizations::ListMemberRoles>(id, input),
        Id::AssignOrganizationMemberRoles => as_op::<organizations::AssignMemberRoles>(id, input),
        Id::RemoveOrganizationMemberRoles => as_op::<organizations::RemoveMemberRoles>(id, input),
        Id::ListLogs => as_op::<logs::List>(id, input),
        Id::GetLog => as_op::<logs::Get>(id, input),
        Id::ListGrants => as_op::<grants::List>(id, input),
        Id::DeleteGrant => as_op::<grants::Delete>(id, input),
        Id::ListResourceServers => as_op::<resource_servers::List>(id, input),
        Id::GetResourceServer => as_op::<resource_servers::Get>(id, input),
        Id::CreateResourceServer => as_op::<resource_servers::Create>(id, input),
        Id::UpdateResourceServer => as_op::<resource_servers::Update>(id, input),
        Id::DeleteResourceServer => as_op::<resource_servers::Delete>(id, input),
        Id::RequestToken => as_op::<token::ClientCredentials>(id, input),
        Id::ListTeamMembers => as_op::<teams::ListMembers>(id, input),
        Id::InviteTeamMembers => as_op::<teams::InviteMembers>(id, input),
        Id::GetTeamMember => as_op::<teams::GetMember>(id, input),
        Id::UpdateTeamMember => as_op::<teams::UpdateMember>(id, input),
        Id::RemoveTeamMember => as_op::<teams::RemoveMember>(id, input),
        Id::AddTeamMemberTenants => as_op::<teams::AddMemberTenants>(id, input),
        Id::UpdateTeamMemberTenants => as_op::<teams::UpdateMemberTenants>(id, input),
        Id::RemoveTeamMemberTenants => as_op::<teams::RemoveMemberTenants>(id, input),
        Id::ListTeamMemberTenants => as_op::<teams::ListMemberTenants>(id, input),
        Id::ListTenants => as_op::<teams::ListTenants>(id, input),
        Id::CreateTenant => as_op::<teams::CreateTenant>(id, input),
        Id::GetTenant => as_op::<teams::GetTenant>(id, input),
        Id::DeleteTenant => as_op::<teams::DeleteTenant>(id, input),
        Id::ListTenantMembers => as_op::<teams::ListTenantMembers>(id, input),
        Id::ListEnvironments => as_op::<teams::ListEnvironments>(id, input),
        Id::ListActivityLogs => as_op::<teams::ListActivity>(id, input),
    }
}

fn as_op<O: Operation>(id: Id, input: &Input<'_>) {
    assert_eq!(O::ID, id, "the fuzz harness maps {} to the wrong request type", id.name());
    let Input { status, now, ref headers, body, .. } = *input;
    let rate_limit = RateLimit::from_headers_at(headers, now);
    let result = parse::<O>(status, headers, body, now);
    if (200..300).contains(&status) {
        match (result, id.roundtrip_response(body)) {
            (Ok(response), Ok(value)) => {
                assert_eq!((response.status, response.rate_limit), (status, rate_limit));
                let encoded = serde_json::to_value(&response.value).expect("a decoded response encodes");
                assert_eq!(encoded, value, "{}: parse and roundtrip_response disagree", id.name());
            }
            (Err(Error::Decode { status: s, source, rate_limit: r }), Err(expected)) => {
                assert_eq!((s, r), (status, rate_limit));
                assert_eq!(source, expected, "{}: parse and roundtrip_response fail differently", id.name());
                let _ = Error::Decode { status: s, source, rate_limit: r }.to_string();
            }
            (Ok(_), Err(e)) => panic!("{}: parse decoded what roundtrip_response refused ({e})", id.name()),
            (Err(e), Ok(_)) => panic!("{}: parse refused what roundtrip_response decoded ({e})", id.name()),
            (Err(e), Err(_)) => panic!("{}: a 2xx answer is a decode error, not {e:?}", id.name()),
        }
    } else {
        match result {
            Err(Error::Api(e)) => {
                assert_eq!((e.status, e.rate_limit), (status, rate_limit));
                assert_eq!(e.body, ErrorBody::parse(body), "{}: parse read the error body differently", id.name());
                let _ = (e.to_string(), e.code(), e.is_retryable());
            }
            Ok(_) => panic!("{}: status {status} parsed as a success", id.name()),
            Err(e) => panic!("{}: status {status} is an API error, not {e:?}", id.name()),
        }
    }
}

/// `error_body`: the bytes as an error answer, and its rate-limit headers.
///
/// Never panics. JSON is never kept as text, and what `ErrorBody` decodes
/// encodes back to the same JSON, whichever shape it took (the same through
/// `parse`, `from_value` and `Deserialize`); anything else is kept as text.
/// The rate limit reads each number header exactly, and `wait_secs` never
/// panics.
pub fn error_body(data: &[u8]) {
    let input = Input::new(data);
    let body = ErrorBody::parse(input.body);
    let _ = (body.code(), body.message());
    match serde_json::from_slice::<Value>(input.body) {
        Ok(value) => {
            assert!(!matches!(body, ErrorBody::Text(_)), "JSON kept as text: {value}");
            assert_eq!(ErrorBody::from_value(value.clone()), body);
            let via_serde: ErrorBody = serde_json::from_value(value.clone()).expect("any JSON is an error body");
            assert_eq!(via_serde, body);
            let encoded = serde_json::to_value(&body).expect("an error body encodes");
            assert_eq!(encoded, value, "the error body changed in decode → encode ({body:?})");
        }
        Err(_) => match &body {
            ErrorBody::Text(text) => assert_eq!(text.as_str(), String::from_utf8_lossy(input.body)),
            other => panic!("not JSON, yet decoded as {other:?}"),
        },
    }
    let rate_limit = rate_limit(&input.headers, input.now);
    let error = ApiError { status: input.status, body, rate_limit };
    let _ = (error.to_string(), error.message(), error.code(), error.is_retryable());
}

/// `RateLimit` from headers: the three numbers exactly, a numeric
/// `Retry-After` exactly, and `wait_secs` as documented.
pub fn rate_limit(headers: &HeaderMap, now: u64) -> RateLimit {
    let rl = RateLimit::from_headers_at(headers, now);
    let number = |name: &str| {
        let value = headers.get(name)?.to_str().ok()?;
        value.trim().parse::<u64>().ok()
    };
    assert_eq!(rl.limit, number("x-ratelimit-limit"));
    assert_eq!(rl.remaining, number("x-ratelimit-remaining"));
    assert_eq!(rl.reset, number("x-ratelimit-reset"));
    if let Some(secs) = number("retry-after") {
        assert_eq!(rl.retry_after, Some(secs));
    }
    if headers.get("retry-after").is_none() {
        assert_eq!(rl.retry_after, None);
    }
    assert_eq!(RateLimit::from_headers(headers), RateLimit::from_headers_at(headers, 0));
    assert_eq!(
        rl.is_known(),
        rl.limit.is_some() || rl.remaining.is_some() || rl.reset.is_some() || rl.retry_after.is_some()
    );
    assert_eq!(rl.wait_secs(now), rl.retry_after.or_else(|| rl.reset.map(|reset| reset.saturating_sub(now))));
    let back: RateLimit = serde_json::from_value(serde_json::to_value(rl).expect("encodes")).expect("decodes");
    assert_eq!(back, rl);
    rl
}
