//! `/v1/introspect` and `/v1/revoke`: what a token is, and taking it back.

use serde_json::json;

use super::*;
use crate::support::*;

#[tokio::test]
async fn introspect_and_revoke() {
    let org = Org::start().await;
    let v = org.alice_tokens("openid offline_access").await;
    let (at, rt, id) = (
        v["access_token"].as_str().unwrap().to_owned(),
        v["refresh_token"].as_str().unwrap().to_owned(),
        v["id_token"].as_str().unwrap().to_owned(),
    );
    let post = |path: &'static str, token: String, hint: Option<&'static str>| {
        let org = &org;
        async move {
            let mut form = vec![("token", token.as_str()), ("client_id", "spa-client")];
            if let Some(h) = hint {
                form.push(("token_type_hint", h));
            }
            org.post_form(path, None, &form).await
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
        org.post_form(INTROSPECT, None, &[("token", "x")]).await,
        401,
        "invalid_client",
        "No client credentials found.",
    )
    .await;
    assert_oauth_error(
        org.post_form(INTROSPECT, None, &[("client_id", "spa-client")])
            .await,
        400,
        "invalid_request",
        "The 'token' parameter is required.",
    )
    .await;

    // Another client cannot revoke it.
    let res = org
        .post_form(
            REVOKE,
            Some(("web-client", "web-secret")),
            &[("token", at.as_str())],
        )
        .await;
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
    let res = org.userinfo("default", &at).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token", error_description="The access token has been revoked.""#
    );
    assert_eq!(post(REVOKE, rt.clone(), None).await.status(), 200);
    let res = org.spa_refresh(&rt).await;
    assert_oauth_error(res, 400, "invalid_grant", INVALID_REFRESH).await;
    assert_eq!(
        post(REVOKE, "never-issued".into(), None).await.status(),
        200
    );
    assert_eq!(org.fake.stats().requests("revoke"), 4);
}
