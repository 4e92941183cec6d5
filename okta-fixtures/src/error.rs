//! The crate's one error type.
//!
//! `Error` is `Clone`: single-flight hands one failed sign-in to every test waiting for it, so
//! non-`Clone` causes are kept behind an `Arc`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

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
        authn_fix(status)
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

    /// `/authorize` sent back an OAuth error (`login_required`, `access_denied`, ...).
    #[error(
        "{sign_in}: /authorize answered error `{error}`{}: {}",
        quoted(description),
        authorize_hint(error, description.as_deref())
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
        page.hint()
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
        redirect_hint(*to_redirect_uri)
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
        quoted(description),
        token_hint(error, description.as_deref())
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
        okta_hint(code)
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
        rate_limit_detail(*retries, *reset_in)
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
        /// What failed: `created`, `locked`, `read`, `generated` or `written`.
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
        /// What failed: `created`, `made private (0700)`, `opened`, `locked` or `used`.
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
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    /// The authorization server id (`org` or a custom server id).
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

impl AuthorizePage {
    fn hint(&self) -> &'static str {
        match self {
            AuthorizePage::SignIn => {
                "Okta did not accept the sessionToken and wants an interactive sign-in: usually \
                 the app's sign-on policy (Identity Engine: authentication policy) asks this user \
                 for a second factor; exempt the test user from MFA for this app"
            }
            AuthorizePage::OktaError { code, description } => {
                let d = description.as_deref().unwrap_or_default();
                match code.as_deref() {
                    Some("invalid_client") => {
                        "Okta does not know the client: check `client_id` of the app in \
                         fixtures.yaml and that the app is active in Okta"
                    }
                    _ if d.contains("redirect_uri") => {
                        "the app's `redirect_uri` in fixtures.yaml must be one of the app's \
                         Sign-in redirect URIs in Okta, exactly"
                    }
                    _ if d.contains("state") => {
                        "Okta refused the state parameter; this is a bug in okta-fixtures"
                    }
                    _ => "fix what the description names in the app's settings or fixtures.yaml",
                }
            }
            AuthorizePage::OtherForm { .. } => {
                "the app's `redirect_uri` in fixtures.yaml must be the URI Okta posts to: make \
                 them the same"
            }
            AuthorizePage::Other { .. } => "is org_url an Okta org?",
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
            IdTokenProblem::Keys(why) => write!(f, "the server's JWKS is unusable: {why}"),
        }
    }
}

fn quoted(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" (\"{d}\")"),
        _ => String::new(),
    }
}

fn authn_fix(status: &str) -> &'static str {
    match status {
        "MFA_REQUIRED" | "MFA_CHALLENGE" => {
            "the user must verify a second factor, which this technique cannot do; exempt the \
             test user from MFA in the global session policy (Classic: Okta sign-on policy), \
             e.g. with a password-only rule for a test-users group"
        }
        "MFA_ENROLL" => {
            "the user must enroll a factor and the policy offers no skip; make every \
             authenticator optional for the test user in the authenticator enrollment policy \
             (Classic: MFA enrollment policy)"
        }
        "MFA_ENROLL_ACTIVATE" => {
            "a factor enrollment awaits activation; reset the user's factors in Okta (Reset \
             Multifactor) and make enrollment optional for the test user"
        }
        "LOCKED_OUT" => {
            "the user is locked out; unlock the user in Okta, and check the password in \
             fixtures.yaml (wrong passwords lock the user again)"
        }
        "PASSWORD_EXPIRED" => {
            "the user's password has expired; reset it in Okta and put the new one in \
             fixtures.yaml, or exempt the user from password expiry in the password policy"
        }
        "PASSWORD_RESET" => {
            "the user must choose a new password; set one in Okta as an administrator and put it \
             in fixtures.yaml"
        }
        "PASSWORD_WARN" => {
            "the password is about to expire and Okta offered no skip; reset it in Okta and put \
             the new one in fixtures.yaml"
        }
        "RECOVERY" | "RECOVERY_CHALLENGE" => {
            "a password recovery is in progress for the user; finish or cancel it in Okta"
        }
        _ => {
            "this technique needs status SUCCESS with a password alone; check the user's sign-on \
             and enrollment policies in Okta"
        }
    }
}

