//! The attributes' arguments: `"alice"` (or `"alice", "bob"` for `okta_users`), then any of
//! `app = "…"`, `scopes = "…"`, `server = "…"`, `fresh`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token};

mod kw {
    syn::custom_keyword!(app);
    syn::custom_keyword!(scopes);
    syn::custom_keyword!(server);
    syn::custom_keyword!(fresh);
}

/// `#[okta_user("alice", …)]` (one user) or `#[okta_users("alice", "bob", …)]`: the users to
/// run the test as, and their shared options.
pub(crate) struct Args {
    pub(crate) users: Vec<LitStr>,
    pub(crate) options: Options,
    /// Mistakes that did not stop the parse (a repeated option or user), reported with the
    /// others.
    pub(crate) problems: Errors,
}

/// The options both attributes take; each maps to a `TokenRequest` builder method.
#[derive(Default)]
pub(crate) struct Options {
    /// `app = "web"`: sign in through this app instead of the user's own.
    pub(crate) app: Option<LitStr>,
    /// `scopes = "openid orders:read"`: space-separated, replaces the app's scopes.
    pub(crate) scopes: Option<LitStr>,
    /// `server = "orders"`: another authorization server, by its name in fixtures.yaml.
    pub(crate) server: Option<LitStr>,
    /// `fresh`: skip the token cache.
    pub(crate) fresh: Option<Span>,
}

/// Parses `#[okta_user]`'s arguments: exactly one user.
pub(crate) fn user(input: ParseStream) -> syn::Result<Args> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "missing the user: write `#[okta_user(\"alice\")]` with a key of `users` in fixtures.yaml",
        ));
    }
    let user = user_key(input)?;
    let mut errors = Errors::default();
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    if input.peek(LitStr) {
        let extra: LitStr = input.parse()?;
        return Err(syn::Error::new(
            extra.span(),
            "one user per `#[okta_user]`: stack another `#[okta_user(\"…\")]`, or write \
                 `#[okta_users(\"…\", \"…\")]` to run the test once per user",
        ));
    }
    let options = Options::parse_rest(input, &mut errors)?;
    Ok(Args {
        users: vec![user],
        options,
        problems: errors,
    })
}

/// Parses `#[okta_users]`'s arguments: one user or more.
pub(crate) fn users(input: ParseStream) -> syn::Result<Args> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "missing the users: write `#[okta_users(\"alice\", \"bob\")]` with keys of `users` in fixtures.yaml",
        ));
    }
    let mut errors = Errors::default();
    let mut users: Vec<LitStr> = vec![user_key(input)?];
    loop {
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
        if !input.peek(LitStr) {
            break;
        }
        let user = user_key(input)?;
        if users.iter().any(|u| u.value() == user.value()) {
            errors.push(syn::Error::new(
                user.span(),
                format!("user `{}` is listed twice", user.value()),
            ));
        }
        users.push(user);
    }
    let options = Options::parse_rest(input, &mut errors)?;
    Ok(Args {
        users,
        options,
        problems: errors,
    })
}

/// A user's key: a non-empty string literal. A bare identifier gets a hint to quote it.
fn user_key(input: ParseStream) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        let user: LitStr = input.parse()?;
        if user.value().trim().is_empty() {
            return Err(syn::Error::new(
                user.span(),
                "the user's key is empty: write a key of `users` in fixtures.yaml, e.g. \"alice\"",
            ));
        }
        return Ok(user);
    }
    if input.peek(Ident) && !input.peek2(Token![=]) {
        let ident: Ident = input.parse()?;
        return Err(syn::Error::new(
            ident.span(),
            format!("expected the user's key as a string literal: write `\"{ident}\"`"),
        ));
    }
    Err(input.error("expected the user's key as a string literal, e.g. `\"alice\"`"))
}

