//! `${VAR}` and `${VAR:-default}`: the grammar, and the expansion done after parsing so that a
//! parse error never holds an expanded secret.

use crate::{Error, Location, Result};

/// One well-formed `${NAME}` or `${NAME:-default}` reference in a value of fixtures.yaml.
///
/// The default itself is not kept: it may be a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarRef<'t> {
    /// The variable's name.
    pub name: &'t str,
    /// Whether the reference gives a default (`${NAME:-default}`).
    pub has_default: bool,
}

/// The well-formed `${VAR}` references in `text`, in order, read as [`load`](crate::load())
/// expands them: `$$` is a literal `$`, a `$` followed by anything else is text, and a
/// malformed reference (which `load` refuses) is skipped.
///
/// ```
/// use okta_fixtures_config::{VarRef, var_refs};
///
/// let refs: Vec<VarRef> = var_refs("${HOST:-localhost}:${PORT}, $$5, $HOME, ${1BAD}").collect();
/// assert_eq!(
///     refs,
///     [
///         VarRef { name: "HOST", has_default: true },
///         VarRef { name: "PORT", has_default: false },
///     ]
/// );
/// ```
pub fn var_refs(text: &str) -> impl Iterator<Item = VarRef<'_>> {
    Pieces { rest: text }.filter_map(|piece| match piece {
        Piece::Var { name, default } => Some(VarRef {
            name,
            has_default: default.is_some(),
        }),
        Piece::Text(_) | Piece::Malformed(_) => None,
    })
}

/// Expands every `${VAR}` / `${VAR:-default}` in `input`. A variable that is set but empty
/// counts as unset, as `:-` does in a shell. Variables are read only through `env`.
pub(crate) fn expand(
    input: &str,
    env: &dyn Fn(&str) -> Option<String>,
    at: impl Fn() -> Box<Location>,
) -> Result<String> {
    let mut out = String::with_capacity(input.len());
    for piece in (Pieces { rest: input }) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Var { name, default } => match (env(name).filter(|v| !v.is_empty()), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(Error::MissingEnv {
                        at: at(),
                        var: name.to_owned(),
                    });
                }
            },
            Piece::Malformed(why) => {
                return Err(Error::Invalid {
                    at: at(),
                    expected: format!(
                        "{why}: write `${{NAME}}` or `${{NAME:-default}}`, and `$$` for a literal `$`"
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// A piece of a value as expansion reads it.
enum Piece<'t> {
    /// Text that stays as it is (`$$` gives `$`).
    Text(&'t str),
    /// `${name}` or `${name:-default}`.
    Var {
        name: &'t str,
        default: Option<&'t str>,
    },
    /// A `${` that is not a reference, and what it lacks (never the text: it may be a secret).
    Malformed(&'static str),
}

/// The pieces of a value, in order; after a malformed reference, reading goes on after its `}`.
struct Pieces<'t> {
    rest: &'t str,
}

impl<'t> Iterator for Pieces<'t> {
    type Item = Piece<'t>;

    fn next(&mut self) -> Option<Piece<'t>> {
        let pos = self.rest.find('$');
        if pos != Some(0) {
            let end = pos.unwrap_or(self.rest.len());
            let (text, rest) = self.rest.split_at(end);
            self.rest = rest;
            return (!text.is_empty()).then_some(Piece::Text(text));
        }
        let after = &self.rest[1..];
        let Some(body) = after.strip_prefix('{') else {
            // `$$` is one `$`; a `$` before anything else stays as it is.
            self.rest = after.strip_prefix('$').unwrap_or(after);
            return Some(Piece::Text("$"));
        };
        let Some(end) = body.find('}') else {
            self.rest = "";
            return Some(Piece::Malformed("a `${` without its closing `}`"));
        };
        self.rest = &body[end + 1..];
        let inner = &body[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        let valid_name = name.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        Some(if !valid_name {
            Piece::Malformed(
                "a variable name of letters, digits and `_` (not starting with a digit) inside `${…}`",
            )
        } else if default.is_some_and(|d| d.contains("${")) {
            Piece::Malformed("a `${…}` inside a default is not expanded")
        } else {
            Piece::Var { name, default }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            "DOLLARS" => Some("a${SET}b$$".into()),
            _ => None,
        }
    }

    fn at() -> Box<Location> {
        Box::new(Location {
            file: None,
            line_col: Some((3, 7)),
            path: "apps.spa.client_id".into(),
        })
    }

    fn x(input: &str) -> Result<String> {
        expand(input, &env, at)
    }

    #[test]
    fn expands_set_variables_and_defaults() {
        assert_eq!(x("${SET}").unwrap(), "value");
        assert_eq!(x("pre-${SET}-post").unwrap(), "pre-value-post");
        assert_eq!(x("${UNSET:-fallback}").unwrap(), "fallback");
        assert_eq!(x("${SET:-fallback}").unwrap(), "value");
        assert_eq!(x("${UNSET:-}").unwrap(), "");
        assert_eq!(x("${UNSET:-a:-b}").unwrap(), "a:-b");
        assert_eq!(x("${SET}${SET}").unwrap(), "valuevalue");
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        assert_eq!(x("${EMPTY:-d}").unwrap(), "d");
        assert!(matches!(x("${EMPTY}"), Err(Error::MissingEnv { var, .. }) if var == "EMPTY"));
    }

    #[test]
    fn dollars_escape_and_stray_dollars_stay() {
        assert_eq!(x("$${SET}").unwrap(), "${SET}");
        assert_eq!(x("pa$$word").unwrap(), "pa$word");
        assert_eq!(x("$groups").unwrap(), "$groups");
        assert_eq!(x("cost: 5$").unwrap(), "cost: 5$");
        assert_eq!(x("").unwrap(), "");
    }

    #[test]
    fn values_from_the_environment_are_not_expanded_again() {
        assert_eq!(x("${DOLLARS}").unwrap(), "a${SET}b$$");
    }

    #[test]
    fn missing_variable_names_the_variable_and_the_path() {
        let err = x("${OKTA_NOPE}").unwrap_err();
        let Error::MissingEnv { at, var } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(var, "OKTA_NOPE");
        assert_eq!(at.path, "apps.spa.client_id");
        assert_eq!(
            err.to_string(),
            "3:7: apps.spa.client_id: environment variable `OKTA_NOPE` is not set (write `${OKTA_NOPE:-default}` for a default)"
        );
    }

    #[test]
    fn var_refs_are_the_variables_expand_reads() {
        for input in [
            "${SET}-${UNSET:-d}",
            "$${ESCAPED} ${SET:-x}$HOME$",
            "${A}${B:-}${A:-c}",
            "",
        ] {
            let read = std::cell::RefCell::new(Vec::new());
            let env = |name: &str| {
                read.borrow_mut().push(name.to_owned());
                Some("v".to_owned())
            };
            expand(input, &env, at).unwrap();
            let refs: Vec<&str> = var_refs(input).map(|r| r.name).collect();
            assert_eq!(*read.borrow(), refs, "{input}");
        }
        let refs: Vec<VarRef<'_>> = var_refs("${1X} ${A:-${B}} ${C:-d} ${D").collect();
        assert_eq!(
            refs,
            [VarRef {
                name: "C",
                has_default: true
            }],
            "malformed references are skipped, and reading goes on after them"
        );
    }

    #[test]
    fn malformed_references_are_invalid_and_quote_nothing() {
        for bad in [
            "${hunter2",
            "${}",
            "${1X}",
            "${A-hunter2}",
            "${A:hunter2}",
            "${X:-hunter2${Y}}",
        ] {
            let err = x(bad).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{bad}: {err:?}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
