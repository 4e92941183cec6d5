//! Cache entries are read only when they are regular files of a sane size: a FIFO, a link to
//! `/dev/zero` or a huge file cannot hang or bloat `cache list`.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{command, temp_dir};

/// Far longer than `cache list` of three entries takes; only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// The command's output, or `None` when it was still running after [`HANG`] (then killed).
pub(super) fn output_unless_hung(mut cmd: Command) -> Option<Output> {
    let child = cmd.spawn().expect("spawn");
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(HANG) {
        Ok(out) => Some(out.expect("wait")),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            None
        }
    }
}

#[test]
fn a_fifo_a_device_link_and_a_huge_file_are_skipped_by_cache_list() {
    let cache = temp_dir("sec-entries");
    let ws = cache.path().join("tokens/fedcba9876543210");
    fs::create_dir_all(&ws).expect("a workspace");
    for dir in [cache.path().join("tokens"), ws.clone()] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let made = Command::new("mkfifo")
        .arg(ws.join("aaaa.json"))
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    symlink("/dev/zero", ws.join("bbbb.json")).expect("link /dev/zero");
    let huge = fs::File::create(ws.join("cccc.json")).expect("a huge entry");
    huge.set_len(64 * 1024 * 1024).expect("grow it");

    let out = output_unless_hung(command(cache.path(), &["cache", "list"]))
        .expect("cache list hung on an entry that is not a regular file");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(out.stdout.is_empty(), "nothing listed: {text}");
    assert!(text.contains("no cached tokens"), "{text}");
}
