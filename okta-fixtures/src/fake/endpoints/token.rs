//! `POST /oauth2[/{server}]/v1/token`: step 3 of the browserless sign-in, and the other
//! grants Okta offers (section 4).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::{AuthnStatus, FaultEndpoint, OIDC_SCOPES, Rotation};

use crate::fake::FakeState;
use crate::fake::claims::{self, IdTokenFor, Minted, Subject};
use crate::fake::client_auth;
use crate::fake::directory::{AppEntry, ServerEntry};
use crate::fake::error::{self, FakeError, OAuthError};
use crate::fake::faults::{self, Scope};
use crate::fake::grants::RefreshGrant;
use crate::fake::json::Obj;
use crate::fake::params::{self, Params};
use crate::fake::pkce;
use crate::fake::policy;
use crate::fake::reply;
use crate::fake::scopes;
use crate::fake::sessions::PASSWORD_AMR;
use crate::fake::user_limit::{Bucket, PER_USER_LIMIT};

/// Grant types the fake's servers know, as Okta lists them.
const ORG_GRANTS: &str = "[authorization_code, implicit, refresh_token, password]";
const CUSTOM_GRANTS: &str =
    "[authorization_code, implicit, refresh_token, password, client_credentials]";

/// `POST …/v1/token`
pub(crate) async fn token(
    State(st): State<FakeState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let form = params::form(&headers, body).await;
    if let Some(res) = fault(&st, &headers, form.as_ref().ok()).await {
        return Ok(res);
    }
    let result = async {
        let query = Params::from_query(uri.query())?;
        if ["client_id", "client_secret", "client_assertion"]
            .iter()
            .any(|k| query.has(k))
        {
            return Err(error::CREDENTIALS_IN_QUERY);
        }
        let form = form?;
        let app = client_auth::authenticate(&st.dir, &headers, &form, None)?;
        grant(&st, server, app, &form, origin.as_deref())
    }
    .await;
    let mut res = match result {
        Ok(res) => res,
        Err(e) => FakeError::OAuth(e).into_response(),
    };
    if let Some(origin) = origin.as_deref().filter(|o| trusted_origin(&st, o)) {
        allow_origin(&mut res, origin);
    }
    Ok(res)
}

/// The fault, if any, for a token request: scoped by the client id it names (Basic header or
/// body) and by the user of its code, refresh token or password grant.
async fn fault(st: &FakeState, headers: &HeaderMap, form: Option<&Params>) -> Option<Response> {
    if st.faults.is_empty() {
        return None;
    }
    let basic_id = client_auth::basic_client_id(headers);
    let client_id = basic_id.or_else(|| form.and_then(|f| f.get("client_id")).map(str::to_owned));
    let user = form.and_then(|f| grant_user(st, f));
    let scope = Scope {
        user: user.as_deref(),
        client_id: client_id.as_deref(),
    };
    faults::act(st, FaultEndpoint::Token, scope).await
}

/// The username a token request is for, if it names one: the user of a live code or refresh
/// token, or the password grant's `username`.
fn grant_user(st: &FakeState, form: &Params) -> Option<String> {
    let now = st.clock.now();
    let key = match form.get("grant_type")? {
        "authorization_code" => st.grants.peek_code(form.get("code")?, now)?,
        "refresh_token" => {
            st.grants
                .peek_refresh(form.get("refresh_token")?, now)?
                .0
                .user_key
        }
        "password" => return form.get("username").map(str::to_owned),
        _ => return None,
    };
    st.dir.user(&key).map(|u| u.username.clone())
}

/// `OPTIONS …/v1/token`: a browser's CORS preflight.
pub(crate) async fn preflight(State(st): State<FakeState>, headers: HeaderMap) -> Response {
    let mut res = reply::empty(StatusCode::NO_CONTENT);
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| trusted_origin(&st, o))
    {
        allow_origin(&mut res, origin);
        let h = res.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "Accept, Authorization, Content-Type, X-Okta-User-Agent-Extended",
            ),
        );
    }
    res
}

/// Whether `origin` is the origin of some app's redirect URI (the fake's Trusted Origins).
fn trusted_origin(st: &FakeState, origin: &str) -> bool {
    st.dir
        .apps()
        .iter()
        .any(|a| a.origins().any(|o| o == origin))
}

