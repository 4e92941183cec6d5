//! The `#[okta_user]` and `#[okta_users]` attributes of
//! [okta-fixtures](https://docs.rs/okta-fixtures).
//!
//! Use them through `okta_fixtures::okta_user` and `okta_fixtures::okta_users`, where they are
//! documented: the expansion calls into `okta_fixtures`, so this crate is of no use alone.
//!
//! Each entry point parses (`args.rs`), checks the user and app against `fixtures.yaml` at
//! compile time (`check.rs`), finds the parameter to fill (`select.rs`) and renders
//! (`expand.rs`). Errors come out as `compile_error!`s beside a best-effort expansion, so an IDE
//! keeps seeing the test.

use proc_macro::TokenStream;

mod args;
mod check;
mod expand;
mod select;

/// Implemented in the `okta-fixtures-macros` crate; use it as `okta_fixtures::okta_user`, as
/// its expansion calls into `okta_fixtures`.
#[proc_macro_attribute]
pub fn okta_user(args: TokenStream, item: TokenStream) -> TokenStream {
    let fixtures = check::Fixtures::discover();
    expand::okta_user(args.into(), item.into(), fixtures.as_ref()).into()
}

/// Implemented in the `okta-fixtures-macros` crate; use it as `okta_fixtures::okta_users`, as
/// its expansion calls into `okta_fixtures`.
#[proc_macro_attribute]
pub fn okta_users(args: TokenStream, item: TokenStream) -> TokenStream {
    let fixtures = check::Fixtures::discover();
    expand::okta_users(args.into(), item.into(), fixtures.as_ref()).into()
}
