//! The JWKS (section 5): `…/v1/keys`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use okta_fixtures_config::FaultEndpoint;

use crate::fake::FakeState;
use crate::fake::error::FakeError;
use crate::fake::faults::{self, Scope};
use crate::fake::json::Obj;
use crate::fake::reply;

/// How long clients may cache the JWKS (Okta sends `max-age=…, must-revalidate`).
const KEYS_CACHE_CONTROL: &str = "max-age=86400, must-revalidate";

/// `GET …/v1/keys`: the server's own keys, current before retired. A custom server's key signs
/// its ID and access tokens; the org server publishes only the key of its ID tokens, never the
/// one of its access tokens (Okta: only Okta validates those; see `fake/keys.rs`).
pub(crate) async fn keys(State(st): State<FakeState>, uri: Uri) -> Result<Response, FakeError> {
    if let Some(res) = faults::act(&st, FaultEndpoint::Keys, Scope::default()).await {
        return Ok(res);
    }
    let server = st.server_at(uri.path())?;
    let keys = st.keys.get(&server.id).map_or_else(Vec::new, |keys| {
        keys.id_verifiers().into_iter().map(|k| k.jwk()).collect()
    });
    let mut res = reply::json(StatusCode::OK, Obj::new().objs("keys", keys).finish());
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(KEYS_CACHE_CONTROL),
    );
    Ok(res)
}
