//! The common shape of fixtures.yaml, read without the full YAML parser: block mappings and
//! lists, one-line plain and quoted values, one-line `[a, b]` lists, comments.
//!
//! This is the cold-start path: a test process loads the config once, and the full parser
//! (libyaml through serde) costs about five times the instructions and many more code pages
//! touched for the first time. [`parse`] answers `None` for anything outside the shape it
//! knows (anchors, tags, block scalars, multi-line values, escapes, flow mappings, tabs,
//! duplicate keys, any syntax error…), and [`crate::node::parse`] then runs the full parser,
//! which also words every error. When it answers `Some`, the tree is the one the full parser
//! builds; tests hold the two side by side on every YAML text of the crate's tests and on a
//! mutation corpus.

use crate::node::Node;

/// The tree of `text`, or `None` when the full parser must read it.
pub(crate) fn parse(text: &str) -> Option<Node> {
    let lines = lines(text)?;
    let mut reader = Reader {
        lines,
        at: 0,
        depth: 0,
    };
    let Some(first) = reader.peek() else {
        return Some(Node::Null);
    };
    // A document indented as a whole is legal YAML, but rare: leave it to the parser.
    if first.indent != 0 {
        return None;
    }
    let node = reader.block(0)?;
    (reader.at == reader.lines.len()).then_some(node)
}

/// One line with content: its indentation and what follows it.
#[derive(Clone, Copy)]
struct Line<'t> {
    indent: usize,
    text: &'t str,
}

impl Line<'_> {
    /// `- item` or a lone `-`.
    fn is_item(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }
}

/// The lines that hold content (not blank, not only a comment), or `None` for text that has
/// characters this reader leaves to the parser (tabs, control characters, a byte-order mark,
/// a line break other than `\n` / `\r\n`) or document markers.
fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if !raw.chars().all(plain_char) {
            return None;
        }
        let text = raw.trim_start_matches(' ');
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let indent = raw.len() - text.len();
        if indent == 0
            && (text.starts_with("---") || text.starts_with("...") || text.starts_with('%'))
        {
            return None;
        }
        out.push(Line {
            indent,
            text: text.trim_end_matches(' '),
        });
    }
    Some(out)
}

/// A character YAML reads as itself anywhere: printable ASCII, or a printable character
/// beyond Latin-1's controls that YAML does not treat as a line break or byte-order mark.
fn plain_char(c: char) -> bool {
    matches!(c, ' '..='~')
        || (c >= '\u{a0}'
            && !matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            ))
}

struct Reader<'t> {
    lines: Vec<Line<'t>>,
    at: usize,
    /// Blocks open: deep nesting is left to the parser, which has a limit and words it.
    depth: usize,
}

/// The deepest nesting read here (yaml_serde refuses beyond 128).
const MAX_DEPTH: usize = 64;

impl<'t> Reader<'t> {
    fn peek(&self) -> Option<Line<'t>> {
        self.lines.get(self.at).copied()
    }

    /// The block node whose first line is the current one, at `indent`.
    fn block(&mut self, indent: usize) -> Option<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let node = if self.peek()?.is_item() {
            self.list(indent)
        } else {
            self.mapping(indent)
        };
        self.depth -= 1;
        node
    }

    /// `- item` lines at `indent`.
    fn list(&mut self, indent: usize) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(line) = self.peek().filter(|l| l.indent == indent && l.is_item()) {
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() {
                self.at += 1;
                items.push(self.nested(indent, false)?);
                continue;
            }
            // `- key: value` or `- - x`: the item is a block starting at `rest`'s column.
            let column = indent + (line.text.len() - rest.len());
            if rest == "-" || rest.starts_with("- ") || split_key(rest).is_some() {
                self.lines[self.at] = Line {
                    indent: column,
                    text: rest,
                };
                items.push(self.block(column)?);
            } else {
                self.at += 1;
                items.push(inline(rest)?);
                self.no_deeper(indent)?;
            }
        }
        match self.peek() {
            Some(next) if next.indent > indent => None,
            _ => Some(Node::Seq(items)),
        }
    }

    /// `key: value` lines at `indent`.
    fn mapping(&mut self, indent: usize) -> Option<Node> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(line) = self.peek().filter(|l| l.indent == indent) {
            if line.is_item() {
                return None;
            }
            let (key, rest) = split_key(line.text)?;
            if entries.iter().any(|(k, _)| *k == key) {
                return None;
            }
            self.at += 1;
            let value = if rest.is_empty() {
                self.nested(indent, true)?
            } else {
                let value = inline(rest)?;
                self.no_deeper(indent)?;
                value
            };
            entries.push((key, value));
        }
        match self.peek() {
            Some(next) if next.indent > indent => None,
            _ => Some(Node::Map(entries)),
        }
    }

    /// The value of a key or item with nothing after it on its line: a deeper block, a list
    /// at the key's own column (`key:` then `- a`), or nothing.
    fn nested(&mut self, indent: usize, after_key: bool) -> Option<Node> {
        match self.peek() {
            Some(next) if next.indent > indent => self.block(next.indent),
            Some(next) if after_key && next.indent == indent && next.is_item() => self.list(indent),
            _ => Some(Node::Null),
        }
    }

    /// After a value on its key's line, a deeper line would continue it (a multi-line plain
    /// value) or be an error: either way the parser's.
    fn no_deeper(&self, indent: usize) -> Option<()> {
        match self.peek() {
            Some(next) if next.indent > indent => None,
            _ => Some(()),
        }
    }
}

