//! The fake's own endpoints under `/_fake/` (not Okta paths), each mirroring a method of
//! [`FakeState`] / [`FakeOkta`](crate::fake::FakeOkta):
//!
//! | Request | Answer | Rust |
//! |---|---|---|
//! | `GET /_fake/stats` | 200 [`Stats`](crate::fake::Stats) as JSON | `stats()` |
//! | `POST /_fake/faults` (JSON below) | 201 `{"id":1}` | `fault(spec)` |
//! | `GET /_fake/faults` | 200 `{"faults":[{"id":1,…,"times_left":2,"hits":0}]}` | — |
//! | `DELETE /_fake/faults/{id}` | 204, or 404 `E0000007` | dropping the guard |
//! | `DELETE /_fake/faults` | 204 | `clear_faults()` |
//! | `POST /_fake/servers/{id}/keys/rotate` | 200 `{"server":…,"kid":…,"access_kid":…,"retired_kids":[…]}`, or 404 `E0000007` | `rotate_keys(id)` |
//! | `POST /_fake/reset` | 204 | `reset()` |
//!
//! A fault is the JSON form of a `fake.faults` entry of fixtures.yaml:
//!
//! ```json
//! {
//!   "endpoint": "token",
//!   "kind": "rate_limit",
//!   "reset": 2,
//!   "user": "alice@example.com",
//!   "client_id": "spa-client",
//!   "times": 1
//! }
//! ```
//!
//! - `endpoint` (required): `authn`, `verify` (a factor's
//!   `/api/v1/authn/factors/{factorId}/verify`), `authorize`, `token`, `keys`, `discovery`,
//!   `userinfo`, `introspect` or `revoke`.
//! - `kind` (required): `rate_limit` (429 with `X-Rate-Limit-*` headers; `reset`: seconds
//!   until `X-Rate-Limit-Reset`, default 1, at most 3600), `status` (`status`: 200-599,
//!   answered with the endpoint's Okta error body), `latency` (`latency_ms`: added delay, at
//!   most 3 600 000, then the normal answer), `drop` (the connection closes without an
//!   answer), `malformed_page` (a 200 page that is not what the client expects: on
//!   `/authorize` a form_post page cut off before its form) or `oauth_error` (`error`: an
//!   OAuth error code such as `login_required`, `error_description` optional: sent through the
//!   response mode at `authorize`, as JSON at `token`, `introspect` and `revoke`, in
//!   `WWW-Authenticate` at `userinfo`; not on `authn`, `keys` or `discovery`), or, on `verify`
//!   only, one of Okta's three answers to a one-time code used twice, whatever the code:
//!   `replay_factor_result` (200 `MFA_CHALLENGE` with `factorResult: PASSCODE_REPLAYED`),
//!   `replay_e0000068` (403 `E0000068` whose cause says each code can be used once) or
//!   `replay_e0000082` (403 `E0000082`); or `time_window_exceeded` (on `verify` only: 200
//!   `MFA_CHALLENGE` with `factorResult: TIME_WINDOW_EXCEEDED`).
//! - `user`: only requests for this username (case-insensitive); `client_id`: only requests
//!   naming this client; `times`: only this many requests (at least 1), default until
//!   cleared.
//!
//! These endpoints have no authentication, so [`guard`] refuses (403 `E0000006`) what a web
//! page in a browser could send them: a `Host` other than the fake's own address (DNS
//! rebinding), an `Origin` of another site, or a `text/plain`, form or multipart body (the
//! Fetch standard's CORS-safelisted `Content-Type`s, sent without a preflight:
//! <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>).
//!
//! A body that is not such an object is answered with Okta's `E0000003` (not JSON, unknown
//! field) or `E0000001` (a missing or wrong value, named in `errorCauses`).

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::{FaultEndpoint, FaultKind, FaultSpec, OAUTH_ERRORS, ReplayAnswer};
use serde::Deserialize;

use crate::fake::FakeState;
use crate::fake::error::FakeError;
use crate::fake::faults::Listed;
use crate::fake::json::Obj;
use crate::fake::params::read_body;
use crate::fake::reply;

