//! The fake's notion of "now", which tests can move forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The time source of a [`FakeOkta`](super::FakeOkta): the system clock plus an offset that
/// only grows.
///
/// Clones share the offset, so a test keeps one clone, hands another to
/// [`FakeBuilder::clock`](super::FakeBuilder::clock), and calls [`Clock::advance`] to expire
/// session tokens, codes and tokens without waiting.
///
/// ```
/// use std::time::Duration;
/// use okta_fixtures::fake::Clock;
///
/// let clock = Clock::system();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(301));
/// assert!(clock.now().duration_since(before).unwrap() >= Duration::from_secs(301));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicU64>,
    /// Where a frozen clock stands before its offset; `None` follows the system clock.
    frozen_at: Option<SystemTime>,
}

impl Clock {
    /// The system clock, not yet advanced.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock stopped at the current system time: only [`Clock::advance`] moves it, so
    /// what depends on time passing (expiry, the per-user rate limit's one-second window)
    /// happens exactly when a test says.
    ///
    /// ```
    /// use std::time::Duration;
    /// use okta_fixtures::fake::Clock;
    ///
    /// let clock = Clock::frozen();
    /// let t0 = clock.now();
    /// assert_eq!(clock.now(), t0);
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(clock.now(), t0 + Duration::from_secs(1));
    /// ```
    pub fn frozen() -> Self {
        Self {
            offset_ms: Arc::default(),
            frozen_at: Some(SystemTime::now()),
        }
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// The current time as the fake sees it.
    pub fn now(&self) -> SystemTime {
        self.frozen_at.unwrap_or_else(SystemTime::now)
            + Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Seconds since the Unix epoch, as JWT `iat`/`exp` use.
    pub(crate) fn epoch_secs(&self) -> u64 {
        epoch_secs(self.now())
    }
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2021-10-07T18:19:36.000Z`: Okta's `expiresAt` format (UTC, milliseconds).
pub(crate) fn iso8601(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let millis = since.subsec_millis();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_okta_format() {
        let t = UNIX_EPOCH + Duration::from_millis(1_633_630_776_000);
        assert_eq!(iso8601(t), "2021-10-07T18:19:36.000Z");
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_millis(951_782_400_123);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00.123Z");
    }

    #[test]
    fn clones_share_the_offset() {
        let a = Clock::system();
        let b = a.clone();
        let start = b.epoch_secs();
        a.advance(Duration::from_secs(3600));
        assert!(b.epoch_secs() >= start + 3600);
    }
}
