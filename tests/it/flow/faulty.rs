use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use http_body::Frame;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use okta_fixtures::fake::{FakeOkta, FakeState, router};

use super::*;

/// What the layer does to a matching request.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fault {
    /// 429 with Okta's headers and body; `X-Rate-Limit-Reset` `reset_in` seconds ahead on
    /// a server clock `skew` seconds ahead of this machine's (behind when negative), which
    /// the answer's `Date` shows.
    RateLimit { reset_in: u64, skew: i64 },
    /// Answer normally, this much later.
    Latency(Duration),
    /// This HTTP status with Okta's error body.
    Status(u16),
    /// A 200 page that is no form_post (an Okta sign-in page).
    SignInPage,
    /// This HTTP status with an OAuth error body (`error`, `error_description`).
    OAuth {
        status: u16,
        error: &'static str,
        description: &'static str,
    },
    /// A 200 whose body never ends: 64 KiB chunks without a `Content-Length`, as a hostile
    /// server or a broken proxy could send.
    EndlessBody,
    /// The answer as the fake gives it, with the form_post page's `access_token` replaced
    /// by another token (one character changed), as a token substitution would.
    SwapAccessToken,
}

pub(crate) struct Rule {
    path_suffix: &'static str,
    fault: Fault,
    /// How many more requests it hits (`None`: all).
    left: Option<u32>,
    /// Requests to the path being answered now, and the most there ever were at once.
    in_flight: usize,
    most_in_flight: usize,
}

impl Rule {
    /// The most requests to the rule's path that were ever being answered at once.
    pub(crate) fn most_in_flight(&self) -> usize {
        self.most_in_flight
    }
}

/// Fixtures whose org is a fake served here, with `fault` on requests whose path ends in
/// `path_suffix`, `times` times (`None`: always). Serves on the current runtime, which
/// must outlive the test's requests.
pub(crate) async fn serve(
    extra: &str,
    path_suffix: &'static str,
    fault: Fault,
    times: Option<u32>,
) -> (Fixtures, FakeState) {
    let (fixtures, state, _) = serve_watched(extra, path_suffix, fault, times).await;
    (fixtures, state)
}

/// [`serve`], and the rule, to read what the path saw.
pub(crate) async fn serve_watched(
    extra: &str,
    path_suffix: &'static str,
    fault: Fault,
    times: Option<u32>,
) -> (Fixtures, FakeState, Arc<Mutex<Rule>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let yaml = format!(
        "org_url: {url}\nauthorization_server: default\n{APPS}{USERS}{extra}\nservers:\n  default:\n    scopes: [orders:read, reports:read]\n"
    );
    let config = parse_str(&yaml, None, &|_| None).expect("test YAML is valid");
    let state = FakeOkta::builder().config(&config).build(&url).unwrap();
    let rule = Arc::new(Mutex::new(Rule {
        path_suffix,
        fault,
        left: times,
        in_flight: 0,
        most_in_flight: 0,
    }));
    let watched = rule.clone();
    let app = router(state.clone()).layer(axum::middleware::from_fn(move |req, next| {
        watch(rule.clone(), req, next)
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (Fixtures::new(config), state, watched)
}

/// Counts the requests to the rule's path being answered at once, around [`inject`].
async fn watch(rule: Arc<Mutex<Rule>>, req: Request, next: Next) -> Response {
    let counted = req.uri().path().ends_with(rule.lock().unwrap().path_suffix);
    if counted {
        let mut r = rule.lock().unwrap();
        r.in_flight += 1;
        r.most_in_flight = r.most_in_flight.max(r.in_flight);
    }
    let res = inject(rule.clone(), req, next).await;
    if counted {
        rule.lock().unwrap().in_flight -= 1;
    }
    res
}

async fn inject(rule: Arc<Mutex<Rule>>, req: Request, next: Next) -> Response {
    let fault = {
        let mut r = rule.lock().unwrap();
        if req.uri().path().ends_with(r.path_suffix) && r.left != Some(0) {
            if let Some(n) = &mut r.left {
                *n -= 1;
            }
            Some(r.fault)
        } else {
            None
        }
    };
    match fault {
        None => next.run(req).await,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::RateLimit { reset_in, skew }) => {
            let server_now = if skew >= 0 {
                SystemTime::now() + Duration::from_secs(skew.unsigned_abs())
            } else {
                SystemTime::now() - Duration::from_secs(skew.unsigned_abs())
            };
            let now = server_now.duration_since(SystemTime::UNIX_EPOCH).unwrap();
            let mut res = okta_error(
                StatusCode::TOO_MANY_REQUESTS,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
            );
            let h = res.headers_mut();
            h.insert("x-rate-limit-limit", HeaderValue::from_static("4"));
            h.insert("x-rate-limit-remaining", HeaderValue::from_static("0"));
            let reset = (now.as_secs() + reset_in).to_string();
            h.insert("x-rate-limit-reset", HeaderValue::from_str(&reset).unwrap());
            let date = httpdate::fmt_http_date(server_now);
            h.insert(header::DATE, HeaderValue::from_str(&date).unwrap());
            res
        }
        Some(Fault::Status(status)) => okta_error(
            StatusCode::from_u16(status).unwrap(),
            "E0000009",
            "Internal Server Error",
        ),
        Some(Fault::OAuth {
            status,
            error,
            description,
        }) => (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(serde_json::json!({ "error": error, "error_description": description })),
        )
            .into_response(),
        Some(Fault::SwapAccessToken) => {
            let (mut parts, body) = next.run(req).await.into_parts();
            let page = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let page = String::from_utf8(page.to_vec()).unwrap();
            let token = crate::support::form_fields(&page)["access_token"].clone();
            let last = if token.ends_with('A') { "B" } else { "A" };
            let swapped = format!("{}{last}", &token[..token.len() - 1]);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, page.replace(&token, &swapped).into())
        }
        Some(Fault::EndlessBody) => (
            [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
            Body::new(Endless),
        )
            .into_response(),
        Some(Fault::SignInPage) => (
            [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
            "<!DOCTYPE html><html><head><title>Example Org - Sign In</title></head>\
             <body><div id=\"okta-sign-in\"></div></body></html>",
        )
            .into_response(),
    }
}

/// A body of spaces that never ends.
struct Endless;

impl http_body::Body for Endless {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        const CHUNK: &[u8] = &[b' '; 64 * 1024];
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(CHUNK)))))
    }
}

fn okta_error(status: StatusCode, code: &str, summary: &str) -> Response {
    let body = serde_json::json!({
        "errorCode": code, "errorSummary": summary, "errorLink": code,
        "errorId": "oaeFAULTFAULTFAULTFAULT00", "errorCauses": [],
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}
