//! Client authentication at `/token`, `/introspect` and `/revoke` (section 4.3): `none`,
//! `client_secret_basic`, `client_secret_post`, with Okta's error for each way it fails.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use okta_fixtures_config::{FaultEndpoint, TokenEndpointAuth};

use super::FakeState;
use super::directory::{AppEntry, Directory, ServerEntry};
use super::error::{self, FakeError, OAuthError};
use super::faults::{self, Scope};
use super::params::{self, Params};

/// Authenticates the client of a request. `query_client_id` is a public client's `client_id`
/// sent in the query string, which Okta accepts on `/introspect` and `/revoke`.
pub(crate) fn authenticate<'d>(
    dir: &'d Directory,
    headers: &HeaderMap,
    body: &Params,
    query_client_id: Option<&str>,
) -> Result<&'d AppEntry, OAuthError> {
    let authorization = headers.get(header::AUTHORIZATION);
    let body_secret = body.get("client_secret");
    let assertion = body.get("client_assertion");
    let methods = [
        authorization.is_some(),
        body_secret.is_some(),
        assertion.is_some(),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(error::MULTIPLE_CREDENTIALS);
    }
    if let Some(value) = authorization {
        let (id, secret) = basic_credentials(value.as_bytes()).ok_or(error::INVALID_BASIC)?;
        if body.get("client_id").is_some_and(|b| b != id) {
            return Err(error::CLIENT_AUTH_FAILED);
        }
        let app = dir.app(&id).ok_or(error::INVALID_CLIENT_ID)?;
        return check_secret(app, &secret, TokenEndpointAuth::ClientSecretBasic);
    }
    if assertion.is_some() {
        // No app of a fixtures.yaml has keys for client_secret_jwt / private_key_jwt.
        return Err(error::CLIENT_AUTH_FAILED);
    }
    let Some(client_id) = body.get("client_id").or(query_client_id) else {
        return Err(error::NO_CLIENT_CREDENTIALS);
    };
    let app = dir.app(client_id).ok_or(error::INVALID_CLIENT_ID)?;
    match body_secret {
        Some(secret) => check_secret(app, secret, TokenEndpointAuth::ClientSecretPost),
        None if app.auth == TokenEndpointAuth::None => Ok(app),
        None => Err(error::CLIENT_AUTH_FAILED),
    }
}

fn check_secret<'d>(
    app: &'d AppEntry,
    presented: &str,
    method: TokenEndpointAuth,
) -> Result<&'d AppEntry, OAuthError> {
    let Some(secret) = &app.secret else {
        return Err(error::CLIENT_AUTH_FAILED);
    };
    if app.auth != method {
        return Err(error::CLIENT_AUTH_FAILED);
    }
    if aws_lc_rs::constant_time::verify_slices_are_equal(
        secret.expose().as_bytes(),
        presented.as_bytes(),
    )
    .is_err()
    {
        return Err(error::INVALID_SECRET);
    }
    Ok(app)
}

/// `Basic base64(urlencode(id):urlencode(secret))` → `(id, secret)`.
///
/// RFC 6749 section 2.3.1: the client id and secret are `application/x-www-form-urlencoded`
/// before they are joined and base64-encoded, so each half is form-decoded after the split on
/// the first `:` (openid-client sends `web%2Dclient:web%2Dsecret`). A broken `%` escape or a
/// half that is not UTF-8 makes the header invalid, as it does for Okta's decoder.
pub(crate) fn basic_credentials(value: &[u8]) -> Option<(String, String)> {
    let value = std::str::from_utf8(value).ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let colon = decoded.iter().position(|b| *b == b':')?;
    let id = form_decode(&decoded[..colon])?;
    let secret = form_decode(&decoded[colon + 1..])?;
    if id.is_empty() {
        return None;
    }
    Some((id, secret))
}