/// `key: rest` or `key:` → the key and what follows its colon, comments removed. Keys are
/// plain text or one-line quoted text; anything else is `None`.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, after) = match text.as_bytes()[0] {
        b'"' | b'\'' => {
            let (key, after) = quoted(text)?;
            if text.len() - after.len() > 1000 {
                return None;
            }
            (key, after.strip_prefix(':')?)
        }
        _ => {
            let colon = text
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| matches!(text.as_bytes().get(i + 1), None | Some(b' ')))?;
            let key = &text[..colon];
            // libyaml allows a key of at most 1024 characters before its `:`.
            if key.len() > 1000 || key.ends_with(' ') || !matches!(plain(key, false)?, Node::Str(_))
            {
                return None;
            }
            (key.to_owned(), &text[colon + 1..])
        }
    };
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let after = after.trim_start_matches(' ');
    Some((key, if after.starts_with('#') { "" } else { after }))
}

/// A value on one line (after a key or a `- `), with any comment after it.
fn inline(text: &str) -> Option<Node> {
    match text.as_bytes()[0] {
        b'"' | b'\'' => {
            let (value, after) = quoted(text)?;
            comment_only(after).then_some(Node::Str(value))
        }
        b'[' => flow_list(text),
        b'{' => flow_mapping(text),
        _ => {
            let value = match comment_start(text) {
                Some(i) => text[..i].trim_end_matches(' '),
                None => text,
            };
            plain(value, false)
        }
    }
}

/// Where ` #` (a comment after a plain value) starts. A byte scan: a two-byte pattern
/// search costs more to set up than these short lines take to scan.
fn comment_start(text: &str) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == b" #")
}

/// Nothing, or spaces then a comment.
fn comment_only(rest: &str) -> bool {
    rest.is_empty() || (rest.starts_with(' ') && rest.trim_start_matches(' ').starts_with('#'))
}

/// `"text"` or `'text'` at the start of `text` → the value and what follows the closing
/// quote. Escapes (`\` in double quotes) and values that run to the next line are `None`.
fn quoted(text: &str) -> Option<(String, &str)> {
    let quote = text.as_bytes()[0];
    let body = &text[1..];
    if quote == b'"' {
        let end = body.find(['"', '\\'])?;
        if body.as_bytes()[end] == b'\\' {
            return None;
        }
        return Some((body[..end].to_owned(), &body[end + 1..]));
    }
    let mut value = String::new();
    let mut rest = body;
    loop {
        let end = rest.find('\'')?;
        value.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                value.push('\'');
                rest = after;
            }
            None => return Some((value, rest)),
        }
    }
}

