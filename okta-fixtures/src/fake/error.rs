//! Okta's two error envelopes (section 0.3), its HTML error page and bearer challenges, with
//! the catalog texts the fake uses.
//!
//! Texts come from Okta's server-generated catalogs (`oauth2-error-codes.json`,
//! `error-codes.json` in okta-developer-docs), with `{0}` placeholders filled in.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::json::Obj;
use super::params::{FormError, ParamsError};
use super::{ids, page, reply};

/// An OAuth error: `error` + `error_description`, and the HTTP status Okta sends it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    pub(crate) description: Cow<'static, str>,
}

/// A query or form Okta would not read: a repeated name is its own error, the rest a
/// plain invalid request.
impl From<ParamsError> for OAuthError {
    fn from(e: ParamsError) -> Self {
        match e {
            ParamsError::Duplicate => DUPLICATE_PARAMS,
            ParamsError::TooMany | ParamsError::TooLong => INVALID_REQUEST,
        }
    }
}

impl From<FormError> for OAuthError {
    fn from(e: FormError) -> Self {
        match e {
            FormError::TooLarge => INVALID_REQUEST,
            FormError::Params(p) => p.into(),
        }
    }
}

const fn oauth(status: u16, error: &'static str, description: &'static str) -> OAuthError {
    let status = match StatusCode::from_u16(status) {
        Ok(s) => s,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    OAuthError {
        status,
        error,
        description: Cow::Borrowed(description),
    }
}

fn oauth_owned(status: StatusCode, error: &'static str, description: String) -> OAuthError {
    OAuthError {
        status,
        error,
        description: Cow::Owned(description),
    }
}

// Request shape.
pub(crate) const DUPLICATE_PARAMS: OAuthError = oauth(
    400,
    "invalid_request",
    "The request contained multiple parameters with the same name.",
);
pub(crate) const INVALID_REQUEST: OAuthError = oauth(400, "invalid_request", "Invalid request");

// /authorize, before the redirect URI is trusted (HTML page).
pub(crate) const INVALID_CLIENT_ID: OAuthError = oauth(
    401,
    "invalid_client",
    "Invalid value for 'client_id' parameter.",
);
pub(crate) const MISSING_REDIRECT_URI: OAuthError =
    oauth(400, "missing_redirect_uri", "redirect_uri is missing.");
pub(crate) const INVALID_STATE: OAuthError = oauth(
    400,
    "invalid_request",
    "The authentication request has an invalid 'state' parameter.",
);

pub(crate) fn illegal_redirect_uri(admin_url: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!(
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: {admin_url}"
        ),
    )
}

pub(crate) fn service_app_endpoint(endpoint: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!(
            "Clients with 'application_type' of 'service' are not allowed to access the '{endpoint}' endpoint."
        ),
    )
}

// /authorize, delivered to the redirect URI.
pub(crate) fn unsupported_response_type(configured: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "unsupported_response_type",
        format!(
            "The response type is not supported by the authorization server. Configured response types: {configured}."
        ),
    )
}
pub(crate) const UNSUPPORTED_RESPONSE_MODE: OAuthError = oauth(
    400,
    "unsupported_response_mode",
    "The response mode is not supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].",
);
pub(crate) const QUERY_WITH_TOKENS: OAuthError = oauth(
    400,
    "unsupported_response_mode",
    "'query' response mode cannot be used with either the 'id_token' or 'token' response types.",
);
pub(crate) const POST_MESSAGE_WITH_CODE: OAuthError = oauth(
    400,
    "unsupported_response_mode",
    "'okta_post_message' response mode cannot be used with the 'code' response type.",
);
pub(crate) const NONCE_REQUIRED: OAuthError = oauth(
    400,
    "invalid_request",
    "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types..",
);
pub(crate) const PKCE_ILLEGAL_CHALLENGE: OAuthError = oauth(
    400,
    "invalid_request",
    "PKCE code challenge contains illegal characters.",
);
pub(crate) const PKCE_METHOD: OAuthError = oauth(
    400,
    "invalid_request",
    "PKCE code challenge method is not supported. Valid values: [S256]",
);
pub(crate) const PKCE_CHALLENGE_REQUIRED: OAuthError = oauth(
    400,
    "invalid_request",
    "PKCE code challenge is required by the application.",
);
pub(crate) const INVALID_PROMPT: OAuthError = oauth(
    400,
    "invalid_request",
    "Invalid value for 'prompt' parameter. Supported values: [none, login, consent, login consent]",
);
pub(crate) const INVALID_MAX_AGE: OAuthError = oauth(
    400,
    "invalid_request",
    "Invalid value for 'max_age' parameter. It should be within range 0 - 2^31-1.",
);
pub(crate) const PROMPT_NONE_ZERO_MAX_AGE: OAuthError = oauth(
    400,
    "invalid_request",
    "'prompt' parameter must not have the value 'none' for request with 'zero' as max_age.",
);
pub(crate) const REQUEST_OBJECT_NOT_SUPPORTED: OAuthError = oauth(
    400,
    "request_not_supported",
    "The authorize request object is not supported by this client.",
);
pub(crate) const REQUEST_URI_NOT_SUPPORTED: OAuthError = oauth(
    400,
    "request_uri_not_supported",
    "The authorize request uri is not supported by this client.",
);
pub(crate) const LOGIN_REQUIRED: OAuthError = oauth(
    400,
    "login_required",
    "The client specified not to prompt, but the user is not logged in.",
);
pub(crate) const USER_NOT_ASSIGNED: OAuthError = oauth(
    400,
    "access_denied",
    "User is not assigned to the client application.",
);

