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

/// The catalog, one entry a line (`NAME = status "error" "error_description";`), so the texts
/// read as the table they are copied from.
macro_rules! catalog {
    ($($name:ident = $status:literal $error:literal $description:literal;)*) => {
        $(pub(crate) const $name: OAuthError = oauth($status, $error, $description);)*
    };
}

catalog! {
    // Request shape.
    DUPLICATE_PARAMS = 400 "invalid_request" "The request contained multiple parameters with the same name.";
    INVALID_REQUEST = 400 "invalid_request" "Invalid request";
    // /authorize, before the redirect URI is trusted (HTML page).
    INVALID_CLIENT_ID = 401 "invalid_client" "Invalid value for 'client_id' parameter.";
    MISSING_REDIRECT_URI = 400 "missing_redirect_uri" "redirect_uri is missing.";
    INVALID_STATE = 400 "invalid_request" "The authentication request has an invalid 'state' parameter.";
    // /v1/logout (HTML page). The redirect text is Okta's as users quote it; the two about the
    // hint are inferred.
    LOGOUT_HINT_MISSING = 400 "invalid_request" "The 'id_token_hint' parameter is required.";
    LOGOUT_HINT_INVALID = 400 "invalid_request" "The 'id_token_hint' parameter is invalid.";
    LOGOUT_REDIRECT_NOT_REGISTERED = 400 "invalid_request" "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings";
    // /authorize, delivered to the redirect URI.
    UNSUPPORTED_RESPONSE_MODE = 400 "unsupported_response_mode" "The response mode is not supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].";
    QUERY_WITH_TOKENS = 400 "unsupported_response_mode" "'query' response mode cannot be used with either the 'id_token' or 'token' response types.";
    POST_MESSAGE_WITH_CODE = 400 "unsupported_response_mode" "'okta_post_message' response mode cannot be used with the 'code' response type.";
    NONCE_REQUIRED = 400 "invalid_request" "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types..";
    PKCE_ILLEGAL_CHALLENGE = 400 "invalid_request" "PKCE code challenge contains illegal characters.";
    PKCE_METHOD = 400 "invalid_request" "PKCE code challenge method is not supported. Valid values: [S256]";
    PKCE_CHALLENGE_REQUIRED = 400 "invalid_request" "PKCE code challenge is required by the application.";
    INVALID_PROMPT = 400 "invalid_request" "Invalid value for 'prompt' parameter. Supported values: [none, login, consent, login consent]";
    INVALID_MAX_AGE = 400 "invalid_request" "Invalid value for 'max_age' parameter. It should be within range 0 - 2^31-1.";
    PROMPT_NONE_ZERO_MAX_AGE = 400 "invalid_request" "'prompt' parameter must not have the value 'none' for request with 'zero' as max_age.";
    REQUEST_OBJECT_NOT_SUPPORTED = 400 "request_not_supported" "The authorize request object is not supported by this client.";
    REQUEST_URI_NOT_SUPPORTED = 400 "request_uri_not_supported" "The authorize request uri is not supported by this client.";
    LOGIN_REQUIRED = 400 "login_required" "The client specified not to prompt, but the user is not logged in.";
    USER_NOT_ASSIGNED = 400 "access_denied" "User is not assigned to the client application.";
    // The app's sign-on policy wants more than the session proves (catalog `app_sign_on_required`;
    // seen with a password-only sessionToken and app-level MFA, okta/okta-auth-js#1454).
    APP_SIGN_ON_REQUIRED = 400 "login_required" "The client specified not to prompt, but the client app requires re-authentication or MFA.";
    // No rule of the custom server's access policies covers the request (catalog
    // `no_matching_policy`, listed with 401).
    NO_MATCHING_POLICY = 401 "access_denied" "Policy evaluation failed for this request, please check the policy configurations.";
    // Scopes.
    INVALID_SCOPE = 400 "invalid_scope" "The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.";
    NO_MATCHING_SCOPE = 400 "invalid_scope" "One or more scopes are not configured for the authorization server resource.";
    OPENID_REQUIRED = 400 "invalid_scope" "Requests for ID tokens or access tokens with OpenID scopes require the 'openid' scope.";
    OPENID_CLIENT_CREDENTIALS = 400 "invalid_scope" "Cannot request 'openid' scopes using client credentials.";
    MISSING_SCOPES = 400 "invalid_scope" "No scopes were requested.";
    NO_DEFAULT_SCOPES = 400 "invalid_scope" "The authorization server resource does not have any configured default scopes, 'scope' must be provided.";
    BROWSER_OFFLINE_ACCESS = 400 "invalid_scope" "Browser requests to the token endpoint may not include the offline_access scope.";
    // Client authentication.
    NO_CLIENT_CREDENTIALS = 401 "invalid_client" "No client credentials found.";
    INVALID_BASIC = 401 "invalid_client" "Found Authentication header but was not valid client credentials.";
    CLIENT_AUTH_FAILED = 401 "invalid_client" "Client authentication failed. Either the client or the client credentials are invalid.";
    INVALID_SECRET = 401 "invalid_client" "The client secret supplied for a confidential client is invalid.";
    MULTIPLE_CREDENTIALS = 401 "invalid_request" "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.";
    CREDENTIALS_IN_QUERY = 400 "invalid_request" "Client credentials cannot be supplied via query parameters.";
    ORG_CLIENT_CREDENTIALS = 401 "invalid_client" "Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.";
    // Browser (Origin) requests to /token.
    BROWSER_PKCE = 401 "invalid_client" "Browser requests to the token endpoint must use Proof Key for Code Exchange.";
    BROWSER_GRANT = 400 "unauthorized_client" "Browser requests to the token endpoint may only use the authorization_code grant_type.";
    BROWSER_ORIGIN = 400 "invalid_request" "Browser requests to the token endpoint must be part of at least one whitelisted redirect_uri.";
    // /token grants.
    INVALID_CODE = 400 "invalid_grant" "The authorization code is invalid or has expired.";
    MISMATCHED_CLIENT = 400 "invalid_grant" "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.";
    MISMATCHED_REDIRECT_URI = 400 "invalid_grant" "The 'redirect_uri' does not match the redirection URI used in the authorization request.";
    MISMATCHED_SERVER = 400 "invalid_request" "The grant was issued for another authorization server.";
    PKCE_FAILED = 400 "invalid_grant" "PKCE verification failed.";
    PKCE_VERIFIER_LENGTH = 400 "invalid_grant" "PKCE verification failed: The code_verifier must have a minimum length of 43 characters and a maximum length of 128 characters..";
    PKCE_NO_CHALLENGE = 400 "invalid_request" "PKCE code challenge should be specified in the authorize request for code verification.";
    PKCE_VERIFIER_REQUIRED = 400 "invalid_request" "PKCE code verifier is required by the application.";
    INVALID_REFRESH = 400 "invalid_grant" "The refresh token is invalid or expired.";
    INVALID_PASSWORD_CREDENTIALS = 400 "invalid_grant" "The credentials provided were invalid.";
    PASSWORD_MFA = 400 "invalid_grant" "Resource owner password credentials cannot be used with MFA enabled.";
    PASSWORD_EXPIRED = 400 "invalid_grant" "Password has expired.";
    // Rate limits and server trouble.
    USER_RATE_LIMITED = 429 "invalid_grant" "API call exceeded rate limit due to too many requests.";
    ACCESS_DENIED = 403 "access_denied" "The resource owner or authorization server denied the request.";
    SERVER_ERROR = 500 "server_error" "The authorization server encountered an unexpected condition that prevented it from fulfilling the request.";
    TEMPORARILY_UNAVAILABLE = 503 "temporarily_unavailable" "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.";
    // /introspect, /revoke, /userinfo.
    TOKEN_REQUIRED = 400 "invalid_request" "The 'token' parameter is required.";
    ACCESS_TOKEN_MISSING = 401 "invalid_request" "The access token is missing.";
    ACCESS_TOKEN_IN_QUERY = 400 "invalid_request" "The access token cannot be presented in a query string.";
    ACCESS_TOKEN_DUPLICATE = 400 "invalid_request" "The access token cannot be specified in both the Authorization header and the request-body.";
    ACCESS_TOKEN_INVALID = 401 "invalid_token" "The access token is invalid.";
    TOKEN_EXPIRED = 401 "invalid_token" "The token has expired.";
    ACCESS_TOKEN_REVOKED = 401 "invalid_token" "The access token has been revoked.";
    USERINFO_SCOPE = 403 "insufficient_scope" "The access token must provide access to at least one of these scopes - profile, email, address or phone";
}

