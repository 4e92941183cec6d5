//! A map whose entries lapse: the store behind session tokens, codes and the like.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::SystemTime;

/// Entries are swept when the map has grown by this many since the last sweep, so memory
/// stays proportional to the live entries however long a fake runs.
const SWEEP_EVERY: usize = 1024;

/// Values with a deadline; an entry at or past its deadline is gone.
#[derive(Debug)]
pub(crate) struct Expiring<K, V> {
    map: HashMap<K, (V, SystemTime)>,
    inserts_since_sweep: usize,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            inserts_since_sweep: 0,
        }
    }
}

impl<K: Eq + Hash, V> Expiring<K, V> {
    /// Stores `value` until `until`.
    pub(crate) fn insert(&mut self, key: K, value: V, until: SystemTime, now: SystemTime) {
        self.inserts_since_sweep += 1;
        if self.inserts_since_sweep >= SWEEP_EVERY {
            self.map.retain(|_, (_, t)| *t > now);
            self.inserts_since_sweep = 0;
        }
        self.map.insert(key, (value, until));
    }

    /// The live value for `key`.
    pub(crate) fn get(&self, key: &K, now: SystemTime) -> Option<&V> {
        self.map
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v)
    }

    /// The live value for `key`, with a mutable deadline.
    pub(crate) fn get_mut(
        &mut self,
        key: &K,
        now: SystemTime,
    ) -> Option<(&mut V, &mut SystemTime)> {
        self.map
            .get_mut(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, until)| (v, until))
    }

    /// Removes `key`, returning its value if it was still live.
    pub(crate) fn take(&mut self, key: &K, now: SystemTime) -> Option<V> {
        self.map
            .remove(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v)
    }

    /// Removes every entry.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.inserts_since_sweep = 0;
    }

    /// How many entries are stored, live or lapsed.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn entries_lapse_and_are_swept() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut m = Expiring::default();
        let a = "a".to_string();
        m.insert(a.clone(), 1, t0 + Duration::from_secs(10), t0);
        assert_eq!(m.get(&a, t0), Some(&1));
        assert_eq!(m.get(&a, t0 + Duration::from_secs(10)), None);
        assert_eq!(m.take(&a, t0 + Duration::from_secs(11)), None);
        for i in 0..(SWEEP_EVERY * 2) {
            m.insert(
                i.to_string(),
                i,
                t0 + Duration::from_secs(1),
                t0 + Duration::from_secs(5),
            );
        }
        assert!(m.len() <= SWEEP_EVERY + 1, "{}", m.len());
    }
}
