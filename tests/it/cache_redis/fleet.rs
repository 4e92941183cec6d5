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
