//! What to do about each error: the hints its message ends with, by Okta status, OAuth error
//! and page. They quote no value of fixtures.yaml.

use std::time::Duration;

use super::AuthorizePage;

/// The OAuth `error_description` in parentheses, when there is one.
pub(super) fn quoted(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" (\"{d}\")"),
        _ => String::new(),
    }
}

/// What to do about an `/api/v1/authn` status other than `SUCCESS`.
pub(super) fn authn(status: &str) -> &'static str {
    match status {
        "MFA_REQUIRED" | "MFA_CHALLENGE" => {
            "the user must verify a second factor, and this technique answers only a TOTP \
             factor (Okta Verify's code or Google Authenticator) whose secret is in \
             fixtures.yaml (`users.<user>.totp`); enrol one for the test user, or exempt the \
             test user from MFA in the global session policy (Classic: Okta sign-on policy), \
             e.g. with a password-only rule for a test-users group"
        }
        "MFA_ENROLL" => {
            "the user must enroll a factor and the policy offers no skip; make every \
             authenticator optional for the test user in the authenticator enrollment policy \
             (Classic: MFA enrollment policy)"
        }
        "MFA_ENROLL_ACTIVATE" => {
            "a factor enrollment awaits activation; reset the user's factors in Okta (Reset \
             Multifactor) and make enrollment optional for the test user"
        }
        "LOCKED_OUT" => {
            "the user is locked out; unlock the user in Okta, and check the password in \
             fixtures.yaml (wrong passwords lock the user again)"
        }
        "PASSWORD_EXPIRED" => {
            "the user's password has expired; reset it in Okta and put the new one in \
             fixtures.yaml, or exempt the user from password expiry in the password policy"
        }
        "PASSWORD_RESET" => {
            "the user must choose a new password; set one in Okta as an administrator and put it \
             in fixtures.yaml"
        }
        "PASSWORD_WARN" => {
            "the password is about to expire and Okta offered no skip; reset it in Okta and put \
             the new one in fixtures.yaml"
        }
        "RECOVERY" | "RECOVERY_CHALLENGE" => {
            "a password recovery is in progress for the user; finish or cancel it in Okta"
        }
        _ => {
            "this technique needs status SUCCESS with a password alone; check the user's sign-on \
             and enrollment policies in Okta"
        }
    }
}

/// What to enrol or configure when Okta asks `user` for a second factor this technique cannot
/// answer: `has_secret` when fixtures.yaml has the user's TOTP secret (so Okta offered no TOTP
/// factor).
pub(super) fn mfa(user: &str, has_secret: bool) -> String {
    let env = totp_env(user);
    if has_secret {
        format!(
            "none is a TOTP factor (`token:software:totp`), the only kind this technique answers: \
             enrol the test user in Okta Verify or Google Authenticator (a TOTP factor) and put \
             its base32 secret in users.{user}.totp (e.g. `totp: ${{{env}}}`), or exempt the \
             test user from MFA in the global session policy"
        )
    } else {
        format!(
            "users.{user} has no `totp` secret in fixtures.yaml: enrol a TOTP factor (Okta Verify \
             or Google Authenticator) for the test user if it has none, and add `totp: \
             ${{{env}}}` to users.{user} with {env} set to the factor's base32 secret (see the \
             README, \"Test users with MFA\"), or exempt the test user from MFA in the global \
             session policy"
        )
    }
}

/// What to check when Okta refuses `user`'s TOTP code; quotes no secret.
pub(super) fn totp_secret(user: &str) -> String {
    format!(
        "check users.{user}.totp in fixtures.yaml (or the environment variable it reads, e.g. \
         {}): it must be the base32 secret of the factor Okta asked for; and check this \
         machine's clock (codes follow Okta's `Date` header, but a wrong secret and a far-off \
         clock look alike to Okta)",
        totp_env(user)
    )
}

