//! What the org's scopes and policies refuse, as the client reports it: each error names the
//! Okta setting to change (the fake refuses as Okta does when `fake:` sets the org up so).

use super::*;

/// The error of `e` if it is `/authorize`'s, with its description.
fn authorize_error(e: &Error) -> (&str, &str) {
    match e {
        Error::Authorize {
            error, description, ..
        } => (error, description.as_deref().unwrap_or_default()),
        other => panic!("not an /authorize error: {other:?}"),
    }
}

#[tokio::test]
async fn a_scope_another_server_defines_is_refused_with_where_to_define_it() {
    // The service app asks `default` for `reports:read`, which only `reports` defines.
    let f = fixtures(
        "servers:\n  default:\n    scopes: [orders:read]\n  reports:\n    scopes: [reports:read]\n",
    );
    let e = f.app_request("reports").tokens().await.unwrap_err();
    match &e {
        Error::Token {
            status: 400,
            error,
            description,
            ..
        } => {
            assert_eq!(error, "invalid_scope");
            assert_eq!(
                description.as_deref(),
                Some(
                    "One or more scopes are not configured for the authorization server resource."
                )
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("`servers.<name>.scopes`"), "{e}");
    let t = f
        .app_request("reports")
        .server("reports")
        .tokens()
        .await
        .unwrap();
    assert_eq!(scopes(&t), ["reports:read"]);
}

#[tokio::test]
async fn outside_the_access_policy_the_error_names_the_policy_to_change() {
    let f = fixtures("fake:\n  servers:\n    default:\n      policy:\n        users: [alice]\n");
    f.request("alice").tokens().await.unwrap();
    let e = f.request("bob").tokens().await.unwrap_err();
    assert_eq!(
        authorize_error(&e),
        (
            "access_denied",
            "Policy evaluation failed for this request, please check the policy configurations."
        )
    );
    let message = e.to_string();
    assert!(
        message.contains("Security > API > Authorization Servers > the server > Access Policies"),
        "{message}"
    );
    assert!(message.contains("bob"), "{message}");
    assert_eq!(
        stats(&f)
            .await
            .sign_ins("bob@example.com", "spa-client", "default"),
        0
    );
}

#[tokio::test]
async fn an_app_asking_for_a_second_factor_names_its_sign_on_policy() {
    let f = fixtures("fake:\n  apps:\n    spa:\n      sign_on: second_factor\n");
    let e = f.request("alice").tokens().await.unwrap_err();
    assert_eq!(
        authorize_error(&e),
        (
            "login_required",
            "The client specified not to prompt, but the client app requires re-authentication or MFA."
        )
    );
    let message = e.to_string();
    assert!(
        message.contains("Applications > Applications > the app > Sign On"),
        "{message}"
    );
    assert!(message.contains("password alone"), "{message}");
    // Another app of the same user is not concerned.
    f.request("alice").app("native").tokens().await.unwrap();
}

#[tokio::test]
async fn an_app_requiring_consent_names_the_setting_to_clear() {
    let f = fixtures("fake:\n  apps:\n    spa:\n      consent: required\n");
    let e = f.request("alice").tokens().await.unwrap_err();
    assert_eq!(
        authorize_error(&e),
        (
            "consent_required",
            "The following scopes require user consent: [profile, email, offline_access]."
        )
    );
    assert!(
        e.to_string()
            .contains("clear User Consent > Require consent"),
        "{e}"
    );
    // With `openid` alone there is nothing to consent to.
    let t = f
        .request("alice")
        .scopes(["openid"])
        .tokens()
        .await
        .unwrap();
    assert_eq!(scopes(&t), ["openid"]);
}
