//! Request bodies as they go on the wire: one encoder for every client.
//!
//! [`encode`] turns a body given as a JSON value into the bytes and
//! `Content-Type` of the media type its catalog entry takes ([`Body`]):
//! JSON, a URL-encoded form, or `multipart/form-data`, where the fields the
//! spec marks as files ([`Body::files`]) go as file parts. [`read_multipart`]
//! is the way back, for the replay of recorded traffic and for tests.
//!
//! Sans-IO like the rest of the model: with no randomness at hand, the
//! multipart boundary is derived from a hash of the content and chosen again
//! until it occurs nowhere in it.

use crate::catalog::{Body, FilePart, Media};
use serde_json::Value;

/// An encoded request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The `Content-Type` header, with its boundary for multipart bodies.
    pub content_type: String,
    /// The bytes to send.
    pub bytes: Vec<u8>,
}

/// Why a body could not be encoded or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// A form or multipart body must be an object of fields.
    #[error("a {media} body must be an object of fields, not {found}")]
    NotAnObject {
        /// The media type asked for.
        media: &'static str,
        /// What was given instead (`an array`, `a string`, ...).
        found: &'static str,
    },
    /// A multipart body that does not parse.
    #[error("the multipart body is malformed: {reason}")]
    Malformed {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
}

/// Encodes `value` as the body of an operation whose body is described by
/// `body`, in the media type a client sends ([`Body::preferred_media`]).
pub fn encode(body: &Body, value: &Value) -> Result<Encoded, BodyError> {
    encode_as(body.preferred_media(), body.files, value)
}

/// Encodes `value` in `media`; `files` names the fields that go as file
/// parts of a multipart body.
///
/// A form or multipart body must be an object; `null` fields are left out.
/// Strings go as they are, other values as their JSON text. A file field's
/// content is its string as it is, or the JSON text of any other value (so
/// an array of users becomes the JSON file Auth0's import reads).
pub fn encode_as(media: Media, files: &[FilePart], value: &Value) -> Result<Encoded, BodyError> {
    if media == Media::Json {
        return Ok(Encoded { content_type: Media::Json.as_str().to_owned(), bytes: value.to_string().into_bytes() });
    }
    let Value::Object(map) = value else {
        return Err(BodyError::NotAnObject { media: media.as_str(), found: kind(value) });
    };
    let fields: Vec<(&str, String)> =
        map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.as_str(), text(v))).collect();
    Ok(encode_fields(media, files, &fields))
}

/// Encodes an object's fields, each already as its text (a string as it
/// is, any other value as its JSON text; `null` fields left out), as a form
/// or a multipart body (`files` names the file parts); a caller that holds
/// the object elsewhere (the npm package: in JavaScript) hands them over
/// this way. For [`Media::Json`], use [`encode_as`].
pub fn encode_fields(media: Media, files: &[FilePart], fields: &[(&str, String)]) -> Encoded {
    match media {
        Media::Json | Media::Form => {
            let mut text = String::new();
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    text.push('&');
                }
                text.push_str(&crate::path::encode_query(k));
                text.push('=');
                text.push_str(&crate::path::encode_query(v));
            }
            Encoded { content_type: Media::Form.as_str().to_owned(), bytes: text.into_bytes() }
        }
        Media::Multipart => {
            let parts: Vec<(String, Vec<u8>)> = fields
                .iter()
                .map(|(name, v)| {
                    let disposition = quote(name);
                    match files.iter().find(|f| f.name == *name) {
                        Some(file) => {
                            let head = [
                                "Content-Disposition: form-data; name=\"",
                                &disposition,
                                "\"; filename=\"",
                                &quote(&file_name(name)),
                                "\"\r\nContent-Type: ",
                                file.media_type,
                            ]
                            .concat();
                            (head, v.clone().into_bytes())
                        }
                        None => (
                            ["Content-Disposition: form-data; name=\"", &disposition, "\""].concat(),
                            v.clone().into_bytes(),
                        ),
                    }
                })
                .collect();
            let boundary = boundary_for(&parts);
            let mut bytes = Vec::new();
            for (head, content) in &parts {
                for piece in ["--", &boundary, "\r\n", head, "\r\n\r\n"] {
                    bytes.extend_from_slice(piece.as_bytes());
                }
                bytes.extend_from_slice(content);
                bytes.extend_from_slice(b"\r\n");
            }
            for piece in ["--", &boundary, "--\r\n"] {
                bytes.extend_from_slice(piece.as_bytes());
            }
            Encoded { content_type: [Media::Multipart.as_str(), "; boundary=", &boundary].concat(), bytes }
        }
    }
}

