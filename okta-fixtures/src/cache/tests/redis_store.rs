//! The cache over a Redis store: two caches on one redis-server are two machines.

use super::*;
use crate::cache::redis::test_server::RedisServer;
use crate::cache::redis::{LOCK_TTL, Redis};

fn machine(server: &RedisServer, persist_refresh: bool) -> Arc<Cache> {
    let settings = CacheSettings {
        persist_refresh,
        ..CacheSettings::default()
    };
    let redis = Redis::for_test(&server.url(), "t:", None, LOCK_TTL, Duration::from_secs(2));
    Arc::new(Cache::new(
        &settings,
        Store::Redis(redis),
        TokenClock::System,
        Duration::from_secs(5),
    ))
}

#[tokio::test]
async fn a_kept_refresh_token_renews_due_tokens_once_for_every_machine() {
    let server = RedisServer::start();
    let (a, b) = (machine(&server, true), machine(&server, true));
    let calls = Arc::new(Calls::default());
    let k = key("alice");
    // a got tokens now due for renewal (30 s left < refresh_before), with a refresh token.
    let (w, _rx) = channel();
    let mut lead = None;
    a.fetch(&k, w, |l| lead = Some(l));
    lead.unwrap()
        .renew(
            || async {
                Ok(tokens_until(
                    SystemTime::now() + Duration::from_secs(30),
                    Some("rt-1"),
                ))
            },
            |_| async { Err(Error::WorkerStopped) },
        )
        .await;
    // b, a new machine, renews them with the kept refresh token: no sign-in.
    let t = get(&b, &k, &calls, None, Some("rt-1")).await;
    assert_eq!(*calls.refreshes.lock().unwrap(), ["rt-1"]);
    assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 0);
    assert_eq!(t.refresh_token(), Some("rotated"));
    // a's memory holds the due tokens; a takes b's renewed ones from Redis.
    let from_redis = get(&a, &k, &calls, None, None).await;
    assert_eq!(from_redis.access_token(), t.access_token());
    assert_eq!(calls.refreshes.lock().unwrap().len(), 1);
    assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 0);
}

#[test]
fn a_redis_restarted_empty_is_survived_with_a_log_line_and_one_new_sign_in() {
    let recorder = Recorder::global().expect("no other global subscriber");
    let mut server = RedisServer::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = Arc::new(Calls::default());
    rt.block_on(async {
        let a = machine(&server, false);
        let alice = get(&a, &key("alice"), &calls, None, None).await;
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 1);
        server.restart_empty();
        // a's connection died with the server: the next miss connects again, finds nothing,
        // and signs in under the lock.
        get(&a, &key("bob"), &calls, None, None).await;
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 2);
        // A warm hit never touches Redis.
        assert_eq!(
            get(&a, &key("alice"), &calls, None, None)
                .await
                .access_token(),
            alice.access_token()
        );
        // Another machine finds alice's entry gone and signs her in once more.
        let b = machine(&server, false);
        get(&b, &key("alice"), &calls, None, None).await;
        assert_eq!(calls.sign_ins.load(Ordering::SeqCst), 3);
        // Every key is in the namespace, with a time to live.
        for k in server.keys() {
            let ttl: i64 = server.query(::redis::cmd("PTTL").arg(&k));
            assert!(k.starts_with("t:") && ttl > 0, "{k} {ttl}");
        }
    });
    let log = recorder.mine();
    assert!(
        log.contains("the connection to Redis was lost (a restart?); connecting again"),
        "{log}"
    );
}
