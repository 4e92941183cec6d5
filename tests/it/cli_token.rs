//! `okta-fixtures token` and `okta-fixtures doctor`, run as users run them: the built binary
//! against a standalone `okta-fixtures fake` (token) or the embedded one (doctor), judged by
//! stdout, stderr and the exit code, and by whether the printed tokens work at the org.

use std::path::Path;
use std::process::Output;

use rstest::rstest;
use serde_json::Value;

use crate::support::{Running, SECRETS, command, root_fixtures, temp_dir};

/// What a run of the binary left: exit code, stdout, stderr.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Ran {
    fn from(out: Output) -> Self {
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Ran {
    /// The one line a successful `token` prints, checked to be exactly one line.
    fn line(&self) -> &str {
        assert_eq!(self.code, Some(0), "stderr:\n{}", self.stderr);
        let line = self
            .stdout
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("no newline at the end of {:?}", self.stdout));
        assert!(
            !line.contains('\n') && !line.is_empty(),
            "one line: {:?}",
            self.stdout
        );
        line
    }

    /// A failure: exit 1, nothing on stdout, `error: …` on stderr.
    fn failure(&self) -> &str {
        assert_eq!(
            self.code,
            Some(1),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert_eq!(self.stdout, "", "nothing on stdout when it fails");
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        &self.stderr
    }
}

/// `okta-fixtures <args>` in `cache`, with none of this process's `OKTA_` variables (so the
/// root fixtures.yaml reads its defaults) but `vars`.
fn run(cache: &Path, args: &[&str], vars: &[(&str, &str)]) -> Ran {
    let mut cmd = command(cache, args);
    for (name, _) in std::env::vars() {
        if name.starts_with("OKTA_") && name != "OKTA_FIXTURES_CACHE_DIR" {
            cmd.env_remove(name);
        }
    }
    cmd.envs(vars.iter().copied())
        .current_dir(cache)
        .output()
        .expect("the binary runs")
        .into()
}

/// A standalone fake serving the root fixtures.yaml, with a cache folder of its own.
fn standalone(tag: &str) -> (Running, tempfile::TempDir) {
    let cache = temp_dir(tag);
    let fake = Running::start(command(
        cache.path(),
        &["fake", "--config", &root_fixtures()],
    ));
    (fake, cache)
}

/// `token <args> --config <root>` against the org at `org`.
fn token(cache: &Path, org: &str, args: &[&str], vars: &[(&str, &str)]) -> Ran {
    let root = root_fixtures();
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    all.extend(["--config", &root]);
    let mut vars = vars.to_vec();
    vars.push(("OKTA_ORG_URL", org));
    run(cache, &all, &vars)
}

fn assert_jwt(token: &str) {
    let parts: Vec<&str> = token.split('.').collect();
    assert!(
        parts.len() == 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }),
        "not a JWT: {token:?}"
    );
}

fn assert_no_secret(what: &str, text: &str, more: &[&str]) {
    for secret in SECRETS.iter().chain(more) {
        assert!(!text.contains(secret), "{secret:?} in {what}:\n{text}");
    }
}

/// The `email` `GET /userinfo` answers with `authorization` as the header value (as curl
/// would send it), checked to be a 200.
async fn userinfo_email(org: &str, authorization: &str) -> Value {
    let res = reqwest::Client::new()
        .get(format!("{org}/oauth2/default/v1/userinfo"))
        .header("Authorization", authorization)
        .send()
        .await
        .expect("the fake answers");
    assert_eq!(res.status(), 200, "userinfo");
    let info: Value = res.json().await.expect("a JSON body");
    info["email"].clone()
}

/// `POST /introspect` of the default server, as `client_id` (with its secret, if any).
async fn introspect(
    org: &str,
    client_id: &str,
    secret: Option<&str>,
    token: &str,
    hint: &str,
) -> Value {
    introspect_at(
        &format!("{org}/oauth2/default"),
        client_id,
        secret,
        token,
        hint,
    )
    .await
}

