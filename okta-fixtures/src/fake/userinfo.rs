//! `GET|POST /oauth2[/{server}]/v1/userinfo` (section 7.1).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::FakeState;
use super::claims;
use super::error::{self, FakeError, OAuthError};
use super::params::{self, Params};
use super::presented::{self, Refused};
use super::reply;

/// `GET|POST …/v1/userinfo` with `Authorization: Bearer …` (or, on POST, an `access_token`
/// form field).
pub(crate) async fn userinfo(
    State(st): State<FakeState>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let server = match st.server_at(uri.path()) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let bearer = |e: OAuthError| FakeError::Bearer(e).into_response();
    if Params::from_query(uri.query()).is_ok_and(|q| q.has("access_token")) {
        return bearer(error::ACCESS_TOKEN_IN_QUERY);
    }
    let form = if method == Method::POST {
        match params::form(&headers, body).await {
            Ok(f) => f,
            Err(_) => return bearer(error::INVALID_REQUEST),
        }
    } else {
        Params::default()
    };
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
        (Some(_), Some(_)) => return bearer(error::ACCESS_TOKEN_DUPLICATE),
        (Some(t), None) => t,
        (None, Some(t)) => t,
        (None, None) => return bearer(error::ACCESS_TOKEN_MISSING),
    };
    let verified = match presented::access_token(&st, server, token) {
        Ok(v) => v,
        Err(Refused::Expired) => return bearer(error::TOKEN_EXPIRED),
        Err(Refused::Revoked) => return bearer(error::ACCESS_TOKEN_REVOKED),
        Err(Refused::Invalid) => return bearer(error::ACCESS_TOKEN_INVALID),
    };
    let Some(user) = verified.str("uid").and_then(|uid| st.dir.user_by_id(uid)) else {
        // A service (client_credentials) token speaks for no user.
        return bearer(error::ACCESS_TOKEN_INVALID);
    };
    let scopes = verified.scopes();
    if !scopes.iter().any(|s| s == "openid") {
        return bearer(error::USERINFO_SCOPE);
    }
    reply::json(StatusCode::OK, claims::userinfo(server, user, &scopes))
}
