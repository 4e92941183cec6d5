//! The browserless flow over real HTTP against the embedded fake Okta: every flow, every authn
//! status, every error path, 429s and timeouts, no cookies, no secrets in any output.
//!
//! Each test builds its own config (and so its own fake with its own stats) from inline YAML.

use okta_fixtures::config::parse_str;
use okta_fixtures::{AuthorizePage, Error, Fixtures, Tokens};

/// Apps of every kind, users, and a custom server offering the custom scopes.
const APPS: &str = r#"
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
    scopes: [openid, profile, email, offline_access]
  native:
    client_id: native-client
    redirect_uri: com.example.app:/callback
    flow: code
  web:
    client_id: web-client
    client_secret: "web-SECRET:5f2c+9a%"  # `:` `+` `%` test RFC 6749 form-encoding of Basic credentials
    redirect_uri: http://localhost:8080/authorization-code/callback
    flow: code
    token_endpoint_auth: client_secret_basic
    scopes: [openid, profile, orders:read]
  webpost:
    client_id: webpost-client
    client_secret: webpost-SECRET-81d0e3
    redirect_uri: http://localhost:8080/authorization-code/callback
    flow: code
    token_endpoint_auth: client_secret_post
  nopkce:
    client_id: nopkce-client
    client_secret: nopkce-SECRET-3a7b
    redirect_uri: http://localhost:8080/authorization-code/callback
    flow: code
    pkce: false
  legacy:
    client_id: legacy-client
    redirect_uri: http://localhost:8080/implicit/callback
    flow: implicit
    response_type: [id_token, token]
    authorization_server: org
  idonly:
    client_id: idonly-client
    redirect_uri: http://localhost:8080/implicit/callback
    flow: implicit
    response_type: [id_token]
  atonly:
    client_id: atonly-client
    redirect_uri: http://localhost:8080/implicit/callback
    flow: implicit
    response_type: [token]
  reports:
    client_id: reports-client
    client_secret: reports-SECRET-c4e1
    flow: client_credentials
    scopes: [reports:read]
"#;

const USERS: &str = r#"
users:
  alice:
    username: alice@example.com
    password: correct-horse-PW-1
    app: spa
  bob:
    username: bob@example.com
    password: battery-staple-PW-2
    app: spa
"#;

/// The users as a client config with fewer apps sees them: no default app named, so the
/// config's only user-flow app is theirs.
const CLIENT_USERS: &str = r#"
users:
  alice:
    username: alice@example.com
    password: correct-horse-PW-1
  bob:
    username: bob@example.com
    password: battery-staple-PW-2
"#;

/// Fixtures with an embedded fake of their own: `org_url: fake`, the apps and users above, and
/// `extra` YAML (top-level keys such as `http:` or `fake:`).
pub(crate) fn fixtures(extra: &str) -> Fixtures {
    let has_servers = extra.lines().any(|l| l.starts_with("servers:"));
    let servers = if has_servers {
        ""
    } else {
        "servers:\n  default:\n    scopes: [orders:read, reports:read]\n"
    };
    let yaml =
        format!("org_url: fake\nauthorization_server: default\n{APPS}{USERS}{extra}\n{servers}");
    Fixtures::new(parse_str(&yaml, None, &|_| None).expect("test YAML is valid"))
}

/// Fixtures that sign in against `server`'s fake with a different view of the org (another
/// secret, redirect URI or client id), for mismatches between the test's config and Okta's.
async fn client_of(server: &Fixtures, apps_yaml: &str) -> Fixtures {
    let url = server.org().await.unwrap().url().to_owned();
    let yaml = format!("org_url: {url}\nauthorization_server: default\n{apps_yaml}{CLIENT_USERS}");
    Fixtures::new(parse_str(&yaml, None, &|_| None).expect("test YAML is valid"))
}

async fn stats(f: &Fixtures) -> okta_fixtures::fake::Stats {
    f.org()
        .await
        .unwrap()
        .fake()
        .expect("an embedded fake")
        .stats()
}

fn scopes(t: &Tokens) -> Vec<&str> {
    t.scopes().iter().map(String::as_str).collect()
}

/// The embedded fake's router behind a layer that injects one fault, served on loopback.
///
/// `fake.faults` in fixtures.yaml is not applied by the fake yet; this serves the same fake
/// (its `router`) and puts the fault in front of it.
pub(crate) mod faulty;

mod flows {
    use super::*;

