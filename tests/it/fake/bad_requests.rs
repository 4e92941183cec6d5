//! Hostile input on every endpoint: wrong methods, unknown paths, malformed, oversized and
//! repeated parameters get Okta-shaped refusals, and the fake keeps serving.

use reqwest::header::CONTENT_TYPE;
use rstest::rstest;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;
use crate::support::*;

/// Form bodies `/v1/token` cannot take: oversized, repeated, too many or undecodable parameters.
#[rstest]
#[case::an_oversized_parameter(
    format!("grant_type=x&scope={}", "a".repeat(100 * 1024)),
    400,
    "invalid_request",
    "Invalid request"
)]
#[case::a_repeated_parameter(
    "client_id=spa-client&grant_type=a&grant_type=b".into(),
    400,
    "invalid_request",
    "The request contained multiple parameters with the same name."
)]
#[case::too_many_parameters(
    (0..200).map(|i| format!("p{i}=v&")).collect(),
    400,
    "invalid_request",
    "Invalid request"
)]
#[case::an_undecodable_client_id(
    "client_id=%FF%FE%ZZ&grant_type=%00".into(),
    401,
    "invalid_client",
    "Invalid value for 'client_id' parameter."
)]
#[tokio::test]
async fn malformed_token_forms_get_oauth_errors(
    #[case] body: String,
    #[case] status: u16,
    #[case] error: &str,
    #[case] description: &str,
) {
    let org = Org::start().await;
    let res = org
        .post_raw(
            "/oauth2/default/v1/token",
            "application/x-www-form-urlencoded",
            body,
        )
        .await;
    assert_oauth_error(res, status, error, description).await;
    // Still serving.
    org.alice().await;
}

#[tokio::test]
async fn hostile_input_gets_okta_errors_and_the_fake_keeps_serving() {
    let org = Org::start().await;
    // Wrong methods: wrong_methods_oversized_and_repeated_input_over_http.
    let res = org.get("/api/v1/users").await;
    assert_okta_error(res, 404, "E0000008", "The requested path was not found").await;
    let res = org.get("/oauth2/a/b/v1/token").await;
    assert_okta_error(res, 404, "E0000008", "The requested path was not found").await;

    let huge = "a".repeat(100 * 1024);
    let res = org
        .post_raw("/api/v1/authn", "application/json", huge.clone())
        .await;
    assert_not_well_formed(res).await;
    let res = org
        .get("/oauth2/default/v1/authorize?client_id=%FF&redirect_uri=%E0%80")
        .await;
    assert_eq!(res.status(), 400);
    let res = org
        .post_form(
            "/oauth2/default/v1/authorize?client_id=spa-client",
            None,
            &[("client_id", "spa-client")],
        )
        .await;
    assert_eq!(res.status(), 400);
    // A control character in a header: HTTP clients refuse to send one, so a raw connection
    // does. hyper refuses the header (400) or the fake the token (401): never a crash.
    let addr = org.fake.org_url().trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "GET /oauth2/default/v1/userinfo HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer \x7f\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 400 ") || answer.starts_with("HTTP/1.1 401 "),
        "{answer}"
    );
    let res = org
        .post_form(
            "/oauth2/default/v1/introspect",
            Some(("web-client", "web-secret")),
            &[("token", "eyJ.eyJ.sig"), ("token_type_hint", "id_token")],
        )
        .await;
    assert_eq!(json_of(res).await.2, json!({"active": false}));
    // Still serving.
    org.alice().await;
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
        (
            "/_fake/servers/default/keys/rotate",
            &[Method::GET, Method::PUT],
        ),
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
    let post = |path, content_type| org.post_raw(path, content_type, big.clone());
    let form = "application/x-www-form-urlencoded";
    let res = post("/api/v1/authn", "application/json").await;
    assert_not_well_formed(res).await;
    for path in [
        "/oauth2/default/v1/token",
        "/oauth2/default/v1/introspect",
        "/oauth2/default/v1/revoke",
    ] {
        let res = post(path, form).await;
        assert_oauth_error(res, 400, "invalid_request", "Invalid request").await;
    }
    let res = post("/oauth2/default/v1/userinfo", form).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_request")
    );
    let res = post("/oauth2/default/v1/authorize", form).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    let res = post("/_fake/faults", "application/json").await;
    assert_not_well_formed(res).await;

    // A 40 KB query string and repeated parameters: the 400 page, not a redirect.
    let res = org
        .get(&format!(
            "/oauth2/default/v1/authorize?client_id=spa-client&redirect_uri={}&state={}",
            "http%3A%2F%2Flocalhost%3A8080%2Flogin%2Fcallback",
            "s".repeat(40 * 1024)
        ))
        .await;
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
    let tokens = org.alice_tokens("openid").await;
    assert!(tokens["id_token"].is_string());
}