// Scopes.
pub(crate) const INVALID_SCOPE: OAuthError = oauth(
    400,
    "invalid_scope",
    "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.",
);
pub(crate) const NO_MATCHING_SCOPE: OAuthError = oauth(
    400,
    "invalid_scope",
    "One or more scopes are not configured for the authorization server resource.",
);
pub(crate) const OPENID_REQUIRED: OAuthError = oauth(
    400,
    "invalid_scope",
    "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope.",
);
pub(crate) const OPENID_CLIENT_CREDENTIALS: OAuthError = oauth(
    400,
    "invalid_scope",
    "Cannot request 'openid' scopes using client credentials.",
);
pub(crate) const MISSING_SCOPES: OAuthError =
    oauth(400, "invalid_scope", "No scopes were requested.");
pub(crate) const NO_DEFAULT_SCOPES: OAuthError = oauth(
    400,
    "invalid_scope",
    "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
);
pub(crate) const BROWSER_OFFLINE_ACCESS: OAuthError = oauth(
    400,
    "invalid_scope",
    "Browser requests to the token endpoint may not include the offline_access scope.",
);

// Client authentication.
pub(crate) const NO_CLIENT_CREDENTIALS: OAuthError =
    oauth(401, "invalid_client", "No client credentials found.");
pub(crate) const INVALID_BASIC: OAuthError = oauth(
    401,
    "invalid_client",
    "Found Authentication header but was not valid client credentials.",
);
pub(crate) const CLIENT_AUTH_FAILED: OAuthError = oauth(
    401,
    "invalid_client",
    "Client authentication failed. Either the client or the client credentials are invalid.",
);
pub(crate) const INVALID_SECRET: OAuthError = oauth(
    401,
    "invalid_client",
    "The client secret supplied for a confidential client is invalid.",
);
pub(crate) const MULTIPLE_CREDENTIALS: OAuthError = oauth(
    401,
    "invalid_request",
    "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
);
pub(crate) const CREDENTIALS_IN_QUERY: OAuthError = oauth(
    400,
    "invalid_request",
    "Client credentials cannot be supplied via query parameters.",
);
pub(crate) const ORG_CLIENT_CREDENTIALS: OAuthError = oauth(
    401,
    "invalid_client",
    "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.",
);

// Browser (Origin) requests to /token.
pub(crate) const BROWSER_PKCE: OAuthError = oauth(
    401,
    "invalid_client",
    "Browser requests to the token endpoint must use Proof Key for Code Exchange.",
);
pub(crate) const BROWSER_GRANT: OAuthError = oauth(
    400,
    "unauthorized_client",
    "Browser requests to the token endpoint may only use the authorization_code grant_type.",
);
pub(crate) const BROWSER_ORIGIN: OAuthError = oauth(
    400,
    "invalid_request",
    "Browser requests to the token endpoint must be part of at least one whitelisted redirect_uri.",
);

