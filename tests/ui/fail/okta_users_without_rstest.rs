use okta_fixtures::okta_users;

#[okta_users("alice", "bob")]
#[tokio::test]
async fn each(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
