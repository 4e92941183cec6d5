//! Reading fixtures.yaml: parse, expand `${VAR}`s, apply defaults, check cross-references.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::interpolate::expand;
use crate::raw::*;
use crate::schema::*;
use crate::{Error, Location, Result, Secret};

/// Reads and resolves the file at `path`. `env` reads environment variables.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, Some(path), env)
}

/// Parses and resolves fixtures.yaml text. `source` names the file in errors.
pub fn parse_str(
    text: &str,
    source: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config> {
    let file = source.map(Path::to_path_buf);
    let raw: RawConfig = if text.trim().is_empty() {
        RawConfig::default()
    } else {
        serde_yaml::from_str(text).map_err(|e| syntax_error(&e, file.clone()))?
    };
    Resolver { file, env }.config(raw)
}

/// Turns a parser error into ours without forwarding the parser's text where it may quote a
/// value.
fn syntax_error(e: &serde_yaml::Error, file: Option<PathBuf>) -> Error {
    let line_col = e.location().map(|l| (l.line(), l.column()));
    let msg = e.to_string();
    // yaml_serde prefixes the YAML path: "apps.spa: unknown field `x`, expected …".
    let (path, body) = match msg.split_once(": ") {
        Some((p, b)) if !p.contains(' ') => (p.to_owned(), b.to_owned()),
        _ => (String::new(), msg.clone()),
    };
    let at = Location {
        file,
        line_col,
        path: path.clone(),
    };
    if let Some(rest) = body.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default().to_owned();
        let expected: Vec<&str> = rest
            .split("expected ")
            .nth(1)
            .map(|s| s.split(" at line").next().unwrap_or(s))
            .map(|s| {
                s.split('`')
                    .enumerate()
                    .filter(|(i, _)| i % 2 == 1)
                    .map(|(_, k)| k)
                    .collect()
            })
            .unwrap_or_default();
        let hint = match closest(&key, expected.iter().copied()) {
            Some(best) => format!(", did you mean `{best}`?"),
            None if !expected.is_empty() => format!(", expected one of: {}", expected.join(", ")),
            None => String::new(),
        };
        return Error::UnknownKey { at, key, hint };
    }
    if let Some(rest) = body.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default().to_owned();
        return Error::Missing { at, key };
    }
    if body.starts_with("invalid type") || body.starts_with("invalid value") {
        let expected = body
            .split(", expected ")
            .nth(1)
            .map(|s| s.split(" at line").next().unwrap_or(s))
            .unwrap_or("another type");
        return Error::Invalid {
            at,
            expected: format!("wrong type, expected {expected}"),
        };
    }
    Error::Syntax {
        at,
        what: "the file is not valid YAML".into(),
    }
}

