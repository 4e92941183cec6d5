//! Hostile input against the fake's endpoints that read client input, served in-process by
//! its public router: for seeded random input nothing panics, every refusal is Okta-shaped and
//! every answer stays small. A failure names the seed and case to replay.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use okta_fixtures::fake::{FakeOkta, router};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde_json::Value;
use tower::ServiceExt as _;

/// Pieces that parsers trip over: escapes (good, short, bad, non-UTF-8), separators, the
/// names and values the endpoints look for, control characters, multi-byte text.
const PIECES: &[&str] = &[
    "%",
    "%2",
    "%ZZ",
    "%FF",
    "%00",
    "%3D",
    "%26",
    "%2B",
    "%C3%A9",
    "%E0%80",
    "+",
    "&",
    "=",
    "==",
    "&&",
    ";",
    ":",
    "::",
    "\u{0}",
    "\u{7f}",
    "é",
    "😀",
    "\u{2028}",
    "\r\n",
    " ",
    "\"",
    "'",
    "<",
    ">",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    "null",
    "true",
    "1e999",
    "-1",
    "client_id",
    "client_secret",
    "grant_type",
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
    "username",
    "scope",
    "openid",
    "offline_access",
    "redirect_uri",
    "state",
    "nonce",
    "code",
    "code_verifier",
    "code_challenge",
    "code_challenge_method",
    "S256",
    "plain",
    "response_type",
    "response_mode",
    "form_post",
    "query",
    "token id_token",
    "prompt",
    "none",
    "sessionToken",
    "max_age",
    "spa-client",
    "web-client",
    "reports-client",
    "alice@example.com",
    "http://localhost/cb",
    "stateToken",
    "token",
    "token_type_hint",
    "request",
    "Basic ",
    "a",
    "0",
    "eyJ",
    ".",
];

fn below(rng: &mut StdRng, n: usize) -> usize {
    rng.random_range(0..n.max(1))
}

fn chance(rng: &mut StdRng, percent: u32) -> bool {
    rng.random_ratio(percent, 100)
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("a non-empty list")
}

fn hostile_text(rng: &mut StdRng, max_pieces: usize) -> String {
    let mut s = String::new();
    for _ in 0..below(rng, max_pieces + 1) {
        if chance(rng, 3) {
            // A long run: oversized names and values.
            s.push_str(&"A".repeat(below(rng, 5000)));
        } else {
            s.push_str(pick::<&str>(rng, PIECES));
        }
    }
    s
}

fn hostile_bytes(rng: &mut StdRng, max_pieces: usize) -> Vec<u8> {
    let mut bytes = hostile_text(rng, max_pieces).into_bytes();
    // Raw bytes that are not UTF-8.
    for _ in 0..below(rng, 3) {
        let at = below(rng, bytes.len() + 1);
        bytes.insert(at, *pick(rng, &[0xff, 0xc3, 0x80, 0xfe]));
    }
    bytes
}

/// A form of known names with hostile values, so handlers get past their first checks.
fn hostile_form(rng: &mut StdRng) -> String {
    let mut form = String::new();
    for _ in 0..below(rng, 10) {
        if !form.is_empty() {
            form.push('&');
        }
        form.push_str(pick::<&str>(rng, PIECES));
        form.push('=');
        form.push_str(&hostile_text(rng, 4));
    }
    if chance(rng, 20) {
        form.push_str(&hostile_text(rng, 6));
    }
    form
}

/// A case's input, short and escaped, for a failure message.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let shown: String = text.chars().take(300).collect();
    format!("{shown:?} ({} bytes)", bytes.len())
}

const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost/cb", flow: code, scopes: [openid, profile, email, offline_access] }
  web: { client_id: web-client, client_secret: s3cret, redirect_uri: "http://localhost/web", flow: code }
  reports: { client_id: reports-client, client_secret: r3ports, flow: client_credentials, scopes: [reports:read] }
users:
  alice: { username: alice@example.com, password: correct-horse }
"#;

