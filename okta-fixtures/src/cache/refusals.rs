//! Refused passwords and TOTP secrets, remembered so they are not sent again.
//!
//! A TOTP secret Okta refused (a wrong code, `E0000068`, or a locked factor, `E0000069`) is kept
//! the same way, in its own record (`{hash}.totp`): Okta locks a factor after a few failed
//! codes, so a stale secret must not be tried by every test either.
//!
//! Okta locks an account after 10 failed passwords by default, and hides the lockout behind the
//! same 401 `E0000004` a wrong password gets. A stale password in fixtures.yaml, sent again by
//! every test and every test process, would lock a real test user out. So a refusal is
//! remembered per (org URL, username): with a disk store, in the workspace folder
//! (`{hash}.refused`, 0600, shared by every process using the same cache folder, the CLI's
//! `token` included); with a Redis store, in Redis (`{namespace}refused:{hash}`, for 30 days),
//! so the machines of a CI run cannot pass Okta's lockout threshold together; else in this
//! process's memory. Later sign-ins of the user get the first
//! error back at once, with no request, until the password changes or
//! `okta-fixtures cache clear` runs.
//!
//! A record holds a keyed HMAC-SHA256 of the refused password, never the password or a plain
//! hash of it: the key is 32 random bytes made once per workspace folder (`refusals.key`, 0600),
//! per Redis namespace (`{namespace}refusals-key`) or per process. A different password does not match, so a corrected one is tried at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use okta_fixtures_config::User;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::disk::{Disk, REFUSED};
use super::key::hex;
#[cfg(feature = "redis")]
use super::redis::{self, Redis};
use super::shared::Shared;
use crate::error::{Error, Result, SignIn};

/// The workspace file of the HMAC key.
const KEY_FILE: &str = "refusals.key";
const KEY_LEN: usize = 32;

/// How long Redis keeps a record (and, renewed on each write, its HMAC key).
#[cfg(feature = "redis")]
const REDIS_TTL: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// One refused password.
#[derive(Clone, Serialize, Deserialize)]
struct Record {
    /// `URL_SAFE_NO_PAD` base64 of HMAC-SHA256(key, password).
    mac: String,
    /// Okta's `errorCode` of the refusal.
    code: String,
    /// Okta's `errorSummary` of the refusal.
    summary: String,
    /// Sign-ins not sent since.
    spared: u64,
}

/// The refusals of one config: its own memory (used without a disk store, or when the disk
/// store cannot be used) and, per user, a turn that orders this process's sign-ins of the user
/// so a second one sees the first one's refusal.
pub(crate) struct Refusals {
    key: [u8; KEY_LEN],
    records: Mutex<HashMap<String, Record>>,
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for Refusals {
    fn default() -> Self {
        Self {
            key: random_key(),
            records: Mutex::default(),
            turns: Mutex::default(),
        }
    }
}

/// What was refused: the user's password or the user's TOTP secret.
#[derive(Clone, Copy)]
enum Credential {
    Password,
    Totp,
}

impl Credential {
    /// The value a record's HMAC is of, if the user has one.
    fn of(self, user: &User) -> Option<&str> {
        match self {
            Credential::Password => Some(user.password.expose()),
            Credential::Totp => user.totp.as_ref().map(|t| t.expose()),
        }
    }

