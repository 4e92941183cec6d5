use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rstest::rstest;

use super::*;
use crate::{Names, Origin, parse_names};

mod cache;
mod mfa;
mod policies;

const ROOT: &str = include_str!("../../../fixtures.yaml");
const FILE: &str = "fixtures.yaml";

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(yaml: &str) -> Result<Config> {
    parse_str(yaml, Some(Path::new(FILE)), &no_env)
}

fn parse_env(yaml: &str, vars: &[(&str, &str)]) -> Result<Config> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    parse_str(yaml, Some(Path::new(FILE)), &|name| vars.get(name).cloned())
}

fn err(yaml: &str) -> Error {
    match parse(yaml) {
        Ok(config) => panic!("expected an error, got {config:?}\nfrom:\n{yaml}"),
        Err(e) => e,
    }
}

/// Asserts the error's YAML path and line:column, and that its message names the file.
#[track_caller]
fn assert_at(e: &Error, path: &str, line_col: (usize, usize)) {
    let at = e.location().unwrap_or_else(|| panic!("no location: {e:?}"));
    assert_eq!(at.path, path, "path of {e}");
    assert_eq!(at.line_col, Some(line_col), "line:column of {e}");
    assert_eq!(at.file.as_deref(), Some(Path::new(FILE)));
    let prefix = format!("{FILE}:{}:{}: ", line_col.0, line_col.1);
    assert!(e.to_string().starts_with(&prefix), "{e}");
}

/// A minimal valid file, to which tests add the part they are about.
const SPA: &str = "\
apps:
  spa:
    client_id: spa-client
    redirect_uri: http://localhost:8080/login/callback
    flow: code
";

/// [`SPA`] followed by `extra`.
fn spa(extra: &str) -> String {
    format!("{SPA}{extra}")
}

// ---------------------------------------------------------------- the example file

#[test]
fn root_fixtures_yaml_loads_with_no_environment() {
    let c = parse(ROOT).unwrap();
    assert_eq!(c.source.as_deref(), Some(Path::new(FILE)));
    assert_eq!(c.org_url, OrgUrl::Fake);
    assert_eq!(c.authorization_server, "default");
    assert_eq!(
        c.apps.keys().collect::<Vec<_>>(),
        ["legacy", "native", "reports", "spa", "web"]
    );

    let spa = c.app("spa").unwrap();
    assert_eq!(spa.client_id, "spa-client");
    assert_eq!(spa.flow, Flow::Code);
    assert!(spa.pkce);
    assert_eq!(spa.token_endpoint_auth, TokenEndpointAuth::None);
    assert_eq!(spa.scopes, ["openid", "profile", "email", "offline_access"]);

    let web = c.app("web").unwrap();
    assert_eq!(web.client_secret.as_ref().unwrap().expose(), "web-secret");
    assert_eq!(
        web.token_endpoint_auth,
        TokenEndpointAuth::ClientSecretBasic
    );
    assert!(web.pkce);

    let native = c.app("native").unwrap();
    assert_eq!(
        native.redirect_uri.as_deref(),
        Some("com.example.app:/callback")
    );
    assert_eq!(native.scopes, ["openid", "profile", "email"]);

    let legacy = c.app("legacy").unwrap();
    assert_eq!(legacy.flow, Flow::Implicit);
    assert!(!legacy.pkce);
    assert_eq!(
        legacy.response_type,
        [ResponseType::IdToken, ResponseType::Token]
    );
    assert_eq!(c.server_for(legacy), ORG_SERVER);

    let reports = c.app("reports").unwrap();
    assert_eq!(reports.flow, Flow::ClientCredentials);
    assert_eq!(reports.scopes, ["reports:read"]);
    assert_eq!(
        reports.client_secret.as_ref().unwrap().expose(),
        "reports-secret"
    );

    let alice = c.user("alice").unwrap();
    assert_eq!(alice.username, "alice@example.com");
    assert_eq!(alice.password.expose(), "correct-horse");
    assert_eq!(c.user_app(alice).unwrap().name, "spa");
    assert_eq!(c.user("bob").unwrap().password.expose(), "battery-staple");

    assert_eq!(c.fake.org_name.as_deref(), Some("Example Org"));
    assert_eq!(c.fake.users["alice"].groups, ["Everyone", "admins"]);
    let default = &c.fake.servers["default"];
    assert_eq!(default.access_claims["groups"], ClaimValue::Groups);

    assert_eq!(
        c.servers.keys().collect::<Vec<_>>(),
        ["default", "orders", "org"]
    );
    let d = c.server("default").unwrap();
    assert_eq!(d.id, "default");
    assert_eq!(d.audience.as_deref(), Some("api://default"));
    // The custom scopes the apps ask of `default`, in the order they name them.
    assert_eq!(d.scopes, ["orders:read", "orders:write", "reports:read"]);
    let orders = c.server("orders").unwrap();
    assert_eq!(
        (orders.id.as_str(), orders.audience.as_deref()),
        ("orders", Some("api://orders"))
    );
    assert_eq!(
        orders.scopes,
        ["orders:read", "orders:write", "reports:read"]
    );
    let org = c.server("org").unwrap();
    assert!(org.is_org() && org.audience.is_none() && org.scopes.is_empty());
    let in_use: Vec<&str> = c.servers_in_use().iter().map(|s| s.key.as_str()).collect();
    assert_eq!(in_use, ["default", "orders", "org"]);
}

#[test]
fn root_fixtures_yaml_takes_every_override_from_the_environment() {
    let c = parse_env(
        ROOT,
        &[
            ("OKTA_ORG_URL", "https://dev-123.okta.com/"),
            ("OKTA_ORDERS_SERVER_ID", "aus1a2b3c4"),
            ("OKTA_SPA_CLIENT_ID", "0oaSPA"),
            ("OKTA_WEB_CLIENT_ID", "0oaWEB"),
            ("OKTA_WEB_CLIENT_SECRET", "real-web-secret"),
            ("OKTA_NATIVE_CLIENT_ID", "0oaNATIVE"),
            ("OKTA_LEGACY_CLIENT_ID", "0oaLEGACY"),
            ("OKTA_REPORTS_CLIENT_ID", "0oaREPORTS"),
            ("OKTA_REPORTS_SECRET", "real-reports-secret"),
            ("OKTA_ALICE_USERNAME", "alice@corp.example"),
            ("OKTA_ALICE_PASSWORD", "real-alice-password"),
            ("OKTA_BOB_USERNAME", "bob@corp.example"),
            ("OKTA_BOB_PASSWORD", "real-bob-password"),
        ],
    )
    .unwrap();
    assert_eq!(c.org_url, OrgUrl::Url("https://dev-123.okta.com".into()));
    assert_eq!(c.authorization_server, "default");
    assert_eq!(c.server_for(c.app("spa").unwrap()), "default");
    let orders = c.server("orders").unwrap();
    assert_eq!(orders.id, "aus1a2b3c4");
    assert_eq!(orders.audience.as_deref(), Some("api://orders"));
    assert_eq!(c.server_for(c.app("legacy").unwrap()), "org");
    for (app, id) in [
        ("spa", "0oaSPA"),
        ("web", "0oaWEB"),
        ("native", "0oaNATIVE"),
        ("legacy", "0oaLEGACY"),
        ("reports", "0oaREPORTS"),
    ] {
        assert_eq!(c.app(app).unwrap().client_id, id);
    }
    let secret = |app: &str| c.app(app).unwrap().client_secret.clone().unwrap();
    assert_eq!(secret("web").expose(), "real-web-secret");
    assert_eq!(secret("reports").expose(), "real-reports-secret");
    assert_eq!(c.user("alice").unwrap().username, "alice@corp.example");
    assert_eq!(
        c.user("alice").unwrap().password.expose(),
        "real-alice-password"
    );
    assert_eq!(
        c.user("bob").unwrap().password.expose(),
        "real-bob-password"
    );
}

