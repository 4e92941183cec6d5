//! Step 3 (code flow): `POST /token` with the code and PKCE verifier → tokens. Also the one
//! call of a `client_credentials` service app, and the request a refresh sends.
//!
//! Form-encoded, `Accept: application/json`, no `Origin` header (Okta would apply its
//! browser-request rules), client authentication as the app says.

use std::time::{Duration, SystemTime};

use okta_fixtures_config::{App, TokenEndpointAuth};
use reqwest::header::ACCEPT;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::Deserialize;

use super::Plan;
use super::http::{Answer, Http};
use crate::Secret;
use crate::error::{Error, Result, SignIn};
use crate::tokens::{TokenParts, Tokens, decode_claims};

/// A successful `/token` answer. No `Debug`: it holds tokens.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    #[serde(default)]
    pub(crate) token_type: Option<String>,
    #[serde(default)]
    pub(crate) expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) access_token: Option<String>,
    #[serde(default)]
    pub(crate) scope: Option<String>,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) id_token: Option<String>,
}

impl TokenAnswer {
    /// The plan's [`Tokens`]; expiry from `expires_in`, else the ID token's `exp`.
    pub(crate) fn into_tokens(self, plan: &Plan, received: SystemTime) -> Tokens {
        let expires_in = self.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let expires_at = match (expires_in, &self.access_token) {
            (Some(secs), Some(_)) => received + Duration::from_secs(secs),
            _ => self
                .id_token
                .as_deref()
                .and_then(decode_claims)
                .and_then(|c| c["exp"].as_u64())
                .map(|exp| SystemTime::UNIX_EPOCH + Duration::from_secs(exp))
                .or(expires_in.map(|secs| received + Duration::from_secs(secs)))
                .unwrap_or(received),
        };
        let scopes = match &self.scope {
            Some(s) => s.split_whitespace().map(str::to_owned).collect(),
            None => plan.scopes.clone(),
        };
        Tokens::new(TokenParts {
            user: plan.user.as_ref().map(|u| u.name.clone()),
            username: plan.user.as_ref().map(|u| u.username.clone()),
            app: plan.app.name.clone(),
            client_id: plan.app.client_id.clone(),
            server: plan.server.clone(),
            token_type: self.token_type.unwrap_or_else(|| "Bearer".into()),
            access_token: self.access_token.map(Secret::new),
            id_token: self.id_token.map(Secret::new),
            refresh_token: self.refresh_token.map(Secret::new),
            expires_at,
            scopes,
        })
    }
}

/// Redeems an authorization code.
pub(crate) async fn redeem_code(
    http: &Http<'_>,
    token_url: &str,
    app: &App,
    code: &Secret,
    redirect_uri: &str,
    verifier: Option<&Secret>,
) -> Result<TokenAnswer> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v.expose()));
    }
    post(http, token_url, app, form).await
}

/// Asks for a service app's tokens (`grant_type=client_credentials`).
pub(crate) async fn client_credentials(
    http: &Http<'_>,
    token_url: &str,
    app: &App,
    scope: &str,
) -> Result<TokenAnswer> {
    let form = vec![("grant_type", "client_credentials"), ("scope", scope)];
    post(http, token_url, app, form).await
}

/// Renews tokens with a refresh token (`grant_type=refresh_token`).
pub(crate) async fn refresh_grant(
    http: &Http<'_>,
    token_url: &str,
    app: &App,
    refresh_token: &Secret,
    scope: &str,
) -> Result<TokenAnswer> {
    let form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
        ("scope", scope),
    ];
    post(http, token_url, app, form).await
}

