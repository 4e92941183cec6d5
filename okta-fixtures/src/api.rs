//! The public functions and the request builder. Each request resolves to a
//! [`Context`] (one per fixtures.yaml) and a cache key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use okta_fixtures_config::{App, Config, Flow, OrgUrl, User};

use crate::cache::{Key, TokenClock};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::flow::Plan;
use crate::org::Org;
use crate::registry;
use crate::tokens::Tokens;
use crate::worker;

/// Signs `user` in with their default app and scopes (or serves cached tokens).
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let tokens = okta_fixtures::tokens("alice").await?;
/// assert!(tokens.access_token().starts_with("eyJ"));
/// # Ok(()) }
/// ```
pub async fn tokens(user: &str) -> Result<Tokens> {
    request(user).tokens().await
}

/// The tokens of a service app (`flow: client_credentials`).
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let tokens = okta_fixtures::app_tokens("reports").await?;
/// assert_eq!(tokens.user(), None);
/// assert_eq!(tokens.scopes(), ["reports:read"]);
/// # Ok(()) }
/// ```
pub async fn app_tokens(app: &str) -> Result<Tokens> {
    app_request(app).tokens().await
}

/// A request for `user`'s tokens, to choose the app, scopes, server or config first.
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let tokens = okta_fixtures::request("alice")
///     .app("web")
///     .scopes(["openid", "orders:read"])
///     .server("default")
///     .tokens()
///     .await?;
/// assert_eq!(tokens.app(), "web");
/// assert!(tokens.scopes().contains(&"orders:read".to_string()));
/// # Ok(()) }
/// ```
pub fn request(user: impl Into<String>) -> TokenRequest {
    TokenRequest::new(Who::user(user), Source::discover())
}

/// A request for a service app's tokens (`flow: client_credentials`).
pub fn app_request(app: impl Into<String>) -> TokenRequest {
    TokenRequest::new(Who::App(app.into()), Source::discover())
}

/// The org fixtures.yaml points at, starting the embedded fake when it says `org_url: fake`.
///
/// See [`Org`] for an example.
pub async fn org() -> Result<Org> {
    Source::discover().fixtures()?.org().await
}

/// One fixtures.yaml in use: its config, its org (the embedded fake starts on first use) and
/// its token cache.
///
/// The free functions ([`tokens`], [`request`], [`org`]) use the fixtures.yaml they discover,
/// one `Fixtures` per file for the whole process. Build your own from a [`Config`] for a test
/// that needs a config of its own, e.g. an independent fake with its own stats:
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let yaml = r#"
/// org_url: fake
/// apps:
///   spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/cb", flow: code }
/// users:
///   carol: { username: carol@example.com, password: pw, app: spa }
/// "#;
/// let config = okta_fixtures::config::parse_str(yaml, None, &|_| None)?;
/// let fixtures = okta_fixtures::Fixtures::new(config);
/// let tokens = fixtures.request("carol").tokens().await?;
/// assert_eq!(tokens.username(), Some("carol@example.com"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Fixtures(Arc<Context>);

impl Fixtures {
    /// Fixtures of their own for `config`: their own cache, and their own fake when
    /// `org_url: fake`.
    ///
    /// The cache is in memory, and also on disk (shared with other processes) when the config
    /// was read from a file, names an org by URL and keeps `cache.store: disk`.
    pub fn new(config: Config) -> Self {
        Self::builder(config).build()
    }

    /// Options beyond the config, for okta-fixtures' own tests and benchmarks: hidden and
    /// exempt from semver.
    #[doc(hidden)]
    pub fn builder(config: Config) -> FixturesBuilder {
        FixturesBuilder {
            config,
            cache_dir: None,
            clock: TokenClock::System,
        }
    }

