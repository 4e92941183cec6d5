//! The disk store, shared by the test processes of one workspace: one file per key, written
//! atomically (a temp file renamed over it), and beside it a lock file per key that is never
//! renamed or deleted while in use, locked with `flock` (std `File::lock`).
//!
//! Layout: `{cache_root}/tokens/{hash of the config path}/{hash of the key}.json` and `.lock`;
//! beside them the servers' discovery documents and the records of refused passwords
//! (`{hash}.refused` with their key `refusals.key`, see [`super::refusals`]), and the last TOTP
//! step used per user (`{hash}.totp-step`, locked through `{hash}.totp-lock`, see
//! [`super::steps`]).
//! Folders are 0700, files 0600. The OS releases a lock when its process dies, however it
//! dies, so a killed test process never leaves the cache locked; a reader sees a whole entry
//! or none, never a half-written one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest as _, Sha256};

use super::entry;
use super::key::{Key, hex};
use crate::dirs::{check_private_dir, check_regular_or_missing, ensure_private_dir, read_regular};
use crate::error::{Error, Result};
use crate::tokens::Tokens;

/// The sub-folder of the cache root that holds token entries (`fake/` holds the fake's keys).
const TOKENS: &str = "tokens";

/// No entry or discovery document okta-fixtures writes is this large; a larger file is not
/// ours and is not read.
const MAX_FILE: u64 = 1024 * 1024;

/// The extension of a kept discovery document (`{hash of its URL}.discovery`).
const DOCUMENT: &str = "discovery";

/// The extension of a refused password's record (`{hash of org and username}.refused`, see
/// [`super::refusals`]).
pub(crate) const REFUSED: &str = "refused";

/// The disk store of one workspace (one fixtures.yaml).
#[derive(Clone, Debug)]
pub(crate) struct Disk {
    root: PathBuf,
    dir: PathBuf,
    config: PathBuf,
    /// Whether the root must belong to this user: true for the shared temp folder, where
    /// another user could have made it first.
    check_owner: bool,
}

impl Disk {
    /// The store for the fixtures.yaml at `config`, under `root` (see
    /// [`crate::dirs::cache_root`]).
    pub(crate) fn new(root: PathBuf, config: &Path, check_owner: bool) -> Self {
        // Discovery hands over canonical paths; a path given by hand may not be one.
        let config = if config.is_absolute() {
            config.to_path_buf()
        } else {
            fs::canonicalize(config).unwrap_or_else(|_| config.to_path_buf())
        };
        let mut h = Sha256::new();
        h.update(config.as_os_str().as_encoded_bytes());
        let workspace = hex(&h.finalize()[..16]);
        Disk {
            dir: root.join(TOKENS).join(workspace),
            root,
            config,
            check_owner,
        }
    }

    /// The workspace's folder.
    #[cfg(test)]
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for `key`, read without the lock: entries are replaced by rename, so this
    /// sees a whole file or none. Anything unusable reads as absent.
    pub(crate) fn peek(&self, key: &Key) -> Option<Tokens> {
        check_private_dir(&self.dir, true).ok()?;
        let bytes = read_regular(&self.entry_path(&key.digest()), MAX_FILE).ok()??;
        entry::decode(&bytes, key).ok()
    }

    /// Locks `key`, blocking this thread for at most `wait`. Never call it on an async worker
    /// thread.
    pub(crate) fn lock(&self, key: &Key, wait: Duration) -> Result<Locked> {
        let digest = key.digest();
        let waiting =
            || tracing::debug!(key = %key, "waiting for another process renewing these tokens");
        let file = self.lock_own(&format!("{digest}.lock"), wait, waiting)?;
        Ok(Locked {
            _file: file,
            entry: self.entry_path(&digest),
            dir: self.dir.clone(),
            config: self.config.clone(),
        })
    }

    /// The document stored for `url` by [`Disk::store_document`], if it was stored less than
    /// `max_age` ago.
    pub(crate) fn document(
        &self,
        url: &str,
        max_age: Duration,
        now: SystemTime,
    ) -> Option<Vec<u8>> {
        check_private_dir(&self.dir, true).ok()?;
        let path = self.document_path(url);
        let stored = fs::symlink_metadata(&path)
            .and_then(|m| m.modified())
            .ok()?;
        // A time ahead of `now` (another process's clock, or a write after `now` was read)
        // counts by its distance too, so a clock set back cannot keep a document for ever.
        let age = now
            .duration_since(stored)
            .unwrap_or_else(|ahead| ahead.duration());
        if age >= max_age {
            return None;
        }
        read_regular(&path, MAX_FILE).ok()?
    }

