//! `GET|POST /oauth2[/{server}]/v1/authorize`: step 2 of the browserless sign-in (section 3).
//!
//! Okta validates the client and the redirect URI first and answers problems there with an
//! HTML 400 page; everything after that goes back to the redirect URI in the response mode
//! (section 3.3). A `sid` cookie wins over a `sessionToken`, as on Classic orgs (2.6).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::{FaultEndpoint, FaultKind, Flow};

use crate::fake::FakeState;
use crate::fake::claims::{self, IdTokenFor, Subject};
use crate::fake::client_limit::{InFlight, Refused};
use crate::fake::directory::ServerEntry;
use crate::fake::error::{self, FakeError, OAuthError};
use crate::fake::faults::{self, Scope};
use crate::fake::grants::CodeGrant;
use crate::fake::ids;
use crate::fake::page;
use crate::fake::params::Params;
use crate::fake::pkce;
use crate::fake::policy;
use crate::fake::reply;
use crate::fake::scopes;
use crate::fake::sessions::{Session, sid_cookie};

/// `GET …/v1/authorize`
pub(crate) async fn get(
    State(st): State<FakeState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let params = Params::from_query(uri.query());
    let screened = match screen(&st, params.as_ref().ok(), &headers).await {
        Ok(screened) => screened,
        Err(res) => return Ok(res),
    };
    let params = params.map_err(|e| FakeError::Page(e.into()))?;
    Ok(authorize(&st, server, &params, &headers, screened.injected))
}

/// `POST …/v1/authorize` (form body; Okta allows no query parameters with it).
pub(crate) async fn post(
    State(st): State<FakeState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let form = crate::fake::params::form(&headers, body).await;
    let screened = match screen(&st, form.as_ref().ok(), &headers).await {
        Ok(screened) => screened,
        Err(res) => return Ok(res),
    };
    if uri.query().is_some_and(|q| !q.is_empty()) {
        return Err(FakeError::Page(error::INVALID_REQUEST));
    }
    let form = form.map_err(|e| FakeError::Page(e.into()))?;
    Ok(authorize(&st, server, &form, &headers, screened.injected))
}

/// An authorize request let through Okta's client-based limit and the injected faults.
struct Screened<'a> {
    /// Counts the request in flight until the answer is built.
    _in_flight: Option<InFlight<'a>>,
    /// An injected OAuth error, to send through the request's response mode.
    injected: Option<OAuthError>,
}

/// What happens to an authorize request (GET or POST alike) before it is read: Okta's
/// client-based limit, then an injected fault. `Err` is the answer to send instead.
async fn screen<'a>(
    st: &'a FakeState,
    p: Option<&Params>,
    headers: &HeaderMap,
) -> Result<Screened<'a>, Response> {
    let in_flight = admit(st, p).map_err(refused)?;
    let injected = match fault(st, p, headers).await {
        Some(Injected::Answer(res)) => return Err(res),
        Some(Injected::OAuth(e)) => Some(e),
        None => None,
    };
    Ok(Screened {
        _in_flight: in_flight,
        injected,
    })
}

/// Okta's client-based limit: the request of a known client counts against its minute and
/// its requests in flight (until the returned guard drops), or is refused.
fn admit<'a>(st: &'a FakeState, p: Option<&Params>) -> Result<Option<InFlight<'a>>, Refused> {
    let Some(client_id) = p
        .and_then(|p| p.get("client_id"))
        .filter(|id| st.dir.app(id).is_some())
    else {
        return Ok(None);
    };
    let admitted = st.client_limit.admit(client_id, st.clock.now());
    if let Err(refused) = &admitted {
        tracing::debug!(client_id, ?refused, "client-based rate limit");
    }
    admitted.map(Some)
}

/// Okta's 429 for a request the client-based limit refused.
fn refused(refused: Refused) -> Response {
    let (limit, reset) = refused.limit_and_reset();
    faults::too_many_requests(FaultEndpoint::Authorize, limit, reset)
}

/// What an injected fault does to an authorize request.
enum Injected {
    /// This answer instead.
    Answer(Response),
    /// This OAuth error, through the request's response mode once its client and redirect URI
    /// are known (before them, their own errors come first).
    OAuth(OAuthError),
}