/// The fake's router for [`YAML`], called in-process. Hundreds of requests of one client
/// would meet Okta's client-based limit on `/authorize` (60 a minute), which is not what these
/// tests are about: it is off.
fn app() -> axum::Router {
    let config = okta_fixtures::config::parse_str(YAML, None, &|_| None).unwrap();
    let state = FakeOkta::builder()
        .config(&config)
        .key_dir(crate::fake::key_dir())
        .client_rate_limit(false)
        .build("http://127.0.0.1:1")
        .unwrap();
    router(state)
}

/// Sends one request through `app`: status, headers and a body under 1 MiB (anything
/// larger is a failure of its own).
async fn send(
    app: &axum::Router,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    *req.headers_mut() = headers;
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("a body under 1 MiB");
    (status, headers, body.to_vec())
}

/// No answer carries more than a page and a few times what it was sent.
fn assert_bounded(body: &[u8], input_len: usize, case: &str) {
    let bound = 16 * 1024 + 8 * input_len;
    assert!(
        body.len() <= bound,
        "{case}: a {} byte answer to {input_len} bytes of input",
        body.len()
    );
}

fn json_object(body: &[u8], case: &str) -> serde_json::Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => panic!("{case}: not a JSON object: {}", show(body)),
    }
}

/// Okta's API envelope: errorCode, errorSummary, errorLink = errorCode, errorId, errorCauses.
fn assert_okta_envelope(body: &[u8], case: &str) {
    let v = json_object(body, case);
    let code = v.get("errorCode").and_then(Value::as_str);
    assert!(
        code.is_some_and(|c| c.starts_with("E0000")),
        "{case}: {v:?}"
    );
    assert_eq!(v.get("errorLink").and_then(Value::as_str), code, "{case}");
    assert!(
        v.get("errorSummary").is_some_and(Value::is_string),
        "{case}"
    );
    assert!(v.get("errorId").is_some_and(Value::is_string), "{case}");
    assert!(v.get("errorCauses").is_some_and(Value::is_array), "{case}");
}

/// The OAuth envelope: exactly `error` and `error_description`, both strings.
fn assert_oauth_envelope(body: &[u8], case: &str) {
    let v = json_object(body, case);
    let mut keys: Vec<&str> = v.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["error", "error_description"], "{case}: {v:?}");
    assert!(v.values().all(Value::is_string), "{case}: {v:?}");
}

#[tokio::test]
async fn authn_answers_hostile_bodies_with_okta_errors() {
    let app = app();
    let mut seen = BTreeSet::new();
    for seed in 0..600u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let body: Vec<u8> = match below(&mut rng, 3) {
            0 => hostile_bytes(&mut rng, 10),
            1 => {
                // Well-formed JSON with hostile values and types.
                let value = |rng: &mut StdRng| -> Value {
                    match below(rng, 5) {
                        0 => Value::from(hostile_text(rng, 4)),
                        1 => Value::from(rng.random::<i64>()),
                        2 => Value::Null,
                        3 => serde_json::json!([hostile_text(rng, 2)]),
                        _ => serde_json::json!({ "warnBeforePasswordExpired": chance(rng, 50) }),
                    }
                };
                let mut obj = serde_json::Map::new();
                for _ in 0..below(&mut rng, 5) {
                    let key = *pick(
                        &mut rng,
                        &[
                            "username",
                            "password",
                            "stateToken",
                            "options",
                            "relayState",
                            "x",
                        ],
                    );
                    obj.insert(key.to_owned(), value(&mut rng));
                }
                serde_json::to_vec(&obj).unwrap()
            }
            _ => vec![b'['; below(&mut rng, 100_000)],
        };
        let case = format!("seed {seed}: {}", show(&body));
        let uri = Uri::from_static("/api/v1/authn");
        let (status, headers, text) =
            send(&app, Method::POST, uri, HeaderMap::new(), body.clone()).await;
        seen.insert(status);
        assert_bounded(&text, body.len(), &case);
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/json;charset=UTF-8",
            "{case}"
        );
        match status {
            200 => {
                let v = json_object(&text, &case);
                assert!(v.get("status").is_some_and(Value::is_string), "{case}");
            }
            400 | 401 | 429 => assert_okta_envelope(&text, &case),
            other => panic!("{case}: HTTP {other}"),
        }
    }
    // The inputs reach both the parser's and the credential check's refusals.
    assert!(seen.contains(&400) && seen.contains(&401), "{seen:?}");
}