    #[tokio::test]
    async fn spa_code_pkce_on_the_custom_server() {
        let f = fixtures("");
        let t = f.request("alice").tokens().await.unwrap();
        let org = f.org().await.unwrap();
        let server = org.server("default").unwrap();
        let at = t.access_claims().unwrap();
        assert_eq!(at["iss"], server.issuer());
        assert_eq!(at["aud"], "api://default");
        assert_eq!(at["cid"], "spa-client");
        assert_eq!(at["sub"], "alice@example.com");
        let id = t.id_claims().unwrap();
        assert_eq!(id["aud"], "spa-client");
        assert_eq!(id["iss"], server.issuer());
        assert!(id["nonce"].as_str().is_some_and(|n| n.len() >= 32));
        assert!(
            t.refresh_token().is_some(),
            "offline_access gives a refresh token"
        );
        assert_eq!(t.user(), Some("alice"));
        assert_eq!(
            (t.app(), t.server(), t.client_id()),
            ("spa", "default", "spa-client")
        );
        let s = stats(&f).await;
        assert_eq!(
            [
                s.requests("authn"),
                s.requests("authorize"),
                s.requests("token")
            ],
            [1, 1, 1]
        );
        assert_eq!(
            s.requests("keys"),
            1,
            "the ID token was verified against the JWKS"
        );
        assert_eq!(s.sign_ins("alice@example.com", "spa-client", "default"), 1);
    }

    #[tokio::test]
    async fn code_flow_on_the_org_server() {
        let f = fixtures("");
        let t = f.request("alice").server("org").tokens().await.unwrap();
        let org = f.org().await.unwrap();
        assert_eq!(t.id_claims().unwrap()["iss"], org.url());
        assert_eq!(t.access_claims().unwrap()["iss"], org.url());
        assert_eq!(t.server(), "org");
        let s = stats(&f).await;
        assert_eq!(s.sign_ins("alice@example.com", "spa-client", "org"), 1);
    }

    #[tokio::test]
    async fn native_app_with_a_private_use_redirect() {
        let f = fixtures("");
        let t = f.request("alice").app("native").tokens().await.unwrap();
        assert_eq!(t.access_claims().unwrap()["cid"], "native-client");
        let mut granted = scopes(&t);
        granted.sort();
        assert_eq!(
            granted,
            ["email", "openid", "profile"],
            "the app's default scopes"
        );
        assert!(t.refresh_token().is_none(), "no offline_access asked");
    }

    #[tokio::test]
    async fn web_app_with_secret_basic_and_post() {
        let f = fixtures("");
        let basic = f.request("alice").app("web").tokens().await.unwrap();
        assert_eq!(basic.access_claims().unwrap()["cid"], "web-client");
        assert!(scopes(&basic).contains(&"orders:read"));
        let post = f.request("alice").app("webpost").tokens().await.unwrap();
        assert_eq!(post.access_claims().unwrap()["cid"], "webpost-client");
        let nopkce = f.request("alice").app("nopkce").tokens().await.unwrap();
        assert_eq!(nopkce.access_claims().unwrap()["cid"], "nopkce-client");
        assert_eq!(stats(&f).await.requests("token"), 3);
    }

    #[tokio::test]
    async fn implicit_id_token_and_access_token_on_the_org_server() {
        let f = fixtures("");
        let t = f.request("alice").app("legacy").tokens().await.unwrap();
        let org = f.org().await.unwrap();
        assert_eq!(t.id_claims().unwrap()["iss"], org.url());
        assert_eq!(t.id_claims().unwrap()["aud"], "legacy-client");
        assert!(t.try_access_token().is_some());
        assert_eq!(t.token_type(), "Bearer");
        let s = stats(&f).await;
        assert_eq!(s.requests("token"), 0, "implicit flow never calls /token");
        assert_eq!(s.sign_ins("alice@example.com", "legacy-client", "org"), 1);
    }

    #[tokio::test]
    async fn implicit_id_token_only_and_token_only() {
        let f = fixtures("");
        let id = f.request("alice").app("idonly").tokens().await.unwrap();
        assert!(id.id_token().is_some());
        assert_eq!(id.try_access_token(), None);
        assert_eq!(id.id_claims().unwrap()["aud"], "idonly-client");
        assert!(id.expires_at() > std::time::SystemTime::now());
        let panic = std::panic::catch_unwind(|| id.access_token().len()).unwrap_err();
        let msg = panic.downcast_ref::<String>().unwrap();
        assert!(
            msg.contains("user `alice`") && msg.contains("app `idonly`"),
            "{msg}"
        );

        let at = f.request("alice").app("atonly").tokens().await.unwrap();
        assert!(at.id_token().is_none());
        assert_eq!(at.access_claims().unwrap()["cid"], "atonly-client");
    }

