//! The file as written: the [`Node`] tree checked against the schema's shape (known keys,
//! types, required keys) and for references between its entries, into structs whose strings
//! are not yet expanded. Every value keeps its YAML path, so later checks can point at it.

use std::collections::BTreeMap;

use crate::locate::{Doc, Target};
use crate::node::{self, Node};
use crate::yaml_path::YamlPath;
use crate::{DEFAULT_SERVER, Error, Flow, Location, ORG_SERVER, Result, suggest};

/// A text value before `${VAR}` expansion.
#[derive(Clone, Debug)]
pub(crate) struct Text {
    pub(crate) value: String,
    pub(crate) path: YamlPath,
}

/// A setting that is a boolean, number or duration: written as such, or as text that may hold
/// `${VAR}` and is parsed after expansion.
#[derive(Clone, Debug)]
pub(crate) enum Setting {
    Bool(bool, YamlPath),
    Int(i128, YamlPath),
    Text(Text),
}

/// A list of words: a YAML list, or one text of space-separated words (`openid profile`).
#[derive(Clone, Debug)]
pub(crate) enum Words {
    List(Vec<Text>, YamlPath),
    Spaced(Text),
}

impl Words {
    pub(crate) fn path(&self) -> &YamlPath {
        match self {
            Words::List(_, p) => p,
            Words::Spaced(t) => &t.path,
        }
    }
}

pub(crate) struct RawConfig {
    pub(crate) org_url: Option<Text>,
    /// A name, never expanded.
    pub(crate) authorization_server: Option<Text>,
    pub(crate) servers: BTreeMap<String, RawServer>,
    pub(crate) apps: BTreeMap<String, RawApp>,
    pub(crate) users: BTreeMap<String, RawUser>,
    pub(crate) cache: Option<RawCache>,
    pub(crate) verify: Option<RawVerify>,
    pub(crate) http: Option<RawHttp>,
    pub(crate) fake: Option<RawFake>,
}

pub(crate) struct RawApp {
    pub(crate) path: YamlPath,
    pub(crate) client_id: Text,
    pub(crate) client_secret: Option<Text>,
    pub(crate) redirect_uri: Option<Text>,
    pub(crate) flow: Flow,
    pub(crate) scopes: Option<Words>,
    pub(crate) response_type: Option<Words>,
    /// A name, never expanded.
    pub(crate) authorization_server: Option<Text>,
    pub(crate) token_endpoint_auth: Option<Text>,
    pub(crate) pkce: Option<Setting>,
}

/// One entry of the top-level `servers:`.
pub(crate) struct RawServer {
    pub(crate) path: YamlPath,
    pub(crate) id: Option<Text>,
    pub(crate) audience: Option<Text>,
    pub(crate) scopes: Option<Words>,
}

pub(crate) struct RawUser {
    pub(crate) username: Text,
    pub(crate) password: Text,
    pub(crate) totp: Option<Text>,
    /// A name, never expanded.
    pub(crate) app: Option<Text>,
}

pub(crate) struct RawCache {
    pub(crate) store: Option<Text>,
    pub(crate) refresh_before: Option<Setting>,
    pub(crate) persist_refresh: Option<Setting>,
    pub(crate) redis_url: Option<Text>,
    pub(crate) namespace: Option<Text>,
    pub(crate) signing_key: Option<Text>,
    /// Where the `cache` mapping is.
    pub(crate) path: YamlPath,
}

pub(crate) struct RawVerify {
    pub(crate) id_token: Option<Setting>,
    pub(crate) leeway: Option<Setting>,
}

pub(crate) struct RawHttp {
    pub(crate) timeout: Option<Setting>,
    pub(crate) rate_limit_retries: Option<Setting>,
    pub(crate) max_rate_limit_wait: Option<Setting>,
    pub(crate) allow_plain_http: Option<Setting>,
}

