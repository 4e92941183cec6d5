//! Okta-signed-in users as test fixtures.
//!
//! okta-fixtures reads `fixtures.yaml` (the org, its apps, the test users), signs each user in
//! without a browser using Okta's `sessionToken` technique, caches the tokens across tests and
//! test processes, and hands them to your tests.

#![allow(
    clippy::test_attr_in_doctest,
    reason = "the okta_user docs show plain #[test] fns; build.rs makes each example a real test of tests/it (its docs module)"
)]

mod api;
pub mod blocking;
mod cache;
mod context;
pub mod dirs;
mod discovery;
mod env;
pub mod error;
#[cfg(feature = "fake")]
pub mod fake;
mod flow;
mod org;
mod registry;
mod tokens;
mod totp;
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
