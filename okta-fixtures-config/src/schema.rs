//! The resolved configuration: what `fixtures.yaml` says once `${VAR}`s are expanded, defaults
//! applied and cross-references checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::Secret;

/// The whole of one `fixtures.yaml`.
#[derive(Clone)]
pub struct Config {
    /// The file this was read from (`None` when built from a string).
    pub source: Option<PathBuf>,
    /// The Okta org: a URL, or the embedded fake.
    pub org_url: OrgUrl,
    /// The authorization server used when an app names none: `org`, `default` or a key of
    /// [`Config::servers`].
    pub authorization_server: String,
    /// The authorization servers by the name tests and apps use: always `org` and `default`,
    /// plus each entry of the top-level `servers:`.
    pub servers: BTreeMap<String, Server>,
    /// Applications (OIDC clients) by their key in the file.
    pub apps: BTreeMap<String, App>,
    /// Test users by their key in the file.
    pub users: BTreeMap<String, User>,
    /// The token cache.
    pub cache: CacheSettings,
    /// ID token verification.
    pub verify: VerifySettings,
    /// HTTP behaviour of the flow client.
    pub http: HttpSettings,
    /// What only the embedded fake Okta needs.
    pub fake: FakeSettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Written by hand: apps and users hold secrets, whose own Debug redacts them.
        f.debug_struct("Config")
            .field("source", &self.source)
            .field("org_url", &self.org_url)
            .field("authorization_server", &self.authorization_server)
            .field("servers", &self.servers)
            .field("apps", &self.apps)
            .field("users", &self.users)
            .field("cache", &self.cache)
            .field("verify", &self.verify)
            .field("http", &self.http)
            .field("fake", &self.fake)
            .finish()
    }
}

/// Where the org lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgUrl {
    /// `fake`: the embedded fake Okta, started in-process on first use.
    Fake,
    /// A real org (or a standalone fake) by URL, without a trailing slash.
    Url(String),
}

/// The name (and id) of Okta's org authorization server (`/oauth2/v1/...`).
pub const ORG_SERVER: &str = "org";

/// The name (and id) of the custom authorization server every org with API Access Management
/// has, `default` (audience `api://default`).
pub const DEFAULT_SERVER: &str = "default";

/// One authorization server, as tests and apps name it and as Okta knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// The name tests and apps use: `org`, `default` or a key of `servers:`.
    pub key: String,
    /// Okta's id of the server: `org`, `default` or `aus…` (the path segment of
    /// `/oauth2/{id}`). Absent in the file = the key.
    pub id: String,
    /// The `aud` of its access tokens. `None` for the org server, whose audience is the org
    /// URL. A custom server on a real org always has one (the file must give it); on the
    /// embedded fake it defaults to `api://{key}`.
    pub audience: Option<String>,
    /// The custom scopes it defines (never the OIDC scopes): the file's `scopes`, else the
    /// custom scopes the file's apps ask of this server (sorted).
    pub scopes: Vec<String>,
}

impl Server {
    /// Whether it is the org authorization server.
    pub fn is_org(&self) -> bool {
        self.key == ORG_SERVER
    }
}

/// The scopes OpenID Connect and Okta define on every custom server, which
/// `servers.<key>.scopes` does not list (Okta's scope table,
/// <https://developer.okta.com/docs/api/oauth2>; `groups`, which the org server knows, is a
/// custom scope on a custom server).
pub const OIDC_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "device_sso",
];

/// The group every Okta user belongs to, whether `fake.users.<user>.groups` lists it or not.
pub const EVERYONE_GROUP: &str = "Everyone";

/// How an app obtains tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Authorization code flow (with PKCE unless turned off on a web app).
    Code,
    /// Implicit flow: tokens straight from `/authorize`.
    Implicit,
    /// `client_credentials`: a service app, no user.
    ClientCredentials,
}

impl Flow {
    /// The spelling used in fixtures.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Code => "code",
            Flow::Implicit => "implicit",
            Flow::ClientCredentials => "client_credentials",
        }
    }
}