impl Options {
    /// Parses `key = "value"` and `fresh` up to the end of the input, comma-separated.
    ///
    /// A syntax error stops the parse; a repeated key or empty value is pushed to `errors` and
    /// parsing goes on, so one build reports all of them.
    fn parse_rest(input: ParseStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::app) {
                let key: kw::app = input.parse()?;
                let value = value_of(input, key.span, "app", "web")?;
                set(&mut options.app, "app", key.span, value, errors);
            } else if lookahead.peek(kw::scopes) {
                let key: kw::scopes = input.parse()?;
                let value = value_of(input, key.span, "scopes", "openid orders:read")?;
                set(&mut options.scopes, "scopes", key.span, value, errors);
            } else if lookahead.peek(kw::server) {
                let key: kw::server = input.parse()?;
                let value = value_of(input, key.span, "server", "default")?;
                set(&mut options.server, "server", key.span, value, errors);
            } else if lookahead.peek(kw::fresh) {
                let key: kw::fresh = input.parse()?;
                if input.peek(Token![=]) {
                    return Err(syn::Error::new(
                        key.span,
                        "`fresh` takes no value: write `fresh` to skip the token cache, or leave it out",
                    ));
                }
                if options.fresh.is_some() {
                    errors.push(syn::Error::new(key.span, "duplicate option `fresh`"));
                }
                options.fresh = Some(key.span);
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}

/// `= "value"` after `key`; `example` goes into the error when it is missing or not a string.
fn value_of(input: ParseStream, at: Span, key: &str, example: &str) -> syn::Result<LitStr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            at,
            format!("`{key}` takes a value: write `{key} = \"{example}\"`"),
        ));
    }
    input.parse::<Token![=]>()?;
    if !input.peek(LitStr) {
        let found = if input.is_empty() { at } else { input.span() };
        return Err(syn::Error::new(
            found,
            format!("expected a string literal: write `{key} = \"{example}\"`"),
        ));
    }
    let value: LitStr = input.parse()?;
    if value.value().trim().is_empty() {
        return Err(syn::Error::new(
            value.span(),
            format!("`{key}` is empty: write `{key} = \"{example}\"` or leave the option out"),
        ));
    }
    Ok(value)
}

fn set(slot: &mut Option<LitStr>, key: &str, at: Span, value: LitStr, errors: &mut Errors) {
    if slot.is_some() {
        errors.push(syn::Error::new(at, format!("duplicate option `{key}`")));
    } else {
        *slot = Some(value);
    }
}

/// The user keys at the start of an attribute's arguments, read leniently so that an expansion
/// can still be made when the arguments as a whole do not parse. A bare identifier counts in
/// first place (`#[okta_user(alice)]`).
pub(crate) fn leading_users(args: TokenStream) -> Vec<(String, Span)> {
    let parser = |input: ParseStream| {
        let mut users = Vec::new();
        loop {
            if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                users.push((lit.value(), lit.span()));
            } else if users.is_empty() && input.peek(Ident) && !input.peek2(Token![=]) {
                let ident: Ident = input.parse()?;
                users.push((ident.to_string(), ident.span()));
            } else {
                break;
            }
            if input.parse::<Option<Token![,]>>()?.is_none() {
                break;
            }
        }
        // Whatever follows is the options, which this lenient reading ignores.
        input.parse::<TokenStream>()?;
        Ok(users)
    };
    parser.parse2(args).unwrap_or_default()
}

