//! The embedded fake Okta over real HTTP: every endpoint, every error Okta answers with.
//! `admin` covers the `/_fake/` surface (keys, reset, minted tokens), `faults` injected
//! faults and Okta's per-user rate limit.

mod admin;
mod faults;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use okta_fixtures::fake::{Clock, FakeBuilder, FakeOkta};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub(crate) const YAML: &str = r#"
org_url: fake
authorization_server: default
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/login/callback", flow: code, scopes: [openid, profile, email, offline_access] }
  web: { client_id: web-client, client_secret: web-secret, redirect_uri: "http://localhost:8080/authorization-code/callback", flow: code, scopes: [openid, profile, email, orders:read] }
  post: { client_id: post-client, client_secret: post-secret, redirect_uri: "http://localhost:8080/post/callback", flow: code, token_endpoint_auth: client_secret_post }
  legacy: { client_id: legacy-client, redirect_uri: "http://localhost:8080/implicit/callback", flow: implicit, authorization_server: org }
  idonly: { client_id: idonly-client, redirect_uri: "http://localhost:8080/id/callback", flow: implicit, response_type: [id_token] }
  reports: { client_id: reports-client, client_secret: reports-secret, flow: client_credentials, scopes: [reports:read] }
  ropc: { client_id: ropc-client, client_secret: ropc-secret, redirect_uri: "http://localhost:8080/ropc", flow: code }
users:
  alice: { username: alice@example.com, password: correct-horse, app: spa }
  bob: { username: bob@example.com, password: battery-staple, app: spa }
  warn: { username: warn@example.com, password: pw-warn, app: spa }
  expired: { username: expired@example.com, password: pw-expired, app: spa }
  reset: { username: reset@example.com, password: pw-reset, app: spa }
  enroll_optional: { username: enroll-optional@example.com, password: pw-eo, app: spa }
  enroll: { username: enroll@example.com, password: pw-enroll, app: spa }
  mfa: { username: mfa@example.com, password: pw-mfa, app: spa }
  locked: { username: locked@example.com, password: pw-locked, app: spa }
  hidden: { username: hidden@example.com, password: pw-hidden, app: spa }
  federated: { username: federated@example.com, password: pw-fed, app: spa }
  outsider: { username: outsider@example.com, password: pw-out, app: web }
fake:
  org_name: Test Org
  users:
    alice: { given_name: Alice, family_name: Anderson, groups: [Everyone, admins], claims: { department: eng } }
    bob: { given_name: Bob, family_name: Brown, groups: [Everyone] }
    warn: { status: PASSWORD_WARN }
    expired: { status: PASSWORD_EXPIRED }
    reset: { status: PASSWORD_RESET }
    enroll_optional: { status: MFA_ENROLL_OPTIONAL }
    enroll: { status: MFA_ENROLL }
    mfa: { status: MFA_REQUIRED }
    locked: { status: LOCKED_OUT }
    hidden: { status: LOCKED_OUT_HIDDEN }
    federated: { status: FEDERATED }
    outsider: { apps: [web] }
  servers:
    default:
      audience: api://default
      scopes: [orders:read, orders:write, reports:read]
      access_claims: { groups: $groups, tier: gold }
  apps:
    ropc: { grant_types: [authorization_code, password, refresh_token] }
"#;

pub(crate) const SPA_CB: &str = "http://localhost:8080/login/callback";
pub(crate) const WEB_CB: &str = "http://localhost:8080/authorization-code/callback";
pub(crate) const LEGACY_CB: &str = "http://localhost:8080/implicit/callback";
/// RFC 7636 appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub(crate) fn key_dir() -> PathBuf {
    std::env::temp_dir().join("okta-fixtures-it-fake-keys")
}

pub(crate) struct Org {
    pub(crate) fake: FakeOkta,
    pub(crate) clock: Clock,
    pub(crate) http: Client,
}

impl Org {
    pub(crate) async fn start() -> Self {
        Self::from_yaml(YAML).await
    }

    pub(crate) async fn from_yaml(yaml: &str) -> Self {
        Self::with(yaml, Clock::system(), |b| b).await
    }

