//! The Redis store (`cache.store: redis`): the token cache shared by many machines, such as
//! the shards of a CI run, through one Redis server.
//!
//! Every key starts with the namespace, verbatim, and has a time to live:
//!
//! | key | holds | lives |
//! |---|---|---|
//! | `{ns}entry:{digest}` | a token entry, keyed as on disk ([`Key::digest`]) | until the tokens are due for renewal (with a kept refresh token: a day longer) |
//! | `{ns}lock:{digest}` | the holder of the key's sign-in ([`lock`]) | [`LOCK_TTL`], renewed by its holder |
//! | `{ns}refused:{id}` | a refused password's record ([`crate::cache::Refusals`]) | 30 days |
//! | `{ns}refusals-key` | the HMAC key of those records | 30 days, renewed on each write |
//! | `{ns}discovery:{hash}` | a discovery document, with `cache.signing_key` only | 1 hour |
//!
//! With `cache.signing_key` every value carries an HMAC ([`signed`]); one without a good one
//! reads as absent, with a warning. Redis is reached only from the worker, never on a test's
//! thread: a warm hit stays in memory. Commands used: GET, SET, DEL, PEXPIRE and EVAL (whose
//! scripts call GET, DEL and PEXPIRE); SCAN and PTTL for `okta-fixtures cache list|clear`; so
//! an ACL user needs `~{namespace}* +get +set +del +pexpire +eval +scan +pttl`. Redis Cluster
//! and Sentinel are not supported.

mod admin;
mod connection;
mod lock;
mod signed;
/// A real redis-server for the tests, shared with the integration tests.
#[cfg(test)]
#[path = "../../../../tests/it/support/redis.rs"]
pub(crate) mod test_server;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use okta_fixtures_config::{Config, OrgUrl, RedisSettings, RedisUrl};
use sha2::{Digest as _, Sha256};

pub(crate) use lock::{Held, LOCK_TTL, POLL_FIRST, POLL_MAX};

#[allow(unused_imports)] // For `okta-fixtures cache list` (cli/cache.rs).
pub(crate) use self::admin::RedisListed;
use self::connection::Connection;
use self::lock::millis;
use self::signed::Checked;
use super::entry;
use super::key::{Key, hex};
use crate::Secret;
use crate::error::{Error, Result};
use crate::tokens::Tokens;

/// The environment variable that sets the lock time in milliseconds (100 or more), for tests of
/// a crashed holder (default [`LOCK_TTL`]). Not documented for users.
pub(crate) const LOCK_TTL_ENV: &str = "OKTA_FIXTURES_REDIS_LOCK_TTL_MS";

/// How long an entry holding a refresh token (`cache.persist_refresh`) is kept after its access
/// token expired, for the next renewal to use it.
const REFRESH_KEEP: Duration = Duration::from_secs(24 * 3600);

/// How long a discovery document is kept.
pub(crate) const DOCUMENT_TTL: Duration = Duration::from_secs(3600);

/// Key kinds (the part after the namespace).
pub(crate) const ENTRY: &str = "entry:";
const LOCK: &str = "lock:";
pub(crate) const REFUSED: &str = "refused:";
pub(crate) const REFUSALS_KEY: &str = "refusals-key";
const DISCOVERY: &str = "discovery:";

/// The Redis store of one config.
pub(crate) struct Redis {
    conn: Arc<Connection>,
    namespace: String,
    signing_key: Option<Secret>,
    lock_ttl: Duration,
    /// The fixtures.yaml, as entries record it (for `cache list`).
    config: PathBuf,
}

/// What [`Redis::lock`] found.
pub(crate) enum Locked {
    /// Usable tokens another machine got; no lock taken.
    Found(Tokens),
    /// The lock, and the entry read under it (stale, or with a refresh token, or none).
    Held(Held, Option<Tokens>),
}

impl Redis {
    /// The store of `config` if it says `cache.store: redis` and its org is reached by URL
    /// (an in-process fake's tokens are verifiable only by that process's fake: they stay in
    /// memory). Connects on first use, not here.
    pub(crate) fn for_config(config: &Config) -> Result<Option<Redis>> {
        let (Some(settings), OrgUrl::Url(org_url)) = (&config.cache.redis, &config.org_url) else {
            return Ok(None);
        };
        let config_path = config.source.clone().unwrap_or_default();
        Redis::new(settings, org_url, config_path).map(Some)
    }

