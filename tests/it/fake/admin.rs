//! The embedded fake's admin surface over HTTP and its Rust mirror: key rotation, reset,
//! minted tokens for resource-server tests, and what it tells the CLI (servers, key folder).

use jsonwebtoken::errors::ErrorKind;
use serde_json::json;

use super::{INVALID_REFRESH, Org, jwks, key_dir, kids, spa_authorize, spa_redemption, verify};
use crate::support::{assert_oauth_error, claims, form_fields, json_of, kid};

#[tokio::test]
async fn key_rotation_keeps_the_previous_keys_until_the_next_rotation() {
    let org = Org::start().await;
    let issuer = org.fake.issuer("default");
    let first = org.alice_tokens("openid profile").await;
    let first_at = first["access_token"].as_str().unwrap().to_owned();
    let before = jwks(&org, "default").await;
    assert_eq!(kids(&before), [kid(&first_at)]);
    let org_before = kids(&jwks(&org, "org").await);
    assert_eq!(
        org_before.len(),
        1,
        "the org server publishes its ID-token key only"
    );

    // Rust API: only `default` rotates.
    let new_kid = org.fake.rotate_keys("default").await.unwrap();
    let after = jwks(&org, "default").await;
    assert_eq!(kids(&after), [new_kid.clone(), kid(&first_at)]);
    assert_eq!(
        kids(&jwks(&org, "org").await),
        org_before,
        "other servers keep theirs"
    );
    let second = org
        .spa_tokens("bob@example.com", "battery-staple", "openid profile")
        .await;
    let second_at = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid(&second_at), new_kid);
    assert_eq!(kid(second["id_token"].as_str().unwrap()), new_kid);
    for token in [&first_at, &second_at] {
        verify(token, &after, &issuer, "api://default").unwrap();
        assert_eq!(org.userinfo("default", token).await.status(), 200);
    }

    // HTTP: the first keys leave the JWKS, and the fake no longer honours their tokens.
    let (status, _, rotated) = json_of(
        org.http
            .post(org.url("/_fake/servers/default/keys/rotate"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let third_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert_eq!(rotated["server"], "default");
    assert_eq!(
        rotated["access_kid"],
        third_kid.as_str(),
        "one key per custom server"
    );
    assert_eq!(rotated["retired_kids"], json!([new_kid]));
    let latest = jwks(&org, "default").await;
    assert_eq!(kids(&latest), [third_kid, new_kid]);
    assert_eq!(
        verify(&first_at, &latest, &issuer, "api://default"),
        Err(ErrorKind::InvalidKeyFormat),
        "the first kid is gone"
    );
    assert_eq!(org.userinfo("default", &first_at).await.status(), 401);
    assert_eq!(org.userinfo("default", &second_at).await.status(), 200);
    // Rotation lives in memory: a fake started from the same folder signs with the kept keys.
    let again = Org::start().await;
    assert_eq!(kids(&jwks(&again, "default").await), [kid(&first_at)]);
}

#[tokio::test]
async fn reset_forgets_counts_codes_sessions_refresh_tokens_and_faults() {
    let org = Org::start().await;
    let tokens = org.alice_tokens("openid offline_access").await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let code = org
        .spa_code("default", "bob@example.com", "battery-staple", "openid")
        .await;
    let unused = org.session_token("bob@example.com", "battery-staple").await;
    let _fault = org.fake.fault(okta_fixtures::fake::FaultSpec {
        endpoint: okta_fixtures::fake::FaultEndpoint::Keys,
        kind: okta_fixtures::fake::FaultKind::Status(500),
        user: None,
        client_id: None,
        times: None,
    });
    assert!(org.fake.stats().total_sign_ins() == 2);

    // HTTP, then the same through Rust later in the test.
    let res = org.http.post(org.url("/_fake/reset")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let stats = org.fake.stats();
    assert_eq!(
        (
            stats.total_sign_ins(),
            stats.requests("authn"),
            stats.requests("token")
        ),
        (0, 0, 0)
    );
    assert_eq!(
        org.get("/oauth2/v1/keys").await.status(),
        200,
        "the fault is gone"
    );
    assert_oauth_error(
        org.token("default", &spa_redemption(&code)).await,
        400,
        "invalid_grant",
        "The authorization code is invalid or has expired.",
    )
    .await;
    assert_oauth_error(
        org.spa_refresh(&refresh).await,
        400,
        "invalid_grant",
        INVALID_REFRESH,
    )
    .await;
    let res = org
        .authorize("default", &spa_authorize(&unused, "openid"))
        .await;
    assert_eq!(
        form_fields(&res.text().await.unwrap())["error"],
        "login_required"
    );
    // Keys stay: tokens issued before still work.
    assert_eq!(org.userinfo("default", &access).await.status(), 200);

    org.alice().await;
    assert_eq!(org.fake.stats().requests("authn"), 1);
    org.fake.reset();
    assert_eq!(org.fake.stats().requests("authn"), 0);
}

#[tokio::test]
async fn minted_tokens_cover_what_resource_servers_must_refuse() {
    let org = Org::start().await;
    let issuer = org.fake.issuer("default");
    let set = jwks(&org, "default").await;
    let audience = "api://default";

    let good = org
        .fake
        .mint()
        .user("alice")
        .client("web-client")
        .scopes(["openid", "profile", "orders:read"])
        .claim("tier", "platinum")
        .sign();
    let c = verify(&good, &set, &issuer, audience).unwrap();
    assert_eq!(c["sub"], "alice@example.com");
    assert_eq!(c["cid"], "web-client");
    assert_eq!(c["scp"], json!(["openid", "profile", "orders:read"]));
    assert_eq!(
        c["groups"],
        json!(["Everyone", "admins"]),
        "server access_claims apply"
    );
    assert_eq!(c["department"], "eng", "the user's own claims apply");
    assert_eq!(
        c["tier"], "platinum",
        "chosen claims replace configured ones"
    );
    // Indistinguishable from an issued token for the fake's own endpoints.
    let (status, _, info) = json_of(org.userinfo("default", &good).await).await;
    assert_eq!(status, 200);
    assert_eq!(info["preferred_username"], "alice@example.com");

    let expired = org.fake.mint().user("alice").expired().sign();
    assert_eq!(
        verify(&expired, &set, &issuer, audience),
        Err(ErrorKind::ExpiredSignature)
    );
    assert_eq!(org.userinfo("default", &expired).await.status(), 401);

    let tampered = org.fake.mint().user("alice").wrong_signature().sign();
    assert!(set.find(&kid(&tampered)).is_some(), "names the real kid");
    assert_eq!(
        verify(&tampered, &set, &issuer, audience),
        Err(ErrorKind::InvalidSignature)
    );
    assert_eq!(org.userinfo("default", &tampered).await.status(), 401);

    let foreign = org
        .fake
        .mint()
        .user("alice")
        .issuer("https://evil.example.com")
        .sign();
    assert_eq!(
        verify(&foreign, &set, &issuer, audience),
        Err(ErrorKind::InvalidIssuer)
    );
    let other_api = org.fake.mint().user("alice").audience("api://other").sign();
    assert_eq!(
        verify(&other_api, &set, &issuer, audience),
        Err(ErrorKind::InvalidAudience)
    );
    let short = org
        .fake
        .mint()
        .expires_in(std::time::Duration::from_secs(90))
        .sign();
    let c = claims(&short);
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 90);
    assert_eq!(c["sub"], c["cid"], "without a user it is a client's token");

    // The org server signs its access tokens, as Okta does, with a key it publishes nowhere.
    let org_token = org.fake.mint().server("org").user("bob").sign();
    assert_eq!(claims(&org_token)["sub"], "bob@example.com");
    assert_ne!(kid(&org_token), kid(&good));
    let org_set = jwks(&org, "org").await;
    assert_eq!(
        verify(&org_token, &org_set, org.fake.org_url(), org.fake.org_url()),
        Err(ErrorKind::InvalidKeyFormat),
        "no JWKS has the key of org-server access tokens"
    );
    assert_eq!(
        org.userinfo("org", &org_token).await.status(),
        200,
        "Okta's own API takes it"
    );
}

#[tokio::test]
async fn servers_and_key_folder_are_what_the_fake_serves() {
    let org = Org::start().await;
    assert_eq!(org.fake.servers(), ["default", "org"]);
    assert_eq!(org.fake.key_dir(), key_dir());
    for server in org.fake.servers() {
        let prefix = if server == "org" {
            String::new()
        } else {
            format!("/oauth2/{server}")
        };
        let url = org.url(&format!("{prefix}/.well-known/openid-configuration"));
        let (status, _, doc) = json_of(org.http.get(url).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(doc["issuer"], org.fake.issuer(&server).as_str());
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures.yaml");
    let config = okta_fixtures::config::load(&root, &|_| None).unwrap();
    let fake = okta_fixtures::fake::FakeOkta::builder()
        .config(&config)
        .key_dir(key_dir())
        .start()
        .await
        .unwrap();
    assert!(fake.servers().contains(&"default".to_owned()));
    assert!(okta_fixtures::fake::default_key_dir().ends_with("fake"));
}

/// What a web page in a browser could send to `/_fake/` is refused (403 `E0000006`) and
/// changes nothing: another `Host` (DNS rebinding), another site's `Origin`, and the bodies a
/// page sends without a CORS preflight (`text/plain`, a form, multipart).
#[tokio::test]
async fn admin_requests_a_browser_page_could_send_are_refused() {
    use reqwest::header::{CONTENT_TYPE, HOST, ORIGIN};

    let org = Org::start().await;
    org.alice_tokens("openid").await;
    let own_host = org.fake.org_url().trim_start_matches("http://").to_owned();
    let port = own_host.rsplit(':').next().unwrap().to_owned();
    let fault = r#"{"endpoint":"token","kind":"status","status":500}"#;
    let refused = [
        (HOST, format!("rebound.example:{port}"), None),
        (HOST, format!("localhost:{port}"), None),
        (ORIGIN, "http://evil.example".to_owned(), None),
        (ORIGIN, "null".to_owned(), None),
        (
            CONTENT_TYPE,
            "text/plain;charset=UTF-8".to_owned(),
            Some(fault),
        ),
        (
            CONTENT_TYPE,
            "application/x-www-form-urlencoded".to_owned(),
            Some(fault),
        ),
        (
            CONTENT_TYPE,
            "multipart/form-data; boundary=x".to_owned(),
            Some(fault),
        ),
    ];
    for (name, value, body) in refused {
        let path = if body.is_some() {
            "/_fake/faults"
        } else {
            "/_fake/reset"
        };
        let mut req = org.http.post(org.url(path)).header(&name, &value);
        if let Some(body) = body {
            req = req.body(body);
        }
        let res = req.send().await.unwrap();
        let (status, _, body) = json_of(res).await;
        assert_eq!(status, 403, "{name}: {value}");
        assert_eq!(body["errorCode"], "E0000006", "{name}: {value}");
    }
    assert_eq!(
        org.fake.stats().total_sign_ins(),
        1,
        "no reset went through"
    );
    let res = org.http.get(org.url("/_fake/faults")).send().await.unwrap();
    assert_eq!(
        json_of(res).await.2["faults"],
        json!([]),
        "no fault was added"
    );

    // What a test process sends still works: its own Host, no Origin or its own, JSON.
    let res = org
        .http
        .post(org.url("/_fake/faults"))
        .header(CONTENT_TYPE, "application/json")
        .header(ORIGIN, org.fake.org_url())
        .body(fault)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = org.http.post(org.url("/_fake/reset")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(org.fake.stats().total_sign_ins(), 0);
}
