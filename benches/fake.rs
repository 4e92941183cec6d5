//! Benchmarks of the embedded fake Okta, each next to its reference, measured in one run:
//!
//! 1. start-up of an in-process fake (start, then its first answer), with kept keys (target
//!    under 50 ms) and with fresh key generation (target under 1 s);
//! 2. `client_credentials` tokens per second at 32 connections, next to `oauth2-mock-server`
//!    (npm, started from `conformance/mock-server.mjs`) doing the same work (target: at
//!    least 2×);
//! 3. full code + PKCE flows per second at 32 connections (authn, authorize, token with an
//!    access token and an ID token: two signatures per flow), next to the RS256 signatures per
//!    second aws-lc-rs manages alone on every core (target: at least 2/3 of signatures ÷ 2).
//!
//! The load generator is one reqwest client per connection (each keeps its one connection
//! alive), the same for both servers, on loopback. Each comparison alternates three 2-second
//! windows of its two sides (after a warm-up), so that a busy neighbour on a shared machine
//! slows both alike; the header line shows the load average the run started with.
//!
//! ```text
//! cargo bench --bench fake                 # everything, release build (about 40 s)
//! cargo bench --bench fake -- startup      # only some: startup, client_credentials, flows
//! cargo test -p okta-fixtures-workspace --bench fake   # start-up alone, in a debug build
//! ```
//!
//! `cargo bench` passes `--bench`; without it (as under `cargo test`) only the start-up is
//! measured, so a debug build answers the debug-build question. The per-user rate limit (4
//! sign-ins per second and user, as Okta enforces) is turned off here: one user signs in
//! thousands of times a second. Needs `npm ci` in `conformance/` for the oauth2-mock-server
//! row; without node it is reported as skipped.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use okta_fixtures::fake::FakeOkta;
use reqwest::Client;
use scraper::{Html, Selector};
use serde_json::Value;

const CONNECTIONS: usize = 32;
const WARM_UP: Duration = Duration::from_millis(500);
/// Each comparison alternates short windows of its two sides, so that a busy neighbour on a
/// shared machine slows both sides alike.
const ROUNDS: usize = 3;
const WINDOW: Duration = Duration::from_secs(2);
const SIGNING_WINDOW: Duration = Duration::from_secs(1);
/// No loop runs longer than its window or more than this many requests.
const MAX_REQUESTS: u64 = 50_000_000;
const KEPT_STARTS: usize = 10;
const FRESH_STARTS: usize = 5;

const SPA_CB: &str = "http://localhost:8080/login/callback";
/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The service app of the root fixtures.yaml.
const REPORTS: (&str, &str) = ("reports-client", "reports-secret");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let picked: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["startup", "client_credentials", "flows"].contains(a))
        .collect();
    let wants = |part: &str| {
        if picked.is_empty() {
            full || part == "startup"
        } else {
            picked.contains(&part)
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split(' ').next().map(str::to_owned))
        .map_or(String::new(), |l| format!(", load average {l} at start"));
    println!(
        "okta-fixtures fake benchmark: {profile} build, {cpus} CPUs, {CONNECTIONS} connections{load_average}"
    );
    let mut rows: Vec<Row> = Vec::new();
    if wants("startup") {
        rows.extend(runtime.block_on(startup(root)));
    }
    if wants("client_credentials") {
        rows.push(runtime.block_on(client_credentials(root)));
    }
    if wants("flows") {
        rows.push(runtime.block_on(flows(root, cpus)));
    }
    print_table(&rows);
}

/// One line of the table.
struct Row {
    what: String,
    result: String,
    reference: String,
    ratio: String,
    target: String,
    met: Option<bool>,
}

