//! Injected faults: what `fake.faults` in fixtures.yaml, `POST /_fake/faults` and
//! [`FakeOkta::fault`](super::FakeOkta::fault) ask of an endpoint.
//!
//! A fault names an endpoint and what happens there: a 429 with real `X-Rate-Limit-*`
//! headers, an error status with the endpoint's own Okta error body, added latency, a
//! connection closed without an answer, or a malformed page. It may be scoped to one username
//! and/or one client id, so that tests running in parallel against one fake do not disturb
//! each other, and limited to a number of requests. Each endpoint works out who a request is
//! for before it changes any state (a session token or code is not spent by a faulted
//! request), then asks [`act`].

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::{FaultEndpoint, FaultKind, FaultSpec, ReplayAnswer};

use super::FakeState;
use super::error::{self, FakeError, OAuthError};
use super::page;
use super::reply;
use super::sessions::lock;

/// Who a request is for, as far as its endpoint can tell before acting on it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scope<'a> {
    /// The username (authn body, the session's user, the code's or refresh token's user, the
    /// password grant's username).
    pub(crate) user: Option<&'a str>,
    /// The client id the request names (it need not have authenticated yet).
    pub(crate) client_id: Option<&'a str>,
}

/// One active fault.
#[derive(Debug)]
struct Active {
    id: u64,
    spec: FaultSpec,
    /// Requests it will still hit; `None` until cleared.
    left: Option<u32>,
    hits: Arc<AtomicU64>,
}

impl Active {
    fn matches(&self, endpoint: FaultEndpoint, scope: Scope<'_>) -> bool {
        self.spec.endpoint == endpoint
            && self
                .spec
                .user
                .as_deref()
                .is_none_or(|u| scope.user.is_some_and(|s| s.eq_ignore_ascii_case(u)))
            && self
                .spec
                .client_id
                .as_deref()
                .is_none_or(|c| scope.client_id == Some(c))
    }
}

/// An active fault as `GET /_fake/faults` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) id: u64,
    pub(crate) spec: FaultSpec,
    pub(crate) left: Option<u32>,
    pub(crate) hits: u64,
}

/// The faults of one fake org, in the order they were added; the first that matches a
/// request acts on it.
#[derive(Debug, Default)]
pub(crate) struct FaultStore {
    next_id: AtomicU64,
    /// How many are active, so the common case (none) takes no lock.
    len: AtomicUsize,
    active: Mutex<Vec<Active>>,
}

impl FaultStore {
    /// A store holding `initial` (fixtures.yaml's `fake.faults`).
    pub(crate) fn new(initial: &[FaultSpec]) -> Self {
        let store = Self::default();
        for spec in initial {
            store.add(spec.clone());
        }
        store
    }

    /// Adds a fault; returns its id and its hit counter.
    pub(crate) fn add(&self, spec: FaultSpec) -> (u64, Arc<AtomicU64>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let hits = Arc::new(AtomicU64::new(0));
        let mut active = lock(&self.active);
        active.push(Active {
            id,
            left: spec.times,
            spec,
            hits: Arc::clone(&hits),
        });
        self.len.store(active.len(), Ordering::Release);
        (id, hits)
    }

    /// Removes fault `id`; whether it was still active.
    pub(crate) fn remove(&self, id: u64) -> bool {
        let mut active = lock(&self.active);
        let before = active.len();
        active.retain(|a| a.id != id);
        self.len.store(active.len(), Ordering::Release);
        active.len() != before
    }

    /// Removes every fault, those of fixtures.yaml included.
    pub(crate) fn clear(&self) {
        let mut active = lock(&self.active);
        active.clear();
        self.len.store(0, Ordering::Release);
    }

