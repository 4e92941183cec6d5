//! Access tokens made to order, for resource-server tests: expired, foreign, tampered or
//! oddly scoped tokens without signing anyone in or waiting for anything to expire.

use std::time::Duration;

use serde_json::Value;

use super::FakeState;
use super::ids;
use super::json::Obj;
use super::jwt;

/// How long before now an [`expired`](Mint::expired) token ran out: well beyond any clock
/// skew a verifier allows.
const EXPIRED_AGO: u64 = 3600;

/// A builder for an access token with chosen claims, signed by the fake's key of the chosen
/// server; made by [`FakeOkta::mint`](super::FakeOkta::mint).
///
/// By default the token is what the server would issue to the client in a `client_credentials`
/// grant: `ver`, `jti`, `iss`, `aud`, `iat`, `exp`, `cid`, `scp` and `sub` (= the client id),
/// in Okta's order. With [`user`](Mint::user) it is a user's token: `uid`, `auth_time`,
/// `sub` = the username, the server's `access_claims` (such as `groups`) and the user's own
/// claims from fixtures.yaml. Anything can then be replaced or added.
///
/// Nothing here fails: an unknown user is taken as a username that is not in fixtures.yaml,
/// an unknown server as a custom server of that id, signed by a key no server publishes (so
/// such a token fails verification as a foreign one should).
///
/// Each server signs with its own key, as on Okta: a token of one server does not verify with
/// another server's keys. An `org` token is signed, like Okta's org-server access tokens, by a
/// key published nowhere: a resource server must refuse it (unknown `kid`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use okta_fixtures::fake::FakeOkta;
///
/// # let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-keys-{}", std::process::id()));
/// let yaml = "
/// apps:
///   web: { client_id: web-client, client_secret: s3cret, redirect_uri: 'http://localhost/cb', flow: code }
/// users:
///   alice: { username: alice@example.com, password: correct-horse }
/// ";
/// let config = okta_fixtures::config::parse_str(yaml, None, &|_| None)?;
/// let fake = FakeOkta::builder().config(&config).key_dir(keys).start().await?;
///
/// let fine = fake
///     .mint()
///     .user("alice")
///     .client("web-client")
///     .scopes(["openid", "orders:read"])
///     .claim("tier", "gold")
///     .expires_in(Duration::from_secs(300))
///     .sign();
/// let expired = fake.mint().user("alice").expired().sign();
/// let tampered = fake.mint().user("alice").wrong_signature().sign();
/// let foreign = fake.mint().user("alice").issuer("https://evil.example.com").sign();
/// # let _ = (fine, expired, tampered, foreign);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a Mint does nothing until `sign` is called"]
pub struct Mint {
    st: FakeState,
    user: Option<String>,
    client: Option<String>,
    server: Option<String>,
    scopes: Option<Vec<String>>,
    claims: Vec<(String, Value)>,
    audience: Option<String>,
    issuer: Option<String>,
    lifetime: Option<Duration>,
    expired: bool,
    wrong_signature: bool,
}

impl Mint {
    pub(crate) fn new(st: FakeState) -> Self {
        Self {
            st,
            user: None,
            client: None,
            server: None,
            scopes: None,
            claims: Vec::new(),
            audience: None,
            issuer: None,
            lifetime: None,
            expired: false,
            wrong_signature: false,
        }
    }