pub(crate) struct RawFake {
    pub(crate) org_name: Option<Text>,
    pub(crate) users: BTreeMap<String, RawFakeUser>,
    pub(crate) servers: BTreeMap<String, RawFakeServer>,
    pub(crate) apps: BTreeMap<String, RawFakeApp>,
    pub(crate) lifetimes: Option<RawLifetimes>,
    pub(crate) faults: Vec<RawFault>,
}

pub(crate) struct RawFakeUser {
    pub(crate) path: YamlPath,
    pub(crate) id: Option<Text>,
    pub(crate) given_name: Option<Text>,
    pub(crate) family_name: Option<Text>,
    pub(crate) name: Option<Text>,
    pub(crate) email: Option<Text>,
    pub(crate) groups: Vec<Text>,
    pub(crate) claims: Vec<(String, Node, YamlPath)>,
    pub(crate) status: Option<Text>,
    pub(crate) lockout_after: Option<Setting>,
    /// Names, never expanded.
    pub(crate) apps: Option<Vec<Text>>,
    pub(crate) mfa: Vec<Text>,
}

pub(crate) struct RawFakeServer {
    pub(crate) path: YamlPath,
    pub(crate) access_claims: Vec<(String, Node, YamlPath)>,
    pub(crate) id_claims: Vec<(String, Node, YamlPath)>,
    pub(crate) lifetimes: Option<RawLifetimes>,
    pub(crate) policy: Option<RawPolicy>,
}

/// `fake.servers.<key>.policy`: each condition a list, absent = anything.
pub(crate) struct RawPolicy {
    pub(crate) path: YamlPath,
    /// Names, never expanded.
    pub(crate) apps: Option<Vec<Text>>,
    /// Names, never expanded.
    pub(crate) users: Option<Vec<Text>>,
    pub(crate) groups: Option<Vec<Text>>,
    pub(crate) grant_types: Option<Vec<Text>>,
}

pub(crate) struct RawLifetimes {
    pub(crate) access_token: Option<Setting>,
    pub(crate) id_token: Option<Setting>,
    pub(crate) refresh_token: Option<Setting>,
    pub(crate) code: Option<Setting>,
    pub(crate) session_token: Option<Setting>,
}

pub(crate) struct RawFakeApp {
    pub(crate) path: YamlPath,
    pub(crate) grant_types: Option<Vec<Text>>,
    pub(crate) rotation: Option<Text>,
    pub(crate) rotation_grace: Option<Setting>,
    pub(crate) pkce_required: Option<Setting>,
    pub(crate) redirect_uris: Vec<Text>,
    pub(crate) post_logout_redirect_uris: Vec<Text>,
    pub(crate) app_type: Option<Text>,
    pub(crate) sign_on: Option<Text>,
    pub(crate) consent: Option<Text>,
}

pub(crate) struct RawFault {
    pub(crate) path: YamlPath,
    pub(crate) endpoint: Text,
    pub(crate) kind: Text,
    pub(crate) status: Option<Setting>,
    pub(crate) latency: Option<Setting>,
    pub(crate) reset: Option<Setting>,
    pub(crate) error: Option<Text>,
    pub(crate) error_description: Option<Text>,
    pub(crate) user: Option<Text>,
    pub(crate) client_id: Option<Text>,
    pub(crate) times: Option<Setting>,
}

