//! Fakes side by side, shutdown, signing keys kept across starts, a taken address, and the
//! workspace's own fixtures.yaml.

use serde_json::json;

use super::*;
use crate::support::*;

#[tokio::test]
async fn fakes_are_independent_and_stop_on_shutdown() {
    let a = Org::start().await;
    let b = Org::start().await;
    assert_ne!(a.fake.org_url(), b.fake.org_url());
    a.alice().await;
    assert_eq!(a.fake.stats().requests("authn"), 1);
    assert_eq!(b.fake.stats().requests("authn"), 0);
    let url = b.url("/.well-known/openid-configuration");
    assert_eq!(b.http.get(&url).send().await.unwrap().status(), 200);
    b.fake.shutdown().await;
    assert!(client().get(&url).send().await.is_err());
    assert_eq!(a.get("/oauth2/v1/keys").await.status(), 200);
}

#[tokio::test]
async fn keys_are_kept_across_starts_unless_fresh() {
    let dir = temp_dir("fake-keys");
    let config = okta_fixtures::config::parse_str("", None, &|_| None).unwrap();
    let kids = |fake: &FakeOkta| {
        let url = format!("{}/oauth2/v1/keys", fake.org_url());
        async move {
            let (_, _, keys) = json_of(client().get(url).send().await.unwrap()).await;
            keys["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let start = |fresh_key: bool| {
        let builder = FakeOkta::builder()
            .config(&config)
            .key_dir(dir.path().to_path_buf())
            .fresh_key(fresh_key);
        async move { builder.start().await.unwrap() }
    };
    let first = start(false).await;
    let second = start(false).await;
    assert_eq!(kids(&first).await, kids(&second).await);
    let fresh = start(true).await;
    let fresh_kids = kids(&fresh).await;
    assert_ne!(kids(&first).await, fresh_kids);
    let after = start(false).await;
    assert_eq!(kids(&after).await, fresh_kids);
}

#[tokio::test]
async fn a_pinned_address_that_is_taken_is_a_typed_error() {
    let org = Org::start().await;
    let addr = org
        .fake
        .org_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let err = FakeOkta::builder()
        .key_dir(key_dir())
        .addr(addr)
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(err, okta_fixtures::Error::FakeStart { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&addr.to_string()));
}

#[tokio::test]
async fn the_root_fixtures_yaml_signs_its_users_in() {
    let path = root_fixtures();
    let config = okta_fixtures::config::load(path.as_ref(), &|_| None).unwrap();
    let fake = FakeOkta::builder()
        .config(&config)
        .key_dir(key_dir())
        .start()
        .await
        .unwrap();
    let org = Org {
        fake,
        clock: Clock::system(),
        http: client(),
    };
    let v = org
        .alice_tokens("openid profile email offline_access")
        .await;
    let at = claims(v["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], "api://default");
    assert_eq!(at["groups"], json!(["Everyone", "admins"]));
    let st = org.session_token("bob@example.com", "battery-staple").await;
    let res = org
        .authorize(
            "org",
            &[
                ("client_id", "legacy-client"),
                ("response_type", "id_token token"),
                ("response_mode", "form_post"),
                ("scope", "openid profile"),
                ("redirect_uri", LEGACY_CB),
                ("state", "s"),
                ("nonce", "n"),
                ("prompt", "none"),
                ("sessionToken", &st),
            ],
        )
        .await;
    let f = form_fields(&res.text().await.unwrap());
    assert_eq!(claims(&f["id_token"])["name"], "Bob Brown");
    assert_eq!(org.fake.stats().total_sign_ins(), 2);
}

/// A connection that sends nothing, one that stops halfway through a request head, and one
/// left idle after a request are all closed by the fake once the header-read timeout passes,
/// so stalled sockets cannot pile up.
#[tokio::test]
async fn stalled_and_idle_connections_are_closed_after_the_header_read_timeout() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    let fake = FakeOkta::builder()
        .key_dir(key_dir())
        .header_read_timeout(std::time::Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let addr = fake.org_url().trim_start_matches("http://").to_owned();
    let silent = TcpStream::connect(&addr).await.unwrap();
    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /oauth2/v1/keys HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(format!("GET /oauth2/v1/keys HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    for (name, mut stream) in [("silent", silent), ("half", half), ("idle", idle)] {
        let mut seen = Vec::new();
        // A bound on the wait, far above the timeout: without one the read never ends.
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut seen),
        )
        .await;
        assert!(read.is_ok(), "the {name} connection is still open");
        let answered = String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200");
        assert_eq!(answered, name == "idle", "{name}");
    }
    // The fake still serves.
    let url = format!("{}/oauth2/v1/keys", fake.org_url());
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
}