// /token grants.
pub(crate) fn missing_grant_type(valid: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("The token request must specify a 'grant_type'. Valid values: {valid}"),
    )
}
pub(crate) fn unsupported_grant_type(configured: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
        format!(
            "The authorization grant type is not supported by the authorization server. Configured grant types: {configured}."
        ),
    )
}
pub(crate) fn unauthorized_client(configured: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        format!(
            "The client is not authorized to use the provided grant type. Configured grant types: {configured}."
        ),
    )
}
pub(crate) fn missing_parameter(name: &str) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("The required parameter '{name}' is missing."),
    )
}
pub(crate) const INVALID_CODE: OAuthError = oauth(
    400,
    "invalid_grant",
    "The authorization code is invalid or has expired.",
);
pub(crate) const MISMATCHED_CLIENT: OAuthError = oauth(
    400,
    "invalid_grant",
    "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.",
);
pub(crate) const MISMATCHED_REDIRECT_URI: OAuthError = oauth(
    400,
    "invalid_grant",
    "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
);
pub(crate) const MISMATCHED_SERVER: OAuthError = oauth(
    400,
    "invalid_request",
    "The grant was issued for another authorization server.",
);
pub(crate) const PKCE_FAILED: OAuthError = oauth(400, "invalid_grant", "PKCE verification failed.");
pub(crate) const PKCE_VERIFIER_LENGTH: OAuthError = oauth(
    400,
    "invalid_grant",
    "PKCE verification failed: The code_verifier must have a minimum length of 43 characters and a maximum length of 128 characters..",
);
pub(crate) const PKCE_NO_CHALLENGE: OAuthError = oauth(
    400,
    "invalid_request",
    "PKCE code challenge should be specified in the authorize request for code verification.",
);
pub(crate) const PKCE_VERIFIER_REQUIRED: OAuthError = oauth(
    400,
    "invalid_request",
    "PKCE code verifier is required by the application.",
);
pub(crate) const INVALID_REFRESH: OAuthError = oauth(
    400,
    "invalid_grant",
    "The refresh token is invalid or expired.",
);
pub(crate) fn refresh_scopes_denied(denied: &[&str]) -> OAuthError {
    oauth_owned(
        StatusCode::BAD_REQUEST,
        "access_denied",
        format!(
            "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [{}].",
            denied.join(", ")
        ),
    )
}
pub(crate) const INVALID_PASSWORD_CREDENTIALS: OAuthError = oauth(
    400,
    "invalid_grant",
    "The credentials provided were invalid.",
);
pub(crate) const PASSWORD_MFA: OAuthError = oauth(
    400,
    "invalid_grant",
    "Resource owner password credentials cannot be used with MFA enabled.",
);
pub(crate) const PASSWORD_EXPIRED: OAuthError =
    oauth(400, "invalid_grant", "Password has expired.");

// Rate limits and server trouble.
pub(crate) const USER_RATE_LIMITED: OAuthError = oauth(
    429,
    "invalid_grant",
    "API call exceeded rate limit due to too many requests.",
);
pub(crate) const ACCESS_DENIED: OAuthError = oauth(
    403,
    "access_denied",
    "The resource owner or authorization server denied the request.",
);
pub(crate) const SERVER_ERROR: OAuthError = oauth(
    500,
    "server_error",
    "The authorization server encountered an unexpected condition that prevented it from fulfilling the request.",
);
pub(crate) const TEMPORARILY_UNAVAILABLE: OAuthError = oauth(
    503,
    "temporarily_unavailable",
    "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.",
);

// /introspect, /revoke, /userinfo.
pub(crate) const TOKEN_REQUIRED: OAuthError =
    oauth(400, "invalid_request", "The 'token' parameter is required.");
pub(crate) const ACCESS_TOKEN_MISSING: OAuthError =
    oauth(401, "invalid_request", "The access token is missing.");
pub(crate) const ACCESS_TOKEN_IN_QUERY: OAuthError = oauth(
    400,
    "invalid_request",
    "The access token cannot be presented in a query string.",
);
pub(crate) const ACCESS_TOKEN_DUPLICATE: OAuthError = oauth(
    400,
    "invalid_request",
    "The access token cannot be specified in both the Authorization header and the request-body.",
);
pub(crate) const ACCESS_TOKEN_INVALID: OAuthError =
    oauth(401, "invalid_token", "The access token is invalid.");
