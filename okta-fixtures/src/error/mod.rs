//! The crate's one error type.
//!
//! `Error` is `Clone`: single-flight hands one failed sign-in to every test waiting for it, so
//! non-`Clone` causes are kept behind an `Arc`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod hints;

/// Everything that can go wrong getting tokens for a test.
///
/// Messages name what to fix (the YAML path, the env var, the user, the Okta status) and never
/// contain a password, client secret or token.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// fixtures.yaml could not be found, read or understood.
    #[error(transparent)]
    Config(Arc<okta_fixtures_config::Error>),

    /// `org_url: fake`, but the crate was built without its `fake` feature.
    #[error(
        "org_url is `fake` but okta-fixtures was built without its `fake` feature: in Cargo.toml \
         write `okta-fixtures = {{ version = \"{}\", features = [\"fake\"] }}` (it is on by \
         default) or point org_url at an Okta org",
        env!("CARGO_PKG_VERSION")
    )]
    FakeDisabled,

    /// A test, request or `org().server(…)` named an authorization server fixtures.yaml does not
    /// have.
    #[error(
        "{asked_by}unknown authorization server `{name}`{hint}; name `org`, `default` or a key of the \
         top-level `servers:` of fixtures.yaml (in `authorization_server`, as `server = \"…\"` \
         on the attribute, or in `.server(…)` on a request)"
    )]
    UnknownServer {
        /// Who asked, as `user `alice` with app `spa`: `, or nothing.
        asked_by: String,
        /// The name asked for.
        name: String,
        /// ", did you mean `x`?" or the names there are.
        hint: String,
    },

    /// A server's discovery document could not be read, or names endpoints secrets may not go
    /// to.
    #[error(
        "authorization server `{server}` (Okta id `{id}`): its discovery document {url} {problem}"
    )]
    Discovery {
        /// The server's name in fixtures.yaml.
        server: String,
        /// Its Okta id.
        id: String,
        /// The document's URL.
        url: String,
        /// What is wrong and what to check.
        problem: String,
    },

    /// A user was asked to sign in with a `client_credentials` app, which has no user.
    #[error(
        "user `{user}` cannot sign in with app `{app}`: it has `flow: client_credentials`, which \
         signs no user in; use app_tokens(\"{app}\") for its tokens, or name an app with \
         `flow: code` or `flow: implicit`"
    )]
    ServiceApp {
        /// The user key.
        user: String,
        /// The app key.
        app: String,
    },

    /// App tokens were asked of an app that signs a user in.
    #[error(
        "app `{app}` has `flow: {flow}`, which signs a user in: ask for tokens(\"<user>\") with \
         `.app(\"{app}\")`, or give the app `flow: client_credentials`"
    )]
    UserApp {
        /// The app key.
        app: String,
        /// Its flow (`code` or `implicit`).
        flow: &'static str,
    },

    /// `/api/v1/authn` answered a transaction status other than `SUCCESS` that cannot be
    /// skipped (`MFA_REQUIRED`, `LOCKED_OUT`, `PASSWORD_EXPIRED`, ...).
    #[error(
        "{sign_in}: /api/v1/authn answered status {status}: {}",
        hints::authn(status)
    )]
    AuthnStatus {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Okta's transaction status, e.g. `MFA_REQUIRED`.
        status: String,
    },

    /// `/api/v1/authn` answered 401 (`E0000004 Authentication failed`).
    #[error(
        "{sign_in}: /api/v1/authn rejected username `{username}` (HTTP 401 {code}: {summary}); \
         one of three causes: the password in fixtures.yaml is wrong (users.{}.password), or the \
         user is locked out (Okta hides lockouts behind this answer by default: unlock the user \
         in Okta), or the user is federated or social and has no Okta password (this technique \
         needs a user whose password Okta holds)",
        sign_in.user.as_deref().unwrap_or("?")
    )]
    AuthnRejected {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The Okta login used.
        username: String,
        /// Okta's `errorCode`, usually `E0000004`.
        code: String,
        /// Okta's `errorSummary`.
        summary: String,
    },

    /// `/api/v1/authn` refused this same password before (see [`Error::AuthnRejected`]), in
    /// this process or another one using the same cache folder, so it was not sent again: each
    /// retry would count toward Okta's lockout. Remembered until the password changes or
    /// `okta-fixtures cache clear` runs.
    #[error(
        "{sign_in}: did not send username `{username}`'s password again: /api/v1/authn refused \
         this same password before (HTTP 401 {code}: {summary}); {spared} sign-in attempt(s) \
         spared so far, each of which would count toward Okta's lockout (10 failed passwords by \
         default). Okta gives this answer for a wrong password, and also for a locked-out user \
         (Okta hides lockouts by default) or a federated or social user without an Okta \
         password. Fix users.{}.password in fixtures.yaml (or the environment variable it reads) \
         and it is tried at once; once the user is unlocked or fixed in Okta, run \
         `okta-fixtures cache clear` to try the same password again",
        sign_in.user.as_deref().unwrap_or("?")
    )]
    AuthnRefusedBefore {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The Okta login used.
        username: String,
        /// Okta's `errorCode` of the first refusal, usually `E0000004`.
        code: String,
        /// Okta's `errorSummary` of the first refusal.
        summary: String,
        /// Sign-in attempts not sent since the first refusal, this one included.
        spared: u64,
    },

    /// `/api/v1/authn` asked for a second factor (`MFA_REQUIRED`) that this technique cannot
    /// answer: the user has no `totp` secret in fixtures.yaml, or Okta offered no TOTP factor.
    #[error(
        "{sign_in}: /api/v1/authn asks for a second factor (MFA_REQUIRED) and offered {offered}; \
         {}",
        hints::mfa(sign_in.user.as_deref().unwrap_or("?"), *has_secret)
    )]
    MfaUnanswerable {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The factors Okta offered, as `type (provider)`, e.g. `push (OKTA), sms (OKTA)`.
        offered: String,
        /// Whether the user has a `totp` secret in fixtures.yaml (then Okta offered no TOTP
        /// factor).
        has_secret: bool,
    },

    /// Okta refused the TOTP code (`E0000068`, not a reuse): the secret or this machine's clock
    /// is wrong.
    #[error(
        "{sign_in}: Okta refused the TOTP code of factor {factor} ({endpoint} answered HTTP 403 \
         {code}: {summary}); {}",
        hints::totp_secret(sign_in.user.as_deref().unwrap_or("?"))
    )]
    TotpRejected {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The factor, as `token:software:totp (GOOGLE)`.
        factor: String,
        /// Method and URL (no query).
        endpoint: String,
        /// Okta's `errorCode`, `E0000068`.
        code: String,
        /// Okta's `errorSummary`.
        summary: String,
    },

    /// Okta locked the user's TOTP factor after failed codes (`E0000069`).
    #[error(
        "{sign_in}: Okta locked factor {factor} after failed codes ({endpoint} answered HTTP 403 \
         {code}: {summary}); an administrator must reset the factor in Okta (Directory > People > \
         the user > More Actions > Reset Multifactor, then enrol it again and put its new secret \
         in fixtures.yaml) or wait for the lock to end; {}",
        hints::totp_secret(sign_in.user.as_deref().unwrap_or("?"))
    )]
    TotpLocked {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The factor, as `token:software:totp (OKTA)`.
        factor: String,
        /// Method and URL (no query).
        endpoint: String,
        /// Okta's `errorCode`, `E0000069`.
        code: String,
        /// Okta's `errorSummary`.
        summary: String,
    },

    /// Okta refused this same TOTP secret before (wrong code or locked factor), in this process
    /// or another one using the same cache folder, so no code of it was sent again: each would
    /// count toward the factor's lockout.
    #[error(
        "{sign_in}: did not send a code of this TOTP secret again: Okta refused it before \
         ({code}: {summary}); {spared} sign-in attempt(s) spared so far, each of which would \
         count toward the factor's lockout. {} It is tried at once when the secret changes; once \
         the factor is reset or unlocked in Okta, run `okta-fixtures cache clear` to try the same \
         secret again",
        hints::totp_secret(sign_in.user.as_deref().unwrap_or("?"))
    )]
    TotpRefusedBefore {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Okta's `errorCode` of the first refusal (`E0000068` or `E0000069`).
        code: String,
        /// Okta's `errorSummary` of the first refusal.
        summary: String,
        /// Sign-in attempts not sent since the first refusal, this one included.
        spared: u64,
    },

    /// Okta still refused the TOTP step after the one retry it allows: a code used again
    /// after waiting for a new one, or a time window or `stateToken` that ran out again
    /// after signing in anew.
    #[error(
        "{sign_in}: Okta refused the TOTP code again after a retry ({why}); check this machine's \
         clock and network, and that no other client (a phone's authenticator, another tool) \
         signs the user in with the same secret"
    )]
    TotpRetried {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// What Okta answered the second time, e.g. `code already used (E0000082)`.
        why: String,
    },

    /// The user's `totp` is not a base32 secret (a `User` built in code; fixtures.yaml's loader
    /// refuses such a value at its line).
    #[error(
        "{sign_in}: users.{}.totp is not a base32 secret, so no TOTP code can be computed; put the \
         base32 secret of the user's TOTP factor there",
        sign_in.user.as_deref().unwrap_or("?")
    )]
    TotpSecretInvalid {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
    },

    /// Okta published a factor `verify` link outside the org: no code is sent there.
    #[error(
        "{sign_in}: Okta's MFA_REQUIRED answer points the factor's verify link at {href}, outside \
         org_url; no code was sent there. Check org_url in fixtures.yaml and any proxy in between"
    )]
    VerifyElsewhere {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The link, without query or fragment.
        href: String,
    },

    /// `/authorize` sent back an OAuth error (`login_required`, `access_denied`, ...).
    #[error(
        "{sign_in}: /authorize answered error `{error}`{}: {}",
        hints::quoted(description),
        hints::authorize(error, description.as_deref())
    )]
    Authorize {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The OAuth `error`.
        error: String,
        /// The OAuth `error_description`.
        description: Option<String>,
    },

    /// `/authorize` answered an HTML page that is not a form_post to the app's redirect URI.
    #[error(
        "{sign_in}: /authorize answered HTTP {status} with {page} instead of a form_post to the \
         app's redirect_uri; {}",
        hints::page(page)
    )]
    NotFormPost {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The HTTP status.
        status: u16,
        /// What the page was.
        page: AuthorizePage,
    },

    /// `/authorize` answered a redirect instead of a form_post page.
    #[error(
        "{sign_in}: /authorize redirected (HTTP {status}) to {location} instead of answering with \
         a form_post page; {}",
        hints::redirect(*to_redirect_uri)
    )]
    AuthorizeRedirect {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The HTTP status.
        status: u16,
        /// Where to, without query or fragment (they may carry a code or tokens).
        location: String,
        /// Whether it points at the app's redirect URI (rather than a sign-in page).
        to_redirect_uri: bool,
    },

    /// The form_post page carried a `state` other than the one this flow sent.
    #[error(
        "{sign_in}: the form_post page from /authorize carries a `state` this flow did not send; \
         the answer belongs to another request (a shared session or a proxy mixing responses)"
    )]
    StateMismatch {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
    },

    /// The form_post page lacks what the flow asked for.
    #[error(
        "{sign_in}: the form_post page from /authorize carries no `{missing}`; check that the \
         app's grant types in Okta allow what fixtures.yaml asks for (flow, response_type)"
    )]
    MissingInForm {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// The missing field, e.g. `code` or `id_token`.
        missing: &'static str,
    },

    /// `/token` answered an OAuth error.
    #[error(
        "{sign_in}: {endpoint} answered HTTP {status} error `{error}`{}: {}",
        hints::quoted(description),
        hints::token(error, description.as_deref())
    )]
    Token {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The OAuth `error`.
        error: String,
        /// The OAuth `error_description`.
        description: Option<String>,
    },

    /// An Okta API error body (`errorCode`, `errorSummary`) from any endpoint.
    #[error(
        "{sign_in}: {endpoint} answered HTTP {status} {code} ({summary}){}",
        hints::okta(code)
    )]
    Okta {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// Okta's `errorCode`, e.g. `E0000007`.
        code: String,
        /// Okta's `errorSummary`.
        summary: String,
    },

    /// The ID token failed verification.
    #[error(
        "{sign_in}: the ID token failed verification: {problem}; if the org is right, turn \
         verification off with `verify: {{id_token: false}}` in fixtures.yaml"
    )]
    IdToken {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// What was wrong.
        problem: IdTokenProblem,
    },

    /// Okta kept answering 429 after the allowed retries.
    #[error(
        "{sign_in}: {endpoint} is rate limited (HTTP 429){}; Okta allows 4 sign-ins per second \
         per user: let tests share tokens (the cache does) or raise `http.rate_limit_retries` / \
         `http.max_rate_limit_wait` in fixtures.yaml",
        hints::rate_limit(*retries, *reset_in)
    )]
    RateLimited {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// Retries made.
        retries: u32,
        /// How far away the last `X-Rate-Limit-Reset` was, when it was too far to wait for.
        reset_in: Option<Duration>,
    },

    /// A request timed out.
    #[error(
        "{sign_in}: {endpoint} did not answer within {after:?}; check that org_url is reachable, \
         or raise `http.timeout` in fixtures.yaml"
    )]
    Timeout {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The timeout.
        after: Duration,
    },

    /// An answer's body was longer than the library reads: Okta's pages and JSON are a few KiB,
    /// so this is a server or proxy that is not Okta, or one sending without end.
    #[error(
        "{sign_in}: {endpoint} answered with a body over {limit} bytes, more than Okta sends; \
         check org_url and any proxy in between"
    )]
    TooLarge {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The most the library reads, in bytes.
        limit: usize,
    },

    /// A request failed below HTTP (connection refused, TLS, DNS, a dropped connection).
    #[error("{sign_in}: request to {endpoint} failed; check org_url and the network")]
    Http {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The cause, its URL removed (it may carry a sessionToken).
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// An answer that is not what Okta sends.
    #[error("{sign_in}: {endpoint} answered HTTP {status} with {what}; is org_url an Okta org?")]
    Unexpected {
        /// Whose sign-in.
        sign_in: Box<SignIn>,
        /// Method and URL (no query).
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// What came instead, in words that quote no value.
        what: String,
    },

    /// The library's worker thread could not run the request.
    #[error("the okta-fixtures worker stopped before answering; this is a bug in okta-fixtures")]
    WorkerStopped,

    /// The embedded fake Okta could not listen on its address.
    #[cfg(feature = "fake")]
    #[error("the fake okta could not listen on {addr}; pick a free address or leave it unset")]
    FakeStart {
        /// The address it tried.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The embedded fake Okta's signing keys could not be kept in their folder.
    #[cfg(feature = "fake")]
    #[error(
        "the fake okta's signing keys in {} could not be {action}; check that the folder is \
         yours and writable, or set OKTA_FIXTURES_CACHE_DIR",
        dir.display()
    )]
    FakeKeys {
        /// The key folder.
        dir: std::path::PathBuf,
        /// What failed: `used`, `locked`, `read`, `generated` or `written`.
        action: &'static str,
        /// Why.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The disk token cache could not be used.
    #[error(
        "the token cache at {} could not be {action}; check that the folder is yours and \
         writable, set OKTA_FIXTURES_CACHE_DIR to another folder, or set `cache: {{store: \
         memory}}` in fixtures.yaml",
        path.display()
    )]
    Cache {
        /// The folder or file.
        path: std::path::PathBuf,
        /// What failed: `used`, `opened` or `locked`.
        action: &'static str,
        /// Why.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// Another process held a token cache lock for longer than a sign-in may take.
    #[error(
        "waited {}s for the token cache lock {}: another test process has been renewing the \
         same tokens for longer than a sign-in may take (the wait follows `http.timeout` in \
         fixtures.yaml); look for a hung test process (a process that dies releases the lock)",
        waited.as_secs(),
        path.display()
    )]
    CacheLocked {
        /// The lock file.
        path: std::path::PathBuf,
        /// How long this process waited.
        waited: Duration,
    },

    /// `cache.store: redis` in a build without the `redis` feature.
    #[error(
        "{at}: `cache.store: redis` needs the `redis` feature of okta-fixtures; in Cargo.toml \
         write `okta-fixtures = {{ version = \"{}\", features = [\"redis\"] }}`, or set \
         `cache.store: disk`",
        env!("CARGO_PKG_VERSION")
    )]
    RedisFeature {
        /// Where `cache.store: redis` is (file:line:column and YAML path).
        at: String,
    },

    /// Redis (`cache.store: redis`) could not be used: unreachable, too slow, or refusing a
    /// command. Names the server by scheme, host and port only, never the password.
    #[error(
        "cache.redis_url ({url}): {problem} while {action}; check that Redis runs there, that \
         `cache.redis_url` names it, and that its user may run GET, SET, DEL, PEXPIRE, EVAL, \
         SCAN and PTTL on the namespace's keys"
    )]
    Redis {
        /// `scheme://host:port`.
        url: String,
        /// What okta-fixtures was doing.
        action: &'static str,
        /// What went wrong, with any password removed.
        problem: String,
    },

    /// Another machine held a token's Redis lock for longer than a sign-in may take.
    #[error(
        "waited {}s for the Redis lock of {key} at cache.redis_url ({url}): another machine \
         has been renewing the same tokens for longer than a sign-in may take (the wait \
         follows `http.timeout` in fixtures.yaml); a machine that dies releases it within \
         its lock time",
        waited.as_secs()
    )]
    RedisLocked {
        /// `scheme://host:port`.
        url: String,
        /// Whose tokens (user, app), in words.
        key: String,
        /// How long this process waited.
        waited: Duration,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The server `name`, which `config` does not have: the error names the closest, and
    /// `asked_by` (`user `alice` with app `spa``) when a sign-in asked.
    pub(crate) fn unknown_server(
        config: &okta_fixtures_config::Config,
        name: &str,
        asked_by: Option<String>,
    ) -> Error {
        let hint = match config.server(name) {
            Err(okta_fixtures_config::Error::UnknownName { hint, .. }) => hint,
            _ => String::new(),
        };
        Error::UnknownServer {
            asked_by: asked_by.map(|who| format!("{who}: ")).unwrap_or_default(),
            name: name.to_owned(),
            hint,
        }
    }
}

