//! Faults injected into the embedded fake (fixtures.yaml, the Rust guard, `/_fake/faults`) and
//! Okta's per-username rate limit, over real HTTP.

use std::time::{Duration, Instant};

use okta_fixtures::fake::{Clock, FaultEndpoint, FaultKind, FaultSpec};
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{Org, RATE_LIMITED, YAML, spa_authorize, spa_redemption};
use crate::support::{
    assert_not_found, assert_not_well_formed, assert_oauth_error, assert_okta_error, form_fields,
    json_of,
};

fn spec(endpoint: FaultEndpoint, kind: FaultKind) -> FaultSpec {
    FaultSpec {
        endpoint,
        kind,
        user: None,
        client_id: None,
        times: None,
    }
}

/// A fault answering `endpoint` with `code` and its Okta body.
fn status_fault(endpoint: FaultEndpoint, code: u16) -> FaultSpec {
    spec(endpoint, FaultKind::Status(code))
}

fn for_user(mut spec: FaultSpec, user: &str) -> FaultSpec {
    spec.user = Some(user.to_owned());
    spec
}

fn for_client(mut spec: FaultSpec, client_id: &str) -> FaultSpec {
    spec.client_id = Some(client_id.to_owned());
    spec
}

fn times(mut spec: FaultSpec, n: u32) -> FaultSpec {
    spec.times = Some(n);
    spec
}

fn header(res: &reqwest::Response, name: &str) -> u64 {
    res.headers()[name].to_str().unwrap().parse().unwrap()
}

/// The SPA's scopes in these tests.
const SCOPE: &str = "openid offline_access";

#[tokio::test]
async fn faults_from_fixtures_yaml_act_from_start() {
    let yaml = format!(
        "{YAML}  faults:\n    - {{ endpoint: keys, kind: status, status: 503, times: 1 }}\n    - {{ endpoint: authn, kind: rate_limit, reset: 7, user: bob@example.com }}\n"
    );
    let org = Org::from_yaml(&yaml).await;
    let keys = "/oauth2/v1/keys";
    let res = org.get(keys).await;
    assert_okta_error(res, 503, "E0000010", "Service is in read only mode").await;
    assert_eq!(org.get(keys).await.status(), 200);

    let res = org
        .authn(json!({"username": "bob@example.com", "password": "battery-staple"}))
        .await;
    assert_eq!(header(&res, "x-rate-limit-limit"), 4);
    assert_eq!(header(&res, "x-rate-limit-remaining"), 0);
    let reset = header(&res, "x-rate-limit-reset");
    let now = org
        .clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 6..=now + 8).contains(&reset), "{reset} vs {now}");
    assert_okta_error(res, 429, "E0000047", RATE_LIMITED).await;
    // Scoped to bob: alice signs in.
    org.alice().await;
    // Clearing removes fixtures.yaml's faults too.
    org.fake.clear_faults();
    org.session_token("bob@example.com", "battery-staple").await;
}

