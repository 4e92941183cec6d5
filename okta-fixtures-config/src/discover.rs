//! Finding fixtures.yaml.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The file name looked for in the start folder and its ancestors.
pub const FILE_NAME: &str = "fixtures.yaml";

/// The environment variable naming the file explicitly.
pub const CONFIG_ENV: &str = "OKTA_FIXTURES_CONFIG";

/// Finds the config file: `explicit` if given, else `$OKTA_FIXTURES_CONFIG` (relative to
/// `start`), else `fixtures.yaml` in `start` or its nearest ancestor that has one.
///
/// `env` reads environment variables; passing it in keeps this function pure for tests.
pub fn discover(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    start: &Path,
) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(start.join(path));
    }
    if let Some(path) = env(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Ok(start.join(path));
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(Error::NotFound {
        start: start.to_path_buf(),
    })
}
