//! Okta's per-username rate limit: at most 4 requests per second for one user on
//! `/api/v1/authn`, and 4 on `/token` for the `password` and `refresh_token` grants (section
//! 2.5 of the wire reference, okta-developer-docs `rl2-limits`). Parallel tests that sign one
//! user in over and over hit it on a real org; the fake does the same by default
//! ([`FakeBuilder::per_user_rate_limit`](super::FakeBuilder::per_user_rate_limit) turns it
//! off).
//!
//! The window slides: a request is refused when the user already had 4 requests admitted in
//! the second before it, so five quick requests always see a 429 whatever the wall clock's
//! second boundaries. Refused requests do not count, so a client that waits until
//! `X-Rate-Limit-Reset` gets through.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::clock::epoch_secs;
use super::sessions::lock;

/// Requests per second and username Okta allows on each limited endpoint.
pub(crate) const PER_USER_LIMIT: u64 = 4;
const WINDOW: Duration = Duration::from_secs(1);
/// The map is swept of idle users when it has grown by this many since the last sweep.
const SWEEP_EVERY: usize = 1024;

/// The endpoints with a per-user limit; each has its own counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    Authn,
    Token,
}

#[derive(Debug, Default)]
struct Windows {
    /// Admission times of each (bucket, lowercased username) within the last second.
    admitted: HashMap<(Bucket, String), VecDeque<SystemTime>>,
    inserts_since_sweep: usize,
}

/// The per-user counters of one fake org.
#[derive(Debug)]
pub(crate) struct UserRateLimit {
    enabled: bool,
    windows: Mutex<Windows>,
}

impl UserRateLimit {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            windows: Mutex::default(),
        }
    }

    /// Admits one request of `username` at `now`, or refuses it with the epoch second at
    /// which the oldest admitted request leaves the window (`X-Rate-Limit-Reset`).
    pub(crate) fn admit(&self, bucket: Bucket, username: &str, now: SystemTime) -> Result<(), u64> {
        if !self.enabled {
            return Ok(());
        }
        let mut w = lock(&self.windows);
        let key = (bucket, username.to_lowercase());
        if !w.admitted.contains_key(&key) {
            w.inserts_since_sweep += 1;
            if w.inserts_since_sweep >= SWEEP_EVERY {
                w.admitted
                    .retain(|_, times| times.back().is_some_and(|t| *t + WINDOW > now));
                w.inserts_since_sweep = 0;
            }
        }
        let times = w.admitted.entry(key).or_default();
        while times.front().is_some_and(|t| *t + WINDOW <= now) {
            times.pop_front();
        }
        if times.len() as u64 >= PER_USER_LIMIT {
            let frees_at = times.front().map_or(now, |t| *t + WINDOW);
            // Round up: the client must not come back before the slot is free.
            let reset = epoch_secs(frees_at) + u64::from(frees_at != whole_second(frees_at));
            return Err(reset);
        }
        times.push_back(now);
        Ok(())
    }

    /// Forgets every counter.
    pub(crate) fn clear(&self) {
        let mut w = lock(&self.windows);
        w.admitted.clear();
        w.inserts_since_sweep = 0;
    }
}

fn whole_second(t: SystemTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
    }

    #[test]
    fn four_per_second_per_user_and_bucket() {
        let l = UserRateLimit::new(true);
        for ms in [0, 100, 200, 900] {
            assert_eq!(l.admit(Bucket::Authn, "alice@example.com", at(ms)), Ok(()));
        }
        // The fifth within the second is refused until the first leaves the window
        // (1_700_000_001.000 exactly: no rounding up).
        assert_eq!(
            l.admit(Bucket::Authn, "ALICE@example.com", at(950)),
            Err(1_700_000_001)
        );
        // Other users and the other bucket have their own counters.
        assert_eq!(l.admit(Bucket::Authn, "bob@example.com", at(950)), Ok(()));
        assert_eq!(l.admit(Bucket::Token, "alice@example.com", at(950)), Ok(()));
        // The refused request did not count: at 1000 ms the first slot is free again.
        assert_eq!(
            l.admit(Bucket::Authn, "alice@example.com", at(1000)),
            Ok(())
        );
        assert_eq!(
            l.admit(Bucket::Authn, "alice@example.com", at(1050)),
            Err(1_700_000_002)
        );
        l.clear();
        assert_eq!(
            l.admit(Bucket::Authn, "alice@example.com", at(1050)),
            Ok(())
        );
    }

    #[test]
    fn disabled_admits_everything_and_idle_users_are_swept() {
        let off = UserRateLimit::new(false);
        for _ in 0..10 {
            assert_eq!(off.admit(Bucket::Authn, "a", at(0)), Ok(()));
        }
        let l = UserRateLimit::new(true);
        for i in 0..(SWEEP_EVERY * 2) {
            let _ = l.admit(Bucket::Authn, &format!("user{i}"), at(i as u64 * 10));
        }
        assert!(lock(&l.windows).admitted.len() <= SWEEP_EVERY + 100);
    }
}
