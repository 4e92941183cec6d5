//! A TLS-only `redis-server` with a CA made for the test, for the `rediss://` tests.
//!
//! The certificates come from Debian's `openssl` command, not a Rust crate (rcgen): the tests
//! already drive Debian's `redis-server`, whose TLS is that same OpenSSL, so this adds no
//! dependency to Cargo.lock or the MSRV check, and the files are the ones an operator would make.
//! A CA (`CA:TRUE`) signs a server certificate for `localhost` and `127.0.0.1` (webpki, under
//! rustls, reads only the subjectAltName and refuses a CA certificate as a server's).
//!
//! The server listens on TLS only (`--port 0`), on a free loopback port, in a private folder
//! removed on drop; it does not ask clients for certificates. It is stopped (SIGKILL, then
//! reaped) on drop, so a failing test leaves no server behind.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to listen; only a broken install comes near it.
const START_PATIENCE: Duration = Duration::from_secs(20);

/// Free ports are picked by binding port 0 and letting go: another process can take the port
/// in between, so a start that loses that race is retried this many times.
const PORT_TRIES: usize = 5;

/// A running TLS-only `redis-server`, stopped on drop.
pub(crate) struct TlsRedis {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl TlsRedis {
    /// Makes a CA and a server certificate, then starts the server and waits until it accepts
    /// connections. Panics with what to install or what the server said when it cannot start:
    /// the tests that need it fail rather than skip.
    pub(crate) fn start() -> TlsRedis {
        let dir = super::temp_dir("redis-tls");
        make_certificates(dir.path());
        let mut last_log = String::new();
        for _ in 0..PORT_TRIES {
            let port = free_port();
            let mut child = spawn(dir.path(), port);
            match wait_listening(&mut child, port, dir.path()) {
                Ok(()) => return TlsRedis { child, port, dir },
                Err(log) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    if !log.contains("Address already in use") {
                        panic!("redis-server with TLS did not start on port {port}:\n{log}");
                    }
                    last_log = log;
                }
            }
        }
        panic!("redis-server with TLS found no free port in {PORT_TRIES} tries:\n{last_log}")
    }

    /// `rediss://localhost:<port>`: the name the server certificate is for.
    pub(crate) fn url(&self) -> String {
        format!("rediss://localhost:{}", self.port)
    }

    /// The port it listens on (TLS only).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The CA certificate (PEM) that signed the server's: what `SSL_CERT_FILE` names.
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A CA certificate (PEM) that did not sign the server's: a client trusting only it must
    /// refuse the server.
    pub(crate) fn other_ca_file(&self) -> PathBuf {
        self.dir.path().join("other-ca.pem")
    }

    /// `redis-cli` over TLS to this server, trusting `ca` only; `args` is the command.
    pub(crate) fn cli(&self, ca: &Path, args: &[&str]) -> std::process::Output {
        Command::new("redis-cli")
            .args(["--tls", "--cacert"])
            .arg(ca)
            .args(["-h", "localhost", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("redis-cli cannot run ({e}): install Debian's redis-tools (redis-server)")
            })
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ca.pem` (and its key), `other-ca.pem`, and `server.pem`/`server.key` signed by `ca.pem` for
/// `localhost` and `127.0.0.1`, valid for a day.
fn make_certificates(dir: &Path) {
    // Each command is one line of words; no argument holds a space.
    let openssl = |command: &str| {
        let args: Vec<&str> = command.split_whitespace().collect();
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("openssl cannot run ({e}): install Debian's openssl"));
        assert!(
            out.status.success(),
            "openssl {command} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let new_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for name in ["ca", "other-ca"] {
        openssl(&format!(
            "req -x509 {new_key} -keyout {name}.key -out {name}.pem -days 1 \
             -subj /CN=okta-fixtures-test-{name} -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ));
    }
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    openssl(&format!(
        "req {new_key} -keyout server.key -out server.csr -subj /CN=localhost"
    ));
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
         -days 1 -extfile server.ext",
    );
}

/// A loopback port nothing listened on a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn spawn(dir: &Path, port: u16) -> Child {
    let file = |name: &str| dir.join(name).into_os_string();
    Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--tls-port",
            &port.to_string(),
        ])
        .arg("--tls-cert-file")
        .arg(file("server.pem"))
        .arg("--tls-key-file")
        .arg(file("server.key"))
        .arg("--tls-ca-cert-file")
        .arg(file("ca.pem"))
        .args(["--tls-auth-clients", "no"])
        // Nothing persisted, nothing read at start: the folder only holds the log.
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(file("redis.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "redis-server cannot run ({e}): install Debian's redis-server (built with TLS), \
                 as .ci/run does"
            )
        })
}

/// Until the server accepts a TCP connection on `port`: `Err` with its log when it exits or
/// does not listen within [`START_PATIENCE`].
fn wait_listening(child: &mut Child, port: u16, dir: &Path) -> Result<(), String> {
    let log = |child: &mut Child| {
        let mut text = std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
        if let Some(mut stderr) = child.stderr.take() {
            use std::io::Read as _;
            let _ = stderr.read_to_string(&mut text);
        }
        text
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + START_PATIENCE;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status}:\n{}", log(child)));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not listening after {START_PATIENCE:?}:\n{}",
                log(child)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
