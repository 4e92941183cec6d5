//! What the fake refuses for an org's configuration, never more leniently than Okta: scopes a
//! server does not define.

use std::collections::BTreeMap;

use reqwest::Response;
use serde_json::Value;

use super::*;
use crate::support::{assert_oauth_error, form_fields, json_of};

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

/// The SPA signs `user` in on `server` with `scope`: the form_post fields.
async fn spa(org: &Org, server: &str, user: &str, scope: &str) -> BTreeMap<String, String> {
    let (username, password) = login(user);
    let st = org.session_token(&username, password).await;
    let res = org.authorize(server, &spa_authorize(&st, scope)).await;
    assert_eq!(res.status(), 200);
    form_fields(&res.text().await.unwrap())
}

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
