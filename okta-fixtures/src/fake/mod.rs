//! The embedded fake Okta org (feature `fake`): an offline Okta that speaks Okta's wire
//! protocol closely enough that clients cannot tell, and never more leniently.
//!
//! It serves, for the org authorization server (`/oauth2/v1/…`) and every custom one
//! (`/oauth2/{id}/v1/…`): `POST /api/v1/authn` (+ `/skip`, `/cancel`, `/previous`,
//! `/factors/{factorId}/verify`), `/authorize`,
//! `/token`, `/keys`, `/userinfo`, `/introspect`, `/revoke`, `/logout` and the discovery
//! documents, all configured from the same `fixtures.yaml` as the tests (its `apps`, `users`
//! and `fake:` section).
//!
//! Like a real org it enforces Okta's per-username limit (4 requests a second per user on
//! `/api/v1/authn`, and on `/token` for the password and refresh grants), answering the fifth
//! with Okta's 429 and `X-Rate-Limit-*` headers; [`FakeBuilder::per_user_rate_limit`] turns
//! that off. It also enforces Okta's client-based limit on `/authorize`, 60 requests a minute
//! and 5 at once per client ([`FakeBuilder::client_rate_limit`]).
//!
//! # The admin surface
//!
//! Under `/_fake/` (not Okta paths), each mirrored by a method of [`FakeOkta`] and
//! [`FakeState`]:
//!
//! | HTTP | Rust | What |
//! |---|---|---|
//! | `GET /_fake/stats` | [`FakeOkta::stats`] | request counts per endpoint, sign-ins per (username, client, server) and one-time codes verified per user; shape in [`Stats`] |
//! | `POST /_fake/faults`, `GET`, `DELETE /_fake/faults[/{id}]` | [`FakeOkta::fault`] → [`FaultGuard`], [`FakeOkta::clear_faults`] | inject a 429, an error status, latency, a dropped connection or a malformed page, scoped to a user or client |
//! | `POST /_fake/servers/{id}/keys/rotate` | [`FakeOkta::rotate_keys`] | one server signs with new keys; its previous key stays in its JWKS until its next rotation |
//! | `POST /_fake/reset` | [`FakeOkta::reset`] | forget counts, sessions, codes, refresh tokens, rate-limit counters and faults |
//! | — | [`FakeOkta::mint`] → [`Mint`] | a token with chosen claims: expired, foreign, tampered |
//!
//! `POST /_fake/faults` takes the JSON form of a `fake.faults` entry:
//! `{"endpoint":"token","kind":"rate_limit","reset":2,"user":"alice@example.com","client_id":"spa-client","times":1}`
//! (`endpoint`: `authn`, `verify`, `authorize`, `token`, `keys`, `discovery`, `userinfo`,
//! `introspect`, `revoke`; `kind`: `rate_limit` with optional `reset` seconds, `status` with
//! `status`, `latency` with `latency_ms`, `drop`, `malformed_page`, `oauth_error`, and on
//! `verify` `replay_factor_result`, `replay_e0000068`, `replay_e0000082`,
//! `time_window_exceeded`; `user`, `client_id`
//! and `times` optional) and answers 201 `{"id":N}`; `DELETE /_fake/faults/N` removes it.
//!
//! # What fixtures.yaml sets up
//!
//! - Every app of `apps:` is a client: public (no `client_secret`, PKCE required, rotating
//!   refresh tokens) or confidential (`token_endpoint_auth`, static refresh tokens). Grant
//!   types follow `flow` (`code`: `authorization_code` + `refresh_token`; `implicit`:
//!   `implicit` with the app's `response_type`s; `client_credentials`).
//! - Every user of `users:` can sign in with their password; ids (`00u…`) derive from the
//!   username, so they are the same in every process.
//! - Authorization servers: `org`, `default` and each of the top-level `servers:`, served at
//!   its Okta id (`servers.<name>.id`, default the name). A server grants only the scopes it
//!   defines: the OIDC scopes (`openid`, `profile`, `email`, `address`, `phone`,
//!   `offline_access`, `device_sso`) and, on a custom server, its `scopes` (on the org
//!   server, `groups`); anything else is Okta's `invalid_scope`. A custom server's access
//!   tokens have `aud` = its `audience` (default `api://{name}`), and its access policy is
//!   Okta's default (every app, user and grant type) unless `fake.servers.<name>.policy`
//!   narrows it.
//! - Signing keys, as on Okta: each custom server has its own, the only key of its JWKS, so a
//!   token of one server does not verify with another's keys; the org server publishes the
//!   key of its ID tokens and signs its access tokens with a key published nowhere (only Okta
//!   may validate those), so resource servers refuse them. Keys are made once per server and
//!   kept in the key folder ([`FakeBuilder::key_dir`]); [`FakeOkta::rotate_keys`] rotates one
//!   server's.
//! - `fake:` adds: `org_name` (page titles); `users.{key}`: `given_name`, `family_name`,
//!   `name`, `email`, `groups`, `claims` (added to the user's tokens), `status` (a forced
//!   `/api/v1/authn` outcome: `PASSWORD_WARN`, `PASSWORD_EXPIRED`, `PASSWORD_RESET`,
//!   `MFA_ENROLL`, `MFA_ENROLL_OPTIONAL`, `MFA_REQUIRED`, `LOCKED_OUT`, `LOCKED_OUT_HIDDEN`,
//!   `FEDERATED`), `apps` (assignments; absent = every app), `mfa` (enrolled factors: authn
//!   answers `MFA_REQUIRED` and a TOTP factor's `verify` checks codes with the user's `totp`,
//!   a step either side, each step once, locked after 5 wrong codes; its session's tokens carry
//!   `amr` `["mfa","otp","pwd"]` and satisfy `sign_on: second_factor`); `servers.{name}`:
//!   `access_claims` / `id_claims` (`$groups` = the user's groups), `lifetimes`, `policy`
//!   (the apps, users, groups and grant types its access policy covers: outside it, Okta's
//!   `access_denied`); `apps.{key}`: `grant_types` (e.g. add `password`), `rotation`
//!   (`rotate`/`static`), `rotation_grace` (default 30 s), `pkce_required`, more
//!   `redirect_uris`, `sign_on` (`second_factor`: a password-only session gets Okta's
//!   `login_required`), `consent` (`required`: Okta's `consent_required`); `lifetimes`:
//!   `access_token`, `id_token` (1 h), `refresh_token` (90 d), `code` (300 s),
//!   `session_token` (5 min); `faults`: faults active from start (as above, with `status`,
//!   `latency` as a duration such as `250ms`, `reset`, `user`, `client_id`, `times`).
//!
//! ```
//! use okta_fixtures::fake::FakeOkta;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let yaml = "
//! apps:
//!   spa: { client_id: spa-client, redirect_uri: 'http://localhost:8080/cb', flow: code }
//! users:
//!   alice: { username: alice@example.com, password: correct-horse }
//! ";
//! let config = okta_fixtures::config::parse_str(yaml, None, &|_| None)?;
//! let fake = FakeOkta::start(&config).await?;
//!
//! let url = format!("{}/oauth2/default/.well-known/openid-configuration", fake.org_url());
//! let discovery: serde_json::Value = reqwest::get(url).await?.json().await?;
//! assert_eq!(discovery["issuer"], fake.issuer("default"));
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod claims;
mod client_auth;
mod client_limit;
mod clock;
mod directory;
mod endpoints;
mod error;
mod expiring;
mod factors;
mod faults;
mod grants;
mod headers;
mod ids;
mod json;
mod jwt;
mod key_folder;
mod keys;
mod lockout;
mod mint;
mod page;
mod params;
mod pkce;
mod policy;
mod presented;
mod reply;
mod scopes;
mod serve;
mod sessions;
mod state;
mod stats;
mod user_limit;

