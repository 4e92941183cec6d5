//! `/v1/token`: client authentication, the code, refresh-token, client-credentials and password
//! grants, and browser (CORS) requests.

use std::time::Duration;

use reqwest::Response;
use rstest::rstest;
use serde_json::json;

use super::*;
use crate::support::*;

#[tokio::test]
async fn web_app_with_query_mode_and_both_secret_methods() {
    let org = Org::start().await;
    let code = web_code(&org, "openid orders:read").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_CB),
    ];
    let wrong = org.token_as(("web-client", "nope"), &form).await;
    assert_oauth_error(
        wrong,
        401,
        "invalid_client",
        "The client secret supplied for a confidential client is invalid.",
    )
    .await;
    // The failed attempt did not spend the code: client authentication comes first.
    let ok = org.token_as(("web-client", "web-secret"), &form).await;
    let (s, _, v) = json_of(ok).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "openid orders:read");
    assert!(v.get("refresh_token").is_none());
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["scp"],
        json!(["openid", "orders:read"])
    );

    // client_secret_post app.
    let res = org
        .authorize_alice(
            "default",
            &[
                ("client_id", "post-client"),
                ("response_type", "code"),
                ("scope", "openid"),
                ("redirect_uri", "http://localhost:8080/post/callback"),
                ("state", "s"),
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
}

/// Requests refused before any grant is looked at: `authorization` is a raw header value,
/// `query` the URL's query.
#[rstest]
#[case::no_credentials(None, "", &[("grant_type", "authorization_code")], 401, "invalid_client", "No client credentials found.")]
#[case::unknown_client(
    None, "", &[("grant_type", "authorization_code"), ("client_id", "nope")],
    401, "invalid_client", "Invalid value for 'client_id' parameter."
)]
#[case::no_secret(
    None, "", &[("grant_type", "authorization_code"), ("client_id", "web-client")],
    401, "invalid_client",
    "Client authentication failed. Either the client or the client credentials are invalid."
)]
#[case::secret_in_the_body_of_a_basic_client(
    None, "", &[("grant_type", "authorization_code"), ("client_id", "web-client"), ("client_secret", "web-secret")],
    401, "invalid_client",
    "Client authentication failed. Either the client or the client credentials are invalid."
)]
#[case::malformed_basic(
    Some("Basic %%%"), "", &[("grant_type", "x")],
    401, "invalid_client", "Found Authentication header but was not valid client credentials."
)]
#[case::secret_twice(
    Some(WEB_BASIC), "", &[("client_secret", "web-secret")],
    401, "invalid_request",
    "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body."
)]
#[case::secret_in_the_query(
    None, "?client_secret=x", &[("grant_type", "x")],
    400, "invalid_request", "Client credentials cannot be supplied via query parameters."
)]
#[case::no_grant_type(
    None, "", &[("client_id", "spa-client")],
    400, "invalid_request",
    "The token request must specify a 'grant_type'. Valid values: [authorization_code, password, refresh_token, client_credentials]"
)]
#[case::unknown_grant_type(
    None, "", &[("client_id", "spa-client"), ("grant_type", "urn:x")],
    400, "unsupported_grant_type",
    "The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, implicit, refresh_token, password, client_credentials]."
)]
#[tokio::test]
async fn bad_client_credentials_are_refused(
    #[case] authorization: Option<&str>,
    #[case] query: &str,
    #[case] form: &[(&str, &str)],
    #[case] status: u16,
    #[case] error: &str,
    #[case] description: &str,
) {
    let org = Org::start().await;
    let mut req = org
        .http
        .post(org.url(&format!("/oauth2/default/v1/token{query}")))
        .form(form);
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    assert_oauth_error(req.send().await.unwrap(), status, error, description).await;
}

/// `web-client:web-secret` in HTTP Basic.
const WEB_BASIC: &str = "Basic d2ViLWNsaWVudDp3ZWItc2VjcmV0";

#[tokio::test]
async fn refresh_tokens_rotate_for_spas_with_grace_and_reuse_detection() {
    let org = Org::start().await;
    let v = org.alice_tokens("openid profile offline_access").await;
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
    let invalid = INVALID_REFRESH;
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
    let web = ("web-client", "web-secret");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", WEB_CB),
    ];
    let (_, _, v) = json_of(org.token_as(web, &form).await).await;
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let form = [("grant_type", "refresh_token"), ("refresh_token", &rt)];
        let (s, _, v) = json_of(org.token_as(web, &form).await).await;
        assert_eq!(s, 200);
        assert_eq!(v["refresh_token"], rt.as_str());
    }
    // Another client cannot use it.
    let res = org.spa_refresh(&rt).await;
    assert_oauth_error(res, 400, "invalid_grant", INVALID_REFRESH).await;
    // Without offline_access there is none.
    let v = org.alice_tokens("openid").await;
    assert!(v.get("refresh_token").is_none());
}

