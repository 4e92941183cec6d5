//! `okta-fixtures fake`: the embedded fake Okta org as a standalone server, for test suites run
//! by many processes and for resource servers written in any language.

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use okta_fixtures_config::{Config, OrgUrl, TokenEndpointAuth};

use super::CommandError;
use crate::fake::FakeOkta;

/// How long requests in flight get to finish after Ctrl-C / SIGTERM before the process exits
/// anyway (a client holding a connection open must not keep the fake alive).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Arguments of `okta-fixtures fake`.
#[derive(Debug, clap::Args)]
pub(crate) struct FakeArgs {
    /// The fixtures.yaml to serve, relative to the current folder. Default:
    /// $OKTA_FIXTURES_CONFIG, else the nearest fixtures.yaml in the current folder or above.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// The address to listen on, e.g. 127.0.0.1:8900. Default: 127.0.0.1 on a free port.
    #[arg(long, value_name = "IP:PORT")]
    pub(crate) addr: Option<SocketAddr>,

    /// Generate new signing keys instead of reusing the ones kept from an earlier run (in
    /// fake/ of the token cache folder, $OKTA_FIXTURES_CACHE_DIR or the temp folder; shared
    /// with in-process fakes). Tokens signed before then stop verifying.
    #[arg(long)]
    pub(crate) fresh_key: bool,
}

/// Loads the config, then serves the fake on a runtime of its own until a stop signal.
pub(crate) fn run(args: FakeArgs) -> Result<(), CommandError> {
    let cwd =
        std::env::current_dir().map_err(CommandError::io("cannot read the current folder"))?;
    let env = |name: &str| std::env::var(name).ok();
    let path = okta_fixtures_config::discover(args.config.as_deref(), &env, &cwd)?;
    // The fake keeps no tokens: `cache:` (a Redis URL from the CI's environment) is not its.
    let config = okta_fixtures_config::load_ignoring_cache(&path, &env)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("okta-fixtures-fake")
        .build()
        .map_err(CommandError::io("cannot start the tokio runtime"))?;
    runtime.block_on(serve(&path, &config, &args))
}