pub(crate) const ROOT_KEYS: &[&str] = &[
    "org_url",
    "authorization_server",
    "servers",
    "apps",
    "users",
    "cache",
    "verify",
    "http",
    "fake",
];
pub(crate) const APP_KEYS: &[&str] = &[
    "client_id",
    "client_secret",
    "redirect_uri",
    "flow",
    "scopes",
    "response_type",
    "authorization_server",
    "token_endpoint_auth",
    "pkce",
];
const SERVER_KEYS: &[&str] = &["id", "audience", "scopes"];
pub(crate) const USER_KEYS: &[&str] = &["username", "password", "totp", "app"];
const CACHE_KEYS: &[&str] = &[
    "store",
    "refresh_before",
    "persist_refresh",
    "redis_url",
    "namespace",
    "signing_key",
];
const VERIFY_KEYS: &[&str] = &["id_token", "leeway"];
const HTTP_KEYS: &[&str] = &[
    "timeout",
    "rate_limit_retries",
    "max_rate_limit_wait",
    "allow_plain_http",
];
const FAKE_KEYS: &[&str] = &[
    "org_name",
    "users",
    "servers",
    "apps",
    "lifetimes",
    "faults",
];
const FAKE_USER_KEYS: &[&str] = &[
    "id",
    "given_name",
    "family_name",
    "name",
    "email",
    "groups",
    "claims",
    "status",
    "lockout_after",
    "apps",
    "mfa",
];
const FAKE_SERVER_KEYS: &[&str] = &["access_claims", "id_claims", "lifetimes", "policy"];
const POLICY_KEYS: &[&str] = &["apps", "users", "groups", "grant_types"];
/// Keys that moved from `fake.servers.<key>` to the top-level `servers.<key>` (0.x files).
const MOVED_FAKE_SERVER_KEYS: &[&str] = &["audience", "scopes"];
const LIFETIME_KEYS: &[&str] = &[
    "access_token",
    "id_token",
    "refresh_token",
    "code",
    "session_token",
];
const FAKE_APP_KEYS: &[&str] = &[
    "grant_types",
    "rotation",
    "rotation_grace",
    "pkce_required",
    "redirect_uris",
    "post_logout_redirect_uris",
    "type",
    "sign_on",
    "consent",
];
const FAULT_KEYS: &[&str] = &[
    "endpoint",
    "kind",
    "status",
    "latency",
    "reset",
    "error",
    "error_description",
    "user",
    "client_id",
    "times",
];

/// The flows, spelt as in the file.
pub(crate) const FLOWS: &[(&str, Flow)] = &[
    ("code", Flow::Code),
    ("implicit", Flow::Implicit),
    ("client_credentials", Flow::ClientCredentials),
];

/// Parses the text and checks its shape and the references between its entries; nothing
/// is expanded.
pub(crate) fn read(doc: &Doc<'_>) -> Result<RawConfig> {
    let node = node::parse(doc.text).map_err(|problem| {
        let path = problem
            .path
            .or_else(|| {
                problem
                    .line_col
                    .map(|(line, _)| node::path_near(doc.text, line))
            })
            .unwrap_or_default();
        Error::Syntax {
            at: Box::new(Location {
                file: doc.file.clone(),
                line_col: problem.line_col,
                path: path.to_string(),
            }),
            what: problem.what.into(),
        }
    })?;
    let raw = config(doc, &node)?;
    check_refs(doc, &raw)?;
    Ok(raw)
}

/// The whole tree.
fn config(doc: &Doc<'_>, node: &Node) -> Result<RawConfig> {
    let root = YamlPath::root();
    let f = Mapping::new(doc, node, root, ROOT_KEYS, "the settings of fixtures.yaml")?;
    Ok(RawConfig {
        org_url: f.text("org_url")?,
        authorization_server: f.server_name()?,
        servers: f.entries("servers", |path, node| server(doc, path, node))?,
        apps: f.entries("apps", |path, node| app(doc, path, node))?,
        users: f.entries("users", |path, node| user(doc, path, node))?,
        cache: f.mapping("cache", CACHE_KEYS, "cache settings", |c| {
            Ok(RawCache {
                store: c.text("store")?,
                refresh_before: c.setting("refresh_before")?,
                persist_refresh: c.setting("persist_refresh")?,
                redis_url: c.text("redis_url")?,
                namespace: c.text("namespace")?,
                signing_key: c.text("signing_key")?,
                path: YamlPath::root().key("cache"),
            })
        })?,
        verify: f.mapping(
            "verify",
            VERIFY_KEYS,
            "ID token verification settings",
            |v| {
                Ok(RawVerify {
                    id_token: v.setting("id_token")?,
                    leeway: v.setting("leeway")?,
                })
            },
        )?,
        http: f.mapping("http", HTTP_KEYS, "HTTP settings", |h| {
            Ok(RawHttp {
                timeout: h.setting("timeout")?,
                rate_limit_retries: h.setting("rate_limit_retries")?,
                max_rate_limit_wait: h.setting("max_rate_limit_wait")?,
                allow_plain_http: h.setting("allow_plain_http")?,
            })
        })?,
        fake: f.mapping(
            "fake",
            FAKE_KEYS,
            "settings of the embedded fake Okta",
            |f| fake(doc, f),
        )?,
    })
}

