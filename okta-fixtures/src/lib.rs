//! Okta-signed-in users as test fixtures.
//!
//! okta-fixtures reads `fixtures.yaml` (the org, its apps, the test users), signs each user in
//! without a browser using Okta's `sessionToken` technique, caches the tokens across tests and
//! test processes, and hands them to your tests.

#![allow(
    clippy::test_attr_in_doctest,
    reason = "the okta_user docs show plain #[test] fns; each example also runs as a real test in tests/it/macros.rs"
)]

// The startup section. The functions a fresh test process runs for its first tokens (find and read
// fixtures.yaml, resolve the request, read the cache entry) are marked `#[cfg_attr(target_os =
// "linux", unsafe(link_section = "okta_fixtures.startup"))]`, in this crate and in
// okta-fixtures-config. The linker gathers them into one output section instead of leaving them
// spread among the rest of a test binary's code, so a fresh process maps them with a few page
// faults instead of one per 64 KiB window they fall in (about 4 µs each on a VM). The attribute
// changes only where the code sits. Measured with `cargo bench --bench cache` (page faults of a
// cold hit) and two builds alternated: see benches/cache.rs.

mod api;
pub mod blocking;
mod cache;
pub mod dirs;
pub mod error;
#[cfg(feature = "fake")]
pub mod fake;
mod flow;
mod fx;
mod org;
mod tokens;
mod verify;
mod worker;

#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;

#[doc(hidden)]
pub mod __private;

pub use api::{Fixtures, TokenRequest, app_request, app_tokens, org, request, tokens};
pub use error::{AuthorizePage, IdTokenProblem, SignIn};
pub use error::{Error, Result};
pub use okta_fixtures_config as config;
pub use okta_fixtures_config::Secret;
pub use org::{AuthorizationServer, Org};
pub use tokens::Tokens;

#[cfg(feature = "macros")]
#[doc(inline)]
#[doc = include_str!("okta_user.md")]
pub use okta_fixtures_macros::okta_user;
#[cfg(feature = "macros")]
#[doc(inline)]
#[doc = include_str!("okta_users.md")]
pub use okta_fixtures_macros::okta_users;

/// The README's Rust examples, compiled as doc-tests (they use the macros and the fake).
#[cfg(all(doctest, feature = "macros", feature = "fake"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
