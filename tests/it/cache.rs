//! The token cache as test suites meet it: threads, runtimes and processes sharing one sign-in,
//! refresh near expiry (time moved by the fake's clock, not slept), a revoked refresh token,
//! broken cache files, a process killed while it holds the lock, permissions and secrets.
//!
//! Every count comes from the fake's stats. Processes are this test binary run again in the
//! role of a test process (`child_process` below), against an org reached by URL: the standalone
//! fake (`okta-fixtures fake`) or a fake this test serves.

use std::hash::{Hash as _, Hasher as _};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use okta_fixtures::config::parse_str;
use okta_fixtures::fake::{Clock, FakeOkta, FakeState, Stats, router};
use okta_fixtures::{Fixtures, Tokens};
use serde_json::Value;

use crate::support::{command, isolated, runtime, temp_dir};

/// How long anything may take before the test calls it a hang.
const PATIENCE: Duration = Duration::from_secs(120);

/// The variable that makes this binary a child test process; its value is the config path.
const CHILD_ENV: &str = "OKTA_FIXTURES_IT_CACHE_CHILD";
/// Set in a child that must wait for a line on stdin before asking (a start line for many).
const CHILD_WAIT_ENV: &str = "OKTA_FIXTURES_IT_CACHE_CHILD_WAIT";
/// What a child prints before its outcome.
const CHILD_SAYS: &str = "cache-child:";

/// Apps and users; the secrets are planted to be searched for.
const APPS_USERS: &str = r#"
authorization_server: default
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
    scopes: [openid, profile, email, offline_access]
  web:
    client_id: web-client
    client_secret: web-SECRET-cache-7d1e
    redirect_uri: http://localhost:8080/authorization-code/callback
    flow: code
    scopes: [openid, profile, offline_access]
users:
  alice:
    username: alice@example.com
    password: alice-PW-cache-93b1
    app: spa
  bob:
    username: bob@example.com
    password: bob-PW-cache-0c4f
    app: spa
"#;

const SECRETS: [&str; 3] = [
    "web-SECRET-cache-7d1e",
    "alice-PW-cache-93b1",
    "bob-PW-cache-0c4f",
];

/// Access tokens live 10 minutes: with `refresh_before` at its default, 60 s, moving the
/// clock 9.5 minutes ahead makes cached tokens due for renewal.
const LIFETIMES: &str = "fake:\n  lifetimes:\n    access_token: 10m\n";
const DUE: Duration = Duration::from_secs(570);

fn alice(s: &Stats) -> u64 {
    s.sign_ins("alice@example.com", "spa-client", "default")
}

