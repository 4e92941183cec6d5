//! The flow's HTTP client: no redirects followed, no cookie store, no `Origin` header, URLs
//! stripped from errors (the `/authorize` URL carries the sessionToken), 429s waited out.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use okta_fixtures_config::HttpSettings;
use reqwest::{Client, Method, Request, RequestBuilder, Response, StatusCode, redirect};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result, SignIn};

/// How long an idle connection stays in the pool.
const POOL_IDLE: Duration = Duration::from_secs(10);

/// Builds the one long-lived client of the worker.
///
/// Without reqwest's `cookies` feature there is no cookie store at all, so no Okta session
/// cookie (`sid`, `idx`, `DT`) can travel from one flow to the next: Classic Okta ignores a
/// `sessionToken` when a session cookie is present and would hand out the previous user's
/// tokens. A 302 from `/authorize` is an answer to read, never to follow.
pub(crate) fn client() -> reqwest::Result<Client> {
    Client::builder()
        .redirect(redirect::Policy::none())
        // A connection idle this long is not reused: a server closes idle connections (the
        // fake after 30 s, load balancers after as little), and a request sent on one it is
        // closing that moment fails ("connection closed before message completed"). A TOTP
        // sign-in waits up to 30 s for Okta's next step before it posts its code.
        .pool_idle_timeout(POOL_IDLE)
        .user_agent(concat!("okta-fixtures/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The most of an answer's body the library reads, in bytes. Okta's form_post pages, error
/// pages, JSON answers, discovery documents and key sets are a few KiB; a larger body is a
/// hostile or broken server or proxy, which must not fill this process's memory.
pub(crate) const BODY_LIMIT: usize = 512 * 1024;

/// Why [`read_limited`] gave up.
pub(crate) enum BodyError {
    /// More than the limit came, or `Content-Length` announced more.
    TooLarge,
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads `resp`'s body, at most `limit` bytes of it: chunk by chunk, so an endless (chunked)
/// body is cut off at the limit instead of being read into memory whole.
pub(crate) async fn read_limited(
    mut resp: Response,
    limit: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What a request got back, fully read.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    /// `Location`, for redirects.
    pub(crate) location: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: String,
    /// Method and URL without query, for messages.
    pub(crate) endpoint: String,
    /// The request's URL without query, fragment or credentials: what a relative `Location`
    /// or form action resolves against.
    pub(crate) url: Url,
    /// Okta's clock when it answered: its `Date` header, if it sent a valid one.
    pub(crate) date: Option<SystemTime>,
    /// This machine's monotonic clock when the answer's headers arrived.
    pub(crate) received: Instant,
}

impl Answer {
    /// Okta's time now, as the answer's `Date` says plus the time since it arrived; this
    /// machine's clock (logged) when Okta sent no `Date`. `Date` has whole seconds and is
    /// truncated, so this is at most a second behind Okta's clock, never ahead of it.
    pub(crate) fn okta_now(&self) -> SystemTime {
        match self.date {
            Some(date) => date + self.received.elapsed(),
            None => {
                tracing::info!(
                    endpoint = %self.endpoint,
                    "okta's answer has no Date header; using this machine's clock"
                );
                SystemTime::now()
            }
        }
    }

    /// The body as JSON, or `Unexpected` naming the endpoint.
    pub(crate) fn json<T: DeserializeOwned>(&self, sign_in: &SignIn) -> Result<T> {
        serde_json::from_str(&self.body)
            .map_err(|_| self.unexpected(sign_in, "a body that is not the JSON Okta sends"))
    }

    pub(crate) fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.contains("json"))
            || self.body.trim_start().starts_with('{')
    }

    pub(crate) fn unexpected(&self, sign_in: &SignIn, what: &str) -> Error {
        Error::Unexpected {
            sign_in: Box::new(sign_in.clone()),
            endpoint: self.endpoint.clone(),
            status: self.status.as_u16(),
            what: what.to_owned(),
        }
    }

    /// The error this answer is: an Okta error body as [`Error::Okta`], anything else as
    /// `Unexpected`, saying `what` came instead.
    pub(crate) fn error(&self, sign_in: &SignIn, what: &str) -> Error {
        self.okta_error(sign_in)
            .unwrap_or_else(|| self.unexpected(sign_in, what))
    }

    /// An Okta API error body (`errorCode`, `errorSummary`) as [`Error::Okta`], if it is one.
    pub(crate) fn okta_error(&self, sign_in: &SignIn) -> Option<Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct OktaError {
            error_code: String,
            #[serde(default)]
            error_summary: String,
        }
        let e: OktaError = serde_json::from_str(&self.body).ok()?;
        Some(Error::Okta {
            sign_in: Box::new(sign_in.clone()),
            endpoint: self.endpoint.clone(),
            status: self.status.as_u16(),
            code: e.error_code,
            summary: e.error_summary,
        })
    }
}

/// The client as one sign-in uses it: its settings, and whose sign-in errors are about.
pub(crate) struct Http<'a> {
    pub(crate) client: &'a Client,
    pub(crate) settings: &'a HttpSettings,
    pub(crate) sign_in: &'a SignIn,
}

