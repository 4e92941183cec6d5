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
mod suggest;
mod yaml_path;

pub use discover::{CONFIG_ENV, FILE_NAME, discover, discover_with_origin};
pub use error::{Error, Location, Origin, Result};
pub use load::{load, parse_str};
pub use names::{Names, load_names, parse_names};
pub use schema::*;
pub use secret::Secret;

/// Reads a whole small file (fixtures.yaml, a cache entry): one `read` for the size the
/// file's metadata gives and one that finds its end.
///
/// `std::fs::read` probes with small reads around a growing buffer; its code sits on a page
/// of its own that a fresh test process would fault in for the first file it reads. A file
/// that grew since its metadata was read is still read whole.
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len());
    // Beyond this, `read_to_end` below reads the rest as std does.
    let want = usize::try_from(size).map_or(0, |n| n.min(1 << 20));
    let mut bytes = vec![0; want];
    let filled = fill(&mut file, &mut bytes)?;
    bytes.truncate(filled);
    if filled == want {
        // All the metadata promised: one more read should find the end.
        let mut probe = [0; 32];
        let more = fill(&mut file, &mut probe)?;
        if more > 0 {
            bytes.extend_from_slice(&probe[..more]);
            file.read_to_end(&mut bytes)?;
        }
    }
    Ok(bytes)
}

/// The text of the config file at `path`, or [`Error::Read`] naming it.
fn read_text(path: &std::path::Path) -> Result<String> {
    let read = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = read_file(path).map_err(read)?;
    String::from_utf8(bytes).map_err(|_| {
        read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Reads into `buf` until it is full or the file ends; how many bytes were read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_file_reads_whole_files_of_every_size() {
        let dir =
            std::env::temp_dir().join(format!("okta-fixtures-read-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        for len in [
            0,
            1,
            31,
            32,
            33,
            4095,
            4096,
            4097,
            (1 << 20) - 1,
            1 << 20,
            (1 << 20) + 33,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read_file(&path).unwrap(), bytes, "{len} bytes");
        }
        let missing = read_file(&dir.join("missing")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file whose metadata says 0 bytes but that holds more (procfs) is read whole: the
    /// read past the promised size finds the rest.
    #[cfg(target_os = "linux")]
    #[test]
    fn read_file_reads_past_a_size_that_undersells() {
        let path = std::path::Path::new("/proc/self/maps");
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
        let text = String::from_utf8(read_file(path).unwrap()).unwrap();
        assert!(
            text.len() > 32 && text.ends_with('\n'),
            "{} bytes",
            text.len()
        );
        assert!(text.lines().count() > 3);
    }

    #[test]
    fn a_config_that_is_not_utf8_is_a_read_error_naming_the_file() {
        let path = std::env::temp_dir().join(format!(
            "okta-fixtures-not-utf8-{}.yaml",
            std::process::id()
        ));
        std::fs::write(&path, b"org_url: \xff\n").unwrap();
        let err = load(&path, &|_| None).unwrap_err();
        std::fs::remove_file(&path).unwrap();
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
