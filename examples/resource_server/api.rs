//! The orders API: a small axum service that accepts Okta access tokens of one custom
//! authorization server and checks, per route, the scopes and the group the caller needs.
//!
//! | Route | Needs |
//! |---|---|
//! | `GET /health` | nothing |
//! | `GET /orders` | scope `orders:read`: the caller's own orders |
//! | `POST /orders` `{"item": "…"}` | scope `orders:write`: 201 and the new order |
//! | `GET /reports` | scope `reports:read` (service apps welcome): how many orders there are |
//! | `GET /admin/reports` | scope `reports:read` and group `admins`: orders per owner |
//!
//! A missing token is answered 401 with a bare `WWW-Authenticate: Bearer` challenge; a bad
//! one (not a JWT, another algorithm, an unknown key, a signature that does not verify,
//! expired, another issuer, another audience) 401 with `error="invalid_token"`; a good token
//! without the scope or group 403 with `error="insufficient_scope"` (RFC 6750). The reason is
//! in `error_description` and in the JSON body; the token never is.
//!
//! An unknown key is what a token of another authorization server has (each has keys of its
//! own), and what every access token of Okta's org authorization server has: Okta publishes
//! their key in no JWKS, so an API configured with the org server refuses them all
//! (`tests/it/e2e.rs`, `org_server`).
//!
//! Shared by `examples/resource_server.rs` and the end-to-end tests (`tests/it/e2e.rs`), which
//! both load it with `#[path]`.

mod caller;
mod keys;
mod verify;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub(crate) use caller::{Caller, Rejection};
pub(crate) use verify::{Invalid, Settings, Verifier};

/// The scope `GET /orders` needs.
pub(crate) const ORDERS_READ: &str = "orders:read";
/// The scope `POST /orders` needs.
pub(crate) const ORDERS_WRITE: &str = "orders:write";
/// The scope both report routes need.
pub(crate) const REPORTS_READ: &str = "reports:read";
/// The group `GET /admin/reports` needs, from the access token's `groups` claim.
pub(crate) const ADMINS: &str = "admins";

/// The API's routes, accepting the access tokens `settings` describes.
pub(crate) fn router(settings: Settings) -> Router {
    let state = Api {
        verifier: Arc::new(Verifier::new(settings)),
        orders: Arc::default(),
    };
    Router::new()
        .route("/health", get(health))
        .route("/orders", get(list_orders).post(create_order))
        .route("/reports", get(report))
        .route("/admin/reports", get(admin_report))
        .with_state(state)
}

/// What every handler shares: the token verifier (and its key cache) and the orders.
#[derive(Clone)]
pub(crate) struct Api {
    verifier: Arc<Verifier>,
    orders: Arc<Mutex<Vec<Order>>>,
}

impl Api {
    /// The verifier the [`Caller`] extractor checks tokens with.
    pub(crate) fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The orders, locked.
    fn orders(&self) -> std::sync::MutexGuard<'_, Vec<Order>> {
        // A handler that panicked mid-push leaves a valid Vec behind.
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One order, owned by the `sub` of the token that placed it.
#[derive(Clone)]
struct Order {
    id: u64,
    owner: String,
    item: String,
}

impl Order {
    /// How the API shows an order.
    fn to_json(&self) -> Value {
        json!({"id": self.id, "owner": self.owner, "item": self.item})
    }
}

/// `GET /health`: open to anyone.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /orders`: the caller's own orders.
async fn list_orders(State(api): State<Api>, caller: Caller) -> Result<Json<Value>, Rejection> {
    caller.require_scope(ORDERS_READ)?;
    let mine: Vec<Value> = api
        .orders()
        .iter()
        .filter(|o| o.owner == caller.subject())
        .map(Order::to_json)
        .collect();
    Ok(Json(json!({"owner": caller.subject(), "orders": mine})))
}

/// `POST /orders`: a new order owned by the caller.
async fn create_order(
    State(api): State<Api>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), Rejection> {
    caller.require_scope(ORDERS_WRITE)?;
    let Some(item) = body.get("item").and_then(Value::as_str) else {
        let problem = json!({
            "error": "invalid_request",
            "error_description": "the body needs a string `item`",
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(problem)));
    };
    let mut orders = api.orders();
    let order = Order {
        id: orders.len() as u64 + 1,
        owner: caller.subject().to_owned(),
        item: item.to_owned(),
    };
    orders.push(order.clone());
    Ok((StatusCode::CREATED, Json(order.to_json())))
}

/// `GET /reports`: how many orders there are, for users and service apps alike.
async fn report(State(api): State<Api>, caller: Caller) -> Result<Json<Value>, Rejection> {
    caller.require_scope(REPORTS_READ)?;
    let count = api.orders().len();
    Ok(Json(json!({"orders": count})))
}

/// `GET /admin/reports`: orders per owner, for admins only.
async fn admin_report(State(api): State<Api>, caller: Caller) -> Result<Json<Value>, Rejection> {
    caller.require_scope(REPORTS_READ)?;
    caller.require_group(ADMINS)?;
    let mut per_owner: BTreeMap<String, u64> = BTreeMap::new();
    for order in api.orders().iter() {
        *per_owner.entry(order.owner.clone()).or_default() += 1;
    }
    Ok(Json(json!({"orders_per_owner": per_owner})))
}
