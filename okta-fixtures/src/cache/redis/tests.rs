//! The Redis store against a real redis-server ([`super::test_server`]).

use std::time::{Duration, Instant, SystemTime};

use super::admin::glob_escape;
use super::test_server::RedisServer;
use super::*;
use crate::cache::tests::{key, tokens_until};

const NS: &str = "t:{ci/project}*:";
const TIMEOUT: Duration = Duration::from_secs(2);

fn store(server: &RedisServer, signing_key: Option<&str>, lock_ttl: Duration) -> Redis {
    Redis::for_test(&server.url(), NS, signing_key, lock_ttl, TIMEOUT)
}

fn hour() -> Tokens {
    tokens_until(
        SystemTime::now() + Duration::from_secs(3600),
        Some("refresh-SECRET"),
    )
}

fn held(locked: Locked) -> (Held, Option<Tokens>) {
    match locked {
        Locked::Held(h, found) => (h, found),
        Locked::Found(_) => panic!("expected the lock, found tokens"),
    }
}

#[tokio::test]
async fn one_machine_signs_in_while_another_waits_and_then_reads_its_entry() {
    let server = RedisServer::start();
    let (a, b) = (
        store(&server, None, LOCK_TTL),
        store(&server, None, LOCK_TTL),
    );
    let k = key("alice");
    let usable = |_: &Tokens| true;
    let (lock, found) = held(a.lock(&k, TIMEOUT, usable).await.unwrap());
    assert!(found.is_none());
    let waiter = tokio::spawn(async move {
        let started = Instant::now();
        let got = b
            .lock(&key("alice"), Duration::from_secs(10), |_: &Tokens| true)
            .await;
        (got, started.elapsed())
    });
    // Still waiting while a holds the lock.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "b must wait for a's sign-in");
    let t = hour();
    a.write_entry(&k, &t, false, Duration::from_secs(60), SystemTime::now())
        .await
        .unwrap();
    lock.release().await;
    let (got, _) = waiter.await.unwrap();
    match got.unwrap() {
        Locked::Found(read) => assert_eq!(read.access_token(), t.access_token()),
        Locked::Held(..) => panic!("b found a's entry, no lock needed"),
    }
    // Released: the lock key is gone.
    assert!(
        server.keys().iter().all(|k| !k.contains("lock:")),
        "{:?}",
        server.keys()
    );
}

#[tokio::test]
async fn a_crashed_holder_delays_the_others_by_one_lock_time_and_a_live_one_keeps_its_lock() {
    let server = RedisServer::start();
    let ttl = Duration::from_millis(800);
    let (a, b) = (store(&server, None, ttl), store(&server, None, ttl));
    let k = key("alice");
    // A live holder keeps renewing past its lock time: b gives up with a typed error.
    let (live, _) = held(a.lock(&k, TIMEOUT, |_| true).await.unwrap());
    let e = b
        .lock(&k, ttl * 3, |_| true)
        .await
        .err()
        .expect("still held");
    assert!(
        matches!(&e, Error::RedisLocked { waited, .. } if *waited >= ttl * 3),
        "{e:?}"
    );
    assert!(e.to_string().contains("alice"), "{e}");
    // ... and then crashes: stops renewing without releasing.
    live.abandon();
    let started = Instant::now();
    let (_took_over, found) = held(b.lock(&k, Duration::from_secs(10), |_| true).await.unwrap());
    let waited = started.elapsed();
    assert!(found.is_none());
    assert!(
        waited <= ttl + Duration::from_millis(400),
        "waited {waited:?} for a lock time of {ttl:?}"
    );
}