/// The environment variable the README suggests for `user`'s TOTP secret: `OKTA_CAROL_TOTP`.
fn totp_env(user: &str) -> String {
    let name: String = user
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("OKTA_{name}_TOTP")
}

/// `login_required` from an app whose sign-on policy asks for more than a password (Okta's
/// `app_sign_on_required`).
const SIGN_ON: &str = "the app's sign-on policy asks this user for a second factor, which a \
     sessionToken from a password alone cannot give: in the Admin Console open Applications > \
     Applications > the app > Sign On (Identity Engine: the app's authentication policy, \
     Security > Authentication Policies) and add a rule above the others that lets the test \
     users in with a password alone, e.g. for a group of test users";

/// `access_denied` "Policy evaluation failed…": no rule of the server's access policies
/// covers the request.
const ACCESS_POLICY: &str = "no access policy of the authorization server covers this \
     request: in the Admin Console open Security > API > Authorization Servers > the server > \
     Access Policies, and give a policy assigned to this app (or to All clients) a rule whose \
     grant type (Authorization Code, Implicit, Client Credentials), users (or a group of \
     theirs) and scopes cover it";

/// `consent_required`: the app asks users to consent, which no one can do here.
const CONSENT: &str = "the app requires user consent, which a sign-in without a browser \
     cannot give: in the Admin Console open Applications > Applications > the app > General \
     and clear User Consent > Require consent (consent_method TRUSTED in the Apps API), or set \
     User consent to Implicit on the scopes named (Security > API > Authorization Servers > \
     the server > Scopes)";

/// `invalid_scope`: a scope the server does not define.
const INVALID_SCOPE: &str = "a scope asked for is not defined on the authorization server: \
     fix `scopes` in fixtures.yaml (or the test) to ask only for scopes it defines, or define \
     the scope in the Admin Console (Security > API > Authorization Servers > the server > \
     Scopes) and list it in `servers.<name>.scopes`";

/// What to do about an OAuth error from `/authorize`.
pub(super) fn authorize(error: &str, description: Option<&str>) -> &'static str {
    let d = description.unwrap_or_default();
    match error {
        "login_required" if d.contains("MFA") || d.contains("re-authentication") => SIGN_ON,
        "login_required" => {
            "Okta did not accept the sessionToken (spent, expired, or refused by the app's \
             sign-on policy); if it persists, check that the app's policy allows a password-only \
             sign-in for this user"
        }
        "access_denied" if d.contains("not assigned") => {
            "assign the user (or a group of theirs, such as Everyone) to the app in Okta"
        }
        "access_denied" if d.contains("Policy evaluation") => ACCESS_POLICY,
        "access_denied" => "check the app's assignments and the authorization server's policies",
        "consent_required" => CONSENT,
        "invalid_scope" => INVALID_SCOPE,
        "unsupported_response_type" => {
            "the app does not allow this response type; enable the grant type in the app's \
             settings (Authorization Code, or Implicit with ID/access token) or change `flow` / \
             `response_type` in fixtures.yaml"
        }
        "unauthorized_client" => {
            "the app is not allowed this grant type; enable it in the app's settings in Okta"
        }
        "interaction_required" => {
            "the app uses the Identity Engine interaction code flow; turn Interaction Code off \
             in the app's grant types"
        }
        "invalid_client" => "check `client_id` of the app in fixtures.yaml",
        "invalid_request" if d.contains("PKCE") => {
            "the app requires PKCE: remove `pkce: false` from the app in fixtures.yaml, or turn \
             off 'Require PKCE' in the app's settings"
        }
        "invalid_request" => {
            "fix what the description names in fixtures.yaml or the app's settings"
        }
        "server_error" | "temporarily_unavailable" => "Okta failed; try again later",
        _ => "fix what the description names in fixtures.yaml or the app's settings",
    }
}

