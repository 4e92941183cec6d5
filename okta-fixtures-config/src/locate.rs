//! Where a YAML path stands in the text, and the errors that point there.
//!
//! `yaml_serde` keeps no positions in its values, but it marks an error raised while reading a
//! node with that node's line and column. To find a path, the text is read once more by the
//! tree builder of `node.rs`, told to raise an error on arriving: the error's mark is the
//! position. This uses the real parser, so nested block and flow collections, quoted keys,
//! comments, anchors and aliases are all handled as the parser sees them. It runs only when an
//! error is reported, once or twice per error.

use std::path::PathBuf;

use crate::node::{Found, Kind, seek};
use crate::yaml_path::{Seg, YamlPath};
use crate::{Error, Location, suggest};

/// Which position of a mapping entry an error points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The key (`flow` in `flow: code`). For a list item, the item.
    Key,
    /// The value (`code` in `flow: code`), or the key when the value is empty.
    Value,
}

/// The text being read and the file it came from: everything an error needs to say where.
pub(crate) struct Doc<'t> {
    pub(crate) text: &'t str,
    pub(crate) file: Option<PathBuf>,
}

impl Doc<'_> {
    /// The location of `path`, with its line and column when the path exists in the text.
    pub(crate) fn at(&self, path: &YamlPath, target: Target) -> Box<Location> {
        Box::new(Location {
            file: self.file.clone(),
            line_col: line_col(self.text, path, target),
            path: path.to_string(),
        })
    }

    /// A value of the wrong type or form at `path`.
    pub(crate) fn invalid(&self, path: &YamlPath, expected: impl Into<String>) -> Error {
        Error::Invalid {
            at: self.at(path, Target::Value),
            expected: expected.into(),
        }
    }

    /// The mapping at `path` lacks `key`.
    pub(crate) fn missing(&self, path: &YamlPath, key: &str) -> Error {
        Error::Missing {
            at: self.at(path, Target::Key),
            key: key.to_owned(),
        }
    }

    /// The key at `path` is in a combination the schema forbids.
    pub(crate) fn conflict(&self, path: &YamlPath, why: impl Into<String>) -> Error {
        Error::Conflict {
            at: self.at(path, Target::Key),
            why: why.into(),
        }
    }

    /// The value at `path` names a `kind` (`user` or `app`) that `names` does not hold.
    pub(crate) fn unknown_name<'n>(
        &self,
        path: &YamlPath,
        target: Target,
        kind: &'static str,
        name: &str,
        names: impl IntoIterator<Item = &'n str> + Clone,
    ) -> Error {
        Error::UnknownName {
            at: self.at(path, target),
            kind,
            name: name.to_owned(),
            hint: suggest::hint(name, names),
        }
    }
}

/// 1-based line and column of `path` in `text`. When the path is absent (say, it came from a
/// `<<` merge), the position of its deepest ancestor present.
pub(crate) fn line_col(text: &str, path: &YamlPath, target: Target) -> Option<(usize, usize)> {
    let segs = path.segs();
    let on_key = matches!(segs.last(), Some(Seg::Key(_)));
    match seek(text, segs, target == Target::Key && on_key) {
        (pos, Found::Node(Kind::Empty)) if on_key => seek(text, segs, true).0.or(pos),
        (pos, Found::Node(_) | Found::Key) => pos,
        (_, Found::Absent(depth)) => {
            let present: YamlPath = segs[..depth].iter().cloned().collect();
            line_col(text, &present, Target::Key)
        }
        (_, Found::Nothing) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &YamlPath, target: Target) -> Option<(usize, usize)> {
        line_col(text, path, target)
    }

    fn p(keys: &[&str]) -> YamlPath {
        keys.iter().fold(YamlPath::root(), |p, k| p.key(k))
    }

    const TEXT: &str = "\
# top comment
org_url: fake   # trailing
apps:
  spa:
    client_id: spa-client
    scopes: [openid, 'profile', \"email\"]
  \"web.app\":
    flow: code
    empty:
    nested:
      deep: {a: 1, b: [x, y]}
fake:
  faults:
    - endpoint: authn
      kind: status
    -   endpoint: token
        kind: drop
";

    #[test]
    fn finds_keys_and_values_of_nested_block_mappings() {
        assert_eq!(at(TEXT, &p(&["org_url"]), Target::Key), Some((2, 1)));
        assert_eq!(at(TEXT, &p(&["org_url"]), Target::Value), Some((2, 10)));
        let id = p(&["apps", "spa", "client_id"]);
        assert_eq!(at(TEXT, &id, Target::Key), Some((5, 5)));
        assert_eq!(at(TEXT, &id, Target::Value), Some((5, 16)));
        assert_eq!(at(TEXT, &p(&["apps", "spa"]), Target::Key), Some((4, 3)));
    }

    #[test]
    fn finds_quoted_keys_holding_dots_and_flow_items() {
        assert_eq!(
            at(TEXT, &p(&["apps", "web.app", "flow"]), Target::Value),
            Some((8, 11))
        );
        let scopes = p(&["apps", "spa", "scopes"]);
        assert_eq!(at(TEXT, &scopes.index(0), Target::Value), Some((6, 14)));
        assert_eq!(at(TEXT, &scopes.index(1), Target::Value), Some((6, 22)));
        assert_eq!(at(TEXT, &scopes.index(2), Target::Value), Some((6, 33)));
        let deep = p(&["apps", "web.app", "nested", "deep"]);
        assert_eq!(
            at(TEXT, &deep.key("b").index(1), Target::Value),
            Some((11, 27))
        );
        assert_eq!(at(TEXT, &deep.key("a"), Target::Key), Some((11, 14)));
    }

    #[test]
    fn finds_items_of_block_sequences() {
        let faults = p(&["fake", "faults"]);
        assert_eq!(
            at(TEXT, &faults.index(0).key("kind"), Target::Value),
            Some((15, 13))
        );
        assert_eq!(
            at(TEXT, &faults.index(1).key("kind"), Target::Key),
            Some((17, 9))
        );
        assert_eq!(at(TEXT, &faults.index(1), Target::Key), Some((16, 9)));
    }

    #[test]
    fn an_empty_value_points_at_its_key() {
        let empty = p(&["apps", "web.app", "empty"]);
        assert_eq!(at(TEXT, &empty, Target::Value), Some((9, 5)));
    }

    #[test]
    fn an_absent_path_points_at_its_deepest_present_ancestor() {
        let absent = p(&["apps", "spa", "redirect_uri"]);
        assert_eq!(at(TEXT, &absent, Target::Key), Some((4, 3)));
        assert_eq!(
            at(TEXT, &p(&["fake", "faults"]).index(7), Target::Value),
            Some((13, 3))
        );
        assert_eq!(at(TEXT, &p(&["nope"]), Target::Key), Some((2, 1)));
    }

    #[test]
    fn the_root_is_its_first_key() {
        assert_eq!(at(TEXT, &YamlPath::root(), Target::Value), Some((2, 1)));
    }

    #[test]
    fn aliases_are_found_where_they_are_written() {
        let text = "base: &b\n  flow: code\napp: *b\n";
        assert_eq!(at(text, &p(&["app"]), Target::Key), Some((3, 1)));
        assert_eq!(at(text, &p(&["base", "flow"]), Target::Value), Some((2, 9)));
    }
}
