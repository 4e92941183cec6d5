//! `cache.signing_key`: a value in Redis carries an HMAC-SHA256 of its key and body, so a job
//! that can write to the shared Redis but does not know the key cannot plant tokens.
//!
//! A signed value is `mac1:{base64url of the MAC}\n{body}`; an unsigned one is the body alone.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::Secret;

const PREFIX: &[u8] = b"mac1:";

/// What a stored value's signature says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Checked<'a> {
    /// Signed with our key, or unsigned when we have none: the body.
    Good(&'a [u8]),
    /// Unsigned, or signed with another key, while we have one.
    Bad,
}

/// `body` as stored under `key`: signed when there is a signing key.
pub(crate) fn seal(signing_key: Option<&Secret>, key: &str, body: &[u8]) -> Vec<u8> {
    let Some(mac) = signing_key.and_then(|k| mac(k, key, body)) else {
        return body.to_vec();
    };
    let mut out = PREFIX.to_vec();
    out.extend_from_slice(
        URL_SAFE_NO_PAD
            .encode(mac.finalize().into_bytes())
            .as_bytes(),
    );
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// The body of `value` stored under `key`, if its signature is good (or, without a signing
/// key, whatever it says).
pub(crate) fn open<'a>(signing_key: Option<&Secret>, key: &str, value: &'a [u8]) -> Checked<'a> {
    let split = value
        .strip_prefix(PREFIX)
        .and_then(|rest| {
            rest.iter()
                .position(|b| *b == b'\n')
                .map(|at| rest.split_at(at))
        })
        .map(|(tag, body)| (tag, &body[1..]));
    match (signing_key, split) {
        (None, Some((_, body))) => Checked::Good(body),
        (None, None) => Checked::Good(value),
        (Some(_), None) => Checked::Bad,
        (Some(k), Some((tag, body))) => {
            let good = URL_SAFE_NO_PAD
                .decode(tag)
                .ok()
                .zip(mac(k, key, body))
                .is_some_and(|(tag, mac)| mac.verify_slice(&tag).is_ok());
            if good {
                Checked::Good(body)
            } else {
                Checked::Bad
            }
        }
    }
}

/// HMAC-SHA256 under `signing_key` of the Redis key and the body (HMAC takes keys of any
/// length: never `None`).
fn mac(signing_key: &Secret, key: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac =
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(signing_key.expose().as_bytes()).ok()?;
    mac.update(&(key.len() as u64).to_le_bytes());
    mac.update(key.as_bytes());
    mac.update(body);
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_values_open_only_with_the_key_and_under_their_redis_key() {
        let k = Secret::from("signing-SECRET");
        let sealed = seal(Some(&k), "ns:entry:ab", b"{\"x\":1}");
        assert!(sealed.starts_with(PREFIX));
        assert_eq!(
            open(Some(&k), "ns:entry:ab", &sealed),
            Checked::Good(&b"{\"x\":1}"[..])
        );
        assert_eq!(
            open(Some(&k), "ns:entry:cd", &sealed),
            Checked::Bad,
            "moved"
        );
        assert_eq!(
            open(Some(&Secret::from("other")), "ns:entry:ab", &sealed),
            Checked::Bad
        );
        assert_eq!(
            open(Some(&k), "ns:entry:ab", b"{\"x\":1}"),
            Checked::Bad,
            "unsigned"
        );
        let mut forged = sealed.clone();
        *forged.last_mut().unwrap() = b'2';
        assert_eq!(open(Some(&k), "ns:entry:ab", &forged), Checked::Bad);
        assert_eq!(
            open(Some(&k), "ns:entry:ab", b"mac1:no newline"),
            Checked::Bad
        );
        // Without a key, the body is read either way.
        assert_eq!(
            open(None, "ns:entry:ab", &sealed),
            Checked::Good(&b"{\"x\":1}"[..])
        );
        assert_eq!(seal(None, "ns:entry:ab", b"b"), b"b");
    }
}
