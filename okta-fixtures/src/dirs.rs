//! Where okta-fixtures keeps files between processes: the token cache and the fake's keys, and
//! the checks that keep another local user out of them.
//!
//! A folder is used only if it is a real folder (not a symbolic link), this user's, and not
//! writable by anyone else; files in it are read only when they are regular files (never
//! through a symbolic link) of a sane size. The folder being private, nobody can swap an
//! entry between the check and its use.

use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// The environment variable that overrides [`cache_root`].
pub const CACHE_DIR_ENV: &str = "OKTA_FIXTURES_CACHE_DIR";

/// The folder for the token cache and the fake's signing keys: `$OKTA_FIXTURES_CACHE_DIR`,
/// else `okta-fixtures` in `$XDG_RUNTIME_DIR` (private to the user by design), else
/// `okta-fixtures-<uid>` in the OS temp folder. Not under `target/`, which CI caches often
/// upload.
pub fn cache_root() -> PathBuf {
    cache_root_from(&crate::env::var)
}

/// [`cache_root`] with the environment passed in.
pub fn cache_root_from(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(dir) = env(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR").filter(|d| Path::new(d).is_absolute()) {
        return Path::new(&dir).join("okta-fixtures");
    }
    std::env::temp_dir().join(format!("okta-fixtures-{}", user_tag(env)))
}

/// Whether the cache root is one the user named (`$OKTA_FIXTURES_CACHE_DIR`), which may
/// belong to another user (a mounted volume); the default roots must be this user's.
pub(crate) fn root_is_named() -> bool {
    crate::env::var(CACHE_DIR_ENV).is_some_and(|d| !d.is_empty())
}

/// A per-user tag for the shared temp folder: the numeric uid on Unix, else the user name.
fn user_tag(env: &dyn Fn(&str) -> Option<String>) -> String {
    #[cfg(unix)]
    if let Some(uid) = own_uid(env) {
        return uid.to_string();
    }
    env("USER")
        .or_else(|| env("USERNAME"))
        .map(|u| u.chars().filter(|c| c.is_ascii_alphanumeric()).collect())
        .unwrap_or_else(|| "user".into())
}

/// This process's user id. std has no getuid(): the owner of our own process entry (Linux),
/// else of the home folder, is the same number.
#[cfg(unix)]
fn own_uid(env: &dyn Fn(&str) -> Option<String>) -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    let owner = |p: &str| fs::metadata(p).ok().map(|m| m.uid());
    owner("/proc/self").or_else(|| env("HOME").and_then(|h| owner(&h)))
}

/// Makes `dir` (and missing parents) with mode 0700 if it is missing, then checks it as
/// [`check_private_dir`] does.
pub(crate) fn ensure_private_dir(dir: &Path, check_owner: bool) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    if fs::symlink_metadata(dir).is_err() {
        builder.create(dir)?;
    }
    check_private_dir(dir, check_owner)
}

/// `Ok` when `dir` is a folder (not a symbolic link to one), owned by this user, and writable
/// by no one else; a folder others may read is made 0700. With `check_owner` false (a folder
/// the user named) its owner and readers are the user's choice, but others still may not
/// write in it. Checked before anything in it is touched, as root too.
pub(crate) fn check_private_dir(dir: &Path, check_owner: bool) -> io::Result<()> {
    let refused = |why: &str| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is refused: {why}; set {CACHE_DIR_ENV} to a folder of your own",
                dir.display()
            ),
        )
    };
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Err(refused("it is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(refused("it is not a folder"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        if check_owner && own_uid(&crate::env::var).is_some_and(|uid| uid != meta.uid()) {
            return Err(refused("it belongs to another user"));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(refused(
                "other users can write in it (its mode lets group or others write)",
            ));
        }
        if check_owner && mode & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = check_owner;
    Ok(())
}

/// The bytes of the regular file at `path`, at most `max` of them; `Ok(None)` when there is
/// no such file. A symbolic link, FIFO, device or folder, or a file over `max` bytes, is an
/// error: it is not something okta-fixtures wrote, and reading it could hang or fill memory.
pub(crate) fn read_regular(path: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    regular(&meta, max)?;
    let file = fs::File::open(path)?;
    // The folder is private, so this is the file checked above; checked again anyway.
    let meta = file.metadata()?;
    regular(&meta, max)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// `Ok` when `path` is missing or a regular file (not a symbolic link): what may be opened for
/// writing, or replaced.
pub(crate) fn check_regular_or_missing(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) => regular(&meta, u64::MAX),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn regular(meta: &fs::Metadata, max: u64) -> io::Result<()> {
    if meta.file_type().is_symlink() {
        return Err(refused("it is a symbolic link"));
    }
    if !meta.is_file() {
        return Err(refused("it is not a regular file"));
    }
    if meta.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {max} bytes"),
        ));
    }
    Ok(())
}

fn refused(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_named_folder_then_the_runtime_folder_then_the_temp_folder() {
        let named = env(&[
            (CACHE_DIR_ENV, "/named"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
        ]);
        assert_eq!(cache_root_from(&named), PathBuf::from("/named"));
        let runtime = env(&[(CACHE_DIR_ENV, ""), ("XDG_RUNTIME_DIR", "/run/user/1000")]);
        assert_eq!(
            cache_root_from(&runtime),
            PathBuf::from("/run/user/1000/okta-fixtures")
        );
        for vars in [&[][..], &[("XDG_RUNTIME_DIR", "relative")][..]] {
            let root = cache_root_from(&env(vars));
            assert!(root.starts_with(std::env::temp_dir()), "{root:?}");
            assert!(
                root.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("okta-fixtures-")
            );
        }
    }
}
