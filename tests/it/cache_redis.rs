//! `cache.store: redis`: separate processes with separate disk cache folders ("machines") run
//! `okta-fixtures token` against one standalone fake and one real `redis-server`
//! ([`crate::support::redis`]), and share one sign-in per user through it.

mod faults;
mod fleet;
mod keys;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::support::redis::RedisServer;
use crate::support::{Running, command, temp_dir};

/// The users of [`config`]: `u0` … `u{USERS-1}`, password `pw-{name}-SECRET`.
const USERS: usize = 4;

/// A fixtures.yaml for the standalone fake and the machines: an SPA with refresh tokens,
/// [`USERS`] users, `cache:` with Redis from the environment, and `fake_extra` under `fake:`.
fn config(cache_extra: &str, fake_extra: &str) -> String {
    let mut users = String::new();
    for i in 0..USERS {
        users.push_str(&format!(
            "  u{i}: {{username: u{i}@example.com, password: '${{PW_U{i}:-pw-u{i}-SECRET}}'}}\n"
        ));
    }
    format!(
        "org_url: ${{OKTA_ORG_URL:-fake}}
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
    scopes: [openid, profile, offline_access]
users:
{users}cache:
  store: redis
  redis_url: ${{OKTA_FIXTURES_REDIS_URL}}
  namespace: ${{NAMESPACE:-}}
{cache_extra}fake:
  org_name: Redis fleet
{fake_extra}"
    )
}

/// One test's world: a Redis, a fixtures.yaml, and a standalone fake serving it.
struct World {
    redis: RedisServer,
    fake: Running,
    /// The folder of fixtures.yaml (and the fake's cache folder).
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl World {
    /// Starts Redis and the fake for `yaml`.
    fn start(tag: &str, yaml: &str) -> World {
        let redis = RedisServer::start();
        let dir = temp_dir(tag);
        let config = dir.path().join("fixtures.yaml");
        std::fs::write(&config, yaml).unwrap();
        let fake_cache = dir.path().join("fake-cache");
        let fake = Running::start(command(
            &fake_cache,
            &["fake", "--config", config.to_str().unwrap()],
        ));
        World {
            redis,
            fake,
            dir,
            config,
        }
    }

    /// A new machine: a disk cache folder of its own.
    fn machine(&self) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("machine-")
            .tempdir_in(self.dir.path())
            .unwrap()
    }

    /// `okta-fixtures token <user>` on `machine`, with Redis at `redis_url`, logging at
    /// `info`, and `vars`.
    fn token_with(
        &self,
        machine: &Path,
        user: &str,
        redis_url: &str,
        vars: &[(&str, &str)],
    ) -> Command {
        let mut cmd = command(
            machine,
            &["token", user, "--config", self.config.to_str().unwrap()],
        );
        for (name, _) in std::env::vars() {
            if name.starts_with("OKTA_") && name != "OKTA_FIXTURES_CACHE_DIR" {
                cmd.env_remove(name);
            }
        }
        cmd.env("OKTA_ORG_URL", &self.fake.org_url)
            .env("OKTA_FIXTURES_REDIS_URL", redis_url)
            .env("RUST_LOG", "okta_fixtures=info")
            .envs(vars.iter().copied())
            .current_dir(machine);
        cmd
    }

    /// `okta-fixtures token <user>` on `machine` with this world's Redis.
    fn token(&self, machine: &Path, user: &str, vars: &[(&str, &str)]) -> Command {
        self.token_with(machine, user, &self.redis.url(), vars)
    }

    /// Sign-ins of `user` (`u0` …) as the fake counts them.
    async fn sign_ins(&self, user: &str) -> u64 {
        let stats: Value = reqwest::get(format!("{}/_fake/stats", self.fake.org_url))
            .await
            .expect("the fake answers")
            .json()
            .await
            .expect("JSON stats");
        let username = format!("{user}@example.com");
        stats["sign_ins"]
            .as_array()
            .expect("a sign_ins array")
            .iter()
            .filter(|s| s["username"] == username.as_str())
            .filter_map(|s| s["count"].as_u64())
            .sum()
    }

    /// `/api/v1/authn` requests the fake answered.
    async fn authn_requests(&self) -> u64 {
        let stats: Value = reqwest::get(format!("{}/_fake/stats", self.fake.org_url))
            .await
            .expect("the fake answers")
            .json()
            .await
            .expect("JSON stats");
        stats["requests"]["authn"].as_u64().expect("an authn count")
    }

    /// Every key in Redis with its time to live in ms (SCAN, then PTTL; -1 is none), but
    /// those gone in between (PTTL -2: expired or evicted).
    fn keys_with_ttl(&self) -> Vec<(String, i64)> {
        self.redis
            .keys()
            .into_iter()
            .map(|k| {
                let ttl: i64 = self.redis.query(redis::cmd("PTTL").arg(&k));
                (k, ttl)
            })
            .filter(|(_, ttl)| *ttl != -2)
            .collect()
    }
}

/// What a finished run left.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn of(out: Output) -> Ran {
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The token printed by a successful run.
    fn token(&self) -> &str {
        assert_eq!(self.code, Some(0), "stderr:\n{}", self.stderr);
        self.stdout.trim_end()
    }
}

/// Waits for `child` for at most `within`; kills it and fails the test if it takes longer.
fn finish(child: Child, within: Duration) -> Ran {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(within) {
        Ok(out) => Ran::of(out.expect("the binary ran")),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("okta-fixtures token did not finish within {within:?}");
        }
    }
}

/// How long one `token` run may take here: a sign-in against the local fake, plus Redis's
/// timeouts; only a hang comes near it.
const RUN: Duration = Duration::from_secs(60);
