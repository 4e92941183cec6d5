//! Users behind MFA (`fake.users.<user>.mfa`) over real HTTP: `MFA_REQUIRED` as Okta shapes
//! it, a TOTP factor's `verify` on the fake's clock (the ±1 step window, reuse, wrong codes,
//! the lock), the session it yields, and the counts and faults of `verify`.

use std::time::{Duration, UNIX_EPOCH};

use okta_fixtures::fake::{Clock, FaultEndpoint, FaultKind, FaultSpec, ReplayAnswer};
use reqwest::Response;
use serde_json::{Value, json};
use totp_rs::{Algorithm, TOTP};

use super::{Org, SPA_CB, spa_authorize, spa_redemption};
use crate::support::{assert_oauth_error, assert_okta_error, claims, form_fields, json_of};

/// RFC 6238 Appendix B's SHA-1 key ("12345678901234567890") in base32, written as a user
/// might paste it: lower case, spaced, padded.
const SECRET: &str = "gezdgnbvgy3tqojq gezdgnbvgy3tqojq====";

/// carol: Okta Verify's code; dave: push first, then Google Authenticator and Okta Verify, SMS
/// and WebAuthn; erin: push alone; an app whose sign-on asks for a second factor.
fn yaml() -> String {
    format!(
        r#"
apps:
  spa: {{ client_id: spa-client, redirect_uri: "{SPA_CB}", flow: code, scopes: [openid, profile, email] }}
  strict: {{ client_id: strict-client, redirect_uri: "{SPA_CB}", flow: code }}
  ropc: {{ client_id: ropc-client, client_secret: ropc-secret, redirect_uri: "{SPA_CB}", flow: code }}
users:
  alice: {{ username: alice@example.com, password: pw-alice, app: spa }}
  carol: {{ username: carol@example.com, password: pw-carol, totp: "{SECRET}", app: spa }}
  dave: {{ username: dave@example.com, password: pw-dave, totp: "{SECRET}", app: spa }}
  erin: {{ username: erin@example.com, password: pw-erin, app: spa }}
fake:
  users:
    carol: {{ mfa: [totp] }}
    dave: {{ mfa: [push, google_totp, totp, sms, webauthn] }}
    erin: {{ mfa: [push] }}
  apps:
    strict: {{ sign_on: second_factor }}
    ropc: {{ grant_types: [authorization_code, password] }}
"#
    )
}

/// An org on a frozen clock, so steps change only when a test says.
async fn org() -> Org {
    Org::with(&yaml(), Clock::frozen(), |b| b).await
}

/// An authenticator app holding [`SECRET`].
fn app() -> TOTP {
    let bytes = totp_rs::Secret::Encoded("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into())
        .to_bytes()
        .unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes)
}