/// `POST {server}/v1/introspect`, `server` being `{org}/oauth2` or `{org}/oauth2/{id}`.
async fn introspect_at(
    server: &str,
    client_id: &str,
    secret: Option<&str>,
    token: &str,
    hint: &str,
) -> Value {
    let mut form = vec![("token", token), ("token_type_hint", hint)];
    let mut req = reqwest::Client::new().post(format!("{server}/v1/introspect"));
    match secret {
        Some(secret) => req = req.basic_auth(client_id, Some(secret)),
        None => form.push(("client_id", client_id)),
    }
    let res = req.form(&form).send().await.expect("the fake answers");
    assert_eq!(res.status(), 200, "introspect");
    res.json().await.expect("a JSON body")
}

#[tokio::test]
async fn token_prints_each_kind_on_one_line_and_each_works_at_the_org() {
    let (fake, cache) = standalone("token-modes");
    let org = fake.org_url.clone();
    let mut seen = Vec::new();

    let access = token(cache.path(), &org, &["alice"], &[]);
    let access_token = access.line().to_owned();
    assert_jwt(&access_token);
    let email = userinfo_email(&org, &format!("Bearer {access_token}")).await;
    assert_eq!(email, "alice@example.com");
    seen.push(access);

    let header = token(cache.path(), &org, &["alice", "--print", "header"], &[]);
    let value = header.line().to_owned();
    let bearer = value.strip_prefix("Bearer ").expect("`Bearer …`");
    assert_jwt(bearer);
    // What `curl -H "Authorization: $(okta-fixtures token alice --print header)"` sends.
    let email = userinfo_email(&org, &value).await;
    assert_eq!(email, "alice@example.com");
    seen.push(header);

    let id = token(cache.path(), &org, &["alice", "--print", "id"], &[]);
    let id_token = id.line().to_owned();
    assert_jwt(&id_token);
    let answer = introspect(&org, "spa-client", None, &id_token, "id_token").await;
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["username"], "alice@example.com", "{answer}");
    seen.push(id);

    let refresh = token(cache.path(), &org, &["alice", "--print", "refresh"], &[]);
    let refresh_token = refresh.line().to_owned();
    let answer = introspect(&org, "spa-client", None, &refresh_token, "refresh_token").await;
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["username"], "alice@example.com", "{answer}");
    seen.push(refresh);

    let json = token(cache.path(), &org, &["alice", "--print", "json"], &[]);
    let response: Value = serde_json::from_str(json.line()).expect("JSON");
    assert_eq!(response["token_type"], "Bearer");
    let left = response["expires_in"].as_u64().expect("expires_in");
    assert!((1..=3600).contains(&left), "{response}");
    assert_eq!(response["scope"], "openid profile email offline_access");
    for field in ["access_token", "id_token"] {
        assert_jwt(response[field].as_str().expect(field));
    }
    assert!(response["refresh_token"].is_string(), "{response}");
    let bearer = format!("Bearer {}", response["access_token"].as_str().unwrap_or(""));
    assert_eq!(userinfo_email(&org, &bearer).await, "alice@example.com");
    seen.push(json);

    let tokens = [
        access_token.as_str(),
        bearer.as_str(),
        id_token.as_str(),
        refresh_token.as_str(),
    ];
    for ran in &seen {
        assert_no_secret("stderr", &ran.stderr, &tokens);
    }
    drop(fake);
}

/// `/api/v1/authn` requests, as the fake counts them.
async fn authn_requests(org: &str) -> u64 {
    let stats: Value = reqwest::get(format!("{org}/_fake/stats"))
        .await
        .expect("the fake answers")
        .json()
        .await
        .expect("JSON stats");
    stats["requests"]["authn"].as_u64().expect("an authn count")
}