/// Errors gathered while going on, as serde's `Ctxt` does, combined into one at the end.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Adds every error of `other`.
    pub(crate) fn append(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    /// `Err` with every error pushed, if any.
    #[cfg(test)]
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// The errors as `compile_error!` invocations (nothing when there are none).
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses, turning the problems that do not stop the parse into errors too.
    fn user(args: TokenStream) -> syn::Result<Args> {
        parse(super::user, args)
    }

    fn users(args: TokenStream) -> syn::Result<Args> {
        parse(super::users, args)
    }

    fn parse(parser: fn(ParseStream) -> syn::Result<Args>, args: TokenStream) -> syn::Result<Args> {
        let mut parsed = parser.parse2(args)?;
        std::mem::take(&mut parsed.problems).finish()?;
        Ok(parsed)
    }

    fn message(result: syn::Result<impl Sized>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    #[test]
    fn parses_a_user_and_every_option() {
        let args = user(quote::quote!(
            "bob",
            app = "web",
            scopes = "openid orders:write",
            server = "aus1",
            fresh
        ))
        .unwrap();
        assert_eq!(args.users[0].value(), "bob");
        assert_eq!(args.options.app.unwrap().value(), "web");
        assert_eq!(args.options.scopes.unwrap().value(), "openid orders:write");
        assert_eq!(args.options.server.unwrap().value(), "aus1");
        assert!(args.options.fresh.is_some());
    }

    #[test]
    fn options_are_optional_and_a_trailing_comma_is_fine() {
        let args = user(quote::quote!("alice",)).unwrap();
        assert_eq!(args.users[0].value(), "alice");
        assert!(args.options.app.is_none() && args.options.fresh.is_none());
    }

    #[test]
    fn unknown_key_lists_the_known_ones() {
        assert_eq!(
            message(user(quote::quote!("alice", scope = "openid"))),
            "expected one of: `app`, `scopes`, `server`, `fresh`"
        );
    }

    #[test]
    fn duplicate_keys_are_all_reported() {
        assert_eq!(
            message(user(quote::quote!(
                "alice",
                app = "web",
                app = "spa",
                fresh,
                fresh
            ))),
            "duplicate option `app` | duplicate option `fresh`"
        );
    }

    #[test]
    fn a_bare_identifier_gets_quoted_in_the_hint() {
        assert_eq!(
            message(user(quote::quote!(alice))),
            "expected the user's key as a string literal: write `\"alice\"`"
        );
    }

    #[test]
    fn missing_and_empty_values_say_what_to_write() {
        assert_eq!(
            message(user(quote::quote!("alice", app))),
            "`app` takes a value: write `app = \"web\"`"
        );
        assert_eq!(
            message(user(quote::quote!("alice", scopes = " "))),
            "`scopes` is empty: write `scopes = \"openid orders:read\"` or leave the option out"
        );
        assert_eq!(
            message(user(quote::quote!("alice", server = 1))),
            "expected a string literal: write `server = \"default\"`"
        );
        assert_eq!(
            message(user(quote::quote!("alice", fresh = true))),
            "`fresh` takes no value: write `fresh` to skip the token cache, or leave it out"
        );
    }

    #[test]
    fn empty_arguments_and_empty_keys_are_errors() {
        assert!(message(user(TokenStream::new())).starts_with("missing the user"));
        assert!(message(users(TokenStream::new())).starts_with("missing the users"));
        assert!(message(user(quote::quote!(""))).starts_with("the user's key is empty"));
    }

    #[test]
    fn a_second_user_points_to_okta_users() {
        assert!(message(user(quote::quote!("alice", "bob"))).contains("#[okta_users("));
    }

    #[test]
    fn okta_users_takes_several_users_then_options() {
        let args = users(quote::quote!("alice", "bob", app = "web")).unwrap();
        let keys: Vec<String> = args.users.iter().map(LitStr::value).collect();
        assert_eq!(keys, ["alice", "bob"]);
        assert_eq!(args.options.app.unwrap().value(), "web");
        assert_eq!(
            message(users(quote::quote!("alice", "alice"))),
            "user `alice` is listed twice"
        );
    }

    #[test]
    fn leading_users_survive_bad_options() {
        let keys = |t| {
            leading_users(t)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(quote::quote!("alice", bogus = 1)), ["alice"]);
        assert_eq!(keys(quote::quote!(alice)), ["alice"]);
        assert_eq!(keys(quote::quote!("a", "b", fresh)), ["a", "b"]);
        assert!(keys(quote::quote!(app = "web")).is_empty());
    }
}
