//! The embedded fake Okta over real HTTP: every endpoint, every error Okta answers with, a
//! module per endpoint. `admin` covers the `/_fake/` surface (key rotation, reset, minted
//! tokens), `keys` which server's keys sign and verify which tokens, `faults` injected faults
//! and Okta's per-user rate limit, `client_limit` Okta's client-based limit on `/authorize`,
//! `bad_requests` wrong methods and malformed or oversized input, `lifecycle` starting and
//! stopping fakes, `policy` what an org's scopes and policies refuse, `mfa` users behind a
//! second factor (`MFA_REQUIRED`, TOTP verification).

mod admin;
mod authn;
mod authorize;
mod bad_requests;
mod client_limit;
mod discovery;
mod faults;
mod introspect;
mod keys;
mod lifecycle;
mod logout;
mod mfa;
mod policy;
mod token;
mod userinfo;

use std::path::PathBuf;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_fixtures::fake::{Clock, FakeBuilder, FakeOkta};
use reqwest::{Client, Response};
use serde_json::{Value, json};

use crate::support::{client, form_fields, json_of, location_params};

pub(crate) const YAML: &str = r#"
org_url: fake
authorization_server: default
servers:
  default: { scopes: [orders:read, orders:write, reports:read] }
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
      access_claims: { groups: $groups, tier: gold }
  apps:
    ropc: { grant_types: [authorization_code, password, refresh_token] }
    spa: { post_logout_redirect_uris: ["http://localhost:8080/signed-out"] }
"#;

pub(crate) const SPA_CB: &str = "http://localhost:8080/login/callback";
pub(crate) const WEB_CB: &str = "http://localhost:8080/authorization-code/callback";
pub(crate) const LEGACY_CB: &str = "http://localhost:8080/implicit/callback";
/// Okta's answer to a user or client over its rate limit.
pub(crate) const RATE_LIMITED: &str = "API call exceeded rate limit due to too many requests.";
pub(crate) const INVALID_REFRESH: &str = "The refresh token is invalid or expired.";
/// A stateToken that is unknown, spent or cancelled.
pub(crate) const INVALID_STATE_TOKEN: &str = "Invalid token provided";
/// RFC 7636 appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Where every fake of these tests keeps its signing keys: shared across tests and runs on
/// purpose, since making an RSA key costs more than a whole sign-in.
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

    /// A fresh sessionToken for alice.
    pub(crate) async fn alice(&self) -> String {
        self.session_token("alice@example.com", "correct-horse")
            .await
    }

    /// `authorize` with a fresh sessionToken for alice after `params`.
    pub(crate) async fn authorize_alice(&self, server: &str, params: &[(&str, &str)]) -> Response {
        let st = self.alice().await;
        let mut params = params.to_vec();
        params.push(("sessionToken", &st));
        self.authorize(server, &params).await
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
        let path = format!("{}/v1/token", prefix(server));
        self.post_form(&path, None, form).await
    }

    /// The SPA's refresh grant on the default server (a public client, named in the form).
    pub(crate) async fn spa_refresh(&self, refresh_token: &str) -> Response {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "spa-client"),
        ];
        self.token("default", &form).await
    }

    /// `POST path` with `body` as it is, labelled `content_type`.
    pub(crate) async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.http
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` on the fake.
    pub(crate) async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// `POST /oauth2/default/v1/token` with `form`, as `client` (id, secret) in HTTP Basic.
    pub(crate) async fn token_as(&self, client: (&str, &str), form: &[(&str, &str)]) -> Response {
        self.post_form("/oauth2/default/v1/token", Some(client), form)
            .await
    }

    /// `POST path` with `form`, as `client` (id, secret) in HTTP Basic when there is one.
    pub(crate) async fn post_form(
        &self,
        path: &str,
        client: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> Response {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some((id, secret)) = client {
            req = req.basic_auth(id, Some(secret));
        }
        req.send().await.unwrap()
    }

    /// `GET {server}/v1/userinfo` with `access_token` as bearer token.
    pub(crate) async fn userinfo(&self, server: &str, access_token: &str) -> Response {
        self.http
            .get(self.url(&format!("{}/v1/userinfo", prefix(server))))
            .bearer_auth(access_token)
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
        let res = self.authorize(server, &spa_authorize(&st, scope)).await;
        assert_eq!(res.status(), 200);
        let fields = form_fields(&res.text().await.unwrap());
        fields
            .get("code")
            .unwrap_or_else(|| panic!("no code in {fields:?}"))
            .clone()
    }

    /// A code for alice from the SPA on `server`.
    pub(crate) async fn alice_code(&self, server: &str, scope: &str) -> String {
        self.spa_code(server, "alice@example.com", "correct-horse", scope)
            .await
    }

    /// alice's token response from the SPA on the default server.
    pub(crate) async fn alice_tokens(&self, scope: &str) -> Value {
        self.spa_tokens("alice@example.com", "correct-horse", scope)
            .await
    }

    /// The SPA's token response for a fresh code.
    pub(crate) async fn spa_tokens(&self, username: &str, password: &str, scope: &str) -> Value {
        let code = self.spa_code("default", username, password, scope).await;
        let res = self.token("default", &spa_redemption(&code)).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// The SPA's form_post authorize request (PKCE, `prompt=none`) with a sessionToken.
pub(crate) fn spa_authorize<'a>(session_token: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
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
        ("sessionToken", session_token),
    ]
}

/// The SPA's exchange of `code` (with the PKCE verifier).
pub(crate) fn spa_redemption(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA_CB),
        ("client_id", "spa-client"),
        ("code_verifier", VERIFIER),
    ]
}

/// A code for alice from the web app on the default server (a 302 with the code in the query,
/// no PKCE).
pub(crate) async fn web_code(org: &Org, scope: &str) -> String {
    let res = org
        .authorize_alice(
            "default",
            &[
                ("client_id", "web-client"),
                ("response_type", "code"),
                ("scope", scope),
                ("redirect_uri", WEB_CB),
                ("state", "s"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    location_params(&res, '?')["code"].clone()
}

pub(crate) fn prefix(server: &str) -> String {
    if server == "org" {
        "/oauth2".into()
    } else {
        format!("/oauth2/{server}")
    }
}

/// The JWKS of `server` (`org` or a custom id), as a resource server fetches it.
pub(crate) async fn jwks(org: &Org, server: &str) -> JwkSet {
    let (status, _, v) = json_of(org.get(&format!("{}/v1/keys", prefix(server))).await).await;
    assert_eq!(status, 200);
    serde_json::from_value(v).unwrap()
}

/// The `kid`s of a JWKS, in its order.
pub(crate) fn kids(set: &JwkSet) -> Vec<String> {
    set.keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect()
}

/// Verifies a token as a resource server would: RS256 with the JWKS key its header names,
/// issuer and audience. A `kid` the JWKS lacks is `InvalidKeyFormat`.
pub(crate) fn verify(token: &str, set: &JwkSet, iss: &str, aud: &str) -> Result<Value, ErrorKind> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.into_kind())?;
    let kid = header.kid.ok_or(ErrorKind::InvalidToken)?;
    let jwk = set.find(&kid).ok_or(ErrorKind::InvalidKeyFormat)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.into_kind())?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[iss]);
    v.set_audience(&[aud]);
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .map(|d| d.claims)
        .map_err(|e| e.into_kind())
}
