// okta_user.md: a plain #[test] without rstest.
use okta_fixtures::{Tokens, okta_user};

#[okta_user("alice", fresh)] // skip the cache for this test
#[test]
fn plain(token: Tokens) {
    assert_eq!(token.user(), Some("alice"));
}

fn main() {}
