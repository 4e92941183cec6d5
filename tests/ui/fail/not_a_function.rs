use okta_fixtures::okta_user;

#[okta_user("alice")]
struct NotATest;

fn main() {}
