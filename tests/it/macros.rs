//! `#[okta_user]` and `#[okta_users]` as a user writes them, against the embedded fake Okta of
//! the workspace's fixtures.yaml (`org_url: fake`).
//!
//! Lint cleanliness, stacking, parameter choice, options and failures. The examples of the
//! attributes' docs run in `docs` (tests/it/docs.rs).

/// The expansion adds no warning, of rustc or of clippy (`cargo clippy --all-targets`).
#[deny(clippy::all, unused)]
mod lint_clean {
    use okta_fixtures::{Tokens, okta_user, okta_users};
    use rstest::rstest;

    #[okta_user(
        "alice",
        app = "web",
        scopes = "openid orders:read",
        server = "default",
        fresh
    )]
    #[okta_user("bob")]
    #[rstest]
    #[case("orders:read")]
    #[tokio::test]
    async fn every_option(token: Tokens, bob: &Tokens, #[case] scope: &str) {
        assert!(token.scopes().iter().any(|s| s == scope));
        assert_eq!(token.user(), Some("alice"));
        assert_eq!(bob.user(), Some("bob"));
    }

    #[okta_users("alice", "bob")]
    #[rstest]
    fn matrix(token: &Tokens, #[values("openid", "email")] scope: &str) {
        assert!(token.user().is_some() && token.scopes().iter().any(|s| s == scope));
    }
}

mod stacking {
    use okta_fixtures::{Tokens, okta_user, okta_users};
    use rstest::rstest;

    #[okta_users("alice", "bob")]
    #[okta_user("alice", app = "web")]
    #[rstest]
    fn users_above_user(token: Tokens, alice: Tokens) {
        assert_eq!(alice.user(), Some("alice"));
        assert_eq!(alice.app(), "web");
        assert_eq!(token.app(), "spa");
    }

    #[okta_user("alice", app = "web")]
    #[okta_users("alice", "bob")]
    #[rstest]
    fn user_above_users(alice: Tokens, token: Tokens) {
        assert_eq!(alice.app(), "web");
        assert_eq!(token.app(), "spa");
    }

    /// The parameter named after a user is that user's, whatever the order of the attributes.
    #[okta_user("bob")]
    #[okta_user("alice")]
    #[test]
    fn by_name(alice: Tokens, bob: &Tokens) {
        assert_eq!(alice.user(), Some("alice"));
        assert_eq!(bob.user(), Some("bob"));
    }

    /// With no test attribute, the macro adds `#[test]`.
    #[okta_user("bob")]
    fn no_test_attribute(mut token: Tokens) {
        token = token.clone();
        assert_eq!(token.user(), Some("bob"));
    }

    #[okta_user("alice")]
    #[tokio::test]
    async fn tokio_without_rstest(token: okta_fixtures::Tokens) {
        assert_eq!(token.user(), Some("alice"));
    }
}

mod matrix {
    use okta_fixtures::{Tokens, okta_users};
    use rstest::rstest;

    /// Each run's name ends in its user's key (libtest names the test's thread after the test),
    /// within the test's own cases: `…::case_1_small::okta_user_2_bob`.
    #[okta_users("alice", "bob")]
    #[rstest]
    #[case::small(1)]
    #[case::large(2)]
    fn each_run_is_named_after_its_user(#[case] n: u32, token: Tokens) {
        let name = std::thread::current().name().unwrap_or_default().to_owned();
        let user = token.user().unwrap();
        let case = if n == 1 {
            "case_1_small"
        } else {
            "case_2_large"
        };
        assert!(
            name.ends_with(&format!("::{case}::okta_user_1_{user}"))
                || name.ends_with(&format!("::{case}::okta_user_2_{user}")),
            "{name} for {user}"
        );
    }

    /// The matrix combines with rstest's own `#[values]`.
    #[okta_users("alice", "bob", app = "web")]
    #[rstest]
    fn with_values(#[values("openid", "orders:read")] scope: &str, token: Tokens) {
        let name = std::thread::current().name().unwrap_or_default().to_owned();
        let user = token.user().unwrap();
        assert_eq!(token.app(), "web");
        assert!(name.contains("scope_"), "{name}");
        assert!(name.ends_with(user), "{name} for {user}");
        assert!(token.scopes().iter().any(|s| s == scope));
    }