/// The child role: ask for alice's tokens with the config `CHILD_ENV` names, as a test process
/// would, and print the outcome (a fingerprint of the access token, never the token).
///
/// Not a test of its own: the multi-process tests run this binary with `--ignored --exact
/// cache::child_process`; run by hand, without the variable, it does nothing.
#[test]
#[ignore = "the child role of the multi-process tests, which start it themselves"]
fn child_process() {
    let Some(config) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    if std::env::var_os(CHILD_WAIT_ENV).is_some() {
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
    match okta_fixtures::request("alice")
        .config(PathBuf::from(config))
        .blocking_tokens()
    {
        Ok(t) => println!("{CHILD_SAYS} ok {}", fingerprint(&t)),
        Err(e) => println!("{CHILD_SAYS} error {e}"),
    }
}

/// The same in every process of this binary: `DefaultHasher::new()` has fixed keys.
fn fingerprint(t: &Tokens) -> String {
    let mut h = std::hash::DefaultHasher::new();
    t.access_token().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// This binary in the child role, for the config at `config` and the cache in `cache`.
fn child(config: &Path, cache: &Path) -> Command {
    let exe = std::env::current_exe().expect("the test binary");
    let args = [
        "cache::child_process",
        "--exact",
        "--ignored",
        "--nocapture",
    ];
    let mut cmd = isolated(&exe, cache, &args);
    cmd.args(["--test-threads=1", "-q"]).env(CHILD_ENV, config);
    cmd
}

/// Waits for a child's outcome line: `Ok(fingerprint)` or `Err(message)`.
fn outcome(child: Child) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let out = child.wait_with_output();
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(PATIENCE)
        .expect("a child process hung")
        .expect("the child ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_SAYS))
        .unwrap_or_else(|| {
            panic!(
                "no outcome from the child ({:?}); stdout:\n{stdout}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    match line.trim().split_once(' ') {
        Some(("ok", fp)) => Ok(fp.to_owned()),
        _ => Err(line.trim().to_owned()),
    }
}

/// A fresh folder under the system temp folder for a config and a cache, removed on drop.
struct TempDir(tempfile::TempDir);

impl TempDir {
    fn new(tag: &str) -> Self {
        Self(temp_dir(&format!("cache-{tag}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes a fixtures.yaml for the org at `url` (with `extra` top-level YAML).
    fn config(&self, url: &str, extra: &str) -> PathBuf {
        let path = self.path().join("fixtures.yaml");
        std::fs::write(&path, format!("org_url: {url}\n{APPS_USERS}{extra}\n")).expect("write");
        path
    }

    fn cache(&self) -> PathBuf {
        self.path().join("cache")
    }
}

/// Fixtures of their own (their own memory, as another process has) for the file at `path`,
/// with the disk cache in `cache`.
fn process(path: &Path, cache: &Path, clock: &Clock) -> Fixtures {
    let config = okta_fixtures::config::load(path, &|_| None).expect("a valid config");
    Fixtures::builder(config)
        .cache_dir(cache)
        .clock(clock.clone())
        .build()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect()
}

/// Holds requests whose path ends in the armed suffix until opened, and says when one
/// arrives: the test then knows a flow is under way, and no timing is assumed.
#[derive(Default)]
struct Gate {
    armed: Mutex<Option<&'static str>>,
    times: AtomicU32,
    arrivals: Mutex<Option<mpsc::Sender<()>>>,
    opened: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
}

impl Gate {
    /// Holds the next `times` requests to paths ending in `suffix`; returns their arrivals.
    fn arm(&self, suffix: &'static str, times: u32) -> mpsc::Receiver<()> {
        let (tx, rx) = mpsc::channel();
        *self.arrivals.lock().unwrap() = Some(tx);
        *self.opened.lock().unwrap() = Some(tokio::sync::watch::channel(false).0);
        self.times.store(times, Ordering::SeqCst);
        *self.armed.lock().unwrap() = Some(suffix);
        rx
    }

    fn open(&self) {
        if let Some(tx) = self.opened.lock().unwrap().as_ref() {
            tx.send_replace(true);
        }
    }

    async fn layer(self: Arc<Self>, req: Request, next: Next) -> Response {
        let hit = self
            .armed
            .lock()
            .unwrap()
            .is_some_and(|s| req.uri().path().ends_with(s))
            && self
                .times
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if hit {
            let mut opened = self
                .opened
                .lock()
                .unwrap()
                .as_ref()
                .map(tokio::sync::watch::Sender::subscribe);
            if let Some(tx) = self.arrivals.lock().unwrap().as_ref() {
                let _ = tx.send(());
            }
            if let Some(rx) = opened.as_mut() {
                let _ = rx.wait_for(|o| *o).await;
            }
        }
        next.run(req).await
    }
}

/// A fake Okta served by this test on a runtime of its own, reached by URL like a real org,
/// behind a [`Gate`].
struct Served {
    url: String,
    state: FakeState,
    gate: Arc<Gate>,
    clock: Clock,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    fn start(extra: &str) -> Served {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let clock = Clock::system();
        let gate = Arc::new(Gate::default());
        let (url, state) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let yaml = format!("org_url: fake\n{APPS_USERS}{extra}\n");
            let config = parse_str(&yaml, None, &|_| None).expect("test YAML is valid");
            let state = FakeOkta::builder()
                .config(&config)
                .clock(clock.clone())
                .build(&url)
                .expect("the fake builds");
            let g = gate.clone();
            let app = router(state.clone()).layer(axum::middleware::from_fn(move |req, next| {
                g.clone().layer(req, next)
            }));
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            (url, state)
        });
        Served {
            url,
            state,
            gate,
            clock,
            _runtime: runtime,
        }
    }

    fn stats(&self) -> Stats {
        self.state.stats()
    }
}

mod single_flight {
    use super::*;

    /// Two "processes" (fixtures with their own memory, one disk), each with THREADS threads
    /// running their own runtime (current-thread and multi-thread in turn), each asking TASKS
    /// times at once plus once blocking: one sign-in. The first authn is held until every
    /// caller has started, so they all overlap with the one flow.
    #[test]
    fn one_sign_in_for_threads_runtimes_and_processes() {
        const PROCESSES: usize = 2;
        const THREADS: usize = 3;
        const TASKS: usize = 3;
        let served = Served::start("");
        let dir = TempDir::new("single-flight");
        let path = dir.config(&served.url, "");
        let arrived = served.gate.arm("/api/v1/authn", 1);
        let start = Arc::new(Barrier::new(PROCESSES * THREADS));
        let (calling_tx, calling_rx) = mpsc::channel();
        let mut handles = Vec::new();
        for p in 0..PROCESSES {
            let f = process(&path, &dir.cache(), &served.clock);
            for i in 0..THREADS {
                let (f, start, calling) = (f.clone(), start.clone(), calling_tx.clone());
                handles.push(std::thread::spawn(move || {
                    let rt = runtime((p + i) % 2 == 0);
                    start.wait();
                    let got = rt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|_| {
                                let f = f.clone();
                                tokio::spawn(async move { f.request("alice").tokens().await })
                            })
                            .collect();
                        calling.send(()).unwrap();
                        let mut all = vec![f.request("alice").blocking_tokens()];
                        for t in tasks {
                            all.push(t.await.unwrap());
                        }
                        all
                    });
                    drop(rt);
                    got.into_iter()
                        .map(|t| fingerprint(&t.unwrap()))
                        .collect::<Vec<_>>()
                }));
            }
        }
        arrived
            .recv_timeout(PATIENCE)
            .expect("a sign-in reaches authn");
        for _ in 0..PROCESSES * THREADS {
            calling_rx
                .recv_timeout(PATIENCE)
                .expect("every thread calls");
        }
        served.gate.open();
        let got: Vec<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(got.len(), PROCESSES * THREADS * (TASKS + 1));
        assert!(got.iter().all(|t| *t == got[0]), "one sign-in's tokens");
        let s = served.stats();
        assert_eq!(alice(&s), 1);
        assert_eq!([s.requests("authn"), s.requests("token")], [1, 1]);
    }

    /// `okta-fixtures fake` with `config`, its keys in `cache`; killed on drop.
    pub(super) struct Standalone {
        child: Child,
        pub(super) url: String,
    }

    impl Standalone {
        pub(super) fn start(config: &Path, cache: &Path) -> Standalone {
            let mut child = command(cache, &["fake", "--config"])
                .arg(config)
                .stderr(Stdio::null())
                .spawn()
                .expect("the fake starts");
            let stdout = child.stdout.take().expect("piped stdout");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut first = String::new();
                let _ = BufReader::new(stdout).read_line(&mut first);
                let _ = tx.send(first);
            });
            let url = rx
                .recv_timeout(PATIENCE)
                .expect("the fake prints its URL")
                .trim()
                .to_owned();
            assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
            Standalone { child, url }
        }

        /// `GET /_fake/stats`.
        pub(super) fn stats(&self) -> Value {
            let rt = crate::support::runtime(true);
            rt.block_on(async {
                reqwest::get(format!("{}/_fake/stats", self.url))
                    .await
                    .expect("the fake answers")
                    .json::<Value>()
                    .await
                    .expect("JSON stats")
            })
        }
    }

    impl Drop for Standalone {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Sign-ins of alice with the SPA in `/_fake/stats`.
    pub(super) fn alice_sign_ins(stats: &Value) -> u64 {
        stats["sign_ins"]
            .as_array()
            .expect("a sign_ins array")
            .iter()
            .filter(|s| s["username"] == "alice@example.com" && s["client_id"] == "spa-client")
            .map(|s| s["count"].as_u64().unwrap_or(0))
            .sum()
    }

    /// The nextest situation: 32 test processes start at once against one standalone fake and
    /// all ask for alice's tokens. One signs in; the others wait for its lock and read.
    #[test]
    fn thirty_two_processes_one_sign_in() {
        const PROCESSES: usize = 32;
        let dir = TempDir::new("32");
        let fake_config = dir.path().join("fake.yaml");
        std::fs::write(&fake_config, format!("org_url: fake\n{APPS_USERS}")).unwrap();
        let fake = Standalone::start(&fake_config, &dir.cache());
        let path = dir.config(&fake.url, "");
        let mut children: Vec<Child> = (0..PROCESSES)
            .map(|_| {
                child(&path, &dir.cache())
                    .env(CHILD_WAIT_ENV, "1")
                    .stdin(Stdio::piped())
                    .spawn()
                    .expect("a child starts")
            })
            .collect();
        // All started: let them go at once.
        for c in &mut children {
            let mut stdin = c.stdin.take().expect("piped stdin");
            stdin.write_all(b"go\n").expect("the child reads");
        }
        let got: Vec<Result<String, String>> = children.into_iter().map(outcome).collect();
        let first = got[0].clone().expect("the first child got tokens");
        for g in &got {
            assert_eq!(g.as_ref(), Ok(&first), "every process shares one sign-in");
        }
        let stats = fake.stats();
        assert_eq!(alice_sign_ins(&stats), 1, "{stats}");
        assert_eq!(stats["requests"]["authn"], 1, "{stats}");
        assert_eq!(with_ext(&dir.cache().join("tokens"), "json").len(), 1);
    }
}

mod refresh {
    use super::*;

    /// `org_url: fake` (memory only) on a clock the test moves.
    fn in_process(extra: &str) -> (Fixtures, Clock) {
        let yaml = format!("org_url: fake\n{APPS_USERS}{LIFETIMES}{extra}\n");
        let config = parse_str(&yaml, None, &|_| None).expect("test YAML is valid");
        let clock = Clock::system();
        (
            Fixtures::builder(config).clock(clock.clone()).build(),
            clock,
        )
    }

    async fn stats(f: &Fixtures) -> Stats {
        f.org()
            .await
            .unwrap()
            .fake()
            .expect("an embedded fake")
            .stats()
    }

    /// Near expiry the cache renews with the refresh token (no sign-in), and follows the
    /// SPA's rotation: after the rotation grace the old refresh token would be reuse and kill
    /// the family, so a second refresh proves the new one was kept.
    #[tokio::test]
    async fn near_expiry_the_refresh_token_renews_and_rotation_is_followed() {
        let (f, clock) = in_process("");
        let first = f.request("alice").tokens().await.unwrap();
        let rt1 = first.refresh_token().expect("offline_access").to_owned();
        assert_eq!(
            f.request("alice").tokens().await.unwrap().access_token(),
            first.access_token(),
            "a hit while fresh"
        );
        clock.advance(DUE);
        let second = f.request("alice").tokens().await.unwrap();
        assert_ne!(second.access_token(), first.access_token());
        let rt2 = second.refresh_token().unwrap().to_owned();
        assert_ne!(rt2, rt1, "a SPA's refresh token rotates");
        assert!(second.expires_at() > clock.now() + Duration::from_secs(500));
        let s = stats(&f).await;
        assert_eq!(
            (alice(&s), s.requests("authn"), s.requests("token")),
            (1, 1, 2)
        );

        // A long test asking again: the renewed tokens, no request.
        assert_eq!(
            f.request("alice").tokens().await.unwrap().access_token(),
            second.access_token()
        );
        clock.advance(DUE);
        let third = f.request("alice").tokens().await.unwrap();
        assert_ne!(third.access_token(), second.access_token());
        assert_ne!(third.refresh_token().unwrap(), rt2);
        let s = stats(&f).await;
        assert_eq!(
            (alice(&s), s.requests("token")),
            (1, 3),
            "no sign-in, no reuse"
        );
    }

    /// Many callers of tokens due for renewal: one refresh.
    #[test]
    fn renewal_is_single_flight_across_threads_and_processes() {
        let served = Served::start(LIFETIMES);
        let dir = TempDir::new("refresh-flight");
        let path = dir.config(&served.url, "cache:\n  persist_refresh: true\n");
        let a = process(&path, &dir.cache(), &served.clock);
        let first = a.request("alice").blocking_tokens().unwrap();
        served.clock.advance(DUE);
        // The refresh is held at /token until every caller has started.
        let arrived = served.gate.arm("/v1/token", 1);
        let b = process(&path, &dir.cache(), &served.clock);
        let (calling_tx, calling_rx) = mpsc::channel();
        let handles: Vec<_> = [a.clone(), a, b.clone(), b]
            .into_iter()
            .map(|f| {
                let calling = calling_tx.clone();
                std::thread::spawn(move || {
                    calling.send(()).unwrap();
                    fingerprint(&f.request("alice").blocking_tokens().unwrap())
                })
            })
            .collect();
        arrived
            .recv_timeout(PATIENCE)
            .expect("a refresh reaches /token");
        for _ in 0..4 {
            calling_rx.recv_timeout(PATIENCE).unwrap();
        }
        served.gate.open();
        let got: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(got.iter().all(|g| *g == got[0]), "{got:?}");
        assert_ne!(got[0], fingerprint(&first));
        let s = served.stats();
        assert_eq!(
            (alice(&s), s.requests("authn"), s.requests("token")),
            (1, 1, 2)
        );
    }

    /// A refresh token revoked at Okta: the refresh fails once and a full sign-in follows.
    #[tokio::test]
    async fn a_revoked_refresh_token_falls_back_to_signing_in() {
        let (f, clock) = in_process("");
        let first = f.request("alice").tokens().await.unwrap();
        let org = f.org().await.unwrap();
        let res = reqwest::Client::new()
            .post(format!(
                "{}/v1/revoke",
                org.server("default").unwrap().issuer()
            ))
            .form(&[
                ("token", first.refresh_token().unwrap()),
                ("token_type_hint", "refresh_token"),
                ("client_id", "spa-client"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        clock.advance(DUE);
        let second = f.request("alice").tokens().await.unwrap();
        assert_ne!(second.access_token(), first.access_token());
        let s = stats(&f).await;
        assert_eq!(alice(&s), 2, "signed in again");
        assert_eq!(s.requests("token"), 3, "code, refused refresh, code");
        assert_eq!(s.requests("revoke"), 1);
    }

    /// `fresh()` gets tokens of its own; revoking them leaves the cached ones working.
    #[test]
    fn fresh_bypasses_the_cache_and_does_not_poison_it() {
        let served = Served::start("");
        let dir = TempDir::new("fresh");
        let path = dir.config(&served.url, "");
        let f = process(&path, &dir.cache(), &served.clock);
        let cached = f.request("alice").blocking_tokens().unwrap();
        let fresh = f.request("alice").fresh().blocking_tokens().unwrap();
        assert_ne!(fresh.access_token(), cached.access_token());
        assert_eq!(alice(&served.stats()), 2);
        let again = f.request("alice").blocking_tokens().unwrap();
        assert_eq!(again.access_token(), cached.access_token(), "memory kept");
        let other = process(&path, &dir.cache(), &served.clock);
        let read = other.request("alice").blocking_tokens().unwrap();
        assert_eq!(read.access_token(), cached.access_token(), "disk kept");
        assert_eq!(alice(&served.stats()), 2);
    }
}

mod disk {
    use super::*;

    /// The entry of the only key in `cache`.
    fn entry(cache: &Path) -> PathBuf {
        let mut e = with_ext(&cache.join("tokens"), "json");
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    /// Truncated, corrupt, foreign-version and unreadable entries are ignored, then replaced
    /// by the sign-in they cause.
    #[test]
    fn broken_entries_are_ignored_and_replaced() {
        let served = Served::start("");
        let dir = TempDir::new("broken");
        let path = dir.config(&served.url, "");
        let first = process(&path, &dir.cache(), &served.clock)
            .request("alice")
            .blocking_tokens()
            .unwrap();
        let file = entry(&dir.cache());
        let good = std::fs::read(&file).unwrap();
        let mut foreign: Value = serde_json::from_slice(&good).unwrap();
        foreign["version"] = 999.into();
        type Breakage<'a> = (&'a str, Box<dyn Fn(&Path) + 'a>);
        let breakages: Vec<Breakage<'_>> = vec![
            (
                "truncated",
                Box::new(|p| std::fs::write(p, &good[..good.len() / 2]).unwrap()),
            ),
            ("empty", Box::new(|p| std::fs::write(p, b"").unwrap())),
            (
                "corrupt",
                Box::new(|p| std::fs::write(p, b"\x00\x9f{{not json").unwrap()),
            ),
            (
                "foreign version",
                Box::new(move |p| std::fs::write(p, foreign.to_string()).unwrap()),
            ),
            (
                "unreadable",
                Box::new(|p| {
                    // A link to itself: every read fails (ELOOP), even as root.
                    std::fs::remove_file(p).unwrap();
                    #[cfg(unix)]
                    std::os::unix::fs::symlink(p, p).unwrap();
                }),
            ),
        ];
        let mut previous = fingerprint(&first);
        for (n, (what, breakage)) in breakages.iter().enumerate() {
            breakage(&file);
            let got = process(&path, &dir.cache(), &served.clock)
                .request("alice")
                .blocking_tokens()
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_ne!(fingerprint(&got), previous, "{what}: a new sign-in");
            assert_eq!(alice(&served.stats()), 2 + n as u64, "{what}");
            // Replaced: the next process reads it.
            let read = process(&path, &dir.cache(), &served.clock)
                .request("alice")
                .blocking_tokens()
                .unwrap();
            assert_eq!(fingerprint(&read), fingerprint(&got), "{what}: replaced");
            assert_eq!(alice(&served.stats()), 2 + n as u64, "{what}");
            previous = fingerprint(&got);
        }
    }

    /// A process killed (SIGKILL) in the middle of its sign-in, holding the key's lock: the
    /// OS releases the lock, and the next process signs in and caches as usual.
    #[cfg(unix)]
    #[test]
    fn a_process_killed_mid_flow_leaves_the_cache_usable() {
        use std::os::unix::process::ExitStatusExt as _;
        let served = Served::start("");
        let dir = TempDir::new("sigkill");
        let path = dir.config(&served.url, "");
        // The victim is held at /token: after authn and authorize, before any write.
        let arrived = served.gate.arm("/v1/token", 1);
        let mut victim = child(&path, &dir.cache()).spawn().expect("a child starts");
        arrived
            .recv_timeout(PATIENCE)
            .expect("the child reaches /token");
        let locks = with_ext(&dir.cache().join("tokens"), "lock");
        assert_eq!(locks.len(), 1, "{locks:?}");
        let lock = std::fs::OpenOptions::new()
            .write(true)
            .open(&locks[0])
            .unwrap();
        assert!(
            matches!(lock.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
            "the child holds the lock mid-flow"
        );
        victim.kill().expect("SIGKILL");
        let status = victim.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status:?}");
        lock.try_lock()
            .expect("the OS released the dead process's lock");
        drop(lock);
        served.gate.open();
        assert!(with_ext(&dir.cache().join("tokens"), "json").is_empty());

        let next = outcome(child(&path, &dir.cache()).spawn().unwrap()).expect("tokens");
        assert_eq!(
            alice(&served.stats()),
            2,
            "the victim's sign-in and the next one's"
        );
        let after = outcome(child(&path, &dir.cache()).spawn().unwrap()).expect("tokens");
        assert_eq!(after, next, "cached again");
        assert_eq!(alice(&served.stats()), 2);
    }

    /// Folders 0700, files 0600, file names that are hashes, no password or client secret
    /// anywhere, and the refresh token only with `persist_refresh`.
    #[test]
    fn permissions_names_and_no_secrets() {
        let served = Served::start("");
        for persist in [false, true] {
            let dir = TempDir::new("secrets");
            let extra = format!("cache:\n  persist_refresh: {persist}\n");
            let path = dir.config(&served.url, &extra);
            let f = process(&path, &dir.cache(), &served.clock);
            let spa = f.request("alice").blocking_tokens().unwrap();
            let web = f.request("bob").app("web").blocking_tokens().unwrap();
            // tokens/, the workspace's folder, two entries and their locks, and the discovery
            // documents of the two servers in use (`default`, `org`).
            let all = files(&dir.cache());
            assert_eq!(all.len(), 2 + 4 + 2, "{all:?}");
            let mut text = String::new();
            for p in &all {
                let name = p.file_name().unwrap().to_str().unwrap();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
                    assert_eq!(mode, if p.is_dir() { 0o700 } else { 0o600 }, "{name}");
                }
                if name == "tokens" {
                    continue;
                }
                let stem = name.split('.').next().unwrap();
                assert!(
                    stem.len() >= 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name}"
                );
                if p.is_file() {
                    text.push_str(&std::fs::read_to_string(p).unwrap());
                }
            }
            for secret in SECRETS {
                assert!(!text.contains(secret), "{secret} on disk");
            }
            assert!(text.contains(spa.access_token()) && text.contains(web.access_token()));
            for rt in [spa.refresh_token().unwrap(), web.refresh_token().unwrap()] {
                assert_eq!(text.contains(rt), persist, "persist_refresh: {persist}");
            }
        }
    }

    /// An in-process fake's tokens stay in its process; so do `store: memory` ones and those of
    /// a config built from a string.
    #[test]
    fn only_orgs_by_url_from_a_file_with_store_disk_use_the_disk() {
        let served = Served::start("");
        let dir = TempDir::new("scope");
        let cache = dir.cache();
        let fake = dir.config("fake", "");
        process(&fake, &cache, &served.clock)
            .request("alice")
            .blocking_tokens()
            .unwrap();
        let memory = dir.config(&served.url, "cache:\n  store: memory\n");
        process(&memory, &cache, &served.clock)
            .request("alice")
            .blocking_tokens()
            .unwrap();
        let inline = parse_str(
            &format!("org_url: {}\n{APPS_USERS}", served.url),
            None,
            &|_| None,
        )
        .unwrap();
        Fixtures::builder(inline)
            .cache_dir(&cache)
            .build()
            .request("alice")
            .blocking_tokens()
            .unwrap();
        assert!(files(&cache).is_empty(), "{:?}", files(&cache));
        let disk = dir.config(&served.url, "");
        process(&disk, &cache, &served.clock)
            .request("alice")
            .blocking_tokens()
            .unwrap();
        assert_eq!(with_ext(&cache, "json").len(), 1);
    }

    /// `okta-fixtures cache list` shows who and until when, never a token; `clear` empties.
    #[test]
    fn the_cli_lists_without_tokens_and_clears() {
        let served = Served::start("");
        let dir = TempDir::new("cli");
        let path = dir.config(&served.url, "");
        let f = process(&path, &dir.cache(), &served.clock);
        let t = f.request("alice").blocking_tokens().unwrap();
        let run = |args: &[&str]| {
            let out = command(&dir.cache(), args)
                .output()
                .expect("the binary runs");
            assert!(out.status.success(), "{args:?}: {out:?}");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        // The time left is read around the listing, so a slow machine cannot fail the test.
        let left = || {
            t.expires_at()
                .duration_since(std::time::SystemTime::now())
                .map_or(0, |d| d.as_secs())
        };
        let before = left();
        let (list, _) = run(&["cache", "list"]);
        let after = left();
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), 2, "{list}");
        assert_eq!(lines[0], "EXPIRES\tUSER\tAPP\tREFRESH\tKEY\tCONFIG");
        let cols: Vec<&str> = lines[1].split('\t').collect();
        let listed = listed_seconds(cols[0]).unwrap_or_else(|| panic!("{list}"));
        assert!(
            after.saturating_sub(1) <= listed && listed <= before + 1,
            "listed {listed}s, expected {after}..={before}s: {list}"
        );
        assert_eq!(&cols[1..4], ["alice", "spa", "no"]);
        assert!(
            cols[4].starts_with("alice@example.com spa-client default code"),
            "{list}"
        );
        assert!(cols[5].ends_with("fixtures.yaml"), "{list}");
        for secret in [
            t.access_token(),
            t.refresh_token().unwrap(),
            t.id_token().unwrap(),
        ] {
            assert!(!list.contains(secret));
        }
        let (_, said) = run(&["cache", "clear"]);
        assert!(said.starts_with("deleted 1 cached token entry"), "{said}");
        assert_eq!(run(&["cache", "list"]).0, "");
        assert!(with_ext(&dir.cache(), "json").is_empty());
    }

    /// `in 58m 46s` → 3526; `None` for anything else.
    fn listed_seconds(text: &str) -> Option<u64> {
        let rest = text.strip_prefix("in ")?;
        let (m, s) = rest.split_once("m ")?;
        Some(m.parse::<u64>().ok()? * 60 + s.strip_suffix('s')?.parse::<u64>().ok()?)
    }
}

/// A password Okta refused is sent once for every process using the cache folder, until the
/// password changes or `okta-fixtures cache clear` runs (a stale password must not lock a real
/// user out: Okta locks one after 10 failures by default).
mod refused {
    use super::*;
    use okta_fixtures::Error;

    const STALE: &str = "alice-PW-stale-5e21";

    /// A fixtures.yaml for the org at `url` with alice's password `password`.
    fn config_with(dir: &TempDir, url: &str, password: &str) -> PathBuf {
        let path = dir.path().join("fixtures.yaml");
        let yaml = APPS_USERS.replace("alice-PW-cache-93b1", password);
        std::fs::write(&path, format!("org_url: {url}\n{yaml}\n")).expect("write");
        path
    }

    fn authn(served: &Served) -> u64 {
        served.state.stats().requests("authn")
    }

    #[test]
    fn a_refused_password_is_sent_once_until_it_changes_or_the_cache_is_cleared() {
        let served = Served::start("");
        let dir = TempDir::new("refused");
        let cache = dir.cache();
        let path = config_with(&dir, &served.url, STALE);

        // The first test process: Okta refuses, and a second test of it (another app, so
        // another cache key) is not sent.
        let first = process(&path, &cache, &served.clock);
        let e = first.request("alice").blocking_tokens().unwrap_err();
        assert!(matches!(e, Error::AuthnRejected { .. }), "{e:?}");
        let e = first
            .request("alice")
            .app("web")
            .blocking_tokens()
            .unwrap_err();
        assert!(
            matches!(e, Error::AuthnRefusedBefore { spared: 1, .. }),
            "{e:?}"
        );
        // Another process on the same cache folder, twice.
        let second = process(&path, &cache, &served.clock);
        second.request("alice").blocking_tokens().unwrap_err();
        let e = second
            .request("alice")
            .fresh()
            .blocking_tokens()
            .unwrap_err();
        let msg = e.to_string();
        for part in [
            "E0000004",
            "3 sign-in attempt(s) spared",
            "locked-out user",
            "federated",
            "users.alice.password",
            "okta-fixtures cache clear",
        ] {
            assert!(msg.contains(part), "{part:?} missing: {msg}");
        }
        assert!(!msg.contains(STALE), "{msg}");
        assert_eq!(authn(&served), 1);
        // What is on disk is a keyed MAC, never the password; `cache list` shows no entry.
        for file in files(&cache).into_iter().filter(|f| f.is_file()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(STALE),
                "{}",
                file.display()
            );
        }
        assert_eq!(with_ext(&cache, "refused").len(), 1);
        let run = |args: &[&str]| {
            let out = command(&cache, args).output().expect("the binary runs");
            assert!(out.status.success(), "{args:?}: {out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        assert_eq!(run(&["cache", "list"]), "");

        // `cache clear` forgets it: the same password is tried again.
        run(&["cache", "clear"]);
        assert!(with_ext(&cache, "refused").is_empty());
        let e = process(&path, &cache, &served.clock)
            .request("alice")
            .blocking_tokens()
            .unwrap_err();
        assert!(matches!(e, Error::AuthnRejected { .. }), "{e:?}");
        assert_eq!(authn(&served), 2);

        // The password corrected in the file: tried at once, by a process that remembered the
        // stale one too.
        config_with(&dir, &served.url, "alice-PW-cache-93b1");
        let corrected = process(&path, &cache, &served.clock);
        corrected.request("alice").blocking_tokens().unwrap();
        assert_eq!(authn(&served), 3);
        assert!(with_ext(&cache, "refused").is_empty());
    }

    /// Without a disk store (a config from a string), a process still sends it once.
    #[test]
    fn without_a_disk_store_a_process_sends_it_once() {
        let served = Served::start("");
        let yaml = APPS_USERS.replace("alice-PW-cache-93b1", STALE);
        let config = parse_str(&format!("org_url: {}\n{yaml}", served.url), None, &|_| None)
            .expect("a valid config");
        let f = Fixtures::new(config);
        let e = f.request("alice").blocking_tokens().unwrap_err();
        assert!(matches!(e, Error::AuthnRejected { .. }), "{e:?}");
        for spared in 1..=3 {
            let e = f.request("alice").fresh().blocking_tokens().unwrap_err();
            assert!(
                matches!(e, Error::AuthnRefusedBefore { spared: n, .. } if n == spared),
                "{e:?}"
            );
        }
        assert_eq!(authn(&served), 1);
        // bob's password is his own.
        f.request("bob").blocking_tokens().unwrap();
    }
}
