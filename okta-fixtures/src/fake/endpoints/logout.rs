//! `GET /oauth2[/{server}]/v1/logout`: OpenID Connect RP-initiated logout, the
//! `end_session_endpoint` of every server's discovery document.
//!
//! As Okta's logout endpoint (developer.okta.com/docs/reference/api/oidc/#logout and the
//! sign-out guide, developer.okta.com/docs/guides/sign-users-out/): `id_token_hint` is required
//! and must be an ID token this server issued; `post_logout_redirect_uri`, when given, must be
//! one of the app's sign-out redirect URIs (`fake.apps.<app>.post_logout_redirect_uris`) and
//! gets `state` back; without it the browser goes to the org's sign-in page. The session of the
//! `sid` cookie, if any, ends. Refusals are Okta's 400 error page. That an expired hint is
//! refused is inferred (the stricter reading).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::fake::FakeState;
use crate::fake::error::{self, FakeError};
use crate::fake::params::Params;
use crate::fake::presented;
use crate::fake::reply;
use crate::fake::sessions::sid_cookie;

/// `GET …/v1/logout?id_token_hint=…[&post_logout_redirect_uri=…][&state=…]`
pub(crate) async fn logout(
    State(st): State<FakeState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let p = Params::from_query(uri.query()).map_err(|e| FakeError::Page(e.into()))?;
    let hint = p
        .get("id_token_hint")
        .ok_or(FakeError::Page(error::LOGOUT_HINT_MISSING))?;
    let claims = presented::id_token(&st, server, hint)
        .ok_or(FakeError::Page(error::LOGOUT_HINT_INVALID))?;
    let app = claims
        .str("aud")
        .and_then(|client_id| st.dir.app(client_id))
        .ok_or(FakeError::Page(error::LOGOUT_HINT_INVALID))?;
    let target = match p.get("post_logout_redirect_uri") {
        Some(uri) if app.post_logout_redirect_uris.iter().any(|u| u == uri) => {
            match p.get("state") {
                Some(state) => {
                    let sep = if uri.contains('?') { '&' } else { '?' };
                    let query = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", state)
                        .finish();
                    format!("{uri}{sep}{query}")
                }
                None => uri.to_owned(),
            }
        }
        Some(_) => return Err(FakeError::Page(error::LOGOUT_REDIRECT_NOT_REGISTERED)),
        None => format!("{}/", st.dir.org_url),
    };
    if let Some(sid) = sid_cookie(&headers) {
        st.sessions.close(sid, st.clock.now());
    }
    let mut res = reply::empty(StatusCode::FOUND);
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&target) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("sid=\"\"; Expires=Thu, 01-Jan-1970 00:00:10 GMT; Path=/"),
    );
    Ok(res.into_response())
}