/// `[a, b, "c"]` on one line: plain or quoted items, no nesting, no empty item.
fn flow_list(text: &str) -> Option<Node> {
    let mut rest = text[1..].trim_start_matches(' ');
    let mut items = Vec::new();
    if let Some(after) = rest.strip_prefix(']') {
        return comment_only(after).then_some(Node::Seq(items));
    }
    loop {
        let (item, after) = flow_item(rest, ']')?;
        items.push(item);
        let after = after.trim_start_matches(' ');
        if let Some(after) = after.strip_prefix(']') {
            return comment_only(after).then_some(Node::Seq(items));
        }
        rest = after.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// `{a: b, "c": d}` on one line: plain or quoted keys and values, no nesting, no empty
/// value, no repeated key.
fn flow_mapping(text: &str) -> Option<Node> {
    let mut rest = text[1..].trim_start_matches(' ');
    let mut entries: Vec<(String, Node)> = Vec::new();
    if let Some(after) = rest.strip_prefix('}') {
        return comment_only(after).then_some(Node::Map(entries));
    }
    loop {
        let (key, after) = match rest.as_bytes().first()? {
            b'"' | b'\'' => quoted(rest)?,
            _ => {
                let end = rest.as_bytes().windows(2).position(|w| w == b": ")?;
                if rest[..end].ends_with(' ') {
                    return None;
                }
                match plain(&rest[..end], true)? {
                    Node::Str(key) => (key, &rest[end..]),
                    _ => return None,
                }
            }
        };
        if entries.iter().any(|(k, _)| *k == key) {
            return None;
        }
        rest = after.strip_prefix(": ")?.trim_start_matches(' ');
        let (value, after) = flow_item(rest, '}')?;
        entries.push((key, value));
        let after = after.trim_start_matches(' ');
        if let Some(after) = after.strip_prefix('}') {
            return comment_only(after).then_some(Node::Map(entries));
        }
        rest = after.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// One item of a flow collection that `close` ends: quoted, or plain up to the next `,` or
/// `close`; and what follows it.
fn flow_item(text: &str, close: char) -> Option<(Node, &str)> {
    match text.as_bytes().first()? {
        b'"' | b'\'' => {
            let (value, after) = quoted(text)?;
            Some((Node::Str(value), after))
        }
        _ => {
            let end = text.find([',', close])?;
            Some((
                plain(text[..end].trim_end_matches(' '), true)?,
                &text[end..],
            ))
        }
    }
}

/// A plain (unquoted) scalar, typed as the YAML 1.2 core schema types it (as yaml_serde
/// does): `null`, booleans, whole numbers, else text. Shapes whose type takes more rules than
/// these (signs, fractions, exponents, `0x…`, `~`, `.inf`) are `None`, as are characters that
/// would end or change a plain scalar.
fn plain(text: &str, in_flow: bool) -> Option<Node> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    let text_like =
        first.is_ascii_alphabetic() || matches!(first, b'$' | b'/' | b'_') || first >= 0x80;
    if !(text_like || first.is_ascii_digit()) || comment_start(text).is_some() {
        return None;
    }
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        let bad = match b {
            b':' => match next {
                None | Some(b' ') => true,
                Some(n) => in_flow && b",?[]{}".contains(&n),
            },
            b',' | b'[' | b']' | b'{' | b'}' => in_flow,
            b'#' => in_flow,
            b'"' | b'\'' => in_flow,
            _ => false,
        };
        if bad {
            return None;
        }
    }
    if text_like {
        return Some(match text {
            "null" | "Null" | "NULL" => Node::Null,
            "true" | "True" | "TRUE" => Node::Bool(true),
            "false" | "False" | "FALSE" => Node::Bool(false),
            _ => Node::Str(text.to_owned()),
        });
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let suffix = &bytes[digits..];
    if suffix.is_empty() {
        // Leading zeros make text in YAML 1.2 (`007`); otherwise a whole number.
        if digits > 1 && first == b'0' {
            return Some(Node::Str(text.to_owned()));
        }
        return text.parse::<u64>().ok().map(|n| Node::Int(n.into()));
    }
    // `60s`, `15m`: digits then letters, none a number's (`1e5`, `0x1f`, `0o7`, `0b1`).
    let unit = suffix.iter().all(u8::is_ascii_alphabetic)
        && !matches!(suffix[0], b'e' | b'E' | b'x' | b'o' | b'b');
    unit.then(|| Node::Str(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(text: &str) -> Node {
        crate::node::parse_full(text).unwrap_or_else(|f| panic!("the full parser refused: {f:?}"))
    }

    /// Texts this reader must read itself, and read as the full parser does.
    const READ: &[&str] = &[
        "",
        "# only a comment\n\n",
        "a: b\n",
        "a: b",
        "a:\n",
        "a: b\r\nc: d\r\n",
        "a: b # note\nc: 'it''s'\nd: \"x # y\"  # z\n",
        "a:\n  b:\n    c: 1\n  d: [x, y, z]\ne: []\nf: {}\n",
        "faults:\n  - {endpoint: authn, kind: drop}\n  - { 'a b': \"c\" , d: 3 }  # note\n",
        "items:\n- a:\n  - x\n  b: y\n",
        "list:\n- a\n- b\nnext: c\n",
        "list:\n  - a\n  -   b\n",
        "faults:\n  - endpoint: token\n    kind: status\n    status: 500\n  - endpoint: authn\n",
        "nested:\n  - - a\n    - b\n  - c\n",
        "empty_item:\n  -\n  - x\n",
        "url: http://localhost:8080/cb\nscheme: com.example.app:/callback\n",
        "env: ${OKTA_ORG_URL:-fake}\nplain: $groups\n",
        "scopes: [openid, orders:read, 'quoted, comma', \"d\"]\n",
        "n: 0\nm: 42\nz: 007\nd: 60s\nt: 15m\nbig: 18446744073709551615\n",
        "b: true\nc: False\nn: null\nN: NULL\ns: 'null'\nq: \"true\"\n",
        "name: Example Org\nspaced: a  b   c\nhash: a#b\n",
        "\"quoted key\": 1\n'single key': 2\nweb app: 3\n",
        "unicode: José Ñandú — ok\n",
        "k: v\n\n\n# trailing comment\n",
        "a:\n  b: 1\n\n  # comment between\n  c: 2\n",
    ];

    /// Texts left to the full parser (some valid YAML, some errors).
    const LEFT: &[&str] = &[
        "  a: b\n",
        "a: b\n  c: d\n",
        "a: |\n  text\n",
        "a: >\n  text\n",
        "a: &x 1\nb: *x\n",
        "a: !tag x\n",
        "a: \"esc\\n\"\n",
        "a: \"open\n  close\"\n",
        "a: 'open\n",
        "a: [x,\n  y]\n",
        "a: [x, , y]\n",
        "a: [x, [y]]\n",
        "a: {b: {c: d}}\n",
        "a: {b: c, b: d}\n",
        "a: {b:c}\n",
        "a: {b: }\n",
        "a: {b : c}\n",
        "a: b\na: c\n",
        "a:\tb\n",
        "\u{feff}a: b\n",
        "---\na: b\n",
        "a: b: c\n",
        "a: b:\n",
        "a:b\n",
        "a : b\n",
        "- a\nb: c\n",
        "a: -1\n",
        "a: 1.5\n",
        "a: 1e5\n",
        "a: 0x1f\n",
        "a: ~\n",
        "a: .inf\n",
        "a: @x\n",
        "a: `x\n",
        "<<: {}\n",
        "1: a\n",
        "true: a\n",
        "? a\n: b\n",
        "a:\n  plain\n  continued\n",
        "a: x\u{85}y\n",
        "a: x\u{2028}y\n",
        "a: 99999999999999999999\n",
        "a: [x:]\n",
        "a: [x:,y]\n",
        "a: 'x'y\n",
        "a: \"x\"#y\n",
    ];

    #[test]
    fn reads_the_common_shapes_as_the_full_parser_does() {
        for text in READ {
            let fast = parse(text).unwrap_or_else(|| panic!("left to the parser: {text:?}"));
            assert_eq!(fast, full(text), "differs from the full parser on {text:?}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        for text in LEFT {
            assert_eq!(parse(text), None, "read by the fast path: {text:?}");
        }
    }

    #[test]
    fn reads_the_example_fixtures_yaml() {
        let text = include_str!("../../fixtures.yaml");
        let fast = parse(text).expect("the example config takes the fast path");
        assert_eq!(fast, full(text));
    }

    /// Mutations of a file in the fast path's shape: whenever the fast path reads one, the
    /// full parser must read the same tree. The mutations sit at the edges of the shape
    /// (quotes, colons, comments, indentation, numbers, flow brackets).
    #[test]
    fn mutations_read_by_the_fast_path_match_the_full_parser() {
        let base = format!(
            "{}\nextra:\n  n: 42\n  d: 60s\n  q: 'it''s'\n  m: {{a: b, 'c d': e}}\n  l:\n  - x\n  - y: z\n    w: [1, \"v\"]\n",
            include_str!("../../fixtures.yaml")
        );
        let lines: Vec<&str> = base.lines().collect();
        let inserts = [
            ":",
            ": ",
            " ",
            "  ",
            "#",
            " #",
            "'",
            "\"",
            "''",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "0",
            "1",
            "e",
            "x",
            "7s",
            "true",
            "null",
            "~",
            "\\",
            "|",
            "&a",
            "*a",
            "!",
            "\r",
            "\t",
            "é",
            "\u{85}",
            "http://h:1/p",
            "${V:-d}",
            "<<: ",
        ];
        let mut next = crate::xorshift(0x2545_F491_4F6C_DD1D);
        let (mut read, mut left) = (0, 0);
        for _ in 0..4000 {
            let mut lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            for _ in 0..1 + next(2) {
                let i = next(lines.len());
                let at = lines[i]
                    .char_indices()
                    .map(|(at, _)| at)
                    .chain([lines[i].len()])
                    .nth(next(lines[i].chars().count() + 1))
                    .unwrap_or(0);
                match next(4) {
                    0 | 1 => lines[i].insert_str(at, inserts[next(inserts.len())]),
                    2 => {
                        let end = lines[i][at..]
                            .char_indices()
                            .map(|(n, _)| at + n)
                            .nth(1 + next(3))
                            .unwrap_or(lines[i].len());
                        lines[i].replace_range(at..end, "");
                    }
                    _ => {
                        let j = next(lines.len());
                        let copy = lines[j].clone();
                        lines.insert(i, copy);
                    }
                }
            }
            let text = lines.join("\n");
            match parse(&text) {
                Some(fast) => {
                    read += 1;
                    assert_eq!(
                        crate::node::parse_full(&text).as_ref(),
                        Ok(&fast),
                        "the fast path differs from the full parser on:\n{text}"
                    );
                }
                None => left += 1,
            }
        }
        // Both outcomes must be common, or the corpus tests nothing.
        assert!(read > 800 && left > 800, "read {read}, left {left}");
    }
}