#[tokio::test]
async fn a_user_scoped_rate_limit_spends_nothing_and_spares_others() {
    let org = Org::start().await;
    let alice_st = org.alice().await;
    // On /authorize, scoped by the sessionToken's user: alice's token is not spent.
    let guard = org.fake.fault(times(
        for_user(
            spec(FaultEndpoint::Authorize, FaultKind::RateLimit { reset: 2 }),
            "ALICE@example.com",
        ),
        1,
    ));
    let res = org
        .authorize("default", &spa_authorize(&alice_st, SCOPE))
        .await;
    assert_eq!(header(&res, "x-rate-limit-limit"), 4);
    assert_okta_error(res, 429, "E0000047", RATE_LIMITED).await;
    assert_eq!(guard.hits(), 1);
    let bob_st = org.session_token("bob@example.com", "battery-staple").await;
    let res = org
        .authorize("default", &spa_authorize(&bob_st, SCOPE))
        .await;
    assert!(form_fields(&res.text().await.unwrap()).contains_key("code"));
    let res = org
        .authorize("default", &spa_authorize(&alice_st, SCOPE))
        .await;
    let code = form_fields(&res.text().await.unwrap())["code"].clone();

    // On /token, scoped by the code's user: the code survives the 429.
    let _guard = org.fake.fault(for_user(
        spec(FaultEndpoint::Token, FaultKind::RateLimit { reset: 1 }),
        "alice@example.com",
    ));
    let res = org.token("default", &spa_redemption(&code)).await;
    assert_eq!(header(&res, "x-rate-limit-remaining"), 0);
    assert_oauth_error(res, 429, "invalid_grant", RATE_LIMITED).await;
    drop(_guard);
    let (status, _, tokens) = json_of(org.token("default", &spa_redemption(&code)).await).await;
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // Scoped by the refresh token's user, and by client id.
    let _guard = org.fake.fault(for_client(
        status_fault(FaultEndpoint::Token, 503),
        "spa-client",
    ));
    let res = org.spa_refresh(&refresh).await;
    assert_oauth_error(
        res,
        503,
        "temporarily_unavailable",
        "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.",
    )
    .await;
    let res = org
        .token_as(
            ("reports-client", "reports-secret"),
            &[
                ("grant_type", "client_credentials"),
                ("scope", "reports:read"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "another client is not faulted");
}

#[tokio::test]
async fn status_faults_answer_with_each_endpoints_okta_body() {
    let org = Org::start().await;
    let st = org.alice().await;

    let _g = org.fake.fault(status_fault(FaultEndpoint::Authn, 500));
    let res = org
        .authn(json!({"username": "bob@example.com", "password": "battery-staple"}))
        .await;
    assert_okta_error(res, 500, "E0000009", "Internal Server Error").await;
    drop(_g);

    let _g = org.fake.fault(status_fault(FaultEndpoint::Authorize, 503));
    let res = org.authorize("default", &spa_authorize(&st, SCOPE)).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    let page = res.text().await.unwrap();
    assert!(page.contains("<h1>503</h1>") && page.contains("temporarily_unavailable"));
    assert!(form_fields(&page).is_empty());
    drop(_g);

    let _g = org.fake.fault(status_fault(FaultEndpoint::Introspect, 500));
    let res = org
        .post_form(
            "/oauth2/default/v1/introspect",
            Some(("web-client", "web-secret")),
            &[("token", "x")],
        )
        .await;
    assert_oauth_error(
        res,
        500,
        "server_error",
        "The authorization server encountered an unexpected condition that prevented it from fulfilling the request.",
    )
    .await;
    drop(_g);

    let _g = org.fake.fault(status_fault(FaultEndpoint::Userinfo, 401));
    let res = org.userinfo("default", "whatever").await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\"")
    );
    drop(_g);

    let _g = org.fake.fault(status_fault(FaultEndpoint::Discovery, 404));
    let res = org
        .get("/oauth2/default/.well-known/openid-configuration")
        .await;
    assert_okta_error(res, 404, "E0000008", "The requested path was not found").await;
    drop(_g);

    // A 429 status is a rate limit, headers and all.
    let _g = org.fake.fault(status_fault(FaultEndpoint::Token, 429));
    let res = org.token("default", &spa_redemption("any-code")).await;
    assert!(header(&res, "x-rate-limit-reset") > 0);
    assert_oauth_error(res, 429, "invalid_grant", RATE_LIMITED).await;
    drop(_g);

    // The session token was never spent by the faulted /authorize.
    let res = org.authorize("default", &spa_authorize(&st, SCOPE)).await;
    assert!(form_fields(&res.text().await.unwrap()).contains_key("code"));
}

#[tokio::test]
async fn latency_delays_only_the_scoped_client() {
    let org = Org::start().await;
    let delay = Duration::from_millis(300);
    let guard = org.fake.fault(for_client(
        spec(FaultEndpoint::Token, FaultKind::Latency(delay)),
        "reports-client",
    ));
    let cc = |id: &'static str, secret: &'static str| {
        org.http
            .post(org.url("/oauth2/default/v1/token"))
            .basic_auth(id, Some(secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "reports:read"),
            ])
            .send()
    };
    let started = Instant::now();
    let res = cc("reports-client", "reports-secret").await.unwrap();
    assert!(started.elapsed() >= delay);
    // Then it answers normally.
    assert_eq!(res.status(), 200);
    let res = cc("web-client", "web-secret").await.unwrap();
    assert_eq!(
        res.status(),
        400,
        "web-client may not use client_credentials"
    );
    assert_eq!(guard.hits(), 1, "only reports-client's request was delayed");
}