/// A password Okta refuses is tried once: `doctor --all-apps` tries alice's with her first app
/// only, names that failure for her other apps, and a later `token` process using the same
/// cache folder does not send it either.
#[tokio::test]
async fn doctor_all_apps_and_token_send_a_refused_password_once() {
    let (fake, cache) = standalone("refused-once");
    let org = fake.org_url.clone();
    let stale = [("OKTA_ALICE_PASSWORD", "alice-PW-stale-77c0")];
    let mut vars = stale.to_vec();
    vars.push(("OKTA_ORG_URL", &org));
    let ran = run(
        cache.path(),
        &["doctor", "--config", &root_fixtures(), "--all-apps"],
        &vars,
    );
    assert_ne!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let alice: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL sign-in user `alice`"))
        .collect();
    assert_eq!(alice.len(), 4, "{}", ran.stdout);
    assert!(alice[0].contains("rejected username"), "{}", ran.stdout);
    for (spared, line) in alice[1..].iter().enumerate() {
        assert!(
            line.contains("did not send username `alice@example.com`'s password again")
                && line.contains(&format!("{} sign-in attempt(s) spared", spared + 1)),
            "{}",
            ran.stdout
        );
    }
    // bob's password is his own.
    assert!(
        ran.stdout
            .contains("ok   sign-in user `bob` with app `spa`"),
        "{}",
        ran.stdout
    );
    // alice's one, bob's four and carol's four (the root fixtures.yaml's users).
    assert_eq!(authn_requests(&org).await, 1 + 4 + 4);
    assert!(!ran.stdout.contains(stale[0].1) && !ran.stderr.contains(stale[0].1));

    let ran = token(cache.path(), &org, &["alice"], &stale);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("4 sign-in attempt(s) spared"),
        "{}",
        ran.stderr
    );
    assert_eq!(authn_requests(&org).await, 1 + 4 + 4);
    // The right password is tried at once.
    let ran = token(cache.path(), &org, &["alice"], &[]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(authn_requests(&org).await, 2 + 4 + 4);
    drop(fake);
}

/// Sign-ins of `username` with `client_id`, as the fake counts them.
async fn sign_ins(org: &str, username: &str, client_id: &str) -> u64 {
    let stats: Value = reqwest::get(format!("{org}/_fake/stats"))
        .await
        .expect("the fake answers")
        .json()
        .await
        .expect("JSON stats");
    stats["sign_ins"]
        .as_array()
        .expect("a sign_ins array")
        .iter()
        .filter(|s| s["username"] == username && s["client_id"] == client_id)
        .filter_map(|s| s["count"].as_u64())
        .sum()
}

#[tokio::test]
async fn token_uses_the_cache_across_processes_and_fresh_bypasses_it() {
    let (fake, cache) = standalone("token-cache");
    let org = fake.org_url.clone();
    let first = token(cache.path(), &org, &["bob"], &[]).line().to_owned();
    let second = token(cache.path(), &org, &["bob"], &[]).line().to_owned();
    assert_eq!(first, second, "the second process is served from the cache");
    assert_eq!(sign_ins(&org, "bob@example.com", "spa-client").await, 1);

    let fresh = token(cache.path(), &org, &["bob", "--fresh"], &[])
        .line()
        .to_owned();
    assert_ne!(fresh, first, "--fresh signs in again");
    assert_eq!(sign_ins(&org, "bob@example.com", "spa-client").await, 2);
    let after = token(cache.path(), &org, &["bob"], &[]).line().to_owned();
    assert_eq!(after, first, "fresh tokens leave the cached ones alone");
    assert_eq!(sign_ins(&org, "bob@example.com", "spa-client").await, 2);
    drop(fake);
}

#[tokio::test]
async fn a_service_app_needs_no_user_and_scopes_replace_the_apps() {
    let (fake, cache) = standalone("token-service");
    let org = fake.org_url.clone();

    let ran = token(
        cache.path(),
        &org,
        &["--app", "reports", "--print", "json"],
        &[],
    );
    let response: Value = serde_json::from_str(ran.line()).expect("JSON");
    assert_eq!(response["scope"], "reports:read");
    assert!(
        response.get("id_token").is_none() && response.get("refresh_token").is_none(),
        "a service app gets an access token only: {response}"
    );
    let access = response["access_token"].as_str().expect("access_token");
    let answer = introspect(&org, "reports-client", Some("reports-secret"), access, "").await;
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["client_id"], "reports-client", "{answer}");
    assert!(answer.get("username").is_none(), "no user: {answer}");

    let ran = token(
        cache.path(),
        &org,
        &[
            "alice",
            "--app",
            "web",
            "--scopes",
            "openid orders:read",
            "--print",
            "json",
        ],
        &[],
    );
    let response: Value = serde_json::from_str(ran.line()).expect("JSON");
    assert_eq!(response["scope"], "openid orders:read");
    let access = response["access_token"].as_str().expect("access_token");
    let answer = introspect(&org, "web-client", Some("web-secret"), access, "").await;
    assert_eq!(
        (&answer["scope"], &answer["username"]),
        (
            &Value::from("openid orders:read"),
            &Value::from("alice@example.com")
        ),
        "{answer}"
    );

    // --server: the org authorization server instead of the app's `default`.
    let ran = token(cache.path(), &org, &["alice", "--server", "org"], &[]);
    let access = ran.line().to_owned();
    let answer = introspect_at(&format!("{org}/oauth2"), "spa-client", None, &access, "").await;
    assert_eq!(
        (&answer["active"], &answer["iss"]),
        (&Value::from(true), &Value::from(org.as_str())),
        "{answer}"
    );

    // No offline_access among those scopes, so no refresh token: say who, and how to get one.
    let stderr = token(
        cache.path(),
        &org,
        &[
            "alice", "--app", "web", "--scopes", "openid", "--print", "refresh",
        ],
        &[],
    );
    let stderr = stderr.failure();
    assert!(
        stderr.contains("user `alice` with app `web`: the sign-in produced no refresh token"),
        "{stderr}"
    );
    assert!(stderr.contains("offline_access"), "{stderr}");

    let ran = token(
        cache.path(),
        &org,
        &["--app", "reports", "--print", "id"],
        &[],
    );
    let stderr = ran.failure();
    assert!(
        stderr.contains("app `reports`: the sign-in produced no ID token"),
        "{stderr}"
    );
    drop(fake);
}