fn app(doc: &Doc<'_>, path: YamlPath, node: &Node) -> Result<RawApp> {
    let f = Mapping::new(doc, node, path.clone(), APP_KEYS, "an app's settings")?;
    // What is written is checked before what is missing.
    let client_id = f.text("client_id")?;
    let client_secret = f.text("client_secret")?;
    let redirect_uri = f.text("redirect_uri")?;
    let flow = f.text("flow")?;
    let scopes = f.words("scopes")?;
    let response_type = f.words("response_type")?;
    let authorization_server = f.server_name()?;
    let token_endpoint_auth = f.text("token_endpoint_auth")?;
    let pkce = f.setting("pkce")?;
    let flow_text = flow.ok_or_else(|| doc.missing(&path, "flow"))?;
    let flow = FLOWS
        .iter()
        .find(|(name, _)| *name == flow_text.value)
        .map(|(_, flow)| *flow)
        .ok_or_else(|| {
            let names = FLOWS.iter().map(|(n, _)| *n);
            let mut expected = suggest::expected_one_of(&flow_text.value, names);
            if flow_text.value.contains('$') {
                expected
                    .push_str(" (`flow` is never expanded: write it literally, not as `${VAR}`)");
            }
            doc.invalid(&flow_text.path, expected)
        })?;
    Ok(RawApp {
        client_id: client_id.ok_or_else(|| doc.missing(&path, "client_id"))?,
        client_secret,
        redirect_uri,
        flow,
        scopes,
        response_type,
        authorization_server,
        token_endpoint_auth,
        pkce,
        path,
    })
}

fn server(doc: &Doc<'_>, path: YamlPath, node: &Node) -> Result<RawServer> {
    if path.last_key() == Some(ORG_SERVER) {
        return Err(doc.conflict(
            &path,
            "`org` is Okta's org authorization server: it is built in, its audience is the org URL and it defines no custom scopes; remove this entry",
        ));
    }
    let f = Mapping::new(
        doc,
        node,
        path.clone(),
        SERVER_KEYS,
        "an authorization server",
    )?;
    Ok(RawServer {
        id: f.text("id")?,
        audience: f.text("audience")?,
        scopes: f.words("scopes")?,
        path,
    })
}

fn user(doc: &Doc<'_>, path: YamlPath, node: &Node) -> Result<RawUser> {
    let f = Mapping::new(doc, node, path.clone(), USER_KEYS, "a user's settings")?;
    let username = f.text("username")?;
    let password = f.text("password")?;
    let app = f.name("app")?;
    Ok(RawUser {
        username: username.ok_or_else(|| doc.missing(&path, "username"))?,
        password: password.ok_or_else(|| doc.missing(&path, "password"))?,
        totp: f.text("totp")?,
        app,
    })
}

