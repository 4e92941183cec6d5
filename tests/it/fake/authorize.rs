//! `/v1/authorize`: the browserless code and implicit flows with a sessionToken or cookie, and
//! every problem Okta answers on an error page or back through the response mode.

use std::time::Duration;

use reqwest::Response;
use reqwest::header::CONTENT_TYPE;
use rstest::rstest;
use serde_json::{Value, json};

use super::*;
use crate::support::*;

#[tokio::test]
async fn spa_code_flow_with_pkce_on_the_default_server() {
    let org = Org::start().await;
    let st = org.alice().await;
    let state = "st-8600b31f.1_~+:x";
    let params = edited(
        spa_authorize(&st, "openid profile email offline_access"),
        &[("state", Some(state)), ("nonce", Some("nonce-1"))],
    );
    let res = org.authorize("default", &params).await;
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

    let res = org.token("default", &spa_redemption(&code)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/json;charset=UTF-8"
    );
    assert_eq!(res.headers()["cache-control"], "no-cache, no-store");
    assert_eq!(res.headers()["x-rate-limit-limit"], "10000");
    let text = res.text().await.unwrap();
    assert_key_order(
        &text,
        &[
            "token_type",
            "expires_in",
            "access_token",
            "scope",
            "refresh_token",
            "id_token",
        ],
    );
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
        assert_key_order(
            &jwt_text(at, 1),
            &[
                "ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub",
            ],
        );
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
    let (_, _, over_http) = json_of(org.get("/_fake/stats").await).await;
    assert_eq!(over_http, serde_json::to_value(&stats).unwrap());
    assert_eq!(over_http["sign_ins"][0]["client_id"], "spa-client");
}

const INVALID_CODE: &str = "The authorization code is invalid or has expired.";

#[tokio::test]
async fn a_code_is_single_use() {
    let org = Org::start().await;
    let code = org.alice_code("default", "openid").await;
    let form = spa_redemption(&code);
    assert_eq!(org.token("default", &form).await.status(), 200);
    assert_oauth_error(
        org.token("default", &form).await,
        400,
        "invalid_grant",
        INVALID_CODE,
    )
    .await;
}

/// A code is bound to its client, redirect URI, server and PKCE challenge, and expires after
/// five minutes. `changes` edit the SPA's exchange of a fresh code: `None` removes a field.
#[rstest]
#[case::expired("default", &[], 301, "invalid_grant", INVALID_CODE)]
#[case::other_redirect_uri(
    "default",
    &[("redirect_uri", Some("http://localhost:8080/elsewhere"))],
    0,
    "invalid_grant",
    "The 'redirect_uri' does not match the redirection URI used in the authorization request."
)]
#[case::other_client(
    "default",
    &[("client_id", Some("post-client")), ("client_secret", Some("post-secret")), ("code_verifier", None)],
    0,
    "invalid_grant",
    "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request."
)]
#[case::other_server(
    "org",
    &[],
    0,
    "invalid_request",
    "The grant was issued for another authorization server."
)]
#[case::wrong_verifier(
    "default",
    &[("code_verifier", Some("M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"))],
    0,
    "invalid_grant",
    "PKCE verification failed."
)]
#[case::short_verifier(
    "default",
    &[("code_verifier", Some("too-short"))],
    0,
    "invalid_grant",
    "PKCE verification failed: The code_verifier must have a minimum length of 43 characters and a maximum length of 128 characters.."
)]
#[case::no_verifier(
    "default",
    &[("code_verifier", None)],
    0,
    "invalid_request",
    "PKCE code verifier is required by the application."
)]
#[case::no_code(
    "default",
    &[("code", None), ("code_verifier", None)],
    0,
    "invalid_request",
    "The required parameter 'code' is missing."
)]
#[tokio::test]
async fn codes_are_bound_and_expire(
    #[case] server: &str,
    #[case] changes: &[(&str, Option<&str>)],
    #[case] wait_secs: u64,
    #[case] error: &str,
    #[case] description: &str,
) {
    let org = Org::start().await;
    let code = org.alice_code("default", "openid").await;
    org.clock.advance(Duration::from_secs(wait_secs));
    let form = edited(spa_redemption(&code), changes);
    assert_oauth_error(org.token(server, &form).await, 400, error, description).await;
}