/// Nothing is signed in for these, so no org need answer.
const NO_ORG: &str = "http://127.0.0.1:9";

#[rstest]
#[case::a_misspelt_user(
    &["alise"],
    &["unknown user `alise`, did you mean `alice`?", "fixtures.yaml"]
)]
#[case::neither_user_nor_app(&[], &["users: `alice`, `bob`", "service apps: `reports`"])]
#[case::a_user_app_alone(&["--app", "spa"], &["`okta-fixtures token <USER> --app spa`"])]
#[case::a_user_with_a_service_app(&["alice", "--app", "reports"], &["leave out the user `alice`"])]
fn naming_the_wrong_user_or_app_exits_1_with_what_to_write(
    #[case] args: &[&str],
    #[case] parts: &[&str],
) {
    let cache = temp_dir("token-names");
    let ran = token(cache.path(), NO_ORG, args, &[]);
    let stderr = ran.failure();
    for part in parts {
        assert!(stderr.contains(part), "{part:?} missing from:\n{stderr}");
    }
}

#[test]
fn an_unknown_print_kind_is_a_usage_error() {
    let cache = temp_dir("token-print");
    let ran = token(cache.path(), NO_ORG, &["alice", "--print", "all"], &[]);
    assert_eq!(ran.code, Some(2), "a usage error: {}", ran.stderr);
}

#[test]
fn org_url_fake_is_refused_with_how_to_run_a_fake_that_lasts() {
    let cache = temp_dir("token-refuse");
    let ran = run(
        cache.path(),
        &["token", "alice", "--config", &root_fixtures()],
        &[],
    );
    let stderr = ran.failure();
    for part in [
        "org_url is `fake`",
        &format!("`okta-fixtures fake --config {}`", root_fixtures()),
        "set OKTA_ORG_URL to the URL it prints",
    ] {
        assert!(stderr.contains(part), "{part:?} missing from:\n{stderr}");
    }
    // Refused before anything started: no fake kept keys in the cache folder.
    assert!(!cache.path().join("fake").exists(), "a fake was started");
}

/// A failure with logs on: exit 1, nothing on stdout, logs and then `error: …` on stderr.
fn traced_failure(ran: &Ran) -> &str {
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_eq!(ran.stdout, "", "nothing on stdout when it fails");
    assert!(
        ran.stderr.contains("TRACE"),
        "trace logs are on: {}",
        ran.stderr
    );
    assert!(ran.stderr.contains("\nerror: "), "{}", ran.stderr);
    &ran.stderr
}