#[cfg(test)]
mod test_support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use okta_fixtures_config::Config;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use faults::FaultGuard;
pub use mint::Mint;
#[doc(no_inline)]
pub use okta_fixtures_config::{FaultEndpoint, FaultKind, FaultSpec, ReplayAnswer};
pub use state::FakeState;
pub use stats::{Stats, Verifications};

use directory::Directory;
use endpoints::{
    admin, authn, authorize, discovery, introspect, logout, revoke, token, userinfo, verify,
};
use error::FakeError;
use state::StateParts;

/// A fake Okta org running on this process's tokio runtime.
///
/// It listens on `127.0.0.1` (a free port unless [`FakeBuilder::addr`] pins one) and serves
/// until [`FakeOkta::shutdown`] or until it is dropped. Several fakes in one process are
/// independent orgs.
#[derive(Debug)]
pub struct FakeOkta {
    state: FakeState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeOkta {
    /// A builder for options beyond the config (key folder, fresh key, address, clock).
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Starts a fake org for `config` with default options; see [`FakeBuilder::start`].
    pub async fn start(config: &Config) -> crate::Result<FakeOkta> {
        Self::builder().config(config).start().await
    }

    /// The org URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn org_url(&self) -> &str {
        self.state.org_url()
    }

    /// The issuer of the authorization server with Okta id `server_id` (`org`, `default` or a
    /// `servers.<name>.id`).
    pub fn issuer(&self, server_id: &str) -> String {
        self.state.issuer(server_id)
    }

