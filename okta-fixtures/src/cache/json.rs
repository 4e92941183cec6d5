//! A small JSON reader for cache entries, the first thing a cold test process reads.
//!
//! serde_json's derived readers are spread over many code pages that a fresh process faults
//! in one by one; on a cold disk hit that was the largest single cost after the config. This
//! reader takes the JSON subset an entry is made of (objects, arrays, strings with every
//! escape, whole non-negative numbers, `null`, booleans) and answers `None` for anything
//! else, and [`super::entry::decode`] then asks serde_json, which also tells a foreign
//! version from a broken file.

use std::borrow::Cow;

/// A JSON value of the subset read here. Strings without escapes borrow the entry's bytes:
/// member names and values nobody takes are never copied.
#[derive(Debug, PartialEq)]
pub(crate) enum Value<'b> {
    Null,
    Bool(bool),
    /// A whole number from 0 to `u64::MAX`.
    Int(u64),
    Str(Cow<'b, str>),
    List(Vec<Value<'b>>),
    /// Members in file order.
    Object(Vec<(Cow<'b, str>, Value<'b>)>),
}

/// An object's members as a derived serde reader takes them: by name, unknown ones ignored,
/// a missing or `null` optional one as `None`. `None` where serde_json would refuse or differ.
/// Members are taken out, not copied: an entry's tokens are its largest part.
pub(crate) struct Fields<'b>(Vec<(Cow<'b, str>, Value<'b>)>);

impl<'b> Fields<'b> {
    /// The members of `value`, an object that names no member twice (serde_json refuses a
    /// repeated field).
    pub(crate) fn of(value: Value<'b>) -> Option<Self> {
        let Value::Object(members) = value else {
            return None;
        };
        let repeated = members
            .iter()
            .enumerate()
            .any(|(i, (k, _))| members[..i].iter().any(|(seen, _)| seen == k));
        (!repeated).then_some(Fields(members))
    }

    /// The member `name`, taken out (`Null` is left in its place).
    fn take(&mut self, name: &str) -> Option<Value<'b>> {
        self.0
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| std::mem::replace(v, Value::Null))
    }

    /// A required string.
    pub(crate) fn text(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Value::Str(s) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// An optional string: `Some(None)` when missing or `null`.
    pub(crate) fn optional_text(&mut self, name: &str) -> Option<Option<String>> {
        match self.take(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Str(s)) => Some(Some(s.into_owned())),
            Some(_) => None,
        }
    }

    /// A required list of strings.
    pub(crate) fn texts(&mut self, name: &str) -> Option<Vec<String>> {
        match self.take(name)? {
            Value::List(mut items) => {
                // A loop by reference, not a `collect` or a loop by value: each would bring
                // code of its own, a page a cold hit faults in.
                let mut texts = Vec::with_capacity(items.len());
                for item in &mut items {
                    let Value::Str(s) = item else { return None };
                    texts.push(std::mem::take(s).into_owned());
                }
                Some(texts)
            }
            _ => None,
        }
    }

    /// A required whole number.
    pub(crate) fn number(&mut self, name: &str) -> Option<u64> {
        match self.take(name)? {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }

    /// A required object.
    pub(crate) fn object(&mut self, name: &str) -> Option<Fields<'b>> {
        Fields::of(self.take(name)?)
    }
}

/// The value `bytes` hold, with nothing but whitespace around it.
pub(crate) fn parse(bytes: &[u8]) -> Option<Value<'_>> {
    let mut r = Reader { bytes, at: 0 };
    let value = r.value(0)?;
    r.skip_ws();
    (r.at == bytes.len()).then_some(value)
}

