//! Okta's password lockout: after a user's Nth failed password in a row (10 by default,
//! `fake.users.<user>.lockout_after`), the account is locked, and with Okta's default "hide
//! lockout failures" every later authn answers 401 `E0000004`, the right password included.
//! A successful sign-in before the limit starts the count again; [`FakeState::reset`]
//! (`POST /_fake/reset`) unlocks everyone.
//!
//! [`FakeState::reset`]: super::FakeState::reset

use std::collections::HashMap;
use std::sync::Mutex;

use super::sessions::lock;

/// Okta's default: the account locks at the 10th failed password.
pub(crate) const DEFAULT_LOCKOUT_AFTER: u32 = 10;

/// Failed passwords in a row, by user key (the user's name in fixtures.yaml).
#[derive(Debug, Default)]
pub(crate) struct Lockouts {
    failures: Mutex<HashMap<String, u32>>,
}

impl Lockouts {
    /// Whether user `key` is locked out (`after` failures reached).
    pub(crate) fn is_locked(&self, key: &str, after: u32) -> bool {
        lock(&self.failures)
            .get(key)
            .is_some_and(|&failed| failed >= after)
    }

    /// Counts one failed password of user `key`.
    pub(crate) fn failed(&self, key: &str) {
        let mut failures = lock(&self.failures);
        let n = failures.entry(key.to_owned()).or_insert(0);
        *n = n.saturating_add(1);
    }

    /// A good password before the lockout: the count starts again.
    pub(crate) fn succeeded(&self, key: &str) {
        lock(&self.failures).remove(key);
    }

    /// Unlocks every user.
    pub(crate) fn clear(&self) {
        lock(&self.failures).clear();
    }
}
