//! The model decodes every answer the emulator gives: successes into the
//! operation's typed response (losslessly), errors into a known error shape.

use crate::exercise;
use gatehouse_model::error::ErrorBody;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_decodes_every_response() {
    let exchanges = exercise::run().await;
    let (mut ok, mut errors) = (0, 0);
    let mut failures = Vec::new();
    for e in &exchanges {
        let Some(op) = e.op else { continue };
        if (200..300).contains(&e.status) {
            match op.roundtrip_response(&e.body) {
                Ok(encoded) => {
                    if !e.body.is_empty() {
                        let original: Value = serde_json::from_slice(&e.body).expect("JSON");
                        if original != encoded {
                            failures.push(format!(
                                "{} {} ({}): decode → encode changed the body",
                                e.method,
                                e.path,
                                op.name()
                            ));
                        }
                    }
                    ok += 1;
                }
                Err(err) => failures.push(format!("{} {} ({}): {err}", e.method, e.path, op.name())),
            }
        } else {
            let body = ErrorBody::parse(&e.body);
            let known = matches!(body, ErrorBody::Management(_) | ErrorBody::Teams(_) | ErrorBody::OAuth(_));
            if known && body.message().is_some() {
                errors += 1;
            } else {
                failures.push(format!("{} {} -> {}: unknown error shape {body:?}", e.method, e.path, e.status));
            }
        }
    }
    println!("decoded {ok} success responses and {errors} error responses with the model");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ok > 150 && errors > 200, "{ok} / {errors}");
}