    /// The record of `user` at `org_url` for this credential.
    fn record(self, org_url: &str, user: &User) -> String {
        let id = record_id(org_url, user);
        match self {
            Credential::Password => id,
            Credential::Totp => format!("{id}.totp"),
        }
    }
}

/// Where the refusals of one sign-in are kept.
enum Store<'a> {
    Disk(&'a Disk, [u8; KEY_LEN]),
    #[cfg(feature = "redis")]
    Redis(&'a Redis, [u8; KEY_LEN]),
    Memory(&'a Refusals),
}

impl Refusals {
    /// Waits for `user`'s turn to send a password to `org_url`; hold it across the check and
    /// the request.
    pub(crate) async fn turn(
        &self,
        org_url: &str,
        user: &User,
    ) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = self
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(record_id(org_url, user))
            .or_default()
            .clone();
        turn.lock_owned().await
    }

    /// Before a password is sent: [`Error::AuthnRefusedBefore`] if Okta refused this same
    /// password of `user` before (counting one more spared attempt). A record of another
    /// password is deleted: the password changed, so it is tried. With a Redis store, Redis
    /// failing is an error: sending the password anyway could pass Okta's lockout threshold.
    pub(crate) async fn check(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        sign_in: &SignIn,
    ) -> Result<()> {
        let Some(record) = self
            .spare(shared, org_url, user, Credential::Password)
            .await?
        else {
            return Ok(());
        };
        tracing::warn!(
            spared = record.spared,
            "not sending a password Okta refused before"
        );
        Err(Error::AuthnRefusedBefore {
            sign_in: Box::new(sign_in.clone()),
            username: user.username.clone(),
            code: record.code,
            summary: record.summary,
            spared: record.spared,
        })
    }

    /// Before a TOTP code is sent: [`Error::TotpRefusedBefore`] if Okta refused a code of this
    /// same secret of `user` before; as [`Refusals::check`].
    pub(crate) async fn check_totp(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        sign_in: &SignIn,
    ) -> Result<()> {
        let Some(record) = self.spare(shared, org_url, user, Credential::Totp).await? else {
            return Ok(());
        };
        tracing::warn!(
            spared = record.spared,
            "not sending a code of a TOTP secret Okta refused before"
        );
        Err(Error::TotpRefusedBefore {
            sign_in: Box::new(sign_in.clone()),
            code: record.code,
            summary: record.summary,
            spared: record.spared,
        })
    }

    /// The record of `what` if it is of the user's current value, with one more attempt
    /// spared; a record of another value is deleted.
    async fn spare(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        what: Credential,
    ) -> Result<Option<Record>> {
        let id = what.record(org_url, user);
        let store = self.store(shared, false).await?;
        let Some(mut record) = store.read(&id).await? else {
            return Ok(None);
        };
        if !store.matches(&record, what.of(user)) {
            tracing::info!("the secret changed since Okta refused it; trying the new one");
            store.remove(&id).await;
            return Ok(None);
        }
        record.spared = record.spared.saturating_add(1);
        store.write(&id, &record).await;
        Ok(Some(record))
    }

    /// After Okta refused `user`'s password with `code` and `summary`: remembers it.
    pub(crate) async fn remember(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        code: &str,
        summary: &str,
    ) {
        self.keep(shared, org_url, user, Credential::Password, code, summary)
            .await;
    }

    /// After Okta refused a code of `user`'s TOTP secret (wrong code, locked factor):
    /// remembers the secret.
    pub(crate) async fn remember_totp(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        code: &str,
        summary: &str,
    ) {
        self.keep(shared, org_url, user, Credential::Totp, code, summary)
            .await;
    }

    async fn keep(
        &self,
        shared: Shared<'_>,
        org_url: &str,
        user: &User,
        what: Credential,
        code: &str,
        summary: &str,
    ) {
        let store = match self.store(shared, true).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "remembering a refusal in memory only");
                Store::Memory(self)
            }
        };
        let Some(mac) = store.mac(what.of(user)) else {
            return;
        };
        let record = Record {
            mac: URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()),
            code: code.to_owned(),
            summary: summary.to_owned(),
            spared: 0,
        };
        store.write(&what.record(org_url, user), &record).await;
    }

    /// The shared store with its key (made first if `create`), else this process's memory
    /// (where a refusal is kept when the disk store cannot be written).
    async fn store<'a>(&'a self, shared: Shared<'a>, create: bool) -> Result<Store<'a>> {
        match shared {
            Shared::None => Ok(Store::Memory(self)),
            Shared::Disk(d) => Ok(match disk_key(d, create) {
                Ok(Some(key)) => Store::Disk(d, key),
                Ok(None) => Store::Memory(self),
                Err(e) => {
                    tracing::warn!(error = %e, "remembering refused passwords in memory only");
                    Store::Memory(self)
                }
            }),
            #[cfg(feature = "redis")]
            Shared::Redis(r) => Ok(match redis_key(r, create).await? {
                Some(key) => Store::Redis(r, key),
                None => Store::Memory(self),
            }),
        }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store<'_> {
    fn key(&self) -> &[u8; KEY_LEN] {
        match self {
            Store::Disk(_, key) => key,
            #[cfg(feature = "redis")]
            Store::Redis(_, key) => key,
            Store::Memory(r) => &r.key,
        }
    }

    /// HMAC-SHA256 of `value` (a password or TOTP secret; `None` when the user has none, and
    /// HMAC takes keys of any length).
    fn mac(&self, value: Option<&str>) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(self.key()).ok()?;
        mac.update(value?.as_bytes());
        Some(mac)
    }

    /// Whether `record` is of `value` (compared in constant time).
    fn matches(&self, record: &Record, value: Option<&str>) -> bool {
        let (Ok(tag), Some(mac)) = (URL_SAFE_NO_PAD.decode(&record.mac), self.mac(value)) else {
            return false;
        };
        mac.verify_slice(&tag).is_ok()
    }

    async fn read(&self, id: &str) -> Result<Option<Record>> {
        Ok(match self {
            Store::Disk(d, _) => d
                .read_own(&file_name(id))
                .and_then(|b| serde_json::from_slice(&b).ok()),
            #[cfg(feature = "redis")]
            Store::Redis(r, _) => r
                .get(redis::REFUSED, id, "reading a refused password's record")
                .await?
                .and_then(|b| serde_json::from_slice(&b).ok()),
            Store::Memory(r) => r.records().get(id).cloned(),
        })
    }

    async fn write(&self, id: &str, record: &Record) {
        // Serializing strings and a number cannot fail.
        let bytes = || serde_json::to_vec(record).unwrap_or_default();
        match self {
            Store::Disk(d, _) => {
                if let Err(e) = d.write_own(&file_name(id), &bytes(), true) {
                    tracing::warn!(error = %e, "could not remember a refused password on disk");
                }
            }
            #[cfg(feature = "redis")]
            Store::Redis(r, _) => {
                // The key lives at least as long as the record.
                let action = "remembering a refused password";
                let written = match r.expire(redis::REFUSALS_KEY, "", REDIS_TTL, action).await {
                    Ok(()) => r
                        .set(redis::REFUSED, id, &bytes(), REDIS_TTL, false, action)
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    tracing::warn!(error = %e, "could not remember a refused password in Redis");
                }
            }
            Store::Memory(r) => {
                r.records().insert(id.to_owned(), record.clone());
            }
        }
    }

    async fn remove(&self, id: &str) {
        match self {
            Store::Disk(d, _) => d.remove_own(&file_name(id)),
            #[cfg(feature = "redis")]
            Store::Redis(r, _) => {
                if let Err(e) = r
                    .delete(redis::REFUSED, id, "forgetting a refused password")
                    .await
                {
                    tracing::warn!(error = %e, "could not forget a refused password in Redis");
                }
            }
            Store::Memory(r) => {
                r.records().remove(id);
            }
        }
    }
}