fn print_table(rows: &[Row]) {
    let header = Row {
        what: "measurement".into(),
        result: "fake".into(),
        reference: "reference".into(),
        ratio: "ratio".into(),
        target: "target".into(),
        met: None,
    };
    let width = |f: fn(&Row) -> &str| {
        rows.iter()
            .chain([&header])
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let w = [
        width(|r| &r.what),
        width(|r| &r.result),
        width(|r| &r.reference),
        width(|r| &r.ratio),
        width(|r| &r.target),
    ];
    println!();
    for row in std::iter::once(&header).chain(rows) {
        let verdict = match row.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None if std::ptr::eq(row, &header) => "",
            None => "-",
        };
        println!(
            "{:<a$}  {:>b$}  {:<c$}  {:>d$}  {:<e$}  {verdict}",
            row.what,
            row.result,
            row.reference,
            row.ratio,
            row.target,
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3],
            e = w[4],
        );
    }
}

fn root_config(root: &Path) -> okta_fixtures::config::Config {
    okta_fixtures::config::load(&root.join("fixtures.yaml"), &|_| None)
        .expect("the root fixtures.yaml loads")
}

/// A key folder of this run's own.
fn key_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("okta-fixtures-bench-{tag}-{}", std::process::id()))
}

// ------------------------------------------------------------------------------- start-up

async fn startup(root: &Path) -> Vec<Row> {
    let config = root_config(root);
    let dir = key_dir("startup");
    // Made once: building a client is not part of a fake's start.
    let http = client();
    // Creates the keys the kept-key starts then read.
    start_and_answer(&http, &config, &dir, false).await;
    let mut kept = Vec::new();
    for _ in 0..KEPT_STARTS {
        kept.push(start_and_answer(&http, &config, &dir, false).await);
    }
    let mut fresh = Vec::new();
    for _ in 0..FRESH_STARTS {
        fresh.push(start_and_answer(&http, &config, &dir, true).await);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let row = |what: String, times: &mut Vec<Duration>, target: Duration| {
        times.sort();
        let median = times[times.len() / 2];
        let max = times[times.len() - 1];
        Row {
            what,
            result: format!("{:.1} ms", ms(median)),
            reference: format!("max {:.1} ms", ms(max)),
            ratio: String::new(),
            target: if target >= Duration::from_secs(1) {
                format!("< {} s", target.as_secs())
            } else {
                format!("< {:.0} ms", ms(target))
            },
            met: Some(median < target),
        }
    };
    vec![
        row(
            format!("start-up to first answer, kept keys (median of {KEPT_STARTS})"),
            &mut kept,
            Duration::from_millis(50),
        ),
        row(
            format!("start-up to first answer, fresh keys (median of {FRESH_STARTS})"),
            &mut fresh,
            Duration::from_secs(1),
        ),
    ]
}

/// How long from asking for a fake to its first answer (discovery), keys in `dir`.
async fn start_and_answer(
    http: &Client,
    config: &okta_fixtures::config::Config,
    dir: &Path,
    fresh: bool,
) -> Duration {
    let t0 = Instant::now();
    let fake = FakeOkta::builder()
        .config(config)
        .key_dir(dir.to_path_buf())
        .fresh_key(fresh)
        .start()
        .await
        .expect("the fake starts");
    let url = format!("{}/.well-known/openid-configuration", fake.org_url());
    let (status, body) = answer(http.get(url)).await;
    check(status == 200, "discovery after start", status, &body);
    let took = t0.elapsed();
    fake.shutdown().await;
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ----------------------------------------------------------------------- client_credentials

async fn client_credentials(root: &Path) -> Row {
    let config = root_config(root);
    let fake = FakeOkta::builder()
        .config(&config)
        .key_dir(key_dir("cc"))
        .start()
        .await
        .expect("the fake starts");
    let fake_work: Work = |http, base| {
        Box::pin(client_credentials_token(
            http,
            base,
            "/oauth2/default/v1/token",
        ))
    };
    let mock_work: Work = |http, base| Box::pin(client_credentials_token(http, base, "/token"));
    let mock = MockServer::start(root);
    load(fake.org_url(), WARM_UP, fake_work).await;
    if let Ok(mock) = &mock {
        load(&mock.url, WARM_UP, mock_work).await;
    }
    let (mut fake_done, mut mock_done) = (0.0, 0.0);
    for _ in 0..ROUNDS {
        fake_done += load(fake.org_url(), WINDOW, fake_work).await;
        if let Ok(mock) = &mock {
            mock_done += load(&mock.url, WINDOW, mock_work).await;
        }
    }
    fake.shutdown().await;
    let _ = std::fs::remove_dir_all(key_dir("cc"));
    let measured = WINDOW.as_secs_f64() * ROUNDS as f64;
    let (fake_rate, mock_rate) = (fake_done / measured, mock_done / measured);
    let what = format!("client_credentials tokens/s ({CONNECTIONS} connections)");
    let target = "≥ 2× mock".to_owned();
    match mock {
        Ok(mock) => {
            drop(mock);
            let ratio = fake_rate / mock_rate;
            Row {
                what,
                result: format!("{fake_rate:.0} /s"),
                reference: format!("oauth2-mock-server {mock_rate:.0} /s"),
                ratio: format!("{ratio:.2}×"),
                target,
                met: Some(ratio >= 2.0),
            }
        }
        Err(why) => Row {
            what,
            result: format!("{fake_rate:.0} /s"),
            reference: format!("oauth2-mock-server skipped: {why}"),
            ratio: String::new(),
            target,
            met: None,
        },
    }
}

/// One `client_credentials` token from `base` + `path`, as the service app.
async fn client_credentials_token(http: &Client, base: &str, path: &str) {
    let request = http
        .post(format!("{base}{path}"))
        .basic_auth(REPORTS.0, Some(REPORTS.1))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "reports:read"),
        ]);
    let (status, body) = answer(request).await;
    let ok = status == 200 && json(&body)["access_token"].is_string();
    check(ok, path, status, &body);
}