/// One implicit-flow response type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResponseType {
    /// `id_token`
    IdToken,
    /// `token` (an access token)
    Token,
}

impl ResponseType {
    /// The spelling used on the wire and in fixtures.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseType::IdToken => "id_token",
            ResponseType::Token => "token",
        }
    }
}

/// How a confidential client authenticates at `/token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenEndpointAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (Okta's default).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: `client_id` in the body, no secret.
    None,
}

/// One application (OIDC client) of the org.
#[derive(Clone)]
pub struct App {
    /// Its key in fixtures.yaml.
    pub name: String,
    /// The Okta client id.
    pub client_id: String,
    /// The client secret of a confidential (web or service) app.
    pub client_secret: Option<Secret>,
    /// A registered sign-in redirect URI (absent for `client_credentials`).
    pub redirect_uri: Option<String>,
    /// How tokens are obtained.
    pub flow: Flow,
    /// Scopes requested when a test names none. Default `[openid, profile, email]` for user
    /// flows; a `client_credentials` app must name its own.
    pub scopes: Vec<String>,
    /// Implicit flow only: which tokens to ask for (sorted, never empty).
    pub response_type: Vec<ResponseType>,
    /// This app's authorization server, overriding the file's.
    pub authorization_server: Option<String>,
    /// How the app authenticates at `/token`: `ClientSecretBasic` by default when a secret is
    /// set, `None` otherwise.
    pub token_endpoint_auth: TokenEndpointAuth,
    /// Whether the code flow uses PKCE (default true; only a web app may set false).
    pub pkce: bool,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .field("flow", &self.flow)
            .field("scopes", &self.scopes)
            .field("response_type", &self.response_type)
            .field("authorization_server", &self.authorization_server)
            .field("token_endpoint_auth", &self.token_endpoint_auth)
            .field("pkce", &self.pkce)
            .finish()
    }
}

/// One test user.
#[derive(Clone)]
pub struct User {
    /// Its key in fixtures.yaml.
    pub name: String,
    /// The Okta login.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// The base32 secret of the user's TOTP authenticator (Okta Verify's code or Google
    /// Authenticator), normalised: uppercase, without whitespace or `=` padding. `None` when
    /// the file gives none or it is empty once `${VAR}`s are expanded.
    pub totp: Option<Secret>,
    /// The app used when a test names none (a user-flow app). When absent and the file has
    /// exactly one user-flow app, that one.
    pub app: Option<String>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("totp", &self.totp)
            .field("app", &self.app)
            .finish()
    }
}

/// Where the token cache keeps tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheStore {
    /// In memory and on disk, shared by the processes of a test run (default).
    Disk,
    /// In memory only.
    Memory,
}

/// `cache:` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheSettings {
    /// Where tokens live. Default `disk`.
    pub store: CacheStore,
    /// A token is handed out only with at least this much life left. Default 60 s.
    pub refresh_before: Duration,
    /// Whether refresh tokens are written to disk. Default false.
    pub persist_refresh: bool,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            store: CacheStore::Disk,
            refresh_before: Duration::from_secs(60),
            persist_refresh: false,
        }
    }
}

/// `verify:` settings for ID tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifySettings {
    /// Whether ID tokens are verified (signature, iss, aud, exp, nonce; at_hash in the implicit flow). Default true.
    pub id_token: bool,
    /// Clock skew allowed on `exp`/`iat`. Default 120 s.
    pub leeway: Duration,
}

impl Default for VerifySettings {
    fn default() -> Self {
        Self {
            id_token: true,
            leeway: Duration::from_secs(120),
        }
    }
}

