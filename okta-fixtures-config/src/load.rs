//! Reading fixtures.yaml: parse, check the shape, check names, expand `${VAR}`s, apply
//! defaults and check values.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::interpolate::expand;
use crate::locate::{Doc, Target};
use crate::node::Node;
use crate::raw::{
    self, RawApp, RawConfig, RawFake, RawFakeUser, RawLifetimes, RawPolicy, RawUser, Setting, Text,
    Words,
};
use crate::schema::*;
use crate::yaml_path::YamlPath;
use crate::{Error, Result, Secret, duration, suggest};

/// Reads and resolves the file at `path`; `env` reads environment variables (pass
/// `&|name| std::env::var(name).ok()` for the process environment).
///
/// Errors name the file, the YAML path and, where the path exists in the text, its
/// `line:column`; none quotes a value of the file.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let text = crate::read_text(path)?;
    parse_str(&text, Some(path), env)
}

/// Parses and resolves fixtures.yaml text. `source` names the file in errors and becomes
/// [`Config::source`]; `env` reads environment variables and is the only way any is read.
///
/// ```
/// use okta_fixtures_config::{Flow, OrgUrl, parse_str};
///
/// let yaml = "
/// org_url: ${OKTA_ORG_URL:-fake}
/// apps:
///   spa:
///     client_id: spa-client
///     redirect_uri: http://localhost:8080/login/callback
///     flow: code
/// users:
///   alice:
///     username: alice@example.com
///     password: ${ALICE_PASSWORD:-correct-horse}
/// ";
/// let config = parse_str(yaml, None, &|_| None).unwrap();
/// assert_eq!(config.org_url, OrgUrl::Fake);
/// assert_eq!(config.apps["spa"].scopes, ["openid", "profile", "email"]);
///
/// let env = |name: &str| (name == "OKTA_ORG_URL").then(|| "https://dev-123.okta.com/".to_owned());
/// let config = parse_str(yaml, None, &env).unwrap();
/// assert_eq!(config.org_url, OrgUrl::Url("https://dev-123.okta.com".into()));
/// ```
pub fn parse_str(
    text: &str,
    source: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config> {
    let doc = Doc {
        text,
        file: source.map(Path::to_path_buf),
    };
    let raw = raw::read(&doc)?;
    Resolver { doc: &doc, env }.config(&raw)
}

const RESPONSE_TYPES: &[(&str, ResponseType)] = &[
    ("id_token", ResponseType::IdToken),
    ("token", ResponseType::Token),
];

const TOKEN_ENDPOINT_AUTHS: &[(&str, TokenEndpointAuth)] = &[
    ("client_secret_basic", TokenEndpointAuth::ClientSecretBasic),
    ("client_secret_post", TokenEndpointAuth::ClientSecretPost),
    ("none", TokenEndpointAuth::None),
];

const CACHE_STORES: &[(&str, CacheStore)] =
    &[("disk", CacheStore::Disk), ("memory", CacheStore::Memory)];

const AUTHN_STATUSES: &[(&str, AuthnStatus)] = &[
    ("SUCCESS", AuthnStatus::Success),
    ("PASSWORD_WARN", AuthnStatus::PasswordWarn),
    ("PASSWORD_EXPIRED", AuthnStatus::PasswordExpired),
    ("PASSWORD_RESET", AuthnStatus::PasswordReset),
    ("MFA_ENROLL_OPTIONAL", AuthnStatus::MfaEnrollOptional),
    ("MFA_ENROLL", AuthnStatus::MfaEnroll),
    ("MFA_REQUIRED", AuthnStatus::MfaRequired),
    ("LOCKED_OUT", AuthnStatus::LockedOut),
    ("LOCKED_OUT_HIDDEN", AuthnStatus::LockedOutHidden),
    ("FEDERATED", AuthnStatus::Federated),
];

const ROTATIONS: &[(&str, Rotation)] =
    &[("rotate", Rotation::Rotate), ("static", Rotation::Static)];

const APP_TYPES: &[(&str, AppType)] = &[
    ("spa", AppType::Spa),
    ("web", AppType::Web),
    ("native", AppType::Native),
    ("service", AppType::Service),
];

const SIGN_ONS: &[(&str, SignOn)] = &[
    ("password", SignOn::Password),
    ("second_factor", SignOn::SecondFactor),
];

const CONSENTS: &[(&str, Consent)] = &[
    ("trusted", Consent::Trusted),
    ("required", Consent::Required),
];

const FAULT_KINDS: &[&str] = &[
    "rate_limit",
    "status",
    "latency",
    "drop",
    "malformed_page",
    "oauth_error",
    "replay_factor_result",
    "replay_e0000068",
    "replay_e0000082",
    "time_window_exceeded",
];

/// The endpoints that answer OAuth errors, where an `oauth_error` fault can act.
const OAUTH_ENDPOINTS: [FaultEndpoint; 5] = [
    FaultEndpoint::Authorize,
    FaultEndpoint::Token,
    FaultEndpoint::Userinfo,
    FaultEndpoint::Introspect,
    FaultEndpoint::Revoke,
];

/// What `read` makes of a setting the file gives, else `default`.
fn setting_or<S, T>(
    setting: &Option<S>,
    default: T,
    read: impl FnOnce(&S) -> Result<T>,
) -> Result<T> {
    setting.as_ref().map_or(Ok(default), read)
}

/// What `read` makes of a setting the file gives, if it gives one.
fn optional<S, T>(setting: &Option<S>, read: impl FnOnce(&S) -> Result<T>) -> Result<Option<T>> {
    setting.as_ref().map(read).transpose()
}

/// Grant types an Okta app can enable.
const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "implicit",
    "refresh_token",
    "client_credentials",
    "password",
    "interaction_code",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:okta:params:oauth:grant-type:otp",
    "urn:okta:params:oauth:grant-type:oob",
    "http://auth0.com/oauth/grant-type/mfa-oob",
    "http://auth0.com/oauth/grant-type/mfa-otp",
];