#[tokio::test]
async fn drop_closes_the_connection_without_a_byte() {
    let org = Org::start().await;
    let guard = org
        .fake
        .fault(times(spec(FaultEndpoint::Keys, FaultKind::Drop), 2));
    // A raw connection sees the end of the stream and nothing before it.
    let addr = org.fake.org_url().trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(format!("GET /oauth2/v1/keys HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut got = Vec::new();
    let read = tcp.read_to_end(&mut got).await;
    assert!(
        got.is_empty(),
        "{:?} / {read:?}",
        String::from_utf8_lossy(&got)
    );
    // An HTTP client reports a failed request, not a status.
    let err = org
        .http
        .get(org.url("/oauth2/v1/keys"))
        .send()
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "{err}");
    assert_eq!(guard.hits(), 2);
    // Its times are used up: the fake answers again.
    let res = org.get("/oauth2/v1/keys").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_malformed_page_has_no_form_and_spends_no_session_token() {
    let org = Org::start().await;
    let st = org.alice().await;
    let guard = org.fake.fault(for_user(
        spec(FaultEndpoint::Authorize, FaultKind::MalformedPage),
        "alice@example.com",
    ));
    let res = org.authorize("default", &spa_authorize(&st, SCOPE)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/html;charset=utf-8");
    let page = res.text().await.unwrap();
    assert!(page.contains("appForm"), "looks like a form_post page");
    assert!(form_fields(&page).is_empty(), "{page}");
    drop(guard);
    let res = org.authorize("default", &spa_authorize(&st, SCOPE)).await;
    assert!(form_fields(&res.text().await.unwrap()).contains_key("code"));

    // Elsewhere: an HTML page where JSON was expected.
    let _g = org
        .fake
        .fault(spec(FaultEndpoint::Keys, FaultKind::MalformedPage));
    let res = org.get("/oauth2/v1/keys").await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.is_err());
}

#[tokio::test]
async fn faults_over_http_can_be_listed_and_deleted() {
    let org = Org::start().await;
    let post = |body: Value| org.http.post(org.url("/_fake/faults")).json(&body).send();
    let res = post(json!({"endpoint": "keys", "kind": "status", "status": 502, "times": 3}))
        .await
        .unwrap();
    let (status, _, created) = json_of(res).await;
    assert_eq!(status, 201);
    let id = created["id"].as_u64().unwrap();
    let keys = "/oauth2/v1/keys";
    assert_eq!(org.get(keys).await.status(), 502);
    let res = post(
        json!({"endpoint": "token", "kind": "latency", "latency_ms": 5, "client_id": "web-client"}),
    )
    .await
    .unwrap();
    let second = json_of(res).await.2["id"].as_u64().unwrap();
    let (_, _, listed) = json_of(org.get("/_fake/faults").await).await;
    assert_eq!(
        listed,
        json!({"faults": [
            {"id": id, "endpoint": "keys", "kind": "status", "status": 502, "times_left": 2, "hits": 1},
            {"id": second, "endpoint": "token", "kind": "latency", "latency_ms": 5, "client_id": "web-client", "hits": 0}
        ]})
    );
    let del = |path: String| org.http.delete(org.url(&path)).send();
    assert_eq!(
        del(format!("/_fake/faults/{id}")).await.unwrap().status(),
        204
    );
    assert_eq!(org.get(keys).await.status(), 200);
    let res = del(format!("/_fake/faults/{id}")).await.unwrap();
    assert_not_found(res, &id.to_string(), "Fault").await;
    assert_eq!(del("/_fake/faults".into()).await.unwrap().status(), 204);
    let (_, _, listed) = json_of(org.get("/_fake/faults").await).await;
    assert_eq!(listed, json!({"faults": []}));

    // Bad bodies name what to fix.
    let res = org
        .http
        .post(org.url("/_fake/faults"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_not_well_formed(res).await;
    let res = post(json!({"endpoint": "token", "kind": "status"}))
        .await
        .unwrap();
    let v = assert_okta_error(res, 400, "E0000001", "Api validation failed: status").await;
    assert_eq!(
        v["errorCauses"][0]["errorSummary"],
        "status: The field cannot be left blank"
    );
    let res = post(json!({"endpoint": "tokens", "kind": "drop"}))
        .await
        .unwrap();
    let v = assert_okta_error(res, 400, "E0000001", "Api validation failed: endpoint").await;
    assert!(
        v["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("authorize")
    );
    let res = org.http.put(org.url("/_fake/faults")).send().await.unwrap();
    assert_okta_error(
        res,
        405,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
    )
    .await;
}

#[tokio::test]
async fn okta_refuses_the_fifth_authn_of_a_user_within_a_second() {
    let clock = Clock::frozen();
    let org = Org::with(YAML, clock.clone(), |b| b).await;
    let alice = json!({"username": "alice@example.com", "password": "correct-horse"});
    for _ in 0..4 {
        assert_eq!(org.authn(alice.clone()).await.status(), 200);
    }
    // Wrong passwords count too: the limit is per username, not per success.
    let res = org
        .authn(json!({"username": "Alice@Example.com", "password": "nope"}))
        .await;
    assert_eq!(header(&res, "x-rate-limit-limit"), 4);
    assert_eq!(header(&res, "x-rate-limit-remaining"), 0);
    // The first of the four leaves the window a second after it came, rounded up.
    let frees = clock.now().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_secs(1);
    let reset = frees.as_secs() + u64::from(frees.subsec_nanos() > 0);
    assert_eq!(header(&res, "x-rate-limit-reset"), reset);
    assert_okta_error(res, 429, "E0000047", RATE_LIMITED).await;
    // Others are not limited by alice's sign-ins.
    org.session_token("bob@example.com", "battery-staple").await;
    // A second later alice gets through again.
    clock.advance(Duration::from_secs(1));
    org.alice().await;
    assert_eq!(org.fake.stats().requests("authn"), 7);
}

#[tokio::test]
async fn okta_limits_password_and_refresh_grants_per_user_at_token() {
    let clock = Clock::frozen();
    let org = Org::with(YAML, clock.clone(), |b| b).await;
    let password = || {
        org.http
            .post(org.url("/oauth2/default/v1/token"))
            .basic_auth("ropc-client", Some("ropc-secret"))
            .form(&[
                ("grant_type", "password"),
                ("username", "alice@example.com"),
                ("password", "correct-horse"),
                ("scope", "openid offline_access"),
            ])
            .send()
    };
    let mut refresh = String::new();
    for _ in 0..4 {
        let (status, _, v) = json_of(password().await.unwrap()).await;
        assert_eq!(status, 200, "{v}");
        refresh = v["refresh_token"].as_str().unwrap().to_owned();
    }
    let res = password().await.unwrap();
    assert_eq!(header(&res, "x-rate-limit-limit"), 4);
    assert_oauth_error(res, 429, "invalid_grant", RATE_LIMITED).await;
    // The refresh grant of the same user shares the limit; it spends nothing when refused.
    let refresh_grant = || {
        org.http
            .post(org.url("/oauth2/default/v1/token"))
            .basic_auth("ropc-client", Some("ropc-secret"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ])
            .send()
    };
    assert_eq!(refresh_grant().await.unwrap().status(), 429);
    // Codes are not limited per user.
    let tokens = org
        .spa_tokens("bob@example.com", "battery-staple", "openid")
        .await;
    assert!(tokens["access_token"].is_string());
    clock.advance(Duration::from_secs(1));
    assert_eq!(refresh_grant().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_per_user_limit_can_be_turned_off() {
    let org = Org::with(YAML, Clock::frozen(), |b| b.per_user_rate_limit(false)).await;
    for _ in 0..10 {
        org.alice().await;
    }
    assert_eq!(org.fake.stats().requests("authn"), 10);
}

#[tokio::test]
async fn shutdown_cuts_injected_latency_short() {
    let org = Org::start().await;
    let guard = org.fake.fault(spec(
        FaultEndpoint::Keys,
        FaultKind::Latency(Duration::from_secs(3600)),
    ));
    let (http, url) = (org.http.clone(), org.url("/oauth2/v1/keys"));
    let pending = tokio::spawn(async move { http.get(url).send().await });
    for _ in 0..100_000 {
        if guard.hits() == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(guard.hits(), 1, "the request is waiting in the fault");
    let Org { fake, .. } = org;
    tokio::time::timeout(Duration::from_secs(30), fake.shutdown())
        .await
        .expect("shutdown does not wait out an hour of injected latency");
    assert_eq!(pending.await.unwrap().unwrap().status(), 200);
}

/// An `oauth_error` fault posted to the admin API: answered where Okta answers OAuth errors,
/// listed with its error, refused where Okta answers none.
#[tokio::test]
async fn oauth_error_faults_answer_in_each_endpoints_form() {
    let org = Org::start().await;
    let tokens = org.alice_tokens("openid profile").await;
    let access = tokens["access_token"].as_str().unwrap();
    let post = |body: Value| org.http.post(org.url("/_fake/faults")).json(&body).send();
    let res = post(json!({
        "endpoint": "userinfo", "kind": "oauth_error", "error": "insufficient_scope", "times": 1
    }))
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let (_, _, listed) = json_of(org.get("/_fake/faults").await).await;
    assert_eq!(listed["faults"][0]["error"], "insufficient_scope");
    assert_eq!(
        listed["faults"][0]["error_description"],
        "The injected fault answers `insufficient_scope`."
    );
    let res = org.userinfo("default", access).await;
    assert_eq!(res.status(), 403);
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    // Spent: the token works again.
    assert_eq!(org.userinfo("default", access).await.status(), 200);

    let res = post(json!({"endpoint": "keys", "kind": "oauth_error", "error": "server_error"}))
        .await
        .unwrap();
    let (status, _, v) = json_of(res).await;
    assert_eq!(status, 400);
    assert!(v.to_string().contains("authorize, token, userinfo"), "{v}");
    let res = post(json!({"endpoint": "token", "kind": "oauth_error", "error": "nope"}))
        .await
        .unwrap();
    let (status, _, v) = json_of(res).await;
    assert_eq!(status, 400);
    assert!(v.to_string().contains("invalid_grant"), "{v}");
}
