//! Okta-shaped identifiers: random tokens and ids derived from names (section 0.2 of the wire
//! reference).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` random base64url characters.
pub(crate) fn random_b64url(len: usize) -> String {
    let mut bytes = vec![0u8; len.div_ceil(4) * 3];
    rand::rng().fill_bytes(&mut bytes);
    let mut s = URL_SAFE_NO_PAD.encode(bytes);
    s.truncate(len);
    s
}

/// `len` random alphanumeric characters.
pub(crate) fn random_base62(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| {
            // Rejection sampling keeps the alphabet uniform.
            loop {
                let b = (rng.next_u32() & 0xff) as u8;
                if b < 248 {
                    return BASE62[usize::from(b % 62)] as char;
                }
            }
        })
        .collect()
}

/// `20111` + 50 base64url characters: a modern Okta sessionToken.
pub(crate) fn session_token() -> String {
    format!("20111{}", random_b64url(50))
}

/// `00` + 40 base64url characters: a Classic authn stateToken.
pub(crate) fn state_token() -> String {
    format!("00{}", random_b64url(40))
}

/// 43 base64url characters: an authorization code or refresh token.
pub(crate) fn opaque_token() -> String {
    random_b64url(43)
}

/// `AT.`/`ID.` + 43 base64url characters: a token's `jti`.
pub(crate) fn jti(prefix: &str) -> String {
    format!("{prefix}.{}", random_b64url(43))
}

/// `req` + 22 alphanumerics: an `x-okta-request-id`.
pub(crate) fn request_id() -> String {
    format!("req{}", random_base62(22))
}

/// `oae` + 22 alphanumerics: an error body's `errorId`.
pub(crate) fn error_id() -> String {
    format!("oae{}", random_base62(22))
}

/// `102` + 22 alphanumerics: a Classic `sid` session cookie.
pub(crate) fn session_id() -> String {
    format!("102{}", random_base62(22))
}

/// A stable 20-character Okta id: `prefix` (3 chars, e.g. `00u`) + 17 base62 characters derived
/// from `seed`, so the same user gets the same id in every process.
pub(crate) fn stable_id(prefix: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut id = String::with_capacity(20);
    id.push_str(prefix);
    id.extend(
        digest
            .iter()
            .take(17)
            .map(|b| BASE62[usize::from(*b) % 62] as char),
    );
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_okta() {
        let st = session_token();
        assert_eq!(st.len(), 55);
        assert!(st.starts_with("20111"));
        assert!(
            st.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(state_token().len(), 42);
        assert_eq!(opaque_token().len(), 43);
        assert_eq!(jti("AT").len(), 46);
        assert_eq!(request_id().len(), 25);
        assert_eq!(error_id().len(), 25);
        assert!(
            random_base62(100)
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        );
        assert_ne!(opaque_token(), opaque_token());
    }

    #[test]
    fn stable_ids_are_stable_and_distinct() {
        let a = stable_id("00u", "user:alice@example.com");
        assert_eq!(a, stable_id("00u", "user:alice@example.com"));
        assert_ne!(a, stable_id("00u", "user:bob@example.com"));
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("00u"));
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
