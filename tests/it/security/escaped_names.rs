//! Names from fixtures.yaml are printed escaped: a key holding a terminal escape or a bidi
//! control cannot rewrite or reorder what errors, `doctor` and `cache list` show.

use std::path::Path;

use okta_fixtures::config::parse_str;

use crate::support::{command, temp_dir};

/// An escape that turns the terminal red, a right-to-left override, and a C1 control.
const HOSTILE: [&str; 3] = ["\u{1b}[31m", "\u{202e}", "\u{9b}"];

fn assert_clean(text: &str) {
    for bad in HOSTILE {
        assert!(!text.contains(bad), "{bad:?} passed: {text:?}");
    }
    for bad in ['\u{200e}', '\u{200f}', '\u{2066}', '\u{2069}', '\u{7}'] {
        assert!(!text.contains(bad), "{bad:?} passed: {text:?}");
    }
}

fn hostile_yaml() -> String {
    // A user whose app is unknown, under a key of escapes (YAML double quotes spell them).
    "apps:\n  spa:\n    client_id: c\n    redirect_uri: http://localhost:8080/cb\n    flow: code\n\
     users:\n  \"ev\\e[31mil\\u202Eoh\\x9B\\u2066\\a\":\n    username: u@example.com\n    password: p\n    app: \"sp\\e[31ma\\u202E\"\n"
        .to_owned()
}

#[test]
fn config_errors_escape_keys_and_names() {
    let e = parse_str(&hostile_yaml(), Some(Path::new("fixtures.yaml")), &|_| None)
        .expect_err("the app is unknown");
    let text = e.to_string();
    assert!(text.contains("unknown app"), "{text}");
    assert!(text.contains("\\u{1b}[31m"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
    assert_clean(&text);
    let location = e.location().expect("a location").to_string();
    assert_clean(&location);

    let unknown = "apps:\n  \"x\\e]0;pwned\\a\\u202E\": {}\nbogus\\e[2J: 1\n";
    let e = parse_str(unknown, None, &|_| None).expect_err("unknown key");
    assert_clean(&e.to_string());
}

#[test]
fn doctor_escapes_what_it_prints() {
    let cache = temp_dir("sec-escaped-doctor");
    let config = cache.path().join("fixtures.yaml");
    std::fs::write(&config, hostile_yaml()).expect("write fixtures.yaml");
    let out = command(
        cache.path(),
        &["doctor", "--config", config.to_str().expect("utf-8")],
    )
    .output()
    .expect("run doctor");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("unknown app"), "{text}");
    assert_clean(&text);
}