    /// An org for `yaml` on `clock`, with more builder options.
    pub(crate) async fn with(
        yaml: &str,
        clock: Clock,
        configure: impl FnOnce(FakeBuilder) -> FakeBuilder,
    ) -> Self {
        let config = okta_fixtures::config::parse_str(yaml, None, &|_| None).unwrap();
        let builder = FakeOkta::builder()
            .config(&config)
            .key_dir(key_dir())
            .clock(clock.clone());
        let fake = configure(builder).start().await.unwrap();
        Self {
            fake,
            clock,
            http: client(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.org_url())
    }

    pub(crate) async fn authn(&self, body: Value) -> Response {
        self.http
            .post(self.url("/api/v1/authn"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn session_token(&self, username: &str, password: &str) -> String {
        let res = self
            .authn(json!({"username": username, "password": password}))
            .await;
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["status"], "SUCCESS", "{v}");
        v["sessionToken"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn authorize(&self, server: &str, params: &[(&str, &str)]) -> Response {
        self.authorize_with(server, params, None).await
    }

    pub(crate) async fn authorize_with(
        &self,
        server: &str,
        params: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        let mut req = self
            .http
            .get(self.url(&format!("{}/v1/authorize", prefix(server))))
            .query(params);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.unwrap()
    }

    pub(crate) async fn token(&self, server: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url(&format!("{}/v1/token", prefix(server))))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A code from a form_post answer for the SPA (PKCE) on `server`.
    pub(crate) async fn spa_code(
        &self,
        server: &str,
        username: &str,
        password: &str,
        scope: &str,
    ) -> String {
        let st = self.session_token(username, password).await;
        let res = self
            .authorize(
                server,
                &[
                    ("client_id", "spa-client"),
                    ("response_type", "code"),
                    ("response_mode", "form_post"),
                    ("scope", scope),
                    ("redirect_uri", SPA_CB),
                    ("state", "st-1"),
                    ("nonce", "n-1"),
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "S256"),
                    ("prompt", "none"),
                    ("sessionToken", &st),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        let fields = form_fields(&res.text().await.unwrap());
        fields
            .get("code")
            .unwrap_or_else(|| panic!("no code in {fields:?}"))
            .clone()
    }

    /// The SPA's token response for a fresh code.
    pub(crate) async fn spa_tokens(&self, username: &str, password: &str, scope: &str) -> Value {
        let code = self.spa_code("default", username, password, scope).await;
        let res = self
            .token(
                "default",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", SPA_CB),
                    ("client_id", "spa-client"),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// A code for alice from the web app on the default server (query answer, no PKCE).
async fn web_code(org: &Org, scope: &str) -> String {
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "web-client"),
                ("response_type", "code"),
                ("scope", scope),
                ("redirect_uri", WEB_CB),
                ("state", "s"),
                ("sessionToken", &st),
            ],
        )
        .await;
    location_params(&res, '?')["code"].clone()
}

pub(crate) fn prefix(server: &str) -> String {
    if server == "org" {
        "/oauth2".into()
    } else {
        format!("/oauth2/{server}")
    }
}

pub(crate) fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn json_of(res: Response) -> (StatusCode, HeaderMap, Value) {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, headers, v)
}

pub(crate) async fn assert_oauth_error(res: Response, status: u16, error: &str, description: &str) {
    let (s, h, v) = json_of(res).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert_eq!(v, json!({"error": error, "error_description": description}));
}

pub(crate) async fn assert_okta_error(
    res: Response,
    status: u16,
    code: &str,
    summary: &str,
) -> Value {
    let (s, h, v) = json_of(res).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert_eq!(v["errorCode"], code, "{v}");
    assert_eq!(v["errorSummary"], summary);
    assert_eq!(v["errorLink"], code);
    let id = v["errorId"].as_str().unwrap();
    assert!(id.starts_with("oae") && id.len() == 25, "{id}");
    assert!(v["errorCauses"].is_array());
    v
}

/// Okta's answer to a body it cannot parse.
pub(crate) async fn assert_not_well_formed(res: Response) {
    assert_okta_error(
        res,
        400,
        "E0000003",
        "The request body was not well-formed.",
    )
    .await;
}

/// Decodes the character references Okta's encoder writes (`&#x3a;`, `&amp;`, `&#58;`).
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = if let Some(hex) = entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        } else if let Some(dec) = entity.strip_prefix('#') {
            dec.parse().ok().and_then(char::from_u32)
        } else {
            match entity {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                _ => None,
            }
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The hidden inputs of a form_post page, decoded.
pub(crate) fn form_fields(page: &str) -> BTreeMap<String, String> {
    page.split("<input ")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            Some((
                decode_entities(attr(tag, "name")?),
                decode_entities(attr(tag, "value")?),
            ))
        })
        .collect()
}

fn form_action(page: &str) -> Option<String> {
    let start = page.find("<form id=\"appForm\"")?;
    let tag = &page[start..start + page[start..].find('>')?];
    attr(tag, "action").map(decode_entities)
}

fn b64url(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

pub(crate) fn jwt_part(token: &str, i: usize) -> Value {
    serde_json::from_slice(&b64url(token.split('.').nth(i).unwrap())).unwrap()
}

pub(crate) fn claims(token: &str) -> Value {
    jwt_part(token, 1)
}

pub(crate) fn kid(token: &str) -> String {
    jwt_part(token, 0)["kid"].as_str().unwrap().to_owned()
}

/// The payload's keys in the order they were written.
fn key_order(json_text: &str, keys: &[&str]) -> Vec<usize> {
    keys.iter()
        .map(|k| json_text.find(&format!("\"{k}\":")).unwrap_or(usize::MAX))
        .collect()
}

fn assert_increasing(v: &[usize]) {
    assert!(v.windows(2).all(|w| w[0] < w[1]), "{v:?}");
}

/// The parameters a 302 carries in its `Location` query (`?`) or fragment (`#`).
pub(crate) fn location_params(res: &Response, sep: char) -> BTreeMap<String, String> {
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, params) = location.split_once(sep).unwrap();
    reqwest::Url::parse(&format!("http://x/?{params}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

// ----------------------------------------------------------------------------------------------
// /api/v1/authn

#[tokio::test]
async fn authn_success_has_okta_shape_and_headers() {
    let org = Org::start().await;
    let res = org
        .authn(json!({"username": "alice@example.com", "password": "correct-horse"}))
        .await;
    let (status, h, v) = json_of(res).await;
    assert_eq!(status, 200);
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert!(h["x-okta-request-id"].to_str().unwrap().starts_with("req"));
    assert_eq!(h["x-rate-limit-limit"], "1200");
    assert_eq!(h["x-rate-limit-remaining"], "1199");
    assert!(
        h["x-rate-limit-reset"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(h["cache-control"], "no-cache, no-store");
    assert_eq!(h["pragma"], "no-cache");
    assert_eq!(h["expires"], "0");
    assert_eq!(v["status"], "SUCCESS");
    let token = v["sessionToken"].as_str().unwrap();
    assert_eq!(token.len(), 55);
    assert!(token.starts_with("20111"));
    let expires = v["expiresAt"].as_str().unwrap();
    assert_eq!(expires.len(), 24, "{expires}");
    assert!(expires.ends_with('Z'));
    let user = &v["_embedded"]["user"];
    assert!(user["id"].as_str().unwrap().starts_with("00u"));
    assert_eq!(user["profile"]["login"], "alice@example.com");
    assert_eq!(user["profile"]["firstName"], "Alice");
    assert_eq!(user["profile"]["lastName"], "Anderson");
    assert_eq!(
        v["_links"]["cancel"]["href"],
        org.url("/api/v1/authn/cancel")
    );
    assert_eq!(v["_links"]["cancel"]["hints"]["allow"], json!(["POST"]));
    // Logins match case-insensitively, as in Okta.
    org.session_token("ALICE@example.com", "correct-horse")
        .await;
    assert_eq!(org.fake.stats().requests("authn"), 2);
}

#[tokio::test]
async fn authn_failures_are_okta_errors() {
    let org = Org::start().await;
    for body in [
        json!({"username": "alice@example.com", "password": "wrong"}),
        json!({"username": "nobody@example.com", "password": "x"}),
        json!({"username": "hidden@example.com", "password": "pw-hidden"}),
        json!({"username": "federated@example.com", "password": "pw-fed"}),
    ] {
        assert_okta_error(
            org.authn(body).await,
            401,
            "E0000004",
            "Authentication failed",
        )
        .await;
    }
    let res = org
        .http
        .post(org.url("/api/v1/authn"))
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_not_well_formed(res).await;
    let res = org.authn(json!({"username": 42, "password": "x"})).await;
    assert_not_well_formed(res).await;
    let v = assert_okta_error(
        org.authn(json!({"username": "alice@example.com"})).await,
        400,
        "E0000001",
        "Api validation failed: password",
    )
    .await;
    assert_eq!(
        v["errorCauses"][0]["errorSummary"],
        "password: The field cannot be left blank"
    );
}

#[tokio::test]
async fn authn_statuses_follow_the_configured_user() {
    let org = Org::start().await;
    let authn = |u: &str, p: &str| org.authn(json!({"username": u, "password": p}));

    let (_, _, v) = json_of(authn("mfa@example.com", "pw-mfa").await).await;
    assert_eq!(v["status"], "MFA_REQUIRED");
    assert_eq!(v["stateToken"].as_str().unwrap().len(), 42);
    assert!(v.get("sessionToken").is_none());
    assert_eq!(
        v["_embedded"]["factors"][0]["factorType"],
        "token:software:totp"
    );
    assert!(v["_links"]["cancel"].is_object());
    assert!(v["_links"]["skip"].is_null());

    let (_, _, v) = json_of(authn("enroll@example.com", "pw-enroll").await).await;
    assert_eq!(v["status"], "MFA_ENROLL");
    assert_eq!(v["_embedded"]["factors"][0]["enrollment"], "REQUIRED");
    assert!(v["_links"]["skip"].is_null());

    let (_, _, v) = json_of(authn("enroll-optional@example.com", "pw-eo").await).await;
    assert_eq!(v["status"], "MFA_ENROLL");
    assert_eq!(v["_embedded"]["factors"][0]["enrollment"], "OPTIONAL");
    assert_eq!(v["_links"]["skip"]["href"], org.url("/api/v1/authn/skip"));

    let (_, _, v) = json_of(authn("expired@example.com", "pw-expired").await).await;
    assert_eq!(v["status"], "PASSWORD_EXPIRED");
    assert_eq!(v["_links"]["next"]["name"], "changePassword");
    assert!(v["_embedded"]["policy"]["complexity"].is_object());

    let (_, _, v) = json_of(authn("reset@example.com", "pw-reset").await).await;
    assert_eq!(v["status"], "PASSWORD_RESET");
    assert_eq!(v["_links"]["next"]["name"], "resetPassword");

    let (s, _, v) = json_of(authn("locked@example.com", "anything").await).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "LOCKED_OUT");
    assert!(v.get("stateToken").is_none());
    assert_eq!(v["_links"]["next"]["name"], "unlock");

    // A wrong password is still a wrong password for users with a status.
    assert_okta_error(
        authn("mfa@example.com", "nope").await,
        401,
        "E0000004",
        "Authentication failed",
    )
    .await;
}

#[tokio::test]
async fn password_warn_is_shown_only_when_asked_and_can_be_skipped() {
    let org = Org::start().await;
    org.session_token("warn@example.com", "pw-warn").await;
    let res = org
        .authn(
            json!({"username": "warn@example.com", "password": "pw-warn",
                      "options": {"warnBeforePasswordExpired": true}, "relayState": "rs-1"}),
        )
        .await;
    let (_, _, v) = json_of(res).await;
    assert_eq!(v["status"], "PASSWORD_WARN");
    assert_eq!(v["relayState"], "rs-1");
    assert_eq!(
        v["_embedded"]["policy"]["expiration"]["passwordExpireDays"],
        5
    );
    let state_token = v["stateToken"].as_str().unwrap().to_owned();

    // The transaction can be read back with just the stateToken.
    let (_, _, again) = json_of(org.authn(json!({"stateToken": state_token})).await).await;
    assert_eq!(again["status"], "PASSWORD_WARN");

    let skip = |t: &str| {
        org.http
            .post(org.url("/api/v1/authn/skip"))
            .json(&json!({"stateToken": t}))
            .send()
    };
    let (s, _, v) = json_of(skip(&state_token).await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(v["relayState"], "rs-1");
    assert_eq!(v["sessionToken"].as_str().unwrap().len(), 55);
    assert_okta_error(
        skip(&state_token).await.unwrap(),
        401,
        "E0000011",
        "Invalid token provided",
    )
    .await;
    assert_eq!(org.fake.stats().requests("authn_skip"), 2);
}

#[tokio::test]
async fn skip_and_cancel_follow_the_transaction_state() {
    let org = Org::start().await;
    let post = |path: &str, t: &str| {
        org.http
            .post(org.url(path))
            .json(&json!({"stateToken": t}))
            .send()
    };
    let (_, _, v) = json_of(
        org.authn(json!({"username": "expired@example.com", "password": "pw-expired"}))
            .await,
    )
    .await;
    let st = v["stateToken"].as_str().unwrap().to_owned();
    let e = assert_okta_error(
        post("/api/v1/authn/skip", &st).await.unwrap(),
        403,
        "E0000079",
        "This operation is not allowed in the current authentication state.",
    )
    .await;
    assert_eq!(
        e["errorCauses"][0]["errorSummary"],
        "This operation is not allowed in the current authentication state."
    );
    let (s, _, v) = json_of(post("/api/v1/authn/cancel", &st).await.unwrap()).await;
    assert_eq!((s, v), (StatusCode::OK, json!({})));
    assert_okta_error(
        post("/api/v1/authn/cancel", &st).await.unwrap(),
        401,
        "E0000011",
        "Invalid token provided",
    )
    .await;

    // MFA_ENROLL with a skip link can be skipped.
    let (_, _, v) = json_of(
        org.authn(json!({"username": "enroll-optional@example.com", "password": "pw-eo"}))
            .await,
    )
    .await;
    let (_, _, v) = json_of(
        post("/api/v1/authn/skip", v["stateToken"].as_str().unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["status"], "SUCCESS");
    assert_okta_error(
        post("/api/v1/authn/skip", "00garbage").await.unwrap(),
        401,
        "E0000011",
        "Invalid token provided",
    )
    .await;
}

// ----------------------------------------------------------------------------------------------
// The browserless flow

#[tokio::test]
async fn spa_code_flow_with_pkce_on_the_default_server() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let state = "st-8600b31f.1_~+:x";
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "spa-client"),
                ("response_type", "code"),
                ("response_mode", "form_post"),
                ("scope", "openid profile email offline_access"),
                ("redirect_uri", SPA_CB),
                ("state", state),
                ("nonce", "nonce-1"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("sid=102"))
    );
    let page = res.text().await.unwrap();
    assert!(page.contains(
        "<form id=\"appForm\" method=\"post\" name=\"oauthResponse\" action=\"http&#x3a;&#x2f;&#x2f;localhost&#x3a;8080&#x2f;login&#x2f;callback\">"
    ));
    assert!(page.contains("<title>Test Org - Signing in...</title>"));
    assert!(page.contains("document.forms['appForm'].submit()"));
    assert!(page.contains("value=\"st-8600b31f.1_&#x7e;&#x2b;&#x3a;x\""));
    assert_eq!(form_action(&page).as_deref(), Some(SPA_CB));
    let fields = form_fields(&page);
    assert_eq!(fields["state"], state);
    let code = fields["code"].clone();
    assert_eq!(code.len(), 43);
    assert_eq!(fields.len(), 2, "{fields:?}");

    let res = org
        .token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", SPA_CB),
                ("client_id", "spa-client"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/json;charset=UTF-8"
    );
    assert_eq!(res.headers()["cache-control"], "no-cache, no-store");
    assert_eq!(res.headers()["x-rate-limit-limit"], "10000");
    let text = res.text().await.unwrap();
    assert_increasing(&key_order(
        &text,
        &[
            "token_type",
            "expires_in",
            "access_token",
            "scope",
            "refresh_token",
            "id_token",
        ],
    ));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["scope"], "openid profile email offline_access");
    assert_eq!(v["refresh_token"].as_str().unwrap().len(), 43);

    let alice_id = {
        let at = v["access_token"].as_str().unwrap();
        let header = jwt_part(at, 0);
        assert_eq!(header, json!({"kid": kid(at), "alg": "RS256"}));
        assert_eq!(kid(at).len(), 43);
        let c = claims(at);
        assert_eq!(c["ver"], 1);
        assert!(c["jti"].as_str().unwrap().starts_with("AT."));
        assert_eq!(c["iss"], org.fake.issuer("default"));
        assert_eq!(c["aud"], "api://default");
        assert_eq!(c["cid"], "spa-client");
        assert_eq!(c["sub"], "alice@example.com");
        assert_eq!(
            c["scp"],
            json!(["openid", "profile", "email", "offline_access"])
        );
        assert_eq!(c["groups"], json!(["Everyone", "admins"]));
        assert_eq!(c["tier"], "gold");
        assert_eq!(c["department"], "eng");
        assert_eq!(
            c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
            3600
        );
        let payload = String::from_utf8(b64url(at.split('.').nth(1).unwrap())).unwrap();
        assert_increasing(&key_order(
            &payload,
            &[
                "ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub",
            ],
        ));
        c["uid"].as_str().unwrap().to_owned()
    };
    let id = v["id_token"].as_str().unwrap();
    let c = claims(id);
    assert_eq!(c["sub"], alice_id.as_str());
    assert!(alice_id.starts_with("00u") && alice_id.len() == 20);
    assert_eq!(c["aud"], "spa-client");
    assert_eq!(c["iss"], org.fake.issuer("default"));
    assert_eq!(c["nonce"], "nonce-1");
    assert_eq!(c["name"], "Alice Anderson");
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(c["preferred_username"], "alice@example.com");
    assert_eq!(c["amr"], json!(["pwd"]));
    assert!(c["idp"].as_str().unwrap().starts_with("00o"));
    assert!(c["jti"].as_str().unwrap().starts_with("ID."));
    assert_eq!(c["at_hash"].as_str().unwrap().len(), 22);
    assert!(c["auth_time"].as_u64().unwrap() <= c["iat"].as_u64().unwrap());
    // With an access token alongside, profile details stay in /userinfo (as Okta does).
    assert!(c.get("given_name").is_none());
    assert_eq!(kid(id), kid(v["access_token"].as_str().unwrap()));

    let stats = org.fake.stats();
    assert_eq!(
        stats.sign_ins("alice@example.com", "spa-client", "default"),
        1
    );
    assert_eq!(stats.total_sign_ins(), 1);
    assert_eq!(stats.requests("authorize"), 1);
    assert_eq!(stats.requests("token"), 1);
    let (_, _, over_http) =
        json_of(org.http.get(org.url("/_fake/stats")).send().await.unwrap()).await;
    assert_eq!(over_http, serde_json::to_value(&stats).unwrap());
    assert_eq!(over_http["sign_ins"][0]["client_id"], "spa-client");
}

#[tokio::test]
async fn codes_are_single_use_bound_and_expire() {
    let org = Org::start().await;
    let redeem =
        |code: String, client: &'static str, redirect: &'static str, verifier: &'static str| {
            let org = &org;
            async move {
                org.token(
                    "default",
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", redirect),
                        ("client_id", client),
                        ("code_verifier", verifier),
                    ],
                )
                .await
            }
        };
    let code = org
        .spa_code("default", "alice@example.com", "correct-horse", "openid")
        .await;
    assert_eq!(
        redeem(code.clone(), "spa-client", SPA_CB, VERIFIER)
            .await
            .status(),
        200
    );
    let invalid = "The authorization code is invalid or has expired.";
    assert_oauth_error(
        redeem(code, "spa-client", SPA_CB, VERIFIER).await,
        400,
        "invalid_grant",
        invalid,
    )
    .await;

    let code = org
        .spa_code("default", "alice@example.com", "correct-horse", "openid")
        .await;
    org.clock.advance(Duration::from_secs(301));
    assert_oauth_error(
        redeem(code, "spa-client", SPA_CB, VERIFIER).await,
        400,
        "invalid_grant",
        invalid,
    )
    .await;

    let code = org
        .spa_code("default", "alice@example.com", "correct-horse", "openid")
        .await;
    assert_oauth_error(
        redeem(
            code,
            "spa-client",
            "http://localhost:8080/elsewhere",
            VERIFIER,
        )
        .await,
        400,
        "invalid_grant",
        "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
    )
    .await;

    let code = org
        .spa_code("default", "alice@example.com", "correct-horse", "openid")
        .await;
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", SPA_CB),
                ("client_id", "post-client"),
                ("client_secret", "post-secret"),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_grant",
        "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.",
    )
    .await;

    let code = org
        .spa_code("default", "alice@example.com", "correct-horse", "openid")
        .await;
    let res = org
        .token(
            "org",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", SPA_CB),
                ("client_id", "spa-client"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_request",
        "The grant was issued for another authorization server.",
    )
    .await;

    // Okta allows a user 4 sign-ins a second; bob takes the rest of this test.
    let wrong = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag";
    let code = org
        .spa_code("default", "bob@example.com", "battery-staple", "openid")
        .await;
    assert_oauth_error(
        redeem(code, "spa-client", SPA_CB, wrong).await,
        400,
        "invalid_grant",
        "PKCE verification failed.",
    )
    .await;
    let code = org
        .spa_code("default", "bob@example.com", "battery-staple", "openid")
        .await;
    assert_oauth_error(
        redeem(code, "spa-client", SPA_CB, "too-short").await,
        400,
        "invalid_grant",
        "PKCE verification failed: The code_verifier must have a minimum length of 43 characters and a maximum length of 128 characters..",
    )
    .await;
    let code = org
        .spa_code("default", "bob@example.com", "battery-staple", "openid")
        .await;
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", SPA_CB),
                ("client_id", "spa-client"),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_request",
        "PKCE code verifier is required by the application.",
    )
    .await;
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("redirect_uri", SPA_CB),
                ("client_id", "spa-client"),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_request",
        "The required parameter 'code' is missing.",
    )
    .await;
}

#[tokio::test]
async fn session_tokens_are_single_use_and_expire() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let params = |token: &str, prompt: Option<&'static str>| {
        let mut p = vec![
            ("client_id", "spa-client".to_owned()),
            ("response_type", "code".to_owned()),
            ("response_mode", "form_post".to_owned()),
            ("scope", "openid".to_owned()),
            ("redirect_uri", SPA_CB.to_owned()),
            ("state", "s1".to_owned()),
            ("code_challenge", CHALLENGE.to_owned()),
            ("code_challenge_method", "S256".to_owned()),
            ("sessionToken", token.to_owned()),
        ];
        if let Some(pr) = prompt {
            p.push(("prompt", pr.to_owned()));
        }
        p
    };
    let call = |p: Vec<(&'static str, String)>| {
        let org = &org;
        async move {
            let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            org.authorize("default", &p).await
        }
    };
    let first = call(params(&st, Some("none"))).await;
    assert!(form_fields(&first.text().await.unwrap()).contains_key("code"));
    let again = call(params(&st, Some("none"))).await;
    let fields = form_fields(&again.text().await.unwrap());
    assert_eq!(fields["error"], "login_required");
    assert_eq!(
        fields["error_description"],
        "The client specified not to prompt, but the user is not logged in."
    );
    assert_eq!(fields["state"], "s1");

    // Without prompt=none: Okta's sign-in page, no form to mistake for an answer.
    let res = call(params(&st, None)).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Sign In"));
    assert!(!page.contains("appForm"));
    assert!(form_fields(&page).is_empty());

    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    org.clock.advance(Duration::from_secs(301));
    let fields = form_fields(&call(params(&st, Some("none"))).await.text().await.unwrap());
    assert_eq!(fields["error"], "login_required");
    let fields = form_fields(
        &call(params("20111garbage", Some("none")))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(fields["error"], "login_required");
}