#[test]
fn root_fixtures_yaml_names_need_no_environment() {
    let names = parse_names(ROOT, None).unwrap();
    assert_eq!(names.users["alice"].as_deref(), Some("spa"));
    assert_eq!(names.users["bob"].as_deref(), Some("spa"));
    assert_eq!(names.apps["reports"], Flow::ClientCredentials);
    assert_eq!(names.apps["legacy"], Flow::Implicit);
    assert_eq!(names.apps.len(), 5);
}

#[test]
fn only_the_variables_the_file_names_are_read() {
    let read = std::cell::RefCell::new(Vec::new());
    let env = |name: &str| {
        read.borrow_mut().push(name.to_owned());
        None
    };
    parse_str(ROOT, None, &env).unwrap();
    let mut read = read.into_inner();
    read.sort();
    read.dedup();
    let mut named: Vec<String> = ROOT
        .split("${")
        .skip(1)
        .map(|s| s.split([':', '}']).next().unwrap().to_owned())
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(read, named);
}

// ---------------------------------------------------------------- defaults

#[test]
fn an_empty_file_is_an_empty_config_with_defaults() {
    for text in ["", "\n# only a comment\n", "{}"] {
        let c = parse(text).unwrap();
        assert_eq!(c.org_url, OrgUrl::Fake);
        assert_eq!(c.authorization_server, "default");
        assert!(c.apps.is_empty() && c.users.is_empty());
        assert_eq!(c.cache, CacheSettings::default());
        assert_eq!(c.verify, VerifySettings::default());
        assert_eq!(c.http, HttpSettings::default());
        assert_eq!(c.fake, FakeSettings::default());
    }
}

#[test]
fn default_settings_are_documented_values() {
    assert_eq!(
        CacheSettings::default(),
        CacheSettings {
            store: CacheStore::Disk,
            refresh_before: Duration::from_secs(60),
            persist_refresh: false,
            redis: None,
        }
    );
    assert_eq!(
        VerifySettings::default(),
        VerifySettings {
            id_token: true,
            leeway: Duration::from_secs(120),
        }
    );
    assert_eq!(
        HttpSettings::default(),
        HttpSettings {
            timeout: Duration::from_secs(30),
            rate_limit_retries: 3,
            max_rate_limit_wait: Duration::from_secs(60),
            allow_plain_http: false,
        }
    );
    let l = FakeLifetimes::default();
    assert_eq!(l.access_token, Duration::from_secs(3600));
    assert_eq!(l.refresh_token, Duration::from_secs(90 * 86_400));
    assert_eq!(l.code, Duration::from_secs(300));
}

#[test]
fn settings_sections_with_some_keys_keep_the_other_defaults() {
    let c =
        parse("cache:\n  store: memory\nverify:\n  leeway: 5\nhttp:\n  rate_limit_retries: 0\n")
            .unwrap();
    assert_eq!(c.cache.store, CacheStore::Memory);
    assert_eq!(
        c.cache.refresh_before,
        CacheSettings::default().refresh_before
    );
    assert_eq!(c.verify.leeway, Duration::from_secs(5));
    assert!(c.verify.id_token);
    assert_eq!(c.http.rate_limit_retries, 0);
    assert_eq!(c.http.timeout, HttpSettings::default().timeout);
    let c = parse("cache:\nverify:\nhttp:\n").unwrap();
    assert_eq!(c.cache, CacheSettings::default());
}

#[test]
fn app_defaults_follow_the_flow() {
    let yaml = "\
apps:
  spa:
    client_id: a
    redirect_uri: http://localhost/cb
    flow: code
  web:
    client_id: b
    client_secret: s
    redirect_uri: http://localhost/cb
    flow: code
  legacy:
    client_id: c
    redirect_uri: http://localhost/cb
    flow: implicit
  svc:
    client_id: d
    client_secret: s
    flow: client_credentials
    scopes: [svc:read]
";
    let c = parse(yaml).unwrap();
    let spa = &c.apps["spa"];
    assert_eq!(spa.scopes, ["openid", "profile", "email"]);
    assert_eq!(spa.token_endpoint_auth, TokenEndpointAuth::None);
    assert!(spa.pkce);
    assert!(spa.response_type.is_empty());
    assert_eq!(spa.authorization_server, None);
    let web = &c.apps["web"];
    assert_eq!(
        web.token_endpoint_auth,
        TokenEndpointAuth::ClientSecretBasic
    );
    assert!(web.pkce);
    let legacy = &c.apps["legacy"];
    assert_eq!(
        legacy.response_type,
        [ResponseType::IdToken, ResponseType::Token]
    );
    assert!(!legacy.pkce);
    assert_eq!(legacy.scopes, ["openid", "profile", "email"]);
    let svc = &c.apps["svc"];
    assert!(!svc.pkce);
    assert_eq!(svc.redirect_uri, None);
    assert_eq!(
        svc.token_endpoint_auth,
        TokenEndpointAuth::ClientSecretBasic
    );
}

#[test]
fn scopes_and_response_types_take_lists_or_spaced_words() {
    let yaml = "\
apps:
  a:
    client_id: a
    redirect_uri: http://localhost/cb
    flow: implicit
    scopes: ${SCOPES:-openid  profile}
    response_type: token id_token token
  b:
    client_id: b
    redirect_uri: http://localhost/cb
    flow: code
    scopes: [openid, openid, 'orders:read']
";
    let c = parse(yaml).unwrap();
    assert_eq!(c.apps["a"].scopes, ["openid", "profile"]);
    assert_eq!(
        c.apps["a"].response_type,
        [ResponseType::IdToken, ResponseType::Token]
    );
    assert_eq!(
        c.apps["b"].scopes,
        ["openid", "orders:read"],
        "repeats are dropped"
    );
    let c = parse_env(yaml, &[("SCOPES", "openid email")]).unwrap();
    assert_eq!(c.apps["a"].scopes, ["openid", "email"]);
}

