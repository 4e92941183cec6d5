//! The warm hit with `cache.store: redis`: tokens a process already holds are handed out from
//! its memory, without a Redis command, so the hit costs what it costs with the disk store and
//! survives Redis going away (benches/shared_cache.rs measures it).

use okta_fixtures::Fixtures;

use crate::support::redis::RedisServer;
use crate::support::served_org::ServedOrg;

/// Calls of every command Redis served but INFO (this test's own probe), summed.
fn commands(redis: &RedisServer) -> u64 {
    let stats: String = redis.query(redis::cmd("INFO").arg("commandstats"));
    stats
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter(|l| !l.starts_with("info:"))
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

#[test]
fn a_warm_hit_sends_redis_no_command_and_outlives_it() {
    let mut redis = RedisServer::start();
    let org = ServedOrg::start("redis-warm");
    let path = org.config(
        "warm",
        &format!(
            "{{store: redis, redis_url: '{}', namespace: 'warm:'}}",
            redis.url()
        ),
    );
    let config = okta_fixtures::config::load(&path, &|_| None).expect("the config loads");
    let fixtures = Fixtures::builder(config)
        .cache_dir(org.cache_dir("machine"))
        .build();
    let first = fixtures
        .request("alice")
        .blocking_tokens()
        .expect("a sign-in");
    let before = commands(&redis);
    assert!(before > 0, "the sign-in went through Redis");
    for _ in 0..1000 {
        let hit = fixtures.request("alice").blocking_tokens().expect("a hit");
        assert_eq!(hit.access_token(), first.access_token());
    }
    assert_eq!(commands(&redis), before, "warm hits sent Redis commands");
    redis.stop();
    let hit = fixtures
        .request("alice")
        .blocking_tokens()
        .expect("a warm hit needs no Redis");
    assert_eq!(hit.access_token(), first.access_token());
    assert_eq!(org.fake().stats().total_sign_ins(), 1);
}