    /// Every user gets a run of every case: a run that went missing would pass every check
    /// made inside the runs, so the test binary's own list is read.
    #[test]
    fn every_user_gets_a_run_of_every_case() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--list", "--format", "terse"])
            .output()
            .expect("the test binary lists its tests");
        let list = String::from_utf8_lossy(&out.stdout);
        let runs = |test: &str| -> Vec<String> {
            let mut runs: Vec<String> = list
                .lines()
                .filter_map(|l| l.strip_suffix(": test"))
                .filter_map(|l| l.strip_prefix(&format!("{test}::")))
                .map(str::to_owned)
                .collect();
            runs.sort();
            runs
        };
        assert_eq!(
            runs("macros::matrix::each_run_is_named_after_its_user"),
            [
                "case_1_small::okta_user_1_alice",
                "case_1_small::okta_user_2_bob",
                "case_2_large::okta_user_1_alice",
                "case_2_large::okta_user_2_bob",
            ]
        );
        assert_eq!(
            runs("docs::okta_users_1::everyone_has_the_scope"),
            [
                "case_1_openid::okta_user_1_alice",
                "case_1_openid::okta_user_2_bob",
                "case_2_email::okta_user_1_alice",
                "case_2_email::okta_user_2_bob",
            ]
        );
        assert_eq!(runs("macros::matrix::with_values").len(), 4);
    }
}

mod options {
    use okta_fixtures::{Tokens, okta_user};

    /// `fresh` signs in again where the cache would have answered: the attribute above (no
    /// `fresh`) fills `bob` first, from the cache or a sign-in; `fresh_bob` then gets new tokens
    /// of its own and leaves the cache as it was.
    #[okta_user("bob", app = "native")]
    #[okta_user("bob", app = "native", fresh)]
    #[tokio::test]
    async fn fresh_skips_the_cache(bob: Tokens, fresh_bob: Tokens) {
        assert_eq!(fresh_bob.app(), "native");
        assert_ne!(bob.access_token(), fresh_bob.access_token());
        let cached = okta_fixtures::request("bob")
            .app("native")
            .tokens()
            .await
            .unwrap();
        assert_eq!(cached.access_token(), bob.access_token());
    }

    /// `scopes` replaces the app's scopes, split at spaces.
    #[okta_user("alice", app = "web", scopes = "openid  orders:read")]
    #[test]
    fn scopes_replace_the_apps(token: &Tokens) {
        let mut scopes = token.scopes().to_vec();
        scopes.sort();
        assert_eq!(scopes, ["openid", "orders:read"]);
    }

    /// `server` picks the authorization server.
    #[okta_user("alice", server = "default")]
    #[test]
    fn server_picks_the_authorization_server(token: Tokens) {
        assert_eq!(token.server(), "default");
    }
}

mod failures {
    use okta_fixtures::{Tokens, okta_user};
    use rstest::rstest;

    /// A sign-in that fails fails the test. rstest keeps the function itself callable, so
    /// `the_failure_names_the_test_and_the_cause` below can read the message.
    #[okta_user("alice", scopes = "openid no-such:scope")]
    #[rstest]
    #[should_panic(expected = "test `it::macros::failures::unknown_scope` got no tokens")]
    fn unknown_scope(token: Tokens) {
        let _ = token;
    }

    #[test]
    fn the_failure_names_the_test_and_the_cause() {
        let payload = std::panic::catch_unwind(unknown_scope).unwrap_err();
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert!(
            message.starts_with("test `it::macros::failures::unknown_scope` got no tokens: "),
            "{message}"
        );
        assert!(message.contains("alice"), "{message}");
        assert!(message.contains("invalid_scope"), "{message}");
        // The fix names the test as a place the scopes come from, not only fixtures.yaml.
        assert!(message.contains("(or the test)"), "{message}");
        // The password and client secret of fixtures.yaml's defaults never show.
        for secret in ["correct-horse", "battery-staple", "web-secret"] {
            assert!(!message.contains(secret), "{message}");
        }
    }
}

/// The attribute tracks fixtures.yaml with an `include_bytes!` bound to an unused constant, so
/// cargo rebuilds when the file changes, but the file's text (its passwords among it) is not
/// copied into the test binary.
#[test]
fn fixtures_yaml_is_tracked_not_embedded() {
    // Read at run time, so that the needle is no literal of this binary.
    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures.yaml"))
        .expect("the workspace's fixtures.yaml");
    let password_line = yaml
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("password:"))
        .expect("a user with a password");
    let binary = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let contains = |needle: &[u8]| {
        // `position` on bytes is fast even unoptimised, unlike `windows`.
        let mut rest = &binary[..];
        while let Some(i) = rest.iter().position(|&b| b == needle[0]) {
            if rest[i..].starts_with(needle) {
                return true;
            }
            rest = &rest[i + 1..];
        }
        false
    };
    // The search works: this test's own name is in the binary.
    let me = ["fixtures_yaml_is_tracked", "_not_embedded"].concat();
    assert!(contains(me.as_bytes()));
    assert!(!contains(password_line.as_bytes()), "{password_line}");
}
