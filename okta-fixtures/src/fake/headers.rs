//! Headers every Okta response carries (section 0.4): `x-okta-request-id`, no-cache headers
//! and the `x-rate-limit-*` trio on rate-limited endpoints. Also where requests are counted.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use okta_fixtures_config::FaultEndpoint;

use super::FakeState;
use super::ids;
use super::sessions::lock;
use super::stats::Endpoint;

const WINDOW_SECS: u64 = 60;

/// Per-minute org-wide buckets as Okta reports them. The fake reports them and does not
/// enforce them (a test injects a 429 as a fault); the per-user limit is enforced, see
/// [`user_limit`](super::user_limit).
#[derive(Debug, Default)]
pub(crate) struct RateWindows {
    buckets: Mutex<HashMap<&'static str, (u64, u64)>>,
}

impl RateWindows {
    /// The bucket and per-minute limit of an endpoint; keys and discovery are not limited.
    fn bucket(endpoint: Endpoint) -> Option<(&'static str, u64)> {
        // Limits as recorded from a real org (section 0.4).
        match endpoint {
            Endpoint::Named(FaultEndpoint::Authn | FaultEndpoint::Verify)
            | Endpoint::AuthnSkip
            | Endpoint::AuthnCancel => Some(("authn", 1200)),
            Endpoint::Named(FaultEndpoint::Keys | FaultEndpoint::Discovery) => None,
            Endpoint::Named(e) => Some((e.name(), 10_000)),
        }
    }

    /// Starts every bucket afresh.
    pub(crate) fn clear(&self) {
        lock(&self.buckets).clear();
    }

    /// Counts one request at `now` (epoch seconds): `(limit, remaining, reset)`.
    pub(crate) fn hit(&self, endpoint: Endpoint, now: u64) -> Option<(u64, u64, u64)> {
        let (bucket, limit) = Self::bucket(endpoint)?;
        let mut buckets = lock(&self.buckets);
        let (start, count) = buckets.entry(bucket).or_insert((now, 0));
        if now >= *start + WINDOW_SECS {
            *start = now;
            *count = 0;
        }
        *count += 1;
        Some((limit, limit.saturating_sub(*count), *start + WINDOW_SECS))
    }
}

/// Middleware: count the request, then add Okta's headers to whatever the endpoint answered.
pub(crate) async fn okta_headers(
    State(st): State<FakeState>,
    req: Request,
    next: Next,
) -> Response {
    let endpoint = Endpoint::classify(req.uri().path());
    if let Some(e) = endpoint {
        st.stats.request(e);
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // The fake's clock, not hyper's (which reads the system clock when the answer has no
    // `Date`): a client reads Okta's time from it (429 resets, TOTP steps), so a test that
    // moves the fake's clock moves what the client sees.
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(st.clock.now())) {
        h.insert(header::DATE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids::request_id()) {
        h.insert(HeaderName::from_static("x-okta-request-id"), v);
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, no-store"),
        );
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        h.insert(header::EXPIRES, HeaderValue::from_static("0"));
    }
    // A 429 brings its own (per-user or injected) headers.
    let counted = endpoint.and_then(|e| st.rate.hit(e, st.clock.epoch_secs()));
    if let Some((limit, remaining, reset)) =
        counted.filter(|_| !h.contains_key("x-rate-limit-remaining"))
    {
        for (name, value) in [
            ("x-rate-limit-limit", limit),
            ("x-rate-limit-remaining", remaining),
            ("x-rate-limit-reset", reset),
        ] {
            h.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use FaultEndpoint as F;

    #[test]
    fn windows_count_down_and_reset() {
        let r = RateWindows::default();
        let hit = |e, now| r.hit(Endpoint::Named(e), now);
        assert_eq!(hit(F::Authn, 1000), Some((1200, 1199, 1060)));
        assert_eq!(r.hit(Endpoint::AuthnSkip, 1030), Some((1200, 1198, 1060)));
        assert_eq!(hit(F::Token, 1030), Some((10_000, 9_999, 1090)));
        assert_eq!(hit(F::Authn, 1060), Some((1200, 1199, 1120)));
        assert_eq!(hit(F::Keys, 1060), None);
    }
}