    /// The user the token speaks for: a key of `users:` in fixtures.yaml or a username.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// `cid`. Default: the client id of the first app of fixtures.yaml (by key), else
    /// `minted-client`.
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client = Some(client_id.into());
        self
    }

    /// The authorization server (`org` or a custom id): its issuer, audience and signing
    /// key (on `org` a key it publishes nowhere). Default: fixtures.yaml's
    /// `authorization_server`.
    pub fn server(mut self, server_id: impl Into<String>) -> Self {
        self.server = Some(server_id.into());
        self
    }

    /// `scp`. Default: `openid profile email` for a user's token, none for a client's.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets claim `name`, replacing the standard or configured claim of that name in place.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        let value = value.into();
        match self.claims.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.claims.push((name, value)),
        }
        self
    }

    /// `aud`. Default: the server's audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// `iss`. Default: the server's issuer.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// `exp` − `iat`. Default: the server's access-token lifetime (1 h).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// A token that expired an hour ago (`iat` one lifetime earlier).
    pub fn expired(mut self) -> Self {
        self.expired = true;
        self
    }

    /// Signs with a key no server publishes while the header names the server's real `kid`:
    /// the signature check must fail.
    pub fn wrong_signature(mut self) -> Self {
        self.wrong_signature = true;
        self
    }

    /// The signed JWT.
    pub fn sign(self) -> String {
        let st = &self.st;
        let server_id = self
            .server
            .clone()
            .unwrap_or_else(|| st.dir.default_server.clone());
        let server = st.dir.server(&server_id);
        let org_server = server.map_or(server_id == okta_fixtures_config::ORG_SERVER, |s| {
            s.is_org()
        });
        let lifetimes = server.map(|s| s.lifetimes.clone()).unwrap_or_default();
        let lifetime = self.lifetime.unwrap_or(lifetimes.access_token).as_secs();
        let now = st.clock.epoch_secs();
        let exp = if self.expired {
            now.saturating_sub(EXPIRED_AGO)
        } else {
            now.saturating_add(lifetime)
        };
        let iat = exp.saturating_sub(lifetime);
        let client = self.client.clone().unwrap_or_else(|| {
            st.dir
                .apps()
                .first()
                .map_or_else(|| "minted-client".to_owned(), |a| a.client_id.clone())
        });
        let user_entry = self
            .user
            .as_deref()
            .and_then(|u| st.dir.user(u).or_else(|| st.dir.user_by_login(u)));
        let username = user_entry
            .map(|u| u.username.clone())
            .or_else(|| self.user.clone());
        let scopes = self.scopes.clone().unwrap_or_else(|| {
            if username.is_some() {
                ["openid", "profile", "email"].map(String::from).to_vec()
            } else {
                Vec::new()
            }
        });

        let mut claims: Vec<(String, Value)> = vec![
            ("ver".into(), 1.into()),
            ("jti".into(), ids::jti("AT").into()),
            (
                "iss".into(),
                server
                    .map_or_else(|| st.issuer(&server_id), |s| s.issuer.clone())
                    .into(),
            ),
            (
                "aud".into(),
                server
                    .map_or_else(
                        || {
                            if org_server {
                                st.org_url().to_owned()
                            } else {
                                format!("api://{server_id}")
                            }
                        },
                        |s| s.audience.clone(),
                    )
                    .into(),
            ),
            ("iat".into(), iat.into()),
            ("exp".into(), exp.into()),
            ("cid".into(), client.clone().into()),
        ];
        match &username {
            Some(name) => {
                let uid = user_entry.map_or_else(
                    || ids::stable_id("00u", &format!("user:{}", name.to_lowercase())),
                    |u| u.id.clone(),
                );
                claims.extend([
                    ("uid".into(), uid.into()),
                    ("scp".into(), scopes.into()),
                    ("auth_time".into(), iat.into()),
                    ("sub".into(), name.clone().into()),
                ]);
            }
            None => claims.extend([("scp".into(), scopes.into()), ("sub".into(), client.into())]),
        }
        let mut add = |name: &str, value: Value| {
            if !claims.iter().any(|(n, _)| n == name) {
                claims.push((name.to_owned(), value));
            }
        };
        if let Some(server) = server {
            for (name, value) in &server.access_claims {
                let value = match value {
                    okta_fixtures_config::ClaimValue::Groups => {
                        user_entry.map(|u| Value::from(u.groups.clone()))
                    }
                    okta_fixtures_config::ClaimValue::Value(v) => Some(v.clone()),
                };
                if let Some(v) = value {
                    add(name, v);
                }
            }
        }
        if let Some(user) = user_entry {
            for (name, value) in &user.claims {
                add(name, value.clone());
            }
        }
        for (name, value) in self
            .issuer
            .iter()
            .map(|i| ("iss", Value::from(i.as_str())))
            .chain(
                self.audience
                    .iter()
                    .map(|a| ("aud", Value::from(a.as_str()))),
            )
        {
            set(&mut claims, name, value);
        }
        for (name, value) in self.claims {
            set(&mut claims, &name, value);
        }

        let payload = claims
            .iter()
            .fold(Obj::new(), |obj, (name, value)| obj.value(name, value))
            .finish();
        let key = st.keys.signing(&server_id).access;
        if self.wrong_signature {
            jwt::sign_as(key.header_b64(), st.keys.unpublished(), &payload)
        } else {
            jwt::sign(&key, &payload)
        }
    }
}