#[tokio::test]
async fn session_tokens_are_single_use_and_expire() {
    let org = Org::start().await;
    let st = org.alice().await;
    // The page for `token`, without a nonce (as the flow sends a code request), and with or
    // without prompt=none.
    async fn page(org: &Org, token: &str, prompt: Option<&str>) -> (u16, String) {
        let params = edited(
            spa_authorize(token, "openid"),
            &[("state", Some("s1")), ("nonce", None), ("prompt", prompt)],
        );
        let res = org.authorize("default", &params).await;
        (res.status().as_u16(), res.text().await.unwrap())
    }
    let (_, first) = page(&org, &st, Some("none")).await;
    assert!(form_fields(&first).contains_key("code"));
    let (_, again) = page(&org, &st, Some("none")).await;
    let fields = form_fields(&again);
    assert_eq!(fields["error"], "login_required");
    assert_eq!(
        fields["error_description"],
        "The client specified not to prompt, but the user is not logged in."
    );
    assert_eq!(fields["state"], "s1");

    // Without prompt=none: Okta's sign-in page, no form to mistake for an answer.
    let (status, sign_in) = page(&org, &st, None).await;
    assert_eq!(status, 200);
    assert!(sign_in.contains("Sign In"));
    assert!(!sign_in.contains("appForm"));
    assert!(form_fields(&sign_in).is_empty());

    let st = org.alice().await;
    org.clock.advance(Duration::from_secs(301));
    for token in [st.as_str(), "20111garbage"] {
        let (_, expired) = page(&org, token, Some("none")).await;
        assert_eq!(form_fields(&expired)["error"], "login_required", "{token}");
    }
}

