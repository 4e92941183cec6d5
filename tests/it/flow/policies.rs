//! What the org's scopes and policies refuse, as the client reports it: each error names the
//! Okta setting to change.

use super::*;

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
