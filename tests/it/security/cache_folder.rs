//! The cache folder and the fake's key folder: used only when they are this user's, writable
//! by no one else, and never through a symbolic link planted inside them.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _, symlink};
use std::path::Path;
use std::process::Output;

use okta_fixtures::fake::FakeOkta;

use crate::support::{command, temp_dir};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("metadata").mode() & 0o777
}

/// A planted `tokens/<workspace>` that links to another folder: `cache clear` must not delete
/// the `*.json` files there.
#[test]
fn cache_clear_never_follows_a_planted_workspace_link() {
    let cache = temp_dir("sec-clear-link");
    let victim = temp_dir("sec-clear-victim");
    let precious = victim.path().join("precious.json");
    fs::write(&precious, b"{}").expect("write the victim's file");
    let tokens = cache.path().join("tokens");
    fs::create_dir(&tokens).expect("tokens/");
    chmod(&tokens, 0o700);
    symlink(victim.path(), tokens.join("0123456789abcdef")).expect("plant a link");
    // An entry that is itself a link to the victim's file.
    let ws = tokens.join("fedcba9876543210");
    fs::create_dir(&ws).expect("a workspace");
    chmod(&ws, 0o700);
    symlink(&precious, ws.join("aaaa.json")).expect("plant an entry link");

    let out = command(cache.path(), &["cache", "clear"])
        .output()
        .expect("run cache clear");
    assert!(
        precious.exists(),
        "the link's target was deleted: {}",
        text(&out)
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("symbolic link"), "{}", text(&out));
    assert!(
        text(&out).contains("OKTA_FIXTURES_CACHE_DIR"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_entry_link_is_removed_not_its_target() {
    let cache = temp_dir("sec-entry-link");
    let victim = temp_dir("sec-entry-victim");
    let precious = victim.path().join("precious.json");
    fs::write(&precious, b"{}").expect("write the victim's file");
    let ws = cache.path().join("tokens/fedcba9876543210");
    fs::create_dir_all(&ws).expect("a workspace");
    chmod(&cache.path().join("tokens"), 0o700);
    chmod(&ws, 0o700);
    symlink(&precious, ws.join("aaaa.json")).expect("plant an entry link");
    let out = command(cache.path(), &["cache", "list"])
        .output()
        .expect("run cache list");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        out.stdout.is_empty(),
        "a link is not an entry: {}",
        text(&out)
    );
    let out = command(cache.path(), &["cache", "clear"])
        .output()
        .expect("run cache clear");
    assert!(out.status.success(), "{}", text(&out));
    assert!(precious.exists());
    assert!(fs::symlink_metadata(ws.join("aaaa.json")).is_err());
}

/// The default folder (`okta-fixtures-<uid>` in the temp folder) made first by someone else
/// with a mode that lets others write: refused, with the way out. As any user, a folder this
/// user owns but others can write in stands in for one another user owns.
#[test]
fn a_shared_temp_folder_others_can_write_in_is_refused() {
    let tmp = temp_dir("sec-tmpdir");
    let uid = fs::metadata(tmp.path()).expect("metadata").uid();
    let root = tmp.path().join(format!("okta-fixtures-{uid}"));
    for loose in [0o777, 0o775, 0o1777] {
        fs::create_dir_all(&root).expect("the planted root");
        chmod(&root, loose);
        for args in [&["cache", "list"][..], &["cache", "clear"]] {
            let out = command(tmp.path(), args)
                .env_remove(okta_fixtures::dirs::CACHE_DIR_ENV)
                .env_remove("XDG_RUNTIME_DIR")
                .env("TMPDIR", tmp.path())
                .output()
                .expect("run the cache command");
            assert!(!out.status.success(), "{loose:o} {args:?}: {}", text(&out));
            assert!(
                text(&out).contains("OKTA_FIXTURES_CACHE_DIR"),
                "{}",
                text(&out)
            );
            assert!(
                text(&out).contains("other users can write"),
                "{}",
                text(&out)
            );
            assert_eq!(mode(&root), loose & 0o777, "the mode is left as it was");
        }
    }
    // Made private, the same folder is used.
    chmod(&root, 0o700);
    let out = command(tmp.path(), &["cache", "list"])
        .env_remove(okta_fixtures::dirs::CACHE_DIR_ENV)
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", tmp.path())
        .output()
        .expect("run cache list");
    assert!(out.status.success(), "{}", text(&out));
}

/// A `tokens/` planted as a link to another folder: its target's mode is not changed, and the
/// folder is refused.
#[test]
fn a_planted_tokens_link_is_refused_and_its_target_left_alone() {
    let cache = temp_dir("sec-tokens-link");
    let elsewhere = temp_dir("sec-tokens-elsewhere");
    chmod(elsewhere.path(), 0o755);
    symlink(elsewhere.path(), cache.path().join("tokens")).expect("plant tokens/");
    let out = command(cache.path(), &["cache", "list"])
        .output()
        .expect("run cache list");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("symbolic link"), "{}", text(&out));
    assert_eq!(mode(elsewhere.path()), 0o755);
}

/// `okta-fixtures fake` keeps its keys in `fake/` of the default root: a root others can
/// write in is refused, before a key is read or made.
#[test]
fn the_fake_refuses_a_default_root_others_can_write_in() {
    let tmp = temp_dir("sec-fake-root");
    let uid = fs::metadata(tmp.path()).expect("metadata").uid();
    let root = tmp.path().join(format!("okta-fixtures-{uid}"));
    fs::create_dir(&root).expect("the planted root");
    chmod(&root, 0o777);
    let mut cmd = command(
        tmp.path(),
        &["fake", "--config", &crate::support::root_fixtures()],
    );
    cmd.env_remove(okta_fixtures::dirs::CACHE_DIR_ENV)
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", tmp.path());
    let out = super::cache_entries::output_unless_hung(cmd).expect("the fake started anyway");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("other users can write"),
        "{}",
        text(&out)
    );
    assert!(!root.join("fake").exists(), "no key folder is made");
}