/// Okta's default refresh token behaviour follows the app's type: native apps keep a
/// persistent token (developer.okta.com/docs/guides/refresh-tokens/main/), whether the type is
/// inferred from a private-use redirect scheme or set with `fake.apps.<app>.type`.
#[tokio::test]
async fn refresh_tokens_persist_for_native_apps() {
    let org = Org::from_yaml(
        r#"
apps:
  native: { client_id: native-client, redirect_uri: "com.example.app:/callback", flow: code, scopes: [openid, offline_access] }
  typed: { client_id: typed-client, redirect_uri: "http://localhost:8080/typed", flow: code, scopes: [openid, offline_access] }
users:
  alice: { username: alice@example.com, password: correct-horse, app: native }
fake:
  apps:
    typed: { type: native }
"#,
    )
    .await;
    for (client, redirect_uri) in [
        ("native-client", "com.example.app:/callback"),
        ("typed-client", "http://localhost:8080/typed"),
    ] {
        let st = org.alice().await;
        let res = org
            .authorize(
                "default",
                &[
                    ("client_id", client),
                    ("response_type", "code"),
                    ("response_mode", "form_post"),
                    ("scope", "openid offline_access"),
                    ("redirect_uri", redirect_uri),
                    ("state", "s"),
                    ("nonce", "n"),
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "S256"),
                    ("prompt", "none"),
                    ("sessionToken", &st),
                ],
            )
            .await;
        let code = form_fields(&res.text().await.unwrap())["code"].clone();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", client),
            ("code_verifier", VERIFIER),
        ];
        let (_, _, v) = json_of(org.token("default", &form).await).await;
        let rt = v["refresh_token"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", rt.as_str()),
                ("client_id", client),
            ];
            let (s, _, v) = json_of(org.token("default", &form).await).await;
            assert_eq!(s, 200, "{client}");
            assert_eq!(v["refresh_token"], rt.as_str(), "{client}: rotated");
        }
    }
}

/// `client_credentials` at `server` as `client` with HTTP Basic, for `scope` if any.
async fn client_credentials(
    org: &Org,
    server: &str,
    (id, secret): (&str, &str),
    scope: Option<&str>,
) -> Response {
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend(scope.map(|s| ("scope", s)));
    org.post_form(
        &format!("{}/v1/token", prefix(server)),
        Some((id, secret)),
        &form,
    )
    .await
}

const REPORTS: (&str, &str) = ("reports-client", "reports-secret");

#[tokio::test]
async fn client_credentials_give_a_service_app_an_access_token() {
    let org = Org::start().await;
    let res = client_credentials(&org, "default", REPORTS, Some("reports:read")).await;
    let (s, _, v) = json_of(res).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "reports:read");
    assert!(v.get("id_token").is_none() && v.get("refresh_token").is_none());
    let c = claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], "reports-client");
    assert_eq!(c["cid"], "reports-client");
    assert!(c.get("uid").is_none());
    assert_eq!(c["tier"], "gold");
    assert!(c.get("groups").is_none());
}

/// Client credentials only for service apps, on custom servers, for the server's own scopes.
#[rstest]
#[case::openid(
    "default",
    REPORTS,
    Some("openid reports:read"),
    400,
    "invalid_scope",
    "Cannot request 'openid' scopes using client credentials."
)]
#[case::unknown_scope(
    "default",
    REPORTS,
    Some("nope"),
    400,
    "invalid_scope",
    "One or more scopes are not configured for the authorization server resource."
)]
#[case::org_server(
    "org",
    REPORTS,
    Some("reports:read"),
    401,
    "invalid_client",
    "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method."
)]
#[case::not_a_service_app(
    "default", ("web-client", "web-secret"), Some("reports:read"), 400, "unauthorized_client",
    "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token]."
)]
#[case::no_scope(
    "default",
    REPORTS,
    None,
    400,
    "invalid_scope",
    "The authorization server resource does not have any configured default scopes, 'scope' must be provided."
)]
#[tokio::test]
async fn client_credentials_refusals(
    #[case] server: &str,
    #[case] client: (&str, &str),
    #[case] scope: Option<&str>,
    #[case] status: u16,
    #[case] error: &str,
    #[case] description: &str,
) {
    let org = Org::start().await;
    let res = client_credentials(&org, server, client, scope).await;
    assert_oauth_error(res, status, error, description).await;
}

#[tokio::test]
async fn password_grant_only_where_enabled() {
    let org = Org::start().await;
    let ropc = |user, pw| {
        let org = &org;
        let form = [
            ("grant_type", "password"),
            ("username", user),
            ("password", pw),
            ("scope", "openid email offline_access"),
        ];
        async move { org.token_as(("ropc-client", "ropc-secret"), &form).await }
    };
    let (s, _, v) = json_of(ropc("bob@example.com", "battery-staple").await).await;
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
        ropc("bob@example.com", "nope").await,
        400,
        "invalid_grant",
        "The credentials provided were invalid.",
    )
    .await;
    assert_oauth_error(
        ropc("mfa@example.com", "pw-mfa").await,
        400,
        "invalid_grant",
        "Resource owner password credentials cannot be used with MFA enabled.",
    )
    .await;
    let res = org
        .token_as(
            ("web-client", "web-secret"),
            &[
                ("grant_type", "password"),
                ("username", "bob@example.com"),
                ("password", "battery-staple"),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_oauth_error(
        res, 400, "unauthorized_client",
        "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code, refresh_token].",
    ).await;
}

#[tokio::test]
async fn browser_requests_to_token_follow_okta_rules() {
    let org = Org::start().await;
    let code = org.alice_code("default", "openid offline_access").await;
    let res = org
        .http
        .post(org.url("/oauth2/default/v1/token"))
        .header("origin", "http://localhost:8080")
        .form(&spa_redemption(&code))
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
