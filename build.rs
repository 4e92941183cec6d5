//! Makes the Rust examples of the user docs real tests of `tests/it` (its `docs` module).
//!
//! Rustdoc compiles each example but drops the `#[test]` functions in it, and every
//! `#[okta_user]` example is one. So each example's text lives once, in its doc page, and
//! this copies the examples rustdoc would run (not `ignore`, `no_run`, `compile_fail` or
//! `should_panic`) into `$OUT_DIR/doc_examples.rs`, one module each, with rustdoc's hidden
//! `# ` lines shown. The pages write fenced blocks only.

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
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let mut found = Vec::new();
    // The code of the rust block being read, if one is open and rustdoc runs it.
    let mut open: Option<String> = None;
    for event in Parser::new(page) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let attrs: Vec<&str> = info.split(',').map(str::trim).collect();
                let runs = attrs.first() == Some(&"rust")
                    && !attrs
                        .iter()
                        .any(|a| ["ignore", "no_run", "compile_fail", "should_panic"].contains(a));
                open = runs.then(String::new);
            }
            Event::Text(text) => {
                if let Some(code) = open.as_mut() {
                    code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => found.extend(open.take()),
            _ => {}
        }
    }
    // Rustdoc's hidden lines (`# ` or a lone `#`) are part of the example.
    found
        .into_iter()
        .map(|code| {
            code.lines()
                .map(|line| {
                    line.strip_prefix("# ")
                        .unwrap_or(if line == "#" { "" } else { line })
                })
                .fold(String::new(), |mut all, line| {
                    all.push_str(line);
                    all.push('\n');
                    all
                })
        })
        .collect()
}
