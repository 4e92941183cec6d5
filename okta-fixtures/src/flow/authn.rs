//! Step 1: `POST /api/v1/authn` with username and password → a one-time `sessionToken`.
//!
//! Okta answers HTTP 200 for every transaction state; only `SUCCESS` carries a sessionToken.
//! `PASSWORD_WARN` and `MFA_ENROLL` are skipped when Okta publishes a `skip` link;
//! `MFA_REQUIRED` is answered with a TOTP code ([`super::totp`]); every other state becomes
//! [`Error::AuthnStatus`] saying what to change in Okta.

use okta_fixtures_config::User;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;

use super::http::{Answer, Http};
use super::totp::{self, Challenge, Factor, Mfa, Verified};
use crate::Secret;
use crate::error::{Error, Result, SignIn};

/// Skips in a row before giving up (Okta needs at most two: password warning, enrollment).
const MAX_SKIPS: usize = 3;

/// Signs `user` in at `{org_url}/api/v1/authn` and returns the sessionToken, answering a TOTP
/// challenge on the way (`mfa`). A transaction Okta ends (`TIME_WINDOW_EXCEEDED`, an expired
/// stateToken) is started again once.
pub(crate) async fn session_token(http: &Http<'_>, mfa: &Mfa<'_>, user: &User) -> Result<Secret> {
    let authn = format!("{}/api/v1/authn", mfa.org_url);
    let body = serde_json::json!({
        "username": user.username,
        "password": user.password.expose(),
        "options": {
            "multiOptionalFactorEnroll": false,
            "warnBeforePasswordExpired": false,
        },
    });
    let primary = || {
        http.send(|c| {
            c.post(&authn)
                .header(ACCEPT, "application/json")
                .json(&body)
        })
    };
    let mut answer = primary().await?;
    let (mut skips, mut restarted, mut verified) = (0, false, false);
    loop {
        let tx = read_answer(&answer, http.sign_in, &user.username)?;
        match next_step(tx) {
            Step::Done(token) => return Ok(token),
            // A TOTP code accepted and Okta asks again: not a factor this technique can add.
            Step::Mfa(_) if verified => {
                return Err(Error::AuthnStatus {
                    sign_in: Box::new(http.sign_in.clone()),
                    status: "MFA_REQUIRED".into(),
                });
            }
            Step::Mfa(challenge) => match totp::verify(http, mfa, user, &challenge, &answer).await?
            {
                Verified::Next(next) => {
                    verified = true;
                    answer = *next;
                }
                Verified::Restart(why) if !restarted => {
                    tracing::info!(why, "okta ended the MFA transaction; signing in anew");
                    restarted = true;
                    answer = primary().await?;
                }
                Verified::Restart(why) => {
                    return Err(Error::TotpRetried {
                        sign_in: Box::new(http.sign_in.clone()),
                        why: format!("{why}, again after signing in anew"),
                    });
                }
            },
            Step::Skip {
                status,
                state_token,
            } if skips < MAX_SKIPS => {
                tracing::info!(status = %status, "okta offered to skip; skipping");
                skips += 1;
                let skip = format!("{}/api/v1/authn/skip", mfa.org_url);
                let body = serde_json::json!({ "stateToken": state_token.expose() });
                answer = http
                    .send(|c| c.post(&skip).header(ACCEPT, "application/json").json(&body))
                    .await?;
            }
            Step::Skip { status, .. } | Step::Fail { status } => {
                tracing::debug!(status = %status, "authn stopped");
                return Err(Error::AuthnStatus {
                    sign_in: Box::new(http.sign_in.clone()),
                    status,
                });
            }
            Step::NoSessionToken => {
                return Err(answer.unexpected(http.sign_in, "status SUCCESS but no sessionToken"));
            }
        }
    }
}

/// The parts of an authn transaction the flow reads. No `Debug`: it holds tokens.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthnTransaction {
    status: String,
    session_token: Option<String>,
    state_token: Option<String>,
    #[serde(rename = "_embedded", default)]
    embedded: Embedded,
    #[serde(rename = "_links", default)]
    links: Links,
}

#[derive(Deserialize, Default)]
struct Embedded {
    #[serde(default)]
    factors: Vec<Factor>,
}

#[derive(Deserialize, Default)]
struct Links {
    skip: Option<serde_json::Value>,
}

/// What to do after one transaction.
enum Step {
    Done(Secret),
    Skip {
        status: String,
        state_token: Secret,
    },
    /// `MFA_REQUIRED`: a factor to verify.
    Mfa(Challenge),
    Fail {
        status: String,
    },
    NoSessionToken,
}

