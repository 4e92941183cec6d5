use okta_fixtures::okta_user;

#[okta_user(alice)]
#[test]
fn unquoted(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_user(42)]
#[test]
fn number(token: okta_fixtures::Tokens) {
    let _ = token;
}

fn main() {}
