//! What Okta decides once it knows the client, the user and the scopes, in the order the fake
//! asks: the app's sign-on policy, the custom server's access policy, then the user's consent
//! to the scopes.
//!
//! Documented by Okta: the errors' texts (its error catalog, see error.rs); a policy is
//! assigned to all clients or to some, and its rule covers grant types and users "assigned the
//! app and a member of one of the following" users or groups, a condition only for clients
//! acting on behalf of a user: a service app has none (help.okta.com, "Create access
//! policies"); consent needs both the app's "Require consent" and a scope whose consent is not
//! implicit, and applies to custom servers only (developer.okta.com, "Request user consent").
//! Inferred: the order of the three checks, and that `openid` never needs consent (the guide's
//! examples ask consent for the other scopes only).

use okta_fixtures_config::{Consent, EVERYONE_GROUP, SignOn};

use super::directory::{AppEntry, ServerEntry, UserEntry};
use super::error::{self, OAuthError};

/// The app's sign-on policy (Identity Engine: its authentication policy) against a session
/// authenticated by `amr`: `second_factor` wants `mfa` among them.
pub(crate) fn sign_on(app: &AppEntry, amr: &[&str]) -> Result<(), OAuthError> {
    match app.sign_on {
        SignOn::Password => Ok(()),
        SignOn::SecondFactor if amr.contains(&"mfa") => Ok(()),
        SignOn::SecondFactor => Err(error::APP_SIGN_ON_REQUIRED),
    }
}

/// The server's access policy for `app` using each of `grants`, for `user` (`None`: a
/// service app's `client_credentials`, which the people condition does not apply to).
pub(crate) fn access(
    server: &ServerEntry,
    app: &AppEntry,
    user: Option<&UserEntry>,
    grants: &[&str],
) -> Result<(), OAuthError> {
    let Some(policy) = &server.policy else {
        return Ok(());
    };
    let lists = |list: &Option<Vec<String>>, name: &str| {
        list.as_ref().is_none_or(|l| l.iter().any(|n| n == name))
    };
    let client = lists(&policy.apps, &app.key);
    let grant = grants.iter().all(|g| lists(&policy.grant_types, g));
    let person = match (user, &policy.users, &policy.groups) {
        (None, _, _) | (Some(_), None, None) => true,
        (Some(user), users, groups) => {
            users.iter().flatten().any(|u| *u == user.key)
                || groups
                    .iter()
                    .flatten()
                    .any(|g| g == EVERYONE_GROUP || user.groups.contains(g))
        }
    };
    if client && grant && person {
        Ok(())
    } else {
        Err(error::NO_MATCHING_POLICY)
    }
}

/// The user's consent to `scopes`: an app with `consent: required` asking a custom server for
/// any scope but `openid` gets `refusal` naming those scopes, since no one is there to consent.
pub(crate) fn consent(
    server: &ServerEntry,
    app: &AppEntry,
    scopes: &[String],
    refusal: fn(&str) -> OAuthError,
) -> Result<(), OAuthError> {
    if app.consent == Consent::Trusted || server.is_org() {
        return Ok(());
    }
    let needed: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "openid")
        .collect();
    if needed.is_empty() {
        Ok(())
    } else {
        Err(refusal(&needed.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::test_support::state;

    const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost/cb", flow: code }
  mfa: { client_id: mfa-client, redirect_uri: "http://localhost/cb", flow: code }
  svc: { client_id: svc-client, client_secret: s, flow: client_credentials, scopes: [a:read] }
users:
  alice: { username: alice@example.com, password: pw }
  bob: { username: bob@example.com, password: pw }
  carol: { username: carol@example.com, password: pw }
servers:
  default: { scopes: [a:read] }
  locked: { scopes: [a:read] }
fake:
  users:
    bob: { groups: [admins] }
  apps:
    mfa: { sign_on: second_factor, consent: required }
  servers:
    locked:
      policy: { apps: [spa, svc], users: [alice], groups: [admins], grant_types: [authorization_code, client_credentials] }
"#;

    #[test]
    fn a_second_factor_satisfies_what_a_password_does_not() {
        let st = state(YAML);
        let mfa = st.dir.app("mfa-client").unwrap();
        assert_eq!(sign_on(mfa, &["pwd"]), Err(error::APP_SIGN_ON_REQUIRED));
        assert_eq!(sign_on(mfa, &["pwd", "mfa"]), Ok(()));
        assert_eq!(sign_on(st.dir.app("spa-client").unwrap(), &["pwd"]), Ok(()));
    }

    #[test]
    fn the_policy_covers_its_apps_people_and_grants() {
        let st = state(YAML);
        let locked = st.dir.server("locked").unwrap();
        let spa = st.dir.app("spa-client").unwrap();
        let user = |k| st.dir.user(k);
        let code = ["authorization_code"];
        assert_eq!(access(locked, spa, user("alice"), &code), Ok(()));
        assert_eq!(access(locked, spa, user("bob"), &code), Ok(()), "by group");
        let denied = Err(error::NO_MATCHING_POLICY);
        assert_eq!(access(locked, spa, user("carol"), &code), denied);
        assert_eq!(access(locked, spa, user("alice"), &["implicit"]), denied);
        let both = ["authorization_code", "implicit"];
        assert_eq!(access(locked, spa, user("alice"), &both), denied);
        let mfa = st.dir.app("mfa-client").unwrap();
        assert_eq!(access(locked, mfa, user("alice"), &code), denied);
        // A service app has no user for the people condition to ask about.
        let svc = st.dir.app("svc-client").unwrap();
        assert_eq!(access(locked, svc, None, &["client_credentials"]), Ok(()));
        // Okta's default policy on a server without one: everything.
        let default = st.dir.server("default").unwrap();
        assert_eq!(access(default, mfa, user("carol"), &["implicit"]), Ok(()));
    }

    #[test]
    fn consent_names_every_scope_but_openid_on_custom_servers_only() {
        let st = state(YAML);
        let mfa = st.dir.app("mfa-client").unwrap();
        let default = st.dir.server("default").unwrap();
        let scopes = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let refused = consent(
            default,
            mfa,
            &scopes("openid email a:read"),
            error::consent_required,
        );
        assert_eq!(
            refused.unwrap_err().description,
            "The following scopes require user consent: [email, a:read]."
        );
        let openid = scopes("openid");
        assert_eq!(
            consent(default, mfa, &openid, error::consent_required),
            Ok(())
        );
        let org = st.dir.server("org").unwrap();
        let email = scopes("openid email");
        assert_eq!(consent(org, mfa, &email, error::consent_required), Ok(()));
        let spa = st.dir.app("spa-client").unwrap();
        assert_eq!(
            consent(default, spa, &email, error::consent_required),
            Ok(())
        );
    }
}
