//! `cargo bench --bench shared_cache`: a CI fleet's cold start, with the token cache on one
//! disk next to the cache shared through Redis, in one run.
//!
//! - **cold start**: 32 processes start at once and each gets the tokens of 8 users (two apps
//!   of four users; each process starts with a different user, as shards do). All of them use
//!   one standalone fake Okta, served by URL, new for each round (so its stats and rate limits
//!   start at zero). `store: disk`: the 32 processes share one cache folder, as on one machine.
//!   `store: redis`: one `redis-server`, and each process has a cache folder of its own, as on 32
//!   machines. Reported per store: the fake's sign-ins (the point: 8 a round, one per user,
//!   whatever the store), whether every process got the same tokens for a user, and the wall
//!   time from the first spawn to the last exit, with the slowest process's own time. The
//!   stores alternate round by round, so both see the same machine.
//! - **warm in-memory hit**, per store: `request(user).blocking_tokens()` on fixtures that
//!   already hold the tokens; it must not change with the store. For Redis the bench also checks
//!   that the hits sent Redis no command (its `INFO commandstats`).
//!
//! `OKTA_FIXTURES_BENCH_STORES=disk` (or `redis`) runs one store only. `redis-server` must be
//! installed (Debian's package).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use okta_fixtures::Fixtures;
use okta_fixtures::fake::FakeOkta;

/// Set in a child: the config path.
const CHILD_ENV: &str = "OKTA_FIXTURES_BENCH_SHARED_CHILD";
/// Set in a child: which user it starts with.
const FIRST_ENV: &str = "OKTA_FIXTURES_BENCH_SHARED_FIRST";
/// Which stores to run (comma-separated), default both.
const STORES_ENV: &str = "OKTA_FIXTURES_BENCH_STORES";

const PROCESSES: usize = 32;
const USERS: [&str; 8] = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"];
const ROUNDS: usize = 10;
const HIT_BATCHES: usize = 200;
const HIT_BATCH: usize = 1000;

/// Two apps of four users each: Okta's client-based limit allows 5 sign-ins at once per app,
/// and 8 users of one app signing in together would measure its 429 waits instead.
fn yaml(org_url: &str, cache: &str) -> String {
    let mut text = format!(
        "org_url: {org_url}\nauthorization_server: default\n{cache}\napps:\n\
         \x20 a:\n    client_id: a-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n\
         \x20 b:\n    client_id: b-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n\
         users:\n"
    );
    for (i, user) in USERS.iter().enumerate() {
        let app = if i % 2 == 0 { "a" } else { "b" };
        text.push_str(&format!(
            "  {user}: {{ username: {user}@example.com, password: pw-{user}, app: {app} }}\n"
        ));
    }
    text
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Store {
    Disk,
    Redis,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Disk => "disk",
            Store::Redis => "redis",
        }
    }

    /// The `cache:` block of this store in round `round`; each round has a namespace of its own.
    fn cache_block(self, redis: Option<&RedisServer>, round: usize) -> String {
        match (self, redis) {
            (Store::Redis, Some(redis)) => format!(
                "cache:\n  store: redis\n  redis_url: redis://127.0.0.1:{}\n  namespace: \
                 'okta-bench-{round}:'",
                redis.port
            ),
            _ => "cache:\n  store: disk".to_owned(),
        }
    }
}

fn main() {
    let started = Instant::now();
    if let Some(config) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&config), started);
        return;
    }
    // Only the `--bench` run measures; `cargo test --benches` runs this binary without it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let stores: Vec<Store> = match std::env::var(STORES_ENV).ok().as_deref() {
        None | Some("") => vec![Store::Disk, Store::Redis],
        Some(list) => list
            .split(',')
            .map(|s| match s.trim() {
                "disk" => Store::Disk,
                "redis" => Store::Redis,
                other => panic!("{STORES_ENV}: unknown store `{other}` (disk, redis)"),
            })
            .collect(),
    };
    let dir = tempfile::Builder::new()
        .prefix("okta-fixtures-bench-shared-")
        .tempdir()
        .expect("a temp folder");
    println!("{}", run(dir.path(), &stores));
}

