//! `cargo bench --bench cache`: what a test pays for its tokens, side by side in one run.
//!
//! - **warm in-memory hit**: `request("alice").blocking_tokens()` on fixtures that already hold
//!   the tokens (the caller's thread, an `Arc` clone); target under 1 µs median. Also through
//!   the process-wide fixtures found by path, as `#[okta_user]` expansions ask.
//! - **cold-process disk hit**: a new process that loads fixtures.yaml and reads the tokens
//!   another process cached. This binary runs itself as that process and times from the start
//!   of its `main` (process start excluded) to the tokens; target under 200 µs median.
//!   The same child, loading the config only, shows how much of that is the config's part;
//!   the two kinds alternate. On Linux each child also counts its minor page faults: most of
//!   a cold hit is the kernel mapping in code pages the process has not run yet. The code
//!   itself may still be in the CPU's caches from the process before, as it is when one test
//!   process follows another of the same test binary; the comparison below runs children
//!   with colder caches, and its medians are higher.
//! - **full sign-in**: authn, authorize, token and the ID token check against the embedded
//!   fake over loopback (`fresh()`, which bypasses the cache); what every hit saves.
//!
//! The org is an embedded fake this bench serves by URL, so the disk cache applies; the cache
//! folder is a temp folder of this run.
//!
//! **Builds side by side.** Where code sits in a binary changes a cold hit's page faults, so a
//! change to the cold path is judged against the code before it, in one run:
//!
//! ```text
//! git worktree add /tmp/before HEAD~1
//! (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before/target cargo bench --bench cache --no-run)
//! cargo bench --bench cache --no-run && mv target/release/deps/cache-<hash> target/cache-after
//! OKTA_FIXTURES_BENCH_CACHE_COMPARE=/tmp/before/target/release/deps/cache-<hash>:target/cache-after \
//!     cargo bench --bench cache
//! ```
//!
//! The cold children then come from the named builds, alternated, and the report gives each
//! one's medians and their ratios to the first. Neither may be the running bench's own file:
//! this process has just run the same code, and a child of its own file would find that code
//! hot in the CPU's caches. (Plain runs measure exactly that, as one test process after
//! another of a test binary would.) A separate target folder keeps cargo from mixing up the
//! two checkouts' crates, and `mv` (not `cp`) keeps a binary in the page cache as its linker
//! wrote it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use okta_fixtures::Fixtures;
use okta_fixtures::fake::FakeOkta;

/// Set in the child: the config path.
const CHILD_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_CHILD";
/// Builds of this bench (a path list) whose cold children are compared, instead of this one's.
const COMPARE_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_COMPARE";

/// Set in a child that only loads the config.
const LOAD_ONLY_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_LOAD_ONLY";

const YAML: &str = "
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

const HIT_BATCHES: usize = 300;
const HIT_BATCH: usize = 1000;
const COLD_RUNS: usize = 200;
/// Children that count their page faults instead of being timed.
const FAULT_RUNS: usize = 21;
const FLOW_RUNS: usize = 100;

