//! Users behind MFA over HTTP: `MFA_REQUIRED` answered with a TOTP code of `users.<u>.totp`,
//! against a fake served here that records each factor verification (its path, the code and
//! when it came) and can answer the first ones itself, in one of Okta's refusal shapes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use okta_fixtures::fake::{Clock, FakeOkta, FakeState, router};
use serde_json::{Value, json};

use super::*;

/// carol's secret, as the fake and the client share it (written with spaces and lower case,
/// which the config normalises).
const SECRET: &str = "jbsw y3dp ehpk 3pxp";
/// The same secret as the config keeps it.
const SECRET_NORMAL: &str = "JBSWY3DPEHPK3PXP";

/// One verification the fake was sent.
#[derive(Clone, Debug)]
struct Verify {
    /// The factor id in the path.
    factor: String,
    pass_code: String,
    /// The fake's time when it came.
    at: SystemTime,
}

/// A canned answer for the next verification, instead of the fake's.
#[derive(Clone, Copy, Debug)]
enum Canned {
    /// 403 `E0000068` whose cause says the code can be used once.
    UsedOnce,
    /// 403 `E0000082`.
    E82,
    /// 200 `MFA_CHALLENGE` with `factorResult: PASSCODE_REPLAYED`.
    Replayed,
    /// 200 `MFA_CHALLENGE` with `factorResult: TIME_WINDOW_EXCEEDED`.
    TimeWindow,
    /// 401 `E0000011`: the stateToken expired.
    Expired,
    /// 403 `E0000069`: the factor is locked.
    Locked,
    /// 200 `MFA_REQUIRED` again, as if the code were not enough.
    AskAgain,
}

#[derive(Clone, Default)]
struct Watch {
    seen: Arc<Mutex<Vec<Verify>>>,
    canned: Arc<Mutex<Vec<Canned>>>,
    authn: Arc<Mutex<u32>>,
}

impl Watch {
    fn seen(&self) -> Vec<Verify> {
        self.seen.lock().unwrap().clone()
    }
    fn authn(&self) -> u32 {
        *self.authn.lock().unwrap()
    }
}

/// A served fake: the client's fixtures, the fake's state and what the layer saw.
struct Served {
    fixtures: Fixtures,
    state: FakeState,
    watch: Watch,
}

/// `users:` for carol, with `totp` the secret the config holds (`None`: no `totp` key), and, with
/// `mfa`, the `fake:` section enrolling those factors.
fn carol_yaml(mfa: Option<&str>, totp: Option<&str>) -> String {
    let totp = totp
        .map(|t| format!("    totp: \"{t}\"\n"))
        .unwrap_or_default();
    let fake = mfa
        .map(|m| format!("fake:\n  users:\n    carol:\n      mfa: {m}\n"))
        .unwrap_or_default();
    format!(
        "users:\n  carol:\n    username: carol@example.com\n    password: pw-carol-MFA-5c1e\n    \
         app: spa\n{totp}{fake}"
    )
}