/// `http:` settings of the flow client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    /// Time allowed for one HTTP request. Default 30 s.
    pub timeout: Duration,
    /// How often a 429 is retried after waiting for `X-Rate-Limit-Reset`. Default 3.
    pub rate_limit_retries: u32,
    /// The longest wait for one rate-limit reset before giving up. Default 60 s.
    pub max_rate_limit_wait: Duration,
    /// Whether `org_url` may be plain `http://` to a host other than this machine (a fake run
    /// as a sidecar container). Default `false`: passwords would travel in cleartext.
    pub allow_plain_http: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            rate_limit_retries: 3,
            max_rate_limit_wait: Duration::from_secs(60),
            allow_plain_http: false,
        }
    }
}

/// A forced `/api/v1/authn` outcome for a fake user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthnStatus {
    /// Normal sign-in.
    Success,
    /// `PASSWORD_WARN` (answered as SUCCESS unless the client asks to be warned; skippable).
    PasswordWarn,
    /// `PASSWORD_EXPIRED`
    PasswordExpired,
    /// `PASSWORD_RESET`
    PasswordReset,
    /// `MFA_ENROLL` with a skip link (all factors optional).
    MfaEnrollOptional,
    /// `MFA_ENROLL` without a skip link.
    MfaEnroll,
    /// `MFA_REQUIRED`
    MfaRequired,
    /// `LOCKED_OUT` shown as a status (lockout failures not hidden).
    LockedOut,
    /// Locked out with Okta's default "hide lockout failures": 401 E0000004.
    LockedOutHidden,
    /// A federated/social user: no Okta password, 401 E0000004.
    Federated,
}

/// Per-user data only the fake needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FakeUser {
    /// Okta user id (`00u…`); generated from the username when absent.
    pub id: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `name`; defaults to given + family, else the username.
    pub name: Option<String>,
    /// `email`; defaults to the username.
    pub email: Option<String>,
    /// Groups, emitted as the `groups` claim where a server asks for it.
    pub groups: Vec<String>,
    /// Extra claims added to this user's access and ID tokens.
    pub claims: BTreeMap<String, serde_json::Value>,
    /// A forced authn outcome.
    pub status: Option<AuthnStatus>,
    /// Failed passwords in a row after which the fake locks the user out (and then answers
    /// every authn with 401 `E0000004`, as Okta hides lockouts); `None` = Okta's default, 10.
    pub lockout_after: Option<u32>,
    /// App keys this user is assigned to; absent = every app.
    pub apps: Option<Vec<String>>,
    /// The user's enrolled factors, in the order the fake offers them in `MFA_REQUIRED`;
    /// empty = no second factor: a right password signs the user in.
    pub mfa: Vec<MfaFactor>,
}

/// A factor a fake user has enrolled (`fake.users.<user>.mfa`), as Okta's Classic
/// Authentication API lists it in `_embedded.factors` of `MFA_REQUIRED`
/// (<https://developer.okta.com/docs/reference/api/authn/#factor-object>).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MfaFactor {
    /// Okta Verify's one-time code: `token:software:totp`, provider `OKTA`. Checked with the
    /// user's `totp` secret.
    Totp,
    /// Google Authenticator: `token:software:totp`, provider `GOOGLE`. Checked with the user's
    /// `totp` secret.
    GoogleTotp,
    /// Okta Verify's push notification: `push`, provider `OKTA`.
    Push,
    /// A code sent by SMS: `sms`, provider `OKTA`.
    Sms,
    /// A security key or biometric authenticator: `webauthn`, provider `FIDO`.
    Webauthn,
}

impl MfaFactor {
    /// Each factor with the name fixtures.yaml gives it.
    pub const NAMED: [(&'static str, MfaFactor); 5] = [
        ("totp", MfaFactor::Totp),
        ("google_totp", MfaFactor::GoogleTotp),
        ("push", MfaFactor::Push),
        ("sms", MfaFactor::Sms),
        ("webauthn", MfaFactor::Webauthn),
    ];

    /// This factor's name in fixtures.yaml.
    pub fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }

