//! The authorization server's signing keys (its JWKS), fetched on first use and cached by
//! `kid`.
//!
//! Okta rotates keys and publishes the next one before signing with it, so a `kid` missing
//! from the cache means the set changed: fetch it again. Anyone can put any `kid` in a token,
//! though, so such refetches are rate-limited: at most one per [`COOLDOWN`], and one at a
//! time (callers waiting for the same new key share one fetch).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use serde_json::Value;

use super::Invalid;

/// The least time between two fetches caused by unknown `kid`s.
const COOLDOWN: Duration = Duration::from_secs(30);

/// How long a JWKS request may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Signing keys by `kid`, and when the last refetch for an unknown `kid` happened.
pub(crate) struct Keys {
    jwks_uri: String,
    http: reqwest::Client,
    cached: Mutex<Arc<HashMap<String, DecodingKey>>>,
    /// Held while fetching, so concurrent misses share one fetch.
    refetched_at: tokio::sync::Mutex<Option<Instant>>,
}

impl Keys {
    /// An empty cache for the JWKS at `jwks_uri`.
    pub(crate) fn new(jwks_uri: String) -> Self {
        Keys {
            jwks_uri,
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            cached: Mutex::default(),
            refetched_at: tokio::sync::Mutex::new(None),
        }
    }

    /// The key `kid`, from the cache or, when it lacks it, from a new fetch.
    pub(crate) async fn get(&self, kid: &str) -> Result<DecodingKey, Invalid> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut refetched_at = self.refetched_at.lock().await;
        // Fetched by the caller we waited for?
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        // The first fetch fills the cache; only later ones (a `kid` the set lacked) count
        // against the cooldown.
        let first = self.snapshot().is_empty();
        if !first && refetched_at.is_some_and(|at| at.elapsed() < COOLDOWN) {
            return Err(Invalid::UnknownKey);
        }
        let set = self.fetch().await?;
        if !first {
            *refetched_at = Some(Instant::now());
        }
        let key = set.get(kid).cloned();
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        key.ok_or(Invalid::UnknownKey)
    }

    /// The cached keys (an `Arc` clone: the lock is held for no longer).
    fn snapshot(&self) -> Arc<HashMap<String, DecodingKey>> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The cached key `kid`.
    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.snapshot().get(kid).cloned()
    }

    /// The RSA signing keys of the JWKS; keys of other types or uses are skipped.
    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, Invalid> {
        let response = self
            .http
            .get(&self.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|_| Invalid::KeysUnavailable)?;
        let set: Value = response
            .json()
            .await
            .map_err(|_| Invalid::KeysUnavailable)?;
        let keys: HashMap<String, DecodingKey> = set
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|k| k.get("kty") == Some(&Value::from("RSA")))
            .filter(|k| k.get("use").is_none_or(|u| u == "sig"))
            .filter_map(|k| {
                let jwk: Jwk = serde_json::from_value(k.clone()).ok()?;
                let kid = jwk.common.key_id.clone()?;
                Some((kid, DecodingKey::from_jwk(&jwk).ok()?))
            })
            .collect();
        if keys.is_empty() {
            return Err(Invalid::KeysUnavailable);
        }
        Ok(keys)
    }
}