    /// The store of `settings`, for the org at `org_url`.
    pub(crate) fn new(settings: &RedisSettings, org_url: &str, config: PathBuf) -> Result<Self> {
        warn_cleartext(&settings.url);
        let lock_ttl = crate::env::var(LOCK_TTL_ENV)
            .and_then(|v| v.parse().ok())
            .filter(|ms| *ms >= 100)
            .map_or(LOCK_TTL, Duration::from_millis);
        Ok(Redis {
            conn: Arc::new(Connection::new(&settings.url)?),
            namespace: settings
                .namespace
                .clone()
                .unwrap_or_else(|| default_namespace(org_url)),
            signing_key: settings.signing_key.clone(),
            lock_ttl,
            config,
        })
    }

    /// A store of `url` for tests, with `namespace`, `signing_key`, a lock time and timeouts
    /// of their own.
    #[cfg(test)]
    pub(crate) fn for_test(
        url: &str,
        namespace: &str,
        signing_key: Option<&str>,
        lock_ttl: Duration,
        timeout: Duration,
    ) -> Redis {
        let url = RedisUrl::parse(url).unwrap();
        Redis {
            conn: Arc::new(
                Connection::new(&url)
                    .unwrap()
                    .with_timeouts(timeout, timeout),
            ),
            namespace: namespace.to_owned(),
            signing_key: signing_key.map(Secret::from),
            lock_ttl,
            config: PathBuf::from("/w/fixtures.yaml"),
        }
    }

    /// The prefix of every key.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))] // For `okta-fixtures cache` and `doctor`.
    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The server, as `scheme://host:port`.
    pub(crate) fn url(&self) -> &RedisUrl {
        self.conn.url()
    }

