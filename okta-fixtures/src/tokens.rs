//! `Tokens`: what a sign-in produced, shared cheaply between tests.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::Secret;

/// The tokens of one signed-in user (or of a service app) for one app, server and set of
/// scopes.
///
/// Cloning is cheap (an `Arc`), and `Tokens` is `Send + Sync`. `Debug` shows who the tokens
/// belong to and when they expire, never a token.
///
/// ```
/// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
/// let tokens = okta_fixtures::tokens("alice").await?;
/// assert!(tokens.authorization_header().starts_with("Bearer "));
/// assert_eq!(tokens.user(), Some("alice"));
/// assert!(!format!("{tokens:?}").contains(tokens.access_token()));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Tokens(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    parts: TokenParts,
    /// Decoded on first use: a cache hit read from disk by a new process need not pay for it.
    access_claims: OnceLock<Option<Value>>,
    id_claims: OnceLock<Option<Value>>,
}

/// The parts a flow hands to [`Tokens::new`].
#[derive(Clone)]
pub(crate) struct TokenParts {
    pub(crate) user: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) app: String,
    pub(crate) client_id: String,
    pub(crate) server: String,
    pub(crate) token_type: String,
    pub(crate) access_token: Option<Secret>,
    pub(crate) id_token: Option<Secret>,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) expires_at: SystemTime,
    pub(crate) scopes: Vec<String>,
}

#[cfg(test)]
impl TokenParts {
    /// Alice's tokens for app `spa`, for unit tests to vary with `..TokenParts::sample()`.
    pub(crate) fn sample() -> Self {
        TokenParts {
            user: Some("alice".into()),
            username: Some("alice@example.com".into()),
            app: "spa".into(),
            client_id: "spa-client".into(),
            server: "default".into(),
            token_type: "Bearer".into(),
            access_token: Some("access-SECRET".into()),
            id_token: Some("id-SECRET".into()),
            refresh_token: Some("refresh-SECRET".into()),
            expires_at: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(10_000),
            scopes: vec!["openid".into(), "profile".into()],
        }
    }
}

impl Tokens {
    pub(crate) fn new(parts: TokenParts) -> Self {
        Tokens(Arc::new(Inner {
            parts,
            access_claims: OnceLock::new(),
            id_claims: OnceLock::new(),
        }))
    }

    /// The same tokens, expiring at `at`: the cache moves expiry onto its own clock.
    pub(crate) fn expiring_at(&self, at: SystemTime) -> Tokens {
        let mut inner = Inner::clone(&self.0);
        inner.parts.expires_at = at;
        Tokens(Arc::new(inner))
    }

    /// The access token.
    ///
    /// # Panics
    ///
    /// When the flow produced no access token (an implicit app whose `response_type` is only
    /// `id_token`). The message names the user and the app. Use [`Tokens::try_access_token`]
    /// to handle that case.
    #[track_caller]
    pub fn access_token(&self) -> &str {
        match &self.0.parts.access_token {
            Some(t) => t.expose(),
            None => panic!(
                "{}: the sign-in produced no access token (the app asks only for an id_token); \
                 add `token` to `response_type` of app `{}` in fixtures.yaml, or call \
                 try_access_token()",
                self.who(),
                self.0.parts.app
            ),
        }
    }

    /// The access token, if the flow produced one.
    pub fn try_access_token(&self) -> Option<&str> {
        self.0.parts.access_token.as_ref().map(Secret::expose)
    }

    /// The ID token, if the flow produced one (scope `openid`, and `id_token` for an implicit
    /// app).
    pub fn id_token(&self) -> Option<&str> {
        self.0.parts.id_token.as_ref().map(Secret::expose)
    }

    /// The refresh token, if the flow produced one (code flow with scope `offline_access`).
    pub fn refresh_token(&self) -> Option<&str> {
        self.0.parts.refresh_token.as_ref().map(Secret::expose)
    }

    /// When the access token expires (the ID token's expiry when there is no access token).
    pub fn expires_at(&self) -> SystemTime {
        self.0.parts.expires_at
    }

    /// The scopes granted (as Okta reported them; the scopes asked for when it did not).
    pub fn scopes(&self) -> &[String] {
        &self.0.parts.scopes
    }

    /// `Bearer <access token>`, for an `Authorization` header.
    ///
    /// # Panics
    ///
    /// When there is no access token, as [`Tokens::access_token`].
    #[track_caller]
    pub fn authorization_header(&self) -> String {
        format!("{} {}", self.0.parts.token_type, self.access_token())
    }

    /// The token type Okta reported (`Bearer`).
    pub fn token_type(&self) -> &str {
        &self.0.parts.token_type
    }