fn allow_origin(res: &mut Response, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn grant(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    form: &Params,
    origin: Option<&str>,
) -> Result<Response, OAuthError> {
    let browser = origin.is_some();
    if let Some(origin) = origin
        && !app.origins().any(|o| o == origin)
    {
        return Err(error::BROWSER_ORIGIN);
    }
    let known = if server.is_org() {
        ORG_GRANTS
    } else {
        CUSTOM_GRANTS
    };
    let Some(grant_type) = form.get("grant_type") else {
        return Err(error::missing_grant_type(
            "[authorization_code, password, refresh_token, client_credentials]",
        ));
    };
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "password" | "client_credentials"
    ) {
        return Err(error::unsupported_grant_type(known));
    }
    // SPAs with rotating refresh tokens refresh from the browser; nothing else may.
    let browser_ok = grant_type == "authorization_code"
        || (grant_type == "refresh_token" && app.rotation == Rotation::Rotate);
    if browser && !browser_ok {
        return Err(error::BROWSER_GRANT);
    }
    if grant_type == "client_credentials" && server.is_org() {
        return Err(error::ORG_CLIENT_CREDENTIALS);
    }
    if !app.allows_grant(grant_type) {
        return Err(error::unauthorized_client(&app.grant_list()));
    }
    // Okta's per-user limit covers the grants that name a user at /token.
    if matches!(grant_type, "password" | "refresh_token")
        && let Some(user) = grant_user(st, form)
        && let Err(reset) = st.user_limit.admit(Bucket::Token, &user, st.clock.now())
    {
        return Ok(faults::too_many_requests(
            FaultEndpoint::Token,
            PER_USER_LIMIT,
            reset,
        ));
    }
    match grant_type {
        "authorization_code" => authorization_code(st, server, app, form, browser),
        "refresh_token" => refresh_token(st, server, app, form),
        "password" => password(st, server, app, form),
        _ => client_credentials(st, server, app, form),
    }
}

fn authorization_code(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    form: &Params,
    browser: bool,
) -> Result<Response, OAuthError> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?;
    // The code is spent whatever the outcome below: a code works once.
    let grant = st
        .grants
        .redeem_code(code, st.clock.now())
        .ok_or(error::INVALID_CODE)?;
    if grant.server != server.id {
        return Err(error::MISMATCHED_SERVER);
    }
    if grant.client_id != app.client_id {
        return Err(error::MISMATCHED_CLIENT);
    }
    if grant.redirect_uri != redirect_uri {
        return Err(error::MISMATCHED_REDIRECT_URI);
    }
    pkce::verify(grant.challenge.as_deref(), form.get("code_verifier"))?;
    if browser && grant.challenge.is_none() {
        return Err(error::BROWSER_PKCE);
    }
    if browser
        && app.rotation == Rotation::Static
        && grant.scopes.iter().any(|s| s == "offline_access")
    {
        return Err(error::BROWSER_OFFLINE_ACCESS);
    }
    let user = st.dir.user(&grant.user_key).ok_or(error::INVALID_CODE)?;
    let subject = Subject {
        user,
        auth_time: grant.auth_time,
        amr: grant.amr,
    };
    let refresh = new_refresh(st, server, app, subject, &grant.scopes);
    Ok(user_tokens(
        st,
        server,
        app,
        subject,
        grant.scopes,
        grant.nonce.as_deref(),
        refresh,
    ))
}

/// A new refresh family and token when `offline_access` was granted and the app may refresh.
fn new_refresh(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    subject: Subject<'_>,
    scopes: &[String],
) -> Option<(String, u64)> {
    if !scopes.iter().any(|s| s == "offline_access") || !app.allows_grant("refresh_token") {
        return None;
    }
    let now = st.clock.now();
    let family = st.grants.new_family();
    let token = st.grants.issue_refresh(
        RefreshGrant {
            client_id: app.client_id.clone(),
            server: server.id.clone(),
            user_key: subject.user.key.clone(),
            scopes: scopes.to_vec(),
            auth_time: subject.auth_time,
            amr: subject.amr,
            family,
        },
        now,
        now + server.lifetimes.refresh_token,
    );
    Some((token, family))
}

fn refresh_token(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    form: &Params,
) -> Result<Response, OAuthError> {
    let token = required(form, "refresh_token")?;
    let now = st.clock.now();
    let (original, _) = st
        .grants
        .peek_refresh(token, now)
        .filter(|(g, _)| g.client_id == app.client_id && g.server == server.id)
        .ok_or(error::INVALID_REFRESH)?;
    // Narrowing is allowed, widening is not; checked before the token rotates.
    let scopes = match form.get("scope") {
        None => original.scopes.clone(),
        Some(raw) => {
            let requested: Vec<String> = raw
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let denied: Vec<&str> = requested
                .iter()
                .filter(|s| !original.scopes.contains(s))
                .map(String::as_str)
                .collect();
            if !denied.is_empty() {
                return Err(error::refresh_scopes_denied(&denied.join(", ")));
            }
            if requested.is_empty() {
                original.scopes.clone()
            } else {
                requested
            }
        }
    };
    let (grant, next) = st
        .grants
        .use_refresh(
            token,
            &app.client_id,
            &server.id,
            app.rotation,
            app.rotation_grace,
            now,
        )
        .map_err(|_| error::INVALID_REFRESH)?;
    let user = st.dir.user(&grant.user_key).ok_or(error::INVALID_REFRESH)?;
    let subject = Subject {
        user,
        auth_time: grant.auth_time,
        amr: grant.amr,
    };
    Ok(user_tokens(
        st,
        server,
        app,
        subject,
        scopes,
        None,
        Some((next, grant.family)),
    ))
}

