#![doc = include_str!("../SCHEMA.md")]

mod discover;
mod duration;
mod error;
mod interpolate;
mod load;
mod locate;
mod names;
mod node;
mod raw;
mod schema;
mod secret;
mod simple_url;
mod simple_yaml;
mod suggest;
mod yaml_path;

pub use discover::{CONFIG_ENV, FILE_NAME, discover, discover_with_origin};
pub use error::{Error, Location, Origin, Result};
pub use load::{load, parse_str};
pub use names::{Names, load_names, parse_names};
pub use schema::*;
pub use secret::Secret;

/// A fixed pseudo-random sequence for the mutation tests: the same mutations on every run.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}
