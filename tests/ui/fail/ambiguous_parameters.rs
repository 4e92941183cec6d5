use okta_fixtures::{okta_user, okta_users};

#[okta_user("alice")]
#[rstest::rstest]
fn which_one(first: okta_fixtures::Tokens, second: &okta_fixtures::Tokens) {
    let _ = (first, second);
}

#[okta_users("alice", "bob")]
#[rstest::rstest]
fn which_one_for_each(first: okta_fixtures::Tokens, second: okta_fixtures::Tokens) {
    let _ = (first, second);
}

fn main() {}
