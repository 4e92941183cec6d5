//! The public API as a test uses it: the free functions on the discovered fixtures.yaml, the
//! request builder, blocking calls inside and outside runtimes, single-flight across threads
//! and runtimes, and typed errors for what a test can get wrong.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use okta_fixtures::{Error, Fixtures, blocking};

use crate::flow::faulty::{Fault, serve};
use crate::flow::fixtures;

mod discovered {
    //! The workspace's fixtures.yaml (the embedded fake unless OKTA_ORG_URL says otherwise),
    //! shared with the other tests of this binary: no exact counts here.

    use super::*;

    #[tokio::test]
    async fn tokens_for_alice_with_her_default_app() {
        let t = okta_fixtures::tokens("alice").await.unwrap();
        assert_eq!((t.user(), t.app()), (Some("alice"), "spa"));
        let org = okta_fixtures::org().await.unwrap();
        assert_eq!(
            t.access_claims().unwrap()["iss"],
            org.server("default").unwrap().issuer()
        );
        assert_eq!(t.id_claims().unwrap()["aud"], t.client_id());
    }

    #[tokio::test]
    async fn the_builder_chooses_app_scopes_and_server() {
        let t = okta_fixtures::request("alice")
            .app("web")
            .scopes(["openid", "orders:read"])
            .server("default")
            .tokens()
            .await
            .unwrap();
        assert_eq!(t.app(), "web");
        let mut scopes = t.scopes().to_vec();
        scopes.sort();
        assert_eq!(scopes, ["openid", "orders:read"]);
        assert_eq!(
            t.access_claims().unwrap()["scp"],
            serde_json::json!(["openid", "orders:read"])
        );
    }

    #[tokio::test]
    async fn service_app_tokens() {
        let t = okta_fixtures::app_tokens("reports").await.unwrap();
        assert_eq!(t.user(), None);
        assert_eq!(t.scopes(), ["reports:read"]);
    }

    #[test]
    fn blocking_functions_outside_any_runtime() {
        let t = blocking::tokens("alice").unwrap();
        assert_eq!(t.app(), "spa");
        let r = blocking::app_tokens("reports").unwrap();
        assert_eq!(r.app(), "reports");
        let org = blocking::org().unwrap();
        assert!(org.url().starts_with("http"));
    }

    #[test]
    fn explicit_config_path() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures.yaml");
        let t = okta_fixtures::request("bob")
            .config(&path)
            .blocking_tokens()
            .unwrap();
        assert_eq!(t.username(), Some("bob@example.com"));
        let missing = okta_fixtures::request("bob")
            .config("no/such/fixtures.yaml")
            .blocking_tokens();
        assert!(matches!(missing, Err(Error::Config(_))), "{missing:?}");
    }

    #[tokio::test]
    async fn org_lists_the_servers_the_file_names() {
        let org = okta_fixtures::org().await.unwrap();
        let ids: Vec<String> = org.servers().map(|s| s.name().to_owned()).collect();
        assert!(
            ids.contains(&"default".to_owned()) && ids.contains(&"org".to_owned()),
            "{ids:?}"
        );
        assert_eq!(org.default_server().unwrap().id(), "default");
    }
}

