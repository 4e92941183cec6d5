//! The token cache: lookup → single-flight → refresh → flow.
//!
//! 1. A lookup runs on the caller's thread against shared memory: a hit is an `Arc` clone, with
//!    no channel round trip.
//! 2. On a miss the caller joins the flight for its key; the first caller leads it. Callers on
//!    other threads and other tokio runtimes wait for that one renewal and share its result.
//!    The leader first reads the disk entry (no lock needed: entries are replaced by rename),
//!    which is how a new test process finds tokens another one got.
//! 3. Else the leader's [`Lead`] renews the tokens on the worker. With a disk store it first
//!    takes the key's lock, waiting on a blocking thread for another process's renewal, and
//!    reads the entry again: when 32 processes start at once, one signs in and 31 read.
//!    Renewal uses the refresh token when there is one (a rotated one replaces it), else, or
//!    when Okta refuses it, signs in again. The result goes to disk, then to memory and to
//!    every waiter; a failure is handed to the waiters but not cached.
//!
//! With a Redis store (`cache.store: redis`, [`redis`]) the same steps run across machines:
//! step 2 reads nothing on the caller's thread (memory only; Redis is reached from the
//! worker), and step 3 reads the entry in Redis, else takes the key's Redis lock (waiting with
//! bounded back-off for another machine's renewal) and reads the entry again under it.
//!
//! Tokens are handed out only with at least `cache.refresh_before` of life left. Nothing
//! cached refers to a tokio runtime: tokens are plain data, and the flows run on the worker.
//! The disk store is used only for an org reached by URL (a real org or the standalone fake)
//! and a config read from a file, whose path names the workspace; an in-process fake
//! (`org_url: fake`) lives and dies with its process, and so do its tokens.

mod clock;
mod disk;
mod entry;
mod key;
mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;
mod refusals;
mod shared;
mod steps;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use okta_fixtures_config::CacheSettings;

pub(crate) use clock::TokenClock;
pub(crate) use disk::Disk;
#[cfg(feature = "cli")]
pub(crate) use disk::{Listed, clear, list};
pub(crate) use key::Key;
pub(crate) use memory::Waiter;
use memory::{Joined, Memory};
pub(crate) use refusals::Refusals;
pub(crate) use shared::{Shared, Store};
pub(crate) use steps::Steps;

use crate::Secret;
use crate::error::{Error, Result};
use crate::tokens::Tokens;

/// One config's token cache.
pub(crate) struct Cache {
    memory: Memory,
    store: Store,
    refresh_before: Duration,
    persist_refresh: bool,
    clock: TokenClock,
    /// How long to wait for another process's renewal: as long as a sign-in may take.
    lock_wait: Duration,
}

/// What [`Cache::fetch`] did with the caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// Served from memory or disk; the waiter has been called.
    Hit,
    /// Joined a renewal in progress.
    Joined,
    /// Started a renewal.
    Started,
    /// The store cannot be used; the waiter got its error.
    Refused,
}

impl Cache {
    /// A cache with `settings`, on `store` too; `lock_wait` bounds the wait for another
    /// process's renewal.
    pub(crate) fn new(
        settings: &CacheSettings,
        store: Store,
        clock: TokenClock,
        lock_wait: Duration,
    ) -> Self {
        Cache {
            memory: Memory::default(),
            store,
            refresh_before: settings.refresh_before,
            persist_refresh: settings.persist_refresh,
            clock,
            lock_wait,
        }
    }

    /// The clock tokens are aged by.
    pub(crate) fn clock(&self) -> &TokenClock {
        &self.clock
    }

    /// The disk store, if this cache has one.
    pub(crate) fn disk(&self) -> Option<&Disk> {
        self.shared().disk()
    }