#[tokio::test]
async fn a_session_cookie_wins_over_a_session_token() {
    let org = Org::start().await;
    let alice_st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let p = |st: &str| -> Vec<(&'static str, String)> {
        vec![
            ("client_id", "legacy-client".into()),
            ("response_type", "id_token".into()),
            ("response_mode", "form_post".into()),
            ("scope", "openid".into()),
            ("redirect_uri", LEGACY_CB.into()),
            ("state", "s".into()),
            ("nonce", "n".into()),
            ("prompt", "none".into()),
            ("sessionToken", st.into()),
        ]
    };
    let as_ref = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    let pairs = as_ref(&p(&alice_st));
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = org.authorize("org", &pairs).await;
    let sid = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sid="))
        .unwrap();
    let sid = sid.split(';').next().unwrap().to_owned();
    let alice = claims(&form_fields(&res.text().await.unwrap())["id_token"]);

    // Bob's sessionToken with Alice's cookie: Classic ignores the token. Alice's tokens come
    // back, which is why a client must never keep cookies between sign-ins.
    let bob_st = org.session_token("bob@example.com", "battery-staple").await;
    let pairs = p(&bob_st);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = org
        .authorize_with("org", &pairs, Some(&format!("t=default; {sid}")))
        .await;
    let got = claims(&form_fields(&res.text().await.unwrap())["id_token"]);
    assert_eq!(got["sub"], alice["sub"]);

    // Bob's token was ignored, not spent: without the cookie it signs Bob in.
    let res = org.authorize("org", &pairs).await;
    let bob = claims(&form_fields(&res.text().await.unwrap())["id_token"]);
    assert_ne!(bob["sub"], alice["sub"]);
    let stats = org.fake.stats();
    assert_eq!(
        stats.sign_ins("alice@example.com", "legacy-client", "org"),
        2
    );
    assert_eq!(stats.sign_ins("bob@example.com", "legacy-client", "org"), 1);
}

