//! `okta-fixtures cache list|clear`: what the token cache holds (never a token), and emptying
//! it: the disk cache, or with `cache.store: redis` the keys of the config's namespace in Redis.
//!
//! The store is the one of the fixtures.yaml tests would read (`--config`,
//! `$OKTA_FIXTURES_CONFIG`, else the nearest fixtures.yaml); without one, the disk cache.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use okta_fixtures_config::{Origin, escape};

use super::CommandError;
use crate::cache::{Listed, Store, clear, list};

#[cfg(feature = "redis")]
mod in_redis;

/// How long `clear` waits for a test process renewing an entry before skipping it.
const CLEAR_WAIT: Duration = Duration::from_secs(2);

/// Arguments of `okta-fixtures cache`.
#[derive(Debug, clap::Args)]
pub(crate) struct CacheArgs {
    /// The fixtures.yaml whose cache store to use (`cache.store: redis` names a Redis server),
    /// relative to the current folder. Default: $OKTA_FIXTURES_CONFIG, else the nearest
    /// fixtures.yaml in the current folder or above; without one, the disk cache.
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) action: CacheAction,
}

/// What to do with the cache.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CacheAction {
    /// List the cached tokens on stdout, one tab-separated line each: expiry, user, app,
    /// whether a refresh token is kept, the cache key (with Redis, the Redis key) and the
    /// fixtures.yaml. Never a token.
    List,

    /// Delete every cached token, so the next test run signs everyone in again, and forget
    /// every password Okta refused, so it is tried again (after unlocking the user in Okta).
    /// Entries a running test process is renewing are skipped and counted. With Redis: every
    /// token entry, refused-password record and discovery document of the namespace.
    Clear,
}

/// Runs `cache list` or `cache clear` on the store of the config found, else on
/// `crate::dirs::cache_root()`.
pub(crate) fn run(args: CacheArgs) -> Result<(), CommandError> {
    let cwd =
        std::env::current_dir().map_err(CommandError::io("cannot read the current folder"))?;
    match store(args.config.as_deref(), &cwd, &crate::env::var)? {
        #[cfg(feature = "redis")]
        Some(Store::Redis(store)) => in_redis::run(&store, &args.action),
        Some(Store::Refused(e)) => Err(e.into()),
        // A memory-only config shares nothing; the disk cache is what there is to show.
        Some(Store::Disk(_) | Store::Memory) | None => run_disk(&args.action),
    }
}

