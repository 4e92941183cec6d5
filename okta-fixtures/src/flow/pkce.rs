//! The random values of one flow: PKCE verifier and challenge, `state`, `nonce`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::Secret;

/// A PKCE pair (RFC 7636, method `S256`).
pub(crate) struct Pkce {
    /// Sent to `/token`; 64 characters of base64url, inside Okta's 43..=128.
    pub(crate) verifier: Secret,
    /// Sent to `/authorize`: base64url-nopad(SHA-256(verifier)).
    pub(crate) challenge: String,
}

impl Pkce {
    pub(crate) fn new() -> Self {
        // 48 random bytes encode to exactly 64 base64url characters.
        let verifier = random_base64url::<48>();
        let challenge = challenge(&verifier);
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

/// The S256 code challenge of a verifier.
pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random `state`: 32 characters from `[A-Za-z0-9_-]`, which Okta accepts unescaped.
pub(crate) fn state() -> String {
    random_base64url::<24>()
}

/// A random `nonce`, 32 characters like [`state`].
pub(crate) fn nonce() -> String {
    random_base64url::<24>()
}

fn random_base64url<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn okta_docs_vector() {
        assert_eq!(
            challenge("M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"),
            "qjrzSW9gMiUgpUvqgEPE4_-8swvyCtfOVvg55o5S_es"
        );
    }

    #[test]
    fn verifier_fits_okta_and_matches_its_challenge() {
        let p = Pkce::new();
        let v = p.verifier.expose();
        assert_eq!(v.len(), 64);
        assert!((43..=128).contains(&v.len()));
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(p.challenge, challenge(v));
        assert_eq!(p.challenge.len(), 43);
        assert_ne!(Pkce::new().verifier.expose(), v);
    }

    #[test]
    fn state_and_nonce_are_random_and_safe() {
        let (a, b) = (state(), state());
        assert_ne!(a, b);
        assert_ne!(nonce(), nonce());
        for s in [a, b, nonce()] {
            assert_eq!(s.len(), 32);
            assert!(
                s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            );
        }
    }
}
