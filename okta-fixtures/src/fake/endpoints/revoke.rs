//! `POST /oauth2[/{server}]/v1/revoke` (section 7.3).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::FaultEndpoint;

use crate::fake::FakeState;
use crate::fake::client_auth;
use crate::fake::error::{self, FakeError, OAuthError};
use crate::fake::presented;
use crate::fake::reply;

/// `POST …/v1/revoke`: 200 with an empty body whether or not the token was known, so nothing
/// leaks; a client revokes only its own tokens.
pub(crate) async fn revoke(
    State(st): State<FakeState>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, Response> {
    let (server, authed) =
        client_auth::client_request(&st, FaultEndpoint::Revoke, &headers, &uri, body).await?;
    let result = async {
        let (form, app) = authed?;
        let token = form.get("token").ok_or(error::TOKEN_REQUIRED)?;
        if !st.grants.revoke_refresh(token, &app.client_id, &server.id)
            && let Ok(v) = presented::access_token(&st, server, token)
            && v.str("cid") == Some(app.client_id.as_str())
            && let Some(jti) = v.str("jti")
        {
            let exp =
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(v.num("exp").unwrap_or(0));
            st.grants.revoke_access(jti, st.clock.now(), exp);
        }
        Ok(reply::empty(StatusCode::OK))
    }
    .await;
    Ok(result.unwrap_or_else(|e: OAuthError| FakeError::OAuth(e).into_response()))
}
