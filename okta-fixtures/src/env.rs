//! The one place the library reads environment variables, so every layer reads them alike.

/// The variable `key`, if it is set and is Unicode.
pub(crate) fn var(key: &str) -> Option<String> {
    std::env::var(key).ok()
}
