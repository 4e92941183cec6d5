//! Ordered JSON objects for the fake's bodies and token payloads.
//!
//! Okta emits keys in a fixed order (`token_type, expires_in, access_token, …`, claims as in
//! section 6 of the wire reference) and serde_json's `Map` sorts them, so an `Obj` keeps its
//! fields in insertion order and lets serde_json write them.

use serde::{Serialize, Serializer};
use serde_json::Value;

/// A JSON object under construction; keys come out in insertion order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Obj {
    fields: Vec<(String, Field)>,
}

/// One field's value: nested objects keep their own order.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Field {
    Value(Value),
    Obj(Obj),
    Objs(Vec<Obj>),
}

impl Obj {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn with(mut self, key: &str, value: Field) -> Self {
        self.fields.push((key.to_owned(), value));
        self
    }

    /// `"key":"value"`
    pub(crate) fn str(self, key: &str, value: &str) -> Self {
        self.with(key, Field::Value(value.into()))
    }

    /// `"key":"value"` when `value` is `Some`.
    pub(crate) fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    /// `"key":123`
    pub(crate) fn num(self, key: &str, value: u64) -> Self {
        self.with(key, Field::Value(value.into()))
    }

    /// `"key":true`
    pub(crate) fn bool(self, key: &str, value: bool) -> Self {
        self.with(key, Field::Value(value.into()))
    }

    /// `"key":["a","b"]`
    pub(crate) fn strs<S: AsRef<str>>(self, key: &str, values: &[S]) -> Self {
        let list = values.iter().map(|v| Value::from(v.as_ref())).collect();
        self.with(key, Field::Value(Value::Array(list)))
    }

    /// `"key":{…}` from another object.
    pub(crate) fn obj(self, key: &str, value: Obj) -> Self {
        self.with(key, Field::Obj(value))
    }

    /// `"key":[{…},{…}]`
    pub(crate) fn objs(self, key: &str, values: Vec<Obj>) -> Self {
        self.with(key, Field::Objs(values))
    }

    /// `"key":<any JSON value>`
    pub(crate) fn value(self, key: &str, value: &Value) -> Self {
        self.with(key, Field::Value(value.clone()))
    }

    /// The JSON text.
    pub(crate) fn finish(self) -> String {
        // Serialising cannot fail: every key is a string and every value plain data.
        serde_json::to_string(&self).unwrap_or_else(|_| "{}".into())
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.fields.iter().map(|(k, v)| (k, v)))
    }
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
            .obj("inner", Obj::new().str("k", "v").str("a", "w"))
            .opt_str("absent", None)
            .value("v", &serde_json::json!({"b": 1}))
            .finish();
        assert_eq!(
            text,
            r#"{"z":"a\"b\\c\n\u0001","a":3600,"m":true,"scp":["openid","email"],"inner":{"k":"v","a":"w"},"v":{"b":1}}"#
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