#[tokio::test]
async fn client_and_redirect_problems_get_okta_error_pages() {
    let org = Org::start().await;
    let base = [
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let page = |extra: Vec<(&'static str, &'static str)>| {
        let org = &org;
        async move {
            let mut p: Vec<(&str, &str)> = base.to_vec();
            p.extend(extra);
            let res = org.authorize("default", &p).await;
            assert_eq!(res.status(), 400);
            assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
            assert!(res.headers().get("location").is_none());
            decode_entities(&res.text().await.unwrap())
        }
    };
    let text = page(vec![("client_id", "nope"), ("redirect_uri", SPA_CB)]).await;
    assert!(
        text.contains("invalid_client")
            && text.contains("Invalid value for 'client_id' parameter.")
    );
    let text = page(vec![
        ("client_id", "spa-client"),
        ("redirect_uri", "http://evil.example/cb"),
    ])
    .await;
    assert!(text.contains(
        "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings"
    ));
    let text = page(vec![("client_id", "spa-client")]).await;
    assert!(text.contains("redirect_uri is missing."));
    let text = page(vec![
        ("client_id", "reports-client"),
        ("redirect_uri", SPA_CB),
    ])
    .await;
    assert!(text.contains("Clients with 'application_type' of 'service' are not allowed"));
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "spa-client"),
                ("redirect_uri", SPA_CB),
                ("response_type", "code"),
                ("state", "a|b"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        decode_entities(&res.text().await.unwrap())
            .contains("The authentication request has an invalid 'state' parameter.")
    );
    let res = org
        .http
        .get(org.url("/oauth2/default/v1/authorize?client_id=spa-client&client_id=spa-client"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        decode_entities(&res.text().await.unwrap())
            .contains("The request contained multiple parameters with the same name.")
    );
    let res = org
        .authorize("nosuch", &[("client_id", "spa-client")])
        .await;
    assert_okta_error(
        res,
        404,
        "E0000007",
        "Not found: Resource not found: nosuch (AuthorizationServer)",
    )
    .await;
}

#[tokio::test]
async fn later_problems_go_back_through_the_response_mode() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let run = |extra: Vec<(&'static str, &'static str)>, client: &'static str, cb: &'static str| {
        let org = &org;
        let st = st.clone();
        async move {
            let mut p: Vec<(&str, &str)> = vec![
                ("client_id", client),
                ("redirect_uri", cb),
                ("state", "s-9"),
                ("sessionToken", &st),
            ];
            if !extra.iter().any(|(k, _)| *k == "prompt") {
                p.push(("prompt", "none"));
            }
            p.extend(extra);
            org.authorize("default", &p).await
        }
    };
    // Query mode (the default for code): 302, no body, error in the query.
    let res = run(
        vec![("response_type", "code"), ("scope", "openid")],
        "spa-client",
        SPA_CB,
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["content-length"], "0");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{SPA_CB}?"))
    );
    let q = location_params(&res, '?');
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(
        q["error_description"],
        "PKCE code challenge is required by the application."
    );
    assert_eq!(q["state"], "s-9");

    // (extra parameters, error, error_description, where the error travels)
    type Case = (
        Vec<(&'static str, &'static str)>,
        &'static str,
        &'static str,
        char,
    );
    let cases: Vec<Case> = vec![
        (
            vec![
                ("response_type", "token"),
                ("scope", "openid"),
                ("nonce", "n"),
            ],
            "unsupported_response_type",
            "The response type is not supported by the authorization server. Configured response types: [code].",
            '#',
        ),
        (
            vec![
                ("response_type", "code"),
                ("response_mode", "nope"),
                ("scope", "openid"),
            ],
            "unsupported_response_mode",
            "The response mode is not supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("response_mode", "okta_post_message"),
                ("scope", "openid"),
            ],
            "unsupported_response_mode",
            "'okta_post_message' response mode cannot be used with the 'code' response type.",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
            "PKCE code challenge method is not supported. Valid values: [S256]",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", "bad+chars="),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
            "PKCE code challenge contains illegal characters.",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("scope", "openid nope:scope"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("scope", "profile"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "invalid_scope",
            "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope.",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
            '?',
        ),
        (
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("prompt", "select_account"),
            ],
            "invalid_request",
            "Invalid value for 'prompt' parameter. Supported values: [none, login, consent, login consent]",
            '?',
        ),
    ];
    for (extra, error, description, sep) in cases {
        let res = run(extra.clone(), "spa-client", SPA_CB).await;
        assert_eq!(res.status(), 302, "{extra:?}");
        let p = location_params(&res, sep);
        assert_eq!(
            (p["error"].as_str(), p["error_description"].as_str()),
            (error, description),
            "{extra:?}"
        );
    }

    // The implicit app: nonce required, query mode refused for tokens.
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("response_type", "id_token"),
                ("scope", "openid"),
            ],
        )
        .await;
    let p = location_params(&res, '#');
    assert_eq!(
        p["error_description"],
        "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types.."
    );
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("response_type", "id_token"),
                ("response_mode", "query"),
                ("scope", "openid"),
                ("nonce", "n"),
            ],
        )
        .await;
    let p = location_params(&res, '#');
    assert_eq!(
        p["error_description"],
        "'query' response mode cannot be used with either the 'id_token' or 'token' response types."
    );
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("response_type", "id_token"),
                ("scope", "openid orders:read"),
                ("nonce", "n"),
            ],
        )
        .await;
    let p = location_params(&res, '#');
    assert_eq!(p["error"], "invalid_scope");

    // A user not assigned to the app.
    let st = org.session_token("outsider@example.com", "pw-out").await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "spa-client"),
                ("redirect_uri", SPA_CB),
                ("state", "s"),
                ("response_type", "code"),
                ("response_mode", "form_post"),
                ("scope", "openid"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("sessionToken", &st),
                ("prompt", "none"),
            ],
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(page.contains(
        "User&#x20;is&#x20;not&#x20;assigned&#x20;to&#x20;the&#x20;client&#x20;application."
    ));
    let f = form_fields(&page);
    assert_eq!(f["error"], "access_denied");
    assert_eq!(
        f["error_description"],
        "User is not assigned to the client application."
    );
    assert_eq!(org.fake.stats().total_sign_ins(), 0);
}

