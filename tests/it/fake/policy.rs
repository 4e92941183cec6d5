//! What the fake refuses for an org's configuration, never more leniently than Okta: scopes a
//! server does not define, requests outside a custom server's access policy, a password-only
//! session where the app's sign-on policy asks for a second factor, and scopes the user would
//! have to consent to.

use std::collections::BTreeMap;

use reqwest::Response;
use serde_json::Value;

use super::*;
use crate::support::{assert_oauth_error, form_fields, json_of, page_text};

/// Servers with scopes of their own, apps and users.
const ORG: &str = r#"
org_url: fake
servers:
  default: { scopes: [orders:read] }
  reports: { scopes: [reports:read] }
  locked: { scopes: [orders:read] }
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/login/callback", flow: code, scopes: [openid, orders:read] }
  web: { client_id: web-client, client_secret: web-secret, redirect_uri: "http://localhost:8080/web", flow: code }
  ropc: { client_id: ropc-client, client_secret: ropc-secret, redirect_uri: "http://localhost:8080/ropc", flow: code }
  mfa: { client_id: mfa-client, client_secret: mfa-secret, redirect_uri: "http://localhost:8080/mfa", flow: code }
  consent: { client_id: consent-client, client_secret: consent-secret, redirect_uri: "http://localhost:8080/consent", flow: code }
  svc: { client_id: svc-client, client_secret: svc-secret, flow: client_credentials, scopes: [reports:read], authorization_server: reports }
users:
  alice: { username: alice@example.com, password: correct-horse, app: spa }
  bob: { username: bob@example.com, password: battery-staple, app: spa }
  carol: { username: carol@example.com, password: pw-carol, app: spa }
"#;

/// What [`ORG`] has set up in Okta, for the fake: an access policy on `locked`, an app asking
/// for a second factor, one requiring consent.
const POLICIES: &str = r#"
fake:
  users:
    bob: { groups: [auditors] }
  servers:
    locked:
      policy: { apps: [spa, ropc, svc], users: [alice], groups: [auditors], grant_types: [authorization_code, password] }
  apps:
    ropc: { grant_types: [authorization_code, password] }
    mfa: { sign_on: second_factor, grant_types: [authorization_code, password] }
    consent: { consent: required, grant_types: [authorization_code, password] }
"#;

/// The fake of [`ORG`] with [`POLICIES`].
async fn org_with_policies() -> Org {
    Org::from_yaml(&format!("{ORG}{POLICIES}")).await
}

const POLICY_FAILED: &str =
    "Policy evaluation failed for this request, please check the policy configurations.";
const NOT_CONFIGURED: &str =
    "One or more scopes are not configured for the authorization server resource.";

/// The users' passwords, by key.
fn login(user: &str) -> (String, &'static str) {
    let password = match user {
        "alice" => "correct-horse",
        "bob" => "battery-staple",
        _ => "pw-carol",
    };
    (format!("{user}@example.com"), password)
}

