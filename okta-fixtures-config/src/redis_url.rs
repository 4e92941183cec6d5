//! `cache.redis_url`: a Redis URL that may hold a password, shown as `scheme://host:port` only.

use std::fmt;

/// The URL of the Redis server of `cache.store: redis` (`redis://` or `rediss://`). It may hold
/// a user and password (`redis://user:password@host:6379/0`), so, like a [`crate::Secret`], its
/// `Debug` and `Display` show only `scheme://host:port`, and only [`RedisUrl::expose`] reads the
/// whole URL.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    url: url::Url,
}

impl RedisUrl {
    /// The URL if it is a `redis://` or `rediss://` URL with a host; `Err` says what is wrong,
    /// quoting nothing of it.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let url = url::Url::parse(value.trim()).map_err(|_| {
            "expected a Redis URL such as `redis://localhost:6379` or `rediss://user:password@redis.example.com:6380`"
        })?;
        if !matches!(url.scheme(), "redis" | "rediss") {
            return Err(
                "expected `redis://` or `rediss://` (TLS); Unix sockets, Redis Cluster and Sentinel are not supported",
            );
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the Redis URL has no host");
        }
        let db = url.path().trim_start_matches('/');
        if !db.is_empty() && db.parse::<u16>().is_err() {
            return Err("the Redis URL's path is not a database number (`/0` … `/15`)");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(
                "the Redis URL has a query or fragment; give `scheme://[user:password@]host[:port][/db]`",
            );
        }
        Ok(RedisUrl { url })
    }

    /// The whole URL, password included. Every call site is a place where a secret leaves its
    /// box: keep them few.
    pub fn expose(&self) -> &str {
        self.url.as_str()
    }

    /// Whether it is `rediss://` (TLS).
    pub fn is_tls(&self) -> bool {
        self.url.scheme() == "rediss"
    }

    /// The host, as written (`[::1]` for IPv6).
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The port: the URL's, else Redis's 6379.
    pub fn port(&self) -> u16 {
        self.url.port().unwrap_or(6379)
    }

    /// Whether the host is this machine (localhost, 127.0.0.0/8, ::1).
    pub fn is_loopback(&self) -> bool {
        // `redis://` is not a scheme the URL standard knows, so its IP hosts parse as names.
        let host = self.host().trim_start_matches('[').trim_end_matches(']');
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        }
    }

    /// Whether it holds a password.
    pub fn has_password(&self) -> bool {
        self.url.password().is_some()
    }

    /// The password, if any (to keep it out of error messages).
    pub fn password(&self) -> Option<&str> {
        self.url.password()
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.url.scheme(), self.host(), self.port())
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_scheme_host_and_port_only() {
        let u = RedisUrl::parse("rediss://ci:hunter2@redis.example.com/2").unwrap();
        assert_eq!(u.to_string(), "rediss://redis.example.com:6379");
        assert_eq!(
            format!("{u:?}"),
            "RedisUrl(rediss://redis.example.com:6379)"
        );
        assert!(u.expose().contains("hunter2"));
        assert!(u.is_tls() && !u.is_loopback() && u.has_password());
        let local = RedisUrl::parse("redis://127.0.0.1:7001").unwrap();
        assert_eq!((local.port(), local.is_loopback()), (7001, true));
        for (url, loopback) in [
            ("redis://localhost", true),
            ("redis://127.0.0.2", true),
            ("redis://[::1]:6379", true),
            ("rediss://10.0.0.1", false),
            ("redis://redis", false),
            ("redis://127.0.0.1.example.com", false),
        ] {
            assert_eq!(
                RedisUrl::parse(url).unwrap().is_loopback(),
                loopback,
                "{url}"
            );
        }
        for bad in [
            "http://x",
            "unix:///tmp/redis.sock",
            "redis://",
            "not a url",
            "redis://h?db=1",
            "redis://h/cache",
        ] {
            let e = RedisUrl::parse(bad).unwrap_err();
            assert!(!e.contains(bad), "{e}");
        }
    }
}
