//! Many machines, one sign-in per user.

use std::time::{Duration, Instant};

use super::{RUN, USERS, World, config, finish};

/// Machines started at once.
const MACHINES: usize = 6;

#[tokio::test]
async fn separate_machines_share_one_sign_in_per_user_through_redis() {
    let world = World::start("redis-fleet", &config("", ""));
    let machines: Vec<_> = (0..MACHINES).map(|_| world.machine()).collect();
    // Every machine asks for every user, all at once.
    let children: Vec<_> = machines
        .iter()
        .flat_map(|m| (0..USERS).map(move |u| (m, u)))
        .map(|(m, u)| {
            let user = format!("u{u}");
            (u, world.token(m.path(), &user, &[]).spawn().unwrap())
        })
        .collect();
    let mut tokens = vec![Vec::new(); USERS];
    for (u, child) in children {
        let ran = finish(child, RUN);
        tokens[u].push(ran.token().to_owned());
    }
    for (u, got) in tokens.iter().enumerate() {
        assert_eq!(got.len(), MACHINES);
        assert!(
            got.iter().all(|t| t == &got[0]),
            "every machine got u{u}'s same tokens"
        );
        assert_eq!(
            world.sign_ins(&format!("u{u}")).await,
            1,
            "u{u} signed in once in total"
        );
    }
    assert_ne!(tokens[0][0], tokens[1][0], "users do not share tokens");

    // A new machine: a Redis hit, no sign-in, and quickly.
    let started = Instant::now();
    let late = world.machine();
    let ran = finish(world.token(late.path(), "u0", &[]).spawn().unwrap(), RUN);
    assert_eq!(ran.token(), tokens[0][0]);
    assert_eq!(world.sign_ins("u0").await, 1);
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// The lock time of [`a_machine_killed_while_signing_in_delays_the_others_by_one_lock_time`].
const LOCK_TTL_MS: u64 = 2000;

#[tokio::test]
async fn a_machine_killed_while_signing_in_delays_the_others_by_one_lock_time() {
    // u0's first password check answers after 30 s: its machine holds the lock meanwhile.
    let faults = "  faults:
    - {endpoint: authn, kind: latency, latency: 30s, user: u0@example.com, times: 1}
";
    let world = World::start("redis-killed", &config("", faults));
    let ttl = Duration::from_millis(LOCK_TTL_MS);
    let ttl_var = LOCK_TTL_MS.to_string();
    let vars = [("OKTA_FIXTURES_REDIS_LOCK_TTL_MS", ttl_var.as_str())];
    // How long an uncontended cold sign-in takes here, for the bound below.
    let started = Instant::now();
    finish(
        world
            .token(world.machine().path(), "u1", &vars)
            .spawn()
            .unwrap(),
        RUN,
    )
    .token();
    let cold = started.elapsed();

    let holder_machine = world.machine();
    let mut holder = world
        .token(holder_machine.path(), "u0", &vars)
        .spawn()
        .unwrap();
    let lock = wait_for(Duration::from_secs(30), || {
        world.redis.keys().into_iter().find(|k| k.contains("lock:"))
    })
    .expect("the first machine takes u0's lock");
    let holder_value: String = world.redis.query(redis::cmd("GET").arg(&lock));
    // Its sign-in outlasts the lock time, and it keeps the lock by renewing it.
    std::thread::sleep(ttl * 2);
    let still: Option<String> = world.redis.query(redis::cmd("GET").arg(&lock));
    assert_eq!(
        still.as_deref(),
        Some(holder_value.as_str()),
        "renewed by its holder"
    );

    let others: Vec<_> = (0..3).map(|_| world.machine()).collect();
    let children: Vec<_> = others
        .iter()
        .map(|m| world.token(m.path(), "u0", &vars).spawn().unwrap())
        .collect();
    // Let them start waiting, then kill the holder mid sign-in.
    wait_for(Duration::from_secs(30), || {
        (world.redis.keys().len() > 2).then_some(())
    });
    holder.kill().unwrap();
    let killed = Instant::now();
    let _ = holder.wait();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| finish(c, RUN).token().to_owned())
        .collect();
    let delay = killed.elapsed();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "one sign-in for the others"
    );
    let bound = ttl + cold * 2 + Duration::from_secs(2);
    assert!(
        delay <= bound,
        "the others finished {delay:?} after the kill; lock time {ttl:?}, a cold sign-in {cold:?}"
    );
    eprintln!(
        "killed holder: the others finished {delay:?} after the kill (lock time {ttl:?}, cold sign-in {cold:?})"
    );
}

/// Polls `probe` every 20 ms until it gives something, for at most `within`.
fn wait_for<T>(within: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if started.elapsed() > within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