/// The catalog's entries with a value filled in (`{0}` in Okta's), each sent with 400.
macro_rules! templated {
    ($($name:ident($arg:ident) = $error:literal $description:literal;)*) => {
        $(pub(crate) fn $name($arg: &str) -> OAuthError {
            OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: $error,
                description: Cow::Owned(format!($description)),
            }
        })*
    };
}

templated! {
    illegal_redirect_uri(admin_url) = "invalid_request" "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: {admin_url}";
    service_app_endpoint(endpoint) = "invalid_request" "Clients with 'application_type' of 'service' are not allowed to access the '{endpoint}' endpoint.";
    unsupported_response_type(configured) = "unsupported_response_type" "The response type is not supported by the authorization server. Configured response types: {configured}.";
    missing_grant_type(valid) = "invalid_request" "The token request must specify a 'grant_type'. Valid values: {valid}";
    unsupported_grant_type(configured) = "unsupported_grant_type" "The authorization grant type is not supported by the authorization server. Configured grant types: {configured}.";
    unauthorized_client(configured) = "unauthorized_client" "The client is not authorized to use the provided grant type. Configured grant types: {configured}.";
    missing_parameter(name) = "invalid_request" "The required parameter '{name}' is missing.";
    refresh_scopes_denied(denied) = "access_denied" "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [{denied}].";
    consent_required(scopes) = "consent_required" "The following scopes require user consent: [{scopes}].";
    consent_required_password(scopes) = "consent_required" "The following scopes require user consent: [{scopes}]. To access protected scopes using the resource owner password grant type, please uncheck 'Require consent' in the app settings or set the 'consent_method' to 'TRUSTED' through the apps API.";
}

