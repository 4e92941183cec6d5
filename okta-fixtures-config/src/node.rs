//! YAML text to a tree of [`Node`]s, with structured, value-free errors.
//!
//! The tree is built by our own serde visitor rather than `yaml_serde::Value`, so that every
//! failure is ours to describe: a duplicate key, a key that is not text or a tag each comes
//! back as a fixed description plus the YAML path, and the parser's own message (which may
//! quote a value) is never shown.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::yaml_path::{Seg, YamlPath};

/// One YAML node, with aliases resolved and `<<` merge keys applied.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i128),
    /// A number with a fraction or exponent.
    Float(f64),
    /// Text, quoted or plain.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with text keys, in file order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// What kind of node this is, for "expected …, found …" messages (never its value).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::Str(_) => "text",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

/// Why the text is not a YAML tree we accept, said without quoting the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxProblem {
    /// A fixed description.
    pub(crate) what: &'static str,
    /// 1-based line and column, when known.
    pub(crate) line_col: Option<(usize, usize)>,
    /// The YAML path, when the tree got that far.
    pub(crate) path: Option<YamlPath>,
}

/// The deepest nesting of `[` and `{` a file may have, counted on its raw text.
///
/// The YAML parser reads the whole file before anything sees its depth, and its time grows
/// with the square of the flow nesting: 200 KB of `[` took 35 s (debug build), the 128-level
/// limit of yaml_serde only firing after that. A file with more open brackets than this
/// is refused before it is parsed. yaml_serde refuses deeper nesting anyway, so only a file
/// with more than this many unclosed brackets in quoted text or comments (they count too) is
/// refused that the parser would take; within the limit, parsing stays linear in the size.
const MAX_FLOW_DEPTH: usize = 128;

/// The 1-based line and column of the bracket that opens more than [`MAX_FLOW_DEPTH`]
/// levels, if one does. A count of brackets, not a reading of YAML: the parser still decides
/// what the file means.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let (mut depth, mut line, mut col) = (0usize, 1usize, 0usize);
    for c in text.chars() {
        col += 1;
        match c {
            '\n' => (line, col) = (line + 1, 0),
            '[' | '{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some((line, col));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses one YAML document. Empty text (or only comments) is `Null`.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxProblem> {
    if let Some(at) = too_deep(text) {
        return Err(SyntaxProblem {
            what: TOO_DEEP,
            line_col: Some(at),
            path: None,
        });
    }
    let failed = RefCell::new(None);
    let seed = Build {
        path: YamlPath::root(),
        failed: &failed,
        seek: None,
        key_of: None,
    };
    match seed.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(node) => Ok(node),
        Err(e) => {
            let line_col = e.location().map(|l| (l.line(), l.column()));
            Err(match failed.into_inner() {
                Some((path, what)) => SyntaxProblem {
                    what,
                    line_col,
                    path: Some(path),
                },
                None => parser_problem(&e, line_col),
            })
        }
    }
}

/// Describes an error of the YAML parser. Its `Display` is only matched against libyaml's and
/// yaml_serde's fixed problem strings; only our own descriptions come out.
fn parser_problem(e: &serde_yaml::Error, line_col: Option<(usize, usize)>) -> SyntaxProblem {
    let msg = e.to_string();
    let mut ours = SyntaxProblem {
        what: "the file is not valid YAML",
        line_col,
        path: None,
    };
    if let Some((problem, what)) = PROBLEMS.iter().find(|(p, _)| msg.starts_with(p)) {
        ours.what = what;
        // For an unclosed quote or bracket the problem is at the end of the file; the context
        // mark (where the quote or bracket opened) is the place to fix.
        let opened = [
            ", while scanning a quoted scalar at ",
            ", while parsing a flow sequence at ",
            ", while parsing a flow mapping at ",
        ];
        let unclosed = *problem == "found unexpected end of stream"
            || problem.starts_with("did not find expected ','");
        if let Some(at) = opened
            .iter()
            .find_map(|c| msg.split_once(c).map(|(_, at)| at))
            .filter(|_| unclosed)
        {
            ours.line_col = parse_mark(at).or(line_col);
        }
        if *problem == "found unexpected end of stream" && msg.contains("quoted scalar") {
            ours.what = "a quoted value is not closed: add the closing quote";
        }
    } else if msg.starts_with("deserializing from YAML containing more than one document") {
        ours.what = "the file holds more than one YAML document (a `---` line, or a first line indented deeper than the lines after it); fixtures.yaml is one mapping";
        ours.line_col = None;
    } else if msg.starts_with("unknown anchor") {
        ours.what = "an alias `*name` refers to no anchor `&name` defined before it";
    } else if msg.starts_with("recursion limit exceeded") {
        ours.what = TOO_DEEP;
    } else if msg.starts_with("repetition limit exceeded") {
        ours.what = "aliases expand to too large a document";
    }
    ours
}