#[test]
fn org_url_forms() {
    let url = |v: &str| parse(&format!("org_url: {v}\n")).map(|c| c.org_url);
    assert_eq!(url("fake").unwrap(), OrgUrl::Fake);
    assert_eq!(
        url("https://dev-1.okta.com").unwrap(),
        OrgUrl::Url("https://dev-1.okta.com".into())
    );
    assert_eq!(
        url("https://dev-1.okta.com/").unwrap(),
        OrgUrl::Url("https://dev-1.okta.com".into())
    );
    assert_eq!(
        url("http://127.0.0.1:8900").unwrap(),
        OrgUrl::Url("http://127.0.0.1:8900".into())
    );
    // Written as the `url` crate writes it: lowercase, without the scheme's default port.
    assert_eq!(
        url("HTTPS://Dev-1.Okta.com:443/").unwrap(),
        OrgUrl::Url("https://dev-1.okta.com".into())
    );
    for bad in [
        "dev-1.okta.com",
        "ftp://dev-1.okta.com",
        "https://dev-1.okta.com/oauth2/default",
        "https://dev-1-admin.okta.com",
        "https://dev-1.okta.com?x=1",
    ] {
        let e = url(bad).unwrap_err();
        assert!(matches!(e, Error::Invalid { .. }), "{bad}: {e:?}");
        assert_at(&e, "org_url", (1, 10));
    }
    assert!(
        url("https://dev-1-admin.okta.com")
            .unwrap_err()
            .to_string()
            .contains("-admin")
    );
}

#[test]
fn durations_in_every_form() {
    let c = parse_env(
        "http:\n  timeout: 1m30s\n  max_rate_limit_wait: ${WAIT:-2m}\nverify:\n  leeway: 45\ncache:\n  refresh_before: 250ms\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.http.timeout, Duration::from_secs(90));
    assert_eq!(c.http.max_rate_limit_wait, Duration::from_secs(120));
    assert_eq!(c.verify.leeway, Duration::from_secs(45));
    assert_eq!(c.cache.refresh_before, Duration::from_millis(250));
    let c = parse_env(
        "http:\n  max_rate_limit_wait: ${WAIT:-2m}\n",
        &[("WAIT", "7d")],
    )
    .unwrap();
    assert_eq!(c.http.max_rate_limit_wait, Duration::from_secs(7 * 86_400));
}

#[test]
fn booleans_and_numbers_may_come_from_the_environment() {
    let yaml = "verify:\n  id_token: ${VERIFY:-true}\nhttp:\n  rate_limit_retries: ${RETRIES:-3}\n";
    let c = parse_env(yaml, &[("VERIFY", "false"), ("RETRIES", "7")]).unwrap();
    assert!(!c.verify.id_token);
    assert_eq!(c.http.rate_limit_retries, 7);
    let e = parse_env(yaml, &[("VERIFY", "nope-PLANTED")]).unwrap_err();
    assert_at(&e, "verify.id_token", (2, 13));
    assert!(!format!("{e} {e:?}").contains("PLANTED"));
}

#[test]
fn anchors_and_merge_keys_share_settings() {
    let yaml = "\
defaults: &defaults
  redirect_uri: http://localhost:8080/cb
  flow: code
";
    // `defaults` is not a schema key: anchors live inside the apps instead.
    assert!(matches!(err(yaml), Error::UnknownKey { .. }));
    let yaml = "\
apps:
  spa: &spa
    client_id: spa-client
    redirect_uri: http://localhost:8080/cb
    flow: code
  spa2:
    <<: *spa
    client_id: spa2-client
";
    let c = parse(yaml).unwrap();
    assert_eq!(c.apps["spa2"].client_id, "spa2-client");
    assert_eq!(
        c.apps["spa2"].redirect_uri.as_deref(),
        Some("http://localhost:8080/cb")
    );
}

#[test]
fn flow_style_yaml_is_read_and_located() {
    let yaml = "apps: {spa: {client_id: a, redirect_uri: 'http://localhost/cb', flow: code}}\nusers: {alice: {username: a, password: b, app: sap}}\n";
    let e = err(yaml);
    assert!(matches!(e, Error::UnknownName { .. }), "{e:?}");
    assert_at(&e, "users.alice.app", (2, 48));
}

// ---------------------------------------------------------------- syntax errors

#[test]
fn several_documents_are_refused() {
    let e = err("org_url: fake\n---\norg_url: fake\n");
    assert!(
        matches!(&e, Error::Syntax { what, .. } if what.contains("more than one")),
        "{e:?}"
    );
}

// ---------------------------------------------------------------- shape errors

#[test]
fn an_empty_value_is_an_absent_key() {
    let e = err("apps:\n  spa:\n    client_id:\n    redirect_uri: http://a/b\n    flow: code\n");
    assert!(
        matches!(&e, Error::Missing { key, .. } if key == "client_id"),
        "{e:?}"
    );
    let c = parse(&format!("{SPA}    scopes:\n")).unwrap();
    assert_eq!(c.apps["spa"].scopes, ["openid", "profile", "email"]);
}

// ---------------------------------------------------------------- enum values

#[rstest]
#[case(
    "apps:\n  spa:\n    client_id: x\n    flow: cod\n",
    "apps.spa.flow", (4, 11), "did you mean `code`?"
)]
#[case(
    "apps:\n  web:\n    client_id: x\n    client_secret: s\n    redirect_uri: http://a/b\n    flow: code\n    token_endpoint_auth: client_secret_bsic\n",
    "apps.web.token_endpoint_auth", (7, 26), "did you mean `client_secret_basic`?"
)]
#[case(
    "apps:\n  old:\n    client_id: x\n    redirect_uri: http://a/b\n    flow: implicit\n    response_type: [id_token, tokn]\n",
    "apps.old.response_type[1]", (6, 31), "did you mean `token`?"
)]
#[case("cache:\n  store: dsk\n", "cache.store", (2, 10), "did you mean `disk`?")]
#[case(
    "fake:\n  faults:\n    - endpoint: authz\n      kind: drop\n",
    "fake.faults[0].endpoint", (3, 17), "expected one of: authn, authorize"
)]
#[case(
    "fake:\n  faults:\n    - endpoint: authn\n      kind: rate_limt\n",
    "fake.faults[0].kind", (4, 13), "did you mean `rate_limit`?"
)]
#[case(
    "users:\n  alice: {username: a, password: b}\nfake:\n  users:\n    alice:\n      status: LOCKED\n",
    "fake.users.alice.status", (6, 15), "expected one of: SUCCESS"
)]
#[case(
    spa("fake:\n  apps:\n    spa:\n      rotation: rotating\n"),
    "fake.apps.spa.rotation", (9, 17), "expected one of: rotate, static"
)]
#[case(
    spa("fake:\n  apps:\n    spa:\n      grant_types: [authorisation_code]\n"),
    "fake.apps.spa.grant_types[0]", (9, 21), "did you mean `authorization_code`?"
)]
fn unknown_enum_values_list_the_choices_and_suggest_one(
    #[case] yaml: String,
    #[case] path: &str,
    #[case] line_col: (usize, usize),
    #[case] says: &str,
) {
    let e = err(&yaml);
    assert!(matches!(e, Error::Invalid { .. }), "{e:?}");
    assert_at(&e, path, line_col);
    assert!(e.to_string().contains(says), "{e}");
}