#[tokio::test]
async fn entries_live_until_due_for_renewal_and_keep_a_refresh_token_only_if_persisted() {
    let server = RedisServer::start();
    let r = store(&server, None, LOCK_TTL);
    let (alice, bob) = (key("alice"), key("bob"));
    let now = SystemTime::now();
    let t = hour();
    r.write_entry(&alice, &t, false, Duration::from_secs(60), now)
        .await
        .unwrap();
    r.write_entry(&bob, &t, true, Duration::from_secs(60), now)
        .await
        .unwrap();
    let entry_key = |k: &Key| format!("{NS}entry:{}", k.digest());
    let pttl = |k: &Key| -> i64 { server.query(redis::cmd("PTTL").arg(entry_key(k))) };
    let value = |k: &Key| -> String { server.query(redis::cmd("GET").arg(entry_key(k))) };
    let alice_ttl = pttl(&alice);
    assert!((3_530_000..=3_540_000).contains(&alice_ttl), "{alice_ttl}");
    assert!(!value(&alice).contains("refresh-SECRET"));
    assert_eq!(
        r.read_entry(&alice).await.unwrap().unwrap().refresh_token(),
        None
    );
    let bob_ttl = pttl(&bob);
    assert!(bob_ttl > 3_600_000 + 86_000_000, "{bob_ttl}");
    assert!(value(&bob).contains("refresh-SECRET"));
    // Tokens already due are not written; another key's entry is not read.
    let due = tokens_until(now + Duration::from_secs(30), None);
    r.write_entry(&key("carol"), &due, false, Duration::from_secs(60), now)
        .await
        .unwrap();
    assert_eq!(server.keys().len(), 2, "{:?}", server.keys());
    let copied: Vec<u8> = server.query(redis::cmd("GET").arg(entry_key(&alice)));
    let _: () = server.query(redis::cmd("SET").arg(entry_key(&key("carol"))).arg(copied));
    assert!(
        r.read_entry(&key("carol")).await.unwrap().is_none(),
        "another user's tokens"
    );
    // Every key in the namespace, with a TTL.
    for k in server.keys() {
        assert!(k.starts_with(NS), "{k}");
    }
}

#[tokio::test]
async fn with_a_signing_key_a_planted_or_foreign_entry_is_a_miss() {
    let server = RedisServer::start();
    let signed = store(&server, Some("signing-SECRET"), LOCK_TTL);
    let other_key = store(&server, Some("another-key"), LOCK_TTL);
    let unsigned = store(&server, None, LOCK_TTL);
    let k = key("alice");
    let t = hour();
    signed
        .write_entry(&k, &t, false, Duration::from_secs(60), SystemTime::now())
        .await
        .unwrap();
    assert_eq!(
        signed.read_entry(&k).await.unwrap().unwrap().access_token(),
        t.access_token()
    );
    assert!(other_key.read_entry(&k).await.unwrap().is_none());
    // A job without the key plants its own tokens.
    let planted = tokens_until(SystemTime::now() + Duration::from_secs(3600), None);
    unsigned
        .write_entry(
            &k,
            &planted,
            false,
            Duration::from_secs(60),
            SystemTime::now(),
        )
        .await
        .unwrap();
    assert!(
        signed.read_entry(&k).await.unwrap().is_none(),
        "a planted entry is not used"
    );
    assert_eq!(
        unsigned
            .read_entry(&k)
            .await
            .unwrap()
            .unwrap()
            .access_token(),
        planted.access_token(),
        "without a signing key anything is read"
    );
    let listed = signed.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].trusted);
    let shown = format!("{listed:?}");
    assert!(
        !shown.contains(planted.access_token()) && !shown.contains("SECRET"),
        "{shown}"
    );
}

#[tokio::test]
async fn list_clear_and_probe_stay_in_the_namespace() {
    let server = RedisServer::start();
    let r = store(&server, None, LOCK_TTL);
    let neighbour = Redis::for_test(&server.url(), "t:{ci/project}*:x", None, LOCK_TTL, TIMEOUT);
    let other = Redis::for_test(&server.url(), "other:", None, LOCK_TTL, TIMEOUT);
    let now = SystemTime::now();
    for user in ["alice", "bob"] {
        r.write_entry(&key(user), &hour(), false, Duration::from_secs(60), now)
            .await
            .unwrap();
    }
    other
        .write_entry(&key("alice"), &hour(), false, Duration::from_secs(60), now)
        .await
        .unwrap();
    neighbour
        .write_entry(&key("alice"), &hour(), false, Duration::from_secs(60), now)
        .await
        .unwrap();
    // Documents are kept under a signing key only.
    r.store_document("https://o/.well-known/openid-configuration", b"{}")
        .await
        .unwrap();
    assert!(server.keys().iter().all(|k| !k.contains("discovery:")));
    let signed = store(&server, Some("k"), LOCK_TTL);
    signed
        .store_document("https://o/.well-known/openid-configuration", b"{}")
        .await
        .unwrap();
    let doc = "https://o/.well-known/openid-configuration";
    assert_eq!(
        signed.document(doc).await.unwrap().as_deref(),
        Some(&b"{}"[..])
    );
    assert_eq!(
        r.document(doc).await.unwrap(),
        None,
        "never read without a key"
    );
    let listed = r.list().await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let s = listed[0].summary.as_ref().unwrap();
    assert_eq!(s.app, "spa");
    assert!(
        listed
            .iter()
            .all(|l| l.trusted && l.ttl.is_some_and(|t| t > Duration::from_secs(3000)))
    );
    for (command, result) in r.probe().await {
        assert!(result.is_ok(), "{command}: {result:?}");
    }
    assert_eq!(r.clear().await.unwrap(), 2);
    assert!(r.list().await.unwrap().is_empty());
    assert_eq!(
        other.list().await.unwrap().len(),
        1,
        "another namespace is left alone"
    );
    assert_eq!(neighbour.list().await.unwrap().len(), 1);
    assert_eq!(signed.document(doc).await.unwrap(), None, "cleared");
    assert!(server.keys().iter().all(|k| !k.contains("discovery:")));
}

