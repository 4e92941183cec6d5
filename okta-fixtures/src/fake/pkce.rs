//! PKCE (RFC 7636): the challenges `/authorize` accepts and the check `/token` makes of the
//! verifier, with Okta's messages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::error::{self, OAuthError};

/// PKCE challenges are base64url (RFC 7636 unreserved characters).
pub(crate) fn challenge_is_valid(challenge: &str) -> bool {
    challenge
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 S256 verification with Okta's messages.
pub(crate) fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(error::PKCE_NO_CHALLENGE),
        (Some(_), None) => Err(error::PKCE_VERIFIER_REQUIRED),
        (Some(challenge), Some(verifier)) => {
            if !(43..=128).contains(&verifier.len()) {
                return Err(error::PKCE_VERIFIER_LENGTH);
            }
            let unreserved = verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if unreserved && computed == challenge {
                Ok(())
            } else {
                Err(error::PKCE_FAILED)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_characters() {
        assert!(challenge_is_valid(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!challenge_is_valid(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM="
        ));
    }

    #[test]
    fn pkce_rfc7636_and_okta_vectors() {
        assert_eq!(
            verify(
                Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
                Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                Some("qjrzSW9gMiUgpUvqgEPE4_-8swvyCtfOVvg55o5S_es"),
                Some("M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag")
            ),
            Ok(())
        );
    }

    #[test]
    fn pkce_failures_use_okta_messages() {
        let c = Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(verify(None, None), Ok(()));
        assert_eq!(verify(None, Some("x")), Err(error::PKCE_NO_CHALLENGE));
        assert_eq!(verify(c, None), Err(error::PKCE_VERIFIER_REQUIRED));
        assert_eq!(
            verify(c, Some(&"a".repeat(42))),
            Err(error::PKCE_VERIFIER_LENGTH)
        );
        assert_eq!(
            verify(c, Some(&"a".repeat(129))),
            Err(error::PKCE_VERIFIER_LENGTH)
        );
        assert_eq!(verify(c, Some(&"a".repeat(43))), Err(error::PKCE_FAILED));
        let bad_chars = format!("{}!", "a".repeat(43));
        assert_eq!(verify(c, Some(&bad_chars)), Err(error::PKCE_FAILED));
    }

    #[test]
    fn pkce_accepts_only_the_matching_verifier() {
        use rand::Rng as _;
        use rand::seq::IndexedRandom as _;

        use crate::fake::test_support::{hostile_text, rng};

        const UNRESERVED: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        for seed in 0..2000u64 {
            let mut rng = rng(seed);
            let len = rng.random_range(43..=128);
            let verifier: String = (0..len)
                .map(|_| *UNRESERVED.choose(&mut rng).unwrap() as char)
                .collect();
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            assert!(challenge_is_valid(&challenge), "seed {seed}");
            assert_eq!(
                verify(Some(&challenge), Some(&verifier)),
                Ok(()),
                "seed {seed}"
            );
            // One character changed: refused, never accepted.
            let mut other = verifier.clone().into_bytes();
            let at = rng.random_range(0..other.len());
            other[at] = if other[at] == b'A' { b'B' } else { b'A' };
            let other = String::from_utf8(other).unwrap();
            assert_eq!(
                verify(Some(&challenge), Some(&other)),
                Err(error::PKCE_FAILED),
                "seed {seed}"
            );
            // Hostile verifiers and challenges: an Okta refusal, never a panic or an acceptance.
            let junk = hostile_text(&mut rng, 8);
            let junk_challenge = hostile_text(&mut rng, 4);
            let _ = challenge_is_valid(&junk_challenge);
            let verdict = verify(Some(&challenge), Some(&junk));
            if junk != verifier {
                assert!(verdict.is_err(), "seed {seed}: {junk:.100}");
            }
            if let Err(e) = verify(Some(&junk_challenge), Some(&junk)) {
                assert!(
                    [error::PKCE_FAILED, error::PKCE_VERIFIER_LENGTH].contains(&e),
                    "seed {seed}: {e:?}"
                );
            }
        }
    }
}
