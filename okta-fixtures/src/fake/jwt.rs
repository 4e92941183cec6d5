//! RS256 tokens: signed with the fake's aws-lc keys, checked with jsonwebtoken.
//!
//! Signing stays here because jsonwebtoken's encoder takes a PKCS#1 key (the fake keeps
//! PKCS#8) and writes the header as `{"alg","kid"}`, where Okta writes `{"kid","alg"}`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::keys::SigningKey;

/// Longest token the fake will try to read; Okta's are a few kilobytes.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Signs `payload` (a JSON object's text) with `key`: `header.payload.signature`.
pub(crate) fn sign(key: &SigningKey, payload: &str) -> String {
    sign_as(key.header_b64(), key, payload)
}

/// Signs `payload` with `signer` under the base64url JWS header `header`, which may name
/// another key's `kid` (a forged token for resource-server tests).
pub(crate) fn sign_as(header: &str, signer: &SigningKey, payload: &str) -> String {
    let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 350);
    token.push_str(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload.as_bytes(), &mut token);
    let sig = signer.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut token);
    token
}

/// A token whose signature checked out, with its claims.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The payload.
    pub(crate) claims: Map<String, Value>,
}

impl Verified {
    pub(crate) fn str(&self, claim: &str) -> Option<&str> {
        self.claims.get(claim).and_then(Value::as_str)
    }

    pub(crate) fn num(&self, claim: &str) -> Option<u64> {
        self.claims.get(claim).and_then(Value::as_u64)
    }

    /// `scp` as a list of strings.
    pub(crate) fn scopes(&self) -> Vec<String> {
        self.claims
            .get("scp")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Checks `token` against `keys` (RS256 only; the header's `kid` picks the key). Any defect —
/// bad base64, bad JSON, another algorithm, an unknown kid, a wrong signature — gives `None`.
/// Expiry and audience are the caller's to judge.
pub(crate) fn verify(token: &str, keys: &[&SigningKey]) -> Option<Verified> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let key = keys.iter().find(|k| k.kid() == kid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation).ok()?;
    Some(Verified {
        claims: data.claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::json::Obj;

    #[test]
    fn signed_token_verifies_with_jsonwebtoken_against_the_jwk() {
        let (key, _) = SigningKey::generate().unwrap();
        let payload = Obj::new()
            .str("sub", "00u1")
            .num("exp", 4_102_444_800)
            .finish();
        let token = sign(&key, &payload);

        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some(key.kid()));
        assert_eq!(header.typ, None);
        let raw_header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(raw_header).unwrap(),
            format!(r#"{{"kid":"{}","alg":"RS256"}}"#, key.kid())
        );

        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&key.jwk().finish()).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(data.claims["sub"], "00u1");

        let verified = verify(&token, &[&key]).unwrap();
        assert_eq!(verified.str("sub"), Some("00u1"));
    }

    #[test]
    fn tampered_or_foreign_tokens_do_not_verify() {
        let (key, _) = SigningKey::generate().unwrap();
        let (other, _) = SigningKey::generate().unwrap();
        let token = sign(&key, r#"{"sub":"a"}"#);
        assert!(verify(&token, &[&other]).is_none());
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"sub":"b"}"#);
        parts[1] = &forged;
        assert!(verify(&parts.join("."), &[&key]).is_none());
        for junk in [
            "",
            "a.b",
            "a.b.c.d",
            "!!!.???.***",
            &"x".repeat(MAX_TOKEN_LEN + 1),
        ] {
            assert!(verify(junk, &[&key]).is_none(), "{junk:.20}");
        }
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"kid":"{}","alg":"none"}}"#, key.kid())),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"a"}"#)
        );
        assert!(verify(&none_alg, &[&key]).is_none());
    }
}
