//! RFC 6238 one-time codes as Okta Verify and Google Authenticator compute them (HMAC-SHA-1,
//! 6 digits, 30 s steps from the Unix epoch): the client answers `MFA_REQUIRED` with one, and
//! the fake checks them. Computed by totp-rs; this module only fixes Okta's parameters.
//!
//! Okta's `token:software:totp` factors use these parameters:
//! <https://developer.okta.com/docs/reference/api/factors/#enroll-okta-verify-totp-factor>
//! (an 80-bit `sharedSecret`, 16 base32 characters; 6-digit `passCode`s).

use okta_fixtures_config::Secret;
use totp_rs::{Algorithm, TOTP};

/// Seconds per step (RFC 6238 §4.1 `X`, Okta's and every authenticator app's value).
pub(crate) const STEP_SECONDS: u64 = 30;

/// Digits of a code.
const DIGITS: usize = 6;

/// The step `unix_time` falls in: `floor(T / 30)` (RFC 6238 §4.2).
#[cfg(any(test, feature = "fake"))]
pub(crate) fn step(unix_time: u64) -> u64 {
    unix_time / STEP_SECONDS
}

/// The first second of `step`.
pub(crate) fn step_start(step: u64) -> u64 {
    step.saturating_mul(STEP_SECONDS)
}

/// The code of the step `unix_time` falls in, for the base32 `secret` (as
/// [`okta_fixtures_config::User::totp`] holds it: uppercase, unpadded). `None` when the secret
/// is not base32, which the config loader already refuses.
pub(crate) fn code(secret: &Secret, unix_time: u64) -> Option<Secret> {
    let totp = generator(secret)?;
    Some(Secret::new(totp.generate(unix_time)))
}

/// The step within `window` steps of `unix_time`'s whose code is `code` (RFC 6238 §5.2: a
/// verifier accepts codes of the steps next to its own, for clock drift and network delay),
/// the oldest first. `None` when none matches or the secret is not base32.
#[cfg(any(test, feature = "fake"))]
pub(crate) fn matching_step(
    secret: &Secret,
    code: &str,
    unix_time: u64,
    window: u64,
) -> Option<u64> {
    let totp = generator(secret)?;
    let now = step(unix_time);
    (now.saturating_sub(window)..=now.saturating_add(window))
        // A plain comparison: only the fake checks codes, on this machine, for tests.
        .find(|s| totp.generate(step_start(*s)) == code)
}

/// Okta's generator for `secret`. The unchecked constructor: the checked one refuses secrets
/// under 128 bits, and Okta's own are 80.
fn generator(secret: &Secret) -> Option<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.expose().to_owned())
        .to_bytes()
        .ok()
        .filter(|b| !b.is_empty())?;
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        // The skew of totp-rs's own `check`, which `matching_step` replaces (it must say which
        // step matched, and `check` underflows in the first step after the epoch).
        0,
        STEP_SECONDS,
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 key, the ASCII of "12345678901234567890", in base32.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /// RFC 6238 Appendix B, SHA-1 rows: time and 8-digit code.
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn the_crate_gives_rfc_6238s_eight_digit_sha1_codes() {
        let bytes = b"12345678901234567890".to_vec();
        let eight = TOTP::new_unchecked(Algorithm::SHA1, 8, 0, 30, bytes);
        for (time, expected) in RFC_VECTORS {
            assert_eq!(eight.generate(time), expected, "T = {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_digits_of_rfc_6238s() {
        // RFC 4226 §5.3: the code is the truncated value modulo 10^digits, so the 6-digit code
        // is the 8-digit one's last six digits, leading zeros kept.
        let secret = Secret::new(RFC_KEY);
        for (time, expected) in RFC_VECTORS {
            let code = code(&secret, time).unwrap();
            assert_eq!(code.expose(), &expected[2..], "T = {time}");
        }
    }

    #[test]
    fn an_okta_80_bit_secret_gives_six_digits() {
        let secret = Secret::new("JBSWY3DPEHPK3PXP");
        let code = code(&secret, 1_700_000_000).unwrap();
        assert_eq!(code.expose().len(), 6);
        assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn a_secret_that_is_not_base32_gives_no_code() {
        assert!(code(&Secret::new("not base32!"), 59).is_none());
        assert!(code(&Secret::new(""), 59).is_none());
    }

    #[test]
    fn steps_are_thirty_seconds_from_the_epoch() {
        assert_eq!(step(0), 0);
        assert_eq!(step(29), 0);
        assert_eq!(step(30), 1);
        assert_eq!(step(1_111_111_109), 37_037_036);
        assert_eq!(step_start(37_037_036), 1_111_111_080);
    }

    #[test]
    fn the_window_accepts_the_steps_next_to_now_and_no_further() {
        let secret = Secret::new(RFC_KEY);
        let now: u64 = 1_111_111_111;
        let at = |offset: i64| {
            let t = now.checked_add_signed(offset * 30).unwrap();
            code(&secret, t).unwrap()
        };
        for offset in [-1, 0, 1] {
            let got = matching_step(&secret, at(offset).expose(), now, 1);
            assert_eq!(
                got,
                Some(step(now).checked_add_signed(offset).unwrap()),
                "{offset}"
            );
        }
        for offset in [-2, 2] {
            assert_eq!(
                matching_step(&secret, at(offset).expose(), now, 1),
                None,
                "{offset}"
            );
        }
        assert_eq!(matching_step(&secret, "000000", now, 1), None);
        // The first steps after the epoch have no step before them; nothing underflows.
        assert_eq!(matching_step(&secret, "287082", 10, 1), Some(1));
    }
}
