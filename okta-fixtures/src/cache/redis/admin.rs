//! What `okta-fixtures cache list|clear` and `doctor` do with the Redis store: list the
//! namespace's entries (never a token), delete what okta-fixtures wrote, and probe the
//! commands its ACL user needs. SCAN, never KEYS.

use std::time::Duration;

use super::signed::{self, Checked};
use super::{DISCOVERY, ENTRY, REFUSALS_KEY, REFUSED, Redis};
use crate::cache::entry::{self, Summary, Unusable};
use crate::cache::key::hex;
use crate::error::Result;

/// One entry as `okta-fixtures cache list` shows it: never a token.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // Read by `okta-fixtures cache list`.
#[derive(Debug)]
pub(crate) struct RedisListed {
    /// The Redis key.
    pub(crate) key: String,
    /// What it says, or why it is not usable.
    pub(crate) summary: std::result::Result<Summary, Unusable>,
    /// False when `cache.signing_key` is set and its HMAC is missing or wrong.
    pub(crate) trusted: bool,
    /// Its remaining time to live (`None`: none, or gone meanwhile). Read by the tests that
    /// check every entry expires; `cache list` shows the tokens' expiry instead.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) ttl: Option<Duration>,
}

// For `okta-fixtures cache list|clear` and `doctor` (cli/).
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
impl Redis {
    /// The keys of the namespace matching `{ns}{kind}*`, by SCAN (never KEYS), sorted.
    pub(crate) async fn scan(&self, kind: &str) -> Result<Vec<String>> {
        let prefix = self.key(kind, "");
        let pattern = format!("{}*", glob_escape(&prefix));
        let mut cursor: u64 = 0;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = self
                .conn
                .query(
                    "listing keys",
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500),
                )
                .await?;
            keys.extend(batch.into_iter().filter(|k| k.starts_with(&prefix)));
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Every token entry of the namespace, as `okta-fixtures cache list` shows them (no
    /// token), sorted by key.
    pub(crate) async fn list(&self) -> Result<Vec<RedisListed>> {
        let mut listed = Vec::new();
        for key in self.scan(ENTRY).await? {
            let value: Option<Vec<u8>> = self
                .conn
                .query("reading a token cache entry", redis::cmd("GET").arg(&key))
                .await?;
            let Some(value) = value else { continue };
            let ttl: i64 = self
                .conn
                .query("reading a time to live", redis::cmd("PTTL").arg(&key))
                .await?;
            let (body, trusted) = match signed::open(self.signing_key.as_ref(), &key, &value) {
                Checked::Good(body) => (body.to_vec(), true),
                Checked::Bad => (
                    match signed::open(None, &key, &value) {
                        Checked::Good(body) => body.to_vec(),
                        Checked::Bad => value.clone(),
                    },
                    false,
                ),
            };
            listed.push(RedisListed {
                summary: entry::summarize(&body),
                trusted,
                ttl: u64::try_from(ttl).ok().map(Duration::from_millis),
                key,
            });
        }
        Ok(listed)
    }

    /// Deletes every token entry, refused-password record (and their HMAC key) and discovery
    /// document of the namespace; locks stay (running sign-ins hold them; they expire).
    /// Returns how many entries were deleted.
    pub(crate) async fn clear(&self) -> Result<usize> {
        let mut entries = 0;
        for kind in [ENTRY, REFUSED, DISCOVERY, REFUSALS_KEY] {
            for key in self.scan(kind).await? {
                let deleted: i64 = self
                    .conn
                    .query("deleting a key", redis::cmd("DEL").arg(&key))
                    .await?;
                if kind == ENTRY && deleted > 0 {
                    entries += 1;
                }
            }
        }
        Ok(entries)
    }

    /// Runs each command okta-fixtures needs on a probe key of the namespace (deleted after):
    /// which ones the server (or its ACL) refuses, for `okta-fixtures doctor`.
    pub(crate) async fn probe(&self) -> Vec<(&'static str, Result<()>)> {
        let mut bytes = [0; 8];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let id = hex(&bytes);
        let key = self.key("doctor:", &id);
        let c = &self.conn;
        let mut results = Vec::new();
        let set: Result<Option<String>> = c
            .query(
                "probing SET",
                redis::cmd("SET")
                    .arg(&key)
                    .arg("1")
                    .arg("NX")
                    .arg("PX")
                    .arg(60_000),
            )
            .await;
        results.push(("SET", set.map(drop)));
        let get: Result<Option<Vec<u8>>> =
            c.query("probing GET", redis::cmd("GET").arg(&key)).await;
        results.push(("GET", get.map(drop)));
        let pexpire: Result<i64> = c
            .query(
                "probing PEXPIRE",
                redis::cmd("PEXPIRE").arg(&key).arg(60_000),
            )
            .await;
        results.push(("PEXPIRE", pexpire.map(drop)));
        let eval: Result<i64> = c
            .query(
                "probing EVAL",
                redis::cmd("EVAL")
                    .arg("return redis.call('PEXPIRE', KEYS[1], ARGV[1])")
                    .arg(1)
                    .arg(&key)
                    .arg(60_000),
            )
            .await;
        results.push(("EVAL", eval.map(drop)));
        results.push(("SCAN", self.scan("doctor:").await.map(drop)));
        let pttl: Result<i64> = c.query("probing PTTL", redis::cmd("PTTL").arg(&key)).await;
        results.push(("PTTL", pttl.map(drop)));
        let del: Result<i64> = c.query("probing DEL", redis::cmd("DEL").arg(&key)).await;
        results.push(("DEL", del.map(drop)));
        results
    }
}

/// `s` with SCAN's glob characters escaped: the namespace is matched verbatim.
pub(super) fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
