//! The `okta-fixtures` command (feature `cli`); everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    okta_fixtures::cli::main()
}
