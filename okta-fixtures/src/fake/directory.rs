//! The org as fixtures.yaml describes it: apps, users and authorization servers, resolved once
//! with Okta's defaults filled in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use okta_fixtures_config::{
    AccessPolicy, AppType, AuthnStatus, ClaimValue, Config, Consent, FakeLifetimes, Flow,
    MfaFactor, OIDC_SCOPES, ORG_SERVER, ResponseType, Rotation, Secret, SignOn, TokenEndpointAuth,
};

use super::ids::stable_id;

/// What the org server grants besides the OIDC scopes: the `groups` claim. Its Okta API
/// scopes (`okta.*`) need grants an app of the fake cannot have, so it grants none of them.
const ORG_SERVER_SCOPES: [&str; 1] = ["groups"];
/// Default grace period for a rotated-out refresh token (Okta's default, 30 s).
const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(30);
/// Okta's default idle session lifetime.
const SESSION_LIFETIME: Duration = Duration::from_secs(2 * 3600);

/// One OIDC client.
#[derive(Debug)]
pub(crate) struct AppEntry {
    /// Key in fixtures.yaml.
    pub(crate) key: String,
    pub(crate) client_id: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) redirect_uris: Vec<String>,
    /// Sign-out redirect URIs (`fake.apps.<app>.post_logout_redirect_uris`).
    pub(crate) post_logout_redirect_uris: Vec<String>,
    pub(crate) flow: Flow,
    pub(crate) auth: TokenEndpointAuth,
    /// Enabled grant types, in the order Okta lists them in errors.
    pub(crate) grant_types: Vec<String>,
    /// Enabled response types (`code`, `token`, `id_token`).
    pub(crate) response_types: Vec<&'static str>,
    pub(crate) rotation: Rotation,
    pub(crate) rotation_grace: Duration,
    pub(crate) pkce_required: bool,
    /// What its sign-on policy asks of a user.
    pub(crate) sign_on: SignOn,
    /// Whether users must consent to the scopes it asks of a custom server.
    pub(crate) consent: Consent,
}

impl AppEntry {
    pub(crate) fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// Okta's `[a, b]` rendering of the enabled grant types.
    pub(crate) fn grant_list(&self) -> String {
        format!("[{}]", self.grant_types.join(", "))
    }

    /// Okta's `[a, b]` rendering of the enabled response types.
    pub(crate) fn response_type_list(&self) -> String {
        format!("[{}]", self.response_types.join(", "))
    }

    /// The origins of the registered redirect URIs: what a browser request may come from.
    pub(crate) fn origins(&self) -> impl Iterator<Item = String> + '_ {
        self.redirect_uris.iter().filter_map(|u| {
            let origin = url::Url::parse(u).ok()?.origin();
            origin.is_tuple().then(|| origin.ascii_serialization())
        })
    }
}

/// One test user.
#[derive(Debug)]
pub(crate) struct UserEntry {
    /// Key in fixtures.yaml.
    pub(crate) key: String,
    /// `00u…`
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) groups: Vec<String>,
    pub(crate) claims: BTreeMap<String, serde_json::Value>,
    pub(crate) status: AuthnStatus,
    /// Locked out at this many failed passwords in a row.
    pub(crate) lockout_after: u32,
    /// App keys the user is assigned to; `None` = every app.
    pub(crate) apps: Option<Vec<String>>,
    /// Enrolled factors, in the order `MFA_REQUIRED` offers them; empty = no second factor.
    pub(crate) mfa: Vec<MfaFactor>,
    /// The base32 secret a TOTP factor's codes are checked with.
    pub(crate) totp: Option<Secret>,
}

impl UserEntry {
    pub(crate) fn is_assigned(&self, app: &AppEntry) -> bool {
        self.apps
            .as_ref()
            .is_none_or(|apps| apps.contains(&app.key))
    }

    /// `profile.firstName` in authn responses.
    pub(crate) fn first_name(&self) -> &str {
        match &self.given_name {
            Some(g) => g,
            None => self.username.split('@').next().unwrap_or(&self.username),
        }
    }

    /// `profile.lastName` in authn responses.
    pub(crate) fn last_name(&self) -> &str {
        self.family_name.as_deref().unwrap_or("")
    }
}