/// `user` signs in to confidential app `app` (a `{app}-client` answering at
/// `http://localhost:8080/{app}`) on `server` with `scope`, in form_post mode with `prompt`:
/// the status and the page `/authorize` answers.
async fn sign_in(
    org: &Org,
    server: &str,
    app: &str,
    user: &str,
    scope: &str,
    prompt: Option<&str>,
) -> (u16, String) {
    let (username, password) = login(user);
    let st = org.session_token(&username, password).await;
    let client_id = format!("{app}-client");
    let redirect_uri = format!("http://localhost:8080/{app}");
    let mut params = vec![
        ("client_id", client_id.as_str()),
        ("response_type", "code"),
        ("response_mode", "form_post"),
        ("scope", scope),
        ("redirect_uri", &redirect_uri),
        ("state", "st-1"),
        ("sessionToken", &st),
    ];
    if let Some(p) = prompt {
        params.push(("prompt", p));
    }
    let res = org.authorize(server, &params).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The error a form_post page carries, as (`error`, `error_description`); panics on a code.
fn form_error(page: &str) -> (String, String) {
    let f = form_fields(page);
    assert!(
        !f.contains_key("code"),
        "a code where an error was due: {f:?}"
    );
    assert_eq!(f["state"], "st-1");
    (f["error"].clone(), f["error_description"].clone())
}

/// Whether a form_post page carries a code.
fn has_code(page: &str) -> bool {
    form_fields(page).contains_key("code")
}

/// The SPA signs `user` in on `server` with `scope`: the form_post fields.
async fn spa(org: &Org, server: &str, user: &str, scope: &str) -> BTreeMap<String, String> {
    let (username, password) = login(user);
    let st = org.session_token(&username, password).await;
    let res = org.authorize(server, &spa_authorize(&st, scope)).await;
    assert_eq!(res.status(), 200);
    form_fields(&res.text().await.unwrap())
}

/// The password grant of confidential app `app` for `user`.
async fn password_grant(org: &Org, server: &str, app: &str, user: &str, scope: &str) -> Response {
    let (username, password) = login(user);
    let form = [
        ("grant_type", "password"),
        ("username", username.as_str()),
        ("password", password),
        ("scope", scope),
    ];
    let (id, secret) = (format!("{app}-client"), format!("{app}-secret"));
    let path = format!("{}/v1/token", prefix(server));
    org.post_form(&path, Some((&id, &secret)), &form).await
}

/// The service app's client_credentials grant on `server`.
async fn client_credentials(org: &Org, server: &str, scope: &str) -> Response {
    let form = [("grant_type", "client_credentials"), ("scope", scope)];
    let path = format!("{}/v1/token", prefix(server));
    org.post_form(&path, Some(("svc-client", "svc-secret")), &form)
        .await
}

#[tokio::test]
async fn a_server_grants_only_the_scopes_it_defines() {
    let org = Org::from_yaml(ORG).await;
    // `reports:read` is an app's scope, defined on `reports` alone; `groups` is a custom scope
    // on a custom server, and `default` does not define it.
    for scope in ["openid reports:read", "openid groups"] {
        let f = spa(&org, "default", "alice", scope).await;
        assert_eq!(f["error"], "invalid_scope", "{scope}: {f:?}");
        assert_eq!(f["error_description"], NOT_CONFIGURED);
    }
    assert!(
        spa(
            &org,
            "default",
            "alice",
            "openid orders:read offline_access device_sso"
        )
        .await
        .contains_key("code")
    );
    assert!(
        spa(&org, "org", "alice", "openid groups")
            .await
            .contains_key("code")
    );
    assert_oauth_error(
        client_credentials(&org, "default", "reports:read").await,
        400,
        "invalid_scope",
        NOT_CONFIGURED,
    )
    .await;
    let (status, _, v) = json_of(client_credentials(&org, "reports", "reports:read").await).await;
    assert_eq!(status, 200, "{v}");
    // Discovery says the same as the endpoints.
    let (_, _, d) = json_of(
        org.get("/oauth2/default/.well-known/openid-configuration")
            .await,
    )
    .await;
    let listed: Vec<&str> = d["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(listed.contains(&"orders:read"), "{listed:?}");
    assert!(!listed.contains(&"reports:read"), "{listed:?}");
    assert_eq!(
        org.fake.stats().total_sign_ins(),
        2,
        "no sign-in for a refused scope"
    );
}

#[tokio::test]
async fn the_access_policy_covers_only_its_apps_people_and_grants() {
    let org = org_with_policies().await;
    // alice by name, bob by his group; carol is neither.
    assert!(
        spa(&org, "locked", "alice", "openid")
            .await
            .contains_key("code")
    );
    assert!(
        spa(&org, "locked", "bob", "openid")
            .await
            .contains_key("code")
    );
    let f = spa(&org, "locked", "carol", "openid").await;
    assert_eq!(
        (f["error"].as_str(), f["error_description"].as_str()),
        ("access_denied", POLICY_FAILED)
    );
    // The web app is no client of the policy.
    let (status, page) = sign_in(&org, "locked", "web", "alice", "openid", Some("none")).await;
    assert_eq!(status, 200);
    assert_eq!(
        form_error(&page),
        ("access_denied".into(), POLICY_FAILED.into())
    );
    // The password grant is covered for the people the rule covers, at /token as JSON.
    let res = password_grant(&org, "locked", "ropc", "alice", "openid").await;
    assert_eq!(res.status(), 200);
    let res = password_grant(&org, "locked", "ropc", "carol", "openid").await;
    assert_oauth_error(res, 401, "access_denied", POLICY_FAILED).await;
    // A service app listed by the policy, with a grant type its rule does not cover.
    let res = client_credentials(&org, "locked", "orders:read").await;
    assert_oauth_error(res, 401, "access_denied", POLICY_FAILED).await;
    // A server without `policy` has Okta's default one.
    assert!(
        spa(&org, "default", "carol", "openid")
            .await
            .contains_key("code")
    );
    let stats = org.fake.stats();
    assert_eq!(
        stats.sign_ins("carol@example.com", "spa-client", "locked"),
        0
    );
    assert_eq!(
        stats.sign_ins("alice@example.com", "web-client", "locked"),
        0
    );
    assert_eq!(stats.total_sign_ins(), 4);
}

#[tokio::test]
async fn an_app_asking_for_a_second_factor_refuses_a_password_only_session() {
    let org = org_with_policies().await;
    let (status, page) = sign_in(&org, "default", "mfa", "alice", "openid", Some("none")).await;
    assert_eq!(status, 200);
    assert_eq!(
        form_error(&page),
        (
            "login_required".into(),
            "The client specified not to prompt, but the client app requires re-authentication or MFA.".into()
        )
    );
    // Without prompt=none Okta asks for the factor on its sign-in page: no form to post.
    let (status, page) = sign_in(&org, "default", "mfa", "alice", "openid", None).await;
    assert_eq!(status, 200);
    assert!(form_fields(&page).is_empty(), "{page}");
    assert!(page_text(&page).contains("Sign In"), "{page}");
    // The password grant proves no second factor either.
    let res = password_grant(&org, "default", "mfa", "alice", "openid").await;
    assert_oauth_error(
        res,
        400,
        "invalid_grant",
        "Resource owner password credentials cannot be used with MFA enabled.",
    )
    .await;
    // The same user signs in to an app that asks for a password alone.
    let (_, page) = sign_in(&org, "default", "web", "alice", "openid", Some("none")).await;
    assert!(has_code(&page));
    assert_eq!(
        org.fake
            .stats()
            .sign_ins("alice@example.com", "mfa-client", "default"),
        0
    );
}

#[tokio::test]
async fn an_app_requiring_consent_gets_consent_required() {
    let org = org_with_policies().await;
    let scope = "openid profile orders:read";
    let (_, page) = sign_in(&org, "default", "consent", "alice", scope, Some("none")).await;
    assert_eq!(
        form_error(&page),
        (
            "consent_required".into(),
            "The following scopes require user consent: [profile, orders:read].".into()
        )
    );
    // Nothing to consent to with `openid` alone; consent is a custom server's only.
    let (_, page) = sign_in(&org, "default", "consent", "alice", "openid", Some("none")).await;
    assert!(has_code(&page));
    let (_, page) = sign_in(
        &org,
        "org",
        "consent",
        "alice",
        "openid profile",
        Some("none"),
    )
    .await;
    assert!(has_code(&page));
    let res = password_grant(&org, "default", "consent", "alice", "openid email").await;
    assert_oauth_error(
        res,
        400,
        "consent_required",
        "The following scopes require user consent: [email]. To access protected scopes using the resource owner password grant type, please uncheck 'Require consent' in the app settings or set the 'consent_method' to 'TRUSTED' through the apps API.",
    )
    .await;
    assert_eq!(org.fake.stats().total_sign_ins(), 2);
}
