//! Client errors as plain descriptions that the JavaScript wrapper turns into
//! `Error` subclasses: `ApiError`, `ValidationError`, `ResultWindowError`,
//! or the base `GatehouseError`.

use gatehouse_client::{ClientError, TransportError};
use gatehouse_model::{ApiError, Error as ModelError, ErrorBody, QueryError, RateLimit, ValidationError};
use serde_json::{Map, Value, json};

fn rate_limit(rl: &RateLimit) -> Value {
    json!({
        "limit": rl.limit,
        "remaining": rl.remaining,
        "reset": rl.reset,
        "retryAfter": rl.retry_after,
    })
}

/// The description of an API error response.
pub fn api(e: &ApiError) -> Map<String, Value> {
    let reason = match &e.body {
        ErrorBody::Management(b) => Some(b.error.clone()),
        _ => None,
    };
    let body = serde_json::to_value(&e.body).unwrap_or(Value::Null);
    let Value::Object(map) = json!({
        "name": "ApiError",
        "message": e.message(),
        "statusCode": e.status,
        "errorCode": e.code(),
        "error": reason,
        "rateLimit": rate_limit(&e.rate_limit),
        "body": body,
    }) else {
        unreachable!()
    };
    map
}

fn validation(e: &ValidationError) -> Map<String, Value> {
    let value = match e {
        ValidationError::ResultWindow { page, per_page } => json!({
            "name": "ResultWindowError",
            "message": e.to_string(),
            "page": page,
            "perPage": per_page,
            "window": gatehouse_model::paging::RESULT_WINDOW,
        }),
        ValidationError::Query(q) => {
            let mut d = json!({ "name": "ValidationError", "kind": "option", "message": e.to_string() });
            match q {
                QueryError::Unknown { names, accepted, .. } => {
                    d["unknown"] = json!(names);
                    d["accepted"] = json!(accepted);
                }
                QueryError::Type { name, .. }
                | QueryError::NotOneOf { name, .. }
                | QueryError::Missing { name }
                | QueryError::Twice { name } => d["option"] = json!(name),
            }
            if let QueryError::NotOneOf { allowed, .. } = q {
                d["allowed"] = json!(allowed);
            }
            d
        }
        _ => json!({ "name": "ValidationError", "message": e.to_string() }),
    };
    let Value::Object(map) = value else { unreachable!() };
    map
}

fn transport_kind(e: &TransportError) -> &'static str {
    match e {
        TransportError::Timeout { .. } => "timeout",
        TransportError::Connect { .. } => "connect",
        TransportError::Dropped { .. } => "dropped",
        TransportError::Cancelled => "cancelled",
        _ => "invalid",
    }
}

/// Describes a client error as a JSON object with a `name` the wrapper maps to a class.
pub fn describe(e: &ClientError) -> Value {
    let root = e.root();
    let mut map = if let Some(api_error) = e.api() {
        api(api_error)
    } else {
        let value = match root {
            ClientError::Model(ModelError::Validation(v)) => return Value::Object(validation(v)),
            ClientError::Model(ModelError::ResultWindow { total, window }) => json!({
                "name": "ResultWindowError",
                "message": root.to_string(),
                "total": total,
                "window": window,
            }),
            ClientError::Model(ModelError::Decode { status, source, rate_limit: rl }) => json!({
                "name": "GatehouseError",
                "kind": "decode",
                "message": root.to_string(),
                "statusCode": status,
                "path": source.path,
                "rateLimit": rate_limit(rl),
            }),
            ClientError::Transport(t) => json!({
                "name": "GatehouseError",
                "kind": transport_kind(t),
                "message": root.to_string(),
            }),
            ClientError::Config(_) => {
                json!({ "name": "ValidationError", "kind": "config", "message": root.to_string() })
            }
            other => json!({ "name": "GatehouseError", "kind": "other", "message": other.to_string() }),
        };
        let Value::Object(map) = value else { unreachable!() };
        map
    };
    if let ClientError::RetriesExhausted { attempts, .. } = e {
        map.insert("attempts".into(), json!(attempts));
    }
    if matches!(e, ClientError::Token(_)) {
        map.insert("token".into(), json!(true));
    }
    Value::Object(map)
}

/// A config or argument error, described like a validation error.
pub fn invalid(message: impl Into<String>) -> Value {
    json!({ "name": "ValidationError", "kind": "config", "message": message.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_code_message_and_rate_limit() {
        let e: ClientError = ApiError {
            status: 404,
            body: ErrorBody::parse(br#"{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}"#),
            rate_limit: RateLimit { limit: Some(50), remaining: Some(49), reset: Some(1), retry_after: None },
        }
        .into();
        let d = describe(&ClientError::RetriesExhausted { attempts: 3, last: Box::new(e) });
        assert_eq!(d["name"], "ApiError");
        assert_eq!(d["statusCode"], 404);
        assert_eq!(d["errorCode"], "inexistent_user");
        assert_eq!(d["message"], "The user does not exist.");
        assert_eq!(d["rateLimit"]["remaining"], 49);
        assert_eq!(d["attempts"], 3);
    }

    #[test]
    fn window_errors_are_their_own_kind() {
        let e: ClientError = ModelError::ResultWindow { total: 5000, window: 1000 }.into();
        assert_eq!(describe(&e)["name"], "ResultWindowError");
        let e: ClientError = ValidationError::ResultWindow { page: 20, per_page: 100 }.into();
        assert_eq!(describe(&e)["name"], "ResultWindowError");
        let e: ClientError = ValidationError::Empty { name: "roles" }.into();
        assert_eq!(describe(&e)["name"], "ValidationError");
    }

    #[test]
    fn option_errors_name_the_options() {
        let e: ClientError = ValidationError::from(QueryError::Unknown {
            operation: "users.list",
            names: vec!["perpage".into()],
            accepted: vec!["page", "per_page"],
        })
        .into();
        let d = describe(&e);
        assert_eq!((d["name"].as_str(), d["kind"].as_str()), (Some("ValidationError"), Some("option")));
        assert_eq!((d["unknown"].clone(), d["accepted"].clone()), (json!(["perpage"]), json!(["page", "per_page"])));
        assert_eq!(d["message"], "users.list does not take `perpage`; it takes `page`, `per_page`");
        let e: ClientError =
            ValidationError::from(QueryError::NotOneOf { name: "search_engine", value: "v4".into(), allowed: &["v3"] })
                .into();
        let d = describe(&e);
        assert_eq!((d["option"].clone(), d["allowed"].clone()), (json!("search_engine"), json!(["v3"])));
    }
}
