//! The org in use: its URL and, per authorization server, the issuer, JWKS URI and default
//! audience a resource server under test is configured with.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use okta_fixtures_config::{Config, ORG_SERVER, Server};

/// The Okta org a fixtures.yaml points at (the embedded fake, started on first use, when it
/// says `org_url: fake`).
///
/// Cheap to clone. Configure the resource server under test from it, by the server's name in
/// fixtures.yaml:
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let org = okta_fixtures::org().await?;
/// let default = org.server("default")?;
/// assert_eq!(default.issuer(), format!("{}/oauth2/default", org.url()));
/// assert_eq!(default.jwks_uri(), format!("{}/oauth2/default/v1/keys", org.url()));
/// assert_eq!(default.audience(), "api://default");
/// assert_eq!(org.server("org")?.issuer(), org.url());
/// assert!(org.server("ordrs").unwrap_err().to_string().contains("did you mean `orders`?"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Org(Arc<Inner>);

struct Inner {
    url: String,
    config: Config,
    default_server: String,
    servers: BTreeMap<String, AuthorizationServer>,
    /// Servers whose discovery failed, with the error every use of them gets.
    broken: BTreeMap<String, crate::Error>,
    #[cfg(feature = "fake")]
    fake: Option<crate::fake::FakeOkta>,
}

impl Org {
    /// The org at `url` (no trailing slash), its servers where Okta's URL layout puts them.
    pub(crate) fn new(url: &str, config: &Config) -> Self {
        Org(Arc::new(Self::layout(url, config)))
    }

    fn layout(url: &str, config: &Config) -> Inner {
        let url = url.trim_end_matches('/');
        let servers = config
            .servers
            .values()
            .map(|s| (s.key.clone(), AuthorizationServer::at(url, s)))
            .collect();
        Inner {
            url: url.to_owned(),
            config: config.clone(),
            default_server: config.authorization_server.clone(),
            servers,
            broken: BTreeMap::new(),
            #[cfg(feature = "fake")]
            fake: None,
        }
    }

    /// The org of a running fake, which it keeps alive.
    #[cfg(feature = "fake")]
    pub(crate) fn with_fake(config: &Config, fake: crate::fake::FakeOkta) -> Self {
        let mut org = Self::new(fake.org_url(), config);
        if let Some(inner) = Arc::get_mut(&mut org.0) {
            inner.fake = Some(fake);
        }
        org
    }

    /// The org at `url` with the issuer and endpoints that discovery documents named for the
    /// `found` servers (by name) in place of those Okta's URL layout gives; a server whose
    /// discovery failed keeps its error, which every use of it gets.
    pub(crate) fn discovered(
        url: &str,
        config: &Config,
        found: Vec<(String, crate::Result<Endpoints>)>,
    ) -> Self {
        let mut inner = Self::layout(url, config);
        for (name, endpoints) in found {
            let endpoints = match endpoints {
                Ok(endpoints) => endpoints,
                Err(e) => {
                    inner.servers.remove(&name);
                    inner.broken.insert(name, e);
                    continue;
                }
            };
            if let Some(server) = inner.servers.get_mut(&name) {
                server.issuer = endpoints.issuer;
                server.authorize_url = endpoints.authorize_url;
                server.token_url = endpoints.token_url;
                server.jwks_uri = endpoints.jwks_uri;
                server.discovered = true;
            }
        }
        Org(Arc::new(inner))
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

    /// The authorization server fixtures.yaml calls `name`: `org`, `default` or a key of its
    /// `servers:`. An unknown name is an error naming the closest one; a server whose
    /// discovery document could not be read or used is [`crate::Error::Discovery`].
    pub fn server(&self, name: &str) -> crate::Result<AuthorizationServer> {
        if let Some(e) = self.0.broken.get(name) {
            return Err(e.clone());
        }
        self.0
            .servers
            .get(name)
            .cloned()
            .ok_or_else(|| crate::Error::unknown_server(&self.0.config, name, None))
    }

    /// The server apps use when they name none (`authorization_server` in fixtures.yaml).
    pub fn default_server(&self) -> crate::Result<AuthorizationServer> {
        self.server(&self.0.default_server)
    }

    /// Every server of fixtures.yaml (`org`, `default` and each of `servers:`) that can be
    /// used, sorted by name: those whose discovery failed are left out ([`Org::server`] gives
    /// their error).
    pub fn servers(&self) -> impl Iterator<Item = &AuthorizationServer> + '_ {
        self.0.servers.values()
    }
}

impl fmt::Debug for Org {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Org")
            .field("url", &self.0.url)
            .field("default_server", &self.0.default_server)
            .field("servers", &self.0.servers.keys().collect::<Vec<_>>())
            .field("fake", &self.is_fake())
            .finish()
    }
}

