//! A `redis-server` with TLS and a CA made for the test, for the `rediss://` tests: the core's
//! harness ([`super::redis::RedisServer::start_with`]) with TLS arguments, plus certificates.
//!
//! The certificates come from Debian's `openssl` command, not a Rust crate (rcgen): the tests
//! already drive Debian's `redis-server`, whose TLS is that same OpenSSL, so this adds no
//! dependency to Cargo.lock or the MSRV check, and the files are the ones an operator would make.
//! A CA (`CA:TRUE`) signs a server certificate for `localhost` and `127.0.0.1` (webpki, under
//! rustls, reads only the subjectAltName and refuses a CA certificate as a server's).
//!
//! The server listens with TLS on a free loopback port of its own, and does not ask clients for
//! certificates; its plain port (which the harness PINGs to see it ready) stays on 127.0.0.1.
//! It is stopped on drop, so a failing test leaves no server behind.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::redis::RedisServer;

/// A running `redis-server` with a TLS port, stopped on drop.
pub(crate) struct TlsRedis {
    _server: RedisServer,
    port: u16,
    certs: tempfile::TempDir,
}

impl TlsRedis {
    /// Makes a CA and a server certificate, then starts the server and waits until it answers.
    /// Panics with what to install or what the server said when it cannot start: the tests
    /// that need it fail rather than skip.
    pub(crate) fn start() -> TlsRedis {
        let certs = super::temp_dir("redis-tls-certs");
        make_certificates(certs.path());
        // A port nothing listened on a moment ago; another process could take it before
        // redis-server does, and then the start fails saying so (rare enough not to retry).
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let file = |name: &str| certs.path().join(name).display().to_string();
        let port_arg = port.to_string();
        let (cert, key, ca) = (file("server.pem"), file("server.key"), file("ca.pem"));
        let server = RedisServer::start_with(&[
            "--tls-port",
            &port_arg,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
        ]);
        TlsRedis {
            _server: server,
            port,
            certs,
        }
    }

    /// `rediss://localhost:<port>`: the name the server certificate is for.
    pub(crate) fn url(&self) -> String {
        format!("rediss://localhost:{}", self.port)
    }

    /// The TLS port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The CA certificate (PEM) that signed the server's: what `SSL_CERT_FILE` names.
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.certs.path().join("ca.pem")
    }

    /// A CA certificate (PEM) that did not sign the server's: a client trusting only it must
    /// refuse the server.
    pub(crate) fn other_ca_file(&self) -> PathBuf {
        self.certs.path().join("other-ca.pem")
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