    /// The store, borrowed.
    pub(crate) fn shared(&self) -> Shared<'_> {
        self.store.shared()
    }

    /// Why the store cannot be used, if it cannot.
    pub(crate) fn refused(&self) -> Option<&Error> {
        match &self.store {
            Store::Refused(e) => Some(e),
            _ => None,
        }
    }

    /// Step 1, lookup: usable tokens for `key` from memory, else ones another process left on
    /// disk, which memory then keeps for the next caller. The disk is read on the caller's
    /// thread, without the lock (entries are replaced whole), so a cold process's first hit
    /// costs one small file read.
    pub(crate) fn lookup(&self, key: &Key) -> Option<Tokens> {
        if let Some(t) = self.memory.get(key, |t| self.usable(t)) {
            tracing::debug!(user = t.user(), app = t.app(), "token cache hit");
            return Some(t);
        }
        let t = self.disk()?.peek(key).filter(|t| self.usable(t))?;
        self.memory.offer(key, &t);
        tracing::debug!(user = t.user(), app = t.app(), "token cache hit on disk");
        Some(t)
    }

    /// Step 2, single-flight: calls `waiter` with the tokens for `key`, taken from memory,
    /// from a renewal already running, from disk, or from a renewal `run` starts with the
    /// [`Lead`] it gets.
    pub(crate) fn fetch(
        self: &Arc<Self>,
        key: &Key,
        waiter: Waiter,
        run: impl FnOnce(Lead),
    ) -> Fetch {
        if let Some(e) = self.refused() {
            waiter(Err(e.clone()));
            return Fetch::Refused;
        }
        let usable = |t: &Tokens| self.usable(t);
        match self.memory.join(key, waiter, &usable) {
            Joined::Hit(tokens, waiter) => {
                tracing::debug!(user = tokens.user(), app = tokens.app(), "token cache hit");
                waiter(Ok(tokens));
                Fetch::Hit
            }
            Joined::Waiting => {
                tracing::debug!(key = %key, "waiting for the renewal in progress");
                Fetch::Joined
            }
            Joined::Lead(stale) => {
                let completion = Completion {
                    cache: Arc::clone(self),
                    key: Some(key.clone()),
                };
                if let Some(t) = self.disk().and_then(|d| d.peek(key))
                    && self.usable(&t)
                {
                    tracing::debug!(user = t.user(), app = t.app(), "token cache hit on disk");
                    completion.complete(Ok(t));
                    return Fetch::Hit;
                }
                run(Lead { completion, stale });
                Fetch::Started
            }
        }
    }

    fn usable(&self, t: &Tokens) -> bool {
        t.expires_at() > self.clock.now() + self.refresh_before
    }

    /// Step 3, renewal, under the key's disk lock when there is a disk store.
    async fn renew<S, SF, R, RF>(
        self: &Arc<Self>,
        key: &Key,
        stale: Option<Tokens>,
        sign_in: S,
        refresh: R,
    ) -> Result<Tokens>
    where
        S: FnOnce() -> SF,
        SF: Future<Output = Result<Tokens>>,
        R: FnOnce(Secret) -> RF,
        RF: Future<Output = Result<Tokens>>,
    {
        let in_memory = stale.as_ref().and_then(refresh_token);
        let (locked, on_disk) = match &self.store {
            Store::Disk(_) => {
                // Waiting for the lock blocks: a blocking thread does it, never an async worker.
                let (cache, k) = (Arc::clone(self), key.clone());
                tokio::task::spawn_blocking(move || {
                    let disk = cache.disk().ok_or(Error::WorkerStopped)?;
                    let locked = disk.lock(&k, cache.lock_wait)?;
                    let on_disk = locked.read(&k, cache.clock.now());
                    Ok::<_, Error>((Guard::Disk(locked), on_disk))
                })
                .await
                .map_err(|_| Error::WorkerStopped)??
            }
            #[cfg(feature = "redis")]
            Store::Redis(r) => match r.lock(key, self.lock_wait, |t| self.usable(t)).await? {
                redis::Locked::Found(t) => {
                    tracing::debug!(
                        user = t.user(),
                        app = t.app(),
                        "another machine renewed the tokens"
                    );
                    return Ok(t);
                }
                redis::Locked::Held(held, found) => {
                    if found.is_none() && stale.is_some() {
                        tracing::info!(
                            key = %key,
                            "no entry in Redis for tokens this process had (Redis restarted or \
                             evicted it); renewing under the lock"
                        );
                    }
                    (Guard::Redis(held), found)
                }
            },
            Store::Memory | Store::Refused(_) => (Guard::None, None),
        };
        if let Some(t) = on_disk.as_ref().filter(|t| self.usable(t)) {
            tracing::debug!(
                user = t.user(),
                app = t.app(),
                "another process renewed the tokens"
            );
            locked.release().await;
            return Ok(t.clone());
        }
        // A refresh token on disk is the newest: another process may have rotated ours.
        let renewable = on_disk.as_ref().and_then(refresh_token).or(in_memory);
        tracing::debug!(key = %key, renewable = renewable.is_some(), "token cache miss");
        let refreshed = match renewable {
            Some(rt) => {
                tracing::info!("refreshing the tokens with their refresh token");
                let refreshed = refresh(rt).await;
                refreshed
                    .inspect_err(
                        |e| tracing::info!(error = %e, "the refresh failed; signing in again"),
                    )
                    .ok()
            }
            None => {
                tracing::info!("signing in");
                None
            }
        };
        let result = match refreshed {
            Some(t) => Ok(t),
            None => sign_in().await,
        }
        .map(|t| self.clock.rebase(t));
        let Ok(tokens) = &result else {
            locked.release().await;
            return result;
        };
        match locked {
            Guard::Disk(locked) => {
                let (cache, k, tokens) = (Arc::clone(self), key.clone(), tokens.clone());
                let written = tokio::task::spawn_blocking(move || {
                    let written =
                        locked.write(&k, &tokens, cache.persist_refresh, cache.clock.now());
                    // The lock goes only once the entry is in place.
                    drop(locked);
                    written
                })
                .await;
                if let Ok(Err(e)) = written {
                    tracing::warn!(key = %key, error = %e, "could not write the token cache entry; other processes will sign in again");
                }
            }
            #[cfg(feature = "redis")]
            Guard::Redis(held) => {
                if let Store::Redis(r) = &self.store {
                    let written = r
                        .write_entry(
                            key,
                            tokens,
                            self.persist_refresh,
                            self.refresh_before,
                            self.clock.now(),
                        )
                        .await;
                    if let Err(e) = written {
                        tracing::warn!(key = %key, error = %e, "could not write the token cache entry to Redis; other machines will sign in again");
                    }
                }
                // The lock goes only once the entry is in place.
                held.release().await;
            }
            Guard::None => {}
        }
        result
    }
}

