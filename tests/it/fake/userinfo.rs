//! `/v1/userinfo`: claims by scope, and the `WWW-Authenticate` challenge for bad tokens.

use std::time::Duration;

use reqwest::{Response, StatusCode};

use super::*;
use crate::support::*;

#[tokio::test]
async fn userinfo_answers_by_scope_and_refuses_bad_tokens() {
    let org = Org::start().await;
    let v = org.alice_tokens("openid profile email").await;
    let at = v["access_token"].as_str().unwrap().to_owned();
    let url = org.url("/oauth2/default/v1/userinfo");
    let (s, _, u) = json_of(org.userinfo("default", &at).await).await;
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
    let res = org.get("/oauth2/default/v1/userinfo").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_request", error_description="The access token is missing.""#
    );
    let res = org.userinfo("default", "not.a.jwt").await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_token", error_description="The access token is invalid.""#
    );
    assert_eq!(res.text().await.unwrap(), "");
    // A token from another server is not this server's.
    let res = org.userinfo("org", &at).await;
    assert_eq!(res.status(), 401);
    // Tampered: another user's claims with Alice's signature.
    let parts: Vec<&str> = at.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1].replacen('e', "f", 1),
        parts[2]
    );
    assert_eq!(org.userinfo("default", &forged).await.status(), 401);
    // Without openid: 403 insufficient_scope.
    let code = web_code(&org, "orders:read").await;
    let (_, _, v) = json_of(
        org.token_as(
            ("web-client", "web-secret"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", WEB_CB),
            ],
        )
        .await,
    )
    .await;
    assert!(v.get("id_token").is_none());
    let res = org
        .userinfo("default", v["access_token"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 403);
    assert!(challenge(&res).contains("insufficient_scope"));
    // Expired.
    org.clock.advance(Duration::from_secs(3601));
    let res = org.userinfo("default", &at).await;
    assert_eq!(
        challenge(&res),
        r#"Bearer error="invalid_token", error_description="The token has expired.""#
    );
}
