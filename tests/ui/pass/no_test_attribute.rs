// Without a test attribute the macro adds #[test]; a by-reference parameter named after the user.
use okta_fixtures::{Tokens, okta_user};

#[okta_user("bob")]
fn bob_alone(bob: &Tokens) {
    assert_eq!(bob.user(), Some("bob"));
}

#[okta_user("alice", app = "web")]
#[okta_user("bob")]
fn stacked_without_test_attribute(alice: Tokens, bob: Tokens) {
    assert_ne!(alice.user(), bob.user());
}

fn main() {}
