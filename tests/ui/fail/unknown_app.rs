use okta_fixtures::okta_user;

#[okta_user("alice", app = "wbe")]
#[test]
fn typo(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
