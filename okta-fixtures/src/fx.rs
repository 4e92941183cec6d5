//! FxHash, rustc's hasher, for the maps a warm hit looks into.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`Fx`] hashers.
pub(crate) type FxBuild = BuildHasherDefault<Fx>;

/// FxHash, rustc's hasher: the keys come from fixtures.yaml and the test code, not from an
/// attacker, and SipHash was the largest cost of a warm hit.
#[derive(Default)]
pub(crate) struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher as _;

    use super::*;
    use crate::cache::tests::key;

    #[test]
    fn fx_tells_keys_apart() {
        let fx = BuildHasherDefault::<Fx>::default();
        assert_eq!(fx.hash_one(key("alice")), fx.hash_one(key("alice")));
        assert_ne!(fx.hash_one(key("alice")), fx.hash_one(key("alicf")));
        assert_ne!(fx.hash_one(("ab", "c")), fx.hash_one(("a", "bc")));
        assert_ne!(
            fx.hash_one([0u8; 3].as_slice()),
            fx.hash_one([0u8; 4].as_slice())
        );
    }
}