impl From<okta_fixtures_config::Error> for Error {
    fn from(e: okta_fixtures_config::Error) -> Self {
        Error::Config(Arc::new(e))
    }
}

/// Whose sign-in an error is about: the user and app keys of fixtures.yaml and the
/// authorization server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignIn {
    /// The user key (`None` for a `client_credentials` app).
    pub user: Option<String>,
    /// The app key.
    pub app: String,
    /// The authorization server's name in fixtures.yaml (`org`, `default` or a key of
    /// `servers:`).
    pub server: String,
}

impl SignIn {
    pub(crate) fn new(user: Option<&str>, app: &str, server: &str) -> Self {
        Self {
            user: user.map(str::to_owned),
            app: app.to_owned(),
            server: server.to_owned(),
        }
    }
}

impl fmt::Display for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "user `{user}` with ")?;
        }
        write!(f, "app `{}` (server `{}`)", self.app, self.server)
    }
}

/// What `/authorize` answered when it was not the expected form_post page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizePage {
    /// An Okta sign-in page: Okta wants an interactive sign-in.
    SignIn,
    /// An Okta error page (as for an unknown client or an unregistered redirect URI).
    OktaError {
        /// The page's "Error Code", e.g. `invalid_request`.
        code: Option<String>,
        /// The page's "Description".
        description: Option<String>,
    },
    /// A form posting somewhere other than the app's redirect URI.
    OtherForm {
        /// The form's action, without query or fragment.
        action: String,
    },
    /// Any other page.
    Other {
        /// The page title, when it has one.
        title: Option<String>,
    },
}

