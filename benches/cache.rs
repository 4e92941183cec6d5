//! `cargo bench --bench cache`: what a test pays for its tokens, side by side in one run.
//!
//! - **warm in-memory hit**: `request("alice").blocking_tokens()` on fixtures that already hold
//!   the tokens (the caller's thread, an `Arc` clone); target under 1 µs. Also through the
//!   process-wide fixtures found by path, as `#[okta_user]` expansions ask.
//! - **cold-process disk hit**: a new process that loads fixtures.yaml and reads the tokens
//!   another process cached. This binary runs itself as that process. Each child times itself
//!   from the start of its `main` to the tokens (target under 2 ms in a debug build, which is
//!   what `cargo test` runs); the parent times the whole child, spawn to exit, and beside it a
//!   child that exits at once: what any test process start costs. A child that only loads the
//!   config shows the config's part of a hit. The kinds alternate, so all see the same machine.
//! - **full sign-in**: authn, authorize, token and the ID token check against the embedded
//!   fake over loopback (`fresh()`, which bypasses the cache); what every hit saves. Beside it
//!   the same for a user behind MFA, whose sign-in answers a TOTP challenge (one more request,
//!   and the code): each of those signs in a different user (`carol0`, `carol1`, …), as one user
//!   may use one code per 30 s step.
//!
//! `cargo bench` builds with the release profile. For the debug figures, build the bench with
//! the dev profile too and name that binary; its children then run beside the release ones:
//!
//! ```text
//! OKTA_FIXTURES_BENCH_DEBUG_EXE=$(cargo bench --bench cache --profile dev --no-run 2>&1 \
//!     | grep -o 'target/debug/deps/cache-[0-9a-f]*') cargo bench --bench cache
//! ```
//!
//! (`cargo bench --bench cache --profile dev` also runs the whole bench as a debug build.)
//!
//! The org is an embedded fake this bench serves by URL, so the disk cache applies; the cache
//! folder is a temp folder of this run.
//!
//! Where the time of a cold hit goes: mostly the kernel mapping in code the new process has not
//! run yet, so it moves with the binary's size and layout more than with the code on its path.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use okta_fixtures::Fixtures;
use okta_fixtures::fake::FakeOkta;

/// Set in a child: what it does (`exit`, `load` or `hit`).
const CHILD_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_CHILD";
/// Set in a child that loads or hits: the config path.
const CONFIG_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_CONFIG";
/// A debug build of this bench, whose children are timed beside this build's.
const DEBUG_EXE_ENV: &str = "OKTA_FIXTURES_BENCH_DEBUG_EXE";

const BASE_YAML: &str = "
authorization_server: default
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
    scopes: [openid, profile, email, offline_access]
users:
  alice:
    username: alice@example.com
    password: correct-horse
    app: spa
";

/// TOTP users signed in once each (the first as a warm-up).
const TOTP_RUNS: usize = 31;

/// The config: alice, and the TOTP users `carol0`… with their factor in the fake.
fn yaml() -> String {
    let mut users = String::new();
    let mut fake = String::from("fake:\n  users:\n");
    for i in 0..TOTP_RUNS {
        users.push_str(&format!(
            "  carol{i}:\n    username: carol{i}@example.com\n    password: correct-horse\n    \
             totp: JBSWY3DPEHPK3PXP\n    app: spa\n"
        ));
        fake.push_str(&format!("    carol{i}: {{ mfa: [totp] }}\n"));
    }
    format!("{BASE_YAML}{users}{fake}")
}

const HIT_BATCHES: usize = 300;
const HIT_BATCH: usize = 1000;
const COLD_RUNS: usize = 100;
const FLOW_RUNS: usize = 100;