/// The file name a file field is sent with: Auth0's import reads a JSON
/// file, so the field's name with `.json`.
fn file_name(field: &str) -> String {
    [field, ".json"].concat()
}

/// A value as one field's text: a string as it is, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A name inside a quoted `Content-Disposition` parameter, escaped as
/// browsers do (`"` → `%22`, CR → `%0D`, LF → `%0A`), so that no name can
/// end the header or the parameter.
fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A boundary that occurs in none of the parts: `gatehouse-` and 16 hex
/// digits of an FNV-1a hash of the parts and an attempt number, which goes
/// up until the boundary is found nowhere. The content has fewer positions
/// than there are attempts, so this ends.
fn boundary_for(parts: &[(String, Vec<u8>)]) -> String {
    let mut attempt: u64 = 0;
    loop {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ attempt;
        for (head, content) in parts {
            for byte in head.as_bytes().iter().chain(content) {
                hash ^= u64::from(*byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        let boundary = ["gatehouse-", &crate::path::hex16(hash)].concat();
        let occurs =
            parts.iter().any(|(head, content)| contains(head.as_bytes(), &boundary) || contains(content, &boundary));
        if !occurs {
            return boundary;
        }
        attempt += 1;
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn multipart_boundary(content_type: &str) -> Option<&str> {
    let (media, params) = content_type.split_once(';')?;
    if !media.trim().eq_ignore_ascii_case(Media::Multipart.as_str()) {
        return None;
    }
    params.split(';').find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"'))
    })
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field's name (`name=` of its `Content-Disposition`).
    pub name: String,
    /// Its file name, for a file part.
    pub filename: Option<String>,
    /// Its `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// Its content, as sent.
    pub content: Vec<u8>,
}

/// Reads the parts of a `multipart/form-data` body delimited by `boundary`.
///
/// A part without a `Content-Disposition` name is an error, as is a body
/// without its closing delimiter; the preamble and epilogue are ignored.
pub fn read_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, BodyError> {
    let malformed = |reason| BodyError::Malformed { reason };
    if boundary.is_empty() {
        return Err(malformed("empty boundary"));
    }
    let delimiter = format!("--{boundary}");
    let first = find(body, delimiter.as_bytes(), 0).ok_or(malformed("no delimiter"))?;
    let mut at = first + delimiter.len();
    let next_delimiter = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        at += skip_line_end(&body[at..]).ok_or(malformed("a delimiter not followed by a line end"))?;
        let end = find(body, next_delimiter.as_bytes(), at).ok_or(malformed("no closing delimiter"))?;
        parts.push(read_part(&body[at..end])?);
        at = end + next_delimiter.len();
    }
}

/// Bytes of transport padding and the CRLF after a delimiter.
fn skip_line_end(rest: &[u8]) -> Option<usize> {
    let pad = rest.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    rest[pad..].starts_with(b"\r\n").then_some(pad + 2)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn read_part(raw: &[u8]) -> Result<Part, BodyError> {
    let malformed = |reason| BodyError::Malformed { reason };
    let (head, content) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let split = find(raw, b"\r\n\r\n", 0).ok_or(malformed("a part without the blank line after its headers"))?;
        (&raw[..split], &raw[split + 4..])
    };
    let head = std::str::from_utf8(head).map_err(|_| malformed("part headers that are not UTF-8"))?;
    let (mut name, mut filename, mut content_type) = (None, None, None);
    for line in head.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        } else if key.eq_ignore_ascii_case("content-disposition") {
            for (k, v) in disposition_params(value) {
                match k.to_ascii_lowercase().as_str() {
                    "name" => name = Some(v),
                    "filename" => filename = Some(v),
                    _ => {}
                }
            }
        }
    }
    let name = name.ok_or(malformed("a part without a name"))?;
    Ok(Part { name, filename, content_type, content: content.to_vec() })
}