/// Lets through only what a test process sends: see the module docs.
pub(crate) async fn guard(State(state): State<FakeState>, req: Request, next: Next) -> Response {
    match refusal(state.org_url(), &req) {
        Some(why) => FakeError::admin_refused(why).into_response(),
        None => next.run(req).await,
    }
}

/// Why `req` is refused, if it is.
fn refusal(org_url: &str, req: &Request) -> Option<&'static str> {
    let headers = req.headers();
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or_default());
    // `org_url` is `http://host:port`, no path: its authority is what `Host` must say.
    let own = org_url.strip_prefix("http://").unwrap_or(org_url);
    if text(header::HOST).is_none_or(|h| !h.eq_ignore_ascii_case(own)) {
        return Some("Host is not the fake's address");
    }
    if text(header::ORIGIN).is_some_and(|o| !o.eq_ignore_ascii_case(org_url)) {
        return Some("Origin is another site");
    }
    let essence = text(header::CONTENT_TYPE).map(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    if let Some("text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data") =
        essence.as_deref()
    {
        return Some("a body a web page could send without a preflight; send JSON");
    }
    None
}

const MAX_RESET_SECS: u64 = 3600;
const MAX_LATENCY_MS: u64 = 3_600_000;
/// The longest `error_description` an injected OAuth error may carry.
const MAX_DESCRIPTION: usize = 1024;

/// `GET /_fake/stats`
pub(crate) async fn stats(State(st): State<FakeState>) -> Response {
    match serde_json::to_string(&st.stats()) {
        Ok(body) => reply::json(StatusCode::OK, body),
        Err(_) => FakeError::for_status(StatusCode::INTERNAL_SERVER_ERROR, false).into_response(),
    }
}