mod runtimes {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_inside_a_current_thread_runtime() {
        let f = fixtures("");
        let t = f.request("alice").blocking_tokens().unwrap();
        // And the async path on the same runtime gets the cached tokens.
        let again = f.request("alice").tokens().await.unwrap();
        assert_eq!(t.access_token(), again.access_token());
        let org = f.blocking_org().unwrap();
        assert_eq!(org.fake().unwrap().stats().requests("authn"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_inside_a_multi_thread_runtime() {
        let f = fixtures("");
        let t = f.app_request("reports").blocking_tokens().unwrap();
        assert_eq!(t.app(), "reports");
    }

    /// Tokens, the client and the fake outlive the runtime that first asked for them.
    #[test]
    fn a_finished_runtime_takes_nothing_with_it() {
        let f = fixtures("");
        let first = {
            let rt = crate::support::runtime(true);
            let t = rt.block_on(f.request("alice").tokens()).unwrap();
            drop(rt);
            t
        };
        let rt = crate::support::runtime(true);
        let cached = rt.block_on(f.request("alice").tokens()).unwrap();
        assert_eq!(first.access_token(), cached.access_token());
        let fresh = rt.block_on(f.request("alice").fresh().tokens()).unwrap();
        assert_ne!(first.access_token(), fresh.access_token());
        let stats = rt.block_on(f.org()).unwrap().fake().unwrap().stats();
        assert_eq!(
            stats.sign_ins("alice@example.com", "spa-client", "default"),
            2
        );
    }
}

mod single_flight {
    use super::*;

    /// THREADS threads, each with its own runtime (current-thread and multi-thread in turn),
    /// each asking TASKS times at once, plus a blocking caller per thread: one sign-in. The
    /// first authn answers 400 ms late, so the callers overlap with the one flow.
    #[test]
    fn one_sign_in_for_threads_times_runtimes() {
        const THREADS: usize = 6;
        const TASKS: usize = 4;
        // The fake (behind a layer slowing the first authn) lives on a runtime of its own.
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (f, fake) = server_rt.block_on(serve(
            "",
            "/api/v1/authn",
            Fault::Latency(Duration::from_millis(400)),
            Some(1),
        ));
        let start = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (f, start) = (f.clone(), start.clone());
                std::thread::spawn(move || {
                    let rt = crate::support::runtime(i % 2 == 0);
                    start.wait();
                    let mut got = rt.block_on(async {
                        let tasks: Vec<_> = (0..TASKS)
                            .map(|_| {
                                let f = f.clone();
                                tokio::spawn(async move { f.request("alice").tokens().await })
                            })
                            .collect();
                        let blocking = f.request("alice").blocking_tokens();
                        let mut all = vec![blocking];
                        for t in tasks {
                            all.push(t.await.unwrap());
                        }
                        all
                    });
                    drop(rt);
                    got.drain(..)
                        .map(|t| t.unwrap().access_token().to_owned())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let tokens: Vec<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(tokens.len(), THREADS * (TASKS + 1));
        assert!(
            tokens.iter().all(|t| *t == tokens[0]),
            "everyone shares one sign-in's tokens"
        );
        let stats = fake.stats();
        assert_eq!(
            stats.sign_ins("alice@example.com", "spa-client", "default"),
            1
        );
        assert_eq!([stats.requests("authn"), stats.requests("token")], [1, 1]);
        drop(server_rt);
    }

    #[tokio::test]
    async fn other_scopes_or_apps_are_other_sign_ins() {
        let f = fixtures("");
        f.request("alice").tokens().await.unwrap();
        f.request("alice").tokens().await.unwrap();
        f.request("alice")
            .scopes(["openid", "email"])
            .tokens()
            .await
            .unwrap();
        f.request("alice")
            .scopes(["email", "openid", "email"])
            .tokens()
            .await
            .unwrap();
        f.request("alice").app("web").tokens().await.unwrap();
        let s = f.org().await.unwrap().fake().unwrap().stats();
        assert_eq!(s.sign_ins("alice@example.com", "spa-client", "default"), 2);
        assert_eq!(s.sign_ins("alice@example.com", "web-client", "default"), 1);
    }

    #[tokio::test]
    async fn a_failed_sign_in_is_not_cached() {
        let f = fixtures("fake:\n  users:\n    alice:\n      status: LOCKED_OUT\n");
        for _ in 0..2 {
            let e = f.request("alice").tokens().await.unwrap_err();
            assert!(matches!(e, Error::AuthnStatus { .. }), "{e:?}");
        }
        let s = f.org().await.unwrap().fake().unwrap().stats();
        assert_eq!(s.requests("authn"), 2, "the second call tried again");
    }
}

mod mistakes {
    use super::*;

    #[tokio::test]
    async fn an_unknown_user_names_the_closest() {
        let e = fixtures("").request("alcie").tokens().await.unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(e.to_string().contains("`alice`"), "{e}");
    }

    #[tokio::test]
    async fn an_unknown_app() {
        let e = fixtures("")
            .request("alice")
            .app("wbe")
            .tokens()
            .await
            .unwrap_err();
        assert!(e.to_string().contains("`web`"), "{e}");
    }

    #[tokio::test]
    async fn a_user_with_a_service_app() {
        let e = fixtures("")
            .request("alice")
            .app("reports")
            .tokens()
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::ServiceApp { user, app } if user == "alice" && app == "reports")
        );
        assert!(e.to_string().contains("app_tokens(\"reports\")"), "{e}");
    }

    #[test]
    fn service_tokens_of_a_user_app() {
        let e = fixtures("")
            .app_request("spa")
            .blocking_tokens()
            .unwrap_err();
        assert!(
            matches!(&e, Error::UserApp { app, flow: "code" } if app == "spa"),
            "{e:?}"
        );
    }

    #[test]
    fn fixtures_debug_shows_no_secret() {
        let f: Fixtures = fixtures("");
        let dbg = format!("{f:?} {:?}", f.config());
        for secret in [
            "correct-horse-PW-1",
            "web-SECRET:5f2c+9a%",
            "reports-SECRET-c4e1",
        ] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }
}