#[tokio::test]
async fn implicit_flow_on_the_org_server_uses_two_keys() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("response_type", "id_token token"),
                ("scope", "openid profile email groups offline_access"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("nonce", "n-2"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["content-length"], "0");
    let f = location_params(&res, '#');
    assert_eq!(f["token_type"], "Bearer");
    assert_eq!(f["expires_in"], "3600");
    // offline_access means nothing without a code.
    assert_eq!(f["scope"], "openid profile email groups");
    assert_eq!(f["state"], "s");
    let (at, id) = (&f["access_token"], &f["id_token"]);
    assert_ne!(kid(at), kid(id), "org access tokens use their own key");
    let a = claims(at);
    assert_eq!(a["iss"], org.fake.org_url());
    assert_eq!(a["aud"], org.fake.org_url());
    assert_eq!(a["sub"], "alice@example.com");
    let i = claims(id);
    assert_eq!(i["iss"], org.fake.org_url());
    assert_eq!(i["nonce"], "n-2");
    assert_eq!(i["at_hash"].as_str().unwrap().len(), 22);
    assert_eq!(i["name"], "Alice Anderson");
    assert!(i.get("groups").is_none() && i.get("email_verified").is_none());

    let (_, h, keys) = json_of(
        org.http
            .get(org.url("/oauth2/v1/keys"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(h["cache-control"], "max-age=86400, must-revalidate");
    assert!(h.get("x-rate-limit-limit").is_none());
    let kids: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&kid(at).as_str()) && kids.contains(&kid(id).as_str()));
    let k = &keys["keys"][0];
    assert_eq!(
        (
            k["kty"].as_str(),
            k["alg"].as_str(),
            k["use"].as_str(),
            k["e"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"), Some("AQAB"))
    );
    let (_, _, custom) = json_of(
        org.http
            .get(org.url("/oauth2/default/v1/keys"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(custom["keys"].as_array().unwrap().len(), 1);
    assert_eq!(custom["keys"][0]["kid"], kid(id).as_str());
}

#[tokio::test]
async fn id_token_alone_carries_every_requested_claim() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "idonly-client"),
                ("response_type", "id_token"),
                ("response_mode", "form_post"),
                ("scope", "openid profile email"),
                ("redirect_uri", "http://localhost:8080/id/callback"),
                ("state", "s"),
                ("nonce", "n"),
                ("sessionToken", &st),
            ],
        )
        .await;
    let f = form_fields(&res.text().await.unwrap());
    assert_eq!(f.keys().collect::<Vec<_>>(), ["id_token", "state"]);
    let c = claims(&f["id_token"]);
    assert_eq!(c["given_name"], "Alice");
    assert_eq!(c["family_name"], "Anderson");
    assert_eq!(c["email_verified"], true);
    assert_eq!(c["locale"], "en-US");
    assert!(c.get("at_hash").is_none());
    // okta_post_message: a script page, values JavaScript-escaped.
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "idonly-client"),
                ("response_type", "id_token"),
                ("response_mode", "okta_post_message"),
                ("scope", "openid"),
                ("redirect_uri", "http://localhost:8080/id/callback"),
                ("state", "a-b"),
                ("nonce", "n"),
                ("sessionToken", &st),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("data.state = 'a\\x2Db';"), "{page}");
    assert!(page.contains("data.id_token = 'eyJ"));
    assert!(
        page.contains("window.parent.postMessage(data, 'http\\x3A\\x2F\\x2Flocalhost\\x3A8080');")
    );
    assert!(!page.contains("appForm"));
    // And a token response type the app does not allow.
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "idonly-client"),
                ("response_type", "id_token token"),
                ("scope", "openid"),
                ("redirect_uri", "http://localhost:8080/id/callback"),
                ("state", "s"),
                ("nonce", "n"),
            ],
        )
        .await;
    assert_eq!(
        location_params(&res, '#')["error_description"],
        "The response type is not supported by the authorization server. Configured response types: [id_token]."
    );
}

#[tokio::test]
async fn web_app_with_query_mode_and_both_secret_methods() {
    let org = Org::start().await;
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "web-client"),
                ("response_type", "code"),
                ("scope", "openid orders:read"),
                ("redirect_uri", WEB_CB),
                ("state", "s"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    let code = location_params(&res, '?')["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_CB),
    ];
    let url = org.url("/oauth2/default/v1/token");
    let wrong = org
        .http
        .post(&url)
        .basic_auth("web-client", Some("nope"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        wrong,
        401,
        "invalid_client",
        "The client secret supplied for a confidential client is invalid.",
    )
    .await;
    // The failed attempt did not spend the code: client authentication comes first.
    let ok = org
        .http
        .post(&url)
        .basic_auth("web-client", Some("web-secret"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let (s, _, v) = json_of(ok).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "openid orders:read");
    assert!(v.get("refresh_token").is_none());
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["scp"],
        json!(["openid", "orders:read"])
    );

    // client_secret_post app.
    let st = org
        .session_token("alice@example.com", "correct-horse")
        .await;
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "post-client"),
                ("response_type", "code"),
                ("scope", "openid"),
                ("redirect_uri", "http://localhost:8080/post/callback"),
                ("state", "s"),
                ("sessionToken", &st),
            ],
        )
        .await;
    let code = location_params(&res, '?')["code"].clone();
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://localhost:8080/post/callback"),
                ("client_id", "post-client"),
                ("client_secret", "post-secret"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    let e = |res: Response, d: &'static str| assert_oauth_error(res, 401, "invalid_client", d);
    e(
        org.token("default", &[("grant_type", "authorization_code")])
            .await,
        "No client credentials found.",
    )
    .await;
    e(
        org.token(
            "default",
            &[("grant_type", "authorization_code"), ("client_id", "nope")],
        )
        .await,
        "Invalid value for 'client_id' parameter.",
    )
    .await;
    e(
        org.token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "web-client"),
            ],
        )
        .await,
        "Client authentication failed. Either the client or the client credentials are invalid.",
    )
    .await;
    e(
        org.token(
            "default",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "web-client"),
                ("client_secret", "web-secret"),
            ],
        )
        .await,
        "Client authentication failed. Either the client or the client credentials are invalid.",
    )
    .await;
    let res = org
        .http
        .post(&url)
        .header("authorization", "Basic %%%")
        .form(&[("grant_type", "x")])
        .send()
        .await
        .unwrap();
    e(
        res,
        "Found Authentication header but was not valid client credentials.",
    )
    .await;
    let res = org
        .http
        .post(&url)
        .basic_auth("web-client", Some("web-secret"))
        .form(&[("client_secret", "web-secret")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res, 401, "invalid_request",
        "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
    ).await;
    let res = org
        .http
        .post(format!("{url}?client_secret=x"))
        .form(&[("grant_type", "x")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res,
        400,
        "invalid_request",
        "Client credentials cannot be supplied via query parameters.",
    )
    .await;
    let res = org.token("default", &[("client_id", "spa-client")]).await;
    assert_oauth_error(
        res, 400, "invalid_request",
        "The token request must specify a 'grant_type'. Valid values: [authorization_code, password, refresh_token, client_credentials]",
    ).await;
    let res = org
        .token(
            "default",
            &[("client_id", "spa-client"), ("grant_type", "urn:x")],
        )
        .await;
    assert_oauth_error(
        res, 400, "unsupported_grant_type",
        "The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, implicit, refresh_token, password, client_credentials].",
    ).await;
}

#[tokio::test]
async fn refresh_tokens_rotate_for_spas_with_grace_and_reuse_detection() {
    let org = Org::start().await;
    let v = org
        .spa_tokens(
            "alice@example.com",
            "correct-horse",
            "openid profile offline_access",
        )
        .await;
    let first = v["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |t: String, scope: Option<&'static str>| {
        let org = &org;
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", t.as_str()),
                ("client_id", "spa-client"),
            ];
            if let Some(s) = scope {
                form.push(("scope", s));
            }
            org.token("default", &form).await
        }
    };
    let (s, _, v) = json_of(refresh(first.clone(), None).await).await;
    assert_eq!(s, 200, "{v}");
    let second = v["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert!(v["id_token"].is_string());
    let id = claims(v["id_token"].as_str().unwrap());
    assert!(id.get("nonce").is_none());
    let (s, _, v) = json_of(refresh(second.clone(), Some("openid")).await).await;
    assert_eq!(s, 200);
    assert_eq!(v["scope"], "openid");
    let third = v["refresh_token"].as_str().unwrap().to_owned();
    assert_oauth_error(
        refresh(third.clone(), Some("openid email")).await,
        400,
        "access_denied",
        "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [email].",
    )
    .await;
    // Within the 30 s grace a rotated-out token still works…
    org.clock.advance(Duration::from_secs(10));
    assert_eq!(refresh(first.clone(), None).await.status(), 200);
    // …after it, its reuse revokes the whole family.
    org.clock.advance(Duration::from_secs(31));
    let invalid = "The refresh token is invalid or expired.";
    assert_oauth_error(refresh(first, None).await, 400, "invalid_grant", invalid).await;
    assert_oauth_error(refresh(third, None).await, 400, "invalid_grant", invalid).await;
    assert_oauth_error(
        refresh("unknown".into(), None).await,
        400,
        "invalid_grant",
        invalid,
    )
    .await;
}