/// What to do about a redirect from `/authorize`.
pub(super) fn redirect(to_redirect_uri: bool) -> &'static str {
    if to_redirect_uri {
        "Okta ignored response_mode=form_post; check that the app allows it"
    } else {
        "Okta wants an interactive sign-in: the sessionToken was not accepted, usually because \
         the app's sign-on policy asks this user for a second factor; exempt the test user from \
         MFA for this app"
    }
}

/// What to do about an OAuth error from `/token`.
pub(super) fn token(error: &str, description: Option<&str>) -> &'static str {
    let d = description.unwrap_or_default();
    match error {
        "invalid_client" => {
            "check `client_id` and `client_secret` of the app in fixtures.yaml, and that \
             `token_endpoint_auth` matches the app's Client authentication in Okta \
             (client_secret_basic or client_secret_post; a public app has no secret)"
        }
        "invalid_grant" if d.contains("PKCE") => {
            "PKCE verification failed; if the app has no PKCE in Okta, set `pkce: false` on it \
             in fixtures.yaml"
        }
        "invalid_grant" => {
            "Okta rejected the code (it lives 300 s and is single use; check this machine's \
             clock and that nothing else redeems it)"
        }
        "invalid_request" if d.contains("PKCE") => {
            "the app requires PKCE: remove `pkce: false` from the app in fixtures.yaml"
        }
        "unauthorized_client" | "unsupported_grant_type" => {
            "enable the grant type (Authorization Code, Client Credentials, Refresh Token) in the \
             app's settings in Okta"
        }
        "invalid_scope" if d.contains("client credentials") => {
            "a client_credentials app may only ask for the server's custom scopes, never \
             openid, profile, email, address, phone or offline_access; fix its `scopes` in \
             fixtures.yaml"
        }
        "invalid_scope" => INVALID_SCOPE,
        "access_denied" if d.contains("Policy evaluation") => ACCESS_POLICY,
        "access_denied" => "check the app's assignments and the authorization server's policies",
        "consent_required" => CONSENT,
        // Okta's answer to a token request without a DPoP proof from an app that requires one
        // (developer.okta.com/docs/guides/dpop; "The DPoP proof JWT header is missing.", as
        // Okta's users report it). Integrator orgs turn it on for new API Services apps.
        "invalid_dpop_proof" | "use_dpop_nonce" => {
            "the app requires DPoP (proof-of-possession) tokens, which okta-fixtures does not \
             send: in the Admin Console open the app's General tab and clear \"Require \
             Demonstrating Proof of Possession (DPoP) header in token requests\" \
             (settings.oauthClient.dpop_bound_access_tokens: false in the Apps API)"
        }
        _ => "fix what the description names in fixtures.yaml or the app's settings",
    }
}

/// What to do about an Okta API error code, if it names a known cause.
pub(super) fn okta(code: &str) -> &'static str {
    match code {
        "E0000007" => {
            "; the org has no authorization server of this id: fix the server's Okta id \
             (`servers.<name>.id` in fixtures.yaml; Admin Console: Security > API > \
             Authorization Servers), or the server the test names (`server = \"…\"` on the \
             attribute, `.server(…)` on a request)"
        }
        "E0000047" => "; Okta's rate limit: let tests share tokens",
        "E0000006" | "E0000005" => "; the user may not sign in to this org or app",
        "E0000009" => "; Okta failed, try again later",
        _ => "",
    }
}

/// How the rate limit was exhausted.
pub(super) fn rate_limit(retries: u32, reset_in: Option<Duration>) -> String {
    match reset_in {
        Some(d) => format!(
            " and resets in {}s, longer than `http.max_rate_limit_wait` (after {retries} retries)",
            d.as_secs()
        ),
        None => format!(" after {retries} retries"),
    }
}

