//! Whose keys sign and verify which tokens, as on Okta: each authorization server has keys of
//! its own and rotates them on its own; the org server publishes the key of its ID tokens but
//! never the key of its access tokens, which only Okta may validate.

use jsonwebtoken::errors::ErrorKind;
use serde_json::{Value, json};

use super::*;
use crate::support::*;

/// An org with a second custom server, `orders`, besides `org` and `default`.
const YAML: &str = r#"
org_url: fake
servers:
  orders: { audience: api://orders, scopes: [orders:read] }
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/login/callback", flow: code, scopes: [openid, profile, email] }
users:
  alice: { username: alice@example.com, password: correct-horse, app: spa }
"#;

/// Every server of [`YAML`] with the `aud` of its access tokens.
fn servers(org: &Org) -> [(&'static str, String); 3] {
    [
        ("org", org.fake.org_url().to_owned()),
        ("default", "api://default".to_owned()),
        ("orders", "api://orders".to_owned()),
    ]
}

/// alice's access token and ID token from the SPA's code flow on `server`.
async fn tokens(org: &Org, server: &str) -> (String, String) {
    let code = org.alice_code(server, "openid profile").await;
    let res = org.token(server, &spa_redemption(&code)).await;
    assert_eq!(res.status(), 200, "{server}");
    let v: Value = res.json().await.unwrap();
    let token = |name: &str| v[name].as_str().unwrap().to_owned();
    (token("access_token"), token("id_token"))
}

/// `POST {server}/v1/introspect` of `token` by the SPA (a public client names itself).
async fn introspect(org: &Org, server: &str, token: &str) -> Value {
    let path = format!("{}/v1/introspect", prefix(server));
    let form = [("token", token), ("client_id", "spa-client")];
    let (status, _, v) = json_of(org.post_form(&path, None, &form).await).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Okta: "Okta is the only app that should consume or validate access tokens from the org
/// authorization server" (developer.okta.com/docs/guides/validate-access-tokens/); their `kid`
/// is missing from `/oauth2/v1/keys` by design. The fake publishes that key nowhere, and still
/// honours the token at its own endpoints, as Okta's APIs do.
#[tokio::test]
async fn an_org_server_access_token_verifies_against_no_jwks_the_fake_publishes() {
    let org = Org::from_yaml(YAML).await;
    let url = org.fake.org_url().to_owned();
    let (access, id) = tokens(&org, "org").await;
    let org_keys = jwks(&org, "org").await;
    assert_eq!(kids(&org_keys), [kid(&id)], "the ID-token key only");
    let c = verify(&id, &org_keys, &url, "spa-client").expect("org ID tokens verify");
    assert_eq!(c["iss"], url.as_str());

    assert_ne!(kid(&access), kid(&id));
    assert_eq!(claims(&access)["aud"], url.as_str());
    for server in org.fake.servers() {
        let set = jwks(&org, &server).await;
        assert!(set.find(&kid(&access)).is_none(), "{server} publishes it");
    }
    assert_eq!(
        verify(&access, &org_keys, &url, &url),
        Err(ErrorKind::InvalidKeyFormat),
        "a resource server finds no key for it"
    );

    assert_eq!(org.userinfo("org", &access).await.status(), 200);
    assert_eq!(introspect(&org, "org", &access).await["active"], true);
    // Minted org tokens are signed the same way.
    let minted = org.fake.mint().server("org").user("alice").sign();
    assert_eq!(kid(&minted), kid(&access));
    assert_eq!(org.userinfo("org", &minted).await.status(), 200);
}

/// Each server signs its ID and access tokens with its own key, the only key of its JWKS: a
/// token of one server verifies against no other server's JWKS, and the fake's own endpoints
/// check a token with its server's keys.
#[tokio::test]
async fn a_token_of_one_server_verifies_against_no_other_servers_jwks() {
    let org = Org::from_yaml(YAML).await;
    let mut sets = Vec::new();
    for (server, _) in servers(&org) {
        let set = jwks(&org, server).await;
        assert_eq!(set.keys.len(), 1, "{server}");
        sets.push((server, set));
    }
    let mut all: Vec<String> = sets.iter().flat_map(|(_, set)| kids(set)).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 3, "three servers, three keys");

    for (server, audience) in servers(&org) {
        let issuer = org.fake.issuer(server);
        let (access, id) = tokens(&org, server).await;
        for (other, set) in &sets {
            if *other == server {
                verify(&id, set, &issuer, "spa-client").unwrap();
                if server != "org" {
                    assert_eq!(kid(&access), kid(&id), "one key per custom server");
                    verify(&access, set, &issuer, &audience).unwrap();
                }
            } else {
                for token in [&access, &id] {
                    assert_eq!(
                        verify(token, set, &issuer, &audience),
                        Err(ErrorKind::InvalidKeyFormat),
                        "a token of {server} against the keys of {other}"
                    );
                }
            }
        }
    }

    // A token of default's key that claims to be orders': Okta's orders server refuses it.
    let orders = org.fake.issuer("orders");
    let forged = org
        .fake
        .mint()
        .server("default")
        .user("alice")
        .issuer(orders.as_str())
        .audience("api://orders")
        .sign();
    assert_eq!(org.userinfo("orders", &forged).await.status(), 401);
    assert_eq!(
        introspect(&org, "orders", &forged).await,
        json!({"active": false})
    );
    let genuine = org.fake.mint().server("orders").user("alice").sign();
    assert_eq!(org.userinfo("orders", &genuine).await.status(), 200);
}

/// Okta rotates keys per authorization server ("If you're using a custom authorization
/// server, configure and perform key rollover/rotation at the Authorization Server level",
/// developer.okta.com/docs/concepts/key-rotation/): rotating one server leaves the others'
/// keys alone.
#[tokio::test]
async fn keys_rotate_per_server() {
    let org = Org::from_yaml(YAML).await;
    let mut before = Vec::new();
    for (server, _) in servers(&org) {
        before.push((server, kids(&jwks(&org, server).await)));
    }
    let published = |server: &str| {
        before
            .iter()
            .find(|(s, _)| *s == server)
            .map(|(_, k)| k.clone())
            .unwrap()
    };

    // HTTP: `orders` alone.
    let (status, _, rotated) = json_of(
        org.http
            .post(org.url("/_fake/servers/orders/keys/rotate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new_orders = rotated["kid"].as_str().unwrap().to_owned();
    assert_eq!(rotated["server"], "orders");
    assert_eq!(rotated["access_kid"], new_orders.as_str());
    assert_eq!(rotated["retired_kids"], json!(published("orders")));
    let mut orders_now = vec![new_orders.clone()];
    orders_now.extend(published("orders"));
    assert_eq!(kids(&jwks(&org, "orders").await), orders_now);
    for server in ["org", "default"] {
        assert_eq!(
            kids(&jwks(&org, server).await),
            published(server),
            "{server}"
        );
    }
    let (access, _) = tokens(&org, "orders").await;
    assert_eq!(kid(&access), new_orders);
    let (access, _) = tokens(&org, "default").await;
    assert_eq!(kids(&jwks(&org, "default").await), [kid(&access)]);

    // Rust: the org server gets a new ID-token key and a new (still unpublished) access key.
    let (old_access, _) = tokens(&org, "org").await;
    let new_org = org.fake.rotate_keys("org").await.unwrap();
    let mut org_now = vec![new_org.clone()];
    org_now.extend(published("org"));
    assert_eq!(kids(&jwks(&org, "org").await), org_now);
    assert_eq!(kids(&jwks(&org, "orders").await), orders_now);
    let (new_access, id) = tokens(&org, "org").await;
    assert_eq!(kid(&id), new_org);
    assert_ne!(kid(&new_access), kid(&old_access));
    for server in org.fake.servers() {
        let set = jwks(&org, &server).await;
        assert!(
            set.find(&kid(&new_access)).is_none(),
            "{server} publishes it"
        );
    }
    for token in [&old_access, &new_access] {
        assert_eq!(org.userinfo("org", token).await.status(), 200);
    }

    // A server the org does not have.
    let res = org
        .http
        .post(org.url("/_fake/servers/nope/keys/rotate"))
        .send()
        .await
        .unwrap();
    assert_okta_error(
        res,
        404,
        "E0000007",
        "Not found: Resource not found: nope (AuthorizationServer)",
    )
    .await;
    let err = org.fake.rotate_keys("nope").await.unwrap_err();
    assert!(
        matches!(&err, okta_fixtures::Error::UnknownServer { name, .. } if name == "nope"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`orders`") && message.contains("`org`"),
        "{message}"
    );
}
