//! Rendering: remove the filled parameter and bind it at the top of the body from
//! `::okta_fixtures::__private`, or for `okta_users` turn it into an rstest `#[values]` parameter
//! holding the user keys.
//!
//! On an error the same rendering is made from whatever could be understood, and the errors are
//! emitted beside it, outside the function: an IDE keeps seeing the test and its parameter, the
//! user sees only our message, and a `#[test]` that strips the function in non-test builds
//! cannot strip the error with it.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ItemFn, LitStr, Pat, Stmt, Type, parse_quote};

use crate::args::{self, Errors, Options};
use crate::check::{self, Fixtures};
use crate::select::{self, Wanted};

/// The name of the parameter `okta_users` adds; the tests' names contain it
/// (`okta_user_1_alice`).
const USERS_PARAM: &str = "okta_user";

/// `#[okta_user(args)] item`.
pub(crate) fn okta_user(
    args: TokenStream,
    item: TokenStream,
    fixtures: Option<&Fixtures>,
) -> TokenStream {
    let Ok(mut func) = syn::parse2::<ItemFn>(item.clone()) else {
        return not_a_fn("okta_user", item);
    };
    let mut errors = Errors::default();
    let (mut users, options) = parse_args(args::user, args, fixtures, &mut errors);
    let user = users.swap_remove(0);
    let claimed = select::claimed_names(&func.attrs);
    let fill = match select::select(&func.sig, &Wanted::User(&user.value()), &claimed) {
        Ok(index) => vec![index],
        Err(e) => {
            errors.push(e);
            select::candidates(&func.sig, &claimed)
        }
    };
    check_async_has_runtime(&func, &mut errors);
    let key = user.to_token_stream();
    bind(&mut func, &fill, &key, user.span(), &options);
    finish(func, fixtures, &errors)
}

