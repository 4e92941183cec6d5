use okta_fixtures::okta_user;

#[okta_user("alice", scope = "openid")]
#[test]
fn misspelt_option(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
