//! What lands in Redis: only keys of the namespace, each with a time to live, no refresh
//! token unless `persist_refresh`; refused passwords shared; entries signed.

use super::{RUN, World, config, finish};

#[tokio::test]
async fn every_key_is_in_the_namespace_with_a_ttl_and_holds_no_refresh_token() {
    let world = World::start("redis-keys", &config("", ""));
    let ns = "ci/group/project:";
    let vars = [("NAMESPACE", ns), ("PW_U2", "wrong-password")];
    let machine = world.machine();
    // A sign-in with its refresh token printed; a cached one; a refused password.
    let refresh = finish(
        world
            .token(machine.path(), "u0", &vars)
            .args(["--print", "refresh"])
            .spawn()
            .unwrap(),
        RUN,
    );
    let refresh = refresh.token().to_owned();
    assert!(!refresh.is_empty());
    finish(
        world.token(machine.path(), "u1", &vars).spawn().unwrap(),
        RUN,
    )
    .token();
    let refused = finish(
        world.token(machine.path(), "u2", &vars).spawn().unwrap(),
        RUN,
    );
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);

    let keys = world.keys_with_ttl();
    // (Discovery documents are kept only under a signing key: see the signed test.)
    let kinds = ["entry:", "refused:", "refusals-key"];
    for kind in kinds {
        assert!(
            keys.iter()
                .any(|(k, _)| k.starts_with(&format!("{ns}{kind}"))),
            "a {kind} key in {keys:?}"
        );
    }
    for (k, ttl) in &keys {
        assert!(k.starts_with(ns), "{k} outside the namespace");
        assert!(*ttl > 0, "{k} has no time to live ({ttl})");
        let value: Vec<u8> = world.redis.query(redis::cmd("GET").arg(k));
        let value = String::from_utf8_lossy(&value);
        assert!(!value.contains(&refresh), "{k} holds the refresh token");
        assert!(!value.contains("wrong-password"), "{k} holds the password");
    }

    // Without `namespace`, the org URL's host and port name it: never a path.
    let machine = world.machine();
    finish(world.token(machine.path(), "u3", &[]).spawn().unwrap(), RUN).token();
    let port = world
        .fake
        .org_url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/');
    let derived = format!("okta-fixtures:127.0.0.1:{port}:");
    let keys = world.keys_with_ttl();
    assert!(
        keys.iter()
            .any(|(k, _)| k.starts_with(&format!("{derived}entry:"))),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .all(|(k, t)| (k.starts_with(ns) || k.starts_with(&derived)) && *t > 0),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_refused_password_is_not_sent_again_by_another_machine() {
    let world = World::start("redis-refused", &config("", ""));
    let vars = [("PW_U1", "stale-password")];
    let first = finish(
        world
            .token(world.machine().path(), "u1", &vars)
            .spawn()
            .unwrap(),
        RUN,
    );
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    let sent = world.authn_requests().await;
    assert_eq!(sent, 1);
    let second = finish(
        world
            .token(world.machine().path(), "u1", &vars)
            .spawn()
            .unwrap(),
        RUN,
    );
    assert_eq!(second.code, Some(1), "{}", second.stderr);
    assert!(
        second.stderr.contains("refused") && second.stderr.contains("before"),
        "{}",
        second.stderr
    );
    assert_eq!(
        world.authn_requests().await,
        sent,
        "the second machine sent no password"
    );
    assert!(!second.stderr.contains("stale-password"));
    // A corrected password is tried at once, on any machine.
    let fixed = finish(
        world
            .token(world.machine().path(), "u1", &[])
            .spawn()
            .unwrap(),
        RUN,
    );
    fixed.token();
}

#[tokio::test]
async fn with_a_signing_key_an_entry_planted_by_a_job_without_it_is_not_used() {
    let world = World::start(
        "redis-signed",
        &config("  signing_key: ${SIGNING_KEY}\n", ""),
    );
    let ours = [("SIGNING_KEY", "fleet-key-SECRET")];
    let a = finish(
        world
            .token(world.machine().path(), "u0", &ours)
            .spawn()
            .unwrap(),
        RUN,
    );
    let a = a.token().to_owned();
    assert_eq!(world.sign_ins("u0").await, 1);
    // Another job, with a key of its own, replaces the entry with its tokens.
    let planter = [("SIGNING_KEY", "planter-key")];
    let planted = finish(
        world
            .token(world.machine().path(), "u0", &planter)
            .spawn()
            .unwrap(),
        RUN,
    );
    assert!(
        planted.stderr.contains("without a valid HMAC"),
        "{}",
        planted.stderr
    );
    let planted = planted.token().to_owned();
    assert_eq!(world.sign_ins("u0").await, 2);
    // Our next machine does not take the planted tokens: it signs in.
    let c = finish(
        world
            .token(world.machine().path(), "u0", &ours)
            .spawn()
            .unwrap(),
        RUN,
    );
    assert!(c.stderr.contains("without a valid HMAC"), "{}", c.stderr);
    assert_ne!(c.token(), planted);
    assert_ne!(c.token(), a);
    assert_eq!(world.sign_ins("u0").await, 3);
    let keys = world.keys_with_ttl();
    assert!(
        keys.iter()
            .any(|(k, t)| k.contains(":discovery:") && *t > 0),
        "discovery documents are shared under a signing key: {keys:?}"
    );
    for (k, _) in keys {
        let value: Vec<u8> = world.redis.query(redis::cmd("GET").arg(&k));
        assert!(!String::from_utf8_lossy(&value).contains("SECRET"), "{k}");
    }
}
