//! `okta-fixtures token`: one user's (or one service app's) token on stdout, for curl and
//! scripts: `curl -H "Authorization: $(okta-fixtures token alice --print header)" …`.
//!
//! It goes through the library's own path ([`Fixtures::load`] then a [`TokenRequest`]), so it
//! signs in exactly as a test does and uses the token cache where one exists.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::SystemTime;

use okta_fixtures_config::{Config, Flow, OrgUrl, ResponseType};
use serde::Serialize;

use super::CommandError;
use crate::{Fixtures, TokenRequest, Tokens};

/// Arguments of `okta-fixtures token`.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArgs {
    /// The user to sign in (a key of `users:` in fixtures.yaml). Leave it out for a service
    /// app (`--app` naming an app with `flow: client_credentials`).
    #[arg(value_name = "USER")]
    pub(crate) user: Option<String>,

    /// The app (a key of `apps:`): for a user, instead of their default app; alone, a service
    /// app.
    #[arg(long, value_name = "APP")]
    pub(crate) app: Option<String>,

    /// The authorization server (`org`, `default` or a name of `servers:` in fixtures.yaml)
    /// instead of the app's.
    #[arg(long, value_name = "ID")]
    pub(crate) server: Option<String>,

    /// The scopes to ask for, separated by spaces (e.g. "openid orders:read"), instead of the
    /// app's.
    #[arg(long, value_name = "\"A B\"", value_parser = parse_scopes)]
    pub(crate) scopes: Option<Scopes>,

    /// The fixtures.yaml to read, relative to the current folder. Default:
    /// $OKTA_FIXTURES_CONFIG, else the nearest fixtures.yaml in the current folder or above.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// What to print: the access token, the ID token, the refresh token, an Authorization
    /// header value (`Bearer …`), or the token response as JSON.
    #[arg(long, value_enum, default_value_t = Print::Access)]
    pub(crate) print: Print,

    /// Sign in anew, bypassing the token cache (the cached tokens stay as they are).
    #[arg(long)]
    pub(crate) fresh: bool,
}

/// The one thing `token` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Print {
    /// The access token.
    Access,
    /// The ID token.
    Id,
    /// The refresh token.
    Refresh,
    /// `Bearer <access token>`, the value of an Authorization header.
    Header,
    /// The token response: token_type, expires_in (seconds left), access_token, scope,
    /// refresh_token and id_token where present.
    Json,
}

/// The scopes of `--scopes`, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scopes(pub(crate) Vec<String>);

fn parse_scopes(s: &str) -> Result<Scopes, String> {
    let scopes: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return Err("name at least one scope, e.g. --scopes \"openid profile\"".into());
    }
    Ok(Scopes(scopes))
}

/// Why `token` printed nothing (besides errors of the library).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    /// `org_url: fake`: the fake would die with this command, and its tokens with it.
    #[error(
        "{}: org_url is `fake`, and a token from an embedded fake is useless once this command \
         exits (the fake stops with it); start the fake on its own with `okta-fixtures fake \
         --config {}` and set OKTA_ORG_URL to the URL it prints on its first line (with \
         `org_url: ${{OKTA_ORG_URL:-fake}}` in the file), then run this again",
        file.display(),
        file.display()
    )]
    FakeOrg {
        /// The config file.
        file: PathBuf,
    },

    /// Neither a user nor an app was named.
    #[error(
        "name a user (`okta-fixtures token <USER>`; users: {users}) or a service app \
         (`okta-fixtures token --app <APP>`; service apps: {service_apps})"
    )]
    NoOne {
        /// The user keys, quoted, or `none`.
        users: String,
        /// The keys of the `client_credentials` apps, quoted, or `none`.
        service_apps: String,
    },

    /// `--app` alone named an app that signs a user in.
    #[error(
        "app `{app}` has `flow: {flow}`, which signs a user in: name the user too, as in \
         `okta-fixtures token <USER> --app {app}`"
    )]
    NeedsUser {
        /// The app key.
        app: String,
        /// Its flow.
        flow: &'static str,
    },

    /// A user was named with a service app.
    #[error(
        "app `{app}` has `flow: client_credentials`, which signs no user in: leave out the user \
         `{user}`, as in `okta-fixtures token --app {app}`"
    )]
    ServiceApp {
        /// The user key.
        user: String,
        /// The app key.
        app: String,
    },

    /// The tokens lack the one asked for with `--print`.
    #[error("{who}: the sign-in produced no {what}; {fix}")]
    Missing {
        /// `user `alice` with app `web`` or `app `reports``.
        who: String,
        /// `access token`, `ID token` or `refresh token`.
        what: &'static str,
        /// What to change to get it.
        fix: String,
    },
}