// ---------------------------------------------------------------- app rules

#[test]
fn redirect_uris_must_be_absolute_urls() {
    let good = [
        "http://localhost:8080/login/callback",
        "https://app.example.com/cb",
        "com.example.app:/callback",
        "com.example.app:callback",
        "myapp://callback",
    ];
    for uri in good {
        let yaml =
            format!("apps:\n  a:\n    client_id: x\n    flow: code\n    redirect_uri: '{uri}'\n");
        assert_eq!(
            parse(&yaml).unwrap().apps["a"].redirect_uri.as_deref(),
            Some(uri)
        );
    }
    let bad = [
        "localhost:8080/callback",
        "/login/callback",
        "callback",
        "http://",
        "http://localhost/cb#frag",
        "",
    ];
    let mut messages = std::collections::BTreeSet::new();
    for uri in bad {
        let yaml =
            format!("apps:\n  a:\n    client_id: x\n    flow: code\n    redirect_uri: '{uri}'\n");
        let e = err(&yaml);
        assert!(matches!(e, Error::Invalid { .. }), "{uri}: {e:?}");
        assert_at(&e, "apps.a.redirect_uri", (5, 19));
        messages.insert(e.to_string());
    }
    // One fixed message whatever the value: none of them is quoted.
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let e = err(&format!(
        "{SPA}fake:\n  apps:\n    spa:\n      redirect_uris: [http://a/b, nope]\n"
    ));
    assert_at(&e, "fake.apps.spa.redirect_uris[1]", (9, 35));
}

// ---------------------------------------------------------------- every mistake, located

