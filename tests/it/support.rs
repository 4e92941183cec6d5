//! What every area of these tests shares: temporary folders, the built binary and its processes,
//! a runtime, and the readers of the fake's answers (JSON errors, form_post pages, JWTs, redirects).
//!
//! Pages are read with `scraper` and JWT parts with `base64`, as the product reads them: a test
//! that parsed differently could pass where the product fails.

pub(crate) mod redis;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::LazyLock;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Client, Response, StatusCode};
use scraper::{Html, Selector};
use serde_json::{Value, json};

pub(crate) mod redis_tls;
pub(crate) mod served_org;

/// How long the binary may take to print its URL or to exit; only a hang comes near it.
const PATIENCE: Duration = Duration::from_secs(60);

/// The secrets of the root fixtures.yaml, which no output may contain.
pub(crate) const SECRETS: [&str; 5] = [
    "web-secret",
    "reports-secret",
    "correct-horse",
    "battery-staple",
    // carol's TOTP secret.
    "JBSWY3DPEHPK3PXP",
];

/// A fresh folder under the system temp folder, named after `tag`, removed on drop.
pub(crate) fn temp_dir(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("okta-fixtures-it-{tag}-"))
        .tempdir()
        .expect("a temp folder")
}

/// A current-thread runtime, or a two-worker multi-thread one: threads mix both.
pub(crate) fn runtime(current_thread: bool) -> tokio::runtime::Runtime {
    if current_thread {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    }
    .unwrap()
}

// ----------------------------------------------------------------------------------------------
// The `okta-fixtures` binary

/// The binary, built once per test process. `CARGO_BIN_EXE_*` only names a package's own
/// binaries and this one belongs to `okta-fixtures`, so the cargo running these tests builds it
/// and its JSON messages say where it is (whatever the target folder).
static BIN: LazyLock<PathBuf> = LazyLock::new(|| {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-p", "okta-fixtures", "--features", "cli,redis"])
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

/// The workspace's fixtures.yaml, as the text a `--config` argument takes.
pub(crate) fn root_fixtures() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures.yaml").to_owned()
}

/// `okta-fixtures <args>` with a private cache folder and no config-related environment.
pub(crate) fn command(cache: &Path, args: &[&str]) -> Command {
    isolated(bin(), cache, args)
}

/// `program <args>` as [`command`] runs the binary: a private cache folder, no config-related
/// environment, no stdin, output piped.
pub(crate) fn isolated(program: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env(okta_fixtures::dirs::CACHE_DIR_ENV, cache)
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
    pub(crate) fn stop(mut self, signal: &str) -> (ExitStatus, String, String) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill -{signal} failed");
        let (status, out, err) = self.wait();
        let status = status.unwrap_or_else(|| {
            panic!("okta-fixtures fake did not exit within {PATIENCE:?}; stderr:\n{err}")
        });
        (status, out, err)
    }

    fn kill(&mut self) -> (Option<ExitStatus>, String, String) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        self.wait()
    }

    fn wait(&mut self) -> (Option<ExitStatus>, String, String) {
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

// ----------------------------------------------------------------------------------------------
// The fake's answers

/// An HTTP client that, like the product's, follows no redirect and keeps no cookie.
pub(crate) fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Status, headers and JSON body (`Null` when empty).
pub(crate) async fn json_of(res: Response) -> (StatusCode, HeaderMap, Value) {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, headers, v)
}

/// An OAuth error body: exactly `error` and `error_description`.
pub(crate) async fn assert_oauth_error(res: Response, status: u16, error: &str, description: &str) {
    let (s, h, v) = json_of(res).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert_eq!(v, json!({"error": error, "error_description": description}));
}