/// Loads the config, gets the tokens and prints the one thing asked for.
pub(crate) fn run(args: TokenArgs) -> Result<(), CommandError> {
    let cwd =
        std::env::current_dir().map_err(CommandError::io("cannot read the current folder"))?;
    let path = okta_fixtures_config::discover(args.config.as_deref(), &crate::env::var, &cwd)?;
    let fixtures = Fixtures::load(&path)?;
    if fixtures.config().org_url == OrgUrl::Fake {
        return Err(TokenError::FakeOrg { file: path }.into());
    }
    let mut tokens = request(&fixtures, &args)?.blocking_tokens()?;
    if !args.fresh && lacks(&tokens, args.print) {
        // The cache may keep less than a sign-in gives (a refresh token reaches the disk only
        // with `cache.persist_refresh`): ask the org before saying there is none.
        tokens = request(&fixtures, &args)?.fresh().blocking_tokens()?;
    }
    let line = render(&tokens, fixtures.config(), args.print, SystemTime::now())?;
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(CommandError::io("cannot write the token to stdout"))
}

/// The request the arguments describe, checked for who signs in with what.
fn request(fixtures: &Fixtures, args: &TokenArgs) -> Result<TokenRequest, CommandError> {
    let config = fixtures.config();
    let mut request = match (&args.user, &args.app) {
        (Some(user), None) => fixtures.request(user),
        (Some(user), Some(app)) => {
            config.user(user)?;
            if config.app(app)?.flow == Flow::ClientCredentials {
                return Err(TokenError::ServiceApp {
                    user: user.clone(),
                    app: app.clone(),
                }
                .into());
            }
            fixtures.request(user).app(app)
        }
        (None, Some(app)) => {
            let flow = config.app(app)?.flow;
            if flow != Flow::ClientCredentials {
                return Err(TokenError::NeedsUser {
                    app: app.clone(),
                    flow: flow.as_str(),
                }
                .into());
            }
            fixtures.app_request(app)
        }
        (None, None) => {
            return Err(TokenError::NoOne {
                users: quoted(config.users.keys()),
                service_apps: quoted(
                    config
                        .apps
                        .values()
                        .filter(|a| a.flow == Flow::ClientCredentials)
                        .map(|a| &a.name),
                ),
            }
            .into());
        }
    };
    if let Some(server) = &args.server {
        request = request.server(server);
    }
    if let Some(Scopes(scopes)) = &args.scopes {
        request = request.scopes(scopes);
    }
    if args.fresh {
        request = request.fresh();
    }
    Ok(request)
}

fn quoted<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Whether `tokens` lack what `print` asks for; for `json`, a refresh token the scopes call for.
fn lacks(tokens: &Tokens, print: Print) -> bool {
    match print {
        Print::Access | Print::Header => tokens.try_access_token().is_none(),
        Print::Id => tokens.id_token().is_none(),
        Print::Refresh => tokens.refresh_token().is_none(),
        Print::Json => {
            tokens.refresh_token().is_none()
                && tokens.scopes().iter().any(|s| s == "offline_access")
        }
    }
}

/// The token response fields of `--print json`, in the order Okta sends them.
#[derive(Serialize)]
struct TokenResponse<'a> {
    token_type: &'a str,
    /// Seconds left, not the lifetime Okta first gave: cached tokens have used some.
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
}

