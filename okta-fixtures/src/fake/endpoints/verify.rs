//! `POST /api/v1/authn/factors/{factorId}/verify` and `/api/v1/authn/previous`: the second
//! step of a Classic sign-in behind MFA (developer.okta.com/docs/reference/api/authn, "Verify
//! Factor").
//!
//! A TOTP factor (`token:software:totp`, Okta Verify's code or Google Authenticator) checks
//! `passCode` against the user's `totp` secret on the fake's clock, a step either side allowed
//! (RFC 6238 §5.2): right → `SUCCESS` with a sessionToken whose session has `amr`
//! `["mfa","otp","pwd"]`; a step already accepted → `MFA_CHALLENGE` with `factorResult:
//! PASSCODE_REPLAYED` (the reference's "Factor result" table); wrong → 403 `E0000068`, the
//! stateToken still usable; the fifth wrong code in a row → 403 `E0000069` "User Locked"
//! (recorded by the Sign-In Widget, `MFA_LOCKED_FAILED_ATEMPTS.js`), and so on until the
//! fake's reset. An unknown or expired stateToken → 401 `E0000011`. A push is never approved
//! (`MFA_CHALLENGE`, `factorResult: WAITING` at every poll), an SMS is "sent" but its code
//! never matches, and a WebAuthn challenge is issued but no signature is accepted: the answers
//! a client that cannot use those factors would get from Okta.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use okta_fixtures_config::{FaultEndpoint, FaultKind, MfaFactor, ReplayAnswer};
use serde_json::{Map, Value};

use super::authn::{
    json_object, live_transaction, opt_str, success, transaction_body, transaction_fault, user_of,
    who,
};
use crate::fake::FakeState;
use crate::fake::directory::UserEntry;
use crate::fake::error::FakeError;
use crate::fake::factors::{self, Checked};
use crate::fake::faults::{self, Scope};
use crate::fake::sessions::{FactorResult, TOTP_AMR, TxStatus};
use crate::fake::stats::Verified;

/// `POST /api/v1/authn/factors/{factorId}/verify` with `{stateToken, passCode}`.
pub(crate) async fn verify(
    State(st): State<FakeState>,
    Path(factor_id): Path<String>,
    body: Body,
) -> Result<Response, FakeError> {
    let req = json_object(body).await;
    let who = req.as_ref().ok().and_then(|r| who(&st, r));
    let scope = Scope {
        user: who.as_deref(),
        client_id: None,
    };
    // A fault answered by a factor result is answered with the transaction, below; every
    // other fault answers alone, before anything is spent or counted.
    let fault = st.faults.take(FaultEndpoint::Verify, scope);
    let injected = match fault {
        Some(FaultKind::Replay(ReplayAnswer::FactorResult)) => Some(FactorResult::PasscodeReplayed),
        Some(FaultKind::TimeWindowExceeded) => Some(FactorResult::TimeWindowExceeded),
        _ => None,
    };
    if let Some(kind) = fault.filter(|_| injected.is_none())
        && let Some(res) = faults::respond(&st, FaultEndpoint::Verify, scope, kind).await
    {
        return Ok(res);
    }
    let req = req?;
    let (state_token, tx, _) = live_transaction(&st, &req)?;
    if !matches!(
        tx.status,
        TxStatus::MfaRequired | TxStatus::MfaChallenge(..)
    ) {
        return Err(FakeError::not_allowed_in_state());
    }
    let user = user_of(&st, &tx)?;
    let factor = factors::by_id(user, &factor_id).ok_or_else(|| {
        FakeError::not_found(&format!("Resource not found: {factor_id} (UserFactor)"))
    })?;
    let challenge = |result| {
        move_to(
            &st,
            state_token,
            user,
            TxStatus::MfaChallenge(factor, result),
        )
    };
    if let Some(result) = injected {
        return challenge(result);
    }
    match factor {
        MfaFactor::Push => return challenge(FactorResult::Waiting),
        MfaFactor::Sms if !req.contains_key("passCode") => {
            return challenge(FactorResult::None);
        }
        MfaFactor::Webauthn if !req.contains_key("signatureData") => {
            return challenge(FactorResult::Challenge);
        }
        _ => {}
    }
    let code = answer(&req, factor)?;
    match st.factors.check(user, factor, code, st.clock.epoch_secs()) {
        Checked::Accepted => {
            st.stats.verification(&user.username, Verified::Ok);
            st.sessions.end(state_token, st.clock.now());
            Ok(success(&st, user, tx.relay_state.as_deref(), TOTP_AMR))
        }
        Checked::Replayed => {
            st.stats.verification(&user.username, Verified::Replayed);
            challenge(FactorResult::PasscodeReplayed)
        }
        Checked::Wrong => {
            st.stats.verification(&user.username, Verified::Failed);
            Err(FakeError::invalid_passcode())
        }
        Checked::Locked => {
            st.stats.verification(&user.username, Verified::Failed);
            Err(FakeError::factor_locked())
        }
    }
}

/// What the client answered: `passCode`, or a WebAuthn assertion's `signatureData` (which no
/// secret of the fake matches). A TOTP or SMS verify without `passCode` is `E0000001`.
fn answer(req: &Map<String, Value>, factor: MfaFactor) -> Result<&str, FakeError> {
    let key = if factor == MfaFactor::Webauthn {
        "signatureData"
    } else {
        "passCode"
    };
    opt_str(req, key)?.ok_or_else(|| FakeError::validation(key))
}

/// Moves the transaction of `state_token` to `status` and answers it.
fn move_to(
    st: &FakeState,
    state_token: &str,
    user: &UserEntry,
    status: TxStatus,
) -> Result<Response, FakeError> {
    let now = st.clock.now();
    if !st.sessions.set_status(state_token, status, now) {
        return Err(FakeError::invalid_state_token());
    }
    let (tx, until) = st
        .sessions
        .touch(state_token, now)
        .ok_or_else(FakeError::invalid_state_token)?;
    Ok(transaction_body(st, state_token, until, user, &tx))
}

/// `POST /api/v1/authn/previous`: from `MFA_CHALLENGE` back to `MFA_REQUIRED`, to pick
/// another factor (the `prev` link).
pub(crate) async fn previous(
    State(st): State<FakeState>,
    body: Body,
) -> Result<Response, FakeError> {
    let req = json_object(body).await;
    if let Some(res) = transaction_fault(&st, req.as_ref().ok()).await {
        return Ok(res);
    }
    let req = req?;
    let (state_token, tx, _) = live_transaction(&st, &req)?;
    if !matches!(tx.status, TxStatus::MfaChallenge(..)) {
        return Err(FakeError::not_allowed_in_state());
    }
    let user = user_of(&st, &tx)?;
    move_to(&st, state_token, user, TxStatus::MfaRequired)
}