async fn serve(path: &Path, config: &Config, args: &FakeArgs) -> Result<(), CommandError> {
    // Listen before announcing: a script that reads the URL and at once sends SIGTERM must
    // stop the fake cleanly, not kill it with the signal's default action.
    let mut stop = StopSignal::listen()?;

    let key_dir = crate::fake::default_key_dir();
    let mut builder = FakeOkta::builder()
        .config(config)
        .key_dir(key_dir.clone())
        .fresh_key(args.fresh_key);
    if let Some(addr) = args.addr {
        builder = builder.addr(addr);
    }
    let fake = builder.start().await?;

    announce(fake.org_url())?;
    if let Some(addr) = args.addr.filter(|a| !a.ip().is_loopback()) {
        eprintln!("{}", exposed_warning(addr));
    }
    eprint!("{}", summary(&fake, config, path, &key_dir, args.fresh_key));

    let signal = stop.wait().await;
    eprintln!("okta-fixtures fake: {signal} received, stopping");
    if tokio::time::timeout(SHUTDOWN_GRACE, fake.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "okta-fixtures fake: requests still open after {}s, exiting anyway",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

/// What `--addr` with an address other machines can reach risks. The admin endpoints refuse
/// what a browser page could send (see `fake/endpoints/admin.rs`), not another machine.
fn exposed_warning(addr: SocketAddr) -> String {
    format!(
        "okta-fixtures fake: warning: listening on {addr}, which is not a loopback address: \
         other machines can reach this fake, and its /_fake/ admin endpoints (stats, faults, \
         key rotation, reset) have no authentication; use 127.0.0.1 unless they must"
    )
}

/// The org URL, alone on the first line of stdout, flushed at once for the script reading it.
fn announce(org_url: &str) -> Result<(), CommandError> {
    let mut out = io::stdout().lock();
    writeln!(out, "{org_url}")
        .and_then(|()| out.flush())
        .map_err(CommandError::io("cannot write the org URL to stdout"))
}

/// What people see on stderr: where the org is and what it holds. Client ids, usernames and
/// issuers only: no password, secret or token.
fn summary(fake: &FakeOkta, config: &Config, path: &Path, key_dir: &Path, fresh: bool) -> String {
    let mut s = String::new();
    // Names come from fixtures.yaml: no terminal escape or bidi control passes.
    let mut line = |text: String| {
        s.push_str(&okta_fixtures_config::escape(&text));
        s.push('\n');
    };
    line(format!(
        "okta-fixtures fake: {} serving {} at {}",
        config.fake.org_name.as_deref().unwrap_or("fake Okta org"),
        path.display(),
        fake.org_url()
    ));
    // `org_url: ${OKTA_ORG_URL:-fake}` with OKTA_ORG_URL already pointing here is fine.
    if let OrgUrl::Url(url) = &config.org_url
        && url.trim_end_matches('/') != fake.org_url()
    {
        line(format!(
            "  note: org_url in this file is {url}; tests reading it talk to that org, not to \
             this fake"
        ));
    }
    for server in config.servers.values() {
        line(format!(
            "  issuer {:<12} {}",
            server.key,
            fake.issuer(&server.id)
        ));
    }
    for (key, app) in &config.apps {
        let auth = match app.token_endpoint_auth {
            TokenEndpointAuth::ClientSecretBasic => "client_secret_basic",
            TokenEndpointAuth::ClientSecretPost => "client_secret_post",
            TokenEndpointAuth::None => "public",
        };
        line(format!(
            "  app    {key:<12} client_id {}, flow {}, {auth}, server {}",
            app.client_id,
            app.flow.as_str(),
            config.server_for(app)
        ));
    }
    for (key, user) in &config.users {
        let app = config
            .user_app(user)
            .map(|a| a.name.clone())
            .unwrap_or_else(|_| "-".into());
        line(format!("  user   {key:<12} {}, app {app}", user.username));
    }
    line(format!(
        "  keys   {} ({})",
        key_dir.display(),
        if fresh { "new" } else { "kept across restarts" }
    ));
    line(format!(
        "  point tests at it with OKTA_ORG_URL={}; stop with Ctrl-C or SIGTERM",
        fake.org_url()
    ));
    s
}

/// Ctrl-C and (on Unix) SIGTERM, registered up front so neither kills the process before the
/// fake has stopped.
struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn listen() -> Result<Self, CommandError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let what = "cannot listen for Ctrl-C and SIGTERM";
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).map_err(CommandError::io(what))?,
                terminate: signal(SignalKind::terminate()).map_err(CommandError::io(what))?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the first stop signal and names it.
    async fn wait(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "Ctrl-C (SIGINT)",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            // Without a handler Ctrl-C would end the process at once; if it cannot be
            // installed, stopping at once is what the user asked for anyway.
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "
org_url: fake
authorization_server: default
servers:
  reports: { audience: 'api://reports' }
  extra: { id: aus1extra, audience: 'api://extra' }
apps:
  spa: { client_id: spa-client, redirect_uri: 'http://localhost:8080/cb', flow: code }
  web:
    client_id: web-client
    client_secret: web-secret-value
    redirect_uri: 'http://localhost:8080/web'
    flow: code
    authorization_server: org
  svc:
    client_id: svc-client
    client_secret: svc-secret-value
    flow: client_credentials
    scopes: [reports:read]
    authorization_server: reports
users:
  alice: { username: alice@example.com, password: alice-password-value, app: spa }
";

    #[tokio::test]
    async fn summary_escapes_names_from_the_file() {
        let yaml = "fake:\n  org_name: \"Evil\\e[2J\\u202E Org\"\n";
        let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let fake = FakeOkta::builder()
            .config(&config)
            .key_dir(tmp.path().to_path_buf())
            .start()
            .await
            .unwrap();
        let text = summary(
            &fake,
            &config,
            Path::new("fixtures.yaml"),
            tmp.path(),
            false,
        );
        assert!(text.contains("Evil\\u{1b}[2J\\u{202e} Org"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        fake.shutdown().await;
    }

    #[tokio::test]
    async fn summary_names_issuers_apps_and_users_but_no_secret() {
        let config = okta_fixtures_config::parse_str(YAML, None, &|_| None).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let keys = tmp.path().to_path_buf();
        let fake = FakeOkta::builder()
            .config(&config)
            .key_dir(keys.clone())
            .start()
            .await
            .unwrap();
        // The org server, `default` and those of `servers:`, by their Okta ids.
        assert_eq!(fake.servers(), ["aus1extra", "default", "org", "reports"]);
        let text = summary(&fake, &config, Path::new("fixtures.yaml"), &keys, false);
        let org = fake.org_url().to_owned();
        let elsewhere = |url: &str| {
            let yaml = YAML.replace("org_url: fake", &format!("org_url: {url}"));
            let config = okta_fixtures_config::parse_str(&yaml, None, &|_| None).unwrap();
            summary(&fake, &config, Path::new("fixtures.yaml"), &keys, false)
        };
        let real_org = elsewhere("https://dev-123.okta.com");
        let this_fake = elsewhere(&format!("{org}/"));
        fake.shutdown().await;
        assert!(!text.contains("note:"), "{text}");
        assert!(
            real_org.contains("note: org_url in this file is https://dev-123.okta.com;"),
            "{real_org}"
        );
        assert!(!this_fake.contains("note:"), "{this_fake}");

        for part in [
            format!("issuer org          {org}\n"),
            format!("issuer default      {org}/oauth2/default\n"),
            format!("issuer reports      {org}/oauth2/reports\n"),
            format!("issuer extra        {org}/oauth2/aus1extra\n"),
            "app    spa          client_id spa-client, flow code, public, server default".into(),
            "app    web          client_id web-client, flow code, client_secret_basic, server org"
                .into(),
            "client_id svc-client, flow client_credentials, client_secret_basic, server reports"
                .into(),
            "user   alice        alice@example.com, app spa".into(),
            format!("OKTA_ORG_URL={org}"),
        ] {
            assert!(text.contains(&part), "{part:?} missing from:\n{text}");
        }
        for secret in [
            "web-secret-value",
            "svc-secret-value",
            "alice-password-value",
        ] {
            assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
        }
    }
}
