//! `cache list|clear` on the Redis store (`cache.store: redis`): the keys of the config's
//! namespace only, found with SCAN (never KEYS); never a token.

use std::io::{self, Write as _};
use std::time::SystemTime;

use okta_fixtures_config::escape;

use super::{CacheAction, left};
use crate::cache::redis::{Redis, RedisListed};
use crate::cli::CommandError;

/// Runs `action` on `redis`, on a runtime of its own (the CLI has none).
pub(super) fn run(redis: &Redis, action: &CacheAction) -> Result<(), CommandError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CommandError::io("cannot start a runtime"))?;
    let place = format!(
        "Redis at {} (namespace `{}`)",
        redis.url(),
        escape(redis.namespace())
    );
    match action {
        CacheAction::List => {
            let listed = runtime.block_on(redis.list())?;
            if listed.is_empty() {
                eprintln!("no cached tokens in {place}");
            }
            io::stdout()
                .lock()
                .write_all(table(&listed, SystemTime::now()).as_bytes())
                .map_err(CommandError::io("cannot write the list to stdout"))
        }
        CacheAction::Clear => {
            let deleted = runtime.block_on(redis.clear())?;
            eprintln!("{}", cleared(&place, deleted));
            Ok(())
        }
    }
}

/// The list: the disk list's columns, KEY being the Redis key; an entry without a valid HMAC
/// under `cache.signing_key` says that tests ignore it.
fn table(listed: &[RedisListed], now: SystemTime) -> String {
    let mut text = String::new();
    if listed.is_empty() {
        return text;
    }
    text.push_str("EXPIRES\tUSER\tAPP\tREFRESH\tKEY\tCONFIG\n");
    for l in listed {
        let key = if l.trusted {
            escape(&l.key).into_owned()
        } else {
            format!(
                "{} (no valid HMAC under cache.signing_key: tests ignore it)",
                escape(&l.key)
            )
        };
        let line = match &l.summary {
            Ok(s) => format!(
                "{}\t{}\t{}\t{}\t{key}\t{}\n",
                left(s.expires_at, now),
                escape(s.user.as_deref().unwrap_or("-")),
                escape(&s.app),
                if s.refresh { "yes" } else { "no" },
                escape(&s.config)
            ),
            Err(why) => format!(
                "-\t-\t-\t-\t{key} ({}; the next test run replaces it)\t-\n",
                why.as_str()
            ),
        };
        text.push_str(&line);
    }
    text
}

fn cleared(place: &str, deleted: usize) -> String {
    format!(
        "deleted {deleted} cached token entr{} from {place}, with its refused-password records \
         and discovery documents",
        if deleted == 1 { "y" } else { "ies" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clear_line_counts_entries() {
        assert_eq!(
            cleared("Redis at redis://h:6379 (namespace `ns:`)", 1),
            "deleted 1 cached token entry from Redis at redis://h:6379 (namespace `ns:`), with \
             its refused-password records and discovery documents"
        );
        assert!(cleared("x", 2).starts_with("deleted 2 cached token entries"));
        assert_eq!(table(&[], SystemTime::now()), "");
    }
}
