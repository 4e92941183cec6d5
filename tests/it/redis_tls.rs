//! `rediss://`: the token cache over TLS to a `redis-server` whose certificate a CA made for
//! the test signed (tests/it/support/redis_tls.rs).

use std::path::Path;

use crate::support::command;
use crate::support::redis_tls::TlsRedis;
use crate::support::served_org::ServedOrg;

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

/// `okta-fixtures <args>` with `cache` as its cache folder and the CA variables of rustls's
/// root loader set to `ca` only (or unset): (exit code, stdout, stderr).
fn run(cache: &Path, args: &[&str], ca: Option<&Path>) -> (Option<i32>, String, String) {
    let mut cmd = command(cache, args);
    cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    if let Some(ca) = ca {
        cmd.env("SSL_CERT_FILE", ca);
    }
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A sign-in through `rediss://` with the test's CA named by `SSL_CERT_FILE`: the tokens land
/// in Redis (seen by a second process) and `cache list` reads them over TLS.
#[test]
fn rediss_works_with_the_ca_given_through_the_environment() {
    let redis = TlsRedis::start();
    let org = ServedOrg::start("redis-tls-ok");
    let config = org.config(
        "tls",
        &format!(
            "{{store: redis, redis_url: '{}', namespace: 'tls:'}}",
            redis.url()
        ),
    );
    let config_arg = config.to_str().expect("UTF-8");
    let ca = redis.ca_file();
    let (code, token, said) = run(
        &org.cache_dir("machine-1"),
        &["token", "alice", "--config", config_arg],
        Some(&ca),
    );
    assert_eq!(code, Some(0), "{said}");
    // Another machine: same token, from Redis, no second sign-in.
    let (code, again, said) = run(
        &org.cache_dir("machine-2"),
        &["token", "alice", "--config", config_arg],
        Some(&ca),
    );
    assert_eq!((code, again.as_str()), (Some(0), token.as_str()), "{said}");
    assert_eq!(org.fake().stats().total_sign_ins(), 1);
    let (code, list, said) = run(
        &org.cache_dir("machine-3"),
        &["cache", "list", "--config", config_arg],
        Some(&ca),
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(
        list.contains("\talice\tspa\t") && list.contains("\ttls:entry:"),
        "{list}"
    );
    assert!(!list.contains(token.trim()), "{list}");
    // And the server holds the entry, seen by redis-cli over TLS.
    let out = redis.cli(&ca, &["--scan", "--pattern", "tls:entry:*"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

/// Without the CA (the system's roots only), or with another CA, the connection is refused:
/// a clear error naming cache.redis_url and the certificate problem, and no sign-in is sent
/// (no silent fallback to another store).
#[test]
fn rediss_without_the_ca_is_a_clear_certificate_error() {
    let redis = TlsRedis::start();
    let org = ServedOrg::start("redis-tls-untrusted");
    let config = org.config(
        "tls",
        &format!(
            "{{store: redis, redis_url: '{}', namespace: 'tls:'}}",
            redis.url()
        ),
    );
    let config_arg = config.to_str().expect("UTF-8");
    let named = format!("cache.redis_url (rediss://localhost:{})", redis.port());
    for ca in [None, Some(redis.other_ca_file())] {
        let (code, out, said) = run(
            &org.cache_dir("machine"),
            &["token", "alice", "--config", config_arg],
            ca.as_deref(),
        );
        assert_eq!((code, out.as_str()), (Some(1), ""), "{said}");
        assert!(said.contains(&named), "{said}");
        assert!(said.to_lowercase().contains("certificate"), "{said}");
        let (code, _, said) = run(
            &org.cache_dir("machine"),
            &["cache", "list", "--config", config_arg],
            ca.as_deref(),
        );
        assert_eq!(code, Some(1), "{said}");
        assert!(said.contains(&named), "{said}");
    }
    assert_eq!(org.fake().stats().total_sign_ins(), 0);
}
