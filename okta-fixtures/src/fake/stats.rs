//! Request and sign-in counts, so tests can assert how often Okta was asked (not how long it
//! took).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use okta_fixtures_config::FaultEndpoint;
use serde::Serialize;

use super::sessions::lock;

/// The endpoint families the fake counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// One that fixtures.yaml names (for faults), counted under that name.
    Named(FaultEndpoint),
    /// `/api/v1/authn/skip` and `/cancel`: faulted as `authn`, counted apart.
    AuthnSkip,
    AuthnCancel,
}

/// How many endpoint families are counted.
const COUNTED: usize = FaultEndpoint::NAMED.len() + 2;

impl Endpoint {
    /// The key in [`Stats`] and `/_fake/stats`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Endpoint::Named(e) => e.name(),
            Endpoint::AuthnSkip => "authn_skip",
            Endpoint::AuthnCancel => "authn_cancel",
        }
    }

    /// Every counted name, in the order of [`StatsRecorder`]'s counters.
    fn names() -> impl Iterator<Item = &'static str> {
        let named = FaultEndpoint::NAMED.iter().map(|(name, _)| *name);
        named.chain(["authn_skip", "authn_cancel"])
    }

    /// The endpoint an Okta path belongs to, if any.
    pub(crate) fn classify(path: &str) -> Option<Self> {
        const WELL_KNOWN: [&str; 2] = ["openid-configuration", "oauth-authorization-server"];
        if let Some(id) = path
            .strip_prefix("/api/v1/authn/factors/")
            .and_then(|rest| rest.strip_suffix("/verify"))
            && !id.is_empty()
            && !id.contains('/')
        {
            return Some(Endpoint::Named(FaultEndpoint::Verify));
        }
        match path {
            "/api/v1/authn" => return Some(Endpoint::Named(FaultEndpoint::Authn)),
            "/api/v1/authn/skip" => return Some(Endpoint::AuthnSkip),
            "/api/v1/authn/cancel" => return Some(Endpoint::AuthnCancel),
            _ => {}
        }
        if let Some(doc) = path.strip_prefix("/.well-known/") {
            let rfc8414 = doc
                .strip_prefix("oauth-authorization-server/oauth2/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'));
            return (WELL_KNOWN.contains(&doc) || rfc8414)
                .then_some(Endpoint::Named(FaultEndpoint::Discovery));
        }
        let segments: Vec<&str> = path.strip_prefix("/oauth2/")?.split('/').collect();
        let name = match segments.as_slice() {
            ["v1", name] => *name,
            [id, "v1", name] if !id.is_empty() => *name,
            [id, ".well-known", doc] if !id.is_empty() && WELL_KNOWN.contains(doc) => {
                return Some(Endpoint::Named(FaultEndpoint::Discovery));
            }
            _ => return None,
        };
        // Under /oauth2/…/v1/ every named endpoint but authn and discovery.
        FaultEndpoint::from_name(name)
            .filter(|e| !matches!(e, FaultEndpoint::Authn | FaultEndpoint::Discovery))
            .map(Endpoint::Named)
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
///                "keys": 0, "discovery": 0, "userinfo": 0, "introspect": 0, "revoke": 0,
///                "verify": 1},
///   "sign_ins": [{"username": "alice@example.com", "client_id": "spa-client",
///                 "server": "default", "count": 1}],
///   "verifications": [{"username": "alice@example.com", "ok": 1, "failed": 0, "replayed": 0}]
/// }
/// ```
///
/// `requests` counts every request that reached an endpoint, successful or not. A sign-in is
/// a user authorised for a client on an authorization server: a successful `/authorize`
/// (which hands out a code or tokens) or `password` grant. Redeeming the code does not count
/// again. `verifications` counts the one-time codes each user sent to a factor's `verify`:
/// accepted, refused (wrong, or the factor locked) and refused as already used; an injected
/// fault's answer is not counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    requests: BTreeMap<&'static str, u64>,
    sign_ins: Vec<SignIn>,
    verifications: Vec<UserVerifications>,
}

/// The one-time codes one user sent to a factor's `verify`, by outcome; see
/// [`Stats::verifications`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Verifications {
    /// Accepted: the transaction went on to `SUCCESS`.
    pub ok: u64,
    /// Refused: a wrong code, or any code while the factor is locked.
    pub failed: u64,
    /// Refused as already used (a step accepted before).
    pub replayed: u64,
}

/// What a verified code was found to be, for [`Verifications`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verified {
    Ok,
    Failed,
    Replayed,
}