    /// The active faults, oldest first.
    pub(crate) fn list(&self) -> Vec<Listed> {
        lock(&self.active)
            .iter()
            .map(|a| Listed {
                id: a.id,
                spec: a.spec.clone(),
                left: a.left,
                hits: a.hits.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Whether no fault is active (then endpoints need not work out who a request is for).
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Acquire) == 0
    }

    /// Takes one hit of the first fault matching a request to `endpoint` for `scope`; a
    /// fault whose `times` run out is removed.
    pub(crate) fn take(&self, endpoint: FaultEndpoint, scope: Scope<'_>) -> Option<FaultKind> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut active = lock(&self.active);
        let i = active.iter().position(|a| a.matches(endpoint, scope))?;
        let fault = &mut active[i];
        fault.hits.fetch_add(1, Ordering::Relaxed);
        let kind = fault.spec.kind.clone();
        if let Some(left) = &mut fault.left {
            *left = left.saturating_sub(1);
            if *left == 0 {
                active.remove(i);
                self.len.store(active.len(), Ordering::Release);
            }
        }
        Some(kind)
    }
}

/// Clears its fault when dropped; made by [`FakeOkta::fault`](super::FakeOkta::fault) and
/// [`FakeState::fault`](super::FakeState::fault).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use okta_fixtures::fake::{FakeOkta, FaultEndpoint, FaultKind, FaultSpec};
///
/// # let keys = std::env::temp_dir().join(format!("okta-fixtures-doc-keys-{}", std::process::id()));
/// let config = okta_fixtures::config::parse_str("", None, &|_| None)?;
/// let fake = FakeOkta::builder().config(&config).key_dir(keys).start().await?;
/// let jwks = format!("{}/oauth2/v1/keys", fake.org_url());
/// {
///     let guard = fake.fault(FaultSpec {
///         endpoint: FaultEndpoint::Keys,
///         kind: FaultKind::Status(503),
///         user: None,
///         client_id: None,
///         times: None,
///     });
///     assert_eq!(reqwest::get(&jwks).await?.status(), 503);
///     assert_eq!(guard.hits(), 1);
/// }
/// // Dropped: the fault is gone.
/// assert_eq!(reqwest::get(&jwks).await?.status(), 200);
/// # Ok(())
/// # }
/// ```
#[must_use = "the fault is cleared as soon as its guard is dropped"]
#[derive(Debug)]
pub struct FaultGuard {
    store: Arc<FaultStore>,
    id: u64,
    hits: Arc<AtomicU64>,
}

impl FaultGuard {
    pub(crate) fn new(store: &Arc<FaultStore>, spec: FaultSpec) -> Self {
        let (id, hits) = store.add(spec);
        Self {
            store: Arc::clone(store),
            id,
            hits,
        }
    }

    /// The fault's id, as `GET /_fake/faults` lists it and `DELETE /_fake/faults/{id}` takes
    /// it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// How many requests the fault has acted on so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        self.store.remove(self.id);
    }
}

/// Acts on the first fault that matches: waits out a latency fault and returns `None` (the
/// endpoint then answers normally), or returns the answer to send instead.
pub(crate) async fn act(
    st: &FakeState,
    endpoint: FaultEndpoint,
    scope: Scope<'_>,
) -> Option<Response> {
    let kind = st.faults.take(endpoint, scope)?;
    respond(st, endpoint, scope, kind).await
}

/// What fault `kind`, taken for a request to `endpoint`, does: `None` after waiting out a
/// latency, else the answer to send instead. (`/authorize` sends an `oauth_error` through the
/// request's response mode itself.)
pub(crate) async fn respond(
    st: &FakeState,
    endpoint: FaultEndpoint,
    scope: Scope<'_>,
    kind: FaultKind,
) -> Option<Response> {
    let kind = match kind {
        // A 429 status is a rate limit, headers and all, reset in a second.
        FaultKind::Status(429) => FaultKind::RateLimit { reset: 1 },
        kind => kind,
    };
    match kind {
        // The fault itself is a delay, not synchronisation; a stopping server cuts it short
        // so that shutdown never waits for it.
        FaultKind::Latency(d) => {
            let mut closing = st.closing.subscribe();
            tokio::select! {
                () = tokio::time::sleep(d) => {}
                _ = closing.wait_for(|c| *c) => {}
            }
            None
        }
        FaultKind::RateLimit { reset } => {
            let limit = if scope.user.is_some() {
                super::user_limit::PER_USER_LIMIT
            } else {
                bucket_limit(endpoint)
            };
            Some(too_many_requests(
                endpoint,
                limit,
                st.clock.epoch_secs().saturating_add(reset),
            ))
        }
        FaultKind::Status(status) => Some(status_response(endpoint, status)),
        // `verify` answers the factor-result form itself, with its transaction; the error
        // forms need none.
        FaultKind::Replay(ReplayAnswer::InvalidPasscode) => {
            Some(FakeError::invalid_passcode_because(error::PASSCODE_USED_ONCE).into_response())
        }
        FaultKind::Replay(_) => Some(FakeError::passcode_replayed().into_response()),
        // Only `verify` takes this kind, and answers it with its transaction.
        FaultKind::TimeWindowExceeded => Some(FakeError::not_allowed_in_state().into_response()),
        FaultKind::Drop => Some(dropped_connection()),
        FaultKind::MalformedPage => Some(malformed(st, endpoint)),
        FaultKind::OAuthError { error, description } => {
            let e = injected_oauth_error(error, description);
            Some(match endpoint {
                FaultEndpoint::Userinfo => FakeError::Bearer(e).into_response(),
                // The loader and the admin API allow this kind on OAuth endpoints only; the
                // others answer it as `/token` would.
                _ => FakeError::OAuth(e).into_response(),
            })
        }
    }
}

