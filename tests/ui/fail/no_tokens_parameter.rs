use okta_fixtures::okta_user;

#[okta_user("alice")]
#[test]
fn forgot_the_parameter() {}

#[okta_user("alice")]
#[rstest::rstest]
fn wrong_name(#[values(1)] n: u32, tokens: String) {
    let _ = (n, tokens);
}

fn main() {}