/// A file with one mistake: the error's variant, where it points and what it says, never
/// quoting a value.
#[rstest]
#[case("aps: {}\n", "UnknownKey", "", (1, 1), "did you mean `apps`?")]
#[case(
    "apps:\n  spa:\n    clent_id: x\n",
    "UnknownKey", "apps.spa", (3, 5), "did you mean `client_id`?"
)]
#[case(
    "users:\n  alice:\n    pasword: x\n",
    "UnknownKey", "users.alice", (3, 5), "did you mean `password`?"
)]
#[case("http:\n  timout: 3s\n", "UnknownKey", "http", (2, 3), "did you mean `timeout`?")]
#[case(
    "fake:\n  users:\n    alice:\n      grops: []\n",
    "UnknownKey", "fake.users.alice", (4, 7), "did you mean `groups`?"
)]
#[case(
    "fake:\n  faults:\n    - endpoint: authn\n      knd: drop\n",
    "UnknownKey", "fake.faults[0]", (4, 7), "did you mean `kind`?"
)]
#[case(
    "fake:\n  servers:\n    default:\n      acces_claims: {}\n",
    "UnknownKey", "fake.servers.default", (4, 7), "did you mean `access_claims`?"
)]
#[case(
    "verify:\n  colour: blue\n",
    "UnknownKey", "verify", (2, 3), "expected one of: `id_token`, `leeway`"
)]
#[case(
    "apps: [hunter2]\n",
    "Invalid", "apps", (1, 7), "expected a mapping of apps by name, found a list"
)]
#[case(
    "apps:\n  spa: hunter2\n",
    "Invalid", "apps.spa", (2, 8), "expected a mapping (an app's settings), found text"
)]
#[case(
    "apps:\n  spa:\n    client_id: 12345\n",
    "Invalid", "apps.spa.client_id", (3, 16), "found a number; put the value in quotes"
)]
#[case(
    "apps:\n  spa:\n    client_id: [hunter2]\n",
    "Invalid", "apps.spa.client_id", (3, 16), "expected text, found a list"
)]
#[case(
    "apps:\n  spa:\n    client_id: x\n    flow: code\n    redirect_uri: http://a/b\n    scopes: {hunter2: 1}\n",
    "Invalid", "apps.spa.scopes", (6, 13), "found a mapping"
)]
#[case(
    "users:\n  alice:\n    username: a\n    password: {hunter2: x}\n",
    "Invalid", "users.alice.password", (4, 15), "expected text, found a mapping"
)]
#[case(
    "http:\n  rate_limit_retries: hunter2\n",
    "Invalid", "http.rate_limit_retries", (2, 23), "expected a whole number from 0 to 100"
)]
#[case(
    "http:\n  rate_limit_retries: -1\n",
    "Invalid", "http.rate_limit_retries", (2, 23), "expected a whole number from 0 to 100"
)]
#[case("verify:\n  id_token: [hunter2]\n", "Invalid", "verify.id_token", (2, 13), "found a list")]
#[case(
    "cache:\n  persist_refresh: hunter2\n",
    "Invalid", "cache.persist_refresh", (2, 20), "expected `true` or `false`"
)]
#[case(
    "fake:\n  faults: hunter2\n",
    "Invalid", "fake.faults", (2, 11), "expected a list of faults, found text"
)]
#[case(
    "fake:\n  users:\n    alice:\n      claims: [hunter2]\n",
    "Invalid", "fake.users.alice.claims", (4, 15), "expected a mapping of claim names"
)]
#[case(
    "apps:\n  spa:\n    client_id: x\n    flow: code\n",
    "Missing", "apps.spa", (2, 3), "`redirect_uri`"
)]
#[case(
    "apps:\n  spa:\n    redirect_uri: http://a/b\n    flow: code\n",
    "Missing", "apps.spa", (2, 3), "`client_id`"
)]
#[case("apps:\n  spa:\n", "Missing", "apps.spa", (2, 3), "`flow`")]
#[case("users:\n  alice:\n    username: a\n", "Missing", "users.alice", (2, 3), "`password`")]
#[case(
    "apps:\n  svc:\n    client_id: x\n    flow: client_credentials\n    scopes: [a]\n",
    "Missing", "apps.svc", (2, 3), "`client_secret`"
)]
#[case(
    "apps:\n  svc:\n    client_id: x\n    client_secret: y\n    flow: client_credentials\n",
    "Missing", "apps.svc", (2, 3), "`scopes`"
)]
#[case(
    "fake:\n  faults:\n    - endpoint: token\n      kind: status\n",
    "Missing", "fake.faults[0]", (3, 7), "`status`"
)]
#[case(
    "fake:\n  servers:\n    default:\n      id_claims:\n        x: .nan\n",
    "Invalid", "fake.servers.default.id_claims.x", (5, 12), "number"
)]
#[case(
    "fake:\n  servers:\n    default:\n      lifetimes:\n        code: 0s\n",
    "Invalid", "fake.servers.default.lifetimes.code", (5, 15), "greater than zero"
)]
#[case(
    "servers:\n  'a b': {}\n",
    "Invalid", r#"servers."a b""#, (2, 3), "Okta id"
)]
#[case(
    "servers:\n  orders: {id: 'https://dev-1.okta.com/oauth2/aus1'}\n",
    "Invalid", "servers.orders.id", (2, 16), "not a URL"
)]
#[case::org_is_built_in("servers:\n  org: {}\n", "Conflict", "servers.org", (2, 3), "built in")]
#[case::default_keeps_its_id(
    "servers:\n  default: {id: aus1}\n",
    "Conflict", "servers.default.id", (2, 13), "`default` is the id"
)]
#[case::oidc_scope_listed(
    "servers:\n  orders: {scopes: [orders:read, openid]}\n",
    "Invalid", "servers.orders.scopes", (2, 20), "`openid` is defined on every server"
)]
#[case::custom_server_without_audience_on_a_real_org(
    "org_url: https://dev-1.okta.com\nservers:\n  orders:\n    id: aus1\n",
    "Conflict", "servers.orders.audience", (3, 3), "needs its `audience`"
)]
#[case::audience_under_fake_servers(
    "servers:\n  orders: {}\nfake:\n  servers:\n    orders:\n      audience: api://orders\n",
    "Conflict", "fake.servers.orders.audience", (6, 7), "moved to the top-level `servers.orders.audience`"
)]
#[case::scopes_under_fake_servers(
    "fake:\n  servers:\n    default: {scopes: [orders:read]}\n",
    "Conflict", "fake.servers.default.scopes", (3, 15), "moved to the top-level `servers.default.scopes`"
)]
#[case::fake_server_not_declared(
    "fake:\n  servers:\n    orders: {access_claims: {a: b}}\n",
    "UnknownName", "fake.servers.orders", (3, 5), "top-level `servers:`"
)]
#[case::server_misspelt(
    "servers:\n  orders: {}\nauthorization_server: ordrs\n",
    "UnknownName", "authorization_server", (3, 23), "unknown authorization server `ordrs`, did you mean `orders`?"
)]
#[case::server_from_a_variable(
    "authorization_server: ${OKTA_SERVER:-default}\n",
    "Invalid", "authorization_server", (1, 23), "servers.<key>.id"
)]
#[case::tab_indentation("apps:\n  spa:\n\tclient_id: x\n", "Syntax", "apps.spa", (3, 1), "tab")]
#[case::unclosed_quote_where_it_opened(
    "users:\n  alice:\n    username: a\n    password: \"hunter2\n    app: spa\n",
    "Syntax", "users.alice.password", (4, 15), "quoted value is not closed"
)]
#[case::bad_indentation(
    "apps:\n  spa:\n    client_id: x\n   flow: code\n",
    "Syntax", "apps.spa.flow", (4, 4), "bad indentation"
)]
#[case::duplicate_key_at_the_repeat(
    spa("    flow: implicit\n"),
    "Syntax", "apps.spa.flow", (6, 5), "twice"
)]
#[case::tag("users:\n  alice: !include alice.yaml\n", "Syntax", "users.alice", (2, 10), "tags")]
#[case::flow_from_a_variable(
    "apps:\n  spa:\n    client_id: x\n    redirect_uri: http://a/b\n    flow: ${FLOW:-code}\n",
    "Invalid", "apps.spa.flow", (5, 11), "never expanded"
)]
#[case::app_from_a_variable(
    spa("users:\n  alice:\n    username: a\n    password: b\n    app: ${APP:-spa}\n"),
    "Invalid", "users.alice.app", (10, 10), "never expanded"
)]
#[case::unknown_fake_user(
    spa("users:\n  alice: {username: a, password: b}\nfake:\n  users:\n    alcie:\n      groups: [x]\n"),
    "UnknownName", "fake.users.alcie", (10, 5), "unknown user `alcie`, did you mean `alice`?"
)]
#[case::unknown_app_of_a_fake_user(
    spa("users:\n  alice: {username: a, password: b}\nfake:\n  users:\n    alice:\n      apps: [spa, sap]\n"),
    "UnknownName", "fake.users.alice.apps[1]", (11, 19), "unknown app `sap`"
)]
#[case::unknown_fake_app(
    spa("users:\n  alice: {username: a, password: b}\nfake:\n  apps:\n    sap: {}\n"),
    "UnknownName", "fake.apps.sap", (10, 5), "unknown app `sap`"
)]
#[case::pkce_on_implicit(
    "apps:\n  old:\n    client_id: x\n    redirect_uri: http://a/b\n    flow: implicit\n    pkce: true\n",
    "Conflict", "apps.old.pkce", (6, 5), "implicit flow has no PKCE"
)]
#[case::no_pkce_for_a_public_app(
    spa("    pkce: false\n"),
    "Conflict", "apps.spa.pkce", (6, 5), "must use PKCE"
)]
#[case::pkce_on_client_credentials(
    "apps:\n  svc:\n    client_id: x\n    client_secret: y\n    flow: client_credentials\n    scopes: [a]\n    pkce: false\n",
    "Conflict", "apps.svc.pkce", (7, 5), "pkce"
)]
#[case::response_type_for_code(
    spa("    response_type: [token]\n"),
    "Conflict", "apps.spa.response_type", (6, 5), "response_type"
)]
#[case::secret_auth_without_secret(
    spa("    token_endpoint_auth: client_secret_post\n"),
    "Missing", "apps.spa", (2, 3), "`client_secret`"
)]
#[case::no_auth_with_a_secret(
    spa("    client_secret: s\n    token_endpoint_auth: none\n"),
    "Conflict", "apps.spa.token_endpoint_auth", (7, 5), "none"
)]
#[case::no_scopes(
    spa("    scopes: []\n"),
    "Invalid", "apps.spa.scopes", (6, 13), "at least one scope"
)]
#[case::server_as_a_url(
    spa("    authorization_server: https://dev-1.okta.com/oauth2/default\n"),
    "UnknownName", "apps.spa.authorization_server", (6, 27), "unknown authorization server"
)]
#[case::server_with_a_slash(
    "authorization_server: a/b\n",
    "UnknownName", "authorization_server", (1, 23), "expected one of: `org`, `default`"
)]
#[case::empty_secret(
    spa("    client_secret: ${EMPTY:-}\n"),
    "Invalid", "apps.spa.client_secret", (6, 20), "`client_secret` is empty"
)]
#[case::fault_status(
    "fake:\n  faults:\n    - endpoint: token\n      kind: status\n      status: 700\n",
    "Invalid", "fake.faults[0].status", (5, 15), "from 100 to 599"
)]
#[case::oauth_error_where_none_is_answered(
    "fake:\n  faults:\n    - endpoint: authn\n      kind: oauth_error\n      error: login_required\n",
    "Invalid", "fake.faults[0].endpoint", (3, 17), "answers OAuth errors"
)]
#[case::oauth_error_without_error(
    "fake:\n  faults:\n    - endpoint: token\n      kind: oauth_error\n",
    "Missing", "fake.faults[0]", (3, 7), "`error`"
)]
#[case::oauth_error_misspelt(
    "fake:\n  faults:\n    - endpoint: authorize\n      kind: oauth_error\n      error: login_requird\n",
    "Invalid", "fake.faults[0].error", (5, 14), "did you mean `login_required`?"
)]
#[case::error_on_a_status_fault(
    "fake:\n  faults:\n    - endpoint: token\n      kind: status\n      status: 500\n      error: server_error\n",
    "Conflict", "fake.faults[0].error", (6, 7), "`kind: oauth_error` only"
)]
#[case::spa_type_with_a_secret(
    spa("    client_secret: s\nfake:\n  apps:\n    spa: { type: spa }\n"),
    "Conflict", "fake.apps.spa.type", (9, 12), "a SPA is a public client"
)]
#[case::web_type_without_a_secret(
    spa("fake:\n  apps:\n    spa: { type: web }\n"),
    "Conflict", "fake.apps.spa.type", (8, 12), "client secret"
)]
#[case::service_type_of_a_user_app(
    spa("fake:\n  apps:\n    spa: { type: service }\n"),
    "Conflict", "fake.apps.spa.type", (8, 12), "client_credentials"
)]
#[case::unknown_app_type(
    spa("fake:\n  apps:\n    spa: { type: mobile }\n"),
    "Invalid", "fake.apps.spa.type", (8, 18), "spa, web, native, service"
)]
#[case::latency_on_drop(
    "fake:\n  faults:\n    - endpoint: authn\n      kind: drop\n      latency: 1s\n",
    "Conflict", "fake.faults[0].latency", (5, 7), "latency"
)]
#[case::unknown_app_of_a_user(
    spa("users:\n  alice:\n    username: a\n    password: b\n    app: sap\n"),
    "UnknownName", "users.alice.app", (10, 10), "unknown app `sap`, did you mean `spa`?"
)]
#[case::far_from_any_app(
    spa("users:\n  alice:\n    username: a\n    password: b\n    app: mobile\n"),
    "UnknownName", "users.alice.app", (10, 10), "unknown app `mobile`, expected one of: `spa`"
)]
#[case::user_of_a_client_credentials_app(
    "apps:\n  reports:\n    client_id: r\n    client_secret: s\n    flow: client_credentials\n    scopes: [reports:read]\nusers:\n  alice:\n    username: a\n    password: b\n    app: reports\n",
    "Conflict", "users.alice.app", (11, 5), "`reports` uses `flow: client_credentials`"
)]
#[case::missing_password_variable(
    spa("users:\n  alice:\n    username: a\n    password: ${OKTA_ALICE_PASSWORD}\n"),
    "MissingEnv", "users.alice.password", (9, 15), "variable `OKTA_ALICE_PASSWORD` is not set"
)]
#[case::missing_fault_variable(
    "fake:\n  faults:\n    - endpoint: authn\n      kind: drop\n      user: ${FAULT_USER}\n",
    "MissingEnv", "fake.faults[0].user", (5, 13), "variable `FAULT_USER` is not set"
)]
#[case::missing_duration_variable(
    "http:\n  timeout: ${TIMEOUT}\n",
    "MissingEnv", "http.timeout", (2, 12), "variable `TIMEOUT` is not set"
)]
#[case::bad_duration("http:\n  timeout: 3x\n", "Invalid", "http.timeout", (2, 12), "duration")]
#[case::zero_timeout("http:\n  timeout: 0\n", "Invalid", "http.timeout", (2, 12), "duration")]
#[case::fractional_duration(
    "verify:\n  leeway: 1.5\n",
    "Invalid", "verify.leeway", (2, 11), "duration"
)]
#[case::boolean_duration(
    "cache:\n  refresh_before: true\n",
    "Invalid", "cache.refresh_before", (2, 19), "duration"
)]
#[case::word_duration(
    "fake:\n  lifetimes:\n    code: soon\n",
    "Invalid", "fake.lifetimes.code", (3, 11), "duration"
)]
#[case::fault_times_zero(
    "fake:\n  faults:\n    - {endpoint: authn, kind: drop, times: 0}\n",
    "Invalid", "fake.faults[0].times", (3, 44), "times"
)]
fn a_mistake_is_located_and_named(
    #[case] yaml: String,
    #[case] variant: &str,
    #[case] path: &str,
    #[case] line_col: (usize, usize),
    #[case] says: &str,
) {
    let e = err(&yaml);
    assert!(
        format!("{e:?}").starts_with(&format!("{variant} ")),
        "{e:?}"
    );
    assert_at(&e, path, line_col);
    assert!(e.to_string().contains(says), "{e}");
    for value in ["hunter2", "12345"] {
        assert!(!format!("{e} {e:?}").contains(value), "{e:?}");
    }
}

