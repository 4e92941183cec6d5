//! Okta's client-based rate limit on `/authorize`, in its default mode "enforce and log per
//! client": at most 60 requests a minute and 5 at once for one client id, IP address and device
//! (developer.okta.com/docs/reference/rl-clientbased; the limits are those of the
//! `system.client.rate_limit.violation` and `system.client.concurrency_rate_limit.violation`
//! events, developer.okta.com/docs/reference/rl-system-log-events). A browserless client sends
//! no device cookie, and every client of a fake reaches it from this machine, so here the key
//! is the client id alone.
//!
//! Okta's minute is a window; here it slides (any 60 s hold at most 60 admitted requests),
//! which is never more lenient than a fixed minute. Refused requests do not count. The answer
//! to a refused request is the 429 of the other limits (`E0000047` with `X-Rate-Limit-*`
//! headers): what Okta's client-based 429 carries is inferred, not documented.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::clock::epoch_secs;
use super::sessions::lock;

/// Requests a minute one client may make to `/authorize`.
pub(crate) const PER_MINUTE: u64 = 60;
/// Requests one client may have in flight at `/authorize`.
pub(crate) const CONCURRENT: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct Counters {
    /// Admission times of each client within the last minute.
    admitted: HashMap<String, VecDeque<SystemTime>>,
    /// Requests of each client being answered now.
    in_flight: HashMap<String, usize>,
}

/// The client-based counters of one fake org.
#[derive(Debug)]
pub(crate) struct ClientRateLimit {
    enabled: bool,
    counters: Mutex<Counters>,
}

/// Why a request was refused, with the epoch second of `X-Rate-Limit-Reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The 61st request within a minute.
    PerMinute { reset: u64 },
    /// A sixth request while five are in flight.
    Concurrent { reset: u64 },
}

impl Refused {
    /// `X-Rate-Limit-Limit` and `X-Rate-Limit-Reset` of the answer.
    pub(crate) fn limit_and_reset(self) -> (u64, u64) {
        match self {
            Refused::PerMinute { reset } => (PER_MINUTE, reset),
            Refused::Concurrent { reset } => (CONCURRENT as u64, reset),
        }
    }
}

/// An admitted request, counted in flight until dropped.
#[must_use = "the request counts as in flight until this is dropped"]
pub(crate) struct InFlight<'a> {
    limit: &'a ClientRateLimit,
    client_id: Option<String>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let Some(client_id) = self.client_id.take() else {
            return;
        };
        let mut c = lock(&self.limit.counters);
        if let Some(n) = c.in_flight.get_mut(&client_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.in_flight.remove(&client_id);
            }
        }
    }
}

impl ClientRateLimit {
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            counters: Mutex::default(),
        }
    }

    /// Admits one `/authorize` request of `client_id` at `now`, or refuses it.
    pub(crate) fn admit(&self, client_id: &str, now: SystemTime) -> Result<InFlight<'_>, Refused> {
        if !self.enabled {
            return Ok(InFlight {
                limit: self,
                client_id: None,
            });
        }
        let mut c = lock(&self.counters);
        if c.in_flight.get(client_id).copied().unwrap_or(0) >= CONCURRENT {
            return Err(Refused::Concurrent {
                reset: epoch_secs(now) + 1,
            });
        }
        let times = c.admitted.entry(client_id.to_owned()).or_default();
        while times.front().is_some_and(|t| *t + WINDOW <= now) {
            times.pop_front();
        }
        if times.len() as u64 >= PER_MINUTE {
            let frees_at = times.front().map_or(now, |t| *t + WINDOW);
            let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs(frees_at));
            // Round up: the client must not come back before the slot is free.
            let reset = epoch_secs(frees_at) + u64::from(frees_at != whole);
            return Err(Refused::PerMinute { reset });
        }
        times.push_back(now);
        *c.in_flight.entry(client_id.to_owned()).or_default() += 1;
        Ok(InFlight {
            limit: self,
            client_id: Some(client_id.to_owned()),
        })
    }

    /// Forgets every counter but the requests in flight.
    pub(crate) fn clear(&self) {
        lock(&self.counters).admitted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + ms)
    }

    #[test]
    fn sixty_a_minute_per_client_sliding() {
        let l = ClientRateLimit::new(true);
        for i in 0..60 {
            drop(l.admit("spa", at(i * 100)).unwrap());
        }
        // The 61st within the minute waits for the first to leave the window.
        assert_eq!(
            l.admit("spa", at(6_500)).err(),
            Some(Refused::PerMinute {
                reset: 1_700_000_060
            })
        );
        // Another client has its own counter; the refused request did not count.
        drop(l.admit("web", at(6_500)).unwrap());
        drop(l.admit("spa", at(60_000)).unwrap());
        assert!(l.admit("spa", at(60_050)).is_err());
        l.clear();
        drop(l.admit("spa", at(60_050)).unwrap());
    }

    #[test]
    fn five_at_once_per_client() {
        let l = ClientRateLimit::new(true);
        let held: Vec<_> = (0..5).map(|_| l.admit("spa", at(0)).unwrap()).collect();
        assert_eq!(
            l.admit("spa", at(0)).err(),
            Some(Refused::Concurrent {
                reset: 1_700_000_001
            })
        );
        drop(l.admit("web", at(0)).unwrap());
        drop(held);
        drop(l.admit("spa", at(1)).unwrap());
    }

    #[test]
    fn disabled_admits_everything() {
        let l = ClientRateLimit::new(false);
        let held: Vec<_> = (0..100).map(|_| l.admit("spa", at(0)).unwrap()).collect();
        assert_eq!(held.len(), 100);
    }
}