    /// Keeps `body` as the document of `url` (a discovery document: public, no secret),
    /// written whole (a temp file renamed over it).
    pub(crate) fn store_document(&self, url: &str, body: &[u8]) -> Result<()> {
        self.write_file(&self.document_path(url), body, true)
    }

    /// The workspace file `name` (a file of the workspace's own, such as a refusal record), if
    /// it is there, a regular file and of a sane size.
    pub(crate) fn read_own(&self, name: &str) -> Option<Vec<u8>> {
        check_private_dir(&self.dir, true).ok()?;
        read_regular(&self.dir.join(name), MAX_FILE).ok()?
    }

    /// Writes the workspace file `name` whole (0600): a temp file renamed over it, or, with
    /// `replace` false, linked in place only if `name` does not exist yet (`Ok(false)` then).
    pub(crate) fn write_own(&self, name: &str, body: &[u8], replace: bool) -> Result<bool> {
        let path = self.dir.join(name);
        match self.write_file(&path, body, replace) {
            Err(Error::Cache { source, .. })
                if !replace && source.kind() == io::ErrorKind::AlreadyExists =>
            {
                Ok(false)
            }
            r => r.map(|()| true),
        }
    }

    /// Opens the workspace lock file `name` (made 0600 if missing; never renamed or deleted)
    /// and locks it, waiting up to `wait` for another holder ([`Error::CacheLocked`] then);
    /// `waiting` is called once, when the first try fails. Blocks: call it on a blocking
    /// thread. The lock goes with the returned file.
    pub(crate) fn lock_own(
        &self,
        name: &str,
        wait: Duration,
        waiting: impl FnOnce(),
    ) -> Result<File> {
        self.prepare()?;
        let path = self.dir.join(name);
        check_regular_or_missing(&path).map_err(cache_error(&path, "opened"))?;
        let file = private_file(OpenOptions::new().read(true).write(true).create(true))
            .truncate(false)
            .open(&path)
            .map_err(cache_error(&path, "opened"))?;
        let started = Instant::now();
        if !lock_within(&file, wait, waiting).map_err(cache_error(&path, "locked"))? {
            let waited = started.elapsed();
            return Err(Error::CacheLocked { path, waited });
        }
        Ok(file)
    }

    /// Deletes the workspace file `name`, if it is there.
    pub(crate) fn remove_own(&self, name: &str) {
        let _ = fs::remove_file(self.dir.join(name));
    }

    fn write_file(&self, path: &Path, body: &[u8], replace: bool) -> Result<()> {
        self.prepare()?;
        write_whole(path, body, replace).map_err(cache_error(path, "written"))
    }

    fn document_path(&self, url: &str) -> PathBuf {
        let digest = hex(&Sha256::digest(url.as_bytes())[..16]);
        self.dir.join(format!("{digest}.{DOCUMENT}"))
    }

    pub(super) fn entry_path(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.json"))
    }

    /// Makes the folders (0700), checking each before anything in it is touched: the root is
    /// this user's (unless named by the user), the folders below are, and no one else can
    /// write in any of them.
    fn prepare(&self) -> Result<()> {
        let tokens = self.root.join(TOKENS);
        ensure_private_dir(&self.root, self.check_owner)
            .map_err(cache_error(&self.root, "used"))?;
        for d in [&tokens, &self.dir] {
            ensure_private_dir(d, true).map_err(cache_error(d, "used"))?;
        }
        Ok(())
    }
}

/// A key's lock, held until dropped, with its entry.
pub(crate) struct Locked {
    /// Closing it releases the lock.
    _file: File,
    entry: PathBuf,
    dir: PathBuf,
    config: PathBuf,
}