    #[tokio::test]
    async fn service_app_client_credentials() {
        let f = fixtures("");
        let t = f.app_request("reports").tokens().await.unwrap();
        assert_eq!(t.user(), None);
        assert_eq!(scopes(&t), ["reports:read"]);
        let at = t.access_claims().unwrap();
        assert_eq!(at["cid"], "reports-client");
        assert_eq!(at["sub"], "reports-client");
        let s = stats(&f).await;
        assert_eq!(
            [
                s.requests("authn"),
                s.requests("authorize"),
                s.requests("token")
            ],
            [0, 0, 1]
        );
    }

    #[tokio::test]
    async fn verification_can_be_turned_off() {
        let f = fixtures("verify:\n  id_token: false\n");
        let t = f.request("alice").tokens().await.unwrap();
        assert!(t.id_token().is_some());
        assert_eq!(stats(&f).await.requests("keys"), 0);
    }
}

mod authn_statuses {
    use rstest::rstest;

    use super::*;

    fn with_status(status: &str) -> Fixtures {
        fixtures(&format!(
            "servers:\n  default:\n    scopes: [orders:read]\nfake:\n  users:\n    alice:\n      status: {status}\n"
        ))
    }

    #[rstest]
    #[case::password_warn("PASSWORD_WARN")]
    #[case::mfa_enroll_optional("MFA_ENROLL_OPTIONAL")]
    #[tokio::test]
    async fn skippable_states_are_skipped(#[case] status: &str) {
        let f = with_status(status);
        let t = f.request("alice").tokens().await;
        assert!(t.is_ok(), "{:?}", t.err());
        let s = stats(&f).await;
        assert_eq!(s.sign_ins("alice@example.com", "spa-client", "default"), 1);
    }

    /// A forced `MFA_REQUIRED` for a user without a `totp` secret: the MFA error (mfa.rs has
    /// the rest of MFA).
    #[tokio::test]
    async fn mfa_required_without_a_secret_says_what_to_configure() {
        let f = with_status("MFA_REQUIRED");
        let e = f.request("alice").tokens().await.unwrap_err();
        assert!(
            matches!(
                &e,
                Error::MfaUnanswerable {
                    has_secret: false,
                    ..
                }
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        for part in [
            "MFA_REQUIRED",
            "users.alice has no `totp`",
            "exempt the test user from MFA",
        ] {
            assert!(msg.contains(part), "{part} missing from {msg}");
        }
        assert_eq!(stats(&f).await.requests("authorize"), 0);
    }

    #[rstest]
    #[case::mfa_enroll("MFA_ENROLL", "optional")]
    #[case::locked_out("LOCKED_OUT", "unlock")]
    #[case::password_expired("PASSWORD_EXPIRED", "reset it")]
    #[case::password_reset("PASSWORD_RESET", "new password")]
    #[tokio::test]
    async fn every_other_state_is_a_typed_error_with_its_fix(
        #[case] status: &str,
        #[case] fix: &str,
    ) {
        let f = with_status(status);
        let e = f.request("alice").tokens().await.unwrap_err();
        match &e {
            Error::AuthnStatus {
                status: got,
                sign_in,
                ..
            } => {
                assert_eq!(got, status);
                assert_eq!(sign_in.user.as_deref(), Some("alice"));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains(fix), "{e}");
        assert_eq!(stats(&f).await.requests("authorize"), 0);
    }

    #[rstest]
    #[case::locked_out_hidden("LOCKED_OUT_HIDDEN")]
    #[case::federated("FEDERATED")]
    #[tokio::test]
    async fn hidden_lockout_and_federated_users_get_the_three_causes(#[case] status: &str) {
        let e = with_status(status)
            .request("alice")
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::AuthnRejected { code, .. } if code == "E0000004"),
            "{e:?}"
        );
        let msg = e.to_string();
        for cause in ["users.alice.password", "locked out", "federated or social"] {
            assert!(msg.contains(cause), "{msg}");
        }
    }

    #[tokio::test]
    async fn a_wrong_password_is_rejected() {
        let server = fixtures("");
        // The same username with another password.
        let url = server.org().await.unwrap().url().to_owned();
        let yaml = format!(
            "org_url: {url}\n{APPS}users:\n  alice:\n    username: alice@example.com\n    password: wrong-PW-9\n    app: spa\n"
        );
        let client = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
        let e = client.request("alice").tokens().await.unwrap_err();
        assert!(matches!(e, Error::AuthnRejected { .. }), "{e:?}");
    }
}

mod authorize_errors {
    use super::*;