/// Okta's text for a one-time code used twice: `E0000082`'s summary in its catalog.
pub(crate) const PASSCODE_USED_ONCE: &str =
    "Each code can only be used once. Please wait for a new code and try again.";

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
        Self::invalid_field(field, "The field cannot be left blank")
    }

    /// 401 `E0000011`: unknown or expired stateToken.
    pub(crate) fn invalid_state_token() -> Self {
        Self::api(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// 403 `E0000068`: a wrong one-time code. Okta's Classic Authentication API reference,
    /// "Verify TOTP Factor" (developer.okta.com/docs/reference/api/authn): summary and cause as
    /// documented there.
    pub(crate) fn invalid_passcode() -> Self {
        Self::invalid_passcode_because("Your passcode doesn't match our records. Please try again.")
    }

    /// 403 `E0000068` "Invalid Passcode/Answer" with `cause`: one of Okta's answers to a code
    /// used twice carries the text Okta's catalog gives `E0000082` as its cause (inferred from
    /// the Sign-In Widget's `authfactor.challenge.soft_token.used_passcode`, same text).
    pub(crate) fn invalid_passcode_because(cause: &str) -> Self {
        FakeError::Api {
            status: StatusCode::FORBIDDEN,
            code: "E0000068",
            summary: Cow::Borrowed("Invalid Passcode/Answer"),
            causes: vec![cause.to_owned()],
        }
    }

    /// 403 `E0000082`: a one-time code used twice (error-codes.json in okta-developer-docs,
    /// "Factor passcode replayed exception").
    pub(crate) fn passcode_replayed() -> Self {
        Self::api(StatusCode::FORBIDDEN, "E0000082", PASSCODE_USED_ONCE)
    }

    /// 403 `E0000069` "User Locked": the factor is locked after too many wrong codes
    /// (error-codes.json "Factor user locked exception"; the Sign-In Widget's recorded
    /// `MFA_LOCKED_FAILED_ATEMPTS.js` answer, no causes).
    pub(crate) fn factor_locked() -> Self {
        Self::api(StatusCode::FORBIDDEN, "E0000069", "User Locked")
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

    /// 403 `E0000006` with why, for a `/_fake/` request a browser page could have sent.
    pub(crate) fn admin_refused(why: &str) -> Self {
        FakeError::Api {
            status: StatusCode::FORBIDDEN,
            code: "E0000006",
            summary: Cow::Borrowed("You do not have permission to perform the requested action"),
            causes: vec![why.to_owned()],
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
