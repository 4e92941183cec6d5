//! Quickstart: start the embedded fake Okta from the root `fixtures.yaml`, sign every user in
//! without a browser, get every service app's tokens, and print a short summary of each.
//!
//! `carol` is behind MFA: her sign-in answers Okta's TOTP challenge with a code of
//! `users.carol.totp`, and her ID token's `amr` says so (`["mfa", "otp", "pwd"]`).
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `OKTA_ORG_URL` (and the variables the file names) set, the same program signs the users
//! in to a real org instead.

use std::process::ExitCode;
use std::time::SystemTime;

use okta_fixtures::config::{Config, Flow};
use okta_fixtures::{Fixtures, Tokens};
use serde_json::Value;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// Signs everyone in; `FAILURE` when any sign-in failed (each failure is printed where it
/// happened), an error when the org itself could not be reached.
async fn run() -> okta_fixtures::Result<ExitCode> {
    let fixtures = Fixtures::discover()?;
    let config = fixtures.config();
    let org = fixtures.org().await?;
    match &config.source {
        Some(path) => println!("config   {}", path.display()),
        None => println!("config   (built in code)"),
    }
    let kind = if org.is_fake() {
        "embedded fake Okta"
    } else {
        "Okta org"
    };
    println!("org      {} ({kind})", org.url());
    for server in org.servers() {
        println!("server   {:<8} issuer {}", server.name(), server.issuer());
    }

    let mut failures = 0;
    for (key, user) in &config.users {
        println!();
        println!("user {key} ({})", user.username);
        match fixtures.request(key).tokens().await {
            Ok(tokens) => summarize(config, &tokens),
            Err(e) => {
                failures += 1;
                println!("  FAILED: {e}");
            }
        }
    }
    for (key, app) in &config.apps {
        if app.flow != Flow::ClientCredentials {
            continue;
        }
        println!();
        println!("service app {key}");
        match fixtures.app_request(key).tokens().await {
            Ok(tokens) => summarize(config, &tokens),
            Err(e) => {
                failures += 1;
                println!("  FAILED: {e}");
            }
        }
    }
    println!();
    if failures > 0 {
        println!("{failures} sign-in(s) failed");
        return Ok(ExitCode::FAILURE);
    }
    println!("every user and service app signed in");
    Ok(ExitCode::SUCCESS)
}

fn summarize(config: &Config, tokens: &Tokens) {
    let flow = match config.apps.get(tokens.app()) {
        Some(app) if app.flow == Flow::Code && app.pkce => "code flow + PKCE",
        Some(app) if app.flow == Flow::Code => "code flow",
        Some(app) if app.flow == Flow::Implicit => "implicit flow",
        Some(_) => "client_credentials",
        None => "unknown flow",
    };
    println!(
        "  app      {} (client {}), server {}, {flow}",
        tokens.app(),
        tokens.client_id(),
        tokens.server()
    );
    println!("  scopes   {}", tokens.scopes().join(" "));
    let left = tokens
        .expires_at()
        .duration_since(SystemTime::now())
        .map(|d| format!("in {} min", d.as_secs() / 60))
        .unwrap_or_else(|_| "already expired".into());
    println!("  expires  {left}");
    if let Some(at) = tokens.try_access_token() {
        println!("  access   {}", shorten(at));
    }
    if let Some(id) = tokens.id_token() {
        println!("  id       {}", shorten(id));
    }
    if tokens.refresh_token().is_some() {
        println!("  refresh  (present)");
    }
    if let Some(claims) = tokens.access_claims() {
        println!(
            "  access claims  {}",
            pick(claims, &["sub", "aud", "cid", "scp", "groups"])
        );
    }
    if let Some(claims) = tokens.id_claims() {
        println!(
            "  id claims      {}",
            pick(claims, &["sub", "name", "email", "aud", "amr"])
        );
    }
}

/// The first characters of a token, enough to tell two apart, never the whole token.
fn shorten(token: &str) -> String {
    let head: String = token.chars().take(16).collect();
    format!("{head}… ({} chars)", token.len())
}

fn pick(claims: &Value, names: &[&str]) -> String {
    names
        .iter()
        .filter_map(|n| claims.get(*n).map(|v| format!("{n}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}