fn authorize_hint(error: &str, description: Option<&str>) -> &'static str {
    let d = description.unwrap_or_default();
    match error {
        "login_required" if d.contains("MFA") || d.contains("re-authentication") => {
            "the app's sign-on policy (Identity Engine: authentication policy) asks this user for \
             a second factor, which this technique cannot give; exempt the test user from MFA \
             for this app"
        }
        "login_required" => {
            "Okta did not accept the sessionToken (spent, expired, or refused by the app's \
             sign-on policy); if it persists, check that the app's policy allows a password-only \
             sign-in for this user"
        }
        "access_denied" if d.contains("not assigned") => {
            "assign the user (or a group of theirs, such as Everyone) to the app in Okta"
        }
        "access_denied" if d.contains("Policy evaluation") => {
            "give the authorization server an access policy with a rule that covers this app, \
             this user, the grant type and the scopes"
        }
        "access_denied" => "check the app's assignments and the authorization server's policies",
        "consent_required" => {
            "the app requires user consent, which this technique cannot give; turn off consent \
             for the app (General: User consent) or for the scopes, or ask for fewer scopes"
        }
        "invalid_scope" => {
            "a scope asked for is not defined on the authorization server or not allowed by its \
             policy; fix `scopes` in fixtures.yaml (or the test) or add the scope to the server"
        }
        "unsupported_response_type" => {
            "the app does not allow this response type; enable the grant type in the app's \
             settings (Authorization Code, or Implicit with ID/access token) or change `flow` / \
             `response_type` in fixtures.yaml"
        }
        "unauthorized_client" => {
            "the app is not allowed this grant type; enable it in the app's settings in Okta"
        }
        "interaction_required" => {
            "the app uses the Identity Engine interaction code flow; turn Interaction Code off \
             in the app's grant types"
        }
        "invalid_client" => "check `client_id` of the app in fixtures.yaml",
        "invalid_request" if d.contains("PKCE") => {
            "the app requires PKCE: remove `pkce: false` from the app in fixtures.yaml, or turn \
             off 'Require PKCE' in the app's settings"
        }
        "invalid_request" => {
            "fix what the description names in fixtures.yaml or the app's settings"
        }
        "server_error" | "temporarily_unavailable" => "Okta failed; try again later",
        _ => "fix what the description names in fixtures.yaml or the app's settings",
    }
}

fn redirect_hint(to_redirect_uri: bool) -> &'static str {
    if to_redirect_uri {
        "Okta ignored response_mode=form_post; check that the app allows it"
    } else {
        "Okta wants an interactive sign-in: the sessionToken was not accepted, usually because \
         the app's sign-on policy asks this user for a second factor; exempt the test user from \
         MFA for this app"
    }
}

fn token_hint(error: &str, description: Option<&str>) -> &'static str {
    let d = description.unwrap_or_default();
    match error {
        "invalid_client" => {
            "check `client_id` and `client_secret` of the app in fixtures.yaml, and that \
             `token_endpoint_auth` matches the app's Client authentication in Okta \
             (client_secret_basic or client_secret_post; a public app has no secret)"
        }
        "invalid_grant" if d.contains("PKCE") => {
            "PKCE verification failed; if the app has no PKCE in Okta, set `pkce: false` on it \
             in fixtures.yaml"
        }
        "invalid_grant" => {
            "Okta rejected the code (it lives 300 s and is single use; check this machine's \
             clock and that nothing else redeems it)"
        }
        "invalid_request" if d.contains("PKCE") => {
            "the app requires PKCE: remove `pkce: false` from the app in fixtures.yaml"
        }
        "unauthorized_client" | "unsupported_grant_type" => {
            "enable the grant type (Authorization Code, Client Credentials, Refresh Token) in the \
             app's settings in Okta"
        }
        "invalid_scope" => {
            "ask for scopes the authorization server defines and its policy grants; a \
             client_credentials app may only ask for custom scopes (not openid)"
        }
        "access_denied" => {
            "give the authorization server an access policy with a rule that covers this app, \
             the grant type and the scopes"
        }
        _ => "fix what the description names in fixtures.yaml or the app's settings",
    }
}

fn okta_hint(code: &str) -> &'static str {
    match code {
        "E0000007" => {
            "; the authorization server does not exist: fix `authorization_server` in \
             fixtures.yaml, or the server the test names (`server = \"…\"` on the attribute, \
             `.server(…)` on a request): `org` or a custom server id such as `default`"
        }
        "E0000047" => "; Okta's rate limit: let tests share tokens",
        "E0000006" | "E0000005" => "; the user may not sign in to this org or app",
        "E0000009" => "; Okta failed, try again later",
        _ => "",
    }
}

fn rate_limit_detail(retries: u32, reset_in: Option<Duration>) -> String {
    match reset_in {
        Some(d) => format!(
            " and resets in {}s, longer than `http.max_rate_limit_wait` (after {retries} retries)",
            d.as_secs()
        ),
        None => format!(" after {retries} retries"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Box<SignIn> {
        Box::new(SignIn::new(Some("alice"), "spa", "default"))
    }

    #[test]
    fn messages_name_the_user_app_and_fix() {
        let e = Error::AuthnStatus {
            sign_in: alice(),
            status: "MFA_REQUIRED".into(),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("user `alice` with app `spa` (server `default`)"),
            "{msg}"
        );
        assert!(
            msg.contains("MFA_REQUIRED") && msg.contains("exempt the"),
            "{msg}"
        );

        let e = Error::AuthnRejected {
            sign_in: alice(),
            username: "alice@example.com".into(),
            code: "E0000004".into(),
            summary: "Authentication failed".into(),
        };
        let msg = e.to_string();
        for part in ["users.alice.password", "locked", "federated"] {
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
