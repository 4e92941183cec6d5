//! The config crate's one error type.

use std::path::PathBuf;

use crate::escape::escape;

/// Where in fixtures.yaml something is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, when read from one.
    pub file: Option<PathBuf>,
    /// 1-based line and column, when the YAML parser gave one.
    pub line_col: Option<(usize, usize)>,
    /// The YAML path, e.g. `apps.spa.redirect_uri`.
    pub path: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line_col) {
            (Some(file), Some((l, c))) => {
                write!(f, "{}:{l}:{c}: ", escape(&file.display().to_string()))?;
            }
            (Some(file), None) => write!(f, "{}: ", escape(&file.display().to_string()))?,
            (None, Some((l, c))) => write!(f, "{l}:{c}: ")?,
            (None, None) => {}
        }
        if self.path.is_empty() {
            f.write_str("(top level)")
        } else {
            f.write_str(&escape(&self.path))
        }
    }
}

/// Everything that can be wrong with finding or reading fixtures.yaml.
///
/// Locations are boxed to keep `Result<_, Error>` small.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No fixtures.yaml was found.
    #[error(
        "no fixtures.yaml found in {start} or any parent folder; create one or set OKTA_FIXTURES_CONFIG"
    )]
    NotFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// A file named explicitly, or by `$OKTA_FIXTURES_CONFIG`, does not exist.
    #[error("{path}: no such file (named by {origin})")]
    MissingFile {
        /// The path, resolved against the start folder.
        path: PathBuf,
        /// Who named it.
        origin: Origin,
    },
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The YAML is not well-formed.
    #[error("{at}: {}", escape(what))]
    Syntax {
        /// Where.
        at: Box<Location>,
        /// What is wrong, in words that quote no value.
        what: String,
    },
    /// A key that the schema does not know.
    #[error("{at}: unknown key `{}`{}", escape(key), escape(hint))]
    UnknownKey {
        /// Where.
        at: Box<Location>,
        /// The key.
        key: String,
        /// ", did you mean `x`?" or ", expected one of: …".
        hint: String,
    },
    /// A value of the wrong type or form.
    #[error("{at}: {}", escape(expected))]
    Invalid {
        /// Where.
        at: Box<Location>,
        /// What was expected there (never the value found).
        expected: String,
    },
    /// A required key is absent.
    #[error("{at}: missing key `{}`", escape(key))]
    Missing {
        /// Where (the mapping that lacks it).
        at: Box<Location>,
        /// The key.
        key: String,
    },
    /// `${VAR}` without a default, and VAR is not set.
    #[error(
        "{at}: environment variable `{v}` is not set (write `${{{v}:-default}}` for a default)",
        v = escape(var)
    )]
    MissingEnv {
        /// Where the reference stands.
        at: Box<Location>,
        /// The variable.
        var: String,
    },
    /// A user or app names something that does not exist.
    #[error("{at}: unknown {kind} `{}`{}", escape(name), escape(hint))]
    UnknownName {
        /// Where.
        at: Box<Location>,
        /// `app` or `user`.
        kind: &'static str,
        /// The name.
        name: String,
        /// ", did you mean `x`?" or ", known: …".
        hint: String,
    },
    /// A combination the schema forbids.
    #[error("{at}: {}", escape(why))]
    Conflict {
        /// Where.
        at: Box<Location>,
        /// Why it is wrong and what to write instead.
        why: String,
    },
}

impl Error {
    /// Where in fixtures.yaml the problem is: the file, the YAML path and, where the path
    /// stands in the text, its line and column. `None` for errors about finding or reading the
    /// file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Syntax { at, .. }
            | Error::UnknownKey { at, .. }
            | Error::Invalid { at, .. }
            | Error::Missing { at, .. }
            | Error::MissingEnv { at, .. }
            | Error::UnknownName { at, .. }
            | Error::Conflict { at, .. } => Some(at),
            Error::NotFound { .. } | Error::MissingFile { .. } | Error::Read { .. } => None,
        }
    }
}

/// How the config file was chosen: see [`crate::discover_with_origin`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A path given by the caller: the CLI's `--config`, or the library's builder.
    Explicit,
    /// The `OKTA_FIXTURES_CONFIG` environment variable.
    Env,
    /// `fixtures.yaml` found in the start folder or an ancestor.
    Search,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Explicit => "the explicit config path (`--config` or the builder)",
            Origin::Env => "the environment variable `OKTA_FIXTURES_CONFIG`",
            Origin::Search => "the search for fixtures.yaml",
        })
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
