//! `/api/v1/authn` and its `skip` and `cancel`: Okta's primary authentication, each user status.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use rstest::rstest;
use serde_json::json;

use super::*;
use crate::support::*;

#[tokio::test]
async fn authn_success_has_okta_shape_and_headers() {
    let org = Org::start().await;
    let res = org
        .authn(json!({"username": "alice@example.com", "password": "correct-horse"}))
        .await;
    let (status, h, v) = json_of(res).await;
    assert_eq!(status, 200);
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert!(h["x-okta-request-id"].to_str().unwrap().starts_with("req"));
    assert_eq!(h["x-rate-limit-limit"], "1200");
    assert_eq!(h["x-rate-limit-remaining"], "1199");
    assert!(
        h["x-rate-limit-reset"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(h["cache-control"], "no-cache, no-store");
    assert_eq!(h["pragma"], "no-cache");
    assert_eq!(h["expires"], "0");
    assert_eq!(v["status"], "SUCCESS");
    let token = v["sessionToken"].as_str().unwrap();
    assert_eq!(token.len(), 55);
    assert!(token.starts_with("20111"));
    let expires = v["expiresAt"].as_str().unwrap();
    assert_eq!(expires.len(), 24, "{expires}");
    assert!(expires.ends_with('Z'));
    let user = &v["_embedded"]["user"];
    assert!(user["id"].as_str().unwrap().starts_with("00u"));
    assert_eq!(user["profile"]["login"], "alice@example.com");
    assert_eq!(user["profile"]["firstName"], "Alice");
    assert_eq!(user["profile"]["lastName"], "Anderson");
    assert_eq!(
        v["_links"]["cancel"]["href"],
        org.url("/api/v1/authn/cancel")
    );
    assert_eq!(v["_links"]["cancel"]["hints"]["allow"], json!(["POST"]));
    // Logins match case-insensitively, as in Okta.
    org.session_token("ALICE@example.com", "correct-horse")
        .await;
    assert_eq!(org.fake.stats().requests("authn"), 2);
}

/// Okta's authn takes a user's short name (the login before `@`) as well as the full login;
/// a short name that two users share names neither.
#[tokio::test]
async fn a_short_name_signs_in_its_one_user() {
    let org = Org::from_yaml(
        r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/cb", flow: code }
users:
  alice: { username: alice@example.com, password: pw-a, app: spa }
  sam: { username: sam@one.example, password: pw-s, app: spa }
  samantha: { username: Sam@two.example, password: pw-s, app: spa }
"#,
    )
    .await;
    let res = org
        .authn(json!({"username": "Alice", "password": "pw-a"}))
        .await;
    let (status, _, v) = json_of(res).await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(
        v["_embedded"]["user"]["profile"]["login"],
        "alice@example.com"
    );
    // Two logins start with `sam@`: the short name is no one's.
    let res = org
        .authn(json!({"username": "sam", "password": "pw-s"}))
        .await;
    let (status, _, v) = json_of(res).await;
    assert_eq!(status, 401);
    assert_eq!(v["errorCode"], "E0000004");
    // A wrong password with a short name fails as any other.
    let res = org
        .authn(json!({"username": "alice", "password": "nope"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A wrong password, an unknown user, a hidden lockout and a federated user look the same.
#[rstest]
#[case::wrong_password("alice@example.com", "wrong")]
#[case::unknown_user("nobody@example.com", "x")]
#[case::locked_out_hidden("hidden@example.com", "pw-hidden")]
#[case::federated("federated@example.com", "pw-fed")]
#[case::wrong_password_with_a_status("mfa@example.com", "nope")]
#[tokio::test]
async fn authn_failures_are_okta_errors(#[case] username: &str, #[case] password: &str) {
    let org = Org::start().await;
    assert_okta_error(
        org.authn(json!({"username": username, "password": password}))
            .await,
        401,
        "E0000004",
        "Authentication failed",
    )
    .await;
}

#[tokio::test]
async fn malformed_authn_bodies_are_okta_errors() {
    let org = Org::start().await;
    let res = org
        .post_raw("/api/v1/authn", "application/json", "{not json")
        .await;
    assert_not_well_formed(res).await;
    let res = org.authn(json!({"username": 42, "password": "x"})).await;
    assert_not_well_formed(res).await;
    let v = assert_okta_error(
        org.authn(json!({"username": "alice@example.com"})).await,
        400,
        "E0000001",
        "Api validation failed: password",
    )
    .await;
    assert_eq!(
        v["errorCauses"][0]["errorSummary"],
        "password: The field cannot be left blank"
    );
}

#[tokio::test]
async fn authn_statuses_follow_the_configured_user() {
    let org = Org::start().await;
    let authn = |u: &str, p: &str| org.authn(json!({"username": u, "password": p}));

    let (_, _, v) = json_of(authn("mfa@example.com", "pw-mfa").await).await;
    assert_eq!(v["status"], "MFA_REQUIRED");
    assert_eq!(v["stateToken"].as_str().unwrap().len(), 42);
    assert!(v.get("sessionToken").is_none());
    assert_eq!(
        v["_embedded"]["factors"][0]["factorType"],
        "token:software:totp"
    );
    assert!(v["_links"]["cancel"].is_object());
    assert!(v["_links"]["skip"].is_null());

    let (_, _, v) = json_of(authn("enroll@example.com", "pw-enroll").await).await;
    assert_eq!(v["status"], "MFA_ENROLL");
    assert_eq!(v["_embedded"]["factors"][0]["enrollment"], "REQUIRED");
    assert!(v["_links"]["skip"].is_null());

    let (_, _, v) = json_of(authn("enroll-optional@example.com", "pw-eo").await).await;
    assert_eq!(v["status"], "MFA_ENROLL");
    assert_eq!(v["_embedded"]["factors"][0]["enrollment"], "OPTIONAL");
    assert_eq!(v["_links"]["skip"]["href"], org.url("/api/v1/authn/skip"));

    let (_, _, v) = json_of(authn("expired@example.com", "pw-expired").await).await;
    assert_eq!(v["status"], "PASSWORD_EXPIRED");
    assert_eq!(v["_links"]["next"]["name"], "changePassword");
    assert!(v["_embedded"]["policy"]["complexity"].is_object());

    let (_, _, v) = json_of(authn("reset@example.com", "pw-reset").await).await;
    assert_eq!(v["status"], "PASSWORD_RESET");
    assert_eq!(v["_links"]["next"]["name"], "resetPassword");

    let (s, _, v) = json_of(authn("locked@example.com", "anything").await).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "LOCKED_OUT");
    assert!(v.get("stateToken").is_none());
    assert_eq!(v["_links"]["next"]["name"], "unlock");
}

#[tokio::test]
async fn password_warn_is_shown_only_when_asked_and_can_be_skipped() {
    let org = Org::start().await;
    org.session_token("warn@example.com", "pw-warn").await;
    let res = org
        .authn(
            json!({"username": "warn@example.com", "password": "pw-warn",
                      "options": {"warnBeforePasswordExpired": true}, "relayState": "rs-1"}),
        )
        .await;
    let (_, _, v) = json_of(res).await;
    assert_eq!(v["status"], "PASSWORD_WARN");
    assert_eq!(v["relayState"], "rs-1");
    assert_eq!(
        v["_embedded"]["policy"]["expiration"]["passwordExpireDays"],
        5
    );
    let state_token = v["stateToken"].as_str().unwrap().to_owned();

    // The transaction can be read back with just the stateToken.
    let (_, _, again) = json_of(org.authn(json!({"stateToken": state_token})).await).await;
    assert_eq!(again["status"], "PASSWORD_WARN");

    let skip = |t: &str| {
        org.http
            .post(org.url("/api/v1/authn/skip"))
            .json(&json!({"stateToken": t}))
            .send()
    };
    let (s, _, v) = json_of(skip(&state_token).await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(v["relayState"], "rs-1");
    assert_eq!(v["sessionToken"].as_str().unwrap().len(), 55);
    assert_okta_error(
        skip(&state_token).await.unwrap(),
        401,
        "E0000011",
        INVALID_STATE_TOKEN,
    )
    .await;
    assert_eq!(org.fake.stats().requests("authn_skip"), 2);
}

#[tokio::test]
async fn skip_and_cancel_follow_the_transaction_state() {
    let org = Org::start().await;
    let post = |path: &str, t: &str| {
        org.http
            .post(org.url(path))
            .json(&json!({"stateToken": t}))
            .send()
    };
    let (_, _, v) = json_of(
        org.authn(json!({"username": "expired@example.com", "password": "pw-expired"}))
            .await,
    )
    .await;
    let st = v["stateToken"].as_str().unwrap().to_owned();
    let e = assert_okta_error(
        post("/api/v1/authn/skip", &st).await.unwrap(),
        403,
        "E0000079",
        "This operation is not allowed in the current authentication state.",
    )
    .await;
    assert_eq!(
        e["errorCauses"][0]["errorSummary"],
        "This operation is not allowed in the current authentication state."
    );
    let (s, _, v) = json_of(post("/api/v1/authn/cancel", &st).await.unwrap()).await;
    assert_eq!((s, v), (StatusCode::OK, json!({})));
    assert_okta_error(
        post("/api/v1/authn/cancel", &st).await.unwrap(),
        401,
        "E0000011",
        INVALID_STATE_TOKEN,
    )
    .await;

    // MFA_ENROLL with a skip link can be skipped.
    let (_, _, v) = json_of(
        org.authn(json!({"username": "enroll-optional@example.com", "password": "pw-eo"}))
            .await,
    )
    .await;
    let (_, _, v) = json_of(
        post("/api/v1/authn/skip", v["stateToken"].as_str().unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["status"], "SUCCESS");
    assert_okta_error(
        post("/api/v1/authn/skip", "00garbage").await.unwrap(),
        401,
        "E0000011",
        INVALID_STATE_TOKEN,
    )
    .await;
}

/// Okta locks a user out at the `lockout_after`th failed password in a row (10 by default), and,
/// hiding lockouts, answers `E0000004` from then on, the right password included. A good
/// password before that starts the count again; the fake's reset unlocks.
#[tokio::test]
async fn failed_passwords_lock_the_user_out() {
    let yaml = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/cb", flow: code }
users:
  alice: { username: alice@example.com, password: pw-a, app: spa }
  bob: { username: bob@example.com, password: pw-b, app: spa }
fake:
  users:
    alice: { lockout_after: 3 }
"#;
    let org = Org::with(yaml, Clock::system(), |b| b.per_user_rate_limit(false)).await;
    let fail = |username: &'static str| {
        let org = &org;
        async move {
            assert_okta_error(
                org.authn(json!({"username": username, "password": "stale"}))
                    .await,
                401,
                "E0000004",
                "Authentication failed",
            )
            .await;
        }
    };
    let status_with = |username: &'static str, password: &'static str| {
        let org = &org;
        async move {
            org.authn(json!({"username": username, "password": password}))
                .await
                .status()
        }
    };
    // Two failures, then the right password: signed in, and the count starts again.
    fail("alice@example.com").await;
    fail("alice@example.com").await;
    assert_eq!(status_with("alice@example.com", "pw-a").await, 200);
    for _ in 0..3 {
        fail("alice@example.com").await;
    }
    // Locked: the right password gets the same answer as a wrong one.
    assert_okta_error(
        org.authn(json!({"username": "alice@example.com", "password": "pw-a"}))
            .await,
        401,
        "E0000004",
        "Authentication failed",
    )
    .await;
    // Okta's default for everyone else: 10.
    for _ in 0..9 {
        fail("bob@example.com").await;
    }
    assert_eq!(status_with("bob@example.com", "pw-b").await, 200);
    for _ in 0..10 {
        fail("bob@example.com").await;
    }
    assert_eq!(status_with("bob@example.com", "pw-b").await, 401);
    org.fake.reset();
    assert_eq!(status_with("alice@example.com", "pw-a").await, 200);
    assert_eq!(status_with("bob@example.com", "pw-b").await, 200);
}

/// `lockout_after` is a count of at least 1.
#[rstest]
#[case::zero("0")]
#[case::negative("-1")]
#[case::text("many")]
fn lockout_after_must_be_a_positive_count(#[case] value: &str) {
    let yaml = format!(
        "org_url: fake\napps:\n  spa: {{ client_id: spa-client, redirect_uri: \"http://localhost:8080/cb\", flow: code }}\nusers:\n  alice: {{ username: alice@example.com, password: pw-a, app: spa }}\nfake:\n  users:\n    alice: {{ lockout_after: {value} }}\n"
    );
    let e = okta_fixtures::config::parse_str(&yaml, None, &|_| None).unwrap_err();
    assert!(e.to_string().contains("lockout_after"), "{e}");
}