/// An `oauth_error` fault's error, with the status Okta gives that error at `/token` and
/// `/userinfo`: 401 for a client or token that fails, 403 for a scope, 5xx for Okta's own
/// trouble, 400 otherwise (RFC 6749 §5.2, RFC 6750 §3.1).
pub(crate) fn injected_oauth_error(error: &'static str, description: String) -> OAuthError {
    let status = match error {
        "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
        "insufficient_scope" => StatusCode::FORBIDDEN,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    OAuthError {
        status,
        error,
        description: description.into(),
    }
}

/// The per-minute limit Okta reports for an endpoint's bucket (keys and discovery are not
/// rate limited by Okta; an injected 429 there reports the common 10 000).
fn bucket_limit(endpoint: FaultEndpoint) -> u64 {
    match endpoint {
        FaultEndpoint::Authn | FaultEndpoint::Verify => 1200,
        _ => 10_000,
    }
}

/// 429 as Okta answers it on `endpoint`, with `X-Rate-Limit-Limit: limit`,
/// `X-Rate-Limit-Remaining: 0` and `X-Rate-Limit-Reset: reset_at` (epoch seconds). `/token`
/// answers with the catalog's per-user error (`user_rate_limited`), every other endpoint
/// with the `E0000047` envelope.
pub(crate) fn too_many_requests(endpoint: FaultEndpoint, limit: u64, reset_at: u64) -> Response {
    let mut res = match endpoint {
        FaultEndpoint::Token => FakeError::OAuth(error::USER_RATE_LIMITED).into_response(),
        _ => FakeError::rate_limited().into_response(),
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-rate-limit-limit", limit),
        ("x-rate-limit-remaining", 0),
        ("x-rate-limit-reset", reset_at),
    ] {
        h.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
    res
}

/// `status` with the error body `endpoint` answers that status with. Statuses below 200
/// cannot end an HTTP exchange and are answered as 500; 2xx and 3xx come with no body. (A 429
/// never gets here: [`act`] turns it into a rate limit with its headers.)
pub(crate) fn status_response(endpoint: FaultEndpoint, status: u16) -> Response {
    let status = match StatusCode::from_u16(status) {
        Ok(s) if !s.is_informational() => s,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if !status.is_client_error() && !status.is_server_error() {
        return reply::empty(status);
    }
    let oauth = oauth_error(status);
    match endpoint {
        FaultEndpoint::Authn
        | FaultEndpoint::Verify
        | FaultEndpoint::Keys
        | FaultEndpoint::Discovery => {
            FakeError::for_status(status, endpoint == FaultEndpoint::Authn).into_response()
        }
        FaultEndpoint::Authorize => reply::html(
            status,
            page::status_error_page(status, oauth.error, &oauth.description),
        ),
        FaultEndpoint::Userinfo if status == StatusCode::UNAUTHORIZED => {
            FakeError::Bearer(error::ACCESS_TOKEN_INVALID).into_response()
        }
        FaultEndpoint::Userinfo if status == StatusCode::FORBIDDEN => {
            FakeError::Bearer(error::USERINFO_SCOPE).into_response()
        }
        FaultEndpoint::Token
        | FaultEndpoint::Introspect
        | FaultEndpoint::Revoke
        | FaultEndpoint::Userinfo => FakeError::OAuth(oauth).into_response(),
    }
}

/// The catalog's OAuth error for an HTTP error status.
fn oauth_error(status: StatusCode) -> OAuthError {
    let mut e = match status.as_u16() {
        401 => error::CLIENT_AUTH_FAILED,
        403 => error::ACCESS_DENIED,
        503 => error::TEMPORARILY_UNAVAILABLE,
        s if s >= 500 => error::SERVER_ERROR,
        _ => error::INVALID_REQUEST,
    };
    e.status = status;
    e
}

/// A body that fails before its first byte: hyper then closes the connection without
/// sending anything, not even the status line it had buffered.
struct Dropped;

impl axum::body::HttpBody for Dropped {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))))
    }
}

/// The connection closes without an answer.
fn dropped_connection() -> Response {
    Response::new(Body::new(Dropped))
}

