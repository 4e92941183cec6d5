//! Everything one fake org knows, shared by its request handlers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use okta_fixtures_config::{FaultSpec, ORG_SERVER};

use super::client_limit::ClientRateLimit;
use super::clock::Clock;
use super::directory::{self, Directory, ServerEntry};
use super::error::FakeError;
use super::factors::FactorLedger;
use super::faults::{FaultGuard, FaultStore};
use super::grants::Grants;
use super::headers::RateWindows;
use super::keys::{KeyRing, KeySet, ServerKeys};
use super::lockout::Lockouts;
use super::mint::Mint;
use super::sessions::Sessions;
use super::stats::{Stats, StatsRecorder};
use super::user_limit::UserRateLimit;

/// The state of one fake Okta org: its apps, users and servers, signing keys, sessions,
/// grants and counters. Cheap to clone (one `Arc`); hand it to [`router`](super::router) to
/// serve the org in-process.
///
/// Build one with [`FakeBuilder::build`](super::FakeBuilder::build), or take the one a
/// running [`FakeOkta`](super::FakeOkta) uses with [`FakeOkta::state`](super::FakeOkta::state).
#[derive(Clone)]
pub struct FakeState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FakeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

/// The parts of [`FakeState`], reached through its `Deref`; nothing in it is public.
pub struct Inner {
    pub(crate) dir: Directory,
    pub(crate) keys: KeyRing,
    pub(crate) key_dir: PathBuf,
    pub(crate) clock: Clock,
    pub(crate) sessions: Sessions,
    pub(crate) grants: Grants,
    pub(crate) stats: StatsRecorder,
    pub(crate) rate: RateWindows,
    pub(crate) user_limit: UserRateLimit,
    pub(crate) client_limit: ClientRateLimit,
    /// Failed passwords per user, and who is locked out.
    pub(crate) lockouts: Lockouts,
    /// Codes accepted and wrong codes per factor, and which factors are locked.
    pub(crate) factors: FactorLedger,
    pub(crate) faults: Arc<FaultStore>,
    /// Set when the server stops: injected latency ends early rather than hold up shutdown.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
}

/// What [`FakeState::new`] needs besides the directory.
pub(crate) struct StateParts {
    pub(crate) keys: KeySet,
    pub(crate) key_dir: PathBuf,
    pub(crate) clock: Clock,
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) per_user_rate_limit: bool,
    pub(crate) client_rate_limit: bool,
}

impl std::fmt::Debug for Inner {
    // By hand: the stores hold live session tokens, codes and refresh tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeState")
            .field("org_url", &self.dir.org_url)
            .finish_non_exhaustive()
    }
}

