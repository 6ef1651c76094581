//! The console's static files, with a single-page-app fallback to `index.html`.
//!
//! Hashed assets (`console-3f9a1c0b2d4e.css`, and everything under a hashed
//! folder such as `app-3f9a1c0b2d4e5f60/`, where the build puts the wasm
//! modules and their JS) are cached for a year as immutable; `index.html` must
//! be revalidated every time so a new build is picked up at once.

use crate::responses::{escape, html_page};
use axum::body::Body;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use http::{HeaderValue, StatusCode};
use percent_encoding::percent_decode_str;
use std::path::{Component, Path, PathBuf};

/// Serves a directory.
#[derive(Debug, Clone)]
pub struct Console {
    dir: PathBuf,
}

/// Whether a file name carries a content hash: a run of at least 8 hex digits
/// (or 16 base64url characters with a digit) between `-`, `_` or `.` separators.
pub fn is_hashed(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.split(['-', '.', '_']).skip(1).any(|part| {
        (part.len() >= 8 && part.bytes().all(|b| b.is_ascii_hexdigit()) && part.bytes().any(|b| b.is_ascii_digit()))
            || (part.len() >= 16
                && part.bytes().all(|b| b.is_ascii_alphanumeric())
                && part.bytes().any(|b| b.is_ascii_digit()))
    })
}

impl Console {
    /// Serves `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Whether the console was built.
    pub fn is_built(&self) -> bool {
        self.dir.join("index.html").is_file()
    }

    fn resolve(&self, raw_path: &str) -> Option<PathBuf> {
        let decoded = percent_decode_str(raw_path).decode_utf8().ok()?;
        let rel = decoded.trim_start_matches('/');
        let rel_path = Path::new(rel);
        if rel.contains('\\') || rel.contains('\0') {
            return None;
        }
        if !rel_path.components().all(|c| matches!(c, Component::Normal(_))) {
            return None;
        }
        let full = self.dir.join(rel_path);
        full.is_file().then_some(full)
    }

    /// Answers a GET for `raw_path`; `accept_encoding` picks a precompressed
    /// `.br` or `.gz` sibling when the build wrote one.
    pub async fn serve(&self, raw_path: &str, accept_encoding: &str, sign_in: &str) -> Response {
        if !self.is_built() {
            return not_built(&self.dir, sign_in);
        }
        if raw_path != "/"
            && let Some(file) = self.resolve(raw_path)
        {
            let immutable = raw_path.split('/').any(is_hashed);
            return file_response(&file, accept_encoding, immutable).await;
        }
        if looks_like_asset(raw_path) || has_dot_segment(raw_path) {
            return html_page(StatusCode::NOT_FOUND, "Not found", "<p>There is no such file.</p>", "");
        }
        file_response(&self.dir.join("index.html"), accept_encoding, false).await
    }
}

/// Whether a missing path names a build asset (404) rather than a console
/// page (index.html). Page paths can hold dots too: `/users/samlp|acme|jane.doe@acme.com`.
fn looks_like_asset(raw_path: &str) -> bool {
    const ASSETS: [&str; 12] = ["js", "mjs", "wasm", "css", "map", "ico", "png", "svg", "woff", "woff2", "json", "txt"];
    let last = raw_path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(_, ext)| ASSETS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Whether a path tries to climb out with `.` or `..` segments (plain or encoded):
/// refused outright rather than answered with the console.
fn has_dot_segment(raw_path: &str) -> bool {
    let decoded = percent_decode_str(raw_path).decode_utf8_lossy();
    decoded.split(['/', '\\']).any(|seg| seg == ".." || seg == ".")
}

/// Whether `accept_encoding` lists `coding` with a non-zero weight.
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut fields = part.split(';').map(str::trim);
        fields.next() == Some(coding) && !fields.any(|f| f.replace(' ', "") == "q=0")
    })
}

