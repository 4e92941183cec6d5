//! Sign-in state: one-time session tokens, authn transactions (stateTokens) and the `sid`
//! sessions that `/authorize` creates.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, header};

use okta_fixtures_config::MfaFactor;

use super::expiring::Expiring;
use super::ids;

/// How a session was authenticated: the `amr` claim of its tokens (RFC 8176 values, as Okta
/// sends them).
pub(crate) type Amr = &'static [&'static str];

/// A session from a password alone.
pub(crate) const PASSWORD_AMR: Amr = &["pwd"];

/// A session from a password and a TOTP authenticator's one-time code (Okta Verify's code or
/// Google Authenticator): `mfa`, `otp`, `pwd`, as Okta lists them (RFC 8176 `otp`; order as
/// issue 15 records Okta's tokens).
pub(crate) const TOTP_AMR: Amr = &["mfa", "otp", "pwd"];

/// Okta's authn transactions slide forward by this much on every call.
pub(crate) const STATE_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// Where an authn transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxStatus {
    PasswordWarn,
    PasswordExpired,
    PasswordReset,
    MfaEnroll {
        skippable: bool,
    },
    MfaRequired,
    /// A factor was challenged (a push sent, an SMS sent, a WebAuthn challenge issued, a code
    /// refused as reused or late) and awaits its answer.
    MfaChallenge(MfaFactor, FactorResult),
}

/// The `factorResult` of an `MFA_CHALLENGE`: the outcome of the factor's last verification
/// (developer.okta.com/docs/reference/api/authn, "Factor result").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FactorResult {
    /// None: an SMS was sent and its code is awaited.
    None,
    /// A push awaits its approval.
    Waiting,
    /// A WebAuthn challenge awaits its signature.
    Challenge,
    /// The code's step was already verified.
    PasscodeReplayed,
    /// The code was right but outside the time window.
    TimeWindowExceeded,
}

impl FactorResult {
    /// The value Okta sends, if any.
    pub(crate) fn as_str(self) -> Option<&'static str> {
        match self {
            FactorResult::None => None,
            FactorResult::Waiting => Some("WAITING"),
            FactorResult::Challenge => Some("CHALLENGE"),
            FactorResult::PasscodeReplayed => Some("PASSCODE_REPLAYED"),
            FactorResult::TimeWindowExceeded => Some("TIME_WINDOW_EXCEEDED"),
        }
    }
}

impl TxStatus {
    pub(crate) fn skippable(self) -> bool {
        matches!(
            self,
            TxStatus::PasswordWarn | TxStatus::MfaEnroll { skippable: true }
        )
    }
}

/// A non-terminal `/api/v1/authn` transaction.
#[derive(Clone, Debug)]
pub(crate) struct Transaction {
    pub(crate) user_key: String,
    pub(crate) status: TxStatus,
    pub(crate) relay_state: Option<String>,
}

/// An Okta session, as the `sid` cookie names it.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) user_key: String,
    /// When the user authenticated (epoch seconds): the `auth_time` claim.
    pub(crate) auth_time: u64,
    /// How: the `amr` claim.
    pub(crate) amr: Amr,
}

/// What a live session token stands for.
#[derive(Clone, Debug)]
struct SessionTokenGrant {
    user_key: String,
    auth_time: u64,
    amr: Amr,
}

/// The three stores, each behind its own lock so sign-ins of different users do not queue.
/// No `Debug`: they hold live tokens.
#[derive(Default)]
pub(crate) struct Sessions {
    tokens: Mutex<Expiring<String, SessionTokenGrant>>,
    transactions: Mutex<Expiring<String, Transaction>>,
    cookies: Mutex<Expiring<String, Session>>,
}

impl Sessions {
    /// Issues a one-time session token for `user_key`, valid until `until`.
    pub(crate) fn issue_token(
        &self,
        user_key: &str,
        auth_time: u64,
        amr: Amr,
        now: SystemTime,
        until: SystemTime,
    ) -> String {
        let token = ids::session_token();
        lock(&self.tokens).insert(
            token.clone(),
            SessionTokenGrant {
                user_key: user_key.to_owned(),
                auth_time,
                amr,
            },
            until,
            now,
        );
        token
    }

    /// Spends a session token: it answers once, then never again.
    pub(crate) fn redeem_token(&self, token: &str, now: SystemTime) -> Option<Session> {
        lock(&self.tokens)
            .take(&token.to_owned(), now)
            .map(|g| Session {
                user_key: g.user_key,
                auth_time: g.auth_time,
                amr: g.amr,
            })
    }

    /// Starts a transaction; returns its stateToken and `expiresAt`.
    pub(crate) fn begin(&self, tx: Transaction, now: SystemTime) -> (String, SystemTime) {
        let token = ids::state_token();
        let until = now + STATE_TOKEN_LIFETIME;
        lock(&self.transactions).insert(token.clone(), tx, until, now);
        (token, until)
    }

