//! `POST /api/v1/authn` (+ `/skip`, `/cancel`): Okta's Classic Authentication API, step 1 of
//! the browserless sign-in (section 2), and the one renderer of its transaction states
//! (`verify.rs` answers with it too).
//!
//! `MFA_REQUIRED` and `MFA_CHALLENGE` follow the authn reference
//! (developer.okta.com/docs/reference/api/authn: "Verify TOTP Factor", "Verify Push Factor",
//! "Verify WebAuthn Factor", the send-SMS example) and the Sign-In Widget's recorded answers
//! (okta/okta-signin-widget `test/unit/helpers/xhr/MFA_REQUIRED_allFactors.js`,
//! `MFA_REQUIRED_oktaVerifyTotpOnly.js`, `MFA_CHALLENGE_push.js`): each factor with its id,
//! `factorType`, `provider`, `vendorName`, `profile` and `_links.verify`; `_embedded.policy`
//! with the remember-device settings and `factorsPolicyInfo` (a push factor's
//! `autoPushEnabled`); `_links.cancel`. The fake publishes no `resend` link (it sends nothing
//! to resend).

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use okta_fixtures_config::{AuthnStatus, FaultEndpoint, MfaFactor};
use serde_json::{Map, Value};

use crate::fake::FakeState;
use crate::fake::clock::iso8601;
use crate::fake::directory::UserEntry;
use crate::fake::error::FakeError;
use crate::fake::factors;
use crate::fake::faults::{self, Scope};
use crate::fake::ids;
use crate::fake::json::Obj;
use crate::fake::params::read_body;
use crate::fake::reply;
use crate::fake::sessions::{Amr, PASSWORD_AMR, Transaction, TxStatus};
use crate::fake::user_limit::{Bucket, PER_USER_LIMIT};

/// When every fake user last changed their password (fixed, so responses are stable).
const PASSWORD_CHANGED: &str = "2024-01-01T00:00:00.000Z";

/// `POST /api/v1/authn`: primary authentication, or (with only a `stateToken`) the current
/// state of a transaction.
pub(crate) async fn primary(
    State(st): State<FakeState>,
    body: Body,
) -> Result<Response, FakeError> {
    let req = json_object(body).await;
    let who = req.as_ref().ok().and_then(|r| who(&st, r));
    let scope = Scope {
        user: who.as_deref(),
        client_id: None,
    };
    if let Some(res) = faults::act(&st, FaultEndpoint::Authn, scope).await {
        return Ok(res);
    }
    let req = req?;
    if !req.contains_key("username") && opt_str(&req, "stateToken")?.is_some() {
        let (state_token, tx, until) = live_transaction(&st, &req)?;
        let user = user_of(&st, &tx)?;
        return Ok(transaction_body(&st, state_token, until, user, &tx));
    }
    let username = opt_str(&req, "username")?.ok_or_else(|| FakeError::validation("username"))?;
    // Okta counts every attempt for the username, good password or bad.
    if let Err(reset) = st.user_limit.admit(Bucket::Authn, username, st.clock.now()) {
        return Ok(faults::too_many_requests(
            FaultEndpoint::Authn,
            PER_USER_LIMIT,
            reset,
        ));
    }
    let password = opt_str(&req, "password")?.ok_or_else(|| FakeError::validation("password"))?;
    let relay_state = opt_str(&req, "relayState")?.map(str::to_owned);
    let warn = req
        .get("options")
        .and_then(|o| o.get("warnBeforePasswordExpired"))
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let failed = FakeError::authn_failed;
    let user = st.dir.user_by_sign_in_name(username).ok_or_else(failed)?;
    match user.status {
        // Federated users have no Okta password; hidden lockout looks like a bad password.
        AuthnStatus::Federated | AuthnStatus::LockedOutHidden => return Err(failed()),
        AuthnStatus::LockedOut => return Ok(locked_out(&st)),
        _ => {}
    }
    // Locked out by failed passwords, with Okta's default "hide lockout failures".
    if st.lockouts.is_locked(&user.key, user.lockout_after) {
        return Err(failed());
    }
    if user.password.expose() != password {
        st.lockouts.failed(&user.key);
        return Err(failed());
    }
    st.lockouts.succeeded(&user.key);
    // Enrolled factors: the org's sign-on policy asks for one (`fake.users.<user>.mfa`).
    let status = match user.status {
        _ if !user.mfa.is_empty() => TxStatus::MfaRequired,
        AuthnStatus::PasswordWarn if warn => TxStatus::PasswordWarn,
        AuthnStatus::PasswordExpired => TxStatus::PasswordExpired,
        AuthnStatus::PasswordReset => TxStatus::PasswordReset,
        AuthnStatus::MfaEnrollOptional => TxStatus::MfaEnroll { skippable: true },
        AuthnStatus::MfaEnroll => TxStatus::MfaEnroll { skippable: false },
        AuthnStatus::MfaRequired => TxStatus::MfaRequired,
        _ => {
            return Ok(success(&st, user, relay_state.as_deref(), PASSWORD_AMR));
        }
    };
    let tx = Transaction {
        user_key: user.key.clone(),
        status,
        relay_state,
    };
    let (state_token, until) = st.sessions.begin(tx.clone(), st.clock.now());
    Ok(transaction_body(&st, &state_token, until, user, &tx))
}