/// An Okta API error body with `code` and `summary`; returns it for more checks.
pub(crate) async fn assert_okta_error(
    res: Response,
    status: u16,
    code: &str,
    summary: &str,
) -> Value {
    let (s, h, v) = json_of(res).await;
    assert_eq!(s, status, "{v}");
    assert_eq!(h[CONTENT_TYPE], "application/json;charset=UTF-8");
    assert_eq!(v["errorCode"], code, "{v}");
    assert_eq!(v["errorSummary"], summary);
    assert_eq!(v["errorLink"], code);
    let id = v["errorId"].as_str().unwrap();
    assert!(id.starts_with("oae") && id.len() == 25, "{id}");
    assert!(v["errorCauses"].is_array());
    v
}

/// Okta's answer to a body it cannot parse.
pub(crate) async fn assert_not_well_formed(res: Response) {
    assert_okta_error(
        res,
        400,
        "E0000003",
        "The request body was not well-formed.",
    )
    .await;
}

/// Okta's 404 for a `kind` of resource (`AuthorizationServer`, `Fault`) named `name`.
pub(crate) async fn assert_not_found(res: Response, name: &str, kind: &str) {
    let summary = format!("Not found: Resource not found: {name} ({kind})");
    assert_okta_error(res, 404, "E0000007", &summary).await;
}

/// The named inputs of a form_post page, decoded (empty when the page has no form).
pub(crate) fn form_fields(page: &str) -> BTreeMap<String, String> {
    let page = Html::parse_document(page);
    page.select(&Selector::parse("form input").unwrap())
        .filter_map(|i| {
            let name = i.value().attr("name")?;
            Some((name.to_owned(), i.value().attr("value")?.to_owned()))
        })
        .collect()
}

/// Where the form_post page's `appForm` posts to, decoded.
pub(crate) fn form_action(page: &str) -> Option<String> {
    let page = Html::parse_document(page);
    page.select(&Selector::parse("form#appForm").unwrap())
        .next()?
        .value()
        .attr("action")
        .map(str::to_owned)
}

/// A page's text, character references decoded.
pub(crate) fn page_text(page: &str) -> String {
    Html::parse_document(page).root_element().text().collect()
}

/// One base64url part of a JWT, as text.
pub(crate) fn jwt_text(token: &str, i: usize) -> String {
    let part = token.split('.').nth(i).expect("a JWT part");
    String::from_utf8(URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("UTF-8")
}

/// One part of a JWT (0: header, 1: claims), as JSON.
pub(crate) fn jwt_part(token: &str, i: usize) -> Value {
    serde_json::from_str(&jwt_text(token, i)).unwrap()
}

pub(crate) fn claims(token: &str) -> Value {
    jwt_part(token, 1)
}

pub(crate) fn kid(token: &str) -> String {
    jwt_part(token, 0)["kid"].as_str().unwrap().to_owned()
}

/// Checks that `keys` were written in this order in `json_text`.
pub(crate) fn assert_key_order(json_text: &str, keys: &[&str]) {
    let at: Vec<usize> = keys
        .iter()
        .map(|k| json_text.find(&format!("\"{k}\":")).unwrap_or(usize::MAX))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{keys:?} at {at:?}");
}

/// `params` with `changes` made: `Some` sets a parameter (in place, or added at the end), `None`
/// removes it.
pub(crate) fn edited<'a>(
    mut params: Vec<(&'a str, &'a str)>,
    changes: &[(&'a str, Option<&'a str>)],
) -> Vec<(&'a str, &'a str)> {
    for &(name, value) in changes {
        let at = params.iter().position(|(k, _)| *k == name);
        match (at, value) {
            (Some(i), Some(v)) => params[i].1 = v,
            (None, Some(v)) => params.push((name, v)),
            (Some(i), None) => drop(params.remove(i)),
            (None, None) => panic!("no {name} to remove"),
        }
    }
    params
}

/// The parameters a 302 carries in its `Location` query (`?`) or fragment (`#`).
pub(crate) fn location_params(res: &Response, sep: char) -> BTreeMap<String, String> {
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, params) = location.split_once(sep).unwrap();
    reqwest::Url::parse(&format!("http://x/?{params}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}