    /// The live transaction for `state_token`, its expiry slid forward.
    pub(crate) fn touch(
        &self,
        state_token: &str,
        now: SystemTime,
    ) -> Option<(Transaction, SystemTime)> {
        let mut txs = lock(&self.transactions);
        let (tx, until) = txs.get_mut(&state_token.to_owned(), now)?;
        *until = now + STATE_TOKEN_LIFETIME;
        Some((tx.clone(), *until))
    }

    /// Moves a live transaction to `status`; whether it was live.
    pub(crate) fn set_status(&self, state_token: &str, status: TxStatus, now: SystemTime) -> bool {
        let mut txs = lock(&self.transactions);
        match txs.get_mut(&state_token.to_owned(), now) {
            Some((tx, _)) => {
                tx.status = status;
                true
            }
            None => false,
        }
    }

    /// Ends a transaction, returning it if it was live.
    pub(crate) fn end(&self, state_token: &str, now: SystemTime) -> Option<Transaction> {
        lock(&self.transactions).take(&state_token.to_owned(), now)
    }

    /// Opens a session and returns its `sid`.
    pub(crate) fn open(&self, session: Session, now: SystemTime, lifetime: Duration) -> String {
        let sid = ids::session_id();
        lock(&self.cookies).insert(sid.clone(), session, now + lifetime, now);
        sid
    }

    /// Forgets every session token, transaction and session.
    pub(crate) fn clear(&self) {
        lock(&self.tokens).clear();
        lock(&self.transactions).clear();
        lock(&self.cookies).clear();
    }

    /// The user a live session token stands for, without spending it.
    pub(crate) fn peek_token(&self, token: &str, now: SystemTime) -> Option<String> {
        lock(&self.tokens)
            .get(&token.to_owned(), now)
            .map(|g| g.user_key.clone())
    }

    /// The user of a live transaction, without sliding its expiry.
    pub(crate) fn peek_transaction(&self, state_token: &str, now: SystemTime) -> Option<String> {
        lock(&self.transactions)
            .get(&state_token.to_owned(), now)
            .map(|tx| tx.user_key.clone())
    }

    /// The live session named by a `sid` cookie.
    pub(crate) fn session(&self, sid: &str, now: SystemTime) -> Option<Session> {
        lock(&self.cookies).get(&sid.to_owned(), now).cloned()
    }

    /// Ends the session named by a `sid` cookie; whether it was live.
    pub(crate) fn close(&self, sid: &str, now: SystemTime) -> bool {
        lock(&self.cookies).take(&sid.to_owned(), now).is_some()
    }
}

/// The value of the `sid` cookie, if the request carries one.
pub(crate) fn sid_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == "sid")
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A poisoned lock only means another request panicked mid-update of a map whose entries are
/// each written whole; carrying on is safe, and the fake must keep answering.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn sid_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sid=102abc; t=default"),
        );
        assert_eq!(sid_cookie(&h), Some("102abc"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("JSESSIONID=x"));
        h.append(header::COOKIE, HeaderValue::from_static("sid=\"\""));
        assert_eq!(sid_cookie(&h), None);
    }

    #[test]
    fn session_tokens_are_single_use_and_expire() {
        let s = Sessions::default();
        let t0 = SystemTime::now();
        let until = t0 + Duration::from_secs(300);
        let tok = s.issue_token("alice", 1, TOTP_AMR, t0, until);
        let session = s.redeem_token(&tok, t0).unwrap();
        assert_eq!(
            (session.user_key.as_str(), session.amr),
            ("alice", TOTP_AMR)
        );
        assert!(s.redeem_token(&tok, t0).is_none());
        let tok = s.issue_token("alice", 1, PASSWORD_AMR, t0, until);
        assert!(s.redeem_token(&tok, until).is_none());
        assert!(s.redeem_token("garbage", t0).is_none());
    }

    #[test]
    fn transactions_slide_and_end() {
        let s = Sessions::default();
        let t0 = SystemTime::now();
        let tx = Transaction {
            user_key: "alice".into(),
            status: TxStatus::PasswordWarn,
            relay_state: None,
        };
        let (st, until) = s.begin(tx, t0);
        assert_eq!(until, t0 + STATE_TOKEN_LIFETIME);
        let later = t0 + Duration::from_secs(200);
        let (_, slid) = s.touch(&st, later).unwrap();
        assert_eq!(slid, later + STATE_TOKEN_LIFETIME);
        // Still live past the first deadline because it slid.
        assert!(s.touch(&st, t0 + Duration::from_secs(301)).is_some());
        assert!(s.end(&st, t0 + Duration::from_secs(302)).is_some());
        assert!(s.end(&st, t0 + Duration::from_secs(302)).is_none());
    }
}