/// The lock a renewal holds: the key's lock file, or its Redis lock.
enum Guard {
    None,
    Disk(disk::Locked),
    #[cfg(feature = "redis")]
    Redis(redis::Held),
}

impl Guard {
    /// Lets the lock go.
    async fn release(self) {
        match self {
            Guard::None | Guard::Disk(_) => {}
            #[cfg(feature = "redis")]
            Guard::Redis(held) => held.release().await,
        }
    }
}

fn refresh_token(t: &Tokens) -> Option<Secret> {
    t.refresh_token().map(Secret::from)
}

/// The leader's job: renew the tokens of one key, then complete the flight.
pub(crate) struct Lead {
    completion: Completion,
    /// The tokens memory held, too old to hand out: their refresh token may renew them.
    stale: Option<Tokens>,
}

impl Lead {
    /// Renews the tokens (`refresh` with a refresh token, else `sign_in`), stores them and
    /// wakes every waiter. Run it on the worker.
    pub(crate) async fn renew<S, SF, R, RF>(mut self, sign_in: S, refresh: R)
    where
        S: FnOnce() -> SF,
        SF: Future<Output = Result<Tokens>>,
        R: FnOnce(Secret) -> RF,
        RF: Future<Output = Result<Tokens>>,
    {
        let (Some(key), cache) = (
            self.completion.key.clone(),
            Arc::clone(&self.completion.cache),
        ) else {
            return;
        };
        let result = cache.renew(&key, self.stale.take(), sign_in, refresh).await;
        self.completion.complete(result);
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
    tracing::debug!(key = %key, ok = result.is_ok(), waiters = waiters.len(), "renewal finished");
    for waiter in waiters {
        waiter(result.clone());
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::SignIn;
    use crate::tokens::TokenParts;
    use okta_fixtures_config::Flow;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, mpsc};
    use std::time::SystemTime;
    use tempfile::TempDir;

    pub(crate) fn key(user: &str) -> Key {
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

    /// Tokens expiring at `at`, with `refresh` as refresh token; the access token is a JWT
    /// whose claims say `at`.
    pub(crate) fn tokens_until(at: SystemTime, refresh: Option<&str>) -> Tokens {
        use base64::Engine as _;
        let b64 = |s: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let nanos = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let access = format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"RS256"}"#.into()),
            b64(format!(r#"{{"sub":"alice@example.com","n":{nanos}}}"#))
        );
        Tokens::new(TokenParts {
            access_token: Some(access.into()),
            refresh_token: refresh.map(Secret::from),
            expires_at: at,
            scopes: vec!["openid".into()],
            ..TokenParts::sample()
        })
    }

    fn tokens(expires_in: Duration) -> Tokens {
        tokens_until(SystemTime::now() + expires_in, None)
    }

    fn cache() -> Arc<Cache> {
        Arc::new(Cache::new(
            &CacheSettings::default(),
            Store::Memory,
            TokenClock::System,
            Duration::from_secs(5),
        ))
    }

    fn disk_cache(root: &Path, persist_refresh: bool) -> Arc<Cache> {
        let settings = CacheSettings {
            persist_refresh,
            ..CacheSettings::default()
        };
        let disk = Disk::new(root.to_path_buf(), Path::new("/w/fixtures.yaml"), true);
        Arc::new(Cache::new(
            &settings,
            Store::Disk(disk),
            TokenClock::System,
            Duration::from_secs(5),
        ))
    }

    /// A waiter that forwards to a std channel, as `blocking_tokens` does.
    fn channel() -> (Waiter, mpsc::Receiver<Result<Tokens>>) {
        let (tx, rx) = mpsc::sync_channel(1);
        (
            Box::new(move |r| {
                let _ = tx.send(r);
            }),
            rx,
        )
    }

    /// Counts what a renewal did.
    #[derive(Default)]
    struct Calls {
        sign_ins: AtomicUsize,
        refreshes: Mutex<Vec<String>>,
    }

    /// Renews `lead` as the worker would: `sign_in` mints tokens refreshable with
    /// `new_refresh`; `refresh` accepts only `accepted`.
    async fn renew(
        lead: Lead,
        calls: Arc<Calls>,
        new_refresh: Option<&'static str>,
        accepted: Option<&'static str>,
    ) {
        let (c1, c2) = (calls.clone(), calls.clone());
        lead.renew(
            move || async move {
                c1.sign_ins.fetch_add(1, Ordering::SeqCst);
                Ok(tokens_until(
                    SystemTime::now() + Duration::from_secs(3600),
                    new_refresh,
                ))
            },
            move |rt: Secret| async move {
                c2.refreshes.lock().unwrap().push(rt.expose().to_owned());
                if Some(rt.expose()) == accepted {
                    Ok(tokens_until(
                        SystemTime::now() + Duration::from_secs(3600),
                        Some("rotated"),
                    ))
                } else {
                    Err(Error::WorkerStopped)
                }
            },
        )
        .await
    }

    /// Gets `key` from `cache` the way the API does: lookup, then fetch, renewing on a miss.
    async fn get(
        cache: &Arc<Cache>,
        key: &Key,
        calls: &Arc<Calls>,
        new_refresh: Option<&'static str>,
        accepted: Option<&'static str>,
    ) -> Tokens {
        if let Some(t) = cache.lookup(key) {
            return t;
        }
        let (w, rx) = channel();
        let mut lead = None;
        cache.fetch(key, w, |l| lead = Some(l));
        if let Some(lead) = lead {
            renew(lead, calls.clone(), new_refresh, accepted).await;
        }
        rx.recv().unwrap().unwrap()
    }

    #[test]
    fn concurrent_callers_share_one_flow() {
        const CALLERS: usize = 16;
        let cache = cache();
        let flows = Arc::new(AtomicUsize::new(0));
        // The leader parks its job here; the test completes it once every caller has
        // registered, so the callers provably overlap.
        let parked: Arc<Mutex<Option<Lead>>> = Arc::default();
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
                    let fetch = cache.fetch(&key("alice"), waiter, |lead| {
                        flows.fetch_add(1, Ordering::SeqCst);
                        *parked.lock().unwrap() = Some(lead);
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
        let lead = parked.lock().unwrap().take().unwrap();
        assert!(lead.stale.is_none());
        lead.completion.complete(Ok(shared.clone()));
        for h in handles {
            let got = h.join().unwrap().unwrap();
            assert!(
                std::ptr::eq(got.access_token(), shared.access_token()),
                "same Arc"
            );
        }
        assert_eq!(flows.load(Ordering::SeqCst), 1);
        // Now a hit, on this thread, without a flow.
        assert!(cache.lookup(&key("alice")).is_some());
        let (waiter, rx) = channel();
        let fetch = cache.fetch(&key("alice"), waiter, |_| panic!("no flow on a hit"));
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
            cache.fetch(&key("alice"), w1, |l| parked = Some(l)),
            Fetch::Started
        );
        assert_eq!(
            cache.fetch(&key("alice"), w2, |_| unreachable!()),
            Fetch::Joined
        );
        let err = Error::AuthnStatus {
            sign_in: Box::new(SignIn::new(Some("alice"), "spa", "default")),
            status: "LOCKED_OUT".into(),
        };
        parked.take().unwrap().completion.complete(Err(err));
        for rx in [rx1, rx2] {
            assert!(
                matches!(rx.recv().unwrap(), Err(Error::AuthnStatus { status, .. }) if status == "LOCKED_OUT")
            );
        }
        assert!(cache.lookup(&key("alice")).is_none());
        let (w3, _rx3) = channel();
        assert_eq!(
            cache.fetch(&key("alice"), w3, |l| parked = Some(l)),
            Fetch::Started
        );
    }

    #[test]
    fn an_abandoned_flow_wakes_its_waiters_with_an_error() {
        let cache = cache();
        let (w, rx) = channel();
        cache.fetch(&key("alice"), w, drop);
        assert!(matches!(rx.recv().unwrap(), Err(Error::WorkerStopped)));
        let (w, _rx) = channel();
        assert_eq!(cache.fetch(&key("alice"), w, drop), Fetch::Started);
    }

    #[test]
    fn tokens_near_expiry_are_not_handed_out_but_given_to_the_renewal() {
        let cache = cache();
        let (w, _rx) = channel();
        // Default refresh_before is 60 s.
        cache.fetch(&key("bob"), w, |l| {
            l.completion.complete(Ok(tokens_until(
                SystemTime::now() + Duration::from_secs(30),
                Some("rt-bob"),
            )))
        });
        assert!(cache.lookup(&key("bob")).is_none());
        let (w, _rx) = channel();
        let mut stale = None;
        assert_eq!(
            cache.fetch(&key("bob"), w, |l| stale = l.stale.clone()),
            Fetch::Started
        );
        assert_eq!(stale.unwrap().refresh_token(), Some("rt-bob"));
        // Keys are independent.
        assert!(cache.lookup(&key("carol")).is_none());
    }

    #[tokio::test]
    async fn renewal_uses_the_refresh_token_and_falls_back_to_signing_in() {
        let cache = cache();
        let calls = Arc::new(Calls::default());
        let k = key("alice");
        // Memory holds tokens with 30 s left (< refresh_before) and a refresh token.
        let (w, _rx) = channel();
        cache.fetch(&k, w, |l| {
            l.completion.complete(Ok(tokens_until(
                SystemTime::now() + Duration::from_secs(30),
                Some("rt-1"),
            )))
        });
        let t = get(&cache, &k, &calls, None, Some("rt-1")).await;
        assert_eq!(
            t.refresh_token(),
            Some("rotated"),
            "the rotated token replaces it"
        );
        assert_eq!(*calls.refreshes.lock().unwrap(), ["rt-1"]);
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 0);
        assert_eq!(
            get(&cache, &k, &calls, None, None).await.access_token(),
            t.access_token(),
            "a hit"
        );

        // A refused refresh token: one refresh attempt, then a sign-in.
        let (w, _rx) = channel();
        let mut lead = None;
        cache.fetch(&key("bob"), w, |l| lead = Some(l));
        lead.unwrap().completion.complete(Ok(tokens_until(
            SystemTime::now() + Duration::from_secs(5),
            Some("revoked"),
        )));
        let t = get(&cache, &key("bob"), &calls, Some("fresh-rt"), None).await;
        assert_eq!(t.refresh_token(), Some("fresh-rt"));
        assert_eq!(*calls.refreshes.lock().unwrap(), ["rt-1", "revoked"]);
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_second_process_reads_the_disk_entry_instead_of_signing_in() {
        let root = TempDir::new().unwrap();
        let calls = Arc::new(Calls::default());
        let k = key("alice");
        let first = disk_cache(root.path(), false);
        let t = get(&first, &k, &calls, Some("rt-first"), None).await;
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 1);

        // Another process: its own memory, the same disk. The leader's read finds the entry
        // without a lock and without the worker.
        let second = disk_cache(root.path(), false);
        let (w, rx) = channel();
        assert_eq!(second.fetch(&k, w, |_| panic!("no renewal")), Fetch::Hit);
        let read = rx.recv().unwrap().unwrap();
        assert_eq!(read.access_token(), t.access_token());
        assert_eq!(read.refresh_token(), None, "not persisted");
        assert_eq!(second.lookup(&k).unwrap().access_token(), t.access_token());
    }

    #[rstest::rstest]
    #[case::not_persisted(false)]
    #[case::persisted(true)]
    #[tokio::test]
    async fn without_persist_refresh_a_new_process_signs_in_again_and_with_it_refreshes(
        #[case] persist: bool,
    ) {
        let root = TempDir::new().unwrap();
        let calls = Arc::new(Calls::default());
        let k = key("alice");
        let first = disk_cache(root.path(), persist);
        // The first process got tokens that are now too close to expiry.
        let (w, _rx) = channel();
        let mut lead = None;
        first.fetch(&k, w, |l| lead = Some(l));
        let lead = lead.unwrap();
        lead.renew(
            || async {
                Ok(tokens_until(
                    SystemTime::now() + Duration::from_secs(30),
                    Some("rt-disk"),
                ))
            },
            |_| async { Err(Error::WorkerStopped) },
        )
        .await;
        let entry = first.disk().unwrap().entry_path(&k.digest());
        let entry = std::fs::read_to_string(entry).unwrap();
        assert_eq!(entry.contains("rt-disk"), persist);

        let second = disk_cache(root.path(), persist);
        let t = get(&second, &k, &calls, None, Some("rt-disk")).await;
        let refreshes = calls.refreshes.lock().unwrap().clone();
        if persist {
            assert_eq!(refreshes, ["rt-disk"]);
            assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 0);
            assert_eq!(t.refresh_token(), Some("rotated"));
        } else {
            assert!(refreshes.is_empty());
            assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 1);
        }
        // The renewed entry serves a third process.
        let third = disk_cache(root.path(), persist);
        assert_eq!(
            get(&third, &k, &calls, None, None).await.access_token(),
            t.access_token()
        );
    }