fn fake(doc: &Doc<'_>, f: &Mapping<'_, '_>) -> Result<RawFake> {
    let lifetimes = |f: &Mapping<'_, '_>| -> Result<Option<RawLifetimes>> {
        f.mapping("lifetimes", LIFETIME_KEYS, "token lifetimes", |l| {
            Ok(RawLifetimes {
                access_token: l.setting("access_token")?,
                id_token: l.setting("id_token")?,
                refresh_token: l.setting("refresh_token")?,
                code: l.setting("code")?,
                session_token: l.setting("session_token")?,
            })
        })
    };
    Ok(RawFake {
        org_name: f.text("org_name")?,
        users: f.entries("users", |path, node| {
            let u = Mapping::new(
                doc,
                node,
                path.clone(),
                FAKE_USER_KEYS,
                "a fake user's profile",
            )?;
            let apps = u.names("apps")?;
            Ok(RawFakeUser {
                id: u.text("id")?,
                given_name: u.text("given_name")?,
                family_name: u.text("family_name")?,
                name: u.text("name")?,
                email: u.text("email")?,
                groups: u.list("groups")?.unwrap_or_default(),
                claims: u.claims("claims")?,
                status: u.text("status")?,
                lockout_after: u.setting("lockout_after")?,
                mfa: u.list("mfa")?.unwrap_or_default(),
                apps,
                path,
            })
        })?,
        servers: f.entries("servers", |path, node| {
            moved_fake_server_keys(doc, &path, node)?;
            let s = Mapping::new(
                doc,
                node,
                path.clone(),
                FAKE_SERVER_KEYS,
                "what the fake adds to an authorization server",
            )?;
            Ok(RawFakeServer {
                path,
                access_claims: s.claims("access_claims")?,
                id_claims: s.claims("id_claims")?,
                lifetimes: lifetimes(&s)?,
                policy: s.mapping("policy", POLICY_KEYS, "an access policy", |p| {
                    Ok(RawPolicy {
                        path: p.path.clone(),
                        apps: p.names("apps")?,
                        users: p.names("users")?,
                        groups: p.list("groups")?,
                        grant_types: p.list("grant_types")?,
                    })
                })?,
            })
        })?,
        apps: f.entries("apps", |path, node| {
            let a = Mapping::new(
                doc,
                node,
                path.clone(),
                FAKE_APP_KEYS,
                "a fake app's settings",
            )?;
            Ok(RawFakeApp {
                grant_types: a.list("grant_types")?,
                rotation: a.text("rotation")?,
                rotation_grace: a.setting("rotation_grace")?,
                pkce_required: a.setting("pkce_required")?,
                redirect_uris: a.list("redirect_uris")?.unwrap_or_default(),
                post_logout_redirect_uris: a.list("post_logout_redirect_uris")?.unwrap_or_default(),
                app_type: a.text("type")?,
                sign_on: a.text("sign_on")?,
                consent: a.text("consent")?,
                path,
            })
        })?,
        lifetimes: lifetimes(f)?,
        faults: match f.get("faults") {
            None => Vec::new(),
            Some((Node::Seq(items), path)) => items
                .iter()
                .enumerate()
                .map(|(i, node)| {
                    let path = path.index(i);
                    let x = Mapping::new(doc, node, path.clone(), FAULT_KEYS, "a fault")?;
                    let endpoint = x.text("endpoint")?;
                    let kind = x.text("kind")?;
                    Ok(RawFault {
                        status: x.setting("status")?,
                        latency: x.setting("latency")?,
                        reset: x.setting("reset")?,
                        error: x.text("error")?,
                        error_description: x.text("error_description")?,
                        user: x.text("user")?,
                        client_id: x.text("client_id")?,
                        times: x.setting("times")?,
                        endpoint: endpoint.ok_or_else(|| doc.missing(&path, "endpoint"))?,
                        kind: kind.ok_or_else(|| doc.missing(&path, "kind"))?,
                        path,
                    })
                })
                .collect::<Result<_>>()?,
            Some((other, path)) => {
                return Err(doc.invalid(&path, found("a list of faults", other)));
            }
        },
    })
}

