//! Names from fixtures.yaml made safe to print: a YAML key can hold terminal escapes or bidi
//! controls that would rewrite or reorder what a terminal shows.

use std::borrow::Cow;

/// `text` with every C0 and C1 control character (tab and newline too), DEL, and every bidi
/// control (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) written as `\u{…}`; other text
/// unchanged.
///
/// ```
/// use okta_fixtures_config::escape;
/// assert_eq!(escape("alice"), "alice");
/// assert_eq!(escape("al\u{1b}[31mice\u{202e}"), "al\\u{1b}[31mice\\u{202e}");
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, &[])
}

/// [`escape`], leaving the characters of `keep` (such as `\n` between the lines of a report)
/// as they are.
pub fn escape_except<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    let risky = |c: char| !keep.contains(&c) && is_risky(c);
    if !text.chars().any(risky) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if risky(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_risky(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_marks_are_escaped_the_rest_kept() {
        for c in [
            '\u{0}', '\u{7}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
        ] {
            assert_eq!(escape(&c.to_string()), format!("\\u{{{:x}}}", u32::from(c)));
        }
        for c in [
            '\u{200e}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
        ] {
            assert!(escape(&format!("a{c}b")).starts_with("a\\u{"), "{c:?}");
        }
        for kept in ["alice", "Zoë", "東京", "a-b_c:d/e", "\u{200d}"] {
            assert!(matches!(escape(kept), Cow::Borrowed(_)), "{kept}");
        }
        assert_eq!(escape_except("a\nb\u{1b}", &['\n']), "a\nb\\u{1b}");
    }
}