/// The file at `path`, precompressed when the client takes it; `immutable`: its
/// address names its content (a hashed name or folder).
async fn file_response(path: &Path, accept_encoding: &str, immutable: bool) -> Response {
    let mut encoding = None;
    let mut bytes = None;
    for (coding, suffix) in [("br", "br"), ("gzip", "gz")] {
        if accepts(accept_encoding, coding) {
            let mut sibling = path.as_os_str().to_owned();
            sibling.push(".");
            sibling.push(suffix);
            if let Ok(b) = tokio::fs::read(PathBuf::from(sibling)).await {
                encoding = Some(coding);
                bytes = Some(b);
                break;
            }
        }
    }
    let bytes = match bytes {
        Some(b) => b,
        None => match tokio::fs::read(path).await {
            Ok(b) => b,
            Err(_) => return html_page(StatusCode::NOT_FOUND, "Not found", "<p>There is no such file.</p>", ""),
        },
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut().insert(VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(coding) = encoding {
        r.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    let cache = if name == "index.html" {
        "no-cache"
    } else if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300, must-revalidate"
    };
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn not_built(dir: &Path, sign_in: &str) -> Response {
    let body = format!(
        "<p>The console has not been built yet (no <code>{}</code>). Build it with <code>trunk build</code> in \
         <code>web/</code>, or use the API directly.</p><p><a href=\"{}\">Sign in</a> · <a href=\"/auth/me\">Who am I?</a></p>",
        escape(&dir.join("index.html").display().to_string()),
        escape(sign_in)
    );
    let mut r = html_page(StatusCode::OK, "Gatehouse", &body, "");
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("app-3f9a1c0b2d4e5f60.js"));
        assert!(is_hashed("app_bg-3f9a1c0b2d4e5f60.wasm"));
        assert!(is_hashed("index.3f9a1c0b.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("favicon.ico"));
        assert!(!is_hashed("my-application.js"));
    }

    #[tokio::test]
    async fn traversal_is_refused_and_spa_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<html>console</html>").unwrap();
        std::fs::write(dir.path().join("app-0123456789abcdef.js"), "js").unwrap();
        let c = Console::new(dir.path().to_owned());
        assert!(c.resolve("/../Cargo.toml").is_none());
        assert!(c.resolve("/%2e%2e/Cargo.toml").is_none());
        assert!(c.resolve("/app-0123456789abcdef.js").is_some());
        let r = c.serve("/users/auth0%7C1", "", "/auth/login").await;
        assert_eq!(r.headers()[CACHE_CONTROL], "no-cache");
        let r = c.serve("/app-0123456789abcdef.js", "", "/auth/login").await;
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        let r = c.serve("/missing.js", "", "/auth/login").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = c.serve("/users/samlp%7Cacme%7Cjane.doe%40acme.com", "", "/auth/login").await;
        assert_eq!((r.status(), &r.headers()[CACHE_CONTROL]), (StatusCode::OK, &HeaderValue::from_static("no-cache")));
    }

    #[tokio::test]
    async fn files_in_a_hashed_folder_are_immutable_and_precompressed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<html>console</html>").unwrap();
        std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();
        let app = dir.path().join("app-0123456789abcdef");
        std::fs::create_dir(&app).unwrap();
        std::fs::write(app.join("split_roles.wasm"), "raw").unwrap();
        std::fs::write(app.join("split_roles.wasm.gz"), "gzip").unwrap();
        let c = Console::new(dir.path().to_owned());
        let r = c.serve("/app-0123456789abcdef/split_roles.wasm", "gzip", "/").await;
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(r.headers()[CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/wasm");
        // An unhashed name outside such a folder is revalidated; a missing module is a 404, not the page.
        let r = c.serve("/favicon.svg", "", "/").await;
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=300, must-revalidate");
        let r = c.serve("/app-0123456789abcdef/split_gone.wasm", "gzip", "/").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = c.serve("/app-0123456789abcdef/../index.html", "", "/").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn precompressed_siblings_are_served_when_accepted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<html>console</html>").unwrap();
        std::fs::write(dir.path().join("app-0123456789abcdef.wasm"), "raw").unwrap();
        std::fs::write(dir.path().join("app-0123456789abcdef.wasm.br"), "brotli").unwrap();
        std::fs::write(dir.path().join("app-0123456789abcdef.wasm.gz"), "gzip").unwrap();
        let c = Console::new(dir.path().to_owned());
        let body = |r: Response| async { axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap() };
        let r = c.serve("/app-0123456789abcdef.wasm", "gzip, deflate, br", "/").await;
        assert_eq!(r.headers()[CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(&body(r).await[..], b"brotli");
        let r = c.serve("/app-0123456789abcdef.wasm", "gzip, br;q=0", "/").await;
        assert_eq!(r.headers()[CONTENT_ENCODING], "gzip");
        let r = c.serve("/app-0123456789abcdef.wasm", "", "/").await;
        assert!(r.headers().get(CONTENT_ENCODING).is_none());
        assert_eq!(&body(r).await[..], b"raw");
    }
}