#[tokio::test]
async fn refresh_tokens_are_static_for_web_apps_and_need_offline_access() {
    let org = Org::start().await;
    let code = web_code(&org, "openid offline_access").await;
    let url = org.url("/oauth2/default/v1/token");
    let post = |form: Vec<(&'static str, String)>| {
        org.http
            .post(&url)
            .basic_auth("web-client", Some("web-secret"))
            .form(&form)
            .send()
    };
    let (_, _, v) = json_of(
        post(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", WEB_CB.into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (s, _, v) = json_of(
            post(vec![
                ("grant_type", "refresh_token".into()),
                ("refresh_token", rt.clone()),
            ])
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(v["refresh_token"], rt.as_str());
    }
    // Another client cannot use it.
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", "spa-client"),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_grant",
        "The refresh token is invalid or expired.",
    )
    .await;
    // Without offline_access there is none.
    let v = org
        .spa_tokens("alice@example.com", "correct-horse", "openid")
        .await;
    assert!(v.get("refresh_token").is_none());
}

#[tokio::test]
async fn client_credentials_for_service_apps_on_custom_servers_only() {
    let org = Org::start().await;
    let url = org.url("/oauth2/default/v1/token");
    let cc = |scope: &'static str, server_url: String, id: &'static str, secret: &'static str| {
        let org = &org;
        async move {
            org.http
                .post(server_url)
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials"), ("scope", scope)])
                .send()
                .await
                .unwrap()
        }
    };
    let (s, _, v) = json_of(
        cc(
            "reports:read",
            url.clone(),
            "reports-client",
            "reports-secret",
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "reports:read");
    assert!(v.get("id_token").is_none() && v.get("refresh_token").is_none());
    let c = claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], "reports-client");
    assert_eq!(c["cid"], "reports-client");
    assert!(c.get("uid").is_none());
    assert_eq!(c["tier"], "gold");
    assert!(c.get("groups").is_none());

    assert_oauth_error(
        cc(
            "openid reports:read",
            url.clone(),
            "reports-client",
            "reports-secret",
        )
        .await,
        400,
        "invalid_scope",
        "Cannot request 'openid' scopes using client credentials.",
    )
    .await;
    assert_oauth_error(
        cc("nope", url.clone(), "reports-client", "reports-secret").await,
        400,
        "invalid_scope",
        "One or more scopes are not configured for the authorization server resource.",
    )
    .await;
    assert_oauth_error(
        cc("reports:read", org.url("/oauth2/v1/token"), "reports-client", "reports-secret").await,
        401, "invalid_client",
        "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
    ).await;
    assert_oauth_error(
        cc("reports:read", url.clone(), "web-client", "web-secret").await,
        400, "unauthorized_client",
        "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token].",
    ).await;
    let res = org
        .http
        .post(&url)
        .basic_auth("reports-client", Some("reports-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res, 400, "invalid_scope",
        "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
    ).await;
}