/// What to do about the page `/authorize` answered instead of a form_post.
pub(super) fn page(page: &AuthorizePage) -> &'static str {
    match page {
        AuthorizePage::SignIn => {
            "Okta did not accept the sessionToken and wants an interactive sign-in: usually \
             the app's sign-on policy (Identity Engine: authentication policy) asks this user \
             for a second factor; exempt the test user from MFA for this app"
        }
        AuthorizePage::OktaError { code, description } => {
            let d = description.as_deref().unwrap_or_default();
            match code.as_deref() {
                Some("invalid_client") => {
                    "Okta does not know the client: check `client_id` of the app in \
                     fixtures.yaml and that the app is active in Okta"
                }
                _ if d.contains("redirect_uri") => {
                    "the app's `redirect_uri` in fixtures.yaml must be one of the app's \
                     Sign-in redirect URIs in Okta, exactly"
                }
                _ if d.contains("state") => {
                    "Okta refused the state parameter; this is a bug in okta-fixtures"
                }
                _ => "fix what the description names in the app's settings or fixtures.yaml",
            }
        }
        AuthorizePage::OtherForm { .. } => {
            "the app's `redirect_uri` in fixtures.yaml must be the URI Okta posts to: make \
             them the same"
        }
        AuthorizePage::Other { .. } => "is org_url an Okta org?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::locked_out(authn("LOCKED_OUT"), "unlock the user")]
    #[case::new_status(authn("SOMETHING_NEW"), "status SUCCESS")]
    #[case::mfa(authorize("login_required", Some("MFA required")), "second factor")]
    #[case::app_sign_on(
        authorize(
            "login_required",
            Some(
                "The client specified not to prompt, but the client app requires re-authentication or MFA."
            )
        ),
        "Applications > Applications > the app > Sign On"
    )]
    #[case::access_policy(
        authorize(
            "access_denied",
            Some(
                "Policy evaluation failed for this request, please check the policy configurations."
            )
        ),
        "Security > API > Authorization Servers > the server > Access Policies"
    )]
    #[case::access_policy_at_token(
        token(
            "access_denied",
            Some(
                "Policy evaluation failed for this request, please check the policy configurations."
            )
        ),
        "Access Policies"
    )]
    #[case::consent(
        authorize("consent_required", None),
        "clear User Consent > Require consent"
    )]
    #[case::consent_at_token(token("consent_required", None), "Require consent")]
    #[case::undefined_scope(
        token(
            "invalid_scope",
            Some("One or more scopes are not configured for the authorization server resource.")
        ),
        "`servers.<name>.scopes`"
    )]
    #[case::openid_for_a_service(
        token(
            "invalid_scope",
            Some("Cannot request 'openid' scopes using client credentials.")
        ),
        "never openid"
    )]
    #[case::no_session(authorize("login_required", None), "did not accept the sessionToken")]
    #[case::pkce(
        token("invalid_grant", Some("PKCE verification failed")),
        "pkce: false"
    )]
    #[case::spent_code(token("invalid_grant", None), "300 s")]
    #[case::dpop(
        token("invalid_dpop_proof", Some("The DPoP proof JWT header is missing.")),
        "Require Demonstrating Proof of Possession (DPoP) header in token requests"
    )]
    #[case::to_redirect_uri(redirect(true), "form_post")]
    #[case::elsewhere(redirect(false), "interactive sign-in")]
    #[case::reset(&rate_limit(3, Some(Duration::from_secs(70))), "resets in 70s")]
    #[case::other_form(page(&AuthorizePage::OtherForm { action: "x".into() }), "redirect_uri")]
    fn hints_follow_the_status_error_and_description(#[case] hint: &str, #[case] says: &str) {
        assert!(hint.contains(says), "{says} missing from {hint}");
    }

    #[rstest]
    #[case::unknown_code(okta("E0000000"), "")]
    #[case::empty_description(&quoted(&Some(String::new())), "")]
    #[case::description(&quoted(&Some("bad".into())), " (\"bad\")")]
    #[case::no_reset(&rate_limit(3, None), " after 3 retries")]
    fn without_advice_a_hint_is_short_or_empty(#[case] hint: &str, #[case] expected: &str) {
        assert_eq!(hint, expected);
    }
}