/// 200 with a page where the client expects something else: `/authorize` answers a page cut
/// off inside the form's opening tag (no form, no fields), every other endpoint an HTML page
/// instead of JSON.
fn malformed(st: &FakeState, endpoint: FaultEndpoint) -> Response {
    let page = match endpoint {
        FaultEndpoint::Authorize => page::truncated_form_post(&st.dir.org_name),
        _ => page::maintenance_page(&st.dir.org_name),
    };
    reply::html(StatusCode::OK, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(endpoint: FaultEndpoint, user: Option<&str>, client: Option<&str>) -> FaultSpec {
        FaultSpec {
            endpoint,
            kind: FaultKind::Status(503),
            user: user.map(str::to_owned),
            client_id: client.map(str::to_owned),
            times: None,
        }
    }

    fn scope<'a>(user: Option<&'a str>, client_id: Option<&'a str>) -> Scope<'a> {
        Scope { user, client_id }
    }

    #[test]
    fn scoped_faults_match_only_their_user_and_client() {
        let store = FaultStore::new(&[spec(FaultEndpoint::Token, Some("Alice@Example.com"), None)]);
        store.add(spec(FaultEndpoint::Authn, None, Some("web-client")));
        let t = FaultEndpoint::Token;
        assert!(
            store
                .take(t, scope(Some("alice@example.com"), None))
                .is_some()
        );
        assert!(
            store
                .take(t, scope(Some("bob@example.com"), None))
                .is_none()
        );
        assert!(store.take(t, scope(None, Some("x"))).is_none());
        assert!(
            store
                .take(
                    FaultEndpoint::Authorize,
                    scope(Some("alice@example.com"), None)
                )
                .is_none()
        );
        let a = FaultEndpoint::Authn;
        assert!(store.take(a, scope(None, Some("web-client"))).is_some());
        assert!(store.take(a, scope(None, Some("spa-client"))).is_none());
        assert!(store.take(a, scope(None, None)).is_none());
        let listed = store.list();
        assert_eq!(listed.len(), 2);
        assert_eq!((listed[0].hits, listed[1].hits), (1, 1));
    }

    #[test]
    fn times_run_out_and_guards_clear_on_drop() {
        let store = Arc::new(FaultStore::default());
        let mut once = spec(FaultEndpoint::Keys, None, None);
        once.times = Some(2);
        let guard = FaultGuard::new(&store, once);
        let any = Scope::default();
        assert!(store.take(FaultEndpoint::Keys, any).is_some());
        assert!(store.take(FaultEndpoint::Keys, any).is_some());
        assert!(store.take(FaultEndpoint::Keys, any).is_none());
        assert_eq!(guard.hits(), 2);
        assert!(store.list().is_empty());
        let guard2 = FaultGuard::new(&store, spec(FaultEndpoint::Keys, None, None));
        assert_ne!(guard.id(), guard2.id());
        drop(guard2);
        assert!(store.take(FaultEndpoint::Keys, any).is_none());
        let _kept = FaultGuard::new(&store, spec(FaultEndpoint::Keys, None, None));
        store.clear();
        assert!(store.take(FaultEndpoint::Keys, any).is_none());
    }

    #[tokio::test]
    async fn status_bodies_follow_the_endpoint() {
        let body = |res: Response| async move {
            let status = res.status();
            let ct = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
                .await
                .unwrap();
            (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
        };
        let (s, _, text) = body(status_response(FaultEndpoint::Authn, 500)).await;
        assert_eq!(s, 500);
        assert!(text.contains(r#""errorCode":"E0000009""#), "{text}");
        let (s, _, text) = body(status_response(FaultEndpoint::Keys, 503)).await;
        assert_eq!(s, 503);
        assert!(text.contains(r#""errorCode":"E0000010""#), "{text}");
        let (s, _, text) = body(status_response(FaultEndpoint::Token, 503)).await;
        assert_eq!(s, 503);
        assert!(
            text.starts_with(r#"{"error":"temporarily_unavailable""#),
            "{text}"
        );
        let (s, ct, text) = body(status_response(FaultEndpoint::Authorize, 502)).await;
        assert_eq!(s, 502);
        assert_eq!(ct.as_deref(), Some(reply::HTML));
        assert!(text.contains("server_error"), "{text}");
        let res = status_response(FaultEndpoint::Userinfo, 401);
        assert!(res.headers().contains_key("www-authenticate"));
        let (s, _, text) = body(status_response(FaultEndpoint::Revoke, 100)).await;
        assert_eq!(s, 500);
        assert!(text.contains("server_error"));
        let (s, _, text) = body(status_response(FaultEndpoint::Discovery, 204)).await;
        assert_eq!((s.as_u16(), text.as_str()), (204, ""));
        let res = too_many_requests(FaultEndpoint::Token, 4, 1234);
        assert_eq!(res.headers()["x-rate-limit-reset"], "1234");
        assert_eq!(res.headers()["x-rate-limit-remaining"], "0");
        let (s, _, text) = body(res).await;
        assert_eq!(s, 429);
        assert_eq!(
            text,
            r#"{"error":"invalid_grant","error_description":"API call exceeded rate limit due to too many requests."}"#
        );
        let (_, _, text) = body(too_many_requests(FaultEndpoint::Authn, 4, 1)).await;
        assert!(text.starts_with(r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.""#));
    }

    #[tokio::test]
    async fn a_dropped_connection_has_a_failing_body() {
        let res = dropped_connection();
        assert!(axum::body::to_bytes(res.into_body(), 1024).await.is_err());
    }
}
