//! `${VAR}` and `${VAR:-default}` expansion, done after parsing so that a parse error never
//! holds an expanded secret.

use crate::{Error, Location, Result};

/// Expands every `${VAR}` / `${VAR:-default}` in `input`; `$$` is a literal `$`, and a `$`
/// followed by anything else stays as it is. A variable that is set but empty counts as unset,
/// as `:-` does in a shell. Variables are read only through `env`.
pub(crate) fn expand(
    input: &str,
    env: &dyn Fn(&str) -> Option<String>,
    at: impl Fn() -> Box<Location>,
) -> Result<String> {
    let malformed = |why: &str| Error::Invalid {
        at: at(),
        expected: format!(
            "{why}: write `${{NAME}}` or `${{NAME:-default}}`, and `$$` for a literal `$`"
        ),
    };
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                return Err(malformed("a `${` without its closing `}`"));
            };
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            let valid_name = name.chars().next().is_some_and(|c| !c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_name {
                return Err(malformed(
                    "a variable name of letters, digits and `_` (not starting with a digit) inside `${…}`",
                ));
            }
            if default.is_some_and(|d| d.contains("${")) {
                return Err(malformed("a `${…}` inside a default is not expanded"));
            }
            match (env(name).filter(|v| !v.is_empty()), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(Error::MissingEnv {
                        at: at(),
                        var: name.to_owned(),
                    });
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
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
