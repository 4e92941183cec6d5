//! The names in fixtures.yaml (user keys, app keys, app flows, server names) read without
//! expanding `${VAR}`s,
//! so the macros can check them at compile time when the variables are not set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::locate::Doc;
use crate::raw;
use crate::{Error, Flow, Location, Result, suggest};

/// The user, app and server names of a fixtures.yaml, read without expanding any `${VAR}`.
///
/// This is what `#[okta_user]` checks at compile time, when the environment of the test run is
/// not known. Reading names checks the file's shape (keys, types, required keys) and every
/// reference from one entry to another: a user's `app`, the keys of `fake.users` and
/// `fake.apps`, and `fake.users.*.apps`. Values are not expanded, so what depends on them (a
/// `redirect_uri` that is not a URL, a missing variable) is found by [`crate::load()`] only.
///
/// Names are never expanded: a `flow` and a user's `app` must be written literally
/// (`flow: ${FLOW}` is an error here and in [`crate::load()`] alike).
///
/// ```
/// use okta_fixtures_config::{Flow, parse_names};
///
/// let yaml = "
/// apps:
///   spa:
///     client_id: ${SPA_CLIENT_ID}
///     redirect_uri: http://localhost:8080/login/callback
///     flow: code
///   reports:
///     client_id: reports-client
///     client_secret: ${REPORTS_SECRET}
///     flow: client_credentials
///     scopes: [reports:read]
/// users:
///   alice:
///     username: ${ALICE}
///     password: ${ALICE_PASSWORD}
///     app: spa
/// ";
/// // No variable is set, and none is needed.
/// let names = parse_names(yaml, None).unwrap();
/// assert_eq!(names.users["alice"].as_deref(), Some("spa"));
/// assert_eq!(names.apps["reports"], Flow::ClientCredentials);
/// assert_eq!(names.default_app("alice").unwrap(), "spa");
/// names.check_user("alice").unwrap();
/// names.check_server("default").unwrap();
/// assert!(names.check_server("ordrs").is_err());
/// let err = names.check_user("alcie").unwrap_err();
/// assert_eq!(err.to_string(), "users: unknown user `alcie`, did you mean `alice`?");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// User key → the key of its `app`, when it names one.
    pub users: BTreeMap<String, Option<String>>,
    /// App key → its flow.
    pub apps: BTreeMap<String, Flow>,
    /// The authorization servers' names: `org`, `default` and the keys of `servers:`.
    pub servers: BTreeSet<String>,
}

impl Names {
    /// `Ok` when `user` is a key of `users:`, else [`Error::UnknownName`] naming the closest key
    /// (or listing the keys when none is close).
    pub fn check_user(&self, user: &str) -> Result<()> {
        if self.users.contains_key(user) {
            return Ok(());
        }
        Err(unknown("users", "user", user, self.users.keys()))
    }

    /// `Ok` when `app` is a key of `apps:`, else [`Error::UnknownName`] naming the closest key
    /// (or listing the keys when none is close).
    pub fn check_app(&self, app: &str) -> Result<()> {
        if self.apps.contains_key(app) {
            return Ok(());
        }
        Err(unknown("apps", "app", app, self.apps.keys()))
    }

    /// `Ok` when `server` is `org`, `default` or a key of `servers:`, else
    /// [`Error::UnknownName`] naming the closest (or listing them when none is close).
    pub fn check_server(&self, server: &str) -> Result<()> {
        if self.servers.contains(server) {
            return Ok(());
        }
        Err(unknown(
            "servers",
            "authorization server",
            server,
            self.servers.iter(),
        ))
    }

    /// The app `user` signs in with when a test names none, by the rule of
    /// [`Config::user_app`](crate::Config::user_app): the user's `app`, else the file's only
    /// app with `flow: code` or `flow: implicit`.
    pub fn default_app(&self, user: &str) -> Result<&str> {
        self.check_user(user)?;
        if let Some(Some(app)) = self.users.get(user) {
            return Ok(app);
        }
        let mut user_apps = self
            .apps
            .iter()
            .filter(|(_, flow)| **flow != Flow::ClientCredentials);
        match (user_apps.next(), user_apps.next()) {
            (Some((only, _)), None) => Ok(only),
            (None, _) => Err(crate::schema::no_user_app(top("apps"))),
            (Some(_), Some(_)) => Err(Error::Missing {
                at: top(&crate::yaml_path::YamlPath::root()
                    .key("users")
                    .key(user)
                    .to_string()),
                key: "app".into(),
            }),
        }
    }
}

fn unknown<'a>(
    path: &str,
    kind: &'static str,
    name: &str,
    names: impl Iterator<Item = &'a String> + Clone,
) -> Error {
    Error::UnknownName {
        at: top(path),
        kind,
        name: name.to_owned(),
        hint: suggest::hint(name, names.map(String::as_str)),
    }
}

fn top(path: &str) -> Box<Location> {
    Box::new(Location {
        file: None,
        line_col: None,
        path: path.to_owned(),
    })
}

/// Reads the names of the file at `path` without expanding `${VAR}`s (see [`Names`]).
pub fn load_names(path: &Path) -> Result<Names> {
    let text = crate::read_text(path)?;
    parse_names(&text, Some(path))
}

/// Reads the names of fixtures.yaml text without expanding `${VAR}`s (see [`Names`]).
/// `source` names the file in errors.
pub fn parse_names(text: &str, source: Option<&Path>) -> Result<Names> {
    let doc = Doc {
        text,
        file: source.map(Path::to_path_buf),
    };
    let raw = raw::read(&doc)?;
    Ok(Names {
        users: raw
            .users
            .iter()
            .map(|(name, user)| (name.clone(), user.app.as_ref().map(|a| a.value.clone())))
            .collect(),
        apps: raw
            .apps
            .iter()
            .map(|(name, app)| (name.clone(), app.flow))
            .collect(),
        servers: [crate::ORG_SERVER, crate::DEFAULT_SERVER]
            .into_iter()
            .map(str::to_owned)
            .chain(raw.servers.keys().cloned())
            .collect(),
    })
}
