//! Okta-signed-in users as test fixtures.
//!
//! okta-fixtures reads `fixtures.yaml` (the org, its apps, the test users), signs each user in
//! without a browser using Okta's `sessionToken` technique, caches the tokens across tests and
//! test processes, and hands them to your tests.

mod api;
pub mod blocking;
mod cache;
pub mod dirs;
pub mod error;
#[cfg(feature = "fake")]
pub mod fake;
mod flow;
mod org;
mod tokens;
mod verify;
mod worker;

#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;

#[doc(hidden)]
pub mod __private;

pub use error::{Error, Result};
pub use okta_fixtures_config as config;
pub use okta_fixtures_config::Secret;