/// An error for a 0.x file that still gives a server's audience or scopes under `fake.servers`,
/// saying where they live now.
fn moved_fake_server_keys(doc: &Doc<'_>, path: &YamlPath, node: &Node) -> Result<()> {
    let Node::Map(entries) = node else {
        return Ok(());
    };
    let Some(key) = path.last_key() else {
        return Ok(());
    };
    let Some((moved, _)) = entries
        .iter()
        .find(|(k, _)| MOVED_FAKE_SERVER_KEYS.contains(&k.as_str()))
    else {
        return Ok(());
    };
    let mut at = doc.at(&path.key(moved), Target::Key);
    at.path = path.key(moved).to_string();
    Err(Error::Conflict {
        at,
        why: format!(
            "`{moved}` moved to the top-level `servers.{key}.{moved}`, which both the embedded fake and a real org read; `fake.servers.{key}` keeps only `access_claims`, `id_claims` and `lifetimes`"
        ),
    })
}

/// Checks every reference from one entry to another: a user's `app`, the servers named by
/// `authorization_server` and the keys of `fake.servers`, the keys of `fake.users` and
/// `fake.apps`, `fake.users.*.apps`, and the apps and users of each server's `policy`; and
/// that what only concerns users (`sign_on`, `consent`, a policy) is not set where there is
/// none. Copies nothing.
fn check_refs(doc: &Doc<'_>, raw: &RawConfig) -> Result<()> {
    let server_names = || {
        [ORG_SERVER, DEFAULT_SERVER]
            .into_iter()
            .chain(raw.servers.keys().map(String::as_str))
    };
    let known_server =
        |name: &str| name == ORG_SERVER || name == DEFAULT_SERVER || raw.servers.contains_key(name);
    let named = std::iter::once(&raw.authorization_server)
        .chain(raw.apps.values().map(|a| &a.authorization_server))
        .flatten();
    let unknown_server = |path: &YamlPath, target: Target, name: &str| {
        let mut hint = suggest::hint(name, server_names());
        hint.push_str(
            "; a custom server needs an entry under the top-level `servers:` (its Okta id, audience and scopes)",
        );
        Error::UnknownName {
            at: doc.at(path, target),
            kind: "authorization server",
            name: name.to_owned(),
            hint,
        }
    };
    for server in named {
        if !known_server(&server.value) {
            return Err(unknown_server(&server.path, Target::Value, &server.value));
        }
    }
    let app_names = || raw.apps.keys().map(String::as_str);
    let unknown_app =
        |app: &Text| doc.unknown_name(&app.path, Target::Value, "app", &app.value, app_names());
    for user in raw.users.values() {
        let Some(app) = &user.app else { continue };
        match raw.apps.get(&app.value).map(|a| a.flow) {
            None => return Err(unknown_app(app)),
            Some(Flow::ClientCredentials) => {
                return Err(doc.conflict(
                    &app.path,
                    format!(
                        "app `{}` uses `flow: client_credentials`, which signs in no user; name an app with `flow: code` or `flow: implicit`",
                        app.value
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(fake) = &raw.fake {
        for (name, user) in &fake.users {
            if !raw.users.contains_key(name) {
                return Err(doc.unknown_name(
                    &user.path,
                    Target::Key,
                    "user",
                    name,
                    raw.users.keys().map(String::as_str),
                ));
            }
            for app in user.apps.iter().flatten() {
                if !raw.apps.contains_key(&app.value) {
                    return Err(unknown_app(app));
                }
            }
        }
        for (name, app) in &fake.apps {
            let Some(flow) = raw.apps.get(name).map(|a| a.flow) else {
                return Err(doc.unknown_name(&app.path, Target::Key, "app", name, app_names()));
            };
            let user_only = [("sign_on", &app.sign_on), ("consent", &app.consent)];
            if let Some((key, _)) = user_only.iter().find(|(_, v)| v.is_some())
                && flow == Flow::ClientCredentials
            {
                return Err(doc.conflict(
                    &app.path.key(key),
                    format!(
                        "app `{name}` uses `flow: client_credentials`, which signs in no user, so it has no sign-on policy or user consent; remove `{key}`"
                    ),
                ));
            }
        }
        for (name, server) in &fake.servers {
            if !known_server(name) {
                return Err(unknown_server(&server.path, Target::Key, name));
            }
            let Some(policy) = &server.policy else {
                continue;
            };
            if name == ORG_SERVER {
                return Err(doc.conflict(
                    &policy.path,
                    "Okta's org authorization server has no access policies (only custom servers do); remove `policy`, or put it on `default` or a server of the top-level `servers:`",
                ));
            }
            for app in policy.apps.iter().flatten() {
                if !raw.apps.contains_key(&app.value) {
                    return Err(unknown_app(app));
                }
            }
            for user in policy.users.iter().flatten() {
                if !raw.users.contains_key(&user.value) {
                    return Err(doc.unknown_name(
                        &user.path,
                        Target::Value,
                        "user",
                        &user.value,
                        raw.users.keys().map(String::as_str),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn found(expected: &str, node: &Node) -> String {
    format!("expected {expected}, found {}", node.kind())
}

/// The entries of one mapping, checked against the keys the schema allows there.
struct Mapping<'d, 'n> {
    doc: &'d Doc<'d>,
    path: YamlPath,
    entries: &'n [(String, Node)],
}

impl<'d, 'n> Mapping<'d, 'n> {
    fn new(
        doc: &'d Doc<'d>,
        node: &'n Node,
        path: YamlPath,
        known: &[&str],
        what: &str,
    ) -> Result<Self> {
        let entries: &[(String, Node)] = match node {
            Node::Map(entries) => entries,
            Node::Null => &[],
            other => return Err(doc.invalid(&path, found(&format!("a mapping ({what})"), other))),
        };
        for (key, _) in entries {
            if !known.contains(&key.as_str()) {
                // The message names the mapping; the position is the key's.
                let mut at = doc.at(&path.key(key), Target::Key);
                at.path = path.to_string();
                return Err(Error::UnknownKey {
                    at,
                    key: key.clone(),
                    hint: suggest::hint(key, known.iter().copied()),
                });
            }
        }
        Ok(Self { doc, path, entries })
    }

    /// The value of `key` and its path; an empty value counts as absent.
    fn get(&self, key: &'static str) -> Option<(&'n Node, YamlPath)> {
        self.entries
            .iter()
            .find(|(k, v)| k == key && *v != Node::Null)
            .map(|(_, v)| (v, self.path.key(key)))
    }

    fn text(&self, key: &'static str) -> Result<Option<Text>> {
        self.get(key)
            .map(|(node, path)| text(self.doc, node, path))
            .transpose()
    }

    /// `authorization_server`: the key of a server of this file, never expanded.
    fn server_name(&self) -> Result<Option<Text>> {
        let Some(t) = self.text("authorization_server")? else {
            return Ok(None);
        };
        if t.value.contains("${") {
            return Err(self.doc.invalid(
                &t.path,
                "`authorization_server` names `org`, `default` or a key of the top-level `servers:` and is never expanded; to take a server's Okta id from the environment, write it as `servers.<key>.id: ${VAR:-default}`",
            ));
        }
        Ok(Some(t))
    }

    /// A key naming another entry of the file: text, and never expanded.
    fn name(&self, key: &'static str) -> Result<Option<Text>> {
        let Some(t) = self.text(key)? else {
            return Ok(None);
        };
        if t.value.contains("${") {
            return Err(self.doc.invalid(
                &t.path,
                format!("`{key}` names an entry of this file and is never expanded: write the name literally, not as `${{VAR}}`"),
            ));
        }
        Ok(Some(t))
    }

    fn setting(&self, key: &'static str) -> Result<Option<Setting>> {
        let Some((node, path)) = self.get(key) else {
            return Ok(None);
        };
        Ok(Some(match node {
            Node::Bool(b) => Setting::Bool(*b, path),
            Node::Int(n) => Setting::Int(*n, path),
            Node::Str(s) => Setting::Text(Text {
                value: s.clone(),
                path,
            }),
            other => {
                return Err(self.doc.invalid(
                    &path,
                    found(
                        "a single value (a number, `true`/`false`, a duration or text)",
                        other,
                    ),
                ));
            }
        }))
    }

    /// A list of names of other entries of the file, never expanded.
    fn names(&self, key: &'static str) -> Result<Option<Vec<Text>>> {
        self.get(key)
            .map(|(node, path)| list(self.doc, node, &path, true))
            .transpose()
    }

    fn list(&self, key: &'static str) -> Result<Option<Vec<Text>>> {
        self.get(key)
            .map(|(node, path)| list(self.doc, node, &path, false))
            .transpose()
    }

    fn words(&self, key: &'static str) -> Result<Option<Words>> {
        let Some((node, path)) = self.get(key) else {
            return Ok(None);
        };
        Ok(Some(match node {
            Node::Str(s) => Words::Spaced(Text {
                value: s.clone(),
                path,
            }),
            node => Words::List(list(self.doc, node, &path, false)?, path),
        }))
    }

    /// The mapping at `key`, checked for `known` keys and read by `read`.
    fn mapping<T>(
        &self,
        key: &'static str,
        known: &[&str],
        what: &str,
        read: impl FnOnce(&Mapping<'d, 'n>) -> Result<T>,
    ) -> Result<Option<T>> {
        self.get(key)
            .map(|(node, path)| read(&Mapping::new(self.doc, node, path, known, what)?))
            .transpose()
    }

    /// A mapping of names to entries, in key order.
    fn entries<T>(
        &self,
        key: &'static str,
        read: impl Fn(YamlPath, &'n Node) -> Result<T>,
    ) -> Result<BTreeMap<String, T>> {
        match self.get(key) {
            None => Ok(BTreeMap::new()),
            Some((Node::Map(entries), path)) => entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), read(path.key(k), v)?)))
                .collect(),
            Some((other, path)) => Err(self
                .doc
                .invalid(&path, found(&format!("a mapping of {key} by name"), other))),
        }
    }

    /// Claims: a mapping of claim names to any YAML values.
    fn claims(&self, key: &'static str) -> Result<Vec<(String, Node, YamlPath)>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some((Node::Map(entries), path)) => Ok(entries
                .iter()
                .map(|(k, v)| (k.clone(), v.clone(), path.key(k)))
                .collect()),
            Some((other, path)) => Err(self
                .doc
                .invalid(&path, found("a mapping of claim names to values", other))),
        }
    }
}

fn text(doc: &Doc<'_>, node: &Node, path: YamlPath) -> Result<Text> {
    match node {
        Node::Str(s) => Ok(Text {
            value: s.clone(),
            path,
        }),
        Node::Bool(_) | Node::Int(_) | Node::Float(_) => Err(doc.invalid(
            &path,
            format!("{}; put the value in quotes", found("text", node)),
        )),
        other => Err(doc.invalid(&path, found("text", other))),
    }
}

/// A list of texts. `names` marks a list of names, which are never expanded.
fn list(doc: &Doc<'_>, node: &Node, path: &YamlPath, names: bool) -> Result<Vec<Text>> {
    let Node::Seq(items) = node else {
        return Err(doc.invalid(path, found("a list such as `[a, b]`", node)));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let t = text(doc, item, path.index(i))?;
            if names && t.value.contains("${") {
                return Err(doc.invalid(
                    &t.path,
                    "this names an entry of this file and is never expanded: write the name literally, not as `${VAR}`",
                ));
            }
            Ok(t)
        })
        .collect()
}