/// A server's issuer and endpoints as its discovery document names them.
#[derive(Debug)]
pub(crate) struct Endpoints {
    pub(crate) issuer: String,
    pub(crate) authorize_url: String,
    pub(crate) token_url: String,
    pub(crate) jwks_uri: String,
}

/// One authorization server of an org: where its endpoints are and what its tokens say.
///
/// For an org reached by URL, the issuer and endpoints of the servers in use (the apps'
/// and those of `servers:`) and of the org server come from their discovery documents; for
/// the embedded fake, and for servers nothing uses, from Okta's URL layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationServer {
    name: String,
    id: String,
    issuer: String,
    audience: String,
    authorize_url: String,
    token_url: String,
    jwks_uri: String,
    discovery_url: String,
    discovered: bool,
}

impl AuthorizationServer {
    /// `server` of the org at `org_url`, where Okta's URL layout puts its endpoints.
    fn at(org_url: &str, server: &Server) -> Self {
        let (issuer, endpoints) = if server.is_org() {
            // The org server's issuer is the org URL, but its endpoints sit under /oauth2.
            (org_url.to_owned(), format!("{org_url}/oauth2/v1"))
        } else {
            let issuer = format!("{org_url}/oauth2/{}", server.id);
            let endpoints = format!("{issuer}/v1");
            (issuer, endpoints)
        };
        AuthorizationServer {
            name: server.key.clone(),
            id: server.id.clone(),
            audience: server
                .audience
                .clone()
                .unwrap_or_else(|| org_url.to_owned()),
            authorize_url: format!("{endpoints}/authorize"),
            token_url: format!("{endpoints}/token"),
            jwks_uri: format!("{endpoints}/keys"),
            discovery_url: format!("{issuer}/.well-known/openid-configuration"),
            issuer,
            discovered: false,
        }
    }

    /// Whether its issuer and endpoints were read from its discovery document (an org reached
    /// by URL) rather than built from the org URL (the embedded fake).
    pub fn is_discovered(&self) -> bool {
        self.discovered
    }

    /// Its name in fixtures.yaml: `org`, `default` or a key of `servers:`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its Okta id: `org`, `default` or `aus…` (`servers.<name>.id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it is the org authorization server (`/oauth2/v1/...`).
    pub fn is_org(&self) -> bool {
        self.name == ORG_SERVER
    }

    /// The `iss` of its tokens, as discovery names it: with Okta's URL layout, the org URL for
    /// the org server and `{org}/oauth2/{id}` for a custom one; with a custom URL domain, that
    /// domain.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of its access tokens: `servers.<name>.audience` (`api://default` for
    /// `default`, the org URL for the org server).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Where its signing keys are published.
    pub fn jwks_uri(&self) -> &str {
        &self.jwks_uri
    }

    /// Its `/authorize` endpoint.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    /// Its `/token` endpoint.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// Its discovery document: `{issuer}/.well-known/openid-configuration` (for the org server,
    /// at the org URL).
    pub fn discovery_url(&self) -> &str {
        &self.discovery_url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap()
    }

    const YAML: &str = "org_url: https://dev-1.okta.com\nauthorization_server: default\nservers:\n  orders:\n    id: aus1orders\n    audience: https://orders.example.com\napps:\n  spa:\n    client_id: c\n    redirect_uri: http://localhost/cb\n    flow: code\n  legacy:\n    client_id: l\n    redirect_uri: http://localhost/cb\n    flow: implicit\n    authorization_server: org\nusers: {}\n";

    #[test]
    fn paths_follow_okta_for_org_and_custom_servers() {
        let org = Org::new("https://dev-1.okta.com/", &config(YAML));
        assert_eq!(org.url(), "https://dev-1.okta.com");
        let o = org.server("org").unwrap();
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
        let d = org.default_server().unwrap();
        assert_eq!((d.name(), d.id()), ("default", "default"));
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
    fn a_server_is_named_by_its_key_and_reached_by_its_okta_id() {
        let org = Org::new("https://dev-1.okta.com", &config(YAML));
        let names: Vec<&str> = org.servers().map(AuthorizationServer::name).collect();
        assert_eq!(names, ["default", "orders", "org"]);
        let orders = org.server("orders").unwrap();
        assert_eq!(orders.id(), "aus1orders");
        assert_eq!(orders.issuer(), "https://dev-1.okta.com/oauth2/aus1orders");
        assert_eq!(orders.audience(), "https://orders.example.com");
        let e = org.server("order").unwrap_err().to_string();
        assert!(
            e.contains("unknown authorization server `order`, did you mean `orders`?"),
            "{e}"
        );
        assert!(!org.is_fake());
    }
}
