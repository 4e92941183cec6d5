//! The token cache: lookup → single-flight → flow.
//!
//! 1. A lookup runs on the caller's thread against shared memory: a hit is an `Arc` clone, with
//!    no channel round trip.
//! 2. On a miss the caller joins the flight for its key; the first caller leads it. Callers on
//!    other threads and other tokio runtimes wait for that one flow and share its result.
//! 3. The leader's flow runs on the worker; its [`Completion`] stores the tokens (a failure is
//!    handed to the waiters but not cached) and wakes every waiter.
//!
//! Tokens are handed out only with at least `cache.refresh_before` of life left.

mod key;
mod memory;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use okta_fixtures_config::CacheSettings;

pub(crate) use key::Key;
pub(crate) use memory::Waiter;
use memory::{Joined, Memory};

use crate::error::{Error, Result};
use crate::tokens::Tokens;

/// One config's token cache.
pub(crate) struct Cache {
    memory: Memory,
    refresh_before: Duration,
}

/// What [`Cache::fetch`] did with the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// Served from memory; the waiter has been called.
    Hit,
    /// Joined a flow in progress.
    Joined,
    /// Started a flow.
    Started,
}

impl Cache {
    pub(crate) fn new(settings: &CacheSettings) -> Self {
        Cache {
            memory: Memory::default(),
            refresh_before: settings.refresh_before,
        }
    }

    /// 1. Lookup: usable tokens for `key`, if memory holds them.
    pub(crate) fn lookup(&self, key: &Key) -> Option<Tokens> {
        let hit = self.memory.get(key, |t| self.usable(t));
        if hit.is_some() {
            tracing::trace!(key = %key, "cache hit");
        }
        hit
    }

    /// Single-flight, then flow: calls `waiter` with the tokens for `key`, taken from memory
    /// (unless `fresh`), from a flow already running, or from a flow `run` starts; `run` gets
    /// the [`Completion`] the flow must end with.
    pub(crate) fn fetch(
        self: &Arc<Self>,
        key: &Key,
        fresh: bool,
        waiter: Waiter,
        run: impl FnOnce(Completion),
    ) -> Fetch {
        let usable = |t: &Tokens| self.usable(t);
        let usable: Option<&dyn Fn(&Tokens) -> bool> = if fresh { None } else { Some(&usable) };
        match self.memory.join(key, waiter, usable) {
            Joined::Hit(tokens, waiter) => {
                waiter(Ok(tokens));
                Fetch::Hit
            }
            Joined::Waiting => {
                tracing::debug!(key = %key, "waiting for the sign-in in progress");
                Fetch::Joined
            }
            Joined::Lead => {
                tracing::debug!(key = %key, fresh, "cache miss; signing in");
                run(Completion {
                    cache: Arc::clone(self),
                    key: Some(key.clone()),
                });
                Fetch::Started
            }
        }
    }

    fn usable(&self, t: &Tokens) -> bool {
        t.expires_at() > SystemTime::now() + self.refresh_before
    }
}

/// The end of one flight. Completing it stores the result and wakes the waiters; dropping it
/// uncompleted (a panic or a dropped task on the worker) wakes them with an error, so no test
/// ever waits forever.
pub(crate) struct Completion {
    cache: Arc<Cache>,
    key: Option<Key>,
}

impl Completion {
    pub(crate) fn complete(mut self, result: Result<Tokens>) {
        if let Some(key) = self.key.take() {
            finish(&self.cache, &key, result);
        }
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            finish(&self.cache, &key, Err(Error::WorkerStopped));
        }
    }
}