/// The bytes that end a run of plain string content: `"`, `\\` and control characters.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// How many bytes from the start of `bytes` are plain string content (no [`STOPS`] byte),
/// eight at a time: an entry is mostly two long tokens.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether some byte of `w` is below `n` (n ≤ 128): exact as a yes/no.
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS != 0;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let w = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        if below(w, 0x20)
            || below(w ^ (ONES * u64::from(b'"')), 1)
            || below(w ^ (ONES * u64::from(b'\\')), 1)
        {
            break;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| STOPS[usize::from(b)])
        .unwrap_or(bytes.len() - at)
}

/// Entries nest two levels; anything deeper is not one.
const MAX_DEPTH: usize = 8;

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value<'b>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match *self.bytes.get(self.at)? {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Some(Value::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.next()? != b'"' {
                        return None;
                    }
                    let name = self.string()?;
                    self.skip_ws();
                    if self.next()? != b':' {
                        return None;
                    }
                    members.push((name, self.value(depth + 1)?));
                    self.skip_ws();
                    match self.next()? {
                        b',' => {}
                        b'}' => return Some(Value::Object(members)),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Some(Value::List(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.next()? {
                        b',' => {}
                        b']' => return Some(Value::List(items)),
                        _ => return None,
                    }
                }
            }
            b'"' => {
                self.at += 1;
                self.string().map(Value::Str)
            }
            b'n' => self.eat(b"null").map(|()| Value::Null),
            b't' => self.eat(b"true").map(|()| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|()| Value::Bool(false)),
            b'0' => {
                self.at += 1;
                // `0` alone: `01`, `0.5` and `0e1` are not whole numbers written plainly.
                match self.bytes.get(self.at) {
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E') => None,
                    _ => Some(Value::Int(0)),
                }
            }
            b'1'..=b'9' => {
                let start = self.at;
                while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
                    self.at += 1;
                }
                if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
                    return None;
                }
                // Summed here, not by `str::parse`: its code is a page of its own on a cold hit.
                let mut n: u64 = 0;
                for &d in &self.bytes[start..self.at] {
                    n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
                }
                Some(Value::Int(n))
            }
            _ => None,
        }
    }

    /// The rest of a string whose opening quote was read.
    fn string(&mut self) -> Option<Cow<'b, str>> {
        let bytes: &'b [u8] = self.bytes;
        let rest = &bytes[self.at..];
        let end = plain_run(rest);
        if *rest.get(end)? == b'"' {
            // No escape: the common case (tokens, names, URLs).
            self.at += end + 1;
            return std::str::from_utf8(&rest[..end]).ok().map(Cow::Borrowed);
        }
        let mut out = Vec::new();
        loop {
            let run = plain_run(&self.bytes[self.at..]);
            if self.at + run == self.bytes.len() {
                return None;
            }
            out.extend_from_slice(&self.bytes[self.at..self.at + run]);
            self.at += run;
            match self.next()? {
                b'"' => return String::from_utf8(out).ok().map(Cow::Owned),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                // A raw control character: not JSON.
                _ => return None,
            }
        }
    }

    /// The character of `\uXXXX` (the `\u` read), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            self.eat(b"\\u")?;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(c);
        }
        char::from_u32(first)
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.at.checked_add(4)?;
        let digits = std::str::from_utf8(self.bytes.get(self.at..end)?).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at = end;
        u32::from_str_radix(digits, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members sorted by name, as serde_json's map keeps them.
    fn sorted(v: Option<Value<'_>>) -> Option<Value<'_>> {
        fn sort(v: Value<'_>) -> Value<'_> {
            match v {
                Value::Object(mut m) => {
                    m.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(m.into_iter().map(|(k, v)| (k, sort(v))).collect())
                }
                Value::List(items) => Value::List(items.into_iter().map(sort).collect()),
                other => other,
            }
        }
        v.map(sort)
    }

    /// What serde_json reads, in this reader's terms (`None` outside the subset).
    fn from_serde(v: &serde_json::Value) -> Option<Value<'static>> {
        Some(match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Int(n.as_u64()?),
            serde_json::Value::String(s) => Value::Str(s.clone().into()),
            serde_json::Value::Array(a) => {
                Value::List(a.iter().map(from_serde).collect::<Option<_>>()?)
            }
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| Some((k.clone().into(), from_serde(v)?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }

    #[test]
    fn plain_runs_end_where_the_byte_table_says() {
        // Every stop byte, and bytes next to them in value, at every place of runs of every
        // length around a word.
        let probes = (0..=255u8).filter(|&b| {
            STOPS[usize::from(b)] || matches!(b, 0x20..=0x23 | 0x5b..=0x5d | 0x7f..=0x81 | 0xff)
        });
        for probe in probes {
            for len in 0..20 {
                for at in 0..=len {
                    let mut bytes = vec![b'x'; len];
                    if at < len {
                        bytes[at] = probe;
                    }
                    let expected = bytes
                        .iter()
                        .position(|&b| STOPS[usize::from(b)])
                        .unwrap_or(len);
                    assert_eq!(plain_run(&bytes), expected, "{probe:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let texts = [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":[]}"#,
            " { \"a\" : 0 , \"b\" : {} } \n",
            r#"{"s":"q\"b\\s\/n\nt\tr\rb\bf\fu\u00e9\ud83d\ude00"}"#,
            r#"{"big":18446744073709551615,"utf8":"José — 😀"}"#,
            r#"["x"]"#,
            r#""alone""#,
        ];
        for text in texts {
            let serde: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(sorted(parse(text.as_bytes())), from_serde(&serde), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_json_or_not_in_the_subset() {
        let texts: &[&[u8]] = &[
            b"",
            b"{",
            b"{\"a\":1",
            b"{\"a\":1,}",
            b"{\"a\" 1}",
            b"{a:1}",
            b"[1 2]",
            b"\"open",
            b"\"bad \\x escape\"",
            b"\"raw \n newline\"",
            b"\"\\ud83d alone\"",
            b"\"\\u12\"",
            b"01",
            b"-1",
            b"1.5",
            b"1e3",
            b"18446744073709551616",
            b"nul",
            b"{} {}",
            b"\xff",
            b"\"\xff\"",
            b"[[[[[[[[[[[1]]]]]]]]]]]",
        ];
        for text in texts {
            assert_eq!(parse(text), None, "{}", String::from_utf8_lossy(text));
        }
    }

    /// Truncations and byte flips of a real entry: whenever this reader answers, serde_json
    /// reads the same value.
    #[test]
    fn damaged_entries_read_as_serde_json_reads_them_or_not_at_all() {
        let entry = br#"{"version":1,"config":"/w/fixtures.yaml","key":{"org":"https://dev.okta.com","server":"default","client_id":"spa","username":"al\u00efce@example.com","flow":"code","response_types":["code"],"scopes":["email","openid"]},"user":"alice","app":"spa","access_token":"eyJ.a\"b.c","id_token":null,"expires_at_ms":1800000000123,"scopes":["openid"]}"#;
        let mut variants: Vec<Vec<u8>> =
            (0..entry.len()).map(|cut| entry[..cut].to_vec()).collect();
        for at in 0..entry.len() {
            for b in *b"\"\\,9}]{[:n " {
                let mut bytes = entry.to_vec();
                bytes[at] = b;
                variants.push(bytes);
            }
        }
        let (mut answered, mut refused) = (0, 0);
        for bytes in &variants {
            match parse(bytes) {
                Some(fast) => {
                    answered += 1;
                    let serde: serde_json::Value = serde_json::from_slice(bytes)
                        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)));
                    assert_eq!(sorted(Some(fast)), from_serde(&serde));
                }
                None => {
                    refused += 1;
                    if let Ok(serde) = serde_json::from_slice::<serde_json::Value>(bytes) {
                        assert_eq!(
                            from_serde(&serde),
                            None,
                            "{}",
                            String::from_utf8_lossy(bytes)
                        );
                    }
                }
            }
        }
        assert!(answered > 100 && refused > 100, "{answered} {refused}");
    }
}
