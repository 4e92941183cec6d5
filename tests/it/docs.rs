//! The Rust examples of README.md, okta_user.md and okta_users.md, run as the tests they are
//! (build.rs copies them here: rustdoc compiles them but drops their `#[test]` functions).
//! Test names say where each comes from: `docs::okta_user_2::alice_pages`.

include!(concat!(env!("OUT_DIR"), "/doc_examples.rs"));
