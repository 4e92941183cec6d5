//! A user's TOTP secret (`users.<user>.totp`) and a fake user's enrolled factors
//! (`fake.users.<user>.mfa`); each mistake there located, named, and never quoting the secret.

use super::*;

/// One app and two users; carol's `totp` comes from the environment (line 6).
const ORG: &str = "\
apps:
  spa: {client_id: a, redirect_uri: http://a/cb, flow: code}
users:
  alice: {username: alice@example.com, password: p}
  carol:
    totp: ${OKTA_CAROL_TOTP:-JBSWY3DPEHPK3PXP}
    username: carol@example.com
    password: p
";

/// [`ORG`] followed by a `fake:` section whose users are `users` (line 11 on).
fn with_fake(users: &str) -> String {
    format!("{ORG}fake:\n  users:\n{users}")
}

/// Asserts that neither the error's message nor its Debug holds `secret`.
#[track_caller]
fn assert_hides(e: &Error, secret: &str) {
    assert!(!e.to_string().contains(secret), "{e}");
    assert!(!format!("{e:?}").contains(secret), "{e:?}");
}

#[test]
fn a_totp_secret_is_normalised_and_redacted() {
    let c = parse_env(ORG, &[("OKTA_CAROL_TOTP", " jbsw y3dp\tehpk3pxp==\n")]).unwrap();
    let carol = c.user("carol").unwrap();
    assert_eq!(carol.totp.as_ref().unwrap().expose(), "JBSWY3DPEHPK3PXP");
    assert!(!format!("{carol:?}").contains("JBSW"), "{carol:?}");
    assert!(
        format!("{carol:?}").contains("totp: Some([REDACTED])"),
        "{carol:?}"
    );
    assert!(!format!("{c:?}").contains("JBSW"));
    assert_eq!(c.user("alice").unwrap().totp, None);
}

#[test]
fn the_default_applies_without_the_variable() {
    let c = parse(ORG).unwrap();
    let totp = c.user("carol").unwrap().totp.clone().unwrap();
    assert_eq!(totp.expose(), "JBSWY3DPEHPK3PXP");
}

#[rstest]
#[case::okta_80_bit("JBSWY3DPEHPK3PXP")]
#[case::rfc_6238_key("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")]
#[case::one_byte("ME")]
#[case::padded("MZXW6===")]
fn any_non_empty_base32_is_a_secret(#[case] value: &str) {
    let c = parse_env(ORG, &[("OKTA_CAROL_TOTP", value)]).unwrap();
    let want = value.trim_end_matches('=');
    assert_eq!(
        c.user("carol").unwrap().totp.as_ref().unwrap().expose(),
        want
    );
}

/// [`ORG`] with carol's `totp` `${OKTA_CAROL_TOTP:-}`: empty unless the variable says.
fn no_default() -> String {
    ORG.replace(":-JBSWY3DPEHPK3PXP}", ":-}")
}

#[test]
fn an_unset_variable_without_a_default_is_none() {
    let c = parse(&no_default()).unwrap();
    assert_eq!(c.user("carol").unwrap().totp, None);
}

#[rstest]
#[case::empty("")]
#[case::blank("  ")]
#[case::padding_only("====")]
fn an_empty_secret_is_none(#[case] value: &str) {
    let c = parse_env(&no_default(), &[("OKTA_CAROL_TOTP", value)]).unwrap();
    assert_eq!(c.user("carol").unwrap().totp, None);
}

#[rstest]
#[case::digits_outside_the_alphabet("JBSWY3DPEHPK3PX1")]
#[case::punctuation("JBSWY3DP-EHPK3PXP")]
#[case::not_ascii("JBSWY3DPEHPK3PXÉ")]
#[case::interior_padding("JBSW=Y3DP")]
#[case::a_dangling_character("JBSWY3DPE")]
#[case::a_single_character("J")]
fn a_secret_that_is_not_base32_is_an_error_at_its_line(#[case] value: &str) {
    let e = parse_env(ORG, &[("OKTA_CAROL_TOTP", value)]).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert_at(&e, "users.carol.totp", (6, 11));
    assert!(e.to_string().contains("base32"), "{e}");
    assert_hides(&e, value);
}

#[test]
fn factors_keep_the_order_of_the_file() {
    let c = parse(&with_fake(
        "    carol: {mfa: [push, totp, google_totp, sms, webauthn]}\n",
    ))
    .unwrap();
    assert_eq!(
        c.fake.users["carol"].mfa,
        [
            MfaFactor::Push,
            MfaFactor::Totp,
            MfaFactor::GoogleTotp,
            MfaFactor::Sms,
            MfaFactor::Webauthn
        ]
    );
    assert_eq!(c.fake.users.get("alice").map(|u| u.mfa.len()), None);
    let totp = MfaFactor::Totp;
    assert_eq!(
        (totp.factor_type(), totp.provider()),
        ("token:software:totp", "OKTA")
    );
    let google = MfaFactor::GoogleTotp;
    assert_eq!(
        (google.factor_type(), google.provider()),
        ("token:software:totp", "GOOGLE")
    );
    assert!(google.is_totp() && !MfaFactor::Push.is_totp());
    assert_eq!(MfaFactor::Webauthn.name(), "webauthn");
}

#[test]
fn factors_without_a_code_need_no_secret() {
    let c = parse(&with_fake(
        "    alice: {mfa: [push, sms, webauthn]}\n    carol: {mfa: []}\n",
    ))
    .unwrap();
    assert_eq!(c.fake.users["alice"].mfa.len(), 3);
    assert!(c.fake.users["carol"].mfa.is_empty());
}

#[test]
fn mfa_beside_a_forced_status_is_an_error_at_the_status() {
    let e = err(&with_fake(
        "    carol:\n      mfa: [totp]\n      status: SUCCESS\n",
    ));
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_at(&e, "fake.users.carol.status", (13, 7));
    assert!(e.to_string().contains("keep one of them"), "{e}");
}

#[test]
fn a_factor_listed_twice_is_an_error_at_the_second() {
    let e = err(&with_fake("    carol: {mfa: [totp, push, totp]}\n"));
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_at(&e, "fake.users.carol.mfa[2]", (11, 31));
    assert!(e.to_string().contains("`totp` is listed twice"), "{e}");
}

#[rstest]
#[case::okta("totp", (11, 25))]
#[case::google("google_totp", (11, 25))]
fn a_totp_factor_without_a_secret_is_an_error(#[case] factor: &str, #[case] at: (usize, usize)) {
    let e = err(&with_fake(&format!(
        "    alice: {{mfa: [push, {factor}]}}\n"
    )));
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    assert_at(&e, "fake.users.alice.mfa[1]", at);
    let message = e.to_string();
    assert!(message.contains("needs `users.alice.totp`"), "{e}");
    assert!(
        message.contains("the fake checks codes with the user's `totp` secret"),
        "{e}"
    );
}

#[test]
fn a_secret_empty_in_the_environment_counts_as_absent_for_the_fake() {
    let yaml = format!(
        "{}fake:\n  users:\n    carol: {{mfa: [totp]}}\n",
        no_default()
    );
    let e = parse(&yaml).unwrap_err();
    assert_at(&e, "fake.users.carol.mfa[0]", (11, 19));
}

#[test]
fn an_unknown_factor_says_what_it_may_be() {
    let e = err(&with_fake("    carol: {mfa: [totp, pushh]}\n"));
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert_at(&e, "fake.users.carol.mfa[1]", (11, 25));
    let message = e.to_string();
    assert!(
        message.contains("expected one of: totp, google_totp, push, sms, webauthn"),
        "{e}"
    );
    assert!(message.contains("did you mean `push`?"), "{e}");
}

#[test]
fn an_error_elsewhere_never_shows_the_secret() {
    // A user error after the secret was read: the message names keys, not the secret.
    let yaml = with_fake("    carol: {mfa: [totp], lockout_after: 0}\n");
    let secret = "MFRGGZDFMZTWQ2LK";
    let e = parse_env(&yaml, &[("OKTA_CAROL_TOTP", secret)]).unwrap_err();
    assert_hides(&e, secret);
}
