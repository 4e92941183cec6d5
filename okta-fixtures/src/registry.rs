//! The process-wide registries: which fixtures.yaml each set of discovery inputs found, and
//! one context per config file, so every test of a process shares one cache and one fake.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use crate::cache::TokenClock;
use crate::context::Context;
use crate::env;
use crate::error::Result;

/// What discovery starts from: the explicit path, `$OKTA_FIXTURES_CONFIG` and the start folder.
type Inputs = (Option<PathBuf>, Option<String>, PathBuf);

type Registry<K> = LazyLock<Mutex<HashMap<K, Arc<Context>>>>;

/// Discovery inputs → the context they found, so a warm call touches no file system.
static DISCOVERED: Registry<Inputs> = LazyLock::new(Mutex::default);
/// Canonical config path → its process-wide context.
static CONTEXTS: Registry<PathBuf> = LazyLock::new(Mutex::default);

/// The process-wide context of the config at `explicit`, else of the discovered fixtures.yaml
/// (see [`crate::Fixtures::discover`]), loading it on first use.
pub(crate) fn discover(explicit: Option<&Path>, start_dir: Option<&Path>) -> Result<Arc<Context>> {
    let start = start_folder(env::var("CARGO_MANIFEST_DIR"), start_dir);
    let inputs = (
        explicit.map(Path::to_path_buf),
        env::var(okta_fixtures_config::CONFIG_ENV),
        start,
    );
    if let Some(ctx) = lock(&DISCOVERED).get(&inputs) {
        return Ok(ctx.clone());
    }
    let found = okta_fixtures_config::discover(explicit, &env::var, &inputs.2)?;
    let path = std::fs::canonicalize(&found).unwrap_or(found);
    let known = lock(&CONTEXTS).get(&path).cloned();
    let ctx = match known {
        Some(ctx) => ctx,
        None => {
            // Loaded outside the lock; if two threads race, the first one stored wins.
            let config = okta_fixtures_config::load(&path, &env::var)?;
            let loaded = Arc::new(Context::new(config, None, TokenClock::System));
            lock(&CONTEXTS).entry(path).or_insert(loaded).clone()
        }
    };
    lock(&DISCOVERED)
        .entry(inputs)
        .or_insert_with(|| ctx.clone());
    Ok(ctx)
}

/// Where discovery starts: `$CARGO_MANIFEST_DIR` at run time, else the folder the macro saw at
/// compile time, else the current folder.
fn start_folder(manifest_dir: Option<String>, start_dir: Option<&Path>) -> PathBuf {
    match (manifest_dir, start_dir) {
        (Some(dir), _) if !dir.is_empty() => PathBuf::from(dir),
        (_, Some(dir)) => dir.to_path_buf(),
        _ => std::env::current_dir().unwrap_or_default(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_starts_at_the_manifest_dir_then_the_macros_then_cwd() {
        let macro_dir = Path::new("/from/the/macro");
        assert_eq!(
            start_folder(Some("/crate".into()), Some(macro_dir)),
            PathBuf::from("/crate")
        );
        assert_eq!(start_folder(None, Some(macro_dir)), macro_dir);
        assert_eq!(
            start_folder(Some(String::new()), Some(macro_dir)),
            macro_dir
        );
        assert_eq!(start_folder(None, None), std::env::current_dir().unwrap());
    }
}