#[tokio::test]
async fn password_grant_only_where_enabled() {
    let org = Org::start().await;
    let url = org.url("/oauth2/default/v1/token");
    let ropc = |user: &'static str, pw: &'static str| {
        org.http
            .post(&url)
            .basic_auth("ropc-client", Some("ropc-secret"))
            .form(&[
                ("grant_type", "password"),
                ("username", user),
                ("password", pw),
                ("scope", "openid email offline_access"),
            ])
            .send()
    };
    let (s, _, v) = json_of(ropc("bob@example.com", "battery-staple").await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["refresh_token"].is_string() && v["id_token"].is_string());
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["sub"],
        "bob@example.com"
    );
    assert_eq!(
        org.fake
            .stats()
            .sign_ins("bob@example.com", "ropc-client", "default"),
        1
    );
    assert_oauth_error(
        ropc("bob@example.com", "nope").await.unwrap(),
        400,
        "invalid_grant",
        "The credentials provided were invalid.",
    )
    .await;
    assert_oauth_error(
        ropc("mfa@example.com", "pw-mfa").await.unwrap(),
        400,
        "invalid_grant",
        "Resource owner password credentials cannot be used with MFA enabled.",
    )
    .await;
    let res = org
        .http
        .post(&url)
        .basic_auth("web-client", Some("web-secret"))
        .form(&[
            ("grant_type", "password"),
            ("username", "bob@example.com"),
            ("password", "battery-staple"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res, 400, "unauthorized_client",
        "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token].",
    ).await;
}

#[tokio::test]
async fn browser_requests_to_token_follow_okta_rules() {
    let org = Org::start().await;
    let code = org
        .spa_code(
            "default",
            "alice@example.com",
            "correct-horse",
            "openid offline_access",
        )
        .await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header("origin", "http://localhost:8080")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", SPA_CB),
            ("client_id", "spa-client"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header("origin", "http://evil.example")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", SPA_CB),
            ("client_id", "spa-client"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_oauth_error(res, 400, "invalid_request", "Browser requests to the token endpoint must be part of at least one whitelisted redirect_uri.").await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header("origin", "http://localhost:8080")
        .basic_auth("ropc-client", Some("ropc-secret"))
        .form(&[
            ("grant_type", "password"),
            ("username", "bob@example.com"),
            ("password", "battery-staple"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res,
        400,
        "unauthorized_client",
        "Browser requests to the token endpoint may only use the authorization_code grant_type.",
    )
    .await;
    // A web app's code without PKCE from a browser.
    let code = web_code(&org, "openid").await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header("origin", "http://localhost:8080")
        .basic_auth("web-client", Some("web-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", WEB_CB),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res,
        401,
        "invalid_client",
        "Browser requests to the token endpoint must use Proof Key for Code Exchange.",
    )
    .await;
    let res = org
        .http
        .request(
            reqwest::Method::OPTIONS,
            org.url("/oauth2/default/v1/token"),
        )
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
}

// ----------------------------------------------------------------------------------------------
// Discovery, userinfo, introspect, revoke

#[tokio::test]
async fn discovery_documents_for_every_server() {
    let org = Org::start().await;
    let get = |path: &'static str| {
        let org = &org;
        async move { json_of(org.http.get(org.url(path)).send().await.unwrap()).await }
    };
    let (s, h, d) = get("/.well-known/openid-configuration").await;
    assert_eq!(s, 200);
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert_eq!(d["issuer"], org.fake.org_url());
    assert_eq!(d["authorization_endpoint"], org.url("/oauth2/v1/authorize"));
    assert_eq!(d["token_endpoint"], org.url("/oauth2/v1/token"));
    assert_eq!(d["userinfo_endpoint"], org.url("/oauth2/v1/userinfo"));
    assert_eq!(d["jwks_uri"], org.url("/oauth2/v1/keys"));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert!(
        d["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("groups"))
    );
    assert!(
        !d["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_credentials"))
    );

    let (_, _, d) = get("/oauth2/default/.well-known/openid-configuration").await;
    assert_eq!(d["issuer"], org.fake.issuer("default"));
    assert_eq!(
        d["introspection_endpoint"],
        org.url("/oauth2/default/v1/introspect")
    );
    assert_eq!(
        d["revocation_endpoint"],
        org.url("/oauth2/default/v1/revoke")
    );
    let scopes = d["scopes_supported"].as_array().unwrap();
    for s in ["openid", "offline_access", "orders:read", "reports:read"] {
        assert!(scopes.contains(&json!(s)), "{s}");
    }
    for path in [
        "/oauth2/default/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/oauth2/default",
    ] {
        let (s, _, d) = get(path).await;
        assert_eq!(s, 200, "{path}");
        assert_eq!(d["issuer"], org.fake.issuer("default"));
        assert!(d.get("userinfo_endpoint").is_none());
        assert!(
            d["claims_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("scp"))
        );
    }
    let (_, _, d) = get("/.well-known/oauth-authorization-server").await;
    assert_eq!(d["issuer"], org.fake.org_url());
    let res = org
        .http
        .get(org.url("/oauth2/nosuch/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_okta_error(
        res,
        404,
        "E0000007",
        "Not found: Resource not found: nosuch (AuthorizationServer)",
    )
    .await;
    let res = org
        .http
        .get(org.url("/oauth2/org/v1/keys"))
        .send()
        .await
        .unwrap();
    assert_okta_error(
        res,
        404,
        "E0000007",
        "Not found: Resource not found: org (AuthorizationServer)",
    )
    .await;
    assert_eq!(org.fake.stats().requests("discovery"), 6);
}

#[tokio::test]
async fn userinfo_answers_by_scope_and_refuses_bad_tokens() {
    let org = Org::start().await;
    let v = org
        .spa_tokens("alice@example.com", "correct-horse", "openid profile email")
        .await;
    let at = v["access_token"].as_str().unwrap().to_owned();
    let url = org.url("/oauth2/default/v1/userinfo");
    let (s, _, u) = json_of(org.http.get(&url).bearer_auth(&at).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(u["sub"], claims(&at)["uid"]);
    assert_eq!(u["email"], "alice@example.com");
    assert_eq!(u["given_name"], "Alice");
    assert_eq!(u["preferred_username"], "alice@example.com");
    let (s, _, u2) = json_of(
        org.http
            .post(&url)
            .form(&[("access_token", at.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, &u2), (StatusCode::OK, &u));

    let challenge = |res: &Response| {
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let res = org.http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_request", error_description="The access token is missing.""#
    );
    let res = org
        .http
        .get(&url)
        .bearer_auth("not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_token", error_description="The access token is invalid.""#
    );
    assert_eq!(res.text().await.unwrap(), "");
    // A token from another server is not this server's.
    let res = org
        .http
        .get(org.url("/oauth2/v1/userinfo"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Tampered: another user's claims with Alice's signature.
    let parts: Vec<&str> = at.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1].replacen('e', "f", 1),
        parts[2]
    );
    assert_eq!(
        org.http
            .get(&url)
            .bearer_auth(&forged)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Without openid: 403 insufficient_scope.
    let code = web_code(&org, "orders:read").await;
    let (_, _, v) = json_of(
        org.http
            .post(org.url("/oauth2/default/v1/token"))
            .basic_auth("web-client", Some("web-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", WEB_CB),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(v.get("id_token").is_none());
    let res = org
        .http
        .get(&url)
        .bearer_auth(v["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(challenge(&res).contains("insufficient_scope"));
    // Expired.
    org.clock.advance(Duration::from_secs(3601));
    let res = org.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_token", error_description="The token has expired.""#
    );
}

#[tokio::test]
async fn introspect_and_revoke() {
    let org = Org::start().await;
    let v = org
        .spa_tokens(
            "alice@example.com",
            "correct-horse",
            "openid offline_access",
        )
        .await;
    let (at, rt, id) = (
        v["access_token"].as_str().unwrap().to_owned(),
        v["refresh_token"].as_str().unwrap().to_owned(),
        v["id_token"].as_str().unwrap().to_owned(),
    );
    let post = |path: &'static str, token: String, hint: Option<&'static str>| {
        let org = &org;
        async move {
            let mut form = vec![("token", token), ("client_id", "spa-client".to_owned())];
            if let Some(h) = hint {
                form.push(("token_type_hint", h.to_owned()));
            }
            org.http
                .post(org.url(path))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    const INTROSPECT: &str = "/oauth2/default/v1/introspect";
    const REVOKE: &str = "/oauth2/default/v1/revoke";
    let (s, _, i) = json_of(post(INTROSPECT, at.clone(), None).await).await;
    assert_eq!(s, 200);
    assert_eq!(i["active"], true);
    assert_eq!(i["token_type"], "Bearer");
    assert_eq!(i["client_id"], "spa-client");
    assert_eq!(i["username"], "alice@example.com");
    assert_eq!(i["scope"], "openid offline_access");
    assert!(i["jti"].as_str().unwrap().starts_with("AT."));
    let (_, _, i) = json_of(post(INTROSPECT, rt.clone(), Some("refresh_token")).await).await;
    assert_eq!(
        (i["active"].as_bool(), i["client_id"].as_str()),
        (Some(true), Some("spa-client"))
    );
    let (_, _, i) = json_of(post(INTROSPECT, id.clone(), Some("id_token")).await).await;
    assert_eq!(i["active"], true);
    let (_, _, i) = json_of(post(INTROSPECT, "garbage".into(), None).await).await;
    assert_eq!(i, json!({"active": false}));

    // Public clients may name themselves in the query string.
    let res = org
        .http
        .post(format!("{}?client_id=spa-client", org.url(INTROSPECT)))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await.2["active"], true);
    assert_oauth_error(
        org.http
            .post(org.url(INTROSPECT))
            .form(&[("token", "x")])
            .send()
            .await
            .unwrap(),
        401,
        "invalid_client",
        "No client credentials found.",
    )
    .await;
    assert_oauth_error(
        org.http
            .post(org.url(INTROSPECT))
            .form(&[("client_id", "spa-client")])
            .send()
            .await
            .unwrap(),
        400,
        "invalid_request",
        "The 'token' parameter is required.",
    )
    .await;

    // Another client cannot revoke it.
    let res = org
        .http
        .post(org.url(REVOKE))
        .basic_auth("web-client", Some("web-secret"))
        .form(&[("token", at.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        json_of(post(INTROSPECT, at.clone(), None).await).await.2["active"],
        true
    );
    let res = post(REVOKE, at.clone(), Some("access_token")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "");
    assert_eq!(
        json_of(post(INTROSPECT, at.clone(), None).await).await.2["active"],
        false
    );
    let res = org
        .http
        .get(org.url("/oauth2/default/v1/userinfo"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token", error_description="The access token has been revoked.""#
    );
    assert_eq!(post(REVOKE, rt.clone(), None).await.status(), 200);
    let res = org
        .token(
            "default",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt),
                ("client_id", "spa-client"),
            ],
        )
        .await;
    assert_oauth_error(
        res,
        400,
        "invalid_grant",
        "The refresh token is invalid or expired.",
    )
    .await;
    assert_eq!(
        post(REVOKE, "never-issued".into(), None).await.status(),
        200
    );
    assert_eq!(org.fake.stats().requests("revoke"), 4);
}

// ----------------------------------------------------------------------------------------------
// Hostile input, lifecycle, the root fixtures.yaml

#[tokio::test]
async fn hostile_input_gets_okta_errors_and_the_fake_keeps_serving() {
    let org = Org::start().await;
    let res = org
        .http
        .get(org.url("/oauth2/default/v1/token"))
        .send()
        .await
        .unwrap();
    assert_okta_error(
        res,
        405,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
    )
    .await;
    let res = org.http.get(org.url("/api/v1/authn")).send().await.unwrap();
    assert_okta_error(
        res,
        405,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
    )
    .await;
    let res = org.http.get(org.url("/api/v1/users")).send().await.unwrap();
    assert_okta_error(res, 404, "E0000008", "The requested path was not found").await;
    let res = org
        .http
        .get(org.url("/oauth2/a/b/v1/token"))
        .send()
        .await
        .unwrap();
    assert_okta_error(res, 404, "E0000008", "The requested path was not found").await;

    let huge = "a".repeat(100 * 1024);
    let res = org
        .http
        .post(org.url("/api/v1/authn"))
        .header(CONTENT_TYPE, "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_not_well_formed(res).await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("grant_type=x&scope={huge}"))
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request", "Invalid request").await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("client_id=spa-client&grant_type=a&grant_type=b")
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res,
        400,
        "invalid_request",
        "The request contained multiple parameters with the same name.",
    )
    .await;
    let many: String = (0..200).map(|i| format!("p{i}=v&")).collect();
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(many)
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request", "Invalid request").await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("client_id=%FF%FE%ZZ&grant_type=%00")
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        res,
        401,
        "invalid_client",
        "Invalid value for 'client_id' parameter.",
    )
    .await;
    let res = org
        .http
        .get(org.url("/oauth2/default/v1/authorize?client_id=%FF&redirect_uri=%E0%80"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/authorize?client_id=spa-client"))
        .form(&[("client_id", "spa-client")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = org
        .http
        .get(org.url("/oauth2/default/v1/userinfo"))
        .header("authorization", "Bearer \u{7f}")
        .send()
        .await;
    // Either refused by the client library or answered 401: never a crash.
    if let Ok(res) = res {
        assert_eq!(res.status(), 401);
    }
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/introspect"))
        .basic_auth("web-client", Some("web-secret"))
        .form(&[("token", "eyJ.eyJ.sig"), ("token_type_hint", "id_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await.2, json!({"active": false}));
    // Still serving.
    org.session_token("alice@example.com", "correct-horse")
        .await;
}

#[tokio::test]
async fn fakes_are_independent_and_stop_on_shutdown() {
    let a = Org::start().await;
    let b = Org::start().await;
    assert_ne!(a.fake.org_url(), b.fake.org_url());
    a.session_token("alice@example.com", "correct-horse").await;
    assert_eq!(a.fake.stats().requests("authn"), 1);
    assert_eq!(b.fake.stats().requests("authn"), 0);
    let url = b.url("/.well-known/openid-configuration");
    assert_eq!(b.http.get(&url).send().await.unwrap().status(), 200);
    b.fake.shutdown().await;
    assert!(client().get(&url).send().await.is_err());
    assert_eq!(
        a.http
            .get(a.url("/oauth2/v1/keys"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn keys_are_kept_across_starts_unless_fresh() {
    let dir =
        std::env::temp_dir().join(format!("okta-fixtures-it-fake-keys-{}", std::process::id()));
    let config = okta_fixtures::config::parse_str("", None, &|_| None).unwrap();
    let kids = |fake: &FakeOkta| {
        let url = format!("{}/oauth2/v1/keys", fake.org_url());
        async move {
            let (_, _, keys) = json_of(client().get(url).send().await.unwrap()).await;
            keys["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let first = FakeOkta::builder()
        .config(&config)
        .key_dir(dir.clone())
        .start()
        .await
        .unwrap();
    let second = FakeOkta::builder()
        .config(&config)
        .key_dir(dir.clone())
        .start()
        .await
        .unwrap();
    assert_eq!(kids(&first).await, kids(&second).await);
    let fresh = FakeOkta::builder()
        .config(&config)
        .key_dir(dir.clone())
        .fresh_key(true)
        .start()
        .await
        .unwrap();
    let fresh_kids = kids(&fresh).await;
    assert_ne!(kids(&first).await, fresh_kids);
    let after = FakeOkta::builder()
        .config(&config)
        .key_dir(dir.clone())
        .start()
        .await
        .unwrap();
    assert_eq!(kids(&after).await, fresh_kids);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_pinned_address_that_is_taken_is_a_typed_error() {
    let org = Org::start().await;
    let addr = org
        .fake
        .org_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let err = FakeOkta::builder()
        .key_dir(key_dir())
        .addr(addr)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, okta_fixtures::Error::FakeStart { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&addr.to_string()));
}

#[tokio::test]
async fn the_root_fixtures_yaml_signs_its_users_in() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures.yaml");
    let config = okta_fixtures::config::load(&path, &|_| None).unwrap();
    let fake = FakeOkta::builder()
        .config(&config)
        .key_dir(key_dir())
        .start()
        .await
        .unwrap();
    let org = Org {
        fake,
        clock: Clock::system(),
        http: client(),
    };
    let v = org
        .spa_tokens(
            "alice@example.com",
            "correct-horse",
            "openid profile email offline_access",
        )
        .await;
    let at = claims(v["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], "api://default");
    assert_eq!(at["groups"], json!(["Everyone", "admins"]));
    let st = org.session_token("bob@example.com", "battery-staple").await;
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("response_type", "id_token token"),
                ("response_mode", "form_post"),
                ("scope", "openid profile"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("nonce", "n"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
    let f = form_fields(&res.text().await.unwrap());
    assert_eq!(claims(&f["id_token"])["name"], "Bob Brown");
    assert_eq!(org.fake.stats().total_sign_ins(), 2);
}

#[tokio::test]
async fn wrong_methods_oversized_and_repeated_input_over_http() {
    use reqwest::Method;
    let org = Org::start().await;
    let not_allowed = "The endpoint does not support the provided HTTP method";
    let cases: [(&str, &[Method]); 11] = [
        (
            "/api/v1/authn",
            &[Method::GET, Method::PUT, Method::DELETE, Method::PATCH],
        ),
        (
            "/oauth2/default/v1/token",
            &[Method::GET, Method::PUT, Method::DELETE],
        ),
        (
            "/oauth2/v1/authorize",
            &[Method::PUT, Method::DELETE, Method::PATCH],
        ),
        (
            "/oauth2/default/v1/keys",
            &[Method::POST, Method::PUT, Method::DELETE],
        ),
        ("/oauth2/default/v1/introspect", &[Method::GET, Method::PUT]),
        ("/oauth2/default/v1/revoke", &[Method::GET, Method::DELETE]),
        (
            "/oauth2/default/v1/userinfo",
            &[Method::PUT, Method::DELETE],
        ),
        (
            "/.well-known/openid-configuration",
            &[Method::POST, Method::DELETE],
        ),
        ("/_fake/stats", &[Method::POST, Method::DELETE]),
        ("/_fake/reset", &[Method::GET, Method::DELETE]),
        ("/_fake/keys/rotate", &[Method::GET, Method::PUT]),
    ];
    for (path, methods) in cases {
        for method in methods {
            let res = org
                .http
                .request(method.clone(), org.url(path))
                .send()
                .await
                .unwrap();
            assert_okta_error(res, 405, "E0000022", not_allowed).await;
        }
    }

    // Bodies past the 64 KiB any endpoint reads: Okta-shaped refusals, never a hang.
    let big = "a=".to_owned() + &"b".repeat(256 * 1024);
    let post = |path: &str, content_type: &str| {
        org.http
            .post(org.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(big.clone())
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let res = post("/api/v1/authn", "application/json").await.unwrap();
    assert_not_well_formed(res).await;
    for path in [
        "/oauth2/default/v1/token",
        "/oauth2/default/v1/introspect",
        "/oauth2/default/v1/revoke",
    ] {
        let res = post(path, form).await.unwrap();
        assert_oauth_error(res, 400, "invalid_request", "Invalid request").await;
    }
    let res = post("/oauth2/default/v1/userinfo", form).await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_request")
    );
    let res = post("/oauth2/default/v1/authorize", form).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    let res = post("/_fake/faults", "application/json").await.unwrap();
    assert_not_well_formed(res).await;

    // A 40 KB query string and repeated parameters: the 400 page, not a redirect.
    let res = org
        .http
        .get(org.url(&format!(
            "/oauth2/default/v1/authorize?client_id=spa-client&redirect_uri={}&state={}",
            "http%3A%2F%2Flocalhost%3A8080%2Flogin%2Fcallback",
            "s".repeat(40 * 1024)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    let page = res.text().await.unwrap();
    assert!(page.len() < 4096, "the page does not echo the input");
    let res = org
        .authorize(
            "default",
            &[
                ("client_id", "spa-client"),
                ("redirect_uri", SPA_CB),
                ("state", "a"),
                ("state", "b"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The request contained multiple parameters with the same name.")
    );

    // Still serving, start to end.
    let tokens = org
        .spa_tokens("alice@example.com", "correct-horse", "openid")
        .await;
    assert!(tokens["id_token"].is_string());
}
