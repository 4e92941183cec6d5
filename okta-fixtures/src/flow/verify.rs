//! ID token verification against the authorization server's JWKS: RS256 signature, `iss`,
//! `aud` (the client id), `exp` with leeway, the flow's `nonce`, and in the implicit flow the
//! `at_hash` that binds the access token handed out beside it.
//!
//! Key sets are cached per JWKS URI (one per issuer) and fetched again when a token names a
//! `kid` the cached set lacks: Okta rotates keys.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;

use super::http::Http;
use crate::error::{Error, IdTokenProblem, Result};

/// What an ID token must say.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) jwks_uri: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) leeway: Duration,
    /// The access token the implicit flow's form handed out beside the ID token, which its
    /// `at_hash` must match (OpenID Connect Core 1.0, 3.2.2.9 and 3.2.2.10: required there).
    pub(crate) implicit_access_token: Option<&'a str>,
}

/// One server's signing keys, by `kid`.
type Keys = HashMap<String, DecodingKey>;

/// Signing keys by JWKS URI, then by `kid`.
#[derive(Default)]
pub(crate) struct KeySets {
    sets: Mutex<HashMap<String, Keys>>,
}

impl KeySets {
    /// Verifies `id_token`, fetching the server's keys when they are not cached or lack its
    /// `kid`.
    pub(crate) async fn verify(
        &self,
        http: &Http<'_>,
        id_token: &str,
        want: &Expected<'_>,
    ) -> Result<()> {
        let problem = |problem| Error::IdToken {
            sign_in: Box::new(http.sign_in.clone()),
            problem,
        };
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|_| problem(IdTokenProblem::Malformed))?;
        if header.alg != Algorithm::RS256 {
            return Err(problem(IdTokenProblem::Algorithm(format!(
                "{:?}",
                header.alg
            ))));
        }
        let kid = header
            .kid
            .ok_or_else(|| problem(IdTokenProblem::MissingClaim("kid")))?;
        let key = match self.key(want.jwks_uri, &kid) {
            Some(key) => key,
            None => {
                tracing::debug!(jwks_uri = want.jwks_uri, kid = %kid, "fetching signing keys");
                let set = fetch(http, want.jwks_uri).await?;
                let key = set.get(&kid).cloned();
                self.lock().insert(want.jwks_uri.to_owned(), set);
                key.ok_or_else(|| problem(IdTokenProblem::UnknownKey(kid.clone())))?
            }
        };
        check(id_token, &key, want).map_err(problem)
    }

    fn key(&self, jwks_uri: &str, kid: &str) -> Option<DecodingKey> {
        self.lock().get(jwks_uri)?.get(kid).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Keys>> {
        // A panic while holding this lock cannot leave the map half-written; keep using it.
        self.sets.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Checks signature and claims with a known key.
fn check(
    id_token: &str,
    key: &DecodingKey,
    want: &Expected<'_>,
) -> std::result::Result<(), IdTokenProblem> {
    let mut v = Validation::new(Algorithm::RS256);
    v.leeway = want.leeway.as_secs();
    v.set_issuer(&[want.issuer]);
    v.set_audience(&[want.client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(id_token, key, &v).map_err(|e| match e
        .kind()
    {
        ErrorKind::InvalidSignature => IdTokenProblem::Signature,
        ErrorKind::ExpiredSignature => IdTokenProblem::Expired,
        ErrorKind::InvalidIssuer => IdTokenProblem::Issuer {
            expected: want.issuer.to_owned(),
            found: crate::tokens::decode_claims(id_token)
                .and_then(|c| c["iss"].as_str().map(str::to_owned)),
        },
        ErrorKind::InvalidAudience => IdTokenProblem::Audience {
            expected: want.client_id.to_owned(),
        },
        ErrorKind::MissingRequiredClaim(c) => IdTokenProblem::MissingClaim(match c.as_str() {
            "exp" => "exp",
            "iss" => "iss",
            "aud" => "aud",
            _ => "(a required claim)",
        }),
        ErrorKind::InvalidAlgorithm => IdTokenProblem::Algorithm("another algorithm".into()),
        _ => IdTokenProblem::Malformed,
    })?;
    match data.claims.get("nonce").and_then(|n| n.as_str()) {
        Some(n) if n == want.nonce => {}
        Some(_) => return Err(IdTokenProblem::Nonce),
        None => return Err(IdTokenProblem::MissingClaim("nonce")),
    }
    let Some(access_token) = want.implicit_access_token else {
        return Ok(());
    };
    match data.claims.get("at_hash").and_then(|h| h.as_str()) {
        Some(h) if h == access_token_hash(access_token) => Ok(()),
        Some(_) => Err(IdTokenProblem::AccessTokenHash),
        None => Err(IdTokenProblem::MissingClaim("at_hash")),
    }
}

/// `at_hash` for an RS256 ID token: base64url of the left half of the access token's SHA-256
/// (OpenID Connect Core 1.0, 3.1.3.6).
fn access_token_hash(access_token: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Fetches a JWKS and keeps its RSA keys.
async fn fetch(http: &Http<'_>, jwks_uri: &str) -> Result<Keys> {
    let answer = http
        .send(|c| c.get(jwks_uri).header(ACCEPT, "application/json"))
        .await?;
    if answer.status != StatusCode::OK {
        return Err(answer.error(http.sign_in, "no key set"));
    }
    let set: Jwks = answer.json(http.sign_in)?;
    let keys = parse_keys(set);
    if keys.is_empty() {
        return Err(Error::IdToken {
            sign_in: Box::new(http.sign_in.clone()),
            problem: IdTokenProblem::Keys(format!("{jwks_uri} holds no RSA key")),
        });
    }
    Ok(keys)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
}

fn parse_keys(set: Jwks) -> Keys {
    set.keys
        .into_iter()
        .filter(|k| k.kty == "RSA" && k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter_map(|k| {
            let key = DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
            Some((k.kid?, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway RSA key pair for these tests only.
    const TEST_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEA2k11RZF4uBe1VkaxLqf+qDNtOByjAi/xCX726vWHrEP5umL8\n\
Vh0Yfm1JRZLp4SLhfG+ibnWu1jWcYtOjVikdhedoPPtQ6mv8+P61+w4IGU/2D7H9\n\
mF7y11QpNmhAaJQ+exya3shs4YhrQIJpuO+8iALRV4gq7mdYO4Ztz1EKStSbyTJA\n\
QMR5wltcpvxpNl6z21EROvNg7tgNM5dhu0K5BM0O/dPuTi5k/cAalSX74kuV4Jzx\n\
4DzpyHVyLLWA7F+dxfusN1z/8O5Z7XKMo8N+oeTQYJtSi1hZUe8StH5ljo8AVcvo\n\
KsVF7a90bZ4yV/LgjIcoIF5yCCt6uCb28ruUvQIDAQABAoIBAGW2J0i1ocBsU3IS\n\
V+V8InuuElpNhWm0eqLJBDSvF3qc5VMBYb6hqdLmCnifHddm0BaRUOYUcNSff/DP\n\
2M+BMp88FWYsViQTEnfU/Wcuv3lDt0rSzGxc+Np4/Qa7hh7zyzTDPClGyuw+CnKx\n\
EJ85G+dnILCe4hnYDtUVKj6o7Jm2H1GD2wP9/eS2Jc8dCt+VzSjVgRJZQuixj38R\n\
u2EBfs6wpP+VSxRNKeyXqguKukOZoiFNGk+ZctiT1qRDleAUv9tv7QKnIJHZb++w\n\
/BxSjB0fYTiWRAddpZ6xNbMo1jUTkkbEH4qicj0KSR3hHmFdlcwt19XWPRYj6sI8\n\
gPNBocUCgYEA8gL3rcno3vWGTeP9BW6/Y1cUd/QPI75V6OD5szsaMjhdRCvEwFR2\n\
eeMCKVZxGnD0FkJQmyres5GdolHNjAtpfNZ+QR2IJydOiGJVnS9nMd23a/c7k7J1\n\
riBGb1uoJv217VxI9vDL7IropASnvGKa2nBkFMX1l/0snGEJ+CY2RycCgYEA5uur\n\
Y4ZItE5jGbNN6aoFkvpo1SN+BXRHfLD5VG93mI/13E6qZGGotU65oLMo5chmd0TD\n\
8hAs2jwvp+FTgMhKft3EsaEPsws4IRRj8Iq29XflrJRwB7SpYddQ7FmpkoOE/4nC\n\
m0CdNkdZRzUXDg25atfwCOa2U8gAHDQGVzVUk3sCgYEAvU8G8aHskGPc4BcEeHhu\n\
K8YVU9PM9/fOefFqQgJsdnZStp3KNWyclLG3oiBlLvrGZJcROJ+rPyob9bopoG/Y\n\
33dloYf5Vi9QJi1NrTxEa+R0s3bc2qcRmNjUYA2BlqaF5ht3U/t+eRUb8BlYIGu9\n\
mDusffdwKqk3eUgLJVq2wKcCgYBusdpewyhnBoyK7WET+eTiKBfI1FK82pjKNSvQ\n\
Rf7Wq2v4R912cTomb66cUkXwoLg9xEEJ8KcPlnphx6n3ugu79SMs40BbW610bgna\n\
bSR3VxpKOH3bs8bemBC6u+CF03YV6TvYoIi8VEd/0vtSSVHw3cK7AZ21W9Jxsp63\n\
f2EjsQKBgBHs15pWPwdtU1jB3f98PZQ75Ta6KcKdpExwNfnEOdtcNcHhLy2W2ozu\n\
QsnkYzVGUd1R64h8jgzw9RoPb0lSvMB5Ir9lT4m1EodwnLku/fVtACdz5EeNvM+Q\n\
T3bpQItVFJgmTxtSIlg3f/Pqn63dsZ+fg31QkJJ3bVluGVPIcQ+b\n\
-----END RSA PRIVATE KEY-----";
    const TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2k11RZF4uBe1VkaxLqf+\n\
qDNtOByjAi/xCX726vWHrEP5umL8Vh0Yfm1JRZLp4SLhfG+ibnWu1jWcYtOjVikd\n\
hedoPPtQ6mv8+P61+w4IGU/2D7H9mF7y11QpNmhAaJQ+exya3shs4YhrQIJpuO+8\n\
iALRV4gq7mdYO4Ztz1EKStSbyTJAQMR5wltcpvxpNl6z21EROvNg7tgNM5dhu0K5\n\
BM0O/dPuTi5k/cAalSX74kuV4Jzx4DzpyHVyLLWA7F+dxfusN1z/8O5Z7XKMo8N+\n\
oeTQYJtSi1hZUe8StH5ljo8AVcvoKsVF7a90bZ4yV/LgjIcoIF5yCCt6uCb28ruU\n\
vQIDAQAB\n\
-----END PUBLIC KEY-----";

    fn sign(claims: serde_json::Value, kid: &str) -> String {
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_PRIVATE_KEY.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn want() -> Expected<'static> {
        Expected {
            issuer: "https://dev-1.okta.com/oauth2/default",
            jwks_uri: "https://dev-1.okta.com/oauth2/default/v1/keys",
            client_id: "0oa1eguv0090rji841d7",
            nonce: "n-0S6_WzA2Mj",
            leeway: Duration::from_secs(120),
            implicit_access_token: None,
        }
    }

    fn claims() -> serde_json::Value {
        // The shape of a real custom-server ID token (okta-wire.md 6.2).
        serde_json::json!({
            "sub": "00u1egri51r4PYyfE1d7", "name": "Jane Doe", "ver": 1,
            "iss": "https://dev-1.okta.com/oauth2/default", "aud": "0oa1eguv0090rji841d7",
            "iat": now(), "exp": now() + 3600, "jti": "ID.7TJFztWo9pg4QbWDbRCSssTOggQwCB9nk3gtgVFITic",
            "amr": ["pwd"], "idp": "00o1egri1jE3mB6W81d7", "nonce": "n-0S6_WzA2Mj",
            "auth_time": now(), "at_hash": "t0JyGXLcmHBlyr-sT8mYFA"
        })
    }

    fn verify(claims: serde_json::Value) -> std::result::Result<(), IdTokenProblem> {
        let key = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
        check(&sign(claims, "k1"), &key, &want())
    }

    #[test]
    fn a_good_token_passes() {
        verify(claims()).unwrap();
    }

    #[test]
    fn each_claim_is_checked() {
        let mut c = claims();
        c["iss"] = "https://evil.example.com".into();
        assert_eq!(
            verify(c),
            Err(IdTokenProblem::Issuer {
                expected: "https://dev-1.okta.com/oauth2/default".into(),
                found: Some("https://evil.example.com".into())
            })
        );
        let mut c = claims();
        c["aud"] = "another-client".into();
        assert!(matches!(verify(c), Err(IdTokenProblem::Audience { .. })));
        let mut c = claims();
        c["nonce"] = "replayed".into();
        assert_eq!(verify(c), Err(IdTokenProblem::Nonce));
        let mut c = claims();
        c.as_object_mut().unwrap().remove("nonce");
        assert_eq!(verify(c), Err(IdTokenProblem::MissingClaim("nonce")));
        let mut c = claims();
        c.as_object_mut().unwrap().remove("exp");
        assert_eq!(verify(c), Err(IdTokenProblem::MissingClaim("exp")));
    }

    #[test]
    fn at_hash_is_checked_in_the_implicit_flow_only() {
        // OpenID Connect Core 1.0, Appendix A.3: this access token and its `at_hash`.
        let access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(access_token_hash(access_token), "77QmUPtjPfzWtF2AnpK9RQ");
        let key = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
        let implicit = Expected {
            implicit_access_token: Some(access_token),
            ..want()
        };
        let mut c = claims();
        c["at_hash"] = "77QmUPtjPfzWtF2AnpK9RQ".into();
        assert_eq!(check(&sign(c, "k1"), &key, &implicit), Ok(()));
        // The sample's at_hash belongs to another access token.
        assert_eq!(
            check(&sign(claims(), "k1"), &key, &implicit),
            Err(IdTokenProblem::AccessTokenHash)
        );
        let mut c = claims();
        c.as_object_mut().unwrap().remove("at_hash");
        assert_eq!(
            check(&sign(c.clone(), "k1"), &key, &implicit),
            Err(IdTokenProblem::MissingClaim("at_hash"))
        );
        // Without an implicit access token (code flow, `id_token` alone) nothing is compared.
        assert_eq!(check(&sign(c, "k1"), &key, &want()), Ok(()));
    }

    #[test]
    fn expiry_allows_the_leeway_only() {
        let mut c = claims();
        c["exp"] = (now() - 60).into();
        verify(c).unwrap();
        let mut c = claims();
        c["exp"] = (now() - 600).into();
        assert_eq!(verify(c), Err(IdTokenProblem::Expired));
    }

    #[test]
    fn tampered_tokens_fail_the_signature() {
        let token = sign(claims(), "k1");
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims();
        forged["sub"] = "00uSOMEONEELSE".into();
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            forged.to_string(),
        );
        let key = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()).unwrap();
        assert_eq!(
            check(&parts.join("."), &key, &want()),
            Err(IdTokenProblem::Signature)
        );
    }

    #[test]
    fn okta_jwks_shape_is_read_and_foreign_keys_skipped() {
        // Member order as in Okta's docs and the OIE mock; an EC key and an encryption key are
        // not for ID tokens.
        let json = r#"{"keys":[
          {"alg":"RS256","e":"AQAB","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw","kid":"U5R8cHbGw445Qbq8zVO1PcCpXL8yG6IcovVa3laCoxM","kty":"RSA","use":"sig"},
          {"kty":"EC","crv":"P-256","kid":"ec1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","use":"sig"},
          {"kty":"RSA","kid":"enc1","use":"enc","e":"AQAB","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw"}
        ]}"#;
        let keys = parse_keys(serde_json::from_str(json).unwrap());
        assert_eq!(keys.len(), 1);
        assert!(keys.contains_key("U5R8cHbGw445Qbq8zVO1PcCpXL8yG6IcovVa3laCoxM"));
    }
}
