//! YAML paths such as `apps.spa.scopes[0]`: how errors say where a problem is.

use std::fmt;

/// One step from a node to a child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A key of a mapping.
    Key(String),
    /// A position in a sequence.
    Index(usize),
}

/// A path from the document root, built as the reader descends. Kept as segments rather than a
/// string so that a key holding a `.` stays one key when the path is looked up in the text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct YamlPath(Vec<Seg>);

impl YamlPath {
    /// The document root.
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// This path plus a key.
    pub(crate) fn key(&self, key: &str) -> Self {
        self.push(Seg::Key(key.to_owned()))
    }

    /// This path plus a sequence index.
    pub(crate) fn index(&self, index: usize) -> Self {
        self.push(Seg::Index(index))
    }

    fn push(&self, seg: Seg) -> Self {
        let mut segs = self.0.clone();
        segs.push(seg);
        Self(segs)
    }

    /// The last segment, when it is a key.
    pub(crate) fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The segments from the root down.
    pub(crate) fn segs(&self) -> &[Seg] {
        &self.0
    }
}

impl FromIterator<Seg> for YamlPath {
    fn from_iter<I: IntoIterator<Item = Seg>>(segs: I) -> Self {
        Self(segs.into_iter().collect())
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '/'));
                    if plain {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_joins_keys_and_indices() {
        let p = YamlPath::root()
            .key("apps")
            .key("spa")
            .key("scopes")
            .index(2);
        assert_eq!(p.to_string(), "apps.spa.scopes[2]");
        assert_eq!(YamlPath::root().to_string(), "");
        assert_eq!(
            YamlPath::root()
                .key("faults")
                .index(0)
                .key("kind")
                .to_string(),
            "faults[0].kind"
        );
    }

    #[test]
    fn keys_that_would_be_ambiguous_are_quoted() {
        let p = YamlPath::root().key("users").key("alice.smith").key("app");
        assert_eq!(p.to_string(), r#"users."alice.smith".app"#);
        assert_eq!(YamlPath::root().key("").to_string(), r#""""#);
        assert_eq!(YamlPath::root().key("a b").to_string(), r#""a b""#);
    }
}
