//! Recognising tokens that clients present back to the fake (userinfo, introspect, revoke).

use super::FakeState;
use super::directory::ServerEntry;
use super::jwt::{self, Verified};

/// Why a presented access token is not honoured.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    /// Not ours, not this server's, tampered, or not an access token.
    Invalid,
    Expired,
    Revoked,
}

/// An access token issued by `server` and still good.
pub(crate) fn access_token(
    st: &FakeState,
    server: &ServerEntry,
    token: &str,
) -> Result<Verified, TokenRejection> {
    let keys = st.keys.get(&server.id).ok_or(TokenRejection::Invalid)?;
    let v = jwt::verify(token, &keys.access_verifiers()).ok_or(TokenRejection::Invalid)?;
    let jti = v.str("jti").ok_or(TokenRejection::Invalid)?;
    if v.str("iss") != Some(server.issuer.as_str()) || !jti.starts_with("AT.") {
        return Err(TokenRejection::Invalid);
    }
    if v.num("exp").is_none_or(|exp| exp <= st.clock.epoch_secs()) {
        return Err(TokenRejection::Expired);
    }
    if st.grants.access_revoked(jti, st.clock.now()) {
        return Err(TokenRejection::Revoked);
    }
    Ok(v)
}

/// An ID token issued by `server` and not expired.
pub(crate) fn id_token(st: &FakeState, server: &ServerEntry, token: &str) -> Option<Verified> {
    let v = jwt::verify(token, &st.keys.get(&server.id)?.id_verifiers())?;
    let live = v.num("exp").is_some_and(|exp| exp > st.clock.epoch_secs());
    let ours = v.str("iss") == Some(server.issuer.as_str())
        && v.str("jti").is_some_and(|j| j.starts_with("ID."));
    (live && ours).then_some(v)
}