struct Resolver<'a> {
    doc: &'a Doc<'a>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Resolver<'_> {
    fn text(&self, t: &Text) -> Result<String> {
        expand(&t.value, self.env, || self.doc.at(&t.path, Target::Value))
    }

    /// Expanded, and not empty.
    fn filled(&self, t: &Text, what: &str) -> Result<String> {
        let v = self.text(t)?;
        if v.trim().is_empty() {
            return Err(self.doc.invalid(&t.path, format!("{what} is empty")));
        }
        Ok(v)
    }

    fn one_of<T: Copy>(&self, t: &Text, choices: &[(&str, T)]) -> Result<T> {
        let v = self.text(t)?;
        choices
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, c)| *c)
            .ok_or_else(|| self.not_one_of(&t.path, &v, choices.iter().map(|(n, _)| *n)))
    }

    fn not_one_of<'n>(
        &self,
        path: &YamlPath,
        value: &str,
        names: impl Iterator<Item = &'n str> + Clone,
    ) -> Error {
        self.doc
            .invalid(path, suggest::expected_one_of(value, names))
    }

    fn setting_text(&self, s: &Setting) -> Result<(String, YamlPath)> {
        Ok(match s {
            Setting::Bool(b, p) => (b.to_string(), p.clone()),
            Setting::Int(n, p) => (n.to_string(), p.clone()),
            Setting::Text(t) => (self.text(t)?, t.path.clone()),
        })
    }

    fn bool(&self, s: &Setting) -> Result<bool> {
        if let Setting::Bool(b, _) = s {
            return Ok(*b);
        }
        let (v, path) = self.setting_text(s)?;
        match v.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.doc.invalid(&path, "expected `true` or `false`")),
        }
    }

    fn number<T: TryFrom<i128>>(&self, s: &Setting, min: i128, max: i128) -> Result<T> {
        let (v, path) = self.setting_text(s)?;
        v.trim()
            .parse::<i128>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| {
                self.doc.invalid(
                    &path,
                    format!("expected a whole number from {min} to {max}"),
                )
            })
    }

    fn duration(&self, s: &Setting) -> Result<Duration> {
        let (v, path) = self.setting_text(s)?;
        duration::parse(&v).ok_or_else(|| {
            self.doc.invalid(
                &path,
                "expected a duration such as `30s`, `250ms`, `5m`, `1h`, `7d`, `1m30s` or a number of seconds",
            )
        })
    }

    fn positive_duration(&self, s: &Setting) -> Result<Duration> {
        let d = self.duration(s)?;
        if d.is_zero() {
            let (_, path) = self.setting_text(s)?;
            return Err(self
                .doc
                .invalid(&path, "expected a duration greater than zero"));
        }
        Ok(d)
    }

    /// Expanded words, each with the path it came from.
    fn words(&self, w: &Words) -> Result<Vec<(String, YamlPath)>> {
        let mut out = Vec::new();
        let items: Vec<&Text> = match w {
            Words::List(items, _) => items.iter().collect(),
            Words::Spaced(t) => vec![t],
        };
        for t in items {
            for word in self.text(t)?.split_whitespace() {
                out.push((word.to_owned(), t.path.clone()));
            }
        }
        Ok(out)
    }

    fn list(&self, items: &[Text]) -> Result<Vec<String>> {
        items.iter().map(|t| self.text(t)).collect()
    }

    fn config(&self, raw: &RawConfig) -> Result<Config> {
        let d = HttpSettings::default();
        let http = match &raw.http {
            None => d,
            Some(h) => HttpSettings {
                timeout: setting_or(&h.timeout, d.timeout, |s| self.positive_duration(s))?,
                rate_limit_retries: setting_or(&h.rate_limit_retries, d.rate_limit_retries, |s| {
                    self.number(s, 0, 100)
                })?,
                max_rate_limit_wait: setting_or(
                    &h.max_rate_limit_wait,
                    d.max_rate_limit_wait,
                    |s| self.duration(s),
                )?,
                allow_plain_http: setting_or(&h.allow_plain_http, d.allow_plain_http, |s| {
                    self.bool(s)
                })?,
            },
        };
        let org_url = match &raw.org_url {
            None => OrgUrl::Fake,
            Some(t) => self.org_url(t, http.allow_plain_http)?,
        };
        let authorization_server = raw
            .authorization_server
            .as_ref()
            .map_or(DEFAULT_SERVER, |t| t.value.as_str())
            .to_owned();
        let mut apps = BTreeMap::new();
        for (name, app) in &raw.apps {
            apps.insert(name.clone(), self.app(name, app)?);
        }
        let mut users = BTreeMap::new();
        for (name, user) in &raw.users {
            users.insert(name.clone(), self.user(name, user)?);
        }
        let d = CacheSettings::default();
        let cache = match &raw.cache {
            None => d,
            Some(c) => CacheSettings {
                store: setting_or(&c.store, d.store, |s| self.one_of(s, CACHE_STORES))?,
                refresh_before: setting_or(&c.refresh_before, d.refresh_before, |s| {
                    self.duration(s)
                })?,
                persist_refresh: setting_or(&c.persist_refresh, d.persist_refresh, |s| {
                    self.bool(s)
                })?,
            },
        };
        let d = VerifySettings::default();
        let verify = match &raw.verify {
            None => d,
            Some(v) => VerifySettings {
                id_token: setting_or(&v.id_token, d.id_token, |s| self.bool(s))?,
                leeway: setting_or(&v.leeway, d.leeway, |s| self.duration(s))?,
            },
        };
        let fake = match &raw.fake {
            None => FakeSettings::default(),
            Some(f) => self.fake(f, &apps, &users)?,
        };
        let servers = self.servers(raw, &org_url, &authorization_server, &apps)?;
        Ok(Config {
            source: self.doc.file.clone(),
            org_url,
            authorization_server,
            servers,
            apps,
            users,
            cache,
            verify,
            http,
            fake,
        })
    }

    /// The org URL. Plain `http://` goes only to this machine unless `allow_plain_http`, and
    /// credentials in the URL are refused: either would send secrets where they should not go.
    fn org_url(&self, t: &Text, allow_plain_http: bool) -> Result<OrgUrl> {
        let v = self.text(t)?;
        let v = v.trim();
        if v == "fake" {
            return Ok(OrgUrl::Fake);
        }
        let expected = "expected the org's URL such as `https://dev-123.okta.com`, or `fake` for the embedded fake Okta";
        let Ok(url) = url::Url::parse(v) else {
            return Err(self.doc.invalid(&t.path, expected));
        };
        let Some(host) = url
            .host_str()
            .filter(|_| matches!(url.scheme(), "http" | "https"))
        else {
            return Err(self.doc.invalid(&t.path, expected));
        };
        // The URL is never quoted: it may hold the credentials refused here.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(self.doc.invalid(
                &t.path,
                "the URL holds credentials (`user:password@`); remove them: users sign in with \
                 `users.<name>.password`",
            ));
        }
        if url.scheme() == "http" && !allow_plain_http && !is_loopback(&url) {
            return Err(self.doc.invalid(
                &t.path,
                "plain `http://` to another machine would send passwords in cleartext; use \
                 `https://` (`http://` is for this machine: localhost, 127.0.0.0/8, ::1), or set \
                 `http.allow_plain_http: true` for a fake Okta in a sidecar container",
            ));
        }
        if host.contains("-admin.") {
            return Err(self.doc.invalid(
                &t.path,
                "this is the Admin Console's URL: use the org URL, without `-admin`",
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(self.doc.invalid(
                &t.path,
                "expected the org URL alone, without a path such as `/oauth2/default` (name a custom server with `authorization_server`)",
            ));
        }
        let mut base = url.to_string();
        base.truncate(base.trim_end_matches('/').len());
        Ok(OrgUrl::Url(base))
    }

    /// The servers: `org` and `default`, then each entry of `servers:`. A custom server's
    /// audience is required on a real org, where guessing it would configure resource servers
    /// wrongly; `scopes` defaults to the custom scopes the apps ask of the server, sorted.
    fn servers(
        &self,
        raw: &RawConfig,
        org_url: &OrgUrl,
        file_server: &str,
        apps: &BTreeMap<String, App>,
    ) -> Result<BTreeMap<String, Server>> {
        let asked_of = |key: &str| -> Vec<String> {
            let mut scopes: Vec<String> = Vec::new();
            for app in apps.values() {
                if app.authorization_server.as_deref().unwrap_or(file_server) != key {
                    continue;
                }
                for scope in &app.scopes {
                    if !OIDC_SCOPES.contains(&scope.as_str()) && !scopes.contains(scope) {
                        scopes.push(scope.clone());
                    }
                }
            }
            scopes.sort();
            scopes
        };
        let mut servers = BTreeMap::new();
        servers.insert(
            ORG_SERVER.to_owned(),
            Server {
                key: ORG_SERVER.to_owned(),
                id: ORG_SERVER.to_owned(),
                audience: None,
                scopes: Vec::new(),
            },
        );
        servers.insert(
            DEFAULT_SERVER.to_owned(),
            Server {
                key: DEFAULT_SERVER.to_owned(),
                id: DEFAULT_SERVER.to_owned(),
                audience: Some("api://default".to_owned()),
                scopes: asked_of(DEFAULT_SERVER),
            },
        );
        for (key, s) in &raw.servers {
            let id = match &s.id {
                None => self.server_id(key, &s.path, Target::Key)?,
                Some(_) if key == DEFAULT_SERVER => {
                    return Err(self.doc.conflict(
                        &s.path.key("id"),
                        "`default` is the id of Okta's default server; remove `id`, or give the server you mean a key of its own",
                    ));
                }
                Some(t) => self.server_id(&self.text(t)?, &t.path, Target::Value)?,
            };
            let audience = match &s.audience {
                Some(t) => Some(self.filled(t, "`audience`")?),
                None if key == DEFAULT_SERVER => Some("api://default".to_owned()),
                None if matches!(org_url, OrgUrl::Url(_)) => {
                    let mut at = self.doc.at(&s.path, Target::Key);
                    at.path = s.path.key("audience").to_string();
                    return Err(Error::Conflict {
                        at,
                        why: "a custom authorization server on a real org needs its `audience` (the `aud` of its access tokens, which resource servers check): copy it from the Admin Console, Security > API > Authorization Servers, the server's Audience".into(),
                    });
                }
                None => Some(format!("api://{key}")),
            };
            let scopes = match &s.scopes {
                None => asked_of(key),
                Some(w) => {
                    let scopes = self.scopes(w)?;
                    if let Some(oidc) = scopes.iter().find(|s| OIDC_SCOPES.contains(&s.as_str())) {
                        return Err(self.doc.invalid(
                            w.path(),
                            format!("`{oidc}` is defined on every server: list only the server's custom scopes"),
                        ));
                    }
                    scopes
                }
            };
            servers.insert(
                key.clone(),
                Server {
                    key: key.clone(),
                    id,
                    audience,
                    scopes,
                },
            );
        }
        Ok(servers)
    }

    /// A server's Okta id (`default`, `aus…`): it goes into URL paths, so only letters, digits,
    /// `-` and `_`.
    fn server_id(&self, id: &str, path: &YamlPath, target: Target) -> Result<String> {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::Invalid {
                at: self.doc.at(path, target),
                expected: "expected an authorization server's Okta id such as `default` or `aus1a2b3c4d5e6f7g8h9` (letters, digits, `-`, `_`), not a URL; a key without `id` must be such an id itself".into(),
            });
        }
        Ok(id.to_owned())
    }

    fn app(&self, name: &str, raw: &RawApp) -> Result<App> {
        let flow = raw.flow;
        let key = |k: &str| raw.path.key(k);
        let client_id = self.filled(&raw.client_id, "`client_id`")?;
        let client_secret = match &raw.client_secret {
            Some(t) => Some(Secret::from(self.filled(t, "`client_secret`")?)),
            None => None,
        };
        let redirect_uri = match (&raw.redirect_uri, flow) {
            (None, Flow::Code | Flow::Implicit) => {
                return Err(self.doc.missing(&raw.path, "redirect_uri"));
            }
            (None, Flow::ClientCredentials) => None,
            (Some(t), _) => {
                let uri = self.text(t)?;
                if !is_redirect_uri(&uri) {
                    return Err(self.doc.invalid(
                        &t.path,
                        "expected an absolute URL registered as a sign-in redirect URI, such as `http://localhost:8080/login/callback` or `com.example.app:/callback`",
                    ));
                }
                Some(uri)
            }
        };
        let scopes = match &raw.scopes {
            Some(w) => self.scopes(w)?,
            None if flow == Flow::ClientCredentials => {
                return Err(self.doc.missing(&raw.path, "scopes"));
            }
            None => vec!["openid".into(), "profile".into(), "email".into()],
        };
        let response_type = match (&raw.response_type, flow) {
            (Some(w), Flow::Code | Flow::ClientCredentials) => {
                return Err(self.doc.conflict(
                    w.path(),
                    format!(
                        "`response_type` applies to `flow: implicit` only; remove it from this `flow: {}` app",
                        flow.as_str()
                    ),
                ));
            }
            (Some(w), Flow::Implicit) => {
                let mut types = Vec::new();
                for (word, path) in self.words(w)? {
                    let rt = RESPONSE_TYPES
                        .iter()
                        .find(|(n, _)| *n == word)
                        .map(|(_, t)| *t)
                        .ok_or_else(|| {
                            self.not_one_of(&path, &word, RESPONSE_TYPES.iter().map(|(n, _)| *n))
                        })?;
                    if !types.contains(&rt) {
                        types.push(rt);
                    }
                }
                if types.is_empty() {
                    return Err(self
                        .doc
                        .invalid(w.path(), "expected at least one of: id_token, token"));
                }
                types.sort();
                types
            }
            (None, Flow::Implicit) => vec![ResponseType::IdToken, ResponseType::Token],
            (None, _) => Vec::new(),
        };
        let token_endpoint_auth = match &raw.token_endpoint_auth {
            Some(t) => {
                let auth = self.one_of(t, TOKEN_ENDPOINT_AUTHS)?;
                match (auth, &client_secret) {
                    (TokenEndpointAuth::None, Some(_)) => {
                        return Err(self.doc.conflict(
                            &key("token_endpoint_auth"),
                            "`token_endpoint_auth: none` is for a public client: remove `client_secret`, or choose `client_secret_basic` or `client_secret_post`",
                        ));
                    }
                    (TokenEndpointAuth::None, None) => {}
                    (_, None) => return Err(self.doc.missing(&raw.path, "client_secret")),
                    (_, Some(_)) => {}
                }
                auth
            }
            None if client_secret.is_some() => TokenEndpointAuth::ClientSecretBasic,
            None => TokenEndpointAuth::None,
        };
        if flow == Flow::ClientCredentials && client_secret.is_none() {
            return Err(self.doc.missing(&raw.path, "client_secret"));
        }
        let pkce = match (&raw.pkce, flow) {
            (Some(_), Flow::Implicit) => {
                return Err(self.doc.conflict(
                    &key("pkce"),
                    "the implicit flow has no PKCE: remove `pkce`, or use `flow: code`",
                ));
            }
            (Some(_), Flow::ClientCredentials) => {
                return Err(self.doc.conflict(
                    &key("pkce"),
                    "`flow: client_credentials` has no PKCE: remove `pkce`",
                ));
            }
            (Some(s), Flow::Code) => {
                let pkce = self.bool(s)?;
                if !pkce && client_secret.is_none() {
                    return Err(self.doc.conflict(
                        &key("pkce"),
                        "a public client (no `client_secret`) must use PKCE; only a web app may set `pkce: false`",
                    ));
                }
                pkce
            }
            (None, flow) => flow == Flow::Code,
        };
        let authorization_server = raw.authorization_server.as_ref().map(|t| t.value.clone());
        Ok(App {
            name: name.to_owned(),
            client_id,
            client_secret,
            redirect_uri,
            flow,
            scopes,
            response_type,
            authorization_server,
            token_endpoint_auth,
            pkce,
        })
    }

    /// Scope tokens as RFC 6749 §3.3 allows them, without repeats, in order.
    fn scopes(&self, w: &Words) -> Result<Vec<String>> {
        let mut scopes: Vec<String> = Vec::new();
        for (scope, path) in self.words(w)? {
            if !scope
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
            {
                return Err(self.doc.invalid(
                    &path,
                    "expected scope names of printable ASCII without `\"` or `\\`",
                ));
            }
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(self.doc.invalid(w.path(), "expected at least one scope"));
        }
        Ok(scopes)
    }

    /// `fake.apps.<app>.type`, checked against what the app is: Okta gives a SPA no secret, a
    /// web app always one, and `client_credentials` to API service apps only.
    fn app_type(&self, t: &Text, app: Option<&App>) -> Result<AppType> {
        let ty = self.one_of(t, APP_TYPES)?;
        let Some(app) = app else { return Ok(ty) };
        let service = app.flow == Flow::ClientCredentials;
        let why = match ty {
            AppType::Spa if app.client_secret.is_some() => Some(
                "a SPA is a public client with no secret: remove the app's `client_secret`, or make it `type: web`",
            ),
            AppType::Web if app.client_secret.is_none() => Some(
                "a web app authenticates with its client secret: give the app a `client_secret`, or make it `type: spa` or `native`",
            ),
            AppType::Service if !service => Some(
                "an API service app only gets tokens with `flow: client_credentials`: change the app's `flow`, or its `type`",
            ),
            AppType::Spa | AppType::Web | AppType::Native if service => Some(
                "`flow: client_credentials` belongs to an API service app: make it `type: service`",
            ),
            _ => None,
        };
        match why {
            Some(why) => Err(self.doc.conflict(&t.path, why)),
            None => Ok(ty),
        }
    }

    fn user(&self, name: &str, raw: &RawUser) -> Result<User> {
        Ok(User {
            name: name.to_owned(),
            username: self.filled(&raw.username, "`username`")?,
            password: Secret::from(self.filled(&raw.password, "`password`")?),
            totp: optional(&raw.totp, |t| self.totp_secret(t))?.flatten(),
            app: raw.app.as_ref().map(|a| a.value.clone()),
        })
    }

    /// A TOTP secret: base32 (RFC 4648), case, whitespace and `=` padding ignored; `None` when
    /// empty once expanded (`${OKTA_CAROL_TOTP:-}`). Any non-empty length is accepted: Okta's
    /// own secrets are 80-bit (16 characters), shorter than the 128 bits RFC 4226 §4 asks for.
    /// The error never quotes the value: it is a secret.
    fn totp_secret(&self, t: &Text) -> Result<Option<Secret>> {
        let mut v: String = self
            .text(t)?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        v.make_ascii_uppercase();
        v.truncate(v.trim_end_matches('=').len());
        if v.is_empty() {
            return Ok(None);
        }
        // A length of 1, 3 or 6 characters past a multiple of 8 leaves bits that make no byte
        // (RFC 4648 §6): a truncated secret, which the decoder below would silently cut.
        let whole_bytes = !matches!(v.len() % 8, 1 | 3 | 6);
        let decoded = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &v);
        if !whole_bytes || decoded.is_none_or(|bytes| bytes.is_empty()) {
            return Err(self.doc.invalid(
                &t.path,
                "expected the base32 secret of the user's TOTP authenticator (letters A-Z and digits 2-7, as Okta's `sharedSecret` or the QR code's `secret=`); spaces, case and `=` padding are ignored",
            ));
        }
        Ok(Some(Secret::from(v)))
    }

    /// `fake.users.<user>.mfa`: known factors, each once, not beside a forced `status`, and a
    /// TOTP factor only for a user whose `totp` secret the fake can check codes with.
    fn mfa(&self, name: &str, raw: &RawFakeUser, user: Option<&User>) -> Result<Vec<MfaFactor>> {
        let mut out: Vec<MfaFactor> = Vec::new();
        for t in &raw.mfa {
            let factor = self.one_of(t, &MfaFactor::NAMED)?;
            if out.contains(&factor) {
                return Err(self.doc.conflict(
                    &t.path,
                    format!(
                        "`{}` is listed twice; Okta enrols each factor once per user",
                        factor.name()
                    ),
                ));
            }
            if factor.is_totp() && user.is_none_or(|u| u.totp.is_none()) {
                return Err(self.doc.conflict(
                    &t.path,
                    format!(
                        "`{}` needs `users.{name}.totp`: the fake checks codes with the user's `totp` secret (base32); give it one, e.g. `totp: ${{OKTA_{}_TOTP:-JBSWY3DPEHPK3PXP}}`",
                        factor.name(),
                        name.to_ascii_uppercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                    ),
                ));
            }
            out.push(factor);
        }
        if !out.is_empty()
            && let Some(status) = &raw.status
        {
            return Err(self.doc.conflict(
                &status.path,
                "`status` forces an authn outcome, and `mfa` makes authn answer `MFA_REQUIRED` for the user's factors: keep one of them",
            ));
        }
        Ok(out)
    }

    fn lifetimes(&self, raw: &RawLifetimes, base: &FakeLifetimes) -> Result<FakeLifetimes> {
        let pick = |s: &Option<Setting>, dflt: Duration| match s {
            Some(s) => self.positive_duration(s),
            None => Ok(dflt),
        };
        Ok(FakeLifetimes {
            access_token: pick(&raw.access_token, base.access_token)?,
            id_token: pick(&raw.id_token, base.id_token)?,
            refresh_token: pick(&raw.refresh_token, base.refresh_token)?,
            code: pick(&raw.code, base.code)?,
            session_token: pick(&raw.session_token, base.session_token)?,
        })
    }

    /// Claims of a fake user: JSON values, strings expanded.
    fn json_claims(
        &self,
        claims: &[(String, Node, YamlPath)],
    ) -> Result<BTreeMap<String, serde_json::Value>> {
        claims
            .iter()
            .map(|(name, node, path)| Ok((name.clone(), self.json(node, path)?)))
            .collect()
    }

    /// Claims a server adds: `$groups` (checked before expansion, so `$$groups` is the text
    /// `$groups`) or a JSON value.
    fn server_claims(
        &self,
        claims: &[(String, Node, YamlPath)],
    ) -> Result<BTreeMap<String, ClaimValue>> {
        claims
            .iter()
            .map(|(name, node, path)| {
                let value = match node {
                    Node::Str(s) if s == "$groups" => ClaimValue::Groups,
                    node => ClaimValue::Value(self.json(node, path)?),
                };
                Ok((name.clone(), value))
            })
            .collect()
    }

    fn json(&self, node: &Node, path: &YamlPath) -> Result<serde_json::Value> {
        use serde_json::Value;
        Ok(match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(n) => {
                if let Ok(n) = i64::try_from(*n) {
                    Value::from(n)
                } else if let Ok(n) = u64::try_from(*n) {
                    Value::from(n)
                } else {
                    return Err(self
                        .doc
                        .invalid(path, "expected a number that fits in 64 bits"));
                }
            }
            Node::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .ok_or_else(|| {
                    self.doc.invalid(
                        path,
                        "expected a finite number (JSON has no NaN or infinity)",
                    )
                })?,
            Node::Str(s) => Value::String(self.text(&Text {
                value: s.clone(),
                path: path.clone(),
            })?),
            Node::Seq(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.json(item, &path.index(i)))
                    .collect::<Result<_>>()?,
            ),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.json(v, &path.key(k))?)))
                    .collect::<Result<_>>()?,
            ),
        })
    }

    /// An access policy: its apps and users were checked with the file's references; its
    /// groups must be groups some fake user is in (or `Everyone`), its grant types Okta's.
    fn policy(&self, raw: &RawPolicy, users: &BTreeMap<String, FakeUser>) -> Result<AccessPolicy> {
        let names = |list: &Option<Vec<Text>>| {
            list.as_ref()
                .map(|l| l.iter().map(|t| t.value.clone()).collect::<Vec<_>>())
        };
        let known_groups: Vec<&str> = std::iter::once(EVERYONE_GROUP)
            .chain(
                users
                    .values()
                    .flat_map(|u| u.groups.iter().map(String::as_str)),
            )
            .collect();
        let groups = match &raw.groups {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for t in list {
                    let group = self.text(t)?;
                    if !known_groups.contains(&group.as_str()) {
                        let mut hint = suggest::hint(&group, known_groups.iter().copied());
                        hint.push_str(
                            "; a group is `Everyone` or one listed in `fake.users.<user>.groups`",
                        );
                        return Err(Error::UnknownName {
                            at: self.doc.at(&t.path, Target::Value),
                            kind: "group",
                            name: group,
                            hint,
                        });
                    }
                    out.push(group);
                }
                Some(out)
            }
        };
        let grant_types = match &raw.grant_types {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for t in list {
                    let g = self.text(t)?;
                    if g == "refresh_token" {
                        return Err(self.doc.invalid(
                            &t.path,
                            "an access policy rule has no `refresh_token` grant type: a refresh token is covered by the rule that covered the grant it came from (`authorization_code` or `password`)",
                        ));
                    }
                    if !GRANT_TYPES.contains(&g.as_str()) {
                        let names = GRANT_TYPES
                            .iter()
                            .copied()
                            .filter(|g| *g != "refresh_token");
                        return Err(self.not_one_of(&t.path, &g, names));
                    }
                    out.push(g);
                }
                Some(out)
            }
        };
        Ok(AccessPolicy {
            apps: names(&raw.apps),
            users: names(&raw.users),
            groups,
            grant_types,
        })
    }

    fn fake(
        &self,
        raw: &RawFake,
        file_apps: &BTreeMap<String, App>,
        file_users: &BTreeMap<String, User>,
    ) -> Result<FakeSettings> {
        let lifetimes = match &raw.lifetimes {
            Some(l) => self.lifetimes(l, &FakeLifetimes::default())?,
            None => FakeLifetimes::default(),
        };
        let mut users = BTreeMap::new();
        for (name, u) in &raw.users {
            users.insert(
                name.clone(),
                FakeUser {
                    id: optional(&u.id, |t| self.text(t))?,
                    given_name: optional(&u.given_name, |t| self.text(t))?,
                    family_name: optional(&u.family_name, |t| self.text(t))?,
                    name: optional(&u.name, |t| self.text(t))?,
                    email: optional(&u.email, |t| self.text(t))?,
                    groups: self.list(&u.groups)?,
                    claims: self.json_claims(&u.claims)?,
                    status: optional(&u.status, |s| self.one_of(s, AUTHN_STATUSES))?,
                    lockout_after: optional(&u.lockout_after, |s| {
                        self.number(s, 1, i128::from(u32::MAX))
                    })?,
                    apps: u
                        .apps
                        .as_ref()
                        .map(|a| a.iter().map(|t| t.value.clone()).collect()),
                    mfa: self.mfa(name, u, file_users.get(name))?,
                },
            );
        }
        let mut servers = BTreeMap::new();
        for (key, s) in &raw.servers {
            servers.insert(
                key.clone(),
                FakeServer {
                    access_claims: self.server_claims(&s.access_claims)?,
                    id_claims: self.server_claims(&s.id_claims)?,
                    lifetimes: optional(&s.lifetimes, |l| self.lifetimes(l, &lifetimes))?,
                    policy: optional(&s.policy, |p| self.policy(p, &users))?,
                },
            );
        }
        let mut apps = BTreeMap::new();
        for (name, a) in &raw.apps {
            let grant_types = match &a.grant_types {
                None => None,
                Some(list) => {
                    let mut out = Vec::new();
                    for t in list {
                        let g = self.text(t)?;
                        if !GRANT_TYPES.contains(&g.as_str()) {
                            return Err(self.not_one_of(&t.path, &g, GRANT_TYPES.iter().copied()));
                        }
                        out.push(g);
                    }
                    Some(out)
                }
            };
            let uris = |list: &[Text]| -> Result<Vec<String>> {
                let mut out = Vec::new();
                for t in list {
                    let uri = self.text(t)?;
                    if !is_redirect_uri(&uri) {
                        return Err(self
                            .doc
                            .invalid(&t.path, "expected an absolute redirect URI"));
                    }
                    out.push(uri);
                }
                Ok(out)
            };
            let redirect_uris = uris(&a.redirect_uris)?;
            let post_logout_redirect_uris = uris(&a.post_logout_redirect_uris)?;
            let app_type = match &a.app_type {
                None => None,
                Some(t) => Some(self.app_type(t, file_apps.get(name))?),
            };
            apps.insert(
                name.clone(),
                FakeApp {
                    app_type,
                    grant_types,
                    rotation: optional(&a.rotation, |r| self.one_of(r, ROTATIONS))?,
                    rotation_grace: optional(&a.rotation_grace, |d| self.duration(d))?,
                    pkce_required: optional(&a.pkce_required, |b| self.bool(b))?,
                    redirect_uris,
                    post_logout_redirect_uris,
                    sign_on: setting_or(&a.sign_on, SignOn::default(), |t| {
                        self.one_of(t, SIGN_ONS)
                    })?,
                    consent: setting_or(&a.consent, Consent::default(), |t| {
                        self.one_of(t, CONSENTS)
                    })?,
                },
            );
        }
        let mut faults = Vec::new();
        for f in &raw.faults {
            let endpoint = self.one_of(&f.endpoint, &FaultEndpoint::NAMED)?;
            let kind_name = self.text(&f.kind)?;
            let only_for = |field: &Option<Setting>, key: &str, kind: &str| -> Result<()> {
                if field.is_some() && kind_name != kind {
                    return Err(self.doc.conflict(
                        &f.path.key(key),
                        format!("`{key}` applies to `kind: {kind}` only"),
                    ));
                }
                Ok(())
            };
            only_for(&f.status, "status", "status")?;
            only_for(&f.latency, "latency", "latency")?;
            only_for(&f.reset, "reset", "rate_limit")?;
            for (field, key) in [
                (&f.error, "error"),
                (&f.error_description, "error_description"),
            ] {
                if field.is_some() && kind_name != "oauth_error" {
                    return Err(self.doc.conflict(
                        &f.path.key(key),
                        format!("`{key}` applies to `kind: oauth_error` only"),
                    ));
                }
            }
            let kind = match kind_name.as_str() {
                "rate_limit" => FaultKind::RateLimit {
                    reset: setting_or(&f.reset, 1, |s| self.number(s, 0, 3600))?,
                },
                "status" => match &f.status {
                    Some(s) => FaultKind::Status(self.number(s, 100, 599)?),
                    None => return Err(self.doc.missing(&f.path, "status")),
                },
                "latency" => match &f.latency {
                    Some(s) => FaultKind::Latency(self.duration(s)?),
                    None => return Err(self.doc.missing(&f.path, "latency")),
                },
                "drop" => FaultKind::Drop,
                "malformed_page" => FaultKind::MalformedPage,
                "oauth_error" => {
                    if !OAUTH_ENDPOINTS.contains(&endpoint) {
                        return Err(self.doc.invalid(
                            &f.endpoint.path,
                            "`kind: oauth_error` acts on an endpoint that answers OAuth errors: authorize, token, userinfo, introspect or revoke",
                        ));
                    }
                    let Some(error) = &f.error else {
                        return Err(self.doc.missing(&f.path, "error"));
                    };
                    let error = self.one_of(error, &OAUTH_ERRORS.map(|e| (e, e)))?;
                    let description = match &f.error_description {
                        Some(t) => self.text(t)?,
                        None => format!("The fault of fixtures.yaml answers `{error}`."),
                    };
                    FaultKind::OAuthError { error, description }
                }
                "time_window_exceeded" if endpoint == FaultEndpoint::Verify => {
                    FaultKind::TimeWindowExceeded
                }
                other => match ReplayAnswer::from_name(other) {
                    _ if other == "time_window_exceeded" => {
                        return Err(self.doc.invalid(
                            &f.endpoint.path,
                            "`kind: time_window_exceeded` acts on the `verify` endpoint only (a factor's verification)",
                        ));
                    }
                    Some(_) if endpoint != FaultEndpoint::Verify => {
                        return Err(self.doc.invalid(
                            &f.endpoint.path,
                            format!("`kind: {other}` acts on the `verify` endpoint only (a factor's verification)"),
                        ));
                    }
                    Some(answer) => FaultKind::Replay(answer),
                    None => {
                        return Err(self.not_one_of(
                            &f.kind.path,
                            other,
                            FAULT_KINDS.iter().copied(),
                        ));
                    }
                },
            };
            faults.push(FaultSpec {
                endpoint,
                kind,
                user: optional(&f.user, |t| self.text(t))?,
                client_id: optional(&f.client_id, |t| self.text(t))?,
                times: optional(&f.times, |s| self.number(s, 1, i128::from(u32::MAX)))?,
            });
        }
        Ok(FakeSettings {
            org_name: optional(&raw.org_name, |t| self.text(t))?,
            users,
            servers,
            apps,
            lifetimes,
            faults,
        })
    }
}

/// Whether the URL's host is this machine: `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An absolute URL an OAuth client can register as a redirect URI: `http(s)` with a host, or
/// a private-use scheme (`com.example.app:/callback`); never a fragment.
fn is_redirect_uri(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some() {
        return false;
    }
    match url.scheme() {
        "http" | "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        scheme => !url.cannot_be_a_base() || scheme.contains('.'),
    }
}

#[cfg(test)]
mod tests;
