use okta_fixtures::okta_user;

#[okta_user("alice", app = "reports")]
#[test]
fn through_a_service_app(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