/// Replaces claim `name` in place, or appends it.
fn set(claims: &mut Vec<(String, Value)>, name: &str, value: Value) {
    match claims.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => *v = value,
        None => claims.push((name.to_owned(), value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::test_support;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const YAML: &str = r#"
authorization_server: default
apps:
  web: { client_id: web-client, client_secret: s, redirect_uri: "http://localhost/cb", flow: code }
users:
  alice: { username: alice@example.com, password: pw }
fake:
  users:
    alice: { groups: [admins], claims: { team: blue } }
  servers:
    default: { access_claims: { groups: $groups } }
"#;

    fn part(token: &str, i: usize) -> Value {
        let raw = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    }

    /// The payload's text (serde_json's map would sort the keys).
    fn payload_text(token: &str) -> String {
        let raw = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap();
        String::from_utf8(raw).unwrap()
    }

    #[test]
    fn user_tokens_carry_okta_claims_and_overrides() {
        let st = test_support::state(YAML);
        let t = st
            .mint()
            .user("alice")
            .scopes(["openid", "orders:read"])
            .claim("tier", "gold")
            .claim("team", "red")
            .claim("sub", "someone-else")
            .expires_in(Duration::from_secs(60))
            .sign();
        let c = part(&t, 1);
        assert_eq!(c["iss"], "http://127.0.0.1:1/oauth2/default");
        assert_eq!(c["aud"], "api://default");
        assert_eq!(c["cid"], "web-client");
        assert_eq!(c["uid"], st.dir.user("alice").unwrap().id.as_str());
        assert_eq!(c["scp"], serde_json::json!(["openid", "orders:read"]));
        assert_eq!(c["groups"], serde_json::json!(["admins"]));
        assert_eq!(c["team"], "red");
        assert_eq!(c["tier"], "gold");
        assert_eq!(c["sub"], "someone-else");
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 60);
        assert!(c["jti"].as_str().unwrap().starts_with("AT."));
        let keys = st.keys.get("default").unwrap();
        let v = jwt::verify(&t, &keys.access_verifiers()).unwrap();
        assert_eq!(v.str("tier"), Some("gold"));
        // Order as Okta writes it, overrides in place, additions last.
        let text = payload_text(&t);
        let pos = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        assert!(pos("ver") < pos("jti") && pos("cid") < pos("uid") && pos("sub") < pos("groups"));
        assert!(text.starts_with(r#"{"ver":1,"jti":"AT."#), "{text}");
        assert!(text.ends_with(r#","tier":"gold"}"#), "{text}");
        assert!(pos("sub") < pos("team"));
    }

    #[test]
    fn client_tokens_expired_foreign_and_tampered() {
        let st = test_support::state(YAML);
        let keys = st.keys.get("default").unwrap();
        let org_keys = st.keys.get("org").unwrap();
        let svc = part(&st.mint().sign(), 1);
        assert_eq!(svc["sub"], "web-client");
        assert!(svc.get("uid").is_none());
        assert_eq!(svc["scp"], serde_json::json!([]));

        let expired = part(&st.mint().user("alice@example.com").expired().sign(), 1);
        assert!(expired["exp"].as_u64().unwrap() + 3000 < st.clock.epoch_secs());
        assert_eq!(expired["sub"], "alice@example.com");

        let org = st.mint().server("org").user("mallory@example.com").sign();
        let c = part(&org, 1);
        assert_eq!(c["iss"], "http://127.0.0.1:1");
        assert_eq!(c["aud"], "http://127.0.0.1:1");
        assert!(c["uid"].as_str().unwrap().starts_with("00u"));
        assert!(jwt::verify(&org, &org_keys.access_verifiers()).is_some());
        assert!(jwt::verify(&org, &org_keys.id_verifiers()).is_none());
        assert!(jwt::verify(&org, &keys.access_verifiers()).is_none());

        let nope = st.mint().server("nope").audience("api://x").sign();
        let other = part(&nope, 1);
        assert_eq!(other["iss"], "http://127.0.0.1:1/oauth2/nope");
        assert_eq!(other["aud"], "api://x");
        assert_eq!(part(&nope, 0)["kid"], st.keys.unpublished().kid());
        for server in ["org", "default"] {
            let published = st.keys.get(server).unwrap();
            assert!(jwt::verify(&nope, &published.id_verifiers()).is_none());
        }

        let tampered = st.mint().user("alice").wrong_signature().sign();
        assert_eq!(part(&tampered, 0)["kid"], keys.current.id.kid());
        assert!(jwt::verify(&tampered, &keys.access_verifiers()).is_none());
        let foreign = st.mint().issuer("https://evil.example.com").sign();
        assert_eq!(part(&foreign, 1)["iss"], "https://evil.example.com");
        assert!(jwt::verify(&foreign, &keys.access_verifiers()).is_some());
    }
}
