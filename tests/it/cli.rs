//! The `okta-fixtures` command line, run as users run it: the built binary, its first stdout
//! line, its stderr, its exit code, and the signals that stop it.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Running, SECRETS, command, root_fixtures, temp_dir};

async fn json(url: &str) -> Value {
    let res = reqwest::get(url).await.expect("the fake answers");
    assert_eq!(res.status(), 200, "GET {url}");
    res.json().await.expect("a JSON body")
}

/// The key ids the org server publishes.
async fn kids(org_url: &str) -> Vec<String> {
    let keys = json(&format!("{org_url}/oauth2/v1/keys")).await;
    let mut kids: Vec<String> = keys["keys"]
        .as_array()
        .expect("a keys array")
        .iter()
        .map(|k| k["kid"].as_str().expect("a kid").to_owned())
        .collect();
    kids.sort();
    kids
}

/// `okta-fixtures fake --config <root fixtures.yaml> <more>`.
fn fake_with_root(cache: &Path, more: &[&str]) -> Command {
    let config = root_fixtures();
    let mut args = vec!["fake", "--config", &config];
    args.extend_from_slice(more);
    command(cache, &args)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[cfg(unix)]
#[tokio::test]
async fn fake_prints_its_url_serves_discovery_and_stops_on_sigterm() {
    let cache = temp_dir("cli-sigterm");
    // No --config: found upward from the current folder, as for a user in a subfolder.
    let workspace = temp_dir("cli-sigterm-workspace");
    let config = workspace.path().join("fixtures.yaml");
    std::fs::copy(root_fixtures(), &config).expect("copy fixtures.yaml");
    let subfolder = workspace.path().join("crates/app/src");
    std::fs::create_dir_all(&subfolder).expect("a subfolder");
    let mut cmd = command(cache.path(), &["fake", "--fresh-key"]);
    cmd.current_dir(&subfolder);
    let fake = Running::start(cmd);
    let org = fake.org_url.clone();
    let port = org
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse::<u16>().ok());
    assert!(port.is_some_and(|p| p != 0), "first line {org:?}");

    let doc = json(&format!("{org}/.well-known/openid-configuration")).await;
    assert_eq!(doc["issuer"], org.as_str());
    assert_eq!(doc["jwks_uri"], format!("{org}/oauth2/v1/keys"));
    let doc = json(&format!(
        "{org}/oauth2/default/.well-known/openid-configuration"
    ))
    .await;
    assert_eq!(doc["issuer"], format!("{org}/oauth2/default"));

    let (status, stdout_rest, stderr) = fake.stop("TERM");
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{stderr}");
    assert_eq!(stdout_rest, "", "stdout holds the org URL alone");
    for part in [
        format!("serving {}", config.display()),
        format!("issuer org          {org}\n"),
        format!("issuer default      {org}/oauth2/default\n"),
        "client_id web-client, flow code, client_secret_basic".into(),
        "user   alice        alice@example.com, app spa".into(),
        "SIGTERM received, stopping".into(),
    ] {
        assert!(
            stderr.contains(&part),
            "{part:?} missing from stderr:\n{stderr}"
        );
    }
    for secret in SECRETS {
        assert!(!stderr.contains(secret), "{secret} on stderr:\n{stderr}");
    }
    assert!(
        cache.path().join("fake").is_dir(),
        "the key folder is under OKTA_FIXTURES_CACHE_DIR"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn addr_pins_the_port_and_ctrl_c_stops_cleanly() {
    let cache = temp_dir("cli-addr");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let fake = Running::start(fake_with_root(cache.path(), &["--addr", &addr]));
    assert_eq!(fake.org_url, format!("http://127.0.0.1:{port}"));
    let doc = json(&format!(
        "{}/.well-known/openid-configuration",
        fake.org_url
    ))
    .await;
    assert_eq!(
        doc["token_endpoint"],
        format!("http://{addr}/oauth2/v1/token")
    );

    let (status, _, stderr) = fake.stop("INT");
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{stderr}");
    assert!(stderr.contains("Ctrl-C (SIGINT) received"), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "no warning on loopback:\n{stderr}"
    );
}

/// `--addr` on every interface: a warning that the admin endpoints have no authentication.
#[cfg(unix)]
#[tokio::test]
async fn a_non_loopback_addr_warns_that_admin_endpoints_are_open() {
    let cache = temp_dir("cli-addr-exposed");
    let fake = Running::start(fake_with_root(cache.path(), &["--addr", "0.0.0.0:0"]));
    assert!(
        fake.org_url.starts_with("http://0.0.0.0:"),
        "{}",
        fake.org_url
    );
    let (status, _, stderr) = fake.stop("TERM");
    assert_eq!(status.code(), Some(0), "{status:?}; stderr:\n{stderr}");
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:")
            && stderr.contains("/_fake/ admin endpoints")
            && stderr.contains("have no authentication"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_key_is_kept_across_restarts_unless_fresh_key() {
    let cache = temp_dir("cli-keys");
    let mut seen = Vec::new();
    for args in [&["--fresh-key"][..], &[], &["--fresh-key"]] {
        let fake = Running::start(fake_with_root(cache.path(), args));
        seen.push(kids(&fake.org_url).await);
        let (status, _, stderr) = fake.stop("TERM");
        assert_eq!(
            status.code(),
            Some(0),
            "{args:?}: {status:?}; stderr:\n{stderr}"
        );
    }
    assert_eq!(
        seen[0].len(),
        1,
        "the org server publishes its ID-token key, not the key of its access tokens"
    );
    assert_eq!(
        seen[1], seen[0],
        "a restart without --fresh-key keeps the keys"
    );
    assert!(
        seen[2].iter().all(|kid| !seen[1].contains(kid)),
        "--fresh-key makes new keys: {:?} vs {:?}",
        seen[2],
        seen[1]
    );
}

#[test]
fn a_missing_config_exits_1_naming_the_path() {
    let cache = temp_dir("cli-missing");
    let out = command(
        cache.path(),
        &["fake", "--config", "no-such-folder/fixtures.yaml"],
    )
    .current_dir(cache.path())
    .output()
    .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{:?}; stderr:\n{stderr}",
        out.status
    );
    assert!(out.stdout.is_empty(), "nothing on stdout when it fails");
    assert!(stderr.starts_with("error: "), "{stderr}");
    let named = cache.path().join("no-such-folder/fixtures.yaml");
    assert!(
        stderr.contains(&format!("{}: no such file", named.display())),
        "{stderr}"
    );
    assert!(stderr.contains("--config"), "says who named it: {stderr}");

    // The same from OKTA_FIXTURES_CONFIG, which must say so.
    let out = command(cache.path(), &["fake"])
        .current_dir(cache.path())
        .env("OKTA_FIXTURES_CONFIG", "elsewhere.yaml")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("elsewhere.yaml: no such file"), "{stderr}");
    assert!(stderr.contains("OKTA_FIXTURES_CONFIG"), "{stderr}");
}

#[test]
fn a_broken_config_exits_1_naming_the_line_and_no_secret() {
    let cache = temp_dir("cli-broken");
    let file = cache.path().join("fixtures.yaml");
    std::fs::write(
        &file,
        "org_url: fake\nusers:\n  alice:\n    username: alice@example.com\n    password: hunter2-secret\n    pasword: typo\n",
    )
    .expect("write the config");
    let out = command(cache.path(), &["fake"])
        .current_dir(cache.path())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:6:", file.display())),
        "file:line of the unknown key: {stderr}"
    );
    assert!(stderr.contains("pasword"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
}

#[test]
fn a_taken_address_exits_1_with_the_cause() {
    let cache = temp_dir("cli-taken");
    let taken = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let addr = taken.local_addr().expect("its address").to_string();
    let out = fake_with_root(cache.path(), &["--addr", &addr])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "no URL for a fake that did not start"
    );
    assert!(
        stderr.contains(&format!("could not listen on {addr}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  caused by: "),
        "the source chain: {stderr}"
    );
    drop(taken);
}

#[test]
fn usage_errors_exit_2() {
    let cache = temp_dir("cli-usage");
    let out = command(cache.path(), &["fake", "--addr", "localhost"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--addr"));
}