fn main() {
    let started = Instant::now();
    if let Some(kind) = std::env::var_os(CHILD_ENV) {
        child(&kind.to_string_lossy(), started);
        return;
    }
    // Only the `--bench` run measures; `cargo test --benches` runs this binary without it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = TempDir(
        std::env::temp_dir().join(format!("okta-fixtures-bench-cache-{}", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).expect("a temp folder");
    let cache = dir.0.join("cache");
    // The process-wide fixtures (found by path) keep their disk cache there too.
    // SAFETY: no other thread exists yet to read the environment meanwhile.
    unsafe { std::env::set_var(okta_fixtures::dirs::CACHE_DIR_ENV, &cache) };
    println!("{}", run(&dir.0, &cache));
}

/// The run's folder, removed however the run ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process: exit at once, load the config as the library does, or get the cached
/// tokens; then print how long that took since `started`.
fn child(kind: &str, started: Instant) {
    let config = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
    match (kind, config) {
        ("exit", _) => return,
        ("load", Some(config)) => {
            let env = |k: &str| std::env::var(k).ok();
            let cwd = std::env::current_dir().unwrap_or_default();
            let found = okta_fixtures::config::discover(Some(&config), &env, &cwd).expect("found");
            let path = std::fs::canonicalize(&found).unwrap_or(found);
            std::hint::black_box(okta_fixtures::config::load(&path, &env).expect("loads"));
        }
        ("hit", Some(config)) => {
            let tokens = okta_fixtures::request("alice")
                .config(config)
                .blocking_tokens()
                .unwrap_or_else(|e| panic!("no tokens: {e}"));
            assert!(!tokens.access_token().is_empty());
        }
        _ => panic!("unknown child {kind}"),
    }
    println!("ns {}", started.elapsed().as_nanos());
}

fn run(dir: &Path, cache: &Path) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let fake_config =
        okta_fixtures::config::parse_str(&format!("org_url: fake\n{}", yaml()), None, &|_| None)
            .expect("bench YAML is valid");
    let fake = runtime
        .block_on(
            FakeOkta::builder()
                .config(&fake_config)
                .key_dir(cache.join("fake"))
                .start(),
        )
        .expect("the fake starts");
    let path = dir.join("fixtures.yaml");
    std::fs::write(&path, format!("org_url: {}\n{}", fake.org_url(), yaml()))
        .expect("write config");
    let config = okta_fixtures::config::load(&path, &|_| None).expect("config loads");
    let fixtures = Fixtures::builder(config).cache_dir(cache).build();
    // The one sign-in: memory and disk now hold alice's tokens.
    fixtures
        .request("alice")
        .blocking_tokens()
        .expect("a sign-in");
    assert_eq!(fake.stats().total_sign_ins(), 1);

    let warm = warm_hit(|| fixtures.request("alice").blocking_tokens());
    let warm_by_path = warm_hit(|| {
        okta_fixtures::request("alice")
            .config(&path)
            .blocking_tokens()
    });

    let mut builds = vec![("release", std::env::current_exe().expect("this binary"))];
    if let Some(debug) = std::env::var_os(DEBUG_EXE_ENV) {
        builds.push(("debug", PathBuf::from(debug)));
    }
    let colds = cold_processes(&builds, &path, cache);
    assert_eq!(
        fake.stats().total_sign_ins(),
        1,
        "every cold process read the disk"
    );
    let flow = full_flows(&fixtures);
    let totp = totp_flows(&fixtures);
    drop(runtime);

    let mut report = format!(
        "token cache, medians (p10 / p90); warm: {HIT_BATCHES} batches of {HIT_BATCH}; cold: \
         {COLD_RUNS} processes of each kind, interleaved; sign-in: {FLOW_RUNS}\n"
    );
    let mut row = |label: &str, value: &dyn std::fmt::Display, note: &str| {
        report.push_str(&format!("  {label:<44}{value}{note}\n"));
    };
    row("warm in-memory hit", &show(warm), "   target < 1 µs");
    row("  found by path (as #[okta_user])", &show(warm_by_path), "");
    for (build, c) in &colds {
        let label = format!("cold-process disk hit, {build} (in child)");
        row(&label, &c.hit, "   target < 2 ms in debug");
        row("  of which loading the config", &c.load, "");
        row("  whole child, spawn to exit", &c.hit_wall, "");
        row("  bare process start, spawn to exit", &c.bare_wall, "");
    }
    row("full sign-in against the fake", &show(flow), "");
    row("  with a TOTP second factor", &show(totp), "");
    report.push_str(&format!(
        "  the TOTP step costs {:.1?} ({:+.0}%; {} TOTP sign-ins)\n",
        totp.saturating_sub(flow),
        (totp.as_secs_f64() / flow.as_secs_f64() - 1.0) * 100.0,
        TOTP_RUNS - 1
    ));
    report.push_str(&format!(
        "  sign-in / warm hit = {:.0}x, sign-in / cold hit (release, in child) = {:.0}x",
        flow.as_secs_f64() / warm.as_secs_f64(),
        flow.as_secs_f64() / colds[0].1.hit.median.as_secs_f64(),
    ));
    report
}

/// A duration right-aligned in the table's value column.
fn show(d: Duration) -> String {
    format!("{:>10}", format!("{d:.1?}"))
}

