//! `okta-fixtures doctor`: everything a test needs before its first sign-in, checked in one
//! process, one line per check on stdout: `ok` or `FAIL`, then what was checked or what to fix.
//!
//! The checks, in order; a failure that leaves nothing to check further ends the run:
//! 1. `file`: which fixtures.yaml, and why that one (`--config`, `$OKTA_FIXTURES_CONFIG`, or
//!    the search upward from the current folder);
//! 2. `env`: each `${VAR}` the file references: set, unset with a default, or missing (never
//!    a value);
//! 3. `parse`: the file as the library reads it (errors carry file:line:column);
//! 4. `redis` (with `cache.store: redis`): Redis answers within the timeout, which namespace,
//!    and whether its user may run the commands okta-fixtures sends (a probe key);
//! 5. `org`: the org answers its discovery document (or the embedded fake starts);
//! 6. `server`: each authorization server in use (the apps' and those of `servers:`): its
//!    name, Okta id, the issuer its discovery document names, the audience fixtures.yaml
//!    gives, and whether the `aud` of an access token from the sign-ins below equals it;
//! 7. `sign-in`: each user with their default app (`--all-apps`: with every app that signs a
//!    user in, and every service app), for real: cached tokens are skipped.
//!
//! Exit code 0 when every check passed, 1 otherwise.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use okta_fixtures_config::{Config, Flow, ORG_SERVER, OrgUrl, Origin};

use super::CommandError;
use crate::{AuthorizationServer, Fixtures, Tokens};

#[cfg(feature = "redis")]
mod redis_check;

/// Arguments of `okta-fixtures doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct DoctorArgs {
    /// The fixtures.yaml to check, relative to the current folder. Default:
    /// $OKTA_FIXTURES_CONFIG, else the nearest fixtures.yaml in the current folder or above.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Sign every user in with every app that signs users in, and get every service app's
    /// tokens (default: each user with their default app only).
    #[arg(long)]
    pub(crate) all_apps: bool,
}

/// Some checks failed; the `FAIL` lines on stdout say what to fix.
#[derive(Debug, thiserror::Error)]
#[error(
    "{failed} of {total} checks failed; fix what the FAIL lines say and run `okta-fixtures \
     doctor` again"
)]
pub(crate) struct DoctorError {
    failed: usize,
    total: usize,
}

/// Runs the checks against the process environment and the current folder.
pub(crate) fn run(args: DoctorArgs) -> Result<(), CommandError> {
    let cwd =
        std::env::current_dir().map_err(CommandError::io("cannot read the current folder"))?;
    let mut report = Report::new(io::stdout());
    check(&args, &cwd, &crate::env::var, &mut report)?;
    report.finish()
}

/// Check lines, counted.
struct Report<W> {
    out: W,
    total: usize,
    failed: usize,
}

impl<W: Write> Report<W> {
    fn new(out: W) -> Self {
        Report {
            out,
            total: 0,
            failed: 0,
        }
    }

    fn ok(&mut self, check: &str, detail: impl AsRef<str>) -> Result<(), CommandError> {
        self.line(true, check, detail.as_ref())
    }

    fn fail(&mut self, check: &str, detail: impl AsRef<str>) -> Result<(), CommandError> {
        self.line(false, check, detail.as_ref())
    }

    /// Writes at once: sign-ins against a real org take a while, and people watch.
    fn line(&mut self, ok: bool, check: &str, detail: &str) -> Result<(), CommandError> {
        self.total += 1;
        if !ok {
            self.failed += 1;
        }
        let status = if ok { "ok" } else { "FAIL" };
        // Details quote names from fixtures.yaml: no terminal escape or bidi control passes.
        let detail = okta_fixtures_config::escape(detail);
        writeln!(self.out, "{status:<4} {check:<7} {detail}")
            .and_then(|()| self.out.flush())
            .map_err(CommandError::io("cannot write the report to stdout"))
    }

    fn finish(self) -> Result<(), CommandError> {
        if self.failed == 0 {
            Ok(())
        } else {
            Err(DoctorError {
                failed: self.failed,
                total: self.total,
            }
            .into())
        }
    }
}

