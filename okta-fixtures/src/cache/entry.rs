//! The on-disk format of one cache entry: versioned JSON holding the key it was written for,
//! who the tokens belong to, the tokens (the refresh token only when `cache.persist_refresh`)
//! and their expiry.
//!
//! Reading is strict: another version, another key or anything malformed is refused with a
//! [`Unusable`] reason that quotes no value, and the caller treats the entry as absent.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::key::{Key, KeyRecord};
use crate::Secret;
use crate::tokens::{TokenParts, Tokens};

/// The format version this build reads and writes.
pub(crate) const VERSION: u32 = 1;

/// One entry as stored, read and written by serde_json. No `Debug`: it holds tokens.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    #[serde(default)]
    config: String,
    key: KeyRecord,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    username: Option<String>,
    app: String,
    client_id: String,
    server: String,
    token_type: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_at_ms: u64,
    scopes: Vec<String>,
}

/// Only the version: another version's entry is told apart from a broken one.
#[derive(Deserialize)]
struct Version {
    version: u32,
}

/// What `okta-fixtures cache list` shows of an entry: no token.
#[derive(Deserialize)]
struct Listed {
    version: u32,
    config: String,
    key: KeyRecord,
    #[serde(default)]
    user: Option<String>,
    app: String,
    expires_at_ms: u64,
    #[serde(default)]
    refresh_token: Option<serde::de::IgnoredAny>,
}

/// Why an entry cannot be used. Never quotes the file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Not JSON, truncated, or missing fields.
    Malformed,
    /// Written by another version of okta-fixtures.
    Version(u32),
    /// Written for another key (a file copied or renamed by hand).
    OtherKey,
}

impl Unusable {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unusable::Malformed => "malformed or truncated",
            Unusable::Version(_) => "written by another version",
            Unusable::OtherKey => "written for another key",
        }
    }
}

/// The entry for `key` holding `tokens`; the refresh token only if `persist_refresh`.
pub(crate) fn encode(key: &Key, config: &Path, tokens: &Tokens, persist_refresh: bool) -> Vec<u8> {
    let owned = |s: Option<&str>| s.map(str::to_owned);
    let stored = Stored {
        version: VERSION,
        config: config.to_string_lossy().into_owned(),
        key: key.record(),
        user: owned(tokens.user()),
        username: owned(tokens.username()),
        app: tokens.app().to_owned(),
        client_id: tokens.client_id().to_owned(),
        server: tokens.server().to_owned(),
        token_type: tokens.token_type().to_owned(),
        access_token: owned(tokens.try_access_token()),
        id_token: owned(tokens.id_token()),
        refresh_token: owned(tokens.refresh_token().filter(|_| persist_refresh)),
        expires_at_ms: millis(tokens.expires_at()),
        scopes: tokens.scopes().to_vec(),
    };
    // Serialising strings, numbers and a JSON value cannot fail.
    serde_json::to_vec(&stored).unwrap_or_default()
}

/// The tokens of an entry written for `key`.
pub(crate) fn decode(bytes: &[u8], key: &Key) -> Result<Tokens, Unusable> {
    let e: Stored = serde_json::from_slice(bytes).map_err(|_| unusable(bytes))?;
    if e.version != VERSION {
        return Err(Unusable::Version(e.version));
    }
    if !key.matches(&e.key) {
        return Err(Unusable::OtherKey);
    }
    Ok(Tokens::new(TokenParts {
        user: e.user,
        username: e.username,
        app: e.app,
        client_id: e.client_id,
        server: e.server,
        token_type: e.token_type,
        access_token: e.access_token.map(Secret::new),
        id_token: e.id_token.map(Secret::new),
        refresh_token: e.refresh_token.map(Secret::new),
        expires_at: UNIX_EPOCH + Duration::from_millis(e.expires_at_ms),
        scopes: e.scopes,
    }))
}

/// An entry as `okta-fixtures cache list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The fixtures.yaml it was written for.
    pub(crate) config: String,
    /// The key in words.
    pub(crate) key: String,
    /// The user key of fixtures.yaml (`None` for a service app).
    pub(crate) user: Option<String>,
    /// The app key.
    pub(crate) app: String,
    /// When the access token expires.
    pub(crate) expires_at: SystemTime,
    /// Whether it holds a refresh token.
    pub(crate) refresh: bool,
}

