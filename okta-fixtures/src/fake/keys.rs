//! The fake's RSA signing keys and which authorization server signs and publishes with which.
//!
//! As on Okta:
//!
//! - Each custom authorization server has keys of its own: they sign its ID and access tokens
//!   and are the only keys of its JWKS, so a token of one server does not verify with another
//!   server's keys, and keys rotate per server ("If you're using a custom authorization server,
//!   configure and perform key rollover/rotation at the Authorization Server level",
//!   developer.okta.com/docs/concepts/key-rotation/; the Management API rotates them with
//!   `POST /api/v1/authorizationServers/{authServerId}/credentials/lifecycle/keyRotate`).
//! - The org authorization server publishes the key that signs its ID tokens; its access tokens
//!   are signed by another key (okta-wire.md section 6.1: a different `kid` than the ID token
//!   of the same response) that it publishes nowhere. Okta: "Okta is the only app that should
//!   consume or validate access tokens from the org authorization server [...] Consider these
//!   access tokens as opaque strings" (developer.okta.com/docs/guides/validate-access-tokens/);
//!   Okta's support article "Signature Validation Failed on Access Token": "Okta by design
//!   does not pass keys for this token" (quoted in okta/okta-jwt-verifier-python#16 and #51;
//!   Okta's answer in okta/okta-oidc-js#46: "you'll only be able to verify tokens that are
//!   issued by a custom authorization server").
//!
//! The keys live in the key folder (`key_folder.rs`); rotations live in memory.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, PoisonError, RwLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::json::Obj;

/// One RSA-2048 key, parsed once, with its JWS header and JWK precomputed.
pub(crate) struct SigningKey {
    pair: KeyPair,
    kid: String,
    n: String,
    e: String,
    /// base64url(`{"kid":"…","alg":"RS256"}`)
    header_b64: String,
    /// The public half, for jsonwebtoken to check tokens presented back to the fake.
    decoding: jsonwebtoken::DecodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new RSA-2048 key and its PKCS#8 encoding.
    pub(crate) fn generate() -> io::Result<(Self, Vec<u8>)> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| io::Error::other("rsa key generation failed"))?;
        let der = pair
            .as_der()
            .map_err(|_| io::Error::other("rsa key encoding failed"))?
            .as_ref()
            .to_vec();
        Ok((Self::from_pair(pair), der))
    }

    /// Parses a PKCS#8 RSA private key.
    pub(crate) fn from_pkcs8(der: &[u8]) -> io::Result<Self> {
        let pair = KeyPair::from_pkcs8(der).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, "not a pkcs#8 rsa private key")
        })?;
        Ok(Self::from_pair(pair))
    }

    fn from_pair(pair: KeyPair) -> Self {
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let kid = thumbprint(&n, &e);
        let header = Obj::new().str("kid", &kid).str("alg", "RS256").finish();
        let header_b64 = URL_SAFE_NO_PAD.encode(header);
        let decoding = jsonwebtoken::DecodingKey::from_rsa_der(public.as_ref());
        Self {
            pair,
            kid,
            n,
            e,
            header_b64,
            decoding,
        }
    }

    /// The key id: the RFC 7638 JWK thumbprint.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK, members in the order of Okta's newer JWKS documents.
    pub(crate) fn jwk(&self) -> Obj {
        Obj::new()
            .str("kty", "RSA")
            .str("alg", "RS256")
            .str("kid", &self.kid)
            .str("use", "sig")
            .str("e", &self.e)
            .str("n", &self.n)
    }

    /// base64url of the JWS header `{"kid":…,"alg":"RS256"}`.
    pub(crate) fn header_b64(&self) -> &str {
        &self.header_b64
    }

    /// RS256 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        // Signing with a valid key into a buffer of the modulus length does not fail; an
        // empty signature would be rejected by every verifier rather than pass.
        if self
            .pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
            .is_err()
        {
            sig.clear();
        }
        sig
    }

    /// The public key, to verify this key's signatures with.
    pub(crate) fn decoding_key(&self) -> &jsonwebtoken::DecodingKey {
        &self.decoding
    }
}

