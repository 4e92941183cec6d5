//! End to end: the fake Okta of the workspace's fixtures.yaml (the embedded one, or the
//! standalone `okta-fixtures fake` that `$OKTA_ORG_URL` names), the example orders API of
//! `examples/resource_server/` configured from [`okta_fixtures::org`], and users' tokens from
//! `#[okta_user]`: who may do what, and which tokens the API turns away.
//!
//! Every sign-in here is on the `orders` authorization server (or, for the org-server app, on
//! `org`), which no other module of this binary signs in to, so the fake's counts per user,
//! client and server are this module's own: `sign_ins` checks that each (user, app) signed in
//! at most once per process. The cache keys on the scopes too, so each (user, app) below
//! always asks for the same ones (`sign_ins::COMBINATIONS` lists them).

#[path = "../../examples/resource_server/api.rs"]
mod api;

use std::sync::LazyLock;

use okta_fixtures::Org;
use okta_fixtures::fake::{FakeOkta, FakeState, Mint};
use reqwest::Method;
use serde_json::{Value, json};

/// The authorization server the orders API trusts (fixtures.yaml's `servers.orders`).
const SERVER: &str = "orders";

/// The orders API of these tests, trusting the org's `orders` server. It runs on a thread and
/// runtime of its own for the whole process, so sync tests and every `#[tokio::test]` runtime
/// share it.
static API: LazyLock<Shared> = LazyLock::new(|| {
    let org = okta_fixtures::blocking::org().expect("the org of the workspace's fixtures.yaml");
    let server = org
        .server(SERVER)
        .expect("fixtures.yaml names the orders server");
    let settings = api::Settings::new(server.issuer(), server.jwks_uri(), server.audience());
    let served = settings.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("orders-api".into())
        .spawn(move || {
            let runtime = crate::support::runtime(true);
            runtime.block_on(async move {
                let url = serve(served).await;
                tx.send(url).expect("the test waits for the URL");
                std::future::pending::<()>().await;
            });
        })
        .expect("a thread for the orders API");
    let url = rx.recv().expect("the orders API starts");
    Shared { url, org, settings }
});

/// The process-wide orders API, the org and what the API accepts.
struct Shared {
    /// `http://127.0.0.1:PORT`.
    url: String,
    /// The org of fixtures.yaml.
    org: Org,
    /// The `orders` server's issuer, keys and audience, as the API was configured.
    settings: api::Settings,
}

/// Serves the orders API for `settings` on `127.0.0.1:0` on the current runtime; its URL once
/// it accepts connections.
async fn serve(settings: api::Settings) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, api::router(settings)).await });
    url
}

/// Access tokens with chosen claims, signed by the fake's keys: the embedded fake's own minter,
/// or, for a standalone fake, one built on the same key folder (`okta-fixtures fake` shares it
/// with in-process fakes) that issues in that fake's name.
fn mint() -> Mint {
    static MINTER: LazyLock<FakeState> = LazyLock::new(|| match API.org.fake() {
        Some(fake) => fake.state().clone(),
        None => {
            let fixtures = okta_fixtures::Fixtures::discover().expect("fixtures.yaml");
            FakeOkta::builder()
                .config(fixtures.config())
                .build(API.org.url())
                .expect("the fake's signing keys")
        }
    });
    MINTER.mint()
}

/// A token of alice's through the web app for the orders API, as the `orders` server issues it.
fn alices_token() -> Mint {
    mint()
        .server(SERVER)
        .user("alice")
        .client("web-client")
        .scopes(["openid", api::ORDERS_READ])
}

/// The orders API's answer: status, `WWW-Authenticate` challenge and JSON body.
#[derive(Debug)]
struct Reply {
    /// The HTTP status.
    status: u16,
    /// `WWW-Authenticate`, if any.
    challenge: Option<String>,
    /// The JSON body.
    body: Value,
}

impl Reply {
    /// The body's `error`.
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// The body's `error_description`.
    fn description(&self) -> &str {
        self.body["error_description"].as_str().unwrap_or_default()
    }

