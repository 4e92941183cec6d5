//! An ordered JSON object writer.
//!
//! Okta emits keys in a fixed order (`token_type, expires_in, access_token, …`, claims as in
//! section 6 of the wire reference) and serde_json's `Value` sorts them. Writing the text
//! directly keeps Okta's order and skips an intermediate tree on the signing path.

use serde_json::Value;

/// A JSON object under construction; keys come out in insertion order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Obj {
    buf: String,
}

impl Obj {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn key(&mut self, key: &str) {
        self.buf.push(if self.buf.is_empty() { '{' } else { ',' });
        push_str_literal(&mut self.buf, key);
        self.buf.push(':');
    }

    /// `"key":"value"`
    pub(crate) fn str(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_str_literal(&mut self.buf, value);
        self
    }

    /// `"key":"value"` when `value` is `Some`.
    pub(crate) fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    /// `"key":123`
    pub(crate) fn num(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        self.buf.push_str(&value.to_string());
        self
    }

    /// `"key":true`
    pub(crate) fn bool(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.buf.push_str(if value { "true" } else { "false" });
        self
    }

    /// `"key":["a","b"]`
    pub(crate) fn strs<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> Self {
        self.key(key);
        self.buf.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            push_str_literal(&mut self.buf, v.as_ref());
        }
        self.buf.push(']');
        self
    }

    /// `"key":{…}` from another writer.
    pub(crate) fn obj(mut self, key: &str, value: Obj) -> Self {
        self.key(key);
        self.buf.push_str(&value.finish());
        self
    }

    /// `"key":[{…},{…}]`
    pub(crate) fn objs(mut self, key: &str, values: Vec<Obj>) -> Self {
        self.key(key);
        self.buf.push('[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push_str(&v.finish());
        }
        self.buf.push(']');
        self
    }

    /// `"key":<any JSON value>`
    pub(crate) fn value(mut self, key: &str, value: &Value) -> Self {
        self.key(key);
        // Serialising a `Value` to a String cannot fail: its map keys are strings.
        self.buf
            .push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
        self
    }

    /// The JSON text.
    pub(crate) fn finish(self) -> String {
        if self.buf.is_empty() {
            "{}".into()
        } else {
            let mut buf = self.buf;
            buf.push('}');
            buf
        }
    }
}

fn push_str_literal(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            '\t' => buf.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                buf.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_and_escapes() {
        let text = Obj::new()
            .str("z", "a\"b\\c\n\u{1}")
            .num("a", 3600)
            .bool("m", true)
            .strs("scp", &["openid", "email"])
            .obj("inner", Obj::new().str("k", "v"))
            .opt_str("absent", None)
            .value("v", &serde_json::json!({"b": 1}))
            .finish();
        assert_eq!(
            text,
            r#"{"z":"a\"b\\c\n\u0001","a":3600,"m":true,"scp":["openid","email"],"inner":{"k":"v"},"v":{"b":1}}"#
        );
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["z"], "a\"b\\c\n\u{1}");
    }

    #[test]
    fn empty_object() {
        assert_eq!(Obj::new().finish(), "{}");
        assert_eq!(Obj::new().objs("l", vec![]).finish(), r#"{"l":[]}"#);
    }
}