#[test]
fn a_confidential_web_app_may_turn_pkce_off() {
    let web = "apps:\n  web:\n    client_id: x\n    client_secret: y\n    redirect_uri: http://a/b\n    flow: code\n    pkce: false\n";
    assert!(!parse(web).unwrap().apps["web"].pkce);
}

#[test]
fn a_rate_limit_fault_defaults_its_reset() {
    let c = parse("fake:\n  faults:\n    - {endpoint: authn, kind: rate_limit}\n").unwrap();
    assert_eq!(c.fake.faults[0].kind, FaultKind::RateLimit { reset: 1 });
    assert_eq!(c.fake.faults[0].times, None);
}

#[test]
fn server_claims_and_lifetimes() {
    let yaml = "\
fake:
  lifetimes:
    access_token: 10m
  servers:
    default:
      access_claims:
        groups: $groups
        literal: $$groups
        nested: {a: [1, 2.5, true, ~, '${TENANT:-acme}']}
      lifetimes:
        id_token: 2m
";
    let c = parse(yaml).unwrap();
    let s = &c.fake.servers["default"];
    assert_eq!(s.access_claims["groups"], ClaimValue::Groups);
    assert_eq!(
        s.access_claims["literal"],
        ClaimValue::Value("$groups".into())
    );
    assert_eq!(
        s.access_claims["nested"],
        ClaimValue::Value(serde_json::json!({"a": [1, 2.5, true, null, "acme"]}))
    );
    let l = s.lifetimes.as_ref().unwrap();
    assert_eq!(l.id_token, Duration::from_secs(120));
    assert_eq!(
        l.access_token,
        Duration::from_secs(600),
        "inherits fake.lifetimes"
    );
    assert_eq!(c.fake.lifetimes.access_token, Duration::from_secs(600));
    assert_eq!(c.fake.lifetimes.code, FakeLifetimes::default().code);
}