/// The fault, if any, for an authorize request: scoped by its `client_id` and by the user of
/// its session cookie or (unspent) sessionToken.
async fn fault(st: &FakeState, p: Option<&Params>, headers: &HeaderMap) -> Option<Injected> {
    if st.faults.is_empty() {
        return None;
    }
    let now = st.clock.now();
    let user_key = sid_cookie(headers)
        .and_then(|sid| st.sessions.session(sid, now))
        .map(|s| s.user_key)
        .or_else(|| {
            p.and_then(|p| p.get("sessionToken"))
                .and_then(|t| st.sessions.peek_token(t, now))
        });
    let user = user_key.and_then(|k| st.dir.user(&k).map(|u| u.username.clone()));
    let scope = Scope {
        user: user.as_deref(),
        client_id: p.and_then(|p| p.get("client_id")),
    };
    match st.faults.take(FaultEndpoint::Authorize, scope)? {
        FaultKind::OAuthError { error, description } => Some(Injected::OAuth(
            faults::injected_oauth_error(error, description),
        )),
        kind => faults::respond(st, FaultEndpoint::Authorize, scope, kind)
            .await
            .map(Injected::Answer),
    }
}

/// How the answer travels to the redirect URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
    FormPost,
    PostMessage,
}

/// Where and how to answer once the client and redirect URI are trusted.
struct Reply<'a> {
    st: &'a FakeState,
    redirect_uri: &'a str,
    mode: Mode,
    state: &'a str,
    /// Cookies to set (a new session).
    cookies: Vec<String>,
}

impl Reply<'_> {
    fn error(&self, e: &OAuthError, mode: Mode) -> Response {
        self.send(
            mode,
            &[
                ("error", e.error),
                ("error_description", &e.description),
                ("state", self.state),
            ],
        )
    }

    fn send(&self, mode: Mode, fields: &[(&str, &str)]) -> Response {
        let mut res = match mode {
            Mode::FormPost => reply::html(
                StatusCode::OK,
                page::form_post(&self.st.dir.org_name, self.redirect_uri, fields),
            ),
            Mode::PostMessage => {
                let origin = url::Url::parse(self.redirect_uri)
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_else(|_| "null".into());
                reply::html(
                    StatusCode::OK,
                    page::post_message(&self.st.dir.org_name, &origin, fields),
                )
            }
            Mode::Query | Mode::Fragment => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter().copied())
                    .finish();
                let sep = match mode {
                    Mode::Query if self.redirect_uri.contains('?') => '&',
                    Mode::Query => '?',
                    _ => '#',
                };
                let mut res = reply::empty(StatusCode::FOUND);
                let h = res.headers_mut();
                if let Ok(v) =
                    HeaderValue::from_str(&format!("{}{sep}{encoded}", self.redirect_uri))
                {
                    h.insert(header::LOCATION, v);
                }
                h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                h.insert(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                );
                res
            }
        };
        set_cookies(&mut res, &self.cookies);
        res
    }
}