pub(crate) const TOKEN_EXPIRED: OAuthError = oauth(401, "invalid_token", "The token has expired.");
pub(crate) const ACCESS_TOKEN_REVOKED: OAuthError =
    oauth(401, "invalid_token", "The access token has been revoked.");
pub(crate) const USERINFO_SCOPE: OAuthError = oauth(
    403,
    "insufficient_scope",
    "The access token must provide access to at least one of these scopes - profile, email, address or phone",
);

/// Everything a fake endpoint answers other than success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FakeError {
    /// The Okta API envelope: `errorCode`, `errorSummary`, `errorLink`, `errorId`,
    /// `errorCauses`.
    Api {
        status: StatusCode,
        code: &'static str,
        summary: Cow<'static, str>,
        causes: Vec<String>,
    },
    /// `{"error","error_description"}` JSON.
    OAuth(OAuthError),
    /// Okta's HTML error page (bad `client_id`, unregistered `redirect_uri`, bad `state`).
    Page(OAuthError),
    /// A protected resource's refusal: `WWW-Authenticate: Bearer error=…`, empty body.
    Bearer(OAuthError),
}

impl From<OAuthError> for FakeError {
    fn from(e: OAuthError) -> Self {
        FakeError::OAuth(e)
    }
}

impl FakeError {
    fn api(status: StatusCode, code: &'static str, summary: impl Into<Cow<'static, str>>) -> Self {
        FakeError::Api {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// 401 `E0000004`: wrong password, unknown user, hidden lockout, federated user.
    pub(crate) fn authn_failed() -> Self {
        Self::api(
            StatusCode::UNAUTHORIZED,
            "E0000004",
            "Authentication failed",
        )
    }

    /// 400 `E0000003`: the body is not the JSON the endpoint reads.
    pub(crate) fn malformed_body() -> Self {
        Self::api(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        )
    }

    /// 400 `E0000003` with the parser's reason as the cause.
    pub(crate) fn malformed_body_because(why: String) -> Self {
        FakeError::Api {
            status: StatusCode::BAD_REQUEST,
            code: "E0000003",
            summary: Cow::Borrowed("The request body was not well-formed."),
            causes: vec![why],
        }
    }

    /// 400 `E0000001` for a field whose value cannot be used.
    pub(crate) fn invalid_field(field: &'static str, why: &str) -> Self {
        FakeError::Api {
            status: StatusCode::BAD_REQUEST,
            code: "E0000001",
            summary: Cow::Owned(format!("Api validation failed: {field}")),
            causes: vec![format!("{field}: {why}")],
        }
    }

    /// 404 `E0000007`: `Not found: {what}`.
    pub(crate) fn not_found(what: &str) -> Self {
        Self::api(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: {what}"),
        )
    }

    /// 400 `E0000001` for a missing required field.
    pub(crate) fn validation(field: &'static str) -> Self {
        FakeError::Api {
            status: StatusCode::BAD_REQUEST,
            code: "E0000001",
            summary: Cow::Owned(format!("Api validation failed: {field}")),
            causes: vec![format!("{field}: The field cannot be left blank")],
        }
    }

    /// 401 `E0000011`: unknown or expired stateToken.
    pub(crate) fn invalid_state_token() -> Self {
        Self::api(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// 429 `E0000047`: a rate limit (the caller adds the `X-Rate-Limit-*` headers).
    pub(crate) fn rate_limited() -> Self {
        Self::api(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// The catalog's envelope for an HTTP error status (an injected fault): `E0000004` for a
    /// 401 on `/api/v1/authn`, `E0000011` elsewhere, `E0000006` 403, `E0000008` 404,
    /// `E0000022` 405, `E0000010` 503, `E0000009` other 5xx, `E0000001` other 4xx.
    pub(crate) fn for_status(status: StatusCode, authn: bool) -> Self {
        match status.as_u16() {
            401 if authn => Self::authn_failed(),
            401 => Self::invalid_state_token(),
            403 => Self::api(
                status,
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            404 => Self::api(status, "E0000008", "The requested path was not found"),
            405 => Self::method_not_allowed(),
            429 => Self::rate_limited(),
            503 => Self::api(status, "E0000010", "Service is in read only mode"),
            s if s >= 500 => Self::api(status, "E0000009", "Internal Server Error"),
            _ => Self::api(status, "E0000001", "Api validation failed: request"),
        }
    }

    /// 403 `E0000079`: e.g. skip when no skip link was published.
    pub(crate) fn not_allowed_in_state() -> Self {
        const SUMMARY: &str = "This operation is not allowed in the current authentication state.";
        FakeError::Api {
            status: StatusCode::FORBIDDEN,
            code: "E0000079",
            summary: Cow::Borrowed(SUMMARY),
            causes: vec![SUMMARY.to_owned()],
        }
    }

    /// 404 `E0000007` for an authorization server the org does not have.
    pub(crate) fn server_not_found(id: &str) -> Self {
        Self::api(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} (AuthorizationServer)"),
        )
    }

    /// 404 `E0000008` for a path Okta does not serve.
    pub(crate) fn path_not_found() -> Self {
        Self::api(
            StatusCode::NOT_FOUND,
            "E0000008",
            "The requested path was not found",
        )
    }

    /// 405 `E0000022`.
    pub(crate) fn method_not_allowed() -> Self {
        Self::api(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }
}

impl IntoResponse for FakeError {
    fn into_response(self) -> Response {
        match self {
            FakeError::Api {
                status,
                code,
                summary,
                causes,
            } => {
                let causes = causes
                    .iter()
                    .map(|c| Obj::new().str("errorSummary", c))
                    .collect();
                let body = Obj::new()
                    .str("errorCode", code)
                    .str("errorSummary", &summary)
                    .str("errorLink", code)
                    .str("errorId", &ids::error_id())
                    .objs("errorCauses", causes)
                    .finish();
                reply::json(status, body)
            }
            FakeError::OAuth(e) => {
                let body = Obj::new()
                    .str("error", e.error)
                    .str("error_description", &e.description)
                    .finish();
                reply::json(e.status, body)
            }
            FakeError::Page(e) => {
                // Okta shows the page with 400 whatever the catalog status (section 3.3).
                reply::html(
                    StatusCode::BAD_REQUEST,
                    page::error_page(e.error, &e.description),
                )
            }
            FakeError::Bearer(e) => {
                let mut res = reply::empty(e.status);
                let challenge = format!(
                    "Bearer error=\"{}\", error_description=\"{}\"",
                    e.error,
                    e.description.replace('"', "'")
                );
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                res
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(res: Response) -> (StatusCode, String) {
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn api_envelope_shape() {
        let res = FakeError::not_allowed_in_state().into_response();
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/json;charset=UTF-8"
        );
        let (status, text) = body(res).await;
        assert_eq!(status, 403);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["errorCode"], "E0000079");
        assert_eq!(v["errorLink"], "E0000079");
        assert_eq!(
            v["errorCauses"][0]["errorSummary"],
            "This operation is not allowed in the current authentication state."
        );
        let id = v["errorId"].as_str().unwrap();
        assert!(id.starts_with("oae") && id.len() == 25);
        assert!(text.starts_with(r#"{"errorCode":"E0000079","errorSummary""#));
    }

    #[tokio::test]
    async fn oauth_and_bearer_shapes() {
        let (status, text) = body(FakeError::from(INVALID_CODE).into_response()).await;
        assert_eq!(status, 400);
        assert_eq!(
            text,
            r#"{"error":"invalid_grant","error_description":"The authorization code is invalid or has expired."}"#
        );
        let res = FakeError::Bearer(ACCESS_TOKEN_INVALID).into_response();
        assert_eq!(res.status(), 401);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token", error_description="The access token is invalid.""#
        );
        assert_eq!(body(res).await.1, "");
    }

    #[test]
    fn catalog_texts_keep_okta_quirks() {
        assert!(NONCE_REQUIRED.description.ends_with("types.."));
        assert!(PKCE_VERIFIER_LENGTH.description.ends_with("characters.."));
        assert_eq!(
            unauthorized_client("[client_credentials]").description,
            "The client is not authorized to use the provided grant type. Configured grant types: [client_credentials]."
        );
        assert_eq!(INVALID_CLIENT_ID.status, 401);
    }
}