/// The client id of a request's Basic `Authorization` header, if it has a valid one.
pub(crate) fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    basic_credentials(value.as_bytes()).map(|(id, _)| id)
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a byte.
/// `None` for a `%` not followed by two hex digits (Okta refuses those; the decoder would keep
/// them literal) or a result that is not UTF-8.
fn form_decode(raw: &[u8]) -> Option<String> {
    let broken_escape = raw.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !raw
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if broken_escape {
        return None;
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let decoded = percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// The route of introspect or revoke: the server of the path (else its error), the fault if
/// any (the whole answer), then the form, the client it authenticates and the `token` it
/// names, which `answer` turns into the reply; a refusal is OAuth JSON.
pub(crate) fn token_route(endpoint: FaultEndpoint, answer: TokenAnswer) -> MethodRouter<FakeState> {
    post(
        move |State(st): State<FakeState>, headers: HeaderMap, uri: Uri, body: Body| async move {
            token_request(&st, endpoint, &headers, &uri, body, answer).await
        },
    )
}

/// How introspect or revoke answers an authenticated request for a token.
pub(crate) type TokenAnswer =
    fn(&FakeState, &ServerEntry, &Params, &AppEntry, &str) -> Result<Response, OAuthError>;

async fn token_request(
    st: &FakeState,
    endpoint: FaultEndpoint,
    headers: &HeaderMap,
    uri: &Uri,
    body: Body,
    answer: TokenAnswer,
) -> Result<Response, FakeError> {
    let server = st.server_at(uri.path())?;
    let read = read(headers, uri, body).await;
    if let Some(res) = fault(st, endpoint, headers, read.as_ref().ok()).await {
        return Ok(res);
    }
    let answered = read.and_then(|(form, query)| {
        let app = authenticate(&st.dir, headers, &form, query.get("client_id"))?;
        let token = form.get("token").ok_or(error::TOKEN_REQUIRED)?;
        answer(st, server, &form, app, token)
    });
    answered.map_err(FakeError::OAuth)
}

/// The fault, if any, for an introspect or revoke request, scoped by the client id it names
/// (Basic header, body or query).
async fn fault(
    st: &FakeState,
    endpoint: FaultEndpoint,
    headers: &HeaderMap,
    read: Option<&(Params, Params)>,
) -> Option<Response> {
    if st.faults.is_empty() {
        return None;
    }
    let basic_id = basic_client_id(headers);
    let client_id = basic_id.or_else(|| {
        read.and_then(|(form, query)| form.get("client_id").or(query.get("client_id")))
            .map(str::to_owned)
    });
    let scope = Scope {
        user: None,
        client_id: client_id.as_deref(),
    };
    faults::act(st, endpoint, scope).await
}

/// The form and query of an introspect or revoke request.
async fn read(headers: &HeaderMap, uri: &Uri, body: Body) -> Result<(Params, Params), OAuthError> {
    let query = Params::from_query(uri.query())?;
    if query.has("client_secret") || query.has("client_assertion") {
        return Err(error::CREDENTIALS_IN_QUERY);
    }
    let form = params::form(headers, body).await?;
    Ok((form, query))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use rstest::rstest;

    use super::*;
    use crate::fake::error::*;

    const YAML: &str = r#"
apps:
  spa: { client_id: spa-client, redirect_uri: "http://localhost/cb", flow: code }
  web: { client_id: web-client, client_secret: s3cret, redirect_uri: "http://localhost/w", flow: code }
  post: { client_id: post-client, client_secret: p0st, redirect_uri: "http://localhost/p", flow: code, token_endpoint_auth: client_secret_post }
"#;

    fn dir() -> Directory {
        let config = okta_fixtures_config::parse_str(YAML, None, &|_| None).unwrap();
        Directory::new(&config, "http://127.0.0.1:1")
    }

    fn authorization(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    fn none() -> HeaderMap {
        HeaderMap::new()
    }

    fn basic(id: &str, secret: &str) -> HeaderMap {
        authorization(&format!(
            "Basic {}",
            STANDARD.encode(format!("{id}:{secret}"))
        ))
    }

    /// `Basic` and base64 of `raw`, which need not be `id:secret`.
    fn basic_raw(raw: &str) -> HeaderMap {
        authorization(&format!("Basic {}", STANDARD.encode(raw)))
    }

    fn form(s: &str) -> Params {
        Params::parse(s.as_bytes()).unwrap()
    }

    /// Each way to authenticate, and each way it fails: Authorization header, body, and a
    /// public client's query `client_id`.
    #[rstest]
    #[case(none(), "client_id=spa-client", None, Ok("spa-client"))]
    #[case(none(), "", Some("spa-client"), Ok("spa-client"))]
    #[case(basic("web-client", "s3cret"), "", None, Ok("web-client"))]
    #[case(
        none(),
        "client_id=post-client&client_secret=p0st",
        None,
        Ok("post-client")
    )]
    #[case(none(), "", None, Err(NO_CLIENT_CREDENTIALS))]
    #[case(none(), "client_id=nope", None, Err(INVALID_CLIENT_ID))]
    #[case(basic("web-client", "wrong"), "", None, Err(INVALID_SECRET))]
    #[case(basic("nope", "x"), "", None, Err(INVALID_CLIENT_ID))]
    #[case(none(), "client_id=web-client", None, Err(CLIENT_AUTH_FAILED))]
    // Configured for basic, used post (and vice versa): Okta refuses the other method.
    #[case(
        none(),
        "client_id=web-client&client_secret=s3cret",
        None,
        Err(CLIENT_AUTH_FAILED)
    )]
    #[case(basic("post-client", "p0st"), "", None, Err(CLIENT_AUTH_FAILED))]
    #[case(basic("spa-client", "x"), "", None, Err(CLIENT_AUTH_FAILED))]
    #[case(
        basic("web-client", "s3cret"),
        "client_secret=s3cret",
        None,
        Err(MULTIPLE_CREDENTIALS)
    )]
    #[case(
        none(),
        "client_id=web-client&client_assertion=x",
        None,
        Err(CLIENT_AUTH_FAILED)
    )]
    // Not Basic, not base64, `:abc` (no id), a broken escape, not UTF-8, no colon at all.
    #[case(authorization("Bearer abc"), "", None, Err(INVALID_BASIC))]
    #[case(authorization("Basic !!!"), "", None, Err(INVALID_BASIC))]
    #[case(authorization("Basic "), "", None, Err(INVALID_BASIC))]
    #[case(authorization("Basic OmFiYw=="), "", None, Err(INVALID_BASIC))]
    #[case(basic_raw("web%2:x"), "", None, Err(INVALID_BASIC))]
    #[case(basic_raw("web%FF:x"), "", None, Err(INVALID_BASIC))]
    #[case(basic_raw("web-client"), "", None, Err(INVALID_BASIC))]
    fn each_method_and_each_failure(
        #[case] headers: HeaderMap,
        #[case] body: &str,
        #[case] query_client_id: Option<&str>,
        #[case] want: Result<&str, OAuthError>,
    ) {
        let d = dir();
        let got = authenticate(&d, &headers, &form(body), query_client_id);
        assert_eq!(got.map(|app| app.client_id.as_str()), want);
    }

    /// RFC 6749 section 2.3.1, as openid-client sends it: each half form-urlencoded.
    #[test]
    fn basic_credentials_are_form_decoded_after_the_split() {
        let header = |raw: &str| format!("Basic {}", STANDARD.encode(raw));
        let decode = |raw: &str| basic_credentials(header(raw).as_bytes());
        assert_eq!(
            decode("web%2Dclient:web%2Dsecret"),
            Some(("web-client".into(), "web-secret".into()))
        );
        // `+` is a space, `%2B` a plus, `%3A` a colon that is part of the secret; only the
        // first raw `:` separates.
        assert_eq!(
            decode("a+b:c%2Bd%3Ae:f"),
            Some(("a b".into(), "c+d:e:f".into()))
        );
        assert_eq!(decode("id%C3%A9:"), Some(("idé".into(), String::new())));
        // Unencoded ids and secrets of the unreserved set are unchanged.
        assert_eq!(
            decode("web-client:s3cret.~_"),
            Some(("web-client".into(), "s3cret.~_".into()))
        );
        assert_eq!(decode("%3A:x"), Some((":".into(), "x".into())));

        let d = dir();
        let h = basic_raw("web%2Dclient:s3cret");
        let app = authenticate(&d, &h, &form(""), None).unwrap();
        assert_eq!(app.client_id, "web-client");
        // The body's client_id is compared with the decoded id.
        let app = authenticate(&d, &h, &form("client_id=web-client"), None).unwrap();
        assert_eq!(app.client_id, "web-client");
        let h = basic_raw("web-client:s3cre%74");
        assert_eq!(
            authenticate(&d, &h, &form(""), None).unwrap().client_id,
            "web-client"
        );
        let h = basic_raw("web-client:s3cret%2B");
        assert_eq!(
            authenticate(&d, &h, &form(""), None).unwrap_err(),
            error::INVALID_SECRET
        );
    }

    #[test]
    fn hostile_basic_credentials_round_trip_or_are_refused() {
        use rand::Rng as _;
        use rand::seq::IndexedRandom as _;

        use crate::fake::test_support::{hostile_bytes, hostile_text, rng, show};

        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        for seed in 0..3000u64 {
            let mut rng = rng(seed);
            // Any id and secret survive RFC 6749 2.3.1 encoding and our decoding.
            let id = format!("c{}", hostile_text(&mut rng, 4));
            let secret = hostile_text(&mut rng, 6);
            let header = format!(
                "Basic {}",
                STANDARD.encode(format!("{}:{}", encode(&id), encode(&secret)))
            );
            assert_eq!(
                basic_credentials(header.as_bytes()),
                Some((id.clone(), secret.clone())),
                "seed {seed}: {header:.200}"
            );
            // Garbage: raw bytes, or base64 of raw bytes, behind assorted schemes.
            let raw = hostile_bytes(&mut rng, 6);
            let scheme = *["Basic ", "basic ", "Bearer ", "", "Basic  "]
                .choose(&mut rng)
                .unwrap();
            let mut garbage = scheme.as_bytes().to_vec();
            if rng.random_ratio(50, 100) {
                garbage.extend(STANDARD.encode(&raw).bytes());
            } else {
                garbage.extend(&raw);
            }
            if let Some((id, _)) = basic_credentials(&garbage) {
                assert!(!id.is_empty(), "seed {seed}: {}", show(&garbage));
            }
        }
    }
}