    #[tokio::test]
    async fn a_user_not_assigned_to_the_app() {
        let f = fixtures(
            "servers:\n  default:\n    scopes: [orders:read]\nfake:\n  users:\n    alice:\n      apps: [web]\n",
        );
        let e = f.request("alice").tokens().await.unwrap_err();
        match &e {
            Error::Authorize {
                error, description, ..
            } => {
                assert_eq!(error, "access_denied");
                assert!(description.as_deref().unwrap().contains("not assigned"));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("assign the user"), "{e}");
    }

    #[tokio::test]
    async fn an_unknown_scope() {
        let f = fixtures("");
        let e = f
            .request("alice")
            .scopes(["openid", "nope:write"])
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Authorize { error, .. } if error == "invalid_scope"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn a_response_type_the_app_does_not_allow() {
        let f = fixtures("fake:\n  apps:\n    legacy:\n      grant_types: [authorization_code]\n");
        let e = f.request("alice").app("legacy").tokens().await.unwrap_err();
        assert!(
            matches!(&e, Error::Authorize { error, .. } if error == "unsupported_response_type"),
            "{e:?}"
        );
        assert!(e.to_string().contains("grant type"), "{e}");
    }

    #[tokio::test]
    async fn an_app_requiring_pkce_when_the_file_turned_it_off() {
        let f = fixtures("fake:\n  apps:\n    nopkce:\n      pkce_required: true\n");
        let e = f.request("alice").app("nopkce").tokens().await.unwrap_err();
        assert!(
            matches!(&e, Error::Authorize { error, .. } if error == "invalid_request"),
            "{e:?}"
        );
        assert!(e.to_string().contains("pkce: false"), "{e}");
    }

    #[tokio::test]
    async fn an_unregistered_redirect_uri_gets_the_okta_error_page() {
        let server = fixtures("");
        let client = client_of(
            &server,
            "apps:\n  spa:\n    client_id: spa-client\n    redirect_uri: http://localhost:9999/elsewhere\n    flow: code\n",
        )
        .await;
        let e = client.request("alice").tokens().await.unwrap_err();
        match &e {
            Error::NotFormPost {
                status: 400,
                page: AuthorizePage::OktaError { code, description },
                ..
            } => {
                assert_eq!(code.as_deref(), Some("invalid_request"));
                assert!(
                    description
                        .as_deref()
                        .unwrap_or_default()
                        .contains("redirect_uri")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("Sign-in redirect URIs"), "{e}");
    }

    #[tokio::test]
    async fn an_unknown_client_id_gets_the_okta_error_page() {
        let server = fixtures("");
        let client = client_of(
            &server,
            "apps:\n  spa:\n    client_id: no-such-client\n    redirect_uri: http://localhost:8080/login/callback\n    flow: code\n",
        )
        .await;
        let e = client.request("alice").tokens().await.unwrap_err();
        assert!(
            matches!(&e, Error::NotFormPost { page: AuthorizePage::OktaError { code: Some(c), .. }, .. } if c == "invalid_client"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn an_unknown_authorization_server() {
        let f = fixtures("");
        let e = f
            .request("alice")
            .server("defualt")
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::UnknownServer { name, .. } if name == "defualt"),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains("did you mean `default`?"), "{msg}");
        assert!(msg.contains("`servers:`"), "{msg}");
        // Nothing was asked of Okta.
        assert_eq!(stats(&f).await.requests("authn"), 0);
    }

    #[tokio::test]
    async fn a_sign_in_page_instead_of_a_form_post() {
        let (f, _) = faulty::serve("", "/v1/authorize", faulty::Fault::SignInPage, None).await;
        let e = f.request("alice").tokens().await.unwrap_err();
        assert!(
            matches!(
                &e,
                Error::NotFormPost {
                    status: 200,
                    page: AuthorizePage::SignIn,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("second factor"), "{e}");
    }
}

mod token_errors {
    use super::*;

    #[tokio::test]
    async fn a_wrong_client_secret_both_ways() {
        let server = fixtures("");
        for auth in ["client_secret_basic", "client_secret_post"] {
            let client = client_of(
                &server,
                &format!(
                    "apps:\n  web:\n    client_id: web-client\n    client_secret: not-the-SECRET\n    redirect_uri: http://localhost:8080/authorization-code/callback\n    flow: code\n    token_endpoint_auth: {auth}\n"
                ),
            )
            .await;
            let e = client
                .request("alice")
                .app("web")
                .tokens()
                .await
                .unwrap_err();
            match &e {
                Error::Token {
                    status: 401,
                    error,
                    endpoint,
                    ..
                } => {
                    assert_eq!(error, "invalid_client");
                    assert!(endpoint.ends_with("/oauth2/default/v1/token"), "{endpoint}");
                }
                other => panic!("{auth}: {other:?}"),
            }
            assert!(e.to_string().contains("token_endpoint_auth"), "{e}");
        }
    }

    #[tokio::test]
    async fn a_service_app_asking_for_openid() {
        let f = fixtures("");
        let e = f
            .app_request("reports")
            .scopes(["openid"])
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Token { error, .. } if error == "invalid_scope"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn a_server_error_on_token() {
        let (f, _) = faulty::serve("", "/v1/token", faulty::Fault::Status(503), None).await;
        let e = f.request("alice").tokens().await.unwrap_err();
        match &e {
            Error::Okta {
                status: 503,
                code,
                endpoint,
                ..
            } => {
                assert_eq!(code, "E0000009");
                assert!(endpoint.ends_with("/oauth2/default/v1/token"), "{endpoint}");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().contains("try again later"), "{e}");
    }
}

mod http_faults;
mod mfa;
mod oauth_faults;
mod policies;
mod servers;
mod suite_load;

mod wire_rules {
    use super::*;

    /// Okta ignores a sessionToken when a session cookie comes along and hands out the previous
    /// user's tokens; the fake does the same. Bob right after alice, on the same client, must
    /// get bob's tokens.
    #[tokio::test]
    async fn no_session_cookie_travels_between_flows() {
        let f = fixtures("");
        let alice = f.request("alice").tokens().await.unwrap();
        let bob = f.request("bob").tokens().await.unwrap();
        let again = f.request("alice").fresh().tokens().await.unwrap();
        assert_eq!(alice.access_claims().unwrap()["sub"], "alice@example.com");
        assert_eq!(bob.access_claims().unwrap()["sub"], "bob@example.com");
        assert_eq!(again.access_claims().unwrap()["sub"], "alice@example.com");
        assert_ne!(
            alice.id_claims().unwrap()["sub"],
            bob.id_claims().unwrap()["sub"]
        );
        let s = stats(&f).await;
        assert_eq!(s.sign_ins("alice@example.com", "spa-client", "default"), 2);
        assert_eq!(s.sign_ins("bob@example.com", "spa-client", "default"), 1);
    }

    /// With an `Origin` header Okta (and the fake) applies its browser-request rules at
    /// `/token`: PKCE mandatory and the authorization_code grant only, from a trusted origin.
    /// A web app without PKCE and a client_credentials app both get tokens only because no
    /// `Origin` is sent.
    #[tokio::test]
    async fn no_origin_header_reaches_token() {
        let f = fixtures("");
        f.request("alice").app("nopkce").tokens().await.unwrap();
        f.app_request("reports").tokens().await.unwrap();
        assert_eq!(stats(&f).await.requests("token"), 2);
    }
}

mod secrets {
    //! Failing and succeeding flows under a global TRACE subscriber (a `with_default` one would
    //! miss the worker's threads): no password, client secret, sessionToken, code or token may
    //! appear in the logs, in errors' `Display`/`Debug`/sources, or in `Debug` of the values a
    //! test holds.

    use std::io::Write;
    use std::sync::{Arc, Mutex, OnceLock};

    use super::*;

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

    /// The log of the whole test binary from the first call on, at TRACE, every target.
    fn logs() -> &'static Buffer {
        static LOGS: OnceLock<Buffer> = OnceLock::new();
        LOGS.get_or_init(|| {
            let buffer = Buffer::default();
            let writer = buffer.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber");
            buffer
        })
    }

    /// Okta sessionTokens (`20111` + 50 base64url characters) in `text`.
    fn session_tokens(text: &str) -> Vec<&str> {
        text.match_indices("20111")
            .filter_map(|(i, _)| text.get(i..i + 55))
            .filter(|t| {
                t[5..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .collect()
    }

    #[tokio::test]
    async fn no_secret_in_logs_errors_or_debug() {
        let logs = logs();
        tracing::info!("secrets test starts");
        let planted = [
            "correct-horse-PW-1",
            "battery-staple-PW-2",
            "web-SECRET:5f2c+9a%",
            "webpost-SECRET-81d0e3",
            "reports-SECRET-c4e1",
            "wrong-SECRET-0b9f",
        ];
        let mut outputs = Vec::new();
        let mut tokens = Vec::new();

        // Succeeding flows of every kind: their tokens must not be logged.
        let f = fixtures("fake:\n  users:\n    bob:\n      status: PASSWORD_WARN\n");
        for (user, app) in [
            ("alice", "spa"),
            ("bob", "web"),
            ("alice", "webpost"),
            ("alice", "legacy"),
        ] {
            let t = f.request(user).app(app).tokens().await.unwrap();
            outputs.push(format!("{t:?} {t:#?}"));
            tokens.push(t);
        }
        let t = f.app_request("reports").tokens().await.unwrap();
        outputs.push(format!("{t:?}"));
        tokens.push(t);
        outputs.push(format!("{f:?} {:?}", f.config()));

        // Failing flows after each step: authn, authorize (not assigned, bad scope).
        let failing = [
            fixtures("fake:\n  users:\n    alice:\n      status: MFA_REQUIRED\n"),
            fixtures("fake:\n  users:\n    alice:\n      apps: [webpost]\n"),
            fixtures("fake:\n  users:\n    alice:\n      status: PASSWORD_EXPIRED\n"),
        ];
        for f in &failing {
            for app in ["spa", "web", "legacy"] {
                let e = f.request("alice").app(app).tokens().await.unwrap_err();
                outputs.push(describe(&e));
            }
        }
        // Faults mid-flow: a timeout after a code was issued, a 5xx, a sign-in page.
        let faults = [
            (
                "http:\n  timeout: 100ms\n",
                "/v1/token",
                faulty::Fault::Latency(std::time::Duration::from_secs(2)),
            ),
            ("", "/v1/token", faulty::Fault::Status(500)),
            ("", "/v1/authorize", faulty::Fault::SignInPage),
            (
                "http:\n  rate_limit_retries: 1\n",
                "/api/v1/authn",
                faulty::Fault::RateLimit {
                    reset_in: 0,
                    skew: 0,
                },
            ),
        ];
        for (extra, path, fault) in faults {
            let (f, _) = faulty::serve(extra, path, fault, None).await;
            let e = f.request("alice").tokens().await.unwrap_err();
            outputs.push(describe(&e));
        }
        let server = fixtures("");
        let wrong = client_of(
            &server,
            "apps:\n  web:\n    client_id: web-client\n    client_secret: wrong-SECRET-0b9f\n    redirect_uri: http://localhost:8080/authorization-code/callback\n    flow: code\n",
        )
        .await;
        let e = wrong
            .request("alice")
            .app("web")
            .tokens()
            .await
            .unwrap_err();
        outputs.push(describe(&e));
        let e = wrong.app_request("web").tokens().await.unwrap_err();
        outputs.push(describe(&e));

        tracing::info!("secrets test ends");
        let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("secrets test ends"),
            "the subscriber saw nothing"
        );
        assert!(
            log.contains("okta answered"),
            "the worker's events were not captured"
        );
        let everything = format!("{log}\n{}", outputs.join("\n"));
        for secret in planted {
            assert!(!everything.contains(secret), "`{secret}` leaked");
        }
        for t in &tokens {
            for secret in [t.try_access_token(), t.id_token(), t.refresh_token()]
                .into_iter()
                .flatten()
            {
                assert!(!everything.contains(secret), "a token of {t:?} leaked");
                // Also a JWT's signature alone.
                if let Some(sig) = secret.rsplit('.').next().filter(|s| s.len() > 20) {
                    assert!(
                        !everything.contains(sig),
                        "a token signature of {t:?} leaked"
                    );
                }
            }
        }
        assert_eq!(
            session_tokens(&everything),
            Vec::<&str>::new(),
            "a sessionToken leaked"
        );
        for marker in ["sessionToken=", "code_verifier", "code=", "eyJ"] {
            assert!(
                !everything.contains(marker),
                "`{marker}` appears in the output"
            );
        }
    }

    /// Everything an error shows: `Display`, `Debug`, pretty `Debug`, and its sources.
    fn describe(e: &Error) -> String {
        let mut out = format!("{e}\n{e:?}\n{e:#?}");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            out.push_str(&format!("\n{s}\n{s:?}"));
            source = s.source();
        }
        out
    }
}
