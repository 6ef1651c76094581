//! Small security primitives: random tokens and their hashes, cookies,
//! same-origin redirect targets, CSRF checks and redaction of secrets.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use rand::RngCore as _;
use rand::rngs::OsRng;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// Name of the session cookie. The `__Host-` prefix makes browsers refuse it
/// unless it is `Secure`, has `Path=/` and no `Domain`.
pub const SESSION_COOKIE: &str = "__Host-gatehouse-session";

/// Name of the short-lived cookie binding a sign-in to the browser that started it.
pub const LOGIN_COOKIE: &str = "__Host-gatehouse-login";

/// The header every cookie-authenticated API call must carry. A cross-site
/// page cannot add a custom header without a CORS preflight, which the BFF never answers.
pub const CSRF_HEADER: &str = "x-csrf";

/// 256 random bits, URL-safe base64 without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex: what is stored server-side instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// PKCE S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Percent-encodes a query value.
pub fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Compares two strings in constant time.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A `Set-Cookie` value with the attributes every Gatehouse cookie has:
/// `HttpOnly; Secure; Path=/`, no `Domain`. `max_age` 0 deletes it.
pub fn cookie(name: &str, value: &str, same_site: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; HttpOnly; Secure; SameSite={same_site}; Path=/");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The value of a cookie in the request, if sent exactly once.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for value in headers.get_all(http::header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k == name
            {
                if found.is_some() {
                    // Two cookies of the same name: one may have been planted; trust neither.
                    return None;
                }
                found = Some(v.to_owned());
            }
        }
    }
    found
}

/// Checks a `return_to` target: a path on this origin, never another site.
///
/// Refuses anything that is not a plain absolute path: scheme-relative
/// `//evil`, backslashes (`/\evil`, which browsers read as `//evil`),
/// control characters and whitespace (browsers strip tabs and newlines,
/// turning `/\t/evil` into `//evil`), and anything that, joined to the
/// public origin, leaves it.
pub fn safe_return_to(public_origin: &url::Url, value: &str) -> Option<String> {
    if value.is_empty() || value.len() > 2048 || !value.starts_with('/') {
        return None;
    }
    if value.starts_with("//") || value.contains('\\') {
        return None;
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    // Encoded slashes or backslashes right after the first slash are decoded by some servers and proxies.
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("/%2f") || lower.starts_with("/%5c") || lower.contains("%00") {
        return None;
    }
    let joined = public_origin.join(value).ok()?;
    if joined.origin() != public_origin.origin() {
        return None;
    }
    Some(value.to_owned())
}

/// Why a cookie-authenticated request was refused as possible cross-site request forgery.
pub fn csrf_violation(headers: &HeaderMap, public_origin: &str, has_body: bool) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && matches!(site.trim().to_ascii_lowercase().as_str(), "cross-site" | "same-site")
    {
        return Some("the request came from another site (Sec-Fetch-Site)");
    }
    if let Some(origin) = headers.get(http::header::ORIGIN) {
        if origin.to_str().ok().map(|o| o.trim_end_matches('/')) != Some(public_origin) {
            return Some("the request came from another origin (Origin)");
        }
    }
    match headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        Some("1") => {}
        Some(_) => return Some("the X-CSRF header must be 1"),
        None => return Some("the X-CSRF header is missing"),
    }
    // Multipart bodies (for operations that take files) pass too: the
    // `X-CSRF` header above already rules out a plain cross-site form post.
    let multipart = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(gatehouse_model::body::multipart_boundary)
        .is_some();
    if has_body && !is_json(headers) && !multipart {
        return Some("a request body must be sent as application/json (or multipart/form-data for files)");
    }
    None
}

/// Whether the request's content type is JSON (`application/json` or `application/*+json`).
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Whether a JSON key names a secret: passwords, secrets, tokens, keys.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password")
        || k.contains("secret")
        || k.ends_with("token")
        || k.ends_with("key")
        || k == "authorization"
        || k == "credentials"
}