/// The valid name closest to `wanted`, if one is close enough to be a likely typo.
pub(crate) fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|n| (levenshtein(wanted, n), n))
        .filter(|(d, n)| *d <= (n.len().max(wanted.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn name_hint<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(wanted, names.clone()) {
        Some(best) => format!(", did you mean `{best}`?"),
        None => {
            let all: Vec<&str> = names.into_iter().collect();
            if all.is_empty() {
                " (none are defined)".into()
            } else {
                format!(", known: {}", all.join(", "))
            }
        }
    }
}

struct Resolver<'e> {
    file: Option<PathBuf>,
    env: &'e dyn Fn(&str) -> Option<String>,
}

impl Resolver<'_> {
    fn at(&self, path: &str) -> Location {
        Location {
            file: self.file.clone(),
            line_col: None,
            path: path.to_owned(),
        }
    }

    fn s(&self, value: &str, path: &str) -> Result<String> {
        expand(value, self.env, || self.at(path))
    }

    fn opt(&self, value: Option<&String>, path: &str) -> Result<Option<String>> {
        value.map(|v| self.s(v, path)).transpose()
    }

    fn list(&self, values: &[String], path: &str) -> Result<Vec<String>> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.s(v, &format!("{path}[{i}]")))
            .collect()
    }

    fn duration(&self, d: &RawDuration, path: &str) -> Result<Duration> {
        let text = match d {
            RawDuration::Secs(s) => return Ok(Duration::from_secs(*s)),
            RawDuration::Text(t) => self.s(t, path)?,
        };
        parse_duration(&text).ok_or_else(|| Error::Invalid {
            at: self.at(path),
            expected: "a duration such as `30s`, `5m`, `1h`, `250ms` or a number of seconds".into(),
        })
    }

    fn one_of<T: Copy>(&self, value: &str, path: &str, choices: &[(&str, T)]) -> Result<T> {
        choices
            .iter()
            .find(|(n, _)| *n == value)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                let hint = match closest(value, names.iter().copied()) {
                    Some(best) => format!("; did you mean `{best}`?"),
                    None => String::new(),
                };
                Error::Invalid {
                    at: self.at(path),
                    expected: format!("expected one of: {}{hint}", names.join(", ")),
                }
            })
    }

    fn config(&self, raw: RawConfig) -> Result<Config> {
        let org_url = match self.opt(raw.org_url.as_ref(), "org_url")?.as_deref() {
            None | Some("fake") => OrgUrl::Fake,
            Some(u) => {
                let parsed = url::Url::parse(u).map_err(|_| Error::Invalid {
                    at: self.at("org_url"),
                    expected: "an https URL such as `https://dev-123.okta.com`, or `fake`".into(),
                })?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                    return Err(Error::Invalid {
                        at: self.at("org_url"),
                        expected: "an https URL such as `https://dev-123.okta.com`, or `fake`"
                            .into(),
                    });
                }
                OrgUrl::Url(u.trim_end_matches('/').to_owned())
            }
        };
        let authorization_server = self
            .opt(raw.authorization_server.as_ref(), "authorization_server")?
            .unwrap_or_else(|| "default".into());
        let mut apps = BTreeMap::new();
        for (name, app) in &raw.apps {
            apps.insert(name.clone(), self.app(name, app)?);
        }
        let mut users = BTreeMap::new();
        for (name, user) in &raw.users {
            users.insert(name.clone(), self.user(name, user, &apps)?);
        }
        let cache = self.cache(raw.cache.as_ref())?;
        let verify = match &raw.verify {
            None => VerifySettings::default(),
            Some(v) => VerifySettings {
                id_token: v.id_token.unwrap_or(true),
                leeway: match &v.leeway {
                    Some(d) => self.duration(d, "verify.leeway")?,
                    None => VerifySettings::default().leeway,
                },
            },
        };
        let http = match &raw.http {
            None => HttpSettings::default(),
            Some(h) => {
                let d = HttpSettings::default();
                HttpSettings {
                    timeout: match &h.timeout {
                        Some(t) => self.duration(t, "http.timeout")?,
                        None => d.timeout,
                    },
                    rate_limit_retries: h.rate_limit_retries.unwrap_or(d.rate_limit_retries),
                    max_rate_limit_wait: match &h.max_rate_limit_wait {
                        Some(t) => self.duration(t, "http.max_rate_limit_wait")?,
                        None => d.max_rate_limit_wait,
                    },
                }
            }
        };
        let fake = match &raw.fake {
            None => FakeSettings::default(),
            Some(f) => self.fake(f, &apps, &users)?,
        };
        Ok(Config {
            source: self.file.clone(),
            org_url,
            authorization_server,
            apps,
            users,
            cache,
            verify,
            http,
            fake,
        })
    }

    fn app(&self, name: &str, raw: &RawApp) -> Result<App> {
        let p = |k: &str| format!("apps.{name}.{k}");
        let flow = self.one_of(
            &raw.flow,
            &p("flow"),
            &[
                ("code", Flow::Code),
                ("implicit", Flow::Implicit),
                ("client_credentials", Flow::ClientCredentials),
            ],
        )?;
        let client_id = self.s(&raw.client_id, &p("client_id"))?;
        let client_secret = self
            .opt(raw.client_secret.as_ref(), &p("client_secret"))?
            .map(Secret::from);
        let redirect_uri = self.opt(raw.redirect_uri.as_ref(), &p("redirect_uri"))?;
        match (&redirect_uri, flow) {
            (None, Flow::Code | Flow::Implicit) => {
                return Err(Error::Missing {
                    at: self.at(&format!("apps.{name}")),
                    key: "redirect_uri".into(),
                });
            }
            (Some(uri), _) => {
                let ok = url::Url::parse(uri).is_ok_and(|u| !u.cannot_be_a_base() || u.scheme().contains('.'));
                if !ok {
                    return Err(Error::Invalid {
                        at: self.at(&p("redirect_uri")),
                        expected: "an absolute URL registered as a sign-in redirect URI, such as `http://localhost:8080/login/callback` or `com.example.app:/callback`".into(),
                    });
                }
            }
            (None, Flow::ClientCredentials) => {}
        }
        let scopes = match &raw.scopes {
            Some(s) => self.list(s, &p("scopes"))?,
            None if flow == Flow::ClientCredentials => {
                return Err(Error::Missing {
                    at: self.at(&format!("apps.{name}")),
                    key: "scopes".into(),
                });
            }
            None => vec!["openid".into(), "profile".into(), "email".into()],
        };
        let mut response_type = Vec::new();
        match (&raw.response_type, flow) {
            (Some(_), Flow::Code | Flow::ClientCredentials) => {
                return Err(Error::Conflict {
                    at: self.at(&p("response_type")),
                    why: "`response_type` applies to `flow: implicit` only".into(),
                });
            }
            (Some(list), Flow::Implicit) => {
                for (i, rt) in list.iter().enumerate() {
                    let rt = self.one_of(
                        rt,
                        &format!("{}[{i}]", p("response_type")),
                        &[("id_token", ResponseType::IdToken), ("token", ResponseType::Token)],
                    )?;
                    if !response_type.contains(&rt) {
                        response_type.push(rt);
                    }
                }
                if response_type.is_empty() {
                    return Err(Error::Invalid {
                        at: self.at(&p("response_type")),
                        expected: "at least one of: id_token, token".into(),
                    });
                }
                response_type.sort();
            }
            (None, Flow::Implicit) => response_type = vec![ResponseType::IdToken, ResponseType::Token],
            (None, _) => {}
        }
        let token_endpoint_auth = match &raw.token_endpoint_auth {
            Some(t) => {
                let auth = self.one_of(
                    t,
                    &p("token_endpoint_auth"),
                    &[
                        ("client_secret_basic", TokenEndpointAuth::ClientSecretBasic),
                        ("client_secret_post", TokenEndpointAuth::ClientSecretPost),
                        ("none", TokenEndpointAuth::None),
                    ],
                )?;
                if auth != TokenEndpointAuth::None && client_secret.is_none() {
                    return Err(Error::Missing {
                        at: self.at(&format!("apps.{name}")),
                        key: "client_secret".into(),
                    });
                }
                auth
            }
            None if client_secret.is_some() => TokenEndpointAuth::ClientSecretBasic,
            None => TokenEndpointAuth::None,
        };
        if flow == Flow::ClientCredentials && client_secret.is_none() {
            return Err(Error::Missing {
                at: self.at(&format!("apps.{name}")),
                key: "client_secret".into(),
            });
        }
        let pkce = match (raw.pkce, flow) {
            (Some(_), Flow::Implicit) => {
                return Err(Error::Conflict {
                    at: self.at(&p("pkce")),
                    why: "the implicit flow has no PKCE; remove `pkce` or use `flow: code`".into(),
                });
            }
            (Some(false), Flow::Code) if client_secret.is_none() => {
                return Err(Error::Conflict {
                    at: self.at(&p("pkce")),
                    why: "a public client (no client_secret) must use PKCE; only a web app may set `pkce: false`".into(),
                });
            }
            (Some(v), _) => v,
            (None, flow) => flow == Flow::Code,
        };
        let authorization_server =
            self.opt(raw.authorization_server.as_ref(), &p("authorization_server"))?;
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

    fn user(&self, name: &str, raw: &RawUser, apps: &BTreeMap<String, App>) -> Result<User> {
        let p = |k: &str| format!("users.{name}.{k}");
        let app = self.opt(raw.app.as_ref(), &p("app"))?;
        if let Some(app_name) = &app {
            match apps.get(app_name) {
                None => {
                    return Err(Error::UnknownName {
                        at: self.at(&p("app")),
                        kind: "app",
                        name: app_name.clone(),
                        hint: name_hint(app_name, apps.keys().map(String::as_str)),
                    });
                }
                Some(a) if a.flow == Flow::ClientCredentials => {
                    return Err(Error::Conflict {
                        at: self.at(&p("app")),
                        why: format!(
                            "app `{app_name}` uses `flow: client_credentials`, which signs in no user; name a code or implicit app"
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(User {
            name: name.to_owned(),
            username: self.s(&raw.username, &p("username"))?,
            password: Secret::from(self.s(&raw.password, &p("password"))?),
            app,
        })
    }

    fn cache(&self, raw: Option<&RawCache>) -> Result<CacheSettings> {
        let d = CacheSettings::default();
        let Some(raw) = raw else { return Ok(d) };
        Ok(CacheSettings {
            store: match &raw.store {
                Some(s) => self.one_of(
                    s,
                    "cache.store",
                    &[("disk", CacheStore::Disk), ("memory", CacheStore::Memory)],
                )?,
                None => d.store,
            },
            refresh_before: match &raw.refresh_before {
                Some(r) => self.duration(r, "cache.refresh_before")?,
                None => d.refresh_before,
            },
            persist_refresh: raw.persist_refresh.unwrap_or(d.persist_refresh),
        })
    }

    fn lifetimes(&self, raw: &RawLifetimes, base: &FakeLifetimes, path: &str) -> Result<FakeLifetimes> {
        let pick = |r: &Option<RawDuration>, k: &str, dflt: Duration| match r {
            Some(d) => self.duration(d, &format!("{path}.{k}")),
            None => Ok(dflt),
        };
        Ok(FakeLifetimes {
            access_token: pick(&raw.access_token, "access_token", base.access_token)?,
            id_token: pick(&raw.id_token, "id_token", base.id_token)?,
            refresh_token: pick(&raw.refresh_token, "refresh_token", base.refresh_token)?,
            code: pick(&raw.code, "code", base.code)?,
            session_token: pick(&raw.session_token, "session_token", base.session_token)?,
        })
    }

    fn fake(
        &self,
        raw: &RawFake,
        apps: &BTreeMap<String, App>,
        users: &BTreeMap<String, User>,
    ) -> Result<FakeSettings> {
        let lifetimes = match &raw.lifetimes {
            Some(l) => self.lifetimes(l, &FakeLifetimes::default(), "fake.lifetimes")?,
            None => FakeLifetimes::default(),
        };
        let mut fake_users = BTreeMap::new();
        for (name, u) in &raw.users {
            let p = |k: &str| format!("fake.users.{name}.{k}");
            if !users.contains_key(name) {
                return Err(Error::UnknownName {
                    at: self.at(&format!("fake.users.{name}")),
                    kind: "user",
                    name: name.clone(),
                    hint: name_hint(name, users.keys().map(String::as_str)),
                });
            }
            let status = match &u.status {
                Some(s) => Some(self.one_of(
                    s,
                    &p("status"),
                    &[
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
                    ],
                )?),
                None => None,
            };
            if let Some(list) = &u.apps {
                for (i, a) in list.iter().enumerate() {
                    if !apps.contains_key(a) {
                        return Err(Error::UnknownName {
                            at: self.at(&format!("{}[{i}]", p("apps"))),
                            kind: "app",
                            name: a.clone(),
                            hint: name_hint(a, apps.keys().map(String::as_str)),
                        });
                    }
                }
            }
            fake_users.insert(
                name.clone(),
                FakeUser {
                    id: self.opt(u.id.as_ref(), &p("id"))?,
                    given_name: self.opt(u.given_name.as_ref(), &p("given_name"))?,
                    family_name: self.opt(u.family_name.as_ref(), &p("family_name"))?,
                    name: self.opt(u.name.as_ref(), &p("name"))?,
                    email: self.opt(u.email.as_ref(), &p("email"))?,
                    groups: self.list(&u.groups, &p("groups"))?,
                    claims: u.claims.clone(),
                    status,
                    apps: u.apps.clone(),
                },
            );
        }
        let mut servers = BTreeMap::new();
        for (id, s) in &raw.servers {
            let p = |k: &str| format!("fake.servers.{id}.{k}");
            let claims = |m: &BTreeMap<String, serde_json::Value>| {
                m.iter()
                    .map(|(k, v)| {
                        let value = if v.as_str() == Some("$groups") {
                            ClaimValue::Groups
                        } else {
                            ClaimValue::Value(v.clone())
                        };
                        (k.clone(), value)
                    })
                    .collect()
            };
            servers.insert(
                id.clone(),
                FakeServer {
                    audience: self.opt(s.audience.as_ref(), &p("audience"))?,
                    scopes: self.list(&s.scopes, &p("scopes"))?,
                    access_claims: claims(&s.access_claims),
                    id_claims: claims(&s.id_claims),
                    lifetimes: s
                        .lifetimes
                        .as_ref()
                        .map(|l| self.lifetimes(l, &lifetimes, &p("lifetimes")))
                        .transpose()?,
                },
            );
        }
        let mut fake_apps = BTreeMap::new();
        for (name, a) in &raw.apps {
            let p = |k: &str| format!("fake.apps.{name}.{k}");
            if !apps.contains_key(name) {
                return Err(Error::UnknownName {
                    at: self.at(&format!("fake.apps.{name}")),
                    kind: "app",
                    name: name.clone(),
                    hint: name_hint(name, apps.keys().map(String::as_str)),
                });
            }
            fake_apps.insert(
                name.clone(),
                FakeApp {
                    grant_types: a
                        .grant_types
                        .as_ref()
                        .map(|g| self.list(g, &p("grant_types")))
                        .transpose()?,
                    rotation: a
                        .rotation
                        .as_ref()
                        .map(|r| {
                            self.one_of(
                                r,
                                &p("rotation"),
                                &[("rotate", Rotation::Rotate), ("static", Rotation::Static)],
                            )
                        })
                        .transpose()?,
                    rotation_grace: a
                        .rotation_grace
                        .as_ref()
                        .map(|d| self.duration(d, &p("rotation_grace")))
                        .transpose()?,
                    pkce_required: a.pkce_required,
                    redirect_uris: self.list(&a.redirect_uris, &p("redirect_uris"))?,
                },
            );
        }
        let mut faults = Vec::new();
        for (i, f) in raw.faults.iter().enumerate() {
            let p = |k: &str| format!("fake.faults[{i}].{k}");
            let endpoint = self.one_of(
                &f.endpoint,
                &p("endpoint"),
                &[
                    ("authn", FaultEndpoint::Authn),
                    ("authorize", FaultEndpoint::Authorize),
                    ("token", FaultEndpoint::Token),
                    ("keys", FaultEndpoint::Keys),
                    ("discovery", FaultEndpoint::Discovery),
                    ("userinfo", FaultEndpoint::Userinfo),
                    ("introspect", FaultEndpoint::Introspect),
                    ("revoke", FaultEndpoint::Revoke),
                ],
            )?;
            let kind = match f.kind.as_str() {
                "rate_limit" => FaultKind::RateLimit {
                    reset: f.reset.unwrap_or(1),
                },
                "status" => FaultKind::Status(f.status.ok_or_else(|| Error::Missing {
                    at: self.at(&format!("fake.faults[{i}]")),
                    key: "status".into(),
                })?),
                "latency" => FaultKind::Latency(match &f.latency {
                    Some(d) => self.duration(d, &p("latency"))?,
                    None => {
                        return Err(Error::Missing {
                            at: self.at(&format!("fake.faults[{i}]")),
                            key: "latency".into(),
                        });
                    }
                }),
                "drop" => FaultKind::Drop,
                "malformed_page" => FaultKind::MalformedPage,
                other => {
                    let names = ["rate_limit", "status", "latency", "drop", "malformed_page"];
                    let hint = closest(other, names)
                        .map(|b| format!("; did you mean `{b}`?"))
                        .unwrap_or_default();
                    return Err(Error::Invalid {
                        at: self.at(&p("kind")),
                        expected: format!("expected one of: {}{hint}", names.join(", ")),
                    });
                }
            };
            faults.push(FaultSpec {
                endpoint,
                kind,
                user: self.opt(f.user.as_ref(), &p("user"))?,
                client_id: self.opt(f.client_id.as_ref(), &p("client_id"))?,
                times: f.times,
            });
        }
        Ok(FakeSettings {
            org_name: self.opt(raw.org_name.as_ref(), "fake.org_name")?,
            users: fake_users,
            servers,
            apps: fake_apps,
            lifetimes,
            faults,
        })
    }
}

/// Parses `30`, `30s`, `5m`, `1h`, `7d`, `250ms`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    Some(match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        "d" => Duration::from_secs(n.checked_mul(86400)?),
        _ => return None,
    })
}