/// The line to print for `print`, without its newline.
fn render(
    tokens: &Tokens,
    config: &Config,
    print: Print,
    now: SystemTime,
) -> Result<String, TokenError> {
    let missing = |what: Print| TokenError::Missing {
        who: tokens.who(),
        what: match what {
            Print::Id => "ID token",
            Print::Refresh => "refresh token",
            Print::Access | Print::Header | Print::Json => "access token",
        },
        fix: fix(tokens, config, what),
    };
    Ok(match print {
        Print::Access => tokens
            .try_access_token()
            .ok_or_else(|| missing(Print::Access))?
            .to_owned(),
        Print::Header => {
            let access = tokens
                .try_access_token()
                .ok_or_else(|| missing(Print::Header))?;
            format!("{} {access}", tokens.token_type())
        }
        Print::Id => tokens
            .id_token()
            .ok_or_else(|| missing(Print::Id))?
            .to_owned(),
        Print::Refresh => tokens
            .refresh_token()
            .ok_or_else(|| missing(Print::Refresh))?
            .to_owned(),
        Print::Json => {
            let response = TokenResponse {
                token_type: tokens.token_type(),
                expires_in: tokens
                    .expires_at()
                    .duration_since(now)
                    .map_or(0, |left| left.as_secs()),
                access_token: tokens.try_access_token(),
                scope: tokens.scopes().join(" "),
                refresh_token: tokens.refresh_token(),
                id_token: tokens.id_token(),
            };
            // Serializing strings and numbers cannot fail.
            serde_json::to_string(&response).unwrap_or_default()
        }
    })
}