fn check(
    args: &DoctorArgs,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    report: &mut Report<impl Write>,
) -> Result<(), CommandError> {
    // 1. Which file, and why.
    let path = match okta_fixtures_config::discover_with_origin(args.config.as_deref(), env, cwd) {
        Ok((path, origin)) => {
            report.ok(
                "file",
                format!("{} ({})", path.display(), chosen_by(origin, cwd)),
            )?;
            path
        }
        Err(e) => return report.fail("file", chain(&e)),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            return report.fail(
                "file",
                format!("cannot read {}: {e}; check its permissions", path.display()),
            );
        }
    };

    // 2. The variables it references.
    let references = references(&text);
    if references.is_empty() {
        report.ok("env", "the file references no environment variable")?;
    }
    for var in &references {
        let (ok, detail) = var.status(env);
        report.line(ok, "env", &detail)?;
    }

    // 3. The file as the library reads it.
    let config = match okta_fixtures_config::parse_str(&text, Some(&path), env) {
        Ok(config) => {
            report.ok("parse", summary(&config))?;
            config
        }
        Err(e) => return report.fail("parse", chain(&e)),
    };

    // 4. Redis, with `cache.store: redis`: the org's discovery documents and every sign-in
    // go through it.
    #[cfg(feature = "redis")]
    if !redis_check::check(&config, report)? {
        return Ok(());
    }
    #[cfg(not(feature = "redis"))]
    if let crate::cache::Store::Refused(e) = crate::cache::Store::for_config(&config, None) {
        return report.fail("redis", chain(&e));
    }

    // 5. The org: for an org by URL, the discovery documents of its servers are read here.
    let fixtures = Fixtures::new(config.clone());
    let org = match fixtures.blocking_org() {
        Ok(org) => org,
        Err(e) => return report.fail("org", chain(&e)),
    };
    match org.server(ORG_SERVER) {
        Ok(_) if org.is_fake() => report.ok(
            "org",
            format!(
                "{} is the embedded fake Okta (org_url: fake), started in this process for \
                 these checks: it stops when doctor does",
                org.url()
            ),
        )?,
        Ok(server) => report.ok(
            "org",
            format!(
                "{} answers as an Okta org (issuer {})",
                org.url(),
                server.issuer()
            ),
        )?,
        // Nothing further can work.
        Err(e) => return report.fail("org", chain(&e)),
    }

    // 7. first, for 6.: each sign-in, and the first access token of each server.
    let mut sign_ins = Vec::new();
    let mut first_token: BTreeMap<String, Tokens> = BTreeMap::new();
    for job in sign_ins_of(&config, args.all_apps) {
        let (user, app) = match job {
            Ok(job) => job,
            Err(e) => {
                sign_ins.push((false, chain(&e)));
                continue;
            }
        };
        let server = config
            .apps
            .get(&app)
            .map_or(config.authorization_server.as_str(), |a| {
                config.server_for(a)
            });
        let who = crate::error::SignIn::new(user.as_deref(), &app, server).to_string();
        if org.server(server).is_err() {
            sign_ins.push((
                false,
                format!("{who}: not tried, server `{server}` failed its check above"),
            ));
            continue;
        }
        let request = match &user {
            Some(user) => fixtures.request(user).app(&app),
            None => fixtures.app_request(&app),
        };
        match request.fresh().blocking_tokens() {
            Ok(tokens) => {
                let mut line = signed_in(&who, &tokens, SystemTime::now());
                if let Some(factor) = user
                    .as_deref()
                    .and_then(|u| config.users.get(u))
                    .and_then(|u| crate::cache::Steps::shared().factor_used(org.url(), u))
                {
                    line.push_str(&format!("; second factor verified: {factor}"));
                }
                sign_ins.push((true, line));
                first_token.entry(server.to_owned()).or_insert(tokens);
            }
            Err(e) => sign_ins.push((false, chain(&e))),
        }
    }

    // 6. Each server in use: its Okta id, the issuer discovery names, the audience the file
    // gives and whether a real access token carries it.
    for name in servers_used(&config) {
        match org.server(&name) {
            Ok(server) => {
                let (ok, aud) = audience_check(&server, first_token.get(&name));
                let line = format!(
                    "`{name}` (Okta id {}): issuer {}, audience {}; {aud}",
                    server.id(),
                    server.issuer(),
                    server.audience()
                );
                report.line(ok, "server", &line)?;
            }
            Err(e) => report.fail("server", chain(&e))?,
        }
    }
    for (ok, line) in sign_ins {
        report.line(ok, "sign-in", &line)?;
    }
    Ok(())
}