/// A key folder of the shared test key set's keys, as a fake left it.
fn copied_key_dir(tag: &str) -> tempfile::TempDir {
    let shared = crate::fake::key_dir();
    FakeOkta::builder()
        .key_dir(shared.clone())
        .build("http://127.0.0.1:9")
        .expect("the shared key folder");
    let dir = temp_dir(tag);
    for file in fs::read_dir(&shared)
        .expect("read the shared keys")
        .flatten()
    {
        let name = file.file_name();
        if name.to_string_lossy().ends_with(".pk8") {
            fs::copy(file.path(), dir.path().join(&name)).expect("copy a key");
        }
    }
    dir
}

#[test]
fn the_fake_refuses_a_symlinked_key_and_a_folder_others_can_write_in() {
    let keys = copied_key_dir("sec-keys");
    let build = || {
        FakeOkta::builder()
            .key_dir(keys.path().to_path_buf())
            .build("http://127.0.0.1:9")
    };
    build().expect("a private key folder is used");
    assert_eq!(mode(&keys.path().join("keys.lock")), 0o600);
    for file in fs::read_dir(keys.path()).expect("read the keys").flatten() {
        assert_eq!(mode(&file.path()), 0o600, "{:?}", file.file_name());
    }

    // A key planted as a link to a file outside (here a valid key) is refused, not loaded.
    let outside = temp_dir("sec-keys-outside");
    let key = keys.path().join("unpublished-key.pk8");
    let planted = outside.path().join("planted.pk8");
    fs::rename(&key, &planted).expect("move the key out");
    symlink(&planted, &key).expect("plant a link");
    let e = build().expect_err("a linked key is refused");
    let chain = format!(
        "{e} ({})",
        std::error::Error::source(&e)
            .map(|s| s.to_string())
            .unwrap_or_default()
    );
    assert!(chain.contains("symbolic link"), "{chain}");
    fs::remove_file(&key).expect("remove the link");
    fs::rename(&planted, &key).expect("put the key back");
    build().expect("usable again");

    for loose in [0o777, 0o770, 0o775] {
        chmod(keys.path(), loose);
        let e = build().expect_err("a folder others can write in is refused");
        let chain = format!(
            "{e} ({})",
            std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        assert!(
            chain.contains("other users can write"),
            "{loose:o}: {chain}"
        );
        assert!(chain.contains("OKTA_FIXTURES_CACHE_DIR"), "{chain}");
    }
}
