//! Okta-signed-in users as test fixtures.
//!
//! okta-fixtures reads `fixtures.yaml` (the org, its apps, the test users), signs each user in
//! without a browser using Okta's `sessionToken` technique, caches the tokens across tests and
//! test processes, and hands them to your tests.

pub mod error;
pub mod dirs;

pub use error::{Error, Result};
pub use okta_fixtures_config as config;