/// The record of `user` at `org_url`: a hash of both (Okta usernames ignore case).
pub(super) fn record_id(org_url: &str, user: &User) -> String {
    let mut h = Sha256::new();
    h.update(org_url.trim_end_matches('/').as_bytes());
    h.update([0]);
    h.update(user.username.to_lowercase().as_bytes());
    hex(&h.finalize()[..16])
}

fn file_name(id: &str) -> String {
    format!("{id}.{REFUSED}")
}

fn random_key() -> [u8; KEY_LEN] {
    let mut key = [0; KEY_LEN];
    rand::rng().fill_bytes(&mut key);
    key
}

/// The workspace's HMAC key; with `create`, made by the first process that needs one (a
/// workspace without one has no refusal on disk).
fn disk_key(disk: &Disk, create: bool) -> Result<Option<[u8; KEY_LEN]>> {
    let read = || {
        disk.read_own(KEY_FILE)
            .and_then(|b| <[u8; KEY_LEN]>::try_from(b.as_slice()).ok())
    };
    if let Some(key) = read() {
        return Ok(Some(key));
    }
    if !create {
        return Ok(None);
    }
    let key = random_key();
    if disk.write_own(KEY_FILE, &key, false)? {
        return Ok(Some(key));
    }
    // Another process made it first; a malformed one is replaced.
    if let Some(key) = read() {
        return Ok(Some(key));
    }
    disk.write_own(KEY_FILE, &key, true)?;
    Ok(Some(key))
}