    /// The process-wide fixtures of the file at `path` (loaded once per process).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Source::Discover {
            config: Some(path.as_ref().to_path_buf()),
            start_dir: None,
        }
        .fixtures()
    }

    /// The process-wide fixtures of the discovered fixtures.yaml: `$OKTA_FIXTURES_CONFIG`, else
    /// `fixtures.yaml` in `$CARGO_MANIFEST_DIR` (else the current folder) or the nearest parent
    /// folder that has one.
    pub fn discover() -> Result<Self> {
        Source::discover().fixtures()
    }

    /// The config.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// A request for `user`'s tokens.
    pub fn request(&self, user: impl Into<String>) -> TokenRequest {
        TokenRequest::new(Who::user(user), Source::Fixtures(self.clone()))
    }

    /// A request for a service app's tokens.
    pub fn app_request(&self, app: impl Into<String>) -> TokenRequest {
        TokenRequest::new(Who::App(app.into()), Source::Fixtures(self.clone()))
    }

    /// The org, starting the embedded fake on first use when `org_url: fake`.
    pub async fn org(&self) -> Result<Org> {
        if let Some(org) = self.0.started_org() {
            return Ok(org.clone());
        }
        let ctx = self.0.clone();
        worker::run(async move { ctx.org().await }).await
    }

    /// [`Fixtures::org`] for sync code; safe inside any runtime.
    pub fn blocking_org(&self) -> Result<Org> {
        if let Some(org) = self.0.started_org() {
            return Ok(org.clone());
        }
        let ctx = self.0.clone();
        worker::block_on(async move { ctx.org().await })
    }
}

/// Builds [`Fixtures`] with options beyond the config (hidden: for okta-fixtures' own tests and
/// benchmarks).
#[doc(hidden)]
#[must_use = "a builder does nothing until .build()"]
pub struct FixturesBuilder {
    config: Config,
    cache_dir: Option<PathBuf>,
    clock: TokenClock,
}

impl FixturesBuilder {
    /// Keeps the disk cache under `dir` instead of [`crate::dirs::cache_root`].
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Ages cached tokens by the fake's `clock` (and runs the embedded fake of `org_url: fake`
    /// on it), so a test moves time forward instead of sleeping.
    #[cfg(feature = "fake")]
    pub fn clock(mut self, clock: crate::fake::Clock) -> Self {
        self.clock = TokenClock::Fake(clock);
        self
    }

    /// The fixtures.
    pub fn build(self) -> Fixtures {
        Fixtures(Arc::new(Context::new(
            self.config,
            self.cache_dir,
            self.clock,
        )))
    }
}

impl fmt::Debug for FixturesBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixturesBuilder")
            .field("source", &self.config.source)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Fixtures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixtures")
            .field("source", &self.0.config.source)
            .field("org_url", &self.0.config.org_url)
            .finish_non_exhaustive()
    }
}

/// A request for tokens: choose the app, scopes, server, config, or skip the cache, then call
/// [`tokens`](TokenRequest::tokens) or [`blocking_tokens`](TokenRequest::blocking_tokens).
///
/// Made by [`request`] (a user) or [`app_request`] (a service app).
#[derive(Debug)]
#[must_use = "a request does nothing until .tokens() or .blocking_tokens()"]
pub struct TokenRequest {
    who: Who,
    scopes: Option<Vec<String>>,
    server: Option<String>,
    fresh: bool,
    source: Source,
}

impl TokenRequest {
    fn new(who: Who, source: Source) -> Self {
        TokenRequest {
            who,
            scopes: None,
            server: None,
            fresh: false,
            source,
        }
    }

    /// Signs in with this app (a key of `apps:`) instead of the user's default; for an
    /// [`app_request`], asks for this service app instead.
    pub fn app(mut self, app: impl Into<String>) -> Self {
        match &mut self.who {
            Who::User { app: a, .. } => *a = Some(app.into()),
            Who::App(a) => *a = app.into(),
        }
        self
    }

