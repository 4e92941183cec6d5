#![doc = include_str!("../SCHEMA.md")]

mod discover;
mod duration;
mod error;
mod escape;
mod interpolate;
mod load;
mod locate;
mod names;
mod node;
mod raw;
mod redis_url;
mod schema;
mod secret;
mod suggest;
mod yaml_path;

pub use discover::{CONFIG_ENV, FILE_NAME, discover, discover_with_origin};
pub use error::{Error, Location, Origin, Result};
pub use escape::{escape, escape_except};
pub use interpolate::{VarRef, var_refs};
pub use load::{is_loopback, load, load_ignoring_cache, parse_str};
pub use names::{Names, load_names, parse_names};
pub use redis_url::RedisUrl;
pub use schema::*;
pub use secret::Secret;

/// The text of the config file at `path`, or [`Error::Read`] naming it (also when the file
/// is not UTF-8).
fn read_text(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_that_is_not_utf8_is_a_read_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixtures.yaml");
        std::fs::write(&path, b"org_url: \xff\n").unwrap();
        let err = load(&path, &|_| None).unwrap_err();
        match &err {
            Error::Read {
                path: named,
                source,
            } => {
                assert_eq!(named, &path);
                assert_eq!(source.kind(), std::io::ErrorKind::InvalidData);
            }
            other => panic!("{other:?}"),
        }
    }
}