/// Whether the `aud` of `tokens`' access token is the server's audience, in words.
fn audience_check(server: &AuthorizationServer, tokens: Option<&Tokens>) -> (bool, String) {
    let Some(tokens) = tokens else {
        return (
            true,
            "no sign-in here uses it, so no access token's `aud` was compared".into(),
        );
    };
    let aud = tokens.access_claims().and_then(|c| c.get("aud").cloned());
    match aud {
        Some(serde_json::Value::String(aud)) if aud == server.audience() => {
            (true, "an access token's `aud` matches".into())
        }
        Some(serde_json::Value::Array(auds))
            if auds.iter().any(|a| a.as_str() == Some(server.audience())) =>
        {
            (true, "an access token's `aud` holds it".into())
        }
        Some(aud) => {
            let fix = if server.is_org() {
                "org-server access tokens are for Okta's own APIs".to_owned()
            } else {
                format!(
                    "set `servers.{}.audience` in fixtures.yaml to the server's Audience",
                    server.name()
                )
            };
            (false, format!("an access token's `aud` is {aud}: {fix}"))
        }
        None => (
            true,
            "its access tokens are not JWTs with an `aud` to compare".into(),
        ),
    }
}

fn chosen_by(origin: Origin, cwd: &Path) -> String {
    match origin {
        Origin::Explicit => "given by --config".into(),
        Origin::Env => format!("named by {}", okta_fixtures_config::CONFIG_ENV),
        Origin::Search => format!(
            "found by searching {} and its parents; no --config, {} unset",
            cwd.display(),
            okta_fixtures_config::CONFIG_ENV
        ),
        other => format!("chosen by {other}"),
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(" (caused by: {c})"));
        cause = c.source();
    }
    text
}

fn summary(config: &Config) -> String {
    let org = match &config.org_url {
        OrgUrl::Fake => "fake",
        OrgUrl::Url(url) => url,
    };
    format!(
        "{} app(s), {} user(s); org_url {org}, authorization_server {}",
        config.apps.len(),
        config.users.len(),
        config.authorization_server
    )
}

/// The authorization servers in use, sorted by name.
fn servers_used(config: &Config) -> Vec<String> {
    config
        .servers_in_use()
        .into_iter()
        .map(|s| s.key.clone())
        .collect()
}

/// The sign-ins to try: `(user, app)`, the user `None` for a service app; an error where a
/// user has no default app.
fn sign_ins_of(
    config: &Config,
    all_apps: bool,
) -> Vec<Result<(Option<String>, String), okta_fixtures_config::Error>> {
    let mut jobs = Vec::new();
    for user in config.users.values() {
        if all_apps {
            for app in config.apps.values() {
                if app.flow != Flow::ClientCredentials {
                    jobs.push(Ok((Some(user.name.clone()), app.name.clone())));
                }
            }
        } else {
            jobs.push(
                config
                    .user_app(user)
                    .map(|app| (Some(user.name.clone()), app.name.clone())),
            );
        }
    }
    if all_apps {
        for app in config.apps.values() {
            if app.flow == Flow::ClientCredentials {
                jobs.push(Ok((None, app.name.clone())));
            }
        }
    }
    jobs
}

/// What a sign-in gave: which tokens, scopes and life left; never a token.
fn signed_in(who: &str, tokens: &Tokens, now: SystemTime) -> String {
    let mut kinds = Vec::new();
    if tokens.try_access_token().is_some() {
        kinds.push("access");
    }
    if tokens.id_token().is_some() {
        kinds.push("ID");
    }
    if tokens.refresh_token().is_some() {
        kinds.push("refresh");
    }
    let kinds = match kinds.as_slice() {
        [] => "no token".to_owned(),
        [one] => format!("{one} token"),
        [init @ .., last] => format!("{} and {last} tokens", init.join(", ")),
    };
    let left = tokens
        .expires_at()
        .duration_since(now)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let as_whom = tokens
        .username()
        .map(|u| format!(" as {u}"))
        .unwrap_or_default();
    format!(
        "{who}{as_whom}: {kinds}, scopes `{}`, expiring in {left}s",
        tokens.scopes().join(" ")
    )
}

/// One variable the file references, with the lines it stands on.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    name: String,
    /// Lines with a reference that has a default.
    defaulted: Vec<usize>,
    /// Lines with a reference without one.
    required: Vec<usize>,
}

impl Reference {
    /// Whether the variable is fine as the environment stands, and a line saying so. Never the
    /// value: it may be a password.
    fn status(&self, env: &dyn Fn(&str) -> Option<String>) -> (bool, String) {
        let name = &self.name;
        let mut all: Vec<usize> = self
            .defaulted
            .iter()
            .chain(&self.required)
            .copied()
            .collect();
        all.sort_unstable();
        let at = lines(&all);
        match env(name) {
            Some(v) if !v.is_empty() => (true, format!("{name} is set ({at})")),
            value if self.required.is_empty() => {
                let empty = if value.is_some() {
                    "set but empty, which counts as unset"
                } else {
                    "unset"
                };
                (
                    true,
                    format!("{name} is {empty}: the default applies ({at})"),
                )
            }
            value => {
                let empty = if value.is_some() {
                    "is set but empty (which counts as unset)"
                } else {
                    "is not set"
                };
                (
                    false,
                    format!(
                        "{name} {empty} and {} no default: set it, or write `${{{name}:-default}}` \
                         in fixtures.yaml",
                        match self.required.as_slice() {
                            [one] => format!("line {one} gives"),
                            more => format!("{} give", lines(more)),
                        }
                    ),
                )
            }
        }
    }
}