/// The `key=value` parameters after a `Content-Disposition`'s type, values
/// unquoted (a `;` inside quotes is part of the value; quotes inside are
/// written `%22`, as browsers and [`quote`] write them) and those escapes undone.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type (`form-data`).
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.trim().is_empty() {
            return params;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut v = String::new();
        if chars.next_if_eq(&'"').is_some() {
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                v.push(c);
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            v = chars.by_ref().take_while(|c| *c != ';').collect::<String>().trim().to_owned();
        }
        params.push((key.trim().to_owned(), v.replace("%22", "\"").replace("%0D", "\r").replace("%0A", "\n")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const USERS: FilePart = FilePart { name: "users", media_type: "application/octet-stream" };

    fn multipart(value: &Value) -> (String, Vec<Part>, Vec<u8>) {
        let e = encode_as(Media::Multipart, &[USERS], value).unwrap();
        let boundary = multipart_boundary(&e.content_type).unwrap().to_owned();
        let parts = read_multipart(&e.bytes, &boundary).unwrap();
        (boundary, parts, e.bytes)
    }

    #[test]
    fn files_go_as_file_parts() {
        let value =
            json!({"users": [{"email": "a@b.c"}], "connection_id": "con_1", "upsert": true, "external_id": null});
        let (boundary, parts, _) = multipart(&value);
        assert!(boundary.starts_with("gatehouse-"));
        assert_eq!(parts.len(), 3);
        let users = parts.iter().find(|p| p.name == "users").unwrap();
        assert_eq!(users.filename.as_deref(), Some("users.json"));
        assert_eq!(users.content_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(users.content, br#"[{"email":"a@b.c"}]"#);
        let upsert = parts.iter().find(|p| p.name == "upsert").unwrap();
        assert_eq!((upsert.filename.as_ref(), upsert.content.as_slice()), (None, b"true".as_slice()));
        // A string is the file's content as it is.
        let (_, parts, _) = multipart(&json!({"users": "[]\n", "connection_id": "con_1"}));
        assert_eq!(parts.iter().find(|p| p.name == "users").unwrap().content, b"[]\n");
    }

    #[test]
    fn the_boundary_is_chosen_again_when_the_content_holds_it() {
        let value = json!({"users": "x", "connection_id": "con_1"});
        let (first, ..) = multipart(&value);
        // Content that holds exactly the boundary chosen for it.
        let mut users = format!("--{first}");
        let mut chosen = first.clone();
        for _ in 0..4 {
            let (b, parts, bytes) = multipart(&json!({"users": users, "connection_id": "con_1"}));
            let count = bytes.windows(b.len()).filter(|w| *w == b.as_bytes()).count();
            assert_eq!(count, parts.len() + 1, "the boundary occurs only as delimiters");
            chosen = b.clone();
            users = format!("{users}\r\n--{b}--\r\n");
        }
        assert_ne!(first, chosen);
    }

    #[test]
    fn names_cannot_break_out_of_their_header() {
        let (_, parts, _) = multipart(&json!({"a\"; filename=\"x\r\nX: y": "v"}));
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "a\"; filename=\"x\r\nX: y");
        assert_eq!(parts[0].filename, None);
    }

    #[test]
    fn forms_and_json() {
        let e = encode_as(Media::Form, &[], &json!({"a": "x y", "b": 1, "c": null})).unwrap();
        assert_eq!(
            (e.content_type.as_str(), e.bytes.as_slice()),
            ("application/x-www-form-urlencoded", b"a=x%20y&b=1".as_slice())
        );
        let e = encode_as(Media::Json, &[], &json!([1])).unwrap();
        assert_eq!(e.bytes, b"[1]");
        assert_eq!(
            encode_as(Media::Multipart, &[], &json!([1])),
            Err(BodyError::NotAnObject { media: "multipart/form-data", found: "an array" })
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(read_multipart(b"", "b").is_err());
        assert!(read_multipart(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "b").is_err());
        assert!(read_multipart(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "b").is_err());
        assert_eq!(read_multipart(b"preamble\r\n--b--\r\n", "b"), Ok(vec![]));
        assert_eq!(multipart_boundary("multipart/form-data; boundary=\"b0\""), Some("b0"));
        assert_eq!(multipart_boundary("application/json"), None);
    }
}