/// The namespace's HMAC key in Redis; with `create`, made by the first machine that needs one
/// (`SET NX`: every machine ends up with the same).
#[cfg(feature = "redis")]
async fn redis_key(r: &Redis, create: bool) -> Result<Option<[u8; KEY_LEN]>> {
    let action = "reading the refused passwords' key";
    let read = || async {
        Ok::<_, Error>(
            r.get(redis::REFUSALS_KEY, "", action)
                .await?
                .and_then(|b| <[u8; KEY_LEN]>::try_from(b.as_slice()).ok()),
        )
    };
    if let Some(key) = read().await? {
        return Ok(Some(key));
    }
    if !create {
        return Ok(None);
    }
    let key = random_key();
    if r.set(redis::REFUSALS_KEY, "", &key, REDIS_TTL, true, action)
        .await?
    {
        return Ok(Some(key));
    }
    if let Some(key) = read().await? {
        return Ok(Some(key));
    }
    // A malformed (or, with a signing key, unsigned) one is replaced.
    r.set(redis::REFUSALS_KEY, "", &key, REDIS_TTL, false, action)
        .await?;
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_fixtures_config::Secret;

    fn user(password: &str) -> User {
        User {
            name: "alice".into(),
            username: "Alice@example.com".into(),
            password: Secret::new(password.to_owned()),
            totp: Some(Secret::new("JBSWY3DPEHPK3PXP".to_owned())),
            app: None,
        }
    }

    fn sign_in() -> SignIn {
        SignIn::new(Some("alice"), "spa", "default")
    }

    #[tokio::test]
    async fn memory_remembers_the_refused_password_only() {
        let r = Refusals::default();
        let org = "https://example.okta.com";
        r.check(Shared::None, org, &user("old"), &sign_in())
            .await
            .unwrap();
        r.remember(
            Shared::None,
            org,
            &user("old"),
            "E0000004",
            "Authentication failed",
        )
        .await;
        for spared in 1..=2 {
            match r.check(Shared::None, org, &user("old"), &sign_in()).await {
                Err(Error::AuthnRefusedBefore {
                    spared: n, code, ..
                }) => {
                    assert_eq!((n, code.as_str()), (spared, "E0000004"));
                }
                other => panic!("{other:?}"),
            }
        }
        // Another org is another account.
        r.check(
            Shared::None,
            "https://other.okta.com",
            &user("old"),
            &sign_in(),
        )
        .await
        .unwrap();
        // A corrected password is tried, and the record goes.
        r.check(Shared::None, org, &user("new"), &sign_in())
            .await
            .unwrap();
        r.check(Shared::None, org, &user("old"), &sign_in())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn disk_records_hold_no_password_and_are_shared() {
        let dir = tempfile::TempDir::new().unwrap();
        let config = dir.path().join("fixtures.yaml");
        let disk = Disk::new(dir.path().join("cache"), &config, false);
        let org = "https://example.okta.com";
        Refusals::default()
            .remember(
                Shared::Disk(&disk),
                org,
                &user("hunter2hunter2"),
                "E0000004",
                "x",
            )
            .await;
        let files: Vec<_> = std::fs::read_dir(disk.dir())
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        assert_eq!(files.len(), 2, "{files:?}");
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("hunter2"), "{}", f.display());
            let plain = hex(&Sha256::digest(b"hunter2hunter2"));
            assert!(!text.contains(&plain[..16]), "{}", f.display());
        }
        // Another process (another `Refusals`) on the same folder.
        let other = Refusals::default();
        assert!(matches!(
            other
                .check(
                    Shared::Disk(&disk),
                    org,
                    &user("hunter2hunter2"),
                    &sign_in()
                )
                .await,
            Err(Error::AuthnRefusedBefore { spared: 1, .. })
        ));
        other
            .check(Shared::Disk(&disk), org, &user("corrected"), &sign_in())
            .await
            .unwrap();
        assert_eq!(std::fs::read_dir(disk.dir()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn a_refused_totp_secret_is_its_own_record() {
        let r = Refusals::default();
        let org = "https://example.okta.com";
        let mut carol = user("pw");
        r.remember_totp(Shared::None, org, &carol, "E0000069", "User Locked")
            .await;
        // The password is not refused, the secret is.
        r.check(Shared::None, org, &carol, &sign_in())
            .await
            .unwrap();
        assert!(matches!(
            r.check_totp(Shared::None, org, &carol, &sign_in()).await,
            Err(Error::TotpRefusedBefore { spared: 1, ref code, .. }) if code == "E0000069"
        ));
        // A new secret is tried.
        carol.totp = Some(Secret::new("GEZDGNBVGY3TQOJQ".to_owned()));
        r.check_totp(Shared::None, org, &carol, &sign_in())
            .await
            .unwrap();
        // A user without a secret has nothing to remember.
        carol.totp = None;
        r.remember_totp(Shared::None, org, &carol, "E0000068", "x")
            .await;
        r.check_totp(Shared::None, org, &carol, &sign_in())
            .await
            .unwrap();
    }
}
