//! The org in use: its URL and, per authorization server, the issuer, JWKS URI and default
//! audience a resource server under test is configured with.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use okta_fixtures_config::{Config, ORG_SERVER};

/// The Okta org a fixtures.yaml points at (the embedded fake, started on first use, when it
/// says `org_url: fake`).
///
/// Cheap to clone. Configure the resource server under test from it:
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let org = okta_fixtures::org().await?;
/// let default = org.server("default");
/// assert_eq!(default.issuer(), format!("{}/oauth2/default", org.url()));
/// assert_eq!(default.jwks_uri(), format!("{}/oauth2/default/v1/keys", org.url()));
/// assert_eq!(default.audience(), "api://default");
/// assert_eq!(org.server("org").issuer(), org.url());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Org(Arc<Inner>);

struct Inner {
    url: String,
    default_server: String,
    audiences: BTreeMap<String, String>,
    servers: Vec<String>,
    #[cfg(feature = "fake")]
    fake: Option<crate::fake::FakeOkta>,
}

impl Org {
    /// The org at `url` (no trailing slash), with the servers and audiences `config` names.
    pub(crate) fn new(url: &str, config: &Config) -> Self {
        Self::build(url, config, true)
    }

    /// The org of a running fake, which it keeps alive.
    #[cfg(feature = "fake")]
    pub(crate) fn with_fake(config: &Config, fake: crate::fake::FakeOkta) -> Self {
        let mut org = Self::build(fake.org_url().trim_end_matches('/'), config, false);
        if let Some(inner) = Arc::get_mut(&mut org.0) {
            inner.fake = Some(fake);
        }
        org
    }

    fn build(url: &str, config: &Config, real: bool) -> Self {
        let mut servers: Vec<String> = std::iter::once(config.authorization_server.clone())
            .chain(
                config
                    .apps
                    .values()
                    .filter_map(|a| a.authorization_server.clone()),
            )
            .chain(config.fake.servers.keys().cloned())
            .collect();
        servers.sort();
        servers.dedup();
        // Only the fake reads `fake.servers.*.audience`; a real org's custom servers get the
        // audience Okta gives new ones, `api://{id}` (`api://default` for `default`).
        let audiences = if real {
            BTreeMap::new()
        } else {
            config
                .fake
                .servers
                .iter()
                .filter_map(|(id, s)| Some((id.clone(), s.audience.clone()?)))
                .collect()
        };
        Org(Arc::new(Inner {
            url: url.trim_end_matches('/').to_owned(),
            default_server: config.authorization_server.clone(),
            audiences,
            servers,
            #[cfg(feature = "fake")]
            fake: None,
        }))
    }

    /// The org URL, e.g. `https://dev-123.okta.com` or the fake's `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// Whether this is the embedded fake.
    pub fn is_fake(&self) -> bool {
        #[cfg(feature = "fake")]
        {
            self.0.fake.is_some()
        }
        #[cfg(not(feature = "fake"))]
        {
            false
        }
    }

    /// The embedded fake serving this org, when it is one: its stats and controls.
    #[cfg(feature = "fake")]
    pub fn fake(&self) -> Option<&crate::fake::FakeOkta> {
        self.0.fake.as_ref()
    }

    /// An authorization server by id: `org` for the org server, else a custom server id.
    /// Any id is accepted (a real org may have servers fixtures.yaml does not name).
    pub fn server(&self, id: &str) -> AuthorizationServer {
        let issuer = if id == ORG_SERVER {
            self.0.url.clone()
        } else {
            format!("{}/oauth2/{id}", self.0.url)
        };
        let audience = match self.0.audiences.get(id) {
            Some(a) => a.clone(),
            None if id == ORG_SERVER => self.0.url.clone(),
            None => format!("api://{id}"),
        };
        AuthorizationServer {
            id: id.to_owned(),
            issuer,
            audience,
        }
    }

    /// The server apps use when they name none (`authorization_server` in fixtures.yaml).
    pub fn default_server(&self) -> AuthorizationServer {
        self.server(&self.0.default_server)
    }

    /// The servers fixtures.yaml names (its `authorization_server`, the apps' and the fake's),
    /// sorted by id.
    pub fn servers(&self) -> impl Iterator<Item = AuthorizationServer> + '_ {
        self.0.servers.iter().map(|id| self.server(id))
    }
}