#[test]
fn failed_sign_ins_show_no_secret_even_with_trace_logs() {
    let (fake, cache) = standalone("token-secrets");
    let org = fake.org_url.clone();
    let password = "planted-password-4f1c";
    let client_secret = "planted-client-secret-9a2e";
    // Without logs: the error once, as the first thing on stderr.
    let ran = token(
        cache.path(),
        &org,
        &["alice"],
        &[("OKTA_ALICE_PASSWORD", password)],
    );
    let stderr = ran.failure();
    assert_eq!(
        stderr.matches("users.alice.password").count(),
        1,
        "{stderr}"
    );
    assert_no_secret("stderr", stderr, &[password]);

    // Another wrong password (the first one, refused, is not sent again), so the request is
    // made with trace logs on.
    let other = "planted-password-2-8d3e";
    let ran = token(
        cache.path(),
        &org,
        &["alice"],
        &[("OKTA_ALICE_PASSWORD", other), ("RUST_LOG", "trace")],
    );
    let stderr = traced_failure(&ran);
    assert!(stderr.contains("rejected username"), "{stderr}");
    assert!(stderr.contains("users.alice.password"), "{stderr}");
    assert_no_secret("stderr", stderr, &[password, other]);

    let ran = token(
        cache.path(),
        &org,
        &["--app", "reports"],
        &[
            ("OKTA_REPORTS_SECRET", client_secret),
            ("RUST_LOG", "trace"),
        ],
    );
    let stderr = traced_failure(&ran);
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert_no_secret("stderr", stderr, &[client_secret]);
    drop(fake);
}