impl Locked {
    /// The entry under the lock. A malformed, foreign or unreadable one reads as absent (the
    /// next write replaces it); one whose access token has expired and that holds no refresh
    /// token is deleted.
    pub(crate) fn read(&self, key: &Key, now: SystemTime) -> Option<Tokens> {
        let bytes = match read_regular(&self.entry, MAX_FILE) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(e) => {
                tracing::info!(path = %self.entry.display(), error = %e, "ignoring an unreadable token cache entry");
                return None;
            }
        };
        let tokens = match entry::decode(&bytes, key) {
            Ok(t) => t,
            Err(why) => {
                tracing::info!(path = %self.entry.display(), why = why.as_str(), "ignoring a token cache entry");
                return None;
            }
        };
        if spent(tokens.expires_at(), tokens.refresh_token().is_some(), now) {
            tracing::debug!(key = %key, "deleting an expired token cache entry");
            let _ = fs::remove_file(&self.entry);
            return None;
        }
        Some(tokens)
    }

    /// Replaces the entry: a temp file (0600) renamed over it. Then deletes what killed
    /// processes and expiry left behind in the workspace.
    pub(crate) fn write(
        &self,
        key: &Key,
        tokens: &Tokens,
        persist_refresh: bool,
        now: SystemTime,
    ) -> io::Result<()> {
        let bytes = entry::encode(key, &self.config, tokens, persist_refresh);
        write_whole(&self.entry, &bytes, true)?;
        sweep(&self.dir, now);
        Ok(())
    }
}