// ---------------------------------------------------------------- variables and durations

#[test]
fn the_expanded_duration_is_checked_at_the_reference() {
    let e = parse_env("http:\n  timeout: ${T:-30s}\n", &[("T", "forever-PLANTED")]).unwrap_err();
    assert_at(&e, "http.timeout", (2, 12));
    assert!(!format!("{e} {e:?}").contains("PLANTED"));
}

// ---------------------------------------------------------------- secrets

const PLANTED: [&str; 4] = [
    "pw-PLANTED-1",
    "cs-PLANTED-2",
    "env-PLANTED-3",
    "user-PLANTED-4",
];

/// A file holding planted secrets in every secret place, broken in one way by `extra`.
fn with_secrets(extra: &str) -> String {
    format!(
        "\
org_url: ${{ORG:-fake}}
apps:
  web:
    client_id: web-client
    client_secret: cs-PLANTED-2
    redirect_uri: http://localhost/cb
    flow: code
  spa:
    client_id: ${{SPA_ID}}
    redirect_uri: ${{SPA_REDIRECT:-http://localhost/cb}}
    flow: code
users:
  alice:
    username: user-PLANTED-4
    password: pw-PLANTED-1
    app: web
{extra}"
    )
}

#[test]
fn planted_secrets_never_appear_in_any_error() {
    let broken = [
        "",
        "  bob:\n    username: b\n    password: \"pw-PLANTED-1\n",
        "  bob:\n    username: b\n    password: [pw-PLANTED-1]\n",
        "  bob:\n    username: b\n    password: {cs-PLANTED-2: 1}\n",
        "  bob:\n    username: b\n    password: pw-PLANTED-1\n    app: ${APP}\n",
        "  bob:\n    username: b\n    password: 1234567\n",
        "  bob:\n    username: b\n    password: pw-PLANTED-1\n    app: nope\n",
        "  bob:\n    username: b\n    password: pw-PLANTED-1\n    password: pw-PLANTED-1\n",
        "  bob:\n    username: b\n    password: ${NOT_SET}\n",
        "  bob:\n    username: b\n    password: !secret pw-PLANTED-1\n",
        "  bob:\n\tusername: pw-PLANTED-1\n",
        "http:\n  timeout: env-PLANTED-3\n",
        "http:\n  timeout: ${ENV_SECRET}\n",
        "http:\n  rate_limit_retries: ${ENV_SECRET}\n",
        "verify:\n  id_token: ${ENV_SECRET}\n",
        "cache:\n  store: ${ENV_SECRET}\n",
        "fake:\n  faults:\n    - {endpoint: authn, kind: ${ENV_SECRET}}\n",
        "fake:\n  users:\n    alice: {status: '${ENV_SECRET}'}\n",
        "fake:\n  apps:\n    web: {grant_types: ['${ENV_SECRET}']}\n",
        "fake:\n  servers:\n    default: {id_claims: {x: '${ENV_SECRET'}}\n",
    ];
    let envs: [&[(&str, &str)]; 3] = [
        &[],
        &[("SPA_ID", "spa"), ("ENV_SECRET", "env-PLANTED-3")],
        &[
            ("SPA_ID", "spa"),
            ("ENV_SECRET", "env-PLANTED-3"),
            ("SPA_REDIRECT", "env-PLANTED-3"),
            ("ORG", "env-PLANTED-3"),
        ],
    ];
    let mut errors = 0;
    for extra in broken {
        for env in envs {
            let yaml = with_secrets(extra);
            if let Err(e) = parse_env(&yaml, env) {
                errors += 1;
                let shown = format!("{e}\n{e:?}\n{:?}", std::error::Error::source(&e));
                for secret in PLANTED {
                    assert!(
                        !shown.contains(secret),
                        "{secret} leaked:\n{shown}\nfrom:\n{yaml}"
                    );
                }
            }
        }
    }
    // Every case above fails in at least one environment; most in all three.
    assert!(errors >= broken.len() * 2, "only {errors} errors");
}

#[test]
fn planted_secrets_never_appear_in_debug_of_a_config() {
    let env = [("SPA_ID", "spa"), ("ORG", "https://dev-1.okta.com")];
    let c = parse_env(&with_secrets(""), &env).unwrap();
    let shown = format!("{c:?}\n{c:#?}\n{:?}\n{:?}", c.apps["web"], c.users["alice"]);
    for secret in ["pw-PLANTED-1", "cs-PLANTED-2"] {
        assert!(!shown.contains(secret), "{secret} leaked:\n{shown}");
    }
    assert!(shown.contains("[REDACTED]"));
    assert_eq!(c.users["alice"].password.expose(), "pw-PLANTED-1");
}

// ---------------------------------------------------------------- lookups

const TWO_USER_APPS: &str = "\
apps:
  spa:
    client_id: a
    redirect_uri: http://localhost/cb
    flow: code
  legacy:
    client_id: b
    redirect_uri: http://localhost/cb
    flow: implicit
  svc:
    client_id: c
    client_secret: s
    flow: client_credentials
    scopes: [x]
users:
  alice:
    username: a
    password: p
    app: legacy
  bob:
    username: b
    password: p
";

#[test]
fn user_app_is_the_users_app_else_the_only_user_flow_app() {
    let c = parse(TWO_USER_APPS).unwrap();
    assert_eq!(c.user_app(c.user("alice").unwrap()).unwrap().name, "legacy");
    let e = c.user_app(c.user("bob").unwrap()).unwrap_err();
    assert!(
        matches!(&e, Error::Missing { key, at } if key == "app" && at.path == "users.bob"),
        "{e:?}"
    );

    // One code app and a service app: the code app is the default.
    let one = TWO_USER_APPS.replace("  legacy:\n    client_id: b\n    redirect_uri: http://localhost/cb\n    flow: implicit\n", "").replace("    app: legacy\n", "");
    let c = parse(&one).unwrap();
    assert_eq!(c.user_app(c.user("bob").unwrap()).unwrap().name, "spa");

    // Only a service app: nothing signs users in.
    let none = "apps:\n  svc: {client_id: c, client_secret: s, flow: client_credentials, scopes: [x]}\nusers:\n  bob: {username: b, password: p}\n";
    let c = parse(none).unwrap();
    let e = c.user_app(c.user("bob").unwrap()).unwrap_err();
    assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
}

#[test]
fn lookups_by_name_suggest_the_closest() {
    let c = parse(TWO_USER_APPS).unwrap();
    let e = c.user("alcie").unwrap_err();
    assert_eq!(
        e.to_string(),
        "fixtures.yaml: users: unknown user `alcie`, did you mean `alice`?"
    );
    let e = c.app("leagcy").unwrap_err();
    assert!(e.to_string().ends_with("did you mean `legacy`?"), "{e}");
    let e = c.app("mobile").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("expected one of: `legacy`, `spa`, `svc`"),
        "{e}"
    );
}

#[test]
fn names_agree_with_the_config_and_need_no_variables() {
    let yaml = TWO_USER_APPS.replace("password: p", "password: ${PASSWORD}");
    assert!(matches!(parse(&yaml), Err(Error::MissingEnv { .. })));
    let names = parse_names(&yaml, None).unwrap();
    assert_eq!(names.default_app("alice").unwrap(), "legacy");
    assert!(matches!(
        names.default_app("bob"),
        Err(Error::Missing { .. })
    ));
    assert!(matches!(
        names.default_app("carol"),
        Err(Error::UnknownName { .. })
    ));
    names.check_app("svc").unwrap();
    let e = names.check_app("sv").unwrap_err();
    assert!(e.to_string().ends_with("did you mean `svc`?"), "{e}");
    assert_eq!(
        names,
        Names {
            users: [
                ("alice".into(), Some("legacy".into())),
                ("bob".into(), None)
            ]
            .into(),
            apps: [
                ("spa".into(), Flow::Code),
                ("legacy".into(), Flow::Implicit),
                ("svc".into(), Flow::ClientCredentials)
            ]
            .into(),
            servers: ["default".into(), "org".into()].into(),
        }
    );
}

#[test]
fn names_report_shape_and_reference_errors_with_positions() {
    let e = parse_names("apps:\n  spa:\n    client_id: x\n    flow: implicit\n    redirect_uri: y\n  web:\n    flw: code\n", Some(Path::new(FILE))).unwrap_err();
    assert!(matches!(e, Error::UnknownKey { .. }), "{e:?}");
    assert_at(&e, "apps.web", (7, 5));
    let e = parse_names(
        &format!("{SPA}users:\n  alice: {{username: a, password: b, app: sap}}\n"),
        Some(Path::new(FILE)),
    )
    .unwrap_err();
    assert_at(&e, "users.alice.app", (7, 42));
    let e = parse_names("a:\n\tb\n", Some(Path::new(FILE))).unwrap_err();
    assert!(matches!(e, Error::Syntax { .. }), "{e:?}");
}

#[test]
fn load_and_load_names_read_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixtures.yaml");
    std::fs::write(&file, format!("{SPA}    flw: code\n")).unwrap();
    let e = load(&file, &no_env).unwrap_err();
    assert_eq!(e.location().unwrap().file.as_deref(), Some(file.as_path()));
    assert!(
        e.to_string().starts_with(&format!(
            "{}:6:5: apps.spa: unknown key `flw`",
            file.display()
        )),
        "{e}"
    );
    std::fs::write(&file, ROOT).unwrap();
    assert_eq!(
        load(&file, &no_env).unwrap().source.as_deref(),
        Some(file.as_path())
    );
    assert_eq!(load_names_at(&file).apps.len(), 5);
    let missing = dir.path().join("missing.yaml");
    let e = load(&missing, &no_env).unwrap_err();
    assert!(
        matches!(&e, Error::Read { path, .. } if *path == missing),
        "{e:?}"
    );
    assert!(matches!(
        crate::load_names(&missing),
        Err(Error::Read { .. })
    ));
}