/// The distinct `${NAME` references of a file without comments holding any.
fn variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split("${")
        .skip(1)
        .map(|rest| rest.split([':', '}']).next().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The check name of each stdout line (`ok   env     …` → `env`), and whether it passed.
fn checks(stdout: &str) -> Vec<(bool, String)> {
    stdout
        .lines()
        .map(|line| {
            let (status, rest) = line.split_once(' ').expect("`status check detail`");
            assert!(
                matches!(status, "ok" | "FAIL"),
                "not a check line: {line:?}"
            );
            let check = rest.trim_start().split(' ').next().unwrap_or_default();
            (status == "ok", check.to_owned())
        })
        .collect()
}

#[test]
fn doctor_passes_on_the_root_fixtures_against_the_embedded_fake() {
    let cache = temp_dir("doctor-root");
    let ran = run(cache.path(), &["doctor", "--config", &root_fixtures()], &[]);
    assert_eq!(
        ran.code,
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        ran.stdout,
        ran.stderr
    );
    let text = std::fs::read_to_string(root_fixtures()).expect("the root fixtures.yaml");
    let env_count = variables(&text).len();
    assert!(env_count > 5, "the root file references its variables");
    let mut expected = vec!["file"];
    expected.extend(std::iter::repeat_n("env", env_count));
    // Its apps use `default` and `org`, and it declares `orders`: a line for each.
    expected.extend([
        "parse", "org", "server", "server", "server", "sign-in", "sign-in", "sign-in",
    ]);
    let got = checks(&ran.stdout);
    assert!(got.iter().all(|(ok, _)| *ok), "{}", ran.stdout);
    assert_eq!(
        got.iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>(),
        expected,
        "{}",
        ran.stdout
    );
    for part in [
        format!("ok   file    {} (given by --config)", root_fixtures()),
        "ok   env     OKTA_ORG_URL is unset: the default applies (line 4)".into(),
        "ok   parse   5 app(s), 3 user(s); org_url fake, authorization_server default".into(),
        "is the embedded fake Okta (org_url: fake)".into(),
        "ok   server  `default` (Okta id default): issuer http://127.0.0.1:".into(),
        "/oauth2/default, audience api://default; an access token's `aud` matches".into(),
        "ok   server  `orders` (Okta id orders): issuer http://127.0.0.1:".into(),
        "/oauth2/orders, audience api://orders; no sign-in here uses it".into(),
        "ok   sign-in user `alice` with app `spa` (server `default`) as alice@example.com: \
         access, ID and refresh tokens"
            .into(),
        "ok   sign-in user `bob` with app `spa`".into(),
        // carol is behind MFA: doctor names the factor her sign-in verified.
        "ok   sign-in user `carol` with app `spa` (server `default`) as carol@example.com: \
         access, ID and refresh tokens"
            .into(),
        "; second factor verified: token:software:totp (OKTA)".into(),
    ] {
        assert!(
            ran.stdout.contains(&part),
            "{part:?} missing:\n{}",
            ran.stdout
        );
    }
    assert_no_secret("stdout", &ran.stdout, &[]);
    assert_no_secret("stderr", &ran.stderr, &[]);

    // Every user with every app that signs users in, and the service app.
    let ran = run(
        cache.path(),
        &["doctor", "--config", &root_fixtures(), "--all-apps"],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let sign_ins: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok   sign-in "))
        .collect();
    assert_eq!(sign_ins.len(), 3 * 4 + 1, "{}", ran.stdout);
    for part in [
        "user `alice` with app `legacy` (server `org`)",
        "user `bob` with app `native` (server `default`)",
        "user `bob` with app `web` (server `default`)",
        "app `reports` (server `default`): access token, scopes `reports:read`",
    ] {
        assert!(
            ran.stdout.contains(part),
            "{part:?} missing:\n{}",
            ran.stdout
        );
    }
}

/// A fixtures.yaml written to `dir`.
fn write_config(dir: &Path, yaml: &str) -> String {
    let path = dir.join("fixtures.yaml");
    std::fs::write(&path, yaml).expect("write the config");
    path.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn doctor_fails_an_mfa_user_and_says_what_to_change_in_okta() {
    let dir = temp_dir("doctor-mfa");
    let config = write_config(
        dir.path(),
        "\
org_url: fake
apps:
  spa: { client_id: spa-client, redirect_uri: 'http://localhost:8080/cb', flow: code }
users:
  alice: { username: alice@example.com, password: pw-alice-3b7d, app: spa }
  carol: { username: carol@example.com, password: pw-carol-8e1f, app: spa }
fake:
  users:
    carol: { status: MFA_REQUIRED }
",
    );
    let ran = run(dir.path(), &["doctor"], &[]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .starts_with(&format!("ok   file    {config} (found by searching ")),
        "{}",
        ran.stdout
    );
    let got = checks(&ran.stdout);
    let failed: Vec<&str> = got
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, c)| c.as_str())
        .collect();
    assert_eq!(failed, ["sign-in"], "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("ok   sign-in user `alice` with app `spa`"),
        "{}",
        ran.stdout
    );
    let carol = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL sign-in"))
        .expect("a failed sign-in");
    for part in [
        "user `carol` with app `spa`",
        "MFA_REQUIRED",
        "exempt the test user from MFA",
    ] {
        assert!(carol.contains(part), "{part:?} missing from {carol}");
    }
    assert!(
        ran.stderr
            .contains(&format!("error: 1 of {} checks failed", got.len())),
        "{}",
        ran.stderr
    );
    for secret in ["pw-alice-3b7d", "pw-carol-8e1f"] {
        assert!(!ran.stdout.contains(secret) && !ran.stderr.contains(secret));
    }
}

#[test]
fn doctor_names_a_missing_variable_and_never_prints_a_set_one() {
    let dir = temp_dir("doctor-env");
    let config = write_config(
        dir.path(),
        "\
org_url: fake
apps:
  spa:
    client_id: ${OKTA_DOCTOR_TEST_SPA_ID}
    redirect_uri: 'http://localhost:8080/cb'
    flow: code
users:
  alice: { username: alice@example.com, password: '${OKTA_DOCTOR_TEST_PW}', app: spa }
",
    );
    let planted = "planted-value-c0ffee";
    let ran = run(
        dir.path(),
        &["doctor", "--config", "fixtures.yaml"],
        &[("OKTA_DOCTOR_TEST_PW", planted)],
    );
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("ok   file    {config} (given by --config)").as_str(),
            "FAIL env     OKTA_DOCTOR_TEST_SPA_ID is not set and line 4 gives no default: set \
             it, or write `${OKTA_DOCTOR_TEST_SPA_ID:-default}` in fixtures.yaml",
            "ok   env     OKTA_DOCTOR_TEST_PW is set (line 8)",
            &format!(
                "FAIL parse   {config}:4:16: apps.spa.client_id: environment variable \
                 `OKTA_DOCTOR_TEST_SPA_ID` is not set (write `${{OKTA_DOCTOR_TEST_SPA_ID:-default}}` \
                 for a default)"
            ),
        ],
        "{}",
        ran.stdout
    );
    assert!(
        ran.stderr.contains("error: 2 of 4 checks failed"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stdout.contains(planted) && !ran.stderr.contains(planted));
}

