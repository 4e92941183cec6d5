// okta_user.md: a sync test with rstest values.
use okta_fixtures::{Tokens, okta_user};
use rstest::rstest;

#[okta_user("alice")]
#[rstest]
fn alice_pages(token: Tokens, #[values(1, 2)] page: u32) {
    assert_eq!(token.app(), "spa");
    assert!(page > 0);
}

fn main() {}
