//! Fleet-wide single flight: a key's lock in Redis, `SET lock holder NX PX ttl` with a random
//! holder value, renewed by its holder while its sign-in runs and released only by it (Lua
//! compare-and-delete), so a crashed holder is replaced after one lock time.
//!
//! The pattern is Redis's own single-instance lock (<https://redis.io/docs/latest/develop/use/patterns/distributed-locks/>,
//! "Correct Implementation with a Single Instance"). Scripts run with EVAL, never SCRIPT LOAD,
//! so an ACL user needs no more than GET, SET, DEL, PEXPIRE, EVAL and SCAN.

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore as _;

use super::connection::Connection;
use crate::cache::key::hex;
use crate::error::Result;

/// How long a lock lives unless its holder renews it: how long a crashed holder delays the
/// others at most. Its holder renews it every third of that.
pub(crate) const LOCK_TTL: Duration = Duration::from_secs(15);

/// The first pause of a waiter between two looks at the entry and the lock; it doubles up to
/// [`POLL_MAX`].
pub(crate) const POLL_FIRST: Duration = Duration::from_millis(10);

/// The longest pause of a waiter.
pub(crate) const POLL_MAX: Duration = Duration::from_millis(200);

/// Deletes `KEYS[1]` if it holds `ARGV[1]`.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// Sets the time to live of `KEYS[1]` to `ARGV[2]` ms if it holds `ARGV[1]`.
const RENEW: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

/// A lock this process holds, renewed in the background until released or dropped.
pub(crate) struct Held {
    conn: Arc<Connection>,
    key: String,
    holder: String,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

/// Takes the lock `key` for `ttl` if no one holds it.
pub(crate) async fn try_lock(
    conn: &Arc<Connection>,
    key: &str,
    ttl: Duration,
) -> Result<Option<Held>> {
    let mut bytes = [0; 16];
    rand::rng().fill_bytes(&mut bytes);
    let holder = hex(&bytes);
    let ttl_ms = millis(ttl);
    let set: Option<String> = conn
        .query(
            "taking a token lock",
            redis::cmd("SET")
                .arg(key)
                .arg(&holder)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms),
        )
        .await?;
    if set.is_none() {
        return Ok(None);
    }
    let renewer = {
        let (conn, key, holder) = (conn.clone(), key.to_owned(), holder.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                let renewed: Result<i64> = conn
                    .query(
                        "renewing a token lock",
                        redis::cmd("EVAL")
                            .arg(RENEW)
                            .arg(1)
                            .arg(&key)
                            .arg(&holder)
                            .arg(ttl_ms),
                    )
                    .await;
                match renewed {
                    Ok(1) => tracing::trace!("renewed the Redis lock"),
                    Ok(_) => {
                        tracing::warn!(
                            "the Redis lock of this sign-in expired or was evicted; another \
                             machine may sign the same user in"
                        );
                        return;
                    }
                    Err(e) => tracing::warn!(error = %e, "could not renew the Redis lock"),
                }
            }
        })
    };
    Ok(Some(Held {
        conn: conn.clone(),
        key: key.to_owned(),
        holder,
        renewer: Some(renewer),
    }))
}

impl Held {
    /// Stops renewing without letting go, as a holder that crashed (tests).
    #[cfg(test)]
    pub(crate) fn abandon(mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
    }

    /// Lets the lock go (if it is still ours).
    pub(crate) async fn release(mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
        release(&self.conn, &self.key, &self.holder).await;
    }
}

impl Drop for Held {
    /// Not released (a panic, a dropped task): stops renewing and lets it go in the
    /// background; else it expires after its lock time.
    fn drop(&mut self) {
        let Some(r) = self.renewer.take() else { return };
        r.abort();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (conn, key, holder) = (self.conn.clone(), self.key.clone(), self.holder.clone());
            drop(rt.spawn(async move { release(&conn, &key, &holder).await }));
        }
    }
}

async fn release(conn: &Connection, key: &str, holder: &str) {
    let released: Result<i64> = conn
        .query(
            "releasing a token lock",
            redis::cmd("EVAL").arg(RELEASE).arg(1).arg(key).arg(holder),
        )
        .await;
    match released {
        Ok(1) => {}
        Ok(_) => tracing::debug!("the Redis lock had expired before its release"),
        Err(e) => {
            tracing::warn!(error = %e, "could not release the Redis lock; it expires on its own")
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
