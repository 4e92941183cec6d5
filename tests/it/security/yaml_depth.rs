//! A deeply nested fixtures.yaml is refused at once, at its line and column: the macro reads
//! the file at compile time, so a hostile file must not stall a build.

use std::path::Path;
use std::time::{Duration, Instant};

use okta_fixtures::config::parse_str;

/// Before the bracket count, 200 KB of `[` took 35 s (debug build) to be refused.
const FAST: Duration = Duration::from_secs(5);

#[test]
fn deep_flow_nesting_is_refused_fast_at_its_position() {
    let n = 100_000;
    for (name, text) in [
        (
            "lists",
            format!("apps: {}{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "mappings",
            format!("apps: {}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
        ),
        (
            "many nests",
            format!(
                "apps: [{}]\n",
                format!("{}{},", "[".repeat(127), "]".repeat(127)).repeat(400)
            ),
        ),
    ] {
        let started = Instant::now();
        let e =
            parse_str(&text, Some(Path::new("fixtures.yaml")), &|_| None).expect_err("too deep");
        let took = started.elapsed();
        let text = e.to_string();
        assert!(took < FAST, "{name}: took {took:?}");
        assert!(text.starts_with("fixtures.yaml:1:"), "{name}: {text}");
        assert!(text.contains("nests too deeply"), "{name}: {text}");
    }
}

#[test]
fn deep_block_nesting_is_refused_at_its_line() {
    let mut text = String::from("apps:\n");
    for i in 1..400 {
        text.push_str(&"  ".repeat(i));
        text.push_str("a:\n");
    }
    let e = parse_str(&text, Some(Path::new("fixtures.yaml")), &|_| None).expect_err("too deep");
    assert!(e.to_string().contains("nests too deeply"), "{e}");
    assert!(e.to_string().starts_with("fixtures.yaml:"), "{e}");
}
