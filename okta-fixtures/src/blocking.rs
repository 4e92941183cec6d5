//! Blocking versions of the token functions, for sync tests.
//!
//! They wait on a std channel, never on a tokio primitive, so they are safe inside any tokio
//! runtime (current-thread or multi-thread, as in a `#[tokio::test]`) and outside one.
//!
//! ```
//! let tokens = okta_fixtures::blocking::tokens("alice").unwrap();
//! assert_eq!(tokens.user(), Some("alice"));
//! ```

use crate::{Org, Result, Tokens};

/// Signs `user` in with their default app and scopes (or serves cached tokens), blocking.
pub fn tokens(user: &str) -> Result<Tokens> {
    crate::request(user).blocking_tokens()
}

/// The tokens of a service app (`flow: client_credentials`), blocking.
///
/// ```
/// let tokens = okta_fixtures::blocking::app_tokens("reports").unwrap();
/// assert_eq!(tokens.app(), "reports");
/// ```
pub fn app_tokens(app: &str) -> Result<Tokens> {
    crate::app_request(app).blocking_tokens()
}

/// The org fixtures.yaml points at, starting the embedded fake when it says `org_url: fake`,
/// blocking.
///
/// ```
/// let org = okta_fixtures::blocking::org().unwrap();
/// assert!(org.url().starts_with("http"));
/// ```
pub fn org() -> Result<Org> {
    crate::Fixtures::discover()?.blocking_org()
}
