//! `okta-fixtures cache list|clear`: what the disk token cache holds (never a token), and
//! emptying it.

use std::io::{self, Write as _};
use std::path::Path;
use std::time::{Duration, SystemTime};

use okta_fixtures_config::escape;

use super::CommandError;
use crate::cache::{Listed, clear, list};

/// How long `clear` waits for a test process renewing an entry before skipping it.
const CLEAR_WAIT: Duration = Duration::from_secs(2);

/// Arguments of `okta-fixtures cache`.
#[derive(Debug, clap::Args)]
pub(crate) struct CacheArgs {
    #[command(subcommand)]
    pub(crate) action: CacheAction,
}

/// What to do with the cache.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CacheAction {
    /// List the cached tokens on stdout, one tab-separated line each: expiry, user, app,
    /// whether a refresh token is kept, the cache key and the fixtures.yaml. Never a token.
    List,

    /// Delete every cached token, so the next test run signs everyone in again, and forget
    /// every password Okta refused, so it is tried again (after unlocking the user in Okta).
    /// Entries a running test process is renewing are skipped and counted.
    Clear,
}

/// Runs `cache list` or `cache clear` on `crate::dirs::cache_root()`.
pub(crate) fn run(args: CacheArgs) -> Result<(), CommandError> {
    let root = crate::dirs::cache_root();
    let check_owner = !crate::dirs::root_is_named();
    match args.action {
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