/// What an entry says about itself, if it is one of this version.
pub(crate) fn summarize(bytes: &[u8]) -> Result<Summary, Unusable> {
    let e: Listed = serde_json::from_slice(bytes).map_err(|_| unusable(bytes))?;
    if e.version != VERSION {
        return Err(Unusable::Version(e.version));
    }
    Ok(Summary {
        config: e.config,
        key: e.key.to_string(),
        user: e.user,
        app: e.app,
        expires_at: UNIX_EPOCH + Duration::from_millis(e.expires_at_ms),
        refresh: e.refresh_token.is_some(),
    })
}

/// Why an entry this version cannot parse is unusable: another version's, or broken.
fn unusable(bytes: &[u8]) -> Unusable {
    match serde_json::from_slice::<Version>(bytes) {
        Ok(v) if v.version != VERSION => Unusable::Version(v.version),
        _ => Unusable::Malformed,
    }
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tests::{key, tokens_until};

    #[test]
    fn round_trips_with_or_without_the_refresh_token() {
        let at = UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
        let t = tokens_until(at, Some("refresh-SECRET-1"));
        let k = key("alice");
        let config = Path::new("/w/fixtures.yaml");

        let kept = decode(&encode(&k, config, &t, true), &k).unwrap();
        assert_eq!(kept.refresh_token(), Some("refresh-SECRET-1"));
        assert_eq!(kept.expires_at(), at);
        assert_eq!(kept.access_token(), t.access_token());
        assert_eq!(kept.id_token(), t.id_token());
        assert_eq!(
            (kept.user(), kept.app(), kept.server(), kept.scopes()),
            (t.user(), t.app(), t.server(), t.scopes())
        );
        assert_eq!(kept.access_claims(), t.access_claims());

        let bytes = encode(&k, config, &t, false);
        assert!(!String::from_utf8_lossy(&bytes).contains("refresh-SECRET-1"));
        assert_eq!(decode(&bytes, &k).unwrap().refresh_token(), None);

        let s = summarize(&bytes).unwrap();
        assert_eq!(s.config, "/w/fixtures.yaml");
        assert_eq!((s.user.as_deref(), s.app.as_str()), (Some("alice"), "spa"));
        assert_eq!(s.key, k.to_string());
        assert_eq!(s.expires_at, at);
        assert!(!s.refresh);
        assert!(summarize(&encode(&k, config, &t, true)).unwrap().refresh);
    }

    #[test]
    fn broken_foreign_and_misplaced_entries_are_refused() {
        let t = tokens_until(SystemTime::now(), None);
        let k = key("alice");
        let good = encode(&k, Path::new("/w/fixtures.yaml"), &t, false);
        for cut in [0, 1, good.len() / 2, good.len() - 1] {
            assert_eq!(
                decode(&good[..cut], &k).err(),
                Some(Unusable::Malformed),
                "{cut}"
            );
        }
        assert_eq!(
            decode(b"\x00\xff garbage", &k).err(),
            Some(Unusable::Malformed)
        );
        let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
        v["version"] = 999.into();
        let foreign = serde_json::to_vec(&v).unwrap();
        assert_eq!(decode(&foreign, &k).err(), Some(Unusable::Version(999)));
        assert_eq!(summarize(&foreign).err(), Some(Unusable::Version(999)));
        let reshaped = br#"{"version": 2, "tokens": {}}"#;
        assert_eq!(decode(reshaped, &k).err(), Some(Unusable::Version(2)));
        assert_eq!(decode(&good, &key("bob")).err(), Some(Unusable::OtherKey));
        v["version"] = VERSION.into();
        v["expires_at_ms"] = "soon".into();
        let wrong_type = serde_json::to_vec(&v).unwrap();
        assert_eq!(decode(&wrong_type, &k).err(), Some(Unusable::Malformed));
    }

    /// Truncations and byte flips of a real entry: each is read or refused, never a panic.
    #[test]
    fn damaged_entries_are_read_or_refused_never_a_panic() {
        let t = tokens_until(UNIX_EPOCH + Duration::from_millis(1_800_000_000_123), None);
        let k = key("alice");
        let good = encode(&k, Path::new("/w/fixtures.yaml"), &t, false);
        let mut variants: Vec<Vec<u8>> = (0..good.len()).map(|cut| good[..cut].to_vec()).collect();
        for at in 0..good.len() {
            for b in *b"\"\\,9}]{[:n \xff" {
                let mut bytes = good.clone();
                bytes[at] = b;
                variants.push(bytes);
            }
        }
        let (mut read, mut refused) = (0, 0);
        for bytes in &variants {
            match decode(bytes, &k) {
                Ok(_) => read += 1,
                Err(_) => refused += 1,
            }
        }
        assert!(read > 10 && refused > 100, "{read} {refused}");
    }
}
