//! The `scope` parameter of `/authorize` and `/token`, checked against a server.

use super::directory::ServerEntry;
use super::error::{self, OAuthError};

/// Okta's limit on the `scope` parameter.
const MAX_SCOPE_LEN: usize = 1024;
/// Scopes that ask for OIDC claims and so need `openid`.
const OIDC_CLAIM_SCOPES: [&str; 5] = ["profile", "email", "address", "phone", "groups"];

/// Checks a space-separated scope list against `server`: known to it, each once, and
/// `openid` wherever OIDC claims or an ID token are asked for.
pub(crate) fn parse(
    server: &ServerEntry,
    raw: &str,
    id_token: bool,
) -> Result<Vec<String>, OAuthError> {
    if raw.len() > MAX_SCOPE_LEN {
        return Err(error::INVALID_SCOPE);
    }
    let mut scopes: Vec<String> = Vec::new();
    for s in raw.split(' ').filter(|s| !s.is_empty()) {
        if !server.scopes.contains(s) {
            return Err(if server.is_org() {
                error::INVALID_SCOPE
            } else {
                error::NO_MATCHING_SCOPE
            });
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(error::INVALID_SCOPE);
    }
    let has_openid = scopes.iter().any(|s| s == "openid");
    let wants_claims = scopes
        .iter()
        .any(|s| OIDC_CLAIM_SCOPES.contains(&s.as_str()));
    if !has_openid && (id_token || wants_claims) {
        return Err(error::OPENID_REQUIRED);
    }
    Ok(scopes)
}
