//! The in-memory store: tokens by key, and the flights in progress with their waiters.
//!
//! One mutex guards both, so a waiter can never register after the flight it joined has
//! delivered its result.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::key::Key;
use crate::error::Result;
use crate::tokens::Tokens;

/// Called once with the flight's result.
pub(crate) type Waiter = Box<dyn FnOnce(Result<Tokens>) + Send>;

#[derive(Default)]
struct Entry {
    tokens: Option<Tokens>,
    /// `Some` while a flow runs for this key: who waits for it.
    flight: Option<Vec<Waiter>>,
}

/// What [`Memory::join`] decided.
pub(crate) enum Joined {
    /// Usable tokens were there; the waiter is handed back uncalled.
    Hit(Tokens, Waiter),
    /// A flow is running; the waiter will be called when it ends.
    Waiting,
    /// No flow was running: the caller must run one and then call [`Memory::finish`].
    Lead,
}

#[derive(Default)]
pub(crate) struct Memory {
    map: Mutex<HashMap<Key, Entry>>,
}

impl Memory {
    /// The stored tokens for `key` that `usable` accepts.
    pub(crate) fn get(&self, key: &Key, usable: impl Fn(&Tokens) -> bool) -> Option<Tokens> {
        self.lock()
            .get(key)?
            .tokens
            .as_ref()
            .filter(|t| usable(t))
            .cloned()
    }

    /// Looks up `key` (unless `usable` is `None`), else joins its flight, else makes the
    /// caller its leader.
    pub(crate) fn join(
        &self,
        key: &Key,
        waiter: Waiter,
        usable: Option<&dyn Fn(&Tokens) -> bool>,
    ) -> Joined {
        let mut map = self.lock();
        let entry = map.entry(key.clone()).or_default();
        if let (Some(usable), Some(t)) = (usable, &entry.tokens)
            && usable(t)
        {
            return Joined::Hit(t.clone(), waiter);
        }
        match &mut entry.flight {
            Some(waiters) => {
                waiters.push(waiter);
                Joined::Waiting
            }
            None => {
                entry.flight = Some(vec![waiter]);
                Joined::Lead
            }
        }
    }

    /// Ends the flight for `key`: stores the tokens on success (a failure is not cached) and
    /// returns the waiters to notify, outside the lock.
    pub(crate) fn finish(&self, key: &Key, result: &Result<Tokens>) -> Vec<Waiter> {
        let mut map = self.lock();
        let Some(entry) = map.get_mut(key) else {
            return Vec::new();
        };
        let waiters = entry.flight.take().unwrap_or_default();
        if let Ok(t) = result {
            entry.tokens = Some(t.clone());
        }
        if entry.tokens.is_none() {
            map.remove(key);
        }
        waiters
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // Waiters run outside the lock, so a panic cannot leave an entry half-written.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}
