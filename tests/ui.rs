//! Compile-fail and pass cases of `#[okta_user]` and `#[okta_users]`, with trybuild.
//!
//! `tests/ui/fail/*.rs` each hold one mistake; the `.stderr` beside it is the exact message.
//! Refresh them with `TRYBUILD=overwrite cargo test --test ui`, then read the diff.
//! `tests/ui/pass/*.rs` must compile.
//!
//! trybuild builds each case in a crate of its own under `target/tests/trybuild/`, whose
//! `CARGO_MANIFEST_DIR` is not this one: finding fixtures.yaml from there would depend on where
//! the target folder is. So `OKTA_FIXTURES_CONFIG` names the workspace's fixtures.yaml
//! explicitly; cargo passes it on to the macros' compile-time check. Note that trybuild builds
//! without `--test`, so `#[test]` functions in these cases are checked by the macro and parsed,
//! not type-checked: `tests/it/macros.rs` compiles and runs such tests for real.

#[test]
fn ui() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures.yaml");
    // SAFETY: set before trybuild starts any thread or child process, and this binary has no
    // other test that could read the environment concurrently.
    unsafe { std::env::set_var("OKTA_FIXTURES_CONFIG", fixtures) };

    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
