//! The discovery documents of the org and custom servers (`openid-configuration` and
//! `oauth-authorization-server`).

use reqwest::header::CONTENT_TYPE;
use serde_json::json;

use super::*;
use crate::support::*;

#[tokio::test]
async fn discovery_documents_for_every_server() {
    let org = Org::start().await;
    let get = |path: &'static str| {
        let org = &org;
        async move { json_of(org.get(path).await).await }
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
        .get("/oauth2/nosuch/.well-known/openid-configuration")
        .await;
    assert_not_found(res, "nosuch", "AuthorizationServer").await;
    let res = org.get("/oauth2/org/v1/keys").await;
    assert_not_found(res, "org", "AuthorizationServer").await;
    assert_eq!(org.fake.stats().requests("discovery"), 6);
}
