//! The `okta-fixtures` command line, run as users run it: the built binary, its first stdout
//! line, its stderr, its exit code, and the signals that stop it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// How long the binary may take to print its URL or to exit; only a hang comes near it.
const PATIENCE: Duration = Duration::from_secs(60);

/// The secrets of the root fixtures.yaml, which no output may contain.
pub(crate) const SECRETS: [&str; 4] = [
    "web-secret",
    "reports-secret",
    "correct-horse",
    "battery-staple",
];

/// The binary, built once per test process. `CARGO_BIN_EXE_*` only names a package's own
/// binaries and this one belongs to `okta-fixtures`, so the cargo running these tests builds it
/// and its JSON messages say where it is (whatever the target folder).
static BIN: LazyLock<PathBuf> = LazyLock::new(|| {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-p", "okta-fixtures", "--features", "cli"])
        .args([
            "--bin",
            "okta-fixtures",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building the okta-fixtures binary failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "okta-fixtures")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the okta-fixtures executable")
});

/// The built `okta-fixtures` binary.
pub(crate) fn bin() -> &'static Path {
    &BIN
}

pub(crate) fn root_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures.yaml")
}

/// `okta-fixtures <args>` with a private cache folder and no config-related environment.
pub(crate) fn command(cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(&*BIN);
    cmd.args(args)
        .env("OKTA_FIXTURES_CACHE_DIR", cache)
        .env_remove("OKTA_FIXTURES_CONFIG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running `okta-fixtures fake`; killed if a test fails before stopping it.
pub(crate) struct Running {
    child: Option<Child>,
    pub(crate) org_url: String,
    stdout_rest: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

impl Running {
    /// Starts it and waits for the first stdout line.
    pub(crate) fn start(mut cmd: Command) -> Running {
        let mut child = cmd.spawn().expect("the binary starts");
        let stderr = read_all(child.stderr.take().expect("piped stderr"));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (tx, rx) = mpsc::channel();
        let stdout_rest = std::thread::spawn(move || {
            let mut first = String::new();
            let _ = stdout.read_line(&mut first);
            let _ = tx.send(first);
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        let mut running = Running {
            child: Some(child),
            org_url: String::new(),
            stdout_rest,
            stderr,
        };
        match rx.recv_timeout(PATIENCE) {
            Ok(line) if !line.is_empty() => running.org_url = line.trim_end().to_owned(),
            outcome => {
                let (status, _, stderr) = running.kill();
                panic!("no org URL on stdout ({outcome:?}); {status:?}; stderr:\n{stderr}");
            }
        }
        running
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("still running").id()
    }

    /// Sends `signal` (`TERM`, `INT`) with kill(1) and waits for the exit: status, the rest of
    /// stdout, all of stderr.
    fn stop(mut self, signal: &str) -> (ExitStatus, String, String) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill -{signal} failed");
        self.wait()
    }

    fn kill(&mut self) -> (Option<ExitStatus>, String, String) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        let (status, out, err) = self.wait_inner();
        (status, out, err)
    }

    fn wait(&mut self) -> (ExitStatus, String, String) {
        let (status, out, err) = self.wait_inner();
        let status = status.unwrap_or_else(|| {
            panic!("okta-fixtures fake did not exit within {PATIENCE:?}; stderr:\n{err}")
        });
        (status, out, err)
    }

    fn wait_inner(&mut self) -> (Option<ExitStatus>, String, String) {
        let Some(mut child) = self.child.take() else {
            return (None, String::new(), String::new());
        };
        let (tx, rx) = mpsc::channel();
        let pid = child.id();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let status = match rx.recv_timeout(PATIENCE) {
            Ok(status) => status.ok(),
            Err(_) => {
                // Hung: kill it so the output threads end and the test reports it.
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                None
            }
        };
        let take = |h: &mut JoinHandle<String>| {
            std::mem::replace(h, std::thread::spawn(String::new))
                .join()
                .unwrap_or_default()
        };
        let out = take(&mut self.stdout_rest);
        let err = take(&mut self.stderr);
        (status, out, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn read_all(mut from: impl std::io::Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = from.read_to_string(&mut s);
        s
    })
}

/// A fresh folder under the system temp folder, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        Self::in_area("cli", tag)
    }

    /// A fresh folder named after the test `area` (a module of tests/it) and `tag`.
    pub(crate) fn in_area(area: &str, tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "okta-fixtures-it-{area}-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[cfg(unix)]
#[tokio::test]
async fn fake_prints_its_url_serves_discovery_and_stops_on_sigterm() {
    let cache = TempDir::new("sigterm");
    // No --config: found upward from the current folder, as for a user in a subfolder.
    let workspace = TempDir::new("sigterm-workspace");
    let config = workspace.0.join("fixtures.yaml");
    std::fs::copy(root_fixtures(), &config).expect("copy fixtures.yaml");
    let subfolder = workspace.0.join("crates/app/src");
    std::fs::create_dir_all(&subfolder).expect("a subfolder");
    let mut cmd = command(&cache.0, &["fake", "--fresh-key"]);
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
        cache.0.join("fake").is_dir(),
        "the key folder is under OKTA_FIXTURES_CACHE_DIR"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn addr_pins_the_port_and_ctrl_c_stops_cleanly() {
    let cache = TempDir::new("addr");
    let port = free_port();
    let config = root_fixtures();
    let addr = format!("127.0.0.1:{port}");
    let fake = Running::start(command(
        &cache.0,
        &[
            "fake",
            "--config",
            config.to_str().expect("utf-8 path"),
            "--addr",
            &addr,
        ],
    ));
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
}

#[cfg(unix)]
#[tokio::test]
async fn the_key_is_kept_across_restarts_unless_fresh_key() {
    let cache = TempDir::new("keys");
    let config = root_fixtures();
    let config = config.to_str().expect("utf-8 path");
    let mut seen = Vec::new();
    for args in [
        &["fake", "--config", config, "--fresh-key"][..],
        &["fake", "--config", config],
        &["fake", "--config", config, "--fresh-key"],
    ] {
        let fake = Running::start(command(&cache.0, args));
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
        2,
        "two keys: ID tokens and org access tokens"
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
    let cache = TempDir::new("missing");
    let out = command(
        &cache.0,
        &["fake", "--config", "no-such-folder/fixtures.yaml"],
    )
    .current_dir(&cache.0)
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
    let named = cache.0.join("no-such-folder/fixtures.yaml");
    assert!(
        stderr.contains(&format!("{}: no such file", named.display())),
        "{stderr}"
    );
    assert!(stderr.contains("--config"), "says who named it: {stderr}");

    // The same from OKTA_FIXTURES_CONFIG, which must say so.
    let out = command(&cache.0, &["fake"])
        .current_dir(&cache.0)
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
    let cache = TempDir::new("broken");
    let file = cache.0.join("fixtures.yaml");
    std::fs::write(
        &file,
        "org_url: fake\nusers:\n  alice:\n    username: alice@example.com\n    password: hunter2-secret\n    pasword: typo\n",
    )
    .expect("write the config");
    let out = command(&cache.0, &["fake"])
        .current_dir(&cache.0)
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
    let cache = TempDir::new("taken");
    let taken = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let addr = taken.local_addr().expect("its address").to_string();
    let config = root_fixtures();
    let out = command(
        &cache.0,
        &[
            "fake",
            "--config",
            config.to_str().expect("utf-8 path"),
            "--addr",
            &addr,
        ],
    )
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
    let cache = TempDir::new("usage");
    let out = command(&cache.0, &["fake", "--addr", "localhost"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--addr"));
}
