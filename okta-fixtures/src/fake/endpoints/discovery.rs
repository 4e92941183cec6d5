//! Discovery documents (section 5): `/.well-known/openid-configuration` and
//! `/.well-known/oauth-authorization-server` (both locations and the RFC 8414 form).

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use okta_fixtures_config::FaultEndpoint;

use crate::fake::FakeState;
use crate::fake::directory::ServerEntry;
use crate::fake::error::FakeError;
use crate::fake::faults::{self, Scope};
use crate::fake::json::Obj;
use crate::fake::reply;

/// The client authentication methods Okta lists: the org server's, and a custom server's,
/// which adds `private_key_jwt` (okta-wire.md 5.1, from Okta's OIDC reference). The fake
/// itself authenticates clients with a secret or none; a client choosing a JWT method from
/// this list is refused at `/token`, stricter than Okta.
const ORG_AUTH_METHODS: [&str; 4] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "none",
];
const CUSTOM_AUTH_METHODS: [&str; 5] = [
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
];
/// Request object algorithms, as Okta lists them for the org and for a custom server.
const ORG_REQUEST_ALGS: [&str; 3] = ["HS256", "HS384", "HS512"];
const CUSTOM_REQUEST_ALGS: [&str; 9] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
];
// One table, as Okta lists them; rustfmt would give each claim a line of its own.
#[rustfmt::skip]
const ID_TOKEN_CLAIMS: [&str; 31] = [
    "iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce", "name",
    "nickname", "preferred_username", "given_name", "middle_name", "family_name", "email",
    "email_verified", "profile", "zoneinfo", "locale", "address", "phone_number", "picture",
    "website", "gender", "birthdate", "updated_at", "at_hash", "c_hash",
];
const ACCESS_TOKEN_CLAIMS: [&str; 10] = [
    "ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub",
];

/// `GET /.well-known/openid-configuration` (org) or `/oauth2/{id}/.well-known/…` (custom).
pub(crate) async fn openid_configuration(State(st): State<FakeState>, uri: Uri) -> Response {
    document(&st, &uri, true).await.into_response()
}

/// `GET /.well-known/oauth-authorization-server` in its three locations.
pub(crate) async fn oauth_authorization_server(State(st): State<FakeState>, uri: Uri) -> Response {
    document(&st, &uri, false).await.into_response()
}

async fn document(st: &FakeState, uri: &Uri, oidc: bool) -> Result<Response, FakeError> {
    if let Some(res) = faults::act(st, FaultEndpoint::Discovery, Scope::default()).await {
        return Ok(res);
    }
    let server = st.server_at(uri.path())?;
    let doc = metadata(st, server, oidc).finish();
    Ok(reply::json(StatusCode::OK, doc))
}

/// The metadata document, fields in the order of Okta's own.
fn metadata(st: &FakeState, server: &ServerEntry, oidc: bool) -> Obj {
    let org = &st.dir.org_url;
    let (auth_methods, request_algs): (&[&str], &[&str]) = if server.is_org() {
        (&ORG_AUTH_METHODS, &ORG_REQUEST_ALGS)
    } else {
        (&CUSTOM_AUTH_METHODS, &CUSTOM_REQUEST_ALGS)
    };
    let mut grants = vec![
        "authorization_code",
        "implicit",
        "refresh_token",
        "password",
    ];
    if !server.is_org() {
        grants.push("client_credentials");
    }
    let scopes: Vec<&str> = server.scopes.iter().map(String::as_str).collect();
    let mut doc = Obj::new()
        .str("issuer", &server.issuer)
        .str("authorization_endpoint", &server.endpoint(org, "authorize"))
        .str("token_endpoint", &server.endpoint(org, "token"));
    if oidc {
        doc = doc.str("userinfo_endpoint", &server.endpoint(org, "userinfo"));
    }
    // Dynamic client registration is the org's, whatever the server.
    doc = doc
        .str("registration_endpoint", &format!("{org}/oauth2/v1/clients"))
        .str("jwks_uri", &server.endpoint(org, "keys"))
        .strs(
            "response_types_supported",
            &[
                "code",
                "id_token",
                "code id_token",
                "code token",
                "id_token token",
                "code id_token token",
            ],
        )
        .strs(
            "response_modes_supported",
            &["query", "fragment", "form_post", "okta_post_message"],
        )
        .strs("grant_types_supported", &grants)
        .strs("subject_types_supported", &["public"]);
    if oidc {
        doc = doc.strs("id_token_signing_alg_values_supported", &["RS256"]);
    }
    doc.strs("scopes_supported", &scopes)
        .strs("token_endpoint_auth_methods_supported", auth_methods)
        .strs(
            "claims_supported",
            if oidc {
                &ID_TOKEN_CLAIMS[..]
            } else {
                &ACCESS_TOKEN_CLAIMS[..]
            },
        )
        .strs("code_challenge_methods_supported", &["S256"])
        .str(
            "introspection_endpoint",
            &server.endpoint(org, "introspect"),
        )
        .strs(
            "introspection_endpoint_auth_methods_supported",
            auth_methods,
        )
        .str("revocation_endpoint", &server.endpoint(org, "revoke"))
        .strs("revocation_endpoint_auth_methods_supported", auth_methods)
        .str("end_session_endpoint", &server.endpoint(org, "logout"))
        // Okta takes request objects from clients registered for them; the fake's apps are not,
        // so `/authorize` refuses one as Okta refuses it for such a client.
        .bool("request_parameter_supported", true)
        .strs("request_object_signing_alg_values_supported", request_algs)
}