/// `POST /_fake/faults`
pub(crate) async fn add_fault(State(st): State<FakeState>, body: Body) -> Response {
    let spec = match read_body(body).await {
        Some(bytes) => parse_fault(&bytes),
        None => Err(FakeError::malformed_body()),
    };
    match spec {
        Ok(spec) => {
            // Kept until deleted by id, cleared or reset: an HTTP client has no guard.
            let (id, _) = st.faults.add(spec);
            reply::json(StatusCode::CREATED, Obj::new().num("id", id).finish())
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /_fake/faults`
pub(crate) async fn list_faults(State(st): State<FakeState>) -> Response {
    let items: Vec<Obj> = st.faults.list().iter().map(listed).collect();
    reply::json(StatusCode::OK, Obj::new().objs("faults", items).finish())
}

/// `DELETE /_fake/faults`
pub(crate) async fn clear_faults(State(st): State<FakeState>) -> Response {
    st.clear_faults();
    reply::empty(StatusCode::NO_CONTENT)
}

/// `DELETE /_fake/faults/{id}`
pub(crate) async fn remove_fault(State(st): State<FakeState>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(n) if st.faults.remove(n) => reply::empty(StatusCode::NO_CONTENT),
        _ => FakeError::not_found(&format!("Resource not found: {} (Fault)", truncated(&id)))
            .into_response(),
    }
}

/// `POST /_fake/servers/{id}/keys/rotate`: rotates server `id`'s keys only (`org`, `default`
/// or a custom server's Okta id), as Okta rotates each authorization server's keys. Answers
/// the new published `kid`, the new access-token `access_kid` (the same key on a custom server;
/// on the org server one published nowhere) and `retired_kids`, the server's other JWKS
/// members; an unknown server is Okta's 404 `E0000007`.
pub(crate) async fn rotate_keys(State(st): State<FakeState>, Path(id): Path<String>) -> Response {
    if st.dir.server(&id).is_none() {
        return FakeError::server_not_found(&truncated(&id)).into_response();
    }
    match st.rotate_keys(&id).await {
        Ok(_) => match st.keys.get(&id) {
            Some(keys) => {
                let retired: Vec<&str> = keys.retired.iter().map(|r| r.id.kid()).collect();
                let body = Obj::new()
                    .str("server", &id)
                    .str("kid", keys.current.id.kid())
                    .str("access_kid", keys.current.access.kid())
                    .strs("retired_kids", &retired)
                    .finish();
                reply::json(StatusCode::OK, body)
            }
            None => FakeError::server_not_found(&truncated(&id)).into_response(),
        },
        Err(_) => FakeError::for_status(StatusCode::INTERNAL_SERVER_ERROR, false).into_response(),
    }
}

/// `POST /_fake/reset`
pub(crate) async fn reset(State(st): State<FakeState>) -> Response {
    st.reset();
    reply::empty(StatusCode::NO_CONTENT)
}

/// The JSON body of `POST /_fake/faults`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    endpoint: Option<String>,
    kind: Option<String>,
    reset: Option<u64>,
    status: Option<u16>,
    latency_ms: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
    user: Option<String>,
    client_id: Option<String>,
    times: Option<u32>,
}

/// Reads and checks a fault, naming the field at fault.
pub(crate) fn parse_fault(bytes: &[u8]) -> Result<FaultSpec, FakeError> {
    let body: FaultBody = serde_json::from_slice(bytes)
        .map_err(|e| FakeError::malformed_body_because(truncated(&e.to_string())))?;
    let invalid = |field: &'static str, why: &str| FakeError::invalid_field(field, why);
    let endpoint_name = body
        .endpoint
        .as_deref()
        .ok_or_else(|| FakeError::validation("endpoint"))?;
    let endpoint = FaultEndpoint::from_name(endpoint_name).ok_or_else(|| {
        let names: Vec<&str> = FaultEndpoint::NAMED.iter().map(|(n, _)| *n).collect();
        invalid("endpoint", &format!("expected one of {}", names.join(", ")))
    })?;
    let kind_name = body
        .kind
        .as_deref()
        .ok_or_else(|| FakeError::validation("kind"))?;
    for (field, present, owner) in [
        ("reset", body.reset.is_some(), "rate_limit"),
        ("status", body.status.is_some(), "status"),
        ("latency_ms", body.latency_ms.is_some(), "latency"),
        ("error", body.error.is_some(), "oauth_error"),
        (
            "error_description",
            body.error_description.is_some(),
            "oauth_error",
        ),
    ] {
        if present && kind_name != owner {
            return Err(invalid(field, &format!("applies to kind {owner} only")));
        }
    }
    let kind = match kind_name {
        "rate_limit" => {
            let reset = body.reset.unwrap_or(1);
            if reset > MAX_RESET_SECS {
                return Err(invalid("reset", "expected at most 3600 seconds"));
            }
            FaultKind::RateLimit { reset }
        }
        "status" => match body.status {
            Some(s) if (200..=599).contains(&s) => FaultKind::Status(s),
            Some(_) => return Err(invalid("status", "expected an HTTP status from 200 to 599")),
            None => return Err(FakeError::validation("status")),
        },
        "latency" => match body.latency_ms {
            Some(ms) if ms <= MAX_LATENCY_MS => {
                FaultKind::Latency(std::time::Duration::from_millis(ms))
            }
            Some(_) => return Err(invalid("latency_ms", "expected at most 3600000")),
            None => return Err(FakeError::validation("latency_ms")),
        },
        "drop" => FaultKind::Drop,
        "malformed_page" => FaultKind::MalformedPage,
        "oauth_error" => {
            if matches!(
                endpoint,
                FaultEndpoint::Authn | FaultEndpoint::Keys | FaultEndpoint::Discovery
            ) {
                return Err(invalid(
                    "endpoint",
                    "kind oauth_error acts on authorize, token, userinfo, introspect or revoke",
                ));
            }
            let error = body
                .error
                .as_deref()
                .ok_or_else(|| FakeError::validation("error"))?;
            let Some(error) = OAUTH_ERRORS.iter().copied().find(|e| *e == error) else {
                return Err(invalid(
                    "error",
                    &format!("expected one of {}", OAUTH_ERRORS.join(", ")),
                ));
            };
            let description = body
                .error_description
                .unwrap_or_else(|| format!("The injected fault answers `{error}`."));
            if description.len() > MAX_DESCRIPTION {
                return Err(invalid(
                    "error_description",
                    &format!("expected at most {MAX_DESCRIPTION} bytes"),
                ));
            }
            FaultKind::OAuthError { error, description }
        }
        "time_window_exceeded" if endpoint == FaultEndpoint::Verify => {
            FaultKind::TimeWindowExceeded
        }
        other => match ReplayAnswer::from_name(other) {
            _ if other == "time_window_exceeded" => {
                return Err(invalid(
                    "endpoint",
                    "kind time_window_exceeded acts on verify only",
                ));
            }
            Some(_) if endpoint != FaultEndpoint::Verify => {
                return Err(invalid(
                    "endpoint",
                    "kinds replay_factor_result, replay_e0000068 and replay_e0000082 act on verify only",
                ));
            }
            Some(answer) => FaultKind::Replay(answer),
            None => {
                return Err(invalid(
                    "kind",
                    "expected one of rate_limit, status, latency, drop, malformed_page, oauth_error, replay_factor_result, replay_e0000068, replay_e0000082, time_window_exceeded",
                ));
            }
        },
    };
    if body.times == Some(0) {
        return Err(invalid("times", "expected at least 1"));
    }
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    Ok(FaultSpec {
        endpoint,
        kind,
        user: non_empty(body.user),
        client_id: non_empty(body.client_id),
        times: body.times,
    })
}

/// One entry of `GET /_fake/faults`: the fault as it was posted, plus its id, what is left
/// and how often it acted.
fn listed(l: &Listed) -> Obj {
    let obj = Obj::new()
        .num("id", l.id)
        .str("endpoint", l.spec.endpoint.name());
    let obj = match &l.spec.kind {
        FaultKind::RateLimit { reset } => obj.str("kind", "rate_limit").num("reset", *reset),
        FaultKind::Status(s) => obj.str("kind", "status").num("status", u64::from(*s)),
        FaultKind::Latency(d) => obj.str("kind", "latency").num(
            "latency_ms",
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        ),
        FaultKind::Drop => obj.str("kind", "drop"),
        FaultKind::MalformedPage => obj.str("kind", "malformed_page"),
        FaultKind::OAuthError { error, description } => obj
            .str("kind", "oauth_error")
            .str("error", error)
            .str("error_description", description),
        FaultKind::Replay(answer) => obj.str("kind", answer.name()),
        FaultKind::TimeWindowExceeded => obj.str("kind", "time_window_exceeded"),
    };
    let obj = obj
        .opt_str("user", l.spec.user.as_deref())
        .opt_str("client_id", l.spec.client_id.as_deref());
    let obj = match l.left {
        Some(left) => obj.num("times_left", u64::from(left)),
        None => obj,
    };
    obj.num("hits", l.hits)
}

/// At most 200 characters of `s` (error texts quote the input).
fn truncated(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn err(json: &str) -> (u16, String) {
        match parse_fault(json.as_bytes()) {
            Ok(spec) => panic!("accepted {json}: {spec:?}"),
            Err(FakeError::Api {
                status,
                code,
                causes,
                ..
            }) => (status.as_u16(), format!("{code} {}", causes.join("; "))),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_full_spec_parses() {
        let spec = parse_fault(
            br#"{"endpoint":"token","kind":"rate_limit","reset":2,"user":"alice@example.com","client_id":"spa-client","times":1}"#,
        )
        .unwrap();
        assert_eq!(
            spec,
            FaultSpec {
                endpoint: FaultEndpoint::Token,
                kind: FaultKind::RateLimit { reset: 2 },
                user: Some("alice@example.com".into()),
                client_id: Some("spa-client".into()),
                times: Some(1),
            }
        );
    }

    #[rstest]
    #[case(r#"{"endpoint":"authn","kind":"rate_limit"}"#, FaultKind::RateLimit { reset: 1 })]
    #[case(
        r#"{"endpoint":"keys","kind":"status","status":503}"#,
        FaultKind::Status(503)
    )]
    #[case(
        r#"{"endpoint":"authorize","kind":"latency","latency_ms":250}"#,
        FaultKind::Latency(std::time::Duration::from_millis(250))
    )]
    #[case(r#"{"endpoint":"revoke","kind":"drop"}"#, FaultKind::Drop)]
    #[case(
        r#"{"endpoint":"authorize","kind":"malformed_page","user":""}"#,
        FaultKind::MalformedPage
    )]
    fn each_kind_parses(#[case] json: &str, #[case] kind: FaultKind) {
        assert_eq!(parse_fault(json.as_bytes()).unwrap().kind, kind);
    }

    /// Each body and what its error's code and causes must hold.
    #[rstest]
    #[case("not json", "E0000003", "")]
    #[case(r#"{"endpoint":"token","kind":"drop","extra":1}"#, "", "extra")]
    #[case("[]", "E0000003", "")]
    #[case(r#"{"kind":"drop"}"#, "E0000001 endpoint", "")]
    #[case(r#"{"endpoint":"tokens","kind":"drop"}"#, "", "endpoint")]
    #[case(r#"{"endpoint":"token"}"#, "", "kind")]
    #[case(r#"{"endpoint":"token","kind":"boom"}"#, "", "kind")]
    #[case(r#"{"endpoint":"token","kind":"status"}"#, "", "status")]
    #[case(r#"{"endpoint":"token","kind":"status","status":99}"#, "", "status")]
    #[case(r#"{"endpoint":"token","kind":"drop","status":500}"#, "", "status")]
    #[case(r#"{"endpoint":"token","kind":"latency"}"#, "", "latency_ms")]
    #[case(
        r#"{"endpoint":"token","kind":"latency","latency_ms":99999999}"#,
        "",
        "latency_ms"
    )]
    #[case(
        r#"{"endpoint":"token","kind":"rate_limit","reset":4000}"#,
        "",
        "reset"
    )]
    #[case(r#"{"endpoint":"token","kind":"drop","times":0}"#, "", "times")]
    #[case(r#"{"endpoint":"token","kind":"drop","times":-1}"#, "E0000003", "")]
    fn bad_bodies_name_the_field(#[case] body: &str, #[case] starts: &str, #[case] holds: &str) {
        let (status, text) = err(body);
        assert_eq!(status, 400, "{body}");
        assert!(
            text.starts_with(starts) && text.contains(holds),
            "{body}: {text}"
        );
    }

    #[test]
    fn hostile_fault_bodies_never_panic() {
        use rand::Rng as _;
        use rand::seq::IndexedRandom as _;
        use serde_json::Value;

        use crate::fake::test_support::{hostile_bytes, hostile_text, rng};

        let mut accepted = 0;
        for seed in 0..2000u64 {
            let mut rng = rng(seed);
            let pick = |rng: &mut rand::rngs::StdRng, items: &[&'static str]| {
                Value::from(*items.choose(rng).unwrap())
            };
            let body = if rng.random_ratio(50, 100) {
                hostile_bytes(&mut rng, 10)
            } else {
                let mut obj = serde_json::Map::new();
                let endpoint = pick(&mut rng, &["token", "authn", "keys", "authorize", "nope"]);
                obj.insert("endpoint".into(), endpoint);
                let kinds = ["drop", "malformed_page", "rate_limit", "status", "latency"];
                obj.insert("kind".into(), pick(&mut rng, &kinds));
                for _ in 0..rng.random_range(0..4) {
                    let keys = [
                        "endpoint",
                        "kind",
                        "status",
                        "latency_ms",
                        "reset",
                        "user",
                        "client_id",
                        "times",
                    ];
                    let key = *keys.choose(&mut rng).unwrap();
                    let value = match rng.random_range(0..4) {
                        0 => pick(
                            &mut rng,
                            &[
                                "token",
                                "authn",
                                "drop",
                                "status",
                                "latency",
                                "rate_limit",
                                "malformed_page",
                                "keys",
                            ],
                        ),
                        1 => Value::from(rng.random::<i64>() % 100_000),
                        2 => Value::from(hostile_text(&mut rng, 3)),
                        _ => Value::Null,
                    };
                    obj.insert(key.to_owned(), value);
                }
                serde_json::to_vec(&obj).unwrap()
            };
            if let Ok(spec) = parse_fault(&body) {
                assert!(spec.times != Some(0), "seed {seed}");
                accepted += 1;
            }
        }
        assert!(accepted > 0);
    }
}
