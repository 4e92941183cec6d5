//! Okta's client-based rate limit on `/authorize` (developer.okta.com/docs/reference/
//! rl-clientbased): 60 requests a minute and 5 at once per client id, IP and device, in the
//! default mode "enforce and log per client".

use std::time::Duration;

use okta_fixtures::fake::{FaultEndpoint, FaultKind, FaultSpec};

use super::*;
use crate::support::*;

/// An authorize request of `client_id` that the fake refuses early (no sessionToken, so no
/// user): what it answers does not matter here, only whether the limit let it in.
fn probe(client_id: &str) -> Vec<(&str, &str)> {
    vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("scope", "openid"),
        ("redirect_uri", SPA_CB),
        ("state", "s"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("prompt", "none"),
    ]
}

#[tokio::test]
async fn the_sixty_first_request_of_a_client_in_a_minute_is_refused() {
    let org = Org::start().await;
    for i in 0..60 {
        let res = org.authorize("default", &probe("spa-client")).await;
        assert_ne!(res.status(), 429, "request {i}");
    }
    let res = org.authorize("default", &probe("spa-client")).await;
    let (status, h, v) = json_of(res).await;
    assert_eq!(status, 429);
    assert_eq!(v["errorCode"], "E0000047");
    assert_eq!(h["x-rate-limit-limit"], "60");
    assert_eq!(h["x-rate-limit-remaining"], "0");
    let reset: u64 = h["x-rate-limit-reset"].to_str().unwrap().parse().unwrap();
    let now = org
        .clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        (now + 1..=now + 61).contains(&reset),
        "reset {reset}, now {now}"
    );
    // Another client has its own minute; a minute later this one has its requests back.
    let web = [("client_id", "web-client"), ("redirect_uri", WEB_CB)];
    let res = org.authorize("default", &web).await;
    assert_ne!(res.status(), 429);
    org.clock.advance(Duration::from_secs(61));
    let res = org.authorize("default", &probe("spa-client")).await;
    assert_ne!(res.status(), 429);
}

#[tokio::test]
async fn a_sixth_request_of_a_client_in_flight_is_refused() {
    let org = Org::start().await;
    // Each admitted request stays in flight for a second.
    let _slow = org.fake.fault(FaultSpec {
        endpoint: FaultEndpoint::Authorize,
        kind: FaultKind::Latency(Duration::from_secs(1)),
        user: None,
        client_id: Some("spa-client".into()),
        times: None,
    });
    let p = probe("spa-client");
    let (a, b, c, d, e, f) = tokio::join!(
        org.authorize("default", &p),
        org.authorize("default", &p),
        org.authorize("default", &p),
        org.authorize("default", &p),
        org.authorize("default", &p),
        org.authorize("default", &p),
    );
    let answers = [a, b, c, d, e, f];
    let refused: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(
        refused.len(),
        1,
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(refused[0].headers()["x-rate-limit-limit"], "5");
}
