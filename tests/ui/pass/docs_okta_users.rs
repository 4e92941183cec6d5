// The example of okta_users.md.
use okta_fixtures::{Tokens, okta_users};
use rstest::rstest;

#[okta_users("alice", "bob")]
#[rstest]
#[case::first_page(1)]
#[case::second_page(2)]
#[tokio::test]
async fn everyone_reads_orders(token: Tokens, #[case] page: u32) {
    assert!(matches!(token.user(), Some("alice" | "bob")));
    assert!(page > 0);
}

fn main() {}
