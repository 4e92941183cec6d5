//! Every sign-in path (code, implicit, refresh, client credentials, a TOTP second factor)
//! under a global TRACE subscriber with the `log` bridge on: no record of an HTML parser's, and
//! no code, token, TOTP secret or TOTP passCode, in the output.
//!
//! Its own binary (`harness` default): a global subscriber and `log`'s global logger would also
//! see every other test of a shared binary. `tests/it/flow.rs` (`secrets`) checks failing flows,
//! errors and `Debug`; this one checks what a `log` record (html5ever, selectors and the like
//! log through the `log` facade, not `tracing`) could carry.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use okta_fixtures::config::parse_str;
use okta_fixtures::fake::{Clock, FakeOkta, router};
use okta_fixtures::{Fixtures, Tokens};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const YAML: &str = r#"
authorization_server: default
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
    scopes: [openid, profile, email, offline_access]
  web:
    client_id: web-client
    client_secret: web-SECRET-trace-3a9c
    redirect_uri: http://localhost:8080/authorization-code/callback
    flow: code
    token_endpoint_auth: client_secret_post
  legacy:
    client_id: legacy-client
    redirect_uri: http://localhost:8080/implicit/callback
    flow: implicit
    response_type: [id_token, token]
    authorization_server: org
  reports:
    client_id: reports-client
    client_secret: reports-SECRET-trace-77e0
    flow: client_credentials
    scopes: [reports:read]
users:
  alice:
    username: alice@example.com
    password: correct-horse-TRACE-1
    app: spa
  carol:
    username: carol@example.com
    password: correct-horse-TRACE-2
    totp: krsx g5ct mvrx ezlu
    app: spa
servers:
  default:
    scopes: [reports:read]
fake:
  lifetimes:
    access_token: 10m
  users:
    carol:
      mfa: [push, totp]
"#;

/// carol's TOTP secret as fixtures.yaml holds it, and as the config keeps it.
const TOTP_SECRETS: [&str; 2] = ["krsx g5ct mvrx ezlu", "KRSXG5CTMVRXEZLU"];

/// Past the point where a 10-minute access token is due for renewal.
const DUE: Duration = Duration::from_secs(570);

/// The values of `code` and `refresh_token` in the `/token` requests the fake received, and of
/// `passCode` and `stateToken` in its factor verifications.
type Seen = Arc<Mutex<Vec<String>>>;

async fn record_grants(seen: Seen, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let verify = path.starts_with("/api/v1/authn/factors/");
    if !path.ends_with("/v1/token") && !verify {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    if verify {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        for k in ["passCode", "stateToken"] {
            if let Some(v) = v[k].as_str() {
                seen.lock().unwrap().push(v.to_owned());
            }
        }
    }
    for (k, v) in url::form_urlencoded::parse(&bytes) {
        if k == "code" || k == "refresh_token" {
            seen.lock().unwrap().push(v.into_owned());
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[test]
fn no_parser_record_code_or_token_at_trace() {
    let logs = Buffer::default();
    let writer = logs.clone();
    // `try_init` also installs tracing-log's `LogTracer`: the `log` bridge.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        // No timestamps: their 6-digit fractions could pass for a TOTP passCode.
        .without_time()
        .with_writer(move || writer.clone())
        .try_init()
        .expect("no other global subscriber in this binary");
    log::info!(target: "bridge_check", "log records reach the subscriber");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = Seen::default();
    let clock = Clock::system();
    let (fixtures, tokens) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let config = parse_str(&format!("org_url: fake\n{YAML}"), None, &|_| None).unwrap();
        let state = FakeOkta::builder()
            .config(&config)
            .clock(clock.clone())
            .build(&url)
            .expect("the fake builds");
        let s = seen.clone();
        let app = router(state).layer(axum::middleware::from_fn(move |req, next| {
            record_grants(s.clone(), req, next)
        }));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let config = parse_str(&format!("org_url: {url}\n{YAML}"), None, &|_| None).unwrap();
        let f = Fixtures::builder(config).clock(clock.clone()).build();
        let mut tokens: Vec<Tokens> = Vec::new();
        // Code (public and confidential), implicit, client credentials.
        for app in ["spa", "web", "legacy"] {
            tokens.push(f.request("alice").app(app).tokens().await.unwrap());
        }
        tokens.push(f.app_request("reports").tokens().await.unwrap());
        // A TOTP second factor (a push factor offered first).
        tokens.push(f.request("carol").tokens().await.unwrap());
        // Refresh: near expiry the cache renews the SPA's tokens with its refresh token.
        clock.advance(DUE);
        let renewed = f.request("alice").tokens().await.unwrap();
        assert_ne!(renewed.access_token(), tokens[0].access_token(), "renewed");
        tokens.push(renewed);
        (f, tokens)
    });
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.len() >= 5,
        "two codes, a refresh token, a passCode and a stateToken were sent: {}",
        seen.len()
    );
    let pass_codes: Vec<String> = seen
        .iter()
        .filter(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()))
        .cloned()
        .collect();
    assert_eq!(pass_codes.len(), 1, "carol's one TOTP code was seen");
    tracing::info!("no-secrets test ends");
    drop(fixtures);

    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("no-secrets test ends"),
        "the subscriber saw nothing"
    );
    assert!(
        log.contains("log records reach the subscriber"),
        "no log bridge"
    );
    assert!(
        log.contains("okta answered"),
        "the worker's events were not captured"
    );
    for target in ["html5ever", "markup5ever", "selectors"] {
        assert!(!log.contains(target), "a record from `{target}`");
    }
    // PassCodes are checked below, where they stand alone.
    let mut secrets: Vec<&str> = seen
        .iter()
        .filter(|s| !pass_codes.contains(s))
        .map(String::as_str)
        .collect();
    for t in &tokens {
        secrets.extend(
            [t.try_access_token(), t.id_token(), t.refresh_token()]
                .into_iter()
                .flatten(),
        );
    }
    assert!(secrets.len() > 10, "codes and tokens to look for");
    for secret in secrets {
        assert!(!log.contains(secret), "a code or token is in the log");
        // A JWT's signature alone, as a per-character log would split the rest.
        if let Some(sig) = secret.rsplit('.').next().filter(|s| s.len() > 20) {
            assert!(!log.contains(sig), "a token signature is in the log");
        }
    }
    assert!(
        log.contains("verifying the TOTP factor"),
        "carol's second factor was not logged at all"
    );
    for planted in [
        "web-SECRET-trace-3a9c",
        "reports-SECRET-trace-77e0",
        "correct-horse-TRACE-1",
        "correct-horse-TRACE-2",
    ] {
        assert!(!log.contains(planted), "a planted secret is in the log");
    }
    let upper = log.to_ascii_uppercase();
    for secret in TOTP_SECRETS {
        assert!(
            !upper.contains(&secret.to_ascii_uppercase()),
            "the TOTP secret is in the log"
        );
    }
    // A passCode is six digits: found only where it stands alone, not inside a longer number.
    for code in &pass_codes {
        let alone = log.match_indices(code.as_str()).any(|(at, _)| {
            let digit = |i: Option<u8>| i.is_some_and(|b| b.is_ascii_digit());
            !digit(at.checked_sub(1).map(|i| log.as_bytes()[i]))
                && !digit(log.as_bytes().get(at + 6).copied())
        });
        assert!(!alone, "a TOTP passCode is in the log");
    }
}
