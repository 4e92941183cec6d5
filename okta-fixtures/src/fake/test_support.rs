//! Fixtures for the fake's unit tests: a fake org's state, and seeded hostile input for the
//! property tests of the parsers.

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};

use super::{FakeBuilder, FakeState};

/// A key folder shared by this process's unit tests (keys are generated once).
pub(crate) fn key_dir() -> PathBuf {
    std::env::temp_dir().join("okta-fixtures-unit-fake-keys")
}

/// A fake org's state for `yaml`, served (notionally) at `http://127.0.0.1:1`.
pub(crate) fn state(yaml: &str) -> FakeState {
    let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
    FakeBuilder::default()
        .config(&config)
        .key_dir(key_dir())
        .build("http://127.0.0.1:1")
        .unwrap()
}

/// Pieces that parsers trip over: escapes (good, short, bad, non-UTF-8), separators, control
/// characters, multi-byte text and a few names the fake looks for.
pub(crate) const PIECES: &[&str] = &[
    "%",
    "%2",
    "%ZZ",
    "%FF",
    "%00",
    "%3D",
    "%26",
    "%2B",
    "%3A",
    "%C3%A9",
    "%E0%80",
    "+",
    "&",
    "=",
    "==",
    "&&",
    ";",
    ":",
    "::",
    "\u{0}",
    "\u{7f}",
    "é",
    "😀",
    "\u{2028}",
    "\r\n",
    " ",
    "\"",
    "{",
    "}",
    "null",
    "-1",
    "client_id",
    "grant_type",
    "code",
    "token",
    "Basic ",
    "a",
    "0",
    "eyJ",
    ".",
];

/// The generator for one seed: the same sequence on every machine, so a failure names the
/// seed to replay.
pub(crate) fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Up to `max_pieces` of [`PIECES`] end to end, now and then a run of thousands of `A`s
/// (oversized names and values).
pub(crate) fn hostile_text(rng: &mut StdRng, max_pieces: usize) -> String {
    let mut s = String::new();
    for _ in 0..rng.random_range(0..=max_pieces) {
        if rng.random_ratio(3, 100) {
            s.push_str(&"A".repeat(rng.random_range(0..5000)));
        } else {
            s.push_str(PIECES.choose(rng).expect("pieces"));
        }
    }
    s
}

/// [`hostile_text`] with up to two raw bytes inserted that are not UTF-8.
pub(crate) fn hostile_bytes(rng: &mut StdRng, max_pieces: usize) -> Vec<u8> {
    let mut bytes = hostile_text(rng, max_pieces).into_bytes();
    for _ in 0..rng.random_range(0..3) {
        let at = rng.random_range(0..=bytes.len());
        bytes.insert(at, *[0xff, 0xc3, 0x80, 0xfe].choose(rng).expect("bytes"));
    }
    bytes
}

/// An input, short and escaped, for a failure message.
pub(crate) fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let shown: String = text.chars().take(300).collect();
    format!("{shown:?} ({} bytes)", bytes.len())
}
