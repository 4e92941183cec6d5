//! Okta's browserless sign-in: 1. `/api/v1/authn`, 2. `/authorize`, 3. `/token`.
//!
//! [`sign_in`] reads top to bottom as the three steps; a `client_credentials` service app
//! makes only the `/token` call ([`service_tokens`]).

mod authn;
mod authorize;
pub(crate) mod http;
mod pkce;
mod token;
mod verify;

use std::time::{Duration, SystemTime};

use okta_fixtures_config::{App, Config, Flow, ResponseType, User};
use reqwest::Client;

use crate::Secret;
use crate::error::{Error, Result, SignIn};
use crate::org::{AuthorizationServer, Org};
use crate::tokens::{TokenParts, Tokens, decode_claims};
use authorize::Authorize;
use http::Http;
use token::TokenAnswer;
pub(crate) use token::refresh;
use verify::Expected;
pub(crate) use verify::KeySets;

/// What to sign in: resolved from fixtures.yaml and the test's request.
#[derive(Clone)]
pub(crate) struct Plan {
    /// `None` for a `client_credentials` app.
    pub(crate) user: Option<User>,
    pub(crate) app: App,
    pub(crate) server: String,
    /// The scopes asked for (the test's, else the app's).
    pub(crate) scopes: Vec<String>,
}

impl Plan {
    pub(crate) fn sign_in(&self) -> SignIn {
        SignIn::new(
            self.user.as_ref().map(|u| u.name.as_str()),
            &self.app.name,
            &self.server,
        )
    }
}

/// What a flow runs with: the worker's client, the config, the org and its signing keys.
pub(crate) struct Env<'a> {
    pub(crate) client: &'a Client,
    pub(crate) config: &'a Config,
    pub(crate) org: &'a Org,
    pub(crate) keys: &'a KeySets,
}

/// Signs the plan's user in (or gets a service app's tokens).
pub(crate) async fn sign_in(env: &Env<'_>, plan: &Plan) -> Result<Tokens> {
    let sign_in = plan.sign_in();
    let http = Http {
        client: env.client,
        settings: &env.config.http,
        sign_in: &sign_in,
    };
    let server = env.org.server(&plan.server);
    let app = &plan.app;
    let user = match (&plan.user, app.flow) {
        (None, _) => return service_tokens(&http, plan, &server).await,
        (Some(user), Flow::ClientCredentials) => {
            return Err(Error::ServiceApp {
                user: user.name.clone(),
                app: app.name.clone(),
            });
        }
        (Some(user), _) => user,
    };
    let redirect_uri = app.redirect_uri.as_deref().unwrap_or_default();

    // 1. authn: username and password → a one-time sessionToken.
    let session_token = authn::session_token(&http, env.org.url(), user).await?;

    // 2. authorize: sessionToken → tokens (implicit) or a code, from the form_post page.
    let state = pkce::state();
    let nonce = pkce::nonce();
    let pkce = (app.flow == Flow::Code && app.pkce).then(pkce::Pkce::new);
    let response_type = response_type(app);
    let scope = plan.scopes.join(" ");
    let mut form = authorize::authorize(
        &http,
        &Authorize {
            url: &server.authorize_url(),
            client_id: &app.client_id,
            response_type: &response_type,
            scope: &scope,
            redirect_uri,
            state: &state,
            nonce: &nonce,
            code_challenge: pkce.as_ref().map(|p| p.challenge.as_str()),
            session_token: &session_token,
        },
    )
    .await?;

    // 3. token (code flow): code + PKCE verifier → tokens.
    let received = SystemTime::now();
    let answer = if app.flow == Flow::Code {
        let code = form.take("code").ok_or_else(|| missing(&sign_in, "code"))?;
        let verifier = pkce.as_ref().map(|p| &p.verifier);
        token::redeem_code(
            &http,
            &server.token_url(),
            app,
            &Secret::new(code),
            redirect_uri,
            verifier,
        )
        .await?
    } else {
        implicit_answer(form, app, &sign_in)?
    };

    if let Some(id_token) = &answer.id_token
        && env.config.verify.id_token
    {
        let expected = Expected {
            issuer: server.issuer(),
            jwks_uri: &server.jwks_uri(),
            client_id: &app.client_id,
            nonce: &nonce,
            leeway: env.config.verify.leeway,
        };
        env.keys.verify(&http, id_token, &expected).await?;
    }
    tracing::info!("signed in");
    Ok(tokens(plan, answer, received))
}

