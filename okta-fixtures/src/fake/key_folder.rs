//! The key folder: every signing key of a fake org as a PKCS#8 file (mode 0600 in a 0700
//! folder), kept between processes so that a restarted fake, `okta-fixtures fake` and the
//! in-process fakes of a test run sign with the same keys, and RSA keys are generated once.
//!
//! Files are written through a temporary file and a rename, so a crash or a second process
//! never sees half a key; a lock file serialises processes that start together. The folder
//! must be this user's and writable by no one else, and a key is read only from a regular
//! file, never through a symbolic link (`crate::dirs`), as root too: a key planted by
//! another user would let them sign tokens the fake accepts. Which server
//! signs with which key is the business of `keys.rs`.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use okta_fixtures_config::ORG_SERVER;
use sha2::{Digest as _, Sha256};

use super::keys::{KeySet, ServerKeys, SigningKey};

/// The signer of the org server's ID tokens, published at `/oauth2/v1/keys`.
const ORG_ID_KEY_FILE: &str = "org-id-token-key.pk8";
/// The signer of the org server's access tokens, published nowhere.
const ORG_ACCESS_KEY_FILE: &str = "org-access-token-key.pk8";
/// The key no server publishes (wrong signatures, tokens of servers the org lacks).
const UNPUBLISHED_KEY_FILE: &str = "unpublished-key.pk8";
/// Held exclusively while keys are read or created.
const LOCK_FILE: &str = "keys.lock";
/// No real key file is this large; anything bigger is not ours.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// The file of custom server `id`'s key: `server-{hex}.pk8`, `hex` the first 16 bytes of
/// SHA-256 of the id. The name is never a path of the id's making, and ids that differ only in
/// case get different files on a case-insensitive file system.
fn custom_key_file(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("server-{hex}.pk8")
}

/// The keys of the servers `server_ids` (Okta ids; `org` for the org server) and the
/// unpublished key, kept in `dir`: read when there, created when missing, unreadable or when
/// `fresh`. Keys are read, or generated, side by side.
pub(crate) fn load_or_create<'a>(
    dir: &Path,
    server_ids: impl IntoIterator<Item = &'a str>,
    fresh: bool,
) -> crate::Result<KeySet> {
    let fail = |action: &'static str, source: io::Error| crate::Error::FakeKeys {
        dir: dir.to_path_buf(),
        action,
        source: Arc::new(source),
    };
    let server_ids: Vec<&str> = server_ids.into_iter().collect();
    let mut files = vec![UNPUBLISHED_KEY_FILE.to_owned()];
    for id in &server_ids {
        if *id == ORG_SERVER {
            files.extend([ORG_ID_KEY_FILE.to_owned(), ORG_ACCESS_KEY_FILE.to_owned()]);
        } else {
            files.push(custom_key_file(id));
        }
    }
    files.sort();
    files.dedup();

    crate::dirs::ensure_private_dir(dir, true).map_err(|e| fail("used", e))?;
    let lock_path = dir.join(LOCK_FILE);
    crate::dirs::check_regular_or_missing(&lock_path).map_err(|e| fail("locked", e))?;
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        // A lock file made 0644 by an earlier version.
        if fs::symlink_metadata(&lock_path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            fs::set_permissions(&lock_path, fs::Permissions::from_mode(0o600))
                .map_err(|e| fail("locked", e))?;
        }
    }
    let lock = options.open(&lock_path).map_err(|e| fail("locked", e))?;
    lock.lock().map_err(|e| fail("locked", e))?;
    // RSA key generation dominates a fresh start; make the keys side by side.
    let loaded: Vec<crate::Result<SigningKey>> = std::thread::scope(|s| {
        let threads: Vec<_> = files
            .iter()
            .map(|file| s.spawn(move || load_or_create_one(&dir.join(file), fresh)))
            .collect();
        threads
            .into_iter()
            .map(|t| {
                t.join().unwrap_or_else(|_| {
                    Err(fail("generated", io::Error::other("key thread failed")))
                })
            })
            .collect()
    });
    drop(lock);
    let mut keys: HashMap<String, Arc<SigningKey>> = HashMap::with_capacity(files.len());
    for (file, key) in files.into_iter().zip(loaded) {
        keys.insert(file, Arc::new(key?));
    }
    let key = |file: &str| {
        keys.get(file)
            .cloned()
            .ok_or_else(|| fail("read", io::Error::other(format!("{file} was not loaded"))))
    };
    let mut servers = BTreeMap::new();
    for id in server_ids {
        let server = if id == ORG_SERVER {
            ServerKeys {
                id: key(ORG_ID_KEY_FILE)?,
                access: key(ORG_ACCESS_KEY_FILE)?,
            }
        } else {
            ServerKeys::custom(key(&custom_key_file(id))?)
        };
        servers.insert(id.to_owned(), server);
    }
    Ok(KeySet {
        servers,
        unpublished: key(UNPUBLISHED_KEY_FILE)?,
    })
}