    /// Asserts a 401 `invalid_token` for `why`, in the body and in the challenge.
    #[track_caller]
    fn assert_invalid_token(&self, why: api::Invalid) {
        assert_eq!(self.status, 401, "{self:?}");
        assert_eq!(self.error(), "invalid_token", "{self:?}");
        assert_eq!(self.description(), why.to_string(), "{self:?}");
        let challenge = self.challenge.as_deref().unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer realm=\"orders-api\", error=\"invalid_token\""),
            "{self:?}"
        );
    }

    /// Asserts a 403 `insufficient_scope`, naming `scope` when it is a scope that lacks.
    #[track_caller]
    fn assert_insufficient(&self, scope: Option<&str>) {
        assert_eq!(self.status, 403, "{self:?}");
        assert_eq!(self.error(), "insufficient_scope", "{self:?}");
        let challenge = self.challenge.as_deref().unwrap_or_default();
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{self:?}"
        );
        match scope {
            Some(scope) => assert!(
                challenge.contains(&format!("scope=\"{scope}\"")),
                "{self:?}"
            ),
            None => assert!(!challenge.contains("scope=\""), "{self:?}"),
        }
    }
}

/// `method path` on the orders API at `base`, with `token` as bearer token; a POST sends an
/// order for a coffee.
async fn call_at(base: &str, method: Method, path: &str, token: Option<&str>) -> Reply {
    let mut request = reqwest::Client::new().request(method.clone(), format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if method == Method::POST {
        request = request.json(&json!({"item": "coffee"}));
    }
    let response = request.send().await.expect("the orders API answers");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.expect("a JSON body");
    Reply {
        status,
        challenge,
        body,
    }
}

/// [`call_at`] on the process-wide orders API.
async fn call(method: Method, path: &str, token: &str) -> Reply {
    call_at(&API.url, method, path, Some(token)).await
}

/// [`call`] from a sync test.
fn call_blocking(method: Method, path: &str, token: Option<&str>) -> Reply {
    crate::support::runtime(true).block_on(call_at(&API.url, method, path, token))
}

/// Who may use which route: scopes and groups, through the macro.
mod routes {
    use okta_fixtures::{Tokens, okta_user, okta_users};
    use rstest::rstest;

    use super::*;

    /// `/health` is open; anything else without a bearer token gets a bare challenge (RFC 6750:
    /// no error code when no credentials were sent).
    #[rstest]
    #[case::no_header(None)]
    #[case::basic(Some("Basic YWxpY2U6cGFzc3dvcmQ="))]
    #[case::empty_bearer(Some("Bearer "))]
    #[tokio::test]
    async fn no_token_gets_a_bare_challenge(#[case] authorization: Option<&str>) {
        let health = call_at(&API.url, Method::GET, "/health", None).await;
        assert_eq!(
            (health.status, &health.body),
            (200, &json!({"status": "ok"}))
        );
        let mut request = reqwest::Client::new().get(format!("{}/orders", API.url));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"orders-api\""
        );
    }

    /// Both have `reports:read`; only alice is in `admins`, and the `groups` claim says so.
    #[okta_user(
        "alice",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[okta_user(
        "bob",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[tokio::test]
    async fn only_admins_read_the_admin_report(alice: Tokens, bob: Tokens) {
        for who in [&alice, &bob] {
            assert!(who.scopes().iter().any(|s| s == api::REPORTS_READ));
        }
        let groups = |t: &Tokens| t.access_claims().unwrap()["groups"].clone();
        assert_eq!(groups(&alice), json!(["Everyone", "admins"]));
        assert_eq!(groups(&bob), json!(["Everyone"]));

        let ok = call(Method::GET, "/admin/reports", alice.access_token()).await;
        assert_eq!(ok.status, 200, "{ok:?}");
        assert!(ok.body["orders_per_owner"].is_object(), "{ok:?}");

        let refused = call(Method::GET, "/admin/reports", bob.access_token()).await;
        refused.assert_insufficient(None);
        assert_eq!(
            refused.description(),
            "this route needs membership of the group admins"
        );
        // The plain report needs the scope only.
        let plain = call(Method::GET, "/reports", bob.access_token()).await;
        assert_eq!(plain.status, 200, "{plain:?}");
    }

    /// With the scopes, each user reads and places their own orders.
    #[okta_users(
        "alice",
        "bob",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[rstest]
    #[case::read(Method::GET, 200)]
    #[case::write(Method::POST, 201)]
    #[tokio::test]
    async fn users_with_the_scopes_use_their_orders(
        token: Tokens,
        #[case] method: Method,
        #[case] status: u16,
    ) {
        let reply = call(method, "/orders", token.access_token()).await;
        assert_eq!(reply.status, status, "{reply:?}");
        assert_eq!(
            reply.body["owner"].as_str(),
            token.username(),
            "the API knows the caller from `sub`"
        );
    }

    /// bob through the SPA asked for `orders:read` only: each route needing more says which
    /// scope lacks. A sync test.
    #[okta_user("bob", app = "spa", scopes = "openid orders:read", server = "orders")]
    #[rstest]
    #[case::read(Method::GET, "/orders", None)]
    #[case::write(Method::POST, "/orders", Some("orders:write"))]
    #[case::report(Method::GET, "/reports", Some("reports:read"))]
    #[case::admin_report(Method::GET, "/admin/reports", Some("reports:read"))]
    fn a_missing_scope_is_403_insufficient_scope(
        token: Tokens,
        #[case] method: Method,
        #[case] path: &str,
        #[case] missing: Option<&str>,
    ) {
        let reply = call_blocking(method, path, Some(token.access_token()));
        match missing {
            None => assert_eq!(reply.status, 200, "{reply:?}"),
            Some(scope) => {
                reply.assert_insufficient(Some(scope));
                assert_eq!(
                    reply.description(),
                    format!("this route needs the scope {scope}")
                );
            }
        }
    }

    /// carol is behind MFA: her sign-in answers Okta's TOTP challenge from `users.carol.totp`,
    /// and the orders API takes her token like anyone's.
    #[okta_user("carol", app = "spa", scopes = "openid orders:read", server = "orders")]
    #[tokio::test]
    async fn a_user_behind_mfa_reads_her_orders(token: Tokens) {
        // A set: Okta documents the values, not their order
        // (https://developer.okta.com/docs/reference/api/oidc/#reserved-claims-in-the-payload-section).
        let amr = &token.id_claims().expect("an ID token")["amr"];
        for method in ["mfa", "otp", "pwd"] {
            assert!(
                amr.as_array().is_some_and(|a| a.contains(&json!(method))),
                "the session passed TOTP: {method} in amr {amr}"
            );
        }
        let reply = call(Method::GET, "/orders", token.access_token()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }

    /// bob pastes alice's claims (she is an admin) between his own header and signature: the
    /// signature no longer verifies.
    #[okta_user(
        "alice",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[okta_user(
        "bob",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[tokio::test]
    async fn borrowed_claims_break_the_signature(alice: &Tokens, bob: &Tokens) {
        let part = |t: &Tokens, i: usize| t.access_token().split('.').nth(i).unwrap().to_owned();
        let forged = format!("{}.{}.{}", part(bob, 0), part(alice, 1), part(bob, 2));
        call(Method::GET, "/admin/reports", &forged)
            .await
            .assert_invalid_token(api::Invalid::Signature);
        // The untouched tokens are fine, so it was the splice that failed.
        assert_eq!(
            call(Method::GET, "/orders", bob.access_token())
                .await
                .status,
            200
        );
    }
}

/// One test per way a user signs in to a custom server, each token accepted by the API.
mod flows {
    use okta_fixtures::{Tokens, okta_user};
    use rstest::rstest;

    use super::*;

    /// What every access token of the `orders` server says, whatever the flow.
    #[track_caller]
    fn assert_orders_token(token: &Tokens, client_id: &str) {
        let claims = token.access_claims().expect("a JWT access token");
        assert_eq!(claims["iss"], API.settings.issuer());
        assert_eq!(claims["aud"], API.settings.audience());
        assert_eq!(claims["cid"], client_id);
        assert_eq!(token.server(), SERVER);
    }

    /// Authorization code + PKCE through the public SPA (no secret).
    #[okta_user("alice", app = "spa", scopes = "openid orders:read", server = "orders")]
    #[rstest]
    #[tokio::test]
    async fn code_flow_with_pkce(token: Tokens) {
        assert_orders_token(&token, "spa-client");
        assert_eq!(token.id_claims().unwrap()["aud"], "spa-client");
        let reply = call(Method::GET, "/orders", token.access_token()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body["owner"], "alice@example.com");
    }

    /// Authorization code through the confidential web app (client secret at `/token`); an
    /// order it places is listed next.
    #[okta_user(
        "alice",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[rstest]
    #[tokio::test]
    async fn code_flow_with_client_secret(token: Tokens) {
        assert_orders_token(&token, "web-client");
        let placed = call(Method::POST, "/orders", token.access_token()).await;
        assert_eq!(placed.status, 201, "{placed:?}");
        let listed = call(Method::GET, "/orders", token.access_token()).await;
        let orders = listed.body["orders"].as_array().unwrap();
        assert!(orders.contains(&placed.body), "{listed:?} lacks {placed:?}");
    }

    /// The implicit flow on a custom server: tokens straight from the form_post page, no
    /// refresh token. The legacy app's default server is the org's, but an Okta app may ask any
    /// server whose access policy lets it.
    #[okta_user(
        "alice",
        app = "legacy",
        scopes = "openid orders:read",
        server = "orders"
    )]
    #[rstest]
    #[tokio::test]
    async fn implicit_flow(token: Tokens) {
        assert_orders_token(&token, "legacy-client");
        assert!(token.refresh_token().is_none());
        let id = token.id_claims().expect("response_type id_token");
        assert_eq!(id["aud"], "legacy-client");
        assert_eq!(id["iss"], API.settings.issuer());
        assert_eq!(
            call(Method::GET, "/orders", token.access_token())
                .await
                .status,
            200
        );
        call(Method::POST, "/orders", token.access_token())
            .await
            .assert_insufficient(Some(api::ORDERS_WRITE));
    }

    /// A service app's `client_credentials` token: no user, no groups. It reads the report
    /// that needs the scope only.
    #[tokio::test]
    async fn client_credentials_for_the_report() {
        let token = okta_fixtures::app_request("reports")
            .server(SERVER)
            .tokens()
            .await
            .unwrap();
        assert_orders_token(&token, "reports-client");
        assert_eq!(token.access_claims().unwrap()["sub"], "reports-client");
        let report = call(Method::GET, "/reports", token.access_token()).await;
        assert_eq!(report.status, 200, "{report:?}");
        assert!(report.body["orders"].is_u64(), "{report:?}");
        call(Method::GET, "/admin/reports", token.access_token())
            .await
            .assert_insufficient(None);
        call(Method::GET, "/orders", token.access_token())
            .await
            .assert_insufficient(Some(api::ORDERS_READ));
    }
}

/// The org authorization server's app: its ID token is the org's, and its access token is not
/// for this API (Okta's org-server access tokens are for Okta's own APIs).
mod org_server {
    use okta_fixtures::{Tokens, okta_user};

    use super::*;

    /// The implicit flow on the org server: an ID token for the app, an access token for Okta.
    #[okta_user("alice", app = "legacy")]
    #[tokio::test]
    async fn the_id_token_is_the_orgs_and_the_access_token_is_refused(token: Tokens) {
        let org = &API.org;
        assert_eq!(token.server(), "org");
        let id = token.id_claims().expect("response_type id_token");
        assert_eq!(id["iss"], org.url());
        assert_eq!(id["aud"], "legacy-client");
        // The library sent a nonce and refused the token had it come back different.
        assert!(id["nonce"].as_str().is_some_and(|n| n.len() >= 16), "{id}");
        // Signed by a key the org server publishes, for the legacy app.
        let verifier = api::Verifier::new(api::Settings::new(
            org.url(),
            org.server("org").unwrap().jwks_uri(),
            "legacy-client",
        ));
        let verified = verifier.verify(token.id_token().unwrap()).await.unwrap();
        assert_eq!(verified["sub"], id["sub"]);

        let access = token.access_claims().expect("response_type token");
        assert_eq!(access["iss"], org.url());
        let reply = call(Method::GET, "/orders", token.access_token()).await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(reply.error(), "invalid_token", "{reply:?}");
    }

    /// Even an API that trusts the org server itself (`resource_server --server org`) cannot
    /// accept its access tokens: Okta publishes their key in no JWKS ("Okta is the only app
    /// that should consume or validate access tokens from the org authorization server",
    /// developer.okta.com/docs/guides/validate-access-tokens/). Each is refused for its `kid`.
    #[okta_user("alice", app = "legacy")]
    #[tokio::test]
    async fn an_api_trusting_the_org_server_refuses_its_access_tokens(token: Tokens) {
        let org = &API.org;
        let server = org.server("org").unwrap();
        assert_eq!(
            server.audience(),
            org.url(),
            "org access tokens are for the org"
        );
        let url = serve(api::Settings::new(
            server.issuer(),
            server.jwks_uri(),
            server.audience(),
        ))
        .await;
        let minted = mint()
            .server("org")
            .user("alice")
            .scopes(["openid", api::ORDERS_READ])
            .sign();
        for access in [token.access_token(), minted.as_str()] {
            call_at(&url, Method::GET, "/orders", Some(access))
                .await
                .assert_invalid_token(api::Invalid::UnknownKey);
        }
    }
}

/// Tokens the API must turn away, minted by the fake: no waiting for anything to expire.
mod bad_tokens {
    use std::time::{SystemTime, UNIX_EPOCH};

    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use okta_fixtures::{Tokens, okta_user};
    use rstest::rstest;

    use super::*;

    /// Seconds since the epoch.
    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// Each token is alice's good token with one defect; the good one passes first, so each
    /// 401 is the defect's (and proves that minted tokens verify: the keys are the fake's).
    #[rstest]
    #[case::expired(Mint::expired, api::Invalid::Expired)]
    #[case::other_audience(|m: Mint| m.audience("api://default"), api::Invalid::Audience)]
    #[case::tampered(Mint::wrong_signature, api::Invalid::Signature)]
    #[case::other_issuer(
        |m: Mint| m.issuer("https://evil.example.com/oauth2/orders"),
        api::Invalid::Issuer
    )]
    // Okta gives each server keys of its own: another server's token has a `kid` the orders
    // server does not publish.
    #[case::other_custom_server(|m: Mint| m.server("default"), api::Invalid::UnknownKey)]
    #[case::org_server(|m: Mint| m.server("org"), api::Invalid::UnknownKey)]
    #[case::no_subject(|m: Mint| m.claim("sub", Value::Null), api::Invalid::MissingClaim("sub"))]
    #[tokio::test]
    async fn bad_tokens_are_401_invalid_token(
        #[case] defect: fn(Mint) -> Mint,
        #[case] why: api::Invalid,
    ) {
        let good = call(Method::GET, "/orders", &alices_token().sign()).await;
        assert_eq!(
            good.status, 200,
            "a minted token must pass before its defects are tried (is the org a fake?): {good:?}"
        );
        call(Method::GET, "/orders", &defect(alices_token()).sign())
            .await
            .assert_invalid_token(why);
    }

    /// `exp` gets 30 seconds of leeway for clock skew, no more.
    #[rstest]
    #[case::within_leeway(10, 200)]
    #[case::beyond_leeway(120, 401)]
    #[tokio::test]
    async fn expiry_allows_a_little_clock_skew(#[case] seconds_ago: u64, #[case] status: u16) {
        let token = alices_token().claim("exp", now() - seconds_ago).sign();
        let reply = call(Method::GET, "/orders", &token).await;
        assert_eq!(reply.status, status, "{reply:?}");
    }

    /// The key-confusion attack: an HS256 token naming the server's `kid`, keyed with a
    /// secret of the attacker's choosing, carrying a real token's claims.
    #[okta_user(
        "alice",
        app = "web",
        scopes = "openid orders:read orders:write reports:read",
        server = "orders"
    )]
    #[tokio::test]
    async fn an_hs256_token_is_refused(token: Tokens) {
        let kid = jsonwebtoken::decode_header(token.access_token())
            .unwrap()
            .kid;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid;
        let forged = jsonwebtoken::encode(
            &header,
            token.access_claims().unwrap(),
            &EncodingKey::from_secret(b"attacker"),
        )
        .unwrap();
        call(Method::GET, "/orders", &forged)
            .await
            .assert_invalid_token(api::Invalid::Algorithm);
    }

    /// Not a JWT at all.
    #[tokio::test]
    async fn a_malformed_token_is_refused() {
        call(Method::GET, "/orders", "not-a-jwt")
            .await
            .assert_invalid_token(api::Invalid::Malformed);
    }
}

