use okta_fixtures::okta_user;

#[okta_user("alice")]
async fn no_runtime(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