/// The store of the config found as tests find it; `None`: no file (the disk cache), or a file
/// found by searching that does not load (the disk cache, with a note saying why; an explicit
/// one is an error).
fn store(
    explicit: Option<&Path>,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Store>, CommandError> {
    let (path, origin) = match okta_fixtures_config::discover_with_origin(explicit, env, cwd) {
        Ok(found) => found,
        Err(e) if explicit.is_none() && env(okta_fixtures_config::CONFIG_ENV).is_none() => {
            tracing::debug!(error = %e, "no fixtures.yaml: the disk cache");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    match okta_fixtures_config::load(&path, env) {
        Ok(config) => Ok(Some(Store::for_config(&config, None))),
        Err(e) if origin == Origin::Search => {
            eprintln!(
                "note: {} does not load ({e}); using the disk cache (give --config to use \
                 another file)",
                path.display()
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// `cache list` or `cache clear` on the disk cache.
fn run_disk(action: &CacheAction) -> Result<(), CommandError> {
    let root = crate::dirs::cache_root();
    let check_owner = !crate::dirs::root_is_named();
    match action {
        CacheAction::List => {
            let listed = list(&root, check_owner)
                .map_err(CommandError::io("cannot read the token cache"))?;
            if listed.is_empty() {
                eprintln!("no cached tokens in {}", root.join("tokens").display());
            }
            let text = table(&listed, SystemTime::now());
            io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(CommandError::io("cannot write the list to stdout"))
        }
        CacheAction::Clear => {
            let (deleted, busy) = clear(&root, check_owner, CLEAR_WAIT)
                .map_err(CommandError::io("cannot clear the token cache"))?;
            eprintln!("{}", cleared(&root, deleted, busy));
            Ok(())
        }
    }
}

/// The list: a header, then one line per entry.
fn table(listed: &[Listed], now: SystemTime) -> String {
    let mut text = String::new();
    if listed.is_empty() {
        return text;
    }
    text.push_str("EXPIRES\tUSER\tAPP\tREFRESH\tKEY\tCONFIG\n");
    for l in listed {
        let line = match &l.summary {
            Ok(s) => format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                left(s.expires_at, now),
                escape(s.user.as_deref().unwrap_or("-")),
                escape(&s.app),
                if s.refresh { "yes" } else { "no" },
                escape(&s.key),
                escape(&s.config)
            ),
            Err(why) => format!(
                "-\t-\t-\t-\t({}: {}; the next test run replaces it)\t-\n",
                l.file
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                why.as_str()
            ),
        };
        text.push_str(&line);
    }
    text
}

/// `in 59m 3s` or `expired 2h 1m ago`.
fn left(at: SystemTime, now: SystemTime) -> String {
    match at.duration_since(now) {
        Ok(d) => format!("in {}", span(d)),
        Err(e) => format!("expired {} ago", span(e.duration())),
    }
}

fn span(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn cleared(root: &Path, deleted: usize, busy: usize) -> String {
    let mut text = format!(
        "deleted {deleted} cached token entr{} from {}",
        if deleted == 1 { "y" } else { "ies" },
        root.join("tokens").display()
    );
    if busy > 0 {
        text.push_str(&format!(
            "; skipped {busy} that a running test process is renewing"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_comes_from_the_config_found_and_falls_back_to_disk_only_for_a_search() {
        let dir = tempfile::tempdir().unwrap();
        let no_env = |_: &str| None;
        // No fixtures.yaml in the folder or above (a temp folder): the disk cache.
        assert!(store(None, dir.path(), &no_env).unwrap().is_none());
        let path = dir.path().join("fixtures.yaml");
        std::fs::write(&path, "org_url: [not, a, url]\n").unwrap();
        // Found by searching but broken: the disk cache (with a note on stderr).
        assert!(store(None, dir.path(), &no_env).unwrap().is_none());
        // Named: its error.
        let Err(e) = store(Some(&path), dir.path(), &no_env) else {
            panic!("a broken --config file is an error")
        };
        assert!(e.to_string().contains("fixtures.yaml"), "{e}");
        std::fs::write(
            &path,
            "org_url: https://dev-1.okta.com\ncache: {store: redis, redis_url: 'redis://h:1'}\n\
             apps:\n  spa: {client_id: c, redirect_uri: 'http://localhost/cb', flow: code}\n\
             users:\n  alice: {username: a, password: pw, app: spa}\n",
        )
        .unwrap();
        let found = store(None, dir.path(), &no_env).unwrap();
        #[cfg(feature = "redis")]
        assert!(matches!(found, Some(Store::Redis(_))));
        #[cfg(not(feature = "redis"))]
        assert!(matches!(found, Some(Store::Refused(_))));
    }

    #[test]
    fn spans_read_as_people_say_them() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs: i64| {
            if secs >= 0 {
                now + Duration::from_secs(secs.unsigned_abs())
            } else {
                now - Duration::from_secs(secs.unsigned_abs())
            }
        };
        assert_eq!(left(at(59), now), "in 59s");
        assert_eq!(left(at(3599), now), "in 59m 59s");
        assert_eq!(left(at(7260), now), "in 2h 1m");
        assert_eq!(left(at(-90_000), now), "expired 1d 1h ago");
        assert_eq!(
            cleared(Path::new("/c"), 1, 0),
            "deleted 1 cached token entry from /c/tokens"
        );
        assert_eq!(
            cleared(Path::new("/c"), 0, 2),
            "deleted 0 cached token entries from /c/tokens; skipped 2 that a running test \
             process is renewing"
        );
        assert_eq!(table(&[], now), "");
    }
}
