//! Finding fixtures.yaml.

use std::path::{Path, PathBuf};

use crate::{Error, Origin, Result};

/// The file name looked for in the start folder and its ancestors.
pub const FILE_NAME: &str = "fixtures.yaml";

/// The environment variable naming the file explicitly.
pub const CONFIG_ENV: &str = "OKTA_FIXTURES_CONFIG";

/// Finds the config file: `explicit` if given, else `$OKTA_FIXTURES_CONFIG`, else
/// `fixtures.yaml` in `start` or its nearest ancestor that has one.
///
/// Relative paths, explicit or from the variable, resolve against `start`. A path named
/// explicitly or by the variable must be an existing file ([`Error::MissingFile`] says which
/// named it); the search ends in [`Error::NotFound`]. An empty `OKTA_FIXTURES_CONFIG` counts as
/// unset.
///
/// `env` reads environment variables and is the only way one is read, which keeps this
/// function pure for tests. The core crate passes `$CARGO_MANIFEST_DIR` (or the folder the
/// macro captured at compile time, or the current directory) as `start`.
///
/// ```
/// # use okta_fixtures_config::{discover, Error};
/// let start = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// // The workspace's own fixtures.yaml, one folder up from this crate.
/// let found = discover(None, &|_| None, start).unwrap();
/// assert_eq!(found, start.parent().unwrap().join("fixtures.yaml"));
///
/// let env = |name: &str| (name == "OKTA_FIXTURES_CONFIG").then(|| "nope.yaml".to_owned());
/// assert!(matches!(discover(None, &env, start), Err(Error::MissingFile { .. })));
/// ```
pub fn discover(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    start: &Path,
) -> Result<PathBuf> {
    discover_with_origin(explicit, env, start).map(|(path, _)| path)
}

/// [`discover`], also saying how the file was chosen (for `okta-fixtures doctor`).
pub fn discover_with_origin(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    start: &Path,
) -> Result<(PathBuf, Origin)> {
    let named = match explicit {
        Some(path) => Some((start.join(path), Origin::Explicit)),
        None => env(CONFIG_ENV)
            .filter(|p| !p.is_empty())
            .map(|p| (start.join(p), Origin::Env)),
    };
    if let Some((path, origin)) = named {
        if !path.is_file() {
            return Err(Error::MissingFile { path, origin });
        }
        return Ok((path, origin));
    }
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Ok((candidate, Origin::Search));
        }
        dir = d.parent();
    }
    Err(Error::NotFound {
        start: start.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use tempfile::TempDir;

    use super::*;

    /// Writes a small config at `rel` below `root`, making its folders.
    fn write_config(root: &TempDir, rel: &str) -> PathBuf {
        let path = root.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "org_url: fake\n").unwrap();
        path
    }

    /// Makes the folder `rel` below `root`.
    fn make_dir(root: &TempDir, rel: &str) -> PathBuf {
        let path = root.path().join(rel);
        fs::create_dir_all(&path).unwrap();
        path
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn env_config(value: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| (name == CONFIG_ENV).then(|| value.to_owned())
    }

    #[test]
    fn finds_the_file_in_the_start_folder() {
        let t = TempDir::new().unwrap();
        let file = write_config(&t, "crate/fixtures.yaml");
        write_config(&t, "fixtures.yaml");
        let found = discover_with_origin(None, &no_env, &t.path().join("crate")).unwrap();
        assert_eq!(found, (file, Origin::Search));
    }

    #[test]
    fn finds_the_nearest_ancestor_with_the_file() {
        let t = TempDir::new().unwrap();
        let near = write_config(&t, "ws/fixtures.yaml");
        write_config(&t, "fixtures.yaml");
        let start = make_dir(&t, "ws/crates/a/src");
        assert_eq!(discover(None, &no_env, &start).unwrap(), near);
    }

    #[test]
    fn skips_a_folder_named_like_the_file() {
        let t = TempDir::new().unwrap();
        let top = write_config(&t, "fixtures.yaml");
        make_dir(&t, "ws/fixtures.yaml");
        let start = make_dir(&t, "ws");
        assert_eq!(discover(None, &no_env, &start).unwrap(), top);
    }

    #[test]
    fn not_found_names_the_start_folder() {
        let t = TempDir::new().unwrap();
        let start = make_dir(&t, "empty");
        // A fixtures.yaml above the temp dir (outside this test's control) is found instead.
        if let Some(above) = t.path().ancestors().find(|a| a.join(FILE_NAME).is_file()) {
            let found = discover(None, &no_env, &start).unwrap();
            assert_eq!(found, above.join(FILE_NAME));
            return;
        }
        let err = discover(None, &no_env, &start).unwrap_err();
        assert!(
            matches!(&err, Error::NotFound { start: s } if *s == start),
            "{err:?}"
        );
        assert!(err.to_string().contains("OKTA_FIXTURES_CONFIG"), "{err}");
    }

    #[test]
    fn the_variable_wins_over_the_search_and_resolves_against_start() {
        let t = TempDir::new().unwrap();
        write_config(&t, "ws/fixtures.yaml");
        let other = write_config(&t, "ws/config/other.yaml");
        let start = make_dir(&t, "ws");
        let env = env_config("config/other.yaml");
        assert_eq!(
            discover_with_origin(None, &env, &start).unwrap(),
            (other.clone(), Origin::Env)
        );
        let abs = other.to_str().unwrap().to_owned();
        let env = env_config(&abs);
        assert_eq!(
            discover(None, &env, &make_dir(&t, "elsewhere")).unwrap(),
            other
        );
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let t = TempDir::new().unwrap();
        let file = write_config(&t, "fixtures.yaml");
        assert_eq!(discover(None, &env_config(""), t.path()).unwrap(), file);
    }

    #[test]
    fn an_explicit_path_wins_over_the_variable() {
        let t = TempDir::new().unwrap();
        let explicit = write_config(&t, "explicit.yaml");
        write_config(&t, "from-env.yaml");
        let env = env_config("from-env.yaml");
        let found = discover_with_origin(Some(Path::new("explicit.yaml")), &env, t.path()).unwrap();
        assert_eq!(found, (explicit, Origin::Explicit));
    }

    #[test]
    fn a_named_file_that_does_not_exist_says_who_named_it() {
        let t = TempDir::new().unwrap();
        write_config(&t, "fixtures.yaml");
        let err = discover(Some(Path::new("missing.yaml")), &no_env, t.path()).unwrap_err();
        let Error::MissingFile { path, origin } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (path, *origin),
            (&t.path().join("missing.yaml"), Origin::Explicit)
        );
        assert!(err.to_string().contains("--config"), "{err}");
        assert!(err.to_string().contains("missing.yaml"), "{err}");

        let err = discover(None, &env_config("gone.yaml"), t.path()).unwrap_err();
        let Error::MissingFile { path, origin } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((path, *origin), (&t.path().join("gone.yaml"), Origin::Env));
        assert!(err.to_string().contains("OKTA_FIXTURES_CONFIG"), "{err}");

        // A folder is not a config file either.
        make_dir(&t, "sub");
        let err = discover(None, &env_config("sub"), t.path());
        assert!(
            matches!(
                err,
                Err(Error::MissingFile {
                    origin: Origin::Env,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn only_the_config_variable_is_read() {
        let t = TempDir::new().unwrap();
        write_config(&t, "fixtures.yaml");
        let read = std::cell::RefCell::new(Vec::new());
        let env = |name: &str| {
            read.borrow_mut().push(name.to_owned());
            None
        };
        discover(None, &env, t.path()).unwrap();
        assert_eq!(*read.borrow(), [CONFIG_ENV]);
    }
}