#[tokio::test]
async fn a_session_cookie_wins_over_a_session_token() {
    let org = Org::start().await;
    let alice_st = org.alice().await;
    fn p(st: &str) -> Vec<(&str, &str)> {
        vec![
            ("client_id", "legacy-client"),
            ("response_type", "id_token"),
            ("response_mode", "form_post"),
            ("scope", "openid"),
            ("redirect_uri", LEGACY_CB),
            ("state", "s"),
            ("nonce", "n"),
            ("prompt", "none"),
            ("sessionToken", st),
        ]
    }
    let pairs = p(&alice_st);
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

/// Problems with the client or the redirect URI: Okta's 400 error page, never a redirect.
#[rstest]
#[case::unknown_client(
    &[("client_id", "nope"), ("redirect_uri", SPA_CB)],
    &["invalid_client", "Invalid value for 'client_id' parameter."]
)]
#[case::unregistered_redirect(
    &[("client_id", "spa-client"), ("redirect_uri", "http://evil.example/cb")],
    &["The 'redirect_uri' parameter must be a Login redirect URI in the client app settings"]
)]
#[case::no_redirect(&[("client_id", "spa-client")], &["redirect_uri is missing."])]
#[case::service_app(
    &[("client_id", "reports-client"), ("redirect_uri", SPA_CB)],
    &["Clients with 'application_type' of 'service' are not allowed"]
)]
#[case::invalid_state(
    &[("client_id", "spa-client"), ("redirect_uri", SPA_CB), ("state", "a|b")],
    &["The authentication request has an invalid 'state' parameter."]
)]
#[tokio::test]
async fn client_and_redirect_problems_get_okta_error_pages(
    #[case] params: &[(&str, &str)],
    #[case] texts: &[&str],
) {
    let org = Org::start().await;
    let mut p = vec![
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    // A parameter of the case replaces the default of the same name.
    p.retain(|(k, _)| !params.iter().any(|(name, _)| name == k));
    p.extend_from_slice(params);
    let res = org.authorize("default", &p).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    assert!(res.headers().get("location").is_none());
    let text = page_text(&res.text().await.unwrap());
    for expected in texts {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[tokio::test]
async fn repeated_parameters_and_unknown_servers_are_refused() {
    let org = Org::start().await;
    let res = org
        .get("/oauth2/default/v1/authorize?client_id=spa-client&client_id=spa-client")
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        page_text(&res.text().await.unwrap())
            .contains("The request contained multiple parameters with the same name.")
    );
    let res = org
        .authorize("nosuch", &[("client_id", "spa-client")])
        .await;
    assert_not_found(res, "nosuch", "AuthorizationServer").await;
}

/// `/authorize` on the default server for the SPA, with alice's sessionToken, `state=s-9`,
/// `prompt=none` unless `extra` names a prompt, and `extra`.
async fn authorize_as_spa(org: &Org, extra: &[(&str, &str)]) -> Response {
    let st = org.alice().await;
    let mut p = vec![
        ("client_id", "spa-client"),
        ("redirect_uri", SPA_CB),
        ("state", "s-9"),
        ("sessionToken", &st),
    ];
    if !extra.iter().any(|(k, _)| *k == "prompt") {
        p.push(("prompt", "none"));
    }
    p.extend_from_slice(extra);
    org.authorize("default", &p).await
}

/// Query mode (the default for code): 302, no body, the error in the query.
#[tokio::test]
async fn a_missing_pkce_challenge_goes_back_in_the_query() {
    let org = Org::start().await;
    let res = authorize_as_spa(&org, &[("response_type", "code"), ("scope", "openid")]).await;
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
    assert_eq!(org.fake.stats().total_sign_ins(), 0);
}

const PKCE: [(&str, &str); 2] = [
    ("code_challenge", CHALLENGE),
    ("code_challenge_method", "S256"),
];

/// Problems found once the client and redirect URI are known go back to the redirect URI, in
/// the query (`?`) or the fragment (`#`).
#[rstest]
#[case::token_for_a_code_app(
    &[("response_type", "token"), ("scope", "openid"), ("nonce", "n")],
    "unsupported_response_type",
    "The response type is not supported by the authorization server. Configured response types: [code].",
    '#'
)]
#[case::unknown_response_mode(
    &[("response_type", "code"), ("response_mode", "nope"), ("scope", "openid")],
    "unsupported_response_mode",
    "The response mode is not supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].",
    '?'
)]
#[case::post_message_with_code_without_pkce(
    &[("response_type", "code"), ("response_mode", "okta_post_message"), ("scope", "openid")],
    "unsupported_response_mode",
    "'okta_post_message' response mode cannot be used with the 'code' response type.",
    '?'
)]
#[case::plain_challenge(
    &[("response_type", "code"), ("scope", "openid"), ("code_challenge", CHALLENGE), ("code_challenge_method", "plain")],
    "invalid_request",
    "PKCE code challenge method is not supported. Valid values: [S256]",
    '?'
)]
#[case::illegal_challenge(
    &[("response_type", "code"), ("scope", "openid"), ("code_challenge", "bad+chars="), ("code_challenge_method", "S256")],
    "invalid_request",
    "PKCE code challenge contains illegal characters.",
    '?'
)]
#[case::unknown_scope(
    &[("response_type", "code"), ("scope", "openid nope:scope"), PKCE[0], PKCE[1]],
    "invalid_scope",
    "One or more scopes are not configured for the authorization server resource.",
    '?'
)]
#[case::no_openid(
    &[("response_type", "code"), ("scope", "profile"), PKCE[0], PKCE[1]],
    "invalid_scope",
    "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope.",
    '?'
)]
#[case::no_scope(
    &[("response_type", "code"), PKCE[0], PKCE[1]],
    "invalid_scope",
    "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
    '?'
)]
#[case::unknown_prompt(
    &[("response_type", "code"), ("scope", "openid"), PKCE[0], PKCE[1], ("prompt", "select_account")],
    "invalid_request",
    "Invalid value for 'prompt' parameter. Supported values: [none, login, consent, login consent]",
    '?'
)]
#[tokio::test]
async fn later_problems_go_back_through_the_response_mode(
    #[case] extra: &[(&str, &str)],
    #[case] error: &str,
    #[case] description: &str,
    #[case] sep: char,
) {
    let org = Org::start().await;
    let res = authorize_as_spa(&org, extra).await;
    assert_eq!(res.status(), 302);
    let p = location_params(&res, sep);
    assert_eq!(
        (p["error"].as_str(), p["error_description"].as_str()),
        (error, description)
    );
    assert_eq!(org.fake.stats().total_sign_ins(), 0);
}