/// Median over batches of the mean cost of one hit (a single hit is near the clock's
/// resolution).
fn warm_hit(hit: impl Fn() -> okta_fixtures::Result<okta_fixtures::Tokens>) -> Duration {
    for _ in 0..HIT_BATCH {
        std::hint::black_box(hit().expect("a hit"));
    }
    let mut per_hit: Vec<Duration> = (0..HIT_BATCHES)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..HIT_BATCH {
                std::hint::black_box(hit().expect("a hit"));
            }
            started.elapsed() / HIT_BATCH as u32
        })
        .collect();
    per_hit.sort();
    per_hit[per_hit.len() / 2]
}

/// A median with its 10th and 90th percentiles.
struct Spread {
    median: Duration,
    p10: Duration,
    p90: Duration,
}

impl Spread {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        Spread {
            median: times[times.len() / 2],
            p10: times[times.len() / 10],
            p90: times[times.len() * 9 / 10],
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:.1?} / {:.1?})",
            show(self.median),
            self.p10,
            self.p90
        )
    }
}

/// What the fresh processes of one build took.
struct Cold {
    /// A cold hit, timed by the child from its `main`.
    hit: Spread,
    /// Loading the config only, timed by the child from its `main`.
    load: Spread,
    /// A cold hit, timed by the parent from spawn to exit.
    hit_wall: Spread,
    /// A child that exits at once, timed by the parent from spawn to exit.
    bare_wall: Spread,
}

/// Fresh processes of each build: cold hits, config loads and bare starts, all alternated so
/// every kind sees the same machine (a shared VM's speed drifts over seconds).
fn cold_processes<'b>(
    builds: &[(&'b str, PathBuf)],
    config: &Path,
    cache: &Path,
) -> Vec<(&'b str, Cold)> {
    // The child's own figure, if it prints one, and the parent's spawn-to-exit time.
    let child = |exe: &Path, kind: &str| -> (Option<Duration>, Duration) {
        let started = Instant::now();
        let out = Command::new(exe)
            .env(CHILD_ENV, kind)
            .env(CONFIG_ENV, config)
            .env(okta_fixtures::dirs::CACHE_DIR_ENV, cache)
            .env_remove("OKTA_FIXTURES_CONFIG")
            .output()
            .unwrap_or_else(|e| panic!("{} runs: {e}", exe.display()));
        let wall = started.elapsed();
        assert!(
            out.status.success(),
            "the {kind} child of {} failed ({:?}): {}",
            exe.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let ns = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("ns ")?.trim().parse().ok());
        (ns.map(Duration::from_nanos), wall)
    };
    let mut times = vec![<[Vec<Duration>; 4]>::default(); builds.len()];
    for _ in 0..COLD_RUNS {
        for ((_, exe), [hit, load, hit_wall, bare_wall]) in builds.iter().zip(&mut times) {
            let (in_child, wall) = child(exe, "hit");
            hit.push(in_child.expect("the hit child's time"));
            hit_wall.push(wall);
            load.push(child(exe, "load").0.expect("the load child's time"));
            bare_wall.push(child(exe, "exit").1);
        }
    }
    builds
        .iter()
        .zip(times)
        .map(|((build, _), [hit, load, hit_wall, bare_wall])| {
            let cold = Cold {
                hit: Spread::of(hit),
                load: Spread::of(load),
                hit_wall: Spread::of(hit_wall),
                bare_wall: Spread::of(bare_wall),
            };
            (*build, cold)
        })
        .collect()
}

/// Median of full sign-ins of TOTP users, each user once (one code per user and step).
fn totp_flows(fixtures: &Fixtures) -> Duration {
    let sign_in = |i: usize| {
        fixtures
            .request(format!("carol{i}"))
            .fresh()
            .blocking_tokens()
            .expect("a TOTP sign-in")
    };
    sign_in(0);
    let mut runs: Vec<Duration> = (1..TOTP_RUNS)
        .map(|i| {
            let started = Instant::now();
            std::hint::black_box(sign_in(i));
            started.elapsed()
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}

/// Median of full sign-ins (`fresh()` bypasses the cache).
fn full_flows(fixtures: &Fixtures) -> Duration {
    let sign_in = || {
        fixtures
            .request("alice")
            .fresh()
            .blocking_tokens()
            .expect("a sign-in")
    };
    for _ in 0..5 {
        sign_in();
    }
    let mut runs: Vec<Duration> = (0..FLOW_RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(sign_in());
            started.elapsed()
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}
