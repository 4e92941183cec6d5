use okta_fixtures::okta_user;

#[okta_user("alice", "bob")]
#[test]
fn both(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
