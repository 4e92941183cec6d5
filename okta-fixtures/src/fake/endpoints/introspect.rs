//! `POST /oauth2[/{server}]/v1/introspect` (section 7.2).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::fake::FakeState;
use crate::fake::clock::epoch_secs;
use crate::fake::directory::{AppEntry, ServerEntry};
use crate::fake::error::OAuthError;
use crate::fake::json::Obj;
use crate::fake::jwt::Verified;
use crate::fake::params::Params;
use crate::fake::presented;
use crate::fake::reply;

/// `POST …/v1/introspect`: `{"active":true,…}` for a live token of this server, else
/// `{"active":false}`.
pub(crate) fn introspect(
    st: &FakeState,
    server: &ServerEntry,
    form: &Params,
    app: &AppEntry,
    token: &str,
) -> Result<Response, OAuthError> {
    let hint = form.get("token_type_hint").unwrap_or("access_token");
    let order: [&str; 3] = match hint {
        "refresh_token" => ["refresh_token", "access_token", "id_token"],
        "id_token" => ["id_token", "access_token", "refresh_token"],
        _ => ["access_token", "refresh_token", "id_token"],
    };
    for kind in order {
        let answer = match kind {
            "access_token" => presented::access_token(st, server, token).ok().map(|v| {
                let answer = Obj::new()
                    .bool("active", true)
                    .str("token_type", "Bearer")
                    .str("scope", &v.scopes().join(" "))
                    .opt_str("client_id", v.str("cid"))
                    .opt_str("username", v.str("uid").and(v.str("sub")));
                token_claims(answer, &v).opt_str("uid", v.str("uid"))
            }),
            "refresh_token" => st
                .grants
                .peek_refresh(token, st.clock.now())
                .filter(|(g, _)| g.client_id == app.client_id && g.server == server.id)
                .and_then(|(g, exp)| {
                    let user = st.dir.user(&g.user_key)?;
                    Some(
                        Obj::new()
                            .bool("active", true)
                            .str("token_type", "Bearer")
                            .str("scope", &g.scopes.join(" "))
                            .str("client_id", &g.client_id)
                            .str("username", &user.username)
                            .num("exp", epoch_secs(exp))
                            .str("sub", &user.username)
                            .str("uid", &user.id),
                    )
                }),
            _ => presented::id_token(st, server, token)
                .filter(|v| v.str("aud") == Some(app.client_id.as_str()))
                .map(|v| {
                    let username = v
                        .str("sub")
                        .and_then(|id| st.dir.user_by_id(id))
                        .map(|u| u.username.clone());
                    let answer = Obj::new()
                        .bool("active", true)
                        .str("token_type", "Bearer")
                        .opt_str("client_id", v.str("aud"))
                        .opt_str("username", username.as_deref());
                    token_claims(answer, &v)
                }),
        };
        if let Some(answer) = answer {
            return Ok(reply::json(StatusCode::OK, answer.finish()));
        }
    }
    Ok(reply::json(
        StatusCode::OK,
        Obj::new().bool("active", false).finish(),
    ))
}

/// The members an introspection copies from a JWT, in Okta's order.
fn token_claims(answer: Obj, v: &Verified) -> Obj {
    answer
        .value("exp", v.claims.get("exp").unwrap_or(&Value::Null))
        .value("iat", v.claims.get("iat").unwrap_or(&Value::Null))
        .opt_str("sub", v.str("sub"))
        .opt_str("aud", v.str("aud"))
        .opt_str("iss", v.str("iss"))
        .opt_str("jti", v.str("jti"))
}
