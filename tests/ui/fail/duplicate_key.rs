use okta_fixtures::okta_user;

#[okta_user("alice", app = "web", fresh, app = "spa", fresh)]
#[test]
fn twice(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