/// `line 3 column 7` (1-based, as yaml_serde prints libyaml marks).
fn parse_mark(text: &str) -> Option<(usize, usize)> {
    let rest = text.strip_prefix("line ")?;
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// libyaml's fixed problem strings (it never puts input text in them) and what we say instead.
const PROBLEMS: &[(&str, &str)] = &[
    (
        "found a tab character that violates indentation",
        "a tab is used for indentation; indent with spaces",
    ),
    (
        "found a tab character where an indentation space is expected",
        "a tab is used for indentation; indent with spaces",
    ),
    (
        "found character that cannot start any token",
        "a character that cannot start a YAML token here: a tab used for indentation, or a plain value starting with `@` or `` ` `` (quote it)",
    ),
    (
        "mapping values are not allowed in this context",
        "a `:` where no key can start: check the indentation, or quote a value that contains `: `",
    ),
    (
        "did not find expected key",
        "bad indentation: this line does not line up with the keys of its mapping",
    ),
    (
        "did not find expected '-' indicator",
        "bad indentation: a list item must start with `- ` and line up with the items before it",
    ),
    (
        "could not find expected ':'",
        "a key without its `:`, or a plain value that runs over more than one line (quote it)",
    ),
    (
        "found unexpected end of stream",
        "the file ends in the middle of a value",
    ),
    (
        "did not find expected ',' or ']'",
        "a `[` list is not closed, or its items are not separated by `,`",
    ),
    (
        "did not find expected ',' or '}'",
        "a `{` mapping is not closed, or its entries are not separated by `,`",
    ),
    (
        "found unknown escape character",
        "an unknown `\\` escape in a double-quoted value: write `\\\\` for a backslash, or use single quotes",
    ),
    (
        "found undefined alias",
        "an alias `*name` refers to no anchor `&name` defined before it",
    ),
    (
        "found undefined tag handle",
        "a tag `!name!` whose handle is not declared",
    ),
    (
        "did not find expected node content",
        "a key or list item without a value where one is needed",
    ),
    (
        "did not find expected alphabetic or numeric character",
        "an anchor `&` or alias `*` without a name",
    ),
    (
        "found unexpected ':'",
        "an unexpected `:`; quote the value that contains it",
    ),
    (
        "found unexpected document indicator",
        "a `---` or `...` line inside a quoted value",
    ),
    (
        "did not find expected comment or line break",
        "unexpected text after a value on the same line",
    ),
    (
        "found an indentation indicator equal to 0",
        "a block scalar with indentation indicator 0",
    ),
    (
        "found duplicate anchor; first occurrence",
        "the same anchor `&name` is defined twice",
    ),
    ("invalid leading UTF-8 octet", "the file is not valid UTF-8"),
    (
        "invalid trailing UTF-8 octet",
        "the file is not valid UTF-8",
    ),
    (
        "incomplete UTF-8 octet sequence",
        "the file is not valid UTF-8",
    ),
    (
        "invalid Unicode character",
        "the file holds a character YAML does not allow (a control character?)",
    ),
    (
        "control characters are not allowed",
        "the file holds a control character YAML does not allow",
    ),
];

/// What a node at a sought path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Empty,
    Scalar,
    Collection,
}

/// How far a sought path was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The text is not a tree we accept.
    Nothing,
    Node(Kind),
    /// The key of the path's last segment.
    Key,
    /// Only the first `n` segments exist.
    Absent(usize),
}

/// A path being sought. Reading stops where it is, with an error that the parser marks with
/// the position of the node (or key) being read: `yaml_serde` keeps no other positions.
pub(crate) struct Seek<'p> {
    target: &'p [Seg],
    at_key: bool,
    /// How many segments of `target` the text holds so far.
    depth: Cell<usize>,
    found: Cell<Option<Found>>,
}

impl Seek<'_> {
    fn reached<E: de::Error>(&self, path: &YamlPath, found: Found) -> Result<(), E> {
        let segs = path.segs();
        if self.target.starts_with(segs) {
            self.depth.set(self.depth.get().max(segs.len()));
        }
        if self.target != segs {
            return Ok(());
        }
        self.found.set(Some(found));
        Err(E::custom(""))
    }
}

