//! A test browser: follows redirects by hand, keeps cookies per origin, and
//! scans every response from the BFF for credentials that must never leave
//! it (the client secrets, any JWT: access or id token).

#![allow(dead_code)]

use reqwest::Method;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Every response the scanner looked at, across the test binary.
pub static SCANNED: AtomicUsize = AtomicUsize::new(0);

/// A cookie as the server set it.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attributes: Vec<String>,
}

impl SetCookie {
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.split(';').map(str::trim);
        let (name, value) = parts.next()?.split_once('=')?;
        Some(Self { name: name.to_owned(), value: value.to_owned(), attributes: parts.map(str::to_owned).collect() })
    }

    pub fn has(&self, attr: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attr))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find_map(|a| {
            let (k, v) = a.split_once('=')?;
            k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    pub fn deletes(&self) -> bool {
        self.attr("Max-Age") == Some("0")
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub url: String,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    pub fn location(&self) -> Option<String> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> Vec<SetCookie> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).filter_map(SetCookie::parse).collect()
    }

    pub fn cookie(&self, name: &str) -> Option<SetCookie> {
        self.set_cookies().into_iter().find(|c| c.name == name)
    }
}

fn origin(url: &str) -> String {
    let u = url::Url::parse(url).expect("absolute URL");
    u.origin().ascii_serialization()
}

/// The strings no BFF response may contain.
#[derive(Debug, Clone, Default)]
pub struct Forbidden {
    pub exact: Vec<String>,
}

fn looks_like_jwt(text: &str) -> Option<String> {
    // Three base64url parts, the first two starting with `eyJ` (`{"`).
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("eyJ") {
        let start = i + pos;
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .map_or(text.len(), |e| start + e);
        let candidate = &text[start..end];
        let parts: Vec<&str> = candidate.split('.').collect();
        if parts.len() == 3 && parts[1].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 4) {
            return Some(candidate.to_owned());
        }
        i = start + 3;
        if i >= bytes.len() {
            break;
        }
    }
    None
}

/// Panics when a BFF response carries a credential.
pub fn scan(forbidden: &Forbidden, what: &str, headers: &reqwest::header::HeaderMap, body: &[u8]) {
    SCANNED.fetch_add(1, Ordering::Relaxed);
    let mut texts: Vec<String> =
        headers.iter().map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes()))).collect();
    texts.push(String::from_utf8_lossy(body).into_owned());
    for text in &texts {
        for secret in &forbidden.exact {
            assert!(secret.len() < 8 || !text.contains(secret.as_str()), "{what}: a response carried a secret");
        }
        if let Some(jwt) = looks_like_jwt(text) {
            panic!("{what}: a response carried a token: {}...", &jwt[..jwt.len().min(24)]);
        }
    }
}

/// A browser (or any HTTP client) with a cookie jar per origin.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    jar: Arc<Mutex<HashMap<String, BTreeMap<String, String>>>>,
    /// The BFF's origin: every response from it is scanned.
    pub bff: String,
    forbidden: Arc<Forbidden>,
    /// Headers added to every request to the BFF.
    pub default_headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(bff: &str, forbidden: Forbidden) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self {
            http,
            jar: Arc::default(),
            bff: bff.trim_end_matches('/').to_owned(),
            forbidden: Arc::new(forbidden),
            default_headers: Vec::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.bff) }
    }

    /// The cookie value this browser holds for the BFF.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(&self.bff).and_then(|j| j.get(name).cloned())
    }

    /// Sets a cookie for the BFF's origin by hand.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().unwrap().entry(self.bff.clone()).or_default().insert(name.into(), value.into());
    }

    pub fn clear_cookies(&self) {
        self.jar.lock().unwrap().clear();
    }

    /// Sends one request (no redirect following).
    pub async fn send(&self, method: Method, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Resp {
        let url = self.url(url);
        let o = origin(&url);
        let mut req = self.http.request(method, &url);
        if o == self.bff {
            for (k, v) in &self.default_headers {
                req = req.header(k.as_str(), v.as_str());
            }
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(jar) = self.jar.lock().unwrap().get(&o)
            && !jar.is_empty()
        {
            let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req = req.header("cookie", cookie);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap().to_vec();
        if o == self.bff {
            scan(&self.forbidden, &url, &headers, &body);
        }
        let r = Resp { status, headers, body, url: url.clone() };
        let mut jar = self.jar.lock().unwrap();
        let jar = jar.entry(o).or_default();
        for c in r.set_cookies() {
            if c.deletes() {
                jar.remove(&c.name);
            } else {
                jar.insert(c.name.clone(), c.value.clone());
            }
        }
        r
    }

    pub async fn get(&self, url: &str) -> Resp {
        self.send(Method::GET, url, &[], None).await
    }

    /// GET with the headers the console sends (`X-CSRF: 1`).
    pub async fn api_get(&self, url: &str) -> Resp {
        self.send(Method::GET, url, &[("x-csrf", "1")], None).await
    }

    /// A JSON request with the headers the console sends.
    pub async fn api(&self, method: Method, url: &str, body: Option<serde_json::Value>) -> Resp {
        match body {
            Some(b) => {
                self.send(
                    method,
                    url,
                    &[("x-csrf", "1"), ("content-type", "application/json")],
                    Some(b.to_string().into_bytes()),
                )
                .await
            }
            None => self.send(method, url, &[("x-csrf", "1")], None).await,
        }
    }

    /// GET, following redirects (up to 10); returns every hop's response.
    pub async fn follow(&self, url: &str) -> Vec<Resp> {
        let mut hops = Vec::new();
        let mut next = self.url(url);
        for _ in 0..10 {
            let r = self.get(&next).await;
            let location = r.location();
            let base = url::Url::parse(&r.url).unwrap();
            hops.push(r);
            match location {
                Some(l) if (300..400).contains(&hops.last().unwrap().status) => {
                    next = base.join(&l).unwrap().to_string()
                }
                _ => break,
            }
        }
        hops
    }

    /// POSTs a form, following redirects after it.
    pub async fn submit(&self, url: &str, fields: &[(String, String)]) -> Vec<Resp> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let r = self
            .send(Method::POST, url, &[("content-type", "application/x-www-form-urlencoded")], Some(body.into_bytes()))
            .await;
        let location = r.location();
        let base = url::Url::parse(&r.url).unwrap();
        let status = r.status;
        let mut hops = vec![r];
        if let Some(l) = location.filter(|_| (300..400).contains(&status)) {
            hops.extend(self.follow(base.join(&l).unwrap().as_str()).await);
        }
        hops
    }
}

impl Browser {
    /// Sends a GET with the request target exactly as given (no URL
    /// normalisation, which every HTTP library and browser would apply to
    /// `..` and `%2e%2e`), with this browser's cookies and `X-CSRF: 1`.
    pub async fn raw_get(&self, target: &str) -> Resp {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = self.bff.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let mut req = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nx-csrf: 1\r\n");
        for (k, v) in &self.default_headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(jar) = self.jar.lock().unwrap().get(&self.bff)
            && !jar.is_empty()
        {
            let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req.push_str(&format!("cookie: {cookie}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        for line in lines {
            if let Some((k, v)) = line.split_once(':') {
                headers.append(
                    reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
                    v.trim().parse().unwrap(),
                );
            }
        }
        if headers.get("transfer-encoding").is_some_and(|v| v == "chunked") {
            body = dechunk(&body);
        }
        scan(&self.forbidden, target, &headers, &body);
        Resp { status, headers, body, url: format!("{}{target}", self.bff) }
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