/// One user's verifications, as `/_fake/stats` lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct UserVerifications {
    username: String,
    #[serde(flatten)]
    counts: Verifications,
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
    /// `"discovery"`, `"userinfo"`, `"introspect"`, `"revoke"`, `"verify"` (a factor's
    /// `/api/v1/authn/factors/{factorId}/verify`), `"authn_skip"`, `"authn_cancel"`); 0 for any
    /// other name.
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

    /// The one-time codes `username` sent to a factor's `verify`, by outcome (all 0 for a user
    /// who sent none).
    pub fn verifications(&self, username: &str) -> Verifications {
        self.verifications
            .iter()
            .find(|v| v.username == username)
            .map(|v| v.counts)
            .unwrap_or_default()
    }
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct StatsRecorder {
    requests: [AtomicU64; COUNTED],
    sign_ins: Mutex<BTreeMap<(String, String, String), u64>>,
    verifications: Mutex<BTreeMap<String, Verifications>>,
}

impl StatsRecorder {
    pub(crate) fn request(&self, endpoint: Endpoint) {
        let i = Endpoint::names()
            .position(|n| n == endpoint.name())
            .unwrap_or(0);
        self.requests[i].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn sign_in(&self, username: &str, client_id: &str, server: &str) {
        *lock(&self.sign_ins)
            .entry((username.to_owned(), client_id.to_owned(), server.to_owned()))
            .or_default() += 1;
    }

    /// Counts one code `username` sent to a factor's `verify`.
    pub(crate) fn verification(&self, username: &str, outcome: Verified) {
        let mut all = lock(&self.verifications);
        let counts = all.entry(username.to_owned()).or_default();
        match outcome {
            Verified::Ok => counts.ok += 1,
            Verified::Failed => counts.failed += 1,
            Verified::Replayed => counts.replayed += 1,
        }
    }

    /// Sets every count back to zero.
    pub(crate) fn clear(&self) {
        for n in &self.requests {
            n.store(0, Ordering::Relaxed);
        }
        lock(&self.sign_ins).clear();
        lock(&self.verifications).clear();
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests: Endpoint::names()
                .zip(&self.requests)
                .map(|(name, n)| (name, n.load(Ordering::Relaxed)))
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
            verifications: lock(&self.verifications)
                .iter()
                .map(|(username, counts)| UserVerifications {
                    username: username.clone(),
                    counts: *counts,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Endpoint::AuthnSkip;
    use FaultEndpoint as F;

    #[test]
    fn classifies_okta_paths() {
        let named = |e| Some(Endpoint::Named(e));
        let cases = [
            ("/api/v1/authn", named(F::Authn)),
            ("/api/v1/authn/skip", Some(AuthnSkip)),
            ("/api/v1/authn/factors/ost1/verify", named(F::Verify)),
            ("/api/v1/authn/factors//verify", None),
            ("/api/v1/authn/factors/a/b/verify", None),
            ("/oauth2/v1/authorize", named(F::Authorize)),
            ("/oauth2/default/v1/token", named(F::Token)),
            ("/oauth2/v1/keys", named(F::Keys)),
            ("/oauth2/aus1/v1/userinfo", named(F::Userinfo)),
            ("/.well-known/openid-configuration", named(F::Discovery)),
            (
                "/oauth2/default/.well-known/oauth-authorization-server",
                named(F::Discovery),
            ),
            (
                "/.well-known/oauth-authorization-server/oauth2/default",
                named(F::Discovery),
            ),
            ("/oauth2/a/b/v1/token", None),
            ("/oauth2/v1/nope", None),
            ("/oauth2/v1/authn", None),
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
        r.request(Endpoint::Named(F::Authn));
        r.request(Endpoint::Named(F::Authn));
        r.sign_in("alice@example.com", "spa-client", "default");
        let stats = r.snapshot();
        r.verification("carol@example.com", Verified::Ok);
        r.verification("carol@example.com", Verified::Failed);
        r.verification("carol@example.com", Verified::Failed);
        r.verification("carol@example.com", Verified::Replayed);
        let carol = r.snapshot().verifications("carol@example.com");
        assert_eq!((carol.ok, carol.failed, carol.replayed), (1, 2, 1));
        assert_eq!(stats.requests("authn"), 2);
        assert_eq!(stats.requests("token"), 0);
        assert_eq!(stats.requests("bogus"), 0);
        assert_eq!(
            stats.sign_ins("alice@example.com", "spa-client", "default"),
            1
        );
        assert_eq!(stats.sign_ins("alice@example.com", "spa-client", "org"), 0);
        assert_eq!(stats.total_sign_ins(), 1);
        assert_eq!(
            stats.verifications("alice@example.com"),
            Verifications::default()
        );
        let v = serde_json::to_value(&stats).unwrap();
        assert_eq!(v["requests"]["authn"], 2);
        assert_eq!(v["requests"].as_object().unwrap().len(), 11);
        assert_eq!(
            v["sign_ins"],
            serde_json::json!([{"username": "alice@example.com", "client_id": "spa-client", "server": "default", "count": 1}])
        );
    }
}
