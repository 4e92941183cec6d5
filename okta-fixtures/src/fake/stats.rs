//! Request and sign-in counts, so tests can assert how often Okta was asked (not how long it
//! took).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::sessions::lock;

/// The endpoint families the fake counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Authn,
    AuthnSkip,
    AuthnCancel,
    Authorize,
    Token,
    Keys,
    Discovery,
    Userinfo,
    Introspect,
    Revoke,
}

impl Endpoint {
    const ALL: [Endpoint; 10] = [
        Endpoint::Authn,
        Endpoint::AuthnSkip,
        Endpoint::AuthnCancel,
        Endpoint::Authorize,
        Endpoint::Token,
        Endpoint::Keys,
        Endpoint::Discovery,
        Endpoint::Userinfo,
        Endpoint::Introspect,
        Endpoint::Revoke,
    ];

    /// The key in [`Stats`] and `/_fake/stats`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Endpoint::Authn => "authn",
            Endpoint::AuthnSkip => "authn_skip",
            Endpoint::AuthnCancel => "authn_cancel",
            Endpoint::Authorize => "authorize",
            Endpoint::Token => "token",
            Endpoint::Keys => "keys",
            Endpoint::Discovery => "discovery",
            Endpoint::Userinfo => "userinfo",
            Endpoint::Introspect => "introspect",
            Endpoint::Revoke => "revoke",
        }
    }

    /// The endpoint an Okta path belongs to, if any.
    pub(crate) fn classify(path: &str) -> Option<Self> {
        const WELL_KNOWN: [&str; 2] = ["openid-configuration", "oauth-authorization-server"];
        match path {
            "/api/v1/authn" => return Some(Endpoint::Authn),
            "/api/v1/authn/skip" => return Some(Endpoint::AuthnSkip),
            "/api/v1/authn/cancel" => return Some(Endpoint::AuthnCancel),
            _ => {}
        }
        if let Some(doc) = path.strip_prefix("/.well-known/") {
            let rfc8414 = doc
                .strip_prefix("oauth-authorization-server/oauth2/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'));
            return (WELL_KNOWN.contains(&doc) || rfc8414).then_some(Endpoint::Discovery);
        }
        let segments: Vec<&str> = path.strip_prefix("/oauth2/")?.split('/').collect();
        let name = match segments.as_slice() {
            ["v1", name] => *name,
            [id, "v1", name] if !id.is_empty() => *name,
            [id, ".well-known", doc] if !id.is_empty() && WELL_KNOWN.contains(doc) => {
                return Some(Endpoint::Discovery);
            }
            _ => return None,
        };
        Some(match name {
            "authorize" => Endpoint::Authorize,
            "token" => Endpoint::Token,
            "keys" => Endpoint::Keys,
            "userinfo" => Endpoint::Userinfo,
            "introspect" => Endpoint::Introspect,
            "revoke" => Endpoint::Revoke,
            _ => return None,
        })
    }
}

/// A snapshot of what a [`FakeOkta`](super::FakeOkta) has been asked.
///
/// Serialised (by [`FakeOkta::stats`](super::FakeOkta::stats)'s caller or by
/// `GET /_fake/stats`) as:
///
/// ```json
/// {
///   "requests": {"authn": 1, "authn_skip": 0, "authn_cancel": 0, "authorize": 1, "token": 1,
///                "keys": 0, "discovery": 0, "userinfo": 0, "introspect": 0, "revoke": 0},
///   "sign_ins": [{"username": "alice@example.com", "client_id": "spa-client",
///                 "server": "default", "count": 1}]
/// }
/// ```
///
/// `requests` counts every request that reached an endpoint, successful or not. A sign-in is
/// a user authorised for a client on an authorization server: a successful `/authorize`
/// (which hands out a code or tokens) or `password` grant. Redeeming the code does not count
/// again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    requests: BTreeMap<&'static str, u64>,
    sign_ins: Vec<SignIn>,
}

/// Sign-ins of one user with one client on one authorization server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct SignIn {
    username: String,
    client_id: String,
    server: String,
    count: u64,
}

impl Stats {
    /// Requests that reached `endpoint` (`"authn"`, `"authorize"`, `"token"`, `"keys"`,
    /// `"discovery"`, `"userinfo"`, `"introspect"`, `"revoke"`, `"authn_skip"`,
    /// `"authn_cancel"`); 0 for any other name.
    pub fn requests(&self, endpoint: &str) -> u64 {
        self.requests.get(endpoint).copied().unwrap_or(0)
    }

