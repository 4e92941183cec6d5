use okta_fixtures::okta_user;

#[okta_user("mallory")]
#[test]
fn stranger(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