/// A copy of a JSON value with every secret-named field replaced by `"[redacted]"`.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() { Value::from("[redacted]") } else { redact(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// Replaces every occurrence of each secret in `body` with `[redacted]`.
/// Returns `None` when none occurs (the common case, which allocates nothing).
pub fn scrub(body: &[u8], secrets: &[&[u8]]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        let current = out.as_deref().unwrap_or(body);
        if memchr::memmem::find(current, secret).is_none() {
            continue;
        }
        let mut next = Vec::with_capacity(current.len());
        let mut rest = current;
        while let Some(i) = memchr::memmem::find(rest, secret) {
            next.extend_from_slice(&rest[..i]);
            next.extend_from_slice(b"[redacted]");
            rest = &rest[i + secret.len()..];
        }
        next.extend_from_slice(rest);
        out = Some(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_256_bits_and_hashes_hex() {
        let t = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&t).unwrap().len(), 32);
        assert_ne!(t, random_token());
        assert_eq!(hash_token("abc").len(), 64);
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn hostile_return_to_values_are_refused() {
        let origin = url::Url::parse("http://127.0.0.1:8080").unwrap();
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "evil.example",
            "",
            "javascript:alert(1)",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "http:/evil.example",
            " /users",
            "/users\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_return_to(&origin, bad), None, "{bad:?}");
        }
        for good in ["/", "/users", "/users/auth0%7C1?tab=roles#x", "/a//b"] {
            assert_eq!(safe_return_to(&origin, good).as_deref(), Some(good), "{good:?}");
        }
    }

    #[test]
    fn csrf_rules() {
        let origin = "http://127.0.0.1:8080";
        let mut h = HeaderMap::new();
        assert!(csrf_violation(&h, origin, false).unwrap().contains("missing"));
        h.insert("x-csrf", "1".parse().unwrap());
        assert_eq!(csrf_violation(&h, origin, false), None);
        assert!(csrf_violation(&h, origin, true).unwrap().contains("application/json"));
        h.insert("content-type", "application/json; charset=utf-8".parse().unwrap());
        assert_eq!(csrf_violation(&h, origin, true), None);
        h.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        assert_eq!(csrf_violation(&h, origin, true), None);
        h.insert("origin", "http://evil.example".parse().unwrap());
        assert!(csrf_violation(&h, origin, true).is_some());
        h.remove("origin");
        h.insert("sec-fetch-site", "same-site".parse().unwrap());
        assert!(csrf_violation(&h, origin, true).is_some());
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert_eq!(csrf_violation(&h, origin, true), None);
    }

    #[test]
    fn cookies_are_read_once() {
        let mut h = HeaderMap::new();
        h.append("cookie", "a=1; __Host-gatehouse-session=xyz".parse().unwrap());
        assert_eq!(read_cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        h.append("cookie", "__Host-gatehouse-session=other".parse().unwrap());
        assert_eq!(read_cookie(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn redaction() {
        let v = json!({"email": "a@b", "password": "p", "nested": [{"client_secret": "s", "signing_key": "k",
            "refresh_token": "t", "name": "n"}]});
        let r = redact(&v);
        assert_eq!(r["email"], "a@b");
        assert_eq!(r["password"], "[redacted]");
        assert_eq!(r["nested"][0]["client_secret"], "[redacted]");
        assert_eq!(r["nested"][0]["signing_key"], "[redacted]");
        assert_eq!(r["nested"][0]["refresh_token"], "[redacted]");
        assert_eq!(r["nested"][0]["name"], "n");
    }

    #[test]
    fn scrubbing() {
        assert_eq!(scrub(b"nothing here", &[b"supersecret"]), None);
        assert_eq!(
            scrub(b"a supersecret b supersecret", &[b"supersecret"]).unwrap(),
            b"a [redacted] b [redacted]".to_vec()
        );
    }
}