    /// Request and sign-in counts so far.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// The state this fake serves, e.g. to serve the same org in-process with [`router`].
    pub fn state(&self) -> &FakeState {
        &self.state
    }

    /// The Okta ids of the org's authorization servers, sorted: `org`, `default` and those of
    /// fixtures.yaml's `servers:`.
    pub fn servers(&self) -> Vec<String> {
        self.state.servers()
    }

    /// The folder its signing keys are kept in (the builder's [`FakeBuilder::key_dir`], else
    /// `fake/` in the token cache folder).
    pub fn key_dir(&self) -> &Path {
        self.state.key_dir()
    }

    /// Injects a fault (`POST /_fake/faults`) until the returned guard is dropped.
    ///
    /// The fault acts on requests to `spec.endpoint` — only those for `spec.user` and/or
    /// naming `spec.client_id` when set, only `spec.times` of them when set — before the
    /// endpoint changes any state, so a faulted sign-in spends no session token or code:
    ///
    /// - `RateLimit { reset }`: 429 with `X-Rate-Limit-Limit` (4 for a user-scoped fault,
    ///   else the endpoint's bucket), `X-Rate-Limit-Remaining: 0` and `X-Rate-Limit-Reset`
    ///   (now + `reset` seconds); the body is Okta's `E0000047` envelope, on `/token` the
    ///   catalog's per-user `invalid_grant` "API call exceeded rate limit due to too many
    ///   requests."
    /// - `Status(code)`: that status with the endpoint's Okta error body (the `errorCode`
    ///   envelope on authn, keys and discovery; OAuth JSON on token, introspect, revoke and
    ///   userinfo, with `WWW-Authenticate` on a userinfo 401/403; the HTML error page on
    ///   authorize).
    /// - `Latency(d)`: waits `d`, then answers normally.
    /// - `Drop`: closes the connection without an answer.
    /// - `MalformedPage`: 200 with a page that is not what the client expects (on
    ///   `/authorize` a form_post page cut off before its form).
    /// - `Replay(answer)` (on `verify` only): Okta's answer to a one-time code used twice, in
    ///   the form [`ReplayAnswer`] names, whatever the code; nothing is spent or counted.
    /// - `TimeWindowExceeded` (on `verify` only): `MFA_CHALLENGE` with `factorResult:
    ///   TIME_WINDOW_EXCEEDED`, whatever the code; the stateToken stays usable.
    ///
    /// Who a request is for: on authn the body's `username` (or the transaction's user), on
    /// verify the transaction's user, on
    /// authorize the session's user (the `sid` cookie's or the sessionToken's) and the
    /// `client_id` parameter, on token the code's or refresh token's user or the password
    /// grant's `username`, and the client id of the Basic header or the body, on userinfo the
    /// token's user and client, on introspect and revoke the client id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use okta_fixtures::fake::{FakeOkta, FaultEndpoint, FaultKind, FaultSpec};
    ///
    /// # let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-keys-{}", std::process::id()));
    /// let yaml = "users:\n  alice: { username: alice@example.com, password: pw }\n";
    /// let config = okta_fixtures::config::parse_str(yaml, None, &|_| None)?;
    /// let fake = FakeOkta::builder().config(&config).key_dir(keys).start().await?;
    /// let _limited = fake.fault(FaultSpec {
    ///     endpoint: FaultEndpoint::Authn,
    ///     kind: FaultKind::RateLimit { reset: 1 },
    ///     user: Some("alice@example.com".into()),
    ///     client_id: None,
    ///     times: Some(1),
    /// });
    /// let res = reqwest::Client::new()
    ///     .post(format!("{}/api/v1/authn", fake.org_url()))
    ///     .json(&serde_json::json!({"username": "alice@example.com", "password": "pw"}))
    ///     .send()
    ///     .await?;
    /// assert_eq!(res.status(), 429);
    /// assert_eq!(res.headers()["x-rate-limit-remaining"], "0");
    /// # Ok(())
    /// # }
    /// ```
    pub fn fault(&self, spec: FaultSpec) -> FaultGuard {
        self.state.fault(spec)
    }

