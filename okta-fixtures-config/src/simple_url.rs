//! The plain URLs of fixtures.yaml checked without the `url` crate: `https://dev-123.okta.com`
//! and `http://localhost:8080/login/callback`.
//!
//! The WHATWG parser is the authority, but on a cold start it was a quarter of loading the
//! config (its code is paged in for two short strings). These functions answer only for the
//! shapes whose reading is unambiguous (a lowercase DNS name or a dotted-quad address, an
//! optional port, a path of unreserved characters) and `None` for anything else, which the
//! caller hands to `url`. Tests hold both side by side.

/// `scheme://host[:port]` of an `http(s)` URL with nothing after its host but an optional
/// `/`, written as `url` writes it (default port dropped), without the trailing `/`.
pub(crate) fn origin(v: &str) -> Option<String> {
    let path = authority(after_scheme(v)?)?;
    if !(path.is_empty() || path == "/") {
        return None;
    }
    // Scheme, host and port are already as `url` writes them: the text is the origin.
    Some(v.strip_suffix('/').unwrap_or(v).to_owned())
}

/// `Some(true)` for a URI that is plainly a registrable redirect URI: `http(s)` with a host
/// and a plain path, or a private-use scheme (`com.example.app:/callback`) and a plain path.
/// `None` when `url` must decide.
pub(crate) fn redirect_uri(v: &str) -> Option<bool> {
    if let Some(rest) = after_scheme(v) {
        let path = authority(rest)?;
        return plain_path(path).then_some(true);
    }
    let (scheme, path) = v.split_once(":/")?;
    let private_use = scheme.contains('.')
        && scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')
        });
    (private_use && !path.starts_with('/') && plain_path(&v[scheme.len() + 1..])).then_some(true)
}

/// `http://…` or `https://…` (lowercase) → what follows `//`.
fn after_scheme(v: &str) -> Option<&str> {
    v.strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
}

/// `host[:port][/path]` → the path, when the host is a lowercase DNS name whose last label
/// starts with a letter, or four decimal octets, and the port has no leading zero, fits in 16
/// bits and is not the scheme's default (which `url` drops).
fn authority(rest: &str) -> Option<&str> {
    let end = rest.find('/').unwrap_or(rest.len());
    let (hostport, path) = rest.split_at(end);
    let (host, port) = match hostport.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (hostport, None),
    };
    if !(dns_name(host) || dotted_quad(host)) {
        return None;
    }
    if let Some(port) = port {
        let n: u16 = port.parse().ok()?;
        let canonical = !port.starts_with('0') && port.bytes().all(|b| b.is_ascii_digit());
        if !canonical || n == 80 || n == 443 {
            return None;
        }
    }
    Some(path)
}

