//! `multipart/form-data` bodies (the users import job's upload), read with
//! `multer` into a JSON object of their fields: text fields as strings, file
//! parts as their content (UTF-8, lossy).

use crate::error::{ApiError, ApiResult};
use serde_json::{Map, Value};

/// Reads a multipart body into `{field: value}`.
pub fn parse(content_type: &str, raw: &[u8]) -> ApiResult<Value> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| {
        ApiError::new(415, Some("unsupported_media_type"), format!("Expected multipart/form-data: {e}"))
    })?;
    let bytes = bytes_of(raw);
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures::executor::block_on(async move {
        let mut fields = Map::new();
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| ApiError::invalid_body(format!("Invalid multipart body: {e}")))?;
            let Some(field) = field else { break };
            let name = field.name().unwrap_or_default().to_owned();
            let text =
                field.bytes().await.map_err(|e| ApiError::invalid_body(format!("Invalid multipart body: {e}")))?;
            fields.insert(name, Value::String(String::from_utf8_lossy(&text).into_owned()));
        }
        Ok(Value::Object(fields))
    })
}

fn bytes_of(raw: &[u8]) -> axum::body::Bytes {
    axum::body::Bytes::copy_from_slice(raw)
}