/// Reads `text` until `target` (its key, when `at_key` and the path ends in a key): the
/// position found and how much of the path exists.
pub(crate) fn seek(text: &str, target: &[Seg], at_key: bool) -> (Option<(usize, usize)>, Found) {
    let failed = RefCell::new(None);
    let seek = Seek {
        target,
        at_key,
        depth: Cell::new(0),
        found: Cell::new(None),
    };
    let seed = Build {
        path: YamlPath::root(),
        failed: &failed,
        seek: Some(&seek),
        key_of: None,
    };
    match seed.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Ok(_) => (None, Found::Absent(seek.depth.get())),
        Err(e) => match seek.found.get() {
            Some(found) => (e.location().map(|l| (l.line(), l.column())), found),
            None => (None, Found::Nothing),
        },
    }
}

/// Why a file nested too deeply is refused.
const TOO_DEEP: &str = "the file nests too deeply (more than 128 levels of lists and mappings, counting every open `[` and `{`)";

type Failed<'f> = &'f RefCell<Option<(YamlPath, &'static str)>>;

const NOT_TEXT: &str = "a mapping key must be text (put a number, boolean or null key in quotes)";

struct Build<'f> {
    path: YamlPath,
    failed: Failed<'f>,
    seek: Option<&'f Seek<'f>>,
    /// Reading a key of the mapping at `path`: the entries before it.
    key_of: Option<&'f [(String, Node)]>,
}

