//! Renewing a user's tokens: `POST /token` with `grant_type=refresh_token`, asking for the
//! plan's scopes (Okta allows the original scopes or fewer).
//!
//! Okta rotates the refresh token of apps set to "Rotate token after every use" (SPAs by
//! default): the answer's then replaces the one sent, which dies after a grace period. A
//! persistent one comes back unchanged, or not at all; then the one sent is kept. The new ID
//! token comes straight from the token endpoint over TLS, which OIDC accepts in place of a
//! signature check (Core 3.1.3.7); it carries no nonce of this flow to check.

use std::time::SystemTime;

use super::token;
use super::{Okta, Plan};
use crate::Secret;
use crate::error::Result;
use crate::tokens::Tokens;

/// Renews the plan's tokens with `refresh_token`.
pub(crate) async fn refresh(
    okta: &Okta<'_>,
    plan: &Plan,
    refresh_token: &Secret,
) -> Result<Tokens> {
    let sign_in = plan.sign_in();
    let http = okta.http(&sign_in);
    let server = okta.org.server(&plan.server)?;
    let token_url = server.token_url();
    let scope = plan.scopes.join(" ");
    let received = SystemTime::now();
    let mut answer =
        token::refresh_grant(&http, token_url, &plan.app, refresh_token, &scope).await?;
    if answer.refresh_token.is_none() {
        answer.refresh_token = Some(refresh_token.expose().to_owned());
    }
    tracing::info!("refreshed");
    Ok(answer.into_tokens(plan, received))
}
