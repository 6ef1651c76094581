//! `gatehouse replay` end to end: on small cassettes written here, and on the
//! recorded Auth0 traffic in `../shared/auth0/recordings` when it is present.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn replay(args: &[&Path], verbose: bool) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    cmd.arg("replay").args(args);
    if verbose {
        cmd.arg("--verbose");
    }
    let out = cmd.output().expect("gatehouse runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, stdout)
}

fn last_line(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or("")
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("replay-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One go-vcr interaction (only the fields replay reads, plus a few it must ignore).
fn interaction(id: u32, method: &str, url: &str, body: &str, form: &str, code: u16, response: &str) -> String {
    typed_interaction(id, method, url, "application/json", body, form, code, response)
}

/// [`interaction`] with the request's `Content-Type`.
#[allow(clippy::too_many_arguments)]
fn typed_interaction(
    id: u32,
    method: &str,
    url: &str,
    content_type: &str,
    body: &str,
    form: &str,
    code: u16,
    response: &str,
) -> String {
    // Single-quoted YAML keeps everything but line breaks; a body with line
    // breaks (multipart) is written double-quoted, with escapes, as JSON writes strings.
    let quote = |s: &str| {
        if s.contains(['\r', '\n']) {
            serde_json::to_string(s).unwrap()
        } else {
            format!("'{}'", s.replace('\'', "''"))
        }
    };
    format!(
        "    - id: {id}
      request:
        proto: HTTP/1.1
        body: {body}
        form: {form}
        headers:
            Content-Type:
                - {content_type}
        url: {url}
        method: {method}
      response:
        proto: HTTP/2.0
        body: {response}
        headers:
            Content-Type:
                - application/json; charset=utf-8
        status: {code} Whatever
        code: {code}
        duration: 12.5ms
",
        body = quote(body),
        response = quote(response),
    )
}

fn cassette(interactions: &[String]) -> String {
    format!("---\nversion: 2\ninteractions:\n{}", interactions.concat())
}

const HOST: &str = "https://tenant.example.test";

/// Three interactions that survive decode → encode unchanged.
fn good_cassette() -> String {
    cassette(&[
        interaction(
            0,
            "POST",
            &format!("{HOST}/api/v2/roles"),
            r#"{"name":"readers","description":"Can read things"}"#,
            "{}",
            200,
            r#"{"id":"rol_T3stRole","name":"readers","description":"Can read things","made_up_field":{"nested":[1,2.5,null]}}"#,
        ),
        interaction(
            1,
            "GET",
            &format!("{HOST}/api/v2/roles/rol_N0tThere"),
            "null",
            "{}",
            404,
            r#"{"statusCode":404,"error":"Not Found","message":"No such role here."}"#,
        ),
        interaction(
            2,
            "POST",
            &format!("{HOST}/oauth/token"),
            "audience=https%3A%2F%2Ftenant.example.test%2Fapi%2Fv2%2F&client_id=cid&client_secret=shh&grant_type=client_credentials",
            "\n            audience:\n                - https://tenant.example.test/api/v2/\n            client_id:\n                - cid\n            client_secret:\n                - shh\n            grant_type:\n                - client_credentials",
            200,
            r#"{"access_token":"tok","expires_in":600,"token_type":"Bearer","scope":"read:roles"}"#,
        ),
    ])
}

#[test]
fn reports_failures_skips_and_a_summary() {
    let dir = scratch("mixed");
    std::fs::write(dir.join("good.yaml"), good_cassette()).unwrap();
    std::fs::create_dir_all(dir.join("nested/deeper")).unwrap();
    // A list whose second item is not an object.
    let corrupted = cassette(&[interaction(
        7,
        "GET",
        &format!("{HOST}/api/v2/roles?include_totals=true"),
        "null",
        "{}",
        200,
        r#"{"start":0,"limit":50,"total":2,"roles":[{"id":"rol_A","name":"a"},42]}"#,
    )]);
    std::fs::write(dir.join("nested/deeper/corrupted.yaml"), corrupted).unwrap();
    // A path no operation serves.
    let unsupported =
        cassette(&[interaction(0, "GET", &format!("{HOST}/api/v2/not-an-endpoint/abc"), "null", "{}", 200, "{}")]);
    std::fs::write(dir.join("nested/unsupported.yaml"), unsupported).unwrap();
    std::fs::write(dir.join("broken.yaml"), "version: 2\ninteractions:\n  - id: [unclosed\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a cassette").unwrap();

    let (out, stdout) = replay(&[&dir], false);
    assert_eq!(last_line(&stdout), "3 passed, 2 failed, 1 skipped", "{stdout}");
    assert!(!out.status.success());
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert_eq!(fails.len(), 2, "{stdout}");
    assert!(fails.iter().any(|l| l.contains("corrupted.yaml #7 ListRoles response: $.roles[1]")), "{stdout}");
    assert!(fails.iter().any(|l| l.contains("broken.yaml") && l.contains("malformed")), "{stdout}");
}

#[test]
fn passing_cassettes_exit_zero_and_verbose_lists_them() {
    let dir = scratch("good");
    let file = dir.join("good.yaml");
    std::fs::write(&file, good_cassette()).unwrap();
    let (out, stdout) = replay(&[&file], true);
    assert_eq!(last_line(&stdout), "3 passed, 0 failed, 0 skipped", "{stdout}");
    assert!(out.status.success());
    for op in ["#0 CreateRole", "#1 GetRole", "#2 RequestToken"] {
        assert!(stdout.lines().any(|l| l.starts_with("ok ") && l.ends_with(op)), "{op}: {stdout}");
    }
}

#[test]
fn operations_outside_the_table_are_typed_from_the_specs() {
    let dir = scratch("catalog");
    let boundary = "b0undary";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_1\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n[{{\"email\":\"a@example.test\"}}]\r\n--{boundary}--\r\n"
    );
    let c = cassette(&[
        interaction(
            0,
            "POST",
            &format!("{HOST}/api/v2/client-grants"),
            r#"{"client_id":"cid","audience":"https://api.example.test/","scope":["read:things"]}"#,
            "{}",
            201,
            r#"{"id":"cgr_1","client_id":"cid","audience":"https://api.example.test/","scope":["read:things"],"new_flag":null}"#,
        ),
        interaction(
            1,
            "GET",
            &format!("{HOST}/api/v2/client-grants?per_page=50&include_totals=true"),
            "null",
            "{}",
            200,
            r#"{"start":0,"limit":50,"total":1,"client_grants":[{"id":"cgr_1","client_id":"cid","audience":"x"}]}"#,
        ),
        typed_interaction(
            2,
            "POST",
            &format!("{HOST}/api/v2/jobs/users-imports"),
            &format!("multipart/form-data; boundary={boundary}"),
            &multipart,
            "{}",
            201,
            r#"{"status":"pending","type":"users_import","id":"job_1","connection_id":"con_1"}"#,
        ),
        // A list item that is not an object: the generated type refuses it.
        interaction(
            3,
            "GET",
            &format!("{HOST}/api/v2/client-grants"),
            "null",
            "{}",
            200,
            r#"[{"id":"cgr_1","client_id":"cid","audience":"x"},"oops"]"#,
        ),
    ]);
    std::fs::write(dir.join("c.yaml"), c).unwrap();
    let (out, stdout) = replay(&[&dir], true);
    assert_eq!(last_line(&stdout), "3 passed, 1 failed, 0 skipped", "{stdout}");
    assert!(!out.status.success());
    for op in ["#0 clientGrants.create", "#1 clientGrants.list", "#2 jobs.usersImports.create"] {
        assert!(stdout.lines().any(|l| l.starts_with("ok ") && l.ends_with(op)), "{op}: {stdout}");
    }
    assert!(
        stdout.lines().any(|l| l.starts_with("FAIL ") && l.contains("#3 clientGrants.list response: $[1]")),
        "{stdout}"
    );
}

#[test]
fn non_json_error_bodies_are_kept_as_text() {
    let dir = scratch("text-error");
    let c = cassette(&[interaction(
        0,
        "DELETE",
        &format!("{HOST}/api/v2/roles/rol_X"),
        "",
        "{}",
        502,
        "<html>Bad gateway</html>",
    )]);
    std::fs::write(dir.join("c.yaml"), c).unwrap();
    let (out, stdout) = replay(&[&dir], false);
    assert_eq!(last_line(&stdout), "1 passed, 0 failed, 0 skipped", "{stdout}");
    assert!(out.status.success());
}

#[test]
fn recorded_auth0_traffic_roundtrips() {
    let recordings = gatehouse_specs::shared_dir().join("recordings");
    if !recordings.is_dir() {
        eprintln!("skipped: {} not found (set AUTH0_SHARED_DIR)", recordings.display());
        return;
    }
    let (out, stdout) = replay(&[&recordings], false);
    let summary = last_line(&stdout);
    assert!(summary.contains(" 0 failed"), "{stdout}");
    // Every recorded interaction is an operation of the specs (or the token endpoint).
    assert!(summary.ends_with(", 0 skipped"), "{stdout}");
    assert!(out.status.success(), "{stdout}");
    let passed: u64 = summary.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed > 0, "{stdout}");
}