fn load_names_at(path: &Path) -> Names {
    crate::load_names(path).unwrap()
}

#[test]
fn origin_names_who_chose_the_file() {
    assert!(Origin::Explicit.to_string().contains("--config"));
    assert!(Origin::Env.to_string().contains("OKTA_FIXTURES_CONFIG"));
}

#[test]
fn mutated_files_never_panic_and_never_leak() {
    // Seeded: the same mutations on every run.
    let mut rng = StdRng::seed_from_u64(0x9E37_79B9_7F4A_7C15);
    let mut next = |n: usize| rng.random_range(0..n);
    let base = with_secrets("fake:\n  faults:\n    - {endpoint: authn, kind: drop}\n");
    let lines: Vec<&str> = base.lines().collect();
    let inserts = [
        ":", " ", "\t", "\"", "'", "- ", "\n", "{", "[", "${", "&a", "*a", "!", "#", "  ", "<<: ",
    ];
    let env = [("SPA_ID", "env-PLANTED-3")];
    let (mut failed, mut names_failed) = (0, 0);
    for _ in 0..1500 {
        let mut lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        // Mutate a line that holds no planted value, so that every secret stays a value.
        let i = loop {
            let i = next(lines.len());
            if !lines[i].contains("PLANTED") {
                break i;
            }
        };
        let at = next(lines[i].len() + 1);
        match next(3) {
            0 => lines[i].insert_str(at, inserts[next(inserts.len())]),
            1 => {
                let end = (at + 1 + next(4)).min(lines[i].len());
                lines[i].replace_range(at.min(end)..end, "");
            }
            _ => {
                let j = next(lines.len());
                lines.swap(i, j);
            }
        }
        let yaml = lines.join("\n");
        let result = parse_env(&yaml, &env);
        let names = parse_names(&yaml, Some(Path::new(FILE)));
        for e in result
            .as_ref()
            .err()
            .into_iter()
            .chain(names.as_ref().err())
        {
            assert!(e.location().is_some(), "{e:?}");
            let shown = format!("{e}\n{e:?}");
            for secret in PLANTED {
                assert!(
                    !shown.contains(secret),
                    "{secret} leaked:\n{shown}\nfrom:\n{yaml}"
                );
            }
        }
        failed += usize::from(result.is_err());
        names_failed += usize::from(names.is_err());
    }
    // The mutations break most files; a fuzz that never fails tests nothing.
    assert!(
        failed > 1000 && names_failed > 1000,
        "{failed} {names_failed}"
    );
}