/// The API's key cache, against a fake of its own (rotating the shared one would disturb the
/// other tests).
mod keys {
    use super::*;

    /// One fetch serves every token; a rotated key is fetched at once, and tokens signed with
    /// the previous key still pass; unknown `kid`s are not worth a fetch each.
    #[tokio::test]
    async fn keys_are_cached_and_fetched_again_for_a_new_kid_only_so_often() {
        let fixtures = okta_fixtures::Fixtures::discover().unwrap();
        let fake = FakeOkta::start(fixtures.config()).await.unwrap();
        let issuer = fake.issuer(SERVER);
        let url = serve(api::Settings::new(
            &issuer,
            format!("{issuer}/v1/keys"),
            "api://orders",
        ))
        .await;
        let token = |fake: &FakeOkta| {
            fake.mint()
                .server(SERVER)
                .user("alice")
                .scopes([api::ORDERS_READ])
                .sign()
        };
        let status = |token: String| {
            let url = url.clone();
            async move {
                call_at(&url, Method::GET, "/orders", Some(&token))
                    .await
                    .status
            }
        };
        let before = token(&fake);
        assert_eq!(status(before.clone()).await, 200);
        assert_eq!(status(before.clone()).await, 200);
        assert_eq!(
            fake.stats().requests("keys"),
            1,
            "fetched once, then cached"
        );

        fake.rotate_keys(SERVER).await.unwrap();
        assert_eq!(status(token(&fake)).await, 200, "the new kid is fetched");
        assert_eq!(fake.stats().requests("keys"), 2);
        assert_eq!(status(before).await, 200, "the old key is still published");

        // Unknown kids (here the org server's key) cannot make it fetch again and again.
        let foreign = fake.mint().server("org").user("alice").sign();
        for _ in 0..3 {
            let reply = call_at(&url, Method::GET, "/orders", Some(&foreign)).await;
            reply.assert_invalid_token(api::Invalid::UnknownKey);
        }
        assert_eq!(fake.stats().requests("keys"), 2, "within the cooldown");
    }
}