impl fmt::Debug for Org {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Org")
            .field("url", &self.0.url)
            .field("default_server", &self.0.default_server)
            .field("servers", &self.0.servers)
            .field("fake", &self.is_fake())
            .finish()
    }
}

/// One authorization server of an org: where its endpoints are and what its tokens say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationServer {
    id: String,
    issuer: String,
    audience: String,
}

impl AuthorizationServer {
    /// Its id: `org`, or a custom server id such as `default`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it is the org authorization server (`/oauth2/v1/...`).
    pub fn is_org(&self) -> bool {
        self.id == ORG_SERVER
    }

    /// The `iss` of its tokens: the org URL for the org server, else `{org}/oauth2/{id}`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The default `aud` of its access tokens: the org URL for the org server, `api://{id}`
    /// for a custom server (on the fake, `fake.servers.{id}.audience` when set).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// `{issuer}/v1/keys`.
    pub fn jwks_uri(&self) -> String {
        self.endpoint("keys")
    }

    /// `{issuer}/v1/authorize`.
    pub fn authorize_url(&self) -> String {
        self.endpoint("authorize")
    }

    /// `{issuer}/v1/token`.
    pub fn token_url(&self) -> String {
        self.endpoint("token")
    }

    /// `{issuer}/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    fn endpoint(&self, name: &str) -> String {
        if self.is_org() {
            // The org server's issuer is the org URL, but its endpoints sit under /oauth2.
            format!("{}/oauth2/v1/{name}", self.issuer)
        } else {
            format!("{}/v1/{name}", self.issuer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap()
    }

    const YAML: &str = "org_url: https://dev-1.okta.com\nauthorization_server: default\napps:\n  spa:\n    client_id: c\n    redirect_uri: http://localhost/cb\n    flow: code\n  legacy:\n    client_id: l\n    redirect_uri: http://localhost/cb\n    flow: implicit\n    authorization_server: org\nusers: {}\nfake:\n  servers:\n    orders:\n      audience: https://orders.example.com\n";

    #[test]
    fn paths_follow_okta_for_org_and_custom_servers() {
        let org = Org::new("https://dev-1.okta.com/", &config(YAML));
        assert_eq!(org.url(), "https://dev-1.okta.com");
        let o = org.server("org");
        assert!(o.is_org());
        assert_eq!(o.issuer(), "https://dev-1.okta.com");
        assert_eq!(o.audience(), "https://dev-1.okta.com");
        assert_eq!(
            o.authorize_url(),
            "https://dev-1.okta.com/oauth2/v1/authorize"
        );
        assert_eq!(o.token_url(), "https://dev-1.okta.com/oauth2/v1/token");
        assert_eq!(o.jwks_uri(), "https://dev-1.okta.com/oauth2/v1/keys");
        assert_eq!(
            o.discovery_url(),
            "https://dev-1.okta.com/.well-known/openid-configuration"
        );
        let d = org.default_server();
        assert_eq!(d.id(), "default");
        assert_eq!(d.issuer(), "https://dev-1.okta.com/oauth2/default");
        assert_eq!(
            d.authorize_url(),
            "https://dev-1.okta.com/oauth2/default/v1/authorize"
        );
        assert_eq!(
            d.jwks_uri(),
            "https://dev-1.okta.com/oauth2/default/v1/keys"
        );
        assert_eq!(d.audience(), "api://default");
        assert_eq!(
            d.discovery_url(),
            "https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration"
        );
    }

    #[test]
    fn servers_named_by_the_file_are_listed_and_fake_audiences_apply_to_the_fake_only() {
        let c = config(YAML);
        let real = Org::new("https://dev-1.okta.com", &c);
        let ids: Vec<String> = real.servers().map(|s| s.id().to_owned()).collect();
        assert_eq!(ids, ["default", "orders", "org"]);
        assert_eq!(real.server("orders").audience(), "api://orders");
        let fake_like = Org::build("http://127.0.0.1:1", &c, false);
        assert_eq!(
            fake_like.server("orders").audience(),
            "https://orders.example.com"
        );
        assert!(!real.is_fake());
    }
}
