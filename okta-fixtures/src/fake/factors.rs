//! A fake user's enrolled factors as Okta's Classic Authentication API lists them (ids,
//! order), and what verifying them leaves behind: the last step accepted per TOTP factor (a
//! code is accepted once), and wrong codes in a row per factor (the factor locks at the 5th).
//! [`FakeState::reset`](super::FakeState::reset) forgets both.
//!
//! Okta documents the ±1 step window of RFC 6238 §5.2 implicitly ("implements the TOTP
//! standard", developer.okta.com/docs/reference/api/authn, "Verify TOTP Factor") and a reused
//! code's `factorResult: PASSCODE_REPLAYED` ("Factor was previously verified within the same
//! time window"). The lock at 5 wrong codes is the issue's contract and Okta's default factor
//! lockout as its Admin Console shows it; inferred, not in the API reference.

use std::collections::HashMap;
use std::sync::Mutex;

use okta_fixtures_config::MfaFactor;

use super::directory::UserEntry;
use super::ids::stable_id;
use super::sessions::lock;

/// Wrong codes in a row after which a factor is locked (`E0000069`).
pub(crate) const LOCK_AFTER: u32 = 5;

/// Steps either side of the fake's own that a code may come from (RFC 6238 §5.2).
const WINDOW_STEPS: u64 = 1;

/// The factors authn offers `user` in `MFA_REQUIRED`, in order: the configured ones, else (a
/// forced `status: MFA_REQUIRED`) Okta Verify's code alone.
pub(crate) fn offered(user: &UserEntry) -> Vec<MfaFactor> {
    if user.mfa.is_empty() {
        vec![MfaFactor::Totp]
    } else {
        user.mfa.clone()
    }
}

/// The factor's stable id, with the prefix Okta gives its kind (Sign-In Widget fixtures
/// `MFA_REQUIRED_allFactors.js`: `ost…` Okta Verify TOTP, `uft…` Google Authenticator, `opf…`
/// Okta Verify push, `sms…`; the authn reference's WebAuthn example: `fwf…`).
pub(crate) fn factor_id(user: &UserEntry, factor: MfaFactor) -> String {
    let prefix = match factor {
        MfaFactor::Totp => "ost",
        MfaFactor::GoogleTotp => "uft",
        MfaFactor::Push => "opf",
        MfaFactor::Sms => "sms",
        MfaFactor::Webauthn => "fwf",
    };
    // Okta Verify's seed is the one the forced `MFA_REQUIRED` used before factors existed.
    let seed = match factor {
        MfaFactor::Totp => format!("factor:{}", user.id),
        other => format!("factor:{}:{}", other.name(), user.id),
    };
    stable_id(prefix, &seed)
}

/// The factor of `user` whose id is `id`, among those offered.
pub(crate) fn by_id(user: &UserEntry, id: &str) -> Option<MfaFactor> {
    offered(user)
        .into_iter()
        .find(|f| factor_id(user, *f) == id)
}

/// What a code sent to a factor's `verify` was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Right, and of a step later than any accepted before: the factor is verified.
    Accepted,
    /// Right, but of a step already accepted for this factor (or an earlier one).
    Replayed,
    /// Wrong; the factor is not locked yet.
    Wrong,
    /// Locked: this code was the one that locked it, or it was locked already.
    Locked,
}

/// One factor's record.
#[derive(Debug, Default)]
struct FactorRecord {
    /// Wrong codes in a row.
    failures: u32,
    /// The last step whose code was accepted.
    last_step: Option<u64>,
}

/// The records of every factor verified so far, by (user key, factor).
#[derive(Debug, Default)]
pub(crate) struct FactorLedger {
    records: Mutex<HashMap<(String, MfaFactor), FactorRecord>>,
}

