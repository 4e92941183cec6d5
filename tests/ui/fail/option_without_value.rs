use okta_fixtures::okta_user;

#[okta_user("alice", scopes)]
#[test]
fn no_value(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_user("alice", fresh = true)]
#[test]
fn fresh_with_value(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_user("alice", server = default)]
#[test]
fn not_a_string(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_user("alice", scopes = "")]
#[test]
fn empty_value(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