fn dns_name(host: &str) -> bool {
    let labels_ok = host.split('.').all(|l| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    let last_is_name = host
        .rsplit('.')
        .next()
        .is_some_and(|l| l.starts_with(|c: char| c.is_ascii_lowercase()));
    labels_ok && last_is_name && !host.starts_with("xn--") && !host.contains(".xn--")
}

fn dotted_quad(host: &str) -> bool {
    host.split('.').count() == 4
        && host.split('.').all(|o| {
            !o.is_empty()
                && o.len() <= 3
                && o.bytes().all(|b| b.is_ascii_digit())
                && (o.len() == 1 || !o.starts_with('0'))
                && o.parse::<u8>().is_ok()
        })
}

/// Empty, or `/` then unreserved characters and `/`: nothing `url` would encode or resolve
/// (no `.` segments, no `%`, no query or fragment).
fn plain_path(path: &str) -> bool {
    path.is_empty()
        || (path.starts_with('/')
            && path.split('/').all(|seg| seg != "." && seg != "..")
            && path.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'~' | b'.')
            }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `url` makes of an org URL: `origin`'s answer when it answers.
    fn url_origin(v: &str) -> Option<String> {
        let url = url::Url::parse(v).ok()?;
        let ok = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        ok.then(|| url.to_string().trim_end_matches('/').to_owned())
    }

    const ORIGINS: &[&str] = &[
        "https://dev-123.okta.com",
        "https://dev-123.okta.com/",
        "http://localhost:8080",
        "http://127.0.0.1:36023/",
        "https://a.b-c.example:8443",
        "http://10.0.0.1",
    ];

    const LEFT_TO_URL: &[&str] = &[
        "HTTPS://dev.okta.com",
        "https://Dev.Okta.com",
        "https://dev.okta.com:443",
        "http://localhost:80",
        "http://localhost:08080",
        "http://localhost:99999",
        "http://127.1",
        "http://0x7f.0.0.1",
        "http://127.000.0.1",
        "http://256.0.0.1",
        "http://1.2.3.4.5",
        "https://xn--bcher-kva.example",
        "https://bücher.example",
        "https://dev.okta.com/oauth2/default",
        "https://dev.okta.com?x=1",
        "https://dev.okta.com#x",
        "https://user@dev.okta.com",
        "https://dev..okta.com",
        "https://dev.okta.com.",
        "https://[::1]:8080",
        "ftp://dev.okta.com",
        "https:/dev.okta.com",
        "https://",
        "https://dev.okta.com:",
    ];

    #[test]
    fn plain_org_urls_read_as_url_reads_them() {
        for v in ORIGINS {
            let fast = origin(v).unwrap_or_else(|| panic!("left to url: {v}"));
            assert_eq!(Some(fast), url_origin(v), "{v}");
        }
        for v in LEFT_TO_URL {
            assert_eq!(origin(v), None, "{v}");
        }
    }

    #[test]
    fn plain_redirect_uris_are_ones_url_accepts() {
        let plain = [
            "http://localhost:8080/login/callback",
            "https://app.example.com/authorization-code/callback",
            "http://127.0.0.1:3000/cb",
            "https://app.example.com",
            "com.example.app:/callback",
            "com.okta.dev-123:/callback",
        ];
        for v in plain {
            assert_eq!(redirect_uri(v), Some(true), "{v}");
            let url = url::Url::parse(v).unwrap();
            assert!(url.fragment().is_none() && !url.cannot_be_a_base(), "{v}");
        }
        let left = [
            "http://localhost:8080/cb#x",
            "http://localhost:8080/cb?x=1",
            "http://localhost:8080/a/../b",
            "http://localhost:8080/%41",
            "http://Localhost/cb",
            "myapp:/callback",
            "com.example.app://callback",
            "com.example.app:callback",
            "COM.example.app:/cb",
            "/callback",
            "callback",
            "http://localhost:80/cb",
        ];
        for v in left {
            assert_eq!(redirect_uri(v), None, "{v}");
        }
    }

    /// Built URLs from parts at the edges: whenever `origin` answers, `url` agrees.
    #[test]
    fn generated_origins_agree_with_url() {
        let schemes = ["http://", "https://", "HTTP://"];
        let hosts = [
            "localhost",
            "a.b",
            "1.2.3.4",
            "1.2.3",
            "01.2.3.4",
            "255.255.255.255",
            "a-b.c1",
            "a.1",
            "1a.b",
            "x.",
            ".x",
            "A.b",
            "a_b.c",
            "[::1]",
            "",
        ];
        let ports = [
            "", ":1", ":80", ":443", ":8080", ":65535", ":65536", ":0", ":01", ":",
        ];
        let tails = ["", "/", "//", "/x", "?", "#", "/?"];
        let mut answered = 0;
        for s in schemes {
            for h in hosts {
                for p in ports {
                    for t in tails {
                        let v = format!("{s}{h}{p}{t}");
                        if let Some(fast) = origin(&v) {
                            answered += 1;
                            assert_eq!(Some(fast), url_origin(&v), "{v}");
                        }
                    }
                }
            }
        }
        assert!(answered > 50, "{answered}");
    }
}
