//! The crate's one error type.

/// Everything that can go wrong getting tokens for a test.
///
/// Messages name what to fix (the YAML path, the env var, the user, the Okta status) and never
/// contain a password, client secret or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// fixtures.yaml could not be found, read or understood.
    #[error(transparent)]
    Config(#[from] okta_fixtures_config::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