/// RFC 7638 thumbprint of an RSA JWK: base64url(SHA-256(`{"e":…,"kty":"RSA","n":…}`)).
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// What one authorization server signs with at one moment.
#[derive(Clone, Debug)]
pub(crate) struct ServerKeys {
    /// Signs its ID tokens; the key its JWKS publishes.
    pub(crate) id: Arc<SigningKey>,
    /// Signs its access tokens: the same key on a custom server, one published nowhere on the
    /// org server.
    pub(crate) access: Arc<SigningKey>,
}

impl ServerKeys {
    /// A custom server's keys: one key signs everything.
    pub(crate) fn custom(key: Arc<SigningKey>) -> Self {
        Self {
            id: Arc::clone(&key),
            access: key,
        }
    }

    /// New keys for a server (two for the org server, made side by side), in memory only.
    pub(crate) fn generate(org_server: bool) -> io::Result<Self> {
        if !org_server {
            return Ok(Self::custom(Arc::new(SigningKey::generate()?.0)));
        }
        let (id, access) = std::thread::scope(|s| {
            let access = s.spawn(SigningKey::generate);
            let id = SigningKey::generate();
            let access = access
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("key thread failed")));
            (id, access)
        });
        Ok(Self {
            id: Arc::new(id?.0),
            access: Arc::new(access?.0),
        })
    }
}

/// Every key a fake org starts with: each server's, by Okta id, and the unpublished one.
#[derive(Clone, Debug)]
pub(crate) struct KeySet {
    /// By server id (`org`, `default`, …).
    pub(crate) servers: BTreeMap<String, ServerKeys>,
    /// A key no server publishes: it signs tokens that must fail verification although they
    /// name a real `kid` (a wrong signature), and minted tokens of a server the org lacks.
    pub(crate) unpublished: Arc<SigningKey>,
}

/// One server's keys over time: the current ones sign; after a rotation of that server the
/// previous ones are still published and still verify, until its next rotation drops them.
#[derive(Debug)]
pub(crate) struct Generations {
    pub(crate) current: ServerKeys,
    pub(crate) retired: Option<ServerKeys>,
}

impl Generations {
    fn all(&self) -> impl Iterator<Item = &ServerKeys> {
        std::iter::once(&self.current).chain(&self.retired)
    }

    /// The keys that may have signed one of the server's access tokens, current first.
    pub(crate) fn access_verifiers(&self) -> Vec<&SigningKey> {
        self.all().map(|k| k.access.as_ref()).collect()
    }

    /// The keys that may have signed one of the server's ID tokens, current first; also its
    /// JWKS members (the org server publishes no access-token key).
    pub(crate) fn id_verifiers(&self) -> Vec<&SigningKey> {
        self.all().map(|k| k.id.as_ref()).collect()
    }
}

/// The rotating keys of one fake org, per server. Reading is one uncontended `RwLock` read
/// and an `Arc` clone.
pub(crate) struct KeyRing {
    servers: BTreeMap<String, RwLock<Arc<Generations>>>,
    unpublished: Arc<SigningKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for id in self.servers.keys() {
            if let Some(keys) = self.get(id) {
                map.entry(id, &keys.current.id.kid());
            }
        }
        map.finish()
    }
}

impl KeyRing {
    pub(crate) fn new(keys: KeySet) -> Self {
        Self {
            servers: keys
                .servers
                .into_iter()
                .map(|(id, current)| {
                    let generations = Generations {
                        current,
                        retired: None,
                    };
                    (id, RwLock::new(Arc::new(generations)))
                })
                .collect(),
            unpublished: keys.unpublished,
        }
    }

