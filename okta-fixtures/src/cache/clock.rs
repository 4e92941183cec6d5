//! The cache's notion of "now": the system clock, or in tests the embedded fake's clock
//! (`crate::fake::Clock`), so moving the fake's time forward also ages cached tokens.
//!
//! Flows stamp `expires_at` from the system clock; [`TokenClock::rebase`] moves it onto this
//! clock, so a token minted while the fake runs ahead does not look expired to the cache.

use std::time::{Duration, SystemTime};

use crate::tokens::Tokens;

/// Where the cache reads the time.
#[derive(Clone, Debug, Default)]
pub(crate) enum TokenClock {
    /// `SystemTime::now()`.
    #[default]
    System,
    /// The embedded fake's clock (tests move it forward instead of sleeping).
    #[cfg(feature = "fake")]
    Fake(crate::fake::Clock),
}

impl TokenClock {
    pub(crate) fn now(&self) -> SystemTime {
        match self {
            TokenClock::System => SystemTime::now(),
            #[cfg(feature = "fake")]
            TokenClock::Fake(c) => c.now(),
        }
    }

    /// How far this clock runs ahead of the system clock.
    fn skew(&self) -> Duration {
        match self {
            TokenClock::System => Duration::ZERO,
            #[cfg(feature = "fake")]
            TokenClock::Fake(c) => c
                .now()
                .duration_since(SystemTime::now())
                .unwrap_or_default(),
        }
    }

    /// `tokens` with `expires_at` moved from the system clock onto this one.
    pub(crate) fn rebase(&self, tokens: Tokens) -> Tokens {
        let skew = self.skew();
        if skew < Duration::from_millis(1) {
            return tokens;
        }
        let at = tokens.expires_at() + skew;
        tokens.expiring_at(at)
    }
}

#[cfg(all(test, feature = "fake"))]
mod tests {
    use super::*;
    use crate::cache::tests::tokens_until;

    #[test]
    fn a_fake_clock_ahead_of_the_system_moves_expiry_with_it() {
        let fake = crate::fake::Clock::system();
        let clock = TokenClock::Fake(fake.clone());
        let t = tokens_until(SystemTime::now() + Duration::from_secs(600), None);
        assert_eq!(clock.rebase(t.clone()).expires_at(), t.expires_at());
        fake.advance(Duration::from_secs(3600));
        let moved = clock.rebase(t.clone()).expires_at();
        let shift = moved.duration_since(t.expires_at()).unwrap();
        assert!(
            shift >= Duration::from_millis(3_599_990) && shift <= Duration::from_secs(3600),
            "{shift:?}"
        );
        assert!(clock.now() > SystemTime::now() + Duration::from_secs(3599));
        assert_eq!(
            TokenClock::System.rebase(t.clone()).expires_at(),
            t.expires_at()
        );
    }
}
