use okta_fixtures::okta_users;
use rstest::rstest;

#[okta_users("alice", "dylan", "alice", app = "wbe")]
#[rstest]
fn each(token: okta_fixtures::Tokens) {
    let _ = token;
}

#[okta_users("alice")]
#[rstest]
fn clash(token: okta_fixtures::Tokens, #[values(1)] okta_user: u32) {
    let _ = (token, okta_user);
}

fn main() {}