    /// Server `id`'s keys as they are now; `None` for a server the org does not have.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Generations>> {
        let keys = self.servers.get(id)?;
        Some(Arc::clone(
            &keys.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }

    /// What server `id` signs with now; for a server the org does not have, the unpublished
    /// key, so that such a token verifies nowhere.
    pub(crate) fn signing(&self, id: &str) -> ServerKeys {
        match self.get(id) {
            Some(keys) => keys.current.clone(),
            None => ServerKeys::custom(Arc::clone(&self.unpublished)),
        }
    }

    /// The key no server publishes.
    pub(crate) fn unpublished(&self) -> &SigningKey {
        &self.unpublished
    }

    /// Makes `next` server `id`'s signing keys; its current ones are retired and its retired
    /// ones dropped. Other servers keep theirs. `None` for a server the org does not have.
    pub(crate) fn rotate(&self, id: &str, next: ServerKeys) -> Option<Arc<Generations>> {
        let mut keys = self
            .servers
            .get(id)?
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let rotated = Arc::new(Generations {
            current: next,
            retired: Some(keys.current.clone()),
        });
        *keys = Arc::clone(&rotated);
        Some(rotated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::test_support;

    fn kids(keys: &[&SigningKey]) -> Vec<String> {
        keys.iter().map(|k| k.kid().to_owned()).collect()
    }

    #[test]
    fn kid_is_a_43_char_thumbprint() {
        let (key, _) = SigningKey::generate().unwrap();
        assert_eq!(key.kid().len(), 43);
        assert_eq!(key.e, "AQAB");
        // RSA-2048: 256 bytes of modulus, 342 base64url characters.
        assert_eq!(key.n.len(), 342);
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn sign_then_verify() {
        let (key, _) = SigningKey::generate().unwrap();
        let sig = key.sign(b"header.payload");
        assert_eq!(sig.len(), 256);
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            key.pair.public_key().as_ref(),
        );
        assert!(public.verify(b"header.payload", &sig).is_ok());
        assert!(public.verify(b"header.payloaX", &sig).is_err());
    }

    #[test]
    fn each_server_has_its_own_keys_and_the_org_access_key_is_nobodys() {
        let st = test_support::state("servers:\n  orders: { audience: api://orders }\n");
        let org = st.keys.get("org").unwrap();
        let default = st.keys.get("default").unwrap();
        let orders = st.keys.get("orders").unwrap();
        assert!(st.keys.get("nope").is_none());
        let org_access = org.current.access.kid().to_owned();
        let mut seen = vec![
            org.current.id.kid().to_owned(),
            org_access.clone(),
            default.current.id.kid().to_owned(),
            orders.current.id.kid().to_owned(),
            st.keys.unpublished().kid().to_owned(),
        ];
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5, "five distinct keys");
        for keys in [&default, &orders] {
            assert_eq!(keys.current.id.kid(), keys.current.access.kid());
        }
        for keys in [&org, &default, &orders] {
            assert!(!kids(&keys.id_verifiers()).contains(&org_access));
        }
        assert_eq!(kids(&org.access_verifiers()), [org_access]);
        assert_eq!(
            st.keys.signing("nope").access.kid(),
            st.keys.unpublished().kid()
        );
    }

    #[test]
    fn rotation_is_per_server_and_keeps_one_retired_generation() {
        let st = test_support::state("");
        let ring = &st.keys;
        let first = ring.get("default").unwrap().current.clone();
        let org_before = ring.get("org").unwrap().current.clone();
        let second = ServerKeys::generate(false).unwrap();
        let rotated = ring.rotate("default", second.clone()).unwrap();
        assert_eq!(
            kids(&rotated.id_verifiers()),
            [second.id.kid(), first.id.kid()]
        );
        assert_eq!(
            kids(&ring.get("default").unwrap().access_verifiers()).len(),
            2
        );
        let org = ring.get("org").unwrap();
        assert_eq!(org.current.id.kid(), org_before.id.kid(), "org unchanged");
        assert!(org.retired.is_none());
        let third = ServerKeys::generate(false).unwrap();
        ring.rotate("default", third.clone()).unwrap();
        assert_eq!(
            kids(&ring.get("default").unwrap().id_verifiers()),
            [third.id.kid(), second.id.kid()]
        );
        assert!(ring.rotate("nope", third).is_none());
        let org_next = ServerKeys::generate(true).unwrap();
        assert_ne!(org_next.id.kid(), org_next.access.kid());
        let org = ring.rotate("org", org_next.clone()).unwrap();
        assert_eq!(
            kids(&org.access_verifiers()),
            [org_next.access.kid(), org_before.access.kid()]
        );
        assert_eq!(
            kids(&org.id_verifiers()),
            [org_next.id.kid(), org_before.id.kid()]
        );
    }
}