fn lines(numbers: &[usize]) -> String {
    let list: Vec<String> = numbers.iter().map(usize::to_string).collect();
    match numbers {
        [_] => format!("line {}", list[0]),
        _ => format!("lines {}", list.join(", ")),
    }
}

/// The `${VAR}` and `${VAR:-default}` references of fixtures.yaml text, in order of first
/// appearance, read by the config crate's grammar as the loader expands them (`$$` is a literal
/// `$`, malformed references are left to the parse check); comments are skipped.
fn references(text: &str) -> Vec<Reference> {
    let mut found: Vec<Reference> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        for var in okta_fixtures_config::var_refs(without_comment(line)) {
            let index = match found.iter().position(|r| r.name == var.name) {
                Some(i) => i,
                None => {
                    found.push(Reference {
                        name: var.name.to_owned(),
                        defaulted: Vec::new(),
                        required: Vec::new(),
                    });
                    found.len() - 1
                }
            };
            let at = &mut found[index];
            let list = if var.has_default {
                &mut at.defaulted
            } else {
                &mut at.required
            };
            if !list.contains(&number) {
                list.push(number);
            }
        }
    }
    found
}

/// The line up to its YAML comment: a `#` outside quotes at the start or after a space.
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && previous.is_whitespace() => return &line[..i],
            // `''` inside single quotes is a quote: the first one closed, this one reopens.
            None if c == '\'' && previous == '\'' => quote = Some(c),
            None if (c == '"' || c == '\'')
                && (previous.is_whitespace() || ":[{,-".contains(previous)) =>
            {
                quote = Some(c);
            }
            None => {}
        }
        previous = c;
    }
    line
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use rstest::rstest;

    use super::*;
    use crate::cli::{Cli, Command};

    fn reference(name: &str, defaulted: &[usize], required: &[usize]) -> Reference {
        Reference {
            name: name.into(),
            defaulted: defaulted.to_vec(),
            required: required.to_vec(),
        }
    }

    #[test]
    fn takes_config_and_all_apps() {
        let cli = Cli::try_parse_from([
            "okta-fixtures",
            "doctor",
            "--config",
            "f.yaml",
            "--all-apps",
        ])
        .unwrap();
        let Command::Doctor(args) = cli.command else {
            panic!("not doctor: {:?}", cli.command)
        };
        assert_eq!(args.config, Some(PathBuf::from("f.yaml")));
        assert!(args.all_apps);
        let Command::Doctor(args) = Cli::try_parse_from(["okta-fixtures", "doctor"])
            .unwrap()
            .command
        else {
            panic!("not doctor")
        };
        assert_eq!((args.config, args.all_apps), (None, false));
    }

    #[test]
    fn finds_references_as_the_loader_expands_them() {
        let text = "\
org_url: ${OKTA_ORG_URL:-fake}   # or ${IN_A_COMMENT}
# ${WHOLE_LINE_COMMENT}
apps:
  spa: { client_id: \"${SPA_ID}\", redirect_uri: 'http://x/#${NOT_A_COMMENT:-y}' }
  web: { client_id: ${SPA_ID:-web}, client_secret: pa$${ESCAPED}word$${ALSO}, x: ${1BAD}, y: ${A B} }
users:
  alice: { username: a, password: ${PW}${PW:-d}, app: spa }
  bob: { username: cost 5$ and $HOME, password: ${UNCLOSED
";
        assert_eq!(
            references(text),
            [
                reference("OKTA_ORG_URL", &[1], &[]),
                reference("SPA_ID", &[5], &[4]),
                reference("NOT_A_COMMENT", &[4], &[]),
                reference("PW", &[7], &[7]),
            ]
        );
        assert!(references("org_url: fake\n").is_empty());
    }

    #[rstest]
    #[case("a: b # c", "a: b ")]
    #[case("# all", "")]
    #[case("a: b#c", "a: b#c")]
    #[case("a: 'b # c' # d", "a: 'b # c' ")]
    #[case(r#"a: "b \" # c" # d"#, r#"a: "b \" # c" "#)]
    #[case("a: it's # d", "a: it's ")]
    #[case("a: 'it''s # x' # d", "a: 'it''s # x' ")]
    fn comments_end_lines_outside_quotes_only(#[case] line: &str, #[case] kept: &str) {
        assert_eq!(without_comment(line), kept);
    }

    #[rstest]
    #[case::set(reference("SET", &[], &[3, 9]), true, "SET is set (lines 3, 9)")]
    #[case::defaulted(
        reference("UNSET", &[4], &[]), true, "UNSET is unset: the default applies (line 4)"
    )]
    #[case::empty_defaulted(
        reference("EMPTY", &[4], &[]), true,
        "EMPTY is set but empty, which counts as unset: the default applies (line 4)"
    )]
    #[case::missing(
        reference("GONE", &[2], &[5]), false,
        "GONE is not set and line 5 gives no default: set it, or write `${GONE:-default}` in \
         fixtures.yaml"
    )]
    #[case::empty_required(
        reference("EMPTY", &[], &[5, 6]), false,
        "EMPTY is set but empty (which counts as unset) and lines 5, 6 give no default: set it, \
         or write `${EMPTY:-default}` in fixtures.yaml"
    )]
    fn status_names_the_variable_and_never_its_value(
        #[case] var: Reference,
        #[case] ok: bool,
        #[case] line: &str,
    ) {
        let env = |name: &str| match name {
            "SET" => Some("hunter2-value".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(var.status(&env), (ok, line.to_owned()));
    }

    #[test]
    fn sign_ins_are_default_apps_or_every_app() {
        let config =
            okta_fixtures_config::parse_str(crate::cli::tests::YAML, None, &|_| None).unwrap();
        let jobs = sign_ins_of(&config, false);
        assert_eq!(jobs.len(), 2);
        assert_eq!(
            jobs[0].as_ref().unwrap(),
            &(Some("alice".to_owned()), "spa".to_owned())
        );
        // bob names no app and two apps sign users in: which one is the question to fix.
        let e = jobs[1].as_ref().unwrap_err().to_string();
        assert!(e.contains("users.bob") && e.contains("`app`"), "{e}");

        let all: Vec<(Option<String>, String)> = sign_ins_of(&config, true)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<(Option<String>, String)> = [
            (Some("alice"), "legacy"),
            (Some("alice"), "spa"),
            (Some("bob"), "legacy"),
            (Some("bob"), "spa"),
            (None, "reports"),
        ]
        .into_iter()
        .map(|(u, a)| (u.map(str::to_owned), a.to_owned()))
        .collect();
        assert_eq!(all, expected);
        assert_eq!(servers_used(&config), ["default", "org", "reports"]);
    }

    #[test]
    fn a_sign_in_line_lists_tokens_not_their_values() {
        let tokens = Tokens::new(crate::tokens::TokenParts {
            scopes: vec!["openid".into(), "offline_access".into()],
            ..crate::tokens::TokenParts::sample()
        });
        let line = signed_in(
            "user `alice` with app `spa` (server `default`)",
            &tokens,
            SystemTime::UNIX_EPOCH + Duration::from_secs(6_400),
        );
        assert_eq!(
            line,
            "user `alice` with app `spa` (server `default`) as alice@example.com: access, ID and \
             refresh tokens, scopes `openid offline_access`, expiring in 3600s"
        );
        assert!(!line.contains("SECRET"));
    }

    #[test]
    fn the_report_counts_failures_and_fails_the_command() {
        let mut report = Report::new(Vec::new());
        report.ok("file", "/w/fixtures.yaml").unwrap();
        report.fail("env", "X is not set").unwrap();
        assert_eq!(
            String::from_utf8(report.out.clone()).unwrap(),
            "ok   file    /w/fixtures.yaml\nFAIL env     X is not set\n"
        );
        let e = report.finish().unwrap_err();
        assert!(e.to_string().starts_with("1 of 2 checks failed"), "{e}");
        let mut report = Report::new(Vec::new());
        report.ok("file", "f").unwrap();
        assert!(report.finish().is_ok());
    }

    #[test]
    fn the_file_line_says_why_that_file() {
        let cwd = Path::new("/w/sub");
        assert_eq!(chosen_by(Origin::Explicit, cwd), "given by --config");
        assert_eq!(chosen_by(Origin::Env, cwd), "named by OKTA_FIXTURES_CONFIG");
        assert!(
            chosen_by(Origin::Search, cwd).starts_with("found by searching /w/sub and its parents")
        );
    }
}
