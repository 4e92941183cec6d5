use std::time::Duration;

use super::faulty::{Fault, serve};
use super::*;

#[tokio::test]
async fn a_429_is_waited_out_and_retried() {
    let (f, fake) = serve(
        "",
        "/api/v1/authn",
        Fault::RateLimit {
            reset_in: 0,
            skew: 0,
        },
        Some(2),
    )
    .await;
    let t = f.request("alice").tokens().await.unwrap();
    assert_eq!(t.user(), Some("alice"));
    // The fake saw only the third attempt; the layer answered the first two.
    assert_eq!(fake.stats().requests("authn"), 1);
    assert_eq!(
        fake.stats()
            .sign_ins("alice@example.com", "spa-client", "default"),
        1
    );
}

#[tokio::test]
async fn a_429_reset_one_second_ahead_is_waited_for() {
    let (f, fake) = serve(
        "",
        "/v1/token",
        Fault::RateLimit {
            reset_in: 1,
            skew: 0,
        },
        Some(1),
    )
    .await;
    f.request("alice").tokens().await.unwrap();
    assert_eq!(fake.stats().requests("token"), 1);
}

/// Okta's client-based limit answers 429 at `/authorize` (developer.okta.com/docs/reference/
/// rl-clientbased): waited out like the others, with the same session token, which the refused
/// request did not spend.
#[tokio::test]
async fn a_429_at_authorize_is_waited_out() {
    let (f, fake) = serve(
        "",
        "/v1/authorize",
        Fault::RateLimit {
            reset_in: 0,
            skew: 0,
        },
        Some(1),
    )
    .await;
    let started = std::time::Instant::now();
    let t = f.request("alice").tokens().await.unwrap();
    assert_eq!(t.user(), Some("alice"));
    // The layer answered the first; the fake saw the retry only, after Okta's second.
    assert_eq!(fake.stats().requests("authorize"), 1);
    assert_eq!(fake.stats().requests("authn"), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

/// Okta's reset time is read against its `Date`, not this machine's clock: an hour of skew
/// ahead would otherwise make a one-second wait an hour (refused as over
/// `max_rate_limit_wait`), an hour behind would make every wait zero.
#[rstest::rstest]
#[case::server_clock_an_hour_ahead(3600)]
#[case::server_clock_an_hour_behind(-3600)]
#[case::same_clock(0)]
#[tokio::test]
async fn a_429_waits_for_the_reset_on_oktas_clock(#[case] skew: i64) {
    let (f, fake) = serve(
        "http:\n  max_rate_limit_wait: 30s\n",
        "/api/v1/authn",
        Fault::RateLimit { reset_in: 1, skew },
        Some(1),
    )
    .await;
    let started = std::time::Instant::now();
    let t = f.request("alice").tokens().await.unwrap();
    let took = started.elapsed();
    assert_eq!(t.user(), Some("alice"));
    assert_eq!(fake.stats().requests("authn"), 1);
    // One second left on Okta's clock, plus the second Okta's SDK adds.
    assert!(took >= Duration::from_secs(2), "retried after {took:?}");
}

/// Okta allows five concurrent `/authorize` requests per client (a browserless client has
/// no device cookie): eight fresh sign-ins of one app reach it five at a time.
#[tokio::test]
async fn at_most_five_sign_ins_of_one_app_reach_authorize_at_once() {
    let (f, fake, rule) = super::faulty::serve_watched(
        "",
        "/v1/authorize",
        // Long enough that the first five surely overlap at /authorize.
        Fault::Latency(Duration::from_secs(1)),
        None,
    )
    .await;
    // Four each of two users: Okta's per-user limit on /api/v1/authn is four a second.
    let mut sign_ins = tokio::task::JoinSet::new();
    for user in ["alice", "bob"].repeat(4) {
        sign_ins.spawn(f.request(user).fresh().tokens());
    }
    while let Some(done) = sign_ins.join_next().await {
        assert_eq!(done.unwrap().unwrap().app(), "spa");
    }
    assert_eq!(fake.stats().requests("authorize"), 8);
    assert_eq!(rule.lock().unwrap().most_in_flight(), 5);
}

/// An app that requires DPoP gets Okta's `invalid_dpop_proof` at /token; the error says
/// which setting of the app to change in Okta.
#[tokio::test]
async fn an_app_that_requires_dpop_is_named_with_the_setting_to_clear() {
    let (f, _) = serve(
        "",
        "/v1/token",
        Fault::OAuth {
            status: 400,
            error: "invalid_dpop_proof",
            description: "The DPoP proof JWT header is missing.",
        },
        None,
    )
    .await;
    let e = f.app_request("reports").tokens().await.unwrap_err();
    assert!(
        matches!(&e, Error::Token { status: 400, error, .. } if error == "invalid_dpop_proof"),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(message.contains("requires DPoP"), "{message}");
    assert!(
        message
            .contains("Require Demonstrating Proof of Possession (DPoP) header in token requests"),
        "{message}"
    );
}

/// In the implicit flow the ID token's `at_hash` binds the access token handed out beside
/// it; a swapped access token is refused, naming `at_hash`.
#[tokio::test]
async fn an_access_token_swapped_in_the_implicit_form_fails_its_at_hash() {
    let (f, fake) = serve("", "/v1/authorize", Fault::SwapAccessToken, None).await;
    let e = f.request("alice").app("legacy").tokens().await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::IdToken {
                problem: okta_fixtures::IdTokenProblem::AccessTokenHash,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("at_hash"), "{e}");
    // The page did reach the client: Okta signed alice in, the client refused the tokens.
    assert_eq!(fake.stats().requests("authorize"), 1);
}

#[tokio::test]
async fn too_many_429s_give_up_with_a_typed_error() {
    let (f, fake) = serve(
        "http:\n  rate_limit_retries: 2\n",
        "/v1/token",
        Fault::RateLimit {
            reset_in: 0,
            skew: 0,
        },
        None,
    )
    .await;
    let e = f.request("alice").tokens().await.unwrap_err();
    match &e {
        Error::RateLimited {
            retries: 2,
            reset_in: None,
            endpoint,
            ..
        } => {
            assert!(endpoint.ends_with("/oauth2/default/v1/token"), "{endpoint}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.stats().requests("token"), 0);
    assert!(e.to_string().contains("rate_limit_retries"), "{e}");
}

#[tokio::test]
async fn a_reset_beyond_the_allowed_wait_is_not_waited_for() {
    let (f, fake) = serve(
        "http:\n  max_rate_limit_wait: 1s\n",
        "/api/v1/authn",
        Fault::RateLimit {
            reset_in: 3600,
            skew: 0,
        },
        None,
    )
    .await;
    let e = f.request("alice").tokens().await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::RateLimited {
                reset_in: Some(_),
                retries: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("max_rate_limit_wait"), "{e}");
    assert_eq!(fake.stats().requests("authn"), 0);
}

#[tokio::test]
async fn a_slow_endpoint_times_out_naming_it() {
    let (f, _) = serve(
        "http:\n  timeout: 200ms\n",
        "/v1/token",
        Fault::Latency(Duration::from_secs(5)),
        None,
    )
    .await;
    let e = f.request("alice").tokens().await.unwrap_err();
    match &e {
        Error::Timeout {
            endpoint, after, ..
        } => {
            assert!(
                endpoint.starts_with("POST ") && endpoint.ends_with("/oauth2/default/v1/token"),
                "{endpoint}"
            );
            assert_eq!(*after, Duration::from_millis(200));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("http.timeout"), "{e}");
}

#[tokio::test]
async fn a_timeout_on_authorize_shows_no_session_token() {
    let (f, _) = serve(
        "http:\n  timeout: 200ms\n",
        "/v1/authorize",
        Fault::Latency(Duration::from_secs(5)),
        None,
    )
    .await;
    let e = f.request("alice").tokens().await.unwrap_err();
    assert!(matches!(&e, Error::Timeout { endpoint, .. } if endpoint.ends_with("/v1/authorize")));
    let all = format!("{e} {e:?}");
    assert!(!all.contains("sessionToken") && !all.contains('?'), "{all}");
}

#[tokio::test]
async fn an_unreachable_org() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let yaml = format!("org_url: http://127.0.0.1:{port}\n{APPS}{USERS}");
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
    let e = f.request("alice").tokens().await.unwrap_err();
    // The first request is for the server's discovery document.
    assert!(
        matches!(&e, Error::Discovery { server, url, .. }
            if server == "default" && url.ends_with("/oauth2/default/.well-known/openid-configuration")),
        "{e:?}"
    );
    assert!(e.to_string().contains("check org_url"), "{e}");
}

/// An answer that never ends is read up to a limit, then refused naming the endpoint and the
/// limit: at `/authorize` (a page), at the key set and at the discovery document (JSON).
#[tokio::test]
async fn an_endless_body_is_cut_off_at_the_limit() {
    // A timeout far beyond what reading the limit takes: without a limit, the endless body
    // would run into it instead.
    let extra = "http:\n  timeout: 20s\n";
    for path in ["/v1/authorize", "/v1/keys"] {
        let (f, _) = serve(extra, path, Fault::EndlessBody, None).await;
        let e = f.request("alice").tokens().await.unwrap_err();
        match &e {
            Error::TooLarge {
                endpoint, limit, ..
            } => {
                assert!(endpoint.ends_with(path), "{endpoint}");
                assert_eq!(*limit, 512 * 1024);
            }
            other => panic!("{path}: {other:?}"),
        }
        let shown = e.to_string();
        assert!(
            shown.contains(path) && shown.contains("524288 bytes"),
            "{shown}"
        );
    }
    let (f, _) = serve(extra, "/openid-configuration", Fault::EndlessBody, None).await;
    let e = f.request("alice").tokens().await.unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("openid-configuration") && shown.contains("over 524288 bytes"),
        "{shown}"
    );
}