/// The whole module signs each (user, app) in at most once per process: the token cache.
mod sign_ins {
    use super::*;

    /// Every (user, app, scopes, server) the tests above sign in with; scopes `None` = the
    /// app's, server `None` = the app's.
    const COMBINATIONS: [(&str, &str, Option<&str>, Option<&str>); 7] = [
        (
            "alice",
            "web",
            Some("openid orders:read orders:write reports:read"),
            Some(SERVER),
        ),
        (
            "bob",
            "web",
            Some("openid orders:read orders:write reports:read"),
            Some(SERVER),
        ),
        ("alice", "spa", Some("openid orders:read"), Some(SERVER)),
        ("bob", "spa", Some("openid orders:read"), Some(SERVER)),
        ("alice", "legacy", Some("openid orders:read"), Some(SERVER)),
        ("alice", "legacy", None, None),
        ("carol", "spa", Some("openid orders:read"), Some(SERVER)),
    ];

    /// Asks for every combination (the cache answers those other tests of this process already
    /// signed in), then reads the fake's counts: exactly one sign-in each with the embedded
    /// fake; at most one with a standalone fake, whose disk-cached tokens may predate it.
    #[tokio::test]
    async fn each_user_and_app_signs_in_at_most_once_per_process() {
        let mut expected = Vec::new();
        for (user, app, scopes, server) in COMBINATIONS {
            let mut request = okta_fixtures::request(user).app(app);
            if let Some(scopes) = scopes {
                request = request.scopes(scopes.split(' '));
            }
            if let Some(server) = server {
                request = request.server(server);
            }
            let tokens = request.tokens().await.unwrap();
            expected.push((
                tokens.username().unwrap().to_owned(),
                tokens.client_id().to_owned(),
                tokens.server().to_owned(),
            ));
        }
        let org = &API.org;
        let stats: Value = reqwest::get(format!("{}/_fake/stats", org.url()))
            .await
            .unwrap()
            .json()
            .await
            .expect("sign-ins can only be counted on a fake Okta (GET /_fake/stats)");
        let sign_ins = stats["sign_ins"].as_array().unwrap();
        for (username, client_id, server) in &expected {
            let count = sign_ins
                .iter()
                .find(|s| {
                    s["username"] == username.as_str()
                        && s["client_id"] == client_id.as_str()
                        && s["server"] == server.as_str()
                })
                .map_or(0, |s| s["count"].as_u64().unwrap());
            assert!(
                count <= 1,
                "{username} with {client_id} on {server}: {count} sign-ins"
            );
            if org.is_fake() {
                assert_eq!(count, 1, "{username} with {client_id} on {server}");
            }
        }
    }
}
