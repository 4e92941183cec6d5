// okta_users and okta_user stack both ways round; tokio::test without rstest; mut parameters.
use okta_fixtures::{Tokens, okta_user, okta_users};
use rstest::rstest;

#[okta_users("alice", "bob")]
#[okta_user("alice", app = "web")]
#[rstest]
fn users_then_user(token: Tokens, alice: Tokens) {
    assert_eq!(alice.app(), "web");
    assert!(token.user().is_some());
}

#[okta_user("alice", app = "web")]
#[okta_users("alice", "bob")]
#[rstest]
fn user_then_users(alice: Tokens, token: Tokens) {
    assert_eq!(alice.app(), "web");
    assert!(token.user().is_some());
}

#[okta_user("alice")]
#[tokio::test]
async fn tokio_without_rstest(mut token: Tokens) {
    token = token.clone();
    assert_eq!(token.user(), Some("alice"));
}

fn main() {}