    /// Okta's `factorType`.
    pub fn factor_type(self) -> &'static str {
        match self {
            MfaFactor::Totp | MfaFactor::GoogleTotp => "token:software:totp",
            MfaFactor::Push => "push",
            MfaFactor::Sms => "sms",
            MfaFactor::Webauthn => "webauthn",
        }
    }

    /// Okta's `provider`.
    pub fn provider(self) -> &'static str {
        match self {
            MfaFactor::GoogleTotp => "GOOGLE",
            MfaFactor::Webauthn => "FIDO",
            MfaFactor::Totp | MfaFactor::Push | MfaFactor::Sms => "OKTA",
        }
    }

    /// Whether a code from the user's `totp` secret answers it.
    pub fn is_totp(self) -> bool {
        matches!(self, MfaFactor::Totp | MfaFactor::GoogleTotp)
    }
}

/// A claim a custom server adds to tokens.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimValue {
    /// The user's groups (`groups` in fake.users).
    Groups,
    /// A fixed JSON value.
    Value(serde_json::Value),
}

/// What only the fake adds to an authorization server (`fake.servers.<key>`).
#[derive(Clone, Debug, PartialEq)]
pub struct FakeServer {
    /// Claims added to access tokens.
    pub access_claims: BTreeMap<String, ClaimValue>,
    /// Claims added to ID tokens.
    pub id_claims: BTreeMap<String, ClaimValue>,
    /// Lifetimes on this server, overriding `fake.lifetimes`.
    pub lifetimes: Option<FakeLifetimes>,
    /// Its access policy; `None` = Okta's default policy (all clients, any user assigned to
    /// the app, any grant type, any scope). Never set on the org server, which has none.
    pub policy: Option<AccessPolicy>,
}

/// The access policy of a custom authorization server, as one policy with one rule
/// (`fake.servers.<key>.policy`). Each condition absent = anything.
///
/// A request outside it gets Okta's `access_denied` "Policy evaluation failed for this
/// request, please check the policy configurations."
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    /// The apps (keys of `apps:`) the policy is assigned to: Okta's "The following clients".
    pub apps: Option<Vec<String>>,
    /// Users (keys of `users:`) the rule covers. With `groups`, a user listed in either is
    /// covered (Okta's "Assigned the app and a member of one of the following").
    pub users: Option<Vec<String>>,
    /// Groups (names in `fake.users.<user>.groups`, or `Everyone`) the rule covers.
    pub groups: Option<Vec<String>>,
    /// Grant types the rule covers (Okta's names, e.g. `authorization_code`, `implicit`,
    /// `password`, `client_credentials`).
    pub grant_types: Option<Vec<String>>,
}

/// An app's type as Okta's Admin Console creates it, which sets its defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppType {
    /// A single-page app: a public client; its refresh tokens rotate.
    Spa,
    /// A web app: a confidential client with a secret; persistent refresh tokens.
    Web,
    /// A native app: a private-use or loopback redirect URI; persistent refresh tokens.
    Native,
    /// An API service app: `client_credentials` only.
    Service,
}

impl AppType {
    /// The spelling used in fixtures.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            AppType::Spa => "spa",
            AppType::Web => "web",
            AppType::Native => "native",
            AppType::Service => "service",
        }
    }

    /// The type Okta would have given `app`: `service` for `client_credentials`, `web` with a
    /// client secret, `native` with a private-use redirect scheme (`com.example.app:/cb`),
    /// else `spa`.
    pub fn infer(app: &App) -> AppType {
        let private_use = app.redirect_uri.as_deref().is_some_and(|uri| {
            url::Url::parse(uri).is_ok_and(|u| !matches!(u.scheme(), "http" | "https"))
        });
        match (app.flow, &app.client_secret) {
            (Flow::ClientCredentials, _) => AppType::Service,
            (_, Some(_)) => AppType::Web,
            (_, None) if private_use => AppType::Native,
            (_, None) => AppType::Spa,
        }
    }

    /// Okta's default refresh token behaviour for the type: SPAs rotate, web and native apps
    /// keep a persistent token (developer.okta.com/docs/guides/refresh-tokens/main/, "Refresh
    /// token rotation").
    pub fn default_rotation(self) -> Rotation {
        match self {
            AppType::Spa => Rotation::Rotate,
            AppType::Web | AppType::Native | AppType::Service => Rotation::Static,
        }
    }
}

