//! Who is calling: the bearer token of the `Authorization` header, verified, as an axum
//! extractor; and the RFC 6750 answers when it is missing, bad or not enough.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Api, Invalid};

/// The `realm` of every challenge.
const REALM: &str = "orders-api";

/// The verified caller of a request: a user (through an app) or a service app.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    subject: String,
    scopes: Vec<String>,
    groups: Vec<String>,
}

impl Caller {
    /// The caller of verified access-token `claims`: Okta's `sub` (the username, or a service
    /// app's client id), `scp` (an array) and, when the server adds it, `groups`.
    pub(crate) fn from_claims(claims: &Value) -> Result<Caller, Invalid> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(Invalid::MissingClaim("sub"))?;
        Ok(Caller {
            subject: subject.to_owned(),
            scopes: strings(claims.get("scp")),
            groups: strings(claims.get("groups")),
        })
    }

    /// `sub`.
    pub(crate) fn subject(&self) -> &str {
        &self.subject
    }

    /// Fails with 403 `insufficient_scope` unless the token was granted `scope`.
    pub(crate) fn require_scope(&self, scope: &'static str) -> Result<(), Rejection> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(Rejection::MissingScope(scope))
        }
    }

    /// Fails with 403 `insufficient_scope` unless the token's `groups` holds `group`.
    pub(crate) fn require_group(&self, group: &'static str) -> Result<(), Rejection> {
        if self.groups.iter().any(|g| g == group) {
            Ok(())
        } else {
            Err(Rejection::MissingGroup(group))
        }
    }
}

/// An array of strings, or a space-separated string (the `scope` form of RFC 9068).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

impl FromRequestParts<Api> for Caller {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, api: &Api) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(Rejection::NoToken)?;
        let claims = api.verifier().verify(token).await?;
        Ok(Caller::from_claims(&claims)?)
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why a request was refused.
#[derive(Debug)]
pub(crate) enum Rejection {
    /// No bearer token: 401 with a bare challenge, as RFC 6750 asks.
    NoToken,
    /// A token this API does not accept: 401 `invalid_token` (503 when the keys to check it
    /// could not be fetched).
    Invalid(Invalid),
    /// A good token without the scope the route needs: 403 `insufficient_scope`.
    MissingScope(&'static str),
    /// A good token whose `groups` lacks the group the route needs: 403 `insufficient_scope`.
    MissingGroup(&'static str),
}

impl From<Invalid> for Rejection {
    fn from(invalid: Invalid) -> Self {
        Rejection::Invalid(invalid)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, error, description, scope) = match &self {
            Rejection::NoToken => (
                StatusCode::UNAUTHORIZED,
                None,
                "this route needs a bearer token".to_owned(),
                None,
            ),
            Rejection::Invalid(Invalid::KeysUnavailable) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Some("temporarily_unavailable"),
                Invalid::KeysUnavailable.to_string(),
                None,
            ),
            Rejection::Invalid(invalid) => (
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                invalid.to_string(),
                None,
            ),
            Rejection::MissingScope(scope) => (
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                format!("this route needs the scope {scope}"),
                Some(*scope),
            ),
            Rejection::MissingGroup(group) => (
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                format!("this route needs membership of the group {group}"),
                None,
            ),
        };
        let body = Json(json!({
            "error": error.unwrap_or("unauthorized"),
            "error_description": description,
        }));
        let mut response = (status, body).into_response();
        if status != StatusCode::SERVICE_UNAVAILABLE {
            let mut challenge = format!("Bearer realm=\"{REALM}\"");
            if let Some(error) = error {
                challenge.push_str(&format!(
                    ", error=\"{error}\", error_description=\"{description}\""
                ));
            }
            if let Some(scope) = scope {
                challenge.push_str(&format!(", scope=\"{scope}\""));
            }
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}