    /// Asks for these scopes instead of the app's.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Uses this authorization server (`org`, `default` or a key of fixtures.yaml's
    /// `servers:`) instead of the app's.
    pub fn server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    /// Bypasses the cache for this one call: signs in anew and hands the new tokens to this
    /// caller alone. They neither replace nor disturb the cached ones, so a test may revoke
    /// or sign out its fresh tokens without breaking other tests.
    pub fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// Reads this config file instead of discovering fixtures.yaml (a relative path is taken
    /// from `$CARGO_MANIFEST_DIR`, else the current folder).
    pub fn config(mut self, path: impl Into<PathBuf>) -> Self {
        let start_dir = match self.source {
            Source::Discover { start_dir, .. } => start_dir,
            Source::Fixtures(_) => None,
        };
        self.source = Source::Discover {
            config: Some(path.into()),
            start_dir,
        };
        self
    }

    /// The folder discovery starts from when `$CARGO_MANIFEST_DIR` is unset at run time: the
    /// `#[okta_user]` expansion passes the manifest folder it saw at compile time.
    pub(crate) fn start_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        if let Source::Discover { start_dir, .. } = &mut self.source {
            *start_dir = Some(dir.into());
        }
        self
    }

    /// Gets the tokens: from the cache (memory, then disk), from a renewal already under way
    /// for them (in this process or another), by refreshing them, or by signing in.
    ///
    /// Tokens come with at least `cache.refresh_before` (60 s) of life left, so a long test
    /// that asks again gets renewed ones.
    pub async fn tokens(self) -> Result<Tokens> {
        let (ctx, key) = self.resolve()?;
        if !self.fresh
            && let Some(t) = ctx.lookup(&key)
        {
            return Ok(t);
        }
        let plan = self.plan(&ctx.config)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        ctx.fetch(plan, &key, self.fresh, Box::new(move |r| drop(tx.send(r))));
        rx.await.map_err(|_| Error::WorkerStopped)?
    }

    /// [`TokenRequest::tokens`] for sync code. It waits on a std channel, so it is safe inside
    /// any tokio runtime (current-thread or multi-thread) and outside one.
    ///
    /// ```
    /// let tokens = okta_fixtures::request("alice").blocking_tokens().unwrap();
    /// assert_eq!(tokens.app(), "spa");
    /// ```
    pub fn blocking_tokens(self) -> Result<Tokens> {
        let (ctx, key) = self.resolve()?;
        if !self.fresh
            && let Some(t) = ctx.lookup(&key)
        {
            return Ok(t);
        }
        let plan = self.plan(&ctx.config)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        ctx.fetch(plan, &key, self.fresh, Box::new(move |r| drop(tx.send(r))));
        rx.recv().map_err(|_| Error::WorkerStopped)?
    }

    /// The context and the cache key: all a cache hit needs.
    fn resolve(&self) -> Result<(Arc<Context>, Key)> {
        let ctx = self.source.fixtures()?.0;
        let key = self.key(&ctx.config)?;
        Ok((ctx, key))
    }

    /// The cache key, from the config.
    fn key(&self, config: &Config) -> Result<Key> {
        let (user, app) = self.user_and_app(config)?;
        let name = self
            .server
            .as_deref()
            .unwrap_or_else(|| config.server_for(app));
        let server = config.server(name).map_err(|_| {
            let who = match user {
                Some(user) => format!("user `{}` with app `{}`", user.name, app.name),
                None => format!("app `{}`", app.name),
            };
            Error::unknown_server(config, name, Some(who))
        })?;
        let org = match &config.org_url {
            OrgUrl::Fake => "fake",
            OrgUrl::Url(u) => u.as_str(),
        };
        let key = Key::new(
            org,
            &server.id,
            &app.client_id,
            user.map(|u| u.username.as_str()),
            app.flow,
            &app.response_type,
            self.scopes.as_deref().unwrap_or(&app.scopes),
        );
        Ok(key)
    }

    /// What to sign in, on a cache miss.
    fn plan(&self, config: &Config) -> Result<Plan> {
        let (user, app) = self.user_and_app(config)?;
        Ok(Plan {
            user: user.cloned(),
            app: app.clone(),
            server: self
                .server
                .clone()
                .unwrap_or_else(|| config.server_for(app).to_owned()),
            scopes: self.scopes.clone().unwrap_or_else(|| app.scopes.clone()),
        })
    }

    /// The user (none for a service app) and the app, checked against each other.
    fn user_and_app<'c>(&self, config: &'c Config) -> Result<(Option<&'c User>, &'c App)> {
        match &self.who {
            Who::User { name, app } => {
                let user = config.user(name)?;
                let app = match app {
                    Some(app) => config.app(app)?,
                    None => config.user_app(user)?,
                };
                if app.flow == Flow::ClientCredentials {
                    return Err(Error::ServiceApp {
                        user: user.name.clone(),
                        app: app.name.clone(),
                    });
                }
                Ok((Some(user), app))
            }
            Who::App(app) => {
                let app = config.app(app)?;
                if app.flow != Flow::ClientCredentials {
                    return Err(Error::UserApp {
                        app: app.name.clone(),
                        flow: app.flow.as_str(),
                    });
                }
                Ok((None, app))
            }
        }
    }
}

