//! Hostile-input-safe reading of request bodies, query strings and forms.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};

/// The largest body any endpoint reads; Okta's requests are a few kilobytes.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// The longest query string read: Okta's front end refuses request lines of this order
/// (nginx's default is 8 KiB), and no real authorize URL comes close.
pub(crate) const MAX_QUERY: usize = 16 * 1024;
/// More parameters than any Okta request carries.
const MAX_PARAMS: usize = 64;

/// Why a query string or form was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParamsError {
    /// A name appeared twice (Okta: "multiple parameters with the same name").
    Duplicate,
    /// Absurdly many parameters.
    TooMany,
    /// A query string longer than [`MAX_QUERY`].
    TooLong,
}

/// Decoded `application/x-www-form-urlencoded` pairs, each name at most once.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a query string or form body. Invalid percent-escapes stay literal and invalid
    /// UTF-8 becomes U+FFFD, as servlet containers do; nothing here can panic.
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, ParamsError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if name.is_empty() && value.is_empty() {
                continue;
            }
            if pairs.len() >= MAX_PARAMS {
                return Err(ParamsError::TooMany);
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ParamsError::Duplicate);
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(Self { pairs })
    }

    /// The query string of a URI (empty when there is none), at most [`MAX_QUERY`] bytes.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, ParamsError> {
        let query = query.unwrap_or("");
        if query.len() > MAX_QUERY {
            return Err(ParamsError::TooLong);
        }
        Self::parse(query.as_bytes())
    }

    /// A parameter's value; an empty value counts as absent, as it does for Okta.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether the parameter was sent at all, even empty.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// Reads a body of at most [`MAX_BODY`] bytes; `None` when larger or broken off.
pub(crate) async fn read_body(body: Body) -> Option<Bytes> {
    axum::body::to_bytes(body, MAX_BODY).await.ok()
}

/// Whether the request declares a form body.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The form parameters of a POST: parsed when the body is a form, empty otherwise.
pub(crate) async fn form(headers: &HeaderMap, body: Body) -> Result<Params, FormError> {
    let bytes = read_body(body).await.ok_or(FormError::TooLarge)?;
    if !is_form(headers) {
        return Ok(Params::default());
    }
    Params::parse(&bytes).map_err(FormError::Params)
}

/// Why a form body could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FormError {
    TooLarge,
    Params(ParamsError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::test_support::{hostile_bytes, hostile_text, rng, show};

    #[test]
    fn decodes_and_rejects_duplicates() {
        let p = Params::parse(b"a=1&b=x%20y+z&c=&d=%ZZ&e=%FF").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), Some("x y z"));
        assert_eq!(p.get("c"), None);
        assert!(p.has("c"));
        assert_eq!(p.get("d"), Some("%ZZ"));
        assert_eq!(p.get("e"), Some("\u{fffd}"));
        assert_eq!(
            Params::parse(b"a=1&a=1").unwrap_err(),
            ParamsError::Duplicate
        );
        assert_eq!(
            Params::parse(b"a=1&a=2").unwrap_err(),
            ParamsError::Duplicate
        );
        assert!(Params::parse(b"&&&=&").unwrap().pairs.is_empty());
    }

    #[test]
    fn bounds_the_number_of_parameters() {
        let many: String = (0..MAX_PARAMS + 1).map(|i| format!("p{i}=v&")).collect();
        assert_eq!(
            Params::parse(many.as_bytes()).unwrap_err(),
            ParamsError::TooMany
        );
    }

    #[tokio::test]
    async fn bodies_are_bounded() {
        let big = Body::from(vec![b'a'; MAX_BODY + 1]);
        assert!(read_body(big).await.is_none());
        let ok = Body::from(vec![b'a'; MAX_BODY]);
        assert_eq!(read_body(ok).await.unwrap().len(), MAX_BODY);
    }

    #[test]
    fn form_content_type_detection() {
        let mut h = HeaderMap::new();
        assert!(!is_form(&h));
        h.insert(
            header::CONTENT_TYPE,
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8"
                .parse()
                .unwrap(),
        );
        assert!(is_form(&h));
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(!is_form(&h));
    }

    /// A form of names from the pieces with hostile values, so duplicates are common.
    fn hostile_form(rng: &mut rand::rngs::StdRng) -> Vec<u8> {
        use rand::Rng as _;
        let mut form = String::new();
        for _ in 0..rng.random_range(0..10) {
            if !form.is_empty() {
                form.push('&');
            }
            form.push_str(&hostile_text(rng, 1));
            form.push('=');
            form.push_str(&hostile_text(rng, 4));
        }
        form.into_bytes()
    }

    #[test]
    fn hostile_input_never_panics_and_agrees_with_form_urlencoded() {
        use rand::Rng as _;
        let (mut accepted, mut duplicates) = (0, 0);
        for seed in 0..4000u64 {
            let mut rng = rng(seed);
            let input = if rng.random_ratio(50, 100) {
                hostile_form(&mut rng)
            } else {
                hostile_bytes(&mut rng, 12)
            };
            let case = format!("seed {seed}: {}", show(&input));
            let reference: Vec<(String, String)> = url::form_urlencoded::parse(&input)
                .filter(|(n, v)| !(n.is_empty() && v.is_empty()))
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
            let mut names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            match Params::parse(&input) {
                Ok(p) => {
                    accepted += 1;
                    assert!(reference.len() <= MAX_PARAMS, "{case}");
                    assert_eq!(
                        names.len(),
                        reference.len(),
                        "{case}: a duplicate was accepted"
                    );
                    for (name, value) in &reference {
                        let want = Some(value.as_str()).filter(|v| !v.is_empty());
                        assert_eq!(p.get(name), want, "{case}");
                        assert!(p.has(name), "{case}");
                        // U+FFFD (3 bytes) for one bad byte is the largest growth.
                        assert!(value.len() <= 3 * input.len(), "{case}");
                    }
                }
                Err(ParamsError::Duplicate) => {
                    duplicates += 1;
                    assert!(names.len() < reference.len(), "{case}: no duplicate");
                }
                Err(ParamsError::TooMany) => assert!(reference.len() > MAX_PARAMS, "{case}"),
                Err(ParamsError::TooLong) => panic!("{case}: parse does not bound length"),
            }
            let text = String::from_utf8_lossy(&input);
            match Params::from_query(Some(&text)) {
                Err(ParamsError::TooLong) => assert!(text.len() > MAX_QUERY, "{case}"),
                _ => assert!(text.len() <= MAX_QUERY, "{case}"),
            }
        }
        assert!(accepted > 0 && duplicates > 0, "{accepted} {duplicates}");
    }
}