/// A service app's tokens: one `/token` call with `grant_type=client_credentials`.
async fn service_tokens(
    http: &Http<'_>,
    plan: &Plan,
    server: &AuthorizationServer,
) -> Result<Tokens> {
    if plan.app.flow != Flow::ClientCredentials {
        return Err(Error::UserApp {
            app: plan.app.name.clone(),
            flow: plan.app.flow.as_str(),
        });
    }
    let received = SystemTime::now();
    let answer =
        token::client_credentials(http, &server.token_url(), &plan.app, &plan.scopes.join(" "))
            .await?;
    tracing::info!("got service app tokens");
    Ok(tokens(plan, answer, received))
}

/// `code`, or the implicit app's response types (`id_token token`).
fn response_type(app: &App) -> String {
    match app.flow {
        Flow::Implicit => app
            .response_type
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Flow::Code | Flow::ClientCredentials => "code".into(),
    }
}

/// The tokens an implicit flow's form_post page carried, checked against what was asked.
fn implicit_answer(
    mut form: authorize::FormPost,
    app: &App,
    sign_in: &SignIn,
) -> Result<TokenAnswer> {
    let answer = TokenAnswer {
        token_type: form.take("token_type"),
        expires_in: form.take("expires_in").map(serde_json::Value::String),
        access_token: form.take("access_token"),
        scope: form.take("scope"),
        refresh_token: None,
        id_token: form.take("id_token"),
    };
    for wanted in &app.response_type {
        match wanted {
            ResponseType::IdToken if answer.id_token.is_none() => {
                return Err(missing(sign_in, "id_token"));
            }
            ResponseType::Token if answer.access_token.is_none() => {
                return Err(missing(sign_in, "access_token"));
            }
            _ => {}
        }
    }
    Ok(answer)
}

fn missing(sign_in: &SignIn, what: &'static str) -> Error {
    Error::MissingInForm {
        sign_in: Box::new(sign_in.clone()),
        missing: what,
    }
}

/// Builds [`Tokens`]; expiry from `expires_in`, else the ID token's `exp`.
fn tokens(plan: &Plan, answer: TokenAnswer, received: SystemTime) -> Tokens {
    let expires_in = answer.expires_in.as_ref().and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let expires_at = match (expires_in, &answer.access_token) {
        (Some(secs), Some(_)) => received + Duration::from_secs(secs),
        _ => answer
            .id_token
            .as_deref()
            .and_then(decode_claims)
            .and_then(|c| c["exp"].as_u64())
            .map(|exp| SystemTime::UNIX_EPOCH + Duration::from_secs(exp))
            .or(expires_in.map(|secs| received + Duration::from_secs(secs)))
            .unwrap_or(received),
    };
    let scopes = match &answer.scope {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => plan.scopes.clone(),
    };
    Tokens::new(TokenParts {
        user: plan.user.as_ref().map(|u| u.name.clone()),
        username: plan.user.as_ref().map(|u| u.username.clone()),
        app: plan.app.name.clone(),
        client_id: plan.app.client_id.clone(),
        server: plan.server.clone(),
        token_type: answer.token_type.unwrap_or_else(|| "Bearer".into()),
        access_token: answer.access_token.map(Secret::new),
        id_token: answer.id_token.map(Secret::new),
        refresh_token: answer.refresh_token.map(Secret::new),
        expires_at,
        scopes,
    })
}
