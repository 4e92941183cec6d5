use okta_fixtures::{okta_user, okta_users};

#[okta_user]
#[test]
fn nobody(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_users()]
#[rstest::rstest]
fn nobodies(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
