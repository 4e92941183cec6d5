//! A real `redis-server` for a test: started on a free port of 127.0.0.1 with a private folder
//! and no persistence (`--save '' --appendonly no`), waited for with PING and a deadline,
//! stopped on drop. When it cannot be started the test fails, saying why: a test that needs
//! Redis is never silently skipped. CI installs it (`.ci/run`: the Debian package).
//!
//! Shared by the integration tests (tests/it) and okta-fixtures' own unit tests (included there
//! by path), so it uses only std, tempfile and the `redis` crate's blocking client.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long redis-server may take to answer PING after it starts.
const START_DEADLINE: Duration = Duration::from_secs(15);

/// One redis-server process.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    /// More arguments for redis-server (TLS, ACL …).
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts one; panics with a clear message when it cannot.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts one with more arguments for redis-server, such as `--tls-port {port}
    /// --tls-cert-file …` (the plain port stays open on 127.0.0.1: readiness is a PING there).
    /// `{dir}` in an argument is replaced by its private folder.
    pub fn start_with(extra: &[&str]) -> Self {
        let mut dir = tempfile::Builder::new()
            .prefix("okta-fixtures-redis-")
            .tempdir()
            .expect("a temp folder for redis-server");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let extra = extra
                .iter()
                .map(|a| a.replace("{dir}", &dir.path().display().to_string()))
                .collect();
            let mut server = RedisServer {
                child: None,
                port,
                dir,
                extra,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(why) => {
                    last = why;
                    dir = server.take_dir();
                }
            }
        }
        panic!(
            "this test needs a real Redis and could not start `redis-server` ({last}); install \
             it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; .ci/run does it)"
        );
    }

    fn take_dir(mut self) -> tempfile::TempDir {
        self.kill();
        std::mem::replace(
            &mut self.dir,
            tempfile::TempDir::new().expect("a temp folder"),
        )
    }

    /// Starts redis-server on `self.port` and waits for PING.
    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--logfile", "redis.log"])
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("`redis-server` could not be run: {e}"))?;
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if self.ping() {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(format!(
                    "redis-server exited with {status}; its log: {}",
                    self.log()
                ));
            }
            if started.elapsed() > START_DEADLINE {
                self.kill();
                return Err(format!(
                    "redis-server did not answer PING within {START_DEADLINE:?}; its log: {}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// Whether it answers PING now.
    pub fn ping(&self) -> bool {
        self.connection()
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c).ok())
            .is_some_and(|p| p == "PONG")
    }

    /// `redis://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A blocking connection, if it answers.
    pub fn connection(&self) -> Option<redis::Connection> {
        let client = redis::Client::open(self.url()).ok()?;
        client
            .get_connection_with_timeout(Duration::from_secs(2))
            .ok()
    }

    /// Runs `cmd`; panics if the server does not answer.
    pub fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        let mut c = self.connection().expect("redis-server answers");
        cmd.query(&mut c).expect("a Redis command")
    }

    /// Every key, by SCAN.
    pub fn keys(&self) -> Vec<String> {
        let mut c = self.connection().expect("redis-server answers");
        let mut keys: Vec<String> = redis::cmd("SCAN")
            .cursor_arg(0)
            .clone()
            .iter::<String>(&mut c)
            .expect("SCAN")
            .filter_map(Result::ok)
            .collect();
        keys.sort();
        keys
    }

    /// Freezes it (SIGSTOP): connections stay open and nothing answers, as a hung or
    /// overloaded Redis. [`RedisServer::resume`] thaws it.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// Thaws it (SIGCONT).
    pub fn resume(&self) {
        self.signal("CONT");
    }

    fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("redis-server runs").id();
        let sent = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill -{name} {pid} failed");
    }

    /// Stops it (SIGKILL) and waits until it is gone; its memory is lost.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Starts it again on the same port, with an empty memory.
    pub fn start_again(&mut self) {
        self.kill();
        if let Err(why) = self.spawn() {
            panic!(
                "redis-server could not be started again on port {}: {why}",
                self.port
            );
        }
    }

    /// Stops it and starts it again, empty.
    pub fn restart_empty(&mut self) {
        self.stop();
        self.start_again();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port no one listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
