//! The `redis` check of `okta-fixtures doctor` (`cache.store: redis`): Redis answers within the
//! timeout (a GET, which an ACL user has anyway: PING need not be granted), which namespace is used, and its user may run every command okta-fixtures sends,
//! tried on a probe key of the namespace (with a time to live, deleted after).

use std::io::Write;
use std::time::Instant;

use okta_fixtures_config::Config;

use super::{Report, chain};
use crate::cache::Store;
use crate::cache::redis::Redis;
use crate::cli::CommandError;

/// Checks the Redis store of `config`, if it has one. `Ok(false)`: Redis cannot be used, so
/// nothing after this can be checked (every sign-in goes through it).
pub(super) fn check(
    config: &Config,
    report: &mut Report<impl Write>,
) -> Result<bool, CommandError> {
    let redis = match Store::for_config(config, None) {
        Store::Redis(redis) => redis,
        Store::Refused(e) => {
            report.fail("redis", chain(&e))?;
            return Ok(false);
        }
        // `store: redis` with `org_url: fake`: tokens of an in-process fake stay in memory.
        _ if config.cache.redis.is_some() => {
            report.ok(
                "redis",
                "not used: with `org_url: fake` each process's tokens stay in its memory (point \
                 OKTA_ORG_URL at an org or a standalone fake to share them through Redis)",
            )?;
            return Ok(true);
        }
        _ => return Ok(true),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CommandError::io("cannot start a runtime"))?;
    let started = Instant::now();
    if let Err(e) = runtime.block_on(redis.check()) {
        report.fail("redis", chain(&e))?;
        return Ok(false);
    }
    let took = started.elapsed();
    report.ok("redis", answers(&redis, took.as_millis()))?;
    let refused: Vec<String> = runtime
        .block_on(redis.probe())
        .into_iter()
        .filter_map(|(command, result)| {
            result
                .err()
                .map(|e| format!("{command} refused: {}", chain(&e)))
        })
        .collect();
    if refused.is_empty() {
        report.ok("redis", permitted(&redis))?;
        Ok(true)
    } else {
        report.fail(
            "redis",
            format!(
                "{}; grant the Redis user these commands on keys `{}*` (README, \"An ACL user \
                 with only what is needed\")",
                refused.join("; "),
                redis.namespace()
            ),
        )?;
        Ok(false)
    }
}

/// `redis://host:port answers (a GET in 2 ms); keys under namespace `ns:``, with a warning for
/// cleartext to another machine.
fn answers(redis: &Redis, millis: u128) -> String {
    let url = redis.url();
    let mut line = format!(
        "{url} answers (a GET in {millis} ms); keys under namespace `{}`",
        redis.namespace()
    );
    if !url.is_tls() && !url.is_loopback() {
        line.push_str(
            "; warning: plain redis:// to a host off this machine, so tokens (and any Redis \
             password) cross the network in cleartext: use rediss:// unless it is a private \
             network such as a CI service container",
        );
    }
    line
}

fn permitted(redis: &Redis) -> String {
    format!(
        "its user may SET, GET, PEXPIRE, EVAL, SCAN, PTTL and DEL keys under `{}` (a probe key \
         with a time to live, deleted)",
        redis.namespace()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config of `org_url` with `cache` as its `cache:` block.
    fn config(org_url: &str, cache: &str) -> Config {
        let yaml = format!(
            "org_url: {org_url}\ncache: {cache}\napps:\n  spa: {{ client_id: c, redirect_uri: \
             'http://localhost/cb', flow: code }}\nusers:\n  alice: {{ username: a, password: \
             pw, app: spa }}\n"
        );
        okta_fixtures_config::parse_str(&yaml, None, &|_| None).expect("valid")
    }

    /// The Redis store of a config with `redis_url: url` (nothing is connected).
    fn store(url: &str) -> Redis {
        let cache = format!("{{store: redis, redis_url: '{url}', namespace: 'ns:'}}");
        match Store::for_config(&config("https://dev-1.okta.com", &cache), None) {
            Store::Redis(redis) => redis,
            _ => panic!("not a Redis store"),
        }
    }

    #[test]
    fn plain_redis_off_this_machine_is_warned_about_and_the_password_never_shown() {
        let line = answers(&store("redis://ci:hunter2@redis.internal:6380"), 2);
        assert!(
            line.starts_with(
                "redis://redis.internal:6380 answers (a GET in 2 ms); keys under namespace `ns:`; \
                 warning: plain redis:// to a host off this machine"
            ),
            "{line}"
        );
        assert!(!line.contains("hunter2"), "{line}");
        for quiet in [
            "redis://127.0.0.1:6379",
            "redis://localhost",
            "rediss://redis.internal",
        ] {
            let line = answers(&store(quiet), 1);
            assert!(!line.contains("warning"), "{quiet}: {line}");
        }
        assert!(permitted(&store("redis://localhost")).contains("under `ns:`"));
    }

    #[test]
    fn an_embedded_fake_or_another_store_needs_no_redis_check() {
        let run = |org_url: &str, cache: &str| {
            let mut report = Report::new(Vec::new());
            let go_on = check(&config(org_url, cache), &mut report).expect("a report");
            (go_on, String::from_utf8(report.out).expect("UTF-8"))
        };
        let (go_on, out) = run("fake", "{store: redis, redis_url: 'redis://127.0.0.1:1'}");
        assert!(go_on);
        assert!(
            out.starts_with("ok   redis   not used: with `org_url: fake`"),
            "{out}"
        );
        assert_eq!(
            run("https://dev-1.okta.com", "{store: disk}"),
            (true, String::new())
        );
    }
}