fn finish(cache: &Cache, key: &Key, result: Result<Tokens>) {
    let waiters = cache.memory.finish(key, &result);
    tracing::debug!(key = %key, ok = result.is_ok(), waiters = waiters.len(), "sign-in finished");
    for waiter in waiters {
        waiter(result.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SignIn;
    use crate::tokens::TokenParts;
    use okta_fixtures_config::Flow;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, mpsc};

    fn key(user: &str) -> Key {
        Key::new(
            "https://o",
            "default",
            "spa-client",
            Some(user),
            Flow::Code,
            &[],
            &["openid".into()],
        )
    }

    fn tokens(expires_in: Duration) -> Tokens {
        Tokens::new(TokenParts {
            user: Some("alice".into()),
            username: Some("alice@example.com".into()),
            app: "spa".into(),
            client_id: "spa-client".into(),
            server: "default".into(),
            token_type: "Bearer".into(),
            access_token: Some("at".into()),
            id_token: None,
            refresh_token: None,
            expires_at: SystemTime::now() + expires_in,
            scopes: vec!["openid".into()],
        })
    }

    fn cache() -> Arc<Cache> {
        Arc::new(Cache::new(&CacheSettings::default()))
    }

    /// A waiter that forwards to a std channel, as `blocking::tokens` does.
    fn channel() -> (Waiter, mpsc::Receiver<Result<Tokens>>) {
        let (tx, rx) = mpsc::sync_channel(1);
        (
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
            rx,
        )
    }

    #[test]
    fn concurrent_callers_share_one_flow() {
        const CALLERS: usize = 16;
        let cache = cache();
        let flows = Arc::new(AtomicUsize::new(0));
        // The leader's flow parks its completion here; the test completes it once every caller
        // has registered, so the callers provably overlap.
        let parked: Arc<Mutex<Option<Completion>>> = Arc::default();
        let (outcome_tx, outcome_rx) = mpsc::channel();
        let handles: Vec<_> = (0..CALLERS)
            .map(|_| {
                let (cache, flows, parked, outcome_tx) = (
                    cache.clone(),
                    flows.clone(),
                    parked.clone(),
                    outcome_tx.clone(),
                );
                std::thread::spawn(move || {
                    let (waiter, rx) = channel();
                    let fetch = cache.fetch(&key("alice"), false, waiter, |completion| {
                        flows.fetch_add(1, Ordering::SeqCst);
                        *parked.lock().unwrap() = Some(completion);
                    });
                    outcome_tx.send(fetch).unwrap();
                    rx.recv().unwrap()
                })
            })
            .collect();
        let outcomes: Vec<Fetch> = (0..CALLERS).map(|_| outcome_rx.recv().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|f| **f == Fetch::Started).count(), 1);
        assert_eq!(
            outcomes.iter().filter(|f| **f == Fetch::Joined).count(),
            CALLERS - 1
        );
        let shared = tokens(Duration::from_secs(3600));
        parked
            .lock()
            .unwrap()
            .take()
            .unwrap()
            .complete(Ok(shared.clone()));
        for h in handles {
            let got = h.join().unwrap().unwrap();
            assert_eq!(got.access_token(), "at");
            assert!(
                std::ptr::eq(got.access_token(), shared.access_token()),
                "same Arc"
            );
        }
        assert_eq!(flows.load(Ordering::SeqCst), 1);
        // Now a hit, on this thread, without a flow.
        assert!(cache.lookup(&key("alice")).is_some());
        let (waiter, rx) = channel();
        let fetch = cache.fetch(&key("alice"), false, waiter, |_| panic!("no flow on a hit"));
        assert_eq!(fetch, Fetch::Hit);
        assert!(rx.recv().unwrap().is_ok());
    }

    #[test]
    fn a_failed_flow_reaches_its_waiters_but_is_not_cached() {
        let cache = cache();
        let (w1, rx1) = channel();
        let (w2, rx2) = channel();
        let mut parked = None;
        assert_eq!(
            cache.fetch(&key("alice"), false, w1, |c| parked = Some(c)),
            Fetch::Started
        );
        assert_eq!(
            cache.fetch(&key("alice"), false, w2, |_| unreachable!()),
            Fetch::Joined
        );
        let err = Error::AuthnStatus {
            sign_in: Box::new(SignIn::new(Some("alice"), "spa", "default")),
            status: "LOCKED_OUT".into(),
        };
        parked.take().unwrap().complete(Err(err));
        for rx in [rx1, rx2] {
            assert!(
                matches!(rx.recv().unwrap(), Err(Error::AuthnStatus { status, .. }) if status == "LOCKED_OUT")
            );
        }
        assert!(cache.lookup(&key("alice")).is_none());
        let (w3, _rx3) = channel();
        assert_eq!(
            cache.fetch(&key("alice"), false, w3, |c| parked = Some(c)),
            Fetch::Started
        );
    }

    #[test]
    fn an_abandoned_flow_wakes_its_waiters_with_an_error() {
        let cache = cache();
        let (w, rx) = channel();
        cache.fetch(&key("alice"), false, w, drop);
        assert!(matches!(rx.recv().unwrap(), Err(Error::WorkerStopped)));
        let (w, _rx) = channel();
        assert_eq!(cache.fetch(&key("alice"), false, w, drop), Fetch::Started);
    }

    #[test]
    fn fresh_skips_stored_tokens_and_replaces_them() {
        let cache = cache();
        let (w, _rx) = channel();
        cache.fetch(&key("alice"), false, w, |c| {
            c.complete(Ok(tokens(Duration::from_secs(3600))))
        });
        let old = cache.lookup(&key("alice")).unwrap();
        let (w, rx) = channel();
        let fetch = cache.fetch(&key("alice"), true, w, |c| {
            c.complete(Ok(tokens(Duration::from_secs(7200))))
        });
        assert_eq!(fetch, Fetch::Started);
        let new = rx.recv().unwrap().unwrap();
        assert!(new.expires_at() > old.expires_at());
        assert_eq!(
            cache.lookup(&key("alice")).unwrap().expires_at(),
            new.expires_at()
        );
    }

    #[test]
    fn tokens_near_expiry_are_not_handed_out() {
        let cache = cache();
        let (w, _rx) = channel();
        // Default refresh_before is 60 s.
        cache.fetch(&key("bob"), false, w, |c| {
            c.complete(Ok(tokens(Duration::from_secs(30))))
        });
        assert!(cache.lookup(&key("bob")).is_none());
        let (w, _rx) = channel();
        assert_eq!(cache.fetch(&key("bob"), false, w, drop), Fetch::Started);
        // Keys are independent.
        assert!(cache.lookup(&key("carol")).is_none());
    }
}
