//! Authorization servers against an org reached by URL (a fake served here over HTTP): a
//! server reached by its Okta id with its own audience, issuers and endpoints from discovery
//! (a custom URL domain), endpoints that secrets may not go to, the discovery documents kept in
//! the cache folder, and a custom server without an audience.

use okta_fixtures::fake::{FakeOkta, FakeState, router};

use super::*;

/// An org served here: its fake answers at `http://127.0.0.1:PORT` (the `org_url` of the
/// returned config) but names `issuer_host` (`127.0.0.1` for Okta's own domain) in its issuers
/// and endpoints, as an org with a custom URL domain does. `servers` is the top-level
/// `servers:` block.
async fn serve_org(servers: &str, issuer_host: &str) -> (String, String, FakeState) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let yaml = file(&format!("http://127.0.0.1:{port}"), servers);
    let config = parse_str(&yaml, None, &|_| None).expect("test YAML is valid");
    let issuer_base = format!("http://{issuer_host}:{port}");
    let state = FakeOkta::builder()
        .config(&config)
        .build(&issuer_base)
        .unwrap();
    let app = router(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (yaml, issuer_base, state)
}

/// A fixtures.yaml for the org at `url` with the `servers:` block `servers`.
fn file(url: &str, servers: &str) -> String {
    format!("org_url: {url}\nauthorization_server: default\n{APPS}{USERS}{servers}")
}

const ORDERS: &str = "servers:\n  default:\n    scopes: [orders:read, reports:read]\n  orders:\n    id: aus1orders0000000\n    audience: https://orders.example.com\n    scopes: [orders:read]\n";

#[tokio::test]
async fn a_server_is_reached_by_its_okta_id_with_its_own_audience() {
    let (yaml, url, state) = serve_org(ORDERS, "127.0.0.1").await;
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
    let t = f
        .request("alice")
        .server("orders")
        .scopes(["openid", "orders:read"])
        .tokens()
        .await
        .unwrap();
    assert_eq!(t.server(), "orders");
    let claims = t.access_claims().unwrap();
    assert_eq!(claims["aud"], "https://orders.example.com");
    assert_eq!(claims["iss"], format!("{url}/oauth2/aus1orders0000000"));
    // The org reached the server at its id, and the resource server is configured the same.
    assert_eq!(
        state
            .stats()
            .sign_ins("alice@example.com", "spa-client", "aus1orders0000000"),
        1
    );
    let org = f.org().await.unwrap();
    let orders = org.server("orders").unwrap();
    assert_eq!(orders.id(), "aus1orders0000000");
    assert_eq!(orders.audience(), "https://orders.example.com");
    assert_eq!(orders.issuer(), claims["iss"]);
    assert!(orders.is_discovered());
}

#[tokio::test]
async fn a_custom_domain_issuer_comes_from_discovery() {
    // The org answers at 127.0.0.1; its issuers are on `localhost`, as with a custom domain.
    let (yaml, issuer_base, state) = serve_org(ORDERS, "localhost").await;
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
    let org_url = f.org().await.unwrap().url().to_owned();
    assert!(org_url.starts_with("http://127.0.0.1:"), "{org_url}");
    for (user, app, server) in [
        ("alice", "spa", "default"),
        ("bob", "legacy", "org"),
        ("alice", "spa", "orders"),
    ] {
        let t = f
            .request(user)
            .app(app)
            .server(server)
            .tokens()
            .await
            .unwrap_or_else(|e| panic!("{user} with {app} on {server}: {e}"));
        // The ID token was verified against the discovered issuer, not one built from org_url.
        let iss = t.id_claims().unwrap()["iss"].as_str().unwrap().to_owned();
        assert!(iss.starts_with(&issuer_base), "{iss}");
        let discovered = f.org().await.unwrap().server(server).unwrap();
        assert_eq!(discovered.issuer(), iss);
        assert!(discovered.jwks_uri().starts_with(&issuer_base));
        assert!(discovered.token_url().starts_with(&issuer_base));
    }
    // The passwords went to the org URL; the flows to the discovered endpoints.
    assert!(state.stats().requests("authn") >= 3);
}

#[tokio::test]
async fn endpoints_that_are_not_https_nor_on_this_machine_get_no_secret() {
    let (yaml, _, state) = serve_org(ORDERS, "okta.example.com").await;
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
    let e = f.request("alice").tokens().await.unwrap_err();
    assert!(
        matches!(&e, Error::Discovery { server, problem, .. }
            if server == "default" && problem.contains("`issuer`") && problem.contains("https://")),
        "{e:?}"
    );
    let web = f.request("bob").app("web").tokens().await.unwrap_err();
    assert!(matches!(&web, Error::Discovery { .. }), "{web:?}");
    // Neither a password nor a client secret left this machine's client.
    assert_eq!(state.stats().requests("authn"), 0);
    assert_eq!(state.stats().requests("token"), 0);
}

#[tokio::test]
async fn a_server_the_org_does_not_have_fails_alone() {
    let (yaml, _, state) = serve_org(ORDERS, "127.0.0.1").await;
    // The org has no server `aus1ghost`; the file names one.
    let yaml = yaml.replace(
        "servers:\n",
        "servers:\n  ghost:\n    id: aus1ghost\n    audience: api://ghost\n",
    );
    let f = Fixtures::new(parse_str(&yaml, None, &|_| None).unwrap());
    let alice = f.request("alice").tokens().await;
    assert!(alice.is_ok(), "{alice:?}");
    let e = f.request("bob").server("ghost").tokens().await.unwrap_err();
    assert!(
        matches!(&e, Error::Discovery { server, id, .. } if server == "ghost" && id == "aus1ghost"),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("answered 404") && text.contains("`servers.<name>.id`"),
        "{text}"
    );
    let org = f.org().await.unwrap();
    assert!(matches!(org.server("ghost"), Err(Error::Discovery { .. })));
    assert!(org.servers().all(|s| s.name() != "ghost"));
    assert_eq!(
        state
            .stats()
            .sign_ins("bob@example.com", "spa-client", "aus1ghost"),
        0
    );
}

#[tokio::test]
async fn discovery_documents_are_kept_in_the_cache_folder_for_other_processes() {
    let (yaml, _, state) = serve_org(ORDERS, "127.0.0.1").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let cache = dir.path().join("cache");
    let process = || {
        let config = okta_fixtures::config::load(&path, &|_| None).unwrap();
        Fixtures::builder(config).cache_dir(&cache).build()
    };
    // Servers in use: `default` (the apps'), `orders` (declared) and `org` (an app's).
    process().org().await.unwrap();
    assert_eq!(state.stats().requests("discovery"), 3);
    let second = process();
    let org = second.org().await.unwrap();
    assert_eq!(
        state.stats().requests("discovery"),
        3,
        "read from the folder"
    );
    assert_eq!(
        org.server("orders").unwrap().issuer(),
        format!("{}/oauth2/aus1orders0000000", org.url())
    );
}

#[tokio::test]
async fn a_custom_server_without_audience_is_refused_before_any_request() {
    let (yaml, _, state) = serve_org(ORDERS, "127.0.0.1").await;
    let yaml = yaml.replace("    audience: https://orders.example.com\n", "");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixtures.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let line = yaml.lines().position(|l| l == "  orders:").unwrap() + 1;
    let e = Fixtures::load(&path).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&format!(
            "{}:{line}:3: servers.orders.audience: ",
            path.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("Security > API > Authorization Servers"),
        "{text}"
    );
    assert_eq!(state.stats().requests("discovery"), 0);
    assert_eq!(state.stats().requests("authn"), 0);
}
