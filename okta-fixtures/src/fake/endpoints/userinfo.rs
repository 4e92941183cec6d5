//! `GET|POST /oauth2[/{server}]/v1/userinfo` (section 7.1).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use okta_fixtures_config::FaultEndpoint;

use crate::fake::FakeState;
use crate::fake::claims;
use crate::fake::error::{self, FakeError};
use crate::fake::faults::{self, Scope};
use crate::fake::params::{self, Params};
use crate::fake::presented::{self, TokenRejection};
use crate::fake::reply;

/// `GET|POST …/v1/userinfo` with `Authorization: Bearer …` (or, on POST, an `access_token`
/// form field).
pub(crate) async fn userinfo(
    State(st): State<FakeState>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let form = if Params::from_query(uri.query()).is_ok_and(|q| q.has("access_token")) {
        Err(error::ACCESS_TOKEN_IN_QUERY)
    } else if method == Method::POST {
        params::form(&headers, body)
            .await
            .map_err(|_| error::INVALID_REQUEST)
    } else {
        Ok(Params::default())
    };
    let verified = form.and_then(|form| {
        let header_token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, t)| t.trim())
                    .unwrap_or("")
            });
        let token = match (header_token, form.get("access_token")) {
            (Some(_), Some(_)) => return Err(error::ACCESS_TOKEN_DUPLICATE),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => return Err(error::ACCESS_TOKEN_MISSING),
        };
        presented::access_token(&st, server, token).map_err(|r| match r {
            TokenRejection::Expired => error::TOKEN_EXPIRED,
            TokenRejection::Revoked => error::ACCESS_TOKEN_REVOKED,
            TokenRejection::Invalid => error::ACCESS_TOKEN_INVALID,
        })
    });
    // Scoped by the token's user and client, when the token checks out.
    let ok = verified.as_ref().ok();
    let user = ok
        .and_then(|v| v.str("uid"))
        .and_then(|uid| st.dir.user_by_id(uid))
        .map(|u| u.username.as_str());
    let scope = Scope {
        user,
        client_id: ok.and_then(|v| v.str("cid")),
    };
    if let Some(res) = faults::act(&st, FaultEndpoint::Userinfo, scope).await {
        return Ok(res);
    }
    let verified = verified.map_err(FakeError::Bearer)?;
    let Some(user) = verified.str("uid").and_then(|uid| st.dir.user_by_id(uid)) else {
        // A service (client_credentials) token speaks for no user.
        return Err(FakeError::Bearer(error::ACCESS_TOKEN_INVALID));
    };
    let scopes = verified.scopes();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(FakeError::Bearer(error::USERINFO_SCOPE));
    }
    let answer = claims::userinfo(server, user, &scopes);
    Ok(reply::json(StatusCode::OK, answer))
}