#[doc(hidden)]
impl std::ops::Deref for FakeState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl FakeState {
    pub(crate) fn new(dir: Directory, parts: StateParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                dir,
                keys: KeyRing::new(parts.keys),
                key_dir: parts.key_dir,
                clock: parts.clock,
                sessions: Sessions::default(),
                grants: Grants::default(),
                stats: StatsRecorder::default(),
                rate: RateWindows::default(),
                user_limit: UserRateLimit::new(parts.per_user_rate_limit),
                client_limit: ClientRateLimit::new(parts.client_rate_limit),
                lockouts: Lockouts::default(),
                factors: FactorLedger::default(),
                faults: Arc::new(FaultStore::new(&parts.faults)),
                closing: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The org's URL, e.g. `http://127.0.0.1:41234`.
    pub fn org_url(&self) -> &str {
        &self.inner.dir.org_url
    }

    /// The issuer of authorization server `server_id`: the org URL for `org`, else
    /// `{org_url}/oauth2/{server_id}`.
    pub fn issuer(&self, server_id: &str) -> String {
        directory::issuer(self.org_url(), server_id)
    }

    /// What the org has been asked so far.
    pub fn stats(&self) -> Stats {
        self.inner.stats.snapshot()
    }

    /// The Okta ids of the org's authorization servers, sorted: `org`, `default` and those of
    /// fixtures.yaml's `servers:`.
    pub fn servers(&self) -> Vec<String> {
        self.inner.dir.server_ids().map(str::to_owned).collect()
    }

    /// The folder the signing keys were read from (or written to) at start.
    pub fn key_dir(&self) -> &Path {
        &self.inner.key_dir
    }

    /// Injects a fault until the returned guard is dropped; see [`FakeOkta::fault`](super::FakeOkta::fault).
    pub fn fault(&self, spec: FaultSpec) -> FaultGuard {
        FaultGuard::new(&self.inner.faults, spec)
    }

    /// Clears every fault, those of fixtures.yaml included (`DELETE /_fake/faults`).
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    /// Forgets everything the org was asked and handed out: request and sign-in counts,
    /// session tokens, authn transactions, sessions, codes, refresh tokens, revocations,
    /// per-user and per-client rate-limit counters, failed passwords and lockouts, and faults (`POST /_fake/reset`). Keys, apps and users
    /// stay; tokens already issued still verify.
    pub fn reset(&self) {
        self.inner.stats.clear();
        self.inner.sessions.clear();
        self.inner.grants.clear();
        self.inner.rate.clear();
        self.inner.user_limit.clear();
        self.inner.client_limit.clear();
        self.inner.lockouts.clear();
        self.inner.factors.clear();
        self.inner.faults.clear();
    }

    /// Rotates the signing keys of authorization server `server_id` (`org`, `default` or a
    /// custom server's Okta id), as Okta rotates each server's keys on its own: new keys sign
    /// its tokens from now on, and its previous published key stays in its JWKS (so tokens it
    /// signed still verify) until the server's next rotation. Other servers keep their keys.
    /// Returns the server's new published `kid` (on the org server, that of its ID tokens; its
    /// access tokens get a new key too, published nowhere). The new keys live in memory only:
    /// the key folder keeps the keys the fake started with.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownServer`](crate::Error::UnknownServer) if the org has no server
    /// `server_id`; [`Error::FakeKeys`](crate::Error::FakeKeys) if RSA key generation fails.
    pub async fn rotate_keys(&self, server_id: &str) -> crate::Result<String> {
        let unknown = || crate::Error::UnknownServer {
            asked_by: "key rotation: ".to_owned(),
            name: server_id.to_owned(),
            hint: format!(
                " (the fake org has {})",
                self.inner
                    .dir
                    .server_ids()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let server = self.inner.dir.server(server_id).ok_or_else(unknown)?;
        let org_server = server.is_org();
        let (tx, rx) = tokio::sync::oneshot::channel();
        // RSA key generation is blocking work; a thread of its own keeps any runtime free.
        let generated = match std::thread::Builder::new()
            .name("okta-fixtures-fake-keys".into())
            .spawn(move || {
                let _ = tx.send(ServerKeys::generate(org_server));
            }) {
            Ok(_) => rx
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("key generation thread failed"))),
            Err(e) => Err(e),
        };
        let next = generated.map_err(|source| crate::Error::FakeKeys {
            dir: self.inner.key_dir.clone(),
            action: "generated",
            source: Arc::new(source),
        })?;
        let kid = next.id.kid().to_owned();
        self.inner
            .keys
            .rotate(server_id, next)
            .ok_or_else(unknown)?;
        Ok(kid)
    }

    /// A builder for a token with chosen claims; see [`Mint`].
    pub fn mint(&self) -> Mint {
        Mint::new(self.clone())
    }
}

impl FakeState {
    /// The authorization server a request path addresses: `/oauth2/v1/…` and
    /// `/.well-known/…` are the org's, `/oauth2/{id}/…` and
    /// `/.well-known/oauth-authorization-server/oauth2/{id}` a custom server's. An id the org
    /// does not have is Okta's 404 `E0000007`.
    pub(crate) fn server_at(&self, path: &str) -> Result<&ServerEntry, FakeError> {
        let custom = if let Some(id) =
            path.strip_prefix("/.well-known/oauth-authorization-server/oauth2/")
        {
            Some(id)
        } else if let Some(rest) = path.strip_prefix("/oauth2/") {
            let mut segments = rest.split('/');
            let first = segments.next().unwrap_or("");
            if first == "v1" && segments.count() == 1 {
                None
            } else {
                Some(first)
            }
        } else {
            None
        };
        let id = custom.unwrap_or(ORG_SERVER);
        // "org" names the org server only in fixtures.yaml; no custom server has that id.
        if custom == Some(ORG_SERVER) {
            return Err(FakeError::server_not_found(id));
        }
        self.dir
            .server(id)
            .ok_or_else(|| FakeError::server_not_found(id))
    }
}