#[tokio::test]
async fn an_unreachable_redis_is_an_error_naming_cache_redis_url_within_the_timeout() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://ci:hunter2@127.0.0.1:{port}");
    let r = Redis::for_test(&url, NS, None, LOCK_TTL, TIMEOUT);
    let started = Instant::now();
    let e = r.read_entry(&key("alice")).await.unwrap_err();
    assert!(started.elapsed() < TIMEOUT * 2);
    let text = format!("{e} {e:?}");
    assert!(matches!(e, Error::Redis { .. }), "{e:?}");
    assert!(
        text.contains(&format!("cache.redis_url (redis://127.0.0.1:{port})")),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn a_redis_that_accepts_but_never_answers_times_out() {
    // A listener that accepts connections and says nothing: a hung or overloaded Redis.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let timeout = Duration::from_millis(700);
    let r = Redis::for_test(
        &format!("redis://127.0.0.1:{port}"),
        NS,
        None,
        LOCK_TTL,
        timeout,
    );
    let started = Instant::now();
    let e = r.read_entry(&key("alice")).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took < timeout * 2 + Duration::from_millis(1200),
        "took {took:?}"
    );
    assert!(matches!(e, Error::Redis { .. }), "{e:?}");
    silent.abort();
}

#[tokio::test]
async fn a_restarted_redis_is_connected_to_again() {
    let mut server = RedisServer::start();
    let r = store(&server, None, LOCK_TTL);
    let k = key("alice");
    r.write_entry(
        &k,
        &hour(),
        false,
        Duration::from_secs(60),
        SystemTime::now(),
    )
    .await
    .unwrap();
    assert!(r.read_entry(&k).await.unwrap().is_some());
    server.restart_empty();
    // The old connection is dead; the next command makes a new one, and finds nothing.
    assert!(r.read_entry(&k).await.unwrap().is_none());
    server.stop();
    let e = r.read_entry(&k).await.unwrap_err();
    assert!(matches!(e, Error::Redis { .. }), "{e:?}");
}

#[test]
fn the_default_namespace_comes_from_the_org_host_and_port() {
    assert_eq!(
        default_namespace("https://dev-1.okta.com"),
        "okta-fixtures:dev-1.okta.com:"
    );
    assert_eq!(
        default_namespace("http://127.0.0.1:8123/"),
        "okta-fixtures:127.0.0.1:8123:"
    );
}

#[test]
fn globs_in_a_namespace_are_matched_verbatim() {
    assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
}

#[tokio::test]
async fn an_acl_user_with_only_the_documented_commands_and_keys_is_enough() {
    let server = RedisServer::start();
    let _: () = server.query(
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg("fleet")
            .arg("on")
            .arg(">fleet-SECRET")
            .arg("resetkeys")
            .arg(format!("~{}*", glob_escape(NS)))
            .arg("resetchannels")
            .arg("-@all")
            .arg(
                &[
                    "+get", "+set", "+del", "+pexpire", "+eval", "+scan", "+pttl",
                ][..],
            ),
    );
    let url = format!("redis://fleet:fleet-SECRET@127.0.0.1:{}", server.port());
    let a = Redis::for_test(&url, NS, Some("k"), Duration::from_millis(600), TIMEOUT);
    let k = key("alice");
    a.check().await.unwrap();
    let (lock, _) = held(a.lock(&k, TIMEOUT, |_| true).await.unwrap());
    // Held past a renewal.
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.write_entry(
        &k,
        &hour(),
        false,
        Duration::from_secs(60),
        SystemTime::now(),
    )
    .await
    .unwrap();
    lock.release().await;
    assert!(a.read_entry(&k).await.unwrap().is_some());
    a.store_document("https://o/d", b"{}").await.unwrap();
    assert_eq!(a.list().await.unwrap().len(), 1);
    for (command, result) in a.probe().await {
        assert!(result.is_ok(), "{command}: {result:?}");
    }
    assert_eq!(a.clear().await.unwrap(), 1);
    // A key outside the namespace is refused to this user: the product never writes one.
    let outside = Redis::for_test(&url, "elsewhere:", None, LOCK_TTL, TIMEOUT);
    let e = outside.check().await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("cache.redis_url") && !text.contains("fleet-SECRET"),
        "{text}"
    );
}