/// What an app's sign-on policy (Identity Engine: its authentication policy) asks of a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignOn {
    /// A password is enough (the default).
    #[default]
    Password,
    /// A password and a second factor: a session from a password alone does not satisfy it.
    SecondFactor,
}

/// Whether an app asks users to consent to the scopes it requests (its `consent_method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Consent {
    /// A trusted app: consent is implied (Okta's `TRUSTED`, the default).
    #[default]
    Trusted,
    /// "Require consent" (Okta's `REQUIRED`): the user must consent to the scopes it asks of a
    /// custom server.
    Required,
}

/// Token lifetimes of the fake (Okta's defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeLifetimes {
    /// Access tokens: 1 h.
    pub access_token: Duration,
    /// ID tokens: 1 h.
    pub id_token: Duration,
    /// Refresh tokens: 90 days.
    pub refresh_token: Duration,
    /// Authorization codes: 300 s.
    pub code: Duration,
    /// Session tokens: 5 min.
    pub session_token: Duration,
}

impl Default for FakeLifetimes {
    fn default() -> Self {
        Self {
            access_token: Duration::from_secs(3600),
            id_token: Duration::from_secs(3600),
            refresh_token: Duration::from_secs(90 * 24 * 3600),
            code: Duration::from_secs(300),
            session_token: Duration::from_secs(300),
        }
    }
}

/// Refresh token behaviour of an app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// A new refresh token on every use (Okta's default for SPA and native apps).
    Rotate,
    /// The same refresh token until it expires (Okta's default for web apps).
    Static,
}

/// Per-app settings only the fake needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeApp {
    /// Its type; absent = [`AppType::infer`].
    pub app_type: Option<AppType>,
    /// Grant types enabled; absent = derived from the app's flow (+ `refresh_token`).
    pub grant_types: Option<Vec<String>>,
    /// Refresh token rotation; absent = Okta's default for the app type
    /// ([`AppType::default_rotation`]).
    pub rotation: Option<Rotation>,
    /// Grace period for a rotated-out refresh token. Default 30 s.
    pub rotation_grace: Option<Duration>,
    /// Whether `/authorize` requires PKCE; absent = required for public clients.
    pub pkce_required: Option<bool>,
    /// Further registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Its sign-out redirect URIs: where `/v1/logout` may send the browser back to.
    pub post_logout_redirect_uris: Vec<String>,
    /// What its sign-on policy asks of a user. Default [`SignOn::Password`].
    pub sign_on: SignOn,
    /// Whether users must consent to its scopes. Default [`Consent::Trusted`].
    pub consent: Consent,
}

/// Which endpoint a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultEndpoint {
    /// `/api/v1/authn`
    Authn,
    /// `/authorize`
    Authorize,
    /// `/token`
    Token,
    /// `/keys`
    Keys,
    /// discovery documents
    Discovery,
    /// `/userinfo`
    Userinfo,
    /// `/introspect`
    Introspect,
    /// `/revoke`
    Revoke,
    /// `/api/v1/authn/factors/{factorId}/verify`: a second factor's verification.
    Verify,
}

impl FaultEndpoint {
    /// Each endpoint with the name fixtures.yaml and the fake's admin API give it.
    pub const NAMED: [(&'static str, FaultEndpoint); 9] = [
        ("authn", FaultEndpoint::Authn),
        ("authorize", FaultEndpoint::Authorize),
        ("token", FaultEndpoint::Token),
        ("keys", FaultEndpoint::Keys),
        ("discovery", FaultEndpoint::Discovery),
        ("userinfo", FaultEndpoint::Userinfo),
        ("introspect", FaultEndpoint::Introspect),
        ("revoke", FaultEndpoint::Revoke),
        ("verify", FaultEndpoint::Verify),
    ];

    /// The endpoint called `name` in fixtures.yaml and the fake's admin API.
    pub fn from_name(name: &str) -> Option<FaultEndpoint> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
    }

