//! Makes the Rust examples of the user docs real tests of `tests/it` (its `docs` module).
//!
//! Rustdoc compiles each example but drops the `#[test]` functions in it, and every
//! `#[okta_user]` example is one. So each example's text lives once, in its doc page, and
//! this copies the examples rustdoc would run (not `ignore`, `no_run`, `compile_fail` or
//! `should_panic`) into `$OUT_DIR/doc_examples.rs`, one module each, with rustdoc's hidden
//! `# ` lines shown. Only fenced blocks are read: the pages write no other kind.

use std::fmt::Write as _;

const PAGES: [(&str, &str); 3] = [
    ("readme", "README.md"),
    ("okta_user", "okta-fixtures/src/okta_user.md"),
    ("okta_users", "okta-fixtures/src/okta_users.md"),
];

fn main() {
    let mut out = String::new();
    for (name, path) in PAGES {
        println!("cargo::rerun-if-changed={path}");
        let page = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for (n, example) in examples(&page).into_iter().enumerate() {
            let n = n + 1;
            writeln!(
                out,
                "/// Example {n} of {path}.\nmod {name}_{n} {{\n#![allow(unused)]\n{example}}}\n"
            )
            .unwrap();
        }
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("doc_examples.rs");
    std::fs::write(dest, out).unwrap();
}

/// The code of each ```rust block that rustdoc runs.
fn examples(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim().strip_prefix("```") else {
            continue;
        };
        let attrs: Vec<&str> = info.split(',').map(str::trim).collect();
        let runs = attrs.first() == Some(&"rust")
            && !attrs
                .iter()
                .any(|a| ["ignore", "no_run", "compile_fail", "should_panic"].contains(a));
        let mut code = String::new();
        for line in lines.by_ref().take_while(|l| l.trim() != "```") {
            let line = line
                .strip_prefix("# ")
                .unwrap_or(if line == "#" { "" } else { line });
            code.push_str(line);
            code.push('\n');
        }
        if runs {
            found.push(code);
        }
    }
    found
}
