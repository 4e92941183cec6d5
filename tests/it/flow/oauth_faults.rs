//! `kind: oauth_error` faults: an OAuth error of the test's choosing, where Okta would answer
//! it, scoped like the other faults: through the response mode at `/authorize`, as JSON at
//! `/token`.

use super::*;

#[tokio::test]
async fn an_injected_authorize_error_comes_back_through_the_response_mode() {
    let f = fixtures(
        "fake:\n  faults:\n    - endpoint: authorize\n      kind: oauth_error\n      error: login_required\n      error_description: The client specified not to prompt, but the user is not logged in.\n      user: bob@example.com\n      times: 1\n",
    );
    // The fault is bob's: alice signs in.
    f.request("alice").tokens().await.unwrap();
    let e = f.request("bob").tokens().await.unwrap_err();
    match &e {
        Error::Authorize {
            error, description, ..
        } => {
            assert_eq!(error, "login_required");
            assert_eq!(
                description.as_deref(),
                Some("The client specified not to prompt, but the user is not logged in.")
            );
        }
        other => panic!("{other:?}"),
    }
    // Spent: the next sign-in of bob gets through.
    f.request("bob").fresh().tokens().await.unwrap();
}

#[tokio::test]
async fn an_injected_token_error_is_okta_json_with_its_status() {
    let f = fixtures(
        "fake:\n  faults:\n    - endpoint: token\n      kind: oauth_error\n      error: invalid_grant\n      client_id: spa-client\n      times: 1\n",
    );
    let e = f.request("alice").tokens().await.unwrap_err();
    match &e {
        Error::Token {
            status,
            error,
            description,
            ..
        } => {
            assert_eq!((*status, error.as_str()), (400, "invalid_grant"));
            assert_eq!(
                description.as_deref(),
                Some("The fault of fixtures.yaml answers `invalid_grant`.")
            );
        }
        other => panic!("{other:?}"),
    }
    // Another client is not hit; the fault's one request is spent.
    f.request("bob").app("web").tokens().await.unwrap();
    f.request("alice").tokens().await.unwrap();
}