    /// This endpoint's name in fixtures.yaml and the fake's admin API.
    pub fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, e)| *e == self)
            .map_or("", |(n, _)| n)
    }
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with real rate-limit headers; `reset` seconds until `X-Rate-Limit-Reset`.
    RateLimit {
        /// Seconds from now until the reset.
        reset: u64,
    },
    /// An HTTP status with Okta's error body for that endpoint.
    Status(u16),
    /// Delay before answering normally.
    Latency(Duration),
    /// Close the connection without answering.
    Drop,
    /// `/authorize` answers a page that is not a form_post.
    MalformedPage,
    /// An OAuth error: through the response mode at `/authorize`, as JSON at `/token`,
    /// `/introspect` and `/revoke`, in `WWW-Authenticate` at `/userinfo`.
    OAuthError {
        /// The `error` code, one of [`OAUTH_ERRORS`].
        error: &'static str,
        /// The `error_description`.
        description: String,
    },
    /// `/api/v1/authn/factors/{factorId}/verify` answers that the code was already used, in
    /// one of Okta's three ways, whatever the code.
    Replay(ReplayAnswer),
    /// `/api/v1/authn/factors/{factorId}/verify` answers `MFA_CHALLENGE` with `factorResult:
    /// TIME_WINDOW_EXCEEDED` ("Factor was successfully verified but outside of the computed
    /// time window"), whatever the code.
    TimeWindowExceeded,
}

/// The ways Okta says a one-time code was already used; a client should treat each as reuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplayAnswer {
    /// 200 `MFA_CHALLENGE` with `factorResult: PASSCODE_REPLAYED`: what Okta's Classic
    /// Authentication API reference documents, and the fake's own answer to a reused code.
    FactorResult,
    /// 403 `E0000068` "Invalid Passcode/Answer" whose cause says each code can be used once.
    InvalidPasscode,
    /// 403 `E0000082` "Each code can only be used once. Please wait for a new code and try
    /// again."
    E0000082,
}

impl ReplayAnswer {
    /// Each answer with the fault `kind` fixtures.yaml and the fake's admin API give it.
    pub const NAMED: [(&'static str, ReplayAnswer); 3] = [
        ("replay_factor_result", ReplayAnswer::FactorResult),
        ("replay_e0000068", ReplayAnswer::InvalidPasscode),
        ("replay_e0000082", ReplayAnswer::E0000082),
    ];

    /// The fault `kind` named `name`.
    pub fn from_name(name: &str) -> Option<ReplayAnswer> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// This answer's fault `kind` name.
    pub fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }
}

/// The OAuth `error` codes an `oauth_error` fault may answer: RFC 6749 §4.1.2.1 and §5.2,
/// OpenID Connect Core §3.1.2.6, RFC 6750 §3.1 and RFC 9449 (DPoP), as Okta answers them.
pub const OAUTH_ERRORS: [&str; 18] = [
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "unsupported_response_mode",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "consent_required",
    "invalid_client",
    "invalid_grant",
    "unsupported_grant_type",
    "invalid_token",
    "insufficient_scope",
    "invalid_dpop_proof",
    "use_dpop_nonce",
];

/// One injected fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    /// The endpoint.
    pub endpoint: FaultEndpoint,
    /// What happens.
    pub kind: FaultKind,
    /// Only for this username (authn, authorize, token with a user).
    pub user: Option<String>,
    /// Only for this client id.
    pub client_id: Option<String>,
    /// How many requests it hits; absent = until cleared.
    pub times: Option<u32>,
}

