//! The body encoder against any fields: a multipart body reads back, by the
//! model's own reader and by an independent parser (`multer`), as the fields
//! it was made of, its files as file parts, and its boundary occurs nowhere
//! but in its delimiters.

use gatehouse_model::body::{encode_as, multipart_boundary, read_multipart};
use gatehouse_model::catalog::{FilePart, Media};
use proptest::prelude::*;
use serde_json::{Map, Value};

const FILES: &[FilePart] = &[FilePart { name: "users", media_type: "application/octet-stream" }];

/// Text that likes to look like multipart syntax.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("--".to_owned()),
        Just("\r\n".to_owned()),
        Just("gatehouse-".to_owned()),
        Just("\"".to_owned()),
        Just("Content-Disposition: form-data; name=\"x\"".to_owned()),
        "[0-9a-f]{1,16}",
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn fields() -> impl Strategy<Value = Map<String, Value>> {
    let value = prop_oneof![
        text().prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::collection::vec(text().prop_map(Value::String), 0..3).prop_map(Value::Array),
    ];
    let name = prop_oneof![Just("users".to_owned()), "[a-z_]{1,12}", text().prop_filter("a name", |t| !t.is_empty())];
    prop::collection::vec((name, value), 0..6).prop_map(|v| v.into_iter().collect())
}

fn expected(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

/// One field as multer reads it: name, file name, content type, content.
type Field = (String, Option<String>, Option<String>, Vec<u8>);

/// Every field, by multer.
fn multer_fields(bytes: Vec<u8>, boundary: &str) -> Vec<Field> {
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes::Bytes::from(bytes)) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures::executor::block_on(async move {
        let mut out = Vec::new();
        while let Some(field) = multipart.next_field().await.expect("multer reads the body") {
            let name = field.name().unwrap_or_default().to_owned();
            let file = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(|m| m.to_string());
            out.push((name, file, content_type, field.bytes().await.expect("a field's content").to_vec()));
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn multipart_bodies_read_back_as_their_fields(fields in fields()) {
        let value = Value::Object(fields.clone());
        let encoded = encode_as(Media::Multipart, FILES, &value).unwrap();
        let boundary = multipart_boundary(&encoded.content_type).unwrap().to_owned();
        let count = encoded.bytes.windows(boundary.len()).filter(|w| *w == boundary.as_bytes()).count();
        prop_assert_eq!(count, fields.len() + 1, "the boundary occurs only as the delimiters");

        let parts = read_multipart(&encoded.bytes, &boundary).unwrap();
        prop_assert_eq!(parts.len(), fields.len());
        for (part, (name, v)) in parts.iter().zip(&fields) {
            // A name holding `%22`, `%0D` or `%0A` itself reads back as the escaped character.
            if !name.contains('%') {
                prop_assert_eq!(&part.name, name);
            }
            prop_assert_eq!(&part.content, &expected(v));
            let file = name == "users";
            prop_assert_eq!(part.filename.as_deref(), file.then_some("users.json"));
            prop_assert_eq!(part.content_type.as_deref(), file.then_some("application/octet-stream"));
        }

        // multer reads names without the escapes browsers use for `"`, CR and LF,
        // and takes a backslash as an escape (browsers, and `quote`, leave it as is).
        let plain = |n: &str| !n.contains(['"', '\r', '\n', '%', '\\']);
        let by_multer = multer_fields(encoded.bytes.clone(), &boundary);
        prop_assert_eq!(by_multer.len(), fields.len());
        for (got, (name, v)) in by_multer.iter().zip(&fields) {
            if plain(name) {
                prop_assert_eq!(&got.0, name);
            }
            prop_assert_eq!(&got.3, &expected(v));
            prop_assert_eq!(got.1.is_some(), name == "users");
        }
    }

    #[test]
    fn form_bodies_are_objects_of_fields(fields in fields()) {
        let encoded = encode_as(Media::Form, &[], &Value::Object(fields.clone())).unwrap();
        let text = String::from_utf8(encoded.bytes).unwrap();
        let pairs: Vec<&str> = text.split('&').filter(|p| !p.is_empty()).collect();
        prop_assert_eq!(pairs.len(), fields.len());
    }
}

#[test]
fn non_objects_are_refused() {
    for value in [Value::Null, Value::from(1), Value::from("x"), Value::Array(vec![])] {
        assert!(encode_as(Media::Multipart, FILES, &value).is_err());
        assert!(encode_as(Media::Form, FILES, &value).is_err());
    }
}