/// `node conformance/mock-server.mjs`, stopped when dropped.
struct MockServer {
    child: Child,
    url: String,
}

impl MockServer {
    fn start(root: &Path) -> Result<Self, String> {
        let script = root.join("conformance/mock-server.mjs");
        if !root
            .join("conformance/node_modules/oauth2-mock-server")
            .is_dir()
        {
            return Err("run `npm ci` in conformance/".into());
        }
        let mut child = Command::new("node")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("node: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let url = line.trim().to_owned();
        if read.is_err() || !url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("mock-server.mjs printed {url:?}"));
        }
        Ok(Self { child, url })
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Closing stdin ends it; the kill covers a node that does not listen.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------- flows

/// RS256 signatures aws-lc-rs makes alone in `window`: one thread per key (one key per CPU,
/// parsed once), each signing a JWT-sized message.
fn signatures(keys: &[KeyPair], window: Duration) -> f64 {
    let message = vec![b'e'; 700];
    let deadline = Instant::now() + window;
    let total = AtomicU64::new(0);
    std::thread::scope(|s| {
        for key in keys {
            let (message, total) = (&message, &total);
            s.spawn(move || {
                let rng = SystemRandom::new();
                let mut sig = vec![0; key.public_modulus_len()];
                let mut n = 0u64;
                while Instant::now() < deadline && n < MAX_REQUESTS {
                    key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                        .expect("signing works");
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
            });
        }
    });
    total.load(Ordering::Relaxed) as f64
}

/// One code + PKCE flow of alice with the SPA, as the browserless technique does it.
async fn flow(http: &Client, org: &str) {
    let authn = http
        .post(format!("{org}/api/v1/authn"))
        .json(&serde_json::json!({"username": "alice@example.com", "password": "correct-horse"}));
    let (status, body) = answer(authn).await;
    check(status == 200, "authn", status, &body);
    let session_token = json(&body)["sessionToken"]
        .as_str()
        .expect("a sessionToken")
        .to_owned();
    let authorize = http
        .get(format!("{org}/oauth2/default/v1/authorize"))
        .query(&[
            ("client_id", "spa-client"),
            ("response_type", "code"),
            ("response_mode", "form_post"),
            ("scope", "openid profile email"),
            ("redirect_uri", SPA_CB),
            ("state", "bench"),
            ("nonce", "bench"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("prompt", "none"),
            ("sessionToken", &session_token),
        ]);
    let (status, body) = answer(authorize).await;
    check(status == 200, "authorize", status, &body);
    let code = form_value(&body, "code");
    let token = http.post(format!("{org}/oauth2/default/v1/token")).form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", SPA_CB),
        ("client_id", "spa-client"),
        ("code_verifier", VERIFIER),
    ]);
    let (status, body) = answer(token).await;
    let tokens = json(&body);
    let ok = status == 200 && tokens["access_token"].is_string() && tokens["id_token"].is_string();
    check(ok, "token", status, &body);
}

async fn flows(root: &Path, cpus: usize) -> Row {
    let config = root_config(root);
    let fake = FakeOkta::builder()
        .config(&config)
        .key_dir(key_dir("flows"))
        .per_user_rate_limit(false)
        .start()
        .await
        .expect("the fake starts");
    let org = fake.org_url().to_owned();
    let keys: Vec<KeyPair> = (0..cpus)
        .map(|_| KeyPair::generate(KeySize::Rsa2048).expect("an RSA key"))
        .collect();
    let flow: Work = |http, org| Box::pin(flow(http, org));
    load(&org, WARM_UP, flow).await;
    let (mut signed, mut flowed) = (0.0, 0.0);
    for _ in 0..ROUNDS {
        signed += signatures(&keys, SIGNING_WINDOW);
        flowed += load(&org, WINDOW, flow).await;
    }
    fake.shutdown().await;
    let _ = std::fs::remove_dir_all(key_dir("flows"));
    let rate = flowed / (WINDOW.as_secs_f64() * ROUNDS as f64);
    let per_second = signed / (SIGNING_WINDOW.as_secs_f64() * ROUNDS as f64);
    let ceiling = per_second / 2.0;
    let ratio = rate / ceiling;
    Row {
        what: format!(
            "code+PKCE flows/s, 3 requests and 2 signatures each ({CONNECTIONS} connections)"
        ),
        result: format!("{rate:.0} /s"),
        reference: format!("ceiling {ceiling:.0} /s = aws-lc {per_second:.0} RS256 sig/s ÷ 2"),
        ratio: format!("{ratio:.2}"),
        target: "≥ 0.67".into(),
        met: Some(ratio >= 2.0 / 3.0),
    }
}

// --------------------------------------------------------------------------- load generator

/// One iteration of a load: requests to the server at the given base URL.
type Work = for<'a> fn(&'a Client, &'a str) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A client without redirects or cookies; used by one task at a time, it keeps one
/// connection alive.
fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .build()
        .expect("a reqwest client")
}

