//! Everything one fake org knows, shared by its request handlers.

use std::sync::Arc;

use okta_fixtures_config::ORG_SERVER;

use super::clock::Clock;
use super::directory::{Directory, ServerEntry};
use super::error::FakeError;
use super::grants::Grants;
use super::headers::RateWindows;
use super::keys::KeySet;
use super::sessions::Sessions;
use super::stats::{Stats, StatsRecorder};

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
        f.debug_struct("FakeState")
            .field("org_url", &self.inner.dir.org_url)
            .finish_non_exhaustive()
    }
}

/// The parts of [`FakeState`], reached through its `Deref`; nothing in it is public.
pub struct Inner {
    pub(crate) dir: Directory,
    pub(crate) keys: KeySet,
    pub(crate) clock: Clock,
    pub(crate) sessions: Sessions,
    pub(crate) grants: Grants,
    pub(crate) stats: StatsRecorder,
    pub(crate) rate: RateWindows,
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
    pub(crate) fn new(dir: Directory, keys: KeySet, clock: Clock) -> Self {
        Self {
            inner: Arc::new(Inner {
                dir,
                keys,
                clock,
                sessions: Sessions::default(),
                grants: Grants::default(),
                stats: StatsRecorder::default(),
                rate: RateWindows::default(),
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
        issuer(self.org_url(), server_id)
    }

    /// What the org has been asked so far.
    pub fn stats(&self) -> Stats {
        self.inner.stats.snapshot()
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

pub(crate) fn issuer(org_url: &str, server_id: &str) -> String {
    if server_id == okta_fixtures_config::ORG_SERVER {
        org_url.to_owned()
    } else {
        format!("{org_url}/oauth2/{server_id}")
    }
}
