//! What `#[okta_user]` and `#[okta_users]` expansions call. Hidden and exempt from semver: no
//! one else may use it.
//!
//! The expansion is
//! `expect(request("alice", env!("CARGO_MANIFEST_DIR")).app("web").tokens().await, "mod::test")`
//! (`.blocking_tokens()` in a sync test): it builds the request through the public builder and
//! only turns the error into a test failure here, at the test boundary.

use std::error::Error as _;
use std::fmt::Write as _;

use crate::api::TokenRequest;
use crate::{Result, Tokens};

/// A user's key as `#[okta_users]` passes it to each run, through an rstest `#[values]`
/// parameter.
///
/// A newtype, not a bare `&str`: rstest would apply its string-literal conversion to a literal.
#[derive(Clone, Copy, Debug)]
pub struct UserKey(pub &'static str);

/// The request for `user`, finding fixtures.yaml from the test crate's folder as the macro did
/// at compile time.
pub fn request(user: &'static str, manifest_dir: &'static str) -> TokenRequest {
    crate::request(user).start_dir(manifest_dir)
}

/// The tokens, or a panic that fails `test` with the error and all its causes.
///
/// Sync on purpose, with the `.await` in the test's body: `#[track_caller]` does not reach
/// through an `async fn`, and here it makes the panic point at the attribute.
#[track_caller]
pub fn expect(result: Result<Tokens>, test: &'static str) -> Tokens {
    match result {
        Ok(tokens) => tokens,
        // The message quotes names from fixtures.yaml: no terminal escape or bidi control passes.
        Err(error) => panic!(
            "{}",
            okta_fixtures_config::escape_except(&failure(test, &error), &['\n'])
        ),
    }
}

/// The panic message: the test, the error, then each `source()` on its own line.
fn failure(test: &str, error: &crate::Error) -> String {
    let mut message = format!("test `{test}` got no tokens: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        // Writing to a String cannot fail.
        let _ = write!(message, "\n  caused by: {cause}");
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_error() -> crate::Error {
        crate::Error::from(okta_fixtures_config::Error::Read {
            path: "/nowhere/fixtures.yaml".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        })
    }

    #[test]
    fn the_message_names_the_test_and_every_cause() {
        assert_eq!(
            failure("crate::orders::alice_reads", &read_error()),
            "test `crate::orders::alice_reads` got no tokens: cannot read /nowhere/fixtures.yaml\
             \n  caused by: no such file"
        );
    }

    #[test]
    #[should_panic(expected = "test `crate::t` got no tokens: cannot read")]
    fn expect_panics_on_error() {
        expect(Err(read_error()), "crate::t");
    }
}