    #[tokio::test]
    async fn under_the_lock_the_entry_is_read_again() {
        let root = TempDir::new().unwrap();
        let calls = Arc::new(Calls::default());
        let k = key("alice");
        let a = disk_cache(root.path(), false);
        let b = disk_cache(root.path(), false);
        // Both miss at once; b leads its flight but a holds the key's lock and writes first.
        let held = a.disk().unwrap().lock(&k, Duration::from_secs(5)).unwrap();
        let (w, rx) = channel();
        let mut lead = None;
        assert_eq!(b.fetch(&k, w, |l| lead = Some(l)), Fetch::Started);
        let renewal = tokio::spawn(renew(lead.unwrap(), calls.clone(), None, None));
        let t = tokens(Duration::from_secs(3600));
        held.write(&k, &t, false, SystemTime::now()).unwrap();
        drop(held);
        renewal.await.unwrap();
        assert_eq!(rx.recv().unwrap().unwrap().access_token(), t.access_token());
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 0);
    }

    /// Records every event as ` field=value ...` lines, per thread. Installed as the global
    /// subscriber of this test binary: a scoped one (`with_default`) races with callsites
    /// other tests register meanwhile, and loses events.
    #[derive(Default)]
    struct Recorder(Mutex<std::collections::HashMap<std::thread::ThreadId, String>>);

    impl Recorder {
        /// The recorder, installed on first use; `None` if another subscriber came first.
        fn global() -> Option<&'static Recorder> {
            static RECORDER: std::sync::OnceLock<Option<&'static Recorder>> =
                std::sync::OnceLock::new();
            *RECORDER.get_or_init(|| {
                let recorder: &'static Recorder = Box::leak(Box::default());
                tracing::subscriber::set_global_default(Forward(recorder))
                    .ok()
                    .map(|()| recorder)
            })
        }

        /// What this thread logged.
        fn mine(&self) -> String {
            let id = std::thread::current().id();
            self.0.lock().unwrap().get(&id).cloned().unwrap_or_default()
        }
    }

    struct Forward(&'static Recorder);

    impl tracing::Subscriber for Forward {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Line<'a>(&'a mut String);
            impl tracing::field::Visit for Line<'_> {
                fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!(" {}={v:?}", f.name()));
                }
            }
            let mut line = String::new();
            event.record(&mut Line(&mut line));
            line.push('\n');
            let id = std::thread::current().id();
            self.0
                .0
                .lock()
                .unwrap()
                .entry(id)
                .or_default()
                .push_str(&line);
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn events_name_hit_miss_refresh_and_sign_in_never_a_token() {
        let recorder = Recorder::global().expect("no other global subscriber");
        let root = TempDir::new().unwrap();
        let calls = Arc::new(Calls::default());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // A current-thread runtime: every event of the renewals is on this thread.
        let got = {
            rt.block_on(async {
                let cache = disk_cache(root.path(), true);
                let k = key("alice");
                let first = get(&cache, &k, &calls, Some("rt-SECRET-1"), None).await;
                let hit = get(&cache, &k, &calls, None, None).await;
                // Due for renewal: memory keeps them, too old to hand out.
                let (w, _rx) = channel();
                let mut lead = None;
                cache.fetch(&key("bob"), w, |l| lead = Some(l));
                lead.unwrap()
                    .completion
                    .complete(Ok(tokens_until(SystemTime::now(), Some("rt-SECRET-2"))));
                let renewed = get(&cache, &key("bob"), &calls, None, Some("rt-SECRET-2")).await;
                [first, hit, renewed]
            })
        };
        let log = recorder.mine();
        for wanted in [
            "token cache miss",
            "signing in",
            "token cache hit",
            "refreshing the tokens with their refresh token",
            "token cache hit user=\"alice\" app=\"spa\"",
            "alice spa-client default code",
        ] {
            assert!(log.contains(wanted), "{wanted:?} missing from:\n{log}");
        }
        for t in &got {
            for secret in [
                t.access_token(),
                t.id_token().unwrap(),
                t.refresh_token().unwrap(),
            ] {
                assert!(!log.contains(secret), "a token in:\n{log}");
            }
        }
        assert!(!log.contains("rt-SECRET"), "{log}");
    }

    #[cfg(feature = "redis")]
    mod redis_store;

    #[cfg(feature = "fake")]
    #[test]
    fn the_fake_clock_ages_cached_tokens() {
        let fake = crate::fake::Clock::system();
        let cache = Cache::new(
            &CacheSettings::default(),
            Store::Memory,
            TokenClock::Fake(fake.clone()),
            Duration::from_secs(5),
        );
        let cache = Arc::new(cache);
        let (w, _rx) = channel();
        cache.fetch(&key("alice"), w, |l| {
            l.completion.complete(Ok(tokens(Duration::from_secs(600))))
        });
        assert!(cache.lookup(&key("alice")).is_some());
        fake.advance(Duration::from_secs(541));
        assert!(cache.lookup(&key("alice")).is_none());
    }
}