/// Locks `file` within `wait`, polling with back-off (flock has no timed wait); `Ok(false)`
/// when another holder kept it that long. `waiting` is called once, when the first try fails.
fn lock_within(file: &File, wait: Duration, waiting: impl FnOnce()) -> io::Result<bool> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(true),
            Err(fs::TryLockError::WouldBlock) => {
                let waited = started.elapsed();
                if waited >= wait {
                    return Ok(false);
                }
                if let Some(waiting) = waiting.take() {
                    waiting();
                }
                std::thread::sleep(pause.min(wait - waited));
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// Whether an entry is of no more use: its access token has expired and it cannot be renewed.
fn spent(expires_at: SystemTime, has_refresh: bool, now: SystemTime) -> bool {
    expires_at <= now && !has_refresh
}

/// The key digest of an entry (`{digest}.json`) or of a writer's temp file
/// (`{digest}.json.{pid}.tmp`, then `true`); `None` for any other file.
fn entry_file(name: &str) -> Option<(&str, bool)> {
    let (digest, rest) = name.split_once('.')?;
    let is_tmp = rest.starts_with("json.") && rest.ends_with(".tmp");
    (rest == "json" || is_tmp).then_some((digest, is_tmp))
}

/// Deletes, in `dir`, the temp files of killed writers and the spent entries, each under its
/// key's lock (skipped when someone holds it).
fn sweep(dir: &Path, now: SystemTime) {
    let Ok(files) = fs::read_dir(dir) else { return };
    for file in files.flatten() {
        let name = file.file_name();
        let Some((digest, is_tmp)) = name.to_str().and_then(entry_file) else {
            continue;
        };
        if !is_tmp {
            let spent_entry = read_regular(&file.path(), MAX_FILE)
                .ok()
                .flatten()
                .and_then(|b| entry::summarize(&b).ok())
                .is_some_and(|s| spent(s.expires_at, s.refresh, now));
            if !spent_entry {
                continue;
            }
        }
        // Under the key's lock no one is writing it. Our own key's lock is held by us on
        // another descriptor, so try_lock refuses and its files stay, as they should.
        let Ok(lock) = open_lock(&dir.join(format!("{digest}.lock"))) else {
            if is_tmp {
                let _ = fs::remove_file(file.path());
            }
            continue;
        };
        if lock.try_lock().is_ok() {
            let _ = fs::remove_file(file.path());
        }
    }
}

#[cfg(any(feature = "cli", test))]
/// One entry as `okta-fixtures cache list` shows it.
#[derive(Debug)]
pub(crate) struct Listed {
    /// The entry file.
    pub(crate) file: PathBuf,
    /// What it says, or why it is not usable.
    pub(crate) summary: std::result::Result<entry::Summary, entry::Unusable>,
}

#[cfg(any(feature = "cli", test))]
/// Every entry under `root`, sorted by file; unreadable ones, and anything but a regular file
/// of a sane size, are skipped. `check_owner`: whether the root must be this user's (it is not
/// a folder the user named).
pub(crate) fn list(root: &Path, check_owner: bool) -> io::Result<Vec<Listed>> {
    let mut listed = Vec::new();
    for file in entry_files(root, check_owner)? {
        if let Ok(Some(bytes)) = read_regular(&file, MAX_FILE) {
            listed.push(Listed {
                summary: entry::summarize(&bytes),
                file,
            });
        }
    }
    Ok(listed)
}

#[cfg(any(feature = "cli", test))]
/// Deletes every entry and temp file under `root`, each under its key's lock; lock files stay
/// (deleting one a process has open would let a second process lock a new one). Returns how
/// many entries were deleted and how many were skipped because a process holds their lock.
pub(crate) fn clear(root: &Path, check_owner: bool, wait: Duration) -> io::Result<(usize, usize)> {
    let (mut deleted, mut busy) = (0, 0);
    for ws in workspaces(root, check_owner)? {
        let Ok(files) = fs::read_dir(&ws) else {
            continue;
        };
        let mut by_key: Vec<(PathBuf, String)> = files
            .flatten()
            .filter_map(|f| {
                let name = f.file_name().into_string().ok()?;
                let (digest, _) = entry_file(&name)?;
                Some((f.path(), digest.to_owned()))
            })
            .collect();
        by_key.sort();
        for (path, digest) in by_key {
            let lock = ws.join(format!("{digest}.lock"));
            let held = match open_lock(&lock) {
                Ok(f) => lock_within(&f, wait, || {}).map(Some)?,
                Err(_) => None,
            };
            if held == Some(false) {
                busy += 1;
                continue;
            }
            if fs::remove_file(&path).is_ok() && path.extension().is_some_and(|e| e == "json") {
                deleted += 1;
            }
        }
        // Kept discovery documents go too (the next run fetches them again), and so do
        // remembered refused passwords (the next sign-in tries the password again).
        for file in fs::read_dir(&ws).into_iter().flatten().flatten() {
            let name = file.file_name();
            if name.to_str().is_some_and(|n| {
                n.contains(&format!(".{DOCUMENT}")) || n.contains(&format!(".{REFUSED}"))
            }) {
                let _ = fs::remove_file(file.path());
            }
        }
    }
    Ok((deleted, busy))
}

#[cfg(any(feature = "cli", test))]
/// The `.json` entries of every workspace under `root`, sorted.
fn entry_files(root: &Path, check_owner: bool) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for ws in workspaces(root, check_owner)? {
        let Ok(entries) = fs::read_dir(ws) else {
            continue;
        };
        files.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    files.sort();
    Ok(files)
}

#[cfg(any(feature = "cli", test))]
/// The workspace folders under `root`; none before the first entry is written. The root and
/// every folder below are checked first (see [`check_private_dir`]): a folder another user
/// could write in, or a symbolic link planted in its place, is refused, not followed.
fn workspaces(root: &Path, check_owner: bool) -> io::Result<Vec<PathBuf>> {
    let tokens = root.join(TOKENS);
    for dir in [root, &tokens] {
        match check_private_dir(dir, check_owner || dir == tokens) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
    }
    let mut found = Vec::new();
    for ws in fs::read_dir(&tokens)? {
        let ws = ws?.path();
        check_private_dir(&ws, true)?;
        found.push(ws);
    }
    Ok(found)
}

/// Opens an existing lock file, never through a symbolic link.
fn open_lock(path: &Path) -> io::Result<File> {
    check_regular_or_missing(path)?;
    OpenOptions::new().write(true).open(path)
}

/// Writes `path` whole (0600) through `{path}.{pid}.tmp`: renamed over it, or, with `replace`
/// false, hard-linked in place only where no file is yet (the first writer wins; then
/// `AlreadyExists`). A reader sees the whole file or none.
fn write_whole(path: &Path, body: &[u8], replace: bool) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = new_private_file(&tmp)
        .and_then(|mut f| f.write_all(body))
        .and_then(|()| {
            if replace {
                fs::rename(&tmp, path)
            } else {
                fs::hard_link(&tmp, path).and_then(|()| fs::remove_file(&tmp))
            }
        });
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Creates `path` afresh (0600): whatever was there (a killed writer's leftover) is removed
/// first, so the new file is never opened through a symbolic link.
fn new_private_file(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    private_file(OpenOptions::new().write(true).create_new(true)).open(path)
}

fn cache_error(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Cache {
        path,
        action,
        source: Arc::new(source),
    }
}

#[cfg(unix)]
fn private_file(o: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt as _;
    o.mode(0o600)
}

#[cfg(not(unix))]
fn private_file(o: &mut OpenOptions) -> &mut OpenOptions {
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tests::{key, tokens_until};
    use tempfile::TempDir;

    fn disk(root: &TempDir) -> Disk {
        Disk::new(root.path().into(), Path::new("/w/fixtures.yaml"), true)
    }

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn discovery_documents_are_kept_for_their_age_listed_nowhere_and_cleared() {
        let root = TempDir::new().unwrap();
        let d = disk(&root);
        let url = "https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration";
        let now = SystemTime::now();
        assert_eq!(d.document(url, WAIT, now), None);
        d.store_document(url, b"{\"issuer\":\"x\"}").unwrap();
        assert_eq!(
            d.document(url, WAIT, now).as_deref(),
            Some(&b"{\"issuer\":\"x\"}"[..])
        );
        // Another URL has its own; an old one is not used.
        assert_eq!(
            d.document(&url.replace("default", "orders"), WAIT, now),
            None
        );
        assert_eq!(d.document(url, WAIT, now + WAIT * 2), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let kept = fs::read_dir(d.dir())
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            assert_eq!(
                fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // Not a token entry: `cache list` shows nothing; `cache clear` drops it.
        assert!(list(root.path(), true).unwrap().is_empty());
        assert_eq!(clear(root.path(), true, WAIT).unwrap(), (0, 0));
        assert_eq!(d.document(url, WAIT, now), None);
        assert_eq!(fs::read_dir(d.dir()).unwrap().count(), 0);
    }

    #[test]
    fn folders_are_0700_files_0600_and_names_are_hashes() {
        let root = TempDir::new().unwrap();
        let d = disk(&root);
        let k = key("alice");
        let now = SystemTime::now();
        let t = tokens_until(now + Duration::from_secs(3600), Some("refresh-SECRET"));
        let locked = d.lock(&k, WAIT).unwrap();
        assert!(locked.read(&k, now).is_none());
        locked.write(&k, &t, false, now).unwrap();
        drop(locked);
        assert_eq!(d.peek(&k).unwrap().access_token(), t.access_token());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&root.path().join(TOKENS)), 0o700);
            assert_eq!(mode(d.dir()), 0o700);
            let names: Vec<String> = fs::read_dir(d.dir())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert_eq!(names.len(), 2, "{names:?}");
            for name in names {
                let (stem, ext) = name.split_once('.').unwrap();
                assert!(ext == "json" || ext == "lock", "{name}");
                assert_eq!(stem, k.digest());
                assert_eq!(mode(&d.dir().join(&name)), 0o600, "{name}");
            }
        }
        let text = fs::read_to_string(d.entry_path(&k.digest())).unwrap();
        assert!(!text.contains("refresh-SECRET"));
    }

    #[test]
    fn a_held_lock_is_waited_for_then_a_typed_error() {
        let root = TempDir::new().unwrap();
        let d = disk(&root);
        let k = key("alice");
        let held = d.lock(&k, WAIT).unwrap();
        let e = d.lock(&k, Duration::from_millis(30)).err().unwrap();
        assert!(
            matches!(&e, Error::CacheLocked { path, waited } if path.ends_with(format!("{}.lock", k.digest())) && *waited >= Duration::from_millis(30)),
            "{e:?}"
        );
        assert!(e.to_string().contains("lock"), "{e}");
        // Other keys are not blocked; released, the key is free again.
        drop(d.lock(&key("bob"), WAIT).unwrap());
        drop(held);
        drop(d.lock(&k, WAIT).unwrap());
    }

    #[test]
    fn a_waiter_gets_the_lock_when_its_holder_lets_go() {
        let root = TempDir::new().unwrap();
        let d = Arc::new(disk(&root));
        let k = key("alice");
        let held = d.lock(&k, WAIT).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let (d, k) = (d.clone(), k.clone());
            std::thread::spawn(move || {
                let locked = d.lock(&k, WAIT).unwrap();
                tx.send(()).unwrap();
                locked
                    .read(&k, SystemTime::now())
                    .map(|t| t.access_token().to_owned())
            })
        };
        let t = tokens_until(SystemTime::now() + Duration::from_secs(3600), None);
        held.write(&k, &t, false, SystemTime::now()).unwrap();
        assert!(
            rx.try_recv().is_err(),
            "the waiter must not get the lock while it is held"
        );
        drop(held);
        assert_eq!(waiter.join().unwrap().as_deref(), Some(t.access_token()));
    }

    #[test]
    fn spent_entries_are_deleted_and_bad_ones_read_as_absent() {
        let root = TempDir::new().unwrap();
        let d = disk(&root);
        let (alice, bob) = (key("alice"), key("bob"));
        let now = SystemTime::now();
        let gone = tokens_until(now - Duration::from_secs(1), None);
        let renewable = tokens_until(now - Duration::from_secs(1), Some("rt"));
        let locked = d.lock(&alice, WAIT).unwrap();
        locked
            .write(&alice, &gone, true, now - Duration::from_secs(10))
            .unwrap();
        let entry = d.entry_path(&alice.digest());
        assert!(entry.exists());
        assert!(locked.read(&alice, now).is_none());
        assert!(
            !entry.exists(),
            "an expired entry without refresh token is deleted"
        );
        locked.write(&alice, &renewable, true, now).unwrap();
        assert_eq!(
            locked.read(&alice, now).unwrap().refresh_token(),
            Some("rt")
        );
        drop(locked);

        // A write for bob sweeps alice's entry once it is spent, and stale temp files.
        let stale_tmp = d.dir().join(format!("{}.json.99999.tmp", alice.digest()));
        fs::write(&stale_tmp, b"half").unwrap();
        let locked = d.lock(&alice, WAIT).unwrap();
        locked
            .write(&alice, &gone, false, now - Duration::from_secs(10))
            .unwrap();
        drop(locked);
        let bob_lock = d.lock(&bob, WAIT).unwrap();
        bob_lock
            .write(
                &bob,
                &tokens_until(now + Duration::from_secs(60), None),
                false,
                now,
            )
            .unwrap();
        assert!(!entry.exists() && !stale_tmp.exists());

        for bad in [&b"{\"version\":1,"[..], b"", b"not json"] {
            fs::write(d.entry_path(&bob.digest()), bad).unwrap();
            assert!(d.peek(&bob).is_none());
            assert!(bob_lock.read(&bob, now).is_none());
        }
    }

    #[rstest::rstest]
    #[case("ab12.json", Some(("ab12", false)))]
    #[case("ab12.json.4242.tmp", Some(("ab12", true)))]
    #[case("ab12.lock", None)]
    #[case("ab12", None)]
    #[case("ab12.json.tmp.x", None)]
    #[case("ab12.jsonx", None)]
    fn entries_and_temp_files_are_told_by_name(
        #[case] name: &str,
        #[case] told: Option<(&str, bool)>,
    ) {
        assert_eq!(entry_file(name), told);
    }

    #[test]
    fn list_and_clear() {
        let root = TempDir::new().unwrap();
        assert_eq!(list(root.path(), true).unwrap().len(), 0);
        assert_eq!(clear(root.path(), true, WAIT).unwrap(), (0, 0));
        let d = disk(&root);
        let now = SystemTime::now();
        for user in ["alice", "bob"] {
            let k = key(user);
            let l = d.lock(&k, WAIT).unwrap();
            l.write(
                &k,
                &tokens_until(now + Duration::from_secs(600), None),
                false,
                now,
            )
            .unwrap();
        }
        let listed = list(root.path(), true).unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].file.starts_with(d.dir()));
        let s = listed[0].summary.as_ref().unwrap();
        assert_eq!(s.app, "spa");
        assert_eq!(s.config, "/w/fixtures.yaml");
        let held = d.lock(&key("bob"), WAIT).unwrap();
        assert_eq!(
            clear(root.path(), true, Duration::from_millis(20)).unwrap(),
            (1, 1)
        );
        drop(held);
        assert_eq!(clear(root.path(), true, WAIT).unwrap(), (1, 0));
        assert_eq!(list(root.path(), true).unwrap().len(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_root_owned_by_someone_else_is_refused() {
        let root = TempDir::new().unwrap();
        let d = disk(&root);
        d.prepare().unwrap();
        // Only root can give a folder away; as anyone else, the mode tests in
        // tests/it/security stand in for this one.
        if std::os::unix::fs::chown(root.path(), Some(4_000_000), None).is_ok() {
            let e = d.prepare().expect_err("a foreign root is refused");
            assert!(
                matches!(&e, Error::Cache { path, action: "used", .. } if *path == root.path()),
                "{e:?}"
            );
            assert!(e.to_string().contains("OKTA_FIXTURES_CACHE_DIR"), "{e}");
            // A folder the user named is theirs to choose.
            Disk::new(root.path().into(), Path::new("/w/fixtures.yaml"), false)
                .prepare()
                .unwrap();
        }
    }
}
