//! The `okta-fixtures` command line (feature `cli`): a thin clap layer over library calls,
//! one file per subcommand.
//!
//! Output contract shared by the subcommands: what a script reads goes to stdout (for `fake`,
//! its org URL alone on the first line); everything for people goes to stderr. A failure
//! prints `error: …` and each cause on its own `caused by:` line to stderr and exits 1; a
//! usage error exits 2 (clap's convention).

mod cache;
mod doctor;
mod fake;
mod token;

use std::error::Error as _;
use std::ffi::OsString;
use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Okta-signed-in users as test fixtures: tools around fixtures.yaml.
#[derive(Debug, Parser)]
#[command(name = "okta-fixtures", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands. `token`, `doctor` and `cache` join here, each in its own file.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run the embedded fake Okta org standalone, configured from fixtures.yaml.
    ///
    /// Prints the org URL alone on the first line of stdout, then a summary (issuers, apps,
    /// users; never secrets) on stderr, and serves until Ctrl-C or SIGTERM. Point test suites
    /// and resource servers at it with `OKTA_ORG_URL=<that URL>`.
    Fake(fake::FakeArgs),

    /// Print a user's (or a service app's) token, for curl and scripts.
    ///
    /// Prints one thing on stdout and a newline: the access token by default, or what --print
    /// names. Example: curl -H "Authorization: $(okta-fixtures token alice --print header)" URL.
    /// Uses the token cache like tests do. Refuses `org_url: fake`: run `okta-fixtures fake` and
    /// set OKTA_ORG_URL to the URL it prints.
    Token(token::TokenArgs),

    /// Check fixtures.yaml, its environment variables, the org and every user's sign-in.
    ///
    /// Prints one line per check on stdout, `ok` or `FAIL` with what to fix, and exits 1 if any
    /// failed. With `org_url: fake` it checks against the embedded fake, started in-process.
    Doctor(doctor::DoctorArgs),

    /// List or clear the token cache shared by test processes: the disk cache
    /// ($OKTA_FIXTURES_CACHE_DIR, else `okta-fixtures-<uid>` in the temp folder), or with
    /// `cache.store: redis` in fixtures.yaml the keys of its namespace in Redis. `list` never
    /// prints a token.
    Cache(cache::CacheArgs),
}

/// Why a command failed: a library error, or an I/O failure of the command itself.
#[derive(Debug, thiserror::Error)]
enum CommandError {
    /// An error of the library (config, fake start-up, ...), shown as it is.
    #[error(transparent)]
    Okta(#[from] crate::Error),

    /// `token` could not print what was asked.
    #[error(transparent)]
    Token(#[from] token::TokenError),

    /// `doctor` found problems (its FAIL lines say which).
    #[error(transparent)]
    Doctor(#[from] doctor::DoctorError),

    /// The command's own I/O: the runtime, signals, stdout.
    #[error("{what}")]
    Io {
        /// What the command was doing, as a sentence fragment ("cannot …").
        what: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl From<okta_fixtures_config::Error> for CommandError {
    fn from(e: okta_fixtures_config::Error) -> Self {
        CommandError::Okta(e.into())
    }
}

impl CommandError {
    fn io(what: &'static str) -> impl FnOnce(io::Error) -> CommandError {
        move |source| CommandError::Io { what, source }
    }
}

/// Runs the command line with this process's arguments and returns its exit code:
/// 0 on success, 1 when the command failed, 2 for a usage error.
///
/// `src/bin/okta-fixtures.rs` is nothing but a call to this.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs the command line with `args` (the first being the program name); see [`main`].
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version also arrive here, on stdout with exit code 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    init_logs();
    let result = match cli.command {
        Command::Fake(args) => fake::run(args),
        Command::Token(args) => token::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Cache(args) => cache::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote names from fixtures.yaml: no terminal escape or bidi control passes.
            eprintln!(
                "{}",
                okta_fixtures_config::escape_except(&report(&e), &['\n'])
            );
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (stdout belongs to scripts), filtered by `RUST_LOG`, default `warn`
/// except the library's "sign-in failed" warning: `token` and `doctor` report that error
/// themselves, and a second copy on stderr is noise.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,okta_fixtures::context=error")
    });
    // Fails only if a subscriber is already set, e.g. when `run` is called twice in-process.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

/// `error: …` followed by one `caused by: …` line per source.
fn report(e: &CommandError) -> String {
    let mut text = format!("error: {e}");
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!("\n  caused by: {c}"));
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// One app per flow, on three servers; alice names her app, bob does not.
    pub(super) const YAML: &str = "
org_url: https://dev-1.okta.com
authorization_server: default
servers:
  reports: { id: aus1reports, audience: 'api://reports' }
apps:
  spa: { client_id: spa-client, redirect_uri: 'http://localhost/cb', flow: code }
  legacy:
    client_id: legacy-client
    redirect_uri: 'http://localhost/implicit'
    flow: implicit
    response_type: [id_token]
    authorization_server: org
  reports:
    client_id: reports-client
    client_secret: reports-secret
    flow: client_credentials
    scopes: [reports:read]
    authorization_server: reports
users:
  alice: { username: alice@example.com, password: pw, app: spa }
  bob: { username: bob@example.com, password: pw }
";

    #[test]
    fn report_lists_the_source_chain() {
        let e = CommandError::Io {
            what: "cannot write the org URL to stdout",
            source: io::Error::new(io::ErrorKind::BrokenPipe, "broken pipe"),
        };
        assert_eq!(
            report(&e),
            "error: cannot write the org URL to stdout\n  caused by: broken pipe"
        );
    }

    #[test]
    fn report_of_a_config_error_names_the_file() {
        let missing = std::path::PathBuf::from("/nowhere/fixtures.yaml");
        let e: CommandError = okta_fixtures_config::Error::MissingFile {
            path: missing,
            origin: okta_fixtures_config::Origin::Explicit,
        }
        .into();
        let text = report(&e);
        assert!(
            text.starts_with("error: /nowhere/fixtures.yaml: no such file"),
            "{text}"
        );
        assert!(text.contains("--config"), "{text}");
    }

    #[rstest]
    #[case(&["okta-fixtures", "fake", "--addr", "not-an-address"])]
    #[case(&["okta-fixtures", "fake", "--config"])]
    #[case(&["okta-fixtures", "no-such-command"])]
    #[case(&["okta-fixtures"])]
    fn usage_errors_are_refused_with_exit_code_2(#[case] args: &[&str]) {
        let e = Cli::try_parse_from(args).expect_err("a usage error");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn fake_takes_config_addr_and_fresh_key() {
        let cli = Cli::try_parse_from([
            "okta-fixtures",
            "fake",
            "--config",
            "ci/fixtures.yaml",
            "--addr",
            "127.0.0.1:8900",
            "--fresh-key",
        ])
        .expect("valid arguments");
        let Command::Fake(args) = cli.command else {
            panic!("not fake: {:?}", cli.command)
        };
        assert_eq!(
            args.config.as_deref(),
            Some(std::path::Path::new("ci/fixtures.yaml"))
        );
        assert_eq!(args.addr, Some(([127, 0, 0, 1], 8900).into()));
        assert!(args.fresh_key);

        let Command::Fake(args) = Cli::try_parse_from(["okta-fixtures", "fake"])
            .expect("valid arguments")
            .command
        else {
            panic!("not fake")
        };
        assert_eq!(
            (args.config, args.addr, args.fresh_key),
            (None, None, false)
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