/// The `fake:` section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FakeSettings {
    /// The org's display name (the form_post page title).
    pub org_name: Option<String>,
    /// Per-user profile, groups, claims, forced status; keyed by the user key of `users:`.
    pub users: BTreeMap<String, FakeUser>,
    /// Claims, lifetimes and access policy per authorization server, keyed by the server's
    /// key (`org`, `default` or a key of `servers:`).
    pub servers: BTreeMap<String, FakeServer>,
    /// Per-app settings keyed by the app key of `apps:`.
    pub apps: BTreeMap<String, FakeApp>,
    /// Default lifetimes.
    pub lifetimes: FakeLifetimes,
    /// Faults active from start.
    pub faults: Vec<FaultSpec>,
}

impl Config {
    /// The user with this key, or an error naming the closest key.
    pub fn user(&self, name: &str) -> crate::Result<&User> {
        self.users
            .get(name)
            .ok_or_else(|| crate::Error::UnknownName {
                at: self.location("users"),
                kind: "user",
                name: name.to_owned(),
                hint: crate::suggest::hint(name, self.users.keys().map(String::as_str)),
            })
    }

    /// The app with this key, or an error naming the closest key.
    pub fn app(&self, name: &str) -> crate::Result<&App> {
        self.apps
            .get(name)
            .ok_or_else(|| crate::Error::UnknownName {
                at: self.location("apps"),
                kind: "app",
                name: name.to_owned(),
                hint: crate::suggest::hint(name, self.apps.keys().map(String::as_str)),
            })
    }

    /// The app a user signs in with when a test names none: the user's `app`, else the only
    /// user-flow (code or implicit) app of the file.
    pub fn user_app(&self, user: &User) -> crate::Result<&App> {
        if let Some(app) = &user.app {
            return self.app(app);
        }
        let mut user_apps = self
            .apps
            .values()
            .filter(|a| a.flow != Flow::ClientCredentials);
        match (user_apps.next(), user_apps.next()) {
            (Some(only), None) => Ok(only),
            (None, _) => Err(no_user_app(self.location("apps"))),
            (Some(_), Some(_)) => Err(crate::Error::Missing {
                at: self.location(
                    &crate::yaml_path::YamlPath::root()
                        .key("users")
                        .key(&user.name)
                        .to_string(),
                ),
                key: "app".into(),
            }),
        }
    }

    /// The key of the authorization server an app uses: its own `authorization_server`, else
    /// the file's.
    pub fn server_for<'a>(&'a self, app: &'a App) -> &'a str {
        app.authorization_server
            .as_deref()
            .unwrap_or(&self.authorization_server)
    }

    /// The authorization server called `key` (`org`, `default` or a key of `servers:`), or an
    /// error naming the closest key.
    pub fn server(&self, key: &str) -> crate::Result<&Server> {
        self.servers
            .get(key)
            .ok_or_else(|| crate::Error::UnknownName {
                at: self.location("servers"),
                kind: "authorization server",
                name: key.to_owned(),
                hint: crate::suggest::hint(key, self.servers.keys().map(String::as_str)),
            })
    }

    /// The servers in use: those the file's apps sign in with and each entry of `servers:`,
    /// sorted by key.
    pub fn servers_in_use(&self) -> Vec<&Server> {
        let keys: std::collections::BTreeSet<&str> = self
            .apps
            .values()
            .map(|a| self.server_for(a))
            .chain(
                self.servers
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != ORG_SERVER && *k != DEFAULT_SERVER),
            )
            .collect();
        keys.into_iter()
            .filter_map(|k| self.servers.get(k))
            .collect()
    }

    fn location(&self, path: &str) -> Box<crate::Location> {
        // A lookup by a test's name: the file and the section, not a line of it.
        Box::new(crate::Location {
            file: self.source.clone(),
            line_col: None,
            path: path.to_owned(),
        })
    }
}

/// No app can sign a user in: the error of [`Config::user_app`] and `Names::default_app`.
pub(crate) fn no_user_app(at: Box<crate::Location>) -> crate::Error {
    crate::Error::Conflict {
        at,
        why: "no app with `flow: code` or `flow: implicit` is defined to sign users in with".into(),
    }
}