/// Whose tokens a request asks for.
#[derive(Debug)]
enum Who {
    /// A user, with their default app unless one is named.
    User { name: String, app: Option<String> },
    /// A service app.
    App(String),
}

impl Who {
    fn user(name: impl Into<String>) -> Self {
        Who::User {
            name: name.into(),
            app: None,
        }
    }
}

/// Where a request's config comes from.
#[derive(Debug)]
enum Source {
    Discover {
        config: Option<PathBuf>,
        start_dir: Option<PathBuf>,
    },
    Fixtures(Fixtures),
}

impl Source {
    fn discover() -> Self {
        Source::Discover {
            config: None,
            start_dir: None,
        }
    }

    fn fixtures(&self) -> Result<Fixtures> {
        match self {
            Source::Fixtures(f) => Ok(f.clone()),
            Source::Discover { config, start_dir } => {
                registry::discover(config.as_deref(), start_dir.as_deref()).map(Fixtures)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_dir_sticks_to_discovery_only() {
        let r = request("alice").start_dir("/m");
        assert!(
            matches!(&r.source, Source::Discover { start_dir: Some(d), .. } if d == Path::new("/m"))
        );
        let r = r.config("f.yaml");
        assert!(matches!(
            &r.source,
            Source::Discover {
                start_dir: Some(_),
                config: Some(_)
            }
        ));
    }

    #[test]
    fn requests_for_the_same_tokens_resolve_to_the_same_key() {
        let yaml = "org_url: https://dev-1.okta.com\napps:\n  spa: { client_id: c, redirect_uri: 'http://localhost/cb', flow: code }\nusers:\n  alice: { username: a@example.com, password: pw }\n  bob: { username: b@example.com, password: pw }\n";
        let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
        let f = Fixtures::new(config);
        let (_, first) = f.request("alice").resolve().unwrap();
        let (_, again) = f.request("alice").resolve().unwrap();
        assert_eq!(first, again);
        let (_, scoped) = f.request("alice").scopes(["openid"]).resolve().unwrap();
        let (_, bob) = f.request("bob").resolve().unwrap();
        let (_, explicit) = f.request("alice").app("spa").resolve().unwrap();
        assert_ne!(scoped, first);
        assert_ne!(bob, first);
        assert_eq!(explicit, first, "the same tokens, another shape");
        assert!(f.request("nobody").resolve().is_err());
    }

    #[cfg(not(feature = "fake"))]
    #[test]
    fn a_fake_org_without_the_feature_names_the_cargo_change() {
        let config = okta_fixtures_config::parse_str("org_url: fake\n", None, &|_| None).unwrap();
        let e = Fixtures::new(config).blocking_org().unwrap_err();
        assert!(matches!(e, Error::FakeDisabled), "{e:?}");
        assert!(e.to_string().contains("features = [\"fake\"]"), "{e}");
    }
}
