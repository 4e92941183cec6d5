//! An orders API that accepts Okta access tokens as a production service would: it fetches
//! the authorization server's keys (and again on an unknown `kid`), checks the RS256
//! signature, `iss`, `aud` and `exp`, then each route's scope and group. The routes and answers
//! are described in `examples/resource_server/api.rs`.
//!
//! ```sh
//! # Against the embedded fake Okta of fixtures.yaml (or $OKTA_ORG_URL), server `orders`:
//! cargo run --example resource_server
//! # Against any authorization server:
//! cargo run --example resource_server -- \
//!     --issuer https://dev-123.okta.com/oauth2/aus1abc --audience api://orders
//! ```
//!
//! Options: `--server NAME` (a server of fixtures.yaml: `org`, `default` or a name of its
//! `servers:`, whose issuer, keys and audience the API then trusts; default `orders`),
//! `--issuer URL`, `--audience AUD`, `--jwks-uri URL` (default `{issuer}/v1/keys`). It
//! listens on `127.0.0.1:$PORT` (default 3000) until Ctrl-C.
//!
//! With `--server org` it refuses every access token, with 401 `invalid_token` "signed with a
//! key the authorization server does not publish": Okta's org authorization server signs its
//! access tokens with a key it publishes in no JWKS ("Okta is the only app that should consume
//! or validate access tokens from the org authorization server",
//! developer.okta.com/docs/guides/validate-access-tokens/), and the fake does the same. An API
//! of your own trusts a custom authorization server.

#[path = "resource_server/api.rs"]
mod api;

use std::process::ExitCode;

use okta_fixtures::Org;

use crate::api::Settings;

/// The authorization server of fixtures.yaml the API trusts unless told otherwise.
const DEFAULT_SERVER: &str = "orders";

/// The name of Okta's org authorization server in fixtures.yaml.
const ORG_SERVER: &str = "org";

/// The port unless `$PORT` says otherwise.
const DEFAULT_PORT: u16 = 3000;

/// `--help`.
const USAGE: &str =
    "usage: resource_server [--server NAME] | [--issuer URL --audience AUD [--jwks-uri URL]]
  --server NAME   an authorization server of fixtures.yaml: org, default or a name of its
                  `servers:` (default: orders)
  --issuer URL    the `iss` of the tokens to accept (instead of fixtures.yaml)
  --audience AUD  the `aud` of the tokens to accept (with --issuer)
  --jwks-uri URL  where the signing keys are (default: {issuer}/v1/keys)
Listens on 127.0.0.1:$PORT (default 3000).";

/// Parses the arguments, then serves until Ctrl-C.
#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command line.
struct Args {
    /// `--server`: an authorization server of fixtures.yaml, by name.
    server: String,
    /// `--issuer`: the tokens' `iss`, instead of fixtures.yaml.
    issuer: Option<String>,
    /// `--audience`: the tokens' `aud`, with `--issuer`.
    audience: Option<String>,
    /// `--jwks-uri`: where the keys are, with `--issuer`.
    jwks_uri: Option<String>,
}

impl Args {
    /// The arguments, `None` for `--help`, or what is wrong with them.
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
        let mut parsed = Args {
            server: DEFAULT_SERVER.to_owned(),
            issuer: None,
            audience: None,
            jwks_uri: None,
        };
        while let Some(flag) = args.next() {
            let slot = match flag.as_str() {
                "--server" => &mut parsed.server,
                "--issuer" => parsed.issuer.insert(String::new()),
                "--audience" => parsed.audience.insert(String::new()),
                "--jwks-uri" => parsed.jwks_uri.insert(String::new()),
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown argument `{other}`")),
            };
            *slot = args
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
        }
        if parsed.issuer.is_some() != parsed.audience.is_some() {
            return Err("give --issuer and --audience together".to_owned());
        }
        if parsed.jwks_uri.is_some() && parsed.issuer.is_none() {
            return Err("--jwks-uri goes with --issuer".to_owned());
        }
        Ok(Some(parsed))
    }
}

/// Finds what to trust (the arguments, else fixtures.yaml's org), listens, and serves.
async fn run(args: Args) -> Result<(), String> {
    let (settings, org) = match (args.issuer, args.audience) {
        (Some(issuer), Some(audience)) => {
            let issuer = issuer.trim_end_matches('/').to_owned();
            let jwks_uri = args.jwks_uri.unwrap_or_else(|| format!("{issuer}/v1/keys"));
            (Settings::new(issuer, jwks_uri, audience), None)
        }
        _ => {
            let org = okta_fixtures::org().await.map_err(|e| error_chain(&e))?;
            let server = org.server(&args.server).map_err(|e| error_chain(&e))?;
            let settings = Settings::new(server.issuer(), server.jwks_uri(), server.audience());
            (settings, Some(org))
        }
    };
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse::<u16>()
            .map_err(|_| format!("PORT is `{port}`, not a port number"))?,
        Err(_) => DEFAULT_PORT,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port} (set PORT to another): {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    print_instructions(&url, &settings, org.as_ref(), &args.server);
    axum::serve(listener, api::router(settings))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("serving failed: {e}"))
}

/// What the API trusts, its routes, and how to call it with `okta-fixtures token`.
fn print_instructions(url: &str, settings: &Settings, org: Option<&Org>, server: &str) {
    println!("orders API listening on {url}");
    println!(
        "accepting access tokens of {} for audience {}",
        settings.issuer(),
        settings.audience()
    );
    if org.is_some() && server == ORG_SERVER {
        println!(
            "note: Okta's org authorization server publishes no key for its access tokens (only \
             Okta may validate them): this API refuses every one (401, unknown key), as it \
             would on Okta. Trust a custom server: --server {DEFAULT_SERVER}"
        );
    }
    println!();
    println!("  GET  {url}/health          no token");
    println!("  GET  {url}/orders          scope {}", api::ORDERS_READ);
    println!("  POST {url}/orders          scope {}", api::ORDERS_WRITE);
    println!("  GET  {url}/reports         scope {}", api::REPORTS_READ);
    println!(
        "  GET  {url}/admin/reports   scope {} and group {}",
        api::REPORTS_READ,
        api::ADMINS
    );
    let Some(org) = org else {
        return;
    };
    println!();
    println!("Call it from another shell in this workspace:");
    println!();
    if org.is_fake() {
        println!("  # the embedded fake Okta this process started");
    }
    println!("  export OKTA_ORG_URL={}", org.url());
    println!(
        "  TOKEN=$(cargo run -q -p okta-fixtures --features cli -- token alice --app web \\\n      --server {server} --scopes \"openid {} {} {}\")",
        api::ORDERS_READ,
        api::ORDERS_WRITE,
        api::REPORTS_READ
    );
    println!("  curl -H \"Authorization: Bearer $TOKEN\" {url}/admin/reports");
    println!(
        "  curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"item\":\"coffee\"}}' {url}/orders"
    );
    println!();
    println!("bob (not in admins) gets 403 on /admin/reports; a token of another server, 401.");
}

/// An error and each of its causes, one per line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    message
}
