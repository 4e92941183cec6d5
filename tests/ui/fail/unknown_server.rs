use okta_fixtures::okta_user;

#[okta_user("alice", server = "ordrs")]
#[test]
fn typo(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