/// One authorization server.
#[derive(Debug)]
pub(crate) struct ServerEntry {
    /// `org` or a custom server id.
    pub(crate) id: String,
    pub(crate) issuer: String,
    /// `aud` of its access tokens.
    pub(crate) audience: String,
    /// Every scope it defines: the OIDC scopes, and `groups` on the org server or the file's
    /// `servers.<key>.scopes` on a custom one.
    pub(crate) scopes: BTreeSet<String>,
    /// The access policy of a custom server (`None`: Okta's default policy, or the org
    /// server, which has none).
    pub(crate) policy: Option<AccessPolicy>,
    pub(crate) access_claims: BTreeMap<String, ClaimValue>,
    pub(crate) id_claims: BTreeMap<String, ClaimValue>,
    pub(crate) lifetimes: FakeLifetimes,
}

impl ServerEntry {
    pub(crate) fn is_org(&self) -> bool {
        self.id == ORG_SERVER
    }

    /// `{issuer}/v1/{endpoint}` on a custom server, `{org}/oauth2/v1/{endpoint}` on the org's.
    pub(crate) fn endpoint(&self, org_url: &str, endpoint: &str) -> String {
        if self.is_org() {
            format!("{org_url}/oauth2/v1/{endpoint}")
        } else {
            format!("{}/v1/{endpoint}", self.issuer)
        }
    }
}

/// The whole org.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) org_url: String,
    pub(crate) org_name: String,
    /// `00o…`: the `idp` claim of Okta-mastered users.
    pub(crate) org_id: String,
    pub(crate) session_token_lifetime: Duration,
    pub(crate) session_lifetime: Duration,
    /// The Okta id of the file's `authorization_server`: where an app that names none signs in.
    pub(crate) default_server: String,
    apps: Vec<AppEntry>,
    users: Vec<UserEntry>,
    servers: BTreeMap<String, ServerEntry>,
    by_client_id: HashMap<String, usize>,
    by_username: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    by_user_id: HashMap<String, usize>,
}

