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
    /// No flow was running: the caller must renew the tokens (those stored, too old to hand
    /// out, are given back for their refresh token) and then call [`Memory::finish`].
    Lead(Option<Tokens>),
}

/// The entries, one per key.
#[derive(Default)]
pub(crate) struct Memory {
    entries: Mutex<HashMap<Key, Entry>>,
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

    /// Looks up `key`, else joins its flight, else makes the caller its leader.
    pub(crate) fn join(
        &self,
        key: &Key,
        waiter: Waiter,
        usable: &dyn Fn(&Tokens) -> bool,
    ) -> Joined {
        let mut entries = self.lock();
        let entry = entries.entry(key.clone()).or_default();
        if let Some(t) = &entry.tokens
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
                Joined::Lead(entry.tokens.clone())
            }
        }
    }

    /// Keeps `tokens` (read from disk) for `key` unless memory holds tokens that live as
    /// long; a flight in progress is left alone.
    pub(crate) fn offer(&self, key: &Key, tokens: &Tokens) {
        let mut entries = self.lock();
        let entry = entries.entry(key.clone()).or_default();
        if entry
            .tokens
            .as_ref()
            .is_none_or(|t| t.expires_at() < tokens.expires_at())
        {
            entry.tokens = Some(tokens.clone());
        }
    }

    /// Ends the flight for `key`: stores the tokens on success (a failure is not cached) and
    /// returns the waiters to notify, outside the lock.
    pub(crate) fn finish(&self, key: &Key, result: &Result<Tokens>) -> Vec<Waiter> {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(key) else {
            return Vec::new();
        };
        let waiters = entry.flight.take().unwrap_or_default();
        if let Ok(t) = result {
            entry.tokens = Some(t.clone());
        }
        if entry.tokens.is_none() {
            entries.remove(key);
        }
        waiters
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // Waiters run outside the lock, so a panic cannot leave an entry half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tests::key;

    #[test]
    fn offered_tokens_replace_only_shorter_lived_ones_and_leave_a_flight_alone() {
        use std::time::{Duration, SystemTime};

        use crate::cache::tests::tokens_until;

        let memory = Memory::default();
        let k = key("alice");
        let now = SystemTime::now();
        let (short, long) = (
            tokens_until(now + Duration::from_secs(60), None),
            tokens_until(now + Duration::from_secs(3600), None),
        );
        memory.offer(&k, &long);
        memory.offer(&k, &short);
        let kept = memory.get(&k, |_| true).unwrap();
        assert_eq!(kept.expires_at(), long.expires_at());

        // A flight in progress keeps its waiters: an offer only stores tokens.
        let other = key("bob");
        let lead = memory.join(&other, Box::new(|_| {}), &|_| false);
        assert!(matches!(lead, Joined::Lead(None)));
        memory.offer(&other, &short);
        let waiters = memory.finish(&other, &Ok(long.clone()));
        assert_eq!(waiters.len(), 1, "the leader's waiter survived the offer");
        let stored = memory.get(&other, |_| true).unwrap();
        assert_eq!(stored.expires_at(), long.expires_at());
    }

    #[test]
    fn equal_keys_share_an_entry_and_a_failed_flight_leaves_the_others_in_place() {
        use std::time::{Duration, SystemTime};

        use crate::cache::tests::tokens_until;

        let memory = Memory::default();
        let now = SystemTime::now();
        let until = |secs| tokens_until(now + Duration::from_secs(secs), None);
        for i in 0..20 {
            memory.offer(&key(&format!("user{i}")), &until(100 + i));
        }
        // Another allocation of an equal key finds the same entry.
        let again = key("user7");
        assert_eq!(
            memory.get(&again, |_| true).unwrap().expires_at(),
            until(107).expires_at()
        );

        // A flight that fails for a key with no tokens removes only that key's entry.
        let fresh = key("newcomer");
        assert!(matches!(
            memory.join(&fresh, Box::new(|_| {}), &|_| true),
            Joined::Lead(None)
        ));
        let failed = Err(crate::Error::WorkerStopped);
        assert_eq!(memory.finish(&fresh, &failed).len(), 1);
        assert!(memory.get(&fresh, |_| true).is_none());
        for i in 0..20 {
            let t = memory.get(&key(&format!("user{i}")), |_| true).unwrap();
            assert_eq!(t.expires_at(), until(100 + i).expires_at(), "user{i}");
        }
        assert_eq!(memory.lock().len(), 20);
    }
}
