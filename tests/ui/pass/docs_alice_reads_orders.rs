// The first example of okta_user.md.
use okta_fixtures::{Tokens, okta_user};
use rstest::rstest;

#[okta_user("alice")]
#[rstest]
#[tokio::test]
async fn alice_reads_orders(token: Tokens) {
    assert_eq!(token.user(), Some("alice"));
    assert!(token.authorization_header().starts_with("Bearer "));
}

fn main() {}