#[test]
fn doctor_stops_at_a_file_it_cannot_find_or_read() {
    let dir = temp_dir("doctor-file");
    let ran = run(dir.path(), &["doctor", "--config", "nope.yaml"], &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let missing = dir.path().join("nope.yaml");
    assert_eq!(
        ran.stdout,
        format!(
            "FAIL file    {}: no such file (named by the explicit config path (`--config` or \
             the builder))\n",
            missing.display()
        )
    );
    // The same file named by the variable says so.
    let ran = run(
        dir.path(),
        &["doctor"],
        &[("OKTA_FIXTURES_CONFIG", "nope.yaml")],
    );
    assert!(
        ran.stdout.starts_with("FAIL file ") && ran.stdout.contains("OKTA_FIXTURES_CONFIG"),
        "{}",
        ran.stdout
    );

    write_config(
        dir.path(),
        "org_url: fake\nusers:\n  alice:\n    username: a@example.com\n    password: hunter2-planted\n    pasword: typo\n",
    );
    let ran = run(dir.path(), &["doctor"], &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let parse = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL parse"))
        .unwrap_or_else(|| panic!("no parse line:\n{}", ran.stdout));
    let file = dir.path().join("fixtures.yaml");
    assert!(
        parse.contains(&format!("{}:6:", file.display())) && parse.contains("`pasword`"),
        "{parse}"
    );
    assert!(!ran.stdout.contains("hunter2-planted"), "{}", ran.stdout);
}

#[test]
fn doctor_compares_a_servers_audience_with_a_real_access_token() {
    let (fake, cache) = standalone("doctor-audience");
    let org = fake.org_url.clone();
    let config = write_config(
        cache.path(),
        &format!(
            "\
org_url: {org}
servers:
  default: {{ audience: 'api://not-what-okta-says' }}
apps:
  spa: {{ client_id: spa-client, redirect_uri: 'http://localhost:8080/login/callback', flow: code }}
users:
  alice: {{ username: alice@example.com, password: correct-horse, app: spa }}
"
        ),
    );
    let ran = run(cache.path(), &["doctor", "--config", &config], &[]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    let part = format!(
        "FAIL server  `default` (Okta id default): issuer {org}/oauth2/default, audience \
         api://not-what-okta-says; an access token's `aud` is \"api://default\": set \
         `servers.default.audience` in fixtures.yaml to the server's Audience"
    );
    assert!(
        ran.stdout.contains(&part),
        "{part:?} missing:\n{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("ok   sign-in user `alice` with app `spa`"),
        "{}",
        ran.stdout
    );
    drop(fake);
}

#[test]
fn doctor_checks_each_server_of_a_running_org() {
    let (fake, cache) = standalone("doctor-servers");
    let org = fake.org_url.clone();
    let config = write_config(
        cache.path(),
        &format!(
            "\
org_url: {org}
authorization_server: default
servers:
  lost: {{ id: nosuch, audience: 'api://lost' }}
apps:
  spa: {{ client_id: spa-client, redirect_uri: 'http://localhost:8080/login/callback', flow: code }}
  lost:
    client_id: spa-client
    redirect_uri: 'http://localhost:8080/login/callback'
    flow: code
    authorization_server: lost
users:
  alice: {{ username: alice@example.com, password: correct-horse, app: spa }}
  bob: {{ username: bob@example.com, password: battery-staple, app: lost }}
"
        ),
    );
    let ran = run(cache.path(), &["doctor", "--config", &config], &[]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    for part in [
        format!("ok   org     {org} answers as an Okta org (issuer {org})"),
        format!(
            "ok   server  `default` (Okta id default): issuer {org}/oauth2/default, audience \
             api://default; an access token's `aud` matches"
        ),
        format!(
            "FAIL server  authorization server `lost` (Okta id `nosuch`): its discovery document \
             {org}/oauth2/nosuch/.well-known/openid-configuration answered 404: the org has no \
             authorization server of this id; fix `servers.<name>.id`"
        ),
        "ok   sign-in user `alice` with app `spa` (server `default`)".into(),
        "FAIL sign-in user `bob` with app `lost` (server `lost`): not tried, server `lost` \
         failed its check above"
            .into(),
    ] {
        assert!(
            ran.stdout.contains(&part),
            "{part:?} missing:\n{}",
            ran.stdout
        );
    }
    assert!(!ran.stdout.contains("embedded fake"), "{}", ran.stdout);
    assert!(ran.stderr.contains("error: 2 of "), "{}", ran.stderr);
    drop(fake);
}