impl Directory {
    /// Resolves `config` for an org served at `org_url` (no trailing slash).
    pub(crate) fn new(config: &Config, org_url: &str) -> Self {
        let org_url = org_url.trim_end_matches('/').to_owned();
        let fake = &config.fake;
        let org_name = fake
            .org_name
            .clone()
            .unwrap_or_else(|| "okta-fixtures".into());

        let apps: Vec<AppEntry> = config
            .apps
            .values()
            .map(|app| {
                let extra = fake.apps.get(&app.name);
                let grant_types = match extra.and_then(|e| e.grant_types.clone()) {
                    Some(g) => g,
                    None => match app.flow {
                        Flow::Code => vec!["authorization_code".into(), "refresh_token".into()],
                        Flow::Implicit => vec!["implicit".into()],
                        Flow::ClientCredentials => vec!["client_credentials".into()],
                    },
                };
                let mut response_types = Vec::new();
                if grant_types.iter().any(|g| g == "authorization_code") {
                    response_types.push("code");
                }
                if grant_types.iter().any(|g| g == "implicit") {
                    let implicit = if app.flow == Flow::Implicit {
                        app.response_type.clone()
                    } else {
                        vec![ResponseType::Token, ResponseType::IdToken]
                    };
                    // Okta lists `token` before `id_token` ("Configured response types: [token]").
                    for rt in [ResponseType::Token, ResponseType::IdToken] {
                        if implicit.contains(&rt) {
                            response_types.push(rt.as_str());
                        }
                    }
                }
                let public = app.client_secret.is_none();
                let mut redirect_uris: Vec<String> = app.redirect_uri.iter().cloned().collect();
                for extra_uri in extra
                    .map(|e| e.redirect_uris.as_slice())
                    .unwrap_or_default()
                {
                    if !redirect_uris.contains(extra_uri) {
                        redirect_uris.push(extra_uri.clone());
                    }
                }
                AppEntry {
                    key: app.name.clone(),
                    client_id: app.client_id.clone(),
                    secret: app.client_secret.clone(),
                    redirect_uris,
                    post_logout_redirect_uris: extra
                        .map(|e| e.post_logout_redirect_uris.clone())
                        .unwrap_or_default(),
                    flow: app.flow,
                    auth: app.token_endpoint_auth,
                    grant_types,
                    response_types,
                    // Okta's default for the app's type: SPAs rotate, web and native apps keep
                    // a persistent refresh token.
                    rotation: extra.and_then(|e| e.rotation).unwrap_or_else(|| {
                        extra
                            .and_then(|e| e.app_type)
                            .unwrap_or_else(|| AppType::infer(app))
                            .default_rotation()
                    }),
                    rotation_grace: extra
                        .and_then(|e| e.rotation_grace)
                        .unwrap_or(DEFAULT_ROTATION_GRACE),
                    pkce_required: extra.and_then(|e| e.pkce_required).unwrap_or(public),
                    sign_on: extra.map(|e| e.sign_on).unwrap_or_default(),
                    consent: extra.map(|e| e.consent).unwrap_or_default(),
                }
            })
            .collect();

        let users: Vec<UserEntry> = config
            .users
            .values()
            .map(|user| {
                let extra = fake.users.get(&user.name).cloned().unwrap_or_default();
                let name = extra.name.clone().unwrap_or_else(|| {
                    match (&extra.given_name, &extra.family_name) {
                        (Some(g), Some(f)) => format!("{g} {f}"),
                        (Some(g), None) => g.clone(),
                        (None, Some(f)) => f.clone(),
                        (None, None) => user.username.clone(),
                    }
                });
                UserEntry {
                    key: user.name.clone(),
                    id: extra.id.clone().unwrap_or_else(|| {
                        stable_id("00u", &format!("user:{}", user.username.to_lowercase()))
                    }),
                    username: user.username.clone(),
                    password: user.password.clone(),
                    given_name: extra.given_name,
                    family_name: extra.family_name,
                    name,
                    email: extra.email.unwrap_or_else(|| user.username.clone()),
                    groups: extra.groups,
                    claims: extra.claims,
                    status: extra.status.unwrap_or(AuthnStatus::Success),
                    lockout_after: extra
                        .lockout_after
                        .unwrap_or(super::lockout::DEFAULT_LOCKOUT_AFTER),
                    apps: extra.apps,
                    mfa: extra.mfa,
                    totp: user.totp.clone(),
                }
            })
            .collect();

        // Every server of the file, by its Okta id: org, default and each of `servers:`. A
        // server grants only the scopes it defines, as Okta's do: an undefined scope is
        // `invalid_scope`, whichever app of the file names it.
        let servers = config
            .servers
            .values()
            .map(|server| {
                let configured = fake.servers.get(&server.key);
                let is_org = server.is_org();
                let id = server.id.clone();
                let issuer = issuer(&org_url, &id);
                let mut scopes: BTreeSet<String> =
                    OIDC_SCOPES.iter().map(|s| (*s).to_owned()).collect();
                if is_org {
                    scopes.extend(ORG_SERVER_SCOPES.iter().map(|s| (*s).to_owned()));
                } else {
                    scopes.extend(server.scopes.iter().cloned());
                }
                let audience = match &server.audience {
                    Some(audience) if !is_org => audience.clone(),
                    _ => org_url.clone(),
                };
                let entry = ServerEntry {
                    id: id.clone(),
                    issuer,
                    audience,
                    scopes,
                    access_claims: configured
                        .map(|s| s.access_claims.clone())
                        .unwrap_or_default(),
                    id_claims: configured.map(|s| s.id_claims.clone()).unwrap_or_default(),
                    lifetimes: configured
                        .and_then(|s| s.lifetimes.clone())
                        .unwrap_or_else(|| fake.lifetimes.clone()),
                    policy: configured
                        .and_then(|s| s.policy.clone())
                        .filter(|_| !is_org),
                };
                (id, entry)
            })
            .collect();

        let index = |keys: Vec<String>| -> HashMap<String, usize> {
            keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect()
        };
        Self {
            org_id: stable_id("00o", &format!("org:{org_name}")),
            org_name,
            session_token_lifetime: fake.lifetimes.session_token,
            session_lifetime: SESSION_LIFETIME,
            default_server: config
                .servers
                .get(&config.authorization_server)
                .map_or_else(|| config.authorization_server.clone(), |s| s.id.clone()),
            by_client_id: index(apps.iter().map(|a| a.client_id.clone()).collect()),
            by_username: index(users.iter().map(|u| u.username.to_lowercase()).collect()),
            by_key: index(users.iter().map(|u| u.key.clone()).collect()),
            by_user_id: index(users.iter().map(|u| u.id.clone()).collect()),
            org_url,
            apps,
            users,
            servers,
        }
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<&AppEntry> {
        self.by_client_id.get(client_id).map(|&i| &self.apps[i])
    }

    /// Every app, for checks across clients (trusted origins).
    pub(crate) fn apps(&self) -> &[AppEntry] {
        &self.apps
    }

    /// A user by login, case-insensitively as Okta matches logins.
    pub(crate) fn user_by_login(&self, username: &str) -> Option<&UserEntry> {
        self.by_username
            .get(&username.to_lowercase())
            .map(|&i| &self.users[i])
    }

    /// A user by the name given at `/api/v1/authn`: the full login, or the short name (the
    /// login before its `@`) when exactly one user's login has it. Okta's Authentication API
    /// takes "the user's non-qualified short-name (e.g. dade.murphy) or unique fully-qualified
    /// login" (developer.okta.com/docs/reference/api/authn/, primary authentication); that a
    /// short name two users share signs neither in is inferred.
    pub(crate) fn user_by_sign_in_name(&self, name: &str) -> Option<&UserEntry> {
        if let Some(user) = self.user_by_login(name) {
            return Some(user);
        }
        if name.contains('@') {
            return None;
        }
        let mut matching = self.users.iter().filter(|u| {
            u.username
                .split_once('@')
                .is_some_and(|(short, _)| short.eq_ignore_ascii_case(name))
        });
        match (matching.next(), matching.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// A user by fixtures.yaml key.
    pub(crate) fn user(&self, key: &str) -> Option<&UserEntry> {
        self.by_key.get(key).map(|&i| &self.users[i])
    }

    /// A user by Okta id (`00u…`).
    pub(crate) fn user_by_id(&self, id: &str) -> Option<&UserEntry> {
        self.by_user_id.get(id).map(|&i| &self.users[i])
    }

    pub(crate) fn server(&self, id: &str) -> Option<&ServerEntry> {
        self.servers.get(id)
    }

    /// Every server id, sorted.
    pub(crate) fn server_ids(&self) -> impl Iterator<Item = &str> {
        self.servers.keys().map(String::as_str)
    }
}

/// The issuer of authorization server `server_id`: the org URL for `org`, else
/// `{org_url}/oauth2/{server_id}`.
pub(crate) fn issuer(org_url: &str, server_id: &str) -> String {
    if server_id == ORG_SERVER {
        org_url.to_owned()
    } else {
        format!("{org_url}/oauth2/{server_id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
org_url: fake
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost:8080/cb", flow: code, scopes: [openid, orders:read] }
  web: { client_id: web-client, client_secret: s3cret, redirect_uri: "http://localhost:8080/web", flow: code }
  legacy: { client_id: legacy-client, redirect_uri: "http://localhost:8080/i", flow: implicit, response_type: [id_token], authorization_server: org }
  svc: { client_id: svc-client, client_secret: s3cret, flow: client_credentials, scopes: [reports:read], authorization_server: reports }
  mobile: { client_id: mobile-client, redirect_uri: "com.example.app:/cb", flow: code }
servers:
  custom: { id: aus1custom, audience: "https://api.example.com", scopes: [extra:scope] }
  reports: {}
users:
  alice: { username: Alice@Example.com, password: pw, app: spa }
fake:
  org_name: Acme
  users:
    alice: { given_name: Alice, family_name: Anderson, apps: [spa] }
  servers:
    custom: { access_claims: { team: blue } }
  apps:
    web: { grant_types: [authorization_code, implicit, password] }
"#;

    fn dir() -> Directory {
        let config = okta_fixtures_config::parse_str(YAML, None, &|_| None).unwrap();
        Directory::new(&config, "http://127.0.0.1:9/")
    }

    #[test]
    fn servers_and_scopes() {
        let d = dir();
        for id in ["org", "default", "aus1custom", "reports"] {
            assert!(d.server(id).is_some(), "{id}");
        }
        let org = d.server("org").unwrap();
        assert_eq!(org.issuer, "http://127.0.0.1:9");
        assert_eq!(org.audience, "http://127.0.0.1:9");
        assert!(org.scopes.contains("groups"));
        assert!(!org.scopes.contains("orders:read"));
        let default = d.server("default").unwrap();
        assert_eq!(default.issuer, "http://127.0.0.1:9/oauth2/default");
        assert_eq!(default.audience, "api://default");
        assert!(default.scopes.contains("orders:read"));
        assert!(default.scopes.contains("offline_access"));
        assert!(default.scopes.contains("device_sso"));
        // Only what a server defines: another server's scopes and `groups` (a custom scope
        // on a custom server) are not among them.
        assert!(!default.scopes.contains("reports:read"));
        assert!(!default.scopes.contains("extra:scope"));
        assert!(!default.scopes.contains("groups"));
        assert!(d.server("reports").unwrap().scopes.contains("reports:read"));
        // A server of `servers:` is served at its Okta id, with its audience and scopes and
        // what `fake.servers` adds under its key.
        assert!(d.server("custom").is_none());
        let custom = d.server("aus1custom").unwrap();
        assert_eq!(custom.issuer, "http://127.0.0.1:9/oauth2/aus1custom");
        assert_eq!(custom.audience, "https://api.example.com");
        assert!(custom.scopes.contains("extra:scope"));
        assert!(custom.access_claims.contains_key("team"));
        assert_eq!(d.server("reports").unwrap().audience, "api://reports");
        assert_eq!(
            default.endpoint(&d.org_url, "token"),
            "http://127.0.0.1:9/oauth2/default/v1/token"
        );
        assert_eq!(
            org.endpoint(&d.org_url, "token"),
            "http://127.0.0.1:9/oauth2/v1/token"
        );
    }

    #[test]
    fn app_defaults_follow_okta() {
        let d = dir();
        let spa = d.app("spa-client").unwrap();
        assert_eq!(spa.grant_list(), "[authorization_code, refresh_token]");
        assert_eq!(spa.response_types, ["code"]);
        assert_eq!(spa.rotation, Rotation::Rotate);
        assert!(spa.pkce_required);
        assert_eq!(spa.origins().collect::<Vec<_>>(), ["http://localhost:8080"]);
        let web = d.app("web-client").unwrap();
        assert_eq!(web.rotation, Rotation::Static);
        assert!(!web.pkce_required);
        assert_eq!(web.response_types, ["code", "token", "id_token"]);
        assert!(web.allows_grant("password"));
        // A native app (private-use redirect scheme) keeps its refresh token, as web apps do.
        let mobile = d.app("mobile-client").unwrap();
        assert_eq!(mobile.rotation, Rotation::Static);
        assert!(mobile.pkce_required);
        let legacy = d.app("legacy-client").unwrap();
        assert_eq!(legacy.response_type_list(), "[id_token]");
        assert_eq!(
            d.app("svc-client").unwrap().grant_list(),
            "[client_credentials]"
        );
    }

    #[test]
    fn users_get_stable_ids_and_profiles() {
        let d = dir();
        let alice = d.user_by_login("alice@EXAMPLE.com").unwrap();
        // The short name of a login, as Okta's authn takes it; never another user's.
        assert_eq!(d.user_by_sign_in_name("ALICE").unwrap().key, alice.key);
        assert!(d.user_by_login("alice").is_none());
        assert!(d.user_by_sign_in_name("alice@other.example").is_none());
        assert!(d.user_by_sign_in_name("alic").is_none());
        assert_eq!(alice.name, "Alice Anderson");
        assert_eq!(alice.email, "Alice@Example.com");
        assert!(alice.id.starts_with("00u") && alice.id.len() == 20);
        assert_eq!(d.user_by_id(&alice.id).unwrap().key, "alice");
        assert_eq!(dir().user("alice").unwrap().id, alice.id);
        assert!(alice.is_assigned(d.app("spa-client").unwrap()));
        assert!(!alice.is_assigned(d.app("web-client").unwrap()));
        assert!(d.org_id.starts_with("00o"));
    }
}