fn load_or_create_one(path: &Path, fresh: bool) -> crate::Result<SigningKey> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    if !fresh {
        match read_key_file(path) {
            Ok(Some(der)) => match SigningKey::from_pkcs8(&der) {
                Ok(key) => return Ok(key),
                Err(_) => tracing::warn!(
                    file = %path.display(),
                    "fake okta signing key is corrupt; generating a new one"
                ),
            },
            Ok(None) => {}
            Err(source) => {
                return Err(crate::Error::FakeKeys {
                    dir,
                    action: "read",
                    source: Arc::new(source),
                });
            }
        }
    }
    let (key, der) = SigningKey::generate().map_err(|source| crate::Error::FakeKeys {
        dir: dir.clone(),
        action: "generated",
        source: Arc::new(source),
    })?;
    write_atomically(path, &der).map_err(|source| crate::Error::FakeKeys {
        dir,
        action: "written",
        source: Arc::new(source),
    })?;
    Ok(key)
}

/// The file's bytes, `None` when it does not exist; an error for a symbolic link, anything
/// but a regular file, or a file larger than any key.
fn read_key_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    crate::dirs::read_regular(path, MAX_KEY_FILE)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let tmp: PathBuf = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        super::ids::random_base62(8)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key folder that does not exist yet, inside a temporary one: load_or_create makes it
    /// (and makes it private) itself.
    fn key_dir() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        (tmp, dir)
    }

    /// Each server's current `kid`s: the published one, then the access-token one.
    fn kids(set: &KeySet) -> Vec<(String, String, String)> {
        set.servers
            .iter()
            .map(|(id, k)| (id.clone(), k.id.kid().to_owned(), k.access.kid().to_owned()))
            .collect()
    }

    const SERVERS: [&str; 3] = ["org", "default", "orders"];

    #[test]
    fn keys_are_kept_and_reused_unless_fresh() {
        let (_tmp, dir) = key_dir();
        let first = load_or_create(&dir, SERVERS, false).unwrap();
        assert_eq!(first.servers.len(), 3);
        let org = &first.servers["org"];
        assert_ne!(org.id.kid(), org.access.kid());
        let default = &first.servers["default"];
        assert_eq!(default.id.kid(), default.access.kid());
        assert_ne!(default.id.kid(), first.servers["orders"].id.kid());
        let second = load_or_create(&dir, SERVERS, false).unwrap();
        assert_eq!(kids(&first), kids(&second));
        assert_eq!(first.unpublished.kid(), second.unpublished.kid());
        // A server added to the config later gets a key; the others keep theirs.
        let more = load_or_create(&dir, ["org", "default", "orders", "billing"], false).unwrap();
        let more_kids = kids(&more);
        assert!(kids(&first).iter().all(|k| more_kids.contains(k)));
        assert_eq!(more_kids.len(), 4);
        let fresh = load_or_create(&dir, SERVERS, true).unwrap();
        for ((_, a, b), (_, c, d)) in kids(&first).iter().zip(kids(&fresh).iter()) {
            assert!(a != c && b != d);
        }
        let after = load_or_create(&dir, SERVERS, false).unwrap();
        assert_eq!(kids(&fresh), kids(&after));
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected = [
            LOCK_FILE,
            ORG_ACCESS_KEY_FILE,
            ORG_ID_KEY_FILE,
            UNPUBLISHED_KEY_FILE,
        ]
        .map(str::to_owned)
        .to_vec();
        expected.extend(["billing", "default", "orders"].map(custom_key_file));
        expected.sort();
        assert_eq!(names, expected, "no temporary file is left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            for name in names.iter().filter(|n| n.ends_with(".pk8")) {
                assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
            }
        }
    }

    #[test]
    fn custom_key_files_are_named_by_a_hash_of_the_id() {
        let name = custom_key_file("orders");
        assert!(name.starts_with("server-") && name.ends_with(".pk8"));
        assert_eq!(name.len(), "server-".len() + 32 + ".pk8".len());
        assert_ne!(name, custom_key_file("Orders"));
        for hostile in ["../../etc/passwd", "a/b", "", "\\..\\x"] {
            let name = custom_key_file(hostile);
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                "{name}"
            );
            assert!(!name.contains(".."), "{name}");
        }
    }

    #[test]
    fn corrupt_key_file_is_replaced() {
        let (_tmp, dir) = key_dir();
        let first = load_or_create(&dir, SERVERS, false).unwrap();
        fs::write(dir.join(custom_key_file("default")), b"not a key").unwrap();
        let second = load_or_create(&dir, SERVERS, false).unwrap();
        assert_ne!(
            first.servers["default"].id.kid(),
            second.servers["default"].id.kid()
        );
        assert_eq!(
            first.servers["org"].id.kid(),
            second.servers["org"].id.kid()
        );
        let third = load_or_create(&dir, SERVERS, false).unwrap();
        assert_eq!(kids(&second), kids(&third));
    }
}
