// The expansion adds no warning: not of rustc, and (checked by `cargo clippy --all-targets` on
// the same tests in tests/it/macros.rs) not of clippy. Full paths keep the imports used when
// `#[test]` strips the functions of this non-test build.
#![deny(clippy::all, unused)]

#[okta_fixtures::okta_user(
    "alice",
    app = "web",
    scopes = "openid orders:read",
    server = "default",
    fresh
)]
#[okta_fixtures::okta_user("bob")]
#[rstest::rstest]
#[case("orders:read")]
#[tokio::test]
async fn every_option(
    token: okta_fixtures::Tokens,
    bob: &okta_fixtures::Tokens,
    #[case] scope: &str,
) {
    assert!(token.scopes().iter().any(|s| s == scope));
    assert_ne!(token.user(), bob.user());
}

#[okta_fixtures::okta_users("alice", "bob")]
#[rstest::rstest]
fn matrix(token: &okta_fixtures::Tokens, #[values("openid", "email")] scope: &str) {
    assert!(token.user().is_some() && token.scopes().iter().any(|s| s == scope));
}

fn main() {}