    /// Checks that Redis answers, within the timeouts, with a command its ACL user has
    /// anyway (GET of a key of the namespace; PING need not be granted).
    pub(crate) async fn check(&self) -> Result<()> {
        let _: Option<Vec<u8>> = self
            .conn
            .query(
                "checking that Redis answers",
                redis::cmd("GET").arg(self.key(REFUSALS_KEY, "")),
            )
            .await?;
        Ok(())
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}{id}", self.namespace)
    }

    /// The value of `{ns}{kind}{id}`, its signature checked.
    pub(crate) async fn get(
        &self,
        kind: &str,
        id: &str,
        action: &'static str,
    ) -> Result<Option<Vec<u8>>> {
        let key = self.key(kind, id);
        let value: Option<Vec<u8>> = self.conn.query(action, redis::cmd("GET").arg(&key)).await?;
        let Some(value) = value else { return Ok(None) };
        match signed::open(self.signing_key.as_ref(), &key, &value) {
            Checked::Good(body) => Ok(Some(body.to_vec())),
            Checked::Bad => {
                tracing::warn!(
                    key = %key,
                    "ignoring a value in Redis without a valid HMAC (cache.signing_key): it was \
                     not written with this signing key"
                );
                Ok(None)
            }
        }
    }

    /// Sets `{ns}{kind}{id}` to `body` (signed) for `ttl`; with `only_new`, only if it is not
    /// there (then `Ok(false)` if it was).
    pub(crate) async fn set(
        &self,
        kind: &str,
        id: &str,
        body: &[u8],
        ttl: Duration,
        only_new: bool,
        action: &'static str,
    ) -> Result<bool> {
        let key = self.key(kind, id);
        let value = signed::seal(self.signing_key.as_ref(), &key, body);
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(value).arg("PX").arg(millis(ttl));
        if only_new {
            cmd.arg("NX");
        }
        let set: Option<String> = self.conn.query(action, &cmd).await?;
        Ok(set.is_some())
    }

    /// Sets the time to live of `{ns}{kind}{id}`, if it is there.
    pub(crate) async fn expire(
        &self,
        kind: &str,
        id: &str,
        ttl: Duration,
        action: &'static str,
    ) -> Result<()> {
        let _: i64 = self
            .conn
            .query(
                action,
                redis::cmd("PEXPIRE")
                    .arg(self.key(kind, id))
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(())
    }

    /// Deletes `{ns}{kind}{id}`.
    pub(crate) async fn delete(&self, kind: &str, id: &str, action: &'static str) -> Result<()> {
        let _: i64 = self
            .conn
            .query(action, redis::cmd("DEL").arg(self.key(kind, id)))
            .await?;
        Ok(())
    }

    /// The entry of `key`. A malformed, foreign, unsigned or other key's entry reads as absent.
    pub(crate) async fn read_entry(&self, key: &Key) -> Result<Option<Tokens>> {
        let digest = key.digest();
        let Some(body) = self
            .get(ENTRY, &digest, "reading a token cache entry")
            .await?
        else {
            return Ok(None);
        };
        match entry::decode(&body, key) {
            Ok(t) => Ok(Some(t)),
            Err(why) => {
                tracing::info!(key = %self.key(ENTRY, &digest), why = why.as_str(), "ignoring a token cache entry in Redis");
                Ok(None)
            }
        }
    }

    /// Writes the entry of `key`, living until the tokens are due for renewal (`refresh_before`
    /// before they expire), or with a kept refresh token a day past their expiry.
    pub(crate) async fn write_entry(
        &self,
        key: &Key,
        tokens: &Tokens,
        persist_refresh: bool,
        refresh_before: Duration,
        now: SystemTime,
    ) -> Result<()> {
        let keeps_refresh = persist_refresh && tokens.refresh_token().is_some();
        let until = if keeps_refresh {
            tokens.expires_at() + REFRESH_KEEP
        } else {
            tokens.expires_at() - refresh_before
        };
        let Some(ttl) = until.duration_since(now).ok().filter(|t| !t.is_zero()) else {
            tracing::debug!(key = %key, "not writing tokens already due for renewal to Redis");
            return Ok(());
        };
        let body = entry::encode(key, &self.config, tokens, persist_refresh);
        self.set(
            ENTRY,
            &key.digest(),
            &body,
            ttl,
            false,
            "writing a token cache entry",
        )
        .await?;
        Ok(())
    }

    /// The tokens of `key` once `usable` ones are in Redis, or the key's lock (with the entry
    /// read again under it, another machine may have just written it). Polls with back-off
    /// ([`POLL_FIRST`] doubling to [`POLL_MAX`]) for at most `wait`; no keyspace
    /// notifications.
    pub(crate) async fn lock(
        &self,
        key: &Key,
        wait: Duration,
        usable: impl Fn(&Tokens) -> bool,
    ) -> Result<Locked> {
        if let Some(t) = self.read_entry(key).await?.filter(&usable) {
            return Ok(Locked::Found(t));
        }
        let lock_key = self.key(LOCK, &key.digest());
        let started = Instant::now();
        let mut pause = POLL_FIRST;
        let mut told = false;
        loop {
            if let Some(held) = lock::try_lock(&self.conn, &lock_key, self.lock_ttl).await? {
                return match self.read_entry(key).await {
                    Ok(found) => Ok(Locked::Held(held, found)),
                    Err(e) => {
                        held.release().await;
                        Err(e)
                    }
                };
            }
            if !told {
                tracing::debug!(key = %key, "waiting for another machine renewing these tokens");
                told = true;
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(Error::RedisLocked {
                    url: self.url().to_string(),
                    key: key.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(POLL_MAX);
            if let Some(t) = self.read_entry(key).await?.filter(&usable) {
                return Ok(Locked::Found(t));
            }
        }
    }

    /// The discovery document of `url`, kept by a machine within the hour: only under a
    /// signing key. A document names where sign-ins send passwords; without a signing key,
    /// anyone who can write to the shared Redis could plant one naming their own host, so
    /// each process fetches its own (Okta's discovery is not a sign-in).
    pub(crate) async fn document(&self, url: &str) -> Result<Option<Vec<u8>>> {
        if self.signing_key.is_none() {
            return Ok(None);
        }
        self.get(DISCOVERY, &document_id(url), "reading a discovery document")
            .await
    }

    /// Keeps `body` as the discovery document of `url` for an hour (under a signing key only,
    /// see [`Redis::document`]).
    pub(crate) async fn store_document(&self, url: &str, body: &[u8]) -> Result<()> {
        if self.signing_key.is_none() {
            return Ok(());
        }
        self.set(
            DISCOVERY,
            &document_id(url),
            body,
            DOCUMENT_TTL,
            false,
            "keeping a discovery document",
        )
        .await
        .map(drop)
    }
}

/// The namespace when `cache.namespace` is absent or empty: from the org URL's host (and
/// port), never from a path, which differs between runners.
pub(crate) fn default_namespace(org_url: &str) -> String {
    let authority = url::Url::parse(org_url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_else(|| org_url.to_owned());
    format!("okta-fixtures:{authority}:")
}

fn document_id(url: &str) -> String {
    hex(&Sha256::digest(url.as_bytes())[..16])
}

/// `redis://` to another machine sends tokens in cleartext: warned about once per process.
fn warn_cleartext(url: &RedisUrl) {
    static WARNED: Once = Once::new();
    if url.is_tls() || url.is_loopback() {
        return;
    }
    WARNED.call_once(|| {
        tracing::warn!(
            redis = %url,
            "cache.redis_url is plain redis:// to another machine: tokens (and any Redis \
             password) cross the network in cleartext; use rediss:// unless it is a private \
             network such as a CI service container"
        );
    });
}
