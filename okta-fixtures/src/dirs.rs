//! Where okta-fixtures keeps files between processes: the token cache and the fake's keys.

use std::path::PathBuf;

/// The environment variable that overrides [`cache_root`].
pub const CACHE_DIR_ENV: &str = "OKTA_FIXTURES_CACHE_DIR";

/// The folder for the token cache and the fake's signing keys: `$OKTA_FIXTURES_CACHE_DIR`, else
/// `okta-fixtures-<user>` in the OS temp folder. Not under `target/`, which CI caches often
/// upload.
pub fn cache_root() -> PathBuf {
    cache_root_from(&crate::env::var)
}

/// [`cache_root`] with the environment passed in.
pub fn cache_root_from(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(dir) = env(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::temp_dir().join(format!("okta-fixtures-{}", user_tag(env)))
}

/// A per-user tag for the shared temp folder: the numeric uid on Unix, else the user name.
fn user_tag(env: &dyn Fn(&str) -> Option<String>) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // std has no getuid(): the owner of our own process entry (Linux), else of the home
        // folder, is the same number.
        let owner = |p: &str| std::fs::metadata(p).ok().map(|m| m.uid().to_string());
        if let Some(uid) = owner("/proc/self").or_else(|| env("HOME").and_then(|h| owner(&h))) {
            return uid;
        }
    }
    env("USER")
        .or_else(|| env("USERNAME"))
        .map(|u| u.chars().filter(|c| c.is_ascii_alphanumeric()).collect())
        .unwrap_or_else(|| "user".into())
}
