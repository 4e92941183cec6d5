//! Every sign-in path (code, implicit, refresh, client credentials) under a global TRACE
//! subscriber with the `log` bridge on: no record of an HTML parser's, and no code or token, in
//! the output.
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
servers:
  default:
    scopes: [reports:read]
fake:
  lifetimes:
    access_token: 10m
"#;

/// Past the point where a 10-minute access token is due for renewal.
const DUE: Duration = Duration::from_secs(570);

/// The values of `code` and `refresh_token` in the `/token` requests the fake received.
type Seen = Arc<Mutex<Vec<String>>>;

async fn record_grants(seen: Seen, req: Request, next: Next) -> Response {
    if !req.uri().path().ends_with("/v1/token") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
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
        // Refresh: near expiry the cache renews the SPA's tokens with its refresh token.
        clock.advance(DUE);
        let renewed = f.request("alice").tokens().await.unwrap();
        assert_ne!(renewed.access_token(), tokens[0].access_token(), "renewed");
        tokens.push(renewed);
        (f, tokens)
    });
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.len() >= 3,
        "two codes and a refresh token were sent: {}",
        seen.len()
    );
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
    let mut secrets: Vec<&str> = seen.iter().map(String::as_str).collect();
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
    for planted in [
        "web-SECRET-trace-3a9c",
        "reports-SECRET-trace-77e0",
        "correct-horse-TRACE-1",
    ] {
        assert!(!log.contains(planted), "a planted secret is in the log");
    }
}