/// Runs `CONNECTIONS` connections to `base` for `window`, each repeating `work`; returns how
/// many iterations completed within the window.
async fn load(base: &str, window: Duration, work: Work) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + window;
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let done = Arc::clone(&done);
        let base = base.to_owned();
        tasks.push(tokio::spawn(async move {
            let http = client();
            let mut n = 0u64;
            while n < MAX_REQUESTS {
                work(&http, &base).await;
                n += 1;
                if Instant::now() >= until {
                    break;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("a load task");
    }
    done.load(Ordering::Relaxed) as f64
}

/// Sends `request`: its status and body.
async fn answer(request: reqwest::RequestBuilder) -> (u16, String) {
    let res = request.send().await.expect("the server answers");
    let status = res.status().as_u16();
    (status, res.text().await.expect("the answer's body"))
}

fn check(ok: bool, what: &str, status: u16, body: &str) {
    let shown: String = body.chars().take(300).collect();
    assert!(ok, "{what}: HTTP {status} {shown}");
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// The value of the form_post page's hidden input `name`.
fn form_value(page: &str, name: &str) -> String {
    let selector = Selector::parse(&format!("form input[name={name}]")).expect("a selector");
    Html::parse_document(page)
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .unwrap_or_else(|| panic!("no {name} in the page"))
        .to_owned()
}