    /// Clears every fault, fixtures.yaml's too (`DELETE /_fake/faults`).
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Forgets counts, session tokens, sessions, codes, refresh tokens, rate-limit counters
    /// and faults (`POST /_fake/reset`); keys, apps and users stay.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Rotates the keys of authorization server `server_id` (`org`, `default` or a custom
    /// server's Okta id) as Okta does, per server: it signs with new keys from now on and keeps
    /// its previous key in its JWKS until its next rotation (`POST
    /// /_fake/servers/{id}/keys/rotate`); returns its new published `kid`. See
    /// [`FakeState::rotate_keys`].
    ///
    /// # Errors
    ///
    /// [`Error::UnknownServer`](crate::Error::UnknownServer) for a server the org does not
    /// have, [`Error::FakeKeys`](crate::Error::FakeKeys) if RSA key generation fails.
    pub async fn rotate_keys(&self, server_id: &str) -> crate::Result<String> {
        self.state.rotate_keys(server_id).await
    }

    /// A token with chosen claims, for resource-server tests; see [`Mint`].
    pub fn mint(&self) -> Mint {
        self.state.mint()
    }

    /// Stops accepting connections, lets requests in flight finish (cutting injected latency
    /// short), and waits for that.
    pub async fn shutdown(mut self) {
        self.state.closing.send_replace(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeOkta {
    fn drop(&mut self) {
        self.state.closing.send_replace(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Options for a [`FakeOkta`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use okta_fixtures::fake::{Clock, FakeOkta};
///
/// let config = okta_fixtures::config::parse_str("", None, &|_| None)?;
/// let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-keys-{}", std::process::id()));
/// let clock = Clock::system();
/// let fake = FakeOkta::builder()
///     .config(&config)
///     .key_dir(keys)
///     .clock(clock.clone())
///     .start()
///     .await?;
/// assert!(fake.org_url().starts_with("http://127.0.0.1:"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct FakeBuilder {
    config: Option<Config>,
    key_dir: Option<PathBuf>,
    fresh_key: bool,
    addr: Option<SocketAddr>,
    clock: Option<Clock>,
    /// `None` until set: on, as on every real org.
    per_user_rate_limit: Option<bool>,
    /// `None` until set: on, as Okta's default mode "enforce and log per client".
    client_rate_limit: Option<bool>,
    /// `None` until set: [`HEADER_READ_TIMEOUT`].
    header_read_timeout: Option<Duration>,
}

impl FakeBuilder {
    /// The org's apps, users and `fake:` settings. Without one the org is empty (discovery and
    /// keys still work).
    pub fn config(mut self, config: &Config) -> Self {
        self.config = Some(config.clone());
        self
    }

    /// Where the signing keys are kept between processes. Default: [`default_key_dir`]. The
    /// folder must be this user's and writable by no one else (it is made 0700), key files are
    /// 0600, and a key file that is a symbolic link is refused.
    pub fn key_dir(mut self, dir: PathBuf) -> Self {
        self.key_dir = Some(dir);
        self
    }

    /// Generate new signing keys (and keep them for later processes) instead of reusing the
    /// kept ones. Default false.
    pub fn fresh_key(mut self, fresh: bool) -> Self {
        self.fresh_key = fresh;
        self
    }

    /// The address to listen on. Default `127.0.0.1:0`, a free port.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// The fake's clock; keep a clone to [`Clock::advance`] it in tests. Default: the system
    /// clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether Okta's per-username limit is enforced: 4 requests per second and user on
    /// `/api/v1/authn`, and on `/token` for the `password` and `refresh_token` grants, the
    /// fifth answered with 429 and `X-Rate-Limit-*` headers as Okta does. Default true, as
    /// on every real org; turn it off for load tests. (fixtures.yaml has no key for it.)
    pub fn per_user_rate_limit(mut self, enabled: bool) -> Self {
        self.per_user_rate_limit = Some(enabled);
        self
    }

    /// Whether Okta's client-based limit on `/authorize` is enforced: 60 requests a minute and
    /// 5 at once per client id (developer.okta.com/docs/reference/rl-clientbased), the next
    /// answered with 429 and `X-Rate-Limit-*` headers. Default true, Okta's default mode
    /// "enforce and log per client"; turn it off as an org whose admin set the mode to "log
    /// per client" or "do nothing". (fixtures.yaml has no key for it.)
    pub fn client_rate_limit(mut self, enabled: bool) -> Self {
        self.client_rate_limit = Some(enabled);
        self
    }

    /// How long a connection may take to send a request's head (and may stay idle between
    /// requests) before [`start`](Self::start)'s server closes it, so stalled or half-open
    /// connections do not pile up. Default: [`HEADER_READ_TIMEOUT`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-hrt-{}", std::process::id()));
    /// let fake = okta_fixtures::fake::FakeOkta::builder()
    ///     .header_read_timeout(std::time::Duration::from_secs(2))
    /// #   .key_dir(keys)
    ///     .start()
    ///     .await?;
    /// # fake.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// Binds the address, loads (or creates) the keys and spawns the server on the current
    /// tokio runtime, returning as soon as it accepts connections.
    ///
    /// # Errors
    ///
    /// [`Error::FakeStart`](crate::Error::FakeStart) when the address cannot be bound,
    /// [`Error::FakeKeys`](crate::Error::FakeKeys) when the key folder cannot be used.
    pub async fn start(self) -> crate::Result<FakeOkta> {
        let addr = self.addr.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
        let bind_error = |source| crate::Error::FakeStart {
            addr,
            source: std::sync::Arc::new(source),
        };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let org_url = format!("http://{local}");
        let header_read_timeout = self.header_read_timeout.unwrap_or(HEADER_READ_TIMEOUT);
        // Reading (or generating) RSA keys is blocking work.
        let state = tokio::task::spawn_blocking(move || self.build(&org_url))
            .await
            .map_err(|e| bind_error(std::io::Error::other(e.to_string())))??;
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(serve::serve(listener, app, header_read_timeout, rx));
        Ok(FakeOkta {
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The org's state without a server, for serving it in-process with [`router`] at
    /// `org_url` (which becomes the issuer). Blocks while keys are read or generated.
    ///
    /// # Errors
    ///
    /// [`Error::FakeKeys`](crate::Error::FakeKeys) when the key folder cannot be used;
    /// [`Error::Config`](crate::Error::Config) only if no config was given and the empty one
    /// could not be built.
    pub fn build(self, org_url: &str) -> crate::Result<FakeState> {
        let config = match self.config {
            Some(c) => c,
            None => okta_fixtures_config::parse_str("", None, &|_| None)?,
        };
        let key_dir = self.key_dir.unwrap_or_else(default_key_dir);
        // The default folder sits in the cache root, whose name another local user can guess:
        // the root must be this user's too (unless named), or its owner could swap `fake/`.
        if let Some(root) = key_dir.parent().filter(|_| key_dir == default_key_dir()) {
            crate::dirs::ensure_private_dir(root, !crate::dirs::root_is_named()).map_err(
                |source| crate::Error::FakeKeys {
                    dir: root.to_path_buf(),
                    action: "used",
                    source: std::sync::Arc::new(source),
                },
            )?;
        }
        let directory = Directory::new(&config, org_url);
        // Keys for the servers of the config only: each costs an RSA key generation once.
        let keys = key_folder::load_or_create(&key_dir, directory.server_ids(), self.fresh_key)?;
        Ok(FakeState::new(
            directory,
            StateParts {
                keys,
                key_dir,
                clock: self.clock.unwrap_or_default(),
                faults: config.fake.faults.clone(),
                per_user_rate_limit: self.per_user_rate_limit.unwrap_or(true),
                client_rate_limit: self.client_rate_limit.unwrap_or(true),
            },
        ))
    }
}

/// How long [`FakeBuilder::start`]'s server waits for a request head before closing the
/// connection, unless [`FakeBuilder::header_read_timeout`] says otherwise: hyper's documented
/// default, ample for a test process on this machine, short enough that stalled connections do
/// not pile up.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a fake keeps its signing keys unless told otherwise: `fake/` in the token cache
/// folder (`$OKTA_FIXTURES_CACHE_DIR`, else a per-user folder in the temp folder), shared by
/// in-process fakes and `okta-fixtures fake`.
pub fn default_key_dir() -> PathBuf {
    crate::dirs::cache_root().join("fake")
}

/// The fake org as an axum [`Router`], to serve on any listener or call in-process.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-keys-{}", std::process::id()));
/// let state = okta_fixtures::fake::FakeOkta::builder()
///     .key_dir(keys)
///     .build("http://127.0.0.1:8080")?;
/// let app: axum::Router = okta_fixtures::fake::router(state);
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
pub fn router(state: FakeState) -> Router {
    // Only the admin routes get the guard: `route_layer` applies to the routes added before it.
    let admin = Router::new()
        .route("/_fake/stats", get(admin::stats))
        .route(
            "/_fake/faults",
            post(admin::add_fault)
                .get(admin::list_faults)
                .delete(admin::clear_faults),
        )
        .route("/_fake/faults/{id}", delete(admin::remove_fault))
        .route("/_fake/servers/{id}/keys/rotate", post(admin::rotate_keys))
        .route("/_fake/reset", post(admin::reset))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin::guard,
        ));
    let mut router = Router::new()
        .route("/api/v1/authn", post(authn::primary))
        .route("/api/v1/authn/skip", post(authn::skip))
        .route("/api/v1/authn/cancel", post(authn::cancel))
        .route("/api/v1/authn/previous", post(verify::previous))
        .route(
            "/api/v1/authn/factors/{factor_id}/verify",
            post(verify::verify),
        )
        .merge(admin);
    for doc in ["/.well-known", "/oauth2/{server}/.well-known"] {
        router = router
            .route(
                &format!("{doc}/openid-configuration"),
                get(discovery::openid_configuration),
            )
            .route(
                &format!("{doc}/oauth-authorization-server"),
                get(discovery::oauth_authorization_server),
            );
    }
    // RFC 8414's form puts the server's path after the well-known name.
    router = router.route(
        "/.well-known/oauth-authorization-server/oauth2/{server}",
        get(discovery::oauth_authorization_server),
    );
    for prefix in ["/oauth2/v1", "/oauth2/{server}/v1"] {
        router = router
            .route(
                &format!("{prefix}/authorize"),
                get(authorize::get).post(authorize::post),
            )
            .route(
                &format!("{prefix}/token"),
                post(token::token).options(token::preflight),
            )
            .route(&format!("{prefix}/keys"), get(endpoints::keys::keys))
            .route(&format!("{prefix}/logout"), get(logout::logout))
            .route(
                &format!("{prefix}/userinfo"),
                get(userinfo::userinfo).post(userinfo::userinfo),
            )
            .route(
                &format!("{prefix}/introspect"),
                client_auth::token_route(FaultEndpoint::Introspect, introspect::introspect),
            )
            .route(
                &format!("{prefix}/revoke"),
                client_auth::token_route(FaultEndpoint::Revoke, revoke::revoke),
            );
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::okta_headers,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    FakeError::path_not_found().into_response()
}

async fn method_not_allowed() -> Response {
    FakeError::method_not_allowed().into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use scraper::{Html, Selector};
    use serde_json::Value;
    use sha2::{Digest as _, Sha256};

    use super::*;

    const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/cb", flow: code, scopes: [openid, profile, email] }
  legacy: { client_id: legacy-client, redirect_uri: "http://localhost:8080/implicit", flow: implicit, authorization_server: org }
users:
  alice: { username: alice@example.com, password: correct-horse }
"#;

    /// Serves `router(build(url))` on a listener of our own: the in-process path.
    async fn serve() -> (String, FakeState) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let config = okta_fixtures_config::parse_str(YAML, None, &|_| None).unwrap();
        let state = FakeOkta::builder()
            .config(&config)
            .key_dir(test_support::key_dir())
            .build(&url)
            .unwrap();
        let app = router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, state)
    }

    fn http() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    async fn json<T: serde::de::DeserializeOwned>(req: reqwest::RequestBuilder) -> T {
        req.send().await.unwrap().json().await.unwrap()
    }

    async fn session_token(http: &reqwest::Client, url: &str) -> String {
        let creds =
            serde_json::json!({"username": "alice@example.com", "password": "correct-horse"});
        let v: Value = json(http.post(format!("{url}/api/v1/authn")).json(&creds)).await;
        v["sessionToken"].as_str().unwrap().to_owned()
    }

    /// The hidden inputs of the form_post page `/authorize` answers, read with a real HTML
    /// parser.
    async fn form_post(
        http: &reqwest::Client,
        uri: &str,
        query: &[(&str, &str)],
    ) -> HashMap<String, String> {
        let page = http
            .get(uri)
            .query(query)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let doc = Html::parse_document(&page);
        doc.select(&Selector::parse("form#appForm input[type=hidden]").unwrap())
            .map(|i| {
                (
                    i.value().attr("name").unwrap().to_owned(),
                    i.value().attr("value").unwrap().to_owned(),
                )
            })
            .collect()
    }

    async fn jwks(http: &reqwest::Client, uri: &str) -> JwkSet {
        json(http.get(uri)).await
    }

    fn verify(token: &str, keys: &JwkSet, iss: &str, aud: &str) -> Value {
        let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
        let jwk = keys.find(&kid).expect("kid in the JWKS");
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[iss]);
        v.set_audience(&[aud]);
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
            .unwrap()
            .claims
    }

    #[tokio::test]
    async fn code_flow_tokens_verify_against_the_served_jwks() {
        let (url, state) = serve().await;
        let http = http();
        let discovery: Value = json(http.get(format!(
            "{url}/oauth2/default/.well-known/openid-configuration"
        )))
        .await;
        let issuer = discovery["issuer"].as_str().unwrap().to_owned();
        assert_eq!(issuer, state.issuer("default"));
        let st = session_token(&http, &url).await;
        let verifier = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let authorize = discovery["authorization_endpoint"].as_str().unwrap();
        let fields = form_post(
            &http,
            authorize,
            &[
                ("client_id", "spa-client"),
                ("response_type", "code"),
                ("response_mode", "form_post"),
                ("scope", "openid profile email"),
                ("redirect_uri", "http://localhost:8080/cb"),
                ("state", "state-1"),
                ("nonce", "nonce-1"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
        assert_eq!(fields["state"], "state-1");
        let redeem = [
            ("grant_type", "authorization_code"),
            ("code", &fields["code"]),
            ("redirect_uri", "http://localhost:8080/cb"),
            ("client_id", "spa-client"),
            ("code_verifier", verifier),
        ];
        let tokens: Value = json(
            http.post(discovery["token_endpoint"].as_str().unwrap())
                .form(&redeem),
        )
        .await;
        let keys = jwks(&http, discovery["jwks_uri"].as_str().unwrap()).await;
        let access = tokens["access_token"].as_str().unwrap();
        let at = verify(access, &keys, &issuer, "api://default");
        assert_eq!(at["cid"], "spa-client");
        let id = verify(
            tokens["id_token"].as_str().unwrap(),
            &keys,
            &issuer,
            "spa-client",
        );
        assert_eq!(id["nonce"], "nonce-1");
        let digest = Sha256::digest(access.as_bytes());
        assert_eq!(
            id["at_hash"],
            URL_SAFE_NO_PAD.encode(&digest[..16]).as_str()
        );
        assert_eq!(
            state
                .stats()
                .sign_ins("alice@example.com", "spa-client", "default"),
            1
        );
    }

    /// The kid of a JWT's header.
    fn kid(token: &str) -> String {
        jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
    }

    #[tokio::test]
    async fn org_id_tokens_verify_and_org_access_tokens_verify_against_no_jwks() {
        let (url, _) = serve().await;
        let http = http();
        let st = session_token(&http, &url).await;
        let fields = form_post(
            &http,
            &format!("{url}/oauth2/v1/authorize"),
            &[
                ("client_id", "legacy-client"),
                ("response_type", "id_token token"),
                ("response_mode", "form_post"),
                ("scope", "openid email"),
                ("redirect_uri", "http://localhost:8080/implicit"),
                ("state", "s"),
                ("nonce", "n"),
                ("sessionToken", &st),
            ],
        )
        .await;
        let org_keys = jwks(&http, &format!("{url}/oauth2/v1/keys")).await;
        assert_eq!(org_keys.keys.len(), 1, "only the ID-token key");
        let id = verify(&fields["id_token"], &org_keys, &url, "legacy-client");
        assert_eq!(id["email"], "alice@example.com");
        let at_kid = kid(&fields["access_token"]);
        assert_ne!(at_kid, kid(&fields["id_token"]));
        let custom_keys = jwks(&http, &format!("{url}/oauth2/default/v1/keys")).await;
        for set in [&org_keys, &custom_keys] {
            assert!(set.find(&at_kid).is_none());
        }
        assert!(custom_keys.find(&kid(&fields["id_token"])).is_none());
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let state = test_support::state(
            "apps:\n  web: { client_id: web, client_secret: hunter2-secret, redirect_uri: 'http://x/cb', flow: code }\nusers:\n  a: { username: a@example.com, password: hunter2-password, totp: MFRGGZDFMZTWQ2LK }\nfake:\n  users:\n    a: { mfa: [totp] }\n",
        );
        let now = state.clock.now();
        let token = state.sessions.issue_token(
            "a",
            1,
            sessions::PASSWORD_AMR,
            now,
            now + std::time::Duration::from_secs(60),
        );
        let refresh = state.grants.issue_refresh(
            grants::RefreshGrant {
                client_id: "web".into(),
                server: "default".into(),
                user_key: "a".into(),
                scopes: vec![],
                auth_time: 1,
                amr: sessions::PASSWORD_AMR,
                family: 1,
            },
            now,
            now + std::time::Duration::from_secs(60),
        );
        let builder = FakeOkta::builder().config(
            &okta_fixtures_config::parse_str(
                "users:\n  a: { username: a@example.com, password: hunter2-password }\n",
                None,
                &|_| None,
            )
            .unwrap(),
        );
        for text in [
            format!("{state:?}"),
            format!("{:?}", *state),
            format!("{:?}", state.dir),
            format!("{:?}", state.keys),
            format!("{builder:?}"),
        ] {
            for secret in [
                "hunter2-secret",
                "hunter2-password",
                "MFRGGZDFMZTWQ2LK",
                &token,
                &refresh,
            ] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }

    #[tokio::test]
    async fn shutdown_and_drop_stop_the_server() {
        let config = okta_fixtures_config::parse_str(YAML, None, &|_| None).unwrap();
        let start = || {
            FakeOkta::builder()
                .config(&config)
                .key_dir(test_support::key_dir())
                .start()
        };
        let fake = start().await.unwrap();
        let url = format!("{}/oauth2/v1/keys", fake.org_url());
        assert_eq!(http().get(&url).send().await.unwrap().status(), 200);
        drop(fake);
        // Drop only signals; a fresh connection is refused once the listener is gone.
        let mut refused = false;
        for _ in 0..1000 {
            if reqwest::Client::new().get(&url).send().await.is_err() {
                refused = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(refused);
    }
}