/// `POST /api/v1/authn/skip`: only `PASSWORD_WARN` and optional `MFA_ENROLL` may be skipped.
pub(crate) async fn skip(State(st): State<FakeState>, body: Body) -> Result<Response, FakeError> {
    let req = json_object(body).await;
    if let Some(res) = transaction_fault(&st, req.as_ref().ok()).await {
        return Ok(res);
    }
    let req = req?;
    let (state_token, tx, _) = live_transaction(&st, &req)?;
    if !tx.status.skippable() {
        return Err(FakeError::not_allowed_in_state());
    }
    st.sessions.end(state_token, st.clock.now());
    let user = user_of(&st, &tx)?;
    Ok(success(&st, user, tx.relay_state.as_deref(), PASSWORD_AMR))
}

/// `POST /api/v1/authn/cancel`: ends the transaction.
pub(crate) async fn cancel(State(st): State<FakeState>, body: Body) -> Result<Response, FakeError> {
    let req = json_object(body).await;
    if let Some(res) = transaction_fault(&st, req.as_ref().ok()).await {
        return Ok(res);
    }
    let req = req?;
    let state_token = opt_str(&req, "stateToken")?.ok_or_else(FakeError::invalid_state_token)?;
    let tx = st
        .sessions
        .end(state_token, st.clock.now())
        .ok_or_else(FakeError::invalid_state_token)?;
    let body = Obj::new()
        .opt_str("relayState", tx.relay_state.as_deref())
        .finish();
    Ok(reply::json(StatusCode::OK, body))
}

/// Who an authn request is for: the body's `username`, else the user of its `stateToken`'s
/// transaction.
pub(super) fn who(st: &FakeState, req: &Map<String, Value>) -> Option<String> {
    if let Some(Value::String(username)) = req.get("username") {
        return Some(username.clone());
    }
    let state_token = req.get("stateToken").and_then(Value::as_str)?;
    let key = st.sessions.peek_transaction(state_token, st.clock.now())?;
    st.dir.user(&key).map(|u| u.username.clone())
}

/// The fault, if any, for a `/skip` or `/cancel` request (scoped by its transaction's user).
pub(super) async fn transaction_fault(
    st: &FakeState,
    req: Option<&Map<String, Value>>,
) -> Option<Response> {
    let who = req.and_then(|r| who(st, r));
    let scope = Scope {
        user: who.as_deref(),
        client_id: None,
    };
    faults::act(st, FaultEndpoint::Authn, scope).await
}

/// The request body as a JSON object; anything else is `E0000003`.
pub(super) async fn json_object(body: Body) -> Result<Map<String, Value>, FakeError> {
    let bytes = read_body(body)
        .await
        .ok_or_else(FakeError::malformed_body)?;
    serde_json::from_slice(&bytes).map_err(|_| FakeError::malformed_body())
}

/// A string field: absent or `null` → `None`, empty → `None`, another type → `E0000003`.
pub(super) fn opt_str<'a>(
    req: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, FakeError> {
    match req.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(FakeError::malformed_body()),
    }
}

/// The transaction `req`'s `stateToken` names, touched now (its lifetime slides), with the token
/// and its new end; Okta's 401 `E0000011` when there is no token or it is unknown or expired.
pub(super) fn live_transaction<'r>(
    st: &FakeState,
    req: &'r Map<String, Value>,
) -> Result<(&'r str, Transaction, std::time::SystemTime), FakeError> {
    let state_token = opt_str(req, "stateToken")?.ok_or_else(FakeError::invalid_state_token)?;
    let (tx, until) = st
        .sessions
        .touch(state_token, st.clock.now())
        .ok_or_else(FakeError::invalid_state_token)?;
    Ok((state_token, tx, until))
}