/// Sends one `/token` request with the app's client authentication and reads the answer.
async fn post(
    http: &Http<'_>,
    token_url: &str,
    app: &App,
    mut form: Vec<(&str, &str)>,
) -> Result<TokenAnswer> {
    let secret = app.client_secret.as_ref().map(Secret::expose);
    let basic = match (app.token_endpoint_auth, secret) {
        (TokenEndpointAuth::ClientSecretBasic, Some(secret)) => Some(secret),
        (TokenEndpointAuth::ClientSecretPost, Some(secret)) => {
            form.push(("client_id", &app.client_id));
            form.push(("client_secret", secret));
            None
        }
        // A public client names itself in the body.
        _ => {
            form.push(("client_id", &app.client_id));
            None
        }
    };
    let build = |c: &Client| -> RequestBuilder {
        let req = c
            .post(token_url)
            .header(ACCEPT, "application/json")
            .form(&form);
        match basic {
            // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and
            // base64-encoded, so a `:` or `%` in either survives the trip.
            Some(secret) => req.basic_auth(form_encode(&app.client_id), Some(form_encode(secret))),
            None => req,
        }
    };
    let answer = http.send(build).await?;
    read_answer(&answer, http.sign_in)
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn read_answer(answer: &Answer, sign_in: &SignIn) -> Result<TokenAnswer> {
    if answer.status == StatusCode::OK {
        return answer.json(sign_in);
    }
    #[derive(Deserialize)]
    struct OAuthErrorBody {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    if let Ok(e) = serde_json::from_str::<OAuthErrorBody>(&answer.body) {
        return Err(Error::Token {
            sign_in: Box::new(sign_in.clone()),
            endpoint: answer.endpoint.clone(),
            status: answer.status.as_u16(),
            error: e.error,
            description: e.error_description,
        });
    }
    Err(answer.error(sign_in, "a body that is not Okta's"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        assert_eq!(form_encode("web-client_1.x"), "web-client_1.x");
        assert_eq!(form_encode("a:b%c+d e"), "a%3Ab%25c%2Bd+e");
    }

    fn read(status: u16, body: &str) -> Result<TokenAnswer> {
        let sign_in = SignIn::new(Some("alice"), "web", "default");
        let url = "https://x/oauth2/default/v1/token";
        let json = "application/json;charset=UTF-8";
        let a = Answer::canned(reqwest::Method::POST, url, status, json, body);
        read_answer(&a, &sign_in)
    }

    #[test]
    fn success_in_todays_key_order() {
        let t = read(
            200,
            r#"{"token_type":"Bearer","expires_in":3600,"access_token":"eyJraWQiOiJOT1lBbTdz.a.b","scope":"openid email profile","refresh_token":"i6mapTIAVSp2oJkgUnCACKKfZxt_H5MBLiqcybBBd04","id_token":"eyJraWQiOiJOT1lBbTdz.c.d"}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in.unwrap().as_u64(), Some(3600));
        assert_eq!(t.scope.as_deref(), Some("openid email profile"));
        assert!(t.refresh_token.is_some() && t.id_token.is_some());
    }

    #[test]
    fn oauth_errors_carry_okta_text_and_a_hint() {
        for (status, error, desc, hint) in [
            (
                401,
                "invalid_client",
                "The client secret supplied for a confidential client is invalid.",
                "token_endpoint_auth",
            ),
            (
                400,
                "invalid_grant",
                "PKCE verification failed.",
                "pkce: false",
            ),
            (
                400,
                "invalid_grant",
                "The authorization code is invalid or has expired.",
                "300 s",
            ),
            (
                400,
                "unauthorized_client",
                "The client is not authorized to use the provided grant type. Configured grant types: [refresh_token, implicit, authorization_code].",
                "grant type",
            ),
            (
                400,
                "invalid_scope",
                "Cannot request 'openid' scopes using client credentials.",
                "custom scopes",
            ),
        ] {
            let body = serde_json::json!({"error": error, "error_description": desc}).to_string();
            let e = read(status, &body).err().unwrap();
            match &e {
                Error::Token {
                    status: s,
                    error: got,
                    description: Some(d),
                    ..
                } => {
                    assert_eq!((*s, got.as_str(), d.as_str()), (status, error, desc));
                }
                other => panic!("{other:?}"),
            }
            let msg = e.to_string();
            assert!(msg.contains(hint) && msg.contains(desc), "{msg}");
        }
    }

    fn plan() -> Plan {
        let yaml = "org_url: fake\napps:\n  spa:\n    client_id: spa-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n    scopes: [openid, email]\nusers:\n  alice:\n    username: alice@example.com\n    password: correct-horse\n    app: spa\n";
        let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
        let app = config.app("spa").unwrap().clone();
        Plan {
            user: Some(config.user("alice").unwrap().clone()),
            scopes: app.scopes.clone(),
            app,
            server: "default".into(),
        }
    }

    fn answer(json: serde_json::Value) -> TokenAnswer {
        serde_json::from_value(json).unwrap()
    }

    fn id_token(exp: u64) -> String {
        use base64::Engine as _;
        let claims = serde_json::json!({ "exp": exp }).to_string();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", b64.encode("{}"), b64.encode(claims))
    }

    #[test]
    fn expiry_comes_from_expires_in_else_the_id_token() {
        let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        // With an access token, expires_in counts from receipt, as a number or (form_post) a
        // string.
        for expires_in in [serde_json::json!(3600), serde_json::json!(" 3600 ")] {
            let t = answer(serde_json::json!({
                "access_token": "a", "expires_in": expires_in, "id_token": id_token(5)
            }))
            .into_tokens(&plan(), received);
            assert_eq!(t.expires_at(), at(1_003_600));
        }
        // An ID token alone lives until its exp.
        let t = answer(serde_json::json!({ "expires_in": 3600, "id_token": id_token(1_000_300) }))
            .into_tokens(&plan(), received);
        assert_eq!(t.expires_at(), at(1_000_300));
        // Neither: expires_in, else now.
        let t = answer(serde_json::json!({ "expires_in": 60 })).into_tokens(&plan(), received);
        assert_eq!(t.expires_at(), at(1_000_060));
        let t = answer(serde_json::json!({})).into_tokens(&plan(), received);
        assert_eq!(t.expires_at(), received);
    }

    #[test]
    fn tokens_name_the_plan_and_keep_the_granted_scopes() {
        let received = SystemTime::now();
        let t = answer(serde_json::json!({ "access_token": "a", "scope": "openid  profile" }))
            .into_tokens(&plan(), received);
        assert_eq!(
            (t.user(), t.username(), t.app(), t.client_id(), t.server()),
            (
                Some("alice"),
                Some("alice@example.com"),
                "spa",
                "spa-client",
                "default"
            )
        );
        assert_eq!(t.scopes(), ["openid", "profile"]);
        assert_eq!(t.token_type(), "Bearer");
        // No scope in the answer: the ones asked for.
        let t = answer(serde_json::json!({ "access_token": "a", "token_type": "DPoP" }))
            .into_tokens(&plan(), received);
        assert_eq!(t.scopes(), ["openid", "email"]);
        assert_eq!(t.token_type(), "DPoP");
    }

    #[test]
    fn okta_envelopes_and_garbage() {
        let e = read(429, r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#).err().unwrap();
        assert!(matches!(e, Error::Okta { status: 429, .. }));
        let e = read(500, "<html>oops</html>").err().unwrap();
        assert!(matches!(e, Error::Unexpected { status: 500, .. }));
    }
}
