//! `okta-fixtures cache list|clear` and `doctor` on the Redis store (`cache.store: redis`), run
//! as users run them against a real `redis-server` and an org by URL.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use okta_fixtures::Fixtures;

use crate::support::redis::RedisServer;
use crate::support::served_org::{PASSWORD, ServedOrg};
use crate::support::{command, temp_dir};

/// `okta-fixtures <args>` with `cache` as its cache folder: (exit code, stdout, stderr).
fn run(cache: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out: Output = command(cache, args).output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// alice's tokens through `config`, in this process, as a test on another machine (a cache
/// folder of its own) gets them.
fn sign_in(config: &Path, cache: &Path) -> okta_fixtures::Tokens {
    let config = okta_fixtures::config::load(config, &|_| None).expect("the config loads");
    Fixtures::builder(config)
        .cache_dir(cache)
        .build()
        .request("alice")
        .blocking_tokens()
        .expect("alice signs in")
}

/// The README, read at run time: `include_str!` would copy its example passwords into the test
/// binary (tests/it/macros.rs checks that none is there).
fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

fn assert_secret_free(text: &str, tokens: &okta_fixtures::Tokens, more: &[&str]) {
    for secret in [PASSWORD, tokens.access_token()].iter().chain(more) {
        assert!(!text.contains(secret), "a secret in:\n{text}");
    }
    if let Some(id) = tokens.id_token() {
        assert!(!text.contains(id), "an ID token in:\n{text}");
    }
}

#[test]
fn cache_list_and_clear_work_on_the_namespace_only() {
    let redis = RedisServer::start();
    let org = ServedOrg::start("cli-redis-list");
    let config = org.config(
        "shared",
        &format!(
            "{{store: redis, redis_url: '{}', namespace: 'ci/list:'}}",
            redis.url()
        ),
    );
    let machine = org.cache_dir("machine-1");
    let tokens = sign_in(&config, &machine);
    // Another project's key on the same Redis: neither listed nor deleted.
    let _: () = redis.query(redis::cmd("SET").arg("other:entry:x").arg("theirs"));
    let cli_cache = temp_dir("cli-redis-list-cli");
    let config_arg = config.to_str().expect("a UTF-8 path");

    let (code, list, said) = run(cli_cache.path(), &["cache", "list", "--config", config_arg]);
    assert_eq!(code, Some(0), "{said}");
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert_eq!(lines[0], "EXPIRES\tUSER\tAPP\tREFRESH\tKEY\tCONFIG");
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert!(fields[0].starts_with("in "), "{list}");
    assert_eq!(&fields[1..4], ["alice", "spa", "no"], "{list}");
    assert!(fields[4].starts_with("ci/list:entry:"), "{list}");
    assert!(!list.contains("other:"), "{list}");
    assert_secret_free(&format!("{list}{said}"), &tokens, &[]);
    assert_eq!(org.fake().stats().total_sign_ins(), 1);

    // `--config` may come before the action too.
    let (code, again, _) = run(cli_cache.path(), &["cache", "--config", config_arg, "list"]);
    assert_eq!((code, again.as_str()), (Some(0), list.as_str()));

    let (code, out, said) = run(
        cli_cache.path(),
        &["cache", "clear", "--config", config_arg],
    );
    assert_eq!((code, out.as_str()), (Some(0), ""), "{said}");
    assert_eq!(
        said.trim_end(),
        format!(
            "deleted 1 cached token entry from Redis at redis://127.0.0.1:{} (namespace \
             `ci/list:`), with its refused-password records and discovery documents",
            redis.port()
        )
    );
    let left: Vec<String> = redis
        .keys()
        .into_iter()
        .filter(|k| !k.starts_with("ci/list:lock:"))
        .collect();
    assert_eq!(
        left,
        ["other:entry:x"],
        "clear deletes the namespace's keys only"
    );

    let (code, list, said) = run(cli_cache.path(), &["cache", "list", "--config", config_arg]);
    assert_eq!((code, list.as_str()), (Some(0), ""), "{said}");
    assert!(
        said.contains(&format!(
            "no cached tokens in Redis at redis://127.0.0.1:{} (namespace `ci/list:`)",
            redis.port()
        )),
        "{said}"
    );
    // The next machine signs in again: the entry is gone from Redis, not only from the list.
    sign_in(&config, &org.cache_dir("machine-2"));
    assert_eq!(org.fake().stats().total_sign_ins(), 2);
}

#[test]
fn doctor_checks_that_redis_answers_and_permits_every_command() {
    let redis = RedisServer::start();
    let org = ServedOrg::start("cli-redis-doctor");
    let config = org.config(
        "shared",
        &format!(
            "{{store: redis, redis_url: '{}', namespace: 'ci/doctor:'}}",
            redis.url()
        ),
    );
    let cache = temp_dir("cli-redis-doctor-cli");
    let (code, out, said) = run(
        cache.path(),
        &["doctor", "--config", config.to_str().expect("UTF-8")],
    );
    assert_eq!(code, Some(0), "{out}\n{said}");
    let redis_lines: Vec<&str> = out.lines().filter(|l| l.contains(" redis ")).collect();
    assert_eq!(redis_lines.len(), 2, "{out}");
    assert!(
        redis_lines[0].starts_with(&format!(
            "ok   redis   redis://127.0.0.1:{} answers (a GET in ",
            redis.port()
        )) && redis_lines[0].ends_with("keys under namespace `ci/doctor:`"),
        "{out}"
    );
    assert!(
        !out.contains("warning"),
        "loopback is not warned about: {out}"
    );
    assert!(
        redis_lines[1].starts_with("ok   redis   its user may SET, GET, PEXPIRE, EVAL, SCAN, PTTL and DEL keys under `ci/doctor:`"),
        "{out}"
    );
    // The probe key is gone, and nothing was written outside the namespace.
    assert!(
        redis
            .keys()
            .iter()
            .all(|k| k.starts_with("ci/doctor:") && !k.contains("doctor:doctor:")),
        "{:?}",
        redis.keys()
    );
    assert!(out.contains("ok   sign-in"), "{out}");
}

/// A Redis user without EVAL and SCAN: doctor names both, with the namespace to grant them on,
/// stops there, and never prints the user's password.
#[test]
fn doctor_names_the_commands_an_acl_user_may_not_run() {
    let redis = RedisServer::start();
    let password = "acl-pw-55120";
    let _: () = redis.query(
        redis::cmd("ACL")
            .arg("SETUSER")
            .arg("limited")
            .arg("on")
            .arg(format!(">{password}"))
            .arg("resetkeys")
            .arg("~ci/acl:*")
            .arg("-@all")
            .arg("+get")
            .arg("+set")
            .arg("+del")
            .arg("+pexpire")
            .arg("+pttl"),
    );
    let org = ServedOrg::start("cli-redis-acl");
    let config = org.config(
        "shared",
        &format!(
            "{{store: redis, redis_url: 'redis://limited:{password}@127.0.0.1:{}', namespace: \
             'ci/acl:'}}",
            redis.port()
        ),
    );
    let cache = temp_dir("cli-redis-acl-cli");
    let (code, out, said) = run(
        cache.path(),
        &["doctor", "--config", config.to_str().expect("UTF-8")],
    );
    assert_eq!(code, Some(1), "{out}\n{said}");
    let fail = out
        .lines()
        .find(|l| l.starts_with("FAIL redis"))
        .unwrap_or_else(|| panic!("no FAIL redis line:\n{out}"));
    assert!(
        fail.contains("EVAL refused") && fail.contains("SCAN refused"),
        "{fail}"
    );
    assert!(
        !fail.contains("SET refused") && !fail.contains("GET refused"),
        "{fail}"
    );
    assert!(fail.contains("keys `ci/acl:*`"), "{fail}");
    assert!(!out.contains("ok   org"), "doctor stops at Redis: {out}");
    assert!(!format!("{out}{said}").contains(password), "{out}{said}");
}

/// The README's ACL line, as written there, gives a user everything the product needs: doctor
/// passes, and tests, `cache list` and `cache clear` work with it.
#[test]
fn the_readme_acl_user_may_do_everything_needed() {
    let readme = &readme();
    let line = readme
        .lines()
        .find(|l| l.starts_with("ACL SETUSER okta-fixtures "))
        .expect("the README shows an ACL SETUSER line");
    let redis = RedisServer::start();
    let password = "readme-acl-pw-9";
    let mut acl = redis::cmd("ACL");
    for word in line.split_whitespace().skip(1) {
        acl.arg(
            word.replace("PASSWORD", password)
                .replace("my-group/my-project:", "ci/readme:"),
        );
    }
    let _: () = redis.query(&acl);
    let org = ServedOrg::start("cli-redis-readme-acl");
    let config = org.config(
        "shared",
        &format!(
            "{{store: redis, redis_url: 'redis://okta-fixtures:{password}@127.0.0.1:{}', \
             namespace: 'ci/readme:'}}",
            redis.port()
        ),
    );
    let config_arg = config.to_str().expect("UTF-8");
    let cache = temp_dir("cli-redis-readme-acl-cli");
    let (code, out, said) = run(cache.path(), &["doctor", "--config", config_arg]);
    assert_eq!(code, Some(0), "{out}\n{said}");
    let tokens = sign_in(&config, &org.cache_dir("machine-1"));
    let signed_in = org.fake().stats().total_sign_ins();
    // A second machine gets them from Redis (lock, entry and all), not from Okta.
    sign_in(&config, &org.cache_dir("machine-2"));
    assert_eq!(org.fake().stats().total_sign_ins(), signed_in);
    let (code, list, said) = run(cache.path(), &["cache", "list", "--config", config_arg]);
    assert_eq!(code, Some(0), "{said}");
    assert!(list.contains("\talice\tspa\t"), "{list}");
    assert_secret_free(&format!("{out}{said}{list}"), &tokens, &[password]);
    let (code, _, said) = run(cache.path(), &["cache", "clear", "--config", config_arg]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.starts_with("deleted 1 cached token entry"), "{said}");
}

/// Redis not there: `cache list` and `doctor` fail within seconds, naming cache.redis_url by
/// host and port, never its password.
#[test]
fn an_unreachable_redis_is_named_without_its_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let org = ServedOrg::start("cli-redis-down");
    let password = "down-pw-3141";
    let config = org.config(
        "shared",
        &format!("{{store: redis, redis_url: 'redis://u:{password}@127.0.0.1:{port}'}}"),
    );
    let config_arg = config.to_str().expect("UTF-8");
    let cache = temp_dir("cli-redis-down-cli");
    let named = format!("cache.redis_url (redis://127.0.0.1:{port})");

    let started = Instant::now();
    let (code, out, said) = run(cache.path(), &["cache", "list", "--config", config_arg]);
    assert!(started.elapsed() < Duration::from_secs(15), "{said}");
    assert_eq!((code, out.as_str()), (Some(1), ""), "{said}");
    assert!(
        said.starts_with("error: ") && said.contains(&named),
        "{said}"
    );
    assert!(!said.contains(password), "{said}");

    let (code, out, said) = run(cache.path(), &["doctor", "--config", config_arg]);
    assert_eq!(code, Some(1), "{out}\n{said}");
    let fail = out
        .lines()
        .find(|l| l.starts_with("FAIL redis"))
        .unwrap_or_else(|| panic!("no FAIL redis line:\n{out}"));
    assert!(fail.contains(&named), "{fail}");
    assert!(!format!("{out}{said}").contains(password), "{out}{said}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// The README's `cache:` block for CI shards, as written there, loads with the variables a CI
/// sets: the URL, the namespace verbatim, and the signing key; without a project path the
/// namespace comes from the org URL.
#[test]
fn the_readme_cache_block_loads() {
    let readme = &readme();
    let start = readme
        .find("cache:\n  store: redis ")
        .expect("the README shows a `cache:` block with store: redis");
    let block = &readme[start..start + readme[start..].find("```").expect("its fence")];
    let yaml = format!(
        "org_url: https://dev-1.okta.com\n{block}apps:\n  spa: {{ client_id: c, redirect_uri: \
         'http://localhost/cb', flow: code }}\nusers:\n  alice: {{ username: a, password: pw, \
         app: spa }}\n"
    );
    let env = |project: Option<&'static str>| {
        move |name: &str| match name {
            "OKTA_FIXTURES_REDIS_URL" => Some("rediss://ci:pw@redis.example.com:6380".to_owned()),
            "CI_PROJECT_PATH" => project.map(str::to_owned),
            "OKTA_FIXTURES_SIGNING_KEY" => Some("a-signing-key".to_owned()),
            _ => None,
        }
    };
    let config = okta_fixtures::config::parse_str(&yaml, None, &env(Some("group/project:")))
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(config.cache.store, okta_fixtures::config::CacheStore::Redis);
    let redis = config.cache.redis.expect("Redis settings");
    assert_eq!(redis.url.to_string(), "rediss://redis.example.com:6380");
    assert_eq!(redis.namespace.as_deref(), Some("group/project:"));
    assert!(redis.signing_key.is_some());
    let config = okta_fixtures::config::parse_str(&yaml, None, &env(None)).expect("loads");
    assert_eq!(config.cache.redis.expect("Redis settings").namespace, None);
}

/// With `cache.signing_key`, an entry written without it (a planted one, say) is listed as one
/// tests ignore.
#[test]
fn cache_list_marks_entries_without_a_valid_hmac() {
    let redis = RedisServer::start();
    let org = ServedOrg::start("cli-redis-unsigned");
    let cache = |key: &str| {
        format!(
            "{{store: redis, redis_url: '{}', namespace: 'ci/signed:'{key}}}",
            redis.url()
        )
    };
    let unsigned = org.config("unsigned", &cache(""));
    let signed = org.config("signed", &cache(", signing_key: 'the-ci-key-42'"));
    let tokens = sign_in(&unsigned, &org.cache_dir("machine-1"));
    let cli_cache = temp_dir("cli-redis-unsigned-cli");
    let list = |config: &Path| {
        let (code, list, said) = run(
            cli_cache.path(),
            &["cache", "list", "--config", config.to_str().expect("UTF-8")],
        );
        assert_eq!(code, Some(0), "{said}");
        assert_secret_free(&format!("{list}{said}"), &tokens, &["the-ci-key-42"]);
        list
    };
    let ignored = "(no valid HMAC under cache.signing_key: tests ignore it)";
    assert!(!list(&unsigned).contains(ignored));
    let listed = list(&signed);
    assert!(
        listed.contains("\talice\tspa\t") && listed.contains(ignored),
        "{listed}"
    );
}