impl Build<'_> {
    /// Records a failure of our own (any failure of a key is that it is not text) and returns
    /// the error that stops the parser, which marks it with the position of the node read.
    fn fail<E: de::Error>(&self, path: &YamlPath, what: &'static str) -> E {
        let what = self.key_of.map_or(what, |_| NOT_TEXT);
        *self.failed.borrow_mut() = Some((path.clone(), what));
        E::custom("")
    }

    /// Returns `node`, or stops the read when it is the node (or key) sought. A key must be
    /// text, and not a repeat of an earlier key of its mapping.
    fn leaf<E: de::Error>(&self, node: Node) -> Result<Node, E> {
        if let Some(seen) = self.key_of {
            let Node::Str(key) = &node else {
                return Err(self.fail(&self.path, NOT_TEXT));
            };
            if let Some(seek) = self.seek.filter(|s| s.at_key) {
                seek.reached(&self.path.key(key), Found::Key)?;
            }
            if key != "<<" && seen.iter().any(|(k, _)| k == key) {
                let path = self.path.key(key);
                *self.failed.borrow_mut() = Some((path, "this key appears twice in its mapping"));
                return Err(E::custom(""));
            }
        } else if let Some(seek) = self.seek {
            let kind = match node {
                Node::Null => Kind::Empty,
                Node::Seq(_) | Node::Map(_) => Kind::Collection,
                _ => Kind::Scalar,
            };
            seek.reached(&self.path, Found::Node(kind))?;
        }
        Ok(node)
    }
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.leaf(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.leaf(Node::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.leaf(Node::Int(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        self.leaf(Node::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        match i128::try_from(v) {
            Ok(v) => self.leaf(Node::Int(v)),
            Err(_) => Err(self.fail(&self.path, "a number too large to read")),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.leaf(Node::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.leaf(Node::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.leaf(Node::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Err(self.fail(&self.path, "binary values are not supported"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.leaf(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Node, A::Error> {
        // yaml_serde reads a tagged node (`!name value`) as an enum.
        Err(self.fail(
            &self.path,
            "YAML tags such as `!name` are not supported; remove the tag",
        ))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        if self.key_of.is_some() {
            return Err(self.fail(&self.path, NOT_TEXT));
        }
        let mut items = Vec::new();
        loop {
            let seed = Build {
                path: self.path.index(items.len()),
                failed: self.failed,
                seek: self.seek,
                key_of: None,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return self.leaf(Node::Seq(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        if self.key_of.is_some() {
            return Err(self.fail(&self.path, NOT_TEXT));
        }
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut merges = Vec::new();
        loop {
            let key_seed = Build {
                path: self.path.clone(),
                failed: self.failed,
                seek: self.seek,
                key_of: Some(&entries),
            };
            // `leaf` lets only text through as a key.
            let Some(Node::Str(key)) = map.next_key_seed(key_seed)? else {
                break;
            };
            let path = self.path.key(&key);
            let value = map.next_value_seed(Build {
                path: path.clone(),
                failed: self.failed,
                seek: self.seek,
                key_of: None,
            })?;
            if key == "<<" {
                merges.push((path, value));
            } else {
                entries.push((key, value));
            }
        }
        // `<<: *base` or `<<: [*a, *b]`: keys written here win, then earlier merges.
        for (path, value) in merges {
            let sources = match value {
                Node::Map(m) => vec![m],
                Node::Seq(items) if items.iter().all(|i| matches!(i, Node::Map(_))) => items
                    .into_iter()
                    .filter_map(|i| match i {
                        Node::Map(m) => Some(m),
                        _ => None,
                    })
                    .collect(),
                _ => {
                    return Err(self.fail(&path, "`<<` merges a mapping or a list of mappings"));
                }
            };
            for (k, v) in sources.into_iter().flatten() {
                if !entries.iter().any(|(e, _)| *e == k) {
                    entries.push((k, v));
                }
            }
        }
        self.leaf(Node::Map(entries))
    }
}

/// The YAML path of the key or list item nearest before `line` (1-based), by indentation:
/// for a syntax error, where the parser gave up before any tree existed. Best effort: block
/// style is followed, flow collections and block scalars are skipped.
pub(crate) fn path_near(text: &str, line: usize) -> YamlPath {
    // (indent, segment) of the open ancestors.
    let mut stack: Vec<(usize, Seg)> = Vec::new();
    let mut block_scalar_indent: Option<usize> = None;
    for raw in text.lines().take(line) {
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let trimmed = raw[indent..].trim_end();
        // A tab in the indentation is a syntax error of its own line: not a key to follow.
        if trimmed.is_empty() || trimmed.starts_with(['#', '\t']) {
            continue;
        }
        if let Some(b) = block_scalar_indent {
            if indent > b {
                continue;
            }
            block_scalar_indent = None;
        }
        let mut col = indent;
        let mut rest = trimmed;
        loop {
            if rest == "-" || rest.starts_with("- ") {
                // A list item: siblings at this column are replaced, the key above it (which
                // may stand at the same column) stays.
                let mut next = 0;
                while let Some((i, seg)) = stack.last() {
                    if *i > col || (*i == col && matches!(seg, Seg::Index(_))) {
                        if let (true, Seg::Index(n)) = (*i == col, seg) {
                            next = n + 1;
                        }
                        stack.pop();
                    } else {
                        break;
                    }
                }
                stack.push((col, Seg::Index(next)));
                let after = rest[1..].trim_start_matches(' ');
                col += rest.len() - after.len();
                rest = after;
                continue;
            }
            if let Some((key, after)) = split_key(rest) {
                while stack.last().is_some_and(|(i, _)| *i >= col) {
                    stack.pop();
                }
                stack.push((col, Seg::Key(key)));
                let value = after.split(" #").next().unwrap_or("").trim();
                if value.starts_with('|') || value.starts_with('>') {
                    block_scalar_indent = Some(col);
                }
            }
            break;
        }
    }
    stack.into_iter().map(|(_, seg)| seg).collect()
}

/// `key: rest` → (key, rest) for a plain, single- or double-quoted key.
fn split_key(line: &str) -> Option<(String, &str)> {
    let (key, after) = if let Some(q @ ('"' | '\'')) = line.chars().next() {
        let end = line[1..].find(q)? + 1;
        (line[1..end].to_owned(), &line[end + 1..])
    } else {
        if line.starts_with(['[', '{', '#', '&', '*', '!', '|', '>']) {
            return None;
        }
        let end = line
            .find(": ")
            .or_else(|| line.ends_with(':').then(|| line.len() - 1))?;
        (line[..end].trim_end().to_owned(), &line[end..])
    };
    let after = after.trim_start_matches(' ');
    let after = after.strip_prefix(':')?;
    (after.is_empty() || after.starts_with(' ')).then_some((key, after))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> Node {
        Node::Str(v.to_owned())
    }

    #[test]
    fn builds_scalars_lists_and_mappings_in_order() {
        let node = parse("b: 1\na: [x, 'y']\nc: ~\nd: true\ne: 1.5\nf:\n").unwrap();
        assert_eq!(
            node,
            map(&[
                ("b", Node::Int(1)),
                ("a", Node::Seq(vec![s("x"), s("y")])),
                ("c", Node::Null),
                ("d", Node::Bool(true)),
                ("e", Node::Float(1.5)),
                ("f", Node::Null),
            ])
        );
    }

    #[test]
    fn empty_text_and_comments_only_are_null() {
        assert_eq!(parse("").unwrap(), Node::Null);
        assert_eq!(parse("# nothing here\n\n").unwrap(), Node::Null);
    }

    #[test]
    fn aliases_and_merge_keys_are_resolved() {
        let text = "base: &b\n  flow: code\n  client_id: x\napp:\n  <<: *b\n  client_id: y\n";
        let node = parse(text).unwrap();
        let Node::Map(top) = node else { panic!() };
        assert_eq!(top[1].1, map(&[("client_id", s("y")), ("flow", s("code"))]));
    }

    /// Text we refuse: words of our description, the path (when the tree got that far) and
    /// the position.
    #[rstest]
    #[case::duplicate_key(
        "apps:\n  spa:\n    flow: code\n    flow: implicit\n",
        "this key appears twice in its mapping", Some("apps.spa.flow"), Some((4, 5))
    )]
    #[case::number_key("users:\n  123: {}\n", "key must be text", Some("users"), Some((2, 3)))]
    #[case::list_key("a:\n  [x, !t y]: 1\n", "key must be text", Some("a"), Some((2, 3)))]
    #[case::mapping_key("a:\n  {x: 1}: 2\n", "key must be text", Some("a"), Some((2, 3)))]
    #[case::tagged_key("a:\n  !t k: 1\n", "key must be text", Some("a"), Some((2, 3)))]
    #[case::null_key("a:\n  ~: 1\n", "key must be text", Some("a"), Some((2, 3)))]
    #[case::tag("users:\n  alice: !secret x\n", "tags", Some("users.alice"), Some((2, 10)))]
    #[case::merge_of_a_number("a:\n  <<: 3\n", "`<<`", Some(r#"a."<<""#), Some((2, 3)))]
    #[case::tab("a:\n\tb: 1\n", "tab", None, Some((2, 1)))]
    #[case::unclosed_quote(
        "a: \"hunter2\nb: 2\n",
        "a quoted value is not closed: add the closing quote", None, Some((1, 4))
    )]
    #[case::bad_indentation("a:\n  b: 1\n c: 2\n", "bad indentation", None, Some((3, 2)))]
    #[case::unclosed_list("a: [1, 2\n", "`[` list is not closed", None, Some((1, 4)))]
    #[case::colon_in_a_value("a: b: c\n", "`:`", None, Some((1, 5)))]
    #[case::two_documents("a: 1\n---\nb: 2\n", "more than one YAML document", None, None)]
    #[case::unknown_alias("a: *nowhere\n", "no anchor", None, Some((1, 4)))]
    #[case::deep_brackets(&format!("a:\n  b: {}\n", "[".repeat(200)), "nests too deeply", None, Some((2, 134)))]
    fn refusals_get_positions_and_our_words(
        #[case] text: &str,
        #[case] words: &str,
        #[case] path: Option<&str>,
        #[case] line_col: Option<(usize, usize)>,
    ) {
        let f = parse(text).unwrap_err();
        assert!(f.what.contains(words), "{f:?}");
        assert_eq!(
            f.path.as_ref().map(ToString::to_string).as_deref(),
            path,
            "{f:?}"
        );
        assert_eq!(f.line_col, line_col, "{f:?}");
    }

    #[test]
    fn path_near_follows_block_indentation() {
        let text = "\
# comment
apps:
  spa:   # trailing comment
    client_id: x
    notes: |
      not: a key
  \"web app\":
    flow: code
fake:
  faults:
    - endpoint: authn
      kind: status
    - endpoint: token
      kind: drop
";
        assert_eq!(path_near(text, 1).to_string(), "");
        assert_eq!(path_near(text, 4).to_string(), "apps.spa.client_id");
        assert_eq!(path_near(text, 6).to_string(), "apps.spa.notes");
        assert_eq!(path_near(text, 8).to_string(), r#"apps."web app".flow"#);
        assert_eq!(path_near(text, 12).to_string(), "fake.faults[0].kind");
        assert_eq!(path_near(text, 13).to_string(), "fake.faults[1].endpoint");
        assert_eq!(path_near(text, 14).to_string(), "fake.faults[1].kind");
    }

    #[test]
    fn path_near_handles_lists_at_the_keys_column() {
        let text = "scopes:\n- openid\n- profile\nusers:\n  alice:\n";
        assert_eq!(path_near(text, 3).to_string(), "scopes[1]");
        assert_eq!(path_near(text, 5).to_string(), "users.alice");
    }

    #[test]
    fn path_near_skips_a_tab_indented_line() {
        assert_eq!(path_near("a:\n  b: 1\n\tc: 2\n", 3).to_string(), "a.b");
    }
}