/// A child process, one "machine" of the fleet: each user's tokens, starting with the user
/// `FIRST_ENV` names; prints `user jti` per user and its own time.
fn child(config: &Path, started: Instant) {
    let first: usize = std::env::var(FIRST_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for i in 0..USERS.len() {
        let user = USERS[(first + i) % USERS.len()];
        let tokens = okta_fixtures::request(user)
            .config(config)
            .blocking_tokens()
            .unwrap_or_else(|e| panic!("no tokens for {user}: {e}"));
        // The token's id, not the token: enough to tell whether processes got the same one.
        let jti = tokens
            .access_claims()
            .and_then(|c| c.get("jti"))
            .and_then(|j| j.as_str())
            .unwrap_or("-")
            .to_owned();
        println!("tokens {user} {jti}");
    }
    println!("ns {}", started.elapsed().as_nanos());
}

fn run(dir: &Path, stores: &[Store]) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let redis = stores
        .contains(&Store::Redis)
        .then(|| RedisServer::start(&dir.join("redis")));
    let keys = dir.join("fake-keys");
    let fake_config = okta_fixtures::config::parse_str(&yaml("fake", ""), None, &|_| None)
        .expect("bench YAML is valid");

    let mut colds: Vec<(Store, Vec<Round>)> = stores.iter().map(|s| (*s, Vec::new())).collect();
    for round in 0..ROUNDS {
        // A B, then B A: whichever goes first in a round is faster on a busy machine (seen as
        // a 40 ms swing either way), so each store goes first in half the rounds.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..colds.len()).collect()
        } else {
            (0..colds.len()).rev().collect()
        };
        for i in order {
            let (store, rounds) = &mut colds[i];
            let fake = runtime
                .block_on(
                    FakeOkta::builder()
                        .config(&fake_config)
                        .key_dir(keys.clone())
                        .start(),
                )
                .expect("the fake starts");
            let here = dir.join(format!("{}-{round}", store.name()));
            std::fs::create_dir_all(&here).expect("a round folder");
            let config = here.join("fixtures.yaml");
            let block = store.cache_block(redis.as_ref(), round);
            std::fs::write(&config, yaml(fake.org_url(), &block)).expect("write config");
            let mut result = cold_start(&config, &here, *store);
            result.sign_ins = fake.stats().total_sign_ins();
            rounds.push(result);
            runtime.block_on(fake.shutdown());
        }
    }

    // Warm hits: one fixtures per store, on a fake that stays up.
    let fake = runtime
        .block_on(
            FakeOkta::builder()
                .config(&fake_config)
                .key_dir(keys.clone())
                .start(),
        )
        .expect("the fake starts");
    // Built first, measured after, in A B B A order: the first measured is faster (seen as
    // 260 ns against 335 ns for the same code), so each store is measured once in each place.
    let warm_fixtures: Vec<(Store, Fixtures)> = stores
        .iter()
        .map(|store| {
            let here = dir.join(format!("warm-{}", store.name()));
            std::fs::create_dir_all(&here).expect("a warm folder");
            let config_path = here.join("fixtures.yaml");
            let block = store.cache_block(redis.as_ref(), ROUNDS);
            std::fs::write(&config_path, yaml(fake.org_url(), &block)).expect("write config");
            let config =
                okta_fixtures::config::load(&config_path, &|_| None).expect("config loads");
            let fixtures = Fixtures::builder(config)
                .cache_dir(here.join("cache"))
                .build();
            fixtures.request("u0").blocking_tokens().expect("a sign-in");
            (*store, fixtures)
        })
        .collect();
    let mut hits: Vec<Vec<Duration>> = vec![Vec::new(); stores.len()];
    let order: Vec<usize> = (0..stores.len()).chain((0..stores.len()).rev()).collect();
    let before = redis.as_ref().map(RedisServer::data_commands);
    for i in order {
        let fixtures = &warm_fixtures[i].1;
        hits[i].push(warm_hit(|| fixtures.request("u0").blocking_tokens()));
    }
    let after = redis.as_ref().map(RedisServer::data_commands);
    if let (Some(b), Some(a)) = (before, after) {
        assert_eq!(a, b, "warm hits sent commands to Redis");
    }
    let warm: Vec<(Store, Vec<Duration>, &str)> = warm_fixtures
        .iter()
        .zip(hits)
        .map(|((store, _), hits)| {
            let note = if *store == Store::Redis {
                "; Redis got no command"
            } else {
                ""
            };
            (*store, hits, note)
        })
        .collect();
    runtime.block_on(fake.shutdown());
    drop(runtime);
    report(&colds, &warm)
}