/// `#[okta_users(args)] item`.
pub(crate) fn okta_users(
    args: TokenStream,
    item: TokenStream,
    fixtures: Option<&Fixtures>,
) -> TokenStream {
    let Ok(mut func) = syn::parse2::<ItemFn>(item.clone()) else {
        return not_a_fn("okta_users", item);
    };
    let mut errors = Errors::default();
    let (users, options) = parse_args(args::users, args, fixtures, &mut errors);
    let has_rstest = func.attrs.iter().any(|a| last_segment_is(a, "rstest"));
    if !has_rstest {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[okta_users]` runs the test once per user through rstest: add `#[rstest]` \
             below it (`use rstest::rstest;`)",
        ));
    }
    let claimed = select::claimed_names(&func.attrs);
    let selected = select::select(&func.sig, &Wanted::AnyUser, &claimed);
    if let Err(e) = &selected {
        errors.push(e.clone());
    }
    check_async_has_runtime(&func, &mut errors);
    // A parameter of the test already called `okta_user` would collide with ours.
    let clashes: Vec<&Pat> = func
        .sig
        .inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| selected.as_ref().ok() != Some(i))
        .filter_map(|(_, arg)| match arg {
            FnArg::Typed(p) if matches!(&*p.pat, Pat::Ident(i) if i.ident == USERS_PARAM) => {
                Some(&*p.pat)
            }
            _ => None,
        })
        .collect();
    for clash in &clashes {
        errors.push(syn::Error::new(
            clash.span(),
            format!(
                "`{USERS_PARAM}` is the parameter `#[okta_users]` adds for the user's key: rename \
                 this one"
            ),
        ));
    }
    let clashed = !clashes.is_empty();
    match selected {
        Ok(index) if has_rstest && !clashed => {
            let hidden = Ident::new(USERS_PARAM, Span::call_site());
            let key = quote!(#hidden.0);
            bind(&mut func, &[index], &key, Span::call_site(), &options);
            let values = users.iter().map(|user| {
                let description = user.value();
                quote!(#[doc = #description] ::okta_fixtures::__private::UserKey(#user))
            });
            func.sig.inputs.insert(
                index,
                parse_quote!(#[values(#(#values),*)] #hidden: ::okta_fixtures::__private::UserKey),
            );
        }
        // Without rstest (or with a clash) there is no matrix to make: fill the parameter as
        // `okta_user` would, so that only the errors above are reported.
        selected => {
            let fill = selected
                .map(|i| vec![i])
                .unwrap_or_else(|_| select::candidates(&func.sig, &claimed));
            let first = users.into_iter().next().unwrap_or_else(empty_key);
            bind(
                &mut func,
                &fill,
                &first.to_token_stream(),
                first.span(),
                &options,
            );
        }
    }
    finish(func, fixtures, &errors)
}

/// The compile-time check of every user, the app and the server, when fixtures.yaml was
/// found.
fn check_names(
    fixtures: Option<&Fixtures>,
    users: &[LitStr],
    options: &Options,
    errors: &mut Errors,
) {
    let Some(fixtures) = fixtures else { return };
    for user in users {
        if let Err(e) = fixtures.check_user(user, options.app.is_some()) {
            errors.push(e);
        }
    }
    if let Some(app) = &options.app
        && let Err(e) = fixtures.check_app(app)
    {
        errors.push(e);
    }
    if let Some(server) = &options.server
        && let Err(e) = fixtures.check_server(server)
    {
        errors.push(e);
    }
}

/// An async fn with no test attribute would get `#[test]`, which cannot run it.
fn check_async_has_runtime(func: &ItemFn, errors: &mut Errors) {
    if let Some(asyncness) = func.sig.asyncness
        && !func.attrs.iter().any(is_test_attr)
    {
        errors.push(syn::Error::new(
            asyncness.span(),
            "an async test needs a runtime: add `#[tokio::test]` (below `#[rstest]` if there is \
             one)",
        ));
    }
}

/// Removes the parameters at `fill` and binds each at the top of the body to the tokens of
/// `key` (an expression of type `&'static str`).
fn bind(func: &mut ItemFn, fill: &[usize], key: &TokenStream, span: Span, options: &Options) {
    let test = func.sig.ident.to_string();
    let is_async = func.sig.asyncness.is_some();
    let mut stmts: Vec<Stmt> = Vec::new();
    // From the last so earlier indices stay valid; bindings keep the parameters' order.
    for &index in fill.iter().rev() {
        let FnArg::Typed(param) = func.sig.inputs[index].clone() else {
            continue;
        };
        func.sig.inputs = remove_at(&func.sig.inputs, index);
        let request = request(key, span, options);
        let fetched = if is_async {
            quote_spanned!(span=> #request.tokens().await)
        } else {
            quote_spanned!(span=> #request.blocking_tokens())
        };
        let tokens = quote_spanned! {span=>
            ::okta_fixtures::__private::expect(
                #fetched,
                ::core::concat!(::core::module_path!(), "::", #test),
            )
        };
        let init = match &*param.ty {
            Type::Reference(r) => {
                let mutability = r.mutability;
                quote!(&#mutability #tokens)
            }
            _ => tokens,
        };
        let (pat, ty) = (&param.pat, &param.ty);
        stmts.insert(0, parse_quote!(let #pat: #ty = #init;));
    }
    // After the bindings of the attributes above this one, so they read in attribute order.
    let at = func
        .block
        .stmts
        .iter()
        .take_while(|s| is_binding(s))
        .count();
    func.block.stmts.splice(at..at, stmts);
}

/// Whether `stmt` is a binding made by one of our attributes expanded earlier.
fn is_binding(stmt: &Stmt) -> bool {
    let Stmt::Local(local) = stmt else {
        return false;
    };
    let Some(init) = &local.init else {
        return false;
    };
    let mut expr = &*init.expr;
    if let syn::Expr::Reference(r) = expr {
        expr = &r.expr;
    }
    matches!(expr, syn::Expr::Call(call) if matches!(&*call.func, syn::Expr::Path(p)
        if p.path.leading_colon.is_some()
            && p.path.segments.iter().map(|s| s.ident.to_string()).eq(["okta_fixtures", "__private", "expect"])))
}

/// `__private::request(key, manifest dir)` and a builder call per option.
fn request(key: &TokenStream, span: Span, options: &Options) -> TokenStream {
    let mut request = quote_spanned! {span=>
        ::okta_fixtures::__private::request(#key, ::core::env!("CARGO_MANIFEST_DIR"))
    };
    if let Some(app) = &options.app {
        request = quote_spanned!(span=> #request.app(#app));
    }
    if let Some(scopes) = &options.scopes {
        // Split here: the builder takes a list, the attribute a space-separated string as
        // Okta's `scope` parameter does.
        let list = scopes
            .value()
            .split_whitespace()
            .map(|scope| LitStr::new(scope, scopes.span()))
            .collect::<Vec<_>>();
        request = quote_spanned!(span=> #request.scopes([#(#list),*]));
    }
    if let Some(server) = &options.server {
        request = quote_spanned!(span=> #request.server(#server));
    }
    if options.fresh.is_some() {
        request = quote_spanned!(span=> #request.fresh());
    }
    request
}

/// Adds the rebuild tracking (once, from the innermost of our attributes) and a test attribute
/// if the function has none, then emits the errors beside the function.
fn finish(mut func: ItemFn, fixtures: Option<&Fixtures>, errors: &Errors) -> TokenStream {
    let innermost = !func
        .attrs
        .iter()
        .any(|a| last_segment_is(a, "okta_user") || last_segment_is(a, "okta_users"));
    if innermost {
        let tracking = check::tracking(fixtures);
        let items: syn::Block = parse_quote!({ #tracking });
        func.block.stmts.splice(0..0, items.stmts);
    }
    // rstest and `#[tokio::test]`-like attributes add the test attribute themselves, and tokio
    // rejects a second one. Placed last so that our attributes below expand before it.
    if !func.attrs.iter().any(is_test_attr) && func.sig.asyncness.is_none() {
        func.attrs.push(parse_quote!(#[::core::prelude::v1::test]));
    }
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        #func
    }
}

/// Parses the arguments and checks their names against the fixtures; when they do not parse,
/// the users that could be read, with no options.
fn parse_args(
    parser: fn(ParseStream) -> syn::Result<args::Args>,
    args: TokenStream,
    fixtures: Option<&Fixtures>,
    errors: &mut Errors,
) -> (Vec<LitStr>, Options) {
    match parser.parse2(args.clone()) {
        Ok(parsed) => {
            errors.append(parsed.problems);
            check_names(fixtures, &parsed.users, &parsed.options, errors);
            (parsed.users, parsed.options)
        }
        Err(e) => {
            errors.push(e);
            (fallback_users(args), Options::default())
        }
    }
}

/// The users to render with when the arguments do not parse: those that could be read, else an
/// empty key (the build fails on the error anyway).
fn fallback_users(args: TokenStream) -> Vec<LitStr> {
    let users: Vec<LitStr> = args::leading_users(args)
        .into_iter()
        .map(|(key, span)| LitStr::new(&key, span))
        .collect();
    if users.is_empty() {
        vec![empty_key()]
    } else {
        users
    }
}

fn empty_key() -> LitStr {
    LitStr::new("", Span::call_site())
}

fn not_a_fn(name: &str, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        Span::call_site(),
        format!("`#[{name}]` goes on a test function"),
    )
    .to_compile_error();
    quote!(#error #item)
}

/// rstest's rule: an attribute whose path ends in `test` (`test`, `tokio::test`, `rstest`,
/// `wasm_bindgen_test`, …) is the test attribute.
fn is_test_attr(attr: &Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        name == "test" || name == "rstest" || name.ends_with("_test")
    })
}

fn last_segment_is(attr: &Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

fn remove_at(
    inputs: &syn::punctuated::Punctuated<FnArg, syn::Token![,]>,
    index: usize,
) -> syn::punctuated::Punctuated<FnArg, syn::Token![,]> {
    inputs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != index)
        .map(|(_, a)| a.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    //! Expansion snapshots: each test expands our attributes as rustc would (outermost first)
    //! and pretty-prints the result. Review `.snap` changes like code.

    use super::*;

    const FIXTURES: &str = "\
servers:
  orders: { audience: 'api://orders' }
apps:
  spa: { client_id: spa-client, redirect_uri: 'http://localhost/cb', flow: code }
  web: { client_id: web-client, redirect_uri: 'http://localhost/cb', flow: code }
users:
  alice: { username: alice@example.com, password: p, app: spa }
  bob: { username: bob@example.com, password: p, app: spa }
";

    fn fixtures() -> Fixtures {
        let names = okta_fixtures_config::parse_names(FIXTURES, None).unwrap();
        Fixtures::new("/ws/fixtures.yaml", names)
    }

    /// Expands every `#[okta_user]`/`#[okta_users]` on `func`, outermost first, and pretty-prints.
    fn expand(func: ItemFn) -> String {
        let fixtures = fixtures();
        let mut tokens = func.into_token_stream();
        loop {
            let mut file: syn::File = syn::parse2(tokens.clone()).unwrap();
            let Some(pos) = file
                .items
                .iter()
                .position(|i| matches!(i, syn::Item::Fn(_)))
            else {
                unreachable!("the expansion keeps the function")
            };
            let syn::Item::Fn(mut func) = file.items.remove(pos) else {
                unreachable!()
            };
            let Some(attr) = func
                .attrs
                .iter()
                .position(|a| last_segment_is(a, "okta_user") || last_segment_is(a, "okta_users"))
            else {
                return prettyplease::unparse(&syn::parse2(tokens).unwrap());
            };
            let attr = func.attrs.remove(attr);
            let args = match &attr.meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            let expanded = if last_segment_is(&attr, "okta_users") {
                okta_users(args, func.into_token_stream(), Some(&fixtures))
            } else {
                okta_user(args, func.into_token_stream(), Some(&fixtures))
            };
            let before = file.items.iter().map(ToTokens::to_token_stream);
            tokens = quote!(#(#before)* #expanded);
        }
    }

    #[test]
    fn async_rstest_tokio() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice")]
            #[rstest]
            #[tokio::test]
            async fn alice_reads_orders(token: Tokens) {
                assert!(!token.access_token().is_empty());
            }
        }));
    }

    #[test]
    fn sync_rstest_values() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice")]
            #[rstest]
            fn alice_sync(token: Tokens, #[values(1, 2)] page: u32) {
                let _ = (token, page);
            }
        }));
    }

    #[test]
    fn two_users_with_options_and_cases() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice")]
            #[okta_user("bob", app = "web", scopes = "openid orders:write")]
            #[rstest]
            #[case::first(1)]
            #[tokio::test]
            async fn two_users(alice: Tokens, bob: Tokens, #[case] n: u32) {}
        }));
    }

    #[test]
    fn plain_test_fresh_by_reference() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice", fresh, server = "orders")]
            #[test]
            fn plain(token: &Tokens) {}
        }));
    }

    #[test]
    fn no_test_attribute_adds_one() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("bob")]
            fn bare(mut bob: okta_fixtures::Tokens) -> Result<(), String> { Ok(()) }
        }));
    }

    #[test]
    fn okta_users_matrix_with_cases() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_users("alice", "bob", app = "web")]
            #[rstest]
            #[case::small(1)]
            #[case::large(100)]
            #[tokio::test]
            async fn each_user(#[case] n: u32, token: Tokens) {}
        }));
    }

    #[test]
    fn okta_users_with_a_fixed_user() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_users("alice", "bob")]
            #[okta_user("alice", app = "web")]
            #[rstest]
            fn with_admin(token: Tokens, alice: Tokens) {}
        }));
    }

    #[test]
    fn unknown_user_still_expands() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alcie", app = "wbe")]
            #[tokio::test]
            async fn typo(token: Tokens) {}
        }));
    }

    #[test]
    fn ambiguous_parameters_fill_both_and_report() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice")]
            #[rstest]
            fn ambiguous(a: Tokens, b: Tokens) {}
        }));
    }

    #[test]
    fn okta_users_without_rstest() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_users("alice", "bob")]
            #[test]
            fn no_rstest(token: Tokens) {}
        }));
    }

    #[test]
    fn unparsable_options_keep_the_user() {
        insta::assert_snapshot!(expand(parse_quote! {
            #[okta_user("alice", scope = "openid")]
            #[test]
            fn bad_option(token: Tokens) {}
        }));
    }

    #[test]
    fn okta_users_may_fill_a_parameter_called_okta_user() {
        let out = expand(parse_quote! {
            #[okta_users("alice", "bob")]
            #[rstest]
            fn t(okta_user: Tokens) {}
        });
        assert!(!out.contains("compile_error"), "{out}");
        let clash = expand(parse_quote! {
            #[okta_users("alice", "bob")]
            #[rstest]
            fn t(token: Tokens, #[values(1)] okta_user: u32) {}
        });
        assert!(clash.contains("rename this one"), "{clash}");
    }

    #[test]
    fn a_repeated_user_does_not_hide_the_other_mistakes() {
        let out = expand(parse_quote! {
            #[okta_users("alice", "carol", "alice", app = "wbe")]
            #[rstest]
            fn t(token: Tokens) {}
        });
        for message in [
            "user `alice` is listed twice",
            "unknown user `carol`",
            "unknown app `wbe`",
        ] {
            assert!(out.contains(message), "{message} in {out}");
        }
    }

    #[test]
    fn not_a_function() {
        let out = okta_user(
            quote!("alice"),
            quote!(
                struct S;
            ),
            Some(&fixtures()),
        )
        .to_string();
        assert!(
            out.contains("`#[okta_user]` goes on a test function"),
            "{out}"
        );
        assert!(out.contains("struct S"), "{out}");
    }

    #[test]
    fn without_fixtures_the_check_defers_to_run_time() {
        let out = okta_user(
            quote!("nobody", app = "nothing"),
            quote!(
                #[test]
                fn t(token: Tokens) {}
            ),
            None,
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("include_bytes"), "{out}");
        assert!(out.contains("option_env"), "{out}");
    }
}