/// The fake (carol's factors `mfa`, her secret [`SECRET`], its clock `clock`) served on loopback
/// behind the recording layer; the client's config holds `client_totp`.
async fn serve(mfa: &str, client_totp: Option<&str>, clock: Clock) -> Served {
    let fake_yaml = format!(
        "org_url: fake\nauthorization_server: default\n{APPS}{}servers:\n  default:\n    scopes: [orders:read]\n",
        carol_yaml(Some(mfa), Some(SECRET))
    );
    let client_yaml = |url: &str| {
        format!(
            "org_url: {url}\nauthorization_server: default\n{APPS}{}servers:\n  default:\n    scopes: [orders:read]\n",
            carol_yaml(None, client_totp)
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = parse_str(&fake_yaml, None, &|_| None).expect("fake YAML is valid");
    let state = FakeOkta::builder()
        .config(&config)
        .clock(clock.clone())
        .build(&url)
        .expect("the fake builds");
    let watch = Watch::default();
    let w = watch.clone();
    let c = clock.clone();
    let app = router(state.clone()).layer(axum::middleware::from_fn(move |req, next| {
        record(w.clone(), c.clone(), req, next)
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let config = parse_str(&client_yaml(&url), None, &|_| None).expect("client YAML is valid");
    Served {
        fixtures: Fixtures::new(config),
        state,
        watch,
    }
}

async fn record(watch: Watch, clock: Clock, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/api/v1/authn" {
        *watch.authn.lock().unwrap() += 1;
    }
    let Some(factor) = path
        .strip_prefix("/api/v1/authn/factors/")
        .and_then(|p| p.strip_suffix("/verify"))
        .map(str::to_owned)
    else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    watch.seen.lock().unwrap().push(Verify {
        factor,
        pass_code: v["passCode"].as_str().unwrap_or_default().to_owned(),
        at: clock.now(),
    });
    let canned = {
        let mut canned = watch.canned.lock().unwrap();
        (!canned.is_empty()).then(|| canned.remove(0))
    };
    match canned {
        Some(c) => canned_answer(c, v["stateToken"].as_str().unwrap_or_default()),
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

fn okta_error(status: u16, code: &str, summary: &str, cause: Option<&str>) -> Response {
    let causes: Vec<Value> = cause
        .map(|c| json!({"errorSummary": c}))
        .into_iter()
        .collect();
    let body = json!({
        "errorCode": code, "errorSummary": summary, "errorLink": code,
        "errorId": "oaeTestTestTestTestTest00", "errorCauses": causes,
    });
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn canned_answer(c: Canned, state_token: &str) -> Response {
    const ONCE: &str = "Each code can only be used once. Please wait for a new code and try again.";
    let challenge = |result: &str| {
        let body = json!({
            "stateToken": state_token, "expiresAt": "2030-01-01T00:05:00.000Z",
            "status": "MFA_CHALLENGE", "factorResult": result,
            "_embedded": {}, "_links": {},
        });
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            body.to_string(),
        )
            .into_response()
    };
    match c {
        Canned::UsedOnce => okta_error(403, "E0000068", "Invalid Passcode/Answer", Some(ONCE)),
        Canned::E82 => okta_error(403, "E0000082", ONCE, None),
        Canned::Replayed => challenge("PASSCODE_REPLAYED"),
        Canned::TimeWindow => challenge("TIME_WINDOW_EXCEEDED"),
        Canned::Expired => okta_error(401, "E0000011", "Invalid token provided", None),
        Canned::Locked => okta_error(403, "E0000069", "User Locked", None),
        Canned::AskAgain => {
            let body = json!({
                "stateToken": state_token, "expiresAt": "2030-01-01T00:05:00.000Z",
                "status": "MFA_REQUIRED",
                "_embedded": {"factors": [{"id": "ost1", "factorType": "token:software:totp",
                    "provider": "OKTA", "_links": {"verify": {"href": "http://127.0.0.1:1/x"}}}]},
                "_links": {},
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                body.to_string(),
            )
                .into_response()
        }
    }
}

/// The RFC 6238 step of a time.
fn step_of(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs() / 30
}

/// The `amr` of a sign-in's ID token.
fn amr(t: &Tokens) -> Vec<String> {
    serde_json::from_value(t.id_claims().unwrap()["amr"].clone()).unwrap_or_default()
}

/// The factor ids the fake gives carol's factors, from an `MFA_REQUIRED` answer of its own.
async fn factor_ids(s: &Served) -> Vec<(String, String, String)> {
    let org = s.fixtures.org().await.unwrap().url().to_owned();
    let v: Value = reqwest::Client::new()
        .post(format!("{org}/api/v1/authn"))
        .json(&json!({"username": "carol@example.com", "password": "pw-carol-MFA-5c1e"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "MFA_REQUIRED", "{v}");
    v["_embedded"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("id"), s("factorType"), s("provider"))
        })
        .collect()
}

/// The id of carol's factor of `provider`'s TOTP.
async fn totp_id(s: &Served, provider: &str) -> String {
    factor_ids(s)
        .await
        .into_iter()
        .find(|(_, t, p)| t == "token:software:totp" && p == provider)
        .map(|(id, ..)| id)
        .expect("the factor is offered")
}

mod signs_in {
    use super::*;

    #[tokio::test]
    async fn with_okta_verify_and_the_tokens_say_mfa() {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        let t = s.fixtures.request("carol").tokens().await.unwrap();
        let amr = amr(&t);
        for m in ["mfa", "otp", "pwd"] {
            assert!(amr.iter().any(|a| a == m), "{amr:?}");
        }
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].pass_code.len(), 6);
        assert_eq!(
            s.state
                .stats()
                .sign_ins("carol@example.com", "spa-client", "default"),
            1
        );
        assert_eq!(seen[0].factor, totp_id(&s, "OKTA").await);
    }

    /// The TOTP factor verified among those enrolled: Google Authenticator alone, and Okta
    /// Verify's first when both are.
    #[rstest::rstest]
    #[case::with_google_authenticator("[google_totp]", "GOOGLE")]
    #[case::with_okta_verify_first_when_both_are_enrolled("[google_totp, totp]", "OKTA")]
    #[tokio::test]
    async fn the_totp_factor_verified(#[case] enrolled: &str, #[case] provider: &str) {
        let s = serve(enrolled, Some(SECRET), Clock::system()).await;
        s.fixtures.request("carol").tokens().await.unwrap();
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].factor, totp_id(&s, provider).await);
    }

    #[tokio::test]
    async fn passing_over_push_and_sms_offered_first() {
        let s = serve("[push, sms, webauthn, totp]", Some(SECRET), Clock::system()).await;
        let offered = factor_ids(&s).await;
        assert_eq!(offered[0].1, "push", "push is listed first: {offered:?}");
        s.fixtures.request("carol").tokens().await.unwrap();
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 1, "only the TOTP factor was verified: {seen:?}");
        assert_eq!(seen[0].factor, totp_id(&s, "OKTA").await);
    }

    #[tokio::test]
    async fn with_a_code_at_a_step_boundary() {
        // The fake's clock 0.4 s before a step ends: the code is computed for one step and
        // checked in the next, which Okta's window of one step either side accepts.
        let clock = Clock::system();
        let now = clock.now().duration_since(UNIX_EPOCH).unwrap();
        let into = Duration::from_millis((now.as_millis() % 30_000) as u64);
        let to_edge = Duration::from_millis(29_600).saturating_sub(into);
        let to_edge = if to_edge.is_zero() {
            to_edge + Duration::from_secs(30) - (into - Duration::from_millis(29_600))
        } else {
            to_edge
        };
        clock.advance(to_edge);
        let s = serve("[totp]", Some(SECRET), clock.clone()).await;
        let before = step_of(clock.now());
        s.fixtures.request("carol").tokens().await.unwrap();
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 1);
        assert!(step_of(seen[0].at) >= before, "{seen:?}");
    }

    #[tokio::test]
    async fn when_this_machines_clock_is_off_by_following_oktas_date() {
        // The fake's clock ten minutes ahead of this machine's: a code of this machine's time
        // is twenty steps off; the client must compute it for the fake's `Date`.
        let clock = Clock::system();
        clock.advance(Duration::from_secs(600));
        let s = serve("[totp]", Some(SECRET), clock).await;
        s.fixtures.request("carol").tokens().await.unwrap();
        assert_eq!(s.watch.seen().len(), 1);
    }

    #[tokio::test]
    async fn twice_in_one_step_with_two_codes() {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        let a = s.fixtures.request("carol").fresh().tokens().await.unwrap();
        let b = s.fixtures.request("carol").fresh().tokens().await.unwrap();
        assert_ne!(a.access_token(), b.access_token());
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_ne!(seen[0].pass_code, seen[1].pass_code);
        assert_eq!(
            step_of(seen[1].at),
            step_of(seen[0].at) + 1,
            "the second waited for the next step, no longer: {seen:?}"
        );
    }
}

mod reuse {
    use super::*;

    /// Okta refuses the first code as `canned`: the next step's code goes with the same
    /// stateToken, once, with no second sign-in.
    async fn retried_once(canned: Canned) {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        s.watch.canned.lock().unwrap().push(canned);
        s.fixtures.request("carol").tokens().await.unwrap();
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(step_of(seen[1].at), step_of(seen[0].at) + 1, "{seen:?}");
        assert_ne!(seen[0].pass_code, seen[1].pass_code);
        assert_eq!(s.watch.authn(), 1, "the same transaction");
    }

    #[tokio::test]
    async fn e0000068_used_once_is_retried_at_the_next_step() {
        retried_once(Canned::UsedOnce).await;
    }

    #[tokio::test]
    async fn e0000082_is_retried_at_the_next_step() {
        retried_once(Canned::E82).await;
    }

    #[tokio::test]
    async fn passcode_replayed_is_retried_at_the_next_step() {
        retried_once(Canned::Replayed).await;
    }

    #[tokio::test]
    async fn reuse_twice_is_an_error_naming_other_clients() {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        s.watch
            .canned
            .lock()
            .unwrap()
            .extend([Canned::E82, Canned::E82]);
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        assert!(matches!(e, Error::TotpRetried { .. }), "{e:?}");
        assert!(e.to_string().contains("same secret"), "{e}");
        assert_eq!(s.watch.seen().len(), 2);
    }

    /// Okta ends the transaction (`canned`): the sign-in starts over once.
    async fn restarted_once(canned: Canned) {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        s.watch.canned.lock().unwrap().push(canned);
        s.fixtures.request("carol").tokens().await.unwrap();
        assert_eq!(s.watch.authn(), 2, "signed in anew");
        let seen = s.watch.seen();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_ne!(seen[0].pass_code, seen[1].pass_code, "no code twice");
    }

    #[tokio::test]
    async fn time_window_exceeded_signs_in_anew() {
        restarted_once(Canned::TimeWindow).await;
    }

    #[tokio::test]
    async fn an_expired_state_token_signs_in_anew() {
        restarted_once(Canned::Expired).await;
    }
}

mod refused {
    use super::*;

    #[tokio::test]
    async fn a_wrong_secret_names_the_key_and_the_clock_and_is_not_sent_again() {
        // The client's secret is not the fake's.
        let s = serve("[totp]", Some("GEZDGNBVGY3TQOJQ"), Clock::system()).await;
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        let Error::TotpRejected { code, factor, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(code, "E0000068");
        assert_eq!(factor, "token:software:totp (OKTA)");
        let msg = e.to_string();
        for part in ["users.carol.totp", "OKTA_CAROL_TOTP", "clock"] {
            assert!(msg.contains(part), "{part} missing from {msg}");
        }
        for secret in ["GEZDGNBVGY3TQOJQ", SECRET_NORMAL, "pw-carol-MFA-5c1e"] {
            assert!(!msg.contains(secret) && !format!("{e:?}").contains(secret));
        }
        // Not sent again: the second sign-in stops before verifying.
        let again = s
            .fixtures
            .request("carol")
            .fresh()
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(again, Error::TotpRefusedBefore { spared: 1, .. }),
            "{again:?}"
        );
        assert_eq!(s.watch.seen().len(), 1);
    }

    #[tokio::test]
    async fn a_locked_factor_says_to_reset_it_and_the_secret_is_not_sent_again() {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        s.watch.canned.lock().unwrap().push(Canned::Locked);
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        assert!(matches!(e, Error::TotpLocked { .. }), "{e:?}");
        assert!(e.to_string().contains("Reset Multifactor"), "{e}");
        let again = s
            .fixtures
            .request("carol")
            .fresh()
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&again, Error::TotpRefusedBefore { code, .. } if code == "E0000069"),
            "{again:?}"
        );
        assert_eq!(s.watch.seen().len(), 1, "no code after the lock");
    }

    #[tokio::test]
    async fn asked_again_after_an_accepted_code_is_an_error_not_a_loop() {
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        s.watch.canned.lock().unwrap().push(Canned::AskAgain);
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        assert!(
            matches!(&e, Error::AuthnStatus { status, .. } if status == "MFA_REQUIRED"),
            "{e:?}"
        );
        assert_eq!(s.watch.seen().len(), 1, "one code, no second round");
    }

    #[tokio::test]
    async fn the_fakes_own_lockout_after_wrong_codes_is_reported() {
        // Five wrong codes sent by hand lock the factor; then the client is told so.
        let s = serve("[totp]", Some(SECRET), Clock::system()).await;
        let org = s.fixtures.org().await.unwrap().url().to_owned();
        let http = reqwest::Client::new();
        let id = totp_id(&s, "OKTA").await;
        let tx: Value = http
            .post(format!("{org}/api/v1/authn"))
            .json(&json!({"username": "carol@example.com", "password": "pw-carol-MFA-5c1e"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // The stateToken stays usable after a wrong code; the fifth locks the factor.
        let mut last = Value::Null;
        let mut wrong = 0;
        while wrong < 5 {
            let res = http
                .post(format!("{org}/api/v1/authn/factors/{id}/verify"))
                .json(&json!({"stateToken": tx["stateToken"], "passCode": "000000"}))
                .send()
                .await
                .unwrap();
            if res.status() == 429 {
                // Okta's per-user rate limit: a real wait for its one-second window.
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            last = res.json().await.unwrap();
            wrong += 1;
        }
        assert_eq!(last["errorCode"], "E0000069", "{last}");
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        assert!(matches!(e, Error::TotpLocked { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn no_secret_configured_lists_the_factors_and_what_to_configure() {
        let s = serve("[push, totp]", None, Clock::system()).await;
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        let Error::MfaUnanswerable {
            offered,
            has_secret,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert!(!has_secret);
        assert_eq!(
            offered,
            "these factors: push (OKTA), token:software:totp (OKTA)"
        );
        let msg = e.to_string();
        assert!(msg.contains("totp: ${OKTA_CAROL_TOTP}"), "{msg}");
        assert!(s.watch.seen().is_empty());
    }

    #[tokio::test]
    async fn only_other_factor_types_lists_them_and_what_to_enrol() {
        let s = serve("[push, sms, webauthn]", Some(SECRET), Clock::system()).await;
        let e = s.fixtures.request("carol").tokens().await.unwrap_err();
        let Error::MfaUnanswerable {
            offered,
            has_secret,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert!(has_secret);
        for t in ["push (OKTA)", "sms (OKTA)", "webauthn (FIDO)"] {
            assert!(offered.contains(t), "{t} missing from {offered}");
        }
        let msg = e.to_string();
        assert!(msg.contains("Okta Verify or Google Authenticator"), "{msg}");
        assert!(!msg.contains(SECRET_NORMAL), "{msg}");
        assert!(s.watch.seen().is_empty(), "no code sent to a push factor");
    }
}

mod processes {
    use std::process::Output;

    use crate::support::{Running, command, root_fixtures, temp_dir};

    /// `okta-fixtures token carol --fresh` of the root fixtures.yaml at `org`, in `cache`.
    fn token_carol(cache: &std::path::Path, org: &str) -> std::process::Child {
        let root = root_fixtures();
        let mut cmd = command(cache, &["token", "carol", "--fresh", "--config", &root]);
        for (name, _) in std::env::vars() {
            if name.starts_with("OKTA_") && name != "OKTA_FIXTURES_CACHE_DIR" {
                cmd.env_remove(name);
            }
        }
        cmd.env("OKTA_ORG_URL", org).current_dir(cache);
        cmd.spawn().expect("the binary starts")
    }

    #[tokio::test]
    async fn two_processes_sharing_a_cache_folder_never_send_one_code_twice() {
        let fake_cache = temp_dir("mfa-fake");
        let fake = Running::start(command(
            fake_cache.path(),
            &["fake", "--config", &root_fixtures()],
        ));
        let org = fake.org_url.clone();
        let cache = temp_dir("mfa-processes");
        // Both at once, in one 30 s step: the second waits for the first's step to pass.
        let children = [
            token_carol(cache.path(), &org),
            token_carol(cache.path(), &org),
        ];
        let outputs: Vec<Output> = tokio::task::spawn_blocking(move || {
            children
                .into_iter()
                .map(|c| c.wait_with_output().expect("the binary runs"))
                .collect()
        })
        .await
        .unwrap();
        for out in &outputs {
            assert!(
                out.status.success(),
                "stdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(!text.contains("JBSWY3DPEHPK3PXP"));
        }
        assert_ne!(outputs[0].stdout, outputs[1].stdout, "two sign-ins");
        let stats: serde_json::Value = reqwest::get(format!("{org}/_fake/stats"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let carol = stats["verifications"]
            .as_array()
            .expect("a verifications array")
            .iter()
            .find(|v| v["username"] == "carol@example.com")
            .cloned()
            .unwrap_or_default();
        assert_eq!(carol["ok"], 2, "{stats}");
        assert_eq!(carol["replayed"], 0, "no code was sent twice: {stats}");
        assert_eq!(carol["failed"], 0, "{stats}");
        drop(fake);
    }
}
