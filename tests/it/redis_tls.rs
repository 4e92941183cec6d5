//! `rediss://`: the token cache over TLS to a `redis-server` whose certificate a CA made for
//! the test signed (tests/it/support/redis_tls.rs).

use crate::support::redis_tls::TlsRedis;

/// The harness itself: the server answers over TLS to a client that trusts its CA, and a
/// client trusting another CA refuses it. Without this, a TLS test failing "as expected" could
/// be a server that never served TLS.
#[test]
fn the_tls_server_answers_only_clients_that_trust_its_ca() {
    let redis = TlsRedis::start();
    let out = redis.cli(&redis.ca_file(), &["PING"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "PONG",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = redis.cli(&redis.other_ca_file(), &["PING"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!said.contains("PONG"), "{said}");
    assert!(said.contains("certificate verify failed"), "{said}");
    assert!(redis.url().ends_with(&format!(":{}", redis.port())));
}