impl Http<'_> {
    /// Sends the request `build` makes, waiting out 429s as `http:` in fixtures.yaml allows
    /// (`build` runs again for each retry).
    pub(crate) async fn send(&self, build: impl Fn(&Client) -> RequestBuilder) -> Result<Answer> {
        let mut retries = 0;
        loop {
            let req = build(self.client)
                .timeout(self.settings.timeout)
                .build()
                .map_err(|e| self.transport_error("(request)".into(), e))?;
            let endpoint = endpoint_label(req.method(), req.url());
            let (answer, reset_wait) = self.execute(req, endpoint.clone()).await?;
            if answer.status != StatusCode::TOO_MANY_REQUESTS {
                tracing::debug!(endpoint = %endpoint, status = answer.status.as_u16(), "okta answered");
                return Ok(answer);
            }
            let wait = reset_wait.unwrap_or(Duration::from_secs(1));
            if retries >= self.settings.rate_limit_retries
                || wait > self.settings.max_rate_limit_wait
            {
                return Err(Error::RateLimited {
                    sign_in: Box::new(self.sign_in.clone()),
                    endpoint,
                    retries,
                    reset_in: (wait > self.settings.max_rate_limit_wait).then_some(wait),
                });
            }
            tracing::warn!(
                endpoint = %endpoint,
                wait_ms = wait.as_millis() as u64,
                retry = retries + 1,
                "rate limited by okta; waiting for X-Rate-Limit-Reset on okta's clock"
            );
            // A real wait for Okta's reset time, not synchronisation.
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// Sends one request and reads the answer, with, for a 429, how long to wait before the next.
    async fn execute(&self, req: Request, endpoint: String) -> Result<(Answer, Option<Duration>)> {
        let resp = self
            .client
            .execute(req)
            .await
            .map_err(|e| self.transport_error(endpoint.clone(), e))?;
        let received = Instant::now();
        let status = resp.status();
        let url = strip_url(resp.url());
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let content_type = header("content-type");
        // Okta's clock, not this machine's: its `Date`, for a 429's reset time and for TOTP
        // codes.
        let date = header("date").and_then(|d| httpdate::parse_http_date(&d).ok());
        // Only a 429 is waited out.
        let reset_wait = header("x-rate-limit-reset")
            .filter(|_| status == StatusCode::TOO_MANY_REQUESTS)
            .and_then(|r| r.trim().parse::<u64>().ok())
            .map(|reset| rate_limit_wait(reset, date.unwrap_or_else(SystemTime::now)));
        let body = match read_limited(resp, BODY_LIMIT).await {
            Ok(body) => body,
            Err(BodyError::Transport(e)) => return Err(self.transport_error(endpoint, e)),
            Err(BodyError::TooLarge) => {
                return Err(Error::TooLarge {
                    sign_in: Box::new(self.sign_in.clone()),
                    endpoint,
                    limit: BODY_LIMIT,
                });
            }
        };
        // Okta answers in UTF-8 (its pages say `charset=utf-8`); a stray byte must not hide the
        // rest of a page.
        let body = String::from_utf8_lossy(&body).into_owned();
        let answer = Answer {
            status,
            location,
            content_type,
            body,
            endpoint,
            url,
            date,
            received,
        };
        Ok((answer, reset_wait))
    }

    fn transport_error(&self, endpoint: String, e: reqwest::Error) -> Error {
        let sign_in = Box::new(self.sign_in.clone());
        if e.is_timeout() {
            Error::Timeout {
                sign_in,
                endpoint,
                after: self.settings.timeout,
            }
        } else {
            Error::Http {
                sign_in,
                endpoint,
                source: Arc::new(e.without_url()),
            }
        }
    }
}

/// `POST https://org/api/v1/authn`: method and URL without query, fragment or credentials.
fn endpoint_label(method: &Method, url: &Url) -> String {
    format!("{method} {}", strip_url(url))
}

/// A URL without query, fragment or credentials: what may appear in a message or log.
pub(crate) fn strip_url(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u
}

/// How long to wait after a 429 whose `X-Rate-Limit-Reset` is the epoch second `reset`, when
/// the answer's `Date` says it is `okta_now`: the time left on Okta's clock plus one second, as
/// Okta's own SDK waits ("add 1 second to account for sub second differences between the
/// clocks that create these headers", okta/okta-sdk-nodejs `src/default-request-executor.js`,
/// `getRetryDelayMs`). This machine's clock plays no part, so a skew in either direction
/// neither makes every wait zero nor turns it into hours; a reset already passed waits 1 s.
fn rate_limit_wait(reset: u64, okta_now: SystemTime) -> Duration {
    let left = (SystemTime::UNIX_EPOCH + Duration::from_secs(reset))
        .duration_since(okta_now)
        .unwrap_or(Duration::ZERO);
    left + Duration::from_secs(1)
}

/// Answers as the steps' unit tests build them.
#[cfg(test)]
impl Answer {
    pub(crate) fn canned(
        method: Method,
        url: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Self {
        let url = Url::parse(url).unwrap();
        Self {
            status: StatusCode::from_u16(status).unwrap(),
            location: None,
            content_type: Some(content_type.into()),
            body: body.into(),
            endpoint: endpoint_label(&method, &url),
            url: strip_url(&url),
            date: None,
            received: Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_carry_the_query() {
        let url = Url::parse(
            "https://u:p@dev-1.okta.com/oauth2/default/v1/authorize?sessionToken=20111abc&state=x#frag",
        )
        .unwrap();
        assert_eq!(
            endpoint_label(&Method::GET, &url),
            "GET https://dev-1.okta.com/oauth2/default/v1/authorize"
        );
    }

    #[test]
    fn a_rate_limit_wait_is_the_time_left_on_oktas_clock_plus_a_second() {
        let okta_now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(rate_limit_wait(1_003, okta_now), Duration::from_secs(4));
        assert_eq!(rate_limit_wait(1_000, okta_now), Duration::from_secs(1));
        // A reset Okta's clock has passed still waits a second, never zero.
        assert_eq!(rate_limit_wait(999, okta_now), Duration::from_secs(1));
    }

    #[test]
    fn okta_error_bodies_are_recognised() {
        // The 429 body from Okta's docs.
        let a = Answer::canned(
            Method::POST,
            "https://x/api/v1/authn",
            429,
            "application/json",
            r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeWaNHfOyQSES34-a2Dw6Phw","errorCauses":[]}"#,
        );
        let sign_in = SignIn::new(Some("alice"), "spa", "default");
        let e = a.okta_error(&sign_in).unwrap();
        assert!(matches!(&e, Error::Okta { code, status: 429, .. } if code == "E0000047"));
        let html = Answer {
            body: "<html></html>".into(),
            ..a
        };
        assert!(html.okta_error(&sign_in).is_none());
    }
}