fn password(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    form: &Params,
) -> Result<Response, OAuthError> {
    let username = required(form, "username")?;
    let password = required(form, "password")?;
    let scopes = scopes::parse(
        server,
        form.get("scope").ok_or(error::MISSING_SCOPES)?,
        false,
    )?;
    let user = st
        .dir
        .user_by_login(username)
        .ok_or(error::INVALID_PASSWORD_CREDENTIALS)?;
    if matches!(
        user.status,
        AuthnStatus::Federated | AuthnStatus::LockedOut | AuthnStatus::LockedOutHidden
    ) || user.password.expose() != password
    {
        return Err(error::INVALID_PASSWORD_CREDENTIALS);
    }
    // A user with enrolled factors is asked for one at sign-in (`fake.users.<user>.mfa`), which
    // the password grant cannot answer.
    if !user.mfa.is_empty() {
        return Err(error::PASSWORD_MFA);
    }
    match user.status {
        AuthnStatus::MfaRequired | AuthnStatus::MfaEnroll => return Err(error::PASSWORD_MFA),
        AuthnStatus::PasswordExpired | AuthnStatus::PasswordReset => {
            return Err(error::PASSWORD_EXPIRED);
        }
        _ => {}
    }
    if !user.is_assigned(app) {
        return Err(error::USER_NOT_ASSIGNED);
    }
    // A password grant proves a password alone: an app asking for a second factor refuses
    // it as it refuses a user with MFA (catalog `password_auth_denied_mfa`).
    policy::sign_on(app, PASSWORD_AMR).map_err(|_| error::PASSWORD_MFA)?;
    policy::access(server, app, Some(user), &["password"])?;
    policy::consent(server, app, &scopes, error::consent_required_password)?;
    st.stats.sign_in(&user.username, &app.client_id, &server.id);
    let subject = Subject {
        user,
        auth_time: st.clock.epoch_secs(),
        amr: PASSWORD_AMR,
    };
    let refresh = new_refresh(st, server, app, subject, &scopes);
    Ok(user_tokens(st, server, app, subject, scopes, None, refresh))
}

fn client_credentials(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    form: &Params,
) -> Result<Response, OAuthError> {
    if app.secret.is_none() {
        return Err(error::CLIENT_AUTH_FAILED);
    }
    let raw = form.get("scope").ok_or(error::NO_DEFAULT_SCOPES)?;
    let mut scopes: Vec<String> = Vec::new();
    for s in raw.split(' ').filter(|s| !s.is_empty()) {
        if OIDC_SCOPES.contains(&s) {
            return Err(error::OPENID_CLIENT_CREDENTIALS);
        }
        if !server.scopes.contains(s) {
            return Err(error::NO_MATCHING_SCOPE);
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(error::NO_DEFAULT_SCOPES);
    }
    policy::access(server, app, None, &["client_credentials"])?;
    let access = claims::access_token(
        st,
        server,
        &app.client_id,
        None,
        &scopes,
        st.clock.epoch_secs(),
    );
    Ok(token_response(server, &access, &scopes, None, None))
}

/// The tokens of a user grant: access token always, refresh token with a family, ID token
/// with `openid`.
fn user_tokens(
    st: &FakeState,
    server: &ServerEntry,
    app: &AppEntry,
    subject: Subject<'_>,
    scopes: Vec<String>,
    nonce: Option<&str>,
    refresh: Option<(String, u64)>,
) -> Response {
    let now = st.clock.now();
    let now_secs = st.clock.epoch_secs();
    let access = claims::access_token(st, server, &app.client_id, Some(subject), &scopes, now_secs);
    if let Some((_, family)) = &refresh {
        let until = now + server.lifetimes.access_token;
        st.grants.link_access(&access.jti, *family, now, until);
    }
    let id_token = scopes.iter().any(|s| s == "openid").then(|| {
        claims::id_token(
            st,
            &IdTokenFor {
                server,
                client_id: &app.client_id,
                subject,
                scopes: &scopes,
                nonce,
                access_token: Some(&access.token),
                code: None,
                now: now_secs,
            },
        )
    });
    token_response(
        server,
        &access,
        &scopes,
        refresh.as_ref().map(|(t, _)| t.as_str()),
        id_token.as_deref(),
    )
}

/// Okta's key order: `token_type, expires_in, access_token, scope, refresh_token, id_token`.
fn token_response(
    server: &ServerEntry,
    access: &Minted,
    scopes: &[String],
    refresh_token: Option<&str>,
    id_token: Option<&str>,
) -> Response {
    let body = Obj::new()
        .str("token_type", "Bearer")
        .num("expires_in", server.lifetimes.access_token.as_secs())
        .str("access_token", &access.token)
        .str("scope", &scopes.join(" "))
        .opt_str("refresh_token", refresh_token)
        .opt_str("id_token", id_token)
        .finish();
    reply::json(StatusCode::OK, body)
}

/// A form field the grant cannot do without, or Okta's error naming it.
fn required<'f>(form: &'f Params, name: &str) -> Result<&'f str, OAuthError> {
    form.get(name).ok_or_else(|| error::missing_parameter(name))
}