fn main() {
    if let Some(config) = std::env::var_os(CHILD_ENV) {
        cold_child(Path::new(&config));
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
    let report = run(&dir.0, &cache);
    println!("{report}");
}

/// Set to keep the run's folder, to profile a cold hit by hand afterwards: run this binary
/// with `OKTA_FIXTURES_BENCH_CACHE_CHILD={folder}/fixtures.yaml` and
/// `OKTA_FIXTURES_CACHE_DIR={folder}/cache` (say, under `perf record -e page-faults -d`).
const KEEP_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_KEEP";

/// The run's folder, removed however the run ends (unless `KEEP_ENV` is set).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os(KEEP_ENV).is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The child: load the config and read the cached tokens (or, `LOAD_ONLY_ENV`, only find
/// and load the config as the library does), then say how long that took.
fn cold_child(config: &Path) {
    if std::env::var_os(LOAD_ONLY_ENV).is_some() {
        let faults_before = count_faults();
        let started = Instant::now();
        let env = |k: &str| std::env::var(k).ok();
        let cwd = std::env::current_dir().unwrap_or_default();
        let found = okta_fixtures::config::discover(Some(config), &env, &cwd).expect("found");
        let path = std::fs::canonicalize(&found).unwrap_or(found);
        let loaded = okta_fixtures::config::load(&path, &env);
        let took = started.elapsed();
        let faults = faults_before.and_then(|b| Some(minor_faults()? - b));
        std::hint::black_box(loaded.expect("the config loads"));
        println!("cold-ns {}", took.as_nanos());
        if let Some(n) = faults {
            println!("faults {n}");
        }
        return;
    }
    let faults_before = count_faults();
    let started = Instant::now();
    let tokens = okta_fixtures::request("alice")
        .config(config)
        .blocking_tokens();
    let took = started.elapsed();
    let faults = faults_before.and_then(|b| Some(minor_faults()? - b));
    match tokens {
        Ok(t) if !t.access_token().is_empty() => {
            println!("cold-ns {}", took.as_nanos());
            if let Some(n) = faults {
                println!("faults {n}");
            }
        }
        Ok(_) => std::process::exit(2),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// Set in a child that counts its page faults. Reading the count runs std code the timed
/// part runs too (and so pages it in early), so timed children never count.
const COUNT_FAULTS_ENV: &str = "OKTA_FIXTURES_BENCH_CACHE_COUNT_FAULTS";

/// The fault count now, in a child that counts them.
fn count_faults() -> Option<u64> {
    std::env::var_os(COUNT_FAULTS_ENV).and_then(|_| minor_faults())
}

/// Minor page faults of this process so far (Linux), read outside the timed part. In a
/// fresh process most of a cold hit's time is the kernel mapping in code pages for the first
/// time, so the count explains the time.
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 10, counted after the parenthesised command name (which may hold spaces).
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split(' ').nth(7)?.parse().ok()
}

fn run(dir: &Path, cache: &Path) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let fake_config =
        okta_fixtures::config::parse_str(&format!("org_url: fake\n{YAML}"), None, &|_| None)
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
    std::fs::write(&path, format!("org_url: {}\n{YAML}", fake.org_url())).expect("write config");
    let config = okta_fixtures::config::load(&path, &|_| None).expect("config loads");
    let fixtures = Fixtures::builder(config).cache_dir(cache).build();
    // The one sign-in: memory and disk now hold alice's tokens.
    fixtures
        .request("alice")
        .blocking_tokens()
        .expect("a sign-in");
    assert_eq!(fake.stats().total_sign_ins(), 1);

    let warm = warm_hit(|| fixtures.request("alice").blocking_tokens());
    let discovered = okta_fixtures::request("alice")
        .config(&path)
        .blocking_tokens()
        .expect("the disk entry");
    std::hint::black_box(discovered);
    let warm_discovery = warm_hit(|| {
        okta_fixtures::request("alice")
            .config(&path)
            .blocking_tokens()
    });
    let compared: Vec<PathBuf> = std::env::var_os(COMPARE_ENV)
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let exes = match compared.is_empty() {
        true => vec![std::env::current_exe().expect("this binary")],
        false => compared.clone(),
    };
    let colds = cold_hits(&exes, &path, cache);
    let (cold, load) = &colds[0];
    assert_eq!(
        fake.stats().total_sign_ins(),
        1,
        "every cold process read the disk"
    );
    let flow = full_flows(&fixtures);
    drop(runtime);

    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    let mut report = format!(
        "token cache, medians (warm: {HIT_BATCHES} batches of {HIT_BATCH}; cold: {COLD_RUNS} \
         processes of each kind, interleaved; flow: {FLOW_RUNS} sign-ins)\n\
         \x20 warm in-memory hit                 {warm:>12.1?}   target < 1 µs\n\
         \x20   found by path (as #[okta_user])  {warm_discovery:>12.1?}\n\
         \x20 cold-process disk hit (+config)    {:>12.1?}   target < 200 µs   {}\n\
         \x20   of which loading the config      {:>12.1?}   {}\n\
         \x20 full sign-in against the fake      {flow:>12.1?}\n\
         \x20 ratios: sign-in / warm hit = {:.0}x, sign-in / cold hit = {:.0}x, cold / warm = {:.0}x",
        cold.median,
        cold.spread(),
        load.median,
        load.spread(),
        ratio(flow, warm),
        ratio(flow, cold.median),
        ratio(cold.median, warm),
    );
    if !compared.is_empty() {
        report.push_str("\n  the cold processes above ran the first of these builds, alternated with the others:");
        for (exe, (c, l)) in compared.iter().zip(&colds) {
            report.push_str(&format!(
                "\n  {}\n\
                 \x20   cold hit {:>10.1?}  {}\n\
                 \x20   config   {:>10.1?}  {}\n\
                 \x20   ratios to the first: cold hit {:.2}, config {:.2}",
                exe.display(),
                c.median,
                c.spread(),
                l.median,
                l.spread(),
                ratio(c.median, cold.median),
                ratio(l.median, load.median),
            ));
        }
    }
    report
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median over batches of the mean cost of one hit (a single hit is near the clock's
/// resolution).
fn warm_hit(hit: impl Fn() -> okta_fixtures::Result<okta_fixtures::Tokens>) -> Duration {
    for _ in 0..HIT_BATCH {
        std::hint::black_box(hit().expect("a hit"));
    }
    let per_hit = (0..HIT_BATCHES)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..HIT_BATCH {
                std::hint::black_box(hit().expect("a hit"));
            }
            started.elapsed() / HIT_BATCH as u32
        })
        .collect();
    median(per_hit)
}

/// What fresh processes reported.
struct Cold {
    median: Duration,
    p10: Duration,
    p90: Duration,
    /// Median minor page faults, where the OS tells.
    faults: Option<u64>,
}

impl Cold {
    fn spread(&self) -> String {
        let faults = self
            .faults
            .map(|f| format!(", {f} page faults"))
            .unwrap_or_default();
        format!("(p10 {:.1?}, p90 {:.1?}{faults})", self.p10, self.p90)
    }
}

/// Cold hits and config-only loads from fresh processes of each of `exes` (builds of this
/// bench), all kinds alternated so that every one sees the same machine (a shared VM's speed
/// drifts over seconds).
fn cold_hits(exes: &[PathBuf], config: &Path, cache: &Path) -> Vec<(Cold, Cold)> {
    let child = |exe: &Path, load_only: bool, count_faults: bool| {
        let mut child = Command::new(exe);
        if load_only {
            child.env(LOAD_ONLY_ENV, "1");
        }
        if count_faults {
            child.env(COUNT_FAULTS_ENV, "1");
        }
        let out = child
            .env(CHILD_ENV, config)
            .env(okta_fixtures::dirs::CACHE_DIR_ENV, cache)
            .env_remove("OKTA_FIXTURES_CONFIG")
            .env_remove(COMPARE_ENV)
            .output()
            .unwrap_or_else(|e| panic!("{} runs: {e}", exe.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> Option<u64> {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|n| n.trim().parse().ok())
        };
        let ns = field("cold-ns ").unwrap_or_else(|| {
            panic!(
                "the child {} failed ({:?}): {}",
                exe.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (Duration::from_nanos(ns), field("faults "))
    };
    let mut times: Vec<(Vec<Duration>, Vec<Duration>)> = vec![Default::default(); exes.len()];
    for _ in 0..COLD_RUNS {
        for (exe, (hits, loads)) in exes.iter().zip(&mut times) {
            hits.push(child(exe, false, false).0);
            loads.push(child(exe, true, false).0);
        }
    }
    let faults = |exe: &Path, load_only| {
        (0..FAULT_RUNS)
            .filter_map(|_| child(exe, load_only, true).1)
            .collect()
    };
    exes.iter()
        .zip(times)
        .map(|(exe, (hits, loads))| {
            (
                summary(hits, faults(exe, false)),
                summary(loads, faults(exe, true)),
            )
        })
        .collect()
}

fn summary(mut times: Vec<Duration>, mut faults: Vec<u64>) -> Cold {
    times.sort();
    faults.sort();
    Cold {
        median: times[times.len() / 2],
        p10: times[times.len() / 10],
        p90: times[times.len() * 9 / 10],
        faults: faults.get(faults.len() / 2).copied(),
    }
}

/// Median of full sign-ins (`fresh()` bypasses the cache).
fn full_flows(fixtures: &Fixtures) -> Duration {
    for _ in 0..5 {
        fixtures
            .request("alice")
            .fresh()
            .blocking_tokens()
            .expect("a sign-in");
    }
    let runs = (0..FLOW_RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(
                fixtures
                    .request("alice")
                    .fresh()
                    .blocking_tokens()
                    .expect("a sign-in"),
            );
            started.elapsed()
        })
        .collect();
    median(runs)
}
