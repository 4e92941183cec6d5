//! Step 1b: `MFA_REQUIRED` answered with a TOTP code (RFC 6238: SHA-1, 6 digits, 30 s steps).
//!
//! Okta's Classic authentication API lists the user's enrolled factors in
//! `_embedded.factors` of an `MFA_REQUIRED` transaction; a `POST` of `{stateToken, passCode}` to
//! a factor's `_links.verify.href` answers the next transaction (`SUCCESS` with a sessionToken)
//! (developer.okta.com/docs/reference/api/authn, "Verify TOTP Factor"). Of the factors offered
//! only a TOTP one (`token:software:totp`: Okta Verify's code, provider `OKTA`, or Google
//! Authenticator, provider `GOOGLE`) can be answered without a person, and only when
//! fixtures.yaml holds its secret (`users.<user>.totp`).
//!
//! The code is computed for Okta's time, read from its answer's `Date` header, so a skewed clock
//! here does not matter. Every sign-in of a user takes a turn ([`crate::cache::Steps`]), picks a
//! step after the last one used by any sign-in of the user sharing the cache folder (waiting for
//! it on Okta's clock), sends its code and records the step: no code is sent twice. Okta
//! refuses a code used before as 403 `E0000068` whose cause says each code can be used once, as
//! 403 `E0000082`, or as `factorResult: PASSCODE_REPLAYED` (authn reference, "Verify TOTP
//! Factor" and the transaction model's factor results): then the next step's code is sent once
//! with the same stateToken. `TIME_WINDOW_EXCEEDED` and an expired stateToken (401 `E0000011`)
//! make the caller sign in anew once. A wrong code (`E0000068`) or a locked factor (`E0000069`)
//! is an error, and the secret is remembered as refused ([`crate::cache::Refusals`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_fixtures_config::User;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use url::Url;

use super::http::{Answer, Http, strip_url};
use crate::Secret;
use crate::cache::{Refusals, Shared, Steps};
use crate::error::{Error, Result};

/// The TOTP factor type, for both providers.
pub(super) const TOTP: &str = "token:software:totp";

/// RFC 6238's time step, which Okta uses.
const STEP_SECS: u64 = crate::totp::STEP_SECONDS;

/// Providers of a TOTP factor, in the order they are chosen: Okta Verify's code first.
const PROVIDERS: [&str; 2] = ["OKTA", "GOOGLE"];

/// What answering a second factor needs beyond the HTTP client: where refused secrets and used
/// steps are kept.
pub(crate) struct Mfa<'a> {
    /// The org's URL (its origin is the only place a code goes).
    pub(crate) org_url: &'a str,
    /// Refused secrets, not to be sent again.
    pub(crate) refusals: &'a Refusals,
    /// The last step used per user.
    pub(crate) steps: &'a Steps,
    /// The store refusals are shared through (steps: its disk, if it is one).
    pub(crate) store: Shared<'a>,
}

/// One factor of `_embedded.factors`. No `Debug`: nothing secret, but nothing to print either.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Factor {
    #[serde(default)]
    factor_type: String,
    #[serde(default)]
    provider: String,
    #[serde(rename = "_links", default)]
    links: FactorLinks,
}

#[derive(Deserialize, Default)]
struct FactorLinks {
    verify: Option<Link>,
}

#[derive(Deserialize)]
struct Link {
    href: String,
}

impl Factor {
    /// `token:software:totp (OKTA)`, as messages and logs name it.
    fn label(&self) -> String {
        format!("{} ({})", self.factor_type, self.provider)
    }
}

/// An `MFA_REQUIRED` transaction: its stateToken and the factors offered.
pub(super) struct Challenge {
    pub(super) state_token: Secret,
    pub(super) factors: Vec<Factor>,
}