/// The implicit app: nonce required, query mode refused for tokens, scopes of the org server.
#[rstest]
#[case::nonce_required(
    &[("scope", "openid")],
    "error_description",
    "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types.."
)]
#[case::no_query_mode(
    &[("response_mode", "query"), ("scope", "openid"), ("nonce", "n")],
    "error_description",
    "'query' response mode cannot be used with either the 'id_token' or 'token' response types."
)]
#[case::custom_scope_on_the_org_server(
    &[("scope", "openid orders:read"), ("nonce", "n")],
    "error",
    "invalid_scope"
)]
#[tokio::test]
async fn implicit_problems_go_back_in_the_fragment(
    #[case] extra: &[(&str, &str)],
    #[case] field: &str,
    #[case] expected: &str,
) {
    let org = Org::start().await;
    let mut p = vec![
        ("client_id", "legacy-client"),
        ("redirect_uri", LEGACY_CB),
        ("state", "s"),
        ("response_type", "id_token"),
    ];
    p.extend_from_slice(extra);
    let res = org.authorize("org", &p).await;
    assert_eq!(location_params(&res, '#')[field], expected);
    assert_eq!(org.fake.stats().total_sign_ins(), 0);
}

#[tokio::test]
async fn a_user_not_assigned_to_the_app_is_denied_through_the_form() {
    let org = Org::start().await;
    let st = org.session_token("outsider@example.com", "pw-out").await;
    let res = org
        .authorize("default", &spa_authorize(&st, "openid"))
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
    let res = org
        .authorize_alice(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("response_type", "id_token token"),
                ("scope", "openid profile email groups offline_access"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("nonce", "n-2"),
                ("prompt", "none"),
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

    let (_, h, keys) = json_of(org.get("/oauth2/v1/keys").await).await;
    assert_eq!(h["cache-control"], "max-age=86400, must-revalidate");
    assert!(h.get("x-rate-limit-limit").is_none());
    let kids: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    // Only the ID-token key: only Okta may validate org-server access tokens.
    assert_eq!(kids, [kid(id)]);
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
    let (_, _, custom) = json_of(org.get("/oauth2/default/v1/keys").await).await;
    assert_eq!(custom["keys"].as_array().unwrap().len(), 1);
    assert_ne!(
        custom["keys"][0]["kid"],
        kid(id).as_str(),
        "a key per server"
    );
}

#[tokio::test]
async fn id_token_alone_carries_every_requested_claim() {
    let org = Org::start().await;
    let res = org
        .authorize_alice(
            "default",
            &[
                ("client_id", "idonly-client"),
                ("response_type", "id_token"),
                ("response_mode", "form_post"),
                ("scope", "openid profile email"),
                ("redirect_uri", "http://localhost:8080/id/callback"),
                ("state", "s"),
                ("nonce", "n"),
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
    let res = org
        .authorize_alice(
            "default",
            &[
                ("client_id", "idonly-client"),
                ("response_type", "id_token"),
                ("response_mode", "okta_post_message"),
                ("scope", "openid"),
                ("redirect_uri", "http://localhost:8080/id/callback"),
                ("state", "a-b"),
                ("nonce", "n"),
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

/// okta-auth-js's `getWithoutPrompt` asks for `code` through `okta_post_message` with PKCE, and
/// Okta serves it: the page posts a code that redeems with the verifier.
#[tokio::test]
async fn post_message_with_a_pkce_code_yields_a_code_that_redeems() {
    let org = Org::start().await;
    let st = org.alice().await;
    let mut params = spa_authorize(&st, "openid profile");
    for (k, v) in &mut params {
        if *k == "response_mode" {
            *v = "okta_post_message";
        }
    }
    let res = org.authorize("default", &params).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("window.parent.postMessage(data, "), "{page}");
    let escaped = page
        .lines()
        .find_map(|l| l.strip_prefix("data.code = '")?.strip_suffix("';"))
        .unwrap_or_else(|| panic!("no code in {page}"));
    // The page escapes values as JavaScript `\xHH`; a code may hold `-`.
    let code = js_unescape(escaped);
    assert!(page.contains("data.state = 'st\\x2D1';"), "{page}");
    let res = org.token("default", &spa_redemption(&code)).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("eyJ"))
    );
}

/// A JavaScript string literal's `\xHH` escapes undone: as `\u00HH` they are JSON's, which
/// serde_json reads.
fn js_unescape(escaped: &str) -> String {
    serde_json::from_str(&format!("\"{}\"", escaped.replace("\\x", "\\u00")))
        .expect("a JavaScript string the page wrote")
}