#[tokio::test]
async fn token_answers_hostile_requests_with_oauth_errors() {
    let app = app();
    let mut seen = BTreeSet::new();
    for seed in 0..800u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let body = if chance(&mut rng, 70) {
            hostile_form(&mut rng).into_bytes()
        } else {
            hostile_bytes(&mut rng, 10)
        };
        let mut headers = HeaderMap::new();
        if chance(&mut rng, 80) {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        if chance(&mut rng, 40) {
            let credentials = if chance(&mut rng, 50) {
                format!("Basic {}", STANDARD.encode(hostile_bytes(&mut rng, 4)))
            } else {
                format!("Basic {}", STANDARD.encode("web-client:s3cret"))
            };
            if let Ok(v) = HeaderValue::from_str(&credentials) {
                headers.insert(header::AUTHORIZATION, v);
            }
        }
        let path = *pick(
            &mut rng,
            &[
                "/oauth2/default/v1/token",
                "/oauth2/v1/token",
                "/oauth2/default/v1/token?client_id=x",
                "/oauth2/default/v1/token?a=1&a=2",
            ],
        );
        let case = format!("seed {seed}: {path} {}", show(&body));
        let uri = Uri::from_static(path);
        let (status, headers, text) = send(&app, Method::POST, uri, headers, body.clone()).await;
        if status != 200 {
            let v = json_object(&text, &case);
            seen.insert(v["error_description"].as_str().unwrap_or("").to_owned());
        }
        assert_bounded(&text, body.len(), &case);
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/json;charset=UTF-8",
            "{case}"
        );
        match status {
            200 => assert!(
                json_object(&text, &case).contains_key("access_token"),
                "{case}"
            ),
            400 | 401 | 429 => assert_oauth_envelope(&text, &case),
            other => panic!("{case}: HTTP {other}"),
        }
    }
    // Refusals from every layer: form, client authentication, grant.
    assert!(seen.len() >= 8, "{seen:#?}");
}

#[tokio::test]
async fn authorize_answers_hostile_queries_with_pages_or_redirects() {
    let app = app();
    let mut seen = BTreeSet::new();
    for seed in 0..800u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut query = hostile_form(&mut rng);
        if chance(&mut rng, 60) {
            // Past the client and redirect URI checks, to reach the later ones.
            query = format!(
                "client_id=spa-client&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s&{query}"
            );
        }
        // Only what a URI can carry.
        let encoded: String = query
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-._~%&=+;:,/?@!$'()*".contains(c) {
                    c.to_string()
                } else {
                    url::form_urlencoded::byte_serialize(c.to_string().as_bytes()).collect()
                }
            })
            .collect();
        let case = format!("seed {seed}: {encoded:.300}");
        let Ok(uri) = format!("/oauth2/default/v1/authorize?{encoded}").parse::<Uri>() else {
            continue;
        };
        let (status, headers, text) =
            send(&app, Method::GET, uri, HeaderMap::new(), Vec::new()).await;
        seen.insert(status);
        assert_bounded(&text, encoded.len(), &case);
        match status {
            200 | 400 => assert_eq!(
                headers[header::CONTENT_TYPE],
                "text/html;charset=utf-8",
                "{case}"
            ),
            302 => assert!(
                headers[header::LOCATION]
                    .to_str()
                    .unwrap()
                    .starts_with("http://localhost/cb"),
                "{case}"
            ),
            other => panic!("{case}: HTTP {other}"),
        }
    }
    // Error pages and errors sent back to the redirect URI.
    assert!(seen.contains(&400) && seen.contains(&302), "{seen:?}");
}