/// The fake's time, in seconds since the epoch.
fn fake_now(org: &Org) -> u64 {
    org.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code of the step `offset` steps from the fake's.
fn code_at(org: &Org, offset: i64) -> String {
    let t = fake_now(org).checked_add_signed(offset * 30).unwrap();
    app().generate(t)
}

/// Seconds since the epoch of Okta's `expiresAt` (`2021-10-07T18:19:36.000Z`), by Howard
/// Hinnant's `days_from_civil`.
fn epoch_of(iso: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| iso[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
    u64::try_from(secs).unwrap()
}

/// Moves the fake's clock to the first second of its next step.
fn next_step(org: &Org) {
    org.clock
        .advance(Duration::from_secs(30 - fake_now(org) % 30));
}

/// Primary authentication; the answer's JSON, which must be `MFA_REQUIRED`.
async fn mfa_required(org: &Org, username: &str, password: &str) -> Value {
    let (s, _, v) = json_of(
        org.authn(json!({"username": username, "password": password}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "MFA_REQUIRED", "{v}");
    v
}

/// The `verify` link of the factor of `v` with `factor_type` and `provider`.
fn verify_link(v: &Value, factor_type: &str, provider: &str) -> String {
    v["_embedded"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factorType"] == factor_type && f["provider"] == provider)
        .unwrap_or_else(|| panic!("no {factor_type} {provider} factor in {v}"))["_links"]["verify"]
        ["href"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// carol's `MFA_REQUIRED`: its stateToken and her Okta Verify factor's `verify` link.
async fn carol(org: &Org) -> (String, String) {
    let v = mfa_required(org, "carol@example.com", "pw-carol").await;
    let link = verify_link(&v, "token:software:totp", "OKTA");
    (v["stateToken"].as_str().unwrap().to_owned(), link)
}

async fn verify(org: &Org, link: &str, body: Value) -> Response {
    org.http.post(link).json(&body).send().await.unwrap()
}

async fn verify_code(org: &Org, link: &str, state_token: &str, code: &str) -> Response {
    verify(
        org,
        link,
        json!({"stateToken": state_token, "passCode": code}),
    )
    .await
}

/// A `SUCCESS` answer's sessionToken.
async fn session_token(res: Response) -> String {
    let (s, _, v) = json_of(res).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "SUCCESS", "{v}");
    v["sessionToken"].as_str().unwrap().to_owned()
}

/// Okta's 403 for a wrong code.
async fn assert_wrong_code(res: Response) {
    let v = assert_okta_error(res, 403, "E0000068", "Invalid Passcode/Answer").await;
    assert_eq!(
        v["errorCauses"],
        json!([{"errorSummary": "Your passcode doesn't match our records. Please try again."}])
    );
}

/// `MFA_CHALLENGE` with `factorResult: PASSCODE_REPLAYED`, the reference's answer to reuse.
async fn assert_replayed(res: Response, state_token: &str) {
    let (s, _, v) = json_of(res).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "MFA_CHALLENGE", "{v}");
    assert_eq!(v["factorResult"], "PASSCODE_REPLAYED");
    assert_eq!(v["stateToken"], state_token);
    assert_eq!(
        v["_embedded"]["factor"]["factorType"],
        "token:software:totp"
    );
    assert!(v.get("sessionToken").is_none());
}

#[tokio::test]
async fn mfa_required_lists_the_factors_in_the_configured_order() {
    let org = org().await;
    let t0 = fake_now(&org);
    let v = mfa_required(&org, "dave@example.com", "pw-dave").await;
    // The stateToken lives 5 minutes, Okta's lifetime.
    assert_eq!(epoch_of(v["expiresAt"].as_str().unwrap()), t0 + 300);
    assert_eq!(v["stateToken"].as_str().unwrap().len(), 42);
    assert!(v.get("sessionToken").is_none());
    assert_eq!(
        v["_embedded"]["user"]["profile"]["login"],
        "dave@example.com"
    );
    let factors = v["_embedded"]["factors"].as_array().unwrap();
    let kinds: Vec<(&str, &str, &str)> = factors
        .iter()
        .map(|f| {
            (
                f["factorType"].as_str().unwrap(),
                f["provider"].as_str().unwrap(),
                &f["id"].as_str().unwrap()[..3],
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("push", "OKTA", "opf"),
            ("token:software:totp", "GOOGLE", "uft"),
            ("token:software:totp", "OKTA", "ost"),
            ("sms", "OKTA", "sms"),
            ("webauthn", "FIDO", "fwf"),
        ]
    );
    for f in factors {
        let id = f["id"].as_str().unwrap();
        assert_eq!(id.len(), 20);
        assert_eq!(f["vendorName"], f["provider"]);
        let verify = &f["_links"]["verify"];
        assert_eq!(
            verify["href"],
            org.url(&format!("/api/v1/authn/factors/{id}/verify"))
        );
        assert_eq!(verify["hints"]["allow"], json!(["POST"]));
    }
    for totp in &factors[1..3] {
        assert_eq!(totp["profile"], json!({"credentialId": "dave@example.com"}));
    }
    assert_eq!(factors[3]["profile"]["phoneNumber"], "+1 XXX-XXX-0100");
    let push_id = factors[0]["id"].as_str().unwrap();
    assert_eq!(
        v["_embedded"]["policy"],
        json!({
            "allowRememberDevice": false,
            "rememberDeviceLifetimeInMinutes": 0,
            "rememberDeviceByDefault": false,
            "factorsPolicyInfo": {push_id: {"autoPushEnabled": false}}
        })
    );
    assert_eq!(
        v["_links"]["cancel"]["href"],
        org.url("/api/v1/authn/cancel")
    );
    assert!(v["_links"]["next"].is_null());
    let expires_at = v["expiresAt"].as_str().unwrap();
    let (s, _, again) = json_of(org.authn(json!({"stateToken": v["stateToken"]})).await).await;
    assert_eq!(s, 200);
    assert_eq!(again["status"], "MFA_REQUIRED");
    assert_eq!(again["expiresAt"], expires_at);
    let carol = mfa_required(&org, "carol@example.com", "pw-carol").await;
    let only = carol["_embedded"]["factors"].as_array().unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(
        (only[0]["factorType"].as_str(), only[0]["provider"].as_str()),
        (Some("token:software:totp"), Some("OKTA"))
    );
    assert_eq!(carol["_embedded"]["policy"]["factorsPolicyInfo"], json!({}));
}

#[tokio::test]
async fn the_state_token_lives_five_minutes_from_its_last_use() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    org.clock.advance(Duration::from_secs(299));
    assert_wrong_code(verify_code(&org, &link, &state_token, "000000").await).await;
    org.clock.advance(Duration::from_secs(299));
    assert_wrong_code(verify_code(&org, &link, &state_token, "000000").await).await;
    org.clock.advance(Duration::from_secs(301));
    let code = code_at(&org, 0);
    let res = verify_code(&org, &link, &state_token, &code).await;
    assert_okta_error(res, 401, "E0000011", "Invalid token provided").await;
    let res = verify_code(&org, &link, "00unknown", &code).await;
    assert_okta_error(res, 401, "E0000011", "Invalid token provided").await;
    let res = verify(&org, &link, json!({"passCode": code})).await;
    assert_okta_error(res, 401, "E0000011", "Invalid token provided").await;
}

#[tokio::test]
async fn both_providers_accept_the_users_code() {
    let org = org().await;
    for provider in ["GOOGLE", "OKTA"] {
        let v = mfa_required(&org, "dave@example.com", "pw-dave").await;
        let link = verify_link(&v, "token:software:totp", provider);
        let state_token = v["stateToken"].as_str().unwrap();
        // Each factor keeps its own record of the steps it accepted.
        let res = verify_code(&org, &link, state_token, &code_at(&org, 0)).await;
        let (s, _, v) = json_of(res).await;
        assert_eq!(
            (s.as_u16(), &v["status"]),
            (200, &json!("SUCCESS")),
            "{provider}: {v}"
        );
        assert_eq!(
            v["_embedded"]["user"]["profile"]["login"],
            "dave@example.com"
        );
        assert_eq!(v["sessionToken"].as_str().unwrap().len(), 55);
        // A finished transaction is gone.
        let res = verify_code(&org, &link, state_token, &code_at(&org, 1)).await;
        assert_okta_error(res, 401, "E0000011", "Invalid token provided").await;
    }
}

#[tokio::test]
async fn a_code_one_step_either_side_is_accepted_two_steps_are_not() {
    let org = org().await;
    for offset in [-2, 2] {
        let (state_token, link) = carol(&org).await;
        let res = verify_code(&org, &link, &state_token, &code_at(&org, offset)).await;
        assert_wrong_code(res).await;
    }
    for offset in [-1, 0, 1] {
        // Each accepted step must be later than the last; a fresh clock step each round.
        next_step(&org);
        next_step(&org);
        next_step(&org);
        let (state_token, link) = carol(&org).await;
        let res = verify_code(&org, &link, &state_token, &code_at(&org, offset)).await;
        session_token(res).await;
    }
}

#[tokio::test]
async fn a_code_made_one_second_before_a_step_boundary_is_accepted_after_it() {
    let org = org().await;
    next_step(&org);
    org.clock.advance(Duration::from_secs(29));
    let code = app().generate(fake_now(&org));
    let (state_token, link) = carol(&org).await;
    org.clock.advance(Duration::from_secs(1));
    assert_eq!(fake_now(&org) % 30, 0, "at the boundary");
    assert_ne!(code, code_at(&org, 0), "the step changed");
    session_token(verify_code(&org, &link, &state_token, &code).await).await;
}

#[tokio::test]
async fn the_date_header_is_the_fakes_clock_so_a_skewed_machine_still_signs_in() {
    let org = org().await;
    // The fake's clock is an hour ahead of this machine's.
    org.clock.advance(Duration::from_secs(3600));
    let res = org
        .authn(json!({"username": "carol@example.com", "password": "pw-carol"}))
        .await;
    let date = res.headers()["date"].to_str().unwrap().to_owned();
    let okta_time = httpdate::parse_http_date(&date).unwrap();
    assert_eq!(
        httpdate::fmt_http_date(okta_time),
        httpdate::fmt_http_date(org.clock.now())
    );
    let v: Value = res.json().await.unwrap();
    let link = verify_link(&v, "token:software:totp", "OKTA");
    let state_token = v["stateToken"].as_str().unwrap();
    let machine_secs = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let by_machine = app().generate(machine_secs);
    assert_wrong_code(verify_code(&org, &link, state_token, &by_machine).await).await;
    let okta_secs = okta_time.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let by_date = app().generate(okta_secs);
    session_token(verify_code(&org, &link, state_token, &by_date).await).await;
}

#[tokio::test]
async fn a_reused_code_is_refused_and_the_next_steps_code_goes_through() {
    let org = org().await;
    let (first, link) = carol(&org).await;
    let code = code_at(&org, 0);
    session_token(verify_code(&org, &link, &first, &code).await).await;
    // Another sign-in in the same step, with the same code: Okta's PASSCODE_REPLAYED.
    let (second, _) = carol(&org).await;
    assert_replayed(verify_code(&org, &link, &second, &code).await, &second).await;
    // An older step's code is no better once a later one was accepted.
    assert_replayed(
        verify_code(&org, &link, &second, &code_at(&org, -1)).await,
        &second,
    )
    .await;
    // The stateToken goes on: the next step's code, on the same link.
    next_step(&org);
    let (s, _, v) = json_of(org.authn(json!({"stateToken": second})).await).await;
    assert_eq!(
        (s.as_u16(), v["status"].as_str()),
        (200, Some("MFA_CHALLENGE"))
    );
    session_token(verify_code(&org, &link, &second, &code_at(&org, 0)).await).await;
    let counts = org.fake.stats().verifications("carol@example.com");
    assert_eq!((counts.ok, counts.failed, counts.replayed), (2, 0, 2));
}

#[tokio::test]
async fn each_of_oktas_reuse_answers_can_be_injected_on_verify() {
    let org = org().await;
    let fault = |answer| FaultSpec {
        endpoint: FaultEndpoint::Verify,
        kind: FaultKind::Replay(answer),
        user: Some("carol@example.com".into()),
        client_id: None,
        times: Some(1),
    };
    let (state_token, link) = carol(&org).await;
    let code = code_at(&org, 0);

    let _g = org.fake.fault(fault(ReplayAnswer::InvalidPasscode));
    let v = assert_okta_error(
        verify_code(&org, &link, &state_token, &code).await,
        403,
        "E0000068",
        "Invalid Passcode/Answer",
    )
    .await;
    let used_once = "Each code can only be used once. Please wait for a new code and try again.";
    assert_eq!(v["errorCauses"], json!([{"errorSummary": used_once}]));

    let _g = org.fake.fault(fault(ReplayAnswer::E0000082));
    let res = verify_code(&org, &link, &state_token, &code).await;
    let v = assert_okta_error(res, 403, "E0000082", used_once).await;
    assert_eq!(v["errorCauses"], json!([]));

    let _g = org.fake.fault(fault(ReplayAnswer::FactorResult));
    assert_replayed(
        verify_code(&org, &link, &state_token, &code).await,
        &state_token,
    )
    .await;

    // The faults spent neither the code nor the stateToken, and counted nothing.
    session_token(verify_code(&org, &link, &state_token, &code).await).await;
    let counts = org.fake.stats().verifications("carol@example.com");
    assert_eq!((counts.ok, counts.failed, counts.replayed), (1, 0, 0));
    assert_eq!(org.fake.stats().requests("verify"), 4);
}

#[tokio::test]
async fn replay_faults_come_from_fixtures_yaml_and_the_admin_api() {
    let with_fault = format!(
        "{}  faults:\n    - {{ endpoint: verify, kind: replay_e0000082, user: carol@example.com, times: 1 }}\n",
        yaml()
    );
    let org = Org::with(&with_fault, Clock::frozen(), |b| b).await;
    let (state_token, link) = carol(&org).await;
    let code = code_at(&org, 0);
    let res = verify_code(&org, &link, &state_token, &code).await;
    assert_okta_error(
        res,
        403,
        "E0000082",
        "Each code can only be used once. Please wait for a new code and try again.",
    )
    .await;
    let res = org
        .http
        .post(org.url("/_fake/faults"))
        .json(&json!({"endpoint": "verify", "kind": "replay_e0000068", "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, _, listed) = json_of(org.get("/_fake/faults").await).await;
    assert_eq!(listed["faults"][0]["kind"], "replay_e0000068");
    assert_eq!(listed["faults"][0]["endpoint"], "verify");
    let res = verify_code(&org, &link, &state_token, &code).await;
    assert_okta_error(res, 403, "E0000068", "Invalid Passcode/Answer").await;
    session_token(verify_code(&org, &link, &state_token, &code).await).await;
    // Only on verify.
    let res = org
        .http
        .post(org.url("/_fake/faults"))
        .json(&json!({"endpoint": "authn", "kind": "replay_e0000082"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let bad = format!(
        "{}  faults:\n    - {{ endpoint: token, kind: replay_factor_result }}\n",
        yaml()
    );
    let e = okta_fixtures::config::parse_str(&bad, None, &|_| None).unwrap_err();
    assert!(
        e.to_string().contains("acts on the `verify` endpoint only"),
        "{e}"
    );
}

#[tokio::test]
async fn a_wrong_code_leaves_the_state_token_usable() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    assert_wrong_code(verify_code(&org, &link, &state_token, "123456").await).await;
    assert_wrong_code(verify_code(&org, &link, &state_token, "not a code").await).await;
    session_token(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
    let counts = org.fake.stats().verifications("carol@example.com");
    assert_eq!((counts.ok, counts.failed, counts.replayed), (1, 2, 0));
    // No passCode at all is a validation error, not a wrong code.
    let (state_token, link) = carol(&org).await;
    let res = verify(&org, &link, json!({"stateToken": state_token})).await;
    assert_okta_error(res, 400, "E0000001", "Api validation failed: passCode").await;
}

#[tokio::test]
async fn the_fifth_wrong_code_locks_the_factor() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    for _ in 0..4 {
        assert_wrong_code(verify_code(&org, &link, &state_token, "000000").await).await;
    }
    let locked = |res| assert_okta_error(res, 403, "E0000069", "User Locked");
    locked(verify_code(&org, &link, &state_token, "000000").await).await;
    // Locked: the right code too, in this transaction and the next.
    locked(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
    let (state_token, link) = carol(&org).await;
    locked(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
    let counts = org.fake.stats().verifications("carol@example.com");
    assert_eq!((counts.ok, counts.failed, counts.replayed), (0, 7, 0));
    // The fake's reset unlocks.
    org.fake.reset();
    let (state_token, link) = carol(&org).await;
    session_token(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
}

/// The authorize request of the app whose sign-on asks for a second factor.
fn strict(session_token: &str) -> Vec<(&str, &str)> {
    let mut p = spa_authorize(session_token, "openid");
    p[0] = ("client_id", "strict-client");
    p
}

/// A code for alice's password-only session, from the SPA.
async fn alice_code(org: &Org) -> String {
    let st = org.session_token("alice@example.com", "pw-alice").await;
    let res = org
        .authorize("default", &spa_authorize(&st, "openid"))
        .await;
    form_fields(&res.text().await.unwrap())["code"].clone()
}

#[tokio::test]
async fn an_mfa_session_carries_mfa_otp_pwd_and_satisfies_a_second_factor_app() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    let st = session_token(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
    let res = org
        .authorize("default", &spa_authorize(&st, "openid profile"))
        .await;
    assert_eq!(res.status(), 200);
    let code = form_fields(&res.text().await.unwrap())["code"].clone();
    let (s, _, tokens) = json_of(org.token("default", &spa_redemption(&code)).await).await;
    assert_eq!(s, 200, "{tokens}");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["mfa", "otp", "pwd"]));

    // An app whose sign-on asks for a second factor: carol's MFA session satisfies it.
    next_step(&org);
    let (state_token, link) = carol(&org).await;
    let st = session_token(verify_code(&org, &link, &state_token, &code_at(&org, 0)).await).await;
    let res = org.authorize("default", &strict(&st)).await;
    let page = res.text().await.unwrap();
    assert!(form_fields(&page).contains_key("code"), "{page}");
    // alice's password-only session does not.
    let st = org.session_token("alice@example.com", "pw-alice").await;
    let res = org.authorize("default", &strict(&st)).await;
    let fields = form_fields(&res.text().await.unwrap());
    assert_eq!(fields["error"], "login_required");
    assert_eq!(
        fields["error_description"],
        "The client specified not to prompt, but the client app requires re-authentication or MFA."
    );
    // A password-only ID token says so.
    let code = alice_code(&org).await;
    let (_, _, tokens) = json_of(org.token("default", &spa_redemption(&code)).await).await;
    assert_eq!(
        claims(tokens["id_token"].as_str().unwrap())["amr"],
        json!(["pwd"])
    );
}

#[tokio::test]
async fn the_password_grant_refuses_a_user_with_factors() {
    let org = org().await;
    let form = [
        ("grant_type", "password"),
        ("username", "carol@example.com"),
        ("password", "pw-carol"),
        ("scope", "openid"),
    ];
    let res = org.token_as(("ropc-client", "ropc-secret"), &form).await;
    assert_oauth_error(
        res,
        400,
        "invalid_grant",
        "Resource owner password credentials cannot be used with MFA enabled.",
    )
    .await;
}

#[tokio::test]
async fn a_push_waits_forever_and_prev_goes_back_to_the_factors() {
    let org = org().await;
    let v = mfa_required(&org, "erin@example.com", "pw-erin").await;
    let state_token = v["stateToken"].as_str().unwrap();
    let link = verify_link(&v, "push", "OKTA");
    for _ in 0..2 {
        let (s, _, v) =
            json_of(verify(&org, &link, json!({"stateToken": state_token})).await).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], "MFA_CHALLENGE");
        assert_eq!(v["factorResult"], "WAITING");
        assert_eq!(v["_embedded"]["factor"]["factorType"], "push");
        assert!(v["_embedded"]["factor"]["_links"].is_null());
        assert_eq!(v["_links"]["next"]["name"], "poll");
        assert_eq!(v["_links"]["next"]["href"], link.as_str());
        assert_eq!(
            v["_links"]["prev"]["href"],
            org.url("/api/v1/authn/previous")
        );
    }
    let res = org
        .http
        .post(org.url("/api/v1/authn/previous"))
        .json(&json!({"stateToken": state_token}))
        .send()
        .await
        .unwrap();
    let (s, _, v) = json_of(res).await;
    assert_eq!(
        (s.as_u16(), v["status"].as_str()),
        (200, Some("MFA_REQUIRED")),
        "{v}"
    );
    // No code counts for a push.
    assert_eq!(org.fake.stats().verifications("erin@example.com").failed, 0);
}

#[tokio::test]
async fn sms_and_webauthn_are_challenged_but_never_answered() {
    let org = org().await;
    let v = mfa_required(&org, "dave@example.com", "pw-dave").await;
    let state_token = v["stateToken"].as_str().unwrap();
    let sms = verify_link(&v, "sms", "OKTA");
    let (s, _, v) = json_of(verify(&org, &sms, json!({"stateToken": state_token})).await).await;
    assert_eq!(
        (s.as_u16(), v["status"].as_str()),
        (200, Some("MFA_CHALLENGE")),
        "{v}"
    );
    assert!(v.get("factorResult").is_none());
    assert_eq!(v["_links"]["next"]["name"], "verify");
    assert_wrong_code(verify_code(&org, &sms, state_token, &code_at(&org, 0)).await).await;

    let v = mfa_required(&org, "dave@example.com", "pw-dave").await;
    let state_token = v["stateToken"].as_str().unwrap();
    let webauthn = verify_link(&v, "webauthn", "FIDO");
    let (_, _, v) =
        json_of(verify(&org, &webauthn, json!({"stateToken": state_token})).await).await;
    assert_eq!(v["factorResult"], "CHALLENGE");
    let challenge = &v["_embedded"]["factor"]["_embedded"]["challenge"];
    assert_eq!(challenge["challenge"].as_str().unwrap().len(), 20);
    let answer = json!({"stateToken": state_token, "clientData": "x", "authenticatorData": "y", "signatureData": "z"});
    assert_wrong_code(verify(&org, &webauthn, answer).await).await;
}

#[tokio::test]
async fn an_unknown_factor_and_a_user_without_mfa_are_refused() {
    let org = org().await;
    let (state_token, _) = carol(&org).await;
    let other = org.url("/api/v1/authn/factors/ost00000000000000000/verify");
    let res = verify_code(&org, &other, &state_token, "000000").await;
    assert_okta_error(
        res,
        404,
        "E0000007",
        "Not found: Resource not found: ost00000000000000000 (UserFactor)",
    )
    .await;
    // alice signs in with her password alone.
    org.session_token("alice@example.com", "pw-alice").await;
}

#[tokio::test]
async fn faults_act_on_verify_before_any_code_is_spent() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    let _g = org.fake.fault(FaultSpec {
        endpoint: FaultEndpoint::Verify,
        kind: FaultKind::Status(503),
        user: Some("carol@example.com".into()),
        client_id: None,
        times: Some(1),
    });
    let code = code_at(&org, 0);
    let res = verify_code(&org, &link, &state_token, &code).await;
    assert_okta_error(res, 503, "E0000010", "Service is in read only mode").await;
    session_token(verify_code(&org, &link, &state_token, &code).await).await;
    let stats = org.fake.stats();
    assert_eq!(stats.requests("verify"), 2);
    assert_eq!(stats.verifications("carol@example.com").ok, 1);
    let (_, _, v) = json_of(org.get("/_fake/stats").await).await;
    assert_eq!(
        v["verifications"],
        json!([{"username": "carol@example.com", "ok": 1, "failed": 0, "replayed": 0}])
    );
    assert_eq!(v["requests"]["verify"], 2);
}

#[tokio::test]
async fn time_window_exceeded_can_be_injected_and_the_state_token_goes_on() {
    let org = org().await;
    let (state_token, link) = carol(&org).await;
    let _g = org.fake.fault(FaultSpec {
        endpoint: FaultEndpoint::Verify,
        kind: FaultKind::TimeWindowExceeded,
        user: None,
        client_id: None,
        times: Some(1),
    });
    let code = code_at(&org, 0);
    let (s, _, v) = json_of(verify_code(&org, &link, &state_token, &code).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "MFA_CHALLENGE");
    assert_eq!(v["factorResult"], "TIME_WINDOW_EXCEEDED");
    assert_eq!(v["_links"]["next"]["href"], link.as_str());
    // A status poll shows the last verification's outcome.
    let (_, _, v) = json_of(org.authn(json!({"stateToken": state_token})).await).await;
    assert_eq!(v["factorResult"], "TIME_WINDOW_EXCEEDED");
    session_token(verify_code(&org, &link, &state_token, &code).await).await;
    let bad = format!(
        "{}  faults:\n    - {{ endpoint: authn, kind: time_window_exceeded }}\n",
        yaml()
    );
    let e = okta_fixtures::config::parse_str(&bad, None, &|_| None).unwrap_err();
    assert!(
        e.to_string().contains("acts on the `verify` endpoint only"),
        "{e}"
    );
}
