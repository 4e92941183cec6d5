// okta_user.md: two users, options, an rstest case.
use okta_fixtures::{Tokens, okta_user};
use rstest::rstest;

#[okta_user("alice")]
#[okta_user("bob", app = "web", scopes = "openid orders:write")]
#[rstest]
#[case::first(1)]
#[tokio::test]
async fn two_users(alice: Tokens, bob: Tokens, #[case] n: u32) {
    assert_eq!(alice.user(), Some("alice"));
    assert_eq!(bob.app(), "web");
    assert!(bob.scopes().iter().any(|s| s == "orders:write"));
    assert_eq!(n, 1);
}

fn main() {}