fn next_step(tx: AuthnTransaction) -> Step {
    match tx.status.as_str() {
        "SUCCESS" => match tx.session_token {
            Some(t) if !t.is_empty() => Step::Done(Secret::new(t)),
            _ => Step::NoSessionToken,
        },
        "MFA_REQUIRED" => match tx.state_token {
            Some(t) => Step::Mfa(Challenge {
                state_token: Secret::new(t),
                factors: tx.embedded.factors,
            }),
            None => Step::Fail { status: tx.status },
        },
        // Okta allows a skip only for these two states, and only when it publishes the link.
        "PASSWORD_WARN" | "MFA_ENROLL" if tx.links.skip.is_some() => match tx.state_token {
            Some(t) => Step::Skip {
                status: tx.status,
                state_token: Secret::new(t),
            },
            None => Step::Fail { status: tx.status },
        },
        _ => Step::Fail { status: tx.status },
    }
}

/// Reads a transaction, turning 401 and Okta error bodies into errors.
fn read_answer(answer: &Answer, sign_in: &SignIn, username: &str) -> Result<AuthnTransaction> {
    if answer.status == StatusCode::OK {
        return answer.json(sign_in);
    }
    Err(match answer.error(sign_in, "a body that is not Okta's") {
        Error::Okta {
            sign_in,
            status: 401,
            code,
            summary,
            ..
        } => Error::AuthnRejected {
            sign_in,
            username: username.to_owned(),
            code,
            summary,
        },
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn step(json: &str) -> Step {
        next_step(serde_json::from_str(json).unwrap())
    }

    fn status_of(s: Step) -> String {
        match s {
            Step::Fail { status } => status,
            Step::Done(_) => "done".into(),
            Step::Skip { .. } => "skip".into(),
            Step::Mfa(_) => "mfa".into(),
            Step::NoSessionToken => "no token".into(),
        }
    }

    #[test]
    fn success_modern_shape_with_cancel_link() {
        let s = step(
            r#"{"expiresAt":"2021-10-07T18:19:36.000Z","status":"SUCCESS",
            "sessionToken":"20111KWCKiTgnNgeaFjw760VitvCy7y-9cYl8lvN65754GmBuo_PPE6",
            "_embedded":{"user":{"id":"00u8eyowx5GiJhqvj1d6","passwordChanged":"2020-12-21T19:39:06.000Z",
            "profile":{"login":"john.doe@example.com","firstName":"John","lastName":"Doe","locale":"en_US","timeZone":"America/Los_Angeles"}}},
            "_links":{"cancel":{"href":"https://example.okta.com/api/v1/authn/cancel","hints":{"allow":["POST"]}}}}"#,
        );
        match s {
            Step::Done(t) => assert_eq!(
                t.expose(),
                "20111KWCKiTgnNgeaFjw760VitvCy7y-9cYl8lvN65754GmBuo_PPE6"
            ),
            other => panic!("{}", status_of(other)),
        }
    }

    #[test]
    fn success_old_shape_without_links() {
        let s = step(
            r#"{"expiresAt":"2016-11-05T02:22:39.000Z","status":"SUCCESS","sessionToken":"00Fpzf4en68pCXTsMjcX8JPMctzN2Wiw4LDOBL_9pe"}"#,
        );
        assert!(matches!(s, Step::Done(_)));
        assert!(matches!(
            step(r#"{"status":"SUCCESS"}"#),
            Step::NoSessionToken
        ));
    }

    #[test]
    fn password_warn_with_skip_link_is_skipped() {
        let s = step(
            r#"{"stateToken":"00PrDdGF4JjOG1v2Mh2b2_vJZsywXSwZAuzEVhCk1s","expiresAt":"2015-11-10T22:08:57.691Z",
            "status":"PASSWORD_WARN","_embedded":{"policy":{"expiration":{"passwordExpireDays":5}}},
            "_links":{"next":{"name":"changePassword","href":"https://x/api/v1/authn/credentials/change_password","hints":{"allow":["POST"]}},
            "skip":{"name":"skip","href":"https://x/api/v1/authn/skip","hints":{"allow":["POST"]}},
            "cancel":{"href":"https://x/api/v1/authn/cancel","hints":{"allow":["POST"]}}}}"#,
        );
        match s {
            Step::Skip {
                status,
                state_token,
            } => {
                assert_eq!(status, "PASSWORD_WARN");
                assert_eq!(
                    state_token.expose(),
                    "00PrDdGF4JjOG1v2Mh2b2_vJZsywXSwZAuzEVhCk1s"
                );
            }
            other => panic!("{}", status_of(other)),
        }
    }

    #[test]
    fn mfa_enroll_is_skipped_only_with_a_skip_link() {
        let with = r#"{"stateToken":"00s","status":"MFA_ENROLL","_embedded":{"factors":[{"factorType":"push","provider":"OKTA","enrollment":"OPTIONAL","status":"NOT_SETUP"}]},
            "_links":{"skip":{"href":"https://x/api/v1/authn/skip","hints":{"allow":["POST"]}},"cancel":{"href":"https://x/api/v1/authn/cancel"}}}"#;
        assert!(matches!(step(with), Step::Skip { .. }));
        let without = r#"{"stateToken":"00s","status":"MFA_ENROLL","_embedded":{"factors":[{"factorType":"push","provider":"OKTA","enrollment":"OPTIONAL","status":"NOT_SETUP"}]},
            "_links":{"cancel":{"href":"https://x/api/v1/authn/cancel"}}}"#;
        assert_eq!(status_of(step(without)), "MFA_ENROLL");
    }

    #[test]
    fn other_states_fail_with_their_status() {
        let mfa_required = r#"{"stateToken":"00s","expiresAt":"2016-01-01T00:00:00.000Z","status":"MFA_REQUIRED",
            "_embedded":{"factors":[{"id":"ufs1","factorType":"question","provider":"OKTA","profile":{},"_links":{"verify":{"href":"https://x/api/v1/authn/factors/ufs1/verify"}}}]},
            "_links":{"cancel":{"href":"https://x/api/v1/authn/cancel"}}}"#;
        assert_eq!(status_of(step(mfa_required)), "mfa");
        let Step::Mfa(challenge) = step(mfa_required) else {
            panic!("MFA_REQUIRED is a challenge")
        };
        assert_eq!(challenge.state_token.expose(), "00s");
        assert_eq!(challenge.factors.len(), 1);
        // MFA_REQUIRED without a stateToken cannot be answered.
        let broken = r#"{"status":"MFA_REQUIRED","_embedded":{"factors":[]}}"#;
        assert_eq!(status_of(step(broken)), "MFA_REQUIRED");
        // LOCKED_OUT carries no stateToken (okta-auth-js locked-out.js).
        let locked = r#"{"status":"LOCKED_OUT","_embedded":{},"_links":{"next":{"name":"unlock","href":"https://x/api/v1/authn/recovery/unlock"},"cancel":{"href":"https://x/api/v1/authn/cancel"}}}"#;
        assert_eq!(status_of(step(locked)), "LOCKED_OUT");
        let expired = r#"{"stateToken":"00s","status":"PASSWORD_EXPIRED","_links":{"next":{"name":"changePassword","href":"https://x"}}}"#;
        assert_eq!(status_of(step(expired)), "PASSWORD_EXPIRED");
        // A skip link on a state Okta never lets you skip is not honoured.
        let odd = r#"{"stateToken":"00s","status":"MFA_CHALLENGE","_links":{"skip":{"href":"https://x"}}}"#;
        assert_eq!(status_of(step(odd)), "MFA_CHALLENGE");
        // PASSWORD_WARN with a skip link but no stateToken cannot be skipped.
        let broken = r#"{"status":"PASSWORD_WARN","_links":{"skip":{"href":"https://x"}}}"#;
        assert_eq!(status_of(step(broken)), "PASSWORD_WARN");
    }

    fn answer(status: u16, body: &str) -> Answer {
        let json = "application/json;charset=UTF-8";
        Answer::canned(Method::POST, "https://x/api/v1/authn", status, json, body)
    }

    #[test]
    fn http_401_is_rejected_credentials_naming_three_causes() {
        let sign_in = SignIn::new(Some("alice"), "spa", "default");
        let a = answer(
            401,
            r#"{"errorCode":"E0000004","errorSummary":"Authentication failed","errorLink":"E0000004","errorId":"oae3jW0nV8vS1tR2Qp9xYzAbC","errorCauses":[]}"#,
        );
        let Err(e) = read_answer(&a, &sign_in, "alice@example.com") else {
            panic!("401 accepted")
        };
        assert!(matches!(&e, Error::AuthnRejected { code, .. } if code == "E0000004"));
        let msg = e.to_string();
        assert!(msg.contains("password") && msg.contains("locked") && msg.contains("federated"));

        let a = answer(
            403,
            r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorCauses":[]}"#,
        );
        assert!(matches!(
            read_answer(&a, &sign_in, "u"),
            Err(Error::Okta { status: 403, .. })
        ));
        let a = answer(502, "<html>bad gateway</html>");
        assert!(matches!(
            read_answer(&a, &sign_in, "u"),
            Err(Error::Unexpected { status: 502, .. })
        ));
        let a = answer(200, "not json");
        assert!(matches!(
            read_answer(&a, &sign_in, "u"),
            Err(Error::Unexpected { status: 200, .. })
        ));
    }
}
