//! Redis failing: stopped, restarted empty, evicting keys.

use std::time::{Duration, Instant};

use super::{RUN, USERS, World, config, finish};

#[tokio::test]
async fn a_stopped_redis_is_an_error_naming_cache_redis_url_within_the_timeout() {
    let mut world = World::start("redis-stopped", &config("", ""));
    world.redis.stop();
    let port = world.redis.port();
    let url = format!("redis://ci:hunter2@127.0.0.1:{port}");
    let started = Instant::now();
    let ran = finish(
        world
            .token_with(world.machine().path(), "u0", &url, &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    let took = started.elapsed();
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains(&format!("cache.redis_url (redis://127.0.0.1:{port})")),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("hunter2"), "{}", ran.stderr);
    assert!(
        !ran.stderr.contains("cleartext"),
        "no cleartext warning for this machine: {}",
        ran.stderr
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(world.sign_ins("u0").await, 0, "no fallback sign-in");
}

#[tokio::test]
async fn a_redis_restarted_empty_costs_one_more_sign_in_for_the_whole_fleet() {
    let mut world = World::start("redis-restarted", &config("", ""));
    let first = finish(
        world
            .token(world.machine().path(), "u0", &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    let first = first.token().to_owned();
    assert_eq!(world.sign_ins("u0").await, 1);
    world.redis.restart_empty();
    assert!(world.redis.keys().is_empty());
    let machines: Vec<_> = (0..4).map(|_| world.machine()).collect();
    let children: Vec<_> = machines
        .iter()
        .map(|m| world.token(m.path(), "u0", &[]).spawn().unwrap())
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| finish(c, RUN).token().to_owned())
        .collect();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "one new sign-in shared"
    );
    assert_ne!(tokens[0], first);
    assert_eq!(world.sign_ins("u0").await, 2);
}

#[tokio::test]
async fn a_redis_evicting_keys_is_survived() {
    let world = World::start("redis-evicting", &config("", ""));
    let set = |k: &str, v: &str| {
        let _: () = world
            .redis
            .query(redis::cmd("CONFIG").arg("SET").arg(k).arg(v));
    };
    // Full of someone else's data, evicting the least recently used key on every write.
    let used: String = world.redis.query(redis::cmd("INFO").arg("memory"));
    let used: u64 = used
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory");
    set("maxmemory", &(used + 512 * 1024).to_string());
    set("maxmemory-policy", "allkeys-lru");
    let junk = "x".repeat(4096);
    for i in 0..400 {
        let _: () = world
            .redis
            .query(redis::cmd("SET").arg(format!("junk:{i}")).arg(&junk));
    }
    let evicted = |world: &World| -> u64 {
        let stats: String = world.redis.query(redis::cmd("INFO").arg("stats"));
        stats
            .lines()
            .find_map(|l| l.strip_prefix("evicted_keys:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("evicted_keys")
    };
    let before = evicted(&world);
    assert!(before > 0, "the junk alone evicts keys");
    let machines: Vec<_> = (0..3).map(|_| world.machine()).collect();
    for round in 0..2 {
        let children: Vec<_> = machines
            .iter()
            .flat_map(|m| (0..USERS).map(move |u| (m, u)))
            .map(|(m, u)| {
                // Keep the pressure on between the machines' writes.
                for i in 0..20 {
                    let _: () = world.redis.query(
                        redis::cmd("SET")
                            .arg(format!("junk:{round}:{u}:{i}"))
                            .arg(&junk),
                    );
                }
                world
                    .token(m.path(), &format!("u{u}"), &[])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            finish(child, RUN).token();
        }
    }
    assert!(evicted(&world) > before);
    for u in 0..USERS {
        let n = world.sign_ins(&format!("u{u}")).await;
        assert!(n >= 1, "u{u}");
    }
    for (k, ttl) in world.keys_with_ttl() {
        assert!(
            k.starts_with("junk:") || ttl > 0,
            "{k} without a time to live"
        );
    }
}

#[tokio::test]
async fn a_hung_redis_is_an_error_within_the_timeouts_and_a_thawed_one_serves_again() {
    let world = World::start("redis-hung", &config("", ""));
    let first = finish(
        world
            .token(world.machine().path(), "u0", &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    let first = first.token().to_owned();
    world.redis.pause();
    let started = Instant::now();
    let ran = finish(
        world
            .token(world.machine().path(), "u0", &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    let took = started.elapsed();
    world.redis.resume();
    eprintln!(
        "hung Redis: exit {:?} after {took:?}: {}",
        ran.code,
        ran.stderr.trim()
    );
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("cache.redis_url (redis://127.0.0.1:"),
        "{}",
        ran.stderr
    );
    // Connect (3 s) or one command (3 s), plus the process: never a hang.
    assert!(took < Duration::from_secs(12), "took {took:?}");
    assert_eq!(world.sign_ins("u0").await, 1, "no fallback sign-in");
    let again = finish(
        world
            .token(world.machine().path(), "u0", &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    assert_eq!(again.token(), first);
}

#[tokio::test]
async fn the_redis_password_is_in_no_log_at_trace_nor_in_an_error() {
    let world = World::start("redis-password", &config("", ""));
    let _: () = world.redis.query(
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg("fleet")
            .arg("on")
            .arg(">fleet-pw-SECRET")
            .arg("~*")
            .arg("+@all"),
    );
    let port = world.redis.port();
    let trace = [("RUST_LOG", "trace")];
    let good = format!("redis://fleet:fleet-pw-SECRET@127.0.0.1:{port}");
    let ran = finish(
        world
            .token_with(world.machine().path(), "u0", &good, &trace)
            .spawn()
            .unwrap(),
        RUN,
    );
    ran.token();
    assert!(ran.stderr.contains("TRACE"), "traced: {}", ran.stderr);
    assert!(!ran.stderr.contains("fleet-pw-SECRET"), "{}", ran.stderr);
    let wrong = format!("redis://fleet:wrong-pw-SECRET@127.0.0.1:{port}");
    let ran = finish(
        world
            .token_with(world.machine().path(), "u1", &wrong, &trace)
            .spawn()
            .unwrap(),
        RUN,
    );
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains(&format!("cache.redis_url (redis://127.0.0.1:{port})")),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("wrong-pw-SECRET"), "{}", ran.stderr);
    assert_eq!(world.sign_ins("u1").await, 0, "no fallback sign-in");
}