impl FactorLedger {
    /// Checks `code` for `user`'s `factor` at `unix_time` (the fake's clock), and records the
    /// outcome. A factor without a secret (SMS: the fake sends no message; a TOTP factor of a
    /// forced `MFA_REQUIRED` user without `totp`) matches no code.
    pub(crate) fn check(
        &self,
        user: &UserEntry,
        factor: MfaFactor,
        code: &str,
        unix_time: u64,
    ) -> Checked {
        let mut records = lock(&self.records);
        let record = records.entry((user.key.clone(), factor)).or_default();
        if record.failures >= LOCK_AFTER {
            return Checked::Locked;
        }
        let step = user
            .totp
            .as_ref()
            .filter(|_| factor.is_totp())
            .and_then(|secret| crate::totp::matching_step(secret, code, unix_time, WINDOW_STEPS));
        match step {
            Some(step) if record.last_step.is_some_and(|last| step <= last) => Checked::Replayed,
            Some(step) => {
                record.last_step = Some(step);
                record.failures = 0;
                Checked::Accepted
            }
            None => {
                record.failures += 1;
                if record.failures >= LOCK_AFTER {
                    Checked::Locked
                } else {
                    Checked::Wrong
                }
            }
        }
    }

    /// Forgets every record: no factor is locked, every code may be used again.
    pub(crate) fn clear(&self) {
        lock(&self.records).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::test_support::state;

    const YAML: &str = "
apps:
  spa: { client_id: spa-client, redirect_uri: 'http://localhost/cb', flow: code }
users:
  carol: { username: carol@example.com, password: pw, totp: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ }
  dave: { username: dave@example.com, password: pw }
fake:
  users:
    carol: { mfa: [push, totp, google_totp] }
    dave: { status: MFA_REQUIRED }
";

    /// RFC 6238 Appendix B: the SHA-1 code at T = 59 (step 1), last six digits.
    const CODE_AT_59: &str = "287082";

    #[test]
    fn ids_have_okta_prefixes_and_are_stable() {
        let st = state(YAML);
        let carol = st.dir.user("carol").unwrap();
        let ids: Vec<String> = offered(carol)
            .iter()
            .map(|f| factor_id(carol, *f))
            .collect();
        assert_eq!(
            ids.iter().map(|i| &i[..3]).collect::<Vec<_>>(),
            ["opf", "ost", "uft"]
        );
        assert!(ids.iter().all(|i| i.len() == 20));
        assert_eq!(by_id(carol, &ids[1]), Some(MfaFactor::Totp));
        assert_eq!(by_id(carol, "ost00000000000000000"), None);
        let dave = st.dir.user("dave").unwrap();
        assert_eq!(offered(dave), [MfaFactor::Totp]);
        assert_ne!(factor_id(dave, MfaFactor::Totp), ids[1]);
    }

    #[test]
    fn a_code_is_accepted_once_per_factor() {
        let st = state(YAML);
        let carol = st.dir.user("carol").unwrap();
        let ledger = FactorLedger::default();
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Accepted
        );
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 60),
            Checked::Replayed
        );
        // Google Authenticator is another factor, with its own record.
        assert_eq!(
            ledger.check(carol, MfaFactor::GoogleTotp, CODE_AT_59, 60),
            Checked::Accepted
        );
        ledger.clear();
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Accepted
        );
    }

    #[test]
    fn the_fifth_wrong_code_locks_the_factor_until_cleared() {
        let st = state(YAML);
        let carol = st.dir.user("carol").unwrap();
        let ledger = FactorLedger::default();
        for _ in 1..LOCK_AFTER {
            assert_eq!(
                ledger.check(carol, MfaFactor::Totp, "000000", 59),
                Checked::Wrong
            );
        }
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, "000000", 59),
            Checked::Locked
        );
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Locked
        );
        ledger.clear();
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Accepted
        );
    }

    #[test]
    fn a_right_code_resets_the_count_of_wrong_ones() {
        let st = state(YAML);
        let carol = st.dir.user("carol").unwrap();
        let ledger = FactorLedger::default();
        for _ in 1..LOCK_AFTER {
            ledger.check(carol, MfaFactor::Totp, "000000", 59);
        }
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Accepted
        );
        assert_eq!(
            ledger.check(carol, MfaFactor::Totp, "000000", 59),
            Checked::Wrong
        );
    }

    #[test]
    fn a_factor_without_a_secret_matches_nothing() {
        let st = state(YAML);
        let dave = st.dir.user("dave").unwrap();
        let carol = st.dir.user("carol").unwrap();
        let ledger = FactorLedger::default();
        assert_eq!(
            ledger.check(dave, MfaFactor::Totp, CODE_AT_59, 59),
            Checked::Wrong
        );
        assert_eq!(
            ledger.check(carol, MfaFactor::Sms, CODE_AT_59, 59),
            Checked::Wrong
        );
    }
}
