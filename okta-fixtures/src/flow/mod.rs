//! Okta's browserless sign-in: 1. `/api/v1/authn`, 2. `/authorize`, 3. `/token`, then the
//! ID-token check.
//!
//! [`sign_in`] reads top to bottom as those steps; a `client_credentials` service app makes
//! only the `/token` call ([`service_tokens`]). [`refresh()`] renews a user's tokens later.

mod authn;
mod authorize;
pub(crate) mod http;
mod in_flight;
mod page;
mod pkce;
mod refresh;
mod token;
mod totp;
mod verify;

use std::time::SystemTime;

use okta_fixtures_config::{App, Config, Flow, User};
use reqwest::Client;

use crate::cache::{Refusals, Shared, Steps};
use crate::error::{Error, Result, SignIn};
use crate::org::{AuthorizationServer, Org};
use crate::tokens::Tokens;
use authorize::Authorize;
use http::Http;
pub(crate) use refresh::refresh;
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
    /// Who this sign-in is, as its errors and logs name it.
    pub(crate) fn sign_in(&self) -> SignIn {
        SignIn::new(
            self.user.as_ref().map(|u| u.name.as_str()),
            &self.app.name,
            &self.server,
        )
    }
}

/// The Okta org as every sign-in reaches it: the worker's HTTP client, the config, the org's
/// URLs and its cached signing keys.
pub(crate) struct Okta<'a> {
    pub(crate) client: &'a Client,
    pub(crate) config: &'a Config,
    pub(crate) org: &'a Org,
    pub(crate) keys: &'a KeySets,
    /// The passwords and TOTP secrets Okta refused, not to be sent again.
    pub(crate) refusals: &'a Refusals,
    /// The last TOTP step used per user.
    pub(crate) steps: &'a Steps,
    /// The store the refusals are shared through.
    pub(crate) store: Shared<'a>,
}

impl Okta<'_> {
    /// The client as `sign_in`'s requests use it.
    fn http<'a>(&'a self, sign_in: &'a SignIn) -> Http<'a> {
        Http {
            client: self.client,
            settings: &self.config.http,
            sign_in,
        }
    }
}

/// Signs the plan's user in (or gets a service app's tokens).
pub(crate) async fn sign_in(okta: &Okta<'_>, plan: &Plan) -> Result<Tokens> {
    let sign_in = plan.sign_in();
    let http = okta.http(&sign_in);
    let server = okta.org.server(&plan.server)?;
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
    // Okta lets five `/authorize` requests of one client run at once; more wait their turn.
    let _turn = in_flight::permit(okta.org.url(), &app.client_id).await;

    // 1. authn: username and password (and a TOTP code when Okta asks for one) → a one-time
    //    sessionToken. A password or TOTP secret Okta refused before is not sent again (each
    //    retry counts toward Okta's lockout); this process's sign-ins of the user take turns,
    //    so the second sees the first one's refusal.
    let org_url = okta.org.url();
    let session_token = {
        let _authn_turn = okta.refusals.turn(org_url, user).await;
        okta.refusals
            .check(okta.store, org_url, user, &sign_in)
            .await?;
        let mfa = totp::Mfa {
            org_url,
            refusals: okta.refusals,
            steps: okta.steps,
            store: okta.store,
        };
        let session_token = authn::session_token(&http, &mfa, user).await;
        if let Err(Error::AuthnRejected { code, summary, .. }) = &session_token {
            okta.refusals
                .remember(okta.store, org_url, user, code, summary)
                .await;
        }
        session_token?
    };

    // 2. authorize: sessionToken → tokens (implicit) or a code, from the form_post page.
    let state = pkce::state();
    let nonce = pkce::nonce();
    let pkce = (app.flow == Flow::Code && app.pkce).then(pkce::Pkce::new);
    let form = authorize::authorize(
        &http,
        &Authorize {
            url: server.authorize_url(),
            client_id: &app.client_id,
            response_type: &authorize::response_type(app),
            scope: &plan.scopes.join(" "),
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
        let code = form.code(&sign_in)?;
        let verifier = pkce.as_ref().map(|p| &p.verifier);
        token::redeem_code(
            &http,
            server.token_url(),
            app,
            &code,
            redirect_uri,
            verifier,
        )
        .await?
    } else {
        form.implicit_tokens(&app.response_type, &sign_in)?
    };

    // Then the ID token, unless fixtures.yaml turns the check off.
    if let Some(id_token) = &answer.id_token
        && okta.config.verify.id_token
    {
        let expected = Expected {
            issuer: server.issuer(),
            jwks_uri: server.jwks_uri(),
            client_id: &app.client_id,
            nonce: &nonce,
            leeway: okta.config.verify.leeway,
            implicit_access_token: match app.flow {
                Flow::Implicit => answer.access_token.as_deref(),
                Flow::Code | Flow::ClientCredentials => None,
            },
        };
        okta.keys.verify(&http, id_token, &expected).await?;
    }
    tracing::info!("signed in");
    Ok(answer.into_tokens(plan, received))
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
        token::client_credentials(http, server.token_url(), &plan.app, &plan.scopes.join(" "))
            .await?;
    tracing::info!("got service app tokens");
    Ok(answer.into_tokens(plan, received))
}