fn set_cookies(res: &mut Response, extra: &[String]) {
    let jsessionid = format!("JSESSIONID={}; Path=/; HttpOnly", ids::random_base62(32));
    for cookie in [jsessionid, "t=default; Path=/".to_owned()]
        .iter()
        .chain(extra)
    {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

/// Okta accepts alphanumerics and `,._-` (documented) plus a few more seen in the wild
/// (`;+*:~`); it rejects `|` and anything that cannot be echoed safely.
fn state_is_valid(state: &str) -> bool {
    state
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ",._-;+*:~!$'()/?=@".contains(c))
}

fn authorize(
    st: &FakeState,
    server: &ServerEntry,
    p: &Params,
    headers: &HeaderMap,
    injected: Option<OAuthError>,
) -> Response {
    // 1. Client and redirect URI: problems here cannot go to a redirect URI.
    let Some(app) = p.get("client_id").and_then(|id| st.dir.app(id)) else {
        return FakeError::Page(error::INVALID_CLIENT_ID).into_response();
    };
    if app.flow == Flow::ClientCredentials {
        return FakeError::Page(error::service_app_endpoint("authorize")).into_response();
    }
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return FakeError::Page(error::MISSING_REDIRECT_URI).into_response();
    };
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        let admin = format!(
            "{}/admin/app/oidc_client/instance/{}#tab-general",
            st.dir.org_url, app.client_id
        );
        return FakeError::Page(error::illegal_redirect_uri(&admin)).into_response();
    }
    let state = match p.get("state") {
        Some(s) if state_is_valid(s) => s,
        _ => return FakeError::Page(error::INVALID_STATE).into_response(),
    };

    // 2. Response type and mode decide how everything else is answered.
    let types: Result<BTreeSet<&str>, ()> = p
        .get("response_type")
        .ok_or(())
        .and_then(|raw| {
            raw.split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| match t {
                    "code" | "token" | "id_token" => Ok(t),
                    _ => Err(()),
                })
                .collect()
        })
        .and_then(|t: BTreeSet<&str>| if t.is_empty() { Err(()) } else { Ok(t) });
    let code_only = types
        .as_ref()
        .is_ok_and(|t| t.len() == 1 && t.contains("code"));
    let default_mode = if types.is_err() || code_only {
        Mode::Query
    } else {
        Mode::Fragment
    };
    let requested = match p.get("response_mode") {
        None => Ok(default_mode),
        Some("query") => Ok(Mode::Query),
        Some("fragment") => Ok(Mode::Fragment),
        Some("form_post") => Ok(Mode::FormPost),
        Some("okta_post_message") => Ok(Mode::PostMessage),
        Some(_) => Err(()),
    };
    let mode = requested.unwrap_or(default_mode);
    let mut reply = Reply {
        st,
        redirect_uri,
        mode,
        state,
        cookies: Vec::new(),
    };
    let types = match types {
        Ok(t) if t.iter().all(|rt| app.response_types.contains(rt)) => t,
        _ => {
            let e = error::unsupported_response_type(&app.response_type_list());
            return reply.error(&e, mode);
        }
    };
    let wants_code = types.contains("code");
    let wants_tokens = types.contains("token") || types.contains("id_token");
    if requested.is_err() {
        return reply.error(&error::UNSUPPORTED_RESPONSE_MODE, default_mode);
    }
    if let Some(e) = injected {
        return reply.error(&e, mode);
    }
    if mode == Mode::Query && wants_tokens {
        return reply.error(&error::QUERY_WITH_TOKENS, default_mode);
    }
    // Okta's catalog refuses `okta_post_message` with `code`, yet okta-auth-js's
    // `getWithoutPrompt` (okta/okta-auth-js `lib/oidc/getWithoutPrompt.ts`) sends exactly that
    // with PKCE by default, and Okta serves it: so the refusal holds for `code` without a PKCE
    // challenge only. Both halves are inferred from the SDK, not documented.
    if mode == Mode::PostMessage && wants_code && !p.has("code_challenge") {
        return reply.error(&error::POST_MESSAGE_WITH_CODE, default_mode);
    }
    if p.has("request") {
        return reply.error(&error::REQUEST_OBJECT_NOT_SUPPORTED, mode);
    }
    if p.has("request_uri") {
        return reply.error(&error::REQUEST_URI_NOT_SUPPORTED, mode);
    }

    // 3. Scopes, nonce, PKCE, prompt.
    let scopes = match requested_scopes(server, p, types.contains("id_token")) {
        Ok(s) => s,
        Err(e) => return reply.error(&e, mode),
    };
    let nonce = p.get("nonce");
    if wants_tokens && nonce.is_none() {
        return reply.error(&error::NONCE_REQUIRED, mode);
    }
    let challenge = if wants_code {
        match (p.get("code_challenge"), p.get("code_challenge_method")) {
            (Some(c), Some("S256")) if pkce::challenge_is_valid(c) => Some(c),
            (Some(_), Some("S256")) => return reply.error(&error::PKCE_ILLEGAL_CHALLENGE, mode),
            (Some(_), _) => return reply.error(&error::PKCE_METHOD, mode),
            (None, _) if app.pkce_required => {
                return reply.error(&error::PKCE_CHALLENGE_REQUIRED, mode);
            }
            (None, _) => None,
        }
    } else {
        None
    };
    let prompt = p.get("prompt").unwrap_or("");
    let prompt_none = prompt == "none";
    let prompt_login = match prompt {
        "" | "none" | "consent" => false,
        "login" | "login consent" | "consent login" => true,
        _ => return reply.error(&error::INVALID_PROMPT, mode),
    };
    let max_age = match p.get("max_age").map(str::parse::<u32>) {
        None => None,
        Some(Ok(v)) if v <= i32::MAX as u32 => Some(u64::from(v)),
        Some(_) => return reply.error(&error::INVALID_MAX_AGE, mode),
    };
    if max_age == Some(0) && prompt_none {
        return reply.error(&error::PROMPT_NONE_ZERO_MAX_AGE, mode);
    }

    // 4. Who is signing in: the session cookie first (Classic ignores the sessionToken then),
    //    else the one-time sessionToken.
    let now = st.clock.now();
    let now_secs = st.clock.epoch_secs();
    let from_cookie = sid_cookie(headers)
        .filter(|_| !prompt_login)
        .and_then(|sid| st.sessions.session(sid, now));
    let session: Option<Session> = match from_cookie {
        Some(s) => Some(s),
        None => p
            .get("sessionToken")
            .and_then(|t| st.sessions.redeem_token(t, now))
            .inspect(|s| {
                let sid = st.sessions.open(s.clone(), now, st.dir.session_lifetime);
                reply.cookies.push(format!("sid={sid}; Path=/; HttpOnly"));
            }),
    };
    let session = session.filter(|s| max_age.is_none_or(|age| s.auth_time + age >= now_secs));
    let Some((session, user)) =
        session.and_then(|s| st.dir.user(&s.user_key).map(|u| (s.clone(), u)))
    else {
        if prompt_none {
            return reply.error(&error::LOGIN_REQUIRED, mode);
        }
        let mut res = reply::html(StatusCode::OK, page::sign_in_page(&st.dir.org_name));
        set_cookies(&mut res, &reply.cookies);
        return res;
    };
    if !user.is_assigned(app) {
        return reply.error(&error::USER_NOT_ASSIGNED, mode);
    }

    // 5. The app's sign-on policy, the server's access policy, the user's consent.
    if let Err(e) = policy::sign_on(app, session.amr) {
        if prompt_none {
            return reply.error(&e, mode);
        }
        // Without prompt=none Okta asks for the missing factor on its sign-in page (3.4).
        let mut res = reply::html(StatusCode::OK, page::sign_in_page(&st.dir.org_name));
        set_cookies(&mut res, &reply.cookies);
        return res;
    }
    let grants: Vec<&str> = [
        wants_code.then_some("authorization_code"),
        wants_tokens.then_some("implicit"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Err(e) = policy::access(server, app, Some(user), &grants) {
        return reply.error(&e, mode);
    }
    // offline_access only means something with a code (Okta ignores it otherwise).
    let granted: Vec<String> = if wants_code {
        scopes
    } else {
        scopes
            .into_iter()
            .filter(|s| s != "offline_access")
            .collect()
    };
    // Okta would show its consent page without prompt=none; no one here can accept it, so the
    // fake answers as with prompt=none.
    if let Err(e) = policy::consent(server, app, &granted, error::consent_required) {
        return reply.error(&e, mode);
    }

    // 6. Issue.
    st.stats.sign_in(&user.username, &app.client_id, &server.id);
    let subject = Subject {
        user,
        auth_time: session.auth_time,
        amr: session.amr,
    };
    let code = wants_code.then(|| {
        st.grants.issue_code(
            CodeGrant {
                client_id: app.client_id.clone(),
                server: server.id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                challenge: challenge.map(str::to_owned),
                nonce: nonce.map(str::to_owned),
                scopes: granted.clone(),
                user_key: user.key.clone(),
                auth_time: session.auth_time,
                amr: session.amr,
            },
            now,
            server.lifetimes.code,
        )
    });
    let access = types.contains("token").then(|| {
        claims::access_token(
            st,
            server,
            &app.client_id,
            Some(subject),
            &granted,
            now_secs,
        )
    });
    let id_token = types.contains("id_token").then(|| {
        claims::id_token(
            st,
            &IdTokenFor {
                server,
                client_id: &app.client_id,
                subject,
                scopes: &granted,
                nonce,
                access_token: access.as_ref().map(|a| a.token.as_str()),
                code: code.as_deref(),
                now: now_secs,
            },
        )
    });
    deliver(
        &reply,
        server,
        code,
        id_token,
        access.map(|a| a.token),
        &granted,
    )
}

fn deliver(
    reply: &Reply<'_>,
    server: &ServerEntry,
    code: Option<String>,
    id_token: Option<String>,
    access_token: Option<String>,
    scopes: &[String],
) -> Response {
    let expires_in = server.lifetimes.access_token.as_secs().to_string();
    let scope = scopes.join(" ");
    let mut fields: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = &code {
        fields.push(("code", c));
    }
    if let Some(t) = &id_token {
        fields.push(("id_token", t));
    }
    if let Some(t) = &access_token {
        fields.extend([
            ("access_token", t.as_str()),
            ("token_type", "Bearer"),
            ("expires_in", &expires_in),
            ("scope", &scope),
        ]);
    }
    fields.push(("state", reply.state));
    reply.send(reply.mode, &fields)
}

/// The requested scopes, deduplicated in request order, checked against the server.
pub(crate) fn requested_scopes(
    server: &ServerEntry,
    p: &Params,
    id_token: bool,
) -> Result<Vec<String>, OAuthError> {
    let Some(raw) = p.get("scope") else {
        return Err(if server.is_org() {
            error::MISSING_SCOPES
        } else {
            error::NO_DEFAULT_SCOPES
        });
    };
    scopes::parse(server, raw, id_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_characters() {
        for ok in ["abc-DEF_1.2,3", "a;b+c*d:e~", "state-8600b31f-52d1"] {
            assert!(state_is_valid(ok), "{ok}");
        }
        for bad in ["a|b", "a b", "a<b", "a\"b", "é", "a\u{0}b", "a%b", "a#b"] {
            assert!(!state_is_valid(bad), "{bad}");
        }
    }
}
