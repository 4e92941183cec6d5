//! Fixtures for the fake's unit tests.

use std::path::PathBuf;

use super::{FakeBuilder, FakeState};

/// A key folder shared by this process's unit tests (keys are generated once).
pub(crate) fn key_dir() -> PathBuf {
    std::env::temp_dir().join("okta-fixtures-unit-fake-keys")
}

/// A fake org's state for `yaml`, served (notionally) at `http://127.0.0.1:1`.
pub(crate) fn state(yaml: &str) -> FakeState {
    let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
    FakeBuilder::default()
        .config(&config)
        .key_dir(key_dir())
        .build("http://127.0.0.1:1")
        .unwrap()
}