impl fmt::Display for AuthorizePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizePage::SignIn => f.write_str("a sign-in page"),
            AuthorizePage::OktaError { code, description } => {
                f.write_str("an error page")?;
                if let Some(code) = code {
                    write!(f, " (Error Code: {code}")?;
                    if let Some(d) = description {
                        write!(f, "; Description: {d}")?;
                    }
                    f.write_str(")")?;
                } else if let Some(d) = description {
                    write!(f, " (Description: {d})")?;
                }
                Ok(())
            }
            AuthorizePage::OtherForm { action } => write!(f, "a form posting to {action}"),
            AuthorizePage::Other { title: Some(t) } => write!(f, "a page titled \"{t}\""),
            AuthorizePage::Other { title: None } => f.write_str("a page without a form"),
        }
    }
}

/// Why an ID token was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenProblem {
    /// Not a JWT, or its header or claims are not JSON.
    Malformed,
    /// Signed with an algorithm other than RS256.
    Algorithm(String),
    /// No key with this `kid` in the server's JWKS, even after fetching it again.
    UnknownKey(String),
    /// The signature does not match the key.
    Signature,
    /// `iss` is not the server's issuer.
    Issuer {
        /// The issuer expected.
        expected: String,
        /// The `iss` found (absent when missing).
        found: Option<String>,
    },
    /// `aud` is not the app's client id.
    Audience {
        /// The client id expected.
        expected: String,
    },
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nonce` is not the one this flow sent.
    Nonce,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// `at_hash` does not match the access token handed out beside the ID token: the access
    /// token was swapped on its way, or the ID token belongs to another one.
    AccessTokenHash,
    /// The server's JWKS could not be used.
    Keys(String),
}

impl fmt::Display for IdTokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdTokenProblem::Malformed => f.write_str("it is not a well-formed JWT"),
            IdTokenProblem::Algorithm(alg) => write!(f, "it is signed with {alg}, not RS256"),
            IdTokenProblem::UnknownKey(kid) => {
                write!(f, "its key id `{kid}` is not in the server's JWKS")
            }
            IdTokenProblem::Signature => {
                f.write_str("its signature does not match the server's key")
            }
            IdTokenProblem::Issuer { expected, found } => match found {
                Some(found) => write!(f, "its issuer is `{found}`, expected `{expected}`"),
                None => write!(f, "it has no issuer, expected `{expected}`"),
            },
            IdTokenProblem::Audience { expected } => {
                write!(f, "its audience is not the client id `{expected}`")
            }
            IdTokenProblem::Expired => {
                f.write_str("it has expired (check this machine's clock or `verify.leeway`)")
            }
            IdTokenProblem::Nonce => f.write_str("its nonce is not the one this flow sent"),
            IdTokenProblem::MissingClaim(c) => write!(f, "it has no `{c}` claim"),
            IdTokenProblem::AccessTokenHash => f.write_str(
                "its `at_hash` does not match the access token handed out beside it (the access \
                 token was replaced on its way)",
            ),
            IdTokenProblem::Keys(why) => write!(f, "the server's JWKS is unusable: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn alice() -> Box<SignIn> {
        Box::new(SignIn::new(Some("alice"), "spa", "default"))
    }

    #[rstest]
    #[case::authn_status(
        Error::AuthnStatus { sign_in: alice(), status: "MFA_REQUIRED".into() },
        &["MFA_REQUIRED", "exempt the"]
    )]
    #[case::authn_rejected(
        Error::AuthnRejected {
            sign_in: alice(),
            username: "alice@example.com".into(),
            code: "E0000004".into(),
            summary: "Authentication failed".into(),
        },
        &["users.alice.password", "locked", "federated"]
    )]
    #[case::authn_refused_before(
        Error::AuthnRefusedBefore {
            sign_in: alice(),
            username: "alice@example.com".into(),
            code: "E0000004".into(),
            summary: "Authentication failed".into(),
            spared: 3,
        },
        &["users.alice.password", "locked", "federated", "3 sign-in attempt(s) spared", "okta-fixtures cache clear"]
    )]
    #[case::mfa_no_secret(
        Error::MfaUnanswerable {
            sign_in: alice(),
            offered: "these factors: push (OKTA), token:software:totp (OKTA)".into(),
            has_secret: false,
        },
        &["MFA_REQUIRED", "push (OKTA)", "users.alice has no `totp`", "totp: ${OKTA_ALICE_TOTP}", "Okta Verify or Google Authenticator"]
    )]
    #[case::mfa_no_totp_factor(
        Error::MfaUnanswerable {
            sign_in: alice(),
            offered: "these factors: sms (OKTA)".into(),
            has_secret: true,
        },
        &["sms (OKTA)", "none is a TOTP factor", "enrol the test user in Okta Verify or Google Authenticator", "exempt the test user from MFA"]
    )]
    #[case::totp_rejected(
        Error::TotpRejected {
            sign_in: alice(),
            factor: "token:software:totp (GOOGLE)".into(),
            endpoint: "POST https://x/api/v1/authn/factors/f/verify".into(),
            code: "E0000068".into(),
            summary: "Invalid Passcode/Answer".into(),
        },
        &["E0000068", "token:software:totp (GOOGLE)", "users.alice.totp", "OKTA_ALICE_TOTP", "clock"]
    )]
    #[case::totp_locked(
        Error::TotpLocked {
            sign_in: alice(),
            factor: "token:software:totp (OKTA)".into(),
            endpoint: "POST https://x/api/v1/authn/factors/f/verify".into(),
            code: "E0000069".into(),
            summary: "User Locked".into(),
        },
        &["E0000069", "locked", "Reset Multifactor", "users.alice.totp"]
    )]
    #[case::totp_refused_before(
        Error::TotpRefusedBefore {
            sign_in: alice(),
            code: "E0000068".into(),
            summary: "Invalid Passcode/Answer".into(),
            spared: 2,
        },
        &["2 sign-in attempt(s) spared", "users.alice.totp", "okta-fixtures cache clear"]
    )]
    fn messages_name_the_user_app_and_fix(#[case] e: Error, #[case] parts: &[&str]) {
        let msg = e.to_string();
        assert!(
            msg.starts_with("user `alice` with app `spa` (server `default`)"),
            "{msg}"
        );
        for part in parts {
            assert!(msg.contains(part), "{part} missing from {msg}");
        }
    }

    #[test]
    fn service_sign_in_names_no_user() {
        let s = SignIn::new(None, "reports", "default");
        assert_eq!(s.to_string(), "app `reports` (server `default`)");
    }

    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
