//! `POST /oauth2[/{server}]/v1/revoke` (section 7.3).

use axum::http::StatusCode;
use axum::response::Response;

use crate::fake::FakeState;
use crate::fake::directory::{AppEntry, ServerEntry};
use crate::fake::error::OAuthError;
use crate::fake::params::Params;
use crate::fake::presented;
use crate::fake::reply;

/// `POST …/v1/revoke`: 200 with an empty body whether or not the token was known, so nothing
/// leaks; a client revokes only its own tokens.
pub(crate) fn revoke(
    st: &FakeState,
    server: &ServerEntry,
    _: &Params,
    app: &AppEntry,
    token: &str,
) -> Result<Response, OAuthError> {
    if !st.grants.revoke_refresh(token, &app.client_id, &server.id)
        && let Ok(v) = presented::access_token(st, server, token)
        && v.str("cid") == Some(app.client_id.as_str())
        && let Some(jti) = v.str("jti")
    {
        let exp = std::time::UNIX_EPOCH + std::time::Duration::from_secs(v.num("exp").unwrap_or(0));
        st.grants.revoke_access(jti, st.clock.now(), exp);
    }
    Ok(reply::empty(StatusCode::OK))
}
