//! Okta's browserless sign-in: 1. `/api/v1/authn`, 2. `/authorize`, 3. `/token`.

mod authn;
mod authorize;
mod http;
mod pkce;
mod token;
