//! `cache:`: the stores, and the Redis settings of `store: redis`, each mistake located.

use super::*;

fn redis(extra: &str, vars: &[(&str, &str)]) -> Result<Config> {
    parse_env(&spa(&format!("cache:\n  store: redis\n{extra}")), vars)
}

#[test]
fn a_redis_store_reads_its_url_namespace_and_signing_key_from_the_environment() {
    let c = redis(
        "  redis_url: ${REDIS_URL}\n  namespace: ${CI_PROJECT_PATH:-}\n  signing_key: ${KEY}\n  persist_refresh: true\n",
        &[
            ("REDIS_URL", "rediss://ci:hunter2@redis.example.com:6380/1"),
            ("KEY", "k3y-SECRET"),
        ],
    )
    .unwrap();
    assert_eq!(c.cache.store, CacheStore::Redis);
    assert!(c.cache.persist_refresh);
    let r = c.cache.redis.as_ref().unwrap();
    assert_eq!(r.url.to_string(), "rediss://redis.example.com:6380");
    assert!(r.url.is_tls());
    assert_eq!(
        r.namespace, None,
        "empty is absent: derived from the org URL"
    );
    assert_eq!(r.signing_key.as_ref().unwrap().expose(), "k3y-SECRET");
    assert_eq!(r.store_at.line_col, Some((7, 10)));
    let shown = format!("{c:?}");
    for secret in ["hunter2", "k3y-SECRET"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let c = redis(
        "  redis_url: redis://localhost\n  namespace: 'group/project:'\n",
        &[],
    )
    .unwrap();
    let r = c.cache.redis.unwrap();
    assert_eq!(r.namespace.as_deref(), Some("group/project:"));
    assert_eq!(r.signing_key, None);
}

#[test]
fn the_redis_keys_are_read_only_with_store_redis() {
    let c = parse(&spa(
        "cache:\n  store: disk\n  redis_url: ${UNSET_REDIS_URL}\n  signing_key: ${UNSET}\n",
    ))
    .unwrap();
    assert_eq!(c.cache.store, CacheStore::Disk);
    assert_eq!(c.cache.redis, None);
}

#[test]
fn store_redis_without_a_url_is_an_error_at_the_cache_mapping() {
    let e = redis("", &[]).unwrap_err();
    assert!(
        matches!(&e, Error::Missing { key, .. } if key == "redis_url"),
        "{e:?}"
    );
    assert_at(&e, "cache", (6, 1));
}

#[rstest]
#[case::http("http://redis:6379")]
#[case::unix("unix:///run/redis.sock")]
#[case::no_host("redis://")]
#[case::garbage("not a url")]
fn a_bad_redis_url_is_an_error_at_it_that_does_not_quote_it(#[case] url: &str) {
    let e = redis("  redis_url: ${URL}\n", &[("URL", url)]).unwrap_err();
    assert!(matches!(&e, Error::Invalid { .. }), "{e:?}");
    assert_at(&e, "cache.redis_url", (8, 14));
    assert!(!e.to_string().contains(url), "{e}");
}

#[test]
fn a_password_in_a_bad_redis_url_is_not_shown() {
    let e = redis("  redis_url: ${URL}\n", &[("URL", "http://u:hunter2@h")]).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
}

#[test]
fn an_unknown_store_names_redis_among_the_choices() {
    let e = parse(&spa("cache:\n  store: valkey\n")).unwrap_err();
    assert!(e.to_string().contains("redis"), "{e}");
    assert_at(&e, "cache.store", (7, 10));
}

#[test]
fn the_fake_loader_ignores_the_cache_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    std::fs::write(
        &path,
        spa("cache:\n  store: redis\n  redis_url: ${UNSET_REDIS_URL}\n"),
    )
    .unwrap();
    assert!(matches!(
        load(&path, &no_env),
        Err(Error::MissingEnv { .. })
    ));
    let c = load_ignoring_cache(&path, &no_env).unwrap();
    assert_eq!(c.cache, CacheSettings::default());
    // Its keys are still checked.
    std::fs::write(&path, spa("cache:\n  stroe: redis\n")).unwrap();
    assert!(matches!(
        load_ignoring_cache(&path, &no_env),
        Err(Error::UnknownKey { .. })
    ));
}
