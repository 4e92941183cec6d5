//! Property tests over the request parsers and the endpoints that read client input: for
//! deterministic pseudo-random hostile input, nothing panics, every refusal is Okta-shaped and
//! every answer stays small. A failure names the seed and case to replay.

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::client_auth::basic_credentials;
use super::endpoints::{admin, authn, authorize, token};
use super::error;
use super::params::{MAX_QUERY, Params, ParamsError};
use super::{FakeState, test_support};

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

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

fn hostile_text(rng: &mut Rng, max_pieces: usize) -> String {
    let n = rng.below(max_pieces + 1);
    let mut s = String::new();
    for _ in 0..n {
        if rng.chance(3) {
            // A long run: oversized names and values.
            let _ = write!(s, "{}", "A".repeat(rng.below(5000)));
        } else {
            s.push_str(rng.pick::<&str>(PIECES));
        }
    }
    s
}

fn hostile_bytes(rng: &mut Rng, max_pieces: usize) -> Vec<u8> {
    let mut bytes = hostile_text(rng, max_pieces).into_bytes();
    // Raw bytes that are not UTF-8.
    for _ in 0..rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, [0xff, 0xc3, 0x80, 0xfe][rng.below(4)]);
    }
    bytes
}

/// A form of known names with hostile values, so handlers get past their first checks.
fn hostile_form(rng: &mut Rng) -> String {
    let mut form = String::new();
    for _ in 0..rng.below(10) {
        if !form.is_empty() {
            form.push('&');
        }
        form.push_str(rng.pick::<&str>(PIECES));
        form.push('=');
        form.push_str(&hostile_text(rng, 4));
    }
    if rng.chance(20) {
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

async fn read(res: Response) -> (u16, HeaderMap, Vec<u8>) {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    // Anything larger than this is a failure of its own.
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

const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost/cb", flow: code, scopes: [openid, profile, email, offline_access] }
  web: { client_id: web-client, client_secret: s3cret, redirect_uri: "http://localhost/web", flow: code }
  reports: { client_id: reports-client, client_secret: r3ports, flow: client_credentials, scopes: [reports:read] }
users:
  alice: { username: alice@example.com, password: correct-horse }
"#;

fn state() -> FakeState {
    test_support::state(YAML)
}

#[test]
fn params_never_panic_stay_bounded_and_agree_with_a_reference_parser() {
    for seed in 0..4000u64 {
        let mut rng = Rng::new(seed);
        let input = if rng.chance(50) {
            hostile_form(&mut rng).into_bytes()
        } else {
            hostile_bytes(&mut rng, 12)
        };
        let case = format!("seed {seed}: {}", show(&input));
        let reference: Vec<(String, String)> = url::form_urlencoded::parse(&input)
            .filter(|(n, v)| !(n.is_empty() && v.is_empty()))
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        match Params::parse(&input) {
            Ok(p) => {
                assert!(reference.len() <= 64, "{case}");
                for (name, value) in &reference {
                    let want = Some(value.as_str()).filter(|v| !v.is_empty());
                    assert_eq!(p.get(name), want, "{case}");
                    assert!(p.has(name), "{case}");
                    // U+FFFD (3 bytes) for one bad byte is the largest growth.
                    assert!(value.len() <= 3 * input.len(), "{case}");
                }
                let mut names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                assert_eq!(
                    names.len(),
                    reference.len(),
                    "{case}: a duplicate was accepted"
                );
            }
            Err(ParamsError::Duplicate) => {
                let mut names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                assert!(names.len() < reference.len(), "{case}: no duplicate");
            }
            Err(ParamsError::TooMany) => assert!(reference.len() > 64, "{case}"),
            Err(ParamsError::TooLong) => panic!("{case}: parse does not bound length"),
        }
        let text = String::from_utf8_lossy(&input);
        match Params::from_query(Some(&text)) {
            Err(ParamsError::TooLong) => assert!(text.len() > MAX_QUERY, "{case}"),
            _ => assert!(text.len() <= MAX_QUERY, "{case}"),
        }
    }
}

#[test]
fn basic_credentials_round_trip_and_refuse_garbage() {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for seed in 0..3000u64 {
        let mut rng = Rng::new(seed);
        // Any id and secret survive RFC 6749 2.3.1 encoding and our decoding.
        let id = format!("c{}", hostile_text(&mut rng, 4));
        let secret = hostile_text(&mut rng, 6);
        let header = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", encode(&id), encode(&secret)))
        );
        assert_eq!(
            basic_credentials(header.as_bytes()),
            Some((id.clone(), secret.clone())),
            "seed {seed}: {header:.200}"
        );
        // Garbage: raw bytes, or base64 of raw bytes, behind assorted schemes.
        let raw = hostile_bytes(&mut rng, 6);
        let scheme = *rng.pick(&["Basic ", "basic ", "Bearer ", "", "Basic  "]);
        let mut garbage = scheme.as_bytes().to_vec();
        if rng.chance(50) {
            garbage.extend(STANDARD.encode(&raw).bytes());
        } else {
            garbage.extend(&raw);
        }
        if let Some((id, _)) = basic_credentials(&garbage) {
            assert!(!id.is_empty(), "seed {seed}: {}", show(&garbage));
        }
    }
}

#[test]
fn pkce_accepts_only_the_matching_verifier() {
    const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    for seed in 0..2000u64 {
        let mut rng = Rng::new(seed);
        let len = 43 + rng.below(86);
        let verifier: String = (0..len).map(|_| *rng.pick(UNRESERVED) as char).collect();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        assert!(authorize::challenge_is_valid(&challenge), "seed {seed}");
        assert_eq!(
            token::verify_pkce(Some(&challenge), Some(&verifier)),
            Ok(()),
            "seed {seed}"
        );
        // One character changed: refused, never accepted.
        let mut other = verifier.clone().into_bytes();
        let at = rng.below(other.len());
        other[at] = if other[at] == b'A' { b'B' } else { b'A' };
        let other = String::from_utf8(other).unwrap();
        assert_eq!(
            token::verify_pkce(Some(&challenge), Some(&other)),
            Err(error::PKCE_FAILED),
            "seed {seed}"
        );
        // Hostile verifiers and challenges: an Okta refusal, never a panic or an acceptance.
        let junk = hostile_text(&mut rng, 8);
        let junk_challenge = hostile_text(&mut rng, 4);
        let _ = authorize::challenge_is_valid(&junk_challenge);
        let verdict = token::verify_pkce(Some(&challenge), Some(&junk));
        if junk != verifier {
            assert!(verdict.is_err(), "seed {seed}: {junk:.100}");
        }
        if let Err(e) = token::verify_pkce(Some(&junk_challenge), Some(&junk)) {
            assert!(
                [error::PKCE_FAILED, error::PKCE_VERIFIER_LENGTH].contains(&e),
                "seed {seed}: {e:?}"
            );
        }
    }
}

#[tokio::test]
async fn authn_answers_hostile_bodies_with_okta_errors() {
    let st = state();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..600u64 {
        let mut rng = Rng::new(seed);
        let body: Vec<u8> = match rng.below(3) {
            0 => hostile_bytes(&mut rng, 10),
            1 => {
                // Well-formed JSON with hostile values and types.
                let value = |rng: &mut Rng| -> Value {
                    match rng.below(5) {
                        0 => Value::from(hostile_text(rng, 4)),
                        1 => Value::from(rng.next() as i64),
                        2 => Value::Null,
                        3 => serde_json::json!([hostile_text(rng, 2)]),
                        _ => serde_json::json!({ "warnBeforePasswordExpired": rng.chance(50) }),
                    }
                };
                let mut obj = serde_json::Map::new();
                for _ in 0..rng.below(5) {
                    let key = *rng.pick(&[
                        "username",
                        "password",
                        "stateToken",
                        "options",
                        "relayState",
                        "x",
                    ]);
                    obj.insert(key.to_owned(), value(&mut rng));
                }
                serde_json::to_vec(&obj).unwrap()
            }
            _ => vec![b'['; rng.below(100_000)],
        };
        let case = format!("seed {seed}: {}", show(&body));
        let res = authn::primary(State(st.clone()), Body::from(body.clone())).await;
        let (status, headers, text) = read(res).await;
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
    let st = state();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..800u64 {
        let mut rng = Rng::new(seed);
        let body = if rng.chance(70) {
            hostile_form(&mut rng).into_bytes()
        } else {
            hostile_bytes(&mut rng, 10)
        };
        let mut headers = HeaderMap::new();
        if rng.chance(80) {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        if rng.chance(40) {
            let credentials = if rng.chance(50) {
                format!("Basic {}", STANDARD.encode(hostile_bytes(&mut rng, 4)))
            } else {
                format!("Basic {}", STANDARD.encode("web-client:s3cret"))
            };
            if let Ok(v) = HeaderValue::from_str(&credentials) {
                headers.insert(header::AUTHORIZATION, v);
            }
        }
        let path = *rng.pick(&[
            "/oauth2/default/v1/token",
            "/oauth2/v1/token",
            "/oauth2/default/v1/token?client_id=x",
            "/oauth2/default/v1/token?a=1&a=2",
        ]);
        let uri: Uri = path.parse().unwrap();
        let case = format!("seed {seed}: {path} {}", show(&body));
        let res = token::token(State(st.clone()), headers, uri, Body::from(body.clone())).await;
        let (status, headers, text) = read(res).await;
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
    let st = state();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..800u64 {
        let mut rng = Rng::new(seed);
        let mut query = hostile_form(&mut rng);
        if rng.chance(60) {
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
        let res = authorize::get(State(st.clone()), HeaderMap::new(), uri).await;
        let (status, headers, text) = read(res).await;
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

#[test]
fn fault_bodies_never_panic() {
    let mut accepted = 0;
    for seed in 0..2000u64 {
        let mut rng = Rng::new(seed);
        let body = if rng.chance(50) {
            hostile_bytes(&mut rng, 10)
        } else {
            let mut obj = serde_json::Map::new();
            obj.insert(
                "endpoint".into(),
                Value::from(*rng.pick(&["token", "authn", "keys", "authorize", "nope"])),
            );
            obj.insert(
                "kind".into(),
                Value::from(*rng.pick(&[
                    "drop",
                    "malformed_page",
                    "rate_limit",
                    "status",
                    "latency",
                ])),
            );
            for _ in 0..rng.below(4) {
                let key = *rng.pick(&[
                    "endpoint",
                    "kind",
                    "status",
                    "latency_ms",
                    "reset",
                    "user",
                    "client_id",
                    "times",
                ]);
                let value = match rng.below(4) {
                    0 => Value::from(*rng.pick(&[
                        "token",
                        "authn",
                        "drop",
                        "status",
                        "latency",
                        "rate_limit",
                        "malformed_page",
                        "keys",
                    ])),
                    1 => Value::from(rng.next() as i64 % 100_000),
                    2 => Value::from(hostile_text(&mut rng, 3)),
                    _ => Value::Null,
                };
                obj.insert(key.to_owned(), value);
            }
            serde_json::to_vec(&obj).unwrap()
        };
        if let Ok(spec) = admin::parse_fault(&body) {
            assert!(spec.times != Some(0), "seed {seed}");
            accepted += 1;
        }
    }
    assert!(accepted > 0);
}