    /// Sign-ins of `username` with `client_id` on `server` (`"org"` or a custom server id).
    pub fn sign_ins(&self, username: &str, client_id: &str, server: &str) -> u64 {
        self.sign_ins
            .iter()
            .find(|s| s.username == username && s.client_id == client_id && s.server == server)
            .map_or(0, |s| s.count)
    }

    /// Sign-ins of everyone with every client.
    pub fn total_sign_ins(&self) -> u64 {
        self.sign_ins.iter().map(|s| s.count).sum()
    }
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct StatsRecorder {
    requests: [AtomicU64; Endpoint::ALL.len()],
    sign_ins: Mutex<BTreeMap<(String, String, String), u64>>,
}

impl StatsRecorder {
    pub(crate) fn request(&self, endpoint: Endpoint) {
        let i = Endpoint::ALL
            .iter()
            .position(|e| *e == endpoint)
            .unwrap_or(0);
        self.requests[i].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sign_in(&self, username: &str, client_id: &str, server: &str) {
        *lock(&self.sign_ins)
            .entry((username.to_owned(), client_id.to_owned(), server.to_owned()))
            .or_default() += 1;
    }

    /// Sets every count back to zero.
    pub(crate) fn clear(&self) {
        for n in &self.requests {
            n.store(0, Ordering::Relaxed);
        }
        lock(&self.sign_ins).clear();
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests: Endpoint::ALL
                .iter()
                .zip(&self.requests)
                .map(|(e, n)| (e.name(), n.load(Ordering::Relaxed)))
                .collect(),
            sign_ins: lock(&self.sign_ins)
                .iter()
                .map(|((username, client_id, server), count)| SignIn {
                    username: username.clone(),
                    client_id: client_id.clone(),
                    server: server.clone(),
                    count: *count,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_okta_paths() {
        let cases = [
            ("/api/v1/authn", Some(Endpoint::Authn)),
            ("/api/v1/authn/skip", Some(Endpoint::AuthnSkip)),
            ("/oauth2/v1/authorize", Some(Endpoint::Authorize)),
            ("/oauth2/default/v1/token", Some(Endpoint::Token)),
            ("/oauth2/v1/keys", Some(Endpoint::Keys)),
            ("/oauth2/aus1/v1/userinfo", Some(Endpoint::Userinfo)),
            (
                "/.well-known/openid-configuration",
                Some(Endpoint::Discovery),
            ),
            (
                "/oauth2/default/.well-known/oauth-authorization-server",
                Some(Endpoint::Discovery),
            ),
            (
                "/.well-known/oauth-authorization-server/oauth2/default",
                Some(Endpoint::Discovery),
            ),
            ("/oauth2/a/b/v1/token", None),
            ("/oauth2/v1/nope", None),
            ("/oauth2/default/v2/token", None),
            ("/", None),
            ("/_fake/stats", None),
        ];
        for (path, want) in cases {
            assert_eq!(Endpoint::classify(path), want, "{path}");
        }
    }

    #[test]
    fn snapshot_serialises_to_the_documented_shape() {
        let r = StatsRecorder::default();
        r.request(Endpoint::Authn);
        r.request(Endpoint::Authn);
        r.sign_in("alice@example.com", "spa-client", "default");
        let stats = r.snapshot();
        assert_eq!(stats.requests("authn"), 2);
        assert_eq!(stats.requests("token"), 0);
        assert_eq!(stats.requests("bogus"), 0);
        assert_eq!(
            stats.sign_ins("alice@example.com", "spa-client", "default"),
            1
        );
        assert_eq!(stats.sign_ins("alice@example.com", "spa-client", "org"), 0);
        assert_eq!(stats.total_sign_ins(), 1);
        let v = serde_json::to_value(&stats).unwrap();
        assert_eq!(v["requests"]["authn"], 2);
        assert_eq!(v["requests"].as_object().unwrap().len(), 10);
        assert_eq!(
            v["sign_ins"],
            serde_json::json!([{"username": "alice@example.com", "client_id": "spa-client", "server": "default", "count": 1}])
        );
    }
}
