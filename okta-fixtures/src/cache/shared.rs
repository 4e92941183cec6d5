//! Where a config's tokens are shared beyond this process's memory: nowhere, the disk (the
//! processes of one machine) or Redis (many machines); chosen by `cache.store`.

use std::path::PathBuf;

use okta_fixtures_config::{CacheStore, Config, OrgUrl};

use super::disk::Disk;
#[cfg(feature = "redis")]
use super::redis::Redis;
use crate::error::Error;

/// The store of one cache.
pub(crate) enum Store {
    /// Memory only.
    Memory,
    /// Memory and the disk.
    Disk(Disk),
    /// Memory and Redis.
    #[cfg(feature = "redis")]
    Redis(Redis),
    /// A store that cannot be built (`store: redis` without the feature): every fetch gets
    /// this error.
    Refused(Error),
}

/// A borrowed view of the store, for the refused-password memory and discovery documents.
#[derive(Clone, Copy)]
pub(crate) enum Shared<'a> {
    /// Nothing shared: this process's memory.
    None,
    /// The disk store.
    Disk(&'a Disk),
    /// The Redis store.
    #[cfg(feature = "redis")]
    Redis(&'a Redis),
}

impl Store {
    /// The store `config` asks for. Tokens are shared only for an org reached by URL (an
    /// in-process fake's tokens are verifiable only by that process's fake); on disk, only
    /// for a config read from a file, whose path names the workspace. The disk store lives
    /// under `cache_dir` (else [`crate::dirs::cache_root`]).
    pub(crate) fn for_config(config: &Config, cache_dir: Option<PathBuf>) -> Store {
        match config.cache.store {
            CacheStore::Memory => Store::Memory,
            CacheStore::Disk => {
                let Some(path) = config.source.as_deref() else {
                    return Store::Memory;
                };
                if config.org_url == OrgUrl::Fake {
                    return Store::Memory;
                }
                // The shared temp folder must be ours; a folder the user named is their choice.
                let named = cache_dir.is_some() || crate::dirs::root_is_named();
                let root = cache_dir.unwrap_or_else(crate::dirs::cache_root);
                Store::Disk(Disk::new(root, path, !named))
            }
            #[cfg(feature = "redis")]
            CacheStore::Redis => match Redis::for_config(config) {
                Ok(Some(r)) => Store::Redis(r),
                Ok(None) => Store::Memory,
                Err(e) => Store::Refused(e),
            },
            #[cfg(not(feature = "redis"))]
            CacheStore::Redis => Store::Refused(Error::RedisFeature {
                at: config
                    .cache
                    .redis
                    .as_ref()
                    .map(|r| r.store_at.to_string())
                    .unwrap_or_else(|| "cache.store".to_owned()),
            }),
        }
    }

    /// The borrowed view.
    pub(crate) fn shared(&self) -> Shared<'_> {
        match self {
            Store::Memory | Store::Refused(_) => Shared::None,
            Store::Disk(d) => Shared::Disk(d),
            #[cfg(feature = "redis")]
            Store::Redis(r) => Shared::Redis(r),
        }
    }
}

impl<'a> Shared<'a> {
    /// The disk store, if it is one.
    pub(crate) fn disk(self) -> Option<&'a Disk> {
        match self {
            Shared::Disk(d) => Some(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(org_url: &str) -> Config {
        let yaml = format!(
            "org_url: {org_url}
apps:
  spa: {{client_id: spa, redirect_uri: http://localhost/cb, flow: code}}
cache:
  store: redis
  redis_url: redis://ci:hunter2@localhost:6390
"
        );
        okta_fixtures_config::parse_str(&yaml, Some(Path::new("/w/fixtures.yaml")), &|_| None)
            .unwrap()
    }

    #[test]
    fn without_the_feature_store_redis_is_an_error_naming_the_cargo_change() {
        let e = Error::RedisFeature {
            at: config("https://dev-1.okta.com")
                .cache
                .redis
                .unwrap()
                .store_at
                .to_string(),
        };
        let text = e.to_string();
        for wanted in [
            "/w/fixtures.yaml:5:10: cache.store",
            "okta-fixtures = { version = \"",
            "features = [\"redis\"] }",
        ] {
            assert!(text.contains(wanted), "{wanted:?} in {text}");
        }
    }

    /// Without the feature, a sign-in (fresh or not) fails with the Cargo.toml change, and
    /// sends nothing. (Runs in builds without `redis`: `cargo test -p okta-fixtures`.)
    #[cfg(not(feature = "redis"))]
    #[test]
    fn without_the_feature_every_request_fails_naming_the_cargo_change() {
        let yaml = "org_url: http://127.0.0.1:9
apps:
  spa: {client_id: spa, redirect_uri: http://localhost/cb, flow: code}
users:
  alice: {username: alice@example.com, password: p}
cache:
  store: redis
  redis_url: redis://localhost:6390
";
        let config =
            okta_fixtures_config::parse_str(yaml, Some(Path::new("/w/fixtures.yaml")), &|_| None)
                .unwrap();
        let fixtures = crate::Fixtures::builder(config).build();
        for fresh in [false, true] {
            let mut request = fixtures.request("alice");
            if fresh {
                request = request.fresh();
            }
            let e = request.blocking_tokens().unwrap_err();
            assert!(matches!(e, Error::RedisFeature { .. }), "{e:?}");
        }
    }

    #[test]
    fn store_redis_is_redis_for_an_org_by_url_and_memory_for_an_in_process_fake() {
        let store = Store::for_config(&config("https://dev-1.okta.com"), None);
        #[cfg(feature = "redis")]
        {
            let Store::Redis(r) = &store else {
                panic!("a Redis store")
            };
            assert_eq!(r.namespace(), "okta-fixtures:dev-1.okta.com:");
            assert_eq!(r.url().to_string(), "redis://localhost:6390");
            assert!(matches!(
                Store::for_config(&config("fake"), None),
                Store::Memory
            ));
        }
        #[cfg(not(feature = "redis"))]
        {
            let Store::Refused(e) = &store else {
                panic!("refused without the feature")
            };
            assert!(e.to_string().contains("features = [\"redis\"]"), "{e}");
        }
    }
}