pub(super) fn user_of<'a>(st: &'a FakeState, tx: &Transaction) -> Result<&'a UserEntry, FakeError> {
    st.dir
        .user(&tx.user_key)
        .ok_or_else(FakeError::invalid_state_token)
}

fn link(st: &FakeState, path: &str) -> Obj {
    Obj::new()
        .str("href", &format!("{}/api/v1/authn{path}", st.dir.org_url))
        .obj("hints", Obj::new().strs("allow", &["POST"]))
}

fn named_link(st: &FakeState, name: &str, path: &str) -> Obj {
    Obj::new()
        .str("name", name)
        .str("href", &format!("{}/api/v1/authn{path}", st.dir.org_url))
        .obj("hints", Obj::new().strs("allow", &["POST"]))
}

fn embedded_user(user: &UserEntry) -> Obj {
    Obj::new()
        .str("id", &user.id)
        .str("passwordChanged", PASSWORD_CHANGED)
        .obj(
            "profile",
            Obj::new()
                .str("login", &user.username)
                .str("firstName", user.first_name())
                .str("lastName", user.last_name())
                .str("locale", "en_US")
                .str("timeZone", "America/Los_Angeles"),
        )
}

fn password_policy(with_expiration: bool) -> Obj {
    let complexity = Obj::new()
        .num("minLength", 8)
        .num("minLowerCase", 1)
        .num("minUpperCase", 1)
        .num("minNumber", 1)
        .num("minSymbol", 0)
        .bool("excludeUsername", true);
    let policy = Obj::new();
    let policy = if with_expiration {
        policy.obj("expiration", Obj::new().num("passwordExpireDays", 5))
    } else {
        policy
    };
    policy.obj("complexity", complexity)
}

/// `SUCCESS` with a fresh one-time sessionToken, for a session authenticated by `amr`.
pub(super) fn success(
    st: &FakeState,
    user: &UserEntry,
    relay_state: Option<&str>,
    amr: Amr,
) -> Response {
    let now = st.clock.now();
    let until = now + st.dir.session_token_lifetime;
    let token = st
        .sessions
        .issue_token(&user.key, st.clock.epoch_secs(), amr, now, until);
    let body = Obj::new()
        .str("expiresAt", &iso8601(until))
        .str("status", "SUCCESS")
        .opt_str("relayState", relay_state)
        .str("sessionToken", &token)
        .obj("_embedded", Obj::new().obj("user", embedded_user(user)))
        .obj("_links", Obj::new().obj("cancel", link(st, "/cancel")))
        .finish();
    reply::json(StatusCode::OK, body)
}

/// `LOCKED_OUT` as Okta shows it when lockout failures are not hidden: no stateToken.
fn locked_out(st: &FakeState) -> Response {
    let body = Obj::new()
        .str("status", "LOCKED_OUT")
        .obj("_embedded", Obj::new())
        .obj(
            "_links",
            Obj::new()
                .obj("next", named_link(st, "unlock", "/recovery/unlock"))
                .obj("cancel", link(st, "/cancel")),
        )
        .finish();
    reply::json(StatusCode::OK, body)
}

fn factor(st: &FakeState, factor_type: &str, enrollment: &str) -> Obj {
    Obj::new()
        .str("factorType", factor_type)
        .str("provider", "OKTA")
        .str("vendorName", "OKTA")
        .str("enrollment", enrollment)
        .str("status", "NOT_SETUP")
        .obj("_links", Obj::new().obj("enroll", link(st, "/factors")))
}

/// An enrolled factor as `MFA_REQUIRED` lists it (with its `verify` link) or `MFA_CHALLENGE`
/// embeds it (without). Profiles as Okta shows them: a TOTP factor's `credentialId` is the
/// login; a phone number is masked but for its last four digits.
fn factor_obj(st: &FakeState, user: &UserEntry, factor: MfaFactor, with_link: bool) -> Obj {
    let id = factors::factor_id(user, factor);
    let profile = match factor {
        MfaFactor::Totp | MfaFactor::GoogleTotp => Obj::new().str("credentialId", &user.username),
        MfaFactor::Push => Obj::new()
            .str("credentialId", &user.username)
            .str("deviceType", "SmartPhone_IPhone")
            .str("name", "Test iPhone")
            .str("platform", "IOS")
            .str("version", "17.0"),
        MfaFactor::Sms => Obj::new().str("phoneNumber", "+1 XXX-XXX-0100"),
        MfaFactor::Webauthn => Obj::new()
            .str("credentialId", &user.id)
            .str("authenticatorName", "Security Key"),
    };
    let obj = Obj::new()
        .str("id", &id)
        .str("factorType", factor.factor_type())
        .str("provider", factor.provider())
        .str("vendorName", factor.provider())
        .obj("profile", profile);
    if with_link {
        obj.obj(
            "_links",
            Obj::new().obj("verify", link(st, &format!("/factors/{id}/verify"))),
        )
    } else {
        obj
    }
}

