//! `org_url`: plain `http://` only to this machine unless `http.allow_plain_http`, and never
//! credentials in the URL.

use std::path::Path;

use okta_fixtures::config::{Config, OrgUrl, Result, parse_str};

use crate::support::{command, temp_dir};

const APPS: &str = "apps:\n  spa:\n    client_id: spa-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n";

fn parse(text: &str) -> Result<Config> {
    parse_str(text, Some(Path::new("fixtures.yaml")), &|_| None)
}

fn file(org_url: &str, more: &str) -> String {
    format!("org_url: {org_url}\n{APPS}{more}")
}

#[test]
fn plain_http_to_another_machine_is_refused_at_its_line() {
    for url in [
        "http://dev-1.okta.com",
        "http://10.0.0.7:8080",
        "http://okta-fake:8080",
        "http://[fe80::1]:80",
    ] {
        let e = parse(&file(url, "")).expect_err(url);
        let text = e.to_string();
        assert!(
            text.starts_with("fixtures.yaml:1:10: org_url"),
            "{url}: {text}"
        );
        assert!(text.contains("use `https://`"), "{url}: {text}");
        assert!(text.contains("allow_plain_http"), "{url}: {text}");
    }
}

#[test]
fn plain_http_to_this_machine_and_https_anywhere_are_accepted() {
    for url in [
        "http://127.0.0.1:8080",
        "http://127.3.2.1",
        "http://localhost:9000",
        "http://LOCALHOST",
        "http://[::1]:8080",
        "https://dev-1.okta.com",
    ] {
        let c = parse(&file(url, "")).expect(url);
        assert!(matches!(c.org_url, OrgUrl::Url(_)), "{url}");
        assert!(!c.http.allow_plain_http);
    }
}

#[test]
fn allow_plain_http_opts_in_for_a_sidecar_fake() {
    let c = parse(&file(
        "http://okta-fake:8080",
        "http:\n  allow_plain_http: true\n",
    ))
    .expect("opted in");
    assert_eq!(c.org_url, OrgUrl::Url("http://okta-fake:8080".into()));
    assert!(c.http.allow_plain_http);
    let e = parse(&file(
        "http://okta-fake:8080",
        "http:\n  allow_plain_http: maybe\n",
    ))
    .expect_err("not a bool");
    assert!(e.to_string().contains("http.allow_plain_http"), "{e}");
}

#[test]
fn credentials_in_org_url_are_refused_and_never_quoted() {
    for url in [
        "https://admin:hunter2-SECRET@dev-1.okta.com",
        "https://hunter2-SECRET@dev-1.okta.com",
        "http://admin:hunter2-SECRET@127.0.0.1:8080",
    ] {
        let e = parse(&file(url, "")).expect_err(url);
        let text = format!("{e} {e:?}");
        assert!(text.contains("fixtures.yaml:1:10: org_url"), "{text}");
        assert!(text.contains("credentials"), "{text}");
        assert!(!text.contains("hunter2-SECRET"), "{text}");
    }
}

#[test]
fn doctor_refuses_credentials_without_printing_them() {
    let cache = temp_dir("plain-http-doctor");
    let config = cache.path().join("fixtures.yaml");
    std::fs::write(
        &config,
        file("https://admin:hunter2-SECRET@dev-1.okta.com", ""),
    )
    .expect("write fixtures.yaml");
    let out = command(
        cache.path(),
        &["doctor", "--config", config.to_str().expect("utf-8")],
    )
    .output()
    .expect("run doctor");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("credentials"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("hunter2-SECRET"), "{stdout}");
    assert!(!stderr.contains("hunter2-SECRET"), "{stderr}");
}