/// What to change in fixtures.yaml, the command or Okta to get the token `what`.
fn fix(tokens: &Tokens, config: &Config, what: Print) -> String {
    let app_key = tokens.app();
    let app = config.apps.get(app_key);
    let flow = app.map(|a| a.flow);
    let implicit_lacks = |rt: ResponseType| {
        flow == Some(Flow::Implicit) && !app.is_some_and(|a| a.response_type.contains(&rt))
    };
    let has_scope = |s: &str| tokens.scopes().iter().any(|g| g == s);
    match what {
        Print::Access | Print::Header | Print::Json if implicit_lacks(ResponseType::Token) => {
            format!(
                "add `token` to `response_type` of app `{app_key}` in fixtures.yaml, or print the \
                 ID token with `--print id`"
            )
        }
        Print::Access | Print::Header | Print::Json => format!(
            "check that app `{app_key}` is allowed to get access tokens in Okta (its grant types)"
        ),
        Print::Id if flow == Some(Flow::ClientCredentials) => {
            "a service app (`flow: client_credentials`) gets no ID token: print its access token"
                .into()
        }
        Print::Id if implicit_lacks(ResponseType::IdToken) => {
            format!("add `id_token` to `response_type` of app `{app_key}` in fixtures.yaml")
        }
        Print::Id if !has_scope("openid") => format!(
            "ask for scope `openid` (in `scopes` of app `{app_key}` in fixtures.yaml, or with \
             --scopes)"
        ),
        Print::Id => format!("check the OpenID Connect settings of app `{app_key}` in Okta"),
        Print::Refresh if flow == Some(Flow::ClientCredentials) => {
            "a service app (`flow: client_credentials`) gets no refresh token: ask for a new \
             access token instead"
                .into()
        }
        Print::Refresh if flow == Some(Flow::Implicit) => {
            "the implicit flow gets no refresh token: use an app with `flow: code`".into()
        }
        Print::Refresh if !has_scope("offline_access") => format!(
            "ask for scope `offline_access` (in `scopes` of app `{app_key}` in fixtures.yaml, or \
             with --scopes) and allow the Refresh Token grant type for the app in Okta"
        ),
        Print::Refresh => {
            format!("allow the Refresh Token grant type for app `{app_key}` in Okta")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser as _;

    use rstest::rstest;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::tokens::TokenParts;

    fn parse(args: &[&str]) -> Result<TokenArgs, clap::Error> {
        let cli =
            Cli::try_parse_from(std::iter::once("okta-fixtures").chain(args.iter().copied()))?;
        match cli.command {
            Command::Token(args) => Ok(args),
            other => panic!("not token: {other:?}"),
        }
    }

    fn config() -> Config {
        okta_fixtures_config::parse_str(crate::cli::tests::YAML, None, &|_| None).unwrap()
    }

    fn tokens(user: Option<&str>, app: &str, access: Option<&str>, id: Option<&str>) -> Tokens {
        Tokens::new(TokenParts {
            user: user.map(str::to_owned),
            username: user.map(|u| format!("{u}@example.com")),
            app: app.into(),
            client_id: format!("{app}-client"),
            access_token: access.map(Into::into),
            id_token: id.map(Into::into),
            refresh_token: None,
            ..TokenParts::sample()
        })
    }

    #[test]
    fn takes_a_user_or_none_and_every_option() {
        let a = parse(&[
            "token",
            "alice",
            "--app",
            "web",
            "--server",
            "org",
            "--scopes",
            " openid  orders:read ",
            "--config",
            "ci/fixtures.yaml",
            "--print",
            "header",
            "--fresh",
        ])
        .unwrap();
        assert_eq!(a.user.as_deref(), Some("alice"));
        assert_eq!(a.app.as_deref(), Some("web"));
        assert_eq!(a.server.as_deref(), Some("org"));
        assert_eq!(
            a.scopes,
            Some(Scopes(vec!["openid".into(), "orders:read".into()]))
        );
        assert_eq!(a.config, Some(PathBuf::from("ci/fixtures.yaml")));
        assert_eq!((a.print, a.fresh), (Print::Header, true));

        let a = parse(&["token", "--app", "reports"]).unwrap();
        assert_eq!((a.user, a.print, a.fresh), (None, Print::Access, false));
    }

    #[rstest]
    #[case("access", Print::Access)]
    #[case("id", Print::Id)]
    #[case("refresh", Print::Refresh)]
    #[case("header", Print::Header)]
    #[case("json", Print::Json)]
    fn print_takes_each_mode(#[case] word: &str, #[case] print: Print) {
        assert_eq!(
            parse(&["token", "alice", "--print", word]).unwrap().print,
            print
        );
    }

    #[rstest]
    #[case(&["token", "alice", "--print", "everything"])]
    #[case(&["token", "alice", "--scopes", "  "])]
    #[case(&["token", "alice", "bob"])]
    fn bad_print_modes_and_empty_scopes_are_usage_errors(#[case] args: &[&str]) {
        assert_eq!(parse(args).expect_err("a usage error").exit_code(), 2);
    }

    #[test]
    fn renders_each_mode_on_one_line() {
        let c = config();
        let t = tokens(Some("alice"), "spa", Some("a.b.c"), Some("i.d.t"));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(9_000);
        let r = |p| render(&t, &c, p, now).unwrap();
        assert_eq!(r(Print::Access), "a.b.c");
        assert_eq!(r(Print::Header), "Bearer a.b.c");
        assert_eq!(r(Print::Id), "i.d.t");
        assert_eq!(
            r(Print::Json),
            r#"{"token_type":"Bearer","expires_in":1000,"access_token":"a.b.c","scope":"openid profile","id_token":"i.d.t"}"#
        );
        // Expired tokens say 0 seconds left, never wrap around.
        let later = SystemTime::UNIX_EPOCH + Duration::from_secs(20_000);
        let json: serde_json::Value =
            serde_json::from_str(&render(&t, &c, Print::Json, later).unwrap()).unwrap();
        assert_eq!(json["expires_in"], 0);
    }

    #[test]
    fn lacking_means_the_printed_token_or_a_refresh_token_the_scopes_ask_for() {
        let t = tokens(Some("alice"), "spa", Some("a.b.c"), None);
        assert!(!lacks(&t, Print::Access) && !lacks(&t, Print::Header));
        assert!(lacks(&t, Print::Id) && lacks(&t, Print::Refresh));
        assert!(
            !lacks(&t, Print::Json),
            "no offline_access, no refresh token due"
        );
        let t = tokens(Some("alice"), "legacy", None, Some("i.d.t"));
        assert!(lacks(&t, Print::Access) && lacks(&t, Print::Header) && !lacks(&t, Print::Id));
    }

    #[test]
    fn a_missing_token_names_who_and_what_to_change() {
        let c = config();
        let now = SystemTime::UNIX_EPOCH;
        let t = tokens(Some("alice"), "spa", Some("a.b.c"), Some("i.d.t"));
        let e = render(&t, &c, Print::Refresh, now).unwrap_err().to_string();
        assert!(
            e.starts_with("user `alice` with app `spa`: the sign-in produced no refresh token; "),
            "{e}"
        );
        assert!(e.contains("offline_access"), "{e}");

        let t = tokens(Some("alice"), "legacy", None, Some("i.d.t"));
        for p in [Print::Access, Print::Header] {
            let e = render(&t, &c, p, now).unwrap_err().to_string();
            assert!(e.contains("no access token"), "{e}");
            assert!(
                e.contains("add `token` to `response_type` of app `legacy`"),
                "{e}"
            );
        }
        let e = render(&t, &c, Print::Refresh, now).unwrap_err().to_string();
        assert!(e.contains("implicit flow gets no refresh token"), "{e}");
        // Only what exists is in the JSON.
        let json: serde_json::Value =
            serde_json::from_str(&render(&t, &c, Print::Json, now).unwrap()).unwrap();
        assert!(json.get("access_token").is_none() && json["id_token"] == "i.d.t");

        let t = tokens(None, "reports", Some("a.b.c"), None);
        let e = render(&t, &c, Print::Id, now).unwrap_err().to_string();
        assert!(
            e.starts_with("app `reports`: the sign-in produced no ID token; a service app"),
            "{e}"
        );
    }

    #[test]
    fn the_fake_refusal_says_how_to_run_a_fake_that_outlives_the_command() {
        let e = TokenError::FakeOrg {
            file: PathBuf::from("/w/fixtures.yaml"),
        }
        .to_string();
        assert!(e.starts_with("/w/fixtures.yaml: org_url is `fake`"), "{e}");
        assert!(
            e.contains("`okta-fixtures fake --config /w/fixtures.yaml`"),
            "{e}"
        );
        assert!(e.contains("set OKTA_ORG_URL to the URL it prints"), "{e}");
    }

    #[rstest]
    #[case(&["token"], &["users: `alice`", "service apps: `reports`"])]
    #[case(&["token", "--app", "spa"], &["`okta-fixtures token <USER> --app spa`"])]
    #[case(&["token", "alice", "--app", "reports"], &["leave out the user `alice`"])]
    #[case(&["token", "--app", "reprots"], &["did you mean `reports`"])]
    #[case(&["token", "alise", "--app", "spa"], &["unknown user `alise`, did you mean `alice`"])]
    fn requests_check_who_signs_in_with_what(#[case] args: &[&str], #[case] says: &[&str]) {
        let fixtures = Fixtures::new(config());
        let Err(e) = request(&fixtures, &parse(args).unwrap()) else {
            panic!("{args:?} accepted")
        };
        let e = crate::cli::report(&e);
        for part in says {
            assert!(e.contains(part), "{part} missing from {e}");
        }
    }

    #[rstest]
    #[case(&["token", "alice"])]
    #[case(&["token", "alice", "--app", "legacy", "--scopes", "openid"])]
    #[case(&["token", "--app", "reports", "--fresh"])]
    fn requests_of_a_user_or_a_service_app_are_taken(#[case] args: &[&str]) {
        assert!(request(&Fixtures::new(config()), &parse(args).unwrap()).is_ok());
    }
}