/// What one round of one store measured.
struct Round {
    /// First spawn to last exit.
    wall: Duration,
    /// The slowest process, timed by itself from its `main`.
    slowest_child: Duration,
    /// Sign-ins the fake counted.
    sign_ins: u64,
    /// Whether every process got the same access token (by `jti`) for each user.
    agree: bool,
}

/// 32 processes at once; waits for all, checks they succeeded and got the same tokens.
fn cold_start(config: &Path, here: &Path, store: Store) -> Round {
    let started = Instant::now();
    let children: Vec<Child> = (0..PROCESSES)
        .map(|i| {
            // Disk: one folder, as one machine. Redis: a folder each, as separate machines.
            let cache = match store {
                Store::Disk => here.join("cache"),
                Store::Redis => here.join(format!("cache-{i}")),
            };
            Command::new(std::env::current_exe().expect("this binary"))
                .env(CHILD_ENV, config)
                .env(FIRST_ENV, (i % USERS.len()).to_string())
                .env(okta_fixtures::dirs::CACHE_DIR_ENV, cache)
                .env_remove("OKTA_FIXTURES_CONFIG")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a child process")
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("the child ends"))
        .collect();
    let wall = started.elapsed();
    let mut jtis: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut slowest_child = Duration::ZERO;
    for out in &outputs {
        assert!(
            out.status.success(),
            "a {} child failed ({:?}): {}",
            store.name(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut words = line.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("tokens"), Some(user), Some(jti)) => {
                    jtis.entry(user.to_owned())
                        .or_default()
                        .insert(jti.to_owned());
                }
                (Some("ns"), Some(ns), None) => {
                    let ns = Duration::from_nanos(ns.parse().expect("nanoseconds"));
                    slowest_child = slowest_child.max(ns);
                }
                _ => {}
            }
        }
    }
    Round {
        wall,
        slowest_child,
        sign_ins: 0,
        agree: jtis.len() == USERS.len() && jtis.values().all(|set| set.len() == 1),
    }
}

/// Median over batches of the mean cost of one hit.
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

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn report(colds: &[(Store, Vec<Round>)], warm: &[(Store, Vec<Duration>, &str)]) -> String {
    let mut text = format!(
        "shared token cache: {PROCESSES} processes x {} users, cold start, {ROUNDS} rounds per \
         store, alternating; medians (min / max)\n",
        USERS.len()
    );
    for (store, rounds) in colds {
        let walls: Vec<Duration> = rounds.iter().map(|r| r.wall).collect();
        let slowest: Vec<Duration> = rounds.iter().map(|r| r.slowest_child).collect();
        let sign_ins: Vec<u64> = rounds.iter().map(|r| r.sign_ins).collect();
        let agree = rounds.iter().all(|r| r.agree);
        let (min, max) = (
            walls.iter().min().copied().unwrap_or_default(),
            walls.iter().max().copied().unwrap_or_default(),
        );
        text.push_str(&format!(
            "  store: {:<6} wall {:>9.1?} ({min:.1?} / {max:.1?}), slowest process {:>9.1?}, \
             sign-ins per round {sign_ins:?}, same tokens in every process: {}\n",
            store.name(),
            median(walls),
            median(slowest),
            if agree { "yes" } else { "NO" }
        ));
    }
    for (store, hits, note) in warm {
        let hits: Vec<String> = hits.iter().map(|h| format!("{h:.1?}")).collect();
        text.push_str(&format!(
            "  warm in-memory hit, store: {:<6} {} (measured first / last){note}\n",
            store.name(),
            hits.join(" / ")
        ));
    }
    text
}

/// A plain `redis-server` on a free loopback port, in a folder of its own; killed on drop.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    fn start(dir: &Path) -> RedisServer {
        std::fs::create_dir_all(dir).expect("a redis folder");
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server cannot run ({e}): install redis-server"));
        let server = RedisServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.cli(&["PING"]).trim() != "PONG" {
            assert!(Instant::now() < deadline, "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Calls of every command but INFO (this bench's own probe) and PING, summed.
    fn data_commands(&self) -> u64 {
        self.cli(&["INFO", "commandstats"])
            .lines()
            .filter_map(|l| l.strip_prefix("cmdstat_"))
            .filter(|l| !l.starts_with("info:") && !l.starts_with("ping:"))
            .filter_map(|l| {
                l.split("calls=")
                    .nth(1)?
                    .split(',')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