    /// The access token's claims, decoded without verification (`None` when there is no access
    /// token or it is not a JWT).
    ///
    /// ```
    /// # #[tokio::main] async fn main() -> okta_fixtures::Result<()> {
    /// let tokens = okta_fixtures::tokens("alice").await?;
    /// let claims = tokens.access_claims().unwrap();
    /// assert_eq!(claims["sub"], "alice@example.com"); // Okta: the username
    /// assert!(claims["scp"].as_array().is_some());
    /// # Ok(()) }
    /// ```
    pub fn access_claims(&self) -> Option<&Value> {
        self.0
            .access_claims
            .get_or_init(|| decode_claims(self.try_access_token()?))
            .as_ref()
    }

    /// The ID token's claims, decoded (the flow has verified them unless `verify.id_token` is
    /// off).
    pub fn id_claims(&self) -> Option<&Value> {
        self.0
            .id_claims
            .get_or_init(|| decode_claims(self.id_token()?))
            .as_ref()
    }

    /// The user key of fixtures.yaml (`None` for a service app's tokens).
    pub fn user(&self) -> Option<&str> {
        self.0.parts.user.as_deref()
    }

    /// The Okta username the user signed in with (`None` for a service app's tokens).
    pub fn username(&self) -> Option<&str> {
        self.0.parts.username.as_deref()
    }

    /// The app key of fixtures.yaml.
    pub fn app(&self) -> &str {
        &self.0.parts.app
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.0.parts.client_id
    }

    /// The authorization server's name in fixtures.yaml (`org`, `default` or a key of
    /// `servers:`).
    pub fn server(&self) -> &str {
        &self.0.parts.server
    }

    pub(crate) fn who(&self) -> String {
        match &self.0.parts.user {
            Some(u) => format!("user `{u}` with app `{}`", self.0.parts.app),
            None => format!("app `{}`", self.0.parts.app),
        }
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // By hand: every token goes through Secret's redacting Debug.
        let t = &self.0.parts;
        f.debug_struct("Tokens")
            .field("user", &t.user)
            .field("app", &t.app)
            .field("server", &t.server)
            .field("token_type", &t.token_type)
            .field("access_token", &t.access_token)
            .field("id_token", &t.id_token)
            .field("refresh_token", &t.refresh_token)
            .field("expires_at", &t.expires_at)
            .field("scopes", &t.scopes)
            .finish()
    }
}

/// The claims of a JWT, without verification: `None` unless the token is three dot-separated
/// parts whose middle is base64url JSON object.
pub(crate) fn decode_claims(jwt: &str) -> Option<Value> {
    let mut parts = jwt.split('.');
    let (_, payload, _, None) = (parts.next()?, parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"kid":"k","alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    fn sample(access: Option<&str>) -> Tokens {
        Tokens::new(TokenParts {
            access_token: access.map(Secret::from),
            id_token: Some(Secret::from(jwt(r#"{"sub":"00u1","nonce":"n"}"#))),
            ..TokenParts::sample()
        })
    }

    #[test]
    fn debug_redacts_every_token() {
        let access = jwt(r#"{"sub":"alice@example.com","scp":["openid"]}"#);
        let t = sample(Some(&access));
        let dbg = format!("{t:?}");
        let pretty = format!("{t:#?}");
        for secret in [
            access.as_str(),
            t.id_token().unwrap(),
            "refresh-SECRET",
            // A fragment of each, in case a formatter truncates.
            &access[..20],
        ] {
            assert!(!dbg.contains(secret), "{dbg}");
            assert!(!pretty.contains(secret), "{pretty}");
        }
        assert!(dbg.contains("alice") && dbg.contains("[REDACTED]"), "{dbg}");
    }

    #[test]
    fn claims_are_decoded_without_verification() {
        let access = jwt(r#"{"sub":"alice@example.com","scp":["openid","email"]}"#);
        let t = sample(Some(&access));
        assert_eq!(t.access_claims().unwrap()["sub"], "alice@example.com");
        assert_eq!(t.access_claims().unwrap()["scp"][1], "email");
        assert_eq!(t.id_claims().unwrap()["nonce"], "n");
        assert_eq!(t.authorization_header(), format!("Bearer {access}"));
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        for bad in ["opaque", "a.b", "a.b.c.d", "a.!!!.c", &jwt("[1,2]")] {
            assert_eq!(decode_claims(bad), None, "{bad}");
        }
        // Padding some encoders leave is tolerated.
        let padded = format!("h.{}==.s", URL_SAFE_NO_PAD.encode(r#"{"a":1}"#));
        assert_eq!(decode_claims(&padded).unwrap()["a"], 1);
    }

    #[test]
    fn access_token_panics_naming_user_and_app_only() {
        let t = sample(None);
        assert_eq!(t.try_access_token(), None);
        let err = std::panic::catch_unwind(|| t.access_token().len()).unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(
            msg.contains("user `alice`") && msg.contains("app `spa`"),
            "{msg}"
        );
        assert!(!msg.contains(t.id_token().unwrap()) && !msg.contains("refresh-SECRET"));
    }

    #[test]
    fn tokens_are_send_sync_and_clone_shares() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tokens>();
        let t = sample(Some("x.y.z"));
        let u = t.clone();
        assert!(Arc::ptr_eq(&t.0, &u.0));
    }
}
