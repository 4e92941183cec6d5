//! Access-token verification as Okta asks of a resource server: an RS256 signature by a key of
//! the authorization server's JWKS, then `iss`, `aud` and `exp` (with a little leeway).

use std::fmt;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;

use super::keys::Keys;

/// How far a clock may drift from Okta's before `exp` counts.
const LEEWAY: Duration = Duration::from_secs(30);

/// Which tokens the API accepts: those of one authorization server, for one audience.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    issuer: String,
    jwks_uri: String,
    audience: String,
}

impl Settings {
    /// Tokens whose `iss` is `issuer`, signed by a key at `jwks_uri` (`{issuer}/v1/keys` for a
    /// custom server), whose `aud` is `audience` (`api://default` on Okta's default server).
    pub(crate) fn new(
        issuer: impl Into<String>,
        jwks_uri: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        Settings {
            issuer: issuer.into(),
            jwks_uri: jwks_uri.into(),
            audience: audience.into(),
        }
    }

    /// The issuer tokens must name.
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must name.
    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }
}

/// Checks tokens against [`Settings`], fetching and caching the signing keys.
pub(crate) struct Verifier {
    keys: Keys,
    validation: Validation,
}

impl Verifier {
    /// A verifier with an empty key cache: the first token fetches the keys.
    pub(crate) fn new(settings: Settings) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY.as_secs();
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Verifier {
            keys: Keys::new(settings.jwks_uri),
            validation,
        }
    }

    /// The verified claims of `token`, or why it is refused.
    pub(crate) async fn verify(&self, token: &str) -> Result<Value, Invalid> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Invalid::Malformed)?;
        // Only RS256, whatever the header says: no `none`, no HMAC keyed with a public key.
        if header.alg != Algorithm::RS256 {
            return Err(Invalid::Algorithm);
        }
        let kid = header.kid.ok_or(Invalid::MissingClaim("kid"))?;
        let key = self.keys.get(&kid).await?;
        let data =
            jsonwebtoken::decode::<Value>(token, &key, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::InvalidSignature => Invalid::Signature,
                    ErrorKind::ExpiredSignature => Invalid::Expired,
                    ErrorKind::ImmatureSignature => Invalid::NotYetValid,
                    ErrorKind::InvalidIssuer => Invalid::Issuer,
                    ErrorKind::InvalidAudience => Invalid::Audience,
                    ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
                        "exp" => Invalid::MissingClaim("exp"),
                        "iss" => Invalid::MissingClaim("iss"),
                        "aud" => Invalid::MissingClaim("aud"),
                        "sub" => Invalid::MissingClaim("sub"),
                        _ => Invalid::Malformed,
                    },
                    ErrorKind::InvalidAlgorithm => Invalid::Algorithm,
                    _ => Invalid::Malformed,
                }
            })?;
        Ok(data.claims)
    }
}

/// Why a token is refused. `Display` is the `error_description`: it never quotes the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not a JWT.
    Malformed,
    /// Not RS256.
    Algorithm,
    /// A `kid` the authorization server does not publish: another server's key (each Okta
    /// server has its own), one retired long ago, or the key of the org server's access
    /// tokens, which Okta publishes nowhere (only Okta may validate those).
    UnknownKey,
    /// The signature does not verify: the token was altered or signed by someone else.
    Signature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still ahead.
    NotYetValid,
    /// Another `iss`: another authorization server, or another org.
    Issuer,
    /// Another `aud`: a token meant for another API.
    Audience,
    /// A claim every access token has is missing.
    MissingClaim(&'static str),
    /// The signing keys could not be fetched: the API cannot tell, and answers 503.
    KeysUnavailable,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Malformed => f.write_str("the token is not a well-formed JWT"),
            Invalid::Algorithm => f.write_str("the token is not signed with RS256"),
            Invalid::UnknownKey => f.write_str(
                "the token is signed with a key the authorization server does not publish",
            ),
            Invalid::Signature => f.write_str("the token signature does not verify"),
            Invalid::Expired => f.write_str("the token has expired"),
            Invalid::NotYetValid => f.write_str("the token is not valid yet"),
            Invalid::Issuer => f.write_str("the token was issued by another authorization server"),
            Invalid::Audience => f.write_str("the token is meant for another audience"),
            Invalid::MissingClaim(claim) => write!(f, "the token has no {claim} claim"),
            Invalid::KeysUnavailable => {
                f.write_str("the signing keys of the authorization server cannot be fetched")
            }
        }
    }
}