/// How a verification ended.
pub(super) enum Verified {
    /// Okta's next transaction (`SUCCESS`, or a state such as `PASSWORD_WARN`), to be read as
    /// any authn answer.
    Next(Box<Answer>),
    /// The transaction cannot go on (`TIME_WINDOW_EXCEEDED`, expired stateToken): sign in
    /// anew. Says why.
    Restart(&'static str),
}

/// The TOTP factor to answer among `factors`: `OKTA` first, then `GOOGLE`, wherever they stand
/// in Okta's list (a push or SMS factor listed first is never picked).
pub(super) fn pick(factors: &[Factor]) -> Option<&Factor> {
    PROVIDERS.iter().find_map(|p| {
        factors
            .iter()
            .find(|f| f.factor_type == TOTP && f.provider.eq_ignore_ascii_case(p))
    })
}

/// The factors offered, as `push (OKTA), token:software:totp (GOOGLE)`, or `no factor`.
fn offered(factors: &[Factor]) -> String {
    if factors.is_empty() {
        return "no factor".into();
    }
    let list: Vec<String> = factors.iter().map(Factor::label).collect();
    format!("these factors: {}", list.join(", "))
}

/// Answers `challenge` with a code of `user`'s TOTP secret; `mfa_answer` is the `MFA_REQUIRED`
/// answer (its `Date` is Okta's clock).
pub(super) async fn verify(
    http: &Http<'_>,
    mfa: &Mfa<'_>,
    user: &User,
    challenge: &Challenge,
    mfa_answer: &Answer,
) -> Result<Verified> {
    let sign_in = http.sign_in;
    let (factor, secret) = match (pick(&challenge.factors), &user.totp) {
        (Some(f), Some(secret)) => (f, secret),
        (_, totp) => {
            tracing::debug!(offered = %offered(&challenge.factors), "no TOTP factor to answer");
            return Err(Error::MfaUnanswerable {
                sign_in: Box::new(sign_in.clone()),
                offered: offered(&challenge.factors),
                has_secret: totp.is_some(),
            });
        }
    };
    let label = factor.label();
    let Some(link) = &factor.links.verify else {
        return Err(mfa_answer.unexpected(sign_in, "a TOTP factor without a verify link"));
    };
    let href = on_org(mfa.org_url, &link.href).ok_or_else(|| Error::VerifyElsewhere {
        sign_in: Box::new(sign_in.clone()),
        href: Url::parse(&link.href)
            .map(|u| strip_url(&u).to_string())
            .unwrap_or_else(|_| "a link that is not a URL".into()),
    })?;
    mfa.refusals
        .check_totp(mfa.store, mfa.org_url, user, sign_in)
        .await?;

    // The turn lasts until the code's step is recorded; another holder may wait for a step.
    let wait = Duration::from_secs(2 * STEP_SECS) + http.settings.timeout * 2;
    let turn = mfa
        .steps
        .turn(mfa.store.disk(), mfa.org_url, user, wait)
        .await?;
    let mut okta_now = mfa_answer.okta_now();
    let mut retried = false;
    loop {
        let (step, pause) = choose(turn.last(), okta_now);
        if !pause.is_zero() {
            tracing::info!(
                wait_ms = pause.as_millis() as u64,
                "waiting for the next TOTP step on okta's clock (the last code was used)"
            );
            // Waiting for Okta's clock to reach the step: a real wait, not synchronisation.
            tokio::time::sleep(pause).await;
        }
        tracing::info!(factor = %label, step, "verifying the TOTP factor");
        let code = passcode(secret, step).ok_or_else(|| Error::TotpSecretInvalid {
            sign_in: Box::new(sign_in.clone()),
        })?;
        let body = serde_json::json!({
            "stateToken": challenge.state_token.expose(),
            "passCode": code.expose(),
        });
        drop(code);
        // Recorded before it is sent: a code whose answer is lost (a timeout) may have been
        // used, and a step recorded in vain costs at most a wait.
        turn.record(step);
        let answer = http
            .send(|c| {
                c.post(href.as_str())
                    .header(ACCEPT, "application/json")
                    .json(&body)
            })
            .await?;
        drop(body);
        match outcome(&answer) {
            Outcome::Next => {
                tracing::info!(factor = %label, "okta accepted the TOTP code");
                mfa.steps.note_factor(mfa.org_url, user, &label);
                return Ok(Verified::Next(Box::new(answer)));
            }
            Outcome::Reused(shape) if !retried => {
                tracing::info!(
                    shape,
                    "okta says the code was used before; sending the next step's code"
                );
                retried = true;
                okta_now = answer.okta_now();
            }
            Outcome::Reused(shape) => {
                return Err(Error::TotpRetried {
                    sign_in: Box::new(sign_in.clone()),
                    why: format!("the next step's code was refused as used before too ({shape})"),
                });
            }
            Outcome::Restart(why) => return Ok(Verified::Restart(why)),
            Outcome::Wrong { code, summary } => {
                mfa.refusals
                    .remember_totp(mfa.store, mfa.org_url, user, &code, &summary)
                    .await;
                return Err(Error::TotpRejected {
                    sign_in: Box::new(sign_in.clone()),
                    factor: label,
                    endpoint: answer.endpoint.clone(),
                    code,
                    summary,
                });
            }
            Outcome::Locked { code, summary } => {
                mfa.refusals
                    .remember_totp(mfa.store, mfa.org_url, user, &code, &summary)
                    .await;
                return Err(Error::TotpLocked {
                    sign_in: Box::new(sign_in.clone()),
                    factor: label,
                    endpoint: answer.endpoint.clone(),
                    code,
                    summary,
                });
            }
            Outcome::Other => {
                return Err(answer.error(sign_in, "a body that is not Okta's"));
            }
        }
    }
}

/// `href` parsed, if it is on `org_url`'s origin (scheme, host and port): a code goes nowhere
/// else.
fn on_org(org_url: &str, href: &str) -> Option<Url> {
    let org = Url::parse(org_url).ok()?;
    let url = Url::parse(href).ok()?;
    (url.origin() == org.origin() && url.username().is_empty() && url.password().is_none())
        .then_some(url)
}

/// The step to send and how long to wait for it first, given the last step used and Okta's
/// time: the current step, or, when it was used already, the one after the last used, at its
/// start on Okta's clock. A last step beyond the next one cannot be Okta's (Okta accepts one
/// step either side, RFC 6238 §5.2) and is not waited for.
fn choose(last: Option<u64>, okta_now: SystemTime) -> (u64, Duration) {
    let now = okta_now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let current = now.as_secs() / STEP_SECS;
    match last {
        Some(last) if last >= current && last <= current + 1 => {
            let step = last + 1;
            let start = Duration::from_secs(step * STEP_SECS);
            (step, start.saturating_sub(now))
        }
        Some(last) if last > current + 1 => {
            tracing::warn!(
                last,
                current,
                "ignoring a recorded TOTP step ahead of okta's clock"
            );
            (current, Duration::ZERO)
        }
        _ => (current, Duration::ZERO),
    }
}

/// The 6-digit code of `secret` for `step`; `None` when the secret is not base32 (which the
/// config loader refuses, but a `User` built in code may hold).
fn passcode(secret: &Secret, step: u64) -> Option<Secret> {
    crate::totp::code(secret, crate::totp::step_start(step))
}

/// What a verify answer means.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// A transaction to read on (`SUCCESS` or any state but a refused code).
    Next,
    /// The code was used before; in which of Okta's three shapes.
    Reused(&'static str),
    /// Sign in anew: why.
    Restart(&'static str),
    /// A wrong code.
    Wrong { code: String, summary: String },
    /// The factor is locked.
    Locked { code: String, summary: String },
    /// Any other error.
    Other,
}

/// The parts of a verify answer [`outcome`] reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyAnswer {
    #[serde(default)]
    status: String,
    factor_result: Option<String>,
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    error_summary: String,
    #[serde(default)]
    error_causes: Vec<Cause>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cause {
    #[serde(default)]
    error_summary: String,
}

/// Reads a verify answer.
fn outcome(answer: &Answer) -> Outcome {
    let Ok(a) = serde_json::from_str::<VerifyAnswer>(&answer.body) else {
        return Outcome::Other;
    };
    if answer.status == StatusCode::OK {
        return match a.factor_result.as_deref() {
            Some("PASSCODE_REPLAYED") if a.status != "SUCCESS" => {
                Outcome::Reused("factorResult PASSCODE_REPLAYED")
            }
            Some("TIME_WINDOW_EXCEEDED") if a.status != "SUCCESS" => {
                Outcome::Restart("factorResult TIME_WINDOW_EXCEEDED")
            }
            _ => Outcome::Next,
        };
    }
    let used_once = a
        .error_causes
        .iter()
        .any(|c| says_used_once(&c.error_summary));
    match a.error_code.as_str() {
        "E0000082" => Outcome::Reused("E0000082"),
        "E0000068" if used_once || says_used_once(&a.error_summary) => {
            Outcome::Reused("E0000068, code used before")
        }
        "E0000068" => Outcome::Wrong {
            code: a.error_code,
            summary: a.error_summary,
        },
        "E0000069" => Outcome::Locked {
            code: a.error_code,
            summary: a.error_summary,
        },
        "E0000011" => Outcome::Restart("E0000011, the stateToken expired"),
        _ => Outcome::Other,
    }
}

/// Whether Okta's words say a code can be used only once ("Each code can only be used once.
/// Please wait for a new code and try again.").
fn says_used_once(summary: &str) -> bool {
    let s = summary.to_ascii_lowercase();
    s.contains("used once") || s.contains("only be used once") || s.contains("already been used")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn factors(json: &str) -> Vec<Factor> {
        serde_json::from_str(json).unwrap()
    }

    /// Okta's `MFA_REQUIRED` factor list as okta-auth-js's `mfa-required.js` fixture has it
    /// (trimmed), push and SMS first.
    const OFFERED: &str = r#"[
      {"id":"opf3hkfocI4JTLAju0g4","factorType":"push","provider":"OKTA","vendorName":"OKTA",
       "profile":{"credentialId":"isaac@example.org","deviceType":"SmartPhone_IPhone","name":"Isaac's iPhone","platform":"IOS","version":"9.1"},
       "_links":{"verify":{"href":"https://org.example.com/api/v1/authn/factors/opf3hkfocI4JTLAju0g4/verify","hints":{"allow":["POST"]}}}},
      {"id":"smshkfzYDaWFAcWJJ0g4","factorType":"sms","provider":"OKTA","vendorName":"OKTA",
       "profile":{"phoneNumber":"+1 XXX-XXX-1337"},
       "_links":{"verify":{"href":"https://org.example.com/api/v1/authn/factors/smshkfzYDaWFAcWJJ0g4/verify","hints":{"allow":["POST"]}}}},
      {"id":"uftm3iHSGFQXHCUSDAND","factorType":"token:software:totp","provider":"GOOGLE","vendorName":"GOOGLE",
       "profile":{"credentialId":"isaac@example.org"},
       "_links":{"verify":{"href":"https://org.example.com/api/v1/authn/factors/uftm3iHSGFQXHCUSDAND/verify","hints":{"allow":["POST"]}}}},
      {"id":"ostf2xjtDKWFPZIKYDZV","factorType":"token:software:totp","provider":"OKTA","vendorName":"OKTA",
       "profile":{"credentialId":"isaac@example.org"},
       "_links":{"verify":{"href":"https://org.example.com/api/v1/authn/factors/ostf2xjtDKWFPZIKYDZV/verify","hints":{"allow":["POST"]}}}}
    ]"#;

    #[test]
    fn okta_verify_is_picked_before_google_and_never_push_or_sms() {
        let all = factors(OFFERED);
        let f = pick(&all).unwrap();
        assert_eq!(f.label(), "token:software:totp (OKTA)");
        assert!(
            f.links
                .verify
                .as_ref()
                .unwrap()
                .href
                .contains("ostf2xjtDKWFPZIKYDZV")
        );
        // Without Okta Verify, Google Authenticator.
        let google: Vec<Factor> = factors(OFFERED)
            .into_iter()
            .filter(|f| f.provider != "OKTA" || f.factor_type != TOTP)
            .collect();
        assert_eq!(
            pick(&google).unwrap().label(),
            "token:software:totp (GOOGLE)"
        );
        // Push and SMS alone: nothing to answer, and the error lists them.
        let push_sms: Vec<Factor> = factors(OFFERED)
            .into_iter()
            .filter(|f| f.factor_type != TOTP)
            .collect();
        assert!(pick(&push_sms).is_none());
        assert_eq!(offered(&push_sms), "these factors: push (OKTA), sms (OKTA)");
        assert_eq!(offered(&[]), "no factor");
    }

    #[test]
    fn a_code_goes_only_to_the_orgs_origin() {
        let org = "https://dev-1.okta.com";
        assert!(on_org(org, "https://dev-1.okta.com/api/v1/authn/factors/x/verify").is_some());
        assert!(
            on_org(
                org,
                "https://dev-1.okta.com:443/api/v1/authn/factors/x/verify"
            )
            .is_some()
        );
        for elsewhere in [
            "https://evil.example/api/v1/authn/factors/x/verify",
            "http://dev-1.okta.com/api/v1/authn/factors/x/verify",
            "https://dev-1.okta.com:8443/api/v1/authn/factors/x/verify",
            "https://dev-1.okta.com.evil.example/x",
            "https://u:p@dev-1.okta.com/x",
            "/api/v1/authn/factors/x/verify",
        ] {
            assert!(on_org(org, elsewhere).is_none(), "{elsewhere}");
        }
    }

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn a_used_step_waits_for_the_next_one_on_oktas_clock() {
        // Step 1000 is [30000, 30030) seconds.
        assert_eq!(choose(None, at(30_012, 0)), (1000, Duration::ZERO));
        assert_eq!(choose(Some(999), at(30_012, 0)), (1000, Duration::ZERO));
        assert_eq!(
            choose(Some(1000), at(30_012, 500)),
            (1001, Duration::from_millis(17_500))
        );
        // The next step recorded (a wait just ended): the one after it.
        assert_eq!(
            choose(Some(1001), at(30_029, 0)),
            (1002, Duration::from_secs(31))
        );
        // A record far ahead is not Okta's; not waited for.
        assert_eq!(choose(Some(5000), at(30_012, 0)), (1000, Duration::ZERO));
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer::canned(
            Method::POST,
            "https://x/api/v1/authn/factors/ostf/verify",
            status,
            "application/json;charset=UTF-8",
            body,
        )
    }

    #[test]
    fn the_three_reuse_shapes_are_reuse() {
        let e68 = r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorLink":"E0000068","errorId":"oaei1","errorCauses":[{"errorSummary":"Each code can only be used once. Please wait for a new code and try again."}]}"#;
        assert!(matches!(outcome(&answer(403, e68)), Outcome::Reused(_)));
        let e82 = r#"{"errorCode":"E0000082","errorSummary":"Each code can only be used once. Please wait for a new code and try again.","errorLink":"E0000082","errorId":"oaei2","errorCauses":[]}"#;
        assert!(matches!(outcome(&answer(403, e82)), Outcome::Reused(_)));
        let replayed = r#"{"stateToken":"00s","expiresAt":"2026-01-01T00:05:00.000Z","status":"MFA_CHALLENGE","factorResult":"PASSCODE_REPLAYED","_embedded":{},"_links":{}}"#;
        assert!(matches!(
            outcome(&answer(200, replayed)),
            Outcome::Reused(_)
        ));
    }

    #[test]
    fn time_window_and_expired_state_token_restart() {
        let window = r#"{"stateToken":"00s","status":"MFA_CHALLENGE","factorResult":"TIME_WINDOW_EXCEEDED"}"#;
        assert!(matches!(outcome(&answer(200, window)), Outcome::Restart(_)));
        let expired = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaei3","errorCauses":[]}"#;
        assert!(matches!(
            outcome(&answer(401, expired)),
            Outcome::Restart(_)
        ));
    }

    #[test]
    fn wrong_locked_success_and_others() {
        let wrong = r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorLink":"E0000068","errorId":"oaei4","errorCauses":[{"errorSummary":"Your passcode doesn't match our records. Please try again."}]}"#;
        assert_eq!(
            outcome(&answer(403, wrong)),
            Outcome::Wrong {
                code: "E0000068".into(),
                summary: "Invalid Passcode/Answer".into()
            }
        );
        let locked = r#"{"errorCode":"E0000069","errorSummary":"User Locked","errorLink":"E0000069","errorId":"oaei5","errorCauses":[]}"#;
        assert!(matches!(
            outcome(&answer(403, locked)),
            Outcome::Locked { .. }
        ));
        let success = r#"{"expiresAt":"2026-01-01T00:05:00.000Z","status":"SUCCESS","sessionToken":"20111abc","_embedded":{}}"#;
        assert_eq!(outcome(&answer(200, success)), Outcome::Next);
        assert_eq!(outcome(&answer(500, "<html></html>")), Outcome::Other);
        assert_eq!(
            outcome(&answer(
                403,
                r#"{"errorCode":"E0000006","errorSummary":"x"}"#
            )),
            Outcome::Other
        );
    }
}
