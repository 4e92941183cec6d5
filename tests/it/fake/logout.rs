//! `GET …/v1/logout`, the `end_session_endpoint` every server's discovery document names.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use super::*;
use crate::support::*;

const SIGNED_OUT: &str = "http://localhost:8080/signed-out";

/// `GET {path}` with `params` and, if given, a `sid` cookie; no redirect followed.
async fn logout(org: &Org, server: &str, params: &[(&str, &str)], sid: Option<&str>) -> Response {
    let mut req = org
        .http
        .get(org.url(&format!("{}/v1/logout", prefix(server))))
        .query(params);
    if let Some(sid) = sid {
        req = req.header(COOKIE, format!("sid={sid}"));
    }
    req.send().await.unwrap()
}

/// The `sid` cookie an answer sets.
fn sid_of(res: &Response) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("sid=")?.split(';').next())
        .expect("a sid cookie")
        .to_owned()
}

#[tokio::test]
async fn logout_ends_the_session_and_returns_to_a_registered_uri() {
    let org = Org::start().await;
    let st = org.alice().await;
    let res = org
        .authorize("default", &spa_authorize(&st, "openid"))
        .await;
    let sid = sid_of(&res);
    let code = form_fields(&res.text().await.unwrap())["code"].clone();
    let (_, _, tokens) = json_of(org.token("default", &spa_redemption(&code)).await).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();

    let res = logout(
        &org,
        "default",
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", SIGNED_OUT),
            ("state", "bye-1"),
        ],
        Some(&sid),
    )
    .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION], format!("{SIGNED_OUT}?state=bye-1"));
    // The session is gone: a silent sign-in with its cookie is refused.
    let mut silent = spa_authorize("", "openid");
    silent.retain(|(k, _)| *k != "sessionToken");
    let res = org
        .authorize_with("default", &silent, Some(&format!("sid={sid}")))
        .await;
    let f = form_fields(&res.text().await.unwrap());
    assert_eq!(f["error"], "login_required");

    // Without a post_logout_redirect_uri, the org's sign-in page.
    let res = logout(&org, "default", &[("id_token_hint", &id_token)], None).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()[LOCATION], org.url("/"));
}

#[rstest::rstest]
#[case::no_hint(None, None, "The 'id_token_hint' parameter is required.")]
#[case::not_a_token(Some("nope"), None, "The 'id_token_hint' parameter is invalid.")]
#[case::another_servers_token(Some("org"), None, "The 'id_token_hint' parameter is invalid.")]
#[case::unregistered_uri(
    Some("default"),
    Some("http://localhost:8080/elsewhere"),
    "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings"
)]
#[tokio::test]
async fn logout_refusals_are_okta_error_pages(
    #[case] hint_from: Option<&str>,
    #[case] target: Option<&str>,
    #[case] description: &str,
) {
    let org = Org::start().await;
    let hint = match hint_from {
        Some(server @ ("default" | "org")) => {
            let code = org.alice_code(server, "openid").await;
            let (_, _, t) = json_of(org.token(server, &spa_redemption(&code)).await).await;
            t["id_token"].as_str().unwrap().to_owned()
        }
        Some(other) => other.to_owned(),
        None => String::new(),
    };
    let mut params = Vec::new();
    if hint_from.is_some() {
        params.push(("id_token_hint", hint.as_str()));
    }
    if let Some(t) = target {
        params.push(("post_logout_redirect_uri", t));
    }
    let res = logout(&org, "default", &params, None).await;
    assert_eq!(res.status(), 400);
    let text = page_text(&res.text().await.unwrap());
    assert!(text.contains(description), "{text}");
}

#[tokio::test]
async fn every_discovery_document_names_a_logout_endpoint_that_answers() {
    let org = Org::start().await;
    for server in ["org", "default"] {
        let path = match server {
            "org" => "/.well-known/openid-configuration".to_owned(),
            id => format!("/oauth2/{id}/.well-known/openid-configuration"),
        };
        let doc: Value = org.get(&path).await.json().await.unwrap();
        let end = doc["end_session_endpoint"].as_str().unwrap();
        assert_eq!(end, org.url(&format!("{}/v1/logout", prefix(server))));
        assert_eq!(doc["request_parameter_supported"], true);
        // Without a hint it is Okta's 400 page, not a 404.
        let res = org.http.get(end).send().await.unwrap();
        assert_eq!(res.status(), 400, "{server}");
    }
}