/// `_embedded.policy` of the MFA states: no remembered device (the fake has none to
/// remember), and each push factor's `autoPushEnabled` in `factorsPolicyInfo`.
fn mfa_policy(user: &UserEntry) -> Obj {
    let info = factors::offered(user)
        .into_iter()
        .filter(|f| *f == MfaFactor::Push)
        .fold(Obj::new(), |info, f| {
            info.obj(
                &factors::factor_id(user, f),
                Obj::new().bool("autoPushEnabled", false),
            )
        });
    Obj::new()
        .bool("allowRememberDevice", false)
        .num("rememberDeviceLifetimeInMinutes", 0)
        .bool("rememberDeviceByDefault", false)
        .obj("factorsPolicyInfo", info)
}

/// A non-terminal transaction: stateToken, user, and the links to go on.
pub(super) fn transaction_body(
    st: &FakeState,
    state_token: &str,
    until: std::time::SystemTime,
    user: &UserEntry,
    tx: &Transaction,
) -> Response {
    let embedded = Obj::new().obj("user", embedded_user(user));
    let (status, embedded, links) = match tx.status {
        TxStatus::PasswordWarn => (
            "PASSWORD_WARN",
            embedded.obj("policy", password_policy(true)),
            Obj::new()
                .obj(
                    "next",
                    named_link(st, "changePassword", "/credentials/change_password"),
                )
                .obj("skip", named_link(st, "skip", "/skip")),
        ),
        TxStatus::PasswordExpired => (
            "PASSWORD_EXPIRED",
            embedded.obj("policy", password_policy(false)),
            Obj::new().obj(
                "next",
                named_link(st, "changePassword", "/credentials/change_password"),
            ),
        ),
        TxStatus::PasswordReset => (
            "PASSWORD_RESET",
            embedded.obj("policy", password_policy(false)),
            Obj::new().obj(
                "next",
                named_link(st, "resetPassword", "/credentials/reset_password"),
            ),
        ),
        TxStatus::MfaEnroll { skippable } => {
            let enrollment = if skippable { "OPTIONAL" } else { "REQUIRED" };
            let factors = vec![
                factor(st, "token:software:totp", enrollment),
                factor(st, "push", enrollment),
            ];
            let links = Obj::new();
            let links = if skippable {
                links.obj("skip", named_link(st, "skip", "/skip"))
            } else {
                links
            };
            ("MFA_ENROLL", embedded.objs("factors", factors), links)
        }
        TxStatus::MfaRequired => {
            let factors = factors::offered(user)
                .into_iter()
                .map(|f| factor_obj(st, user, f, true))
                .collect();
            (
                "MFA_REQUIRED",
                embedded
                    .obj("policy", mfa_policy(user))
                    .objs("factors", factors),
                Obj::new(),
            )
        }
        TxStatus::MfaChallenge(factor, _) => {
            let id = factors::factor_id(user, factor);
            let mut factor_json = factor_obj(st, user, factor, false);
            if factor == MfaFactor::Webauthn {
                factor_json = factor_json.obj(
                    "_embedded",
                    Obj::new().obj(
                        "challenge",
                        Obj::new()
                            .str("challenge", &ids::random_b64url(20))
                            .str("userVerification", "preferred")
                            .obj("extensions", Obj::new()),
                    ),
                );
            }
            // A push is polled, the others are answered.
            let next = if factor == MfaFactor::Push {
                "poll"
            } else {
                "verify"
            };
            (
                "MFA_CHALLENGE",
                embedded
                    .obj("factor", factor_json)
                    .obj("policy", mfa_policy(user)),
                Obj::new()
                    .obj(
                        "next",
                        named_link(st, next, &format!("/factors/{id}/verify")),
                    )
                    .obj("prev", link(st, "/previous")),
            )
        }
    };
    let factor_result = match tx.status {
        TxStatus::MfaChallenge(_, result) => result.as_str(),
        _ => None,
    };
    let body = Obj::new()
        .str("stateToken", state_token)
        .str("expiresAt", &iso8601(until))
        .str("status", status)
        .opt_str("factorResult", factor_result)
        .opt_str("relayState", tx.relay_state.as_deref())
        .obj("_embedded", embedded)
        .obj("_links", links.obj("cancel", link(st, "/cancel")))
        .finish();
    reply::json(StatusCode::OK, body)
}
